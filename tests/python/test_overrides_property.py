"""Property-based tests (hypothesis) of scenario overrides: any valid override is applied exactly
and survives a TOML round trip; any invalid one is refused with a message naming the key."""
import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import socius
from socius import Scenario, ScenarioError

MODEL = "davidsen"
SCHEMA = {p["key"]: p for p in socius._core.schema(MODEL)}
# simulation.population is bounded by memory as well as by its range: valid values stay modest.
VALID = dict(SCHEMA, **{"simulation.population": dict(SCHEMA["simulation.population"], max=100_000)})
BASE = Scenario.from_dict({"model": MODEL})


def valid_value(spec):
    if spec["type"] == "boolean":
        return st.booleans()
    if spec["type"] == "integer":
        return st.integers(int(spec["min"]), int(min(spec["max"], 2**62)))
    if spec["type"] == "real":
        return st.floats(spec["min"], spec["max"], allow_nan=False, allow_infinity=False)
    return st.sampled_from(spec["choices"])


valid_overrides = st.dictionaries(st.sampled_from(sorted(SCHEMA)), st.none(), min_size=1, max_size=6).flatmap(
    lambda d: st.fixed_dictionaries({k: valid_value(VALID[k]) for k in d}))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_overrides)
def test_valid_overrides_apply_exactly_and_round_trip(overrides):
    s = BASE.with_overrides(overrides)
    params = s.parameters
    for key, value in overrides.items():
        assert params[key] == value
        assert type(params[key]) is (float if SCHEMA[key]["type"] == "real" else type(value))
    again = Scenario.from_toml(s.to_toml())
    assert again.parameters == params
    assert again.hash() == s.hash()


def invalid_value(spec):
    wrong_type = st.one_of(st.text(max_size=5), st.booleans()) if spec["type"] in ("integer", "real") \
        else st.one_of(st.integers(), st.floats(allow_nan=False))
    if spec["type"] in ("integer", "real") and spec["max"] < 1e15:
        too_big = st.integers(int(spec["max"]) + 1, int(spec["max"]) + 10**6)
        too_small = st.integers(int(spec["min"]) - 10**6, math.ceil(spec["min"]) - 1)
        return st.one_of(wrong_type, too_big, too_small)
    return wrong_type


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(sorted(SCHEMA)).flatmap(lambda k: st.tuples(st.just(k), invalid_value(SCHEMA[k]))))
def test_invalid_values_are_refused_naming_the_key(item):
    key, value = item
    try:
        BASE.with_overrides({key: value})
    except ScenarioError as e:
        assert f"'{key}'" in str(e)
    else:
        raise AssertionError(f"{key} = {value!r} was accepted")


@settings(max_examples=100, deadline=None)
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
