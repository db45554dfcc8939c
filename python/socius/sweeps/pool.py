"""The local process pool of sweeps and comparisons, and what to say when a worker dies.

How workers start, and why. ``fork`` copies the caller as it is: its threads are gone in the
child but their locks are not, and the caller often has some (TBB's pool after a first
``Simulation``, tqdm's monitor, the executor's own manager thread, HDF5 state of open files),
so a forked worker can hang or corrupt state. ``spawn`` and ``forkserver`` start clean, but
by default each worker first runs the caller's ``__main__`` script again (to find functions
defined there), so a script without an ``if __name__ == "__main__":`` guard starts the whole
sweep again in every worker, and every run fails. Our workers need nothing from ``__main__``:
they run functions of socius on socius objects. So the pool uses a forkserver (one clean,
single-threaded process that has imported socius; workers are forked from it, quickly) and
tells the workers not to run ``__main__``. A plain script, a notebook, an interactive session
and ``python -m socius`` then behave alike, guard or not.
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import multiprocessing.context as _mpc
import multiprocessing.popen_forkserver as _popen_forkserver
import multiprocessing.spawn as _spawn
import signal
import types

__all__ = ["process_pool", "describe_exit", "worker_exits"]

# What a child must not do: run (or import) the parent's main module before unpickling a task.
_MAIN_KEYS = ("init_main_from_name", "init_main_from_path")


class _SpawnWithoutMain:
    """``multiprocessing.spawn`` as seen by our workers' launcher: its preparation data leave
    out the parent's ``__main__``; everything else is the standard module."""

    def __getattr__(self, name):
        return getattr(_spawn, name)

    @staticmethod
    def get_preparation_data(name):
        data = _spawn.get_preparation_data(name)
        for key in _MAIN_KEYS:
            data.pop(key, None)
        return data


# The standard forkserver launcher's own code, run with the spawn module above: no copy of
# CPython's code to drift from it, only the one name it looks up replaced.
_launch = types.FunctionType(_popen_forkserver.Popen._launch.__code__,
                             {**vars(_popen_forkserver), "spawn": _SpawnWithoutMain()},
                             "_launch", _popen_forkserver.Popen._launch.__defaults__,
                             _popen_forkserver.Popen._launch.__closure__)


class _Popen(_popen_forkserver.Popen):
    _launch = _launch


class _Process(_mpc.ForkServerProcess):
    @staticmethod
    def _Popen(process_obj):
        return _Popen(process_obj)


class _Context(_mpc.ForkServerContext):
    Process = _Process


_CONTEXT = _Context()


def _ignore_sigint() -> None:
    # The driver decides what Ctrl-C means (stop everything, clean up); workers ignore it, so
    # an idle worker does not die with a traceback when the terminal signals the whole group.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def process_pool(workers: int) -> cf.ProcessPoolExecutor:
    """A pool of ``workers`` processes that works the same from a script without a main guard,
    a notebook or an interactive session (see the module's docstring)."""
    _CONTEXT.set_forkserver_preload(["socius.sweeps.runner"])  # imported once, in the server
    return cf.ProcessPoolExecutor(max_workers=workers, mp_context=_CONTEXT, initializer=_ignore_sigint)


def worker_exits(pool: cf.ProcessPoolExecutor) -> dict[int, int | None]:
    """Shuts a broken pool down and returns ``{pid: exit code}`` of its worker processes.

    The worker that died first has its own exit code (minus the signal number, or what it
    passed to ``exit``); the pool then ends the others with SIGTERM. The codes are read after
    the pool's own thread has collected them (reading them while it does could lose one).
    """
    procs = dict(getattr(pool, "_processes", None) or {})  # no public list of workers before 3.14
    pool.shutdown(wait=True, cancel_futures=True)
    return {pid: p.exitcode for pid, p in procs.items()}


def describe_exit(code: int | None) -> str:
    """``was killed by signal SIGSEGV (11)`` or ``exited with code 17``: how a process ended."""
    if code is None:
        return "ended in an unknown way"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        hint = {signal.SIGSEGV: "; a crash in the engine", signal.SIGKILL: "; e.g. out of memory",
                signal.SIGABRT: "; a crash in the engine", signal.SIGBUS: "; a crash in the engine"}
        return f"was killed by signal {name} ({-code}){hint.get(-code, '')}"
    return f"exited with code {code}"
