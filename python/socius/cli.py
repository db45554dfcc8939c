"""The ``socius`` command line: a thin layer over the Python API.

Exit codes: 0 success, 2 bad input (the message says what to fix), 1 internal failure,
130 interrupted.
"""

from __future__ import annotations

import argparse
import secrets
import sys
from pathlib import Path

from . import _core
from .results import ResultsError, summary
from .scenario import Scenario, ScenarioError
from .simulation import resume, run

EXIT_BAD_INPUT = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse's own exit code is 2 as well; keep its message
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message}\n")


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _seed(text: str) -> int:
    try:
        value = int(text, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 0 <= value < 2**64:
        raise argparse.ArgumentTypeError(f"must be in [0, 2**64), got {value}")
    return value


def _load(args, path=None) -> Scenario:
    scenario = Scenario.load(args.scenario if path is None else path)
    overrides = {}
    if getattr(args, "population", None) is not None:
        overrides["simulation.population"] = args.population
    if getattr(args, "steps", None) is not None:
        overrides["simulation.steps"] = args.steps
    if overrides:
        scenario = scenario.with_overrides(overrides, origin="command line")
    if args.set:
        scenario = scenario.with_settings(args.set)
    scenario.validate()
    return scenario


def _cmd_run(args) -> int:
    scenario = _load(args)
    output = Path(args.output) if args.output else Path("results") / f"{scenario.name}.h5"
    if not args.output:
        output.parent.mkdir(parents=True, exist_ok=True)
    print(f"socius: running {scenario.name} ({scenario.model}) with "
          f"{scenario.parameters['simulation.population']} agents for "
          f"{scenario.parameters['simulation.burn_in']} burn-in + "
          f"{scenario.parameters['simulation.steps']} steps", file=sys.stderr)
    ckpt = None
    if args.checkpoint_every:
        ckpt = Path(args.checkpoint) if args.checkpoint else output.with_name(output.name + ".ckpt")
    try:
        path = run(scenario, output, seed=args.seed, threads=args.threads, progress=not args.quiet,
                   checkpoint_every=args.checkpoint_every, checkpoint=ckpt)
    except KeyboardInterrupt:
        _interrupted(ckpt)
        return 130
    print(f"socius: results written to {path}")
    return 0


def _interrupted(ckpt: Path | None) -> None:
    msg = "\nsocius: interrupted; no results file was written (the temporary file was removed)"
    if ckpt is not None and ckpt.exists():
        msg += f"; the last checkpoint is kept: continue with  socius resume {ckpt}"
    print(msg, file=sys.stderr)


def _cmd_resume(args) -> int:
    ckpt = Path(args.checkpoint)
    try:
        path = resume(ckpt, threads=args.threads, progress=not args.quiet)
    except KeyboardInterrupt:
        _interrupted(ckpt)
        return 130
    print(f"socius: results written to {path}")
    return 0


def _cmd_compare(args) -> int:
    from .compare import check_comparable, compare

    scenarios = [_load(args, path) for path in args.scenarios]
    check_comparable(scenarios)
    output = Path(args.output) if args.output else Path("results") / "comparison.h5"
    if not args.output:
        output.parent.mkdir(parents=True, exist_ok=True)
    seed = args.seed if args.seed is not None else secrets.randbits(64)
    runs = len(scenarios) * args.replicates
    print(f"socius: comparing {len(scenarios)} scenario{'s' if len(scenarios) != 1 else ''} "
          f"({', '.join(s.name for s in scenarios)}) x {args.replicates} replicate"
          f"{'s' if args.replicates != 1 else ''} = {runs} runs; master seed {seed}", file=sys.stderr)
    path = compare(scenarios, replicates=args.replicates, seed=seed, output=output,
                   threads=args.threads, workers=args.workers, progress=not args.quiet)
    print(f"socius: comparison written to {path}")
    if args.report:
        from .report import report

        page = report(path, args.report)
        print(f"socius: report written to {page}")
    return 0


def _cmd_report(args) -> int:
    from .report import report

    results = Path(args.results)
    out_dir = Path(args.output) if args.output else results.with_name(results.stem + "_report")
    page = report(results, out_dir)
    print(f"socius: report written to {page}")
    return 0


def _cmd_validate(args) -> int:
    print(_load(args).to_toml(), end="")
    return 0


def _cmd_info(args) -> int:
    from .compare import is_comparison, summary as comparison_summary

    print(comparison_summary(args.results) if is_comparison(args.results) else summary(args.results))
    return 0


def _cmd_models(args) -> int:
    for m in _core.models():
        print(f"{m['name']:<12} {m['summary']}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="socius", description="Agent-based community simulation.")
    parser.add_argument("--version", action="version", version=f"socius {_core.__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def scenario_args(p):
        p.add_argument("scenario", help="scenario TOML file")
        p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                       help="override a parameter, e.g. --set ties.decay_friend=0.02 (repeatable)")
        p.add_argument("--population", type=_positive, help="number of agents (simulation.population)")
        p.add_argument("--steps", type=int, help="steps after burn-in (simulation.steps)")

    p = sub.add_parser("run", help="run a scenario and write an HDF5 results file")
    scenario_args(p)
    p.add_argument("-o", "--output", help="results file (default: results/<scenario name>.h5)")
    p.add_argument("--seed", type=_seed, help="64-bit seed (default: drawn at random and recorded)")
    p.add_argument("--threads", type=_positive, help="worker threads (default: all cores)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.add_argument("--checkpoint-every", type=_positive, metavar="K",
                   help="save the complete state every K steps so a killed run can be resumed")
    p.add_argument("--checkpoint", metavar="PATH", help="checkpoint file (default: OUT.h5.ckpt)")
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser("compare", help="run scenarios side by side with paired replicates; one HDF5 file",
                       description="Runs every scenario R times (replicate r of every scenario shares "
                                   "its seed, so differences are paired) in parallel worker processes "
                                   "and writes one HDF5 file with scenario and replicate dimensions. "
                                   "The first scenario is the baseline.")
    p.add_argument("scenarios", nargs="+", metavar="SCENARIO.toml",
                   help="scenario files; the first is the baseline")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override a parameter in every scenario (repeatable)")
    p.add_argument("--population", type=_positive, help="number of agents in every scenario")
    p.add_argument("--steps", type=int, help="steps after burn-in in every scenario")
    p.add_argument("-r", "--replicates", type=_positive, default=5,
                   help="runs per scenario (default 5; 95%% intervals need at least 2)")
    p.add_argument("--seed", type=_seed, help="master seed (default: drawn at random and recorded)")
    p.add_argument("-o", "--output", help="comparison file (default: results/comparison.h5)")
    p.add_argument("--report", metavar="DIR", help="also write the HTML report to DIR/index.html")
    p.add_argument("--threads", type=_positive, help="threads per run (default: cores / workers)")
    p.add_argument("--workers", type=_positive, help="parallel runs (default: one per core)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_compare)

    p = sub.add_parser("report", help="write a self-contained HTML report of a comparison or a run")
    p.add_argument("results", help="comparison file from socius compare (or results from socius run)")
    p.add_argument("-o", "--output", metavar="DIR",
                   help="folder for index.html (default: <results file name>_report beside it)")
    p.set_defaults(func=_cmd_report)

    p = sub.add_parser("resume", help="continue a run from its checkpoint")
    p.add_argument("checkpoint", help="checkpoint file written by run --checkpoint-every")
    p.add_argument("--threads", type=_positive, help="worker threads (default: all cores)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_resume)

    p = sub.add_parser("validate", help="print the resolved scenario, or what is wrong with it")
    scenario_args(p)
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser("info", help="summarise a results file")
    p.add_argument("results", help="results file (.h5)")
    p.set_defaults(func=_cmd_info)

    p = sub.add_parser("models", help="list the built-in models")
    p.set_defaults(func=_cmd_models)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (ScenarioError, ResultsError, _core.CheckpointError) as e:
        print(f"socius: error: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("\nsocius: interrupted; no results file was written (temporary files were removed)",
              file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
