"""Comparing scenarios: every scenario run R times with paired seeds, merged into one file.

Replicate r of every scenario runs with the same seed, ``derive_seed(master_seed, r)``, so the
difference between two scenarios in replicate r is a *paired* difference: both runs share the
same random population and the same chance events until the scenarios' mechanisms make them
diverge, which removes much of the run-to-run noise from the comparison.

The runs go to worker processes (each writes its results file into a private temporary folder
through :func:`socius.run` and returns only the path); the parent reads each file as it arrives,
keeps its indicators and deletes it. The merged file is written under a temporary name and
renamed when complete, so an error or Ctrl-C leaves neither a comparison file nor run files.
"""

from __future__ import annotations

import concurrent.futures as cf
import math
import os
import secrets
import shlex
import shutil
import signal
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from . import _core
from ._values import boolean, integer
from .files import FORMATS, indicator_metadata, open_dataset, strings, text
from .results import check_output
from .scenario import Scenario, ScenarioError
from .simulation import _git_revision
from .sweeps.pool import describe_exit, process_pool, worker_exits
from .sweeps.runner import FAULT_ENV, RunError

__all__ = ["compare", "summary", "COMPARISON_FORMAT", "SHARED_KEYS"]

COMPARISON_FORMAT = FORMATS["comparison"]

# Keys every compared scenario must share: otherwise time t would not mean the same in each.
SHARED_KEYS = ("simulation.steps", "simulation.burn_in", "simulation.record_every")


def _scenarios(scenarios: Iterable) -> list[Scenario]:
    out = []
    for s in scenarios:
        out.append(s if isinstance(s, Scenario) else Scenario.load(s))
    if not out:
        raise ScenarioError("compare: give at least one scenario")
    return out


def _label(s: Scenario) -> str:
    return f"scenario '{s.name}'" + (f" ({s.source})" if s.source else "")


def check_comparable(scenarios: Sequence[Scenario]) -> None:
    """Raises ScenarioError unless the scenarios share model, horizon, burn-in and record schedule,
    and have distinct names."""
    base = scenarios[0]
    params = [s.validate() for s in scenarios]
    for s, p in zip(scenarios[1:], params[1:]):
        if s.model != base.model:
            raise ScenarioError(
                f"{_label(s)}: key 'model' = \"{s.model}\" differs from the baseline {_label(base)}, "
                f"which uses \"{base.model}\"; every compared scenario must use the same model")
        for key in SHARED_KEYS:
            if p[key] != params[0][key]:
                raise ScenarioError(
                    f"{_label(s)}: key '{key}' = {p[key]} differs from the baseline {_label(base)}, "
                    f"which has {params[0][key]}; compared scenarios must share the horizon, burn-in "
                    f"and record schedule (set it in both, or use --steps / --set {key}=...)")
    seen: dict[str, Scenario] = {}
    for s in scenarios:
        if s.name in seen:
            raise ScenarioError(
                f"{_label(s)}: key 'name' = \"{s.name}\" is also the name of {_label(seen[s.name])}; "
                "compared scenarios need distinct names (set name = \"...\" in one of them)")
        seen[s.name] = s


def _budget(s: Scenario) -> float:
    value = s.validate().get("budget.total")
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else math.nan


# -- worker side --------------------------------------------------------------------------------
def _run_one(scenario: Scenario, seed: int, threads: int | None, output: str, command: str,
             job: int = 0, fault: str | None = None) -> str:
    from .simulation import run
    from .sweeps.runner import fault_for, fire_fault

    # Which process runs this job: if it dies, the parent can say how, and for which run. The
    # file exists only while the job runs: a worker that finished a job and died on its next one
    # must not be blamed for the first.
    pid_file = Path(output).with_suffix(".pid")
    pid_file.write_text(str(os.getpid()), encoding="utf-8")
    try:
        mode = fault_for(job, fault)  # tests only: FAULT_ENV, with RUN the job's number
        if mode is not None:
            fire_fault(mode, job)
        return str(run(scenario, output, seed=seed, threads=threads, progress=False, command=command))
    finally:
        pid_file.unlink(missing_ok=True)


# -- parent side --------------------------------------------------------------------------------
class _Collector:
    """Holds the indicators of every run as they arrive, checking that their shapes agree."""

    def __init__(self, names: list[str], replicates: int):
        self.names = names
        self.replicates = replicates
        self.values: np.ndarray | None = None
        self.wall = np.full((len(names), replicates), np.nan)

    def add(self, i: int, r: int, path: str) -> None:
        import h5py

        with h5py.File(path, "r") as f:
            values = f["indicators"][()]
            time = f["time"][()]
            group, indicator = strings(f["group"][()]), strings(f["indicator"][()])
            self.wall[i, r] = float(f.attrs.get("wall_seconds", np.nan))
            if self.values is None:
                self.time, self.group, self.indicator = time, group, indicator
                self.time_attrs = {k: text(f["time"].attrs[k]) for k in ("long_name", "units")
                                   if k in f["time"].attrs}
                self.metadata = indicator_metadata(f)  # what each indicator is, carried through
                self.attrs = {k: text(v) for k, v in f.attrs.items()}
                self.values = np.full((len(self.names), self.replicates, *values.shape), np.nan)
            elif (not np.array_equal(time, self.time) or group != self.group or indicator != self.indicator):
                raise ScenarioError(
                    f"scenario '{self.names[i]}' recorded other times, groups or indicators than "
                    f"'{self.names[0]}'; compared scenarios must record the same schedule")
            self.values[i, r] = values


def _progress(total: int, enabled: bool):
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc="compare", unit="run", file=sys.stderr, dynamic_ncols=True,
                smoothing=0.1, bar_format="{l_bar}{bar}| {n_fmt}/{total_fmt} runs "
                                          "[{elapsed}<{remaining}, {rate_fmt}]")


def _stop_workers(pool: cf.ProcessPoolExecutor) -> None:
    """Ends the worker processes now (their unfinished runs are discarded with the run folder)."""
    terminate = getattr(pool, "terminate_workers", None)  # Python 3.14+
    if terminate is not None:
        terminate()
    else:
        for p in list((getattr(pool, "_processes", None) or {}).values()):
            if p.is_alive():
                p.terminate()
    pool.shutdown(wait=True, cancel_futures=True)


def compare(scenarios: Iterable[Scenario | str | os.PathLike], *, replicates: int = 5,
            seed: int | None = None, output: str | os.PathLike = "results/comparison.h5",
            threads: int | None = None, workers: int | None = None, progress: bool = True,
            command: str | None = None, overwrite: bool = False) -> Path:
    """Runs every scenario ``replicates`` times and writes one comparison file.

    Replicate ``r`` of every scenario uses the seed ``derive_seed(seed, r)``, so differences
    between scenarios are paired across replicates. Runs go to worker processes in parallel; the
    merged file has the variable ``indicators(scenario, replicate, time, group, indicator)`` and
    opens with ``xarray.open_dataset(path, engine="h5netcdf")``.

    Parameters
    ----------
    scenarios : sequence of Scenario or path
        The scenarios; the first is the baseline the report compares the others with. They must
        share model, ``simulation.steps``, ``simulation.burn_in`` and ``simulation.record_every``,
        and have distinct names.
    replicates : int
        Runs per scenario (at least 1; 95% intervals need at least 2).
    seed : int, optional
        Master seed in [0, 2**64). Without one it is drawn at random; it is always recorded.
    output : path
        The comparison file; written under a temporary name and renamed when complete.
    threads : int, optional
        Threads per run (default: the cores divided among the workers). Results do not depend
        on it.
    workers : int, optional
        Worker processes (default: one per core, at most one per run).
    progress : bool
        Show a progress bar (runs done, rate, time left) on stderr.
    command : str, optional
        The command line to record (default: this process's).
    overwrite : bool
        Replace an existing ``output`` that is not an earlier comparison of the same scenarios
        (a rerun of the same comparison replaces its own file without being asked).

    Returns
    -------
    pathlib.Path
        The comparison file.

    Raises
    ------
    ScenarioError
        A scenario is invalid, or the scenarios cannot be compared (the message names the
        scenario and key), or the model refused a run (the message names the scenario,
        replicate and seed).
    RunError
        A run failed: it raised, or its worker process died (the message names the scenario,
        replicate, seed and the signal or exit code). Nothing is written. A failed run ends the
        comparison: a comparison with a missing run would not be paired.
    TypeError, ValueError
        ``replicates``, ``seed``, ``threads`` or ``workers`` is not a whole number in range
        (Python and NumPy integers, and 0-d integer arrays, are accepted).
    OutputError
        ``output`` exists and is not an earlier comparison of the same scenarios (checked
        before any run), unless ``overwrite``; or its folder is missing or not writable.
    KeyboardInterrupt
        On Ctrl-C: workers are stopped and nothing is left behind.
    """
    scenarios = _scenarios(scenarios)
    replicates = integer(replicates, "replicates", minimum=1)
    seed = integer(seed, "seed", minimum=0, maximum=2**64 - 1, allow_none=True)
    if seed is None:
        seed = secrets.randbits(64)
    threads = integer(threads, "threads", minimum=1, allow_none=True)
    workers = integer(workers, "workers", minimum=1, allow_none=True)
    for s in scenarios:
        s.validate()
    check_comparable(scenarios)

    output = Path(output)
    if not output.parent.is_dir():
        raise _core.OutputError(f"cannot write '{output}': folder '{output.parent}' does not exist")
    if not os.access(output.parent, os.W_OK):
        raise _core.OutputError(f"cannot write '{output}': folder '{output.parent}' is not writable")
    check_output(output, scenarios, kind="comparison", overwrite=boolean(overwrite, "overwrite"))

    seeds = [int(_core.derive_seed(seed, r)) for r in range(replicates)]
    names = [s.name for s in scenarios]
    jobs = [(i, r) for r in range(replicates) for i in range(len(scenarios))]
    cores = os.cpu_count() or 1
    workers = min(workers or cores, len(jobs))  # no idle processes
    threads = threads or max(1, cores // workers)
    command = command or " ".join(shlex.quote(a) for a in sys.argv)

    # Runs are written next to the output (same file system, and not in a small /tmp); the
    # folder is removed whatever happens.
    run_dir = Path(tempfile.mkdtemp(prefix=f".{output.name}.runs-", dir=output.parent))
    tmp = output.parent / f".{output.name}.tmp-{os.getpid()}"
    bar = _progress(len(jobs), progress)
    collected = _Collector(names, replicates)
    try:
        # How workers start, and why (no fork; no rerun of the caller's __main__, so a script
        # without a main guard works): see socius.sweeps.pool.
        pool = process_pool(workers)
        try:
            pending: dict[cf.Future, tuple[int, int]] = {}
            queue = iter(enumerate(jobs))
            fault = os.environ.get(FAULT_ENV)
            limit = 2 * workers  # bounded in flight: the rest wait here, not in the pool's queue
            while True:
                while len(pending) < limit:
                    number, job = next(queue, (None, None))
                    if job is None:
                        break
                    i, r = job
                    path = run_dir / f"{i:04d}_{r:04d}.h5"
                    try:
                        fut = pool.submit(_run_one, scenarios[i], seeds[r], threads, str(path), command,
                                          number, fault)
                    except cf.process.BrokenProcessPool:  # a worker died since the last wait
                        raise _dead_worker(pool, list(pending.values()), scenarios, seeds, run_dir) from None
                    pending[fut] = job
                if not pending:
                    break
                done, _ = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
                for fut in done:
                    i, r = pending.pop(fut)
                    try:
                        path = fut.result()
                    except cf.process.BrokenProcessPool:
                        raise _dead_worker(pool, [(i, r), *pending.values()], scenarios, seeds,
                                           run_dir) from None
                    except Exception as e:
                        raise _run_failed(e, scenarios[i], r, seeds[r]) from e
                    collected.add(i, r, path)
                    os.unlink(path)
                    if bar is not None:
                        bar.update(1)
        except BaseException:
            _stop_workers(pool)
            raise
        pool.shutdown(wait=True)
        if bar is not None:
            bar.close()
            bar = None
        ds = _dataset(scenarios, seeds, seed, replicates, collected, threads, workers, command)
        try:
            shape = collected.values.shape
            # One chunk per run; an empty dimension (a horizon of 0 steps) cannot be chunked.
            encoding = ({"indicators": {"zlib": True, "complevel": 4, "chunksizes": (1, 1, *shape[2:])}}
                        if all(shape) else {})
            ds.to_netcdf(tmp, engine="h5netcdf", encoding=encoding)
            os.replace(tmp, output)
        finally:
            ds.close()
    finally:
        if bar is not None:
            bar.close()
        tmp.unlink(missing_ok=True)
        shutil.rmtree(run_dir, ignore_errors=True)
    return output


def _run_label(scenario: Scenario, replicate: int, seed: int) -> str:
    return f"compare: {_label(scenario)}, replicate {replicate}, seed {seed}"


def _run_failed(error: Exception, scenario: Scenario, replicate: int, seed: int) -> Exception:
    """The error a run raised in its worker, as the same kind of error naming the run."""
    message = f"{_run_label(scenario, replicate, seed)}: {error}"
    if isinstance(error, ScenarioError):
        return ScenarioError(message)
    if isinstance(error, _core.Error):
        try:
            return type(error)(message)
        except TypeError:
            pass
    if isinstance(error, ValueError):
        return ValueError(message)
    return RunError(f"{message} ({type(error).__name__})")


def _dead_worker(pool, jobs, scenarios, seeds, run_dir: Path) -> RunError:
    """A worker process died: names the run it was running and its signal or exit code."""
    exits = worker_exits(pool)
    dead = {pid: code for pid, code in exits.items() if code is not None and code != -signal.SIGTERM}
    for i, r in jobs:
        try:
            pid = int((run_dir / f"{i:04d}_{r:04d}.pid").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if pid in dead:
            return RunError(f"{_run_label(scenarios[i], r, seeds[r])}: its worker process (pid {pid}) "
                            f"{describe_exit(dead[pid])}; no comparison was written")
    how = "; ".join(f"pid {p} {describe_exit(c)}" for p, c in dead.items()) or "for an unknown reason"
    runs = ", ".join(f"'{scenarios[i].name}' replicate {r}" for i, r in jobs)
    return RunError(f"compare: a worker process died ({how}) while these runs were in flight: {runs}; "
                    "no comparison was written")


def _dataset(scenarios, seeds, master_seed, replicates, c: _Collector, threads, workers, command):
    import xarray as xr

    n = len(scenarios)
    toml = [s.to_toml() for s in scenarios]
    coords = {
        "scenario": ("scenario", np.array([s.name for s in scenarios], dtype=object)),
        "replicate": ("replicate", np.arange(replicates, dtype=np.int64)),
        "time": ("time", np.asarray(c.time), c.time_attrs),
        "group": ("group", np.array(c.group, dtype=object)),
        "indicator": ("indicator", np.array(c.indicator, dtype=object)),
        "seed": ("replicate", np.array(seeds, dtype=np.uint64),
                 {"long_name": "seed of replicate r in every scenario: derive_seed(master_seed, r)"}),
        "scenario_toml": ("scenario", np.array(toml, dtype=object),
                          {"long_name": "fully resolved scenario (TOML)"}),
        "scenario_hash": ("scenario", np.array([s.hash() for s in scenarios], dtype=object)),
        "scenario_description": ("scenario", np.array([s.description for s in scenarios], dtype=object)),
        "scenario_source": ("scenario", np.array([s.source or "" for s in scenarios], dtype=object)),
        "population": ("scenario", np.array([s.validate()["simulation.population"] for s in scenarios],
                                            dtype=np.int64)),
        "budget": ("scenario", np.array([_budget(s) for s in scenarios]),
                   {"long_name": "budget.total of the scenario (NaN when it states none)"}),
    }
    data = {
        "indicators": (("scenario", "replicate", "time", "group", "indicator"), c.values,
                       {"long_name": "recorded indicators by scenario, replicate, time and group"}),
        "wall_seconds": (("scenario", "replicate"), c.wall, {"long_name": "wall time of each run",
                                                             "units": "s"}),
    }
    for var, values in c.metadata.items():
        data[var] = ("indicator", values)
    first = scenarios[0].validate()
    attrs = {
        "format": COMPARISON_FORMAT,
        "model": scenarios[0].model,
        "master_seed": str(master_seed),  # text: a 64-bit unsigned value does not fit netCDF ints
        "replicates": replicates,
        "baseline": scenarios[0].name,
        "steps": int(first["simulation.steps"]),
        "burn_in": int(first["simulation.burn_in"]),
        "record_every": int(first["simulation.record_every"]),
        "engine_version": _core.__version__,
        "git_revision": _git_revision(),
        "python_version": sys.version.split()[0],
        "command": command,
        "threads_per_run": threads,
        "workers": workers,
        "created": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "scenarios": n,
    }
    return xr.Dataset(data, coords=coords, attrs=attrs)


def summary(path: str | os.PathLike) -> str:
    """A readable summary of a comparison file: scenarios, replicates, seeds, dimensions."""
    _, ds = open_dataset(path, ("comparison",), "a comparison file (written by socius compare)")
    with ds:
        a = ds.attrs
        lines = [
            f"file:        {path}",
            f"comparison:  {a.get('model')} model; baseline {a.get('baseline')}; "
            f"{ds.sizes['scenario']} scenarios x {ds.sizes['replicate']} replicates",
            "scenarios:   " + ", ".join(f"{n} ({h})" for n, h in zip(ds["scenario"].values,
                                                                 ds["scenario_hash"].values)),
            f"seeds:       master {a.get('master_seed')}; replicates "
            + ", ".join(str(int(s)) for s in ds["seed"].values),
            f"steps:       {a.get('steps')} after {a.get('burn_in')} of burn-in, recorded every {a.get('record_every')}",
            f"version:     socius {a.get('engine_version')}, git {a.get('git_revision')}",
            f"created:     {a.get('created')}",
            "dimensions:  " + ", ".join(f"{k}={v}" for k, v in ds.sizes.items()),
        ]
    return "\n".join(lines)

