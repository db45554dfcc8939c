"""Block files: what the index needs of 1,000 runs, gathered into one file with contiguous arrays.

A sweep of tens of thousands of runs cannot be indexed run file by run file: an index with one
HDF5 virtual source per run file takes memory and time in proportion to the runs to build, and
opening it and reading one indicator opens every run file. So the runs of each block (the 1,000
runs of one folder ``runs/NNNN/``) are consolidated into one block file ``runs/NNNN.h5``:

- ``indicators(run, time, group, indicator)`` float64, the runs' recorded values exactly as in
  their files (NaN for a run that is not in the block, and at times a run did not record),
  restricted to the groups and indicators the spec keeps (``[record]``), in its order; chunked
  as ``(K, time, group, 1)`` with K such that K runs' values are about 4 MiB (what a writer holds
  in memory), so that reading one indicator of every run reads contiguous pieces;
- per run (slot ``k`` is run ``first + k``): ``present`` (its values are here), ``recorded``
  (``run x time``: the times it recorded), ``seed``, ``attempt``, ``wall_seconds``, one
  ``summary/NAME`` per summary statistic (computed from the run's whole file), ``note`` (why a
  run file is not used: unreadable, or of another sweep), and ``file_size`` / ``file_mtime_ns``
  of the run file the values came from;
- attributes: ``format`` (``socius-sweep-block-1``), ``sweep_hash``, ``block``, ``first_run``,
  ``runs``, the groups and indicators the runs record (``recorded_groups``, JSON).

The run files stay the record of each run (with everything else they hold: tie-graph snapshots,
degree distributions, the scenario); a block file is derived from them and never replaces one.
A block file is current when, for every run, the run file it used is still there with the same
size and modification time, and no other run file has appeared: a folder listing and one
``stat`` per run tell, without opening a run file. Otherwise :func:`update_block` writes a new
block file that keeps the current entries of the old one and reads only the run files that are
new or changed (also those of runs rerun after a deletion), so consolidation costs one read per
run over a whole sweep, however often the index is rebuilt.

A block file is written under a temporary name (``.NNNN.h5.tmp-PID``) and renamed when
complete, while its writer holds the block's claim (``runs/.NNNN.lock``, the same ``flock``
claims as runs, :mod:`.claims`): a killed consolidation leaves only a temporary file, which
the next one removes, and never a block file that looks complete; two processes never write one
block at once. Values are copied bit for bit, so an index over block files equals one over run
files value for value, whichever executor or shard wrote the runs.
"""

from __future__ import annotations

import json
import os
import time as _time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..files import strings, text
from .claims import claim_run, remove_stale_temporaries
from . import layout as _layout
from .layout import block_relpath, run_name
from .spec import SweepSpec, SweepSpecError

__all__ = ["BLOCK_FORMAT", "Block", "update_block", "read_block", "block_range", "is_current", "consolidate_task"]

BLOCK_FORMAT = "socius-sweep-block-1"

# Bytes of one chunk of the indicators dataset (and of the slab of runs held in memory while a
# block is written): bounds a block writer's memory whatever the size of a run.
_SLAB_BYTES = 4 * 1024 * 1024


def block_range(block: int, n_runs: int) -> range:
    """The runs of block ``block``."""
    size = _layout.BLOCK_SIZE
    return range(block * size, min(n_runs, (block + 1) * size))


@dataclass
class Block:
    """What the index needs of one block, read from its block file (not the values)."""

    block: int
    first: int
    count: int
    path: Path | None = None                     # the block file; None when no run has a file
    times: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    groups: list = field(default_factory=list)
    indicators: list = field(default_factory=list)
    recorded_groups: list = field(default_factory=list)
    recorded_indicators: list = field(default_factory=list)
    present: np.ndarray | None = None            # bool per slot
    full: bool = True                            # every present run recorded every time
    seed: np.ndarray | None = None
    attempt: np.ndarray | None = None
    wall: np.ndarray | None = None
    summaries: dict = field(default_factory=dict)
    notes: dict = field(default_factory=dict)    # slot -> why its run file is not used
    identity: dict = field(default_factory=dict)  # slot -> (size, mtime_ns) of the file used
    errors: set = field(default_factory=set)     # slots with an error record (rNNNNNNN.error.json)
    files: set = field(default_factory=set)      # slots with a results file now

    @property
    def rows(self) -> int:
        return int(self.present.sum()) if self.present is not None else 0


def _scan(folder: Path, first: int, count: int) -> tuple[dict, set]:
    """``({slot: (size, mtime_ns)} of results files, {slots with an error record})`` of a run
    folder: one listing, one stat per results file."""
    files: dict = {}
    errors: set = set()
    try:
        it = os.scandir(folder)
    except (FileNotFoundError, NotADirectoryError):
        return files, errors
    with it:
        for e in it:
            name = e.name
            if not name.startswith("r"):
                continue
            if name.endswith(".h5"):
                stem, is_err = name[1:-3], False
            elif name.endswith(".error.json"):
                stem, is_err = name[1:-11], True
            else:
                continue
            if not stem.isdigit():
                continue
            k = int(stem) - first
            if not 0 <= k < count:
                continue
            if is_err:
                errors.add(k)
                continue
            try:
                st = e.stat()
            except FileNotFoundError:
                continue
            files[k] = (st.st_size, st.st_mtime_ns)
    return files, errors


def read_block(path: Path, spec_hash: str, block: int, first: int, count: int) -> Block | None:
    """The block file's per-run data (not its values), or ``None`` if it is missing, unreadable,
    of another sweep or of another block."""
    import h5py

    try:
        with h5py.File(path, "r") as f:
            a = f.attrs
            if (text(a.get("format", "")) != BLOCK_FORMAT or text(a.get("sweep_hash", "")) != spec_hash
                    or int(a.get("block", -1)) != block or int(a.get("first_run", -1)) != first
                    or int(a.get("runs", -1)) != count):
                return None
            present = np.asarray(f["present"][...], dtype=bool)
            recorded = np.asarray(f["recorded"][...], dtype=bool)
            size = f["file_size"][...]
            mtime = f["file_mtime_ns"][...]
            notes = strings(f["note"][...])
            out = Block(block, first, count, path,
                        times=np.asarray(f["time"][...], dtype=np.int64),
                        groups=strings(f["group"][...]), indicators=strings(f["indicator"][...]),
                        recorded_groups=json.loads(text(a["recorded_groups"])),
                        recorded_indicators=json.loads(text(a["recorded_indicators"])),
                        present=present, full=bool(recorded[present].all()),
                        seed=np.asarray(f["seed"][...], dtype=np.uint64),
                        attempt=np.asarray(f["attempt"][...], dtype=np.int64),
                        wall=np.asarray(f["wall_seconds"][...], dtype=np.float64),
                        summaries={name: np.asarray(f["summary"][name][...], dtype=np.float64)
                                   for name in json.loads(text(a["summaries"]))})
            for k in np.nonzero((size >= 0))[0]:
                out.identity[int(k)] = (int(size[k]), int(mtime[k]))
            for k, note in enumerate(notes):
                if note:
                    out.notes[k] = note
            return out
    except (OSError, KeyError, ValueError):
        return None


class _Retime(Exception):
    """A run recorded times the block's time axis lacks: write the block on the union."""


def _read_run(path: Path) -> dict:
    import h5py

    with h5py.File(path, "r") as f:
        a = f.attrs
        return {
            "time": np.asarray(f["time"][...], dtype=np.int64),
            "group": strings(f["group"][...]),
            "indicator": strings(f["indicator"][...]),
            "values": np.asarray(f["indicators"][...], dtype=np.float64),
            "seed": int(text(a.get("seed", "")) or -1),
            "hash": str(text(a.get("sweep_hash", ""))),
            "attempt": int(a.get("sweep_attempt", 1)),
            "wall": float(a.get("wall_seconds", np.nan)),
        }


def _run_times(path: Path) -> np.ndarray:
    import h5py

    with h5py.File(path, "r") as f:
        return np.asarray(f["time"][...], dtype=np.int64)


def is_current(out: Path, spec: SweepSpec, block: int) -> bool:
    """True if the block's file is up to date with its run files (or it has no run file and no
    block file): one folder listing, one stat per run, the block file's per-run data."""
    runs = block_range(block, spec.n_runs)
    path = out / block_relpath(block)
    files, _ = _scan(out / _layout.block_folder(block), runs.start, len(runs))
    if not path.exists():
        return not files
    old = read_block(path, spec.hash(), block, runs.start, len(runs))
    return old is not None and old.identity == files


_SPECS: dict = {}


def consolidate_task(out: str, block: int) -> int:
    """Brings one block file up to date, in a worker process (``build_index(workers=N)``);
    returns the block. The spec is read from the sweep directory once per process."""
    from .index import recorded_spec

    spec = _SPECS.get(out)
    if spec is None:
        spec = _SPECS[out] = recorded_spec(Path(out))
    update_block(Path(out), spec, block)
    return block


def update_block(out: Path, spec: SweepSpec, block: int, *, wait: bool = True,
                 only_if_complete: bool = False) -> Block | None:
    """Brings the block file of ``block`` up to date with the run files and returns its data.

    Reads only run files that are new or changed since the block file was written. With
    ``wait=False``, returns ``None`` instead of waiting when another process is consolidating
    the block; with ``only_if_complete``, returns ``None`` (and writes nothing) unless every
    run of the block has a results file.

    Raises
    ------
    SweepSpecError
        If the spec keeps a group or indicator the runs do not record, or a summary cannot be
        computed from a run (the spec and the runs disagree).
    """
    from .index import compute_summaries

    out = Path(out)
    runs = block_range(block, spec.n_runs)
    first, count = runs.start, len(runs)
    folder = out / _layout.block_folder(block)
    path = out / block_relpath(block)
    files, errors = _scan(folder, first, count)
    if only_if_complete and len(files) < count:
        return None
    if not files and not path.exists():
        return Block(block, first, count, errors=errors, present=np.zeros(count, dtype=bool))
    claim = claim_run(path)
    while claim is None:
        if not wait:
            return None
        _time.sleep(0.2)
        claim = claim_run(path)
    with claim:
        remove_stale_temporaries(path)
        files, errors = _scan(folder, first, count)  # again: runs may have finished meanwhile
        if only_if_complete and len(files) < count:
            return None
        spec_hash = spec.hash()
        old = read_block(path, spec_hash, block, first, count) if path.exists() else None
        keep = set()
        if old is not None:
            keep = {k for k, ident in old.identity.items() if files.get(k) == ident}
            if keep == set(files) and len(keep) == len(old.identity):
                old.errors, old.files = errors, set(files)
                return old
        new = sorted(set(files) - keep)
        times = None
        if old is not None and any(old.present[k] for k in keep):
            times = old.times
        for attempt in range(2):
            try:
                result = _write(out, spec, spec_hash, block, first, count, path, old, keep, new, files, times,
                                compute_summaries)
                break
            except _Retime:
                if attempt:
                    raise OSError(f"{path}: the run files of block {block} changed their times while it was "
                                  "being written; build the index again") from None
                union = old.times if old is not None and keep else np.zeros(0, dtype=np.int64)
                for k in new:
                    try:
                        union = np.union1d(union, _run_times(folder / f"{run_name(first + k)}.h5"))
                    except (OSError, KeyError):
                        pass
                times = union
        result.errors, result.files = errors, set(files)
        return result


def _write(out, spec, spec_hash, block, first, count, path, old, keep, new, files, times, compute_summaries):
    import h5py

    folder = out / _layout.block_folder(block)
    present = np.zeros(count, dtype=bool)
    seed = np.zeros(count, dtype=np.uint64)
    attempt = np.zeros(count, dtype=np.int64)
    wall = np.full(count, np.nan)
    size = np.full(count, -1, dtype=np.int64)
    mtime = np.full(count, -1, dtype=np.int64)
    notes = [""] * count
    summaries: dict = {}
    run_masks: dict = {}  # slot -> times recorded (only when not every time)
    rec_groups = old.recorded_groups if old is not None and keep else None
    rec_inds = old.recorded_indicators if old is not None and keep else None
    groups = old.groups if old is not None and keep else None
    inds = old.indicators if old is not None and keep else None
    expected_seed = {}

    # Old entries that are still current: their per-run data, as they were.
    for k in keep:
        if k in old.notes:
            notes[k] = old.notes[k]
        else:
            present[k] = True
            seed[k], attempt[k], wall[k] = old.seed[k], old.attempt[k], old.wall[k]
            for name, col in old.summaries.items():
                summaries.setdefault(name, np.full(count, np.nan))[k] = col[k]
        size[k], mtime[k] = files[k]

    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    str_t = h5py.string_dtype()
    new_set = set(new)
    try:
        with h5py.File(tmp, "w") as f:
            ds = None
            slab = None
            slab_start = 0
            rows = 1

            def open_dataset(t_axis, g, i, k):
                nonlocal ds, rows, slab, slab_start
                shape = (count, len(t_axis), len(g), len(i))
                per_run = max(1, len(t_axis) * len(g) * len(i) * 8)
                rows = int(max(1, min(count, _SLAB_BYTES // per_run)))
                chunks = (rows, len(t_axis), len(g), 1) if all(shape) else None
                ds = f.create_dataset("indicators", shape=shape, dtype="f8", fillvalue=np.nan, chunks=chunks)
                slab = np.full((rows,) + shape[1:], np.nan)
                slab_start = (k // rows) * rows

            def flush():
                stop = min(count, slab_start + rows)
                ds[slab_start:stop] = slab[:stop - slab_start]
                slab[...] = np.nan

            def slot(k):
                """The slab row of slot k, writing out the slab before it (slabs are aligned
                on chunks, so every chunk is written whole, once; chunks of slabs with no run
                are never written and read as NaN)."""
                nonlocal slab_start
                if k >= slab_start + rows:
                    flush()
                    slab_start = (k // rows) * rows
                return slab[k - slab_start]

            old_file = h5py.File(old.path, "r") if old is not None and keep else None
            old_slab = [-1, None]
            old_recorded = old_file["recorded"][...] if old_file is not None else None
            try:
                order = sorted(set(k for k in keep if present[k]) | new_set)
                for k in order:
                    if k in new_set:
                        run_path = folder / f"{run_name(first + k)}.h5"
                        try:
                            d = _read_run(run_path)
                        except (OSError, KeyError, ValueError) as e:
                            notes[k] = f"unreadable results file {run_path.relative_to(out)}: {e}"
                            size[k], mtime[k] = files[k]
                            continue
                        info_seed = expected_seed.get(k)
                        if info_seed is None:
                            point, rep = divmod((first + k) % (spec.n_points * spec.replicates), spec.replicates)
                            info_seed = spec.run_seed(point, rep)
                        if d["seed"] != info_seed or (d["hash"] and d["hash"] != spec_hash):
                            notes[k] = (f"{run_path.relative_to(out)} belongs to another sweep (seed {d['seed']}, "
                                        f"sweep hash {d['hash']!r}); delete it and resume")
                            size[k], mtime[k] = files[k]
                            continue
                        if rec_groups is None:
                            rec_groups, rec_inds = d["group"], d["indicator"]
                            groups = list(spec.groups or rec_groups)
                            inds = list(spec.indicators or rec_inds)
                            for kind, chosen, have in (("group", groups, rec_groups), ("indicator", inds, rec_inds)):
                                unknown = [x for x in chosen if x not in have]
                                if unknown:
                                    raise SweepSpecError(
                                        f"{out / 'sweep.toml'}: record.{kind}s: {unknown} not recorded by model "
                                        f"'{spec.model}'; allowed: {', '.join(have)}")
                        missing = [g for g in groups if g not in d["group"]] + [x for x in inds if x not in d["indicator"]]
                        if missing:
                            notes[k] = (f"{run_path.relative_to(out)} does not record {', '.join(missing)}, which "
                                        "other runs of the sweep record")
                            size[k], mtime[k] = files[k]
                            continue
                        if times is None:
                            times = d["time"]
                        if ds is None:
                            open_dataset(times, groups, inds, k)
                        where = np.searchsorted(times, d["time"])
                        if (where >= len(times)).any() or not np.array_equal(times[np.minimum(where, len(times) - 1)],
                                                                               d["time"]):
                            raise _Retime()
                        try:
                            vals = compute_summaries(d["time"], d["group"], d["indicator"], d["values"], spec.summaries)
                        except ValueError as e:
                            raise SweepSpecError(f"{out / 'sweep.toml'}: {e} (run {first + k})") from None
                        for name, v in vals.items():
                            summaries.setdefault(name, np.full(count, np.nan))[k] = v
                        gsel = [d["group"].index(g) for g in groups]
                        isel = [d["indicator"].index(x) for x in inds]
                        slot(k)[where] = d["values"][:, gsel][:, :, isel]
                        if len(where) != len(times):
                            run_masks[k] = where
                        present[k] = True
                        seed[k], attempt[k], wall[k] = d["seed"], d["attempt"], d["wall"]
                        size[k], mtime[k] = files[k]
                    else:  # a current entry of the old block file
                        if ds is None:
                            open_dataset(times, groups, inds, k)
                        a = (k // rows) * rows
                        if old_slab[0] != a:  # the old file's runs in this slab, read at once
                            old_slab[:] = [a, old_file["indicators"][a:min(count, a + rows)]]
                        src = old_slab[1][k - a]
                        if np.array_equal(old.times, times):
                            slot(k)[...] = src
                        else:
                            slot(k)[np.searchsorted(times, old.times)] = src
                        rmask = old_recorded[k]
                        if not rmask.all() or len(old.times) != len(times):
                            run_masks[k] = np.searchsorted(times, old.times[rmask])
                if ds is not None:
                    flush()
            finally:
                if old_file is not None:
                    old_file.close()

            times = np.zeros(0, dtype=np.int64) if times is None else np.asarray(times, dtype=np.int64)
            groups, inds = groups or [], inds or []
            if ds is None:
                f.create_dataset("indicators", shape=(count, len(times), len(groups), len(inds)), dtype="f8",
                                 fillvalue=np.nan)
            f.create_dataset("time", data=times)
            f.create_dataset("group", data=np.array(groups, dtype=object), dtype=str_t)
            f.create_dataset("indicator", data=np.array(inds, dtype=object), dtype=str_t)
            recorded = np.zeros((count, len(times)), dtype=bool)
            recorded[present] = True
            for k, where in run_masks.items():
                recorded[k] = False
                recorded[k, where] = True
            f.create_dataset("recorded", data=recorded)
            f.create_dataset("present", data=present)
            f.create_dataset("seed", data=seed)
            f.create_dataset("attempt", data=attempt)
            f.create_dataset("wall_seconds", data=wall)
            f.create_dataset("file_size", data=size)
            f.create_dataset("file_mtime_ns", data=mtime)
            f.create_dataset("note", data=np.array(notes, dtype=object), dtype=str_t)
            g = f.create_group("summary")
            for name, col in summaries.items():
                g.create_dataset(name, data=col)
            f.attrs.update({
                "format": BLOCK_FORMAT, "sweep_hash": spec_hash, "block": block, "first_run": first,
                "runs": count, "recorded_groups": json.dumps(rec_groups or []),
                "recorded_indicators": json.dumps(rec_inds or []),
                "summaries": json.dumps(list(summaries)),  # in the order they are computed
                "created": _time.strftime("%Y-%m-%dT%H:%M:%SZ", _time.gmtime()),
            })
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    result = read_block(path, spec_hash, block, first, count)
    if result is None:
        raise OSError(f"block file {path} could not be read back after writing it")
    return result
