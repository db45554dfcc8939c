"""The one reading layer: what a path is, and opening the socius file it should be.

Every socius HDF5 file says what it is in its root attribute ``format`` (:data:`FORMATS`: a run's
results, a comparison, a sweep index; appraisal and calibration files add a line there).
:func:`identify` says what any path a user gives is, without failing: one of those files, a sweep
folder, a checkpoint, a scenario or sweep spec, a report, another HDF5 file, or a file another
process holds locked. :func:`expect` and :func:`open_dataset` are what every reader calls (the
results, comparison, sweep index and report readers, and the command line): a file of the wrong
kind raises :class:`ResultsError`, one line saying what it is and what to do with it instead.

A results file also says what each indicator is (:data:`INDICATOR_METADATA`); :func:`indicators`
reads it, and says nothing it does not find in the file.
"""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import numpy as np

from . import _core
from ._values import show

__all__ = ["FORMATS", "INDICATOR_METADATA", "FileKind", "Indicator", "ResultsError", "expect", "identify",
           "indicator_metadata", "indicators", "open_dataset", "quote_arg", "refusal", "strings", "text"]

# The root attribute "format" of every socius HDF5 file, by kind.
FORMATS = {
    "results": _core.RESULTS_FORMAT,
    "comparison": "socius-comparison-1",
    "sweep index": "socius-sweep-1",
    "trial": "socius-trial-1",
    "appraisal": "socius-appraisal-1",
}
# Per-indicator variables along dimension "indicator" of a results file, written by the engine from
# the model's declarations; a comparison carries them through. ``indicator_better`` is +1 (higher
# is better), -1 (lower is better) or 0 (neither).
INDICATOR_METADATA = ("indicator_description", "indicator_label", "indicator_category", "indicator_unit",
                      "indicator_better")

_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
_CHECKPOINT_MAGIC = b"SOCIUSCK"
# A report page written by socius carries this in its <head>; older pages are known by their titles.
REPORT_GENERATOR = "<meta name='generator' content='socius"
_REPORT_TITLES = ("<title>Policy comparison: ", "<title>Simulation results: ", "<title>socius sweep ")


class ResultsError(_core.OutputError, ValueError):
    """A file or folder given to socius is not what was expected: missing, locked by another
    process, or of another kind (a comparison where one run's results belong, a scenario where a
    results file belongs, a folder holding someone else's files). The message says what it is
    and what to do instead. An ``OutputError`` and a ``ValueError``: the input is at fault."""


# -- values as HDF5 stores them -------------------------------------------------------------------
def text(value: Any) -> Any:
    """An attribute or element as Python reads it: bytes decoded, NumPy scalars as Python ones."""
    if isinstance(value, bytes):
        return value.decode(errors="replace")
    if isinstance(value, np.generic):
        return value.item()
    return value


def strings(values: Iterable) -> list[str]:
    """A string array (bytes or str, as h5py or xarray give it) as a list of str."""
    return [str(text(v)) for v in np.asarray(values, dtype=object).ravel().tolist()]


# -- what a path is ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class FileKind:
    """What a path is, as :func:`identify` found it.

    ``kind`` is one of ``missing``, ``folder``, ``sweep folder``, ``report folder``, a key of
    :data:`FORMATS` (``results``, ``comparison``, ``sweep index``, ``trial``), ``checkpoint``, ``scenario``,
    ``sweep spec``, ``report``, ``hdf5`` (not written by socius), ``locked`` (held by another
    process), ``text`` or ``binary``. ``what`` describes it in words for a message; ``attrs``
    holds a socius HDF5 file's root attributes (text values decoded).
    """

    path: Path
    kind: str
    what: str
    attrs: dict = field(default_factory=dict)

    def instead(self) -> str:
        """What the user can do with this kind of file, as a clause for a message ('' if nothing)."""
        p = quote_arg(self.path)
        read = f"summarise it with: socius info {p}; or write its report: socius report {p}"
        return {
            "results": read,
            "comparison": read,
            "appraisal": read,
            "sweep index": read,
            "trial": f"summarise it with: socius info {p}",
            "sweep folder": f"summarise it with: socius info {p}; finish it with: socius sweep SPEC.toml --out {p}",
            "checkpoint": f"continue the run with: socius resume {p}",
            "scenario": f"check it with: socius validate {p}; run it with: socius run {p}",
            "sweep spec": f"run it with: socius sweep {p} --out DIR",
            "report": "open it in a web browser",
            "report folder": f"open {quote_arg(self.path / 'index.html')} in a web browser",
            "locked": "wait for that process to finish (a run still writing it?) or close the program "
                      "that holds it open, then try again",
        }.get(self.kind, "")


def quote_arg(path: Path) -> str:
    """``path`` as one shell word, for a command in a message."""
    return shlex.quote(str(path))


def _is_locked(error: OSError) -> bool:
    message = str(error)
    return "unable to lock file" in message or "errno = 11" in message


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


_LOCKED = "an HDF5 file locked by another process (HDF5 says: unable to lock file, errno = 11)"


def _describe(kind: str, a: dict) -> str:
    if kind == "results":
        return (f"a socius results file (scenario '{a.get('scenario_name')}', model {a.get('model')}, "
                "written by socius run)")
    if kind == "comparison":
        return (f"a socius comparison file (scenarios {', '.join(a.get('scenarios', []))}; model "
                f"{a.get('model')}, written by socius compare)")
    if kind == "appraisal":
        return (f"a socius appraisal (options {', '.join(a.get('scenarios', []))}; model "
                f"{a.get('model')}, written by socius appraise or socius compare)")
    if kind == "trial":
        return (f"a socius trial file (policy {a.get('policy')} in scenario '{a.get('scenario_name')}', model "
                f"{a.get('model')}, written by socius trial)")
    return f"a socius sweep index (sweep '{a.get('sweep_name')}', written by socius sweep-index)"


def _read_hdf5(path: Path) -> FileKind:
    import h5py

    try:
        with h5py.File(path, "r") as f:
            attrs = {k: text(v) for k, v in f.attrs.items()}
            if attrs.get("format") == FORMATS["comparison"] and "scenario" in f:
                attrs["scenarios"] = strings(f["scenario"][()])
            if attrs.get("format") == FORMATS["appraisal"] and "option" in f:
                attrs["scenarios"] = strings(f["option"][()])
    except OSError as e:
        if _is_locked(e):
            return FileKind(path, "locked", _LOCKED)
        return FileKind(path, "hdf5", f"a damaged or unreadable HDF5 file ({' '.join(str(e).split())})")
    fmt = attrs.get("format")
    for kind, written in FORMATS.items():
        if fmt == written:
            return FileKind(path, kind, _describe(kind, attrs), attrs)
    shown = "no attribute 'format'" if fmt is None else f"attribute 'format' is {show(fmt)}"
    return FileKind(path, "hdf5", f"an HDF5 file not written by socius ({shown})", attrs)


def _text_kind(path: Path, head: bytes) -> FileKind:
    """A text file: a scenario, a sweep spec, a report page, or other text."""
    import tomllib

    page = head.decode("utf-8", errors="replace").lstrip("\ufeff")
    lowered = page.lower()
    if REPORT_GENERATOR in page or any(t in page for t in _REPORT_TITLES):
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
    return _text_kind(path, head)


# -- opening what a path should be ------------------------------------------------------------------
def refusal(found: FileKind, expected: str) -> ResultsError:
    """The one-line error for ``found`` where ``expected`` (e.g. "a comparison or results file")
    belongs: what it is, and what to do with it instead."""
    path = found.path
    if found.kind == "missing":
        return ResultsError(f"'{path}' does not exist; expected {expected}")
    if found.kind == "locked":
        return ResultsError(f"'{path}' is {found.what}; {found.instead()}")
    hint = found.instead()
    return ResultsError(f"'{path}' is {found.what}, not {expected}" + (f"; {hint}" if hint else ""))


def expect(path: str | os.PathLike, kinds: Iterable[str], expected: str) -> FileKind:
    """What ``path`` is if it is one of ``kinds``; else :class:`ResultsError` (see :func:`refusal`)."""
    found = identify(path)
    if found.kind not in tuple(kinds):
        raise refusal(found, expected)
    return found


def open_dataset(path: str | os.PathLike, kinds: Iterable[str], expected: str):
    """``(FileKind, xarray.Dataset)`` of a socius HDF5 file of one of ``kinds``.

    Raises
    ------
    ResultsError
        If ``path`` is missing, locked (also when it was locked after it was identified) or of
        another kind.
    """
    import xarray as xr

    kinds = tuple(kinds)
    found = expect(path, kinds, expected)
    try:
        return found, xr.open_dataset(found.path, engine="h5netcdf")
    except OSError as e:  # locked (or replaced) since identify() looked at it
        again = identify(path)
        if again.kind not in kinds:
            raise refusal(again, expected) from None
        raise ResultsError(f"cannot read '{path}': {' '.join(str(e).split())}") from None


# -- what each indicator is -------------------------------------------------------------------------
@dataclass(frozen=True)
class Indicator:
    """What a file says about one indicator. Where it says nothing (files written before the
    engine recorded it), ``label`` is the name, ``category`` and ``unit`` are empty, ``better``
    is 0."""

    name: str
    label: str
    description: str = ""
    category: str = ""
    unit: str = ""
    better: int = 0


def indicators(ds) -> dict[str, Indicator]:
    """Each indicator of an opened results or comparison file (an ``xarray.Dataset``), by name,
    in the file's order."""
    names = strings(ds["indicator"].values)

    def column(var: str, default):
        if var not in ds.variables:
            return [default] * len(names)
        values = np.asarray(ds[var].values).ravel().tolist()
        return [text(v) for v in values]

    labels = column("indicator_label", "")
    descriptions = column("indicator_description", "")
    categories = column("indicator_category", "")
    units = column("indicator_unit", "")
    better = column("indicator_better", 0)
    return {n: Indicator(n, str(lab) or n, str(d), str(c), str(u), int(np.sign(b)) if b == b else 0)
            for n, lab, d, c, u, b in zip(names, labels, descriptions, categories, units, better)}


def indicator_metadata(f) -> dict[str, np.ndarray]:
    """The per-indicator variables of an open h5py file (:data:`INDICATOR_METADATA`), as arrays
    ready to write along dimension ``indicator``: text as Python str, ``indicator_better`` as int8."""
    out = {}
    for var in INDICATOR_METADATA:
        if var in f:
            values = f[var][()]
            out[var] = (np.asarray(values, dtype=np.int8) if var == "indicator_better"
                        else np.array(strings(values), dtype=object))
    return out
