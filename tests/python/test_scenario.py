import pytest

import socius
from socius import Scenario, ScenarioError
from socius._values import show

from conftest import SCENARIOS


def write(path, text):
    path.write_text(text)
    return path


def test_every_shipped_scenario_validates():
    # scenarios/sweeps/ holds sweep specs (test_sweep.py), scenarios/targets/ calibration targets,
    # scenarios/boroughs/ borough tables (test_borough.py), scenarios/calibration/ calibration
    # specs (test_calibrate.py) and scenarios/uncertainty.toml the appraisal's priors
    # (test_appraise.py): not scenarios.
    files = sorted(f for f in SCENARIOS.rglob("*.toml")
                   if not {"sweeps", "targets", "boroughs", "calibration"} & set(f.relative_to(SCENARIOS).parts) and f.name != "uncertainty.toml")
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


# -- issue 13, item 8: files as editors save them ---------------------------------------------------
PLAIN = 'model = "davidsen"\nname = "saved"\n[davidsen]\np = 0.25\n[simulation]\npopulation = 300\n'


@pytest.mark.parametrize("encode", [
    lambda t: b"\xef\xbb\xbf" + t.encode(),                             # UTF-8 with BOM (Notepad)
    lambda t: t.replace("\n", "\r\n").encode(),                        # CRLF (Windows)
    lambda t: b"\xef\xbb\xbf" + t.replace("\n", "\r\n").encode(),      # both (PowerShell 7)
    lambda t: t.replace("\n", "\r").encode(),                          # CR (classic Mac)
], ids=["bom", "crlf", "bom+crlf", "cr"])
def test_scenarios_saved_with_a_bom_or_crlf_load_like_plain_ones(tmp_path, encode):
    reference = Scenario.load(write(tmp_path / "plain.toml", PLAIN))
    saved = tmp_path / "saved.toml"
    saved.write_bytes(encode(PLAIN))
    s = Scenario.load(saved)
    assert s.name == "saved" and s.validate() == reference.validate()
    # ... also as the parent of another scenario
    child = write(tmp_path / "child.toml", 'extends = "saved.toml"\nname = "child"\n')
    assert Scenario.load(child).parameters["davidsen.p"] == 0.25


def test_other_encodings_are_named_with_what_to_do(tmp_path):
    utf16 = tmp_path / "utf16.toml"
    utf16.write_bytes(PLAIN.encode("utf-16"))  # with its BOM, as PowerShell 5's > writes
    with pytest.raises(ScenarioError) as e:
        Scenario.load(utf16)
    assert "utf16.toml: the file is saved as UTF-16" in str(e.value) and "save it as UTF-8" in str(e.value)
    latin = tmp_path / "latin.toml"
    latin.write_bytes('model = "davidsen"\ndescription = "café"\n'.encode("latin-1"))
    with pytest.raises(ScenarioError) as e:
        Scenario.load(latin)
    assert "latin.toml: line 2, column 19 (byte 37): byte 0xe9 is not UTF-8" in str(e.value)
    assert "save it as UTF-8" in str(e.value) and "codec" not in str(e.value)


def test_read_toml_serves_other_loaders_with_their_own_error():
    from socius.scenario import read_toml

    class SpecError(ValueError):
        pass

    with pytest.raises(SpecError, match="sweep spec file '.*nope.toml' does not exist"):
        read_toml("nope.toml", "sweep spec", SpecError)


# -- issue 13, item 3: a scenario's name becomes a file name ----------------------------------------
@pytest.mark.parametrize("name", ["../../escape", "a/b", "a\\b", "c:x", "", ".hidden", "trailing.",
                                  "tab\there", "x" * 101, 'quote"d'])
def test_names_that_are_not_one_file_name_are_refused(tmp_path, name):
    path = tmp_path / "bad.toml"
    path.write_text(f'model = "davidsen"\nname = {show(name)}\n')
    with pytest.raises(ScenarioError) as e:
        Scenario.load(path)
    assert f"bad.toml: key 'name' = {show(name)}: " in str(e.value)
    assert "allowed: 1 to 100 characters, no / \\ : * ? \" < > |" in str(e.value)
    with pytest.raises(ScenarioError, match="key 'name'"):
        Scenario.from_dict({"model": "davidsen", "name": name})
    with pytest.raises(ScenarioError, match="key 'name'"):
        Scenario("davidsen", name=name or ".")


def test_ordinary_names_are_kept():
    for name in ("baseline", "Early action (2m)", "half-updates", "café", "p=0.1, 5 years"):
        assert Scenario.from_dict({"model": "davidsen", "name": name}).name == name


# -- issue 13, items 6 and 11: NumPy values in, numbers as people read them out ---------------------
def test_numpy_scalars_and_0d_arrays_are_numbers():
    import numpy as np

    base = Scenario.from_dict({"model": "davidsen"})
    python = base.with_overrides({"simulation.population": 300, "davidsen.p": 0.1, "systems.update": False})
    for overrides in (
        {"simulation.population": np.int64(300), "davidsen.p": np.float64(0.1), "systems.update": np.bool_(False)},
        {"simulation.population": np.int32(300), "davidsen.p": np.float32(0.1), "systems.update": np.array(False)},
        {"simulation.population": np.array(300), "davidsen.p": np.array(0.1), "systems.update": False},
        {"simulation.population": np.uint16(300), "davidsen.p": np.array(0.1, dtype=np.float32),
         "systems.update": False},
    ):
        s = base.with_overrides(overrides)
        p = s.parameters
        assert p["simulation.population"] == 300 and type(p["simulation.population"]) is int
        assert p["davidsen.p"] == 0.1 and type(p["davidsen.p"]) is float  # float32 0.1 means 0.1
        assert s.hash() == python.hash() and s.to_toml() == python.to_toml()
    s = Scenario.from_dict({"model": "davidsen", "simulation": {"population": np.int64(300)},
                            "davidsen.p": np.float32(0.1)})
    assert s.hash() == python.with_overrides({"systems.update": True}).hash()
    assert Scenario("davidsen", [("davidsen.p", np.float64(0.1), "python")]).parameters["davidsen.p"] == 0.1


def test_messages_show_values_as_written_not_as_python_reprs(tmp_path):
    import numpy as np

    base = Scenario.from_dict({"model": "davidsen"})
    with pytest.raises(ScenarioError) as e:
        base.with_overrides({"davidsen.p": [np.float64(0.1), np.int64(2)]})
    assert "key 'davidsen.p' = [0.1, 2]: got an array" in str(e.value)
    path = write(tmp_path / "dated.toml", 'model = "davidsen"\n[davidsen]\np = 1979-05-27T07:32:00\n')
    with pytest.raises(ScenarioError) as e:
        Scenario.load(path).validate()
    assert "= 1979-05-27 07:32:00: got a datetime" in str(e.value)
    path = write(tmp_path / "top.toml", 'model = "davidsen"\npopulation = 0.1\n')
    with pytest.raises(ScenarioError) as e:
        Scenario.load(path)
    assert "key 'population' = 0.1: unknown top-level key" in str(e.value)


def test_a_key_set_twice_is_refused_naming_both():
    s = Scenario.from_dict({"model": "davidsen"})
    with pytest.raises(ScenarioError, match=r"key 'davidsen.p' is set twice: --set davidsen.p=0.1 and "
                                            r"--set davidsen.p=0.2; give it once"):
        s.with_settings(["davidsen.p=0.1", "davidsen.p=0.2"])
    with pytest.raises(ScenarioError, match="expected KEY=VALUE with no spaces around '='"):
        s.with_settings(["davidsen.p="])
