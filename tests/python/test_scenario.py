import pytest

import socius
from socius import Scenario, ScenarioError

from conftest import SCENARIOS


def write(path, text):
    path.write_text(text)
    return path


def test_every_shipped_scenario_validates():
    # scenarios/sweeps/ holds sweep specs, checked in test_sweep.py
    files = sorted(f for f in SCENARIOS.rglob("*.toml") if "sweeps" not in f.relative_to(SCENARIOS).parts)
    assert files, "no scenarios shipped"
    for f in files:
        params = Scenario.load(f).validate()
        assert params["simulation.population"] >= 1


def test_extends_overrides_and_keeps_origins(tmp_path):
    write(tmp_path / "base.toml", 'model = "davidsen"\nname = "base"\n[simulation]\npopulation = 300\nsteps = 7\n')
    child = write(tmp_path / "child.toml", 'extends = "base.toml"\nname = "child"\n[simulation]\nsteps = 9\n')
    s = Scenario.load(child)
    p = s.validate()
    assert (s.model, s.name) == ("davidsen", "child")
    assert p["simulation.population"] == 300 and p["simulation.steps"] == 9
    assert s.with_overrides({"simulation.steps": 11}).parameters["simulation.steps"] == 11
    assert s.with_settings(["davidsen.p=0.5"]).parameters["davidsen.p"] == 0.5


def test_round_trip_through_toml_and_stable_hash(tmp_path):
    s = Scenario.load(SCENARIOS / "classic" / "davidsen2002_p00822.toml")
    saved = tmp_path / "resolved.toml"
    s.save(saved)
    again = Scenario.load(saved)
    assert again.validate() == s.validate()
    assert again.hash() == s.hash()
    assert s.with_overrides({"davidsen.p": 0.1}).hash() != s.hash()
    assert str(s) == s.to_toml()


@pytest.mark.parametrize(
    "text, expected",
    [
        ('model = "davidsen"\n[davidsen]\npp = 0.1\n', ["bad.toml", "'davidsen.pp'", "unknown key", "did you mean 'davidsen.p'"]),
        ('model = "davidsen"\n[davidsen]\np = "high"\n', ["bad.toml", "'davidsen.p'", '"high"', "expected a number", "from 0.0 to 1.0"]),
        ('model = "davidsen"\n[davidsen]\np = 1.5\n', ["'davidsen.p' = 1.5", "out of range", "from 0.0 to 1.0"]),
        ('model = "davidsen"\n[simulation]\npopulation = 0\n', ["'simulation.population' = 0", "out of range"]),
        ('model = "davidsen"\n[simulation]\npopulation = [1, 2]\n', ["'simulation.population'", "array"]),
        ('model = "davidsen"\npopulation = 5\n', ["'population'", "unknown top-level key"]),
        ('model = "nosuch"\n', ["'model'", '"nosuch"', "unknown model", '"davidsen"']),
        ('name = "x"\n', ["'model' is missing"]),
        ('model = "davidsen"\n[simulation\n', ["bad.toml", "not valid TOML"]),
    ],
)
def test_bad_scenarios_say_what_to_fix(tmp_path, text, expected):
    path = write(tmp_path / "bad.toml", text)
    with pytest.raises(ScenarioError) as err:
        Scenario.load(path).validate()
    for fragment in expected:
        assert fragment in str(err.value)


def test_missing_file_and_extends_cycle(tmp_path):
    with pytest.raises(ScenarioError, match="does not exist"):
        Scenario.load(tmp_path / "nope.toml")
    write(tmp_path / "a.toml", 'model = "davidsen"\nextends = "b.toml"\n')
    write(tmp_path / "b.toml", 'model = "davidsen"\nextends = "a.toml"\n')
    with pytest.raises(ScenarioError, match="cycle"):
        Scenario.load(tmp_path / "a.toml")
    write(tmp_path / "c.toml", 'model = "davidsen"\nextends = "gone.toml"\n')
    with pytest.raises(ScenarioError, match="key 'extends'.*does not exist"):
        Scenario.load(tmp_path / "c.toml")


def test_scenario_error_is_a_value_error():
    assert issubclass(ScenarioError, ValueError)
    with pytest.raises(ValueError):
        Scenario.from_dict({"model": "davidsen", "davidsen": {"p": -1.0}}).validate()


def test_set_values_are_parsed_as_toml():
    s = Scenario.from_dict({"model": "davidsen"})
    assert s.with_settings(["simulation.steps=3"]).parameters["simulation.steps"] == 3
    with pytest.raises(ScenarioError, match="expected an integer"):
        s.with_settings(["simulation.steps=three"])
    with pytest.raises(ScenarioError, match="KEY=VALUE"):
        s.with_settings(["simulation.steps"])


def test_public_surface_is_small():
    assert set(socius.__all__) >= {"Scenario", "Simulation", "run", "open_results", "ScenarioError"}
    for name in socius.__all__:
        assert getattr(socius, name).__doc__ or name == "__version__"


def test_the_extension_stub_covers_the_extension():
    from pathlib import Path

    stub = (Path(socius.__file__).parent / "_core.pyi").read_text()
    for name in dir(socius._core):
        if not name.startswith("_") and name != "RESULTS_FORMAT":
            assert f"class {name}" in stub or f"def {name}(" in stub, f"{name} missing from _core.pyi"
    for method in ("step", "column", "set_parameters", "indicators", "edges"):
        assert f"def {method}(" in stub
    assert (Path(socius.__file__).parent / "py.typed").exists()
