"""Property-based tests (hypothesis) of scenario overrides: any valid override, given as a Python
or a NumPy value, is applied exactly and survives a TOML round trip; any invalid one is refused
with a message naming the key.

Every test runs derandomized (examples drawn from a seed fixed by the test's name) and without
the example database, so CI and a laptop test the same examples on every run."""
import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import socius
from socius import Scenario, ScenarioError

MODEL = "davidsen"
SCHEMA = {p["key"]: p for p in socius._core.schema(MODEL)}
# simulation.population is bounded by memory as well as by its range, and the model needs at
# least 2 people (it refuses fewer itself): valid values stay in [2, 100000].
VALID = dict(SCHEMA, **{"simulation.population": dict(SCHEMA["simulation.population"], min=2, max=100_000)})
BASE = Scenario.from_dict({"model": MODEL})
REPRODUCIBLE = dict(derandomize=True, database=None, deadline=None)


def valid_value(spec):
    """A valid value as a scientist may pass it: a Python number, or a NumPy scalar or 0-d array."""
    if spec["type"] == "boolean":
        return st.booleans() | st.booleans().map(np.bool_)
    if spec["type"] == "integer":
        ints = st.integers(int(spec["min"]), int(min(spec["max"], 2**62)))
        return ints | ints.map(np.int64) | ints.map(np.array)
    if spec["type"] == "real":
        floats = st.floats(spec["min"], spec["max"], allow_nan=False, allow_infinity=False)
        return floats | floats.map(np.float64) | floats.map(np.array)
    return st.sampled_from(spec["choices"]) | st.sampled_from(spec["choices"]).map(np.str_)


valid_overrides = st.dictionaries(st.sampled_from(sorted(SCHEMA)), st.none(), min_size=1, max_size=6).flatmap(
    lambda d: st.fixed_dictionaries({k: valid_value(VALID[k]) for k in d}))


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], **REPRODUCIBLE)
@given(valid_overrides)
def test_valid_overrides_apply_exactly_and_round_trip(overrides):
    s = BASE.with_overrides(overrides)
    params = s.parameters
    for key, value in overrides.items():
        plain = value.item() if isinstance(value, (np.generic, np.ndarray)) else value
        assert params[key] == plain
        assert type(params[key]) is (float if SCHEMA[key]["type"] == "real" else type(plain))
    again = Scenario.from_toml(s.to_toml())
    assert again.parameters == params
    assert again.hash() == s.hash()


def invalid_value(spec):
    wrong_type = st.one_of(st.text(max_size=5), st.booleans()) if spec["type"] in ("integer", "real") \
        else st.one_of(st.integers(), st.floats(allow_nan=False))
    if spec["type"] in ("integer", "real") and spec["max"] < 1e15:
        too_big = st.integers(int(spec["max"]) + 1, int(spec["max"]) + 10**6)
        too_small = st.integers(int(spec["min"]) - 10**6, math.ceil(spec["min"]) - 1)
        return st.one_of(wrong_type, too_big, too_small, too_big.map(np.int64))
    return wrong_type


@settings(max_examples=150, **REPRODUCIBLE)
@given(st.sampled_from(sorted(SCHEMA)).flatmap(lambda k: st.tuples(st.just(k), invalid_value(SCHEMA[k]))))
def test_invalid_values_are_refused_naming_the_key(item):
    key, value = item
    try:
        BASE.with_overrides({key: value})
    except ScenarioError as e:
        assert f"'{key}'" in str(e)
        assert "np." not in str(e)  # values shown as people read them, not as NumPy reprs
    else:
        raise AssertionError(f"{key} = {value!r} was accepted")


@settings(max_examples=100, **REPRODUCIBLE)
@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyz._", min_size=1, max_size=30))
def test_unknown_keys_are_refused(key):
    if key in SCHEMA:
        return
    try:
        BASE.with_overrides({key: 1.0})
    except ScenarioError as e:
        assert "unknown key" in str(e) or "expected" in str(e)
    else:
        raise AssertionError(f"unknown key {key!r} was accepted")


def test_every_property_test_is_reproducible():
    """Hypothesis draws new examples on every run unless told otherwise: a failure in CI could
    then not be repeated. Each property test here must be derandomized and skip the database."""
    tests = [f for name, f in globals().items() if name.startswith("test_") and hasattr(f, "hypothesis")]
    assert len(tests) == 3
    for f in tests:
        used = f._hypothesis_internal_use_settings
        assert used.derandomize and used.database is None, f.__name__
