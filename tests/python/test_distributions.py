"""Distributions recorded over time (degree for the classic models; weight and the overlap
against weight curve for Kumpula): the results file's layout, opened by xarray without options, and the in-memory results."""
import h5py
import numpy as np
import pytest
import xarray as xr

import socius
from socius.simulation import run_to_file


def kumpula(**simulation):
    return socius.Scenario.from_dict({
        "model": "kumpula", "name": "k",
        "simulation": {"population": 600, "steps": 30, "record_every": 10, **simulation},
        "kumpula": {"degree_bins": 6, "path_sources": 0}})


def degrees(sim):
    t = sim.ties()
    return np.bincount(np.concatenate([t["source"], t["target"]]), minlength=sim.population)


def test_the_file_holds_degree_and_weight_distributions_that_xarray_opens(tmp_path):
    sim = socius.Simulation(kumpula(), seed=5, threads=2)
    path = run_to_file(sim, tmp_path / "k.h5", progress=False)
    with xr.open_dataset(path, engine="h5netcdf") as ds:  # no options
        d = ds["degree_distribution"]
        assert d.dims == ("time", "degree")
        assert d.shape == (4, 7)  # times 0, 10, 20, 30; degrees 0 .. 5 and ">= 6"
        assert ds["degree"].values.tolist() == list(range(7))
        assert ds["degree"].dtype.kind == "i"
        assert d.attrs["units"] == "people" and "ties" in d.attrs["long_name"]
        assert (d.sum("degree") == 600).all()
        # The last time is the final graph, with degrees of 6 or more in the open last bin.
        expect = np.bincount(np.minimum(degrees(sim), 6), minlength=7)
        assert expect[6] > 0
        np.testing.assert_array_equal(d.isel(time=-1).values, expect)

        w = ds["weight_distribution"]
        assert w.dims == ("time", "weight") and w.shape == (4, 64)
        assert ds["weight"].values[:17].tolist() == list(range(1, 18))  # w0 + m delta, m = 0 .. 16
        assert ds["weight"].values[17] == 20  # then about four bins per doubling of m
        ties = ds["indicators"].sel(group="all", indicator="ties").values
        np.testing.assert_array_equal(w.sum("weight").values, ties)

        # The in-memory results have the same variables, values and coordinates.
        mem = sim.results
        for name in ("degree_distribution", "weight_distribution"):
            xr.testing.assert_identical(mem[name].reset_coords(drop=True), ds[name].reset_coords(drop=True))
    with socius.open_results(path) as ds:
        assert {"degree_distribution", "weight_distribution", "degree", "weight"} <= set(ds.variables)


def test_the_overlap_against_weight_curve_is_recorded_over_time(tmp_path):
    scenario = kumpula(population=1500, steps=400, record_every=200).with_overrides({"kumpula.overlap_bins": 10})
    sim = socius.Simulation(scenario, seed=4, threads=2)
    path = run_to_file(sim, tmp_path / "k.h5", progress=False)
    with xr.open_dataset(path, engine="h5netcdf") as ds:
        o, w = ds["overlap_by_weight"], ds["weight_by_weight_rank"]
        assert o.dims == w.dims == ("time", "weight_rank") and o.shape == (3, 10)
        np.testing.assert_allclose(ds["weight_rank"].values, np.arange(10) / 10)
        assert ds["weight_rank"].dtype.kind == "f"
        assert o.attrs["units"] == "fraction" and w.attrs["units"] == "weight units"
        assert np.isnan(o.isel(time=0)).all()  # no ties at time 0
        # The last row is the curve of the final graph, as network_statistics computes it.
        curve = sim.network_statistics(path_sources=0)["overlap_by_weight"]
        np.testing.assert_array_equal(o.isel(time=-1).values, curve["mean_overlap"])
        np.testing.assert_array_equal(w.isel(time=-1).values, curve["mean_weight"])
        # Onnela et al.'s weak-ties structure: overlap rises from the lightest to the heaviest ties.
        assert o.isel(time=-1, weight_rank=-1) > o.isel(time=-1, weight_rank=0) + 0.2
        xr.testing.assert_identical(sim.results["overlap_by_weight"].reset_coords(drop=True), o.reset_coords(drop=True))
    for bad in (-1, 2**32, 1.5, True):
        with pytest.raises(ValueError, match="path_sources"):
            sim.network_statistics(path_sources=bad)
    # A NumPy integer is accepted and gives the same values as a Python int.
    np.testing.assert_array_equal(sim.network_statistics(path_sources=np.int64(0))["overlap"],
                                  sim.network_statistics(path_sources=0)["overlap"])


def test_layout_in_hdf5_chunked_compressed_with_dimension_scales(tmp_path):
    path = socius.run(kumpula(), tmp_path / "k.h5", seed=1, progress=False)
    with h5py.File(path, "r") as f:
        ds = f["degree_distribution"]
        assert ds.dtype == np.float64 and ds.compression == "gzip" and ds.chunks is not None
        assert [dim[0].name for dim in ds.dims] == ["/time", "/degree"]
        assert f["degree"].attrs["CLASS"] == b"DIMENSION_SCALE"


@pytest.mark.parametrize("model", ["davidsen", "jgn"])
def test_unweighted_models_record_only_the_degree_distribution(model):
    sim = socius.Simulation(socius.Scenario.from_dict({"model": model, "simulation": {
        "population": 250, "steps": 20, "burn_in": 0, "record_every": 5}}), seed=2, threads=1)
    sim.run(progress=False)
    names = [d["name"] for d in sim.distributions()]
    assert names == ["degree_distribution"]
    ds = sim.results
    assert "weight_distribution" not in ds
    assert ds["degree_distribution"].shape == (5, sim.parameters[f"{model}.degree_bins"] + 1)
    assert (ds["degree_distribution"].sum("degree") == 250).all()


def test_the_community_model_records_no_distributions():
    community = socius.Scenario.from_dict({"model": "community", "simulation": {"population": 300, "steps": 2,
                                                                               "burn_in": 0}})
    sim = socius.Simulation(community, seed=1, threads=1)
    sim.run(progress=False)
    assert sim.distributions() == []
    assert set(sim.results.data_vars) == {"indicators", "indicator_description", "indicator_label", "indicator_category",
                                          "indicator_unit", "indicator_better"}


def test_same_distributions_for_one_and_two_threads():
    runs = []
    for threads in (1, 2):
        sim = socius.Simulation(kumpula(population=3000), seed=9, threads=threads)
        sim.run(progress=False)
        runs.append([d["values"] for d in sim.distributions()])
    assert len(runs[0]) == 4
    for a, b in zip(*runs):
        np.testing.assert_array_equal(a, b)  # NaN (an empty overlap slice) matches NaN


@pytest.mark.parametrize("key, value", [("kumpula.degree_bins", 0), ("kumpula.weight_bins", 0),
                                        ("kumpula.weight_bins", 1000), ("kumpula.overlap_bins", 0)])
def test_bad_bin_counts_are_refused_naming_the_key(key, value):
    with pytest.raises(socius.ScenarioError, match=key.replace(".", r"\.")):
        socius.Simulation(kumpula().with_overrides({key: value}), seed=1)
