"""The calibration spec (``scenarios/calibration/*.toml``; docs/calibration.md)::

    name = "baseline"
    description = "refit the baseline's hand-calibrated parameters to the UK targets"
    scenario = "../baseline.toml"          # relative to this file
    targets = "../targets/uk.toml"         # relative to this file
    use = ["lonely_all", "trust_all"]      # optional: some of the file's targets (default: all)
    seed = 2026                            # master seed: designs, run seeds, emulators

    [run]                                  # every run (defaults: the scenario's)
    population = 5000
    burn_in = 780
    steps = 52
    record_every = 4

    [set]                                  # optional: other fixed parameter values
    "indicators.component_every" = 0

    [method]
    waves = 3                              # history-matching waves
    runs = 40                              # design points per wave
    replicates = 2                         # runs per point (>= 2: the model's stochastic variance)
    cutoff = 3.0                           # implausibility cut-off
    rule = "max"                           # "max" over targets, or "second_max"
    candidates = 200000                    # candidates tried per region sample (rejection)
    sample = 1000                          # size of the non-implausible sample written at the end

    [parameters."loneliness.desired_mean"] # the prior box: a uniform range per parameter
    min = 0.6
    max = 1.0
    label = "desired relationships, level"
    source = "calibrated by hand to 0.80 (docs/model.md, Calibration)"

Errors (:class:`CalibrationError`, a ``ValueError``: exit 2) name the file, the key, the value
and what is allowed.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from .. import _core
from .._values import show
from ..scenario import Scenario, ScenarioError, read_toml
from ..sweeps.spec import SweepSpecError
from ..targets import Targets, TargetsError
from .implausibility import RULES

__all__ = ["CalibrationSpec", "CalibrationError", "Parameter"]

_TOP = ("name", "description", "scenario", "targets", "use", "seed", "run", "set", "method", "parameters")
_RUN = {"population": "simulation.population", "burn_in": "simulation.burn_in", "steps": "simulation.steps",
        "record_every": "simulation.record_every"}
_METHOD = {"waves": 3, "runs": 40, "replicates": 2, "cutoff": 3.0, "rule": "max", "candidates": 200_000,
           "sample": 1000}
_PARAM = ("min", "max", "label", "source")


class CalibrationError(SweepSpecError):
    """A calibration spec is invalid, or its output folder holds another calibration. The
    message names the file, the key, the value and what is allowed. A ``ValueError`` (exit 2)."""


def _nearest(word: str, allowed) -> str:
    match = difflib.get_close_matches(str(word), list(allowed), n=1, cutoff=0.6)
    return f"; did you mean '{match[0]}'?" if match else ""


def _is_int(v) -> bool:
    return isinstance(v, (int, np.integer)) and not isinstance(v, bool)


def _is_num(v) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) and math.isfinite(v)


@dataclass(frozen=True)
class Parameter:
    """A parameter to fit: its key, prior range [min, max] (uniform), label and source."""

    key: str
    min: float
    max: float
    type: str
    label: str
    source: str

    def cast(self, v: float):
        return int(round(float(v))) if self.type == "integer" else float(v)


class CalibrationSpec:
    """A validated calibration spec: :attr:`scenario` (with [run] and [set] applied),
    :attr:`targets`, :attr:`parameters` and the method's settings (:attr:`waves`, :attr:`runs`,
    :attr:`replicates`, :attr:`cutoff`, :attr:`rule`, :attr:`candidates`, :attr:`sample`).
    Build with :meth:`load` or :meth:`from_dict`."""

    def __init__(self, data: Mapping[str, Any], origin: str = "python", base_dir: str | os.PathLike | None = None):
        self.origin = origin
        self.source: str | None = None
        self.base_dir = Path(base_dir) if base_dir is not None else Path.cwd()
        self._parse(dict(data))

    @classmethod
    def load(cls, path: str | os.PathLike) -> "CalibrationSpec":
        path = Path(path)
        data = read_toml(path, "calibration spec", CalibrationError)
        spec = cls(data, origin=str(path), base_dir=path.resolve().parent)
        spec.source = str(path)
        return spec

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], origin: str = "python",
                  base_dir: str | os.PathLike | None = None) -> "CalibrationSpec":
        """From a dict shaped like the TOML file; ``scenario`` may be a path, a Scenario or a
        dict, ``targets`` a path, a :class:`~socius.targets.Targets` or a dict."""
        return cls(data, origin=origin, base_dir=base_dir)

    def _err(self, key: str, value: Any, problem: str) -> CalibrationError:
        shown = value if isinstance(value, str) and value.startswith("<") else show(value)
        return CalibrationError(f"{self.origin}: key '{key}' = {shown}: {problem}")

    def _path(self, key: str, v: Any) -> Path:
        if not isinstance(v, (str, os.PathLike)):
            raise self._err(key, v, "expected a file name (relative to the spec)")
        p = Path(v)
        full = p if p.is_absolute() else self.base_dir / p
        if not full.is_file():
            raise self._err(key, str(v), f"file '{full}' does not exist (paths are relative to the spec file)")
        return full

    def _parse(self, d: dict) -> None:
        for k in d:
            if k not in _TOP:
                raise self._err(k, d[k], "unknown key; allowed at the top level: " + ", ".join(_TOP) + _nearest(k, _TOP))
        self.name = d.get("name", Path(self.origin).stem if self.origin != "python" else "calibration")
        if not isinstance(self.name, str) or not self.name:
            raise self._err("name", self.name, "expected a non-empty string")
        self.description = d.get("description", "")
        if not isinstance(self.description, str):
            raise self._err("description", self.description, "expected a string")
        seed = d.get("seed")
        if seed is None:
            raise self._err("seed", "<missing>", "a calibration needs a master seed so that it can be repeated "
                            "and resumed; allowed: a whole number in [0, 2**64)")
        if not _is_int(seed) or not 0 <= seed < 2**64:
            raise self._err("seed", seed, "allowed: a whole number in [0, 2**64)")
        self.seed = int(seed)
        # scenario
        sc = d.get("scenario")
        if sc is None:
            raise self._err("scenario", "<missing>", "the scenario to calibrate: a scenario file relative to the spec")
        try:
            if isinstance(sc, Scenario):
                base = sc
            elif isinstance(sc, Mapping):
                base = Scenario.from_dict(sc, origin=f"{self.origin}: scenario")
            else:
                base = Scenario.load(self._path("scenario", sc))
        except ScenarioError as e:
            if isinstance(e, CalibrationError):
                raise
            raise CalibrationError(str(e)) from None
        self.base_scenario = base
        self.schema = {s["key"]: s for s in _core.schema(base.model)}
        # targets
        tg = d.get("targets")
        if tg is None:
            raise self._err("targets", "<missing>", "a targets file relative to the spec (e.g. \"../targets/uk.toml\")")
        try:
            if isinstance(tg, Targets):
                targets = tg
            elif isinstance(tg, Mapping):
                targets = Targets.from_dict(tg, origin=f"{self.origin}: targets")
            else:
                targets = Targets.load(self._path("targets", tg))
        except TargetsError as e:
            raise CalibrationError(str(e)) from None
        use = d.get("use")
        if use is not None:
            if not isinstance(use, list) or not use or not all(isinstance(u, str) for u in use):
                raise self._err("use", use, "expected a non-empty list of target names; allowed: " + ", ".join(targets.names))
            for u in use:
                if u not in targets.names:
                    raise self._err("use", u, f"not a target of {targets.origin}; allowed: " + ", ".join(targets.names)
                                    + _nearest(u, targets.names))
            if len(set(use)) != len(use):
                raise self._err("use", use, "a target is named twice")
            targets = targets.select(use, where=f"{self.origin}: key 'use'")
        self.targets = targets
        # run settings and fixed values
        run = d.get("run", {})
        if not isinstance(run, Mapping):
            raise self._err("run", run, "expected a table: population, burn_in, steps, record_every")
        overrides: dict = {}
        for k, v in run.items():
            if k not in _RUN:
                raise self._err(f"run.{k}", v, "allowed: " + ", ".join(_RUN) + _nearest(k, _RUN))
            if not _is_int(v) or v < (1 if k in ("population", "record_every") else 0):
                raise self._err(f"run.{k}", v, "expected a whole number" + (" >= 1" if k in ("population", "record_every") else " >= 0"))
            overrides[_RUN[k]] = int(v)
        fixed = d.get("set", {})
        if not isinstance(fixed, Mapping):
            raise self._err("set", fixed, "expected a table of parameter keys and values")
        from ..scenario import flatten

        for k, v in flatten(fixed):
            if k not in self.schema:
                raise self._err(f"set.{k}", v, f"unknown parameter of model '{base.model}'" + _nearest(k, self.schema))
            overrides[k] = v
        # parameters
        params = d.get("parameters")
        if not isinstance(params, Mapping) or not params:
            raise self._err("parameters", params if params is not None else "<missing>",
                            "the parameters to fit: [parameters.\"section.key\"] tables with min, max and source")
        flat: dict = {}

        def walk(t: Mapping, prefix: str) -> None:
            for k, v in t.items():
                if isinstance(v, Mapping) and v and not any(x in v for x in _PARAM):
                    walk(v, f"{prefix}{k}.")
                else:
                    flat[f"{prefix}{k}"] = v
        walk(params, "")
        self.parameters: list[Parameter] = []
        for key, v in flat.items():
            where = f"parameters.{key}"
            if key not in self.schema:
                raise self._err(where, v, f"unknown parameter of model '{base.model}'" + _nearest(key, self.schema))
            info = self.schema[key]
            if info.get("type") not in ("real", "integer"):
                raise self._err(where, v, f"parameter '{key}' is {info.get('type')}; only numbers can be fitted")
            if key in overrides:
                raise self._err(where, v, "also set in [run] or [set]; a parameter is either fixed or fitted")
            if not isinstance(v, Mapping):
                raise self._err(where, v, "expected a table: { min = ..., max = ..., source = \"...\" }")
            for k in v:
                if k not in _PARAM:
                    raise self._err(f"{where}.{k}", v[k], "allowed: " + ", ".join(_PARAM)
                                    + " (a prior is a uniform range)" + _nearest(k, _PARAM))
            for k in ("min", "max"):
                if k not in v:
                    raise self._err(where, dict(v), f"'{k}' is required: the prior range is [min, max]")
                if not _is_num(v[k]):
                    raise self._err(f"{where}.{k}", v[k], "expected a finite number")
            lo, hi = float(v["min"]), float(v["max"])
            if not lo < hi:
                raise self._err(f"{where}.max", v["max"], f"must be above min = {show(v['min'])}")
            amin, amax = info.get("min"), info.get("max")
            if amin is not None and lo < amin:
                raise self._err(f"{where}.min", v["min"], f"outside the allowed range of '{key}': {show(amin)} to {show(amax)}")
            if amax is not None and hi > amax:
                raise self._err(f"{where}.max", v["max"], f"outside the allowed range of '{key}': {show(amin)} to {show(amax)}")
            source = v.get("source")
            if not isinstance(source, str) or not source.strip():
                raise self._err(f"{where}.source", source if source is not None else "<missing>",
                                "every fitted parameter needs a source for its prior range (a publication, or "
                                "\"assumption\" with why)")
            label = v.get("label", key)
            if not isinstance(label, str):
                raise self._err(f"{where}.label", label, "expected a string")
            self.parameters.append(Parameter(key, lo, hi, info.get("type", "real"), label, source.strip()))
        # method
        m = d.get("method", {})
        if not isinstance(m, Mapping):
            raise self._err("method", m, "expected a table: " + ", ".join(_METHOD))
        for k in m:
            if k not in _METHOD:
                raise self._err(f"method.{k}", m[k], "allowed: " + ", ".join(_METHOD) + _nearest(k, _METHOD))
        s = {**_METHOD, **m}
        for k, least in (("waves", 1), ("runs", 2), ("replicates", 2), ("candidates", 100), ("sample", 1)):
            if not _is_int(s[k]) or s[k] < least:
                extra = " (the model's stochastic variance is estimated from the replicates)" if k == "replicates" else ""
                raise self._err(f"method.{k}", s[k], f"allowed: a whole number >= {least}{extra}")
        if not _is_num(s["cutoff"]) or s["cutoff"] <= 0:
            raise self._err("method.cutoff", s["cutoff"], "allowed: a number > 0 (3 is usual)")
        if s["rule"] not in RULES:
            raise self._err("method.rule", s["rule"], "allowed: " + ", ".join(RULES) + _nearest(str(s["rule"]), RULES))
        if s["rule"] == "second_max" and len(self.targets) < 2:
            raise self._err("method.rule", s["rule"], "'second_max' needs at least two targets")
        self.waves, self.runs, self.replicates = int(s["waves"]), int(s["runs"]), int(s["replicates"])
        self.cutoff, self.rule = float(s["cutoff"]), str(s["rule"])
        self.candidates, self.sample = int(s["candidates"]), int(s["sample"])
        # the scenario every run starts from; each parameter checked at its bounds
        try:
            self.scenario = base.with_overrides(overrides, origin=f"{self.origin}: run/set")
            for p in self.parameters:
                for bound in (p.min, p.max):
                    self.scenario.with_overrides({p.key: p.cast(bound)}, origin=f"{self.origin}: parameters.{p.key}")
        except ScenarioError as e:
            raise CalibrationError(str(e).removeprefix("invalid scenario: ")) from None
        self.overrides = overrides
        try:
            self.targets.check_model(self.scenario)
        except TargetsError as e:
            raise CalibrationError(str(e)) from None

    # -- use -------------------------------------------------------------------------------
    @property
    def bounds(self) -> np.ndarray:
        """The prior box, shape (parameters, 2)."""
        return np.array([[p.min, p.max] for p in self.parameters], dtype=float)

    @property
    def keys(self) -> list[str]:
        return [p.key for p in self.parameters]

    def to_dict(self) -> dict:
        """The normalised spec (scenario resolved, targets in full), as hashed."""
        return {"name": self.name, "description": self.description, "seed": str(self.seed),
                "model": self.scenario.model, "scenario": self.scenario.to_toml(),
                "targets": self.targets.to_toml(),
                "parameters": [[p.key, p.min, p.max] for p in self.parameters],
                "method": {"waves": self.waves, "runs": self.runs, "replicates": self.replicates,
                           "cutoff": self.cutoff, "rule": self.rule, "candidates": self.candidates,
                           "sample": self.sample}}

    def hash(self) -> str:
        """A 16-hex-digit digest of everything that decides the calibration's result."""
        return hashlib.sha256(json.dumps(self.to_dict(), sort_keys=True).encode()).hexdigest()[:16]

    def wave_hash(self) -> str:
        """The digest of what decides the waves' runs (not ``waves``, ``sample``): a spec with
        more waves continues from the waves already run."""
        d = self.to_dict()
        d["method"] = {k: v for k, v in d["method"].items() if k not in ("waves", "sample")}
        return hashlib.sha256(json.dumps(d, sort_keys=True).encode()).hexdigest()[:16]

    def __repr__(self) -> str:
        return (f"CalibrationSpec({self.name!r}: {len(self.parameters)} parameters, {len(self.targets)} targets, "
                f"{self.waves} waves x {self.runs} points x {self.replicates} replicates)")
