"""
socius private extension module; use the public API in the socius package.
"""
from __future__ import annotations
import collections.abc
import numpy
import numpy.typing
import typing
__all__: list[str] = ['Checkpoint', 'CheckpointError', 'Error', 'InvariantError', 'OutputError', 'RESULTS_FORMAT', 'ResultsWriter', 'ScenarioError', 'Simulation', 'assign_arms', 'derive_seed', 'models', 'network_statistics', 'philox4x32_10', 'resolve', 'save_checkpoint', 'schema']
class Error(RuntimeError):
    """
    Base of every error socius raises on purpose.
    """
class ScenarioError(Error, ValueError):
    """
    A scenario or parameter is invalid; the message names the file, key, value and what is allowed.
    """
class OutputError(Error):
    """
    A results file cannot be written or read (missing, not socius output, disk full).
    """
class InvariantError(Error):
    """
    An internal invariant was broken: a bug in socius or in a model; please report it.
    """
class Simulation:
    def __init__(self, model: str, entries: list, seed: typing.SupportsInt | typing.SupportsIndex | None = None, threads: typing.SupportsInt | typing.SupportsIndex = 0, borough: dict | None = None) -> None:
        ...
    def agent_ids(self) -> numpy.typing.NDArray[numpy.uint64]:
        """
        Every slot's agent id (a copy, uint64): a slot renewed for a newcomer (Population::renew) gets a fresh id.
        """
    def burn_in(self) -> int:
        """
        Runs the rest of the burn-in, stopping before policy time 0 starts; returns the steps done.
        """
    def check_ties(self) -> str:
        """
        Empty string if the tie-graph invariants hold, else the first violation.
        """
    def state(self) -> bytes:
        """
        The complete state as checkpoint bytes (in memory; no snapshots).
        """
    @property
    def started(self) -> bool:
        ...
    def column(self, name: str, writable: bool = False) -> numpy.ndarray:
        """
        A NumPy view of an agent column (no copy).
        """
    def column_names(self) -> list[str]:
        ...
    def distributions(self) -> list:
        """
        Recorded distributions (copies), in the model's order: a list of dicts with name, dimension, bin_lower (lower bin edges; the last bin is open-ended), description, units, bin_units, time, values[time, bin]. Empty for models without distributions.
        """
    def edges(self) -> dict:
        """
        Every tie once (source < target) as arrays: source, target, weight, type.
        """
    def indicators(self) -> dict:
        """
        Recorded indicators (copies): time, values[time, group, indicator], groups, and per indicator its name, description, label, category, units and better (1 higher is better, -1 lower, 0 neither).
        """
    def memory_bytes(self) -> int:
        ...
    def network_statistics(self, path_sources: typing.SupportsInt | typing.SupportsIndex = 32) -> dict:
        """
        Network statistics of the current tie graph: summary values, degree histogram, clustering, overlap, components.
        """
    def parameters(self) -> dict:
        ...
    def request_stop(self) -> None:
        """
        Asks a running step() to return after the current step (safe from any thread).
        """
    def set_parameters(self, entries: list) -> None:
        """
        Changes model parameters between steps; raises ScenarioError.
        """
    def step(self, n: typing.SupportsInt | typing.SupportsIndex) -> int:
        """
        Runs up to n steps with the GIL released; returns the steps done.
        """
    @property
    def model(self) -> str:
        ...
    @property
    def population(self) -> int:
        ...
    @property
    def seed(self) -> int:
        ...
    @property
    def steps_done(self) -> int:
        ...
    @property
    def steps_total(self) -> int:
        ...
    @property
    def threads(self) -> int:
        ...
    @property
    def tie_count(self) -> int:
        ...
    @property
    def time(self) -> int:
        ...
    @property
    def wall_seconds(self) -> float:
        ...
class CheckpointError(Error, ValueError):
    """
    A checkpoint cannot be used: corrupt, truncated, or from another version.
    """
class Checkpoint:
    def __init__(self, path: str) -> None:
        """
        Reads and verifies a checkpoint file.
        """
    def extra(self, arg0: str) -> str:
        ...
    def load_snapshots_into(self, arg0: ...) -> None:
        ...
    def restore(self, threads: typing.SupportsInt | typing.SupportsIndex = 0, borough: dict | None = None) -> Simulation:
        """
        Rebuilds the simulation saved in the checkpoint.
        """
    @property
    def model(self) -> str:
        ...
class ResultsWriter:
    def __init__(self, path: str) -> None:
        ...
    def attach(self, simulation: Simulation) -> None:
        """
        Streams the simulation's tie-graph snapshots into this file.
        """
    @typing.overload
    def attribute(self, arg0: str, arg1: str) -> None:
        ...
    @typing.overload
    def attribute(self, arg0: str, arg1: typing.SupportsInt | typing.SupportsIndex) -> None:
        ...
    @typing.overload
    def attribute(self, arg0: str, arg1: typing.SupportsFloat | typing.SupportsIndex) -> None:
        ...
    def commit(self, simulation: Simulation) -> None:
        ...
    def discard(self) -> None:
        ...
    @property
    def path(self) -> str:
        ...
    @property
    def temp_path(self) -> str:
        ...
def assign_arms(eligible: typing.Annotated[numpy.typing.ArrayLike, numpy.uint8], p_offered: typing.SupportsFloat, seed: typing.SupportsInt | typing.SupportsIndex) -> numpy.typing.NDArray[numpy.uint8]:
    """
    Random assignment by agent (socius/assignment.hpp): uint8 arms, 1 offered with probability p_offered, 2 control, 0 where eligible is 0; agent a's draw depends only on (seed, a).
    """
def derive_seed(parent: typing.SupportsInt | typing.SupportsIndex, index: typing.SupportsInt | typing.SupportsIndex) -> int:
    """
    An independent 64-bit seed derived from a parent seed and an index.
    """
def models() -> list:
    """
    Built-in models: a list of dicts with name, summary and systems.
    """
def network_statistics(n: typing.SupportsInt | typing.SupportsIndex, source: collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex], target: collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex], weight: collections.abc.Sequence[typing.SupportsFloat | typing.SupportsIndex] | None = None, path_sources: typing.SupportsInt | typing.SupportsIndex = 0, seed: typing.SupportsInt | typing.SupportsIndex = 0) -> dict:
    """
    Network statistics (socius/netstats.hpp) of the graph on n agents with the given ties (duplicates merged).
    """
def philox4x32_10(counter: typing.Annotated[collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex], "FixedSize(4)"], key: typing.Annotated[collections.abc.Sequence[typing.SupportsInt | typing.SupportsIndex], "FixedSize(2)"]) -> typing.Annotated[list[int], "FixedSize(4)"]:
    """
    The Philox4x32-10 block function (for tests).
    """
def resolve(model: str, entries: list) -> dict:
    """
    Validates (key, value, origin) entries and returns every parameter's value; raises ScenarioError.
    """
def restore_state(state: bytes, entries: list | None = None, threads: typing.SupportsInt | typing.SupportsIndex = 0) -> Simulation:
    """
    Rebuilds a simulation from Simulation.state() bytes; with entries (complete scenario entries), a state saved at the end of burn-in continues under them (only policy keys may differ).
    """
def save_checkpoint(path: str, simulation: Simulation, writer: ..., extras: collections.abc.Mapping[str, str]) -> None:
    """
    Saves the complete state (and the writer's snapshots) to `path` atomically.
    """
def schema(model: str) -> list:
    """
    Every parameter of a model (simulation keys, system switches, model keys).
    """
RESULTS_FORMAT: str = 'socius-results-1'
__version__: str = '0.1.0'
