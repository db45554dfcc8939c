"""The appraisal file (``DIR/appraisal.h5``, format ``socius-appraisal-1``) and the
:class:`Appraisal` a report renders.

Layout: the root group holds every run's indicators ``indicators(option, draw, replicate, time,
group, indicator)``, each run's seed ``run_seed(option, draw, replicate)`` as its results file
recorded it (common random numbers can be checked: it does not depend on ``option``), the
uncertain parameters' values ``parameter_values(draw, parameter)`` with their label, source and
distribution, the valuation parameters ``valuation(draw, valuation)``, what each indicator is,
and the options' scenarios. The groups ``per_draw``, ``incremental``, ``pairwise``,
``by_group``, ``prob_best``, ``ceac``, ``tornado`` and ``equity`` hold the appraisal computed
from them (:mod:`socius.appraise.analysis`); they are absent when the model records no costs
(e.g. a comparison of Davidsen runs), and ``appraised`` says so.
"""

from __future__ import annotations

import json
import os
import shlex
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .._lazy import lazy
from ..files import FORMATS, ResultsError, open_dataset, strings, text
from .analysis import analyse
from .settings import (ELASTICITY, ELASTICITY_SOURCE, INCOME_SOURCE, QUINTILE_INCOME, VALUATION,
                       equity_weights)

__all__ = ["Appraisal", "load", "APPRAISAL_FILE", "APPRAISAL_FORMAT", "GROUPS"]

xr = lazy("xarray")  # imported when first used (socius._lazy): a run needs no xarray

APPRAISAL_FILE = "appraisal.h5"
APPRAISAL_FORMAT = FORMATS["appraisal"]
# The netCDF groups holding the appraisal proper, and the attribute of the Appraisal each fills.
GROUPS = ("per_draw", "incremental", "pairwise", "by_group", "prob_best", "ceac", "tornado", "equity")


@dataclass
class Appraisal:
    """An appraisal of policy options under parameter uncertainty (the contract a report reads).

    Attributes
    ----------
    options : list of str
        Option (scenario) names; the first is the comparator, ``baseline``.
    descriptions : dict of str to str
        Each option's scenario description.
    draws, replicates, population, horizon_weeks, seed : int
        Parameter draws, runs per draw and option, residents, policy weeks, master seed.
    command : str
        A command that reproduces the appraisal exactly (with ``--population``).
    uncertain : bool
        False for a plain comparison (no parameter draws).
    indicators : dict
        name -> {label, unit, better, description, category}, as the model declared them.
    per_draw : xarray.Dataset (option, draw, group)
        Discounted costs and outcomes and their values, each averaged over replicates.
    per_run : xarray.Dataset (option, draw, replicate, group)
        The same per run.
    series : xarray.Dataset (option, draw, replicate, time, group)
        One variable per recorded indicator.
    incremental : xarray.Dataset (option, stat)
        Against the baseline: d_cost, d_effect (WELLBYs), d_lonely_years, d_outcome_value (the
        value of service outcomes gained, GBP), d_net_benefit, icer, icer_lonely_year; stat = mean, p2_5, p97_5 over draws x replicates.
    pairwise : xarray.Dataset (option, versus, stat)
        Between options.
    by_group : xarray.Dataset (option, group, stat)
        The main results by deprivation quintile.
    prob_best : xarray.DataArray (option)
    ceac : xarray.DataArray (option, wtp)
    tornado : xarray.Dataset (parameter, option)
        low/high net benefit against the baseline, parameter label and source as coordinates;
        empty when nothing is uncertain.
    equity_weighted : xarray.DataArray (option)
    parameters : xarray.Dataset (draw, parameter)
        The drawn values of the uncertain parameters (``values``), with label and source.
    valuation : dict of str to numpy array (draw)
    settings : dict
        Valuation defaults and sources, equity weights and the income proxy behind them.
    path : Path or None
        The file it was read from.
    """

    options: list
    baseline: str
    descriptions: dict
    draws: int
    replicates: int
    population: int
    horizon_weeks: int
    seed: int
    command: str
    uncertain: bool
    indicators: dict
    series: xr.Dataset
    parameters: xr.Dataset
    valuation: dict
    run_seed: np.ndarray
    attrs: dict = field(default_factory=dict)
    per_draw: xr.Dataset | None = None
    per_run: xr.Dataset | None = None
    incremental: xr.Dataset | None = None
    pairwise: xr.Dataset | None = None
    by_group: xr.Dataset | None = None
    prob_best: xr.DataArray | None = None
    ceac: xr.DataArray | None = None
    tornado: xr.Dataset | None = None
    equity_weighted: xr.DataArray | None = None
    equity_weighted_stats: xr.DataArray | None = None
    equity_weights: xr.DataArray | None = None
    missing: list = field(default_factory=list)
    path: Path | None = None

    @property
    def appraised(self) -> bool:
        """True when the model recorded what an appraisal needs (costs, lonely years)."""
        return self.per_draw is not None

    @property
    def settings(self) -> dict:
        return settings_dict()

    # -- construction ------------------------------------------------------------------------
    @classmethod
    def from_runs(cls, indicators: xr.DataArray, *, metadata: dict, parameters: xr.Dataset,
                  valuation: dict, run_seed: np.ndarray, baseline: str, descriptions: dict,
                  draws: int, replicates: int, population: int, horizon_weeks: int, seed: int,
                  command: str, uncertain: bool, attrs: dict | None = None) -> "Appraisal":
        """Builds the appraisal of runs held in memory (``indicators`` with dims option, draw,
        replicate, time, group, indicator)."""
        options = list(map(str, indicators["option"].values))
        series = indicators.to_dataset("indicator")
        for name in series.data_vars:
            meta = metadata.get(str(name), {})
            series[name].attrs = {"long_name": meta.get("label", str(name)), "units": meta.get("unit", "")}
        a = cls(options=options, baseline=baseline, descriptions=descriptions, draws=draws,
                replicates=replicates, population=population, horizon_weeks=horizon_weeks, seed=seed,
                command=command, uncertain=uncertain, indicators=metadata, series=series,
                parameters=parameters, valuation={k: np.asarray(v, dtype=float) for k, v in valuation.items()},
                run_seed=np.asarray(run_seed, dtype=np.uint64), attrs=dict(attrs or {}))
        a._raw = indicators
        a._analyse()
        return a

    def _analyse(self) -> None:
        result = analyse(self._raw, self.valuation, self.parameters, self.baseline)
        if "missing" in result:
            self.missing = result["missing"]
            return
        for k, v in result.items():
            setattr(self, k, v)

    # -- the file ----------------------------------------------------------------------------
    def write(self, path: str | os.PathLike) -> Path:
        """Writes the appraisal file, under a temporary name renamed when complete."""
        path = Path(path)
        tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
        try:
            self._root().to_netcdf(tmp, engine="h5netcdf", encoding=self._encoding())
            if self.appraised:
                for group in GROUPS:
                    self._group(group).to_netcdf(tmp, mode="a", group=group, engine="h5netcdf")
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)
        self.path = path
        return path

    def _encoding(self) -> dict:
        shape = self._raw.shape
        if not all(shape):
            return {}
        return {"indicators": {"zlib": True, "complevel": 4, "chunksizes": (1, 1, 1, *shape[3:])}}

    def _root(self) -> xr.Dataset:
        raw = self._raw
        data = {
            "indicators": (raw.dims, raw.values, {"long_name": "recorded indicators of every run"}),
            "run_seed": (("option", "draw", "replicate"), self.run_seed,
                         {"long_name": "seed each run's results file recorded; the same for every option "
                                       "(common random numbers)"}),
            "parameter_values": (("draw", "parameter"), self.parameters["values"].transpose("draw", "parameter").values
                                 if self.parameters.sizes.get("parameter") else np.zeros((self.draws, 0)),
                                 {"long_name": "value of each uncertain parameter in each draw"}),
            "valuation_values": (("draw", "valuation"),
                          np.stack([self.valuation[k] for k in VALUATION], axis=1),
                          {"long_name": "valuation parameters in each draw"}),
        }
        for key in ("label", "unit", "better", "description", "category"):
            values = [self.indicators.get(str(n), {}).get(key, "" if key != "better" else 0)
                      for n in raw["indicator"].values]
            data[f"indicator_{key}"] = ("indicator", np.array(values, dtype=np.int8 if key == "better" else object))
        coords = {d: raw[d].values if raw[d].dtype != object and raw[d].dtype.kind != "U"
                  else np.array(strings(raw[d].values), dtype=object) for d in raw.dims}
        params = self.parameters
        coords["parameter"] = np.array(strings(params["parameter"].values) if params.sizes.get("parameter") else [],
                                       dtype=object)
        for c in ("label", "source", "kind", "distribution"):
            vals = strings(params[c].values) if c in params.coords and params.sizes.get("parameter") else []
            coords[f"parameter_{c}"] = ("parameter", np.array(vals, dtype=object))
        coords["valuation"] = np.array(list(VALUATION), dtype=object)
        coords["valuation_source"] = ("valuation", np.array([v.source for v in VALUATION.values()], dtype=object))
        coords["valuation_unit"] = ("valuation", np.array([v.unit for v in VALUATION.values()], dtype=object))
        coords["option_description"] = ("option", np.array([self.descriptions.get(o, "") for o in self.options],
                                                           dtype=object))
        for key in ("option_toml", "option_hash", "option_source"):
            if key in self.attrs:
                coords[key] = ("option", np.array(self.attrs[key], dtype=object))
        attrs = {k: v for k, v in self.attrs.items() if not k.startswith("option_")}
        attrs.update({
            "format": APPRAISAL_FORMAT, "baseline": self.baseline, "draws": self.draws,
            "replicates": self.replicates, "population": self.population,
            "horizon_weeks": self.horizon_weeks, "master_seed": str(self.seed), "command": self.command,
            "uncertain": int(self.uncertain), "appraised": int(self.appraised),
            "missing_indicators": ", ".join(self.missing), "settings": json.dumps(settings_dict()),
        })
        return xr.Dataset(data, coords=coords, attrs=attrs)

    def _group(self, group: str) -> xr.Dataset:
        if group == "prob_best":
            return self.prob_best.to_dataset(name="prob_best")
        if group == "ceac":
            return self.ceac.to_dataset(name="ceac")
        if group == "equity":
            return xr.Dataset({"equity_weighted": self.equity_weighted,
                               "equity_weighted_stats": self.equity_weighted_stats,
                               "equity_weights": self.equity_weights})
        if group == "per_draw":
            return xr.merge([self.per_draw, self.per_run.rename({v: f"run_{v}" for v in self.per_run.data_vars})],
                            combine_attrs="drop_conflicts")
        return getattr(self, group)

    def summary(self) -> str:
        """A few lines: options, draws, seeds, and the headline results."""
        lines = [f"appraisal:   {len(self.options)} options (baseline {self.baseline}); "
                 f"{self.draws} parameter draw{'s' if self.draws != 1 else ''} x {self.replicates} replicates; "
                 f"{self.population:,} residents, {self.horizon_weeks} weeks",
                 f"uncertain:   " + (", ".join(strings(self.parameters["parameter"].values)) if self.uncertain
                                     else "nothing (a comparison: chance only)"),
                 f"seed:        {self.seed}",
                 f"reproduce:   {self.command}"]
        if not self.appraised:
            lines.append(f"not appraised: the model records no {', '.join(self.missing)}")
            return "\n".join(lines)
        inc = self.incremental
        for o in self.options[1:]:
            c, e, icer = (inc[v].sel(option=o) for v in ("d_cost", "d_effect", "icer"))
            lines.append(f"{o}: incremental cost {float(c.sel(stat='mean')):,.0f} GBP "
                         f"[{float(c.sel(stat='p2_5')):,.0f} to {float(c.sel(stat='p97_5')):,.0f}], "
                         f"WELLBYs {float(e.sel(stat='mean')):,.1f} [{float(e.sel(stat='p2_5')):,.1f} to "
                         f"{float(e.sel(stat='p97_5')):,.1f}], ICER {float(icer.sel(stat='mean')):,.0f} GBP/WELLBY, "
                         f"P(best) {float(self.prob_best.sel(option=o)):.2f}")
        lines.append(f"{self.baseline}: P(best) {float(self.prob_best.sel(option=self.baseline)):.2f}")
        return "\n".join(lines)


def settings_dict() -> dict:
    return {"valuation": {k: {"label": v.label, "default": v.default, "min": v.min, "max": v.max,
                              "unit": v.unit, "source": v.source} for k, v in VALUATION.items()},
            "equity": {"elasticity": ELASTICITY, "elasticity_source": ELASTICITY_SOURCE,
                       "income": QUINTILE_INCOME, "income_source": INCOME_SOURCE, "weights": equity_weights()}}


def load(path: str | os.PathLike) -> Appraisal:
    """Reads an appraisal file (or the ``appraisal.h5`` of an appraisal directory).

    Raises
    ------
    ResultsError
        The path is not an appraisal (the message says what it is).
    """
    path = Path(path)
    if path.is_dir():
        if not (path / APPRAISAL_FILE).is_file():
            raise ResultsError(f"no appraisal at '{path / APPRAISAL_FILE}': run socius appraise ... --out {path} "
                               "(finished runs are kept; the same command resumes)")
        path = path / APPRAISAL_FILE
    _, ds = open_dataset(path, ("appraisal",), "an appraisal (written by socius appraise or socius compare)")
    with ds:
        ds = ds.load()
    a = ds.attrs
    raw = ds["indicators"]
    names = strings(ds["indicator"].values)
    raw = raw.assign_coords(indicator=names, group=strings(ds["group"].values),
                            option=strings(ds["option"].values))
    metadata = {n: {"label": text(ds["indicator_label"].values[i]), "unit": text(ds["indicator_unit"].values[i]),
                    "better": int(ds["indicator_better"].values[i]),
                    "description": text(ds["indicator_description"].values[i]),
                    "category": text(ds["indicator_category"].values[i])} for i, n in enumerate(names)}
    params = xr.Dataset(
        {"values": (("draw", "parameter"), ds["parameter_values"].values)},
        coords={"draw": ds["draw"].values, "parameter": strings(ds["parameter"].values),
                **{c: ("parameter", strings(ds[f"parameter_{c}"].values))
                   for c in ("label", "source", "kind", "distribution")}})
    valuation = {k: ds["valuation_values"].sel(valuation=k).values for k in strings(ds["valuation"].values)}
    options = strings(ds["option"].values)
    attrs = {k: text(v) for k, v in a.items()}
    for key in ("option_toml", "option_hash", "option_source"):
        if key in ds.coords:
            attrs[key] = strings(ds[key].values)
    appraisal = Appraisal(
        options=options, baseline=str(a["baseline"]),
        descriptions=dict(zip(options, strings(ds["option_description"].values))),
        draws=int(a["draws"]), replicates=int(a["replicates"]), population=int(a["population"]),
        horizon_weeks=int(a["horizon_weeks"]), seed=int(text(a["master_seed"])), command=str(text(a["command"])),
        uncertain=bool(int(a["uncertain"])), indicators=metadata,
        series=_series(raw, metadata), parameters=params, valuation=valuation,
        run_seed=ds["run_seed"].values.astype(np.uint64), attrs=attrs, path=path)
    appraisal._raw = raw
    missing = str(text(a.get("missing_indicators", "")))
    appraisal.missing = [m for m in missing.split(", ") if m]
    if int(a.get("appraised", 0)):
        groups = {g: _open_group(path, g) for g in GROUPS}
        pdr = groups["per_draw"]
        run_vars = [v for v in pdr.data_vars if str(v).startswith("run_")]
        appraisal.per_run = pdr[run_vars].rename({v: str(v)[4:] for v in run_vars})
        appraisal.per_draw = pdr.drop_vars(run_vars).drop_dims("replicate", errors="ignore")
        appraisal.incremental = groups["incremental"]
        appraisal.pairwise = groups["pairwise"]
        appraisal.by_group = groups["by_group"]
        appraisal.prob_best = groups["prob_best"]["prob_best"]
        appraisal.ceac = groups["ceac"]["ceac"]
        appraisal.tornado = groups["tornado"]
        eq = groups["equity"]
        appraisal.equity_weighted = eq["equity_weighted"]
        appraisal.equity_weighted_stats = eq["equity_weighted_stats"]
        appraisal.equity_weights = eq["equity_weights"]
    return appraisal


def _series(raw: xr.DataArray, metadata: dict) -> xr.Dataset:
    series = raw.to_dataset("indicator")
    for name in series.data_vars:
        meta = metadata.get(str(name), {})
        series[name].attrs = {"long_name": meta.get("label", str(name)), "units": meta.get("unit", "")}
    return series


def _open_group(path: Path, group: str) -> xr.Dataset:
    with xr.open_dataset(path, group=group, engine="h5netcdf") as ds:
        ds = ds.load()
    for name in list(ds.coords):
        if ds[name].dtype == object:
            ds = ds.assign_coords({name: (ds[name].dims, strings(ds[name].values))})
    return ds


def reproduce_command(scenarios: list[str], *, draws: int, replicates: int, population: int, seed: int,
                      uncertainty: str | None, out: str, extra: list[str] | None = None) -> str:
    """The ``socius appraise`` command that reproduces an appraisal exactly."""
    args = ["socius", "appraise", *scenarios, "--draws", str(draws), "--replicates", str(replicates),
            "--population", str(population), "--seed", str(seed)]
    if uncertainty:
        args += ["--uncertainty", uncertainty]
    args += list(extra or []) + ["--out", out]
    return " ".join(shlex.quote(a) for a in args)
