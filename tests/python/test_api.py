"""The Python API: hooks, results as xarray/pandas, graphs, threads and Ctrl-C."""
import _thread
import signal
import threading
import time

import numpy as np
import pytest

import socius

from conftest import ROOT


@pytest.fixture
def sim(small_scenario):
    return socius.Simulation(small_scenario, seed=3, threads=2)


def test_results_as_xarray_and_pandas_match_the_recorded_values(sim):
    sim.run(progress=False)
    ds = sim.results
    assert ds["indicators"].dims == ("time", "group", "indicator")
    assert ds.attrs["seed"] == "3"
    np.testing.assert_array_equal(ds["indicators"].values, sim.indicators()["values"])
    df = sim.to_dataframe()
    assert list(df.columns) == ["time", "group", "indicator", "value"]
    assert len(df) == ds["indicators"].size
    row = df[(df.time == 10) & (df.indicator == "ties")]
    assert row.value.item() == sim.tie_count


def test_graph_exports_agree_with_the_tie_arrays(sim):
    sim.run(progress=False)
    t = sim.ties()
    assert len(t["source"]) == sim.tie_count
    g = sim.to_networkx()
    assert g.number_of_nodes() == sim.population
    assert g.number_of_edges() == sim.tie_count
    u, v = int(t["source"][0]), int(t["target"][0])
    assert g[u][v]["weight"] == pytest.approx(float(t["weight"][0]))
    ig = sim.to_igraph()
    assert ig.vcount() == sim.population and ig.ecount() == sim.tie_count


def test_hooks_run_at_the_right_steps_and_their_changes_take_effect(small_scenario):
    sim = socius.Simulation(small_scenario, seed=3)
    calls = []
    sim.every(3, lambda s: calls.append(s.time))
    sim.run(progress=False)
    assert calls == [0, 3, 6, 9]

    # A hook that changes a parameter: turnover off from time 4 on. Compare with a run that
    # never had turnover after the same point by checking the parameter is in force.
    sim = socius.Simulation(small_scenario, seed=3)

    @sim.every(100, start=4)
    def stop_turnover(s):
        s.set_parameters({"davidsen.p": 0.0})

    sim.run(progress=False)
    assert sim.parameters["davidsen.p"] == 0.0
    reference = socius.Simulation(small_scenario, seed=3).run(progress=False)
    values = sim.indicators()["values"]
    ref = reference.indicators()["values"]
    np.testing.assert_array_equal(values[:5], ref[:5])  # identical up to the hook's time
    assert not np.array_equal(values[5:], ref[5:])      # then they part


def test_a_hook_that_raises_stops_the_run_with_that_exception(sim):
    def bad(s):
        raise RuntimeError("custom intervention failed")

    sim.every(2, bad, start=2)
    with pytest.raises(RuntimeError, match="custom intervention failed"):
        sim.run(progress=False)
    assert sim.time == 2
    sim._hooks.clear()
    sim.run(progress=False)  # still usable
    assert sim.finished


def test_bad_parameter_changes_are_refused_and_change_nothing(sim):
    with pytest.raises(socius.ScenarioError, match="out of range"):
        sim.set_parameters({"davidsen.p": 3.0})
    for undefined in (float("nan"), np.float32("nan"), np.array(np.inf)):
        with pytest.raises(socius.ScenarioError, match="'davidsen.p' = (nan|inf): out of range"):
            sim.set_parameters({"davidsen.p": undefined})
    with pytest.raises(socius.ScenarioError, match="fixed once a simulation is built"):
        sim.set_parameters({"simulation.steps": 3})
    with pytest.raises(TypeError):
        sim.set_parameters([("davidsen.p", 0.1)])
    assert sim.parameters["davidsen.p"] == 0.05
    with pytest.raises(ValueError, match="k must be"):
        sim.every(0, print)
    with pytest.raises(TypeError, match="callable"):
        sim.every(1, 5)


def test_a_run_in_a_background_thread_does_not_block_python(small_scenario):
    scenario = socius.Scenario.load(small_scenario).with_overrides(
        {"simulation.population": 20000, "simulation.steps": 400, "simulation.record_every": 100})
    sim = socius.Simulation(scenario, seed=1, threads=1)
    worker = threading.Thread(target=sim.run, kwargs={"progress": False})
    ticks = 0
    worker.start()
    t0 = time.perf_counter()
    while worker.is_alive():
        ticks += 1
        time.sleep(0.001)
    elapsed = time.perf_counter() - t0
    worker.join()
    assert sim.finished
    assert elapsed > 0.2, "the run was too short to tell"
    # With the GIL held by C++ the loop would stall for whole chunks (~0.25 s each).
    assert ticks > elapsed / 0.01


def test_ctrl_c_stops_between_steps_and_leaves_the_simulation_usable(small_scenario):
    scenario = socius.Scenario.load(small_scenario).with_overrides(
        {"simulation.population": 20000, "simulation.steps": 100000})
    sim = socius.Simulation(scenario, seed=1)
    # A shell starts a background job (`pytest &`) with SIGINT ignored, and interrupt_main does
    # nothing to an ignored signal: Python's own handler is installed for the test's length.
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    timer = threading.Timer(0.5, _thread.interrupt_main)
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            sim.run(progress=False)
    finally:
        timer.join()
        signal.signal(signal.SIGINT, previous)
    done = sim.steps_done
    assert 0 < done < sim.steps_total
    assert sim._sim.check_ties() == ""
    assert sim.step(2) == 2 and sim.steps_done == done + 2


def test_repr_and_help_are_useful(sim):
    assert "davidsen" in repr(sim) and "seed 3" in repr(sim)
    for obj in (socius.Simulation.run, socius.Simulation.every, socius.Scenario.load, socius.run, socius.open_results):
        assert obj.__doc__ and len(obj.__doc__) > 40


def community(population=2000, steps=8, burn_in=4):
    return socius.Scenario.load(ROOT / "scenarios" / "baseline.toml").with_overrides(
        {"simulation.population": population, "simulation.steps": steps, "simulation.burn_in": burn_in})


def test_column_views_are_live_views_and_stay_valid():
    sim = socius.Simulation(community(), seed=2)
    lonely = sim.column("loneliness")
    ids_before = sim.column("age").copy()
    assert not lonely.flags.writeable and not lonely.flags.owndata
    before = lonely.copy()
    sim.step(6)  # residents move, die and arrive: newcomers take leavers' slots
    assert not np.array_equal(before, lonely)             # the step's changes show in the view
    assert np.array_equal(lonely, sim.column("loneliness"))  # and it is the live column
    assert lonely.shape == (sim.population,)
    del sim  # the view keeps the simulation's memory alive
    assert np.isfinite(lonely).all() and ((lonely >= 0) & (lonely <= 1)).all()
    with pytest.raises(ValueError):
        lonely[0] = 0.5
    assert ids_before.shape == lonely.shape


def test_a_hook_writing_a_column_changes_the_simulation():
    a = socius.Simulation(community(), seed=3)
    b = socius.Simulation(community(), seed=3)

    @b.every(1, start=0)
    def nobody_trusts(s):
        s.column("trust", writable=True)[:] = 0.0

    a.run(progress=False)
    b.run(progress=False)
    ta = a.results["indicators"].sel(group="all", indicator="trust_share").values
    tb = b.results["indicators"].sel(group="all", indicator="trust_share").values
    assert ta[0] == tb[0]          # recorded before the first hook call
    assert (tb[1:] < ta[1:]).all()  # afterwards trust is lower every week


def test_unknown_columns_name_the_known_ones():
    sim = socius.Simulation(community(), seed=1)
    with pytest.raises(KeyError, match="loneliness"):
        sim.column("lonelyness")


# -- State written from Python is checked (issue 13, item 4) -----------------------------------

@pytest.mark.parametrize("bad", [np.nan, 5.0, -1.0])
def test_a_hook_writing_a_value_outside_a_columns_range_stops_before_the_next_step(bad):
    # The case: one resident's loneliness set to NaN spread to 494 of 500 residents in
    # four steps, and 5.0 and -1.0 were taken as they were.
    sim = socius.Simulation(community(population=500, steps=8, burn_in=0), seed=1)

    @sim.every(1, start=2)
    def break_one(s):
        s.column("loneliness", writable=True)[7] = bad

    with pytest.raises(socius.StateError) as caught:
        sim.run(progress=False)
    e = caught.value
    assert isinstance(e, socius.Error) and isinstance(e, ValueError)
    message = str(e)
    for part in ("after hook break_one at policy time 2", "loneliness", "1 agent ", "agent 7 (resident 7)",
                 f"= {'nan' if np.isnan(bad) else bad}", "[0.0, 1.0]", "no step was run"):
        assert part in message, (part, message)
    # Nothing ran on the bad value: the run stopped at the hook's step and nothing spread.
    assert sim.time == 2 and list(sim.indicators()["time"]) == [0, 1, 2]
    lonely = sim.column("loneliness")
    assert np.isfinite(np.delete(lonely, 7)).all() and ((lonely >= 0) & (lonely <= 1)).sum() == 499
    # Still usable: run() refuses again until the value is put right, then goes on.
    sim._hooks.clear()
    with pytest.raises(socius.StateError, match="before step 3"):
        sim.run(progress=False)
    assert sim.time == 2
    sim.column("loneliness", writable=True)[7] = 0.5
    sim.run(progress=False)
    assert sim.finished and np.isfinite(sim.column("loneliness")).all()
    assert np.isfinite(sim.results["indicators"].sel(group="all", indicator="lonely_share")).all()


def test_a_writable_view_written_between_steps_is_checked_before_the_next_step():
    sim = socius.Simulation(community(population=500, steps=8, burn_in=2), seed=1)
    burnout = sim.column("burnout", writable=True, kind="professional")
    trust = sim.column("trust", writable=True)
    sim.step(1)
    burnout[1] = 1.5
    trust[[3, 4, 9]] = np.nan
    with pytest.raises(socius.StateError) as caught:
        sim.step(1)
    message = str(caught.value)
    assert sim.steps_done == 1  # the step was not run
    assert "before step 2" in message
    assert "trust\" has 3 agents" in message.replace("'", "\"") and "agent 3 (resident 3) = nan" in message
    first_staff = sim.kinds["professional"].start + 1
    assert f"agent {first_staff} (professional 1) = 1.5" in message and "burnout" in message
    burnout[1] = 0.5
    trust[[3, 4, 9]] = 0.2
    assert sim.step(1) == 1


# -- NumPy scalars where Python numbers are accepted (item 6) ----------------------------------

def test_numpy_scalars_and_0d_arrays_are_taken_as_the_numbers_they_hold(small_scenario, tmp_path):
    sim = socius.Simulation(small_scenario, seed=np.uint64(3), threads=np.int64(1))
    assert sim.seed == 3 and sim.threads == 1
    assert socius.Simulation(small_scenario, seed=np.array(3), threads=np.array(2)).threads == 2
    sim.set_parameters({"davidsen.p": np.float32(0.1)})
    assert sim.parameters["davidsen.p"] == 0.1          # the decimal it prints as, not 0.10000000149
    sim.set_parameters({"davidsen.p": np.array(0.05)})
    assert sim.parameters["davidsen.p"] == 0.05
    calls = []
    sim.every(np.int64(2), lambda s: calls.append(s.time), start=np.int32(0))
    assert sim.step(np.int64(3)) == 3
    sim.run(steps=np.int32(4), progress=np.bool_(False))
    assert sim.steps_done == 7 and calls == [0, 2]
    assert sim.network_statistics(np.array(0))["mean_degree"] > 0
    with pytest.raises(TypeError, match="threads must be an int or None, got float"):
        socius.Simulation(small_scenario, threads=1.5)
    with pytest.raises(TypeError, match="steps"):
        sim.run(steps=np.float64(2.0))
    out = socius.run(small_scenario, tmp_path / "o.h5", seed=np.int64(5), threads=np.int64(1), progress=False,
                     checkpoint_every=np.int64(4))
    assert out.exists()


def test_numpy_strings_name_columns_and_kinds():
    sim = socius.Simulation(community(population=300), seed=1)
    assert np.array_equal(sim.column(np.str_("age"), kind=np.str_("professional")),
                          sim.column("age", kind="professional"))


# -- Burn-in is said (item 10) -----------------------------------------------------------------

def test_a_first_run_inside_burn_in_says_why_nothing_is_recorded(capsys):
    # The case: Simulation(baseline).run(steps=10) recorded nothing, said nothing, and a
    # hook every 2 steps was never called (the community model's first 780 steps are burn-in).
    baseline = socius.Scenario.load(ROOT / "scenarios" / "baseline.toml").with_overrides(
        {"simulation.population": 300})
    sim = socius.Simulation(baseline, seed=1)
    assert sim.burn_in == 780 and sim.burn_in_remaining == 780
    calls = []
    sim.every(2, lambda s: calls.append(s.time))
    sim.run(steps=10)
    assert "burn-in" in capsys.readouterr().err            # the progress bar says what it runs
    assert sim.burn_in_remaining == 770 and calls == []
    text = repr(sim)
    assert "burn-in, 770 of 780 steps left" in text and "next call after policy time 0 (in 770 steps)" in text
    with pytest.warns(UserWarning, match="nothing is recorded during burn-in: 770 of 780 burn-in steps are left"):
        ds = sim.results
    assert ds.sizes["time"] == 0 and "770 of 780" in ds.attrs["note"]
    sim.run(steps=772)
    err = capsys.readouterr().err
    assert "burn-in" in err and err.rstrip().splitlines()[-1].split("\r")[-1].startswith("baseline:")
    assert sim.burn_in_remaining == 0 and calls == [0, 2]
    ds = sim.results  # no warning now (pytest turns warnings into errors)
    assert list(ds["time"].values) == [0, 1, 2] and "note" not in ds.attrs
    assert "policy time 2 of 520" in repr(sim)


# -- What a user reads says whose it is (item 13) ----------------------------------------------

def test_columns_ties_and_graphs_are_residents_unless_another_kind_is_asked_for():
    # The case: for 5,000 residents column("loneliness") had 5,025 entries, and staff
    # slots carried neighbourhood 4294967295.
    sim = socius.Simulation(community(population=5000, steps=2, burn_in=2), seed=2)
    sim.step(3)
    assert sim.kinds == {"resident": range(0, 5000), "professional": range(5000, 5060)}
    assert sim.population == 5000
    lonely, every_slot = sim.column("loneliness"), sim.column("loneliness", kind=None)
    assert lonely.shape == (5000,) and every_slot.shape == (5060,)
    assert np.shares_memory(lonely, every_slot) and not lonely.flags.owndata  # a view, no copy
    hood = sim.column("neighbourhood")
    assert hood.max() < 2**32 - 1
    assert (sim.column("neighbourhood", kind="professional") == 2**32 - 1).all()
    assert sim.column("burnout", kind="professional").shape == (60,)
    # A writable view of a kind writes the simulation's own column.
    sim.column("trust", writable=True)[0] = 0.25
    assert sim.column("trust", kind=None)[0] == np.float32(0.25)
    with pytest.raises(ValueError, match="'staff'.*'resident' \\(slots 0 to 4999\\), 'professional' "
                                         "\\(slots 5000 to 5059\\)".replace("'", "[\"']")):
        sim.column("age", kind="staff")

    every_tie = sim.ties(kind=None)
    assert len(every_tie["source"]) == sim.tie_count
    staff = every_tie["target"] >= 5000
    assert staff.any()  # residents' ties to professionals exist, and only kind=None shows them
    residents = sim.ties()
    assert len(residents["source"]) == (~staff).sum() and residents["target"].max() < 5000
    among_staff = sim.ties(kind="professional")
    assert len(among_staff["source"]) == (every_tie["source"] >= 5000).sum()
    assert among_staff["target"].max() < 60  # indexed like column(..., kind="professional")

    g = sim.to_networkx()
    assert g.number_of_nodes() == 5000 and g.number_of_edges() == len(residents["source"])
    full = sim.to_networkx(kind=None)
    assert full.number_of_nodes() == 5060 and full.nodes[5000]["kind"] == "professional"
    ig = sim.to_igraph()
    assert ig.vcount() == 5000 and ig.ecount() == len(residents["source"])
    assert sim.to_igraph(kind=None).vs[5059]["kind"] == "professional"

    stats = sim.network_statistics(path_sources=0)
    assert stats["local_clustering"].shape == (5000,)
    assert stats["mean_degree"] == pytest.approx(2 * len(residents["source"]) / 5000)
    assert sim.network_statistics(path_sources=0, kind=None)["local_clustering"].shape == (5060,)


def test_a_model_with_one_kind_shows_every_agent_by_default(small_scenario):
    sim = socius.Simulation(small_scenario, seed=1)
    sim.step(4)
    (name, slots), = sim.kinds.items()
    assert slots == range(0, 500) and sim.population == 500
    for key in ("source", "target", "weight", "type"):
        np.testing.assert_array_equal(sim.ties()[key], sim.ties(kind=None)[key])
    np.testing.assert_array_equal(sim.network_statistics(path_sources=4)["local_clustering"],
                                  sim.network_statistics(path_sources=4, kind=name)["local_clustering"])
