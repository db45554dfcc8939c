"""Who owns what in a shared sweep directory: per-run claims, a directory lock, stale files.

Several processes may work in one sweep directory at once: two drivers started on the same
folder, the shards of a Slurm array, a resubmitted array whose first tasks still run. Each run
is computed by whoever holds its claim, ``runs/NNNN/.rNNNNNNN.lock``, locked with ``flock``
for as long as the run is being computed. The kernel (or the NFS server) drops the lock when
its holder exits for any reason, so a dead owner's leftovers never block anyone: a lock file
nobody holds is free and is simply taken. ``flock`` rather than ``fcntl`` record locks because
record locks belong to a process, so two threads of one Dask worker would both get them; flock
locks belong to an open file, so they exclude each other within a process too.

Temporary results files are named ``.rNNNNNNN.h5.tmp-PID``; only those whose process is dead
are removed (:func:`remove_stale_temporaries`), never one that a live process is writing.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import re
import socket
import time
from pathlib import Path

__all__ = ["Claim", "claim_run", "claim_holder", "directory_lock", "lock_path", "pid_alive",
           "remove_stale_temporaries"]

# File systems that cannot lock (flock fails with one of these): claims are then not available
# and every run is treated as free, as before claims existed; results stay atomic either way.
_NO_LOCKING = {errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS, errno.EINVAL}
_TMP = re.compile(r"\.tmp-(\d+)$")


def lock_path(results: Path) -> Path:
    """The claim file of the run whose results file is ``results``."""
    return results.with_name(f".{results.stem}.lock")


def pid_alive(pid: int) -> bool:
    """True if a process ``pid`` exists on this host (or may exist: not ours to signal)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Claim:
    """A held claim on one run; :meth:`release` (or leaving a ``with`` block) gives it up."""

    def __init__(self, fd: int | None, path: Path):
        self._fd = fd
        self.path = path

    def release(self) -> None:
        if self._fd is None:
            return
        try:
            # Remove the file while still holding it; a process that opened it just before
            # sees that its file is no longer the one at the path and opens again (claim_run).
            same = os.stat(self.path).st_ino == os.fstat(self._fd).st_ino
            if same:
                os.unlink(self.path)
        except OSError:
            pass
        finally:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> "Claim":
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def claim_run(results: Path) -> Claim | None:
    """Claims the run whose results file is ``results``; ``None`` if a live process holds it.

    The claim file records this host and process (for messages only: the lock is what counts).
    """
    path = lock_path(results)
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        except OSError as e:
            os.close(fd)
            if e.errno in _NO_LOCKING:
                return Claim(None, path)
            raise
        try:
            current = os.stat(path).st_ino
        except FileNotFoundError:
            current = None
        if current != os.fstat(fd).st_ino:  # its last holder removed it meanwhile: try again
            os.close(fd)
            continue
        os.ftruncate(fd, 0)
        os.write(fd, f"{socket.gethostname()} {os.getpid()} {time.time():.0f}\n".encode())
        return Claim(fd, path)


def claim_holder(results: Path) -> str | None:
    """``"HOST pid PID"`` of the live process that holds the run's claim, else ``None``.

    A probe: it takes the lock for an instant if it is free and never creates the file.
    """
    path = lock_path(results)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
    except FileNotFoundError:
        return None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            text = os.pread(fd, 200, 0).decode(errors="replace").split()
            return f"{text[0]} pid {text[1]}" if len(text) >= 2 else "another process"
        except OSError as e:
            if e.errno in _NO_LOCKING:
                return None
            raise
        fcntl.flock(fd, fcntl.LOCK_UN)
        return None
    finally:
        os.close(fd)


@contextlib.contextmanager
def directory_lock(folder: Path):
    """Holds ``folder/.sweep.lock`` (waiting for it) while the spec or the index is written, so
    that two processes never write or replace them at the same time."""
    folder.mkdir(parents=True, exist_ok=True)
    fd = os.open(folder / ".sweep.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
        except OSError as e:
            if e.errno not in _NO_LOCKING:
                raise
        yield
    finally:
        os.close(fd)  # closing releases the lock; the file stays (removing it would race)


def remove_stale_temporaries(results: Path, pids: set[int] | None = None) -> list[Path]:
    """Removes ``.NAME.tmp-PID`` files of ``results`` left by processes that are dead.

    With ``pids``, only files of those processes (the caller's own workers, known to be dead)
    are removed; without, files of any process that no longer exists on this host, and never
    this process's own. Returns the removed paths.
    """
    removed = []
    for tmp in results.parent.glob(f".{results.name}.tmp-*"):
        m = _TMP.search(tmp.name)
        if m is None:
            continue
        pid = int(m.group(1))
        if pids is not None:
            if pid not in pids:
                continue
        elif pid == os.getpid() or pid_alive(pid):
            continue
        try:
            tmp.unlink()
            removed.append(tmp)
        except FileNotFoundError:
            pass
    return removed
