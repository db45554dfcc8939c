"""The results of one run (``socius run``), and when an output file may be replaced.

What a path is, and opening it, is the reading layer's (:mod:`socius.files`); this module reads
one kind of file through it. One rule says when an existing file at an output path may be
replaced (:func:`check_output`): only a socius file of the same kind written for the same
scenario (a rerun of the same command), unless the user asks to overwrite.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterable

from ._values import show
from .files import ResultsError, identify, open_dataset, quote_arg

__all__ = ["open_results", "summary", "check_output"]


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
    return open_dataset(path, ("results",), "the results of one run (written by socius run)")[1]


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
    kind : {"results", "comparison", "trial"}
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
    if kind not in ("results", "comparison", "trial", "appraisal"):
        raise ValueError(f"kind must be \"results\", \"comparison\", \"trial\" or \"appraisal\", got {show(kind)}")
    path = Path(path)
    if not path.exists() and not path.is_symlink():
        return None
    found = identify(path)
    if found.kind in ("folder", "sweep folder", "report folder"):
        raise ResultsError(f"cannot write '{path}': it is {found.what}; give a file name such as "
                           f"{quote_arg(path / 'out.h5')}")
    model, names = _names(scenarios)
    same = found.kind == kind and found.attrs.get("model") == model and (
        (found.attrs.get("scenario_name"),) == names if kind in ("results", "trial")
        else tuple(found.attrs.get("scenarios", ())) == names)
    if same:
        return f"socius: replacing '{path}', the earlier {kind} of the same scenario" + \
            ("s" if kind in ("comparison", "appraisal") else "")
    if overwrite:
        return f"socius: replacing '{path}', {found.what}, as asked by {how}"
    writes = (f"the results of scenario '{names[0]}' (model {model})" if kind == "results"
              else f"a trial in scenario '{names[0]}' (model {model})" if kind == "trial"
              else f"a comparison of {', '.join(names)} (model {model})" if kind == "comparison"
              else f"an appraisal of {', '.join(names)} (model {model})")
    raise ResultsError(f"'{path}' already exists and is {found.what}; this run would write {writes} "
                       f"over it. Choose another output file, or pass {how} to replace it")
