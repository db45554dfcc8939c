"""Load tests: does memory stay flat over a long run and over a large sweep?

    PYTHONPATH=python python3 scripts/load_test.py sweep [--runs 200] [--population 1000]
    PYTHONPATH=python python3 scripts/load_test.py big [--population 10000000] [--steps 26]

Each mode starts the work as a child process (the socius command line), samples the resident
memory (VmRSS from /proc) of that process and of all its descendants every second, and prints a
JSON record with the peak and the memory at a quarter, half, three quarters and the end of the
work. The figures in docs/reliability.md come from here. Not part of the test suite: the big run
takes tens of minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def rss_tree(pid: int) -> tuple[int, int]:
    """(RSS of pid, RSS of pid and all its descendants) in bytes."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry))
        except (OSError, ValueError, IndexError):
            continue

    def rss(p: int) -> int:
        try:
            with open(f"/proc/{p}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1]) * 1024
        except OSError:
            pass
        return 0

    own = rss(pid)
    total, stack = 0, [pid]
    while stack:
        p = stack.pop()
        total += rss(p)
        stack.extend(children.get(p, []))
    return own, total


def watch(cmd: list[str], progress, interval: float = 1.0) -> dict:
    env = dict(os.environ, PYTHONPATH=str(ROOT / "python"))
    t0 = time.time()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    samples = []
    while proc.poll() is None:
        own, total = rss_tree(proc.pid)
        samples.append({"t": round(time.time() - t0, 1), "progress": progress(), "driver_rss": own, "tree_rss": total})
        time.sleep(interval)
    out = proc.stdout.read()
    if proc.returncode != 0:
        print(out, file=sys.stderr)
        raise SystemExit(f"load test failed: exit code {proc.returncode}")
    at = {}
    for q in (0.25, 0.5, 0.75, 1.0):
        ready = [s for s in samples if s["progress"] >= q]
        if ready:
            at[str(q)] = {k: ready[0][k] for k in ("t", "driver_rss", "tree_rss")}
    return {"command": " ".join(cmd), "seconds": round(time.time() - t0, 1), "samples": len(samples),
            "peak_driver_rss": max((s["driver_rss"] for s in samples), default=0),
            "peak_tree_rss": max((s["tree_rss"] for s in samples), default=0), "at_progress": at}


def sweep(args) -> dict:
    work = Path(tempfile.mkdtemp(prefix="socius-load-"))
    spec = work / "spec.toml"
    spec.write_text(f'''name = "load"
scenario = "{ROOT / 'scenarios' / 'baseline.toml'}"
seed = 1
replicates = 1
[design]
method = "lhs"
samples = {args.runs}
[set]
simulation.population = {args.population}
simulation.burn_in = 26
simulation.steps = 26
[parameters]
"contact.mean" = {{ min = 4.0, max = 12.0 }}
"formation.accept" = {{ min = 0.2, max = 0.9 }}
[record]
every = 13
''')
    out = work / "out"

    def progress() -> float:
        return len(list(out.rglob("r*.h5"))) / args.runs if out.exists() else 0.0

    result = watch([sys.executable, "-m", "socius", "sweep", str(spec), "--out", str(out), "--workers", "2"], progress)
    result.update(mode="sweep", runs=args.runs, population=args.population, directory=str(work))
    return result


def big(args) -> dict:
    work = Path(tempfile.mkdtemp(prefix="socius-load-"))
    out = work / "big.h5"
    start = time.time()
    expected = max(1.0, args.expected_seconds)

    def progress() -> float:  # by time: the run prints nothing until it ends
        return min(1.0, (time.time() - start) / expected) if not out.exists() else 1.0

    cmd = [sys.executable, "-m", "socius", "run", str(ROOT / "scenarios" / "baseline.toml"), "-o", str(out), "-q",
           "--population", str(args.population), "--steps", str(args.steps), "--set", "simulation.burn_in=0",
           "--set", "simulation.record_every=13", "--seed", "1"]
    result = watch(cmd, progress, interval=2.0)
    result.update(mode="big", population=args.population, steps=args.steps,
                  bytes_per_resident_at_peak=round(result["peak_tree_rss"] / args.population, 1))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="mode", required=True)
    p = sub.add_parser("sweep")
    p.add_argument("--runs", type=int, default=200)
    p.add_argument("--population", type=int, default=1000)
    p = sub.add_parser("big")
    p.add_argument("--population", type=int, default=10_000_000)
    p.add_argument("--steps", type=int, default=26)
    p.add_argument("--expected-seconds", type=float, default=600.0,
                   help="rough duration, used only to place the quarter marks")
    args = parser.parse_args()
    result = sweep(args) if args.mode == "sweep" else big(args)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
