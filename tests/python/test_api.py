"""The Python API: hooks, results as xarray/pandas, graphs, threads and Ctrl-C."""
import _thread
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
    timer = threading.Timer(0.5, _thread.interrupt_main)
    timer.start()
    with pytest.raises(KeyboardInterrupt):
        sim.run(progress=False)
    timer.join()
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
