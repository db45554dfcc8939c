#!/usr/bin/env python3
"""socius benchmark suite: one command runs every benchmark and writes the figures.

    python3 benchmarks/run.py            # the full suite (about 30 to 40 minutes here)
    python3 benchmarks/run.py --quick    # a smaller version, under two minutes (benchmarks/quick/)
    make bench                           # the full suite; make bench-quick for --quick

Writes benchmarks/results/*.json (one file per section, every repetition's figures) and
benchmarks/RESULTS.md (a table of every figure, the targets of issues 18 and 7, the machine, compiler,
flags and date), then appends benchmarks/NOTES.md (what profiling showed and what was done about
it), which is written by hand. --out DIR writes them elsewhere (the tests use a temporary
folder, so a test run never overwrites the recorded figures).

Each configuration runs in a process of its own (benchmarks/socius_throughput), so the peak
memory it reports is that configuration's alone. Benchmarks are programs, not timed tests.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUILD = ROOT / "build" / "release"
BIN = BUILD / "benchmarks"
sys.path.insert(0, str(ROOT / "python"))

KIB = 1024.0
# Every section, in the order the full suite runs them.
SECTIONS = ["command_line", "kumpula_steady", "community", "output", "classic", "micro", "sweep_index", "mesa"]
GIB = 1024.0 ** 3


# ----------------------------------------------------------------------------- helpers

def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def load_average() -> float:
    return os.getloadavg()[0]


def build() -> None:
    """Configures (if needed) and builds the benchmark programs in the release preset."""
    if not (BUILD / "build.ninja").exists():
        subprocess.run(["cmake", "--preset", "release"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    targets = ["socius_throughput", "socius_micro", "kumpula_reference"]
    subprocess.run(["cmake", "--build", "--preset", "release", "--target", *targets], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)


def scenario_entries(path: Path) -> tuple[str, list[str]]:
    """The model and the key=value entries of a scenario file (includes resolved)."""
    from socius.scenario import Scenario

    sc = Scenario.load(path)
    out = []
    for key, value, _origin in sc.entries:
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, float):
            text = repr(value)
        else:
            text = str(value)
        out.append(f"{key}={text}")
    return sc.model, out


def throughput(model: str, entries: list[str], threads: int, reps: int, *, steps: int | None = None,
               output: Path | None = None, resume: Path | None = None, save: Path | None = None,
               seed: int = 1, timeout: float = 3600, edges: Path | None = None) -> dict:
    """Runs socius_throughput once (one process, `reps` repetitions) and returns its figures,
    with the load average before and after."""
    cmd = [str(BIN / "socius_throughput"), "--model", model, "--threads", str(threads), "--reps", str(reps),
           "--seed", str(seed)]
    if steps is not None:
        cmd += ["--steps", str(steps)]
    if output is not None:
        cmd += ["--output", str(output)]
    if resume is not None:
        cmd += ["--resume", str(resume)]
    if save is not None:
        cmd += ["--save", str(save)]
    if edges is not None:
        cmd += ["--edges", str(edges)]
    cmd += entries
    load0 = load_average()
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if r.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{r.stderr}")
    d = json.loads(r.stdout.strip().splitlines()[-1])
    d["load_before"], d["load_after"] = load0, load_average()
    d["command"] = " ".join(cmd[1:])
    return d


def fmt(x: float, digits: int = 3) -> str:
    if x is None or x != x:
        return "n/a"
    if x == 0:
        return "0"
    if abs(x) >= 1e6:
        return f"{x / 1e6:.{digits}g} M"
    if abs(x) >= 1e4:
        return f"{x / 1e3:.{digits}g} k"
    return f"{x:.{digits}g}"


def size_label(n: float) -> str:
    n = float(n)
    for div, suffix in ((1e6, "M"), (1e3, "k")):
        if n >= div:
            v = n / div
            return f"{v:.0f}{suffix}" if abs(v - round(v)) < 0.05 else f"{v:.2g}{suffix}"
    return f"{n:.0f}"


# ----------------------------------------------------------------------------- machine

def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = 0.0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = float(line.split()[1]) * KIB
    except OSError:
        pass
    cache = {}
    try:
        for line in (BUILD / "CMakeCache.txt").read_text().splitlines():
            m = re.match(r"^(CMAKE_CXX_COMPILER|CMAKE_CXX_FLAGS|CMAKE_CXX_FLAGS_RELEASE|CMAKE_BUILD_TYPE):[A-Z]+=(.*)$", line)
            if m:
                cache[m.group(1)] = m.group(2)
    except OSError:
        pass
    compiler = cache.get("CMAKE_CXX_COMPILER", "c++")
    try:
        version = subprocess.run([compiler, "--version"], capture_output=True, text=True).stdout.splitlines()[0]
    except (OSError, IndexError):
        version = compiler
    try:
        rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, capture_output=True,
                               text=True).stdout.strip()
        rev += " (uncommitted changes)" if dirty else ""
    except OSError:
        rev = "unknown"
    thp = "unknown"
    try:
        thp = Path("/sys/kernel/mm/transparent_hugepage/enabled").read_text().strip()
    except OSError:
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": mem / GIB,
        "os": f"{platform.system()} {platform.release()}",
        "compiler": version,
        "build_type": cache.get("CMAKE_BUILD_TYPE", ""),
        "flags": (cache.get("CMAKE_CXX_FLAGS", "") + " " + cache.get("CMAKE_CXX_FLAGS_RELEASE", "")).strip(),
        "transparent_hugepages": thp,
        "git_revision": rev,
        "date": dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "load_average_at_start": list(os.getloadavg()),
    }


# ----------------------------------------------------------------------------- sections

def community(quick: bool, big: bool, smoke: bool = False) -> dict:
    """The community model at its default baseline parameters (scenarios/baseline.toml) at each
    size, 1 and 2 threads: setup and run timed apart, medians of repetitions, peak memory."""
    model, entries = scenario_entries(ROOT / "scenarios" / "baseline.toml")
    if smoke:
        plan = [(2_000, 3, 1)]
    elif quick:
        plan = [(10_000, 26, 1), (100_000, 4, 1)]
    else:
        plan = [(10_000, 104, 5), (100_000, 52, 3), (1_000_000, 13, 3)]
        if big:
            plan.append((10_000_000, 2, 1))
    runs = []
    for n, steps, reps in plan:
        for threads in (1, 2):
            if n >= 10_000_000 and threads == 1:
                continue  # the 10M run shows that a city fits and runs; one thread would take long
            log(f"community: {n} residents, {steps} steps, {threads} thread(s), {reps} repetition(s)")
            # Timed from setup, without burn-in: steps of the model as it runs, recording every
            # indicator at the scenario's schedule (every step), without writing a file.
            e = [x for x in entries if not x.startswith(("simulation.population=", "simulation.steps=", "simulation.burn_in="))]
            e += [f"simulation.population={n}", f"simulation.steps={steps}", "simulation.burn_in=0"]
            d = throughput(model, e, threads, reps, timeout=7200)
            d["requested_population"] = n
            runs.append(d)
    return {"section": "community", "scenario": "scenarios/baseline.toml", "runs": runs}


def output_overhead(quick: bool, smoke: bool = False) -> dict:
    """Run time of the community model with and without recording at the default schedule:
    (a) indicators only at time 0 and at the horizon, no file; (b) indicators every step (the
    default schedule), no file; (c) every step and an HDF5 results file (ResultsWriter, as
    `socius run` writes it)."""
    model, entries = scenario_entries(ROOT / "scenarios" / "baseline.toml")
    n, steps, reps = (2_000, 3, 1) if smoke else (20_000, 26, 1) if quick else (100_000, 52, 7)
    base = [x for x in entries if not x.startswith(("simulation.population=", "simulation.steps=", "simulation.burn_in=",
                                                      "simulation.record_every="))]
    base += [f"simulation.population={n}", f"simulation.steps={steps}", "simulation.burn_in=0"]
    out = {"section": "output", "population": n, "steps": steps, "threads": 2, "variants": {}}
    with tempfile.TemporaryDirectory() as tmp:
        variants = {
            "no_recording": (base + [f"simulation.record_every={steps}"], None),
            "indicators_every_step": (base + ["simulation.record_every=1"], None),
            "hdf5_every_step": (base + ["simulation.record_every=1"], Path(tmp) / "run.h5"),
        }
        # Interleaved repetitions, so that a change of load affects every variant alike.
        per = {k: [] for k in variants}
        for r in range(reps):
            for name, (e, path) in variants.items():
                log(f"output overhead: {name} (repetition {r + 1}/{reps})")
                per[name].append(throughput(model, e, 2, 1, output=path))
        for name, ds in per.items():
            out["variants"][name] = {"run_s": [d["run_median_s"] for d in ds], "run_median_s": statistics.median(d["run_median_s"] for d in ds),
                                     "load": [d["load_before"] for d in ds], "runs": ds}
    v = out["variants"]
    base_t = v["no_recording"]["run_median_s"]
    out["recording_cost"] = v["hdf5_every_step"]["run_median_s"] / base_t - 1.0
    out["indicator_cost"] = v["indicators_every_step"]["run_median_s"] / base_t - 1.0
    out["hdf5_write_cost"] = v["hdf5_every_step"]["run_median_s"] / v["indicators_every_step"]["run_median_s"] - 1.0
    # The same cost from each repetition's pair (the variants of one repetition ran back to back,
    # so a slow spell of the machine touches both), in wall and in CPU time: a check on the ratio
    # of medians above, which is the verdict's figure, when the spread is as wide as the effect.
    pairs = list(zip(per["hdf5_every_step"], per["no_recording"]))
    out["recording_cost_paired"] = statistics.median(a["run_median_s"] / b["run_median_s"] - 1.0 for a, b in pairs)
    out["recording_cost_cpu_paired"] = statistics.median(
        statistics.median(a["run_cpu_s"]) / statistics.median(b["run_cpu_s"]) - 1.0 for a, b in pairs)
    return out


def classic(quick: bool, workdir: Path, smoke: bool = False) -> dict:
    """The classic presets at their published sizes (the full schedule in the full suite, a
    fixed number of steps in --quick), and Kumpula at 100 times its published size: grown from
    no ties for 200 rounds, then 20 rounds from that network (a checkpoint)."""
    presets = ["jgn2001", "davidsen2002_p002", "davidsen2002_p00822", "davidsen2002_p03", "kumpula2007"]
    quick_steps = {"jgn2001": 3000, "davidsen2002_p002": 5, "davidsen2002_p00822": 5, "davidsen2002_p03": 5, "kumpula2007": 500}
    if smoke:
        quick, quick_steps = True, {k: 2 for k in quick_steps}
    runs = []
    for name in presets:
        model, entries = scenario_entries(ROOT / "scenarios" / "classic" / f"{name}.toml")
        if quick:
            entries = [x for x in entries if not x.startswith(("simulation.steps=", "simulation.burn_in="))]
            entries += [f"simulation.steps={quick_steps[name]}", "simulation.burn_in=0"]
        reps = 1 if quick or name == "kumpula2007" else 3
        for threads in (1, 2):
            log(f"classic: {name}, {threads} thread(s)")
            d = throughput(model, entries, threads, reps)
            d["preset"] = name
            runs.append(d)
    big = []
    if not quick:
        n = 1_000_000
        ckpt = workdir / "kumpula_1M_r200.ckpt"
        e = [f"simulation.population={n}", "simulation.steps=100000", "simulation.record_every=100000", "kumpula.path_sources=0"]
        log("classic: Kumpula at N = 1,000,000, 200 rounds from no ties (2 threads)")
        grow = throughput("kumpula", e, 2, 1, steps=200, save=ckpt)
        grow["phase"] = "200 rounds from no ties"
        big.append(grow)
        for threads in (1, 2):
            log(f"classic: Kumpula at N = 1,000,000, 20 rounds from round 200, {threads} thread(s)")
            d = throughput("kumpula", [], threads, 3, steps=20, resume=ckpt)
            d["phase"] = "20 rounds from round 200"
            big.append(d)
    return {"section": "classic", "runs": runs, "kumpula_1M": big}


def kumpula_steady(quick: bool, workdir: Path, smoke: bool = False, reuse: bool = False, reps_override: int | None = None) -> dict:
    """Kumpula at N = 10,000 in steady state (issue 18): socius grows the preset's network for
    25,000 rounds (2 threads; the grown network is saved as a checkpoint and as an edge list),
    then the same number of rounds from that network is timed, interleaved, for socius with 1
    and 2 threads and for the straightforward C++ reference (benchmarks/reference/
    kumpula_reference.cpp, loading the same edge list); Mesa 3 (benchmarks/mesa/kumpula_mesa.py,
    in the environment compare_mesa.py makes) runs a few rounds from the same network. The
    rounds alone are timed on every side (no recording); wall and CPU seconds are kept."""
    grow, rounds, reps, mesa_rounds, mesa_reps = (
        (50, 20, 1, 2, 1) if smoke else (2_000, 500, 3, 5, 1) if quick else (25_000, 2_000, 5, 10, 3))
    reps = reps_override or reps
    model, entries = scenario_entries(ROOT / "scenarios" / "classic" / "kumpula2007.toml")
    n = next(int(x.split("=")[1]) for x in entries if x.startswith("simulation.population="))
    e = [x for x in entries if not x.startswith(("simulation.steps=", "simulation.record_every=", "simulation.burn_in="))]
    e += ["simulation.steps=1000000", "simulation.record_every=1000000", "simulation.burn_in=0", "kumpula.path_sources=0"]
    ckpt, edges = workdir / "kumpula_steady.ckpt", workdir / "kumpula_steady.edges"
    if reuse:  # --reuse-grown: the grown network is kept in the build folder and grown only once
        ckpt, edges = BIN / f"kumpula_steady_{n}_{grow}.ckpt", BIN / f"kumpula_steady_{n}_{grow}.edges"
    if reuse and ckpt.exists() and edges.exists():
        log(f"kumpula steady state: reusing the network grown for {grow:,} rounds ({ckpt})")
        grown = throughput(model, [], 1, 1, steps=0, resume=ckpt)
        grown["run_median_s"] = float("nan")
    else:
        log(f"kumpula steady state: growing N = {n:,} for {grow:,} rounds (2 threads)")
        grown = throughput(model, e, 2, 1, steps=grow, save=ckpt, edges=edges)
    ref_exe = BIN / "kumpula_reference"
    per = {"socius_1": [], "socius_2": [], "reference": []}
    for r in range(reps):
        for t in (1, 2):
            log(f"kumpula steady state: socius, {t} thread(s), {rounds} rounds (repetition {r + 1}/{reps})")
            per[f"socius_{t}"].append(throughput(model, [], t, 1, steps=rounds, resume=ckpt))
        log(f"kumpula steady state: reference C++, {rounds} rounds (repetition {r + 1}/{reps})")
        load0 = load_average()
        cmd = [str(ref_exe), "--nodes", str(n), "--load", str(edges), "--rounds", str(rounds), "--seed", str(r + 1)]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True)
        d = json.loads(out.stdout.strip().splitlines()[-1])
        d["load_before"], d["load_after"] = load0, load_average()
        per["reference"].append(d)
    res = {"section": "kumpula_steady", "nodes": n, "grown_rounds": grow, "rounds": rounds, "reps": reps,
           "grown_ties": grown["ties"], "grow_run_s": grown["run_median_s"]}
    for k, ds in per.items():
        if k == "reference":
            wall = [d["run_s"] / rounds for d in ds]
            cpu = [d["run_cpu_s"] / rounds for d in ds]
            ties = [d["ties"] for d in ds]
        else:
            wall = [d["run_median_s"] / rounds for d in ds]
            cpu = [d["run_cpu_s"][0] / rounds for d in ds]
            ties = [d["ties"] for d in ds]
        res[k] = {"s_per_round": wall, "cpu_s_per_round": cpu, "s_per_round_median": statistics.median(wall),
                  "cpu_s_per_round_median": statistics.median(cpu), "ties_at_end": ties,
                  "load": [d["load_before"] for d in ds]}
    ref, one, two = res["reference"], res["socius_1"], res["socius_2"]
    res["reference_over_socius_1thread_cpu"] = ref["cpu_s_per_round_median"] / one["cpu_s_per_round_median"]
    res["reference_over_socius_1thread_wall"] = ref["s_per_round_median"] / one["s_per_round_median"]
    # Mesa from the same network (not in --smoke: it needs Mesa's own environment).
    if smoke:
        res["mesa"] = {"error": "not run in --smoke"}
        return res
    try:
        sys.path.insert(0, str(ROOT / "benchmarks"))
        import compare_mesa

        py = compare_mesa.venv_python()
        version = subprocess.run([py, "-c", "import mesa, sys; print(mesa.__version__, sys.version.split()[0])"],
                                 capture_output=True, text=True, check=True).stdout.split()
        mesa_runs = []
        for r in range(mesa_reps):
            log(f"kumpula steady state: Mesa, {mesa_rounds} rounds from the same network (repetition {r + 1}/{mesa_reps})")
            load0 = load_average()
            out = subprocess.run([py, str(ROOT / "benchmarks" / "mesa" / "kumpula_mesa.py"), "--nodes", str(n), "--rounds",
                                  str(mesa_rounds), "--seed", str(r + 1), "--network", str(edges), "--no-statistics"],
                                 capture_output=True, text=True, check=True, cwd=ROOT / "benchmarks" / "mesa")
            d = json.loads(out.stdout.strip().splitlines()[-1])
            d["load_before"] = load0
            mesa_runs.append(d)
        wall = [d["run_s"] / mesa_rounds for d in mesa_runs]
        cpu = [d["run_cpu_s"] / mesa_rounds for d in mesa_runs]
        res["mesa"] = {"version": version[0], "python": version[1], "rounds": mesa_rounds, "s_per_round": wall,
                       "cpu_s_per_round": cpu, "s_per_round_median": statistics.median(wall),
                       "cpu_s_per_round_median": statistics.median(cpu), "load": [d["load_before"] for d in mesa_runs]}
        res["mesa_over_socius_2threads_wall"] = res["mesa"]["s_per_round_median"] / two["s_per_round_median"]
        res["mesa_over_socius_2threads_cpu"] = res["mesa"]["cpu_s_per_round_median"] / two["cpu_s_per_round_median"]
    except (subprocess.CalledProcessError, SystemExit, OSError) as err:
        res["mesa"] = {"error": str(err)}
    return res


def command_line(quick: bool, big: bool = True, smoke: bool = False, reps: int | None = None) -> dict:
    """The community model through the command line a user runs (issue 18): `socius run
    scenarios/baseline.toml --population N --set simulation.burn_in=0 --steps 27` (default
    recording, the results file written) minus the same with `--steps 1`, under /usr/bin/time
    (wall, user and system seconds, peak resident set of the whole process)."""
    if smoke:
        plan = [(2_000, 2, 3, 1)]
    elif quick:
        plan = [(100_000, 2, 7, 1), (100_000, 1, 7, 1)]
    else:
        r = reps or 3
        plan = [(100_000, 2, 27, r), (1_000_000, 2, 27, r), (1_000_000, 1, 27, r)] + ([(10_000_000, 2, 3, 1)] if big else [])
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        for n, threads, steps, reps in plan:
            for rep in range(reps):
                pair = {}
                for k in (steps, 1):  # the long run first: its peak memory is the one reported
                    out = Path(tmp) / f"run_{n}_{threads}_{k}.h5"
                    cmd = ["/usr/bin/time", "-f", "TIME %e %U %S %M", sys.executable, "-m", "socius", "run",
                           str(ROOT / "scenarios" / "baseline.toml"), "--population", str(n), "--set", "simulation.burn_in=0",
                           "--steps", str(k), "--threads", str(threads), "--seed", "1", "--output", str(out), "--overwrite"]
                    log(f"command line: {n:,} residents, {threads} thread(s), --steps {k} (repetition {rep + 1}/{reps})")
                    load0 = load_average()
                    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
                        [str(ROOT / "python")] + ([os.environ["PYTHONPATH"]] if os.environ.get("PYTHONPATH") else [])))
                    r = subprocess.run(cmd, capture_output=True, text=True, cwd=tmp, env=env)
                    if r.returncode != 0:
                        raise RuntimeError(f"{' '.join(cmd)} failed:\n{r.stderr[-3000:]}")
                    line = [x for x in r.stderr.splitlines() if x.startswith("TIME ")][-1].split()
                    pair[k] = {"wall_s": float(line[1]), "cpu_s": float(line[2]) + float(line[3]),
                               "peak_rss_bytes": float(line[4]) * 1024, "load_before": load0, "load_after": load_average()}
                    out.unlink(missing_ok=True)
                # (/usr/bin/time resolves 10 ms: a tiny --smoke run may show no difference)
                wall = max(pair[steps]["wall_s"] - pair[1]["wall_s"], 0.01)
                cpu = max(pair[steps]["cpu_s"] - pair[1]["cpu_s"], 0.01)
                runs.append({"population": n, "threads": threads, "steps": steps, "long": pair[steps], "short": pair[1],
                             "wall_s": wall, "cpu_s": cpu, "resident_steps_per_s": n * (steps - 1) / wall,
                             "cpu_s_per_resident_step": cpu / (n * (steps - 1)),
                             "peak_bytes_per_resident": pair[steps]["peak_rss_bytes"] / n})
    agg = {}
    for d in runs:
        agg.setdefault((d["population"], d["threads"]), []).append(d)
    summary = []
    for (n, t), ds in agg.items():
        summary.append({"population": n, "threads": t, "steps": ds[0]["steps"], "reps": len(ds),
                        "resident_steps_per_s": statistics.median(d["resident_steps_per_s"] for d in ds),
                        "cpu_s_per_resident_step": statistics.median(d["cpu_s_per_resident_step"] for d in ds),
                        "peak_bytes_per_resident": max(d["peak_bytes_per_resident"] for d in ds),
                        "peak_rss_bytes": max(d["long"]["peak_rss_bytes"] for d in ds),
                        "cores_used": statistics.median(d["cpu_s"] / d["wall_s"] for d in ds),
                        "load": [d["long"]["load_before"] for d in ds]})
    return {"section": "command_line", "scenario": "scenarios/baseline.toml", "runs": runs, "summary": summary}


def micro(quick: bool, results: Path, smoke: bool = False) -> dict:
    """Google Benchmark micro-benchmarks (benchmarks/micro.cpp)."""
    exe = BIN / "socius_micro"
    if not exe.exists():
        return {"section": "micro", "skipped": "socius_micro not built (Google Benchmark missing)"}
    out = results / "micro_raw.json"
    cmd = [str(exe), f"--benchmark_out={out}", "--benchmark_out_format=json"]
    if smoke:
        cmd += ["--benchmark_filter=(BM_Philox|BM_StreamPerAgent|BM_TieIterate/10000$)", "--benchmark_min_time=0.01"]
    elif quick:
        cmd += ["--benchmark_filter=(/100000/|/100000$|Stream|Philox)", "--benchmark_min_time=0.05"]
    else:
        cmd += ["--benchmark_repetitions=3", "--benchmark_report_aggregates_only=true"]
    log("micro-benchmarks")
    load0 = load_average()
    r = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"socius_micro failed:\n{r.stderr}")
    raw = json.loads(out.read_text())
    out.unlink()
    rows = []
    for b in raw["benchmarks"]:
        if b.get("run_type") == "aggregate" and b.get("aggregate_name") != "median":
            continue
        rows.append({"name": b.get("run_name", b["name"]), "real_time": b["real_time"], "cpu_time": b["cpu_time"],
                     "time_unit": b["time_unit"], "items_per_second": b.get("items_per_second"),
                     **{k: b[k] for k in ("events_per_batch", "ties", "indicators") if k in b}})
    return {"section": "micro", "context": raw.get("context", {}), "load_before": load0, "load_after": load_average(),
            "benchmarks": rows}


def sweep_index(quick: bool, results: Path, smoke: bool = False) -> dict:
    """The sweep index at cluster scale (benchmarks/sweep_index.py, run as its own command):
    N fabricated run files; building the index, building it again, opening it and reducing one
    indicator, each in a process of its own (seconds and peak memory)."""
    runs = [100] if smoke else [2000] if quick else [5000, 100000]
    out = results / "sweep_index.json"
    cmd = [sys.executable, str(ROOT / "benchmarks" / "sweep_index.py"), "--runs", *map(str, runs), "--out", str(out)]
    log(f"sweep index at {', '.join(map(str, runs))} runs")
    r = subprocess.run(cmd, stdout=subprocess.DEVNULL)
    if r.returncode != 0:
        return {"section": "sweep_index", "error": f"sweep_index.py exited with {r.returncode}"}
    d = json.loads(out.read_text())
    d["section"] = "sweep_index"
    return d


def mesa(quick: bool, results: Path) -> dict | None:
    """The peer comparison (benchmarks/compare_mesa.py), run as its own command."""
    cmd = [sys.executable, str(ROOT / "benchmarks" / "compare_mesa.py"), "--json", str(results / "mesa.json")]
    if quick:
        cmd += ["--quick"]
    log("peer comparison with Mesa")
    r = subprocess.run(cmd)
    if r.returncode != 0:
        return {"section": "mesa", "error": f"compare_mesa.py exited with {r.returncode}"}
    return json.loads((results / "mesa.json").read_text())


# ----------------------------------------------------------------------------- report

def cores_used(d: dict) -> float:
    """CPU time over wall time of the run: how many cores the run actually had."""
    cpu = statistics.median(d["run_cpu_s"]) if d.get("run_cpu_s") else float("nan")
    return cpu / d["run_median_s"] if d["run_median_s"] > 0 else float("nan")


def targets_table(res: dict) -> list[str]:
    lines = ["| target (issue 7) | measured | met? |", "|---|---|---|"]
    com = res.get("community", {}).get("runs", [])

    def pick(n, t):
        for d in com:
            if d["requested_population"] == n and d["threads"] == t:
                return d
        return None

    one_m2, one_m1 = pick(1_000_000, 2), pick(1_000_000, 1)
    if one_m2:
        rate = one_m2["agent_steps_per_s"]
        lines.append(f"| community, 1M residents, 2 threads: >= 5 M resident-steps/s | {fmt(rate)} resident-steps/s "
                     f"(load {one_m2['load_before']:.1f}) | {'yes' if rate >= 5e6 else 'no: ' + format(rate / 5e6, '.0%') + ' of the target'} |")
        s = one_m2["setup_median_s"]
        lines.append(f"| community, 1M residents: setup < 10 s | {s:.2f} s | {'yes' if s < 10 else 'no'} |")
        b = one_m2["peak_bytes_per_agent"]
        lines.append(f"| <= 1 KiB per resident at 1M, ties included | {b:.0f} bytes peak per resident "
                     f"({b / 1024:.2f} KiB) | {'yes' if b <= 1024 else 'no: ' + format(b / 1024, '.2f') + ' KiB'} |")
    else:
        lines.append("| community at 1M residents | not measured in this run (--quick) | |")
    ten = pick(10_000_000, 2)
    if ten:
        lines.append(f"| 10M residents fit and run | setup {ten['setup_median_s']:.1f} s, {fmt(ten['agent_steps_per_s'])} "
                     f"resident-steps/s, {ten['peak_rss_bytes'] / GIB:.1f} GiB peak | yes |")
    elif one_m2:
        lines.append("| 10M residents fit and run | not run (--no-10m) | |")
    if one_m2 and one_m1:
        sp = one_m1["run_median_s"] / one_m2["run_median_s"]
        used = cores_used(one_m2)
        note = (f"; load {one_m2['load_before']:.1f}: the 2-thread run got {used:.2f} cores, so this measures the machine's "
                f"load, not scaling" if used < 1.6 else "")
        lines.append(f"| 2 threads >= 1.8 x 1 thread at 1M | {sp:.2f} x{note} | {'yes' if sp >= 1.8 else 'no' if used >= 1.6 else 'not measurable here'} |")
    o = res.get("output")
    if o:
        c = o["recording_cost"]
        lines.append(f"| HDF5 recording < 5% of run time at the default schedule | {c:+.1%} (indicators every step "
                     f"{o['indicator_cost']:+.1%}, writing the file {o['hdf5_write_cost']:+.1%}; {size_label(o['population'])} "
                     f"residents) | {'yes' if c < 0.05 else 'no'} |")
    m = res.get("mesa")
    if m and "ratio" in m:
        ok = m["ratio"] >= 500
        lines.append(f"| >= 500 x faster than Mesa, Kumpula N = {m['nodes']:,} | {m['ratio']:.0f} x ({m['rounds']} rounds, "
                     f"{m['seeds']} seeds) | {'yes' if ok else 'no: ' + format(m['ratio'] / 500, '.0%') + ' of the target'} |")
        lines.append(f"| same network statistics as Mesa | {'all within sampling error' if m['statistics_agree'] else 'DIFFER'} | "
                     f"{'yes' if m['statistics_agree'] else 'no'} |")
    return lines


def issue18_table(res: dict) -> list[str]:
    """Every target of issue 18 against its measured figure."""
    lines = ["| target (issue 18) | measured | met? |", "|---|---|---|"]

    def verdict(ok: bool, share: str = "") -> str:
        return "yes" if ok else "no" + (f": {share}" if share else "")

    cl = {(d["population"], d["threads"]): d for d in res.get("command_line", {}).get("summary", [])}
    m2, m1, k100, m10 = cl.get((1_000_000, 2)), cl.get((1_000_000, 1)), cl.get((100_000, 2)), cl.get((10_000_000, 2))
    if m2:
        r = m2["resident_steps_per_s"]
        lines.append(f"| community, 1M residents, 2 threads, command line (27 steps minus 1, file written): >= 5 M resident-steps/s | "
                     f"{fmt(r)} resident-steps/s ({m2['cores_used']:.2f} cores used, load {statistics.median(m2['load']):.1f}) | "
                     f"{verdict(r >= 5e6, format(r / 5e6, '.0%') + ' of the target')} |")
        if m1:
            sp = m2["resident_steps_per_s"] / m1["resident_steps_per_s"]
            lines.append(f"| 2 threads >= 1.9 x 1 thread (1M, command line) | {sp:.2f} x (the 2-thread runs got {m2['cores_used']:.2f} cores) | "
                         f"{verdict(sp >= 1.9) if m2['cores_used'] >= 1.8 else ('yes' if sp >= 1.9 else 'not measurable at this load')} |")
        b = m2["peak_bytes_per_resident"]
        lines.append(f"| whole-process peak at 1M <= 768 bytes per resident (/usr/bin/time) | {b:.0f} bytes | "
                     f"{verdict(b <= 768, format(b / 768, '.2f') + ' x the target')} |")
    else:
        lines.append("| community at 1M through the command line | not measured in this run | |")
    if m10 and k100:
        ratio = m10["cpu_s_per_resident_step"] / k100["cpu_s_per_resident_step"]
        lines.append(f"| per-resident cost at 10M within 1.3 x that at 100k (CPU s per resident-step, 2 threads) | {ratio:.2f} x "
                     f"({m10['cpu_s_per_resident_step'] * 1e6:.2f} vs {k100['cpu_s_per_resident_step'] * 1e6:.2f} CPU microseconds) | {verdict(ratio <= 1.3)} |")
        g = m10["peak_rss_bytes"] / GIB
        lines.append(f"| a 10M-resident run in <= 8 GiB | {g:.2f} GiB peak | {verdict(g <= 8)} |")
    ks = res.get("kumpula_steady")
    if ks and "reference" in ks:
        r = ks["reference_over_socius_1thread_cpu"]
        lines.append(f"| Kumpula N = {ks['nodes']:,}, steady state ({ks['grown_rounds']:,} rounds grown), 1 thread >= 2 x the reference C++ | "
                     f"{r:.2f} x in CPU time ({ks['reference']['cpu_s_per_round_median'] * 1e3:.2f} vs {ks['socius_1']['cpu_s_per_round_median'] * 1e3:.2f} ms a round; "
                     f"wall {ks['reference_over_socius_1thread_wall']:.2f} x) | {verdict(r >= 2, format(r / 2, '.0%') + ' of the target')} |")
        if "mesa_over_socius_2threads_wall" in ks:
            r = ks["mesa_over_socius_2threads_wall"]
            lines.append(f"| Kumpula steady state, 2 threads >= 500 x Mesa {ks['mesa']['version']} (Python {ks['mesa']['python']}) | "
                         f"{r:.0f} x in wall time ({ks['mesa']['s_per_round_median'] * 1e3:.0f} vs {ks['socius_2']['s_per_round_median'] * 1e3:.2f} ms a round; "
                         f"{ks['mesa_over_socius_2threads_cpu']:.0f} x in CPU time) | {verdict(r >= 500, format(r / 500, '.0%') + ' of the target')} |")
    m = res.get("mesa")
    if m and "ratio" in m:
        lines.append(f"| same network statistics as Mesa ({m['rounds']} rounds from no ties, {m['seeds']} seeds) | "
                     f"{'all within sampling error' if m['statistics_agree'] else 'DIFFER'} | {'yes' if m['statistics_agree'] else 'no'} |")
    com = res.get("community", {}).get("runs", [])
    if com:
        by = {(d["requested_population"], d["threads"]): d for d in com}
        same = [by[(n, 1)]["digest"] == d["digest"] for (n, t), d in by.items() if t == 2 and (n, 1) in by]
        lines.append(f"| bit-identical for any thread count (result digests, 1 vs 2 threads; resume: tests/cpp and tests/python) | "
                     f"{sum(same)} of {len(same)} sizes identical | {verdict(all(same))} |")
    o = res.get("output")
    if o:
        c = o["recording_cost"]
        paired = (f"; median of the repetitions' paired ratios {o['recording_cost_paired']:+.1%} in wall time, "
                  f"{o['recording_cost_cpu_paired']:+.1%} in CPU time" if "recording_cost_paired" in o else "")
        lines.append(f"| recording at the default schedule < 5% | {c:+.1%} ({size_label(o['population'])} residents{paired}) | {verdict(c < 0.05)} |")
    return lines


def when(section: dict) -> str:
    return f"Measured {section['measured_at']}.\n" if section.get("measured_at") else ""


def render(res: dict, quick: bool) -> str:
    mach = res["machine"]
    L = [f"# socius benchmark results{' (quick run)' if quick else ''}", "",
         "Written by `python3 benchmarks/run.py" + (" --quick" if quick else "") + "` (`make bench`); every figure below comes from "
         "`benchmarks/results/*.json`; a section run again alone (`--only`) replaces its figures, the others keep those of "
         "their last run (each section says when it was measured). Medians of repetitions; `load` is the 1-minute load average when the "
         "measurement started (2 cores: above 2 means other work shared the machine, and wall times suffer).", "",
         "## Machine", "",
         "| | |", "|---|---|",
         f"| CPU | {mach['cpu']}, {mach['cores']} cores |",
         f"| memory | {mach['memory_gib']:.1f} GiB |",
         f"| OS | {mach['os']}; transparent huge pages: {mach['transparent_hugepages']} |",
         f"| compiler | {mach['compiler']} |",
         f"| build | {mach['build_type']}, flags `{mach['flags']}` |",
         f"| socius | {mach['git_revision']} |",
         f"| date | {mach['date']} |",
         f"| load average at start | {', '.join(f'{x:.2f}' for x in mach['load_average_at_start'])} |", "",
         "## Targets of issue 18", ""]
    L += issue18_table(res)
    dates = [f"{name} {res[k]['measured_at']}" + (f" at {res[k]['socius']}" if res[k].get("socius") else "")
             for k, name in (("command_line", "command line"), ("community", "community (bit-identical row)"),
                             ("kumpula_steady", "Kumpula steady state"), ("mesa", "Mesa statistics"), ("output", "recording"))
             if k in res and res[k].get("measured_at")]
    if dates:
        L += ["", "The rows above come from sections measured at different times (a section run alone keeps the others' "
              "figures): " + "; ".join(dates) + "."]
    L += ["", "## Targets of issue 7", ""]
    L += targets_table(res)
    L.append("")
    ks = res.get("kumpula_steady")
    if ks and "reference" in ks:
        L += ["## Kumpula in steady state: socius, the reference C++ and Mesa", "", when(ks),
              f"The preset `scenarios/classic/kumpula2007.toml` (N = {ks['nodes']:,}) grown by socius for {ks['grown_rounds']:,} rounds "
              f"({ks['grown_ties']:,.0f} ties), saved; then {ks['rounds']:,} rounds timed from that network, {ks['reps']} interleaved repetitions "
              + (f"(Mesa: {len(ks['mesa']['s_per_round'])} repetitions of {ks['mesa']['rounds']} rounds): "
                 if "s_per_round" in ks.get("mesa", {}) else ": ") +
              "socius restored from the checkpoint (built -O3, the project's Release flags), the reference C++ (`benchmarks/reference/kumpula_reference.cpp`, -O2, adjacency "
              "vectors, std::mt19937_64) loading the same network as an edge list, and Mesa (`benchmarks/mesa/kumpula_mesa.py`) "
              "loading it too. Rounds alone, no recording. Medians.", "",
              "| implementation | s per round (wall) | CPU s per round | ties at the end | load |", "|---|---|---|---|---|"]
        rows = [("socius, 1 thread", ks["socius_1"]), ("socius, 2 threads", ks["socius_2"]), ("reference C++, 1 thread", ks["reference"])]
        if "s_per_round_median" in ks.get("mesa", {}):
            rows.append((f"Mesa {ks['mesa']['version']} ({ks['mesa']['rounds']} rounds)", ks["mesa"]))
        for name, d in rows:
            ties = ", ".join(f"{t:,.0f}" for t in d.get("ties_at_end", [])) or "not counted"
            L.append(f"| {name} | {d['s_per_round_median'] * 1e3:.3f} ms | {d['cpu_s_per_round_median'] * 1e3:.3f} ms | {ties} | "
                     f"{', '.join(f'{x:.1f}' for x in d['load'])} |")
        L.append("")
    cl = res.get("command_line")
    if cl and cl.get("summary"):
        L += ["## Community model through the command line", "", when(cl),
              "`python -m socius run scenarios/baseline.toml --population N --set simulation.burn_in=0 --steps K --threads T "
              "--seed 1 --output FILE` minus the same with `--steps 1`, under `/usr/bin/time` (default recording, the results "
              "file written); peak is the whole process's maximum resident set. Medians over repetitions (peak: the largest).", "",
              "| residents | threads | steps | reps | resident-steps/s | CPU microseconds per resident-step | cores used | peak | per resident | load |",
              "|---|---|---|---|---|---|---|---|---|---|"]
        for d in cl["summary"]:
            L.append(f"| {d['population']:,} | {d['threads']} | {d['steps']} - 1 | {d['reps']} | {fmt(d['resident_steps_per_s'])} | "
                     f"{d['cpu_s_per_resident_step'] * 1e6:.3f} | {d['cores_used']:.2f} | {d['peak_rss_bytes'] / 2**20:,.0f} MiB | "
                     f"{d['peak_bytes_per_resident']:.0f} B | {', '.join(f'{x:.1f}' for x in d['load'])} |")
        L.append("")
    com = res.get("community")
    if com:
        L += ["## Community model: throughput and memory", "", when(com),
              f"Default baseline parameters (`{com['scenario']}`), timed from setup without burn-in, indicators recorded every "
              "step (the scenario's schedule), no file written. Resident-steps per second = residents x steps / run time. "
              "Peak memory is the process's peak resident set minus what it held before building the simulation.", "",
              "`cores used` is the run's CPU time over its wall time: with other work on the machine, a 2-thread run may get "
              "much less than 2 cores. `same bits` compares the result digest (every tie block and indicator) with the "
              "1-thread run.", "",
              "| residents | threads | steps | reps | setup (s) | run (s) | resident-steps/s | speed-up | cores used | same bits | ties | peak memory | per resident | load |",
              "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
        by = {}
        for d in com["runs"]:
            by[(d["requested_population"], d["threads"])] = d
        for d in com["runs"]:
            one = by.get((d["requested_population"], 1))
            sp = f"{one['run_median_s'] / d['run_median_s']:.2f} x" if one and d["threads"] == 2 else ""
            same = ("yes" if one["digest"] == d["digest"] else "NO") if one and d["threads"] == 2 and one["reps"] == d["reps"] else ""
            L.append(f"| {d['population']:,.0f} | {d['threads']} | {d['steps']:.0f} | {d['reps']} | {d['setup_median_s']:.2f} | "
                     f"{d['run_median_s']:.2f} | {fmt(d['agent_steps_per_s'])} | {sp} | {cores_used(d):.2f} | {same} | {d['ties']:,.0f} | "
                     f"{(d['peak_rss_bytes'] - d['rss_before_bytes']) / 2**20:,.0f} MiB | {d['peak_bytes_per_agent']:.0f} B | "
                     f"{d['load_before']:.1f} |")
        L.append("")
    o = res.get("output")
    if o:
        L += ["## Output overhead", "", when(o),
              f"Community model, {o['population']:,} residents, {o['steps']} steps, 2 threads, repetitions interleaved.", "",
              "| variant | run (s), median | runs (s) |", "|---|---|---|"]
        names = {"no_recording": "indicators at time 0 and the horizon only, no file",
                 "indicators_every_step": "indicators every step (default schedule), no file",
                 "hdf5_every_step": "indicators every step and an HDF5 results file"}
        for k, v in o["variants"].items():
            L.append(f"| {names[k]} | {v['run_median_s']:.3f} | {', '.join(f'{x:.3f}' for x in v['run_s'])} |")
        L += ["", f"Recording at the default schedule costs {o['recording_cost']:+.1%} of run time: computing the indicators "
              f"{o['indicator_cost']:+.1%}, writing the HDF5 file {o['hdf5_write_cost']:+.1%} (ratios of the medians)."
              + (f" The median of the repetitions' own ratios (recording against none, run back to back): {o['recording_cost_paired']:+.1%} "
                 f"in wall time, {o['recording_cost_cpu_paired']:+.1%} in CPU time." if "recording_cost_paired" in o else ""), ""]
    cl = res.get("classic")
    if cl:
        L += ["## Classic models", "", when(cl),
              "The presets of `scenarios/classic/` at their published sizes" + (" (a fixed number of steps in --quick)" if quick else ", full schedule with its recording") + ".", "",
              "| preset | agents | steps | threads | reps | run (s) | steps/s | agent-steps/s | cores used | ties at the end | load |",
              "|---|---|---|---|---|---|---|---|---|---|---|"]
        for d in cl["runs"]:
            L.append(f"| {d['preset']} | {d['population']:,.0f} | {d['steps']:.0f} | {d['threads']} | {d['reps']} | {d['run_median_s']:.2f} | "
                     f"{fmt(d['steps'] / d['run_median_s'])} | {fmt(d['agent_steps_per_s'])} | {cores_used(d):.2f} | {d['ties']:,.0f} | {d['load_before']:.1f} |")
        if cl.get("kumpula_1M"):
            L += ["", "Kumpula at 100 times its published size (N = 1,000,000):", "",
                  "| phase | threads | run (s) | s per round | cores used | peak memory | load |", "|---|---|---|---|---|---|---|"]
            for d in cl["kumpula_1M"]:
                L.append(f"| {d['phase']} | {d['threads']} | {d['run_median_s']:.2f} | {d['run_median_s'] / d['steps']:.3f} | {cores_used(d):.2f} | "
                         f"{d['peak_rss_bytes'] / 2**20:,.0f} MiB | {d['load_before']:.1f} |")
        L.append("")
    mi = res.get("micro")
    if mi and "benchmarks" in mi:
        L += ["## Micro-benchmarks (Google Benchmark)", "", when(mi),
              f"`build/release/benchmarks/socius_micro`; load {mi['load_before']:.1f} at the start. Arguments: agents, threads.", "",
              "| benchmark | real time | CPU time | items/s | |", "|---|---|---|---|---|"]
        for b in mi["benchmarks"]:
            extra = ", ".join(f"{k} {fmt(b[k])}" for k in ("events_per_batch", "ties", "indicators") if k in b)
            L.append(f"| {b['name']} | {b['real_time']:.4g} {b['time_unit']} | {b['cpu_time']:.4g} {b['time_unit']} | "
                     f"{fmt(b['items_per_second']) if b.get('items_per_second') else ''} | {extra} |")
        L.append("")
    m = res.get("mesa")
    if m:
        L += ["## Peer comparison: Kumpula et al. (2007) in Mesa 3 and in socius", "", when(m)]
        if "error" in m:
            L += [f"Not measured: {m['error']}.", ""]
        else:
            L += [f"`benchmarks/compare_mesa.py`: N = {m['nodes']:,}, {m['rounds']} rounds from no ties, {m['seeds']} seeds, "
                  f"published parameters; Mesa {m['mesa_version']} on Python {m['mesa_python']}, socius with "
                  f"{m['socius_threads']} threads. Times are of the rounds alone (no statistics).", "",
                  "| | Mesa | socius | ratio |", "|---|---|---|---|",
                  f"| run time per seed, median (s) | {m['mesa_run_s']:.3f} | {m['socius_run_s']:.5f} | {m['ratio']:.0f} x |",
                  f"| socius with 1 thread (s) | | {m['socius_run_s_1thread']:.5f} | {m['ratio_1thread']:.0f} x |", "",
                  "| statistic | Mesa mean (sd) | socius mean (sd) | difference / its standard error | agree |", "|---|---|---|---|---|"]
            for k, s in m["statistics"].items():
                L.append(f"| {k} | {s['mesa_mean']:.4f} ({s['mesa_sd']:.4f}) | {s['socius_mean']:.4f} ({s['socius_sd']:.4f}) | "
                         f"{s['z']:+.2f} | {'yes' if s['agree'] else 'NO'} |")
            L.append("")
    si = res.get("sweep_index")
    if si:
        L += ["## Sweep index", "", when(si),
              "`benchmarks/sweep_index.py`: N run files in the real results format (no simulation), the index built, "
              "built again with nothing new, opened and one indicator reduced over the runs.", ""]
        if "error" in si:
            L += [f"Not measured: {si['error']}.", ""]
        else:
            import importlib.util

            spec = importlib.util.spec_from_file_location("sweep_index", ROOT / "benchmarks" / "sweep_index.py")
            mod = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(mod)
            L += mod.table(sorted(si["measurements"], key=lambda m: (m["runs"], m["layout"]))) + [""]
    notes = ROOT / "benchmarks" / "NOTES.md"
    if notes.exists():
        L += [notes.read_text().rstrip(), ""]
    return "\n".join(L)


def main() -> int:
    ap = argparse.ArgumentParser(description="Runs the socius benchmark suite and writes RESULTS.md.")
    ap.add_argument("--quick", action="store_true", help="a smaller suite, under two minutes")
    ap.add_argument("--smoke", action="store_true",
                    help="the smallest configuration of every section but Mesa, in seconds (for the tests)")
    ap.add_argument("--out", type=Path,
                    help="folder for results/ and RESULTS.md (default: benchmarks/, and benchmarks/quick/ for --quick "
                         "and --smoke, so that a quick run never replaces the full figures)")
    ap.add_argument("--only", nargs="+", choices=SECTIONS,
                    help="run only these sections")
    ap.add_argument("--render-only", action="store_true",
                    help="measure nothing: write RESULTS.md again from results/*.json (and NOTES.md)")
    ap.add_argument("--no-10m", action="store_true", help="skip the 10-million-resident run")
    ap.add_argument("--no-build", action="store_true", help="use the programs already built")
    ap.add_argument("--reps", type=int, help="repetitions of the command-line and Kumpula steady-state measurements "
                                             "(default 3 and 5)")
    ap.add_argument("--reuse-grown", action="store_true",
                    help="keep the Kumpula network grown for the steady-state comparison in the build folder and reuse it "
                         "(growing it takes 25,000 rounds)")
    a = ap.parse_args()
    t0 = time.time()
    if a.out is None:
        a.out = ROOT / "benchmarks" / ("quick" if a.quick or a.smoke else "")
    if a.render_only:
        results = a.out / "results"
        res = {s: json.loads((results / f"{s}.json").read_text()) for s in ["machine", *SECTIONS]
               if (results / f"{s}.json").exists()}
        (a.out / "RESULTS.md").write_text(render(res, a.quick))
        log(f"wrote {a.out / 'RESULTS.md'} from {results}/*.json (nothing measured)")
        return 0
    if not a.no_build:
        build()
    results = a.out / "results"
    results.mkdir(parents=True, exist_ok=True)
    sections = a.only or [x for x in SECTIONS if not (a.smoke and x == "mesa")]
    a.quick |= a.smoke
    res = {"machine": machine()}
    (results / "machine.json").write_text(json.dumps(res["machine"], indent=1))
    with tempfile.TemporaryDirectory() as work:
        for s in sections:
            if s == "community":
                fits = (res["machine"]["memory_gib"] * GIB) > 10_000_000 * 1.5 * KIB
                res[s] = community(a.quick, big=not a.no_10m and fits, smoke=a.smoke)
            elif s == "output":
                res[s] = output_overhead(a.quick, smoke=a.smoke)
            elif s == "classic":
                res[s] = classic(a.quick, Path(work), smoke=a.smoke)
            elif s == "micro":
                res[s] = micro(a.quick, results, smoke=a.smoke)
            elif s == "mesa":
                res[s] = mesa(a.quick, results)
            elif s == "sweep_index":
                res[s] = sweep_index(a.quick, results, smoke=a.smoke)
            elif s == "kumpula_steady":
                res[s] = kumpula_steady(a.quick, Path(work), smoke=a.smoke, reuse=a.reuse_grown, reps_override=a.reps)
            elif s == "command_line":
                fits = (res["machine"]["memory_gib"] * GIB) > 10_000_000 * 1.5 * KIB
                res[s] = command_line(a.quick, big=not a.no_10m and fits, smoke=a.smoke, reps=a.reps)
            res[s]["measured_at"] = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
            res[s]["socius"] = res["machine"].get("git_revision")
            (results / f"{s}.json").write_text(json.dumps(res[s], indent=1))
    # Sections not run this time keep their last figures in RESULTS.md.
    for s in SECTIONS:
        if s not in res and not a.smoke and (results / f"{s}.json").exists():
            res[s] = json.loads((results / f"{s}.json").read_text())
    (a.out / "RESULTS.md").write_text(render(res, a.quick))
    log(f"wrote {a.out / 'RESULTS.md'} and {results}/*.json in {time.time() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
