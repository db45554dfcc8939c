"""The uncertainty file: priors of the uncertain parameters (``scenarios/uncertainty.toml``).

::

    name = "community-priors"
    [parameters."policy.reorganisation.delivered"]      # a model parameter
    distribution = "triangular"                         # uniform | loguniform | triangular | normal
    min = 0.36
    mode = 0.52
    max = 0.69
    label = "share of a reorganisation's promised gain delivered"
    source = "Fulop et al. 2002: savings 36-69% of target"

    [valuation.wellby_value]                            # what an outcome is worth
    distribution = "triangular"
    min = 10000.0
    mode = 13000.0
    max = 16000.0
    source = "HM Treasury 2021"

Every entry needs a distribution with bounds and a source. Model parameters are checked against
the model (name, type, allowed range; the sweep spec checks each at its bounds), valuation
parameters against :data:`socius.appraise.settings.VALUATION`. Errors name the file, the key,
the value and what is allowed, like the sweep spec's.

A calibration's output (``socius calibrate``: ``DIR/non_implausible.csv``, or the folder ``DIR``)
is accepted too, as an empirical sample of the model parameters: draw ``d`` is a row of the
sample (rows chosen at random without replacement, seeded by the master seed; with replacement
when there are more draws than rows), so the parameters keep the joint structure the calibration
found; the valuation keeps its defaults.

Draws: the model parameters are sampled as the sweep spec samples a Latin hypercube design
(``design.method = "lhs"``, ``samples = draws``); the valuation parameters by a Latin hypercube
of their own, seeded from the master seed with an index no run uses. Both are pure functions of
the master seed and the number of draws.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import numpy as np

from .. import _core
from .._values import show
from ..scenario import read_toml
from ..sweeps.spec import DISTRIBUTIONS, Factor, SweepSpecError
from .settings import VALUATION

__all__ = ["Uncertainty", "UncertaintyError", "Prior"]

_TOP = ("name", "description", "parameters", "valuation")
_ENTRY = ("distribution", "min", "max", "mean", "sd", "mode", "label", "source")


class UncertaintyError(SweepSpecError):
    """An uncertainty file is invalid; the message names the file, key, value and what is allowed.
    A ``ValueError`` (the command line exits with 2)."""


@dataclass(frozen=True)
class Prior:
    """One uncertain parameter: ``kind`` "model" or "valuation", its distribution (a sweep
    :class:`~socius.sweeps.spec.Factor`), label and source."""

    key: str
    kind: str
    factor: Factor
    label: str
    source: str
    empirical: int = 0  # rows of a calibration's sample (0: a distribution)

    def describe(self) -> str:
        f = self.factor
        if self.empirical:
            return f"empirical: {self.empirical} calibrated sets, range [{f.min:.4g}, {f.max:.4g}]"
        extra = "".join(f", {k} {show(getattr(f, k))}" for k in ("mode", "mean", "sd") if getattr(f, k) is not None)
        return f"{f.distribution} on [{show(f.min)}, {show(f.max)}]{extra}"

    def spec_entry(self) -> dict:
        """The entry of a sweep spec's [parameters] table."""
        f = self.factor
        out: dict = {"distribution": f.distribution, "min": f.min, "max": f.max}
        for k in ("mean", "sd", "mode"):
            if getattr(f, k) is not None:
                out[k] = getattr(f, k)
        return out


def _nearest(word: str, allowed) -> str:
    match = difflib.get_close_matches(word, list(allowed), n=1, cutoff=0.6)
    return f"; did you mean '{match[0]}'?" if match else ""


def _num(v) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)


class Uncertainty:
    """A validated uncertainty file: :attr:`model` and :attr:`valuation` priors, in file order.

    Build with :meth:`load` (a TOML file), :meth:`from_dict` or :meth:`none` (nothing uncertain).
    """

    def __init__(self, data: Mapping[str, Any], origin: str, model: str):
        self.origin = origin
        self.source: str | None = None
        self.model_name = model
        self._schema = {s["key"]: s for s in _core.schema(model)}
        self.sample: np.ndarray | None = None  # a calibration's non-implausible sets (rows)
        self._parse(dict(data))

    @classmethod
    def load(cls, path: str | os.PathLike, model: str = "community") -> "Uncertainty":
        path = Path(path)
        if path.is_dir() and (path / "non_implausible.csv").is_file():
            path = path / "non_implausible.csv"  # a calibration folder
        if path.suffix.lower() == ".csv" and path.is_file():
            return cls.from_sample(path, model=model)
        if not path.is_file():
            raise UncertaintyError(f"uncertainty file '{path}' does not exist")
        data = read_toml(path, "uncertainty file", UncertaintyError)
        u = cls(data, origin=str(path), model=model)
        u.source = str(path)
        return u

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], model: str = "community", origin: str = "python") -> "Uncertainty":
        return cls(data, origin=origin, model=model)

    @classmethod
    def from_sample(cls, path: str | os.PathLike, model: str = "community") -> "Uncertainty":
        """A calibration's non-implausible sample (CSV: ``#`` comment lines, a header of
        parameter keys, one parameter set per row) as the model parameters' uncertainty."""
        path = Path(path)
        u = cls({}, origin=str(path), model=model)
        u.source = str(path)
        lines = [ln for ln in path.read_text(encoding="utf-8-sig").splitlines() if ln.strip() and not ln.startswith("#")]
        if not lines:
            raise UncertaintyError(f"{path}: no header: expected a calibration's non_implausible.csv (a header of "
                                   "parameter keys, then one parameter set per row)")
        keys = [k.strip() for k in lines[0].split(",")]
        rows = []
        for i, line in enumerate(lines[1:], start=2):
            cells = line.split(",")
            if len(cells) != len(keys):
                raise UncertaintyError(f"{path}: data row {i - 1}: {len(cells)} values for {len(keys)} columns ({', '.join(keys)})")
            try:
                rows.append([float(c) for c in cells])
            except ValueError:
                raise UncertaintyError(f"{path}: data row {i - 1}: {line!r}: expected numbers") from None
        if not rows:
            raise UncertaintyError(f"{path}: no parameter sets (every set was ruled out by the calibration?): "
                                   "nothing to draw from")
        sample = np.array(rows, dtype=float)
        for j, key in enumerate(keys):
            where = f"column {key}"
            if key not in u._schema:
                raise u._err(where, key, f"unknown parameter of model '{model}'" + _nearest(key, u._schema))
            info = u._schema[key]
            col = sample[:, j]
            lo_allowed, hi_allowed = info.get("min"), info.get("max")
            if not np.all(np.isfinite(col)) or (lo_allowed is not None and col.min() < lo_allowed) or \
                    (hi_allowed is not None and col.max() > hi_allowed):
                raise u._err(where, f"<{show(float(col.min()))} to {show(float(col.max()))}>",
                             f"outside the allowed range of '{key}': {show(lo_allowed)} to {show(hi_allowed)}")
            lo, hi = float(col.min()), float(col.max())
            factor = Factor(key, "continuous", info.get("type", "real"), distribution="uniform", min=lo,
                            max=hi if hi > lo else lo + max(abs(lo) * 1e-9, 1e-12))
            u.model.append(Prior(key, "model", factor, key, f"calibration sample {path}", empirical=len(sample)))
        u.sample = sample
        u.name = path.parent.name or path.stem
        u.description = f"parameter uncertainty: the {len(sample)} non-implausible sets of calibration {path}"
        return u

    def spec_design(self, draws: int, master_seed: int) -> tuple[dict, dict]:
        """The sweep spec's ``design`` and ``[parameters]`` for ``draws`` draws: a Latin
        hypercube over the priors, or rows of a calibration's sample (design ``points``)."""
        if self.sample is None:
            return {"method": "lhs", "samples": int(draws)}, self.spec_parameters()
        rng = np.random.default_rng(_core.derive_seed(master_seed, 2**63 + 3) % 2**32)
        n = len(self.sample)
        rows = rng.choice(n, size=draws, replace=draws > n)
        return {"method": "points"}, {p.key: {"values": [p.factor.cast(v) for v in self.sample[rows, j]]}
                                      for j, p in enumerate(self.model)}

    @classmethod
    def none(cls, model: str = "community") -> "Uncertainty":
        return cls({}, origin="no uncertainty", model=model)

    # -- parsing -----------------------------------------------------------------------------
    def _err(self, key: str, value: Any, problem: str) -> UncertaintyError:
        shown = value if isinstance(value, str) and value.startswith("<") else show(value)
        return UncertaintyError(f"{self.origin}: key '{key}' = {shown}: {problem}")

    def _parse(self, d: dict) -> None:
        for k in d:
            if k not in _TOP:
                raise self._err(k, d[k], "unknown key; allowed at the top level: " + ", ".join(_TOP) + _nearest(k, _TOP))
        self.name = d.get("name", Path(self.origin).stem)
        self.description = d.get("description", "")
        for k in ("name", "description"):
            if not isinstance(getattr(self, k), str):
                raise self._err(k, getattr(self, k), "expected a string")
        self.model: list[Prior] = []
        self.valuation: list[Prior] = []
        for section, kind in (("parameters", "model"), ("valuation", "valuation")):
            table = d.get(section, {})
            if not isinstance(table, Mapping):
                raise self._err(section, table, "expected a table of parameters, each a table with "
                                "distribution, min, max, source")
            for key, entry in self._flat(table, section).items():
                (self.model if kind == "model" else self.valuation).append(self._prior(section, kind, key, entry))

    def _flat(self, table: Mapping, section: str) -> dict:
        """``{"a": {"b": {distribution...}}}`` and ``{"a.b": {...}}`` alike."""
        out: dict = {}

        def walk(t: Mapping, prefix: str) -> None:
            for k, v in t.items():
                dotted = f"{prefix}{k}"
                if isinstance(v, Mapping) and v and not any(x in v for x in _ENTRY):
                    walk(v, dotted + ".")
                else:
                    out[dotted] = v
        walk(table, "")
        return out

    def _prior(self, section: str, kind: str, key: str, v: Any) -> Prior:
        where = f"{section}.{key}"
        if kind == "model":
            if key not in self._schema:
                raise self._err(where, v, f"unknown parameter of model '{self.model_name}'" + _nearest(key, self._schema))
            ptype = self._schema[key].get("type", "real")
            if ptype not in ("real", "integer"):
                raise self._err(where, v, f"parameter '{key}' is {ptype}; only numbers can be uncertain")
            lo_allowed, hi_allowed = self._schema[key].get("min"), self._schema[key].get("max")
        else:
            if key not in VALUATION:
                raise self._err(where, v, "unknown valuation parameter; allowed: " + ", ".join(VALUATION)
                                + _nearest(key, VALUATION))
            ptype = "real"
            lo_allowed, hi_allowed = VALUATION[key].min, VALUATION[key].max
        if not isinstance(v, Mapping):
            raise self._err(where, v, "expected a table: { distribution = \"uniform\", min = ..., max = ..., "
                            "source = \"...\" }")
        for k in v:
            if k not in _ENTRY:
                raise self._err(f"{where}.{k}", v[k], "allowed: " + ", ".join(_ENTRY) + _nearest(k, _ENTRY))
        dist = v.get("distribution", "uniform")
        if dist not in DISTRIBUTIONS:
            raise self._err(f"{where}.distribution", dist, "allowed: " + ", ".join(DISTRIBUTIONS) + _nearest(str(dist), DISTRIBUTIONS))
        for k in ("min", "max"):
            if k not in v:
                raise self._err(where, dict(v), f"'{k}' is required: every distribution has bounds")
        nums = {}
        for k in ("min", "max", "mean", "sd", "mode"):
            if k in v:
                if not _num(v[k]) or not np.isfinite(v[k]):
                    raise self._err(f"{where}.{k}", v[k], "expected a finite number")
                nums[k] = float(v[k])
        lo, hi = nums["min"], nums["max"]
        if not lo < hi:
            raise self._err(f"{where}.max", v["max"], f"must be above min = {show(v['min'])}")
        if lo_allowed is not None and lo < lo_allowed or hi_allowed is not None and hi > hi_allowed:
            bad = "min" if lo_allowed is not None and lo < lo_allowed else "max"
            raise self._err(f"{where}.{bad}", v[bad], f"outside the allowed range of '{key}': "
                            f"{show(lo_allowed)} to {show(hi_allowed)}")
        need = {"normal": ("mean", "sd"), "triangular": ("mode",)}.get(dist, ())
        for k in need:
            if k not in nums:
                raise self._err(where, dict(v), f"distribution '{dist}' needs '{k}'")
        for k in ("mean", "sd", "mode"):
            if k in nums and k not in need:
                raise self._err(f"{where}.{k}", v[k], f"not used by distribution '{dist}'")
        if dist == "loguniform" and lo <= 0:
            raise self._err(f"{where}.min", v["min"], "loguniform needs min > 0")
        if dist == "triangular" and not lo <= nums["mode"] <= hi:
            raise self._err(f"{where}.mode", v["mode"], f"allowed: between min {show(lo)} and max {show(hi)}")
        if dist == "normal" and not nums["sd"] > 0:
            raise self._err(f"{where}.sd", v["sd"], "allowed: a number > 0")
        source = v.get("source")
        if not isinstance(source, str) or not source.strip():
            raise self._err(f"{where}.source", source if source is not None else "<missing>",
                            "every uncertain parameter needs its source (a publication, or \"assumption\" "
                            "with why)")
        label = v.get("label", key)
        if not isinstance(label, str):
            raise self._err(f"{where}.label", label, "expected a string")
        factor = Factor(key, "continuous", ptype, distribution=dist, min=lo, max=hi, mean=nums.get("mean"),
                        sd=nums.get("sd"), mode=nums.get("mode"))
        return Prior(key, kind, factor, label, source.strip())

    # -- use -------------------------------------------------------------------------------
    @property
    def priors(self) -> list[Prior]:
        return [*self.model, *self.valuation]

    @property
    def empty(self) -> bool:
        return not self.priors

    def spec_parameters(self) -> dict:
        """The model priors as a sweep spec's [parameters] table."""
        return {p.key: p.spec_entry() for p in self.model}

    def valuation_draws(self, draws: int, master_seed: int) -> dict[str, np.ndarray]:
        """Each valuation parameter's value in each draw: a Latin hypercube (its own stream,
        derived from the master seed) mapped through each prior's inverse CDF; parameters
        without a prior keep their default in every draw."""
        out = {k: np.full(draws, v.default) for k, v in VALUATION.items()}
        if self.valuation:
            rng = np.random.default_rng(_core.derive_seed(master_seed, 2**63 + 2) % 2**32)
            k = len(self.valuation)
            u = (np.stack([rng.permutation(draws) for _ in range(k)], axis=1) + rng.random((draws, k))) / draws
            for j, p in enumerate(self.valuation):
                out[p.key] = np.asarray(p.factor.ppf(u[:, j]), dtype=float)
        return out

    def to_toml(self) -> str:
        """The priors as TOML (what the appraisal file keeps)."""
        import tomli_w

        def entry(p: Prior) -> dict:
            return {**p.spec_entry(), "label": p.label, "source": p.source}
        data: dict = {"name": self.name, "description": self.description}
        if self.model:
            data["parameters"] = {p.key: entry(p) for p in self.model}
        if self.valuation:
            data["valuation"] = {p.key: entry(p) for p in self.valuation}
        return tomli_w.dumps(data)

    def check_options(self, scenarios) -> None:
        """An uncertain model parameter must have one value in every option before it is drawn:
        otherwise the draw would overwrite what an option chose."""
        for p in self.model:
            values = [(s, s.validate()[p.key]) for s in scenarios]
            first = values[0][1]
            for s, value in values[1:]:
                if value != first:
                    raise self._err(f"parameters.{p.key}", p.describe(),
                                    f"option '{s.name}' sets it to {show(value)} and '{scenarios[0].name}' to "
                                    f"{show(first)}; an uncertain parameter is drawn once for every option, so "
                                    "the options may not set it differently (remove it from the uncertainty "
                                    "file, or from the option)")
