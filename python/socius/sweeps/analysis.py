"""Sensitivity analysis of a finished sweep, in SALib's form and with SALib's estimators.

``salib_form`` gives what SALib expects: the problem dict, the design ``X`` (points x
parameters, in design order) and ``Y`` (one summary statistic per point, the mean over the
replicates that finished). ``sensitivity`` computes Sobol indices (Saltelli design) or Morris
elementary effects for every summary and returns them as an ``xarray.Dataset``.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np

from ..files import FORMATS
from .spec import SweepSpecError

__all__ = ["salib_form", "sensitivity"]


def _open(sweep):
    """(dataset, spec) from a sweep directory, an index file or an opened index."""
    import xarray as xr

    from .index import open_sweep

    if not isinstance(sweep, xr.Dataset):
        ds = open_sweep(Path(sweep))  # the reading layer checks what the file is
    elif sweep.attrs.get("format") == FORMATS["sweep index"]:
        ds = sweep
    else:
        raise SweepSpecError("not a socius sweep index (attribute 'format' is "
                             f"{sweep.attrs.get('format')!r}); give DIR or DIR/sweep.h5")
    from .index import recorded_spec

    # the index's spec was checked when the sweep ran: not every design point again
    spec = recorded_spec(tomllib.loads(ds.attrs["sweep"]), origin=f"{ds.attrs.get('sweep_name')} (index)")
    return ds, spec


def _summaries(ds, summary) -> list[str]:
    skip = {"indicators", "wall_seconds", "error"}
    available = [str(v) for v in ds.data_vars if v not in skip and ds[v].dims == ("run",)]
    if summary is None:
        return available
    wanted = [summary] if isinstance(summary, str) else list(summary)
    for w in wanted:
        if w not in available:
            raise SweepSpecError(f"summary '{w}' is not in the index; summaries: {', '.join(available)}")
    return wanted


def salib_form(sweep, summary: str, scenario: str | None = None):
    """The sweep's design and results as SALib takes them.

    Parameters
    ----------
    sweep : path or xarray.Dataset
        The sweep directory, its ``sweep.h5``, or the opened index.
    summary : str
        A summary variable of the index, e.g. ``"final_degree"``.
    scenario : str, optional
        With several scenarios, which one (default: the first).

    Returns
    -------
    problem : dict
        ``num_vars``, ``names``, ``bounds``, ``dists``.
    X : numpy.ndarray
        Design points x parameters, in design order (the values the runs used).
    Y : numpy.ndarray
        ``summary`` per design point: the mean over the replicates that finished.

    Raises
    ------
    SweepSpecError
        If the design is a grid, or some design point has no finished run (resume the sweep).
    """
    ds, spec = _open(sweep)
    if spec.method in ("grid", "points"):
        raise SweepSpecError(f"a {spec.method} design has no SALib problem; use design 'lhs', 'sobol' or 'morris'")
    (name,) = _summaries(ds, summary)
    names = [s.name for s in spec.scenarios]
    scenario = scenario or names[0]
    if scenario not in names:
        raise SweepSpecError(f"scenario '{scenario}' is not in the sweep; scenarios: {', '.join(names)}")
    s_index = names.index(scenario)
    per = spec.n_points * spec.replicates
    sl = slice(s_index * per, (s_index + 1) * per)
    values = ds[name].values[sl].reshape(spec.n_points, spec.replicates)
    done = (ds["status"].values[sl] == "done").reshape(spec.n_points, spec.replicates)
    counts = done.sum(axis=1)
    if (counts == 0).any():
        missing = np.nonzero(counts == 0)[0]
        shown = ", ".join(map(str, missing[:10])) + (" ..." if len(missing) > 10 else "")
        raise SweepSpecError(f"{len(missing)} design points of scenario '{scenario}' have no finished run "
                             f"(points {shown}); run the sweep again to resume, then rebuild the index")
    y = np.where(done, values, 0.0).sum(axis=1) / counts
    X = np.asarray(spec.design(), dtype=float)
    return spec.problem(), X, y


def sensitivity(sweep, summary: str | list[str] | None = None, *, num_resamples: int = 100,
                conf_level: float = 0.95):
    """Sobol indices or Morris elementary effects of each summary, per scenario.

    Needs SALib. The method follows the sweep's design: ``sobol`` gives first-order (``S1``) and
    total (``ST``) indices with confidence half-widths (and ``S2`` with second order); ``morris``
    gives ``mu``, ``mu_star``, ``sigma`` and ``mu_star_conf``. Bootstrap resampling is seeded
    from the sweep's master seed, so the result is reproducible.

    Parameters
    ----------
    sweep : path or xarray.Dataset
        The sweep directory, its ``sweep.h5``, or the opened index.
    summary : str or list of str, optional
        Summaries to analyse (default: all in the index).

    Returns
    -------
    xarray.Dataset
        Variables over ``(scenario, summary, parameter)``; ``S2`` over ``parameter_2`` too.
    """
    import xarray as xr

    ds, spec = _open(sweep)
    if spec.method not in ("sobol", "morris"):
        raise SweepSpecError(f"sensitivity indices need design 'sobol' or 'morris'; this sweep used "
                             f"'{spec.method}' (use salib_form for other SALib methods)")
    try:
        from SALib.analyze import morris as morris_analyze
        from SALib.analyze import sobol as sobol_analyze
    except ImportError:
        raise SweepSpecError("sensitivity needs SALib: pip install SALib") from None
    names = _summaries(ds, summary)
    params = spec.parameter_names
    seed = spec.design_seed()
    rows = []
    for sc in spec.scenarios:
        per_summary = []
        for name in names:
            problem, X, Y = salib_form(ds, name, sc.name)
            if spec.method == "sobol":
                r = sobol_analyze.analyze(problem, Y, calc_second_order=bool(spec.second_order),
                                          num_resamples=num_resamples, conf_level=conf_level, seed=seed)
                data = {k: (("parameter",), np.asarray(r[k], dtype=float)) for k in ("S1", "S1_conf", "ST", "ST_conf")}
                if spec.second_order:
                    for k in ("S2", "S2_conf"):
                        data[k] = (("parameter", "parameter_2"), np.asarray(r[k], dtype=float))
            else:
                r = morris_analyze.analyze(problem, X, Y, num_resamples=num_resamples, conf_level=conf_level,
                                           num_levels=spec.levels, seed=seed)
                data = {k: (("parameter",), np.asarray(r[k], dtype=float))
                        for k in ("mu", "mu_star", "sigma", "mu_star_conf")}
            coords = {"parameter": params}
            if spec.method == "sobol" and spec.second_order:
                coords["parameter_2"] = params
            per_summary.append(xr.Dataset(data, coords=coords))
        rows.append(xr.concat(per_summary, dim=xr.Variable("summary", names)))
    out = xr.concat(rows, dim=xr.Variable("scenario", [s.name for s in spec.scenarios]))
    out.attrs.update(method=spec.method, sweep_name=spec.name, sweep_hash=spec.hash(),
                     conf_level=conf_level, num_resamples=num_resamples,
                     design_points=spec.n_points, replicates=spec.replicates)
    return out
