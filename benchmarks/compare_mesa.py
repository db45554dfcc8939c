#!/usr/bin/env python3
"""Peer comparison, side by side: the Kumpula et al. (2007) model written with Mesa 3
(benchmarks/mesa/kumpula_mesa.py) against socius's `kumpula` preset, same parameters, same size,
same number of rounds, several seeds.

    python3 benchmarks/compare_mesa.py            # N = 10,000, 100 rounds, 16 seeds
    python3 benchmarks/compare_mesa.py --quick    # N = 10,000, 5 rounds, 3 seeds

Reports the ratio of run times (the rounds alone, on each side; medians over seeds) and checks
that both produce the same network statistics (mean degree, mean weight, average local
clustering, all computed by NetworkX the same way) within sampling error: for each statistic
the difference of the means over seeds divided by its standard error must be under 3 in size.
A faster wrong answer does not count.

The Mesa side runs in a virtual environment of its own, benchmarks/.venv-mesa (Mesa 3.2+ needs
Python 3.12 or newer), which this script creates and fills (pip install mesa networkx) when it is
missing: a fresh machine needs nothing else. The interpreter is $MESA_PYTHON if set, else the
first of python3.12, python3.13 on PATH or in ~/.pyenv/versions that runs.
"""
from __future__ import annotations

import argparse
import glob
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / "benchmarks" / ".venv-mesa"
MESA_DIR = ROOT / "benchmarks" / "mesa"
MESA_REQUIREMENTS = ["mesa>=3.2,<4", "networkx>=3"]
sys.path.insert(0, str(ROOT / "python"))
sys.path.insert(0, str(MESA_DIR))


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] compare_mesa: {msg}", file=sys.stderr, flush=True)


def find_python312() -> str:
    """An interpreter of Python 3.12 or newer that runs (a pyenv shim may exist but not run)."""
    candidates = [os.environ["MESA_PYTHON"]] if os.environ.get("MESA_PYTHON") else []
    candidates += [p for p in (shutil.which("python3.12"), shutil.which("python3.13")) if p]
    for pattern in ("~/.pyenv/versions/3.12*/bin/python", "~/.pyenv/versions/3.13*/bin/python"):
        candidates += sorted(glob.glob(os.path.expanduser(pattern)))
    for c in candidates:
        r = subprocess.run([c, "-c", "import sys; sys.exit(sys.version_info < (3, 12))"], capture_output=True)
        if r.returncode == 0:
            return c
    raise SystemExit("compare_mesa: Mesa 3 needs Python 3.12 or newer; none found (set MESA_PYTHON to one)")


def venv_python() -> str:
    """The Mesa environment's interpreter, creating and filling the environment if needed."""
    py = VENV / "bin" / "python"
    ok = py.exists() and subprocess.run([str(py), "-c", "import mesa, networkx"], capture_output=True).returncode == 0
    if not ok:
        base = find_python312()
        log(f"creating {VENV.relative_to(ROOT)} with {base} and installing {' '.join(MESA_REQUIREMENTS)}")
        subprocess.run([base, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(py), "-m", "pip", "install", "-q", "--disable-pip-version-check", *MESA_REQUIREMENTS], check=True)
    return str(py)


def run_mesa(py: str, nodes: int, rounds: int, seed: int) -> dict:
    r = subprocess.run([py, str(MESA_DIR / "kumpula_mesa.py"), "--nodes", str(nodes), "--rounds", str(rounds),
                        "--seed", str(seed)], capture_output=True, text=True, cwd=MESA_DIR)
    if r.returncode != 0:
        raise RuntimeError(f"the Mesa model failed:\n{r.stderr}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def run_socius(nodes: int, rounds: int, seed: int, threads: int) -> dict:
    """socius's kumpula preset at the same size and rounds. The horizon is one step past the
    rounds timed, so no indicators are computed inside the timed steps (as on the Mesa side);
    the statistics are computed afterwards by NetworkX, as for Mesa."""
    import socius
    from nxstats import statistics as nx_statistics

    sc = socius.Scenario.load(ROOT / "scenarios" / "classic" / "kumpula2007.toml").with_overrides(
        {"simulation.population": nodes, "simulation.steps": rounds + 1, "simulation.record_every": rounds + 1,
         "kumpula.path_sources": 0})
    t0 = time.perf_counter()
    sim = socius.Simulation(sc, seed=seed, threads=threads)
    t1 = time.perf_counter()
    sim.step(rounds)
    t2 = time.perf_counter()
    out = {"implementation": "socius", "nodes": nodes, "rounds": rounds, "seed": seed, "threads": threads,
           "setup_s": t1 - t0, "run_s": t2 - t1}
    out.update(nx_statistics(sim.to_networkx()))
    return out


def compare(mesa_runs: list[dict], socius_runs: list[dict]) -> tuple[dict, bool]:
    stats = {}
    agree_all = True
    for k in ("mean_degree", "mean_weight", "average_clustering"):
        a = [r[k] for r in mesa_runs]
        b = [r[k] for r in socius_runs]
        ma, mb = statistics.fmean(a), statistics.fmean(b)
        sa = statistics.stdev(a) if len(a) > 1 else float("nan")
        sb = statistics.stdev(b) if len(b) > 1 else float("nan")
        se = math.sqrt(sa * sa / len(a) + sb * sb / len(b)) if len(a) > 1 and len(b) > 1 else float("nan")
        if se > 0:
            z = (ma - mb) / se
        else:  # identical values on both sides, or too few seeds to judge
            z = 0.0 if ma == mb else float("nan")
        agree = abs(z) < 3.0
        agree_all &= agree
        stats[k] = {"mesa_mean": ma, "mesa_sd": sa, "socius_mean": mb, "socius_sd": sb, "z": z, "agree": agree,
                    "mesa": a, "socius": b}
    return stats, agree_all


def main() -> int:
    ap = argparse.ArgumentParser(description="Kumpula et al. (2007): Mesa 3 against socius, side by side.")
    ap.add_argument("--quick", action="store_true", help="5 rounds, 3 seeds")
    ap.add_argument("--nodes", type=int, default=10_000)
    ap.add_argument("--rounds", type=int)
    ap.add_argument("--seeds", type=int)
    ap.add_argument("--threads", type=int, default=2, help="socius's threads (default 2; 1 is also measured)")
    ap.add_argument("--json", type=Path, help="write the figures here")
    a = ap.parse_args()
    rounds = a.rounds or (5 if a.quick else 100)
    seeds = a.seeds or (3 if a.quick else 16)

    py = venv_python()
    version = subprocess.run([py, "-c", "import mesa, sys; print(mesa.__version__, sys.version.split()[0])"],
                             capture_output=True, text=True, check=True).stdout.split()
    mesa_runs, socius_runs, socius_1 = [], [], []
    for seed in range(1, seeds + 1):
        log(f"seed {seed}/{seeds}: Mesa, N = {a.nodes:,}, {rounds} rounds (load {os.getloadavg()[0]:.1f})")
        mesa_runs.append(run_mesa(py, a.nodes, rounds, seed))
        log(f"seed {seed}/{seeds}: socius ({a.threads} and 1 threads)")
        socius_runs.append(run_socius(a.nodes, rounds, seed, a.threads))
        socius_1.append(run_socius(a.nodes, rounds, seed, 1))
    stats, agree = compare(mesa_runs, socius_runs)
    t_mesa = statistics.median(r["run_s"] for r in mesa_runs)
    t_soc = statistics.median(r["run_s"] for r in socius_runs)
    t_soc1 = statistics.median(r["run_s"] for r in socius_1)
    out = {"section": "mesa", "nodes": a.nodes, "rounds": rounds, "seeds": seeds, "mesa_version": version[0],
           "mesa_python": version[1], "socius_threads": a.threads, "mesa_run_s": t_mesa, "socius_run_s": t_soc,
           "socius_run_s_1thread": t_soc1, "ratio": t_mesa / t_soc, "ratio_1thread": t_mesa / t_soc1,
           "statistics": stats, "statistics_agree": agree, "load_average": list(os.getloadavg()),
           "mesa_runs": mesa_runs, "socius_runs": socius_runs, "socius_runs_1thread": socius_1}
    print(f"Kumpula et al. (2007), N = {a.nodes:,}, {rounds} rounds, {seeds} seeds")
    print(f"  Mesa {version[0]} (Python {version[1]}): {t_mesa:.3f} s per run (median)")
    print(f"  socius, {a.threads} threads: {t_soc:.5f} s ({t_mesa / t_soc:.0f} x faster); 1 thread: {t_soc1:.5f} s "
          f"({t_mesa / t_soc1:.0f} x)")
    for k, s in stats.items():
        print(f"  {k:20s} Mesa {s['mesa_mean']:.4f} ({s['mesa_sd']:.4f})  socius {s['socius_mean']:.4f} ({s['socius_sd']:.4f})"
              f"  z = {s['z']:+.2f}  {'agree' if s['agree'] else 'DIFFER'}")
    if a.json:
        a.json.parent.mkdir(parents=True, exist_ok=True)
        a.json.write_text(json.dumps(out, indent=1))
    return 0 if agree else 1


if __name__ == "__main__":
    sys.exit(main())
