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
    lock = tmp_path / "killed.h5.ckpt.lock"
    env = dict(os.environ, PYTHONPATH=str(PYTHON_DIR))
    proc = subprocess.Popen([sys.executable, "-m", "socius", "run", str(scenario), "--seed", "77", "-o", str(out),
                             "-q", "--checkpoint-every", "100"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while not ckpt.exists():
        assert proc.poll() is None, "the run ended before its first checkpoint"
        assert time.time() < deadline
        time.sleep(0.02)
    # While the run is alive, its checkpoint is its own: a resume is refused and changes nothing.
    with pytest.raises(socius.CheckpointError, match=f"in use: another live process \\(pid {proc.pid} on "):
        socius.resume(ckpt, progress=False)
    first = ckpt.stat().st_mtime_ns
    while ckpt.stat().st_mtime_ns == first:  # let it pass a few checkpoints and snapshots
        assert proc.poll() is None and time.time() < deadline
        time.sleep(0.02)
    time.sleep(0.7)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not out.exists(), "a killed run must not leave a finished-looking file"
    assert lock.exists()  # the dead run's lock file is left, and must not block a resume
    saved_at = socius._core.Checkpoint(str(ckpt)).restore(1).steps_done
    assert saved_at >= 200 and saved_at % 100 == 0

    # Two resumes of one checkpoint: the second is refused while the first runs.
    log = tmp_path / "resume.log"
    with open(log, "w") as err:
        first_resume = subprocess.Popen([sys.executable, "-m", "socius", "resume", str(ckpt)], env=env,
                                        stdout=subprocess.PIPE, stderr=err, text=True)
    while f"pid {first_resume.pid} " not in (lock.read_text() if lock.exists() else ""):
        assert first_resume.poll() is None and time.time() < deadline, log.read_text()
        time.sleep(0.01)
    # Hold the first resume still while the second tries (a stopped process is alive and keeps its
    # lock): otherwise, on a busy machine, it can finish before the second has even started.
    first_resume.send_signal(signal.SIGSTOP)
    try:
        second = cli("resume", ckpt, "-q")
    finally:
        first_resume.send_signal(signal.SIGCONT)
    assert second.returncode == 2 and "in use" in second.stderr and str(lock) in second.stderr, second.stderr
    stdout, _ = first_resume.communicate(timeout=120)
    assert first_resume.returncode == 0, log.read_text()
    assert str(out) in stdout
    # It started from the checkpoint, not from step 0: its progress bar counted the steps left.
    totals = re.findall(r"\| 0/(\d+) \[", log.read_text())
    assert totals and int(totals[0]) == 1520 - saved_at, log.read_text()[:300]
    assert not ckpt.exists() and not lock.exists()  # removed once the run completed
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
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == [
        "killed.h5", "long.toml", "reference.h5", "resume.log"]


@pytest.mark.parametrize("model", [m["name"] for m in socius.models()])
def test_python_resume_matches_an_uninterrupted_run(tmp_path, model, monkeypatch):
    scenario = socius.Scenario.from_dict({"model": model, "simulation": {
        "population": 600, "steps": 40, "burn_in": 4, "snapshot_every": 10}})
    reference = socius.run(scenario, tmp_path / "ref.h5", seed=4, progress=False)
    # Simulate a crash: stop after the checkpoint at step 30 by raising from a hook.
    out, ckpt = tmp_path / "out.h5", tmp_path / "state.ckpt"
    sim = socius.Simulation(scenario, seed=4)
    with pytest.raises(KeyboardInterrupt):
        _run_and_crash(sim, out, ckpt, crash_at=32)
    assert ckpt.exists() and not out.exists()
    # The resume must start from the checkpoint (step 30), not from step 0.
    started = []
    run = socius.Simulation.run

    def recording_run(self, *args, **kwargs):
        started.append((self.steps_done, self.steps_total))
        return run(self, *args, **kwargs)

    monkeypatch.setattr(socius.Simulation, "run", recording_run)
    socius.resume(ckpt, progress=False, threads=np.int64(2))  # NumPy integers are taken too
    assert started == [(30, 44)]
    assert not ckpt.exists() and not (tmp_path / "state.ckpt.lock").exists()
    a, b = datasets(reference), datasets(out)
    assert a.keys() == b.keys()
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
