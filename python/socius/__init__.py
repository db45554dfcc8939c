"""socius: agent-based community simulation.

Simulate a population whose ties form and decay week by week, and compare policy options with
honest uncertainty. The C++ engine does the work; this package is its public face::

    import socius
    scenario = socius.Scenario.load("scenarios/baseline.toml")
    sim = socius.Simulation(scenario, seed=1).run()
    socius.run(scenario, "out.h5", seed=1)            # the same run, written to HDF5
    ds = socius.open_results("out.h5")                # an xarray.Dataset
    socius.sweep("scenarios/sweeps/davidsen_grid.toml", out="sweeps/grid")   # many runs, resumable
    socius.compare(["baseline.toml", "early_action.toml"], replicates=5, seed=1,
                   output="comparison.h5")            # paired replicates, one file
    socius.appraise(["baseline.toml", "early_action.toml"], draws=32, replicates=1, seed=1,
                    uncertainty="scenarios/uncertainty.toml", out="appraisal")   # PSA, resumable
    socius.appraise.load("appraisal")                 # the Appraisal a report renders
    socius.report("comparison.h5", "report/")         # report/index.html, self-contained
    socius.trial("scenarios/befriending.toml", replicates=5, seed=1)   # a virtual randomised trial
    socius.calibrate("scenarios/calibration/baseline.toml", out="calibration")   # history matching
"""

from ._core import CheckpointError, Error, InvariantError, OutputError, __version__
from ._core import models as _models
from . import appraise
from . import calibrate
from .compare import compare
from .report import report
from .files import ResultsError
from .results import open_results
from .scenario import Scenario, ScenarioError
from .simulation import Simulation, StateError, resume, run
from .sweeps import RunError, SweepSpec, open_sweep, sensitivity, sweep
from .trial import open_trial, trial

__all__ = [
    "CheckpointError",
    "Error",
    "InvariantError",
    "OutputError",
    "ResultsError",
    "RunError",
    "Scenario",
    "ScenarioError",
    "Simulation",
    "StateError",
    "SweepSpec",
    "__version__",
    "appraise",
    "calibrate",
    "compare",
    "models",
    "open_results",
    "open_sweep",
    "open_trial",
    "report",
    "resume",
    "run",
    "sensitivity",
    "sweep",
    "trial",
]


def models() -> list[dict]:
    """The built-in models: name, summary and the systems of a step."""
    return list(_models())
