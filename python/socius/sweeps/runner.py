"""Running a sweep on any ``concurrent.futures.Executor``, resumably.

The driver walks the runs of its shard in order, skips those whose results file exists, and
submits the others with a bounded number in flight. Each task runs in a worker (a process of the
local pool, a Dask worker, an MPI rank), writes its own results file atomically through
:func:`socius.simulation.run_to_file`, and returns a few numbers; the driver keeps nothing per
run, so its memory does not grow with the sweep. A failed attempt leaves
``rNNNNNNN.error.json`` (traceback, attempt count) beside where the results file would be; a
later attempt that succeeds removes it.
"""

from __future__ import annotations

import collections
import concurrent.futures as cf
import json
import os
import signal
import socket
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..simulation import Simulation, run_to_file
from .spec import RunInfo, SweepSpec, SweepSpecError

__all__ = ["sweep", "SweepResult", "SweepRunError", "prepare_directory", "run_state", "make_executor"]

SPEC_FILE = "sweep.toml"
# A test hook for fault injection, read by the driver and sent with each task (workers may have
# started before the variable was set): "RUN:MODE[:MARKER]" where MODE is "raise" (the run
# raises) or "exit" (the worker process dies with os._exit in the middle of the run). With
# MARKER the fault fires only once: when the marker file does not exist yet (it is created).
FAULT_ENV = "_SOCIUS_SWEEP_FAULT"


class SweepRunError(RuntimeError):
    """The sweep could not go on (e.g. the executor broke); finished runs are kept."""


@dataclass
class SweepResult:
    """What a call to :func:`sweep` did.

    Attributes
    ----------
    out : Path
        The sweep directory.
    total : int
        Runs in the whole sweep.
    in_scope : int
        Runs this call was responsible for (its shard; all runs without one).
    done : int
        Runs in scope that are finished (including those finished before this call).
    skipped : int
        Runs in scope that were already finished, so not run again.
    failed : list of int
        Runs in scope that failed every attempt (see ``DIR/runs/*/rNNNNNNN.error.json``).
    index : Path or None
        ``DIR/sweep.h5`` if it was built.
    seconds : float
        Wall time of this call.
    """

    out: Path
    total: int
    in_scope: int
    done: int = 0
    skipped: int = 0
    failed: list = field(default_factory=list)
    index: Path | None = None
    seconds: float = 0.0

    @property
    def complete(self) -> bool:
        return self.done == self.in_scope


# -- the sweep directory -------------------------------------------------------------------
def prepare_directory(spec: SweepSpec, out: Path) -> None:
    """Creates ``out`` and records the spec there, or checks that ``out`` holds this sweep.

    Several shards may start at once: the spec file is written under a temporary name and
    linked into place, so exactly one writer wins and the others compare with it.
    """
    out.mkdir(parents=True, exist_ok=True)
    target = out / SPEC_FILE
    text = spec.to_toml()
    if not target.exists():
        tmp = out / f".{SPEC_FILE}.tmp-{os.getpid()}-{socket.gethostname()}"
        tmp.write_text(text, encoding="utf-8")
        try:
            os.link(tmp, target)
        except FileExistsError:
            pass
        except OSError:  # a file system without hard links: last writer wins, same text
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
    existing = SweepSpec.load(target)
    if existing.hash() != spec.hash():
        raise SweepSpecError(
            f"{out}: this directory holds another sweep ('{existing.name}', hash {existing.hash()}; "
            f"this spec has hash {spec.hash()}): a changed spec or scenario would mix results. "
            "Use another --out, or delete the directory to start again"
        )


def run_state(out: Path, info: RunInfo) -> str:
    """``done`` (results file exists), ``failed`` (an error record exists) or ``missing``."""
    path = out / info.relpath
    if path.exists():
        return "done"
    if path.with_suffix(".error.json").exists():
        return "failed"
    return "missing"


def read_error(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _write_error(path: Path, record: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(json.dumps(record, indent=1), encoding="utf-8")
    os.replace(tmp, path)


def _record_failure(out: Path, info: RunInfo, error: str, tb: str, where: str) -> int:
    err_path = (out / info.relpath).with_suffix(".error.json")
    attempts = int(read_error(err_path).get("attempts", 0)) + 1
    _write_error(err_path, {"run": info.run, "attempts": attempts, "error": error, "traceback": tb,
                            "where": where, "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})
    return attempts


def remove_temporaries(path: Path) -> None:
    """Removes ``.NAME.tmp-*`` files a killed attempt at ``path`` left behind."""
    for tmp in path.parent.glob(f".{path.name}.tmp-*"):
        tmp.unlink(missing_ok=True)


# -- the worker ----------------------------------------------------------------------------
def _inject_fault(sim: Simulation, run: int, spec: str | None) -> None:
    if not spec:
        return
    parts = spec.split(":", 2)
    if int(parts[0]) != run:
        return
    if len(parts) > 2:
        marker = Path(parts[2])
        try:
            marker.touch(exist_ok=False)
        except FileExistsError:
            return
    mode = parts[1]

    def fault(_sim):
        if mode == "exit":
            os._exit(17)
        raise RuntimeError(f"injected fault in run {run}")

    steps = max(0, sim.steps_total - sim.steps_done + sim.time)  # the horizon in policy time
    sim.every(steps + 1, fault, start=steps // 2)


def execute(task: dict) -> dict:
    """Runs one sweep run in a worker and writes its results file; returns a small record.

    Exceptions inside the run are caught and recorded in ``rNNNNNNN.error.json`` (traceback
    and attempt count); the record says ``status = "failed"``.
    """
    t0 = time.perf_counter()
    info: RunInfo = task["info"]
    out = Path(task["out"])
    path = out / info.relpath
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_temporaries(path)
    err_path = path.with_suffix(".error.json")
    attempt = int(read_error(err_path).get("attempts", 0)) + 1
    host = socket.gethostname()
    try:
        scenario = task["scenario"].with_overrides(info.values, origin="sweep parameters")
        sim = Simulation(scenario, seed=info.seed, threads=task["threads"])
        _inject_fault(sim, info.run, task.get("fault"))
        attrs = {"sweep_name": task["name"], "sweep_hash": task["hash"], "sweep_run": info.run,
                 "sweep_scenario": info.scenario, "sweep_point": info.point,
                 "sweep_replicate": info.replicate, "sweep_attempt": attempt, "sweep_host": host}
        run_to_file(sim, path, progress=False, command=task["command"], attributes=attrs)
    except Exception as e:  # recorded; the driver decides whether to retry
        tb = traceback.format_exc()
        attempts = _record_failure(out, info, f"{type(e).__name__}: {e}", tb, f"{host} pid {os.getpid()}")
        return {"run": info.run, "status": "failed", "attempt": attempts, "error": f"{type(e).__name__}: {e}",
                "seconds": time.perf_counter() - t0}
    err_path.unlink(missing_ok=True)
    return {"run": info.run, "status": "done", "attempt": attempt, "seconds": time.perf_counter() - t0}


def _ignore_sigint() -> None:
    # Workers of the local pool leave Ctrl-C to the driver, which stops them and cleans up.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


# -- executors -----------------------------------------------------------------------------
def _shutdown(executor, wait: bool) -> None:
    try:
        executor.shutdown(wait=wait, cancel_futures=True)
    except TypeError:  # Dask's ClientExecutor has no cancel_futures
        executor.shutdown(wait=wait)


class _Owned:
    """An executor this module created, with what is needed to stop it and make a new one."""

    def __init__(self, make, close=None):
        self.make = make
        self.executor, self.capacity = make()
        self._close = close

    def rebuild(self) -> None:
        _shutdown(self.executor, wait=False)
        self.executor, self.capacity = self.make()

    def kill(self) -> None:
        procs = getattr(self.executor, "_processes", None) or {}
        for p in list(procs.values()):  # no public way to stop busy workers before Python 3.14
            try:
                p.terminate()
            except Exception:
                pass
        for p in list(procs.values()):
            p.join(timeout=5)
        _shutdown(self.executor, wait=False)

    def close(self) -> None:
        _shutdown(self.executor, wait=True)
        if self._close:
            self._close()


def _cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def make_executor(kind: str, workers: int | None = None, scheduler: str | None = None) -> _Owned:
    """An executor by name: ``local`` (a process pool), ``dask`` (a scheduler at ``scheduler``,
    an address or a scheduler JSON file, else a LocalCluster) or ``mpi`` (mpi4py's pool: run
    under ``mpiexec -n K python -m mpi4py.futures -m socius sweep ...``)."""
    if kind == "local":
        import multiprocessing

        n = workers or _cpus()
        # forkserver, not fork: the driver may have threads (tqdm, TBB), and forking those is
        # unsafe. The server imports socius once, so each worker starts without the import.
        ctx = multiprocessing.get_context("forkserver")
        ctx.set_forkserver_preload(["socius.sweeps.runner"])
        return _Owned(lambda: (cf.ProcessPoolExecutor(max_workers=n, mp_context=ctx,
                                                      initializer=_ignore_sigint), n))
    if kind == "dask":
        try:
            from distributed import Client, LocalCluster
        except ImportError:
            raise SweepSpecError("--executor dask needs the 'distributed' package: "
                                 "pip install 'dask[distributed]'") from None
        cluster = None
        if scheduler and scheduler.endswith(".json"):
            client = Client(scheduler_file=scheduler)
        elif scheduler:
            client = Client(scheduler)
        else:
            cluster = LocalCluster(n_workers=workers or _cpus(), threads_per_worker=1,
                                   dashboard_address=None)
            client = Client(cluster)

        def close():
            client.close()
            if cluster is not None:
                cluster.close()
        return _Owned(lambda: (client.get_executor(pure=False), _dask_capacity(client)), close)
    if kind == "mpi":
        try:
            from mpi4py.futures import MPIPoolExecutor
        except ImportError:
            raise SweepSpecError("--executor mpi needs mpi4py (and an MPI library, e.g. Debian's "
                                 "openmpi-bin and libopenmpi-dev): pip install mpi4py") from None

        def make():
            ex = MPIPoolExecutor(max_workers=workers) if workers else MPIPoolExecutor()
            return ex, max(1, getattr(ex, "num_workers", 0) or workers or 1)
        return _Owned(make)
    raise SweepSpecError(f"executor '{kind}': allowed: local, dask, mpi")


def _dask_capacity(client) -> int:
    try:
        return max(1, sum(client.nthreads().values()))
    except Exception:
        return 1


def _capacity(executor) -> int | None:
    for attr in ("_max_workers", "num_workers"):
        n = getattr(executor, attr, None)
        if isinstance(n, int) and n > 0:
            return n
    client = getattr(executor, "_client", None)
    if client is not None:
        return _dask_capacity(client)
    return None


# -- the driver ----------------------------------------------------------------------------
def _progress(total: int, initial: int, enabled: bool, label: str):
    if not enabled:
        return None
    from tqdm import tqdm

    return tqdm(total=total, initial=initial, desc=label, unit="run", file=sys.stderr,
                dynamic_ncols=True, mininterval=0.5, smoothing=0.05)


def sweep(spec: SweepSpec | str | os.PathLike | dict, out: str | os.PathLike, executor: Any = None, *,
          workers: int | None = None, threads: int | None = None, shard: tuple[int, int] | str | None = None,
          retries: int = 1, max_in_flight: int | None = None, progress: bool = True,
          index: bool | None = None, command: str | None = None) -> SweepResult:
    """Runs a parameter sweep, resumably, and writes one results file per run under ``out``.

    Parameters
    ----------
    spec : SweepSpec, path or dict
        The sweep specification (a TOML file, or a dict of the same shape).
    out : path
        The sweep directory. Running again with the same spec skips finished runs and reruns
        missing or failed ones; a different spec is refused.
    executor : concurrent.futures.Executor, dask Client, str or None
        Where runs execute. ``None`` or ``"local"``: a local process pool of ``workers``
        processes. Any ``concurrent.futures.Executor`` works: a Dask executor from
        ``client.get_executor(pure=False)`` (a ``distributed.Client`` is converted so), also on
        a dask-jobqueue ``SLURMCluster``; ``mpi4py.futures.MPIPoolExecutor`` under ``mpiexec``.
        ``"dask"`` and ``"mpi"`` make one (see :func:`make_executor`).
    workers : int, optional
        Processes of the local pool (default: every core), Dask LocalCluster workers, MPI workers.
    threads : int, optional
        Engine threads per run (default: cores / workers for the local pool, else 1). Results do
        not depend on it.
    shard : (i, n) or "i/n", optional
        Run only runs ``r`` with ``r % n == i`` (a Slurm array task); the index is not built.
    retries : int
        Further attempts, in this call, for a run that failed (an exception, a worker that died).
    max_in_flight : int, optional
        Bound on submitted, unfinished runs (default: twice the executor's workers, at least 4).
    progress : bool
        A progress bar on stderr: runs done, failed, remaining, and time left.
    index : bool, optional
        Build ``out/sweep.h5`` at the end (default: yes unless ``shard`` is given).

    Returns
    -------
    SweepResult

    Raises
    ------
    SweepSpecError
        An invalid spec, or ``out`` holds another sweep.
    KeyboardInterrupt
        On Ctrl-C, after stopping the runs in flight and removing their temporary files;
        finished runs are kept and a new call resumes.
    """
    from .slurm import parse_shard

    t_start = time.perf_counter()
    if not isinstance(spec, SweepSpec):
        spec = SweepSpec.from_dict(spec) if isinstance(spec, dict) else SweepSpec.load(spec)
    out = Path(out)
    if isinstance(shard, str):
        shard = parse_shard(shard)
    if shard is not None:
        i, n = shard
        if not (isinstance(i, int) and isinstance(n, int) and n >= 1 and 0 <= i < n):
            raise SweepSpecError(f"shard {i}/{n}: allowed: I/N with 0 <= I < N")
    if not isinstance(retries, int) or retries < 0:
        raise ValueError(f"retries must be a whole number >= 0, got {retries!r}")
    prepare_directory(spec, out)

    scope = range(spec.n_runs) if shard is None else range(shard[0], spec.n_runs, shard[1])
    result = SweepResult(out=out, total=spec.n_runs, in_scope=len(scope))
    # Runs to do are generated lazily (the driver holds only those in flight and retries), so
    # its memory does not grow with the sweep; finished ones are counted first for the bar.
    result.skipped = sum(1 for r in scope if (out / spec.run_info(r).relpath).exists())
    result.done = result.skipped
    fresh = (info for info in map(spec.run_info, scope) if not (out / info.relpath).exists())
    retry: collections.deque = collections.deque()

    def next_run() -> RunInfo | None:
        if retry:
            return retry.popleft()
        return next(fresh, None)

    owned: _Owned | None = None
    pending = result.in_scope - result.skipped
    if executor is None or isinstance(executor, str):
        if (executor or "local") == "local":
            # no more processes than runs to do (none at all when everything is done)
            workers = max(1, min(workers or _cpus(), pending))
        owned = make_executor(executor or "local", workers)
        ex, cap = owned.executor, owned.capacity
    elif hasattr(executor, "get_executor") and not isinstance(executor, cf.Executor):
        ex = executor.get_executor(pure=False)          # a dask.distributed Client
        cap = _dask_capacity(executor)
    elif isinstance(executor, cf.Executor):
        ex, cap = executor, _capacity(executor)
    else:
        raise TypeError(f"executor must be a concurrent.futures.Executor, a dask Client, "
                        f"'local', 'dask', 'mpi' or None; got {type(executor).__name__}")
    local_pool = owned is not None and isinstance(ex, cf.ProcessPoolExecutor)
    if threads is None:
        threads = max(1, _cpus() // max(1, cap or 1)) if local_pool else 1
    limit = max_in_flight or max(4, 2 * (cap or 2))
    if not isinstance(limit, int) or limit < 1:
        raise ValueError(f"max_in_flight must be a whole number >= 1, got {limit!r}")

    base = {"out": str(out), "name": spec.name, "hash": spec.hash(), "threads": threads,
            "command": command or " ".join(sys.argv), "fault": os.environ.get(FAULT_ENV)}
    bar = _progress(result.in_scope, result.skipped, progress, spec.name)
    tries: collections.Counter = collections.Counter()
    in_flight: dict = {}
    failed_final: list[int] = []

    def show():
        if bar is not None:
            remaining = result.in_scope - result.done - len(failed_final)
            bar.set_postfix_str(f"failed {len(failed_final)}, remaining {remaining}", refresh=False)

    def settle(info: RunInfo, record: dict) -> None:
        tries[info.run] += 1
        if record["status"] == "done":
            result.done += 1
            show()
            if bar is not None:
                bar.update(1)
        elif tries[info.run] <= retries:
            retry.append(info)
        else:
            failed_final.append(info.run)
            if bar is not None:
                bar.write(f"socius: run {info.run} failed after {record.get('attempt')} attempt(s): "
                          f"{record.get('error')}")
        show()

    try:
        show()
        while True:
            while len(in_flight) < limit:
                info = next_run()
                if info is None:
                    break
                task = dict(base, info=info, scenario=spec.scenarios[info.scenario])
                in_flight[ex.submit(execute, task)] = info
            if not in_flight:
                break
            finished, _ = cf.wait(list(in_flight), return_when=cf.FIRST_COMPLETED)
            broken = False
            for fut in finished:
                info = in_flight.pop(fut)
                try:
                    record = fut.result()
                except Exception as e:  # the worker died, or the executor failed the task
                    broken |= isinstance(e, cf.process.BrokenProcessPool)
                    msg = f"{type(e).__name__}: {e}"
                    if isinstance(e, cf.process.BrokenProcessPool):
                        msg += " (a worker process died; this run was in flight)"
                    attempts = _record_failure(out, info, msg, traceback.format_exc(), "driver")
                    remove_temporaries(out / info.relpath)
                    record = {"run": info.run, "status": "failed", "attempt": attempts, "error": msg}
                settle(info, record)
            if broken:
                if owned is None:
                    raise SweepRunError("the executor's process pool broke (a worker died); finished "
                                        "runs are kept: run the sweep again to resume")
                for fut in list(in_flight):  # they fail at once: the pool is gone
                    info = in_flight.pop(fut)
                    try:
                        record = fut.result()
                    except Exception as e:
                        msg = f"{type(e).__name__}: {e} (a worker process died; this run was in flight)"
                        attempts = _record_failure(out, info, msg, "", "driver")
                        remove_temporaries(out / info.relpath)
                        record = {"run": info.run, "status": "failed", "attempt": attempts, "error": msg}
                    settle(info, record)
                owned.rebuild()
                ex = owned.executor
    except BaseException as exc:
        for fut in in_flight:
            fut.cancel()
        if isinstance(exc, KeyboardInterrupt) and owned is not None and local_pool:
            # Our own workers: stop them now and remove what they were writing. Runs on other
            # executors may still be running remotely; they finish or fail on their own, and
            # their files stay atomic either way.
            owned.kill()
            for info in in_flight.values():
                remove_temporaries(out / info.relpath)
        if bar is not None:
            bar.close()
        raise
    finally:
        if owned is not None:
            owned.close()
    if bar is not None:
        show()
        bar.refresh()
        bar.close()
    result.failed = sorted(failed_final)
    if index if index is not None else shard is None:
        from .index import build_index

        result.index = build_index(out)
    result.seconds = time.perf_counter() - t_start
    return result
