"""Processes that share work: two sweep drivers on one folder, claims a dead owner leaves
behind, and library calls that start worker processes from a script without a main guard."""

import json
import os
import subprocess
import sys
import textwrap
import threading
import time

import h5py
import pytest

import socius
from socius.sweeps import SweepSpec
from socius.sweeps.claims import Claim, claim_holder, claim_run, lock_path

from conftest import PYTHON_DIR

# 8 runs of about a quarter of a second each: long enough for two drivers to overlap.
SPEC = {
    "name": "shared",
    "scenario": {"model": "davidsen", "name": "d"},
    "seed": 3,
    "replicates": 2,
    "set": {"simulation": {"population": 2000, "burn_in": 5, "steps": 20}},
    "record": {"every": 5},
    "parameters": {"davidsen.p": [0.02, 0.05, 0.1, 0.3]},
}

DRIVER = """\
import json, os, sys, time
from pathlib import Path
import socius
go = Path(sys.argv[2])
go.with_name(f"ready-{os.getpid()}").touch()
while not go.exists():        # both drivers start their sweep at the same moment
    time.sleep(0.01)
r = socius.sweep(json.loads(sys.argv[1]), out=sys.argv[3], workers=1, threads=1, retries=0,
                 progress=False)
print(json.dumps({"done": r.done, "in_scope": r.in_scope, "computed": r.computed,
                  "by_others": r.by_others, "skipped": r.skipped, "failed": r.failed}))
"""


def _env():
    return {**os.environ, "PYTHONPATH": str(PYTHON_DIR)}


def test_two_drivers_on_one_folder_compute_every_run_exactly_once(tmp_path):
    out, go = tmp_path / "out", tmp_path / "go"
    script = tmp_path / "driver.py"
    script.write_text(DRIVER)
    procs = [subprocess.Popen([sys.executable, str(script), json.dumps(SPEC), str(go), str(out)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env())
             for _ in range(2)]
    deadline = time.monotonic() + 60
    while len(list(tmp_path.glob("ready-*"))) < 2:  # both have imported socius and wait
        assert time.monotonic() < deadline and all(p.poll() is None for p in procs)
        time.sleep(0.05)
    go.touch()
    results = []
    for p in procs:
        stdout, stderr = p.communicate(timeout=120)
        assert p.returncode == 0, stderr
        results.append(json.loads(stdout.strip().splitlines()[-1]))
    spec = SweepSpec.from_dict(SPEC)
    assert spec.n_runs == 8
    for r in results:   # both end with every run done, none failed
        assert r["done"] == r["in_scope"] == 8 and r["failed"] == [] and r["skipped"] == 0, results
    # each run computed by exactly one of them; the other saw it claimed and waited for it
    assert results[0]["computed"] + results[1]["computed"] == 8, results
    assert results[0]["by_others"] == results[1]["computed"], results
    for info in spec.runs():
        path = out / info.relpath
        with h5py.File(path, "r") as f:
            assert int(f.attrs["sweep_attempt"]) == 1
        assert not path.with_suffix(".error.json").exists()
    assert not list(out.rglob(".r*.tmp-*")) and not list(out.rglob(".r*.lock"))
    with socius.open_sweep(out) as ds:
        assert (ds["status"].values == "done").all()


def _dead_pid() -> int:
    p = subprocess.Popen(["true"])
    p.wait()
    return p.pid


def test_leftovers_of_dead_processes_are_taken_over_and_live_ones_kept(tmp_path):
    spec = SweepSpec.from_dict({**SPEC, "replicates": 1, "parameters": {"davidsen.p": [0.02, 0.1, 0.3]},
                                "set": {"simulation": {"population": 300, "burn_in": 5, "steps": 10}}})
    out = tmp_path / "out"
    r0, r1, r2 = (out / spec.run_info(i).relpath for i in range(3))
    r0.parent.mkdir(parents=True)
    # run 0: a claim file a killed process left (nobody holds its lock): no obstacle
    dead = _dead_pid()
    lock_path(r0).write_text(f"{os.uname().nodename} {dead} 0\n")
    # run 1: temporary files of a dead process (removed) and of a live one (kept)
    live = subprocess.Popen(["sleep", "60"])
    try:
        stale, alive = (r1.with_name(f".{r1.name}.tmp-{pid}") for pid in (dead, live.pid))
        stale.write_bytes(b"left by a killed run")
        alive.write_bytes(b"being written")
        # run 2: held by a live owner (this process) for a second: waited for, not computed
        held = claim_run(r2)
        assert isinstance(held, Claim) and claim_run(r2) is None
        assert claim_holder(r2) == f"{os.uname().nodename} pid {os.getpid()}"
        released = []
        timer = threading.Timer(1.0, lambda: (released.append(time.time()), held.release()))
        timer.start()
        res = socius.sweep(spec, out=out, workers=1, threads=1, progress=False)
        timer.join()
        assert res.complete and res.failed == [] and res.computed == 3
        assert r0.exists() and r1.exists() and r2.exists()
        assert r2.stat().st_mtime >= released[0] - 0.01, "run 2 was computed while another held it"
        assert not stale.exists(), "a dead process's temporary file was left"
        assert alive.read_bytes() == b"being written", "a live process's temporary file was removed"
        assert claim_holder(r2) is None and not lock_path(r0).exists()
    finally:
        live.kill()
        live.wait()


GUARDLESS = """\
print("script top level ran", flush=True)
import socius

# README: socius.sweep(...) then socius.sensitivity(...), with no `if __name__ == "__main__":`
socius.sweep("sobol.toml", out="sweeps/sobol")
print(socius.sensitivity("sweeps/sobol").to_dataframe())
# docs/report.md: socius.compare(...) likewise
path = socius.compare(["a.toml", "b.toml"], replicates=2, seed=1, output="comparison.h5")
print("comparison written to", path)
"""


def test_sweep_and_compare_work_from_a_script_without_a_main_guard(tmp_path):
    (tmp_path / "a.toml").write_text('model = "davidsen"\nname = "a"\n[simulation]\npopulation = 200\n'
                                     "burn_in = 5\nsteps = 5\n")
    (tmp_path / "b.toml").write_text('extends = "a.toml"\nname = "b"\n[davidsen]\np = 0.3\n')
    (tmp_path / "sobol.toml").write_text(
        'name = "tiny-sobol"\nscenario = "a.toml"\nseed = 1\n[design]\nmethod = "sobol"\nsamples = 4\n'
        '[parameters]\n"davidsen.p" = { min = 0.02, max = 0.3 }\n'
        '[summaries]\nfinal_degree = { indicator = "mean_degree" }\n')
    (tmp_path / "example.py").write_text(GUARDLESS)
    r = subprocess.run([sys.executable, "example.py"], cwd=tmp_path, capture_output=True, text=True,
                       env=_env(), timeout=300)
    assert r.returncode == 0, r.stderr
    # the workers did not run the script again (each would print this line and start a sweep)
    assert r.stdout.count("script top level ran") == 1, r.stdout
    assert "davidsen.p" in r.stdout and "S1" in r.stdout
    assert "comparison written to comparison.h5" in r.stdout
    with socius.open_sweep(tmp_path / "sweeps" / "sobol") as ds:
        assert ds.sizes["run"] == 4 * (1 + 2) and (ds["status"].values == "done").all()
