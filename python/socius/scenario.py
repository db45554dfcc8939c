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
import os
import tomllib
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

from . import _core
from ._values import plain, show

__all__ = ["Scenario", "ScenarioError"]

ScenarioError = _core.ScenarioError

#: The scenario key naming a borough file (docs/borough.md); handled here, not by the engine.
BOROUGH_KEY = "simulation.borough"

_META = ("model", "name", "description", "extends")


def flatten(table: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """(dotted key, value) of every leaf of nested tables, in order: ``{"a": {"b": 1}}`` gives
    ``("a.b", 1)``. Values are not checked (a report shows whatever a stored scenario holds)."""
    for key, value in table.items():
        dotted = f"{prefix}{plain(key)}"
        value = plain(value)  # NumPy scalars and 0-d arrays are numbers like any other
        if isinstance(value, Mapping):
            yield from flatten(value, dotted + ".")
        else:
            yield dotted, value


def _flatten(table: Mapping[str, Any], prefix: str, origin: str, out: list) -> None:
    """Appends (key, value, origin) entries to ``out``; ScenarioError for a value that is not a
    boolean, number or string."""
    for dotted, value in flatten(table, prefix):
        if isinstance(value, (bool, int, float, str)):
            out.append((dotted, value, origin))
        else:
            kind = ("an array" if isinstance(value, (list, tuple)) or hasattr(value, "shape")
                    else f"a {type(value).__name__}")
            raise ScenarioError(
                f"{origin}: key '{dotted}' = {show(value)}: got {kind}; "
                "allowed: a boolean, number or string (use a table for nested keys)"
            )


def _parse_value(text: str) -> Any:
    """A --set value: TOML syntax (1, 0.5, true, "x"); anything else is taken as a string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def parse_settings(settings: Iterable[str], origin: str = "--set") -> list[tuple[str, Any, str]]:
    """``KEY=VALUE`` strings (the command line's ``--set``) as (key, value, the text given).

    Raises
    ------
    ScenarioError
        If an item is not ``KEY=VALUE``, or a key is given twice (naming both settings).
    """
    out: list[tuple[str, Any, str]] = []
    seen: dict[str, str] = {}
    for item in settings:
        key, sep, value = str(item).partition("=")
        key = key.strip()
        if not sep or not key or not value.strip():
            raise ScenarioError(f"{origin} {show(str(item))}: expected KEY=VALUE with no spaces around "
                                "'=', e.g. --set simulation.steps=52")
        given = f"{origin} {key}={value.strip()}"
        if key in seen:
            raise ScenarioError(f"key '{key}' is set twice: {seen[key]} and {given}; give it once")
        seen[key] = given
        out.append((key, _parse_value(value.strip()), given))
    return out


# What a scenario name may be: it labels results and names the default output file
# results/<name>.h5, so it must be one file name on every system (Windows included).
NAME_MAX = 100
_NAME_FORBIDDEN = '/\\:*?"<>|'
NAME_RULE = (f"allowed: 1 to {NAME_MAX} characters, no / \\ : * ? \" < > | or control characters, "
             "not starting with '.' or a space and not ending with '.' or a space "
             "(the name labels the results and names the file results/<name>.h5)")


def check_name(name: Any, origin: str) -> str:
    """``name`` if it is a valid scenario name (see ``NAME_RULE``); otherwise ScenarioError naming
    ``origin``, the key ``name`` and the value."""
    name = plain(name)
    if not isinstance(name, str):
        raise ScenarioError(f"{origin}: key 'name' = {show(name)}: expected a string; {NAME_RULE}")
    bad = (not name or len(name) > NAME_MAX or any(c in _NAME_FORBIDDEN or ord(c) < 32 or ord(c) == 127
                                                   for c in name)
           or name[0] in ". " or name[-1] in ". ")
    if bad:
        raise ScenarioError(f"{origin}: key 'name' = {show(name)}: not a usable scenario name; {NAME_RULE}")
    return name


_UTF8_BOM = b"\xef\xbb\xbf"


def read_toml(path: str | os.PathLike, what: str = "scenario", error: type = ScenarioError) -> dict:
    """Reads a TOML file that a person edits (a scenario, a sweep spec) as editors save it.

    Accepts UTF-8 with or without a byte-order mark (Notepad, PowerShell) and any line ends
    (CRLF, CR, LF). Any other encoding, or a file that is not text at all (e.g. a results file
    given where a scenario belongs), raises ``error`` saying what the file is and what to do.

    Parameters
    ----------
    path : path
    what : str
        What the file should be, for messages: ``"scenario"``, ``"sweep spec"``.
    error : exception type
        Raised with a one-line message naming the file (ScenarioError, SweepSpecError, ...).
    """
    path = Path(path)
    if path.is_dir():
        raise error(f"'{path}' is a folder, not a {what} file (TOML)")
    if not path.is_file():
        raise error(f"{what} file '{path}' does not exist")
    try:
        data = path.read_bytes()
    except OSError as e:
        raise error(f"{path}: cannot read the {what}: {e.strerror or e}") from None
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise error(f"{path}: the file is saved as UTF-16 (PowerShell's default for > and Out-File), "
                    f"not UTF-8; save it as UTF-8, e.g. Out-File -Encoding utf8")
    if data.startswith(_UTF8_BOM):
        data = data[len(_UTF8_BOM):]
    if b"\0" in data[:4096] or data.startswith(b"\x89HDF") or data.startswith(b"SOCIUSCK"):
        from .files import identify

        found = identify(path)
        hint = found.instead()
        raise error(f"'{path}' is {found.what}, not a {what} file (TOML)" + (f"; {hint}" if hint else ""))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        column = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        raise error(f"{path}: line {line}, column {column} (byte {e.start}): byte 0x{data[e.start]:02x} "
                    "is not UTF-8 (the file looks saved as Windows-1252 or Latin-1); save it as UTF-8") from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise error(f"{path}: not valid TOML: {e}") from None


def _read(path: Path, chain: tuple[Path, ...]) -> tuple[dict, list]:
    """Loads one file and its ancestors: returns (metadata, entries) with ancestors first."""
    if path in chain:
        cycle = " -> ".join(str(p) for p in (*chain, path))
        raise ScenarioError(f"{chain[-1]}: key 'extends': cycle of scenarios: {cycle}")
    if not path.exists() and chain:
        raise ScenarioError(f"{chain[-1]}: key 'extends' = {show(str(path))}: scenario file '{path}' "
                            "does not exist")
    data = read_toml(path, "scenario")
    meta: dict = {}
    entries: list = []
    parent = data.pop("extends", None)
    if parent is not None:
        if not isinstance(parent, str):
            raise ScenarioError(f"{path}: key 'extends' = {show(parent)}: expected a file name (string)")
        meta, entries = _read((path.parent / parent).resolve(), (*chain, path))
    for key in ("model", "name", "description"):
        if key in data:
            value = data.pop(key)
            if not isinstance(value, str):
                raise ScenarioError(f"{path}: key '{key}' = {show(value)}: expected a string")
            meta[key] = check_name(value, str(path)) if key == "name" else value
    top_level = {k: v for k, v in data.items() if not isinstance(v, Mapping)}
    if top_level:
        key = next(iter(top_level))
        raise ScenarioError(
            f"{path}: key '{key}' = {show(top_level[key])}: unknown top-level key; allowed at the top "
            f"level: {', '.join(_META)}; parameters go in tables such as [simulation]"
        )
    _flatten(data, "", str(path), entries)
    return meta, entries


def _toml_value(value: Any) -> str:
    value = plain(value)
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
        self.name = check_name(name or model, source or "Scenario")
        self.description = description
        self.source = source
        self._entries = tuple((plain(k), plain(v), o) for k, v, o in entries)
        self._resolved: dict | None = None
        self._borough: Any = None  # (path, Borough) once read

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
        name = meta["name"] if "name" in meta else check_name(path.stem, f"{path} (no key 'name': the file name is used)")
        return cls(meta["model"], _relative_origins(entries), name=name,
                   description=meta.get("description", ""), source=str(path))

    @classmethod
    def from_toml(cls, text: str, origin: str = "<string>") -> "Scenario":
        """Builds a scenario from TOML text (without ``extends``), e.g. the resolved scenario
        stored in a results file's ``scenario`` attribute."""
        try:
            data = tomllib.loads(str(text).lstrip("\ufeff").replace("\r\n", "\n"))
        except tomllib.TOMLDecodeError as e:
            raise ScenarioError(f"{origin}: not valid TOML: {e}") from None
        if "extends" in data:
            raise ScenarioError(f"{origin}: key 'extends': not allowed in a scenario given as text")
        return cls.from_dict(data, origin=origin)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], origin: str = "python") -> "Scenario":
        """Builds a scenario from a dict shaped like the TOML file (nested tables or dotted keys)."""
        if not isinstance(data, Mapping):
            raise TypeError(f"data must be a mapping (dict) shaped like a scenario file, got {type(data).__name__}")
        data = {plain(k): v for k, v in data.items()}
        model = plain(data.pop("model", None))
        if not isinstance(model, str):
            raise ScenarioError(f"{origin}: key 'model' = {show(model)}: expected the name of a model")
        name = check_name(data.pop("name", model), origin)
        description = plain(data.pop("description", ""))
        if not isinstance(description, str):
            raise ScenarioError(f"{origin}: key 'description' = {show(description)}: expected a string")
        if "extends" in data:
            base = cls.load(data.pop("extends"))
            entries: list = list(base._entries)
        else:
            entries = []
        _flatten(data, "", origin, entries)
        return cls(model, entries, name=name, description=description, source=None)

    def with_overrides(self, overrides: Mapping[str, Any], origin: str = "override") -> "Scenario":
        """A copy with some parameters changed, e.g. ``{"simulation.population": 5000}``.

        Values may be Python or NumPy scalars (``np.int64(300)``, ``np.float32(0.1)``) or 0-d
        arrays. The copy is validated: an unknown key or a bad value raises ScenarioError.
        """
        if not isinstance(overrides, Mapping):
            raise TypeError(f"overrides must be a mapping of key to value, got {type(overrides).__name__}")
        extra: list = []
        _flatten(dict(overrides), "", origin, extra)
        new = Scenario(self.model, (*self._entries, *extra), name=self.name,
                       description=self.description, source=self.source)
        new.validate()
        return new

    def with_settings(self, settings: Iterable[str], origin: str = "--set") -> "Scenario":
        """A copy with ``KEY=VALUE`` strings applied (the command line's ``--set``); values are
        read as TOML (``3``, ``0.5``, ``true``, ``"x"``), anything else as a string.

        Raises
        ------
        ScenarioError
            If an item is not ``KEY=VALUE``, a key is given twice, or a value is invalid.
        """
        if isinstance(settings, str):
            settings = [settings]
        overrides = {key: value for key, value, _ in parse_settings(settings, origin)}
        return self.with_overrides(overrides, origin)

    @property
    def entries(self) -> tuple:
        """The raw (key, value, origin) entries, in order of precedence."""
        return self._entries

    @property
    def borough(self):
        """The borough the population is built from (``simulation.borough``, a path relative to
        the file that sets it; docs/borough.md), as a :class:`socius.borough.Borough`, or None.

        Raises
        ------
        ScenarioError
            If the file is missing or has errors (naming the file, row and column).
        """
        given = [(v, o) for k, v, o in self._entries if k == BOROUGH_KEY]
        if not given:
            return None
        value, origin = given[-1]
        if not isinstance(value, str) or not value:
            raise ScenarioError(f"{origin}: key '{BOROUGH_KEY}' = {show(value)}: expected the path of a borough "
                                "file (TOML), relative to the scenario file")
        base = Path(origin).parent if Path(origin).is_file() else Path.cwd()
        path = (base / value).resolve()
        if self._borough is None or self._borough[0] != path:
            from . import borough

            if not path.is_file():
                raise ScenarioError(f"{origin}: key '{BOROUGH_KEY}' = {show(value)}: borough file '{path}' does not exist")
            self._borough = (path, borough.load(path))
        return self._borough[1]

    def core_entries(self) -> list:
        """The entries the engine takes: ``simulation.borough`` replaced, where it stands, by what
        the borough sets (``structure.borough_digest`` and any ``services.<name>_posts``), so
        that later entries still override the borough's posts.

        Raises
        ------
        ScenarioError
            If the borough file has errors, or ``structure.borough_digest`` is given and differs
            from the borough's (the file changed since the scenario was written) or is given
            without a borough.
        """
        b = self.borough
        last = max((i for i, e in enumerate(self._entries) if e[0] == BOROUGH_KEY), default=None)
        out: list = []
        for i, (k, v, o) in enumerate(self._entries):
            if k == "structure.borough_digest":
                if b is None and v != 0:
                    raise ScenarioError(f"{o}: key 'structure.borough_digest' = {show(v)}: set, but the scenario names no "
                                        f"borough; allowed: 0, or a borough file in '{BOROUGH_KEY}' (which sets it)")
                if b is not None and v != b.digest:
                    raise ScenarioError(f"{o}: key 'structure.borough_digest' = {show(v)}: the borough file '{b.path}' has "
                                        f"digest {b.digest} (it changed since the scenario was written); allowed: {b.digest}")
                continue
            if k == BOROUGH_KEY:
                if i == last:
                    out.extend(b.entries())
                continue
            out.append((k, v, o))
        return out

    def core_borough(self) -> dict | None:
        """The borough's arrays for the model's setup (None without a borough)."""
        b = self.borough
        return None if b is None else b.core()

    def validate(self) -> dict:
        """Checks every value against the model's schema and returns all parameters (with
        ``simulation.borough``, the borough file's absolute path, when there is one).

        Raises
        ------
        ScenarioError
            Listing every problem: file, key, value, what is allowed, nearest valid key.
        """
        if self._resolved is None:
            resolved = dict(_core.resolve(self.model, self.core_entries()))
            if self.borough is not None:
                resolved[BOROUGH_KEY] = str(self.borough.path)
            self._resolved = resolved
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
        params.pop(BOROUGH_KEY, None)  # where the file is: its content is in structure.borough_digest
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
