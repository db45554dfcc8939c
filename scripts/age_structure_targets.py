"""The calibration targets and the adult age structure of a scenario's run (issue 15: the
generic setup's age alignment, structure.align_ages). Prints one JSON line: every target of
scenarios/targets/uk.toml (socius.targets.model_values: the mean over the target's window at the
end of the run) with its band, the adult (16+) age shares by band at setup, at the end of the
burn-in and at the end, and the shares of 20-24 / 25-29 / 30-34 year olds living with a parent
(a co-resident at least life.parent_gap years older, the model's definition) at the end.

    PYTHONPATH=python python3 scripts/age_structure_targets.py scenarios/baseline.toml --population 20000 --seed 1
    PYTHONPATH=python python3 scripts/age_structure_targets.py scenarios/baseline.toml --set structure.align_ages=false
"""

import argparse
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "python"))

BANDS = [("16_24", 16, 25), ("25_34", 25, 35), ("35_44", 35, 45), ("45_54", 45, 55), ("55_64", 55, 65),
         ("65_74", 65, 75), ("75_plus", 75, 999)]


def shares(age: np.ndarray) -> dict[str, float]:
    out = {b: round(float(((age >= lo) & (age < hi)).mean()), 4) for b, lo, hi in BANDS}
    out["65_plus"] = round(float((age >= 65).mean()), 4)
    return out


def with_parent(age: np.ndarray, household: np.ndarray, gap: float) -> dict[str, float]:
    oldest = np.full(household.max() + 1, -np.inf)
    np.maximum.at(oldest, household, age)
    has = oldest[household] >= age + gap
    out = {}
    for lo, hi in ((20, 25), (25, 30), (30, 35)):
        m = (age >= lo) & (age < hi)
        out[f"{lo}_{hi - 1}"] = round(float(has[m].mean()), 4)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("scenario", type=Path)
    ap.add_argument("--population", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--weeks", type=int, default=52)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    ap.add_argument("--targets", type=Path, default=ROOT / "scenarios" / "targets" / "uk.toml")
    args = ap.parse_args(argv)
    import socius
    from socius.targets import Targets, model_values

    overrides = {"simulation.population": args.population, "simulation.steps": args.weeks}
    for kv in args.set:
        k, v = kv.split("=", 1)
        overrides[k] = json.loads(v)  # true / false / numbers
    scenario = socius.Scenario.load(args.scenario).with_overrides(overrides)
    targets = Targets.load(args.targets)
    sim = socius.Simulation(scenario, seed=args.seed, threads=args.threads)
    R = args.population
    age0 = np.array(sim.column("age"))[:R]
    sim.run_burn_in()
    age1 = np.array(sim.column("age"))[:R]
    sim.run(progress=False)
    age = np.array(sim.column("age"))[:R]
    household = np.array(sim.column("household"))[:R].astype(np.int64)
    gap = float(sim.parameters["life.parent_gap"])
    values = model_values(sim.results, list(targets))
    out = {}
    for t, v in zip(targets, values):
        v = float(v)
        out[t.name] = {"value": round(v, 4), "low": t.low, "high": t.high,
                       "in_band": bool(t.low <= v <= t.high) if t.low is not None else None}
    print(json.dumps({"scenario": str(args.scenario), "set": args.set, "population": R, "seed": args.seed,
                      "weeks": args.weeks, "burn_in": int(sim.burn_in), "targets": out,
                      "adults_setup": shares(age0), "adults_after_burn_in": shares(age1), "adults_end": shares(age),
                      "with_parent_end": with_parent(age, household, gap)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
