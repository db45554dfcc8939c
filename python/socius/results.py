"""Reading what socius writes: results files (``socius run``), and what a file is.

One reading layer says what any path a user gives is (:func:`identify`): a results file, a
comparison, a sweep folder or index, a checkpoint, a scenario or sweep spec, a report folder,
another HDF5 file, or a file another process holds locked. Every command and loader asks it
before reading, so a wrong kind of file gets a message saying what it is and what to do instead.

One rule says when an existing file at an output path may be replaced (:func:`check_output`):
only a socius file of the same kind written for the same scenario (a rerun of the same command),
unless the user asks to overwrite.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from . import _core
from ._values import show

__all__ = ["open_results", "summary", "ResultsError"]


class ResultsError(_core.OutputError, ValueError):
    """A file or folder given to socius is not what was expected: missing, locked by another
    process, or of another kind (a comparison where one run's results belong, a scenario where a
    results file belongs, a folder holding someone else's files). The message says what it is
    and what to do instead. An ``OutputError`` and a ``ValueError``: the input is at fault."""

_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
_CHECKPOINT_MAGIC = b"SOCIUSCK"
# A report page written by socius carries this in its <head>; older pages are known by their titles.
REPORT_GENERATOR = "<meta name='generator' content='socius"
_REPORT_TITLES = ("<title>Policy comparison: ", "<title>Simulation results: ", "<title>socius sweep ")


@dataclass(frozen=True)
class FileKind:
    """What a path is, as :func:`identify` found it.

    ``kind`` is one of ``missing``, ``folder``, ``sweep folder``, ``report folder``, ``results``,
    ``comparison``, ``sweep index``, ``checkpoint``, ``scenario``, ``sweep spec``, ``report``,
    ``hdf5`` (not written by socius), ``locked`` (held by another process), ``text`` or
    ``binary``. ``what`` describes it in words for a message; ``attrs`` holds a socius HDF5
    file's root attributes (text values decoded).
    """

    path: Path
    kind: str
    what: str
    attrs: dict = field(default_factory=dict)

    def instead(self) -> str:
        """What the user can do with this kind of file, as a clause for a message ('' if nothing)."""
        p = _quote_arg(self.path)
        return {
            "results": f"summarise it with: socius info {p}; or write its report: socius report {p}",
            "comparison": f"summarise it with: socius info {p}; or write its report: socius report {p}",
            "sweep index": f"summarise it with: socius info {p}; or write its report: socius report {p}",
            "sweep folder": f"summarise it with: socius info {p}; finish it with: socius sweep SPEC.toml --out {p}",
            "checkpoint": f"continue the run with: socius resume {p}",
            "scenario": f"check it with: socius validate {p}; run it with: socius run {p}",
            "sweep spec": f"run it with: socius sweep {p} --out DIR",
            "report": "open it in a web browser",
            "report folder": f"open {_quote_arg(self.path / 'index.html')} in a web browser",
            "locked": "wait for that process to finish (a run still writing it?) or close the program "
                      "that holds it open, then try again",
        }.get(self.kind, "")


def _quote_arg(path: Path) -> str:
    import shlex

    return shlex.quote(str(path))


def _text(value: Any) -> Any:
    import numpy as np

    if isinstance(value, bytes):
        return value.decode(errors="replace")
    if isinstance(value, np.generic):
        return value.item()
    return value


def _is_locked(error: OSError) -> bool:
    text = str(error)
    return "unable to lock file" in text or "errno = 11" in text


def _hdf5_signature(head: bytes, size: int, path: Path) -> bool:
    """HDF5's signature sits at byte 0 or after a user block of 512, 1024, 2048, ... bytes."""
    if head.startswith(_HDF5_SIGNATURE):
        return True
    offset = 512
    with open(path, "rb") as f:
        while offset + 8 <= size and offset <= 1 << 20:
            f.seek(offset)
            if f.read(8) == _HDF5_SIGNATURE:
                return True
            offset *= 2
    return False


def _read_hdf5(path: Path) -> FileKind:
    import h5py

    try:
        with h5py.File(path, "r") as f:
            attrs = {k: _text(v) for k, v in f.attrs.items()}
            if attrs.get("format") == _comparison_format() and "scenario" in f:
                attrs["scenarios"] = [str(_text(s)) for s in f["scenario"][()]]
    except OSError as e:
        if _is_locked(e):
            return FileKind(path, "locked", "an HDF5 file locked by another process (HDF5 says: "
                            "unable to lock file, errno = 11)")
        return FileKind(path, "hdf5", f"a damaged or unreadable HDF5 file ({_one_line(e)})")
    fmt = attrs.get("format")
    if fmt == _core.RESULTS_FORMAT:
        return FileKind(path, "results", f"a socius results file (scenario '{attrs.get('scenario_name')}', "
                        f"model {attrs.get('model')}, written by socius run)", attrs)
    if fmt == _comparison_format():
        names = ", ".join(attrs.get("scenarios", []))
        return FileKind(path, "comparison", f"a socius comparison file (scenarios {names}; model "
                        f"{attrs.get('model')}, written by socius compare)", attrs)
    if fmt == _sweep_format():
        return FileKind(path, "sweep index", f"a socius sweep index (sweep '{attrs.get('sweep_name')}', "
                        "written by socius sweep-index)", attrs)
    shown = "no attribute 'format'" if fmt is None else f"attribute 'format' is {show(fmt)}"
    return FileKind(path, "hdf5", f"an HDF5 file not written by socius ({shown})", attrs)


def _one_line(e: BaseException) -> str:
    return " ".join(str(e).split())


def _comparison_format() -> str:
    from .compare import COMPARISON_FORMAT

    return COMPARISON_FORMAT


def _sweep_format() -> str:
    from .sweeps.index import INDEX_FORMAT

    return INDEX_FORMAT


def _toml_kind(path: Path, head: bytes) -> FileKind:
    """A text file: a scenario, a sweep spec, a report page, or other text."""
    import tomllib

    text = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    lowered = text.lower()
    if REPORT_GENERATOR in text or any(t in text for t in _REPORT_TITLES):
        return FileKind(path, "report", "a socius report page")
    if "<html" in lowered or "<!doctype html" in lowered:
        return FileKind(path, "text", "an HTML page not written by socius")
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8-sig").replace("\r\n", "\n"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError):
        return FileKind(path, "text", "a text file")
    if isinstance(data, dict) and ("scenario" in data or "scenarios" in data) and \
            any(k in data for k in ("parameters", "design", "seed", "replicates")):
        return FileKind(path, "sweep spec", "a sweep spec (TOML)")
    if isinstance(data, dict) and ("model" in data or "extends" in data):
        return FileKind(path, "scenario", "a scenario (TOML)")
    return FileKind(path, "text", "a TOML file that is neither a scenario nor a sweep spec")


def identify(path: str | os.PathLike) -> FileKind:
    """Says what ``path`` is, without failing: see :class:`FileKind` for the kinds."""
    path = Path(path)
    if path.is_dir():
        from .sweeps.layout import INDEX_FILE, SPEC_FILE

        if (path / SPEC_FILE).is_file() or (path / INDEX_FILE).is_file():
            return FileKind(path, "sweep folder", "a sweep folder (written by socius sweep)")
        page = path / "index.html"
        if page.is_file() and identify(page).kind == "report":
            return FileKind(path, "report folder", "a socius report folder")
        return FileKind(path, "folder", "a folder")
    if not path.exists():
        return FileKind(path, "missing", "missing (no such file)")
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            head = f.read(4096)
    except OSError as e:
        return FileKind(path, "binary", f"a file that cannot be read ({e.strerror or e})")
    if _hdf5_signature(head, size, path):
        return _read_hdf5(path)
    if head.startswith(_CHECKPOINT_MAGIC):
        return FileKind(path, "checkpoint", "a socius checkpoint (written by socius run --checkpoint-every)")
    if b"\0" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return FileKind(path, "binary", "a binary file, not text and not HDF5")
    return _toml_kind(path, head)


def _refuse(path: Path, found: FileKind, expected: str) -> ResultsError:
    hint = found.instead()
    return ResultsError(f"'{path}' is {found.what}, not {expected}" + (f"; {hint}" if hint else ""))


def _check(path: Path) -> None:
    found = identify(path)
    if found.kind == "results":
        return
    if found.kind == "missing":
        raise ResultsError(f"results file '{path}' does not exist")
    if found.kind == "locked":
        raise ResultsError(f"'{path}' is locked by another process (HDF5 says: unable to lock file, "
                           f"errno = 11); {found.instead()}")
    if found.kind == "hdf5":
        raise ResultsError(f"'{path}' is {found.what}, not socius results; give a file written by "
                           "socius run")
    if found.kind in ("text", "binary"):
        raise ResultsError(f"'{path}' is not an HDF5 file ({found.what}); give a file written by socius run")
    raise _refuse(path, found, "the results of one run (written by socius run)")


def open_results(path: str | os.PathLike):
    """Opens a results file as an ``xarray.Dataset``.

    The main variable is ``indicators`` with dimensions ``(time, group, indicator)``; models that
    record distributions add one variable each, e.g. ``degree_distribution(time, degree)``, with
    the bins' lower edges as coordinate (the last bin is open-ended); tie-graph snapshots are the ragged arrays ``edge_*`` indexed by ``snapshot_offset``/``snapshot_count``;
    provenance (seed, resolved scenario, versions) is in ``attrs``.

    Raises
    ------
    ResultsError
        If the file is missing, is locked by another process, or is not the results of one run
        (the message says what it is instead, e.g. a comparison, and how to read it).
    """
    import xarray as xr

    path = Path(path)
    _check(path)
    return xr.open_dataset(path, engine="h5netcdf")


def summary(path: str | os.PathLike) -> str:
    """A readable summary: scenario, seed, dimensions and final indicators for group "all"."""
    path = Path(path)
    with open_results(path) as ds:
        a = ds.attrs
        lines = [
            f"file:        {path}",
            f"model:       {a.get('model')}   scenario: {a.get('scenario_name')} ({a.get('scenario_hash')})",
            f"seed:        {a.get('seed')}   threads: {show(a.get('threads'))}   "
            f"wall time: {float(a.get('wall_seconds', 0)):.1f} s",
            f"steps:       {show(a.get('steps'))} after {show(a.get('burn_in'))} of burn-in",
            f"version:     socius {a.get('engine_version')}, git {a.get('git_revision')}",
            f"created:     {a.get('created')}",
            "dimensions:  " + ", ".join(f"{k}={v}" for k, v in ds.sizes.items()),
        ]
        if ds.sizes.get("time", 0):
            final = ds["indicators"].isel(time=-1)
            group = "all" if "all" in ds["group"].values else ds["group"].values[0]
            lines.append(f"at time {int(ds['time'][-1])} (group {group}):")
            for name in ds["indicator"].values:
                value = float(final.sel(group=group, indicator=name).values[()])
                # Counts are stored as floats: 487, not 487.0; other values in full (round-trip).
                shown = str(int(value)) if value.is_integer() and abs(value) < 2**53 else show(value)
                lines.append(f"  {name:<28} {shown}")
        return "\n".join(lines)


# -- replacing an existing output file ------------------------------------------------------------
def _names(scenarios: Any) -> tuple[str, tuple[str, ...]]:
    """(model, scenario names) of a Scenario or a sequence of them."""
    items = list(scenarios) if isinstance(scenarios, Iterable) and not hasattr(scenarios, "model") \
        else [scenarios]
    return items[0].model, tuple(s.name for s in items)


def check_output(path: str | os.PathLike, scenarios: Any, *, kind: str = "results",
                 overwrite: bool = False, how: str = "overwrite=True") -> str | None:
    """The one rule for an existing file at an output path: may this run replace it?

    An existing file is replaced only if it is a socius file of the same ``kind`` (``results`` or
    ``comparison``) written for the same scenario: the same model and scenario name (for a
    comparison, the same model and scenario names in the same order), i.e. a rerun of the same
    command. ``overwrite=True`` replaces any file. A folder is never replaced.

    Parameters
    ----------
    path : path
        The output path.
    scenarios : Scenario or sequence of Scenario
        What the run writes (a comparison passes its scenarios).
    kind : {"results", "comparison"}
    overwrite : bool
        Replace whatever is there (not a folder).
    how : str
        How the user asks to overwrite, for the message: ``"--overwrite"`` on the command line.

    Returns
    -------
    str or None
        None if nothing is at ``path``; otherwise a one-line note to show (on stderr) that the
        file will be replaced.

    Raises
    ------
    OutputError
        If the file may not be replaced: the message says what it is and to pass ``how``.
    """
    if kind not in ("results", "comparison"):
        raise ValueError(f"kind must be \"results\" or \"comparison\", got {show(kind)}")
    path = Path(path)
    if not path.exists() and not path.is_symlink():
        return None
    found = identify(path)
    if found.kind in ("folder", "sweep folder", "report folder"):
        raise ResultsError(f"cannot write '{path}': it is {found.what}; give a file name such as "
                           f"{_quote_arg(path / 'out.h5')}")
    model, names = _names(scenarios)
    same = found.kind == kind and found.attrs.get("model") == model and (
        (found.attrs.get("scenario_name"),) == names if kind == "results"
        else tuple(found.attrs.get("scenarios", ())) == names)
    if same:
        return f"socius: replacing '{path}', the earlier {kind} of the same scenario" + \
            ("s" if kind == "comparison" else "")
    if overwrite:
        return f"socius: replacing '{path}', {found.what}, as asked by {how}"
    writes = (f"the results of scenario '{names[0]}' (model {model})" if kind == "results"
              else f"a comparison of {', '.join(names)} (model {model})")
    raise ResultsError(f"'{path}' already exists and is {found.what}; this run would write {writes} "
                       f"over it. Choose another output file, or pass {how} to replace it")
