"""The calibration targets (scenarios/targets/uk.toml) in a scenario's run: docs/borough.md,
"Measured". Prints one JSON line of {target: value} for the scenario at the given size and seed,
at policy time --weeks after the scenario's own burn-in.

    PYTHONPATH=python python3 scripts/borough_targets.py scenarios/borough_england.toml --population 20000 --seed 1
"""

import argparse
import json
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "python"))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("scenario", type=Path)
    ap.add_argument("--population", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--weeks", type=int, default=52)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--targets", type=Path, default=ROOT / "scenarios" / "targets" / "uk.toml")
    args = ap.parse_args(argv)
    import socius

    targets = tomllib.loads(args.targets.read_text())
    scenario = socius.Scenario.load(args.scenario).with_overrides(
        {"simulation.population": args.population, "simulation.steps": args.weeks})
    sim = socius.Simulation(scenario, seed=args.seed, threads=args.threads)
    sim.run(progress=False)
    ind = sim.results["indicators"].isel(time=-1)
    out = {name: float(ind.sel(group=t["group"], indicator=t["indicator"])) for name, t in targets.items()
           if isinstance(t, dict) and "indicator" in t}
    age = sim.column("age")
    out["adults_16_24"] = float(((age >= 16) & (age < 25)).mean())
    out["adults_65_plus"] = float((age >= 65).mean())
    out["adults_75_plus"] = float((age >= 75).mean())
    print(json.dumps({"scenario": str(args.scenario), "population": args.population, "seed": args.seed,
                      "weeks": args.weeks, "values": out}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
