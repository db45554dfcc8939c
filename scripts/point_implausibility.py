"""The implausibility of one parameter set, simulated: a calibration spec's scenario run at the
spec's [run] settings (size, burn-in, steps, recording) with R replicate seeds, its targets read
as the calibration reads them, and

    I_t = |z_t - mean of R replicates| / sqrt(V_obs,t + V_model,t (1 + 1/R))

(socius.calibrate.run_implausibility's formula for a simulated point), where V_model,t is the
run-to-run variance the calibration estimated in its last wave (calibration.json). Used to
check the shipped defaults, which are the refit's best point rounded and with one hand step
(docs/calibration.md, section 7).

    PYTHONPATH=python python3 scripts/point_implausibility.py scenarios/calibration/baseline.toml \
        --calibration docs/calibration/baseline --replicates 8 [--set key=value ...] [--json OUT]

Without --set the point is the scenario's own values (for baseline.toml: the shipped defaults).
Prints one row per target and the combined implausibility (the spec's rule) against its cut-off.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

import socius
from socius.calibrate.implausibility import combine, implausibility
from socius.calibrate.spec import CalibrationSpec
from socius.targets import model_values


def _value(text: str):
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("spec", help="calibration spec (TOML)")
    ap.add_argument("--calibration", required=True,
                    help="a finished calibration folder of this spec (its calibration.json gives V_model)")
    ap.add_argument("--replicates", type=int, default=8, help="replicate seeds (default 8)")
    ap.add_argument("--seed", type=int, default=90001, help="first replicate seed (default 90001)")
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                    help="a parameter value for the point (default: the scenario's own)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--json", help="write the figures to this JSON file")
    args = ap.parse_args(argv)

    spec = CalibrationSpec.load(args.spec)
    info = json.loads((Path(args.calibration) / "calibration.json").read_text(encoding="utf-8"))
    model_sd = info["waves"][-1]["model_sd"]
    targets = list(spec.targets)
    missing = [t.name for t in targets if t.name not in model_sd]
    if missing:
        print(f"{args.calibration}/calibration.json: no model_sd for {', '.join(missing)} "
              "(a calibration of another spec?)", file=sys.stderr)
        return 2
    overrides = {}
    for item in args.set:
        key, _, val = item.partition("=")
        overrides[key] = _value(val)
    scenario = spec.scenario.with_overrides(overrides, origin="--set") if overrides else spec.scenario

    y = np.empty((args.replicates, len(targets)))
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.replicates):
            path = Path(tmp) / f"r{r}.h5"
            socius.run(scenario, path, seed=args.seed + r, threads=args.threads, progress=False)
            y[r] = model_values(path, targets, origin=str(path))
            print(f"replicate {r + 1} of {args.replicates} done", file=sys.stderr)
    z = np.array([t.value for t in targets])
    obs = np.array([t.variance for t in targets])
    mvar = np.array([model_sd[t.name] ** 2 for t in targets])
    mean = y.mean(axis=0)
    imp = implausibility(z, obs, mean, mvar / args.replicates, mvar)
    total = float(combine(imp, spec.rule))
    print(f"{'target':<20} {'target value':>12} {'model mean':>12} {'band':>17} {'I':>6}")
    for t, m, i in zip(targets, mean, imp):
        print(f"{t.name:<20} {t.value:>12.4g} {m:>12.4g} {f'{t.low:.4g} to {t.high:.4g}':>17} {i:>6.2f}")
    print(f"combined ({spec.rule}): {total:.2f} against a cut-off of {spec.cutoff:g}: "
          + ("not ruled out" if total <= spec.cutoff else "RULED OUT"))
    if args.json:
        Path(args.json).write_text(json.dumps({
            "spec": args.spec, "calibration": args.calibration, "replicates": args.replicates,
            "seed": args.seed, "set": overrides, "rule": spec.rule, "cutoff": spec.cutoff,
            "combined": total,
            "targets": {t.name: {"value": t.value, "low": t.low, "high": t.high, "model_mean": float(m),
                                 "replicates": [float(v) for v in y[:, k]], "implausibility": float(i)}
                        for k, (t, m, i) in enumerate(zip(targets, mean, imp))}}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
