"""Reading results files written by ``socius run`` (and the Python ``run``)."""

from __future__ import annotations

import os
from pathlib import Path

from . import _core

__all__ = ["open_results", "summary", "ResultsError"]

ResultsError = _core.OutputError


def _check(path: Path) -> None:
    import h5py

    if not path.exists():
        raise ResultsError(f"results file '{path}' does not exist")
    try:
        with h5py.File(path, "r") as f:
            fmt = f.attrs.get("format")
    except OSError as e:
        raise ResultsError(f"'{path}' is not an HDF5 file ({e}); give a file written by socius run") from None
    if isinstance(fmt, bytes):
        fmt = fmt.decode()
    if fmt != _core.RESULTS_FORMAT:
        raise ResultsError(
            f"'{path}' is an HDF5 file but not socius results (attribute 'format' is {fmt!r}, "
            f"expected {_core.RESULTS_FORMAT!r}); give a file written by socius run"
        )


def open_results(path: str | os.PathLike):
    """Opens a results file as an ``xarray.Dataset``.

    The main variable is ``indicators`` with dimensions ``(time, group, indicator)``; models that
    record distributions add one variable each, e.g. ``degree_distribution(time, degree)``, with
    the bins' lower edges as coordinate (the last bin is open-ended); tie-graph snapshots are the ragged arrays ``edge_*`` indexed by ``snapshot_offset``/``snapshot_count``;
    provenance (seed, resolved scenario, versions) is in ``attrs``.

    Raises
    ------
    ResultsError
        If the file is missing or is not socius output.
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
            f"seed:        {a.get('seed')}   threads: {a.get('threads')}   wall time: {float(a.get('wall_seconds', 0)):.1f} s",
            f"steps:       {a.get('steps')} after {a.get('burn_in')} of burn-in",
            f"version:     socius {a.get('engine_version')}, git {a.get('git_revision')}",
            f"created:     {a.get('created')}",
            "dimensions:  " + ", ".join(f"{k}={v}" for k, v in ds.sizes.items()),
        ]
        if ds.sizes.get("time", 0):
            final = ds["indicators"].isel(time=-1)
            group = "all" if "all" in ds["group"].values else ds["group"].values[0]
            lines.append(f"at time {int(ds['time'][-1])} (group {group}):")
            for name in ds["indicator"].values:
                value = float(final.sel(group=group, indicator=name))
                lines.append(f"  {name:<28} {value:.6g}")
        return "\n".join(lines)
