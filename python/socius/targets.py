"""Targets as data: the published figures a model must reproduce (``scenarios/targets/uk.toml``).

A targets file is TOML, one table per target::

    [lonely_all]
    indicator = "lonely_share"        # an indicator of the model (docs/model.md, "Indicators")
    group = "all"                     # one of its groups
    value = 0.06                      # the published figure, in the indicator's unit (a share: 0.06 = 6%)
    uncertainty = "range"             # "range": low/high below; "se": a standard error `se`
    low = 0.05                        # the interval the model must land in (required with "range")
    high = 0.07
    band = "the source's range"       # optional: how low/high were chosen
    period = [2016, 2024]             # the time the figure refers to: `year = 2018` or `period = [first, last]`
    source = "ONS Opinions and Lifestyle Survey 2016-2024"
    window = 52                       # optional: weeks at the end of a run averaged (default 52)

Observation variance (what the calibration's implausibility uses, :func:`Target.variance`):

* ``uncertainty = "se"``: ``se**2`` (``se`` in the indicator's unit);
* ``uncertainty = "range"``: the range is read as value +- 3 standard deviations, so
  ``sd = (high - low) / 6``: with an implausibility cut-off of 3 and no other variance, exactly
  the model values inside a band of that width centred on ``value`` are kept.

``low`` and ``high`` may also be given with ``"se"`` (the band a test asserts); ``band``, ``low``
and ``high`` are what ``scripts/validation.py`` and the C++ calibration tests read.

The model's value of a target (:func:`model_value`) is the mean of the indicator, in the group,
over the readings recorded in the last ``window`` weeks of the run (times ``t > T - window``,
``T`` the last recorded time; ``window = 0``: the last reading only), NaN readings skipped. The
year or period is the survey's, kept as provenance: the model has no calendar, and a run is
compared with the figures at its end (after burn-in and ``simulation.steps`` weeks).

Errors (:class:`TargetsError`, a ``ValueError``: the command line exits with 2) name the file,
the table, the key, the value and what is allowed.
"""

from __future__ import annotations

import difflib
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from ._values import show
from .scenario import ScenarioError, read_toml

__all__ = ["Target", "Targets", "TargetsError", "load_targets", "model_value", "model_values"]

UNCERTAINTY = ("se", "range")
KEYS = ("indicator", "group", "value", "uncertainty", "se", "low", "high", "band", "year", "period",
        "source", "window")
DEFAULT_WINDOW = 52


class TargetsError(ScenarioError):
    """A targets file is invalid, or names an indicator or group a results file does not have.
    The message names the file, the table, the key, the value and what is allowed."""


def _num(v) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) and math.isfinite(v)


def _nearest(word: str, allowed) -> str:
    match = difflib.get_close_matches(str(word), list(allowed), n=1, cutoff=0.6)
    return f"; did you mean '{match[0]}'?" if match else ""


@dataclass(frozen=True)
class Target:
    """One published figure: the indicator and group it is read from, its value and uncertainty,
    the survey's time and its source. See the module docstring for the fields and units."""

    name: str
    indicator: str
    group: str
    value: float
    uncertainty: str
    source: str
    se: float | None = None
    low: float | None = None
    high: float | None = None
    band: str = ""
    year: int | None = None
    period: tuple[int, int] | None = None
    window: int = DEFAULT_WINDOW

    @property
    def sd(self) -> float:
        """The observation's standard deviation, in the indicator's unit (module docstring)."""
        if self.uncertainty == "se":
            return float(self.se)
        return (float(self.high) - float(self.low)) / 6.0

    @property
    def variance(self) -> float:
        """The observation variance V_obs (the indicator's unit squared)."""
        return self.sd ** 2

    @property
    def when(self) -> str:
        """``2018`` or ``2016-2024``."""
        return str(self.year) if self.year is not None else f"{self.period[0]}-{self.period[1]}"

    def interval(self) -> tuple[float, float]:
        """The interval shown beside the model: low-high for a range, value +- 2 se otherwise."""
        if self.uncertainty == "range":
            return float(self.low), float(self.high)
        return self.value - 2 * self.se, self.value + 2 * self.se

    def to_dict(self) -> dict:
        out: dict = {"indicator": self.indicator, "group": self.group, "value": self.value,
                     "uncertainty": self.uncertainty}
        for k in ("se", "low", "high"):
            if getattr(self, k) is not None:
                out[k] = getattr(self, k)
        if self.band:
            out["band"] = self.band
        if self.year is not None:
            out["year"] = self.year
        else:
            out["period"] = list(self.period)
        out["source"] = self.source
        if self.window != DEFAULT_WINDOW:
            out["window"] = self.window
        return out


class Targets:
    """A validated targets file: :attr:`targets` (name -> :class:`Target`, file order).

    Build with :meth:`load` or :meth:`from_dict`; :meth:`select` keeps some of them.
    """

    def __init__(self, data: Mapping[str, Any], origin: str = "python"):
        self.origin = origin
        self.source: str | None = None
        if not isinstance(data, Mapping) or not data:
            raise TargetsError(f"{origin}: no targets; expected one table per target, e.g. [lonely_all] "
                               "with indicator, group, value, uncertainty, source and year or period")
        self.targets: dict[str, Target] = {}
        for name, entry in data.items():
            self.targets[name] = self._target(name, entry)

    @classmethod
    def load(cls, path: str | os.PathLike) -> "Targets":
        """Reads and checks a targets file (TOML).

        Raises
        ------
        TargetsError
            A missing file, broken TOML, or an invalid entry (file, table, key, value, allowed).
        """
        path = Path(path)
        data = read_toml(path, "targets", TargetsError)
        t = cls(data, origin=str(path))
        t.source = str(path)
        return t

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], origin: str = "python") -> "Targets":
        return cls(data, origin=origin)

    def _err(self, table: str, key: str, value: Any, problem: str) -> TargetsError:
        shown = value if isinstance(value, str) and value.startswith("<") else show(value)
        return TargetsError(f"{self.origin}: [{table}] key '{key}' = {shown}: {problem}")

    def _target(self, name: str, v: Any) -> Target:
        if not isinstance(v, Mapping):
            raise TargetsError(f"{self.origin}: key '{name}' = {show(v)}: expected a table [{name}] with "
                               "indicator, group, value, uncertainty, source and year or period")
        for k in v:
            if k not in KEYS:
                raise self._err(name, k, v[k], "unknown key; allowed: " + ", ".join(KEYS) + _nearest(k, KEYS))
        for k in ("indicator", "group", "source"):
            x = v.get(k)
            if not isinstance(x, str) or not x.strip():
                raise self._err(name, k, x if x is not None else "<missing>", "required: a non-empty string"
                                + (" (an indicator of the model, docs/model.md 'Indicators')" if k == "indicator" else "")
                                + (" (e.g. \"all\", \"age_16_24\", \"quintile_1\")" if k == "group" else "")
                                + (" (the publication, table and year)" if k == "source" else ""))
        if "value" not in v or not _num(v["value"]):
            raise self._err(name, "value", v.get("value", "<missing>"), "required: a finite number in the "
                            "indicator's unit (a share as 0-1: 0.06 means 6%)")
        nums = {}
        for k in ("se", "low", "high"):
            if k in v:
                if not _num(v[k]):
                    raise self._err(name, k, v[k], "expected a finite number in the indicator's unit")
                nums[k] = float(v[k])
        unc = v.get("uncertainty")
        if unc not in UNCERTAINTY:
            raise self._err(name, "uncertainty", unc if unc is not None else "<missing>",
                            "required: \"se\" (a standard error, key 'se') or \"range\" (the interval low-high, "
                            "read as value +- 3 standard deviations)" + _nearest(str(unc), UNCERTAINTY))
        if unc == "se":
            if "se" not in nums:
                raise self._err(name, "se", "<missing>", "uncertainty = \"se\" needs a standard error 'se' > 0")
            if nums["se"] <= 0:
                raise self._err(name, "se", v["se"], "allowed: a standard error > 0")
        else:
            for k in ("low", "high"):
                if k not in nums:
                    raise self._err(name, k, "<missing>", "uncertainty = \"range\" needs 'low' and 'high'")
            if "se" in nums:
                raise self._err(name, "se", v["se"], "given with uncertainty = \"range\"; state one: "
                                "uncertainty = \"se\" to use it, or remove it")
        if "low" in nums and "high" in nums and not nums["low"] < nums["high"]:
            raise self._err(name, "high", v["high"], f"must be above low = {show(v['low'])}")
        if ("low" in nums) != ("high" in nums):
            k = "high" if "low" in nums else "low"
            raise self._err(name, k, "<missing>", "'low' and 'high' come together")
        year, period = v.get("year"), v.get("period")
        if (year is None) == (period is None):
            raise self._err(name, "year", year if year is not None else "<missing>",
                            "give the time the figure refers to: year = 2018, or period = [2016, 2024] (one of them)")
        if year is not None and (not isinstance(year, int) or isinstance(year, bool) or not 1800 <= year <= 2200):
            raise self._err(name, "year", year, "allowed: a calendar year, e.g. 2018")
        if period is not None:
            ok = (isinstance(period, list) and len(period) == 2
                  and all(isinstance(y, int) and not isinstance(y, bool) and 1800 <= y <= 2200 for y in period)
                  and period[0] <= period[1])
            if not ok:
                raise self._err(name, "period", period, "allowed: [first year, last year], e.g. [2016, 2024]")
        window = v.get("window", DEFAULT_WINDOW)
        if not isinstance(window, int) or isinstance(window, bool) or window < 0:
            raise self._err(name, "window", window, "allowed: whole weeks >= 0 at the end of a run to average "
                            "(0: the last reading only)")
        band = v.get("band", "")
        if not isinstance(band, str):
            raise self._err(name, "band", band, "expected a string")
        return Target(name, v["indicator"].strip(), v["group"].strip(), float(v["value"]), unc,
                      v["source"].strip(), se=nums.get("se"), low=nums.get("low"), high=nums.get("high"),
                      band=band, year=year, period=tuple(period) if period is not None else None,
                      window=int(window))

    # -- use ---------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.targets)

    def __iter__(self):
        return iter(self.targets.values())

    def __getitem__(self, name: str) -> Target:
        return self.targets[name]

    @property
    def names(self) -> list[str]:
        return list(self.targets)

    def select(self, names, where: str = "use") -> "Targets":
        """The targets named (in the order given); TargetsError naming ``where`` for an unknown one."""
        out = Targets.__new__(Targets)
        out.origin, out.source = self.origin, self.source
        out.targets = {}
        for n in names:
            if n not in self.targets:
                raise TargetsError(f"{where}: target '{n}' is not in {self.origin}; allowed: "
                                   + ", ".join(self.targets) + _nearest(n, self.targets))
            out.targets[n] = self.targets[n]
        if not out.targets:
            raise TargetsError(f"{where}: no targets selected; allowed: " + ", ".join(self.targets))
        return out

    def check_model(self, scenario) -> None:
        """Raises TargetsError unless every target's indicator and group is one the scenario's
        model records (found from a run of 100 residents and no steps, under a second)."""
        from .simulation import Simulation

        from . import _core

        try:
            tiny = scenario.with_overrides({"simulation.population": 100, "simulation.burn_in": 0,
                                            "simulation.steps": 0}, origin="targets check")
            sim = Simulation(tiny, seed=1, threads=1)
            sim.run(progress=False)
        except _core.Error:
            return  # the scenario needs more residents (e.g. a policy's sizing): the first runs check instead
        model_values(sim.results["indicators"], list(self), origin=f"the indicators of model '{scenario.model}'",
                     where=self.origin)

    def to_toml(self) -> str:
        import tomli_w

        return tomli_w.dumps({t.name: t.to_dict() for t in self})


def load_targets(path: str | os.PathLike) -> Targets:
    """:meth:`Targets.load`."""
    return Targets.load(path)


def _indicator_array(results):
    """The indicators DataArray (time, group, indicator) of a results file, Dataset or DataArray."""
    import xarray as xr

    if isinstance(results, (str, os.PathLike)):
        from .results import open_results

        with open_results(results) as ds:
            return ds["indicators"].load()
    if isinstance(results, xr.Dataset):
        return results["indicators"]
    return results


def model_value(results, target: Target, *, origin: str = "results") -> float:
    """A target's model value: the mean of ``target.indicator`` in ``target.group`` over the
    readings of the last ``target.window`` weeks (module docstring).

    Parameters
    ----------
    results : path, xarray.Dataset or xarray.DataArray
        A results file of ``socius run`` (or a sweep's run file), a Dataset with ``indicators``,
        or the indicators DataArray with dims ``time``, ``group``, ``indicator`` (extra leading
        dims, e.g. ``run``, are kept: the result is then an array).

    Returns
    -------
    float (or ndarray over the extra dims), in the indicator's unit; NaN if every reading in the
    window is NaN.

    Raises
    ------
    TargetsError
        The results have no such indicator or group (naming them and what they have).
    """
    return model_values(results, [target], origin=origin)[..., 0]


def model_values(results, targets, *, origin: str = "results", where: str = "") -> np.ndarray:
    """:func:`model_value` of several targets at once: an array (..., target), in target order."""
    import warnings

    ind = _indicator_array(results)
    groups = [str(g) for g in ind["group"].values]
    names = [str(n) for n in ind["indicator"].values]
    times = np.asarray(ind["time"].values)
    out = []
    targets = list(targets)
    for t in targets:
        head = f"{where}: [{t.name}]" if where else f"target '{t.name}':"
        if t.indicator not in names:
            raise TargetsError(f"{head} key 'indicator' = \"{t.indicator}\": not among {origin}"
                               + _nearest(t.indicator, names) + " (docs/model.md, 'Indicators')")
        if t.group not in groups:
            raise TargetsError(f"{head} key 'group' = \"{t.group}\": not among the groups of {origin}; allowed: "
                               + ", ".join(groups) + _nearest(t.group, groups))
        last = times.max()
        keep = times > last - t.window if t.window > 0 else times == last
        x = np.asarray(ind.sel(indicator=t.indicator, group=t.group).values, dtype=float)
        tpos = list(ind.sel(indicator=t.indicator, group=t.group).dims).index("time")
        x = np.compress(keep, x, axis=tpos)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # a window of NaN readings gives NaN
            out.append(np.nanmean(x, axis=tpos))
    return np.stack(out, axis=-1)
