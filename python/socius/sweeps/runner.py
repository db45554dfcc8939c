"""Running a sweep on any ``concurrent.futures.Executor``, resumably.

The driver walks the runs of its shard in order, skips those whose results file exists, and
submits the others with a bounded number in flight. Each task runs in a worker (a process of the
local pool, a Dask worker, an MPI rank), writes its own results file atomically through
:func:`socius.simulation.run_to_file`, and returns a few numbers; the driver keeps nothing per
run, so its memory does not grow with the sweep. A failed attempt leaves
``rNNNNNNN.error.json`` (traceback, attempt count) beside where the results file would be; a
later attempt that succeeds removes it. When every run of a block of 1,000 has its file, the
driver gathers them into the block's file for the index (:mod:`.blocks`), in a thread of its own.
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

from .. import _core
from .._values import integer, show
from ..simulation import Simulation, run_to_file
from .claims import claim_holder, claim_run, directory_lock, lock_path, remove_stale_temporaries
from .pool import describe_exit, process_pool, worker_exits
from .blocks import block_range, update_block
from .index import build_index, recorded_spec
from .layout import SPEC_FILE, block_of, error_path, read_error
from .spec import RunInfo, SweepSpec, SweepSpecError

__all__ = ["sweep", "SweepResult", "RunError", "SweepRunError", "prepare_directory", "make_executor",
           "runs_in_scope", "run_label"]

# A test hook for fault injection, read by the driver and sent with each task (workers may have
# started before the variable was set): "RUN:MODE[:MARKER]" where RUN is a run number or "*"
# (every run) and MODE is "raise" (the run raises), "refuse" (it raises ScenarioError, as a model
# refusing its input does), "exit" (the worker process dies with os._exit(17) in the middle of
# the run) or "segv" (it dies of SIGSEGV, as in an engine crash).
# With MARKER the fault fires only once: when the marker file does not exist yet (it is created).
FAULT_ENV = "_SOCIUS_SWEEP_FAULT"


class RunError(_core.Error):
    """A run of a sweep or a comparison failed: it raised, or its worker process died. The
    message names the run (scenario, point, replicate, seed) and, for a dead worker, its signal
    or exit code."""


class SweepRunError(RunError):
    """The sweep could not go on (the executor broke, or every run failed); finished runs are
    kept and the same call resumes."""


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
        Runs in scope that are finished (including those finished before this call, and those
        another process sharing the directory finished during it).
    skipped : int
        Runs in scope that were already finished, so not run again.
    computed : int
        Runs in scope that this call computed.
    by_others : int
        Runs in scope that another process (another driver, shard or array task) computed while
        this call ran: this call saw them claimed and waited instead of computing them twice.
    failed : list of int
        Runs in scope that failed every attempt (see ``DIR/runs/*/rNNNNNNN.error.json``).
    errors : dict of int to str
        For each failed run, one line: the run (scenario, point, replicate, seed, values) and
        its last error, or how its worker process died (signal or exit code).
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
    computed: int = 0
    by_others: int = 0
    failed: list = field(default_factory=list)
    errors: dict = field(default_factory=dict)
    index: Path | None = None
    seconds: float = 0.0

    @property
    def complete(self) -> bool:
        return self.done == self.in_scope


# -- the sweep directory -------------------------------------------------------------------
def prepare_directory(spec: SweepSpec, out: Path) -> None:
    """Creates ``out`` and records the spec there, or checks that ``out`` holds this sweep.

    Several drivers or shards may start at once: they take turns (``out/.sweep.lock``), so
    exactly one writes the spec and the others compare with it; the spec is written under a
    temporary name and linked into place, so it is never seen half written nor replaced.
    """
    out = Path(out)
    target = out / SPEC_FILE
    with directory_lock(out):
        if not target.exists():
            text = spec.to_toml()
            tmp = out / f".{SPEC_FILE}.tmp-{os.getpid()}-{socket.gethostname()}"
            tmp.write_text(text, encoding="utf-8")
            try:
                os.link(tmp, target)
            except FileExistsError:
                pass
            except OSError:  # a file system without hard links: the lock makes us the only writer
                if not target.exists():
                    os.replace(tmp, target)
            finally:
                tmp.unlink(missing_ok=True)
    existing = recorded_spec(target)
    if existing.hash() != spec.hash():
        raise SweepSpecError(
            f"{out}: this directory holds another sweep ('{existing.name}', hash {existing.hash()}; "
            f"this spec has hash {spec.hash()}): a changed spec or scenario would mix results. "
            "Use another --out, or delete the directory to start again"
        )


def runs_in_scope(n_runs: int, shard: tuple[int, int] | None, group_size: int | None = None):
    """The runs a call is responsible for: all, or with ``shard = (i, n)`` the runs ``r`` with
    ``r % n == i`` (slow corners of a design are spread over the shards).

    With ``group_size`` (runs per scenario: a sweep whose groups share a burn-in), runs go
    group by group (the runs ``g, g + group_size, ...`` of every scenario), and a shard takes the
    groups ``g`` with ``g % n == i``, so that a group is never split between shards.
    """
    if group_size is None:
        if shard is None:
            return range(n_runs)
        i, n = shard
        return range(i, n_runs, n)
    i, n = shard if shard is not None else (0, 1)
    return [s + g for g in range(i, group_size, n) for s in range(0, n_runs, group_size)]


def run_label(spec: SweepSpec, info: RunInfo) -> str:
    """``run 12 (scenario 'a', point 6, replicate 0, seed 123; davidsen.p = 0.1)``."""
    values = "; " + ", ".join(f"{k} = {show(v)}" for k, v in info.values.items()) if info.values else ""
    return (f"run {info.run} (scenario '{spec.scenarios[info.scenario].name}', point {info.point}, "
            f"replicate {info.replicate}, seed {info.seed}{values})")


def _write_error(path: Path, record: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}-{socket.gethostname()}")
    tmp.write_text(json.dumps(record, indent=1), encoding="utf-8")
    os.replace(tmp, path)


def _record_failure(out: Path, info: RunInfo, error: str, tb: str, where: str) -> int:
    err_path = error_path(out / info.relpath)
    attempts = int(read_error(err_path).get("attempts", 0)) + 1
    _write_error(err_path, {"run": info.run, "attempts": attempts, "error": error, "traceback": tb,
                            "where": where, "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())})
    return attempts


# -- the worker ----------------------------------------------------------------------------
def fault_for(run: int, spec: str | None) -> str | None:
    """The fault mode ``FAULT_ENV`` (given as ``spec``) asks for in ``run``, or ``None``."""
    if not spec:
        return None
    parts = spec.split(":", 2)
    if parts[0] != "*" and int(parts[0]) != run:
        return None
    if len(parts) > 2:
        marker = Path(parts[2])
        try:
            marker.touch(exist_ok=False)
        except FileExistsError:
            return None
    return parts[1]


def fire_fault(mode: str, run: int) -> None:
    """Does what ``mode`` says: die (``exit``, ``segv``) or raise (``raise``)."""
    if mode == "exit":
        os._exit(17)
    if mode == "segv":
        signal.signal(signal.SIGSEGV, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGSEGV)
    if mode == "refuse":
        raise _core.ScenarioError(f"injected refusal in run {run}")
    raise RuntimeError(f"injected fault in run {run}")


def _inject_fault(sim: Simulation, run: int, spec: str | None) -> None:
    mode = fault_for(run, spec)
    if mode is None:
        return
    steps = max(0, sim.steps_total - sim.steps_done + sim.time)  # the horizon in policy time
    sim.every(steps + 1, lambda _sim: fire_fault(mode, run), start=steps // 2)


def _run_one(task: dict, info: RunInfo, scenario, path: Path, state: bytes | None, t0: float) -> dict:
    """Computes one claimed run and writes its results file: from the start, or continuing the
    burnt-in ``state`` of its group (same seed) under its own scenario."""
    out = Path(task["out"])
    remove_stale_temporaries(path)
    err_path = error_path(path)
    attempt = int(read_error(err_path).get("attempts", 0)) + 1
    host = socket.gethostname()
    try:
        scenario = scenario.with_overrides(info.values, origin="sweep parameters")
        sim = None
        if state is not None:
            try:
                sim = Simulation.branch(state, scenario, threads=task["threads"])
            except _core.ScenarioError:
                sim = None  # a key that shaped the burn-in differs: this one burns in on its own
        if sim is None:
            sim = Simulation(scenario, seed=info.seed, threads=task["threads"])
        _inject_fault(sim, info.run, task.get("fault"))
        attrs = {"sweep_name": task["name"], "sweep_hash": task["hash"], "sweep_run": info.run,
                 "sweep_scenario": info.scenario, "sweep_point": info.point,
                 "sweep_replicate": info.replicate, "sweep_attempt": attempt, "sweep_host": host}
        run_to_file(sim, path, progress=False, command=task["command"], attributes=attrs)
    except Exception as e:  # recorded; the driver decides whether to retry
        tb = traceback.format_exc()
        error = f"{type(e).__name__}: {e}"
        attempts = _record_failure(out, info, error, tb, f"{host} pid {os.getpid()}")
        return {"run": info.run, "status": "failed", "attempt": attempts, "error": error,
                "refused": isinstance(e, ValueError), "seconds": time.perf_counter() - t0}
    err_path.unlink(missing_ok=True)
    return {"run": info.run, "status": "done", "attempt": attempt, "seconds": time.perf_counter() - t0}


def execute_group(task: dict) -> list[dict]:
    """Runs a group of runs with one seed and design point (the options of an appraisal for one
    draw and replicate) in a worker: one burn-in, with ``task["burn_in_scenario"]``, then each
    run continues it under its own scenario (:meth:`Simulation.branch`), bit for bit the run
    from the start, and writes its results file as :func:`execute` does. Runs are claimed
    first; those another process holds or finished are reported so. Returns one record per run.
    """
    out = Path(task["out"])
    records: list[dict] = []
    todo = []
    try:
        for info, scenario in zip(task["infos"], task["scenarios"]):
            path = out / info.relpath
            claim = claim_run(path)
            if claim is None:
                records.append({"run": info.run, "status": "taken", "holder": claim_holder(path)})
            elif path.exists():
                claim.release()
                records.append({"run": info.run, "status": "done", "by_other": True})
            else:
                todo.append((info, scenario, path, claim))
        state = None
        t0 = time.perf_counter()
        if len(todo) > 1 and len({info.seed for info, *_ in todo}) == 1 and task.get("burn_in_scenario") is not None:
            try:
                first = todo[0][0]
                burn = task["burn_in_scenario"].with_overrides(first.values, origin="sweep parameters")
                sim = Simulation(burn, seed=first.seed, threads=task["threads"])
                sim.run_burn_in()
                state = sim.state()
                del sim
            except Exception:  # each run then burns in on its own and records its own error
                state = None
        for info, scenario, path, claim in todo:
            with claim:
                records.append(_run_one(task, info, scenario, path, state, t0))
            t0 = time.perf_counter()
    finally:
        for *_, claim in todo:
            claim.release()
    return records


def execute(task: dict) -> dict:
    """Runs one sweep run in a worker and writes its results file; returns a small record.

    The run is claimed first (see :mod:`socius.sweeps.claims`): if another live process holds
    it, nothing is computed and the record says ``status = "taken"``. Exceptions inside the run
    are caught and recorded in ``rNNNNNNN.error.json`` (traceback and attempt count); the
    record says ``status = "failed"``, and ``refused = True`` for a refusal of the input
    (``ValueError``, e.g. ``ScenarioError``), which would fail the same way again.
    """
    t0 = time.perf_counter()
    info: RunInfo = task["info"]
    out = Path(task["out"])
    path = out / info.relpath
    claim = claim_run(path)
    if claim is None:
        return {"run": info.run, "status": "taken", "holder": claim_holder(path)}
    with claim:
        if path.exists():  # finished by another process since the driver looked
            return {"run": info.run, "status": "done", "by_other": True}
        return _run_one(task, info, task["scenario"], path, None, t0)


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

    def kill(self) -> set[int]:
        """Stops the pool's workers now; returns their process ids (all dead on return)."""
        procs = getattr(self.executor, "_processes", None) or {}
        for p in list(procs.values()):  # no public way to stop busy workers before Python 3.14
            try:
                p.terminate()
            except Exception:
                pass
        for p in list(procs.values()):
            p.join(timeout=5)
        _shutdown(self.executor, wait=False)
        return {pid for pid, p in list(procs.items()) if p.exitcode is not None}

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
        n = workers or _cpus()
        # How workers start (a forkserver that never reruns the caller's __main__) and why:
        # see socius.sweeps.pool.
        return _Owned(lambda: (process_pool(n), n))
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
          index: bool | None = None, command: str | None = None, share_burn_in: bool = False) -> SweepResult:
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
    share_burn_in : bool
        Run the scenarios of one design point and replicate (same seed) as one task that burns
        in once, with the first scenario, and continues each scenario from that state
        (:func:`execute_group`): bit for bit the runs from the start, when the scenarios differ
        only in policy keys (a scenario that differs in another key burns in on its own). Shards
        then take whole groups. Used by ``socius appraise``.

    Returns
    -------
    SweepResult

    Raises
    ------
    SweepSpecError
        An invalid spec (every design point is checked before the first run), or ``out`` holds
        another sweep; also when every run in scope was refused by the model.
    SweepRunError
        Every run in scope failed (the message names the first: run, scenario, point,
        replicate, seed, and the error or how its worker died), or an executor not made here
        broke. Finished runs are kept; a new call resumes.
    KeyboardInterrupt
        On Ctrl-C, after stopping the runs in flight and removing their temporary files;
        finished runs are kept and a new call resumes.

    Notes
    -----
    Several calls may share ``out`` at once (two drivers, the shards of a Slurm array, a
    resubmitted array): each run is claimed by the process computing it, a run that another
    live process holds is waited for instead of computed twice, and only temporary files of dead
    processes are removed (see :mod:`socius.sweeps.claims`). Works from a script without an
    ``if __name__ == "__main__":`` guard, a notebook or an interactive session alike.
    """
    from .slurm import parse_shard

    t_start = time.perf_counter()
    if not isinstance(spec, SweepSpec):
        spec = SweepSpec.from_dict(spec) if isinstance(spec, dict) else SweepSpec.load(spec)
    out = Path(out)
    if isinstance(shard, str):
        shard = parse_shard(shard)
    if shard is not None:
        if not isinstance(shard, (tuple, list)) or len(shard) != 2:
            raise SweepSpecError(f"shard {shard!r}: allowed: (I, N) or \"I/N\" with 0 <= I < N")
        i, n = integer(shard[0], "shard index"), integer(shard[1], "shard count")
        if not (n >= 1 and 0 <= i < n):
            raise SweepSpecError(f"shard {i}/{n}: allowed: I/N with 0 <= I < N")
        shard = (i, n)
    retries = integer(retries, "retries", minimum=0)
    workers = integer(workers, "workers", minimum=1, allow_none=True)
    threads = integer(threads, "threads", minimum=1, allow_none=True)
    max_in_flight = integer(max_in_flight, "max_in_flight", minimum=1, allow_none=True)
    prepare_directory(spec, out)

    per_scenario = spec.n_points * spec.replicates
    scope = runs_in_scope(spec.n_runs, shard, per_scenario if share_burn_in else None)
    result = SweepResult(out=out, total=spec.n_runs, in_scope=len(scope))
    # Runs to do are generated lazily (the driver holds only those in flight, retries and runs
    # other processes hold), so its memory hardly grows with the sweep: one byte per run says
    # whether it was finished before this call (skipped) or by another process during it.
    existed = bytearray(1 if (out / spec.run_info(r).relpath).exists() else 0 for r in scope)
    result.skipped = result.done = sum(existed)
    # Runs of each block this call still has to settle: when a block's reach 0 and every run
    # of the block has its results file, the block is consolidated (_consolidate_if_complete).
    block_left: collections.Counter = collections.Counter(
        block_of(r) for k, r in enumerate(scope) if not existed[k])
    # Blocks are written by one thread of the driver, beside the loop that submits runs, so
    # that gathering 1,000 run files never holds up the runs (the driver itself uses no HDF5).
    consolidator = cf.ThreadPoolExecutor(1, thread_name_prefix="socius-blocks")
    fresh = (spec.run_info(r) for k, r in enumerate(scope) if not existed[k])
    retry: collections.deque = collections.deque()
    deferred: dict[int, RunInfo] = {}  # runs another live process holds: waited for, not computed
    host = socket.gethostname()

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

    base = {"out": str(out), "name": spec.name, "hash": spec.hash(), "threads": threads,
            "command": command or " ".join(sys.argv), "fault": os.environ.get(FAULT_ENV)}
    bar = _progress(result.in_scope, result.skipped, progress, spec.name)
    tries: collections.Counter = collections.Counter()
    in_flight: dict = {}
    failed_final: list[int] = []
    refused_only = True

    def show_state():
        if bar is not None:
            remaining = result.in_scope - result.done - len(failed_final)
            held = f", {len(deferred)} held by other processes" if deferred else ""
            bar.set_postfix_str(f"failed {len(failed_final)}, remaining {remaining}{held}", refresh=False)

    def block_settled(run: int) -> None:
        b = block_of(run)
        block_left[b] -= 1
        if block_left[b] == 0:
            del block_left[b]
            consolidator.submit(_consolidate_if_complete, spec, out, b, bar)

    def finished_elsewhere(run: int) -> None:
        block_settled(run)
        result.done += 1
        result.by_others += 1
        if bar is not None:
            bar.update(1)

    def next_run() -> RunInfo | None:
        while True:
            info = retry.popleft() if retry else next(fresh, None)
            if info is None:
                return None
            path = out / info.relpath
            if path.exists():  # another process finished it since this call started
                finished_elsewhere(info.run)
                continue
            if claim_holder(path) is not None:
                deferred[info.run] = info  # another live process is computing it: wait for it
                continue
            return info

    def recheck_deferred() -> None:
        for run, info in list(deferred.items()):
            path = out / info.relpath
            if path.exists():
                del deferred[run]
                finished_elsewhere(run)
            elif claim_holder(path) is None:  # its holder gave it up (failed, or died): ours now
                del deferred[run]
                retry.append(info)
        show_state()

    def settle(info: RunInfo, record: dict) -> None:
        nonlocal refused_only
        status = record["status"]
        if status == "taken":
            deferred[info.run] = info
        elif status == "done":
            if record.get("by_other"):
                finished_elsewhere(info.run)
            else:
                result.done += 1
                result.computed += 1
                if bar is not None:
                    bar.update(1)
                block_settled(info.run)
        else:
            tries[info.run] += 1
            message = f"{run_label(spec, info)} failed: {record.get('error')}"
            if record.get("refused"):
                # a refusal of the input fails the same way every time: never retried
                failed_final.append(info.run)
                result.errors[info.run] = message
            elif tries[info.run] <= retries:
                retry.append(info)
                return show_state()
            else:
                refused_only = False
                failed_final.append(info.run)
                result.errors[info.run] = message
            if bar is not None:
                bar.write(f"socius: {message} (attempt {record.get('attempt')})")
            block_settled(info.run)
        show_state()

    def fail(info: RunInfo, error: str, tb: str = "") -> None:
        attempts = _record_failure(out, info, error, tb, f"driver on {host} pid {os.getpid()}")
        settle(info, {"run": info.run, "status": "failed", "attempt": attempts, "error": error})

    def broken_pool(stuck: list[RunInfo]):
        """The pool broke: blames the run whose worker died, retries the others; the new executor."""
        if not local_pool:
            raise SweepRunError(
                "the executor's process pool broke (a worker died) while these runs were in "
                "flight: " + "; ".join(run_label(spec, i) for i in stuck)
                + "; finished runs are kept: run the sweep again to resume")
        _after_broken_pool(owned, stuck, out, host, fail, retry)
        return owned.executor

    last_check = time.monotonic()
    try:
        show_state()
        while True:
            while len(in_flight) < limit:
                info = next_run()
                if info is None:
                    break
                group = [info]
                if share_burn_in:  # the other scenarios' runs of this point and replicate
                    while len(group) < len(spec.scenarios):
                        more = next_run()
                        if more is None:
                            break
                        if more.run % per_scenario != info.run % per_scenario:
                            retry.appendleft(more)  # the next group's: taken next time
                            break
                        group.append(more)
                    task = dict(base, infos=group, scenarios=[spec.scenarios[i.scenario] for i in group],
                                burn_in_scenario=spec.scenarios[0])
                    call = execute_group
                else:
                    task = dict(base, info=info, scenario=spec.scenarios[info.scenario])
                    call = execute
                try:
                    in_flight[ex.submit(call, task)] = group
                except cf.process.BrokenProcessPool:  # a worker died since the last wait
                    stuck = [*group, *_flat(in_flight.values())]  # these never started: retried free
                    in_flight.clear()
                    ex = broken_pool(stuck)
            if not in_flight:
                if not deferred:
                    break
                time.sleep(_POLL_SECONDS)  # only runs held by other processes remain
                recheck_deferred()
                continue
            finished, _ = cf.wait(list(in_flight), timeout=_POLL_SECONDS if deferred else None,
                                  return_when=cf.FIRST_COMPLETED)
            if deferred and time.monotonic() - last_check >= _POLL_SECONDS:
                last_check = time.monotonic()
                recheck_deferred()
            stuck: list[RunInfo] = []
            for fut in finished:
                group = in_flight.pop(fut)
                try:
                    records = fut.result()
                except cf.process.BrokenProcessPool:
                    stuck.extend(group)
                    continue
                except Exception as e:  # the executor failed the task (e.g. Dask gave up on it)
                    for info in group:
                        fail(info, f"{type(e).__name__}: {e}", traceback.format_exc())
                    continue
                by_run = {r["run"]: r for r in (records if isinstance(records, list) else [records])}
                for info in group:
                    settle(info, by_run[info.run])
            if stuck:
                stuck += _flat(in_flight.values())  # they fail at once: the pool is gone
                in_flight.clear()
                ex = broken_pool(stuck)
    except BaseException as exc:
        for fut in in_flight:
            fut.cancel()
        if isinstance(exc, KeyboardInterrupt) and local_pool:
            # Our own workers: stop them now and remove what they were writing (only their
            # files: another process may hold one of these runs by now). Runs on other
            # executors may still be running remotely; they finish or fail on their own, and
            # their files stay atomic either way.
            pids = owned.kill()
            for info in _flat(in_flight.values()):
                remove_stale_temporaries(out / info.relpath, pids=pids)
        if bar is not None:
            bar.close()
        raise
    finally:
        if owned is not None:
            owned.close()
        # a block being written is finished (seconds at most); blocks not started are left to
        # the index
        consolidator.shutdown(wait=True, cancel_futures=sys.exc_info()[0] is not None)
    if bar is not None:
        show_state()
        bar.refresh()
        bar.close()
    result.failed = sorted(failed_final)
    result.seconds = time.perf_counter() - t_start
    if result.failed and result.done == 0:
        first = result.errors[result.failed[0]]
        where = f" of shard {shard[0]}/{shard[1]}" if shard else ""
        message = (f"sweep '{spec.name}': every run{where} failed ({len(result.failed)} of "
                   f"{result.in_scope}); the first: {first}; error records: {out}/runs/*/r*.error.json")
        raise (SweepSpecError if refused_only else SweepRunError)(message)
    if index if index is not None else shard is None:
        # Blocks were gathered as they completed; what is left (blocks with failed runs) is
        # brought up to date by a local pool only when the runs had one (no processes started
        # inside an MPI rank or beside a Dask client)
        result.index = build_index(out, workers=None if local_pool else 1)
        result.seconds = time.perf_counter() - t_start
    return result


def _flat(groups) -> list:
    """The runs of the groups in flight, in one list."""
    return [info for group in groups for info in group]


# How often a driver looks again at runs other processes hold.
_POLL_SECONDS = 0.5


def _consolidate_if_complete(spec: SweepSpec, out: Path, block: int, bar) -> None:
    """Gathers a block's runs into its block file (:mod:`.blocks`) once every run of the block
    has its results file, so that the index (here, or ``sweep-index`` after the shards of an
    array) has little left to read. Skipped when another process is consolidating the block or
    some of its runs are not done (the index consolidates what is left). A failure here costs
    nothing but time later: the run files are untouched, so it is reported and the sweep goes
    on."""
    try:
        update_block(out, spec, block, wait=False, only_if_complete=True)
    except Exception as e:  # noqa: BLE001 - the runs are safe; the index will try again
        message = (f"socius: could not consolidate block {block} (runs {block_range(block, spec.n_runs).start}-"
                   f"{block_range(block, spec.n_runs).stop - 1}): {type(e).__name__}: {e}; the index will try again")
        if bar is not None:
            bar.write(message)
        else:
            print(message, file=sys.stderr)


def _claim_owner(results: Path) -> tuple[str, int] | None:
    """(host, pid) written in a run's claim file by the last process that claimed it."""
    try:
        parts = lock_path(results).read_text(encoding="utf-8", errors="replace").split()
        return parts[0], int(parts[1])
    except (OSError, IndexError, ValueError):
        return None


def _after_broken_pool(owned: "_Owned", stuck: list, out: Path, host: str, fail, retry) -> None:
    """After a worker of our local pool died: fails the run it was running, naming how it
    died; requeues, without counting an attempt, the runs that only shared the pool with it;
    removes the dead workers' temporary files; and starts a new pool."""
    exits = worker_exits(owned.executor)
    dead = {pid: code for pid, code in exits.items() if code is not None and code != -signal.SIGTERM}
    culprits = {}
    for info in stuck:
        owner = _claim_owner(out / info.relpath)
        if owner is not None and owner[0] == host and owner[1] in dead:
            culprits[info.run] = owner[1]
        remove_stale_temporaries(out / info.relpath, pids=set(exits))
    for info in stuck:
        pid = culprits.get(info.run)
        if pid is not None:
            stale = claim_run(out / info.relpath)  # its dead holder's claim file: tidy it away
            if stale is not None:
                stale.release()
            fail(info, f"its worker process (pid {pid}) {describe_exit(dead[pid])}")
        elif not culprits:  # we cannot tell which run it was: each counts one attempt
            how = "; ".join(f"pid {p} {describe_exit(c)}" for p, c in dead.items()) or "unknown"
            fail(info, f"a worker process died while this run was in flight ({how})")
        else:
            retry.appendleft(info)
    owned.rebuild()
