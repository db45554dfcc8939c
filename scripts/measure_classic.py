"""Measures the classic presets over several seeds: the statistics docs/classic.md reports.

Usage: PYTHONPATH=python python3 scripts/measure_classic.py [--seeds 10] [--threads 2] [--only jgn,...]
Prints one JSON line per run, then a table of means and standard deviations, and for Kumpula the
final overlap-against-weight curve (mean overlap and mean weight per slice of ties ranked by weight).
"""
import argparse
import json
import math
import statistics
import time

from socius import _core


def davidsen_sweeps(n, p):
    # The usual steady-state criterion: ln(0.5/N) / ln(1 - p/N) updates, in sweeps of N updates.
    return math.ceil(math.log(0.5 / n) / math.log1p(-p / n) / n)


PRESETS = {
    "jgn2001": ("jgn", 250, 30000, {}),
    "davidsen2002_p0.02": ("davidsen", 10000, davidsen_sweeps(10000, 0.02), {"davidsen.p": 0.02}),
    "davidsen2002_p0.0822": ("davidsen", 10000, davidsen_sweeps(10000, 0.0822), {"davidsen.p": 0.0822}),
    "davidsen2002_p0.3": ("davidsen", 10000, davidsen_sweeps(10000, 0.3), {"davidsen.p": 0.3}),
    "kumpula2007": ("kumpula", 10000, 25000, {}),
}


def run(model, n, steps, params, seed, threads):
    entries = [("simulation.population", n, "measure"), ("simulation.steps", steps, "measure"),
               ("simulation.burn_in", 0, "measure"), ("simulation.record_every", steps, "measure")]
    entries += [(k, v, "measure") for k, v in params.items()]
    sim = _core.Simulation(model, entries, seed=seed, threads=threads)
    t0 = time.perf_counter()
    sim.step(steps)
    wall = time.perf_counter() - t0
    ind = sim.indicators()
    values = dict(zip(ind["indicators"], (float(v) for v in ind["values"][-1, 0, :])))
    assert sim.check_ties() == ""
    curves = {d["name"]: [float(v) for v in d["values"][-1]] for d in sim.distributions()
              if d["name"] in ("overlap_by_weight", "weight_by_weight_rank")}
    return wall, values, curves


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--only", default="")
    args = ap.parse_args()
    names = [k for k in PRESETS if not args.only or k in args.only.split(",")]
    table = {}
    for name in names:
        model, n, steps, params = PRESETS[name]
        rows = []
        for seed in range(1, args.seeds + 1):
            wall, values, curves = run(model, n, steps, params, seed, args.threads)
            print(json.dumps({"preset": name, "seed": seed, "wall_s": round(wall, 3), **values, **curves}), flush=True)
            rows.append({"wall_s": wall, **values, **curves})
        table[name] = rows
    keys = ["mean_degree", "average_clustering", "transitivity", "assortativity", "largest_component_share",
            "mean_path_length", "max_degree", "mean_weight", "mean_overlap", "overlap_weight_spearman", "wall_s"]
    for name, rows in table.items():
        print(f"\n{name} ({len(rows)} seeds, {PRESETS[name][2]} steps)")
        for k in keys:
            xs = [r[k] for r in rows if not math.isnan(r[k])]
            if xs:
                sd = statistics.stdev(xs) if len(xs) > 1 else 0.0
                print(f"  {k:26s} {statistics.mean(xs):10.4f} +- {sd:.4f}")
        if "overlap_by_weight" in rows[0]:
            bins = len(rows[0]["overlap_by_weight"])
            print(f"  overlap against weight ({bins} slices of ties ranked by weight; mean +- sd over seeds)")
            print(f"  {'weight_rank':>11s} {'mean weight':>20s} {'mean overlap':>20s}")
            for k in range(bins):
                w = [r["weight_by_weight_rank"][k] for r in rows]
                o = [r["overlap_by_weight"][k] for r in rows]
                sd = (lambda xs: statistics.stdev(xs) if len(xs) > 1 else 0.0)
                print(f"  {k / bins:11.2f} {statistics.mean(w):11.2f} +- {sd(w):6.2f} "
                      f"{statistics.mean(o):11.4f} +- {sd(o):6.4f}")


if __name__ == "__main__":
    main()
