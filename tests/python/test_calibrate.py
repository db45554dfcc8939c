"""socius calibrate (issue 17 items 2-4): targets as data, history matching on the sweep
machinery, its pieces on their own, resume after a kill, spec errors, and the calibration's
sample as appraise's uncertainty."""

import os
import signal
import subprocess
import sys
import time
import tomllib

import numpy as np
import pytest
import xarray as xr

import socius
from socius.calibrate import (CalibrationError, CalibrationSpec, Emulator, combine, implausibility,
                              latin_hypercube, sample_region)
from socius.calibrate.run import (SAMPLE_FILE, SCENARIO_FILE, RUNS_FILE, _best, _best_run, _emulate, calibrated_scenario,
                                  region_filter)
from socius.targets import Targets, TargetsError, model_value, model_values

from conftest import PYTHON_DIR, SCENARIOS, cli

# Two parameters with strong effects at a small size: the level of desired relationships
# (share often lonely) and the trust intercept (share trusting).
KNOWN = {"loneliness.desired_mean": 0.8, "trust.intercept": -0.745}
FAR = {"loneliness.desired_mean": 1.35, "trust.intercept": -1.9}
RUN = {"population": 800, "burn_in": 26, "steps": 26, "record_every": 2}


# -- targets as data ---------------------------------------------------------------------------
def test_uk_targets_load_with_uncertainty_time_and_source():
    t = Targets.load(SCENARIOS / "targets" / "uk.toml")
    assert len(t) == 16
    lonely = t["lonely_all"]
    assert (lonely.indicator, lonely.group, lonely.value) == ("lonely_share", "all", 0.06)
    assert lonely.uncertainty == "range" and lonely.period == (2016, 2024)
    assert lonely.sd == pytest.approx((0.07 - 0.05) / 6)       # the range read as +-3 sd
    assert t["lonely_75_plus"].year == 2018
    for target in t:
        assert target.source and target.when and target.variance > 0


def test_targets_errors_name_file_table_key_value(tmp_path):
    base = ('[a]\nindicator = "lonely_share"\ngroup = "all"\nvalue = 0.06\n'
            'year = 2020\nsource = "test"\n')
    cases = [
        ('uncertainty = "ranges"\nlow = 0.05\nhigh = 0.07\n', "[a] key 'uncertainty' = \"ranges\"",
         "did you mean 'range'"),
        ('uncertainty = "se"\n', "[a] key 'se' = <missing>", "standard error"),
        ('uncertainty = "range"\nlow = 0.07\nhigh = 0.05\n', "[a] key 'high' = 0.05", "above low"),
        ('uncertainty = "se"\nse = 0.01\nperiod = [2020, 2019]\n', "[a] key 'year'", "one of them"),
        ('uncertainty = "se"\nse = 0.01\nwindw = 4\n', "[a] key 'windw'", "did you mean 'window'"),
    ]
    for extra, where, allowed in cases:
        path = tmp_path / "t.toml"
        path.write_text(base + extra)
        with pytest.raises(TargetsError) as e:
            Targets.load(path)
        assert str(path) in str(e.value) and where in str(e.value) and allowed in str(e.value), str(e.value)


def test_model_value_averages_the_window_at_the_end_of_the_run():
    times = np.arange(0, 105, 4)                       # readings every 4 weeks to week 104
    values = np.zeros((len(times), 2, 1))
    values[:, 0, 0] = times                            # the indicator equals the time in group 'all'
    da = xr.DataArray(values, dims=("time", "group", "indicator"),
                      coords={"time": times, "group": ["all", "parents"], "indicator": ["lonely_share"]})
    t = Targets.from_dict({"x": {"indicator": "lonely_share", "group": "all", "value": 0.0, "uncertainty": "se",
                                 "se": 1.0, "year": 2020, "source": "test", "window": 52}})["x"]
    inside = times[times > 104 - 52]
    assert model_value(da, t) == pytest.approx(inside.mean())
    last = Targets.from_dict({"x": {**t.to_dict(), "window": 0}})["x"]
    assert model_value(da, last) == 104
    bad = Targets.from_dict({"x": {**t.to_dict(), "group": "age_16_24"}})["x"]
    with pytest.raises(TargetsError, match="key 'group' = \"age_16_24\": not among"):
        model_values(da, [bad])


# -- the pieces --------------------------------------------------------------------------------
def test_implausibility_is_zero_at_the_target_and_combines_by_rule():
    z = np.array([0.06, 0.4])
    assert np.all(implausibility(z, [1e-4, 1e-3], z, [0.0, 0.0], [1e-5, 1e-5]) == 0)
    i = implausibility(z, [1e-4, 1e-4], z + [0.03, 0.01], 0.0, 0.0)
    assert i == pytest.approx([3.0, 1.0])
    assert combine([[3.0, 1.0, 2.0]], "max") == pytest.approx([3.0])
    assert combine([[3.0, 1.0, 2.0]], "second_max") == pytest.approx([2.0])
    with pytest.raises(ValueError, match="total variance"):
        implausibility(z, 0.0, z, 0.0, 0.0)


def test_latin_hypercube_lies_in_the_box_one_point_per_stratum():
    bounds = [[0.6, 1.0], [-1.2, -0.3], [10.0, 90.0]]
    x = latin_hypercube(20, bounds, seed=3)
    b = np.array(bounds)
    assert x.shape == (20, 3) and np.all(x >= b[:, 0]) and np.all(x <= b[:, 1])
    strata = np.floor((x - b[:, 0]) / (b[:, 1] - b[:, 0]) * 20).astype(int)
    for j in range(3):
        assert sorted(strata[:, j]) == list(range(20))
    assert np.array_equal(x, latin_hypercube(20, bounds, seed=3))
    assert not np.array_equal(x, latin_hypercube(20, bounds, seed=4))


def test_sample_region_keeps_only_accepted_points_and_estimates_their_share():
    bounds = [[0.0, 1.0], [0.0, 1.0]]
    inside = lambda x: x[:, 0] + x[:, 1] < 0.5          # a triangle of area 1/8
    pts, tried, accepted = sample_region(inside, bounds, 100, seed=1, candidates=40_000, batch=10_000)
    assert len(pts) == 100 and np.all(inside(pts))
    pts, tried, accepted = sample_region(inside, bounds, 10**9, seed=1, candidates=40_000, batch=10_000)
    assert tried == 40_000 and accepted / tried == pytest.approx(0.125, abs=0.01)
    none, _, k = sample_region(lambda x: np.zeros(len(x), bool), bounds, 5, seed=1, candidates=1000)
    assert len(none) == 0 and k == 0


def test_emulator_interpolates_training_points_when_the_noise_is_small():
    bounds = [[0.0, 2.0], [-1.0, 1.0]]
    x = latin_hypercube(25, bounds, seed=5)
    f = lambda x: np.sin(2 * x[:, 0]) + 0.5 * x[:, 1] ** 2
    em = Emulator(bounds, seed=1).fit(x, f(x), 1e-10)
    mean, var = em.predict(x)
    assert np.max(np.abs(mean - f(x))) < 1e-3
    assert np.max(var) < 1e-4
    # between the points it is close and honest: errors within 3 sd of its own variance
    xt = latin_hypercube(200, bounds, seed=6)
    m, v = em.predict(xt)
    assert np.mean(np.abs(m - f(xt)) <= 3 * np.sqrt(v) + 1e-6) > 0.9
    # with noise it smooths instead: the mean does not pass through noisy points
    y = f(x) + np.random.default_rng(0).normal(0, 0.1, len(x))
    smooth = Emulator(bounds, seed=1).fit(x, y, 0.01)
    assert np.max(np.abs(smooth.predict(x)[0] - y)) > 1e-3
    with pytest.raises(ValueError, match="shape"):
        Emulator(bounds).fit(x[:, :1], f(x), 0.0)


# -- a calibration that must recover known values --------------------------------------------------
def _targets_at_known(folder):
    """Targets generated by the model itself at KNOWN (mean of 4 seeds)."""
    scenario = socius.Scenario.load(SCENARIOS / "baseline.toml").with_overrides(
        {**{f"simulation.{k}": v for k, v in RUN.items()}, **KNOWN}, origin="test")
    probe = Targets.from_dict({
        "lonely": {"indicator": "lonely_share", "group": "all", "value": 0.0, "uncertainty": "se", "se": 0.003,
                   "year": 2024, "source": "the model at known values"},
        "trust": {"indicator": "trust_share", "group": "all", "value": 0.0, "uncertainty": "se", "se": 0.01,
                  "year": 2024, "source": "the model at known values"}})
    values = []
    for seed in (101, 102, 103, 104):
        sim = socius.Simulation(scenario, seed=seed, threads=1)
        sim.run(progress=False)
        values.append(model_values(sim.results["indicators"], list(probe)))
    z = np.mean(values, axis=0)
    path = folder / "targets.toml"
    path.write_text(
        f'[lonely]\nindicator = "lonely_share"\ngroup = "all"\nvalue = {float(z[0])!r}\nuncertainty = "se"\nse = 0.003\n'
        f'year = 2024\nsource = "the model at known values"\n\n'
        f'[trust]\nindicator = "trust_share"\ngroup = "all"\nvalue = {float(z[1])!r}\nuncertainty = "se"\nse = 0.01\n'
        f'year = 2024\nsource = "the model at known values"\n')
    return path


def _spec_file(folder, targets):
    path = folder / "spec.toml"
    path.write_text(
        f'name = "recovery"\nscenario = "{SCENARIOS / "baseline.toml"}"\ntargets = "{targets.name}"\nseed = 17\n'
        "[run]\n" + "".join(f"{k} = {v}\n" for k, v in RUN.items())
        + "[method]\nwaves = 2\nruns = 8\nreplicates = 2\ncandidates = 10000\nsample = 300\n"
        '[parameters."loneliness.desired_mean"]\nmin = 0.4\nmax = 1.4\nsource = "test"\n'
        '[parameters."trust.intercept"]\nmin = -2.0\nmax = 0.5\nsource = "test"\n')
    return path


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    folder = tmp_path_factory.mktemp("calibration")
    return _spec_file(folder, _targets_at_known(folder))


@pytest.fixture(scope="module")
def whole(setup, tmp_path_factory):
    out = tmp_path_factory.mktemp("whole")
    return socius.calibrate(setup, out=out, workers=2, progress=False)


def test_recovery_known_values_are_not_ruled_out_and_far_ones_are(whole):
    spec = whole.spec
    accept = region_filter(spec, whole.waves)
    keys = spec.keys
    known = np.array([[KNOWN[k] for k in keys]])
    far = np.array([[FAR[k] for k in keys]])
    assert accept(known)[0], "the values that generated the targets were ruled out"
    assert not accept(far)[0], "a point far from the known values was not ruled out"
    assert len(whole.sample) > 0 and np.all(accept(whole.sample))
    lo, hi = whole.sample.min(axis=0), whole.sample.max(axis=0)
    assert np.all(lo <= known[0]) and np.all(known[0] <= hi)
    # the region shrank: less than a fifth of the prior box is left
    assert whole.waves[-1].share < 0.2
    # the outputs: sample rows inside the prior box, a calibrated scenario that loads, a report
    b = spec.bounds
    assert np.all(whole.sample >= b[:, 0]) and np.all(whole.sample <= b[:, 1])
    calibrated = socius.Scenario.load(whole.paths["scenario"])
    for k in keys:
        assert calibrated.validate()[k] == pytest.approx(whole.best["values"][k])
    assert "calibrated by socius calibrate" in calibrated.description and "Fit" in calibrated.description
    page = whole.paths["report"].read_text()
    for heading in ("Targets against the model", "Each wave", "Fitted ranges"):
        assert heading in page
    for name in ("targets.png", "region.png", "pairs.png"):
        assert (whole.paths["figures"] / name).stat().st_size > 1000


@pytest.mark.parametrize("name", sorted(p.stem for p in (SCENARIOS / "calibration").glob("*.toml")))
def test_every_shipped_calibration_spec_passes_its_checks_before_a_run(name):
    # What a calibration checks before its first run (keys, each prior against the parameter's
    # allowed range, the targets against the model): a shipped spec that a change of the model's
    # parameters or indicators broke would fail here, not an hour into a refit.
    spec = CalibrationSpec.load(SCENARIOS / "calibration" / f"{name}.toml")
    assert spec.name == name and len(spec.parameters) >= 1 and len(spec.targets) >= 1
    assert len(spec.hash()) == 16


def test_the_best_point_is_the_emulators_best_of_the_sample(whole):
    # The shipped point: the non-implausible set the last wave's emulators put nearest the targets,
    # not the simulated point whose 2 replicates' noise fell nearest them (kept as nearest_run).
    spec, best = whole.spec, whole.best
    assert best["kind"] == "emulated"
    row = np.array([best["values"][k] for k in spec.keys])
    assert np.any(np.all(np.isclose(whole.sample, row), axis=1)), "the best point is not in the sample"
    imp, mean, var = _emulate(spec, whole.waves[-1], whole.sample)
    i = int(np.flatnonzero(np.all(np.isclose(whole.sample, row), axis=1))[0])
    assert best["implausibility"] == pytest.approx(combine(imp, spec.rule)[i]) and best["implausibility"] <= spec.cutoff
    # chosen by the expected standardised distance, in which the emulators' uncertainty counts
    # against a point: raising one point's emulator variance alone can only lower its rank
    z = np.array([t.value for t in spec.targets])
    obs = np.array([t.variance for t in spec.targets])
    score = combine(np.sqrt(((z - mean) ** 2 + var) / (obs + whole.waves[-1].model_var)), spec.rule)
    assert best["score"] == pytest.approx(score.min()) and score[i] == score.min()
    assert best["score"] >= max(abs(best["targets"][t.name]["model_mean"] - t.value) / np.sqrt(t.variance + whole.waves[-1].model_var[k])
                                for k, t in enumerate(spec.targets)) - 1e-12
    run = best["nearest_run"]
    assert run["kind"] == "run" and run == _best_run(spec, whole.waves)
    assert set(best["targets"]) == set(spec.targets.names)
    for t in best["targets"].values():
        assert t["emulator_sd"] >= 0 and t["model_sd"] > 0
    # every set ruled out: the simulated minimum itself, and the calibrated scenario says so
    assert _best(spec, whole.waves, whole.sample[:0]) == run
    assert "the last wave's emulators put nearest the targets" in socius.Scenario.load(whole.paths["scenario"]).description
    text = calibrated_scenario(spec, run, whole.waves, whole.sample[:0], whole.out)
    assert "every set ruled out: the simulated point with the smallest implausibility" in text
    assert f"wave {run['wave']} point {run['point']}" in text and "none (every set ruled out)" in text


def _rows(path):
    return [ln for ln in path.read_text().splitlines() if not ln.startswith("#")]


def test_resume_after_a_kill_gives_the_same_result(setup, whole, tmp_path):
    out = tmp_path / "killed"
    env = dict(os.environ, PYTHONPATH=str(PYTHON_DIR))
    proc = subprocess.Popen([sys.executable, "-m", "socius", "calibrate", str(setup), "--out", str(out), "--workers",
                             "2", "-q"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list(out.glob("wave1/runs/*/r*.h5"))) < 3:
        time.sleep(0.1)
    proc.send_signal(signal.SIGINT)                   # Ctrl-C in the middle of wave 1
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "run the same command again to resume" in err
    assert len(list(out.glob("wave1/runs/*/r*.h5"))) < 16 and not (out / SAMPLE_FILE).exists()
    done = cli("calibrate", setup, "--out", out, "--workers", "2", "-q")
    assert done.returncode == 0, done.stderr
    assert _rows(out / SAMPLE_FILE) == _rows(whole.paths["sample"])
    assert (out / RUNS_FILE).read_text() == whole.paths["runs"].read_text()
    with open(out / SCENARIO_FILE, "rb") as a, open(whole.paths["scenario"], "rb") as b:
        ta, tb = tomllib.load(a), tomllib.load(b)
    assert ta["loneliness"] == tb["loneliness"] and ta["trust"] == tb["trust"]


def test_spec_errors_name_file_key_value_and_exit_2(setup, tmp_path):
    text = setup.read_text()
    cases = [
        (text.replace('"loneliness.desired_mean"', '"loneliness.desired_men"'),
         "key 'parameters.loneliness.desired_men'", "did you mean 'loneliness.desired_mean'"),
        (text.replace("replicates = 2", "replicates = 1"), "key 'method.replicates' = 1", "stochastic variance"),
        (text.replace("min = 0.4", "min = 1.5"), "key 'parameters.loneliness.desired_mean.max' = 1.4", "above min"),
        (text.replace("waves = 2", "wave = 2"), "key 'method.wave' = 2", "did you mean 'waves'"),
        (text.replace('targets = "targets.toml"', 'targets = "missing.toml"'), "key 'targets' = \"missing.toml\"",
         "does not exist"),
    ]
    for k, (body, where, allowed) in enumerate(cases):
        path = setup.parent / f"bad{k}.toml"
        path.write_text(body)
        with pytest.raises(CalibrationError) as e:
            CalibrationSpec.load(path)
        assert str(path) in str(e.value) and where in str(e.value) and allowed in str(e.value), str(e.value)
    r = cli("calibrate", setup.parent / "bad0.toml", "--out", tmp_path / "x")
    assert r.returncode == 2 and "desired_men" in r.stderr and "did you mean" in r.stderr


def test_another_calibration_in_the_folder_is_refused(setup, whole, tmp_path):
    other = setup.parent / "other.toml"
    other.write_text(setup.read_text().replace("seed = 17", "seed = 18"))
    with pytest.raises(CalibrationError, match="holds another calibration"):
        socius.calibrate(other, out=whole.out, progress=False)


def test_appraise_accepts_the_calibration_as_its_uncertainty(whole, tmp_path):
    from socius.appraise import Uncertainty, load

    unc = Uncertainty.load(whole.out)                  # the folder, or its non_implausible.csv
    assert [p.key for p in unc.model] == whole.spec.keys and unc.sample.shape == whole.sample.shape
    design, params = unc.spec_design(3, master_seed=5)
    assert design == {"method": "points"}
    rows = np.array([params[k]["values"] for k in whole.spec.keys]).T
    sample = {tuple(r) for r in whole.sample}
    assert all(tuple(r) in sample for r in rows)      # draws are rows, not Latin-hypercube points
    small = socius.Scenario.load(SCENARIOS / "baseline.toml").with_overrides(
        {"simulation.population": 600, "simulation.burn_in": 4, "simulation.steps": 8}, origin="test")
    path = socius.appraise([small], out=tmp_path / "a", draws=2, uncertainty=whole.paths["sample"], seed=5,
                           workers=2, progress=False)
    a = load(path)
    values = a.parameters["values"].values
    assert values.shape == (2, 2)
    assert all(tuple(r) in sample for r in values)


def test_a_bad_sample_file_is_refused_naming_file_and_column(tmp_path):
    from socius.appraise import Uncertainty, UncertaintyError

    path = tmp_path / "non_implausible.csv"
    path.write_text("# made by hand\nloneliness.desired_men,trust.intercept\n0.8,-0.7\n")
    with pytest.raises(UncertaintyError) as e:
        Uncertainty.load(path)
    assert str(path) in str(e.value) and "desired_men" in str(e.value) and "did you mean" in str(e.value)
    path.write_text("loneliness.desired_mean,trust.intercept\n0.8,-0.7\n-1.0,-0.7\n")
    with pytest.raises(UncertaintyError, match="outside the allowed range of 'loneliness.desired_mean'"):
        Uncertainty.load(tmp_path)                     # the folder holding it
    path.write_text("loneliness.desired_mean,trust.intercept\n0.8\n")
    with pytest.raises(UncertaintyError, match="data row 1: 1 values for 2 columns"):
        Uncertainty.load(path)


def test_the_calibrated_example_borough_lands_within_every_fitted_target(tmp_path):
    """The England borough, calibrated from the shipped targets with a small budget of runs
    (scenarios/calibration/england.toml: 240 runs of 5,000 residents; its best point, as the
    command wrote it, is shipped as scenarios/borough_england_calibrated.toml: docs/calibration.md,
    section 6), lands within the band in scenarios/targets/uk.toml of every target the refit
    fits (its spec's `use`: the 12 loneliness, contact and trust targets) at 20,000 residents after
    the full burn-in (the last year's mean, as the calibration reads it). The uncalibrated borough
    does not (docs/borough.md: its 16-24s about 4-5% often lonely against 8-12%). Seed 11 was not
    used to choose the point. The four staff figures are not this refit's: they come from the staff
    side's own refit on the generic baseline (scenarios/calibration/staff.toml); in this borough at
    seed 11 its vacancy rate is 12.8%, just below the band's 13% (docs/calibration.md, section 6),
    so they are not asserted here."""
    from socius.targets import load_targets, model_value

    with open(SCENARIOS / "calibration" / "england.toml", "rb") as f:
        fitted = set(tomllib.load(f)["use"])
    out = socius.run(socius.Scenario.load(SCENARIOS / "borough_england_calibrated.toml").with_overrides(
        {"simulation.population": 20000, "simulation.steps": 52}, origin="test"),
        tmp_path / "england.h5", seed=11, threads=2, progress=False)
    misses = []
    targets = [t for t in load_targets(SCENARIOS / "targets" / "uk.toml") if t.name in fitted]
    assert len(targets) == len(fitted) == 12
    for t in targets:
        v = float(model_value(out, t))
        if not t.low <= v <= t.high:
            misses.append(f"{t.name}: {v:.4g} outside {t.low:.4g} to {t.high:.4g}")
    assert not misses, "; ".join(misses)
