import os
import signal
import subprocess
import sys
import time

import h5py
import numpy as np
import pytest
import xarray as xr

import socius

from conftest import PYTHON_DIR, SCENARIOS, cli

MODELS = [m["name"] for m in socius.models()]


def datasets(path):
    with h5py.File(path, "r") as f:
        return {name: f[name][()] for name in f if isinstance(f[name], h5py.Dataset)}


def assert_same_data(a, b):
    da, db = datasets(a), datasets(b)
    assert da.keys() == db.keys()
    for name in da:
        assert np.array_equal(da[name], db[name], equal_nan=da[name].dtype.kind == "f"), name
        if da[name].dtype.kind == "f":
            assert da[name].tobytes() == db[name].tobytes(), name


def test_run_writes_a_results_file_that_h5py_and_xarray_open(tmp_path, small_scenario):
    out = tmp_path / "out.h5"
    r = cli("run", small_scenario, "-o", out, "-q")
    assert r.returncode == 0, r.stderr
    assert str(out) in r.stdout
    with h5py.File(out, "r") as f:
        assert f.attrs["format"] == socius._core.RESULTS_FORMAT
        int(f.attrs["seed"])  # chosen automatically, and recorded
        assert "model = \"davidsen\"" in f.attrs["scenario"]
        for key in ("engine_version", "git_revision", "threads", "wall_seconds", "scenario_hash"):
            assert key in f.attrs
        assert f["indicators"].compression == "gzip"
    ds = xr.open_dataset(out, engine="h5netcdf")
    try:
        assert ds["indicators"].dims == ("time", "group", "indicator")
        assert list(ds["time"].values) == list(range(11))
        assert "all" in ds["group"].values and "mean_degree" in ds["indicator"].values
        assert ds.sizes["snapshot"] == 3  # times 0, 5, 10
        # The ragged snapshot arrays describe the graph at each snapshot.
        off, cnt = ds["snapshot_offset"].values, ds["snapshot_count"].values
        assert off[0] == 0 and off[-1] + cnt[-1] == ds.sizes["edge"]
        ties_at_end = ds["indicators"].sel(group="all", indicator="ties").values[-1]
        assert cnt[-1] == ties_at_end
        src = ds["edge_source"].values[off[-1]:off[-1] + cnt[-1]]
        dst = ds["edge_target"].values[off[-1]:off[-1] + cnt[-1]]
        assert np.all(src < dst)
    finally:
        ds.close()
    info = cli("info", out)
    assert info.returncode == 0 and "mean_degree" in info.stdout and "seed" in info.stdout


@pytest.mark.parametrize("model", MODELS)
def test_same_seed_same_bits_for_1_2_and_4_threads(tmp_path, model):
    scenario = socius.Scenario.from_dict({"model": model, "simulation": {"population": 2000, "steps": 6, "burn_in": 2,
                                                                         "snapshot_every": 3}})
    path = tmp_path / "s.toml"
    scenario.save(path)
    outs = []
    for threads in (1, 2, 4):
        out = tmp_path / f"t{threads}.h5"
        r = cli("run", path, "--seed", 42, "--threads", threads, "-o", out, "-q")
        assert r.returncode == 0, r.stderr
        outs.append(out)
    assert_same_data(outs[0], outs[1])
    assert_same_data(outs[0], outs[2])
    other = tmp_path / "other.h5"
    assert cli("run", path, "--seed", 43, "-o", other, "-q").returncode == 0
    assert datasets(other)["indicators"].tobytes() != datasets(outs[0])["indicators"].tobytes()


def test_python_api_and_command_line_agree(tmp_path, small_scenario):
    a, b = tmp_path / "api.h5", tmp_path / "cli.h5"
    socius.run(small_scenario, a, seed=9, threads=2, progress=False)
    assert cli("run", small_scenario, "--seed", 9, "-o", b, "-q").returncode == 0
    assert_same_data(a, b)
    sim = socius.Simulation(small_scenario, seed=9).run(progress=False)
    assert sim.indicators()["values"].tobytes() == datasets(a)["indicators"].tobytes()


@pytest.mark.parametrize(
    "content, args, fragment",
    [
        ('model = "davidsen"\n[davidsen]\npp = 1\n', [], "did you mean 'davidsen.p'"),
        ('model = "davidsen"\n[davidsen]\np = true\n', [], "expected a number"),
        ('model = "davidsen"\n[davidsen]\np = 2.0\n', [], "out of range"),
        ('model = "davidsen"\n[davidsen\n', [], "not valid TOML"),
        ('model = "davidsen"\n', ["--set", "simulation.steps=-1"], "out of range"),
        ('model = "davidsen"\n', ["--population", "1000000000000"], "TiB of memory"),
        ('model = "davidsen"\n', ["--population", "1999999999"], "GiB of memory"),
        ('model = "davidsen"\n', ["--threads", "0"], "at least 1"),
        ('model = "davidsen"\n', ["--set", "simulaton.steps=3"], "did you mean 'simulation.steps'"),
    ],
)
def test_bad_input_exits_2_and_writes_nothing(tmp_path, content, args, fragment):
    scenario = tmp_path / "bad.toml"
    scenario.write_text(content)
    out = tmp_path / "out.h5"
    r = cli("run", scenario, "-o", out, "-q", *args)
    assert r.returncode == 2, r.stderr
    assert fragment in r.stderr
    assert "Traceback" not in r.stderr
    assert list(tmp_path.iterdir()) == [scenario]  # no output, no temporary file
    if "--threads" not in args:  # validate takes the scenario options only
        v = cli("validate", scenario, *args)
        assert v.returncode == 2 and fragment in v.stderr


def test_missing_scenario_and_unwritable_output(tmp_path, small_scenario):
    r = cli("run", tmp_path / "nope.toml")
    assert r.returncode == 2 and "does not exist" in r.stderr
    r = cli("run", small_scenario, "-o", tmp_path / "no" / "dir" / "out.h5", "-q")
    assert r.returncode == 2 and "does not exist" in r.stderr
    if os.geteuid() != 0:  # root can write anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        r = cli("run", small_scenario, "-o", locked / "out.h5", "-q")
        assert r.returncode == 2 and "not writable" in r.stderr


def test_existing_results_survive_a_failed_run(tmp_path, small_scenario):
    out = tmp_path / "out.h5"
    assert cli("run", small_scenario, "-o", out, "--seed", 1, "-q").returncode == 0
    before = out.read_bytes()
    r = cli("run", small_scenario, "-o", out, "--set", "davidsen.p=7", "-q")
    assert r.returncode == 2
    assert out.read_bytes() == before


def test_validate_prints_the_resolved_scenario(small_scenario):
    r = cli("validate", small_scenario, "--set", "davidsen.p=0.25")
    assert r.returncode == 0
    assert "p = 0.25" in r.stdout and "[simulation]" in r.stdout and "record_every = 1" in r.stdout


def test_info_refuses_files_that_are_not_socius_results(tmp_path):
    foreign = tmp_path / "foreign.h5"
    with h5py.File(foreign, "w") as f:
        f["x"] = np.arange(3)
    r = cli("info", foreign)
    assert r.returncode == 2 and "an HDF5 file not written by socius (no attribute 'format')" in r.stderr
    text = tmp_path / "text.h5"
    text.write_text("hello")
    r = cli("info", text)
    assert r.returncode == 2 and "is a text file, not a file socius info reads" in r.stderr
    r = cli("info", tmp_path / "missing.h5")
    assert r.returncode == 2 and "does not exist" in r.stderr


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_ctrl_c_or_sigterm_stops_cleanly_and_leaves_no_file(tmp_path, sig, code):
    # SIGTERM is what Slurm sends at a job's time limit: it must stop a run as Ctrl-C does.
    scenario = tmp_path / "long.toml"
    scenario.write_text('model = "davidsen"\n[simulation]\npopulation = 20000\nburn_in = 0\nsteps = 100000\n'
                        '[davidsen]\npath_sources = 0\n')
    out = tmp_path / "out.h5"
    env = dict(os.environ, PYTHONPATH=str(PYTHON_DIR))
    proc = subprocess.Popen([sys.executable, "-m", "socius", "run", str(scenario), "-o", str(out), "-q",
                             "--checkpoint-every", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    deadline = time.time() + 60
    while not (tmp_path / "out.h5.ckpt").exists():
        assert proc.poll() is None and time.time() < deadline
        time.sleep(0.05)
    time.sleep(0.3)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == code, err  # the message names what went wrong (it failed once under load with 1)
    assert "interrupted" in err and "socius resume" in err
    # No results file and no temporary file; the checkpoint is kept to resume from.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["long.toml", "out.h5.ckpt"]


def test_simulation_arguments_are_checked(small_scenario):
    with pytest.raises(TypeError, match="seed"):
        socius.Simulation(small_scenario, seed="1")
    with pytest.raises(ValueError, match="threads"):
        socius.Simulation(small_scenario, threads=0)
    sim = socius.Simulation(small_scenario, seed=1)
    with pytest.raises(ValueError, match="n must be"):
        sim.step(-1)
    assert sim.step(3) == 3 and sim.time == -2
    assert sim.seed == 1


def test_a_full_disk_gives_a_clear_error_and_keeps_earlier_results(tmp_path, small_scenario):
    import resource

    out = tmp_path / "out.h5"
    assert cli("run", small_scenario, "-o", out, "--seed", 1, "-q").returncode == 0
    before = out.read_bytes()
    big = tmp_path / "big.toml"
    big.write_text('model = "davidsen"\n[simulation]\npopulation = 10000\nburn_in = 50\nsteps = 20\nsnapshot_every = 1\n'
                   '[davidsen]\npath_sources = 0\n')
    limit = 300_000  # bytes: far less than the snapshots need

    def small_disk():
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    env = dict(os.environ, PYTHONPATH=str(PYTHON_DIR))
    r = subprocess.run([sys.executable, "-m", "socius", "run", str(big), "-o", str(out), "-q", "--overwrite"], env=env,
                       capture_output=True, text=True, preexec_fn=small_disk, timeout=120)
    assert r.returncode == 2, r.stderr
    assert "File too large" in r.stderr and "free disk space" in r.stderr and "Traceback" not in r.stderr
    assert out.read_bytes() == before  # the earlier results are untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["big.toml", "out.h5", "small.toml"]
