"""A borough from a table (issue 17; docs/borough.md): the neighbourhoods of a real place.

A borough file is TOML; its neighbourhoods are a CSV table beside it::

    name = "England"
    neighbourhoods = "england.csv"     # relative to this file
    targets = "../targets/uk.toml"     # optional: the place's own survey figures (not read here)
    [age]                              # optional: shares for rows whose table has no age columns
    age_16_24 = 0.139
    ...
    [household]                        # optional: likewise for the household mix
    [services]                         # optional: posts by service for the table's population
    health_posts = 310
    [sources]                          # free text: where each figure comes from
    age = "ONS mid-2022 population estimates ..."

Columns of the table: ``neighbourhood`` (a name or code), ``population`` (residents aged 16 and
over, > 0), ``imd_quintile`` (1 most deprived .. 5) or ``imd_decile`` (1 .. 10), the seven age
shares ``age_16_24 .. age_75_plus`` and the five household shares ``household_one_person ..
household_shared`` (each set summing to 1 within 1e-6; either set may instead be given once for
every row in the TOML's ``[age]`` or ``[household]`` table).

A scenario uses one with ``simulation.borough = "boroughs/england.toml"`` (relative to the
scenario file); :class:`socius.Scenario` reads it with :func:`load`, which checks everything and
raises :class:`socius.ScenarioError` naming the file, the row and the column, the value and what
is allowed. The model builds its population from the validated arrays (:meth:`Borough.core`).
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
import struct
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._values import show
from .scenario import ScenarioError, read_toml

__all__ = ["Borough", "load", "AGE_BANDS", "HOUSEHOLD_TYPES", "SERVICES"]

#: Age bands of the model's residents (aged 16+), as the indicator groups have them.
AGE_BANDS = ("age_16_24", "age_25_34", "age_35_44", "age_45_54", "age_55_64", "age_65_74", "age_75_plus")
#: The model's household types (structure.household_*), in the order the model indexes them.
HOUSEHOLD_TYPES = ("household_one_person", "household_couple", "household_couple_children",
                   "household_lone_parent", "household_shared")
#: Services with posts (services.<name>_posts).
SERVICES = ("employment", "education", "health", "legal")

_TOP_KEYS = ("name", "description", "neighbourhoods", "targets", "age", "household", "services", "sources")
_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Borough:
    """A validated borough table: one entry per neighbourhood (row) in every list."""

    path: Path                      #: the borough file (TOML)
    table: Path                     #: its neighbourhood table (CSV)
    name: str
    description: str
    neighbourhood: list[str]
    population: list[float]         #: residents aged 16+ per neighbourhood
    quintile: list[int]             #: IMD quintile, 1 most deprived .. 5 least
    age: list[list[float]]          #: shares by AGE_BANDS
    household: list[list[float]]    #: shares by HOUSEHOLD_TYPES
    posts: dict[str, float] = field(default_factory=dict)  #: posts by service for the whole table
    targets: Path | None = None     #: the place's own targets file, if it names one
    sources: dict[str, str] = field(default_factory=dict)
    sha256: str = ""                #: of the TOML and CSV files' bytes (provenance)

    @property
    def rows(self) -> int:
        return len(self.population)

    @property
    def total(self) -> float:
        return math.fsum(self.population)

    @property
    def digest(self) -> int:
        """The table's digest (56 bits of the SHA-256 of its validated arrays): the value of
        ``structure.borough_digest`` a scenario built from it records."""
        h = hashlib.sha256()
        for i in range(self.rows):
            h.update(struct.pack("<dB", self.population[i], self.quintile[i]))
            h.update(struct.pack("<7d", *self.age[i]))
            h.update(struct.pack("<5d", *self.household[i]))
        return int(h.hexdigest()[:14], 16)

    def posts_per_10000(self) -> dict[str, float]:
        """The file's posts by service as services.<name>_posts (per 10,000 residents)."""
        return {s: self.posts[s] * 10000.0 / self.total for s in SERVICES if s in self.posts}

    def entries(self) -> list[tuple[str, Any, str]]:
        """The scenario entries the borough sets: structure.borough_digest and any posts."""
        origin = f"{self.path} (borough)"
        out: list[tuple[str, Any, str]] = [("structure.borough_digest", self.digest, origin)]
        out += [(f"services.{s}_posts", v, origin) for s, v in self.posts_per_10000().items()]
        return out

    def core(self) -> dict[str, Any]:
        """The arrays the model's setup takes (socius._core.Simulation's ``borough``)."""
        return {"population": list(self.population), "quintile": list(self.quintile),
                "age": [list(a) for a in self.age], "household": [list(h) for h in self.household],
                "digest": self.digest}

    def by_quintile(self) -> dict[str, list[float]]:
        """Population shares and population-weighted age shares by quintile (for checks)."""
        pop = [0.0] * 5
        age = [[0.0] * len(AGE_BANDS) for _ in range(5)]
        for i in range(self.rows):
            q = self.quintile[i] - 1
            pop[q] += self.population[i]
            for b in range(len(AGE_BANDS)):
                age[q][b] += self.population[i] * self.age[i][b]
        total = self.total
        return {"share": [p / total for p in pop],
                "age": [[a / pop[q] if pop[q] else 0.0 for a in age[q]] for q in range(5)]}

    def age_shares(self) -> list[float]:
        """Population-weighted age shares of the whole table, by AGE_BANDS."""
        total = self.total
        return [math.fsum(self.population[i] * self.age[i][b] for i in range(self.rows)) / total
                for b in range(len(AGE_BANDS))]


def _error(where: str, message: str) -> ScenarioError:
    return ScenarioError(f"{where}: {message}")


def _number(text: str) -> float | None:
    try:
        x = float(text)
    except ValueError:
        return None
    return x


def _shares(table: Any, keys: tuple[str, ...], path: Path, name: str) -> list[float] | None:
    """A TOML table of shares ([age] or [household]): every key of `keys`, numbers in [0, 1]
    summing to 1."""
    if table is None:
        return None
    if not isinstance(table, dict):
        raise _error(str(path), f"key '{name}' = {show(table)}: expected a table of shares ({', '.join(keys)})")
    unknown = [k for k in table if k not in keys]
    if unknown:
        raise _error(str(path), f"key '{name}.{unknown[0]}': unknown; allowed: {', '.join(keys)}")
    out = []
    for k in keys:
        if k not in table:
            raise _error(str(path), f"key '{name}.{k}' is missing; allowed: every one of {', '.join(keys)}")
        v = table[k]
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not (0.0 <= v <= 1.0):
            raise _error(str(path), f"key '{name}.{k}' = {show(v)}: allowed: a share from 0 to 1")
        out.append(float(v))
    total = math.fsum(out)
    if abs(total - 1.0) > _TOLERANCE:
        raise _error(str(path), f"table [{name}]: the shares sum to {total:.9g}; allowed: a sum of 1 (within 1e-6)")
    return out


def load(path: str | Path) -> Borough:
    """Reads and checks a borough file (TOML) and its neighbourhood table (CSV).

    Raises
    ------
    ScenarioError
        Naming the file, the row and the column (or the key), the value and what is allowed: a
        missing or unknown column or key, a population that is not positive, a quintile outside
        1-5 (decile outside 1-10), a share outside 0-1, shares not summing to 1 within 1e-6.
    """
    path = Path(path)
    data = read_toml(path, "borough")
    unknown = [k for k in data if k not in _TOP_KEYS]
    if unknown:
        raise _error(str(path), f"key '{unknown[0]}' = {show(data[unknown[0]])}: unknown key; allowed: {', '.join(_TOP_KEYS)}")
    for key in ("name", "description", "neighbourhoods", "targets"):
        if key in data and not isinstance(data[key], str):
            raise _error(str(path), f"key '{key}' = {show(data[key])}: expected a string")
    if "neighbourhoods" not in data:
        raise _error(str(path), "key 'neighbourhoods' is missing; allowed: the name of the neighbourhood table "
                                "(CSV), relative to this file, e.g. neighbourhoods = \"england.csv\"")
    age_default = _shares(data.get("age"), AGE_BANDS, path, "age")
    household_default = _shares(data.get("household"), HOUSEHOLD_TYPES, path, "household")
    posts: dict[str, float] = {}
    services = data.get("services", {})
    if not isinstance(services, dict):
        raise _error(str(path), f"key 'services' = {show(services)}: expected a table of posts by service")
    allowed_posts = tuple(f"{s}_posts" for s in SERVICES)
    for k, v in services.items():
        if k not in allowed_posts:
            raise _error(str(path), f"key 'services.{k}': unknown; allowed: {', '.join(allowed_posts)}")
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not (v >= 0 and math.isfinite(v)):
            raise _error(str(path), f"key 'services.{k}' = {show(v)}: allowed: a number of posts, 0 or more")
        posts[k[: -len("_posts")]] = float(v)
    sources = data.get("sources", {})
    if not isinstance(sources, dict) or not all(isinstance(v, str) for v in sources.values()):
        raise _error(str(path), "key 'sources': expected a table of strings (what each figure is and where it is published)")
    targets = None
    if "targets" in data:
        targets = (path.parent / data["targets"]).resolve()
        if not targets.is_file():
            raise _error(str(path), f"key 'targets' = {show(data['targets'])}: file '{targets}' does not exist; "
                                    "allowed: a targets file (the schema of scenarios/targets/uk.toml), relative to this file")

    table = (path.parent / data["neighbourhoods"]).resolve()
    if not table.is_file():
        raise _error(str(path), f"key 'neighbourhoods' = {show(data['neighbourhoods'])}: file '{table}' does not exist")
    raw = table.read_bytes()
    rows = _read_table(table, raw, age_default is not None, household_default is not None)
    names, population, quintile, age, household = [], [], [], [], []
    for number, (line, row) in enumerate(rows, start=1):
        where = f"{table}: row {number} (line {line})"
        label = row.get("neighbourhood", "").strip()
        if label:
            where += f", neighbourhood {label!r}"
        names.append(label)
        population.append(_positive(row, "population", where))
        quintile.append(_quintile(row, where))
        age.append(_row_shares(row, AGE_BANDS, age_default, where, "age"))
        household.append(_row_shares(row, HOUSEHOLD_TYPES, household_default, where, "household"))
    if posts and not population:
        raise _error(str(table), "no neighbourhoods")
    sha = hashlib.sha256(path.read_bytes() + b"\0" + raw).hexdigest()
    return Borough(path=path.resolve(), table=table, name=data.get("name", path.stem),
                   description=data.get("description", ""), neighbourhood=names, population=population,
                   quintile=quintile, age=age, household=household, posts=posts, targets=targets,
                   sources=dict(sources), sha256=sha)


def _read_table(table: Path, raw: bytes, has_age: bool, has_household: bool) -> list[tuple[int, dict[str, str]]]:
    """The CSV's data rows as (line number, {column: text}), after checking the header."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise _error(str(table), "not UTF-8 text; save the table as CSV in UTF-8") from None
    reader = csv.reader(io.StringIO(text.replace("\r\n", "\n").replace("\r", "\n")))
    lines = [(i + 1, r) for i, r in enumerate(reader)]
    # Comment lines (starting with #) and blank lines are skipped.
    lines = [(n, r) for n, r in lines if r and any(c.strip() for c in r) and not r[0].lstrip().startswith("#")]
    if not lines:
        raise _error(str(table), "empty: expected a header row and one row per neighbourhood")
    header_line, header = lines[0]
    header = [h.strip() for h in header]
    deprivation = [h for h in header if h in ("imd_quintile", "imd_decile")]
    known = {"neighbourhood", "population", "imd_quintile", "imd_decile", *AGE_BANDS, *HOUSEHOLD_TYPES}
    for col, h in enumerate(header, start=1):
        if h not in known:
            raise _error(str(table), f"line {header_line}, column {col} {h!r}: unknown column; allowed: "
                                     f"neighbourhood, population, imd_quintile or imd_decile, {', '.join(AGE_BANDS)}, "
                                     f"{', '.join(HOUSEHOLD_TYPES)}")
        if header.count(h) > 1:
            raise _error(str(table), f"line {header_line}: column {h!r} appears twice")
    for keys in (AGE_BANDS, HOUSEHOLD_TYPES):
        given = [k for k in keys if k in header]
        if given and len(given) != len(keys):
            missing = next(k for k in keys if k not in header)
            raise _error(str(table), f"line {header_line}: column {missing!r} is missing (given {given[0]!r}: "
                                     f"allowed: all of {', '.join(keys)} or none)")
    required = ["population"]
    if not has_age:
        required += list(AGE_BANDS)
    if not has_household:
        required += list(HOUSEHOLD_TYPES)
    for h in required:
        if h not in header:
            extra = ""
            if h in AGE_BANDS:
                extra = " (or an [age] table in the borough file for every row)"
            elif h in HOUSEHOLD_TYPES:
                extra = " (or a [household] table in the borough file for every row)"
            raise _error(str(table), f"line {header_line}: column {h!r} is missing{extra}")
    if len(deprivation) != 1:
        raise _error(str(table), f"line {header_line}: column 'imd_quintile' is missing"
                     if not deprivation else f"line {header_line}: give one of imd_quintile and imd_decile, not both")
    out = []
    for n, r in lines[1:]:
        if len(r) != len(header):
            raise _error(str(table), f"row {len(out) + 1} (line {n}): {len(r)} fields; allowed: {len(header)}, one per column of the header")
        out.append((n, {h: v.strip() for h, v in zip(header, r)}))
    if not out:
        raise _error(str(table), "no neighbourhoods: expected one row per neighbourhood after the header")
    return out


def _positive(row: dict[str, str], col: str, where: str) -> float:
    x = _number(row[col])
    if x is None or not math.isfinite(x) or x <= 0:
        raise _error(where, f"column {col!r} = {row[col]!r}: allowed: a positive number (residents aged 16+)")
    return x


def _quintile(row: dict[str, str], where: str) -> int:
    if "imd_quintile" in row:
        col, top = "imd_quintile", 5
    else:
        col, top = "imd_decile", 10
    x = _number(row[col])
    if x is None or x != int(x) or not 1 <= x <= top:
        raise _error(where, f"column {col!r} = {row[col]!r}: allowed: a whole number from 1 (most deprived) to {top}")
    return int(x) if top == 5 else (int(x) + 1) // 2


def _row_shares(row: dict[str, str], keys: tuple[str, ...], default: list[float] | None, where: str,
                what: str) -> list[float]:
    if keys[0] not in row:
        assert default is not None
        return list(default)
    out = []
    for k in keys:
        x = _number(row[k])
        if x is None or not (0.0 <= x <= 1.0):
            raise _error(where, f"column {k!r} = {row[k]!r}: allowed: a share from 0 to 1")
        out.append(x)
    total = math.fsum(out)
    if abs(total - 1.0) > _TOLERANCE:
        raise _error(where, f"columns {keys[0]!r} .. {keys[-1]!r}: the {what} shares sum to {total:.9g}; "
                            "allowed: a sum of 1 (within 1e-6)")
    return out
