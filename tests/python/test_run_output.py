"""socius.run never silently replaces a file it did not write (issue 13, items 2 and 3)."""
import h5py
import numpy as np
import pytest

import socius


def scenario(name="small", p=0.05):
    return socius.Scenario.from_dict({"model": "davidsen", "name": name, "davidsen": {"p": p, "path_sources": 0},
                                      "simulation": {"population": 200, "steps": 4, "burn_in": 0}})


def test_an_existing_file_is_replaced_only_by_a_rerun_or_when_asked(tmp_path):
    out = tmp_path / "out.h5"
    out.write_text("my notes, not results\n")
    with pytest.raises(socius.OutputError) as caught:
        socius.run(scenario(), out, seed=1, progress=False)
    message = str(caught.value)
    assert str(out) in message and "already exists" in message and "overwrite=True" in message
    assert out.read_text() == "my notes, not results\n"  # refused before anything was written
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.h5"]

    socius.run(scenario(), out, seed=1, progress=False, overwrite=True)
    with h5py.File(out) as f:
        assert f.attrs["seed"] == "1" and f.attrs["scenario_name"] == "small"
    # A rerun of the same scenario (another seed, another parameter value) replaces its own results.
    socius.run(scenario(p=0.1), out, seed=2, progress=False)
    with h5py.File(out) as f:
        assert f.attrs["seed"] == "2"
    # Results of another scenario are not replaced without overwrite=True.
    with pytest.raises(socius.OutputError, match="scenario 'other'.*overwrite=True"):
        socius.run(scenario(name="other"), out, seed=3, progress=False)
    with h5py.File(out) as f:
        assert f.attrs["seed"] == "2" and f.attrs["scenario_name"] == "small"


def test_overwrite_takes_true_or_false_only(tmp_path):
    # One rule for every entry point's overwrite flag (_values.boolean): a NumPy bool is a bool,
    # a string such as "no" is refused rather than taken as true.
    out = tmp_path / "out.h5"
    out.write_text("my notes, not results\n")
    for call in (lambda: socius.run(scenario(), out, seed=1, progress=False, overwrite="no"),
                 lambda: socius.compare([scenario()], replicates=1, output=out, progress=False, overwrite="no"),
                 lambda: socius.report(out, tmp_path / "page", overwrite="no")):
        with pytest.raises(TypeError, match="overwrite must be True or False, got str \"no\""):
            call()
    assert out.read_text() == "my notes, not results\n"
    socius.run(scenario(), out, seed=1, progress=False, overwrite=np.bool_(True))
    with h5py.File(out) as f:
        assert f.attrs["scenario_name"] == "small"
