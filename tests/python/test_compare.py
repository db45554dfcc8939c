"""socius compare: an appraisal with nothing uncertain (paired replicates on the sweep machinery,
one appraisal file)."""

import importlib
import os
import signal
import subprocess
import sys
import time
import tomllib

import h5py
import numpy as np
import pytest
import xarray as xr

import socius

# The module, not the function socius.compare that shadows it as an attribute of the package.
compare_module = importlib.import_module("socius.compare")

from socius.appraise import load
from socius.sweeps import RunError
from socius.sweeps.runner import FAULT_ENV

from conftest import PYTHON_DIR, cli

SEED = 11


def write_scenario(folder, name, p=0.05, steps=12, **simulation):
    sim = {"population": 300, "burn_in": 5, "steps": steps, **simulation}
    path = folder / f"{name}.toml"
    path.write_text(f'model = "davidsen"\nname = "{name}"\ndescription = "test scenario {name}"\n'
                    "[simulation]\n" + "".join(f"{k} = {v}\n" for k, v in sim.items())
                    + f"[davidsen]\np = {p}\n")
    return path


@pytest.fixture(scope="module")
def scenarios(tmp_path_factory):
    folder = tmp_path_factory.mktemp("scenarios")
    # "same" has the baseline's parameters under another name: its paired differences must be 0.
    return [write_scenario(folder, "base"), write_scenario(folder, "high_p", p=0.3),
            write_scenario(folder, "same")]


@pytest.fixture(scope="module")
def comparison(scenarios, tmp_path_factory):
    out = tmp_path_factory.mktemp("comparison") / "cmp.h5"
    # NumPy integers and 0-d arrays are accepted wherever Python ints are (issue 13 item 6)
    return socius.compare(scenarios, replicates=np.int64(3), seed=np.uint64(SEED), output=out,
                          workers=np.array(2), threads=np.int32(1), progress=False)


def seed_of(replicate):
    """Replicate r of every scenario: the sweep's seed of design point 0."""
    return socius._core.derive_seed(socius._core.derive_seed(SEED, 0), replicate)


def test_the_file_is_an_appraisal_with_option_draw_and_replicate_dimensions(comparison, scenarios):
    a = load(comparison)
    assert a.options == ["base", "high_p", "same"] and a.baseline == "base"
    assert (a.draws, a.replicates, a.population, a.horizon_weeks, a.seed) == (1, 3, 300, 12, SEED)
    assert not a.uncertain and not a.appraised  # Davidsen runs record no costs: nothing to value
    assert a.missing == ["cost_pv", "lonely_years_pv"]
    with xr.open_dataset(comparison, engine="h5netcdf") as ds:
        assert ds["indicators"].dims == ("option", "draw", "replicate", "time", "group", "indicator")
        assert list(ds["time"].values) == list(range(13))
        assert "mean_degree" in ds["indicator"].values and list(ds["group"].values) == ["all"]
        values = ds["indicators"].values
        computed = ~np.isnan(values).all(axis=(0, 1, 2, 3, 4))
        assert computed.sum() >= 10
        assert np.isfinite(values[..., computed]).all()
        assert ds.attrs["format"] == "socius-appraisal-1"
        assert ds.attrs["master_seed"] == str(SEED)
        assert ds.attrs["engine_version"] == socius.__version__ and ds.attrs["git_revision"]
        seeds = ds["run_seed"].values
        assert [int(s) for s in seeds[0, 0]] == [seed_of(r) for r in range(3)]
        assert (seeds == seeds[:1]).all()  # every scenario: the same seeds
        for i, path in enumerate(scenarios):
            scenario = socius.Scenario.load(path)
            assert ds["option_hash"].values[i] == scenario.hash()
            assert tomllib.loads(ds["option_toml"].values[i])["name"] == scenario.name
            assert ds["option_description"].values[i] == f"test scenario {scenario.name}"
        assert ds["option_hash"].values[0] == ds["option_hash"].values[2]


def test_replicate_r_of_every_scenario_runs_with_the_same_recorded_seed(comparison, scenarios, tmp_path):
    a = load(comparison)
    seed = int(a.run_seed[0, 0, 1])
    for i, path in ((0, scenarios[0]), (1, scenarios[1])):
        single = socius.run(path, tmp_path / f"{i}.h5", seed=seed, progress=False)
        with h5py.File(single, "r") as f:
            stored = np.ascontiguousarray(a._raw.values[i, 0, 1])
            assert f["indicators"][()].tobytes() == stored.tobytes()


def test_a_scenario_identical_to_the_baseline_has_paired_differences_exactly_zero(comparison):
    a = load(comparison)
    ind = a._raw
    diff = (ind.sel(option="same") - ind.sel(option="base")).values
    assert ((diff == 0) | np.isnan(diff)).all()
    assert (diff == 0).sum() > 0.9 * diff.size
    base = ind.sel(option="base", indicator="ties", draw=0).values
    assert not np.array_equal(base[0], base[1])
    assert (ind.sel(option="high_p") != ind.sel(option="base")).any()


def test_the_same_master_seed_gives_bit_identical_results_another_seed_other_results(comparison, scenarios,
                                                                                     tmp_path):
    # Other worker and thread counts: results must not depend on them.
    again = socius.compare(scenarios, replicates=3, seed=SEED, output=tmp_path / "again.h5", workers=1,
                           threads=2, progress=False)
    other = socius.compare(scenarios[:1], replicates=1, seed=SEED + 1, output=tmp_path / "other.h5",
                           progress=False)
    with h5py.File(comparison, "r") as a, h5py.File(again, "r") as b, h5py.File(other, "r") as c:
        assert a["indicators"][()].tobytes() == b["indicators"][()].tobytes()
        assert np.array_equal(a["run_seed"][()], b["run_seed"][()])
        assert not np.array_equal(a["indicators"][0, 0, 0], c["indicators"][0, 0, 0])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["again.h5", "other.h5"]  # no leftovers


def test_compare_on_the_command_line_prints_the_file_and_the_report(scenarios, tmp_path):
    out, report_dir = tmp_path / "cmp.h5", tmp_path / "report"
    r = cli("compare", scenarios[0], scenarios[1], "-r", 2, "--seed", 5, "-o", out, "--report", report_dir,
            "--steps", 8, "--set", "simulation.population=200", "--workers", 2, "-q")
    assert r.returncode == 0, r.stderr
    assert f"comparison written to {out}" in r.stdout
    assert "master seed 5" in r.stderr
    if hasattr(importlib.import_module("socius.report"), "write"):  # the appraisal report (helper D)
        assert f"report written to {report_dir / 'index.html'}" in r.stdout
    else:
        assert "no appraisal report" in r.stderr
    a = load(out)
    assert a.options == ["base", "high_p"] and a.replicates == 2 and a.series.sizes["time"] == 9
    assert a.population == 200
    assert "--population 200" in a.command and "--seed 5" in a.command and "--steps 8" in a.command
    info = cli("info", out)
    assert info.returncode == 0 and "1 parameter draw x 2 replicates" in info.stdout and "seed:        5" in info.stdout


@pytest.mark.parametrize("case, fragment", [
    ("steps", "key 'simulation.steps' = 20 differs from the baseline"),
    ("burn_in", "key 'simulation.burn_in' = 7 differs from the baseline"),
    ("record_every", "key 'simulation.record_every' = 2 differs from the baseline"),
    ("name", "compared scenarios need distinct names"),
    ("missing", "does not exist"),
    ("invalid", "out of range"),
])
def test_scenarios_that_cannot_be_compared_exit_2_and_write_nothing(tmp_path, case, fragment):
    base = write_scenario(tmp_path, "base")
    (tmp_path / "sub").mkdir()
    other = {
        "steps": lambda: write_scenario(tmp_path, "other", steps=20),
        "burn_in": lambda: write_scenario(tmp_path, "other", burn_in=7),
        "record_every": lambda: write_scenario(tmp_path, "other", record_every=2),
        "name": lambda: write_scenario(tmp_path / "sub", "base"),
        "missing": lambda: tmp_path / "missing.toml",
        "invalid": lambda: write_scenario(tmp_path, "other", p=3.0),
    }[case]()
    before = sorted(tmp_path.rglob("*"))
    r = cli("compare", base, other, "-o", tmp_path / "out.h5", "-r", 2, "--report", tmp_path / "rep", "-q")
    assert r.returncode == 2, r.stderr
    assert fragment in r.stderr and "Traceback" not in r.stderr
    if case in ("steps", "burn_in", "record_every"):
        assert "scenario 'other'" in r.stderr  # names the scenario and the key
    assert sorted(tmp_path.rglob("*")) == before  # no output, no report, no temporary files


def test_compare_checks_its_arguments(scenarios, tmp_path):
    for kwargs, error in (({"replicates": 0}, "replicates"), ({"seed": -1}, "seed"),
                          ({"seed": 2**64}, "seed"), ({"workers": 0}, "workers"),
                          ({"workers": np.int64(0)}, "workers")):
        with pytest.raises(ValueError, match=error):
            socius.compare(scenarios[:1], output=tmp_path / "x.h5", progress=False, **kwargs)
    for kwargs, error in (({"threads": 1.5}, "threads"), ({"replicates": True}, "replicates"),
                          ({"seed": np.float64(3)}, "seed")):
        with pytest.raises(TypeError, match=error):
            socius.compare(scenarios[:1], output=tmp_path / "x.h5", progress=False, **kwargs)
    with pytest.raises(socius.ScenarioError, match="at least one scenario"):
        socius.compare([], output=tmp_path / "x.h5")
    with pytest.raises(socius.OutputError, match="does not exist"):
        socius.compare(scenarios[:1], output=tmp_path / "no" / "x.h5", progress=False)
    assert list(tmp_path.iterdir()) == []


def test_a_failure_while_writing_keeps_an_existing_file_and_the_runs_for_a_resume(scenarios, tmp_path,
                                                                                  monkeypatch):
    out = tmp_path / "cmp.h5"
    out.write_bytes(b"an earlier comparison")
    calls = []

    def failing_write(self, path):
        calls.append(path)
        raise RuntimeError("simulated failure while writing")

    # Not a comparison: refused before any run unless asked (the one rule, results.check_output).
    with pytest.raises(socius.OutputError, match="overwrite=True"):
        socius.compare(scenarios, replicates=3, seed=1, output=out, workers=2, progress=False)
    assert out.read_bytes() == b"an earlier comparison" and sorted(p.name for p in tmp_path.iterdir()) == ["cmp.h5"]
    with monkeypatch.context() as m:
        m.setattr(socius.appraise.Appraisal, "write", failing_write)
        with pytest.raises(RuntimeError, match="simulated failure"):
            socius.compare(scenarios, replicates=3, seed=1, output=out, workers=2, progress=False,
                           overwrite=np.bool_(True))
    assert len(calls) == 1 and out.read_bytes() == b"an earlier comparison"
    runs = compare_module.runs_folder(out)
    assert len(list(runs.rglob("r*.h5"))) == 9  # the finished runs are kept...
    path = socius.compare(scenarios, replicates=3, seed=1, output=out, workers=2, progress=False, overwrite=True)
    assert load(path).replicates == 3  # ...and the same call finishes from them
    assert sorted(p.name for p in tmp_path.iterdir()) == ["cmp.h5"]


def test_ctrl_c_stops_the_workers_and_leaves_no_output_nor_partial_runs(tmp_path):
    for name in ("long", "long2"):
        (tmp_path / f"{name}.toml").write_text(
            f'model = "davidsen"\nname = "{name}"\n[simulation]\npopulation = 20000\nburn_in = 0\nsteps = 100000\n')
    env = dict(os.environ, PYTHONPATH=str(PYTHON_DIR))
    proc = subprocess.Popen([sys.executable, "-m", "socius", "compare", "long.toml", "long2.toml", "-r", "2",
                             "-o", "out.h5", "-q", "--workers", "2"], cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    deadline = time.time() + 60
    # Wait until the workers are writing their runs, then interrupt.
    while not list(tmp_path.rglob(".r*.h5.tmp-*")):
        assert proc.poll() is None and time.time() < deadline, proc.stderr.read() if proc.poll() is not None else ""
        time.sleep(0.05)
    time.sleep(0.3)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted" in err
    assert not (tmp_path / "out.h5").exists()
    assert not list(tmp_path.rglob("*.tmp-*")) and not list(tmp_path.rglob("r*.h5"))


def test_a_dead_worker_names_the_scenario_replicate_seed_and_signal(scenarios, tmp_path, monkeypatch):
    # issue 13 item 5: was a raw BrokenProcessPool traceback naming nothing
    monkeypatch.setenv(FAULT_ENV, "3:segv")   # run 3: scenario 1 ("high_p"), replicate 1
    with pytest.raises(RunError) as e:
        socius.compare(scenarios, replicates=2, seed=SEED, output=tmp_path / "cmp.h5", workers=2,
                       progress=False)
    msg = str(e.value)
    assert "\n" not in msg and isinstance(e.value, socius.Error)
    for words in ("scenario 'high_p'", "replicate 1", f"seed {seed_of(1)}", "killed by signal SIGSEGV (11)",
                  "run the same command again"):
        assert words in msg, msg
    assert not (tmp_path / "cmp.h5").exists()


def test_a_run_the_model_refuses_is_bad_input_naming_the_run(scenarios, tmp_path, monkeypatch):
    monkeypatch.setenv(FAULT_ENV, "0:refuse")
    with pytest.raises(socius.ScenarioError, match=rf"scenario 'base', point 0, replicate 0, seed "
                                                   rf"{seed_of(0)}\) failed: ScenarioError: injected refusal"):
        socius.compare(scenarios[:2], replicates=1, seed=SEED, output=tmp_path / "cmp.h5", workers=1,
                       progress=False)
    env = {**os.environ, "PYTHONPATH": str(PYTHON_DIR), FAULT_ENV: "1:refuse"}
    r = subprocess.run([sys.executable, "-m", "socius", "compare", *map(str, scenarios[:2]), "-r", "1",
                        "-o", str(tmp_path / "cmp2.h5"), "-q", "--workers", "1"], env=env,
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 2, r.stderr
    assert "scenario 'high_p'" in r.stderr and "replicate 0" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "cmp2.h5").exists()
