"""socius appraise: options x parameter draws x replicates on the sweep machinery, with common
random numbers, and the appraisal computed from them (issue 16 items 2, 3 and 5)."""

import tomllib

import h5py
import numpy as np
import pytest
import xarray as xr

import socius
from socius.appraise import Uncertainty, UncertaintyError, load
from socius.appraise.analysis import prob_best
from socius.appraise.settings import QUINTILE_INCOME, equity_weights
from socius.appraise.testing import synthetic
from socius.sweeps.runner import FAULT_ENV
from socius.sweeps.spec import SweepSpec

from conftest import SCENARIOS, cli

SEED = 21
SMALL = {"simulation.population": 800, "simulation.burn_in": 8, "simulation.steps": 30,
         "simulation.record_every": 1}
# Two model parameters that act in the options below, and one valuation parameter.
PRIORS = {
    "name": "test-priors",
    "parameters": {
        "policy.befriending.take_up": {"distribution": "uniform", "min": 0.3, "max": 0.9, "source": "test"},
        "loneliness.rate": {"distribution": "loguniform", "min": 0.04, "max": 0.16, "source": "test"},
    },
    "valuation": {"wellby_value": {"distribution": "triangular", "min": 10000.0, "mode": 13000.0,
                                   "max": 16000.0, "source": "HM Treasury 2021"}},
}


def options(folder):
    """baseline, early action, and 'same': the baseline under another name."""
    same = folder / "same.toml"
    same.write_text(f'model = "community"\nname = "same"\ndescription = "the baseline again"\n'
                    f'extends = "{SCENARIOS / "baseline.toml"}"\n')
    out = []
    for path in (SCENARIOS / "baseline.toml", SCENARIOS / "early_action.toml", same):
        out.append(socius.Scenario.load(path).with_overrides(SMALL, origin="test"))
    return out


@pytest.fixture(scope="module")
def opts(tmp_path_factory):
    return options(tmp_path_factory.mktemp("options"))


@pytest.fixture(scope="module")
def uncertainty():
    return Uncertainty.from_dict(PRIORS, origin="test-priors.toml")


@pytest.fixture(scope="module")
def whole(opts, uncertainty, tmp_path_factory):
    out = tmp_path_factory.mktemp("whole")
    path = socius.appraise(opts, out=out, draws=4, replicates=1, uncertainty=uncertainty, seed=SEED,
                           workers=2, progress=False)
    return out, path


def test_the_appraisal_file_holds_every_run_and_opens_as_the_contract_says(whole):
    out, path = whole
    assert path == out / "appraisal.h5"
    a = load(out)
    assert a.options == ["baseline", "early_action", "same"] and a.baseline == "baseline"
    assert (a.draws, a.replicates, a.population, a.horizon_weeks, a.seed) == (4, 1, 800, 30, SEED)
    assert a.uncertain and "--population 800" in a.command and f"--seed {SEED}" in a.command
    assert a.series["lonely_share"].dims == ("option", "draw", "replicate", "time", "group")
    assert a.per_draw["cost_pv"].dims == ("option", "draw", "group")
    assert list(a.per_draw["group"].values) == ["all", "q1", "q2", "q3", "q4", "q5"]
    for var in ("lonely_years_pv", "lonely_years_avoided_pv", "wellby_value_gbp", "loneliness_value_gbp",
                "net_benefit_gbp", "jobs_found_pv"):
        assert var in a.per_draw, var
    assert set(a.incremental["stat"].values) == {"mean", "p2_5", "p97_5"}
    assert a.ceac.dims == ("option", "wtp") and a.prob_best.dims == ("option",)
    assert np.isclose(float(a.prob_best.sum()), 1.0)
    assert np.allclose(a.ceac.sum("option"), 1.0)
    assert set(a.tornado["parameter"].values) == {"policy.befriending.take_up", "loneliness.rate", "wellby_value"}
    assert list(a.tornado["source"].values) == ["test", "test", "HM Treasury 2021"]
    assert a.equity_weighted.dims == ("option",)
    assert a.indicators["lonely_share"]["unit"] and a.indicators["lonely_share"]["better"] == -1
    # The drawn values lie within their bounds; a valuation parameter without a prior keeps its default.
    take_up = a.parameters["values"].sel(parameter="policy.befriending.take_up").values
    assert ((take_up >= 0.3) & (take_up <= 0.9)).all() and len(set(take_up)) == 4
    assert (a.valuation["wellby_per_lonely_year"] == 1.0).all()
    # Early action spends; the baseline and its copy do not.
    assert float(a.per_draw["cost_pv"].sel(option="early_action", group="all").min()) > 0
    assert float(abs(a.per_draw["cost_pv"].sel(option="baseline", group="all")).max()) == 0
    assert "equity-weighted" in a.equity_weighted.attrs["long_name"]


def test_every_option_runs_under_the_same_draw_and_seed_as_its_results_files_record(whole, opts):
    out, path = whole
    a = load(path)
    spec = SweepSpec.load(out / "sweep.toml")
    # In the appraisal file: one seed per (draw, replicate), the same for every option.
    assert (a.run_seed == a.run_seed[:1]).all()
    assert len({int(s) for s in a.run_seed[0].ravel()}) == a.draws * a.replicates
    # In each run's own results file: the seed and the drawn parameter values it ran with.
    for info in spec.runs():
        option = opts[info.scenario].name
        with h5py.File(out / info.relpath, "r") as f:
            assert int(f.attrs["seed"]) == int(a.run_seed[info.scenario, info.point, info.replicate])
            ran = tomllib.loads(f.attrs["scenario"].decode() if isinstance(f.attrs["scenario"], bytes)
                                else f.attrs["scenario"])
        assert ran["name"] == option
        take_up = float(a.parameters["values"].sel(draw=info.point, parameter="policy.befriending.take_up"))
        rate = float(a.parameters["values"].sel(draw=info.point, parameter="loneliness.rate"))
        assert ran["policy"]["befriending"]["take_up"] == pytest.approx(take_up, rel=0, abs=0)
        assert ran["loneliness"]["rate"] == pytest.approx(rate, rel=0, abs=0)


def test_an_option_identical_to_the_baseline_ties_with_it_and_has_no_icer(whole):
    a = load(whole[1])
    same = a.per_run.sel(option="same")
    assert (same["lonely_years_avoided_pv"] == 0).all() and (same["incremental_cost_gbp"] == 0).all()
    # identical runs, bit for bit (common random numbers)
    assert np.array_equal(a.series["lonely_share"].sel(option="same").values,
                          a.series["lonely_share"].sel(option="baseline").values, equal_nan=True)
    assert np.isnan(a.incremental["icer"].sel(option="same")).all()
    assert np.isnan(a.incremental["icer_lonely_year"].sel(option="same")).all()
    assert np.isnan(float(a.pairwise["icer"].sel(option="same", versus="baseline")))
    nb = a.per_draw["net_benefit_gbp"].sel(group="all", option=["baseline", "same"]).transpose("option", "draw")
    assert prob_best(nb.values).tolist() == [0.5, 0.5]
    # ...and in the full appraisal they share whatever chance of being best they have
    assert float(a.prob_best.sel(option="same")) == float(a.prob_best.sel(option="baseline"))


def test_shards_of_an_appraisal_equal_the_whole(whole, opts, uncertainty, tmp_path):
    for shard in ("0/2", "1/2"):
        result = socius.appraise(opts, out=tmp_path, draws=4, replicates=1, uncertainty=uncertainty, seed=SEED,
                                 workers=1, progress=False, shard=shard)
        assert result.done == result.in_scope and not (tmp_path / "appraisal.h5").exists()
    path = socius.appraise(opts, out=tmp_path, draws=4, replicates=1, uncertainty=uncertainty, seed=SEED,
                           workers=1, progress=False)
    with h5py.File(path, "r") as f, h5py.File(whole[1], "r") as g:
        assert f["indicators"][()].tobytes() == g["indicators"][()].tobytes()
        assert np.array_equal(f["run_seed"][()], g["run_seed"][()])
        assert np.array_equal(f["parameter_values"][()], g["parameter_values"][()])
    a, b = load(path), load(whole[1])
    assert a.per_draw.equals(b.per_draw) and a.ceac.equals(b.ceac)


def test_the_shared_burn_in_changes_no_run_of_the_appraisal(whole, opts, uncertainty, tmp_path):
    """The appraisal burns in once per draw and replicate (share_burn_in); the same sweep with
    every run burning in on its own writes the same indicators in every run file, bit for bit."""
    from socius.appraise.run import build_spec
    from socius.sweeps import sweep

    spec = build_spec(opts, uncertainty, draws=4, replicates=1, seed=SEED)
    sweep(spec, out=tmp_path, workers=2, progress=False, index=False)
    for r in range(spec.n_runs):
        rel = spec.run_info(r).relpath
        with h5py.File(whole[0] / rel, "r") as a, h5py.File(tmp_path / rel, "r") as b:
            assert a["indicators"][()].tobytes() == b["indicators"][()].tobytes(), rel
            assert a.attrs["scenario_hash"] == b.attrs["scenario_hash"]


def test_an_interrupted_appraisal_resumes_to_the_same_result(whole, opts, uncertainty, tmp_path, monkeypatch):
    monkeypatch.setenv(FAULT_ENV, "5:raise")  # one run fails (no retries): the appraisal stops
    with pytest.raises(socius.RunError, match="run 5"):
        socius.appraise(opts, out=tmp_path, draws=4, replicates=1, uncertainty=uncertainty, seed=SEED,
                        workers=2, progress=False, retries=0)
    assert not (tmp_path / "appraisal.h5").exists()
    monkeypatch.delenv(FAULT_ENV)
    path = socius.appraise(opts, out=tmp_path, draws=4, replicates=1, uncertainty=uncertainty, seed=SEED,
                           workers=2, progress=False)
    with h5py.File(path, "r") as f, h5py.File(whole[1], "r") as g:
        assert f["indicators"][()].tobytes() == g["indicators"][()].tobytes()


def test_with_nothing_uncertain_the_appraisal_equals_compare_bit_for_bit(opts, tmp_path):
    two = opts[:2]
    cmp = socius.compare(two, replicates=2, seed=SEED, output=tmp_path / "cmp.h5", workers=2, progress=False)
    app = socius.appraise(two, out=tmp_path / "app", draws=1, replicates=2, seed=SEED, workers=2, progress=False)
    with h5py.File(cmp, "r") as f, h5py.File(app, "r") as g:
        assert f.attrs["format"] == g.attrs["format"] == "socius-appraisal-1"
        assert f["indicators"][()].tobytes() == g["indicators"][()].tobytes()
        seeds = g["run_seed"][()]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["app", "cmp.h5"]  # compare's runs folder is gone
    a = load(cmp)
    assert not a.uncertain and a.draws == 1 and a.tornado.sizes.get("parameter", 0) == 0
    # and each run is exactly what socius.run gives with the recorded seed
    single = socius.run(two[1], tmp_path / "single.h5", seed=int(seeds[1, 0, 1]), progress=False)
    with h5py.File(single, "r") as f:
        ran = f["indicators"][()]
    recorded = a._raw.sel(option="early_action", draw=0, replicate=1, indicator=list(map(
        str, xr.open_dataset(single, engine="h5netcdf")["indicator"].values))).values
    assert ran.tobytes() == np.ascontiguousarray(recorded).tobytes()


def test_the_acceptability_curve_of_a_dominated_option_is_zero_everywhere():
    a = synthetic(["baseline", "early_action", "costly"], draws=32, identical_to_baseline=None, dominated="costly")
    assert (a.ceac.sel(option="costly") == 0).all()
    assert float(a.prob_best.sel(option="costly")) == 0
    # dominated: it costs more than the baseline and gains nothing in every draw
    assert (a.per_draw["incremental_cost_gbp"].sel(option="costly", group="all") > 0).all()


def test_the_synthetic_appraisal_round_trips_through_its_file(tmp_path):
    a = synthetic(draws=16, replicates=2)
    path = a.write(tmp_path / "syn.h5")
    b = load(path)
    assert b.options == a.options and b.draws == 16 and b.replicates == 2
    for name in ("per_draw", "per_run", "incremental", "pairwise", "by_group", "tornado"):
        assert getattr(a, name).equals(getattr(b, name)), name
    assert a.ceac.equals(b.ceac) and a.prob_best.equals(b.prob_best)
    assert a.equity_weighted.equals(b.equity_weighted)
    assert b.series.equals(a.series.drop_vars("option_description", errors="ignore")) or \
        np.array_equal(b._raw.values, a._raw.values, equal_nan=True)
    assert socius.files.identify(path).kind == "appraisal"
    assert "GBP/WELLBY" in b.summary()


def test_equity_weights_follow_the_green_book_formula():
    w = equity_weights()
    for q, y in QUINTILE_INCOME.items():
        assert w[q] == pytest.approx((QUINTILE_INCOME["q3"] / y) ** 1.3)
    assert w["q1"] > w["q2"] > w["q3"] == 1.0 > w["q4"] > w["q5"]


def test_the_uncertainty_file_is_checked_like_a_sweep_spec():
    u = Uncertainty.load(SCENARIOS / "uncertainty.toml")
    keys = {p.key for p in u.priors}
    for key in ("policy.reorganisation.delivered", "policy.reorganisation.efficiency_gain", "burnout.leave_burnout",
                "policy.befriending.take_up", "policy.hubs.uptake", "services.employment_beta", "loneliness.rate",
                "wellby_value", "loneliness_value", "wellby_per_lonely_year"):
        assert key in keys
    assert all(p.source for p in u.priors)
    cases = [
        ({"parameters": {"burnout.leave_burnot": {"min": 0.1, "max": 0.5, "source": "x"}}},
         "key 'parameters.burnout.leave_burnot'", "did you mean 'burnout.leave_burnout'"),
        ({"parameters": {"burnout.leave_burnout": {"min": 0.1, "max": 0.5}}}, "source", "needs its source"),
        ({"parameters": {"policy.befriending.take_up": {"min": 0.1, "max": 1.5, "source": "x"}}},
         "take_up.max' = 1.5", "allowed range"),
        ({"parameters": {"loneliness.rate": {"distribution": "gamma", "min": 0.1, "max": 0.5, "source": "x"}}},
         'distribution\' = "gamma"', "allowed: uniform"),
        ({"parameters": {"loneliness.rate": {"distribution": "triangular", "min": 0.1, "max": 0.5, "source": "x"}}},
         "loneliness.rate", "needs 'mode'"),
        ({"valuation": {"wellby": {"min": 1, "max": 2, "source": "x"}}}, "valuation.wellby", "did you mean"),
        ({"prior": {}}, "key 'prior'", "allowed at the top level"),
    ]
    for data, where, what in cases:
        with pytest.raises(UncertaintyError) as e:
            Uncertainty.from_dict(data, origin="u.toml")
        assert str(e.value).startswith("u.toml: key") and where in str(e.value) and what in str(e.value), str(e.value)


def test_an_option_may_not_set_an_uncertain_parameter_itself(opts, tmp_path):
    other = opts[1].with_overrides({"loneliness.rate": 0.1}, origin="test")
    with pytest.raises(UncertaintyError, match="option 'early_action' sets it to 0.1"):
        socius.appraise([opts[0], other], out=tmp_path, draws=2, uncertainty=PRIORS_U(), seed=1, progress=False)
    with pytest.raises(socius.ScenarioError, match="no uncertain parameters"):
        socius.appraise(opts[:1], out=tmp_path, draws=3, seed=1, progress=False)


def PRIORS_U():
    return Uncertainty.from_dict(PRIORS, origin="test-priors.toml")


def test_appraise_on_the_command_line(tmp_path):
    out = tmp_path / "ap"
    r = cli("appraise", SCENARIOS / "baseline.toml", SCENARIOS / "befriending.toml", "--draws", 2,
            "--uncertainty", SCENARIOS / "uncertainty.toml", "--population", 600, "--steps", 10,
            "--set", "simulation.burn_in=4", "--seed", 3, "--out", out, "--workers", 2, "-q", "--no-report")
    assert r.returncode == 0, r.stderr
    assert f"appraisal written to {out / 'appraisal.h5'}" in r.stdout and "befriending:" in r.stdout
    a = load(out)
    assert "--population 600" in a.command and "--seed 3" in a.command and "--steps 10" in a.command
    info = cli("info", out / "appraisal.h5")
    assert info.returncode == 0 and "2 parameter draws x 1 replicates" in info.stdout
    bad = cli("appraise", SCENARIOS / "baseline.toml", "--draws", 2, "--out", tmp_path / "x", "-q")
    assert bad.returncode == 2 and "no uncertain parameters" in bad.stderr


def test_the_discounted_indicators_agree_with_an_independent_computation(tmp_path):
    # The model records cost_pv and lonely_years_pv itself; socius.appraise.run.derive_missing
    # computes them from cost_to_date and lonely_share x residents, discounting each weekly
    # increment. With weekly recording the two must agree (to rounding).
    from socius.appraise.run import derive_missing

    scenario = socius.Scenario.load(SCENARIOS / "combined.toml").with_overrides(
        {**SMALL, "simulation.steps": 60, "policy.reorganisation.gain": "savings",
         "policy.reorganisation.efficiency_gain": 0.5, "policy.reorganisation.delivered": 1.0,
         "budget.size": False, "budget.total_pv": 0.0,
         "policy.reorganisation.time": 0, "policy.reorganisation.transition": 8}, origin="test")
    path = socius.run(scenario, tmp_path / "r.h5", seed=3, progress=False)
    ds = socius.open_results(path)
    names = [str(n) for n in ds["indicator"].values]
    recorded = {n: ds["indicators"].sel(indicator=n, group="all").values for n in
                ("cost_pv", "savings_pv", "lonely_years_pv", "lonely_years", "jobs_found_pv")}
    without = ds["indicators"].sel(indicator=[n for n in names if n not in recorded]).expand_dims(
        option=["o"], draw=[0], replicate=[0]).transpose("option", "draw", "replicate", "time", "group", "indicator")
    derived, how = derive_missing(without, {})
    assert len(how) >= 5
    for name, values in recorded.items():
        mine = derived.sel(indicator=name, group="all").values.ravel()
        assert values[-1] > 0, name
        np.testing.assert_allclose(mine, values, rtol=1e-9, atol=1e-6, err_msg=name)


def test_the_valuation_arithmetic_matches_a_hand_computation():
    """Two options, two draws, one replicate: every value below is computed by hand from the
    numbers put in (net benefit = WELLBY value + value of jobs found - incremental net cost)."""
    from socius.appraise.analysis import analyse
    from socius.appraise.settings import OUTCOME_VALUES, UNVALUED_OUTCOMES

    groups = ["all", "quintile_1", "quintile_2", "quintile_3", "quintile_4", "quintile_5"]
    names = ["cost_pv", "savings_pv", "lonely_years_pv", "jobs_found_pv", "cases_resolved_pv"]
    data = np.zeros((2, 2, 1, 2, len(groups), len(names)))  # option, draw, replicate, time, group, indicator
    final = {  # (option, draw): cost, savings, lonely years, jobs, cases for "all"; q1 holds all of it
        (0, 0): (0.0, 0.0, 100.0, 10.0, 5.0), (1, 0): (50000.0, 0.0, 96.0, 13.0, 9.0),
        (0, 1): (0.0, 0.0, 120.0, 20.0, 5.0), (1, 1): (60000.0, 1000.0, 110.0, 19.0, 5.0)}
    for (o, d), values in final.items():
        data[o, d, 0, 1, 0] = values
        data[o, d, 0, 1, 1] = values
        data[o, d, 0, 1, 1, 1] = 0.0  # savings are realised by services, not by neighbourhood
    series = xr.DataArray(data, dims=("option", "draw", "replicate", "time", "group", "indicator"),
                          coords={"option": ["baseline", "a"], "draw": [0, 1], "replicate": [0], "time": [0, 52],
                                  "group": groups, "indicator": names})
    valuation = {"wellby_value": np.array([13000.0, 10000.0]), "wellby_per_lonely_year": np.array([1.0, 0.6]),
                 "loneliness_value": np.array([9900.0, 9900.0]), "job_found_value": np.array([10767.0, 5000.0])}
    r = analyse(series, valuation, None, "baseline")
    run = r["per_run"].sel(option="a", group="all", replicate=0)
    # draw 0: 4 lonely years avoided x 1.0 x 13,000 = 52,000; 3 jobs x 10,767 = 32,301; cost 50,000
    # draw 1: 10 x 0.6 x 10,000 = 60,000; -1 job x 5,000 = -5,000; net cost 60,000 - 1,000 = 59,000
    assert run["wellby_value_gbp"].values.tolist() == [52000.0, 60000.0]
    assert run["jobs_found_value_gbp"].values.tolist() == [32301.0, -5000.0]
    assert run["outcome_value_gbp"].values.tolist() == [32301.0, -5000.0]
    assert run["incremental_cost_gbp"].values.tolist() == [50000.0, 59000.0]
    assert run["net_benefit_gbp"].values.tolist() == [52000.0 + 32301.0 - 50000.0, 60000.0 - 5000.0 - 59000.0]
    # the legal cases gained are counted but not valued (no value per case exists)
    assert run["cases_resolved_gained_pv"].values.tolist() == [4.0, 0.0]
    assert "cases_resolved_pv" in UNVALUED_OUTCOMES and "cases_resolved_pv" not in OUTCOME_VALUES
    assert "cases_resolved_value_gbp" not in r["per_run"]
    inc = r["incremental"].sel(option="a")
    assert float(inc["d_outcome_value"].sel(stat="mean")) == pytest.approx((32301.0 - 5000.0) / 2)
    assert float(inc["d_net_benefit"].sel(stat="mean")) == pytest.approx((34301.0 - 4000.0) / 2)
    # the ICER stays cost per WELLBY of loneliness: mean cost / mean WELLBYs = 54,500 / 5
    assert float(inc["icer"].sel(stat="mean")) == pytest.approx(54500.0 / 5.0)
    # probability best: a is best in draw 0 (+34,301 against 0) and not in draw 1 (-4,000)
    assert float(r["prob_best"].sel(option="a")) == 0.5
    # acceptability at 0 GBP per WELLBY: the jobs alone (32,301 - 50,000; -5,000 - 59,000) never pay
    assert float(r["ceac"].sel(option="a", wtp=0.0)) == 0.0
    # equity weighting: everything gained falls in q1 (weight w1); costs at weight 1
    w1 = equity_weights()["q1"]
    expected = np.mean([w1 * (52000.0 + 32301.0) - 50000.0, w1 * (60000.0 - 5000.0) - 59000.0])
    assert float(r["equity_weighted"].sel(option="a")) == pytest.approx(expected)


def _final(sim):
    """Everything a run ends with: indicators, every column and every tie."""
    ind = sim.indicators()
    cols = {c: np.array(sim.column(c, kind=None)) for c in sim.columns}
    return np.asarray(ind["values"]), cols, sim.ties(kind=None)


def _assert_same(a, b, what):
    assert np.array_equal(a[0], b[0], equal_nan=True), f"{what}: indicators differ"
    for c in a[1]:
        assert np.array_equal(a[1][c], b[1][c], equal_nan=True), f"{what}: column {c} differs"
    for k in a[2]:
        assert np.array_equal(a[2][k], b[2][k]), f"{what}: ties ({k}) differ"


def test_an_option_continued_from_the_shared_burn_in_equals_its_run_from_the_start():
    """docs/appraisal.md, section 3: the baseline burns in once; each option continues that state
    under its own parameters (Simulation.branch) and ends bit for bit where its run from the start
    with the same seed and draw ends (no policy key is read before policy time 0; the policies
    set themselves up then). The options differ from the baseline in hubs, befriending, relational
    practice, collaboration, a reorganisation and budget sizing, and the draw sets an uncertain
    model parameter (the same in every option) and a policy one."""
    small = {"simulation.population": 800, "simulation.burn_in": 30, "simulation.steps": 40,
             "loneliness.rate": 0.11, "policy.befriending.take_up": 0.8}
    load = lambda name: socius.Scenario.load(SCENARIOS / f"{name}.toml").with_overrides(small, origin="test")
    burn = socius.Simulation(load("baseline"), seed=SEED, threads=1)
    assert burn.run_burn_in() == 30 and burn.time == 0
    state = burn.state()
    ends = {}
    for name in ("baseline", "early_action", "structural_reform", "combined"):
        shared = socius.Simulation.branch(state, load(name), threads=2).run(progress=False)
        alone = socius.Simulation(load(name), seed=SEED, threads=1).run(progress=False)
        ends[name] = _final(shared)
        _assert_same(ends[name], _final(alone), name)
    # the options do act: each ends elsewhere than the baseline
    for name in ("early_action", "structural_reform", "combined"):
        assert not np.array_equal(ends[name][0], ends["baseline"][0], equal_nan=True), name


def test_a_key_that_shaped_the_burn_in_is_refused_when_branching():
    small = {"simulation.population": 600, "simulation.burn_in": 4, "simulation.steps": 4}
    base = socius.Scenario.load(SCENARIOS / "baseline.toml").with_overrides(small, origin="test")
    sim = socius.Simulation(base, seed=SEED, threads=1)
    sim.run_burn_in()
    state = sim.state()
    other = base.with_overrides({"contact.mean": 7.0}, origin="test")
    with pytest.raises(socius.ScenarioError, match=r"key 'contact.mean' = 7.0: shaped the setup or the burn-in"):
        socius.Simulation.branch(state, other)
    # relational practice's extra posts are professionals setup adds: refused too, naming the key
    extra = base.with_overrides({"policy.relational_practice.enabled": True,
                                 "policy.relational_practice.extra_posts": 0.3}, origin="test")
    with pytest.raises(socius.ScenarioError, match=r"key 'policy.relational_practice.extra_posts' = 0.3"):
        socius.Simulation.branch(state, extra)
    # a state after policy time 0 started cannot take other parameters
    sim.step(1)
    with pytest.raises(socius.ScenarioError, match="end of its burn-in"):
        socius.Simulation.branch(sim.state(), base)
