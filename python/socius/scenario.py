"""Scenarios: a model's parameters as data that can be loaded, validated, printed and hashed.

A scenario file is TOML. Top-level ``model``, ``name``, ``description`` and ``extends`` describe
the scenario; every table below them holds parameters, flattened to dotted keys::

    model = "community"
    name = "hubs"
    extends = "baseline.toml"      # relative to this file; its keys come first
    [simulation]
    population = 20000             # the key "simulation.population"

Validation happens in one place, the engine's parameter schema, which reports every problem with
the file, the key, the value and what is allowed (and the nearest key for a misspelling).
"""

from __future__ import annotations

import hashlib
import math
import tomllib
from pathlib import Path
from typing import Any, Iterable, Mapping

from . import _core

__all__ = ["Scenario", "ScenarioError"]

ScenarioError = _core.ScenarioError

_META = ("model", "name", "description", "extends")


def _flatten(table: Mapping[str, Any], prefix: str, origin: str, out: list) -> None:
    for key, value in table.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping):
            _flatten(value, dotted + ".", origin, out)
        elif isinstance(value, (bool, int, float, str)):
            out.append((dotted, value, origin))
        else:
            kind = "an array" if isinstance(value, list) else type(value).__name__
            raise ScenarioError(
                f"{origin}: key '{dotted}' = {value!r}: got {kind}; "
                "allowed: a boolean, number or string (use a table for nested keys)"
            )


def _parse_value(text: str) -> Any:
    """A --set value: TOML syntax (1, 0.5, true, "x"); anything else is taken as a string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def _read(path: Path, chain: tuple[Path, ...]) -> tuple[dict, list]:
    """Loads one file and its ancestors: returns (metadata, entries) with ancestors first."""
    if path in chain:
        cycle = " -> ".join(str(p) for p in (*chain, path))
        raise ScenarioError(f"{chain[-1]}: key 'extends': cycle of scenarios: {cycle}")
    if not path.is_file():
        where = f"{chain[-1]}: key 'extends' = \"{path}\": " if chain else ""
        raise ScenarioError(f"{where}scenario file '{path}' does not exist")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as e:
        raise ScenarioError(f"{path}: not valid TOML: {e}") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ScenarioError(f"{path}: cannot read the scenario: {e}") from None
    meta: dict = {}
    entries: list = []
    parent = data.pop("extends", None)
    if parent is not None:
        if not isinstance(parent, str):
            raise ScenarioError(f"{path}: key 'extends' = {parent!r}: expected a file name (string)")
        meta, entries = _read((path.parent / parent).resolve(), (*chain, path))
    for key in ("model", "name", "description"):
        if key in data:
            value = data.pop(key)
            if not isinstance(value, str):
                raise ScenarioError(f"{path}: key '{key}' = {value!r}: expected a string")
            meta[key] = value
    top_level = {k: v for k, v in data.items() if not isinstance(v, Mapping)}
    if top_level:
        key = next(iter(top_level))
        raise ScenarioError(
            f"{path}: key '{key}' = {top_level[key]!r}: unknown top-level key; allowed at the top "
            f"level: {', '.join(_META)}; parameters go in tables such as [simulation]"
        )
    _flatten(data, "", str(path), entries)
    return meta, entries


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    escaped = str(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


class Scenario:
    """A model, its parameters and where each value came from.

    Build one with :meth:`load` (a TOML file) or :meth:`from_dict`; derive variants with
    :meth:`with_overrides`. Scenarios are immutable values: every method returns a new one.

    Parameters
    ----------
    model : str
        Name of a built-in model (see ``socius.models()``).
    entries : iterable of (key, value, origin)
        Parameter values in order of precedence (later ones win); origin names the file or
        source, for error messages.
    name, description : str
        Free text recorded in the results.
    source : str, optional
        The file the scenario was loaded from.
    """

    def __init__(self, model: str, entries: Iterable[tuple[str, Any, str]] = (), *, name: str = "",
                 description: str = "", source: str | None = None):
        self.model = model
        self.name = name or model
        self.description = description
        self.source = source
        self._entries = tuple(entries)
        self._resolved: dict | None = None

    @classmethod
    def load(cls, path: str | Path) -> "Scenario":
        """Loads a TOML scenario file, following ``extends`` (relative to the file).

        Raises
        ------
        ScenarioError
            Missing file, broken TOML, an ``extends`` cycle, or a missing ``model`` key.
            Parameter values are checked by :meth:`validate`.
        """
        path = Path(path)
        meta, entries = _read(path.resolve(), ())
        if "model" not in meta:
            raise ScenarioError(
                f"{path}: key 'model' is missing; allowed: one of "
                + ", ".join(f'"{m["name"]}"' for m in _core.models())
            )
        return cls(meta["model"], _relative_origins(entries), name=meta.get("name", path.stem),
                   description=meta.get("description", ""), source=str(path))

    @classmethod
    def from_toml(cls, text: str, origin: str = "<string>") -> "Scenario":
        """Builds a scenario from TOML text (without ``extends``), e.g. the resolved scenario
        stored in a results file's ``scenario`` attribute."""
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as e:
            raise ScenarioError(f"{origin}: not valid TOML: {e}") from None
        if "extends" in data:
            raise ScenarioError(f"{origin}: key 'extends': not allowed in a scenario given as text")
        return cls.from_dict(data, origin=origin)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], origin: str = "python") -> "Scenario":
        """Builds a scenario from a dict shaped like the TOML file (nested tables or dotted keys)."""
        data = dict(data)
        model = data.pop("model", None)
        if not isinstance(model, str):
            raise ScenarioError(f"{origin}: key 'model' = {model!r}: expected the name of a model")
        name = data.pop("name", model)
        description = data.pop("description", "")
        if "extends" in data:
            base = cls.load(data.pop("extends"))
            entries: list = list(base._entries)
        else:
            entries = []
        _flatten(data, "", origin, entries)
        return cls(model, entries, name=name, description=description)

    def with_overrides(self, overrides: Mapping[str, Any], origin: str = "override") -> "Scenario":
        """A copy with some parameters changed, e.g. ``{"simulation.population": 5000}``.

        Values are validated when the scenario is resolved; an unknown key raises ScenarioError.
        """
        extra = []
        _flatten(dict(overrides), "", origin, extra)
        new = Scenario(self.model, (*self._entries, *extra), name=self.name,
                       description=self.description, source=self.source)
        new.validate()
        return new

    def with_settings(self, settings: Iterable[str], origin: str = "--set") -> "Scenario":
        """A copy with ``KEY=VALUE`` strings applied (the command line's ``--set``)."""
        overrides = {}
        for item in settings:
            key, sep, value = item.partition("=")
            if not sep or not key.strip():
                raise ScenarioError(f"{origin} {item!r}: expected KEY=VALUE, e.g. simulation.steps=52")
            overrides[key.strip()] = _parse_value(value.strip())
        return self.with_overrides(overrides, origin)

    @property
    def entries(self) -> tuple:
        """The raw (key, value, origin) entries, in order of precedence."""
        return self._entries

    def validate(self) -> dict:
        """Checks every value against the model's schema and returns all parameters.

        Raises
        ------
        ScenarioError
            Listing every problem: file, key, value, what is allowed, nearest valid key.
        """
        if self._resolved is None:
            self._resolved = dict(_core.resolve(self.model, list(self._entries)))
        return dict(self._resolved)

    @property
    def parameters(self) -> dict:
        """Every parameter's resolved value (defaults filled in)."""
        return self.validate()

    def to_toml(self) -> str:
        """The fully resolved scenario as TOML: loading it gives the same parameters."""
        params = self.validate()
        lines = [f"model = {_toml_value(self.model)}", f"name = {_toml_value(self.name)}"]
        if self.description:
            lines.append(f"description = {_toml_value(self.description)}")
        table = None
        for key in sorted(params, key=lambda k: (k.rsplit(".", 1)[0] if "." in k else "", k)):
            prefix, _, leaf = key.rpartition(".")
            if prefix != table:
                lines.append(f"\n[{prefix}]")
                table = prefix
            lines.append(f"{leaf} = {_toml_value(params[key])}")
        return "\n".join(lines) + "\n"

    def save(self, path: str | Path) -> None:
        """Writes :meth:`to_toml` to ``path``."""
        Path(path).write_text(self.to_toml(), encoding="utf-8")

    def hash(self) -> str:
        """A stable 16-hex-digit hash of the model and resolved parameters (not of names)."""
        params = self.validate()
        canon = "\n".join(f"{k}={_toml_value(params[k])}" for k in sorted(params))
        return hashlib.sha256(f"{self.model}\n{canon}".encode()).hexdigest()[:16]

    def __str__(self) -> str:
        return self.to_toml()

    def __repr__(self) -> str:
        src = f", source={self.source!r}" if self.source else ""
        return f"Scenario(model={self.model!r}, name={self.name!r}{src})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Scenario) and self.model == other.model and self.validate() == other.validate()

    __hash__ = None  # mutable cache inside; use .hash() for a stable digest


def _relative_origins(entries: list) -> list:
    """Shows origins relative to the working directory when that is shorter."""
    out = []
    cwd = Path.cwd()
    for key, value, origin in entries:
        try:
            origin = str(Path(origin).relative_to(cwd))
        except ValueError:
            pass
        out.append((key, value, origin))
    return out
