"""Checkpoints: a run killed with SIGKILL and resumed writes the same results."""
import os
import re
import signal
import subprocess
import sys
import time

import h5py
import numpy as np
import pytest

import socius

from conftest import PYTHON_DIR, cli


def datasets(path):
    with h5py.File(path, "r") as f:
        return {name: f[name][()] for name in f if isinstance(f[name], h5py.Dataset)}


SCENARIO = ('model = "davidsen"\nname = "long"\n[simulation]\npopulation = 4000\nburn_in = 20\nsteps = 1500\n'
            "snapshot_every = 500\nrecord_every = 10\n[davidsen]\np = 0.05\npath_sources = 0\n")


def test_sigkill_then_resume_gives_identical_results(tmp_path):
    scenario = tmp_path / "long.toml"
    scenario.write_text(SCENARIO)
    reference = tmp_path / "reference.h5"
    assert cli("run", scenario, "--seed", 77, "-o", reference, "-q").returncode == 0

    out = tmp_path / "killed.h5"
    ckpt = tmp_path / "killed.h5.ckpt"
    env = dict(os.environ, PYTHONPATH=str(PYTHON_DIR))
    proc = subprocess.Popen([sys.executable, "-m", "socius", "run", str(scenario), "--seed", "77", "-o", str(out),
                             "-q", "--checkpoint-every", "100"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while not ckpt.exists():
        assert proc.poll() is None, "the run ended before its first checkpoint"
        assert time.time() < deadline
        time.sleep(0.02)
    first = ckpt.stat().st_mtime_ns
    while ckpt.stat().st_mtime_ns == first:  # let it pass a few checkpoints and snapshots
        assert proc.poll() is None and time.time() < deadline
        time.sleep(0.02)
    time.sleep(0.7)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not out.exists(), "a killed run must not leave a finished-looking file"

    r = cli("resume", ckpt, "-q")
    assert r.returncode == 0, r.stderr
    assert str(out) in r.stdout
    assert not ckpt.exists()  # removed once the run completed
    a, b = datasets(reference), datasets(out)
    assert a.keys() == b.keys()
    for name in a:
        assert a[name].dtype == b[name].dtype, name
        assert np.array_equal(a[name], b[name], equal_nan=a[name].dtype.kind == "f"), name
    with h5py.File(reference) as fa, h5py.File(out) as fb:
        for key in ("seed", "scenario", "scenario_hash", "steps", "burn_in"):
            assert fa.attrs[key] == fb.attrs[key], key
        assert "--checkpoint-every 100" in fb.attrs["command"]  # the original run's command
    # Leftover temporary files of the killed process are the only debris, and they are named so.
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]
    assert all(".tmp-" in name for name in leftovers)


@pytest.mark.parametrize("model", [m["name"] for m in socius.models()])
def test_python_resume_matches_an_uninterrupted_run(tmp_path, model):
    scenario = socius.Scenario.from_dict({"model": model, "simulation": {
        "population": 600, "steps": 40, "burn_in": 4, "snapshot_every": 10}})
    reference = socius.run(scenario, tmp_path / "ref.h5", seed=4, progress=False)
    # Simulate a crash: stop after the checkpoint at step 30 by raising from a hook.
    out, ckpt = tmp_path / "out.h5", tmp_path / "state.ckpt"
    sim = socius.Simulation(scenario, seed=4)
    with pytest.raises(KeyboardInterrupt):
        _run_and_crash(sim, out, ckpt, crash_at=32)
    assert ckpt.exists() and not out.exists()
    socius.resume(ckpt, progress=False)
    a, b = datasets(reference), datasets(out)
    for name in a:
        assert np.array_equal(a[name], b[name], equal_nan=a[name].dtype.kind == "f"), name


def _run_and_crash(sim, out, ckpt, crash_at):
    from socius.simulation import _run_to_file

    def crash(s):
        if s.steps_done >= crash_at:
            raise KeyboardInterrupt

    sim.every(1, crash, start=-100)
    writer = socius._core.ResultsWriter(str(out))
    extras = {"output": str(out), "scenario": sim.scenario.to_toml(), "scenario_source": "",
              "command": "test", "checkpoint_every": "10"}
    _run_to_file(sim, writer, out, ckpt, 10, extras, False, None)


@pytest.mark.parametrize("damage, message", [
    (lambda b: b[:-10], "truncated"),
    (lambda b: b[:60] + bytes([b[60] ^ 0xFF]) + b[61:], "checksum"),
    (lambda b: b"NOTSOCIUS" + b[9:], "not a (socius )?checkpoint"),
    (lambda b: b[:8] + (99).to_bytes(4, "little") + b[12:], "format 99"),
])
def test_damaged_checkpoints_are_refused_clearly(tmp_path, small_scenario, damage, message):
    sim = socius.Simulation(small_scenario, seed=1)
    sim.step(3)
    path = tmp_path / "c.ckpt"
    socius._core.save_checkpoint(str(path), sim._sim, None, {"output": str(tmp_path / "o.h5"), "scenario": "",
                                                            "scenario_source": "", "command": "", "checkpoint_every": "1"})
    path.write_bytes(damage(path.read_bytes()))
    r = cli("resume", path)
    assert r.returncode == 2
    assert re.search(message, r.stderr) and str(path) in r.stderr
    assert not (tmp_path / "o.h5").exists()
    with pytest.raises(socius.CheckpointError, match=message):
        socius.resume(path)


def test_missing_checkpoint(tmp_path):
    r = cli("resume", tmp_path / "none.ckpt")
    assert r.returncode == 2 and "does not exist" in r.stderr
