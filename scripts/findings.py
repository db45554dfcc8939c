#!/usr/bin/env python3
"""The appraisal behind docs/findings.md, at a size a commission can quote.

Runs ``socius appraise`` on the four options (baseline, early action, structural reform, both
combined) under ``--draws`` draws of scenarios/uncertainty.toml (default 100), every option under
the same draw and seed, at ``--population`` residents (default 5,000) with each scenario's own
burn-in (780 weeks) and horizon (520 weeks, ten years); then writes the report and the three
figures docs/appraisal.md shows (``FIGURES/ceac.png``, ``tornado.png``, ``quintiles.png``).

    PYTHONPATH=python python3 scripts/findings.py                    # the full appraisal
    PYTHONPATH=python python3 scripts/findings.py --draws 2 --out results/findings-try \\
        --figures results/findings-try/figures                      # a small trial

Resumable: it is one ``socius appraise`` (one atomic results file per run under ``OUT/runs/``),
so running the same command again after an interruption runs only the runs without a file, and
a finished appraisal is only re-read (report and figures rewritten). On a cluster, run
``--shard I/N`` in each array task, then the same command without ``--shard`` once to write the
appraisal, report and figures.

Measured time: docs/appraisal.md, "The quotable appraisal", and ``--help``.
"""

from __future__ import annotations

import argparse
import base64
import re
import shlex
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OPTIONS = ["baseline", "early_action", "structural_reform", "combined"]
UNCERTAINTY = "scenarios/uncertainty.toml"

EPILOG = """\
Time, measured 2026-11-30 on the project's 2-core machine: the 400 runs (100 draws, 5,000
residents, the 780-week burn-in shared by the four options of a draw, ten years, 2 workers) took
2,931 s of wall time, the first half beside other jobs; alone, about 5 s a run finished. On a
cluster: --shard I/N per array task, then the same command once without --shard."""


def figure_files(appraisal, directory: Path) -> list[Path]:
    """Writes the report's acceptability curves, tornado and quintile figures as PNG files."""
    from socius.report import appraisal as page

    directory.mkdir(parents=True, exist_ok=True)
    others = [o for o in appraisal.options if o != appraisal.baseline]
    tornado = getattr(appraisal, "tornado", None)
    has_tornado = (appraisal.uncertain and tornado is not None and tornado.sizes.get("parameter", 0) > 0
                   and "low" in tornado)  # too few draws for thirds: the report shows no tornado either
    made = {"ceac.png": page._ceac_figure(appraisal, page._reference_wtp(appraisal)),
            "tornado.png": page._tornado_figure(appraisal, others) if has_tornado else "",
            "quintiles.png": page._quintile_figure(appraisal)}
    written = []
    for name, html in made.items():
        m = re.search(r'src="data:image/png;base64,([^"]+)"', html)
        if not m:  # e.g. nothing differs by quintile: the report shows a note instead
            print(f"findings: no {name} (the report has no such figure for this appraisal)", file=sys.stderr)
            continue
        path = directory / name
        tmp = path.with_name(f".{name}.tmp")
        tmp.write_bytes(base64.b64decode(m.group(1)))
        tmp.replace(path)
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], epilog=EPILOG,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--draws", type=int, default=100, help="parameter draws (default 100)")
    p.add_argument("--replicates", type=int, default=1, help="runs per option and draw (default 1)")
    p.add_argument("--population", type=int, default=5000, help="residents (default 5,000)")
    p.add_argument("--seed", type=int, default=1, help="master seed (default 1)")
    p.add_argument("--burn-in", type=int, default=None,
                   help="burn-in weeks (default: the scenarios' own, 780); smaller only for trials")
    p.add_argument("--steps", type=int, default=None, help="horizon in weeks (default: the scenarios' own, 520)")
    p.add_argument("--out", default="results/findings", help="appraisal folder (default results/findings)")
    p.add_argument("--report", default=None, help="report folder (default OUT/report)")
    p.add_argument("--figures", default="docs/appraisal",
                   help="folder of the three PNG figures (default docs/appraisal, the ones docs/appraisal.md shows)")
    p.add_argument("--executor", default="local", choices=["local", "dask", "mpi"])
    p.add_argument("--workers", type=int, default=None, help="worker processes (default: every core)")
    p.add_argument("--threads", type=int, default=None, help="threads per run")
    p.add_argument("--shard", default=None, metavar="I/N", help="run only shard I of N (a Slurm array task)")
    args = p.parse_args(argv)

    import socius
    from socius.scenario import Scenario

    overrides = {}
    if args.burn_in is not None:
        overrides["simulation.burn_in"] = args.burn_in
    if args.steps is not None:
        overrides["simulation.steps"] = args.steps
    scenarios = []
    for name in OPTIONS:
        s = Scenario.load(ROOT / "scenarios" / f"{name}.toml")
        if overrides:
            s = s.with_overrides(overrides, origin="scripts/findings.py")
        scenarios.append(s)
    out = Path(args.out)
    command = "PYTHONPATH=python python3 scripts/findings.py " + " ".join(shlex.quote(a) for a in (argv or sys.argv[1:]))
    t0 = time.perf_counter()
    result = socius.appraise(scenarios, out=out, draws=args.draws, replicates=args.replicates,
                             uncertainty=ROOT / UNCERTAINTY, seed=args.seed, population=args.population,
                             executor=args.executor, workers=args.workers, threads=args.threads,
                             shard=args.shard, command=command)
    elapsed = time.perf_counter() - t0
    if args.shard is not None:
        print(f"findings: shard {args.shard} done in {elapsed:.0f} s; run the same command without --shard "
              "to write the appraisal, report and figures")
        return 0
    from socius.appraise import load
    from socius.report import write

    appraisal = load(result)
    report = write(appraisal, Path(args.report) if args.report else out / "report", overwrite=True)
    figures = figure_files(appraisal, Path(args.figures))
    runs = len(OPTIONS) * args.draws * args.replicates
    print(f"findings: {runs} runs ({len(OPTIONS)} options x {args.draws} draws x {args.replicates} replicates, "
          f"{args.population:,} residents) in {elapsed:.0f} s of wall time")
    print(f"findings: appraisal {result}; report {report}; figures " + ", ".join(map(str, figures)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
