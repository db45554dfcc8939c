"""Virtual trials (socius.trial, socius trial): the machinery at its edges (docs/trials.md).

Small and quick: 3,000 residents, 26 weeks of burn-in. The placebo trial is the baseline scenario
with a policy that is not enabled: the offered arm gets nothing, so any difference is chance.
"""

import json

import numpy as np
import pytest

import socius
from socius.files import identify
from socius.trial import eligible_mask

from conftest import SCENARIOS, cli

BASELINE = SCENARIOS / "baseline.toml"
QUICK = ["simulation.burn_in=26", "simulation.steps=52"]


def placebo(**kw):
    args = dict(policy="befriending", eligible="age >= 65", follow_up=(26, 52), population=3000,
                settings=QUICK, replicates=3, seed=11, progress=False)
    args.update(kw)
    return socius.trial(BASELINE, **args)


@pytest.fixture(scope="module")
def placebo_trial():
    return placebo()


def test_a_placebo_trial_gives_intervals_that_include_zero(placebo_trial):
    ds = placebo_trial
    assert ds.attrs["format"] == "socius-trial-1" and ds.attrs["policy"] == "befriending"
    assert ds.sizes == {"replicate": 3, "follow_up": 2, "arm": 2, "outcome": 5}
    assert list(ds["outcome"].values) == ["loneliness", "often_lonely", "no_contact", "trust", "contacts"]
    # Both arms hold about half the eligible (simple randomisation), everyone else is out.
    offered, control = ds["assigned"].values.T
    assert (offered > 100).all() and (control > 100).all()
    assert (np.abs(offered - control) < 0.25 * (offered + control)).all()
    # The 95% intervals of the SMD and the difference at 52 weeks include 0. (At a fixed seed this
    # is deterministic; each interval of a placebo misses 0 with probability 0.05, so a change of
    # the model can flip one by chance: the bound below is the guard that does not.)
    # An SMD is undefined (NaN) in a replicate where neither arm varies (in a small trial, e.g.,
    # nobody eligible went a week without contact); its interval is then undefined too. The
    # difference is always defined.
    defined = np.isfinite(ds["smd"]).all("replicate").values  # (follow_up, outcome)
    assert defined.sum() >= defined.size - 2
    for stat in ("difference", "smd", "hedges_g"):
        lo, hi = ds[f"{stat}_low"].values, ds[f"{stat}_high"].values
        finite = np.isfinite(lo) & np.isfinite(hi)
        assert (finite.all() if stat == "difference" else (finite == defined).all())
        lo, hi = ds[f"{stat}_low"].sel(follow_up=52).values, ds[f"{stat}_high"].sel(follow_up=52).values
        ok = ~finite[list(ds["follow_up"].values).index(52)] | ((lo <= 0) & (hi >= 0))
        assert ok.all(), f"{stat}: a placebo's interval excludes 0"
    # Every estimate lies within 4 standard errors of 0 (a chance of about 1 in 16,000 each):
    # no arm effect leaks into a policy that is not running.
    se_of_mean = np.sqrt((ds["se_smd"] ** 2).mean("replicate") / ds.sizes["replicate"])
    smd = ds["smd_mean"].values
    assert (np.abs(smd[defined]) < 4 * se_of_mean.values[defined]).all()
    assert (np.abs(smd[defined]) < 0.2).all()
    assert "t-interval over 3 replicates" in ds.attrs["interval"]


def test_the_analysed_and_the_leavers_add_up_to_the_randomised(placebo_trial):
    ds = placebo_trial
    total = ds["analysed"] + ds["left"]
    for f in range(ds.sizes["follow_up"]):
        assert (total.isel(follow_up=f).values == ds["assigned"].values).all()
    # Some randomised residents die or move in a year; attrition only grows with time.
    assert (ds["left"].isel(follow_up=1) >= ds["left"].isel(follow_up=0)).all()
    assert int(ds["left"].isel(follow_up=1).sum()) > 0
    # The outcomes are read for the analysed residents only.
    n = ds["n"].sel(outcome="loneliness")
    assert (n.values == ds["analysed"].values).all()


def test_setting_loneliness_to_zero_for_the_offered_gives_the_obvious_effect():
    def cure(sim, arm):
        L = sim.column("loneliness", writable=True)
        L[arm == 1] = 0.0

    # The eligible are the residents lonely at the start (L >= 0.3), as a loneliness trial recruits.
    # About 50 a arm at 3,000 residents: the control arm's often-lonely share at 52 weeks varies
    # from 14% to 31% between replicates, so with 3 replicates (t = 4.30 on 2 degrees of freedom)
    # its interval reaches above 0 (seed 11: +0.014, with the defaults refitted on England's
    # ages); 5 replicates (t = 2.78) give an interval whose width reflects the trial, not t's tail.
    ds = placebo(replicates=5, eligible="loneliness >= 0.3", after_step=cure)
    d = ds.sel(follow_up=52)
    offered_lonely = d["mean"].sel(arm="offered", outcome="often_lonely").values
    control_lonely = d["mean"].sel(arm="control", outcome="often_lonely").values
    assert (offered_lonely == 0).all() and (control_lonely > 0).all()
    # The often-lonely difference is exactly minus the control share, replicate by replicate.
    assert np.array_equal(d["difference"].sel(outcome="often_lonely").values, -control_lonely)
    assert (d["mean"].sel(arm="offered", outcome="loneliness").values == 0).all()
    # With every offered value 0 (SD 0), d is minus the control mean over the pooled SD
    # sqrt((n2 - 1) s2^2 / (n1 + n2 - 2)), and its interval lies below 0.
    smd = d["smd"].sel(outcome="loneliness").values
    n1, n2 = (d["n"].sel(outcome="loneliness", arm=a).values for a in ("offered", "control"))
    m2 = d["mean"].sel(outcome="loneliness", arm="control").values
    s2 = d["sd"].sel(outcome="loneliness", arm="control").values
    assert np.allclose(smd, -m2 / np.sqrt((n2 - 1) * s2**2 / (n1 + n2 - 2)), rtol=1e-12)
    assert (smd < -1.0).all()  # large: about -2.2 at this seed
    assert float(d["smd_high"].sel(outcome="loneliness")) < 0
    assert float(d["difference_high"].sel(outcome="often_lonely")) < 0
    # Hedges' g is d shrunk by J = 1 - 3 / (4 (n1 + n2) - 9).
    assert np.allclose(d["hedges_g"].sel(outcome="loneliness").values, smd * (1 - 3 / (4 * (n1 + n2) - 9)))


def test_assignment_and_results_do_not_depend_on_the_number_of_threads():
    arms = {}

    def keep(threads):
        def hook(sim, arm):
            arms.setdefault(threads, arm)
        return hook

    one = placebo(replicates=1, follow_up=(8,), settings=["simulation.burn_in=10", "simulation.steps=8"],
                  threads=1, after_step=keep(1))
    two = placebo(replicates=1, follow_up=(8,), settings=["simulation.burn_in=10", "simulation.steps=8"],
                  threads=2, after_step=keep(2))
    assert np.array_equal(arms[1], arms[2])
    assert set(np.unique(arms[1])) == {0, 1, 2}
    for var in ("mean", "sd", "n", "difference", "smd", "assigned", "analysed", "left"):
        assert np.array_equal(one[var].values, two[var].values, equal_nan=True), var
    # One replicate: the interval is the within-trial one, and says so.
    assert "within-trial" in one.attrs["interval"]
    d = one.sel(follow_up=8, outcome="loneliness")
    se = float(one["se_difference"].sel(follow_up=8, outcome="loneliness")[0])
    assert float(d["difference_high"] - d["difference_low"]) == pytest.approx(2 * 1.959964 * se, rel=1e-5)


def test_the_engine_assignment_is_a_function_of_seed_and_agent():
    eligible = np.zeros(10000, dtype=np.uint8)
    eligible[::2] = 1
    arm = socius._core.assign_arms(eligible, 0.5, 42)
    assert arm.dtype == np.uint8 and arm.shape == eligible.shape
    assert (arm[1::2] == 0).all() and set(np.unique(arm[::2])) == {1, 2}
    everyone = socius._core.assign_arms(np.ones(10000, dtype=np.uint8), 0.5, 42)
    assert np.array_equal(arm[::2], everyone[::2])
    assert (socius._core.assign_arms(eligible, 1.0, 42)[::2] == 1).all()
    assert (socius._core.assign_arms(eligible, 0.0, 42)[::2] == 2).all()
    with pytest.raises(ValueError, match="p_offered"):
        socius._core.assign_arms(eligible, 1.5, 42)


def test_the_eligible_expression_is_safe_and_names_what_is_wrong():
    cols = {"age": np.array([20.0, 70.0, 80.0], dtype=np.float32), "loneliness": np.array([0.9, 0.2, 0.6]),
            "policy_target": np.array([0, 2, 3], dtype=np.uint8)}
    assert eligible_mask("age >= 65 and loneliness >= 0.5", cols).tolist() == [False, False, True]
    assert eligible_mask("not (age < 65) or loneliness > 0.8", cols).tolist() == [True, True, True]
    assert eligible_mask("policy_target & 2 != 0", cols).tolist() == [False, True, True]
    assert eligible_mask("60 <= age - 5 < 75", cols).tolist() == [False, True, False]
    for bad, fragment in [("agee >= 65", 'unknown name "agee"'), ("__import__('os').system('x')", "not allowed"),
                          ("age.real > 1", "not allowed"), ("age >= 'x'", "not a number"),
                          ("age + 1", "not a condition"), ("age >=", "not a valid expression"),
                          ("[a for a in age]", "not allowed"), ("age ** 2 > 1", "not allowed")]:
        with pytest.raises(socius.ScenarioError, match=fragment) as e:
            eligible_mask(bad, cols)
        assert "--eligible" in str(e.value)
    with pytest.raises(socius.ScenarioError, match="allowed names are the residents' columns: age, loneliness"):
        eligible_mask("agee >= 65", cols)


def test_trial_on_the_command_line_writes_json_and_a_file(tmp_path):
    out = tmp_path / "trial.h5"
    r = cli("trial", BASELINE, "--policy", "befriending", "--eligible", "age >= 65", "--population", "3000",
            "--set", "simulation.burn_in=10", "--steps", "8", "--follow-up", "4", "8", "--replicates", "2",
            "--seed", "5", "--threads", "1", "-o", out, "--json", "-q")
    assert r.returncode == 0, r.stderr
    summary = json.loads(r.stdout)
    assert summary["policy"] == "befriending" and summary["replicates"] == 2
    assert [f["week"] for f in summary["follow_up"]] == [4, 8]
    assert set(summary["follow_up"][0]["outcomes"]) == {"loneliness", "often_lonely", "no_contact", "trust",
                                                        "contacts"}
    assert identify(out).kind == "trial"
    assert not list(tmp_path.glob(".*tmp*"))
    with socius.open_trial(out) as ds:
        assert ds.attrs["master_seed"] == "5" and ds.sizes["replicate"] == 2
    info = cli("info", out)
    assert info.returncode == 0 and "virtual trial of befriending" in info.stdout
    # The table, and a rerun of the same command replaces its own file.
    again = cli("trial", BASELINE, "--policy", "befriending", "--eligible", "age >= 65", "--population", "3000",
                "--set", "simulation.burn_in=10", "--steps", "8", "--follow-up", "8", "--replicates", "1",
                "--seed", "5", "-o", out, "-q")
    assert again.returncode == 0, again.stderr
    assert "week 8 after the start" in again.stdout and "often_lonely" in again.stdout
    assert "within-trial" in again.stdout


@pytest.mark.parametrize("args, fragment", [
    (["--policy", "befriending", "--eligible", "agee >= 65"], 'unknown name "agee"'),
    (["--policy", "befriending", "--eligible", "age >= 65", "--follow-up", "60"], "--follow-up 60"),
    ([], "enables no person-level policy"),
    (["--policy", "befriending", "--eligible", "age > 500"], "no resident is eligible"),
    (["--policy", "befriending"], "policy.befriending is not enabled"),
])
def test_bad_input_exits_2_naming_the_thing(tmp_path, args, fragment):
    out = tmp_path / "t.h5"
    r = cli("trial", BASELINE, "--population", "1000", "--set", "simulation.burn_in=4", "--steps", "52",
            "--replicates", "1", "--seed", "1", "-o", out, "-q", *args)
    assert r.returncode == 2, r.stderr
    assert fragment in r.stderr
    assert not out.exists() and not list(tmp_path.iterdir())


def test_several_policies_need_a_choice():
    with pytest.raises(socius.ScenarioError, match="several person-level policies.*--policy"):
        socius.trial(SCENARIOS / "early_action.toml", population=1000, settings=QUICK, replicates=1, seed=1,
                     progress=False)


def test_baseline_supplies_the_world_and_the_intervention_its_policy(tmp_path):
    from socius.trial import _scenario

    world = tmp_path / "world.toml"
    world.write_text(f'model = "community"\nname = "world"\nextends = "{BASELINE}"\n'
                     "[loneliness]\nthreshold = 0.6\n[policy.befriending]\nplaces = 1.0\n")
    scen, policy = _scenario(SCENARIOS / "befriending.toml", world, None, [], None)
    p = scen.validate()
    assert policy == "befriending" and p["loneliness.threshold"] == 0.6
    assert p["policy.befriending.enabled"] is True and p["policy.befriending.places"] == 150.0


def test_ctrl_c_leaves_no_file(tmp_path):
    out = tmp_path / "t.h5"

    def stop(sim, arm):
        if sim.time > 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        placebo(replicates=1, follow_up=(8,), settings=["simulation.burn_in=4", "simulation.steps=8"],
                population=1000, output=out, after_step=stop)
    assert not list(tmp_path.iterdir())


def test_the_arm_is_written_to_trial_arm_and_newcomers_in_renewed_slots_leave_the_trial():
    seen = {"calls": 0, "renewed": 0}

    def check(sim, arm):
        n = sim.population
        ids = sim._sim.agent_ids()[:n]
        if "ids" not in seen:
            seen["ids"] = ids.copy()
        column = sim.column("trial_arm")
        stayed = ids == seen["ids"]
        assert np.array_equal(column[stayed], arm[stayed])
        assert (column[~stayed] == 0).all()  # the newcomer was never randomised
        seen["renewed"] = int(((arm != 0) & ~stayed).sum())
        seen["calls"] += 1

    ds = placebo(replicates=1, follow_up=(20,), settings=["simulation.burn_in=4", "simulation.steps=20"],
                 after_step=check)
    assert seen["calls"] == 21  # at the randomisation and after each of the 20 later steps
    assert seen["renewed"] > 0 and seen["renewed"] == int(ds["left"].sum())


def test_ctrl_c_on_the_command_line_exits_130_and_writes_nothing(tmp_path):
    import os
    import signal
    import subprocess
    import sys
    import time

    from conftest import PYTHON_DIR

    env = dict(os.environ, PYTHONPATH=str(PYTHON_DIR))
    # Without -q the progress bar shows the trial has started (the simulation is built).
    proc = subprocess.Popen([sys.executable, "-m", "socius", "trial", str(BASELINE), "--policy", "befriending",
                             "--eligible", "age >= 65", "--population", "3000", "--steps", "2000",
                             "--follow-up", "2000", "-r", "3", "--seed", "1", "-o", "out.h5"], cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    deadline = time.time() + 60
    err = ""
    while "replicate 1/3" not in err:
        assert proc.poll() is None and time.time() < deadline
        err += os.read(proc.stderr.fileno(), 4096).decode(errors="replace")
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    _, rest = proc.communicate(timeout=60)
    assert proc.returncode == 130, err + rest
    assert "interrupted" in rest
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("scenario, extra", [
    ("relational_practice", ["relationship_quality", "waiting", "weeks_waited"]),
    ("hubs", ["contacts", "civic_efficacy"]),
])
def test_each_policy_adds_the_outcomes_it_targets(scenario, extra):
    # No extra posts for relational practice (budget sizing would add them), so that some of the
    # 2,000 residents wait and the outcomes of waiting have people to measure.
    settings = ["simulation.burn_in=4", "simulation.steps=8"]
    if scenario == "relational_practice":
        settings += ["budget.size=false", "policy.relational_practice.extra_posts=0"]
    ds = socius.trial(SCENARIOS / f"{scenario}.toml", eligible="age >= 16", follow_up=(8,), population=2000,
                      settings=settings, replicates=1, seed=3, progress=False)
    assert list(ds["outcome"].values) == ["loneliness", "often_lonely", "no_contact", "trust", *extra]
    d = ds.sel(follow_up=8)
    analysed = d["analysed"].values[0]
    for o in extra:
        n = d["n"].sel(outcome=o).values[0]
        conditional = str(d["outcome_population"].sel(outcome=o).values) == "conditional"
        assert (n < analysed).all() if conditional else (n == analysed).all(), o
        assert (n > 0).all(), o
    shares = d["mean"].sel(outcome=[o for o in ds["outcome"].values if str(ds["outcome_kind"].sel(outcome=o).values) == "share"])
    assert ((shares >= 0) & (shares <= 1)).all()
    take_up = d["take_up"].values[0]
    assert np.isnan(take_up).all() if scenario == "relational_practice" else np.isfinite(take_up).all()


def test_by_default_the_policy_s_own_target_group_is_randomised_and_only_the_offered_take_it_up():
    # 8,000 residents: about 35 eligible (65+ and often lonely or without a close tie) at week 0;
    # at week 8 about a third of the offered have a befriender (take-up 0.6, early drop-out).
    ds = socius.trial(SCENARIOS / "befriending.toml", follow_up=(8,), population=8000,
                      settings=["simulation.burn_in=26", "simulation.steps=26"], replicates=1, seed=2,
                      progress=False)
    assert ds.attrs["eligible"].startswith("policy_target & 2")
    assert (ds["assigned"].values > 0).all()
    take_up = ds["take_up"].sel(follow_up=8).values[0]
    assert take_up[1] == 0 and take_up[0] > 0  # the trial rule: never the control arm
