#!/usr/bin/env python3
"""The sweep index at cluster scale: build it, open it and reduce one indicator, at N runs.

    PYTHONPATH=python python3 benchmarks/sweep_index.py --runs 5000 100000 [--work DIR] [--keep]

No simulation runs. One real run of the tiny Davidsen grid run of tests/python/test_sweep.py
(300 agents, 10 steps recorded every 5: 3 times x 1 group x 14 indicators) is written by
socius itself as the template; each of the N runs is that file copied and given its run's own
attributes (seed, sweep hash, run, point, replicate, attempt, wall time) and its own values
(the template's indicators times a factor drawn from the run number), so the files are in the
real results format and belong to the sweep. The sweep is a Latin hypercube over davidsen.p
with N samples and one replicate, with one summary (final mean degree).

Each phase runs in a process of its own, so that its peak resident memory (ru_maxrss) is its
own; the figures are wall seconds and peak RSS, and the RSS of the same process after
importing socius, h5py and xarray (the baseline every phase pays):

    build     socius.sweeps.build_index(DIR, workers=1) (first build: consolidates every block, in
              the one process measured); with --workers N, N forked processes consolidate the
              blocks (as build_index(workers=N) does) and the peak of the largest is reported too
    rebuild   socius.sweeps.build_index(DIR) again      (nothing new: reads the block files)
    open      socius.open_sweep(DIR) and reduce one indicator: the mean over runs of
              indicators.sel(indicator="mean_degree", group="all") at each time, plus the
              summary column's mean

``--legacy`` builds the index as before consolidation existed (one HDF5 virtual source per run
file: ``build_index(DIR, consolidate=False)``). Writes benchmarks/results/sweep_index.json
(--out to write elsewhere) and prints a Markdown table.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "python"))

MIB = 1024.0 ** 2


def spec_dict(n: int) -> dict:
    return {
        "name": f"bench-{n}",
        "scenario": {"model": "davidsen", "name": "d"},
        "seed": 11,
        "replicates": 1,
        "set": {"simulation": {"population": 300, "burn_in": 5, "steps": 10}},
        "record": {"every": 5},
        "design": {"method": "lhs", "samples": n},
        "parameters": {"davidsen.p": {"min": 0.02, "max": 0.3}},
        "summaries": {"final_degree": {"indicator": "mean_degree"}},
    }


def fabricate(out: Path, n: int) -> float:
    """Writes the sweep directory ``out`` with ``n`` finished runs (no simulation beyond the
    template); returns the seconds it took."""
    import h5py

    from socius.simulation import Simulation, run_to_file
    from socius.sweeps import SweepSpec
    from socius.sweeps.runner import prepare_directory

    t0 = time.perf_counter()
    spec = SweepSpec.from_dict(spec_dict(n))
    out.mkdir(parents=True, exist_ok=True)
    prepare_directory(spec, out)
    info = spec.run_info(0)
    template = out / "template.h5"
    sim = Simulation(spec.scenario_for(info), seed=info.seed, threads=1)
    run_to_file(sim, template, progress=False, command="benchmarks/sweep_index.py",
                attributes={"sweep_name": spec.name, "sweep_hash": spec.hash()})
    with h5py.File(template, "r") as f:
        base = f["indicators"][...]
    h = spec.hash()
    for r in range(n):
        if r % 10000 == 0:
            print(f"  fabricating run {r} of {n}", file=sys.stderr, flush=True)
        info = spec.run_info(r)
        path = out / info.relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
        shutil.copyfile(template, tmp)
        with h5py.File(tmp, "r+") as f:
            f["indicators"][...] = base * (1.0 + (r % 997) / 997.0)
            a = f.attrs
            a["seed"] = str(info.seed)
            a["sweep_hash"] = h
            a["sweep_run"] = str(r)
            a["sweep_point"] = str(info.point)
            a["sweep_replicate"] = str(info.replicate)
            a["sweep_attempt"] = "1"
            a["wall_seconds"] = "0.01"
        os.replace(tmp, path)
    template.unlink()
    return time.perf_counter() - t0


CHILD = r"""
import json, resource, sys, time
sys.path.insert(0, {python!r})
import h5py, numpy, xarray, socius
from socius.sweeps import build_index, open_sweep
# Warm-up, not timed: xarray imports array modules (dask...) the first time it decodes a file,
# seconds on a busy machine whatever the file; a one-variable file pays that here.
tw = time.perf_counter()
import tempfile, os
with tempfile.TemporaryDirectory() as d:
    with h5py.File(os.path.join(d, "w.h5"), "w") as f:
        x = f.create_dataset("x", data=numpy.arange(3)); x.make_scale("x")
        v = f.create_dataset("v", data=numpy.zeros(3)); v.dims[0].attach_scale(x)
        s = f.create_dataset("s", data=numpy.array(["a", "b", "c"], dtype=object), dtype=h5py.string_dtype())
        s.dims[0].attach_scale(x)
    with xarray.open_dataset(os.path.join(d, "w.h5"), engine="h5netcdf") as w:
        w.load()
warm = time.perf_counter() - tw
base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t0 = time.perf_counter()
extra = {{}}
kw = {kwargs!r}
if {phase!r} in ("build", "rebuild") and kw.get("workers", 1) > 1:
    # Blocks consolidated by N forked processes (what build_index(workers=N) does with its
    # pool), here with a pool of this process's own children, so that getrusage can report
    # the largest one's peak memory; then the index, over current block files.
    import multiprocessing as mp
    from socius.sweeps import blocks
    from socius.sweeps.index import recorded_spec
    spec = recorded_spec({out!r})
    n_blocks = -(-spec.n_runs // 1000)
    stale = [b for b in range(n_blocks) if not blocks.is_current(__import__("pathlib").Path({out!r}), spec, b)]
    with mp.get_context("fork").Pool(kw["workers"]) as pool:
        pool.starmap(blocks.consolidate_task, [({out!r}, b) for b in stale])
        pool.close()
        pool.join()
    build_index({out!r}, workers=1)
    extra = {{"worker_peak_rss_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024,
              "stale_blocks": len(stale)}}
elif {phase!r} in ("build", "rebuild"):
    build_index({out!r}, **kw)
else:
    with open_sweep({out!r}) as ds:
        t_open = time.perf_counter() - t0
        x = ds["indicators"].sel(indicator="mean_degree", group="all").mean("run").values
        s = float(ds["final_degree"].mean())
        extra = {{"open_s": t_open, "reduced": [float(v) for v in x], "summary_mean": s}}
sec = time.perf_counter() - t0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({{"seconds": sec, "peak_rss_mib": peak / 1024, "baseline_rss_mib": base / 1024, "warmup_s": warm, **extra}}))
"""


def phase(out: Path, name: str, kwargs: dict) -> dict:
    code = CHILD.format(python=str(ROOT / "python"), phase=name, out=str(out), kwargs=kwargs)
    load = os.getloadavg()[0]
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    if r.returncode:
        raise RuntimeError(f"phase {name} failed:\n{r.stderr}")
    d = json.loads(r.stdout.strip().splitlines()[-1])
    d["load_before"] = load
    return d


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, nargs="+", default=[5000, 100000])
    ap.add_argument("--work", type=Path, help="where the sweep directories go (default: a temporary folder); "
                    "an existing directory with the same number of runs is reused, not fabricated again")
    ap.add_argument("--keep", action="store_true", help="keep the fabricated directories")
    ap.add_argument("--legacy", action="store_true", help="the per-run index (build_index(consolidate=False))")
    ap.add_argument("--workers", type=int, default=1,
                    help="processes that consolidate blocks at once (build_index(workers=N); default 1, so that "
                         "the build's peak memory is all in the one process measured)")
    ap.add_argument("--label", default=None, help="name of this measurement in the JSON file")
    ap.add_argument("--phases", nargs="+", default=["build", "rebuild", "open"], choices=["build", "rebuild", "open"],
                    help="phases to measure (open needs an index: build first, or one left by --keep)")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "sweep_index.json")
    a = ap.parse_args()
    work = a.work or Path(tempfile.mkdtemp(prefix="socius-sweep-index-"))
    kwargs = {"consolidate": False} if a.legacy else {"workers": a.workers}
    label = a.label or ("per-run files (legacy)" if a.legacy else
                        "block files" + (f", {a.workers} workers" if a.workers > 1 else ""))
    rows = []
    try:
        for n in a.runs:
            out = work / f"runs{n}"
            done = out / ".fabricated"
            fab = None
            if not done.exists():
                shutil.rmtree(out, ignore_errors=True)
                print(f"fabricating {n} runs in {out}", file=sys.stderr, flush=True)
                fab = fabricate(out, n)
                done.write_text(str(fab))
            if "build" in a.phases:
                for leftover in out.glob("runs/*.h5"):     # block files of an earlier measurement
                    leftover.unlink()
                (out / "sweep.h5").unlink(missing_ok=True)
            row = {"runs": n, "layout": label, "fabricate_s": fab,
                   "measured_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
            for name in a.phases:
                print(f"{n} runs: {name}", file=sys.stderr, flush=True)
                row[name] = phase(out, name, kwargs)
            rows.append(row)
            if not a.keep and a.work is None:
                shutil.rmtree(out, ignore_errors=True)
    finally:
        if not a.keep and a.work is None:
            shutil.rmtree(work, ignore_errors=True)
    a.out.parent.mkdir(parents=True, exist_ok=True)
    old = json.loads(a.out.read_text()) if a.out.exists() else {"measurements": []}
    for r in rows:   # phases measured now replace those of an earlier measurement of the same kind
        earlier = next((m for m in old["measurements"] if m["layout"] == label and m["runs"] == r["runs"]), None)
        if earlier is not None:
            old["measurements"].remove(earlier)
            r.update({k: v for k, v in earlier.items() if k not in r or r[k] is None})
        old["measurements"].append(r)
    rows = [m for m in old["measurements"] if m["runs"] in a.runs and m["layout"] == label]
    a.out.write_text(json.dumps(old, indent=1))
    print("\n".join(table(rows)))
    return 0


def table(rows: list[dict]) -> list[str]:
    """A Markdown table of measurements: seconds and peak RSS (MiB) of each phase, and the load."""
    def cell(r, name):
        p = r.get(name)
        if not p:
            return "not measured"
        workers = (f"; each of the processes consolidating blocks: {p['worker_peak_rss_mib']:.0f} MiB"
                   if p.get("worker_peak_rss_mib") else "")
        return f"{p['seconds']:.2f} s, {p['peak_rss_mib']:.0f} MiB{workers} (load {p['load_before']:.1f})"

    out = ["| runs | index | build | rebuild (nothing new) | open + reduce one indicator |", "|---:|---|---|---|---|"]
    for r in rows:
        out.append(f"| {r['runs']:,} | {r['layout']} | {cell(r, 'build')} | {cell(r, 'rebuild')} | {cell(r, 'open')} |")
    base = next((r[p]["baseline_rss_mib"] for r in rows for p in ("build", "open") if r.get(p)), None)
    if base is not None:
        out.append(f"\nPeak RSS includes the {base:.0f} MiB of a process that has imported socius, h5py and xarray.")
    return out


if __name__ == "__main__":
    raise SystemExit(main())
