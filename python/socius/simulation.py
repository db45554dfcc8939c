"""Running a scenario: the Simulation object and ``run``, which writes a results file."""

from __future__ import annotations

import errno
import fcntl
import os
import shlex
import socket
import subprocess
import sys
import time as _time
import warnings
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np

from . import _core
from ._values import boolean, integer, plain, show
from .results import check_output
from .scenario import Scenario

__all__ = ["Simulation", "StateError", "run", "resume"]


class StateError(_core.Error, ValueError):
    """Agent state written from Python is invalid: a NaN, or a value outside a column's range.

    Raised after a hook returns, or before a step when a writable view was written outside a
    hook, so the simulation never runs on the bad values: the step that would have used them is
    not run. The message names each column, how many agents, the first of them and its value,
    and the allowed range. Fix the values (or clear the hook) and call ``run()`` again.
    """


class _DefaultKind:
    """The default of ``kind=`` arguments: the model's first kind of agent (residents)."""

    def __repr__(self) -> str:
        return "<the first kind: residents>"


DEFAULT_KIND: Any = _DefaultKind()


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

    NumPy integers and 0-d arrays are accepted wherever an int is.

    A run starts with ``simulation.burn_in`` steps of burn-in (780 weeks in the community model)
    that let the network settle: nothing is recorded and hooks are not called (unless asked to
    start earlier) until policy time 0, when burn-in ends. :attr:`burn_in_remaining` and the
    ``repr`` say how much is left.

    Agents of several kinds (the community model's residents and the professionals who serve
    them) live in one set of slots; :attr:`kinds` gives each kind's slots. What you read
    (``column``, ``ties``, graphs, ``network_statistics``) covers the first kind, residents, unless
    you pass ``kind=``.

    Raises
    ------
    ScenarioError
        If the scenario is invalid.
    """

    def __init__(self, scenario: Scenario | str | os.PathLike, seed: int | None = None,
                 threads: int | None = None):
        if not isinstance(scenario, Scenario):
            scenario = Scenario.load(scenario)
        seed = integer(seed, "seed", minimum=0, maximum=2**64 - 1, allow_none=True)
        threads = integer(threads, "threads", minimum=1, allow_none=True)
        scenario.validate()
        self._setup(scenario, _core.Simulation(scenario.model, scenario.core_entries(), seed, threads or 0,
                                               scenario.core_borough()))

    @classmethod
    def _restored(cls, scenario: Scenario, core) -> "Simulation":
        self = cls.__new__(cls)
        self._setup(scenario, core)
        return self

    def _setup(self, scenario: Scenario, core) -> None:
        self.scenario = scenario
        self._sim = core
        self._hooks: list[tuple[int, Callable, int]] = []
        # Once a writable view is handed out, Python may change the state at any time: the state
        # is checked against the columns' ranges before each run and after each hook from then on.
        self._views_out = False

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
    def burn_in(self) -> int:
        """Steps of burn-in (``simulation.burn_in``): run before policy time 0, never recorded."""
        return self._sim.steps_done - self._sim.time

    @property
    def burn_in_remaining(self) -> int:
        """Steps of burn-in still to run (0 once policy time 0 is reached). Until then nothing is
        recorded (:attr:`results` is empty) and hooks with the default ``start=0`` are not called."""
        return max(0, -self._sim.time)

    @property
    def finished(self) -> bool:
        return self._sim.steps_done >= self._sim.steps_total

    @property
    def kinds(self) -> dict[str, range]:
        """The kinds of agent and their slots, in order, e.g. ``{"resident": range(0, 5000),
        "professional": range(5000, 5025)}``; the first is the default of every ``kind=``
        argument. The classic models have one kind, covering every slot."""
        return {str(name): range(int(start), int(stop)) for name, start, stop in self._sim.agent_kinds()}

    @property
    def population(self) -> int:
        """Agents of the first kind: the scenario's ``simulation.population`` (residents in the
        community model; every node in the classic models). ``sum(map(len, sim.kinds.values()))``
        counts every slot."""
        return len(self._kind_slots(DEFAULT_KIND))

    @property
    def tie_count(self) -> int:
        """Ties of every kind, between agents of any kinds (``len(sim.ties(kind=None)["source"])``)."""
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
            Dotted keys and new values, validated like a scenario's (NumPy scalars are taken as
            the numbers they hold). ``simulation.*`` and ``systems.*`` keys are fixed once a
            simulation is built.

        Raises
        ------
        ScenarioError
            If a key or value is invalid, or the model cannot change parameters mid-run; nothing
            changes then.
        """
        if not isinstance(values, Mapping):
            raise TypeError(f"values must be a mapping of key to value, got {type(values).__name__}")
        self._sim.set_parameters([(str(plain(k)), plain(v), "set_parameters") for k, v in values.items()])

    def _kind_slots(self, kind) -> range:
        """The slots of ``kind`` (the first kind by default, every slot for None)."""
        kinds = self._sim.agent_kinds()
        if kind is None:
            return range(0, int(kinds[-1][2]) if kinds else 0)
        if kind is DEFAULT_KIND:
            return range(int(kinds[0][1]), int(kinds[0][2]))
        kind = plain(kind)
        for name, start, stop in kinds:
            if name == kind:
                return range(int(start), int(stop))
        known = ", ".join(f"{show(name)} (slots {start} to {stop - 1})" for name, start, stop in kinds)
        raise ValueError(f"kind must be a kind of agent of model {self.scenario.model} or None (every slot), "
                         f"got {show(kind)}; the kinds are: {known}")

    def column(self, name: str, writable: bool = False, *, kind: str | None = DEFAULT_KIND) -> np.ndarray:
        """A NumPy view (no copy) of an agent column, e.g. ``"loneliness"``, for one kind of agent.

        Parameters
        ----------
        name : str
            The column (:attr:`columns` lists them; :meth:`column_info` gives each one's meaning,
            range and whether it may be written).
        writable : bool
            Return a view that can be changed in place, e.g. by a hook. Only the model's state
            columns (``loneliness``, ``trust``, ...) are writable. What is written is checked
            against the column's range after each hook and before each run: a NaN or a value
            outside it raises :class:`StateError` and the step is not run.
        kind : str or None
            Whose values: by default the first kind of agent (residents in the community model:
            ``len(sim.column("loneliness")) == sim.population``); ``"professional"`` for the
            community model's staff; None for every agent slot. Element ``i`` of the view is
            agent slot ``sim.kinds[kind][i]`` (residents are slots ``0 .. population - 1``).

        The view shows the simulation's current values as it runs and stays valid for the life of
        the simulation (the number of agent slots is fixed after setup). Do not write while the
        simulation is running in another thread.

        Raises
        ------
        KeyError
            If there is no such column (the message lists the columns).
        ValueError
            If ``kind`` is not a kind of agent of the model, or ``writable=True`` for a read-only
            column.
        """
        name = plain(name)
        if not isinstance(name, str):
            raise TypeError(f"name must be a str, got {type(name).__name__}")
        writable = bool(plain(writable))
        slots = self._kind_slots(kind)
        view = self._sim.column(name, writable)
        if writable:
            self._views_out = True
        return view if kind is None else view[slots.start:slots.stop]

    @property
    def columns(self) -> list[str]:
        """Names of the agent columns."""
        return list(self._sim.column_names())

    def column_info(self) -> list[dict[str, Any]]:
        """Every agent column: a dict each with ``name``, ``description``, ``dtype``, ``min`` and
        ``max`` (the values it may take) and ``writable``."""
        return [dict(c) for c in self._sim.column_info()]

    def ties(self, *, kind: str | None = DEFAULT_KIND) -> dict[str, np.ndarray]:
        """The ties among agents of one kind, each once, as arrays ``source``, ``target`` (source <
        target), ``weight``, ``type`` (copies).

        By default the ties among the first kind of agent (residents: their social, family and
        neighbour ties, not their ties to professionals); ``kind=None`` gives every tie, between
        agents of any kinds. ``source`` and ``target`` index the kind's column views: agent ``i``
        is ``sim.column(name, kind=kind)[i]`` (for ``kind=None``, agent slot ``i``).
        """
        slots = self._kind_slots(kind)
        t = dict(self._sim.edges())
        if kind is None or (slots.start == 0 and slots.stop == self._slot_count()):
            return t
        keep = ((t["source"] >= slots.start) & (t["source"] < slots.stop)
                & (t["target"] >= slots.start) & (t["target"] < slots.stop))
        out = {k: v[keep] for k, v in t.items()}
        if slots.start:
            out["source"] -= np.uint32(slots.start)
            out["target"] -= np.uint32(slots.start)
        return out

    def _slot_count(self) -> int:
        return len(self._kind_slots(None))

    def network_statistics(self, path_sources: int = 32, *, kind: str | None = DEFAULT_KIND) -> dict[str, Any]:
        """Every network statistic of the tie graph among agents of one kind
        (``socius/netstats.hpp``), in parallel.

        Summary values (``mean_degree``, ``average_clustering``, ``transitivity``,
        ``assortativity``, ``mean_overlap``, ``overlap_weight_spearman`` and
        ``overlap_weight_pearson``, ``mean_path_length`` estimated from ``path_sources``
        breadth-first searches, ...) and per-agent or per-tie arrays (``degree_histogram``,
        ``local_clustering``, ``triangles``, ``weights``, ``overlap``, ``component_sizes``,
        ``component_label``), plus ``overlap_by_weight``: the mean weight, mean overlap and count
        of ties in 10 slices of equal count by weight. The path sample is keyed on the seed and
        the steps done, so the same state gives the same values.

        ``kind`` chooses the graph as for :meth:`ties`: by default the first kind's agents
        (residents) and the ties among them; None for every slot and tie. Per-agent arrays are
        indexed like the kind's column views.
        """
        p = plain(path_sources)
        if not isinstance(p, int) or isinstance(p, bool) or not 0 <= p < 2**32:
            raise ValueError(f"path_sources must be an int in [0, 2**32), got {show(path_sources)}")
        slots = self._kind_slots(kind)
        if kind is None or len(slots) == self._slot_count():
            return dict(self._sim.network_statistics(p))
        t = self.ties(kind=kind)
        return dict(_core.network_statistics(len(slots), t["source"], t["target"], t["weight"], p,
                                             _core.derive_seed(self.seed, self.steps_done)))

    def to_networkx(self, *, kind: str | None = DEFAULT_KIND):
        """The tie graph among agents of one kind (as :meth:`ties`: residents by default, None
        for every slot) as a ``networkx.Graph`` with ``weight`` and ``type`` edge attributes.

        Node ``i`` is ``sim.column(name, kind=kind)[i]``; every agent of the kind is a node
        (isolated ones included). With ``kind=None`` each node has a ``kind`` attribute. Needs the
        networkx package.
        """
        import networkx as nx

        t = self.ties(kind=kind)
        g = nx.Graph()
        if kind is None:
            for name, slots in self.kinds.items():
                g.add_nodes_from(slots, kind=name)
        else:
            g.add_nodes_from(range(len(self._kind_slots(kind))))
        g.add_edges_from((int(u), int(v), {"weight": float(w), "type": int(k)})
                         for u, v, w, k in zip(t["source"], t["target"], t["weight"], t["type"]))
        return g

    def to_igraph(self, *, kind: str | None = DEFAULT_KIND):
        """The tie graph among agents of one kind (as :meth:`ties`: residents by default, None
        for every slot) as an undirected ``igraph.Graph`` with ``weight`` and ``type`` edge
        attributes; vertex ``i`` is ``sim.column(name, kind=kind)[i]``. With ``kind=None`` each
        vertex has a ``kind`` attribute. Needs the python-igraph package."""
        import igraph as ig

        t = self.ties(kind=kind)
        g = ig.Graph(n=len(self._kind_slots(kind)), edges=np.column_stack([t["source"], t["target"]]).tolist())
        g.es["weight"] = t["weight"].astype(float).tolist()
        g.es["type"] = t["type"].astype(int).tolist()
        if kind is None:
            g.vs["kind"] = [name for name, slots in self.kinds.items() for _ in slots]
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

    def _nothing_recorded_because(self) -> str:
        """Why nothing is recorded yet, as a sentence."""
        if self.burn_in_remaining:
            return (f"nothing is recorded during burn-in: {self.burn_in_remaining} of {self.burn_in} burn-in steps "
                    f"are left (steps done: {self.steps_done}); indicators are recorded from policy time 0 on, "
                    f"and hooks start there too. Run on, e.g. sim.run() to the horizon or "
                    f"sim.run(steps={self.burn_in_remaining + 10}) for 10 weeks of policy time")
        return "nothing is recorded yet: policy time 0 is recorded by the next step() or run()"

    @property
    def results(self):
        """What was recorded so far as an ``xarray.Dataset``, shaped like a results file:
        ``indicators(time, group, indicator)`` with each indicator's description, label, category,
        unit and direction (``indicator_better``: 1 higher is better, -1 lower, 0 neither), each distribution the model records as
        ``<name>(time, <dimension>)`` with the bins' lower edges as coordinate, and the seed and
        scenario in ``attrs``.

        Nothing is recorded during burn-in: until policy time 0 the time dimension is empty, and
        reading ``results`` then warns (a ``UserWarning``) saying how many burn-in steps are left;
        the dataset's ``attrs["note"]`` says the same.
        """
        import xarray as xr

        r = self._sim.indicators()
        # What each indicator is, as in a results file (docs/engine.md, "Output").
        text = {f"indicator_{var}": (("indicator",), np.array(r[key], dtype=object))
                for var, key in (("description", "descriptions"), ("label", "labels"), ("category", "categories"),
                                 ("unit", "units"))}
        ds = xr.Dataset(
            {"indicators": (("time", "group", "indicator"), r["values"]), **text,
             "indicator_better": (("indicator",), np.array(r["better"], dtype=np.int8))},
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
        if len(r["time"]) == 0:
            why = self._nothing_recorded_because()
            ds.attrs["note"] = why
            warnings.warn(f"socius: Simulation.results is empty: {why}", UserWarning, stacklevel=2)
        return ds

    def to_dataframe(self):
        """The recorded indicators as a tidy ``pandas.DataFrame``: time, group, indicator, value.
        Empty (with a warning) during burn-in, as :attr:`results`."""
        return (self.results["indicators"].to_dataframe(name="value").reset_index()
                [["time", "group", "indicator", "value"]])

    # -- hooks -----------------------------------------------------------------------------------
    def every(self, k: int, fn: Callable[["Simulation"], Any] | None = None, start: int = 0):
        """Calls ``fn(sim)`` after each step that ends at policy time ``start``, ``start + k``, ...

        Hooks start at policy time: with the default ``start=0`` the first call comes after the
        last burn-in step (after 780 steps in the community model), never during burn-in; a
        negative ``start`` runs hooks during burn-in. :attr:`burn_in_remaining` and the
        ``repr`` tell when the next hook call comes.

        A hook can read and write agent columns (``sim.column(name, writable=True)``) and change
        parameters (``sim.set_parameters``): a custom intervention without writing C++. It runs
        after that step's indicators were recorded, so its effect shows from the next step on.
        After each hook the state is checked: a NaN or a value outside a column's range raises
        :class:`StateError` before the next step. Cost: the run returns to Python at each hook
        time (microseconds), plus whatever ``fn`` does (vectorised NumPy over a million agents
        takes a few milliseconds) and, once a writable view was handed out, the range check of
        every column (about 0.1 s per million residents, a few percent of a step). If ``fn``
        raises, the run stops and the exception propagates; the simulation stays usable.

        Without ``fn`` it returns a decorator::

            @sim.every(52)
            def yearly(sim): ...
        """
        k = integer(k, "k", minimum=1)
        start = integer(start, "start")
        if fn is None:
            return lambda f: self.every(k, f, start)
        if not callable(fn):
            raise TypeError(f"fn must be callable, got {type(fn).__name__}")
        self._hooks.append((k, fn, start))
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
                if self._views_out:
                    self._check_state(f"after hook {getattr(fn, '__name__', repr(fn))} at policy time {t}")

    def _check_state(self, when: str) -> None:
        """Raises StateError if a column holds NaN or a value outside its range (see column())."""
        problems = self._sim.column_problems()
        if not problems:
            return
        kinds = self._sim.agent_kinds()
        parts = []
        for column, count, first, value, lo, hi in problems:
            who = f"agent {first}"
            if len(kinds) > 1:
                for name, start, stop in kinds:
                    if start <= first < stop:
                        who += f" ({name} {first - start})"
            parts.append(f"agent column {show(column)} has {count} agent{'s' if count != 1 else ''} with "
                         f"NaN or a value outside its range [{show(lo)}, {show(hi)}] (the first: {who} = {show(value)})")
        raise StateError(f"{when}: {'; '.join(parts)}. Values written from Python must be numbers in the column's "
                         f"range; the simulation stays at step {self.steps_done} (policy time {self.time}) and no "
                         "step was run on them: correct them and run again")

    def _advance(self, n: int, bar) -> int:
        """Runs n steps in chunks of about 0.25 s, stopping at hook times to call hooks."""
        if self._views_out:
            self._check_state(f"before step {self.steps_done + 1}")
        done_total = 0
        chunk = 1
        if n == 0:
            self._sim.step(0)  # records time 0 when burn-in has just ended (a 0-step horizon)
        while done_total < n:
            limit = min(chunk, n - done_total)
            to_hook = self._steps_to_next_hook()
            if to_hook is not None:
                limit = min(limit, to_hook)
            if self._sim.time < 0:
                limit = min(limit, -self._sim.time)  # the progress bar's label changes there
            t0 = _time.perf_counter()
            done = self._sim.step(limit)
            if done == 0:
                break
            done_total += done
            bar.update(done)
            bar.phase(self.burn_in_remaining)
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
        return self._advance(integer(n, "n", minimum=0), _NoProgress())

    def run(self, steps: int | None = None, progress: bool = True) -> "Simulation":
        """Runs ``steps`` steps, or to the horizon, with a progress bar on stderr.

        The first steps of a new simulation are burn-in (:attr:`burn_in_remaining`): the bar is
        labelled ``burn-in`` while they run, and nothing is recorded before policy time 0, so
        ``run(steps=10)`` on a new community simulation records nothing.

        The C++ work runs with the GIL released, in chunks of about a quarter of a second, so
        other Python threads keep running and Ctrl-C stops the run between steps (raising
        KeyboardInterrupt) and leaves the simulation usable: call ``run()`` again to go on.

        Returns
        -------
        Simulation
            ``self``, so that ``Simulation(s).run().results`` reads naturally.
        """
        steps = integer(steps, "steps", minimum=0, allow_none=True)
        left = self.steps_total - self.steps_done
        remaining = left if steps is None else steps
        bar = _progress(total=min(remaining, left), enabled=bool(plain(progress)), label=self.scenario.name,
                        burn_in_remaining=self.burn_in_remaining)
        try:
            self._advance(remaining, bar)
        finally:
            bar.close()
        return self

    # -- one burn-in, several continuations ------------------------------------------------------
    def run_burn_in(self) -> int:
        """Runs what is left of the burn-in and stops just before policy time 0 starts (the
        model's own setup of its policies and the record at time 0 happen at the next step).

        The state then (:meth:`state`) can continue under other policy parameters
        (:meth:`branch`): the options of an appraisal share one burn-in this way. Hooks are not
        called. Returns the steps run.
        """
        if self._views_out:
            self._check_state(f"before step {self.steps_done + 1}")
        return int(self._sim.burn_in())

    def state(self) -> bytes:
        """The complete state, in memory, as checkpoint bytes (no tie-graph snapshots)."""
        return self._sim.state()

    @classmethod
    def branch(cls, state: bytes, scenario: Scenario | str | os.PathLike, *, threads: int | None = None) -> "Simulation":
        """Continues a burnt-in state under ``scenario``'s parameters.

        ``state`` is :meth:`state` of a simulation stopped by :meth:`run_burn_in`. The result is
        bit for bit the run of ``scenario`` from the start with the same seed, because only the
        model's policy keys (``policy.*``, ``budget.*``, ``appraisal.*`` in the community model:
        nothing reads them before policy time 0) may differ from the parameters the state burnt in
        with.

        Raises
        ------
        ScenarioError
            If the scenario is invalid, the state was saved after policy time 0 started, or a key
            that shaped the setup or burn-in differs (the message names it), e.g.
            ``contact.mean``, or relational practice's extra posts (setup adds them).
        """
        if not isinstance(scenario, Scenario):
            scenario = Scenario.load(scenario)
        threads = integer(threads, "threads", minimum=1, allow_none=True)
        scenario.validate()
        return cls._restored(scenario, _core.restore_state(bytes(state), list(scenario.entries), threads or 0))

    def __repr__(self) -> str:
        kinds = self._sim.agent_kinds()
        who = " + ".join(f"{stop - start:,} {name}{'s' if stop - start != 1 else ''}" for name, start, stop in kinds)
        where = (f"burn-in, {self.burn_in_remaining} of {self.burn_in} steps left (nothing recorded before policy time 0)"
                 if self.burn_in_remaining else f"policy time {self.time} of {self.steps_total - self.burn_in}")
        text = (f"<socius.Simulation {self.scenario.name!r} ({self.scenario.model}): {who}, seed {self.seed}, "
                f"step {self.steps_done}/{self.steps_total}: {where}")
        to_hook = self._steps_to_next_hook()
        if to_hook is not None and not self.finished:
            text += (f"; {len(self._hooks)} hook{'s' if len(self._hooks) != 1 else ''}, next call after policy time "
                     f"{self.time + to_hook} (in {to_hook} steps)")
        return text + ">"


class _NoProgress:
    def update(self, n: int) -> None:
        pass

    def phase(self, burn_in_remaining: int) -> None:
        pass

    def close(self) -> None:
        pass


class _Progress:
    """A tqdm bar on stderr whose label says when the steps are burn-in."""

    def __init__(self, total: int, label: str, burn_in_remaining: int):
        from tqdm import tqdm

        self._label = label
        self._burn_in = burn_in_remaining > 0
        self._bar = tqdm(total=total, desc=self._desc(), unit="step", file=sys.stderr, dynamic_ncols=True,
                         mininterval=0.5, smoothing=0.1)

    def _desc(self) -> str:
        return f"{self._label} burn-in (not recorded)" if self._burn_in else self._label

    def update(self, n: int) -> None:
        self._bar.update(n)

    def phase(self, burn_in_remaining: int) -> None:
        if self._burn_in and not burn_in_remaining:
            self._burn_in = False
            self._bar.set_description_str(self._desc())

    def close(self) -> None:
        self._bar.close()


def _progress(total: int, enabled: bool, label: str, burn_in_remaining: int = 0):
    if not enabled or total <= 0:
        return _NoProgress()
    return _Progress(total, label, burn_in_remaining)


def run(scenario: Scenario | str | os.PathLike, output: str | os.PathLike, *, seed: int | None = None,
        threads: int | None = None, progress: bool = True, command: str | None = None,
        checkpoint_every: int | None = None, checkpoint: str | os.PathLike | None = None,
        overwrite: bool = False) -> Path:
    """Runs a scenario to its horizon and writes the results file ``output``.

    The file is written under a temporary name and renamed only when complete: after an error or
    Ctrl-C there is no file at ``output`` and the temporary file is removed.

    Parameters
    ----------
    scenario : Scenario or path
    output : path
        The results file (HDF5).
    seed, threads : int, optional
        As for :class:`Simulation` (NumPy integers are accepted).
    progress : bool
        Show a progress bar on stderr.
    command : str, optional
        Recorded in the file (default: this process's command line).
    checkpoint_every : int, optional
        Save the complete state every this many steps (burn-in included) to ``checkpoint``
        (default ``OUTPUT.ckpt``), atomically. If the run is killed, :func:`resume` continues it
        and writes the same results. The checkpoint is deleted when the run completes. While the
        run goes on it holds a lock on the checkpoint (``CHECKPOINT.lock``), so that no second
        run or resume of it can start; the lock ends with the process, however it ends.
    overwrite : bool
        Replace whatever file is at ``output`` (never a folder). Without it an existing file is
        replaced only if it is a socius results file of the same scenario (a rerun); anything
        else is refused before the run starts (:func:`socius.results.check_output`).

    Returns
    -------
    pathlib.Path
        The results file.

    Raises
    ------
    OutputError
        If ``output`` exists and may not be replaced: the message says what it is.
    CheckpointError
        If another live process runs or resumes the same checkpoint.
    """
    if not isinstance(scenario, Scenario):
        scenario = Scenario.load(scenario)
    # The one rule (results.check_output); its note on what is replaced is for the command line.
    check_output(output, scenario, kind="results", overwrite=boolean(overwrite, "overwrite"))
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
    checkpoint_every = integer(checkpoint_every, "checkpoint_every", minimum=1, allow_none=True)
    if checkpoint_every is not None:
        ckpt = Path(checkpoint) if checkpoint else output.with_name(output.name + ".ckpt")
    lock = _CheckpointLock(ckpt) if ckpt is not None else None
    try:
        writer = _core.ResultsWriter(str(output))
        extras = {"output": str(output.resolve()), "scenario": sim.scenario.to_toml(),
                  "scenario_source": sim.scenario.source or "",
                  "command": command or " ".join(shlex.quote(a) for a in sys.argv),
                  "checkpoint_every": str(checkpoint_every or 0)}
    except BaseException:
        if lock is not None:
            lock.release()
        raise
    return _run_to_file(sim, writer, output, ckpt, checkpoint_every, extras, progress, attributes, lock=lock)


def resume(checkpoint: str | os.PathLike, *, threads: int | None = None, progress: bool = True) -> Path:
    """Continues a run from a checkpoint written by ``run(..., checkpoint_every=K)``.

    The resumed run writes the same results (every dataset bit-identical) as an uninterrupted
    run with the same seed, to the output path recorded in the checkpoint, and keeps
    checkpointing at the same interval. Python hooks registered with ``Simulation.every`` are not
    part of a checkpoint. One process at a time runs a checkpoint: a resume takes a lock on it
    (``CHECKPOINT.lock``, released when the process ends, however it ends) and a second resume
    (or a run still writing it) is refused.

    Raises
    ------
    CheckpointError
        If the file is not a socius checkpoint, is corrupt or truncated, or was written by
        another version; or if another live process is running or resuming it.
    """
    ckpt = Path(checkpoint)
    threads = integer(threads, "threads", minimum=1, allow_none=True)
    if not ckpt.is_file():
        raise _core.CheckpointError(f"checkpoint '{ckpt}' does not exist")
    lock = _CheckpointLock(ckpt)
    try:
        if not ckpt.is_file():  # finished by the process that held the lock a moment ago
            raise _core.CheckpointError(f"checkpoint '{ckpt}' does not exist (any more: its run has just "
                                        "completed and removed it)")
        state = _core.Checkpoint(str(ckpt))
        extras = {k: state.extra(k) for k in ("output", "scenario", "scenario_source", "command", "checkpoint_every")}
        scenario = Scenario.from_toml(extras["scenario"], origin=f"{ckpt} (scenario)")
        scenario.source = extras["scenario_source"] or None
        sim = Simulation._restored(scenario, state.restore(threads or 0, scenario.core_borough()))
        output = Path(extras["output"])
        writer = _core.ResultsWriter(str(output))
        try:
            state.load_snapshots_into(writer)
        except BaseException:
            writer.discard()
            raise
    except BaseException:
        lock.release()
        raise
    every = int(extras["checkpoint_every"]) or None
    return _run_to_file(sim, writer, output, ckpt, every, extras, progress, None, lock=lock)


class _CheckpointLock:
    """An exclusive lock on a checkpoint: ``flock`` on ``CHECKPOINT.lock`` beside it.

    The kernel drops the lock when its process ends, however it ends (even SIGKILL), so a dead
    owner never blocks a resume. The lock file holds the owner's pid and host for the message.
    """

    def __init__(self, checkpoint: Path):
        self.checkpoint = checkpoint
        self.path = checkpoint.with_name(checkpoint.name + ".lock")
        while True:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as e:
                owner = os.read(fd, 200).decode(errors="replace").strip()
                os.close(fd)
                if e.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    raise
                raise _core.CheckpointError(
                    f"checkpoint '{checkpoint}' is in use: another live process ({owner or 'unknown'}) is running or "
                    f"resuming it and holds its lock '{self.path}'. Two runs of one checkpoint would compute the "
                    "same run twice and write the same results file; wait for that process to finish (it removes "
                    "the checkpoint when done) or stop it, then resume again") from None
            # The owner we raced with may have removed the file after we opened it: a lock on a
            # removed file guards nothing, so try again with the file now at the path.
            try:
                current = os.stat(self.path)
            except FileNotFoundError:
                current = None
            if current is not None and os.path.samestat(os.fstat(fd), current):
                break
            os.close(fd)
        os.ftruncate(fd, 0)
        os.write(fd, f"pid {os.getpid()} on {socket.gethostname()}\n".encode())
        self._fd: int | None = fd

    def release(self) -> None:
        """Removes the lock file (while still holding it, so nobody else's lock is removed) and
        drops the lock."""
        if self._fd is None:
            return
        try:
            self.path.unlink()
        except FileNotFoundError:
            pass
        os.close(self._fd)
        self._fd = None


def _run_to_file(sim: Simulation, writer, output: Path, ckpt: Path | None, every: int | None,
                 extras: dict, progress: bool, attributes: Mapping[str, Any] | None, *,
                 lock: _CheckpointLock | None = None) -> Path:
    if ckpt is not None and lock is None:
        try:
            lock = _CheckpointLock(ckpt)
        except BaseException:
            writer.discard()
            raise
    try:
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
    finally:
        if lock is not None:
            lock.release()
    return output


def write_provenance(writer, scenario: Scenario, command: str | None) -> None:
    """Root attributes every results file carries besides the engine's own."""
    writer.attribute("scenario", scenario.to_toml())
    writer.attribute("scenario_name", scenario.name)
    writer.attribute("scenario_hash", scenario.hash())
    writer.attribute("scenario_source", scenario.source or "")
    if scenario.borough is not None:  # docs/borough.md: the table the population was built from
        writer.attribute("borough", str(scenario.borough.path))
        writer.attribute("borough_table", str(scenario.borough.table))
        writer.attribute("borough_sha256", scenario.borough.sha256)
    writer.attribute("git_revision", _git_revision())
    writer.attribute("command", command or " ".join(shlex.quote(a) for a in sys.argv))
    writer.attribute("python_version", sys.version.split()[0])
