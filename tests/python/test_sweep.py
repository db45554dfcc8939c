"""Parameter sweeps: designs, seeds, resume, the index, shards, sbatch, and every executor.

Runs are tiny (300 agents, a few steps); the costly parts are process start-ups, so executor
tests go through the command line once each and compare with one reference sweep.
"""

import itertools
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import h5py
import numpy as np
import pytest
import xarray as xr

import socius
from socius import _core
from socius.sweeps import SweepRunError, SweepSpec, SweepSpecError, build_index, open_sweep, salib_form
from socius.sweeps.runner import FAULT_ENV, runs_in_scope
from socius.sweeps.slurm import parse_shard, sbatch_script, shard_from_env

from conftest import PYTHON_DIR, SCENARIOS, cli

SMALL = {"simulation": {"population": 300, "burn_in": 5, "steps": 10}}



def _array_equal(a, b):
    """Equality that counts NaN as equal to NaN (indicators such as assortativity can be NaN)."""
    return np.array_equal(a, b, equal_nan=np.asarray(a).dtype.kind == "f")

def spec_dict(**extra):
    d = {
        "name": "t",
        "scenario": {"model": "davidsen", "name": "d"},
        "seed": 42,
        "replicates": 2,
        "set": SMALL,
        "record": {"every": 5},
        "parameters": {"davidsen.p": [0.02, 0.1, 0.3]},
        "summaries": {"final_degree": {"indicator": "mean_degree"},
                      "isolated": {"indicator": "isolated_share", "stat": "mean", "last": 6}},
    }
    if "scenarios" in extra:
        d.pop("scenario")
    d.update(extra)
    return d


GRID_TOML = """\
name = "grid"
seed = 42
replicates = 2
scenario = "{scenario}"

[set]
simulation.population = 300
simulation.burn_in = 5
simulation.steps = 10

[parameters]
"davidsen.p" = [0.02, 0.1, 0.3]

[record]
every = 5

[summaries]
final_degree = {{ indicator = "mean_degree" }}
"""


@pytest.fixture
def grid_spec(tmp_path):
    """A 3-point x 2-replicate grid spec file (6 runs of 300 agents)."""
    scenario = tmp_path / "d.toml"
    scenario.write_text('model = "davidsen"\nname = "d"\n')
    path = tmp_path / "grid.toml"
    path.write_text(GRID_TOML.format(scenario="d.toml"))
    return path


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The grid sweep run once with the default local pool: the bits every executor must give."""
    tmp = tmp_path_factory.mktemp("reference")
    (tmp / "d.toml").write_text('model = "davidsen"\nname = "d"\n')
    (tmp / "grid.toml").write_text(GRID_TOML.format(scenario="d.toml"))
    result = socius.sweep(tmp / "grid.toml", out=tmp / "out", workers=2, progress=False)
    assert result.complete and not result.failed
    with open_sweep(tmp / "out") as ds:
        return {"indicators": ds["indicators"].values.copy(), "seed": ds["seed"].values.copy(),
                "final_degree": ds["final_degree"].values.copy(), "spec": tmp / "grid.toml"}


def index_values(out):
    with open_sweep(out) as ds:
        return ds["indicators"].values.copy(), ds["status"].values.copy(), ds["attempts"].values.copy()


# -- the spec and its designs ----------------------------------------------------------------
def test_shipped_sweep_specs_load():
    files = sorted((SCENARIOS / "sweeps").glob("*.toml"))
    assert len(files) >= 4
    for f in files:
        spec = SweepSpec.load(f)
        assert spec.n_runs == len(spec.runs())
        assert spec.design().shape == (spec.n_points, len(spec.factors))


def test_grid_is_the_product_in_spec_order():
    spec = SweepSpec.from_dict(spec_dict(parameters={
        "davidsen.p": {"min": 0.1, "max": 0.4, "num": 4},
        "davidsen.updates_per_step": [0, 100, 200],
    }))
    X = spec.design()
    assert spec.n_points == 12 and X.shape == (12, 2)
    expected = list(itertools.product([0.1, 0.2, 0.3, 0.4], [0, 100, 200]))
    assert np.allclose(X.astype(float), np.array(expected, dtype=float))
    assert [type(v) for v in X[0]] == [float, int]
    assert spec.n_runs == 24


def test_grid_ranges_step_and_geometric_spacing():
    spec = SweepSpec.from_dict(spec_dict(parameters={"davidsen.p": {"min": 0.0, "max": 0.5, "step": 0.25}}))
    assert list(spec.design()[:, 0]) == pytest.approx([0.0, 0.25, 0.5])
    spec = SweepSpec.from_dict(spec_dict(parameters={
        "davidsen.p": {"min": 0.01, "max": 1.0, "num": 3, "distribution": "loguniform"}}))
    assert list(spec.design()[:, 0]) == pytest.approx([0.01, 0.1, 1.0])


def test_lhs_has_one_point_per_stratum_within_bounds():
    n = 17
    spec = SweepSpec.from_dict(spec_dict(design={"method": "lhs", "samples": n}, parameters={
        "davidsen.p": {"min": 0.1, "max": 0.3},
        "davidsen.updates_per_step": {"min": 200, "max": 400},
    }))
    u = spec.unit_design()
    assert u.shape == (n, 2)
    for j in range(2):
        assert sorted(np.floor(u[:, j] * n).astype(int)) == list(range(n))
    X = spec.design()
    p = X[:, 0].astype(float)
    assert ((p >= 0.1) & (p <= 0.3)).all()
    assert sorted(np.floor((p - 0.1) / 0.2 * n).astype(int)) == list(range(n))
    pop = X[:, 1]
    assert all(isinstance(v, int) and 200 <= v <= 400 for v in pop)   # integer parameter: rounded
    # the same master seed gives the same design; another gives another
    again = SweepSpec.from_dict(spec_dict(design={"method": "lhs", "samples": n}, parameters={
        "davidsen.p": {"min": 0.1, "max": 0.3}, "davidsen.updates_per_step": {"min": 200, "max": 400}}))
    assert np.array_equal(again.design(), X)
    other = SweepSpec.from_dict(spec_dict(seed=43, design={"method": "lhs", "samples": n}, parameters={
        "davidsen.p": {"min": 0.1, "max": 0.3}, "davidsen.updates_per_step": {"min": 200, "max": 400}}))
    assert not np.array_equal(other.design(), X)


@pytest.mark.parametrize("second_order", [False, True])
def test_sobol_matches_salib_saltelli_layout(second_order):
    from SALib.sample import sobol

    params = {"davidsen.p": {"min": 0.05, "max": 0.3},
              "davidsen.updates_per_step": {"min": 10.0, "max": 50.0},
              "simulation.record_every": {"distribution": "triangular", "min": 2, "max": 8, "mode": 4}}
    spec = SweepSpec.from_dict(spec_dict(design={"method": "sobol", "samples": 8, "second_order": second_order},
                                         parameters=params, record={}))
    d, n = 3, 8
    assert spec.n_points == (n * (2 * d + 2) if second_order else n * (d + 2))
    unit = spec.unit_design()
    ref = sobol.sample({"num_vars": 3, "names": spec.parameter_names, "bounds": [[0, 1]] * 3}, n,
                       calc_second_order=second_order, seed=spec.design_seed())
    assert np.array_equal(unit, ref)
    # in parameter space: SALib's own scaling with the problem's dists, before rounding integers
    scaled = sobol.sample(spec.problem(), n, calc_second_order=second_order, seed=spec.design_seed())
    X = spec.design()
    assert np.allclose(X[:, 0].astype(float), scaled[:, 0])
    assert np.array_equal(X[:, 1].astype(float), np.round(scaled[:, 1]))
    assert np.allclose(X[:, 2].astype(float), np.round(scaled[:, 2]))
    assert spec.problem()["dists"] == ["unif", "unif", "triang"]


def test_morris_has_d_plus_1_times_r_points_on_the_levels():
    levels, r = 4, 5
    spec = SweepSpec.from_dict(spec_dict(design={"method": "morris", "trajectories": r, "levels": levels},
                                         parameters={"davidsen.p": {"min": 0.1, "max": 0.4},
                                                     "davidsen.updates_per_step": {"min": 0, "max": 300}}))
    assert spec.n_points == (2 + 1) * r
    unit = spec.unit_design()
    assert set(np.round(unit.ravel() * (levels - 1), 9)) <= set(range(levels))
    # each step of a trajectory changes exactly one parameter
    for t in range(r):
        block = unit[t * 3:(t + 1) * 3]
        assert all((np.abs(np.diff(block, axis=0)) > 0).sum(axis=1) == 1)
    assert set(spec.design()[:, 0].astype(float).round(9)) <= {0.1, 0.2, 0.3, 0.4}


def test_seeds_derive_from_master_point_and_replicate_only():
    spec = SweepSpec.from_dict(spec_dict(scenarios=[{"model": "davidsen", "name": "a"},
                                                    {"model": "davidsen", "name": "b",
                                                     "davidsen": {"updates_per_step": 100}}]))
    runs = spec.runs()
    assert len(runs) == 2 * 3 * 2
    for info in runs:
        assert info.seed == _core.derive_seed(_core.derive_seed(42, info.point), info.replicate)
    # common random numbers: scenario b's run at (point, replicate) has scenario a's seed
    a = {(i.point, i.replicate): i.seed for i in runs if i.scenario == 0}
    b = {(i.point, i.replicate): i.seed for i in runs if i.scenario == 1}
    assert a == b and len(set(a.values())) == 6
    # stable across loads, and a run's seed does not depend on which others exist
    again = SweepSpec.from_dict(spec_dict(scenarios=[{"model": "davidsen", "name": "a"},
                                                     {"model": "davidsen", "name": "b",
                                                      "davidsen": {"updates_per_step": 100}}]))
    assert [i.seed for i in again.runs()] == [i.seed for i in runs]
    assert again.hash() == spec.hash()


def test_spec_hash_follows_what_decides_results():
    base = SweepSpec.from_dict(spec_dict())
    assert SweepSpec.from_dict(spec_dict(seed=43)).hash() != base.hash()
    assert SweepSpec.from_dict(spec_dict(set={"simulation": {"population": 301, "burn_in": 5,
                                                             "steps": 10}})).hash() != base.hash()
    # the self-contained TOML a sweep directory keeps loads to the same spec
    path = Path(os.environ.get("TMPDIR", "/tmp")) / f"spec-{os.getpid()}.toml"
    path.write_text(base.to_toml())
    try:
        assert SweepSpec.load(path).hash() == base.hash()
    finally:
        path.unlink()


@pytest.mark.parametrize("change, words", [
    ({"sede": 1}, ["sede", "did you mean 'seed'"]),
    ({"seed": -1}, ["'seed' = -1", "[0, 2**64)"]),
    ({"design": {"method": "sobl"}}, ["design.method", "did you mean 'sobol'"]),
    ({"design": {"method": "sobol", "samples": 12},
      "parameters": {"davidsen.p": {"min": 0.1, "max": 0.2}}}, ["design.samples", "power of two"]),
    ({"design": {"method": "lhs", "samples": 4}}, ["davidsen.p", "needs design 'grid'"]),
    ({"parameters": {"davidsen.p": {"min": 0.1, "max": 0.2}}}, ["needs 'num'", "or 'step'"]),
    ({"parameters": {"davidsen.p": {"min": 0.1, "max": 1.5, "num": 3}}}, ["davidsen.p", "1.5", "out of range"]),
    ({"parameters": {"davidsen.pp": [0.1]}}, ["davidsen.pp", "did you mean 'davidsen.p'"]),
    ({"design": {"method": "lhs", "samples": 4},
      "parameters": {"davidsen.p": {"distribution": "normal", "mean": 0.1, "sd": 0.02}}},
     ["davidsen.p", "needs 'min' and 'max'"]),
    ({"summaries": {"x": {"indicator": "mean_degree", "stat": "avg"}}}, ["summaries.x.stat", "allowed"]),
    ({"record": {"every": 5, "indicators": ["ties"]}}, ["summaries.final_degree.indicator", "record.indicators"]),
    ({"summaries": {"x": {"indicator": "ties", "stat": "at", "time": 7}}}, ["summaries.x.time", "not a recorded time"]),
    ({"summaries": {"seed": {"indicator": "ties"}}}, ["summaries.seed", "taken"]),
])
def test_bad_specs_say_what_to_fix(change, words):
    with pytest.raises(SweepSpecError) as e:
        SweepSpec.from_dict(spec_dict(**change), origin="my.toml")
    msg = str(e.value)
    assert "my.toml" in msg
    for w in words:
        assert w in msg, msg


def test_cli_bad_spec_exits_2_naming_file_and_key(tmp_path, grid_spec):
    bad = tmp_path / "bad.toml"
    bad.write_text(grid_spec.read_text().replace('[0.02, 0.1, 0.3]', '[0.02, 7.0]'))
    r = cli("sweep", bad, "--out", tmp_path / "o", "-q")
    assert r.returncode == 2, r.stderr
    assert "bad.toml" in r.stderr and "davidsen.p" in r.stderr and "out of range" in r.stderr
    assert not (tmp_path / "o").exists()
    r = cli("sweep", tmp_path / "nope.toml", "--out", tmp_path / "o")
    assert r.returncode == 2 and "does not exist" in r.stderr
    r = cli("sweep", grid_spec, "--out", tmp_path / "o", "--shard", "3/3")
    assert r.returncode == 2 and "--shard" in r.stderr


# -- running, resuming, the index -------------------------------------------------------------
def test_local_cli_end_to_end_and_index_layout(tmp_path, grid_spec, reference):
    out = tmp_path / "out"
    r = cli("sweep", grid_spec, "--out", out, "--workers", "2", "-q")
    assert r.returncode == 0, r.stderr
    assert "6 of 6 runs done" in r.stdout
    ds = xr.open_dataset(out / "sweep.h5", engine="h5netcdf")
    with ds:
        assert ds["indicators"].dims == ("run", "time", "group", "indicator")
        assert ds.sizes["run"] == 6 and list(ds["time"].values) == [0, 5, 10]
        assert list(ds["group"].values) == ["all"]
        assert "mean_degree" in ds["indicator"].values
        for c in ("scenario", "point", "replicate", "seed", "status", "attempts", "davidsen.p"):
            assert c in ds.coords, c
        assert list(ds["point"].values) == [0, 0, 1, 1, 2, 2]
        assert list(ds["replicate"].values) == [0, 1] * 3
        assert list(ds["davidsen.p"].values) == [0.02, 0.02, 0.1, 0.1, 0.3, 0.3]
        assert ds["seed"].dtype == np.uint64 and (ds["status"].values == "done").all()
        assert ds.attrs["virtual"] == 1 and ds.attrs["runs_done"] == 6
        # the virtual dataset shows each run file's values, bit for bit
        spec = SweepSpec.load(grid_spec)
        for info in spec.runs():
            with h5py.File(out / info.relpath, "r") as f:
                assert f.attrs["seed"] == str(info.seed)
                assert int(f.attrs["sweep_run"]) == info.run
                assert _array_equal(f["indicators"][...], ds["indicators"].values[info.run])
        assert _array_equal(ds["final_degree"].values, ds["indicators"].sel(indicator="mean_degree",
                                                                             group="all").isel(time=-1).values)
        assert _array_equal(ds["indicators"].values, reference["indicators"])
    # the index reads from anywhere: virtual sources are relative to the index file
    moved = tmp_path / "elsewhere"
    shutil.move(str(out), moved)
    with open_sweep(moved) as ds:
        assert _array_equal(ds["indicators"].values, reference["indicators"])
    # a copied (self-contained) index holds the same values
    r = cli("sweep-index", moved, "--copy")
    assert r.returncode == 0, r.stderr
    with open_sweep(moved) as ds:
        assert ds.attrs["virtual"] == 0
        assert _array_equal(ds["indicators"].values, reference["indicators"])
    # rerunning skips every run
    r = cli("sweep", grid_spec, "--out", moved, "-q")
    assert r.returncode == 0 and "(6 were already done)" in r.stdout


def test_missing_runs_are_marked_not_filled(tmp_path, grid_spec, reference):
    out = tmp_path / "out"
    # NumPy integers and 0-d arrays are accepted wherever Python ints are
    res = socius.sweep(grid_spec, out=out, shard=(np.int64(0), np.array(2)), workers=np.int32(1),
                       retries=np.uint8(1), max_in_flight=np.int64(4), progress=False)
    assert res.index is None and res.in_scope == 3 and res.done == 3
    build_index(out)
    with open_sweep(out) as ds:
        status = ds["status"].values
        assert list(status) == ["done", "missing"] * 3
        values = ds["indicators"].values
        assert np.isnan(values[1::2]).all() and np.isnan(ds["final_degree"].values[1::2]).all()
        assert _array_equal(values[0::2], reference["indicators"][0::2])
        assert ds.attrs["runs_missing"] == 3


def test_resume_reruns_only_failed_and_deleted_runs(tmp_path, grid_spec, reference, monkeypatch):
    out = tmp_path / "out"
    spec = SweepSpec.load(grid_spec)
    monkeypatch.setenv(FAULT_ENV, f"3:raise:{tmp_path / 'fault-once'}")
    res = socius.sweep(spec, out=out, workers=2, retries=0, progress=False)
    assert res.failed == [3] and res.done == 5
    err = out / spec.run_info(3).relpath.replace(".h5", ".error.json")
    record = __import__("json").loads(err.read_text())
    assert record["attempts"] == 1 and "injected fault in run 3" in record["traceback"]
    assert not (out / spec.run_info(3).relpath).exists()
    assert not list(out.rglob(".r*.tmp-*")), "a failed run left a temporary file"
    with open_sweep(out) as ds:
        assert ds["status"].values[3] == "failed" and ds["attempts"].values[3] == 1
        assert "injected fault" in str(ds["error"].values[3])
        assert np.isnan(ds["indicators"].values[3]).all()

    # delete a finished run too; resuming reruns exactly runs 3 and 4
    (out / spec.run_info(4).relpath).unlink()
    before = {i.run: (out / i.relpath).stat().st_mtime_ns for i in spec.runs() if i.run not in (3, 4)}
    res = socius.sweep(spec, out=out, workers=2, progress=False)
    assert res.skipped == 4 and res.done == 6 and not res.failed
    after = {r: (out / spec.run_info(r).relpath).stat().st_mtime_ns for r in before}
    assert after == before, "finished runs were run again"
    assert not err.exists()
    values, status, attempts = index_values(out)
    assert (status == "done").all()
    assert attempts[3] == 2 and attempts[4] == 1
    assert _array_equal(values, reference["indicators"])


def test_killed_worker_leaves_no_finished_file_and_is_retried(tmp_path, grid_spec, reference, monkeypatch):
    out = tmp_path / "out"
    spec = SweepSpec.load(grid_spec)
    # without retries: the run whose worker died is failed, with no results file
    monkeypatch.setenv(FAULT_ENV, "2:exit")
    res = socius.sweep(spec, out=out, workers=2, retries=0, progress=False, index=False)
    assert 2 in res.failed
    assert not (out / spec.run_info(2).relpath).exists()
    assert not list(out.rglob(".r*.tmp-*"))
    # resuming with the fault firing once more: the pool is rebuilt and the run retried
    monkeypatch.setenv(FAULT_ENV, f"2:exit:{tmp_path / 'once'}")
    res = socius.sweep(spec, out=out, workers=2, retries=2, progress=False)
    assert res.complete and not res.failed
    values, status, attempts = index_values(out)
    assert (status == "done").all() and attempts[2] >= 3
    assert _array_equal(values, reference["indicators"])


def test_every_design_point_is_validated_before_the_first_run(tmp_path, grid_spec):
    # issue 13 item 7: population 1 is refused by the model; the sweep must not start
    bad = tmp_path / "bad.toml"
    bad.write_text(grid_spec.read_text().replace('"davidsen.p" = [0.02, 0.1, 0.3]',
                                                 '"simulation.population" = [1, 100]')
                   .replace("simulation.population = 300\n", ""))
    with pytest.raises(SweepSpecError) as e:
        SweepSpec.load(bad)
    msg = str(e.value)
    for words in ("bad.toml", "design point 0", "simulation.population = 1", "scenario 'd'", "at least 2"):
        assert words in msg, msg
    r = cli("sweep", bad, "--out", tmp_path / "o", "-q")
    assert r.returncode == 2, r.stderr
    assert "design point 0" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "o").exists(), "the sweep started"


def test_a_refusal_is_not_retried_and_a_sweep_of_refusals_is_bad_input(tmp_path, grid_spec, monkeypatch):
    spec = SweepSpec.load(grid_spec)
    monkeypatch.setenv(FAULT_ENV, "0:refuse")
    res = socius.sweep(spec, out=tmp_path / "a", workers=1, retries=3, progress=False)
    assert res.failed == [0] and res.done == 5
    record = __import__("json").loads((tmp_path / "a" / spec.run_info(0).relpath)
                                      .with_suffix(".error.json").read_text())
    assert record["attempts"] == 1, "a refusal was retried"
    assert "ScenarioError: injected refusal in run 0" in res.errors[0]
    monkeypatch.setenv(FAULT_ENV, "*:refuse")
    with pytest.raises(SweepSpecError, match=r"every run failed \(6 of 6\)"):
        socius.sweep(spec, out=tmp_path / "b", workers=1, retries=3, progress=False)


def test_a_dead_worker_is_named_with_its_run_and_signal(tmp_path, grid_spec, monkeypatch):
    # issue 13 item 5: a crash names the run (scenario, point, replicate, seed) and the signal
    spec = SweepSpec.load(grid_spec)
    monkeypatch.setenv(FAULT_ENV, "3:segv")
    res = socius.sweep(spec, out=tmp_path / "out", workers=2, retries=0, progress=False)
    info = spec.run_info(3)
    assert res.failed == [3] and res.done == 5
    line = res.errors[3]
    assert "\n" not in line
    for words in ("run 3 ", "scenario 'd'", "point 1", "replicate 1", f"seed {info.seed}",
                  "davidsen.p = 0.1", "SIGSEGV"):
        assert words in line, line
    record = __import__("json").loads((tmp_path / "out" / info.relpath).with_suffix(".error.json").read_text())
    assert "was killed by signal SIGSEGV (11)" in record["error"]
    # the runs that only shared the broken pool were rerun without being charged an attempt
    _, status, attempts = index_values(tmp_path / "out")
    assert list(status) == ["done"] * 3 + ["failed"] + ["done"] * 2
    assert list(attempts) == [1] * 6


def test_a_sweep_where_every_run_fails_raises_and_exits_1(tmp_path, grid_spec, monkeypatch):
    # issue 13 item 12: all 256 runs failed and the script went on as if it had succeeded
    monkeypatch.setenv(FAULT_ENV, "*:raise")
    with pytest.raises(SweepRunError) as e:
        socius.sweep(grid_spec, out=tmp_path / "a", workers=2, retries=0, progress=False)
    assert "every run failed (6 of 6)" in str(e.value) and "injected fault in run 0" in str(e.value)
    assert "scenario 'd'" in str(e.value) and "seed " in str(e.value)
    r = cli_env({FAULT_ENV: "*:raise"}, "sweep", grid_spec, "--out", tmp_path / "b", "--retries", "0", "-q")
    assert r.returncode == 1, r.stderr
    assert "every run failed (6 of 6)" in r.stderr and "Traceback" not in r.stderr


def test_another_spec_in_the_same_directory_is_refused(tmp_path, grid_spec):
    out = tmp_path / "out"
    socius.sweep(grid_spec, out=out, shard=(0, 6), workers=1, progress=False)
    other = tmp_path / "other.toml"
    other.write_text(grid_spec.read_text().replace("seed = 42", "seed = 43"))
    r = cli("sweep", other, "--out", out, "-q")
    assert r.returncode == 2 and "holds another sweep" in r.stderr


# -- Slurm -------------------------------------------------------------------------------------
def test_shards_partition_the_runs_exactly():
    # the runner's own selection: every run in exactly one shard, spread round-robin
    for n in (1, 5, 12, 30):
        for k in (1, 2, 3, 7, n, n + 3):
            owner = {}
            for i in range(k):
                for r in runs_in_scope(n, (i, k)):
                    assert r not in owner, f"run {r} of {n} is in shards {owner[r]} and {i} of {k}"
                    assert r % k == i
                    owner[r] = i
            assert sorted(owner) == list(range(n)), (n, k)
        assert list(runs_in_scope(n, None)) == list(range(n))
    assert parse_shard("2/5") == (2, 5)
    for bad in ("5/5", "-1/3", "1", "a/b", "1/0"):
        with pytest.raises(SweepSpecError):
            parse_shard(bad)
    env = {"SLURM_ARRAY_TASK_ID": "12", "SLURM_ARRAY_TASK_MIN": "10", "SLURM_ARRAY_TASK_COUNT": "4"}
    assert shard_from_env(env) == (2, 4)
    assert shard_from_env({**env, "SLURM_ARRAY_TASK_ID": "14", "SLURM_ARRAY_TASK_STEP": "2",
                           "SLURM_ARRAY_TASK_COUNT": "3"}) == (2, 3)
    assert shard_from_env({}) is None


def test_simulated_slurm_array_covers_every_run_once(tmp_path, grid_spec, reference):
    out = tmp_path / "out"
    base = dict(os.environ)
    for task in range(3):   # an array 5-7: ids 5, 6, 7, min 5, count 3
        env = {**base, "SLURM_ARRAY_TASK_ID": str(5 + task), "SLURM_ARRAY_TASK_MIN": "5",
               "SLURM_ARRAY_TASK_COUNT": "3", "PYTHONPATH": str(PYTHON_DIR)}
        r = subprocess.run([sys.executable, "-m", "socius", "sweep", str(grid_spec), "--out", str(out),
                            "--workers", "1", "-q"], env=env, capture_output=True, text=True, timeout=300)
        assert r.returncode == 0, r.stderr
        assert f"shard {task}/3" in r.stderr and "2 of 2 runs done" in r.stdout
        assert not (out / "sweep.h5").exists()
    r = cli("sweep-index", out)
    assert r.returncode == 0 and "6 of 6 runs done" in r.stdout
    values, status, attempts = index_values(out)
    assert (status == "done").all() and (attempts == 1).all(), "a run ran twice"
    assert _array_equal(values, reference["indicators"])


def test_sbatch_script_is_well_formed_and_runs(tmp_path, grid_spec, reference):
    out = tmp_path / "out"
    r = cli("sweep", grid_spec, "--out", out, "--sbatch", "--array", "2", "--cpus-per-task", "1",
            "--time", "00:10:00", "--partition", "short", "--sbatch-option=--qos=test")
    assert r.returncode == 0, r.stderr
    script = out / "sweep.sbatch"
    text = script.read_text()
    assert text.startswith("#!/bin/bash\n")
    for line in ("#SBATCH --array=0-1", "#SBATCH --cpus-per-task=1", "#SBATCH --time=00:10:00",
                 "#SBATCH --partition=short", "#SBATCH --qos=test", f"#SBATCH --output={out.resolve()}/slurm/%A_%a.out"):
        assert line in text, line
    # every #SBATCH line comes before the first command, as sbatch requires
    body = [ln for ln in text.splitlines()[1:] if ln and not ln.startswith("#")]
    first_cmd = text.splitlines().index(body[0])
    assert all(i < first_cmd for i, ln in enumerate(text.splitlines()) if ln.startswith("#SBATCH"))
    assert subprocess.run(["bash", "-n", str(script)]).returncode == 0
    assert (out / "slurm").is_dir()
    # run it as Slurm would, one array task after the other
    for task in range(2):
        env = {**os.environ, "SLURM_ARRAY_TASK_ID": str(task), "SLURM_ARRAY_TASK_MIN": "0",
               "SLURM_ARRAY_TASK_COUNT": "2", "SLURM_CPUS_PER_TASK": "1"}
        done = subprocess.run(["bash", str(script)], env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
    build_index(out)
    values, status, _ = index_values(out)
    assert (status == "done").all() and _array_equal(values, reference["indicators"])


def test_sbatch_script_function_quotes_paths(tmp_path):
    text = sbatch_script(tmp_path / "my spec.toml", tmp_path / "out dir", tasks=4, runs=10,
                         max_running=2, account="proj")
    assert "#SBATCH --array=0-3%2" in text and "#SBATCH --account=proj" in text
    assert f"'{tmp_path / 'my spec.toml'}'" in text
    path = tmp_path / "s.sh"
    path.write_text(text)
    assert subprocess.run(["bash", "-n", str(path)]).returncode == 0


# -- other executors: bit-identical results ----------------------------------------------------
def test_dask_local_cluster_gives_identical_bits_and_retries_a_killed_worker(tmp_path, reference):
    out = tmp_path / "out"
    env = {FAULT_ENV: f"1:exit:{tmp_path / 'once'}"}   # one Dask worker dies during run 1
    r = cli_env(env, "sweep", reference["spec"], "--out", out, "--executor", "dask", "--workers", "2",
                "--retries", "0", "-q")
    assert r.returncode == 0, r.stderr
    assert (tmp_path / "once").exists(), "the fault did not fire"
    values, status, _ = index_values(out)
    assert (status == "done").all()
    assert _array_equal(values, reference["indicators"])


def test_dask_external_scheduler_by_file_and_address(tmp_path, reference):
    env = {**os.environ, "PYTHONPATH": str(PYTHON_DIR)}   # scheduler and workers unpickle tasks
    sched_file = tmp_path / "scheduler.json"
    procs = [subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
                               "--port", "0", "--no-dashboard", "--scheduler-file", str(sched_file)],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        deadline = time.monotonic() + 60
        while not sched_file.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        procs.append(subprocess.Popen([sys.executable, "-m", "distributed.cli.dask_worker", "--scheduler-file",
                                       str(sched_file), "--nthreads", "1", "--nworkers", "2", "--no-dashboard"],
                                      env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        r = cli("sweep", reference["spec"], "--out", tmp_path / "a", "--executor", "dask",
                "--scheduler", sched_file, "-q")
        assert r.returncode == 0, r.stderr
        address = __import__("json").loads(sched_file.read_text())["address"]
        assert address.startswith("tcp://127.0.0.1:")
        r = cli("sweep", reference["spec"], "--out", tmp_path / "b", "--executor", "dask",
                "--scheduler", address, "-q")
        assert r.returncode == 0, r.stderr
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            p.wait(timeout=30)
    for out in ("a", "b"):
        values, status, _ = index_values(tmp_path / out)
        assert (status == "done").all() and _array_equal(values, reference["indicators"])


def test_dask_client_from_python(tmp_path, reference):
    import distributed   # required (scripts/bootstrap.sh installs it): missing fails, not skips
    out = tmp_path / "out"
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        res = socius.sweep(reference["spec"], out=out, executor=client.get_executor(pure=False),
                           progress=False)
    assert res.complete
    values, _, _ = index_values(out)
    assert _array_equal(values, reference["indicators"])


MPIEXEC = shutil.which("mpiexec")


def mpi_sweep(spec, out, env=None, timeout=180):
    cmd = [MPIEXEC, "-n", "3"]
    if os.geteuid() == 0:
        cmd += ["--allow-run-as-root"]
    cmd += ["--oversubscribe", sys.executable, "-m", "mpi4py.futures", "-m", "socius", "sweep",
            str(spec), "--out", str(out), "--executor", "mpi", "--retries", "0", "-q"]
    full_env = {**os.environ, "PYTHONPATH": str(PYTHON_DIR), "OMPI_MCA_rmaps_base_oversubscribe": "1",
                **(env or {})}
    return subprocess.run(cmd, env=full_env, capture_output=True, text=True, timeout=timeout)


def test_mpi_gives_identical_bits_and_resumes_after_an_abort(tmp_path, reference):
    # MPI is required (scripts/bootstrap.sh installs it): missing, this fails rather than skips
    assert MPIEXEC is not None, "no mpiexec (Debian: openmpi-bin, libopenmpi-dev)"
    import mpi4py  # noqa: F401
    out = tmp_path / "out"
    r = mpi_sweep(reference["spec"], out)
    assert r.returncode == 0, r.stdout + r.stderr
    values, status, _ = index_values(out)
    assert (status == "done").all()
    assert _array_equal(values, reference["indicators"])

    # a rank dies in the middle of run 4: the MPI job ends; resuming completes the sweep
    out2 = tmp_path / "out2"
    r = mpi_sweep(reference["spec"], out2, env={FAULT_ENV: "4:exit"})
    assert r.returncode != 0
    spec = SweepSpec.load(reference["spec"])
    assert not (out2 / spec.run_info(4).relpath).exists()
    r = mpi_sweep(reference["spec"], out2)
    assert r.returncode == 0, r.stdout + r.stderr
    values, status, _ = index_values(out2)
    assert (status == "done").all()
    assert _array_equal(values, reference["indicators"])


def cli_env(env, *args):
    full = {**os.environ, "PYTHONPATH": str(PYTHON_DIR), **env}
    return subprocess.run([sys.executable, "-m", "socius", *map(str, args)], capture_output=True, text=True,
                          env=full, timeout=300)


def test_ctrl_c_stops_cleanly_and_resumes(tmp_path):
    spec = tmp_path / "slow.toml"
    (tmp_path / "d.toml").write_text('model = "davidsen"\nname = "d"\n')
    spec.write_text(GRID_TOML.format(scenario="d.toml").replace("population = 300", "population = 5000")
                    .replace("steps = 10", "steps = 300"))   # up to a second per run
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(PYTHON_DIR)}
    proc = subprocess.Popen([sys.executable, "-m", "socius", "sweep", str(spec), "--out", str(out),
                             "--workers", "2", "-q"], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not list(out.glob("runs/*/r*.h5")):
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    stdout, stderr = proc.communicate(timeout=60)
    if proc.returncode == 0:
        pytest.skip("the sweep finished before Ctrl-C arrived")
    assert proc.returncode == 130, stderr
    assert "run the same command again" in stderr
    time.sleep(0.2)
    assert not list(out.rglob(".r*.tmp-*")), "Ctrl-C left temporary files"
    assert not list(out.rglob("*.error.json")), "an interrupted run was recorded as a failure"
    finished = len(list(out.glob("runs/*/r*.h5")))
    assert 1 <= finished < 6
    r = cli("sweep", spec, "--out", out, "--workers", "2", "-q")
    assert r.returncode == 0 and f"({finished} were already done)" in r.stdout


# -- analysis ----------------------------------------------------------------------------------
def test_sobol_and_morris_indices_from_a_sweep(tmp_path):
    params = {"davidsen.p": {"min": 0.02, "max": 0.3}, "davidsen.updates_per_step": {"min": 50, "max": 300}}
    sobol = spec_dict(design={"method": "sobol", "samples": 4}, replicates=1, parameters=params)
    res = socius.sweep(sobol, out=tmp_path / "sobol", workers=2, progress=False)
    assert res.complete and res.in_scope == 4 * (2 + 2)
    problem, X, Y = salib_form(tmp_path / "sobol", "final_degree")
    assert problem["names"] == ["davidsen.p", "davidsen.updates_per_step"] and X.shape == (16, 2)
    assert Y.shape == (16,) and np.isfinite(Y).all()
    si = socius.sensitivity(tmp_path / "sobol")
    assert set(si.data_vars) == {"S1", "S1_conf", "ST", "ST_conf"}
    assert si["S1"].dims == ("scenario", "summary", "parameter")
    assert list(si["summary"].values) == ["final_degree", "isolated"]
    assert np.isfinite(si["ST"].values).all()
    again = socius.sensitivity(tmp_path / "sobol")
    assert again.identical(si), "bootstrap confidence intervals are not reproducible"
    # SALib run directly on the same design and outputs, read from the run files themselves,
    # gives the same indices (and, with the documented bootstrap seed, the same intervals)
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    spec = SweepSpec.from_dict(sobol)
    direct_X = sobol_sample.sample(spec.problem(), 4, calc_second_order=False, seed=spec.design_seed())
    assert np.allclose(X[:, 0], direct_X[:, 0])
    assert np.array_equal(X[:, 1], np.round(direct_X[:, 1]))   # an integer parameter: rounded
    for name, read in (("final_degree", lambda v, t, i: v[-1, 0, i]),                  # at the horizon
                       ("isolated", lambda v, t, i: v[t > t[-1] - 6, 0, i].mean())):  # last = 6
        indicator = {"final_degree": "mean_degree", "isolated": "isolated_share"}[name]
        y = np.empty(spec.n_points)
        for info in spec.runs():
            with h5py.File(tmp_path / "sobol" / info.relpath, "r") as f:
                names = [x.decode() if isinstance(x, bytes) else x for x in f["indicator"][...]]
                y[info.point] = read(f["indicators"][...], f["time"][...], names.index(indicator))
        ref = sobol_analyze.analyze(spec.problem(), y, calc_second_order=False, num_resamples=100,
                                    conf_level=0.95, seed=spec.design_seed())
        for k in ("S1", "ST", "S1_conf", "ST_conf"):
            ours = si[k].sel(scenario="d", summary=name).values
            assert np.allclose(ours, ref[k], rtol=1e-12, atol=1e-15, equal_nan=True), (name, k, ours, ref[k])
        assert not np.allclose(si["S1"].sel(scenario="d", summary=name).values, 0)

    morris = spec_dict(design={"method": "morris", "trajectories": 3}, replicates=2, parameters=params)
    socius.sweep(morris, out=tmp_path / "morris", workers=2, progress=False)
    mi = socius.sensitivity(tmp_path / "morris", "final_degree")
    assert set(mi.data_vars) == {"mu", "mu_star", "sigma", "mu_star_conf"}
    # p drives the mean degree down (Davidsen et al.): a clear negative elementary effect
    assert float(mi["mu"].sel(parameter="davidsen.p").squeeze()) < 0

    # a design point with no finished run is an error, not a silent gap
    spec = SweepSpec.from_dict(morris)
    for rep in range(2):
        (tmp_path / "morris" / spec.run_info(rep).relpath).unlink()
    build_index(tmp_path / "morris")
    with pytest.raises(SweepSpecError, match="no finished run"):
        salib_form(tmp_path / "morris", "final_degree")


def test_index_keeps_the_recorded_selection_in_spec_order(tmp_path):
    d = spec_dict(replicates=1, record={"every": 5, "indicators": ["ties", "mean_degree"]},
                  summaries={"ties_mean": {"indicator": "ties", "stat": "mean", "from": 5, "to": 10},
                             "ties_at_5": {"indicator": "ties", "stat": "at", "time": 5}})
    out = tmp_path / "out"
    socius.sweep(d, out=out, workers=1, progress=False)
    spec = SweepSpec.from_dict(d)
    with open_sweep(out) as ds:
        assert list(ds["indicator"].values) == ["ties", "mean_degree"]
        virtual = ds["indicators"].values.copy()
        for info in spec.runs():
            with h5py.File(out / info.relpath, "r") as f:
                names = [x.decode() if isinstance(x, bytes) else x for x in f["indicator"][...]]
                v = f["indicators"][...]
            expected = v[:, :, [names.index("ties"), names.index("mean_degree")]]
            assert _array_equal(virtual[info.run], expected)
            assert ds["ties_mean"].values[info.run] == pytest.approx(expected[1:, 0, 0].mean())
            assert ds["ties_at_5"].values[info.run] == expected[1, 0, 0]
    build_index(out, virtual=False)
    with open_sweep(out) as ds:
        assert ds.attrs["virtual"] == 0 and _array_equal(ds["indicators"].values, virtual)


def test_runs_with_different_horizons_share_the_union_of_times(tmp_path):
    d = spec_dict(replicates=1, set={"simulation": {"population": 300, "burn_in": 5}},
                  parameters={"simulation.steps": [5, 10], "systems.update": [True, False]})
    socius.sweep(d, out=tmp_path / "out", workers=2, progress=False)
    with open_sweep(tmp_path / "out") as ds:
        assert ds.attrs["virtual"] == 0 and list(ds["time"].values) == [0, 5, 10]
        v = ds["indicators"].sel(indicator="mean_degree", group="all").values
        assert np.isnan(v[:2, 2]).all() and np.isfinite(v[:2, :2]).all() and np.isfinite(v[2:]).all()
        assert list(ds["systems.update"].values) == [True, False, True, False]
        assert (v[1, :2] == 0).all() and (v[3] == 0).all()   # no updates: nobody ever meets
        assert _array_equal(ds["final_degree"].values, [v[0, 1], v[1, 1], v[2, 2], v[3, 2]])


def test_the_report_of_a_morris_sweep_shows_sensitivity(tmp_path):
    import base64
    import re

    spec = tmp_path / "morris.toml"
    spec.write_text(
        f'name = "tiny-morris"\nscenario = "{SCENARIOS / "classic" / "davidsen2002_p00822.toml"}"\n'
        "seed = 5\nreplicates = 1\n[design]\nmethod = \"morris\"\ntrajectories = 4\nlevels = 4\n"
        "[set]\nsimulation.population = 300\nsimulation.burn_in = 10\nsimulation.steps = 4\n"
        "davidsen.path_sources = 0\n"
        "[parameters]\n\"davidsen.p\" = { min = 0.02, max = 0.3 }\n"
        "[summaries]\nfinal_degree = { indicator = \"mean_degree\" }\n")
    out = tmp_path / "out"
    assert cli("sweep", spec, "--out", out, "-q").returncode == 0
    r = cli("report", out, "-o", tmp_path / "rep")
    assert r.returncode == 0, r.stderr
    page = (tmp_path / "rep" / "index.html").read_text()
    assert "Morris elementary effects" in page and "mu*" in page and "davidsen.p" in page
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    assert len(images) >= 2
    assert all(base64.b64decode(i)[:8] == b"\x89PNG\r\n\x1a\n" for i in images)
    assert "http://" not in page and "https://" not in page


# -- block files: the index at cluster scale ---------------------------------------------------
def _in_process_sweep(spec, out, **kw):
    """A sweep whose runs execute in this process (one thread), so that a patched block size
    holds for the workers too."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as ex:
        return socius.sweep(spec, out=out, executor=ex, progress=False, **kw)


def _loaded(out, **build):
    build_index(out, **build)
    with open_sweep(out) as ds:
        ds = ds.load()
    for k in ("created", "layout"):
        ds.attrs.pop(k)
    return ds


@pytest.fixture
def small_blocks(monkeypatch):
    """Blocks of 4 runs: the 6-run grid has a full block (runs 0-3) and a partial one (4, 5)."""
    from socius.sweeps import layout

    monkeypatch.setattr(layout, "BLOCK_SIZE", 4)
    return 4


def test_block_index_equals_the_per_run_index_value_for_value(tmp_path, grid_spec, reference, small_blocks,
                                                              monkeypatch):
    from socius.sweeps import blocks

    out = tmp_path / "out"
    spec = SweepSpec.load(grid_spec)
    monkeypatch.setenv(FAULT_ENV, "5:raise")
    res = _in_process_sweep(spec, out, retries=0, index=False)
    assert res.failed == [5]
    # the driver consolidated block 0 when its last run finished; block 1 is not complete
    assert (out / "runs" / "0000.h5").exists() and not (out / "runs" / "0001.h5").exists()
    assert sorted(p.name for p in (out / "runs").iterdir()) == ["0000", "0000.h5", "0001"]
    per_run = _loaded(out, consolidate=False)
    blocked = _loaded(out)
    xr.testing.assert_identical(blocked, per_run)
    assert list(blocked["status"].values) == ["done"] * 5 + ["failed"]
    assert _array_equal(blocked["indicators"].values[:5], reference["indicators"][:5])
    assert np.isnan(blocked["indicators"].values[5]).all()
    with h5py.File(out / "sweep.h5", "r") as f:   # the index refers to block files, not run files
        assert f.attrs["layout"] == "blocks" and f.attrs["virtual"] == 1
        assert sorted({s.file_name for s in f["indicators"].virtual_sources()}) == ["runs/0000.h5", "runs/0001.h5"]
    copied = _loaded(out, virtual=False)   # a self-contained index: the same values, copied
    assert copied.attrs.pop("virtual") == 0 and per_run.attrs.pop("virtual") == 1
    xr.testing.assert_identical(copied, per_run)

    # resuming reruns run 5; the next index reads that one run file and no other
    monkeypatch.delenv(FAULT_ENV)
    reads = []
    real = blocks._read_run
    monkeypatch.setattr(blocks, "_read_run", lambda p: reads.append(Path(p).name) or real(p))
    res = _in_process_sweep(spec, out)
    assert res.complete and res.computed == 1
    assert reads == ["r0000005.h5"]
    reads.clear()
    blocked = _loaded(out)
    assert reads == [], "an index over current block files read a run file"
    assert _array_equal(blocked["indicators"].values, reference["indicators"])
    assert _array_equal(blocked["final_degree"].values, reference["final_degree"])
    xr.testing.assert_identical(blocked, _loaded(out, consolidate=False))
    # a deleted run file is a missing run again, whatever its block file held
    (out / spec.run_info(2).relpath).unlink()
    blocked = _loaded(out)
    assert blocked["status"].values[2] == "missing" and np.isnan(blocked["indicators"].values[2]).all()
    xr.testing.assert_identical(blocked, _loaded(out, consolidate=False))


def test_a_killed_consolidation_leaves_no_block_file_and_resumes(tmp_path, grid_spec, reference):
    out = tmp_path / "out"
    spec = SweepSpec.load(grid_spec)
    res = _in_process_sweep(spec, out, index=False)
    assert res.complete
    block = out / "runs" / "0000.h5"
    block.unlink()   # written by the driver: remove it, to kill its writing half-way below
    # a process that dies (os._exit: no clean-up of any kind) in the middle of consolidating
    code = ("import os, sys; sys.path.insert(0, %r)\n"
            "from socius.sweeps import blocks\n"
            "from socius.sweeps.index import recorded_spec\n"
            "real, seen = blocks._read_run, []\n"
            "def dying(p):\n"
            "    seen.append(p)\n"
            "    if len(seen) == 4: os._exit(9)\n"
            "    return real(p)\n"
            "blocks._read_run = dying\n"
            "blocks.update_block(%r, recorded_spec(%r), 0)\n") % (str(PYTHON_DIR), str(out), str(out))
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 9, r.stderr
    leftovers = list((out / "runs").glob(".0000.h5.tmp-*"))
    assert len(leftovers) == 1 and not block.exists(), "a killed consolidation left a block file"
    # the next index removes the dead writer's temporary file and consolidates again
    with open_sweep(build_index(out)) as ds:
        assert _array_equal(ds["indicators"].values, reference["indicators"])
        assert _array_equal(ds["final_degree"].values, reference["final_degree"])
    assert block.exists() and not list((out / "runs").glob(".0000.h5.tmp-*"))
    # a consolidation killed while replacing a current block file leaves the old one in place
    before = block.read_bytes()
    (out / spec.run_info(1).relpath).touch()   # a changed run file: the block must be rewritten
    r = subprocess.run([sys.executable, "-c", code.replace("len(seen) == 4", "len(seen) == 1")],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 9, r.stderr
    assert block.read_bytes() == before
    with open_sweep(build_index(out)) as ds:
        assert _array_equal(ds["indicators"].values, reference["indicators"])


def test_shards_consolidate_blocks_and_equal_the_whole(tmp_path, grid_spec, reference, small_blocks):
    out = tmp_path / "out"
    spec = SweepSpec.load(grid_spec)
    res = _in_process_sweep(spec, out, shard=(0, 2))
    assert res.index is None and res.done == 3
    assert not list((out / "runs").glob("*.h5")), "a block was consolidated before all its runs were done"
    _in_process_sweep(spec, out, shard=(1, 2))
    # the shard that finished a block's last run consolidated it
    assert (out / "runs" / "0000.h5").exists() and (out / "runs" / "0001.h5").exists()
    whole = _loaded(out)
    assert _array_equal(whole["indicators"].values, reference["indicators"])
    assert _array_equal(whole["final_degree"].values, reference["final_degree"])
    assert (whole["status"].values == "done").all() and (whole["attempts"].values == 1).all()
    xr.testing.assert_identical(whole, _loaded(out, consolidate=False))
