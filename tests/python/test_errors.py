"""Errors in one hierarchy (issue 14 item 7): every socius exception is a socius.Error, and those
where the user's input is at fault are ValueErrors too, so either ``except`` catches them."""

import pickle

import pytest

import socius
import socius.sweeps

from conftest import SCENARIOS

# Where the input is at fault, and where it is not (a file that cannot be written, a bug, a run
# that died).
INPUT_ERRORS = {socius.ScenarioError, socius.CheckpointError, socius.StateError, socius.ResultsError,
                socius.sweeps.SweepSpecError}
OTHER_ERRORS = {socius.OutputError, socius.InvariantError, socius.RunError, socius.sweeps.SweepRunError}


def test_every_public_exception_derives_from_socius_error():
    public = {getattr(socius, n) for n in socius.__all__} | {getattr(socius.sweeps, n) for n in socius.sweeps.__all__}
    exceptions = {x for x in public if isinstance(x, type) and issubclass(x, BaseException)}
    assert exceptions == INPUT_ERRORS | OTHER_ERRORS | {socius.Error}
    for error in exceptions:
        assert issubclass(error, socius.Error), error
    for error in INPUT_ERRORS:
        assert issubclass(error, ValueError), error
    for error in OTHER_ERRORS:
        assert not issubclass(error, ValueError), error
    # ResultsError is a type of its own now, not another name for OutputError.
    assert socius.ResultsError is not socius.OutputError and issubclass(socius.ResultsError, socius.OutputError)


def bad_scenario():
    socius.Scenario.from_dict({"model": "davidsen", "davidsen": {"p": 2.0}}).validate()


def test_a_bad_scenario_is_caught_as_socius_error_and_as_value_error():
    for catch in (socius.Error, ValueError, socius.ScenarioError):
        try:
            bad_scenario()
        except catch as e:
            assert type(e) is socius.ScenarioError and "'davidsen.p' = 2" in str(e)
        else:
            pytest.fail("no error")


def test_a_bad_checkpoint_is_caught_as_socius_error_and_as_value_error(tmp_path):
    junk = tmp_path / "junk.ckpt"
    junk.write_bytes(b"SOCIUSCK" + b"\0" * 40)
    for catch in (socius.Error, ValueError):
        with pytest.raises(catch) as e:
            socius.resume(junk, progress=False)
        assert isinstance(e.value, socius.CheckpointError)


def test_a_file_of_the_wrong_kind_is_caught_as_socius_error_and_as_value_error():
    for catch in (socius.Error, ValueError, socius.OutputError):
        with pytest.raises(catch) as e:
            socius.open_results(SCENARIOS / "baseline.toml")
        assert type(e.value) is socius.ResultsError and "is a scenario (TOML)" in str(e.value)


def test_errors_cross_process_boundaries_unchanged():
    """Workers of compare and sweep send errors back pickled: the class must survive."""
    for error in INPUT_ERRORS | OTHER_ERRORS:
        again = pickle.loads(pickle.dumps(error("message")))
        assert type(again) is error and str(again) == "message"
