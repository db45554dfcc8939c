"""Running a scenario: the Simulation object and ``run``, which writes a results file."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
import time as _time
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np

from . import _core
from .scenario import Scenario

__all__ = ["Simulation", "run", "resume"]


def _git_revision() -> str:
    """The revision of the source checkout the package runs from, if it is one."""
    here = Path(__file__).resolve().parent
    try:
        rev = subprocess.run(["git", "-C", str(here), "rev-parse", "HEAD"], capture_output=True,
                             text=True, timeout=5, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(here), "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=5, check=True).stdout.strip()
        return rev + ("-dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown (not run from a git checkout)"


class Simulation:
    """A running simulation of a scenario.

    Parameters
    ----------
    scenario : Scenario or str or path
        The scenario, or a TOML file to load.
    seed : int, optional
        64-bit seed. Without one a seed is drawn from the operating system; read it back from
        :attr:`seed` (it is always written to results).
    threads : int, optional
        Worker threads (default: every core). Results do not depend on it.

    Raises
    ------
    ScenarioError
        If the scenario is invalid.
    """

    def __init__(self, scenario: Scenario | str | os.PathLike, seed: int | None = None,
                 threads: int | None = None):
        if not isinstance(scenario, Scenario):
            scenario = Scenario.load(scenario)
        if seed is not None and (not isinstance(seed, (int, np.integer)) or isinstance(seed, bool)):
            raise TypeError(f"seed must be an int or None, got {type(seed).__name__}")
        if seed is not None and not 0 <= int(seed) < 2**64:
            raise ValueError(f"seed must be in [0, 2**64), got {seed}")
        if threads is not None and (not isinstance(threads, int) or isinstance(threads, bool)):
            raise TypeError(f"threads must be an int or None, got {type(threads).__name__}")
        if threads is not None and threads < 1:
            raise ValueError(f"threads must be at least 1, got {threads}")
        scenario.validate()
        self.scenario = scenario
        self._sim = _core.Simulation(scenario.model, list(scenario.entries),
                                     None if seed is None else int(seed), threads or 0)
        self._hooks: list[tuple[int, Callable, int]] = []

    @classmethod
    def _restored(cls, scenario: Scenario, core) -> "Simulation":
        self = cls.__new__(cls)
        self.scenario = scenario
        self._sim = core
        self._hooks = []
        return self

    # -- state -----------------------------------------------------------------------------
    @property
    def seed(self) -> int:
        """The seed in use (chosen automatically when none was given)."""
        return self._sim.seed

    @property
    def threads(self) -> int:
        return self._sim.threads

    @property
    def time(self) -> int:
        """Policy time in steps: negative during burn-in, 0 when burn-in ends."""
        return self._sim.time

    @property
    def steps_done(self) -> int:
        """Steps run so far, burn-in included."""
        return self._sim.steps_done

    @property
    def steps_total(self) -> int:
        """Burn-in plus horizon."""
        return self._sim.steps_total

    @property
    def finished(self) -> bool:
        return self._sim.steps_done >= self._sim.steps_total

    @property
    def population(self) -> int:
        return self._sim.population

    @property
    def tie_count(self) -> int:
        return self._sim.tie_count

    @property
    def parameters(self) -> dict[str, Any]:
        """Every parameter's current value (defaults filled in)."""
        return dict(self._sim.parameters())

    def set_parameters(self, values: Mapping[str, Any]) -> None:
        """Changes model parameters between steps, e.g. from a hook.

        Parameters
        ----------
        values : mapping of str to value
            Dotted keys and new values, validated like a scenario's. ``simulation.*`` and
            ``systems.*`` keys are fixed once a simulation is built.

        Raises
        ------
        ScenarioError
            If a key or value is invalid, or the model cannot change parameters mid-run; nothing
            changes then.
        """
        if not isinstance(values, Mapping):
            raise TypeError(f"values must be a mapping of key to value, got {type(values).__name__}")
        self._sim.set_parameters([(str(k), v, "set_parameters") for k, v in values.items()])

    def column(self, name: str, writable: bool = False) -> np.ndarray:
        """A NumPy view (no copy) of an agent column, e.g. ``"loneliness"``.

        The view shows the simulation's current values as it runs and stays valid for the life of
        the simulation (the number of agent slots is fixed after setup). With ``writable=True``
        the array can be changed in place, e.g. by a hook; do not write while the simulation is
        running in another thread.

        Raises
        ------
        KeyError
            If there is no such column (the message lists the columns).
        """
        if not isinstance(name, str):
            raise TypeError(f"name must be a str, got {type(name).__name__}")
        return self._sim.column(name, bool(writable))

    @property
    def columns(self) -> list[str]:
        """Names of the agent columns."""
        return list(self._sim.column_names())

    def ties(self) -> dict[str, np.ndarray]:
        """Every tie once as arrays ``source``, ``target`` (source < target), ``weight``, ``type``."""
        return dict(self._sim.edges())

    def network_statistics(self, path_sources: int = 32) -> dict[str, Any]:
        """Every network statistic of the current tie graph (``socius/netstats.hpp``), in parallel.

        Summary values (``mean_degree``, ``average_clustering``, ``transitivity``,
        ``assortativity``, ``mean_overlap``, ``overlap_weight_spearman`` and
        ``overlap_weight_pearson``, ``mean_path_length`` estimated from ``path_sources``
        breadth-first searches, ...) and per-agent or per-tie arrays (``degree_histogram``,
        ``local_clustering``, ``triangles``, ``weights``, ``overlap``, ``component_sizes``,
        ``component_label``), plus ``overlap_by_weight``: the mean weight, mean overlap and count
        of ties in 10 slices of equal count by weight. The path sample is keyed on the seed and
        the steps done, so the same state gives the same values.
        """
        if (not isinstance(path_sources, (int, np.integer)) or isinstance(path_sources, bool)
                or not 0 <= int(path_sources) < 2**32):
            raise ValueError(f"path_sources must be an int in [0, 2**32), got {path_sources!r}")
        return dict(self._sim.network_statistics(int(path_sources)))

    def to_networkx(self):
        """The tie graph as a ``networkx.Graph`` with ``weight`` and ``type`` edge attributes.

        Every agent slot is a node (isolated agents included). Needs the networkx package.
        """
        import networkx as nx

        t = self.ties()
        g = nx.Graph()
        g.add_nodes_from(range(self.population))
        g.add_edges_from((int(u), int(v), {"weight": float(w), "type": int(k)})
                         for u, v, w, k in zip(t["source"], t["target"], t["weight"], t["type"]))
        return g

    def to_igraph(self):
        """The tie graph as an undirected ``igraph.Graph`` with ``weight`` and ``type`` edge
        attributes. Needs the python-igraph package."""
        import igraph as ig

        t = self.ties()
        g = ig.Graph(n=self.population, edges=np.column_stack([t["source"], t["target"]]).tolist())
        g.es["weight"] = t["weight"].astype(float).tolist()
        g.es["type"] = t["type"].astype(int).tolist()
        return g

    def indicators(self) -> dict[str, Any]:
        """The recorded indicators as arrays: ``time``, ``values[time, group, indicator]``, names."""
        return dict(self._sim.indicators())

    def distributions(self) -> list[dict[str, Any]]:
        """The recorded distributions (e.g. ``degree_distribution`` of the classic models), one
        dict each: ``name``, ``dimension``, ``bin_lower`` (lower bin edges; the last bin is
        open-ended), ``description``, ``units``, ``bin_units``, ``time``, ``values[time, bin]``.
        Empty for models that record none."""
        return [dict(d) for d in self._sim.distributions()]

    @property
    def results(self):
        """What was recorded so far as an ``xarray.Dataset``, shaped like a results file:
        ``indicators(time, group, indicator)``, each distribution the model records as
        ``<name>(time, <dimension>)`` with the bins' lower edges as coordinate, and the seed and
        scenario in ``attrs``."""
        import xarray as xr

        r = self._sim.indicators()
        ds = xr.Dataset(
            {"indicators": (("time", "group", "indicator"), r["values"]),
             "indicator_description": (("indicator",), np.array(r["descriptions"], dtype=object))},
            coords={"time": r["time"], "group": list(r["groups"]), "indicator": list(r["indicators"])},
        )
        ds["time"].attrs.update(units="steps", long_name="policy time: steps after burn-in (1 step = 1 week)")
        for d in self._sim.distributions():
            dim, edges = d["dimension"], np.asarray(d["bin_lower"])
            if dim not in ds.coords:
                # As in the file: whole-number edges (degrees) are integers.
                whole = bool(np.all(edges == np.floor(edges)) and np.all(np.abs(edges) < 9e15))
                ds.coords[dim] = (dim, edges.astype(np.int64) if whole else edges, {
                    "long_name": f"lower edge of each bin: bin k holds [{dim}[k], {dim}[k+1]); "
                                 "the last bin is open-ended",
                    "units": d["bin_units"]})
            ds[d["name"]] = (("time", dim), d["values"], {"long_name": d["description"], "units": d["units"]})
        ds.attrs.update(model=self.scenario.model, scenario_name=self.scenario.name,
                        scenario=self.scenario.to_toml(), seed=str(self.seed), threads=self.threads)
        return ds

    def to_dataframe(self):
        """The recorded indicators as a tidy ``pandas.DataFrame``: time, group, indicator, value."""
        return (self.results["indicators"].to_dataframe(name="value").reset_index()
                [["time", "group", "indicator", "value"]])

    # -- hooks -----------------------------------------------------------------------------------
    def every(self, k: int, fn: Callable[["Simulation"], Any] | None = None, start: int = 0):
        """Calls ``fn(sim)`` after each step that ends at policy time ``start``, ``start + k``, ...

        A hook can read and write agent columns (``sim.column(name, writable=True)``) and change
        parameters (``sim.set_parameters``): a custom intervention without writing C++. It runs
        after that step's indicators were recorded, so its effect shows from the next step on.
        Cost: the run returns to Python at each hook time (microseconds), plus whatever ``fn``
        does; vectorised NumPy over a million agents takes a few milliseconds. If ``fn`` raises,
        the run stops and the exception propagates; the simulation stays usable.

        Without ``fn`` it returns a decorator::

            @sim.every(52)
            def yearly(sim): ...
        """
        if not isinstance(k, (int, np.integer)) or isinstance(k, bool) or k < 1:
            raise ValueError(f"k must be a positive int, got {k!r}")
        if fn is None:
            return lambda f: self.every(k, f, start)
        if not callable(fn):
            raise TypeError(f"fn must be callable, got {type(fn).__name__}")
        if not isinstance(start, (int, np.integer)) or isinstance(start, bool):
            raise TypeError(f"start must be an int, got {type(start).__name__}")
        self._hooks.append((int(k), fn, int(start)))
        return fn

    def _steps_to_next_hook(self) -> int | None:
        t = self._sim.time
        best = None
        for k, _, start in self._hooks:
            target = start if t < start else start + ((t - start) // k + 1) * k
            best = target - t if best is None else min(best, target - t)
        return best

    def _run_hooks(self) -> None:
        t = self._sim.time
        for k, fn, start in list(self._hooks):
            if t >= start and (t - start) % k == 0:
                fn(self)

    def _advance(self, n: int, bar) -> int:
        """Runs n steps in chunks of about 0.25 s, stopping at hook times to call hooks."""
        done_total = 0
        chunk = 1
        if n == 0:
            self._sim.step(0)  # records time 0 when burn-in has just ended (a 0-step horizon)
        while done_total < n:
            limit = min(chunk, n - done_total)
            to_hook = self._steps_to_next_hook()
            if to_hook is not None:
                limit = min(limit, to_hook)
            t0 = _time.perf_counter()
            done = self._sim.step(limit)
            if done == 0:
                break
            done_total += done
            bar.update(done)
            if to_hook is not None and done == to_hook:
                self._run_hooks()
            elapsed = _time.perf_counter() - t0
            # Aim for chunks of about 0.25 s: responsive to Ctrl-C, negligible overhead.
            chunk = max(1, min(chunk * 4, int(chunk * 0.25 / max(elapsed, 1e-6)) or 1))
        return done_total

    # -- running -----------------------------------------------------------------------------
    def step(self, n: int = 1) -> int:
        """Runs ``n`` steps (fewer if the horizon is reached), calling hooks on schedule.

        Returns
        -------
        int
            The number of steps run.
        """
        if not isinstance(n, (int, np.integer)) or isinstance(n, bool):
            raise TypeError(f"n must be an int, got {type(n).__name__}")
        if n < 0:
            raise ValueError(f"n must be >= 0, got {n}")
        return self._advance(int(n), _NoProgress())

    def run(self, steps: int | None = None, progress: bool = True) -> "Simulation":
        """Runs ``steps`` steps, or to the horizon, with a progress bar on stderr.

        The C++ work runs with the GIL released, in chunks of about a quarter of a second, so
        other Python threads keep running and Ctrl-C stops the run between steps (raising
        KeyboardInterrupt) and leaves the simulation usable: call ``run()`` again to go on.

        Returns
        -------
        Simulation
            ``self``, so that ``Simulation(s).run().results`` reads naturally.
        """
        if steps is not None and (not isinstance(steps, (int, np.integer)) or isinstance(steps, bool)):
            raise TypeError(f"steps must be an int or None, got {type(steps).__name__}")
        remaining = self.steps_total - self.steps_done if steps is None else int(steps)
        if remaining < 0:
            raise ValueError(f"steps must be >= 0, got {steps}")
        bar = _progress(total=min(remaining, self.steps_total - self.steps_done), enabled=progress,
                        label=self.scenario.name)
        try:
            self._advance(remaining, bar)
        finally:
            bar.close()
        return self

    def __repr__(self) -> str:
        return (f"<socius.Simulation {self.scenario.name!r} ({self.scenario.model}): "
                f"{self.population} agents, step {self.steps_done}/{self.steps_total}, seed {self.seed}>")


class _NoProgress:
    def update(self, n: int) -> None:
        pass

    def close(self) -> None:
        pass


def _progress(total: int, enabled: bool, label: str):
    if not enabled or total <= 0:
        return _NoProgress()
    from tqdm import tqdm

    return tqdm(total=total, desc=label, unit="step", file=sys.stderr, dynamic_ncols=True,
                mininterval=0.5, smoothing=0.1)


def run(scenario: Scenario | str | os.PathLike, output: str | os.PathLike, *, seed: int | None = None,
        threads: int | None = None, progress: bool = True, command: str | None = None,
        checkpoint_every: int | None = None, checkpoint: str | os.PathLike | None = None) -> Path:
    """Runs a scenario to its horizon and writes the results file ``output``.

    The file is written under a temporary name and renamed only when complete: after an error or
    Ctrl-C there is no file at ``output`` and the temporary file is removed.

    Parameters
    ----------
    scenario : Scenario or path
    output : path
        The results file (HDF5).
    seed, threads : int, optional
        As for :class:`Simulation`.
    progress : bool
        Show a progress bar on stderr.
    command : str, optional
        Recorded in the file (default: this process's command line).
    checkpoint_every : int, optional
        Save the complete state every this many steps (burn-in included) to ``checkpoint``
        (default ``OUTPUT.ckpt``), atomically. If the run is killed, :func:`resume` continues it
        and writes the same results. The checkpoint is deleted when the run completes.

    Returns
    -------
    pathlib.Path
        The results file.
    """
    sim = Simulation(scenario, seed=seed, threads=threads)
    return run_to_file(sim, output, progress=progress, command=command,
                       checkpoint_every=checkpoint_every, checkpoint=checkpoint)


def run_to_file(sim: Simulation, output: str | os.PathLike, *, progress: bool = True,
                command: str | None = None, attributes: Mapping[str, Any] | None = None,
                checkpoint_every: int | None = None, checkpoint: str | os.PathLike | None = None) -> Path:
    """Runs a built simulation to its horizon and writes ``output`` atomically (see :func:`run`).

    ``attributes`` are extra root attributes (str, int or float), e.g. a sweep's run labels.
    Internal: sweeps use it to add hooks or attributes to the one way results are written.
    """
    output = Path(output)
    ckpt = None
    if checkpoint_every is not None:
        if not isinstance(checkpoint_every, int) or isinstance(checkpoint_every, bool) or checkpoint_every < 1:
            raise ValueError(f"checkpoint_every must be a positive int, got {checkpoint_every!r}")
        ckpt = Path(checkpoint) if checkpoint else output.with_name(output.name + ".ckpt")
    writer = _core.ResultsWriter(str(output))
    extras = {"output": str(output.resolve()), "scenario": sim.scenario.to_toml(),
              "scenario_source": sim.scenario.source or "",
              "command": command or " ".join(shlex.quote(a) for a in sys.argv),
              "checkpoint_every": str(checkpoint_every or 0)}
    return _run_to_file(sim, writer, output, ckpt, checkpoint_every, extras, progress, attributes)


def resume(checkpoint: str | os.PathLike, *, threads: int | None = None, progress: bool = True) -> Path:
    """Continues a run from a checkpoint written by ``run(..., checkpoint_every=K)``.

    The resumed run writes the same results (every dataset bit-identical) as an uninterrupted
    run with the same seed, to the output path recorded in the checkpoint, and keeps
    checkpointing at the same interval. Python hooks registered with ``Simulation.every`` are not
    part of a checkpoint.

    Raises
    ------
    CheckpointError
        If the file is not a socius checkpoint, is corrupt or truncated, or was written by
        another version.
    """
    ckpt = Path(checkpoint)
    if not ckpt.is_file():
        raise _core.CheckpointError(f"checkpoint '{ckpt}' does not exist")
    state = _core.Checkpoint(str(ckpt))
    extras = {k: state.extra(k) for k in ("output", "scenario", "scenario_source", "command", "checkpoint_every")}
    scenario = Scenario.from_toml(extras["scenario"], origin=f"{ckpt} (scenario)")
    scenario.source = extras["scenario_source"] or None
    if threads is not None and (not isinstance(threads, int) or threads < 1):
        raise ValueError(f"threads must be a positive int, got {threads!r}")
    sim = Simulation._restored(scenario, state.restore(threads or 0))
    output = Path(extras["output"])
    writer = _core.ResultsWriter(str(output))
    try:
        state.load_snapshots_into(writer)
    except BaseException:
        writer.discard()
        raise
    every = int(extras["checkpoint_every"]) or None
    return _run_to_file(sim, writer, output, ckpt, every, extras, progress, None)


def _run_to_file(sim: Simulation, writer, output: Path, ckpt: Path | None, every: int | None,
                 extras: dict, progress: bool, attributes: Mapping[str, Any] | None) -> Path:
    try:
        writer.attach(sim._sim)
        if ckpt is not None:
            burn_in = sim.steps_total - sim.scenario.parameters["simulation.steps"]

            def save(s: Simulation) -> None:
                if not s.finished:
                    _core.save_checkpoint(str(ckpt), s._sim, writer, extras)

            sim.every(every, save, start=every - burn_in)
        sim.run(progress=progress)
        write_provenance(writer, sim.scenario, extras["command"])
        for key, value in (attributes or {}).items():
            writer.attribute(str(key), value)
        writer.commit(sim._sim)
    except BaseException:
        writer.discard()
        raise
    if ckpt is not None and ckpt.exists():
        ckpt.unlink()
    return output


def write_provenance(writer, scenario: Scenario, command: str | None) -> None:
    """Root attributes every results file carries besides the engine's own."""
    writer.attribute("scenario", scenario.to_toml())
    writer.attribute("scenario_name", scenario.name)
    writer.attribute("scenario_hash", scenario.hash())
    writer.attribute("scenario_source", scenario.source or "")
    writer.attribute("git_revision", _git_revision())
    writer.attribute("command", command or " ".join(shlex.quote(a) for a in sys.argv))
    writer.attribute("python_version", sys.version.split()[0])
