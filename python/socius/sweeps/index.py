"""The sweep index ``DIR/sweep.h5``: every run of a sweep in one file that xarray opens.

Layout (netCDF-4 style HDF5, dimension scales ``run``, ``time``, ``group``, ``indicator``):

- ``indicators(run, time, group, indicator)``: by default an HDF5 *virtual dataset* whose
  pieces are the block files' ``indicators`` datasets (:mod:`.blocks`: the runs of each block
  of 1,000 gathered into ``runs/NNNN.h5``; nothing is copied into the index, and the block files
  must stay beside it, at the same relative paths). A run without a results file reads as NaN.
  With ``virtual=False``, or when runs were recorded at different times, the values are copied.
  ``build_index(consolidate=False)`` writes the index of earlier versions instead, with one
  virtual source per run file (the same values; its memory and opening time grow with the runs).
- coordinates along ``run``: ``scenario``, ``point``, ``replicate``, ``seed`` (uint64),
  ``status`` (``done``, ``failed``, ``missing``), ``attempts``, and one per varied parameter,
  named by its key (e.g. ``davidsen.p``);
- one variable per summary statistic, e.g. ``final_mean_degree(run)`` (NaN unless done);
- ``wall_seconds(run)`` and ``error(run)`` (the last error of a failed run);
- attributes: ``format`` (``socius-sweep-1``), ``sweep`` (the spec, self-contained TOML),
  ``sweep_hash``, ``design``, ``salib_problem`` (JSON), run counts, ``virtual`` and ``layout``
  (``blocks`` or ``runs``).

The file is written under a temporary name and renamed when complete.
"""

from __future__ import annotations

import json
import os
import socket
import time as _time
from pathlib import Path
from typing import Sequence

import numpy as np

from .. import _core
from ..files import FORMATS, ResultsError, open_dataset, quote_arg, strings, text
from .claims import directory_lock
from . import layout as _layout
from .layout import INDEX_FILE, SPEC_FILE, block_relpath, error_path, read_error, run_relpath
from .spec import SummarySpec, SweepSpec, SweepSpecError

__all__ = ["build_index", "compute_summaries", "open_sweep", "recorded_spec", "INDEX_FORMAT"]

INDEX_FORMAT = FORMATS["sweep index"]


def compute_summaries(times: np.ndarray, groups: Sequence[str], indicators: Sequence[str],
                      values: np.ndarray, specs: Sequence[SummarySpec]) -> dict[str, float]:
    """Per-run statistics of ``values[time, group, indicator]``, named by each spec.

    Raises
    ------
    ValueError
        If an indicator, group or the time of an ``at`` statistic was not recorded.
    """
    groups, indicators = list(groups), list(indicators)
    out: dict[str, float] = {}
    for s in specs:
        group = s.group or ("all" if "all" in groups else groups[0])
        if group not in groups:
            raise ValueError(f"summary '{s.name}': group '{group}' not recorded; groups: {', '.join(groups)}")
        names = indicators if s.indicator == "*" else [s.indicator]
        for ind in names:
            if ind not in indicators:
                raise ValueError(f"summary '{s.name}': indicator '{ind}' not recorded; "
                                 f"indicators: {', '.join(indicators)}")
            series = values[:, groups.index(group), indicators.index(ind)]
            name = f"{s.name}_{ind}" if s.indicator == "*" else s.name
            if len(times) == 0:
                out[name] = float("nan")
                continue
            if s.stat == "final":
                out[name] = float(series[-1])
                continue
            if s.stat == "at":
                hit = np.nonzero(times == s.time)[0]
                if not len(hit):
                    raise ValueError(f"summary '{s.name}': time {s.time} was not recorded")
                out[name] = float(series[hit[0]])
                continue
            horizon = times[-1]
            if s.last is not None:
                mask = times > horizon - s.last
            else:
                lo = s.start if s.start is not None else times[0]
                hi = s.stop if s.stop is not None else horizon
                mask = (times >= lo) & (times <= hi)
            window = series[mask]
            if not len(window):
                raise ValueError(f"summary '{s.name}': no recorded time in its window")
            fn = {"mean": np.mean, "median": np.median, "min": np.min, "max": np.max, "std": np.std}[s.stat]
            out[name] = float(fn(window))
    return out


def _read_run(path: Path, values: bool) -> dict:
    import h5py

    with h5py.File(path, "r") as f:
        a = f.attrs
        out = {
            "time": np.asarray(f["time"][...], dtype=np.int64),
            "group": strings(f["group"][...]),
            "indicator": strings(f["indicator"][...]),
            "seed": int(text(a.get("seed", "")) or -1),
            "hash": str(text(a.get("sweep_hash", ""))),
            "attempt": int(a.get("sweep_attempt", 1)),
            "wall": float(a.get("wall_seconds", np.nan)),
        }
        if values:
            out["values"] = np.asarray(f["indicators"][...], dtype=np.float64)
        return out



def _write_scales(f, n: int, times, groups, inds):
    """Writes the index's four dimension scales into ``f``
    (run, time, group, indicator: the dims the variables attach)."""
    import h5py

    str_t = h5py.string_dtype()

    def scale(name, data, dtype=None):
        ds = f.create_dataset(name, data=np.asarray(data, dtype=dtype) if dtype else data)
        ds.make_scale(name)
        return ds

    scale("run", np.arange(n, dtype=np.int64))
    scale("time", np.asarray(times, dtype=np.int64)).attrs.update(
        units="steps", long_name="policy time: steps after burn-in")
    scale("group", np.array(groups, dtype=object), str_t)
    scale("indicator", np.array(inds, dtype=object), str_t)


def _blocks(indices: list[int]) -> list[tuple[int, int, int]]:
    """Contiguous pieces of a list of source indices: (target start, source start, length)."""
    out = []
    start = 0
    for k in range(1, len(indices) + 1):
        if k == len(indices) or indices[k] != indices[k - 1] + 1:
            out.append((start, indices[start], k - start))
            start = k
    return out


def build_index(out: str | os.PathLike, *, virtual: bool = True, consolidate: bool = True,
                workers: int | None = None) -> Path:
    """Builds ``out/sweep.h5`` from the runs that exist now (see the module doc for the layout).

    Safe to call at any time, e.g. while shards still run: runs without a results file show as
    ``missing`` (or ``failed``) with NaN values. Returns the index path.

    By default the runs of each block of 1,000 are first consolidated into a block file
    (``runs/NNNN.h5``, see :mod:`.blocks`; only new or changed run files are read) and the index
    refers to the block files, so that building and opening it take memory and time in
    proportion to the blocks, not the runs. ``consolidate=False`` writes the index of earlier
    versions, one HDF5 virtual source per run file (same values; slow beyond a few thousand
    runs). ``virtual=False`` copies the values into the index (self-contained). Block files that
    are out of date are written by ``workers`` processes at once (default: one per core; each
    holds one block's slab of runs at a time, so memory stays flat).

    Raises
    ------
    SweepSpecError
        If ``out`` is not a sweep directory, or a recorded indicator or group named in the spec
        does not exist in the runs.
    """
    out = Path(out)
    if not (out / SPEC_FILE).is_file():
        raise SweepSpecError(f"'{out}' is not a sweep directory (no {SPEC_FILE}); give the --out "
                             "directory of socius sweep")
    # Processes sharing the directory (two drivers, shards, sweep-index) build it in turn: the
    # last one to finish writes the most complete index, and none replaces another's half-way.
    with directory_lock(out):
        if consolidate:
            return _build_index_blocks(out, virtual, workers)
        return _build_index_per_run(out, virtual)


class _RecordedSpec(SweepSpec):
    """A spec as a sweep directory or an index records it. It was checked point by point when
    the sweep was prepared (and the directory refuses any other spec), so loading it again
    skips :meth:`SweepSpec._check_points`, which builds every design point's scenario (seconds
    at 100,000 points); everything else is checked as usual."""

    def _check_points(self) -> None:
        return None


def recorded_spec(source: str | os.PathLike | dict, origin: str | None = None) -> SweepSpec:
    """The spec of a sweep directory (``DIR/sweep.toml``, or that file) or of an index (its
    ``sweep`` attribute, parsed, with ``origin``), without checking each design point again."""
    if isinstance(source, dict):
        return _RecordedSpec.from_dict(source, origin=origin or "index")
    path = Path(source)
    return _RecordedSpec.load(path / SPEC_FILE if path.is_dir() else path)


def _per_run_columns(spec: SweepSpec) -> dict:
    """Scenario, point, replicate, seed and parameter values of every run, as arrays (no
    per-run objects: a few bytes per run)."""
    n = spec.n_runs
    per = spec.n_points * spec.replicates
    runs = np.arange(n, dtype=np.int64)
    rest = runs % per if per else runs
    point = rest // spec.replicates
    seeds = np.array([spec.run_seed(p, r) for p in range(spec.n_points) for r in range(spec.replicates)],
                     dtype=np.uint64)
    names = np.array([sc.name for sc in spec.scenarios], dtype=object)
    out = {"scenario": names[runs // per] if per else names[:0], "point": point,
           "replicate": rest % spec.replicates, "seed": seeds[rest] if n else seeds}
    design = spec.design() if spec.factors else None
    for j, fac in enumerate(spec.factors):
        col = design[:, j][point]
        dtype = (np.float64 if fac.type == "real" else np.int64 if fac.type == "integer"
                 else bool if fac.type == "boolean" else None)
        out[fac.key] = np.array(col.tolist(), dtype=dtype) if dtype else np.array(col.tolist(), dtype=object)
    return out


_STATUS = np.array(["missing", "done", "failed"], dtype=object)


def _consolidate_in_parallel(out: Path, spec: SweepSpec, n_blocks: int, workers: int | None) -> None:
    """Writes the out-of-date block files with a pool of processes, when there are several."""
    from .blocks import consolidate_task, is_current

    if workers is None:
        try:
            workers = len(os.sched_getaffinity(0))
        except AttributeError:
            workers = os.cpu_count() or 1
    if workers < 2 or n_blocks < 2:
        return
    stale = [b for b in range(n_blocks) if not is_current(out, spec, b)]
    if len(stale) < 2:
        return
    from .pool import process_pool

    with process_pool(min(workers, len(stale))) as pool:
        for _ in pool.map(consolidate_task, [str(out)] * len(stale), stale):
            pass


def _build_index_blocks(out: Path, virtual: bool, workers: int | None = None) -> Path:
    import h5py

    from .blocks import update_block

    spec = recorded_spec(out)
    spec_hash = spec.hash()
    n = spec.n_runs
    _consolidate_in_parallel(out, spec, (n + _layout.BLOCK_SIZE - 1) // _layout.BLOCK_SIZE, workers)
    status = np.zeros(n, dtype=np.uint8)          # codes into _STATUS
    attempts = np.zeros(n, dtype=np.int64)
    wall = np.full(n, np.nan)
    errors: dict[int, str] = {}
    summaries: dict[str, np.ndarray] = {}
    blocks = []  # (block, first, count, present slots, times): a few bytes per run
    times = None
    same = True
    axes = None
    n_blocks = (n + _layout.BLOCK_SIZE - 1) // _layout.BLOCK_SIZE
    for b in range(n_blocks):
        blk = update_block(out, spec, b)
        first = blk.first
        if blk.present is not None and blk.present.any():
            idx = np.nonzero(blk.present)[0]
            status[first + idx] = 1
            attempts[first + idx] = blk.attempt[idx]
            wall[first + idx] = blk.wall[idx]
            for name, col in blk.summaries.items():
                summaries.setdefault(name, np.full(n, np.nan))[first:first + blk.count] = col
            if axes is None:
                axes = (blk.groups, blk.indicators, blk.recorded_groups, blk.recorded_indicators)
            elif (blk.groups, blk.indicators) != axes[:2]:
                raise SweepSpecError(f"{out}: block {b} records groups or indicators other than the first "
                                     "block's; rebuild with consolidate=False to see which run")
            if times is None:
                times = blk.times
            elif not np.array_equal(times, blk.times):
                same = False
                times = np.union1d(times, blk.times)
            same = same and blk.full
            blocks.append((b, first, blk.count, idx, blk.times, blk.path))
        for k, note in blk.notes.items():
            if k in blk.files:
                status[first + k] = 2
                errors[first + k] = note
        for k in sorted(blk.errors - blk.files):
            rec = read_error(error_path(out / run_relpath(first + k)))
            status[first + k] = 2
            attempts[first + k] = int(rec.get("attempts", 1))
            errors[first + k] = str(rec.get("error", "unknown error"))
    times = np.zeros(0, dtype=np.int64) if times is None else np.asarray(times, dtype=np.int64)
    groups, inds = (axes[0], axes[1]) if axes else ([], [])
    use_virtual = virtual and same and bool(blocks)

    target = out / INDEX_FILE
    tmp = out / f".{INDEX_FILE}.tmp-{os.getpid()}-{socket.gethostname()}"
    str_t = h5py.string_dtype()
    try:
        with h5py.File(tmp, "w") as f:
            _write_scales(f, n, times, groups, inds)
            shape = (n, len(times), len(groups), len(inds))
            if use_virtual:
                layout = h5py.VirtualLayout(shape=shape, dtype="f8")
                for b, first, count, idx, _t, _p in blocks:
                    src = h5py.VirtualSource(block_relpath(b), "indicators", shape=(count,) + shape[1:])
                    for at, from_, length in _blocks(idx.tolist()):
                        layout[first + from_:first + from_ + length] = src[from_:from_ + length]
                var = f.create_virtual_dataset("indicators", layout, fillvalue=np.nan)
            else:
                per_run = max(1, len(times) * len(groups) * len(inds) * 8)
                rows = int(max(1, min(_layout.BLOCK_SIZE, (4 << 20) // per_run, n)))
                chunks = (rows, len(times), len(groups), 1) if all(shape) else None
                var = f.create_dataset("indicators", shape=shape, dtype="f8", fillvalue=np.nan, chunks=chunks)
                for b, first, count, idx, btimes, bpath in blocks:
                    where = np.searchsorted(times, btimes)
                    with h5py.File(bpath, "r") as bf:
                        src = bf["indicators"]
                        for a in range(0, count, rows):
                            stop = min(count, a + rows)
                            piece = src[a:stop]
                            if len(btimes) == len(times):
                                var[first + a:first + stop] = piece
                            else:
                                full = np.full((stop - a,) + shape[1:], np.nan)
                                full[:, where] = piece
                                var[first + a:first + stop] = full
            for i, dim in enumerate(("run", "time", "group", "indicator")):
                var.dims[i].attach_scale(f[dim])

            def per_run(name, data, dtype=None, **attrs):
                ds = f.create_dataset(name, data=np.asarray(data, dtype=dtype) if dtype else data)
                ds.dims[0].attach_scale(f["run"])
                ds.attrs.update(attrs)
                return ds

            cols = _per_run_columns(spec)
            coords = ["scenario", "point", "replicate", "seed", "status", "attempts"]
            per_run("scenario", cols["scenario"], str_t, long_name="scenario of the run")
            per_run("point", cols["point"], long_name="design point")
            per_run("replicate", cols["replicate"], long_name="replicate")
            per_run("seed", cols["seed"], long_name="the run's seed: derive_seed(derive_seed(master, point), replicate)")
            per_run("status", _STATUS[status], str_t, long_name="done, failed or missing")
            per_run("attempts", attempts, long_name="attempts so far (of a done run: the one that finished)")
            for fac in spec.factors:
                data = cols.pop(fac.key)
                per_run(fac.key, data, str_t if data.dtype == object else None, long_name=f"parameter {fac.key}")
                coords.append(fac.key)
            var.attrs["coordinates"] = " ".join(coords)
            var.attrs["long_name"] = "recorded indicators of every run (NaN: the run is not done)"
            for name in _summary_order(spec, summaries):
                base = next((s for s in spec.summaries if name == s.name or name.startswith(s.name + "_")), None)
                ds = per_run(name, summaries[name], long_name=f"summary: {base.stat} of {base.indicator}" if base else name)
                ds.attrs["coordinates"] = " ".join(coords)
            per_run("wall_seconds", wall, units="s", long_name="wall time of the run")
            err = np.full(n, "", dtype=object)
            for r, e in errors.items():
                err[r] = e
            per_run("error", err, str_t, long_name="last error of a failed run")
            _attributes(f, spec, spec_hash, status == 1, status == 2, status == 0, use_virtual, "blocks")
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


def _summary_order(spec: SweepSpec, summaries: dict) -> list[str]:
    """Summary columns in the spec's order (an ``indicator = "*"`` summary: its columns in the
    order they were computed)."""
    order = []
    for s in spec.summaries:
        order += [k for k in summaries if (k == s.name or (s.indicator == "*" and k.startswith(s.name + "_")))
                  and k not in order]
    return order + [k for k in summaries if k not in order]


def _attributes(f, spec, spec_hash, done, failed, missing, use_virtual, layout) -> None:
    problem = spec.problem() if spec.method not in ("grid", "points") else None
    f.attrs.update({
        "format": INDEX_FORMAT,
        "sweep_name": spec.name,
        "sweep_hash": spec_hash,
        "sweep": spec.to_toml(),
        "model": spec.model,
        "design": spec.method,
        "master_seed": str(spec.seed),
        "replicates": spec.replicates,
        "points": spec.n_points,
        "runs": spec.n_runs,
        "runs_done": int(np.sum(done)),
        "runs_failed": int(np.sum(failed)),
        "runs_missing": int(np.sum(missing)),
        "virtual": int(use_virtual),
        "layout": layout,
        "salib_problem": json.dumps(problem) if problem else "",
        "engine_version": _core.__version__,
        "created": _time.strftime("%Y-%m-%dT%H:%M:%SZ", _time.gmtime()),
    })


def _build_index_per_run(out: Path, virtual: bool) -> Path:
    import h5py

    spec = recorded_spec(out)
    spec_hash = spec.hash()
    n = spec.n_runs
    status = np.array(["missing"] * n, dtype=object)
    attempts = np.zeros(n, dtype=np.int64)
    wall = np.full(n, np.nan)
    errors = np.array([""] * n, dtype=object)
    done: list[int] = []

    # Pass 1: statuses, axes and summaries; one run's values in memory at a time.
    first = None
    times = np.zeros(0, dtype=np.int64)
    same = True
    summaries: dict[str, np.ndarray] = {}
    for r in range(n):
        info = spec.run_info(r)
        path = out / info.relpath
        if path.exists():
            try:
                meta = _read_run(path, values=True)
            except (OSError, KeyError) as e:
                status[r] = "failed"
                errors[r] = f"unreadable results file {info.relpath}: {e}"
                continue
            if meta["seed"] != info.seed or (meta["hash"] and meta["hash"] != spec_hash):
                status[r] = "failed"
                errors[r] = (f"{info.relpath} belongs to another sweep (seed {meta['seed']}, sweep "
                             f"hash {meta['hash']!r}); delete it and resume")
                continue
            try:
                vals = compute_summaries(meta["time"], meta["group"], meta["indicator"], meta.pop("values"),
                                         spec.summaries)
            except ValueError as e:
                raise SweepSpecError(f"{out / SPEC_FILE}: {e} (run {r})") from None
            for name, v in vals.items():
                summaries.setdefault(name, np.full(n, np.nan))[r] = v
            status[r] = "done"
            attempts[r] = meta["attempt"]
            wall[r] = meta["wall"]
            done.append(r)
            if first is None:
                first, times = meta, meta["time"]
            elif not (np.array_equal(meta["time"], first["time"]) and meta["group"] == first["group"]
                      and meta["indicator"] == first["indicator"]):
                same = False
                times = np.union1d(times, meta["time"])
        else:
            err = error_path(path)
            if err.exists():
                rec = read_error(err)
                status[r] = "failed"
                attempts[r] = int(rec.get("attempts", 1))
                errors[r] = str(rec.get("error", "unknown error"))
    if not same:
        virtual = False  # runs recorded at different times: copy onto the union of times

    if first is not None:
        all_groups, all_inds = first["group"], first["indicator"]
        groups = spec.groups or all_groups
        inds = spec.indicators or all_inds
        for kind, chosen, have in (("group", groups, all_groups), ("indicator", inds, all_inds)):
            unknown = [x for x in chosen if x not in have]
            if unknown:
                raise SweepSpecError(f"{out / SPEC_FILE}: record.{kind}s: {unknown} not recorded by "
                                     f"model '{spec.model}'; allowed: {', '.join(have)}")
    else:
        all_groups, all_inds, groups, inds = [], [], [], []

    target = out / INDEX_FILE
    tmp = out / f".{INDEX_FILE}.tmp-{os.getpid()}-{socket.gethostname()}"
    str_t = h5py.string_dtype()
    try:
        with h5py.File(tmp, "w") as f:
            _write_scales(f, n, times, groups, inds)
            shape = (n, len(times), len(groups), len(inds))
            use_virtual = first is not None and virtual
            if use_virtual:
                layout = h5py.VirtualLayout(shape=shape, dtype="f8")
                gi = [all_groups.index(g) for g in groups]
                ii = [all_inds.index(x) for x in inds]
                src_shape = (len(times), len(all_groups), len(all_inds))
                for r in done:
                    src = h5py.VirtualSource(spec.run_info(r).relpath, "indicators", shape=src_shape)
                    for gt, gs, gl in _blocks(gi):
                        for it, is_, il in _blocks(ii):
                            layout[r, :, gt:gt + gl, it:it + il] = src[:, gs:gs + gl, is_:is_ + il]
                var = f.create_virtual_dataset("indicators", layout, fillvalue=np.nan)
            else:
                chunks = (1,) + tuple(max(1, s) for s in shape[1:]) if all(shape) else None
                var = f.create_dataset("indicators", shape=shape, dtype="f8", fillvalue=np.nan,
                                       chunks=chunks, compression="gzip" if chunks else None)

            # Pass 2, for a copied index only: the values, one run in memory at a time.
            for r in ([] if use_virtual else done):
                d = _read_run(out / spec.run_info(r).relpath, values=True)
                block = np.full(shape[1:], np.nan)
                gsel = [d["group"].index(g) for g in groups]
                isel = [d["indicator"].index(x) for x in inds]
                block[np.searchsorted(times, d["time"])] = d["values"][:, gsel][:, :, isel]
                var[r] = block
            for i, dim in enumerate(("run", "time", "group", "indicator")):
                var.dims[i].attach_scale(f[dim])

            coords = ["scenario", "point", "replicate", "seed", "status", "attempts"]

            def per_run(name, data, dtype=None, **attrs):
                ds = f.create_dataset(name, data=np.asarray(data, dtype=dtype) if dtype else data)
                ds.dims[0].attach_scale(f["run"])
                ds.attrs.update(attrs)
                return ds

            runs = [spec.run_info(r) for r in range(n)]
            per_run("scenario", np.array([spec.scenarios[i.scenario].name for i in runs], dtype=object), str_t,
                    long_name="scenario of the run")
            per_run("point", np.array([i.point for i in runs], dtype=np.int64), long_name="design point")
            per_run("replicate", np.array([i.replicate for i in runs], dtype=np.int64), long_name="replicate")
            per_run("seed", np.array([i.seed for i in runs], dtype=np.uint64),
                    long_name="the run's seed: derive_seed(derive_seed(master, point), replicate)")
            per_run("status", status, str_t, long_name="done, failed or missing")
            per_run("attempts", attempts, long_name="attempts so far (of a done run: the one that finished)")
            for j, fac in enumerate(spec.factors):
                col = [i.values[fac.key] for i in runs]
                dtype = (np.float64 if fac.type == "real" else np.int64 if fac.type == "integer"
                         else bool if fac.type == "boolean" else None)
                data = np.array(col, dtype=dtype) if dtype else np.array(col, dtype=object)
                per_run(fac.key, data, None if dtype else str_t, long_name=f"parameter {fac.key}")
                coords.append(fac.key)
            var.attrs["coordinates"] = " ".join(coords)
            var.attrs["long_name"] = "recorded indicators of every run (NaN: the run is not done)"
            for name, data in summaries.items():
                base = next((s for s in spec.summaries if name == s.name or name.startswith(s.name + "_")), None)
                ds = per_run(name, data, long_name=f"summary: {base.stat} of {base.indicator}" if base else name)
                ds.attrs["coordinates"] = " ".join(coords)
            per_run("wall_seconds", wall, units="s", long_name="wall time of the run")
            per_run("error", errors, str_t, long_name="last error of a failed run")
            _attributes(f, spec, spec_hash, status == "done", status == "failed", status == "missing",
                        use_virtual, "runs")
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return target


def open_sweep(out: str | os.PathLike):
    """Opens a sweep's index as an ``xarray.Dataset``.

    Parameters
    ----------
    out : path
        The sweep directory (its ``sweep.h5`` is opened) or the index file itself.

    Returns
    -------
    xarray.Dataset
        ``indicators(run, time, group, indicator)``, one variable per summary, and the run's
        scenario, design point, replicate, seed, status and parameter values as coordinates.

    Raises
    ------
    ResultsError
        If there is no index (build it with ``socius sweep-index DIR``), or ``out`` is not a sweep
        folder or index (the message says what it is).
    """
    path = Path(out)
    if path.is_dir():
        if not (path / INDEX_FILE).is_file():
            raise ResultsError(f"no sweep index at '{path / INDEX_FILE}'; build it with: "
                               f"socius sweep-index {quote_arg(path)}")
        path = path / INDEX_FILE
    return open_dataset(path, ("sweep index",), "a sweep index (DIR/sweep.h5, written by socius sweep-index)")[1]
