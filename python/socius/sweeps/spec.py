"""The sweep specification: what to vary, how to sample it, what to keep from each run.

A spec is TOML (or the same shape as a Python dict)::

    name = "davidsen-p"
    scenario = "../classic/davidsen2002_p00822.toml"     # or scenarios = ["a.toml", "b.toml"]
    seed = 2024                                # master seed
    replicates = 3

    [design]
    method = "grid"                            # grid | lhs | sobol | morris

    [set]                                      # the same for every run
    simulation.population = 500

    [parameters]
    "davidsen.p" = [0.02, 0.05, 0.1]           # a list, a range or a distribution

    [record]
    every = 5                                  # simulation.record_every
    indicators = ["mean_degree"]

    [summaries]
    final_degree = { indicator = "mean_degree", stat = "final" }

Everything is checked when the spec is built (the scenarios against their model's schema, each
varied parameter at its extremes), so a sweep never starts with a mistake that would fail run
by run. Errors name the file, the key, the value and what is allowed.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import itertools
import json
import math
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from .. import _core
from .._values import plain, show
from ..scenario import Scenario, ScenarioError, read_toml
from .layout import run_name, run_relpath

__all__ = ["SweepSpecError", "SweepSpec", "Factor", "SummarySpec", "RunInfo"]

DESIGNS = ("grid", "lhs", "sobol", "morris", "points")
DISTRIBUTIONS = ("uniform", "loguniform", "normal", "triangular")
STATS = ("final", "at", "mean", "median", "min", "max", "std")
# Names the index uses itself; a summary or parameter may not take them.
RESERVED = ("run", "time", "group", "indicator", "scenario", "point", "replicate", "seed",
            "status", "attempts", "indicators", "wall_seconds", "error")

_TOP = ("name", "description", "scenario", "scenarios", "seed", "replicates", "design", "set",
        "parameters", "record", "summaries")
_FACTOR_KEYS = ("value", "values", "min", "max", "num", "step", "distribution", "mean", "sd", "mode")
_DESIGN_KEYS = {"grid": ("method",), "lhs": ("method", "samples"),
                "sobol": ("method", "samples", "second_order"),
                "morris": ("method", "trajectories", "levels"),
                "points": ("method",)}
_RECORD_KEYS = ("every", "indicators", "groups", "snapshot_every")
_SUMMARY_KEYS = ("indicator", "group", "stat", "time", "last", "from", "to")


class SweepSpecError(ScenarioError):
    """A sweep specification is invalid; the message names the file, key, value and what is
    allowed. A ``ValueError`` (and a ``ScenarioError``), so the command line exits with 2."""


def _nearest(word: str, allowed) -> str:
    match = difflib.get_close_matches(word, list(allowed), n=1, cutoff=0.6)
    return f"; did you mean '{match[0]}'?" if match else ""


def _is_int(v) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


def _is_num(v) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)


@dataclass(frozen=True)
class Factor:
    """One varied parameter: a list of values, a range, or a distribution with bounds.

    ``kind`` is ``"values"`` (an explicit list) or ``"continuous"`` (``distribution`` with
    ``min``/``max`` and, for normal, ``mean``/``sd``; triangular has ``mode``). A continuous
    factor in a grid needs ``num`` (evenly spaced points) or ``step``. ``type`` is the model's
    type for the key (integer, real, boolean, string): integer parameters are rounded.
    """

    key: str
    kind: str
    type: str
    values: tuple = ()
    distribution: str = "uniform"
    min: float | None = None
    max: float | None = None
    mean: float | None = None
    sd: float | None = None
    mode: float | None = None
    num: int | None = None
    step: float | None = None

    def grid_values(self) -> list:
        if self.kind == "values":
            return list(self.values)
        if self.num is not None:
            vals = np.linspace(self.min, self.max, self.num)
            if self.distribution == "loguniform":
                vals = np.geomspace(self.min, self.max, self.num)
        else:
            count = int(math.floor((self.max - self.min) / self.step + 1e-9)) + 1
            vals = self.min + self.step * np.arange(count)
        return [self.cast(v) for v in vals]

    def ppf(self, u: np.ndarray) -> np.ndarray:
        """Maps points of the unit interval to values (the inverse CDF), as SALib does."""
        u = np.asarray(u, dtype=float)
        lo, hi = self.min, self.max
        if self.distribution == "uniform":
            return lo + u * (hi - lo)
        from scipy import stats

        if self.distribution == "loguniform":
            return stats.loguniform.ppf(u, a=lo, b=hi)
        if self.distribution == "triangular":
            return stats.triang.ppf(u, c=(self.mode - lo) / (hi - lo), loc=lo, scale=hi - lo)
        # normal, truncated to [min, max]
        return stats.truncnorm.ppf(u, (lo - self.mean) / self.sd, (hi - self.mean) / self.sd,
                                   loc=self.mean, scale=self.sd)

    def cast(self, value):
        """A value in the model's type: integers rounded, reals as float."""
        if self.type == "integer" and _is_num(value):
            return int(round(float(value)))
        if self.type == "real" and _is_num(value):
            return float(value)
        if isinstance(value, np.generic):
            return value.item()
        return value

    def salib(self) -> tuple[list, str]:
        """SALib's bounds and dists entry for this factor."""
        if self.distribution == "uniform":
            return [self.min, self.max], "unif"
        if self.distribution == "loguniform":
            return [self.min, self.max], "logunif"
        if self.distribution == "triangular":
            return [self.min, self.max, (self.mode - self.min) / (self.max - self.min)], "triang"
        return [self.min, self.max, self.mean, self.sd], "truncnorm"

    def to_dict(self) -> dict:
        if self.kind == "values":
            return {"values": list(self.values)}
        out: dict = {"distribution": self.distribution, "min": self.min, "max": self.max}
        for k in ("mean", "sd", "mode", "num", "step"):
            if getattr(self, k) is not None:
                out[k] = getattr(self, k)
        return out


@dataclass(frozen=True)
class SummarySpec:
    """A per-run statistic of one indicator, e.g. its value at the horizon or its mean over the
    last 52 steps. ``indicator = "*"`` means every indicator (named ``<stat>_<indicator>``)."""

    name: str
    indicator: str
    group: str | None = None
    stat: str = "final"
    time: int | None = None
    last: int | None = None
    start: int | None = None
    stop: int | None = None

    def to_dict(self) -> dict:
        out: dict = {"indicator": self.indicator, "stat": self.stat}
        for k, tk in (("group", "group"), ("time", "time"), ("last", "last"), ("start", "from"),
                      ("stop", "to")):
            if getattr(self, k) is not None:
                out[tk] = getattr(self, k)
        return out


@dataclass(frozen=True)
class RunInfo:
    """One run of a sweep: which scenario, design point and replicate, its seed and values."""

    run: int
    scenario: int
    point: int
    replicate: int
    seed: int
    values: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        return run_name(self.run)

    @property
    def relpath(self) -> str:
        """The run's results file, relative to the sweep directory (see :mod:`.layout`)."""
        return run_relpath(self.run)


class SweepSpec:
    """A validated sweep: scenarios, design, replicates, master seed, recording and summaries.

    Build one with :meth:`load` (a TOML file) or :meth:`from_dict` (the same shape); both check
    everything and raise :class:`SweepSpecError` with the file, key, value and what is allowed.

    Attributes
    ----------
    name, description : str
    scenarios : list of Scenario
        The base scenarios, with ``[set]`` and ``[record]`` applied.
    factors : list of Factor
        The varied parameters, in spec order (the columns of :meth:`design`).
    method : str
        ``grid``, ``lhs``, ``sobol`` or ``morris``.
    seed : int
        The master seed; run seeds derive from it (see :meth:`run_seed`).
    replicates : int
    """

    def __init__(self, data: Mapping[str, Any], origin: str = "python", base_dir: str | os.PathLike | None = None):
        self.origin = origin
        self.base_dir = Path(base_dir) if base_dir is not None else Path.cwd()
        self._raw = _plain(dict(data))
        self._design_cache: np.ndarray | None = None
        self._parse(self._raw)

    # -- construction ----------------------------------------------------------------------
    @classmethod
    def load(cls, path: str | os.PathLike) -> "SweepSpec":
        """Reads and checks a sweep spec TOML file; scenario paths are relative to it."""
        path = Path(path)
        if not path.is_file():
            raise SweepSpecError(f"sweep spec '{path}' does not exist")
        data = read_toml(path, "sweep spec", SweepSpecError)  # as editors save it (BOM, CRLF)
        spec = cls(data, origin=str(path), base_dir=path.resolve().parent)
        spec.source = str(path)
        return spec

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], origin: str = "python",
                  base_dir: str | os.PathLike | None = None) -> "SweepSpec":
        """Builds a spec from a dict shaped like the TOML file. ``scenario`` may be a path
        (relative to ``base_dir``, default the working directory), a :class:`Scenario`, or a
        dict for :meth:`Scenario.from_dict`."""
        return cls(data, origin=origin, base_dir=base_dir)

    def _err(self, key: str, value: Any, problem: str) -> SweepSpecError:
        shown = value if isinstance(value, str) and value.startswith("<") else repr(value)
        return SweepSpecError(f"{self.origin}: key '{key}' = {shown}: {problem}")

    def _parse(self, d: dict) -> None:
        self.source: str | None = None
        for key in d:
            if key not in _TOP:
                raise self._err(key, d[key], "unknown key; allowed at the top level: "
                                + ", ".join(_TOP) + _nearest(key, _TOP))
        self.name = d.get("name", Path(self.origin).stem if self.origin != "python" else "sweep")
        if not isinstance(self.name, str) or not self.name:
            raise self._err("name", self.name, "expected a non-empty string")
        self.description = d.get("description", "")
        if not isinstance(self.description, str):
            raise self._err("description", self.description, "expected a string")
        self._parse_seed(d)
        self._parse_scenarios(d)
        self._parse_design(d.get("design", {"method": "grid"}))
        self._parse_record(d.get("record", {}))
        self._parse_set(d.get("set", {}))
        self._parse_factors(d.get("parameters", {}))
        self._parse_summaries(d.get("summaries", {}))
        self._check_values()

    def _parse_seed(self, d: dict) -> None:
        seed = d.get("seed")
        if seed is None:
            raise self._err("seed", "<missing>", "a sweep needs a master seed so that it can be "
                            "repeated and resumed; allowed: a whole number in [0, 2**64)")
        if not _is_int(seed) or not 0 <= seed < 2**64:
            raise self._err("seed", seed, "allowed: a whole number in [0, 2**64)")
        self.seed = int(seed)
        reps = d.get("replicates", 1)
        if not _is_int(reps) or reps < 1:
            raise self._err("replicates", reps, "allowed: a whole number >= 1")
        self.replicates = int(reps)

    def _parse_scenarios(self, d: dict) -> None:
        if "scenario" in d and "scenarios" in d:
            raise self._err("scenarios", d["scenarios"], "give either 'scenario' or 'scenarios', not both")
        if "scenario" in d:
            items, key = [d["scenario"]], "scenario"
        elif "scenarios" in d:
            items, key = d["scenarios"], "scenarios"
            if not isinstance(items, list) or not items:
                raise self._err(key, items, "expected a non-empty list of scenario files")
        else:
            raise self._err("scenario", "<missing>", "allowed: a scenario file (relative to the "
                            "spec), or 'scenarios' = a list of them")
        self.scenarios: list[Scenario] = []
        for item in items:
            if isinstance(item, Scenario):
                sc = item
            elif isinstance(item, Mapping):
                item = dict(item)
                if isinstance(item.get("extends"), str) and not Path(item["extends"]).is_absolute():
                    item["extends"] = str(self.base_dir / item["extends"])  # relative to the spec
                try:
                    if "extends" in item and "model" not in item:
                        item["model"] = Scenario.load(item["extends"]).model
                    sc = Scenario.from_dict(item, origin=f"{self.origin}: {key}")
                except ScenarioError as e:
                    raise SweepSpecError(str(e)) from None
            elif isinstance(item, (str, os.PathLike)):
                path = Path(item)
                full = path if path.is_absolute() else self.base_dir / path
                if not full.is_file():
                    raise self._err(key, str(item), f"scenario file '{full}' does not exist "
                                    "(paths are relative to the spec file)")
                try:
                    sc = Scenario.load(full)
                except ScenarioError as e:
                    raise SweepSpecError(str(e)) from None
            else:
                raise self._err(key, item, "expected a scenario file name")
            self.scenarios.append(sc)
        names = [s.name for s in self.scenarios]
        if len(set(names)) != len(names):
            raise self._err(key, names, "scenario names must differ (they label the runs)")
        models = {s.model for s in self.scenarios}
        if len(models) > 1:
            raise self._err(key, names, f"all scenarios must use one model, got {sorted(models)}")
        self.model = self.scenarios[0].model
        self.schema = {s["key"]: s for s in _core.schema(self.model)}

    def _parse_design(self, design: Any) -> None:
        if isinstance(design, str):
            design = {"method": design}
        if not isinstance(design, Mapping):
            raise self._err("design", design, "expected a table with 'method'")
        method = design.get("method", "grid")
        if method not in DESIGNS:
            raise self._err("design.method", method, "allowed: " + ", ".join(DESIGNS)
                            + _nearest(str(method), DESIGNS))
        for k in design:
            if k not in _DESIGN_KEYS[method]:
                raise self._err(f"design.{k}", design[k], f"not used by design '{method}'; allowed: "
                                + ", ".join(_DESIGN_KEYS[method]))
        self.method = method
        self.samples = self.second_order = self.trajectories = self.levels = None
        if method == "lhs":
            self.samples = design.get("samples")
            if not _is_int(self.samples) or self.samples < 1:
                raise self._err("design.samples", self.samples, "allowed: the number of points, a whole number >= 1")
        elif method == "sobol":
            self.samples = design.get("samples")
            n = self.samples
            if not _is_int(n) or n < 1 or n & (n - 1):
                raise self._err("design.samples", n, "allowed: N, a power of two (e.g. 64, 256); "
                                "the sweep has N(2D+2) points with second-order indices, else N(D+2)")
            self.second_order = design.get("second_order", False)
            if not isinstance(self.second_order, bool):
                raise self._err("design.second_order", self.second_order, "allowed: true or false")
        elif method == "morris":
            self.trajectories = design.get("trajectories", 10)
            if not _is_int(self.trajectories) or self.trajectories < 2:
                raise self._err("design.trajectories", self.trajectories, "allowed: a whole number >= 2")
            self.levels = design.get("levels", 4)
            if not _is_int(self.levels) or self.levels < 2 or self.levels % 2:
                raise self._err("design.levels", self.levels, "allowed: an even whole number >= 2 (e.g. 4)")

    def _flat(self, table: Any, key: str) -> dict:
        if not isinstance(table, Mapping):
            raise self._err(key, table, "expected a table of parameter keys")
        out: dict = {}

        def walk(t: Mapping, prefix: str) -> None:
            for k, v in t.items():
                dotted = f"{prefix}{k}"
                if isinstance(v, Mapping) and not (key == "parameters" and _is_factor_table(v)):
                    walk(v, dotted + ".")
                else:
                    out[dotted] = v
        walk(table, "")
        return out

    def _check_key(self, section: str, key: str, value: Any) -> dict:
        if key not in self.schema:
            raise self._err(f"{section}.{key}", value, f"unknown parameter of model '{self.model}'"
                            + _nearest(key, self.schema))
        return self.schema[key]

    def _parse_record(self, rec: Any) -> None:
        if not isinstance(rec, Mapping):
            raise self._err("record", rec, "expected a table: every, indicators, groups, snapshot_every")
        for k in rec:
            if k not in _RECORD_KEYS:
                raise self._err(f"record.{k}", rec[k], "allowed: " + ", ".join(_RECORD_KEYS) + _nearest(k, _RECORD_KEYS))
        self.record_overrides: dict = {"simulation.snapshot_every": 0}
        self._record_given = {f"simulation.{'record_every' if k == 'every' else k}"
                              for k in rec if k in ("every", "snapshot_every")}
        if "every" in rec:
            self.record_overrides["simulation.record_every"] = rec["every"]
        if "snapshot_every" in rec:
            self.record_overrides["simulation.snapshot_every"] = rec["snapshot_every"]
        for k in ("indicators", "groups"):
            v = rec.get(k)
            if v is not None and (not isinstance(v, list) or not v or not all(isinstance(x, str) for x in v)):
                raise self._err(f"record.{k}", v, "expected a non-empty list of names (default: all)")
        self.indicators = list(rec["indicators"]) if "indicators" in rec else None
        self.groups = list(rec["groups"]) if "groups" in rec else None
        try:
            for sc in self.scenarios:
                sc.with_overrides(self.record_overrides, origin=f"{self.origin}: record")
        except ScenarioError as e:
            raise SweepSpecError(str(e).removeprefix("invalid scenario: ")) from None

    def _parse_set(self, table: Any) -> None:
        self.fixed = self._flat(table, "set")
        for k, v in self.fixed.items():
            self._check_key("set", k, v)
            if k in self._record_given:
                raise self._err(f"set.{k}", v, "also given in [record]; set it in one place")

    def _parse_factors(self, table: Any) -> None:
        flat = self._flat(table, "parameters")
        self.factors: list[Factor] = []
        for key, v in flat.items():
            where = f"parameters.{key}"
            info = self._check_key("parameters", key, v)
            if key in self.fixed:
                raise self._err(where, v, "also given in [set]; a parameter is either fixed or varied")
            if key in self._record_given:
                raise self._err(where, v, "also given in [record]; set it in one place")
            if isinstance(v, Mapping) and set(v) == {"value"}:
                self.fixed[key] = v["value"]
                continue
            if not isinstance(v, (list, Mapping)):
                self.fixed[key] = v          # a plain value: fixed
                continue
            self.factors.append(self._factor(key, where, v, info["type"]))
        if self.method != "grid" and not self.factors:
            raise self._err("parameters", table, f"design '{self.method}' needs at least one "
                            "varied parameter (a range or distribution)")
        if self.method == "points":  # explicit rows (socius calibrate's waves): equal-length columns
            for f in self.factors:
                if f.kind != "values":
                    raise self._err(f"parameters.{f.key}", f.to_dict(), "design 'points' takes each "
                                    "parameter as a list of values, one per point (rows = points)")
                if len(f.values) != len(self.factors[0].values):
                    raise self._err(f"parameters.{f.key}.values", f"<{len(f.values)} values>",
                                    f"design 'points' needs every list as long as the first "
                                    f"('{self.factors[0].key}': {len(self.factors[0].values)} values)")
        for f in self.factors:
            if f.key in RESERVED:
                raise self._err(f"parameters.{f.key}", "<...>", "this name is reserved by the index")

    def _factor(self, key: str, where: str, v: Any, ptype: str) -> Factor:
        if isinstance(v, list):
            v = {"values": v}
        for k in v:
            if k not in _FACTOR_KEYS:
                raise self._err(f"{where}.{k}", v[k], "allowed in a parameter: " + ", ".join(_FACTOR_KEYS)
                                + _nearest(k, _FACTOR_KEYS))
        if "values" in v:
            vals = v["values"]
            extra = set(v) - {"values"}
            if extra:
                raise self._err(where, dict(v), f"'values' cannot be combined with {sorted(extra)}")
            if not isinstance(vals, list) or not vals:
                raise self._err(f"{where}.values", vals, "expected a non-empty list")
            if self.method == "points":  # one column of explicit rows: values may repeat
                return Factor(key, "values", ptype, values=tuple(vals))
            if len({json.dumps(x) for x in vals}) != len(vals):
                raise self._err(f"{where}.values", vals, "values must not repeat")
            if self.method != "grid":
                raise self._err(where, vals, f"a list of values needs design 'grid'; design "
                                f"'{self.method}' samples ranges: give min and max (and a distribution)")
            return Factor(key, "values", ptype, values=tuple(vals))
        dist = v.get("distribution", "uniform")
        if dist not in DISTRIBUTIONS:
            raise self._err(f"{where}.distribution", dist, "allowed: " + ", ".join(DISTRIBUTIONS)
                            + _nearest(str(dist), DISTRIBUTIONS))
        if ptype not in ("integer", "real"):
            raise self._err(where, dict(v), f"a {ptype} parameter cannot take a range; give 'values'")
        nums = {}
        for k in ("min", "max", "mean", "sd", "mode", "step"):
            if k in v:
                if not _is_num(v[k]) or not math.isfinite(v[k]):
                    raise self._err(f"{where}.{k}", v[k], "expected a finite number")
                nums[k] = float(v[k])
        if "min" not in nums or "max" not in nums:
            raise self._err(where, dict(v), "a range needs 'min' and 'max' (bounds are required for "
                            "every distribution; a normal is truncated to them)")
        lo, hi = nums["min"], nums["max"]
        if not lo < hi:
            raise self._err(f"{where}.max", v["max"], f"must be greater than min = {v['min']}")
        need = {"uniform": set(), "loguniform": set(), "normal": {"mean", "sd"}, "triangular": {"mode"}}[dist]
        allowed = need | {"min", "max", "distribution", "num", "step"}
        for k in v:
            if k not in allowed:
                raise self._err(f"{where}.{k}", v[k], f"not used by distribution '{dist}'; allowed: "
                                + ", ".join(sorted(allowed)))
        for k in need:
            if k not in nums:
                raise self._err(where, dict(v), f"distribution '{dist}' needs '{k}'")
        if dist == "loguniform" and lo <= 0:
            raise self._err(f"{where}.min", v["min"], "a log-uniform range needs min > 0")
        if dist == "normal" and nums["sd"] <= 0:
            raise self._err(f"{where}.sd", v["sd"], "must be > 0")
        if dist == "triangular" and not lo <= nums["mode"] <= hi:
            raise self._err(f"{where}.mode", v["mode"], f"must lie in [min, max] = [{lo}, {hi}]")
        num = v.get("num")
        if num is not None and (not _is_int(num) or num < 2):
            raise self._err(f"{where}.num", num, "allowed: a whole number >= 2 (points from min to max)")
        if "step" in nums and nums["step"] <= 0:
            raise self._err(f"{where}.step", v["step"], "must be > 0")
        if num is not None and "step" in nums:
            raise self._err(where, dict(v), "give 'num' or 'step', not both")
        if self.method == "grid":
            if num is None and "step" not in nums:
                raise self._err(where, dict(v), "a range in a grid needs 'num' (points from min to "
                                "max) or 'step'; or give 'values'")
            if dist not in ("uniform", "loguniform"):
                raise self._err(f"{where}.distribution", dist, "a grid spaces points evenly; "
                                "allowed in a grid: uniform (linear) or loguniform (geometric)")
        elif num is not None or "step" in nums:
            raise self._err(where, dict(v), f"'num' and 'step' are for grids; design '{self.method}' samples the range")
        f = Factor(key, "continuous", ptype, distribution=dist, min=lo, max=hi, mean=nums.get("mean"),
                   sd=nums.get("sd"), mode=nums.get("mode"), num=num, step=nums.get("step"))
        if self.method == "grid" and len(set(f.grid_values())) != len(f.grid_values()):
            raise self._err(where, dict(v), f"the grid repeats values after rounding to integers: "
                            f"{f.grid_values()}; use fewer points or 'values'")
        return f

    def _parse_summaries(self, table: Any) -> None:
        if not isinstance(table, Mapping):
            raise self._err("summaries", table, "expected a table: name = { indicator = ..., stat = ... }")
        self.summaries: list[SummarySpec] = []
        for name, v in table.items():
            where = f"summaries.{name}"
            if name in RESERVED or name in self.schema:
                raise self._err(where, v, "this name is taken by a coordinate of the index; choose another")
            if not isinstance(v, Mapping):
                raise self._err(where, v, "expected a table: { indicator = \"...\", stat = \"final\" }")
            for k in v:
                if k not in _SUMMARY_KEYS:
                    raise self._err(f"{where}.{k}", v[k], "allowed: " + ", ".join(_SUMMARY_KEYS) + _nearest(k, _SUMMARY_KEYS))
            ind = v.get("indicator")
            if not isinstance(ind, str) or not ind:
                raise self._err(f"{where}.indicator", ind, "expected an indicator name")
            if self.indicators is not None and ind not in self.indicators:
                raise self._err(f"{where}.indicator", ind, "not among record.indicators: "
                                + ", ".join(self.indicators))
            group = v.get("group")
            if group is not None and not isinstance(group, str):
                raise self._err(f"{where}.group", group, "expected a group name, e.g. \"all\"")
            stat = v.get("stat", "final")
            if stat not in STATS:
                raise self._err(f"{where}.stat", stat, "allowed: " + ", ".join(STATS) + _nearest(str(stat), STATS))
            ints = {}
            for k in ("time", "last", "from", "to"):
                if k in v:
                    if not _is_int(v[k]) or v[k] < (1 if k == "last" else 0):
                        raise self._err(f"{where}.{k}", v[k], "expected a whole number of steps"
                                        + (" >= 1" if k == "last" else " >= 0"))
                    ints[k] = int(v[k])
            if stat == "at" and "time" not in ints:
                raise self._err(where, dict(v), "stat 'at' needs 'time' (steps after burn-in)")
            if stat != "at" and "time" in ints:
                raise self._err(f"{where}.time", v["time"], "'time' is for stat 'at'")
            if stat in ("final", "at") and ({"last", "from", "to"} & set(ints)):
                raise self._err(where, dict(v), f"stat '{stat}' takes no window (last, from, to)")
            if "last" in ints and ({"from", "to"} & set(ints)):
                raise self._err(where, dict(v), "give 'last' or 'from'/'to', not both")
            self.summaries.append(SummarySpec(name, ind, group, stat, ints.get("time"), ints.get("last"),
                                              ints.get("from"), ints.get("to")))
        if not self.summaries:
            # Default: every recorded indicator at the horizon.
            self.summaries.append(SummarySpec("final", "*", None, "final"))

    def _check_values(self) -> None:
        """Applies [set] and every factor's extreme values to each scenario, so that a bad value
        fails now, with the model's message, not in the middle of the sweep."""
        try:
            bases = [sc.with_overrides({**self.record_overrides, **self.fixed}, origin=f"{self.origin}: set")
                     for sc in self.scenarios]
        except ScenarioError as e:
            raise SweepSpecError(str(e).removeprefix("invalid scenario: ")) from None
        self.scenarios = bases
        # A sampled range is checked at its bounds too (a sample may miss a bad bound by luck);
        # every point of every design is checked as it will run (_check_points).
        for f in self.factors:
            if f.kind == "values" or self.method == "grid":
                continue
            for bound, value in (("min", f.cast(f.min)), ("max", f.cast(f.max))):
                try:
                    for sc in self.scenarios:
                        sc.with_overrides({f.key: value}, origin=f"{self.origin}: parameters")
                except ScenarioError as e:
                    text = str(e).removeprefix("invalid scenario: ")
                    if self.origin not in text:
                        text = f"{self.origin}: parameters.{f.key}.{bound} = {show(value)}: {text}"
                    raise SweepSpecError(text) from None
        self._check_points()
        for s in self.summaries:
            if s.stat == "at":
                for sc in self.scenarios:
                    p = sc.parameters
                    if "simulation.steps" in {f.key for f in self.factors} or "simulation.record_every" in {f.key for f in self.factors}:
                        continue
                    steps, every = p["simulation.steps"], p["simulation.record_every"]
                    if s.time > steps or (s.time % every and s.time != steps):
                        raise self._err(f"summaries.{s.name}.time", s.time, f"not a recorded time: "
                                        f"indicators are recorded at 0, every {every} steps and at "
                                        f"the horizon {steps}")

    def _check_points(self) -> None:
        """Validates every design point under every scenario, as its run will build it, so that
        a value the model refuses (alone or in combination) stops the sweep before its first
        run, naming the point and its values, instead of failing run by run."""
        if not self.factors:
            return
        for point, row in enumerate(self.design()):
            values = {f.key: row[j] for j, f in enumerate(self.factors)}
            for sc in self.scenarios:
                try:
                    sc.with_overrides(values, origin=f"{self.origin}: parameters")
                except ScenarioError as e:
                    shown = ", ".join(f"{k} = {show(v)}" for k, v in values.items())
                    raise SweepSpecError(
                        f"{self.origin}: design point {point} ({shown}) of scenario '{sc.name}': "
                        + str(e).removeprefix("invalid scenario: ").removeprefix(f"{self.origin}: ")) from None

    # -- the design ------------------------------------------------------------------------
    @property
    def parameter_names(self) -> list[str]:
        return [f.key for f in self.factors]

    @property
    def n_points(self) -> int:
        """Design points (rows of :meth:`design`), per scenario."""
        d = len(self.factors)
        if self.method == "grid":
            return math.prod(len(f.grid_values()) for f in self.factors)
        if self.method == "points":
            return len(self.factors[0].values)
        if self.method == "lhs":
            return self.samples
        if self.method == "sobol":
            return self.samples * (2 * d + 2 if self.second_order else d + 2)
        return (d + 1) * self.trajectories

    @property
    def n_runs(self) -> int:
        return len(self.scenarios) * self.n_points * self.replicates

    def problem(self) -> dict:
        """The SALib problem dict: num_vars, names, bounds, dists (continuous designs)."""
        bounds, dists = [], []
        for f in self.factors:
            if f.kind != "continuous":
                raise SweepSpecError(f"{self.origin}: parameter '{f.key}' is a list of values; "
                                     "SALib's problem needs ranges")
            b, d = f.salib()
            bounds.append(b)
            dists.append(d)
        return {"num_vars": len(self.factors), "names": self.parameter_names, "bounds": bounds, "dists": dists}

    def design_seed(self) -> int:
        """The seed of the design's own randomness (LHS, scrambled Sobol, Morris), derived from
        the master seed with an index no run uses."""
        return _core.derive_seed(self.seed, 2**63 + 1) % 2**32

    def unit_design(self) -> np.ndarray:
        """The design in the unit hypercube (continuous designs), points x parameters."""
        d = len(self.factors)
        seed = self.design_seed()
        if self.method == "lhs":
            rng = np.random.default_rng(seed)
            n = self.samples
            strata = np.stack([rng.permutation(n) for _ in range(d)], axis=1)
            return (strata + rng.random((n, d))) / n
        unit = {"num_vars": d, "names": self.parameter_names, "bounds": [[0.0, 1.0]] * d}
        if self.method == "sobol":
            from SALib.sample import sobol

            return sobol.sample(unit, self.samples, calc_second_order=bool(self.second_order), seed=seed)
        if self.method == "morris":
            from SALib.sample import morris

            return morris.sample(unit, self.trajectories, num_levels=self.levels, seed=seed)
        raise SweepSpecError(f"{self.origin}: design '{self.method}' has no unit design")

    def design(self) -> np.ndarray:
        """The design points x parameters, as the values the runs use (object array: a grid
        may mix types; integer parameters are rounded)."""
        if self._design_cache is None:
            if self.method in ("grid", "points"):
                rows = (list(zip(*(f.grid_values() for f in self.factors))) if self.method == "points"
                        else list(itertools.product(*(f.grid_values() for f in self.factors))))
                out = np.empty((len(rows), len(self.factors)), dtype=object)
                for i, row in enumerate(rows):
                    out[i, :] = row
            else:
                u = self.unit_design()
                out = np.empty(u.shape, dtype=object)
                for j, f in enumerate(self.factors):
                    col = f.ppf(u[:, j])
                    out[:, j] = [f.cast(x) for x in col]
            self._design_cache = out
        return self._design_cache

    # -- runs ------------------------------------------------------------------------------
    def run_seed(self, point: int, replicate: int) -> int:
        """``derive_seed(derive_seed(master, point), replicate)``: independent of the order runs
        are executed in, and shared by the scenarios (common random numbers, so differences
        between scenarios at one point are not noise from different seeds)."""
        return _core.derive_seed(_core.derive_seed(self.seed, point), replicate)

    def run_info(self, run: int) -> RunInfo:
        per_scenario = self.n_points * self.replicates
        if not 0 <= run < self.n_runs:
            raise IndexError(f"run {run} outside 0..{self.n_runs - 1}")
        s, rest = divmod(run, per_scenario)
        point, rep = divmod(rest, self.replicates)
        row = self.design()[point] if self.factors else ()
        values = {f.key: row[j] for j, f in enumerate(self.factors)}
        return RunInfo(run, s, point, rep, self.run_seed(point, rep), values)

    def runs(self) -> list[RunInfo]:
        """Every run, in order: scenario, then design point, then replicate."""
        return [self.run_info(r) for r in range(self.n_runs)]

    def scenario_for(self, info: RunInfo) -> Scenario:
        return self.scenarios[info.scenario].with_overrides(info.values, origin=f"{self.origin}: parameters")

    # -- description -----------------------------------------------------------------------
    def to_dict(self) -> dict:
        """The normalised spec (scenarios resolved to TOML text), as used for the hash."""
        return {
            "name": self.name,
            "description": self.description,
            "model": self.model,
            "seed": str(self.seed),
            "replicates": self.replicates,
            "design": {k: v for k, v in (("method", self.method), ("samples", self.samples),
                                         ("second_order", self.second_order),
                                         ("trajectories", self.trajectories), ("levels", self.levels))
                       if v is not None},
            "scenarios": [{"name": s.name, "scenario": s.to_toml()} for s in self.scenarios],
            "parameters": {f.key: f.to_dict() for f in self.factors},
            "record": {"indicators": self.indicators, "groups": self.groups},
            "summaries": {s.name: s.to_dict() for s in self.summaries},
        }

    def hash(self) -> str:
        """A stable 16-hex-digit digest of everything that decides the runs' results."""
        text = json.dumps(self.to_dict(), sort_keys=True, default=str)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def to_toml(self) -> str:
        """The spec as self-contained TOML: each scenario is written inline, fully resolved, so
        the file loads anywhere (it is what a sweep directory keeps) and has the same hash."""
        import tomli_w

        d = copy.deepcopy(self._raw)
        d.pop("scenario", None)
        d["scenarios"] = [tomllib.loads(s.to_toml()) for s in self.scenarios]
        d["seed"] = self.seed
        ordered = {k: d[k] for k in _TOP if k in d}
        head = (f"# socius sweep '{self.name}': {self.n_runs} runs, hash {self.hash()}\n"
                "# Written by socius; scenarios are inlined and fully resolved.\n")
        return head + tomli_w.dumps(ordered)

    def __repr__(self) -> str:
        return (f"SweepSpec({self.name!r}: {self.method}, {len(self.factors)} parameters, "
                f"{self.n_points} points x {self.replicates} replicates x {len(self.scenarios)} "
                f"scenarios = {self.n_runs} runs)")


def _plain(value: Any) -> Any:
    """A deep copy with NumPy scalars and 0-d arrays as Python values (so the spec can be
    checked and written as TOML); a NumPy array of values becomes a list."""
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, np.ndarray) and value.ndim > 0:
        return [_plain(v) for v in value]
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    value = plain(value)
    if isinstance(value, np.generic):
        return value.item()
    return copy.deepcopy(value)


def _is_factor_table(v: Mapping) -> bool:
    return bool(v) and all(k in _FACTOR_KEYS for k in v)
