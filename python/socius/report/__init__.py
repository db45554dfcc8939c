"""socius reports: one self-contained HTML page a commission member reads first page first.

:func:`write` renders an appraisal (``socius.appraise``: options, costs in present value,
parameter uncertainty, probability each option is best, acceptability curves, tornado) with the
headline first and the detail below; a plain comparison (no uncertain parameters) is the same
page without the parts that need parameter draws. :func:`report` is the command line's entry
point: it takes any socius output a report can be written of (an appraisal, a comparison file, a
results file or a sweep) and writes the page for it.

The package is layered: :mod:`.page` (the HTML page, sections, tables, where a page may be
written), :mod:`.figures` (matplotlib figures as embedded PNG), :mod:`.fmt` (numbers as people
read them), :mod:`.stats` (intervals, from SciPy); the pages on top: :mod:`.appraisal`,
:mod:`.comparison` (comparison and single-run files) and :mod:`socius.sweeps.report` (sweeps).
"""

from __future__ import annotations

import os
import sys
import types
from pathlib import Path

from .._values import boolean
from ..files import identify
from .page import check_folder, write_page
from .stats import mean_interval, t_quantile

__all__ = ["check_folder", "mean_interval", "report", "report_times", "t_quantile", "write", "write_page"]


def report_times(time):
    from .comparison import report_times as times

    return times(time)


def _is_appraisal(obj) -> bool:
    return all(hasattr(obj, a) for a in ("options", "per_draw", "uncertain"))


def write(appraisal_or_path, out_dir: str | os.PathLike, *, overwrite: bool = False) -> Path:
    """Writes ``out_dir/index.html`` for an appraisal (an ``Appraisal`` object or a path
    :func:`socius.appraise.load` reads) and returns its path.

    Any other socius output a report can be written of (a comparison file, a results file, a
    sweep) is passed to :func:`report`."""
    overwrite = boolean(overwrite, "overwrite")
    if _is_appraisal(appraisal_or_path):
        from .appraisal import page

        check_folder(out_dir, overwrite=overwrite)
        return write_page(out_dir, page(appraisal_or_path), overwrite=overwrite)
    return _report(appraisal_or_path, out_dir, overwrite=overwrite)


def _report(path: str | os.PathLike, out_dir: str | os.PathLike, *, overwrite: bool = False) -> Path:
    """Writes a self-contained HTML report of an appraisal, a comparison, a run or a sweep.

    Parameters
    ----------
    path : path
        An appraisal (what :func:`socius.appraise.load` reads), a comparison file from
        ``socius compare``, a results file from ``socius run`` (one scenario, one replicate: no
        intervals), or a sweep directory (or its ``sweep.h5``): then the page shows how each
        summary responds to each parameter and, for Sobol and Morris designs, the sensitivity
        indices.
    out_dir : path
        Folder for the report; created if missing. The page is ``out_dir/index.html``, written
        under a temporary name and renamed when complete; nothing is written anywhere else. A
        folder that already holds files not written by a socius report is refused.
    overwrite : bool
        Write ``index.html`` into a folder that holds other files too (they are left as they
        are), replacing whatever ``index.html`` is there.

    Returns
    -------
    pathlib.Path
        The HTML file.

    Raises
    ------
    ResultsError
        If ``path`` is missing, locked by another process or not socius output (the one-line
        message names the file and says what it is), or ``out_dir`` is a file or holds files
        not written by a socius report. A ``ValueError`` too: the input is at fault.
    OutputError
        If ``out_dir`` cannot be made or written (permissions, disk full).
    """
    overwrite = boolean(overwrite, "overwrite")
    if _is_appraisal(path):
        return write(path, out_dir, overwrite=overwrite)
    path = Path(path)
    out_dir = Path(out_dir)
    check_folder(out_dir, overwrite=overwrite)  # before any work: refuse early
    found = identify(path)
    if found.kind not in ("comparison", "results"):  # an appraisal file, or a folder holding one
        appraisal = _appraisal(path, must=found.kind == "appraisal")
        if appraisal is not None:
            return write(appraisal, out_dir, overwrite=overwrite)
    if found.kind in ("sweep folder", "sweep index"):  # the sweep's own page, with sensitivity
        from ..sweeps.report import sweep_report

        return sweep_report(path, out_dir, overwrite=overwrite)
    from . import comparison

    return write_page(out_dir, comparison.page(comparison.load(path)), overwrite=overwrite)


def _appraisal(path: Path, must: bool):
    """The appraisal at ``path`` (an appraisal file, or a folder holding one) read by
    :func:`socius.appraise.load`; None if it is not one (the other readers then say what it is).
    With ``must``, the loader's error is raised as it is."""
    try:
        from ..appraise import load  # helper C's package
    except ImportError:
        return None
    try:
        return load(path)
    except Exception:
        if must:
            raise
        return None


class _Report(types.ModuleType):
    """``socius.report`` is this package and the function: ``socius.report(path, out_dir)``
    writes a report as it always did, and ``socius.report.write(appraisal, out_dir)`` is the
    appraisal's entry point."""

    def __call__(self, path: str | os.PathLike, out_dir: str | os.PathLike, *, overwrite: bool = False) -> Path:
        return _report(path, out_dir, overwrite=overwrite)


sys.modules[__name__].__class__ = _Report
report = sys.modules[__name__]  # ``from socius.report import report`` is the callable package
_report.__name__ = "report"
_Report.__call__.__doc__ = _report.__doc__
