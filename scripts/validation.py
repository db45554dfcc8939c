#!/usr/bin/env python3
"""Sets the community model beside the published figures it must answer to (docs/validation.md).

Two parts, each written as Markdown tables (and the data as JSON) into an output folder, with one
figure:

* calibration: every target of a targets file (default ``scenarios/targets/uk.toml``) for the
  default baseline, at two sizes after burn-in (policy time 0) and again after 30 years of
  baseline, each the mean over seeds 1..S with its standard deviation across seeds;
* virtual trials: ``socius.trial`` of each early-action part at its default scenario (befriending,
  hubs, relational practice), intention-to-treat SMDs at 26 and 52 weeks with 95% intervals over
  replicates, beside the published trial figures.

Usage::

    PYTHONPATH=python python3 scripts/validation.py --out docs/validation [--seeds 3]
        [--sizes 20000 50000] [--years 30] [--trial-population 20000] [--trial-replicates 5]
        [--skip-trials] [--skip-calibration] [--from-calibrate N=FILE ...]

``--from-calibrate`` takes the calibration part from outputs of the C++ program
``build/release/benchmarks/community_calibrate`` (one per seed or several seeds per file, each
``N=FILE`` with N the population it ran) instead of running the baseline through Python: the same
model, seeds and defaults, so the same figures, and the runs can go side by side. A file must
reach year ``--years`` to give the last column at the first size.

Prints progress (runs done, time left) on stderr; Ctrl-C stops between runs.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
import tomllib
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "python"))

# Published figures the virtual trials are set beside (../shared/MODEL.md, "Evidence the model
# must answer to"). SMDs are negative when the outcome (loneliness) falls.
PUBLISHED_TRIALS = [
    ("loneliness interventions, randomised trials (pooled)", -0.47, "Lasgaard et al. 2022, 128 studies (GRADE low)"),
    ("loneliness interventions, multi-cohort studies", -0.24, "Lasgaard et al. 2022"),
    ("psychological loneliness interventions", -0.43, "Hickin et al. 2021 (Hedges g 0.43)"),
    ("befriending, depressive symptoms, short term", -0.27, "Mead et al. 2010"),
    ("befriending, depressive symptoms, long term", -0.18, "Mead et al. 2010"),
    # The comparator for relational practice's relationship quality (positive: better).
    ("empathic consultations: pain, anxiety, satisfaction (better)", 0.18, "Howick et al. 2018, 7 RCTs"),
    ("RCTs manipulating the patient-clinician relationship: health outcomes", 0.11, "Kelley et al. 2014, 13 RCTs"),
]


class Progress:
    def __init__(self, total: int):
        self.total, self.done, self.start = total, 0, time.monotonic()

    def tick(self, what: str) -> None:
        self.done += 1
        elapsed = time.monotonic() - self.start
        left = elapsed / self.done * (self.total - self.done)
        print(f"[{self.done}/{self.total}] {what}: {elapsed:.0f} s so far, about {left:.0f} s left", file=sys.stderr,
              flush=True)


def load_targets(path: Path) -> dict:
    with open(path, "rb") as f:
        return tomllib.load(f)


def baseline_values(population: int, seed: int, weeks: int, targets: dict) -> dict[str, float]:
    """Each target's indicator at policy time `weeks` of the default baseline."""
    import socius  # the compiled extension is needed only for runs made here

    scenario = socius.Scenario.load(ROOT / "scenarios" / "baseline.toml").with_overrides(
        {"simulation.population": population, "simulation.steps": weeks})
    sim = socius.Simulation(scenario, seed=seed, threads=2)
    sim.run(progress=False)
    ind = sim.results["indicators"].isel(time=-1)
    return {name: float(ind.sel(group=t["group"], indicator=t["indicator"])) for name, t in targets.items()}


# community_calibrate's column label for each (group, indicator) a target can name.
CALIBRATE_COLUMNS = {
    ("all", "lonely_share"): "lonely", ("age_16_24", "lonely_share"): "l16-24",
    ("age_65_plus", "lonely_share"): "l65+", ("age_75_plus", "lonely_share"): "l75+",
    ("age_65_plus", "no_contact_share"): "nc65+", ("all", "trust_share"): "trust",
    ("quintile_1", "trust_share"): "trustq1", ("quintile_5", "trust_share"): "trustq5",
    ("parents", "lonely_share"): "lparent", ("all", "staff_turnover_rate"): "turnovr",
    ("age_25_34", "lonely_share"): "l25-34", ("age_45_54", "lonely_share"): "l45-54",
    ("age_55_64", "lonely_share"): "l55-64",
    ("all", "vacancy_rate"): "vacancy", ("all", "burnout_share"): "burnout", ("all", "caseload_mean"): "caseld",
}


def read_calibrate(specs: list[str], targets: dict, sizes: list[int], seeds: int, years: int) -> dict:
    """Per (population, week), the targets' values for seeds 1..`seeds` from community_calibrate outputs."""
    by = {}  # (population, week) -> {seed: {target: value}}
    for spec in specs:
        n, _, path = spec.partition("=")
        header = None
        for line in Path(path).read_text().splitlines():
            f = line.split()
            if f[:2] == ["seed", "year"]:
                header = f[2:]
            elif header and len(f) == len(header) + 2 and f[0].isdigit():
                row = dict(zip(header, map(float, f[2:])))
                by.setdefault((int(n), 52 * int(f[1])), {})[int(f[0])] = {
                    name: row.get(CALIBRATE_COLUMNS[(t["group"], t["indicator"])], float("nan")) for name, t in targets.items()}
    measured = {}
    for n, weeks in [(n, 0) for n in sizes] + [(sizes[0], 52 * years)]:
        got = by.get((n, weeks), {})
        missing = [k for k in range(1, seeds + 1) if k not in got]
        if missing:
            raise SystemExit(f"--from-calibrate: no {n}-resident run at week {weeks} for seeds {missing}")
        measured[(n, weeks)] = [got[k] for k in range(1, seeds + 1)]
    return measured


def calibration(targets: dict, sizes: list[int], seeds: int, years: int, progress: Progress,
                measured: dict | None = None) -> list[dict]:
    rows = []
    columns = [(n, 0) for n in sizes] + [(sizes[0], 52 * years)]
    if measured is None:
        measured = {}
        for n, weeks in columns:
            per_seed = []
            for seed in range(1, seeds + 1):
                per_seed.append(baseline_values(n, seed, weeks, targets))
                progress.tick(f"baseline, {n} residents, seed {seed}, week {weeks}")
            measured[(n, weeks)] = per_seed
    for name, t in targets.items():
        row = {"target": name, **{k: t[k] for k in ("indicator", "group", "value", "low", "high", "band", "source")},
               "model": []}
        for n, weeks in columns:
            v = np.array([m[name] for m in measured[(n, weeks)]])
            row["model"].append({"population": n, "week": weeks, "mean": float(v.mean()),
                                 "sd": float(v.std(ddof=1)) if len(v) > 1 else float("nan"),
                                 "inside": bool(t["low"] <= v.mean() <= t["high"])})
        rows.append(row)
    return rows


def rebanded(row: dict, target: dict) -> dict:
    """A measured row with the published figure, band and source of `target` (the same indicator)."""
    assert (row["indicator"], row["group"]) == (target["indicator"], target["group"]), row["target"]
    row = {**row, **{k: target[k] for k in ("value", "low", "high", "band", "source")}}
    row["model"] = [{**c, "inside": bool(target["low"] <= c["mean"] <= target["high"])} for c in row["model"]]
    return row


def when(c: dict) -> str:
    return "after burn-in" if c["week"] == 0 else f"year {c['week'] // 52}"


def pct(x: float, unit_share: bool) -> str:
    return f"{100 * x:.1f}%" if unit_share else f"{x:.1f}"


def calibration_markdown(rows: list[dict], seeds: int) -> str:
    cols = rows[0]["model"]
    head = " | ".join(f"{c['population']:,} residents, {when(c)}" for c in cols)
    out = [f"| target | published | band | {head} | source |", "|---" * (4 + len(cols)) + "|"]
    for r in rows:
        share = r["indicator"] != "caseload_mean"
        cells = []
        for c in r["model"]:
            mark = "" if c["inside"] else " **outside**"
            cells.append(f"{pct(c['mean'], share)} (sd {pct(c['sd'], share)}){mark}")
        out.append(f"| {r['indicator']}, {r['group']} | {pct(r['value'], share)} | {pct(r['low'], share)}-"
                   f"{pct(r['high'], share)} | " + " | ".join(cells) + f" | {r['source']} |")
    out.append("")
    out.append(f"Each model figure is the mean over seeds 1-{seeds} (sd: standard deviation of one seed).")
    return "\n".join(out)


# The outcome each part's trial is judged on (docs/model.md, "Virtual trials") and the range the
# C++ virtual trials assert, with its source.
TRIAL_OUTCOMES = {
    "befriending": ("loneliness", (-0.5, -0.1), "Mead et al. 2010 (-0.27 short term, -0.18 long term); Lasgaard et al. "
                    "2022 (RCTs pooled -0.47, GRADE low; multi-cohort -0.24)"),
    "hubs": ("loneliness", (-0.3, 0.0), "no randomised trial of hubs or social prescribing (Bickerdike et al. 2017; "
             "Reinhardt et al. 2021): an offer to a whole area, most not lonely, is diluted below Lasgaard's -0.24"),
    "relational_practice": ("relationship_quality", (0.03, 0.32), "Howick et al. 2018: empathic consultations, SMD 0.18 "
                            "(0.03 to 0.32); trials of communication training that ask patients about the relationship "
                            "find a small effect or none (Riess et al. 2012; Johnson et al. 2013; Dwamena et al. 2012)"),
}


def trials(population: int, replicates: int, progress: Progress) -> list[dict]:
    import socius
    from socius.trial import format_table, summary_dict

    rows = []
    for name in TRIAL_OUTCOMES:
        ds = socius.trial(ROOT / "scenarios" / f"{name}.toml", population=population, replicates=replicates,
                          seed=1, follow_up=(26, 52), progress=False)
        print(format_table(ds), file=sys.stderr)
        rows.append({"intervention": name, "summary": summary_dict(ds)})
        progress.tick(f"virtual trial of {name}")
    return rows


def bound(x: float) -> str:
    """A range's end as given: one decimal where that is exact (-0.5, +0.0), else two (+0.03)."""
    return f"{x:+.1f}" if abs(10 * x - round(10 * x)) < 1e-9 else f"{x:+.2f}"


def trials_markdown(rows: list[dict]) -> str:
    out = ["| part | eligible (per arm, replicate 1) | outcome | follow-up | SMD (95% interval) | difference (95% interval) "
           "| range the tests assert | published |", "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        s = r["summary"]
        outcome, (lo, hi), source = TRIAL_OUTCOMES[r["intervention"]]
        n = f"{s['assigned']['offered'][0]:,} / {s['assigned']['control'][0]:,}"
        for f in s["follow_up"]:
            o = f["outcomes"][outcome]
            smd, dif = o["smd"], o["difference"]
            out.append(f"| {r['intervention']} | {n} | {outcome} | {f['week']} weeks | {smd['estimate']:+.2f} "
                       f"({smd['low']:+.2f} to {smd['high']:+.2f}) | {dif['estimate']:+.3f} ({dif['low']:+.3f} to "
                       f"{dif['high']:+.3f}) | {bound(lo)} to {bound(hi)} | {source} |")
    s = rows[0]["summary"]
    out.append("")
    out.append(f"{s['replicates']} replicates of {s['population']:,} residents, master seed {s['master_seed']}, "
               f"burn-in {s['burn_in']} weeks; intervals: {s['interval']}.")
    return "\n".join(out)


def figure(calib: list[dict], trial_rows: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = 2 if trial_rows else 1
    fig, axes = plt.subplots(1, panels, figsize=(6.5 * panels, 0.42 * max(len(calib), 8) + 1.5), squeeze=False)
    ax = axes[0][0]
    share_rows = [r for r in calib if r["indicator"] != "caseload_mean"]
    y = np.arange(len(share_rows))[::-1]
    for yi, r in zip(y, share_rows):
        ax.plot([100 * r["low"], 100 * r["high"]], [yi, yi], color="0.75", lw=6, solid_capstyle="butt")
        ax.plot(100 * r["value"], yi, "k|", ms=12)
        for k, c in enumerate(r["model"]):
            ax.errorbar(100 * c["mean"], yi + 0.18 * (k - 1), xerr=100 * 2 * (c["sd"] if np.isfinite(c["sd"]) else 0),
                        fmt="o", ms=4, color=f"C{k}",
                        label=f"{c['population']:,}, {when(c)}"
                        if yi == y[0] else None)
    ax.set_yticks(y, [f"{r['indicator']}\n{r['group']}" for r in share_rows], fontsize=7)
    ax.set_xlabel("%  (grey: published band, tick: figure; dots: model +-2 sd)", fontsize=8)
    ax.set_title("Calibration targets")
    ax.legend(fontsize=7, loc="lower right")
    if trial_rows:
        ax = axes[0][1]
        labels, k = [], 0
        for name, smd, src in PUBLISHED_TRIALS:
            ax.plot(smd, k, "ks")
            labels.append(f"{name}\n({src})")
            k += 1
        for t in trial_rows:
            outcome = TRIAL_OUTCOMES[t["intervention"]][0]
            for f in t["summary"]["follow_up"]:
                o = f["outcomes"][outcome]["smd"]
                ax.errorbar(o["estimate"], k, xerr=[[o["estimate"] - o["low"]], [o["high"] - o["estimate"]]], fmt="o",
                            color="C3")
                labels.append(f"socius: {t['intervention']} ({outcome}), week {f['week']}")
                k += 1
        ax.axvline(0, color="0.6", lw=0.8)
        ax.set_yticks(range(k), labels, fontsize=6)
        ax.invert_yaxis()
        ax.set_xlabel("SMD; socius: ITT, 95% interval over replicates\n(loneliness: negative is better; "
                      "relationship quality, Howick, Kelley: positive is better)", fontsize=8)
        ax.set_title("Virtual trials beside published trials")
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=ROOT / "docs" / "validation")
    ap.add_argument("--targets", type=Path, default=ROOT / "scenarios" / "targets" / "uk.toml")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--sizes", type=int, nargs=2, default=[20000, 50000])
    ap.add_argument("--years", type=int, default=30)
    ap.add_argument("--trial-population", type=int, default=20000)
    ap.add_argument("--trial-replicates", type=int, default=5)
    ap.add_argument("--skip-trials", action="store_true")
    ap.add_argument("--skip-calibration", action="store_true")
    ap.add_argument("--from-calibrate", nargs="+", metavar="N=FILE", default=None,
                    help="take the calibration from community_calibrate outputs (N: the population of the run)")
    a = ap.parse_args(argv)
    a.out.mkdir(parents=True, exist_ok=True)
    targets = load_targets(a.targets)
    total = (0 if a.skip_calibration or a.from_calibrate else a.seeds * 3) + (0 if a.skip_trials else 3)
    progress = Progress(total)
    data = {}
    if (a.out / "validation.json").exists():
        data = json.loads((a.out / "validation.json").read_text())
    if not a.skip_calibration:
        measured = read_calibrate(a.from_calibrate, targets, a.sizes, a.seeds, a.years) if a.from_calibrate else None
        data["calibration"] = calibration(targets, a.sizes, a.seeds, a.years, progress, measured)
        data["seeds"] = a.seeds
    else:  # the measured values as they were, set against the targets file as it is now
        data["calibration"] = [rebanded(row, targets[row["target"]]) for row in data["calibration"]
                               if row["target"] in targets]
    (a.out / "calibration.md").write_text(calibration_markdown(data["calibration"], data["seeds"]) + "\n")
    if a.skip_trials and data.get("trials"):
        (a.out / "trials.md").write_text(trials_markdown(data["trials"]) + "\n")
    if not a.skip_trials:
        data["trials"] = trials(a.trial_population, a.trial_replicates, progress)
        (a.out / "trials.md").write_text(trials_markdown(data["trials"]) + "\n")
    (a.out / "validation.json").write_text(json.dumps(data, indent=1))
    figure(data["calibration"], data.get("trials", []), a.out / "validation.png")
    print(f"wrote {a.out}/validation.json, calibration.md, trials.md and validation.png", file=sys.stderr)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("interrupted: nothing more written", file=sys.stderr)
        sys.exit(130)
