"""Numbers as a commission member reads them: one rule for every page.

* Values to three significant figures in plain decimals (0.000025, never 2.5e-05), thousands
  separated, whole numbers from 1,000 up (:func:`num`).
* Money as ``£2.59m``, ``£450k``, ``£1,230`` (:func:`money`).
* Shares in percent; a difference of shares in percentage points (pp); a 0-1 score's difference
  in points on a 0-100 scale; each difference and its interval to the precision the interval
  supports (two significant figures of its half-width), so ``-0.00573 [-0.00893 to -0.00254]``
  on a 0-1 scale reads ``-0.57 [-0.89 to -0.25] points (0-100)`` (:func:`difference`).
* Counts of people or events also per 1,000 residents (:func:`per_thousand`).

What kind of quantity an indicator is comes from its unit as the results file declares it
(:func:`kind`); nothing here knows an indicator by its name.
"""

from __future__ import annotations

import math
import re

import numpy as np

__all__ = ["CURRENCIES", "kind", "num", "money", "value", "difference", "interval_text", "per_thousand",
           "percent", "signed", "when", "WEEKS_PER_YEAR"]

WEEKS_PER_YEAR = 52
# How a unit (indicator_unit) is shown: a share (0 to 1) in percent, with differences in
# percentage points; a score on a 0 to 1 scale; an amount of money; anything else (a count of
# people, ties, person-years ...) as the number it is.
SHARE_UNITS = ("share", "fraction", "proportion")
SCORE_UNITS = ("score", "0-1", "0 to 1")
MONEY_UNITS = ("money",)
CURRENCIES = {"GBP": "pounds sterling", "EUR": "euros", "USD": "US dollars"}
SYMBOLS = {"GBP": "£", "EUR": "€", "USD": "$"}


def kind(unit: str) -> str:
    """"share", "score", "money" or "count", from a declared unit."""
    u = (unit or "").strip()
    if u.lower() in SHARE_UNITS:
        return "share"
    if u.lower() in SCORE_UNITS:
        return "score"
    if u.lower() in MONEY_UNITS or u.upper() in CURRENCIES:
        return "money"
    return "count"


def num(x: float, figures: int = 3) -> str:
    """``figures`` significant figures, plain decimals, thousands separated; from 1,000 up, whole
    numbers (``1,234,568``). Non-finite values are "n/a"; no "-0"."""
    x = float(x)
    if not np.isfinite(x):
        return "n/a"
    if x == 0:
        return "0"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    text = np.format_float_positional(x, precision=figures, unique=False, fractional=False, trim="-")
    rounded = float(text)
    if abs(rounded) >= 1000:  # 999.6 rounds up to 1,000
        return f"{rounded:,.0f}"
    return "0" if rounded == 0 else text


def money(x: float, currency: str = "GBP", sign: bool = False) -> str:
    """An amount: ``£2.59m``, ``£450k``, ``£1,230``, ``-£360k`` (three significant figures)."""
    x = float(x)
    if not np.isfinite(x):
        return "n/a"
    sym = SYMBOLS.get((currency or "").upper(), "")
    a = abs(x)
    if a >= 1e6:
        body = f"{_sig(a / 1e6)}m"
    elif a >= 1e4:
        body = f"{_sig(a / 1e3)}k"
    else:
        body = num(a)
    if body in ("0", "0k", "0m"):
        return sym + "0"
    lead = "-" if x < 0 else ("+" if sign else "")
    return f"{lead}{sym}{body}" + ("" if sym or not currency else f" {currency}")


def _sig(x: float, figures: int = 3) -> str:
    text = np.format_float_positional(x, precision=figures, unique=False, fractional=False, trim="-")
    return text.rstrip(".")


def percent(p: float, decimals: int = 0) -> str:
    """A probability or share as a percentage: ``62%``; below 1% and above 99% not rounded to 0 or 100."""
    if not np.isfinite(p):
        return "n/a"
    v = 100 * float(p)
    if 0 < v < 1 and decimals == 0:
        return "<1%"
    if 99 < v < 100 and decimals == 0:
        return ">99%"
    return f"{v:.{decimals}f}%"


def value(x: float, unit: str) -> str:
    """A level: shares in percent (one decimal), money as money, anything else by :func:`num`."""
    k = kind(unit)
    if not np.isfinite(x):
        return "n/a"
    if k == "share":
        return f"{100 * x:.1f}%"
    if k == "money":
        return money(x, unit.strip().upper() if unit.strip().upper() in CURRENCIES else "")
    return num(x)


def scale(unit: str) -> float:
    """Display scale of a difference: shares in percentage points, 0-1 scores in points of 100."""
    return 100.0 if kind(unit) in ("share", "score") else 1.0


def diff_unit(unit: str) -> str:
    """The unit a difference is shown in: " pp", " points (0-100)" or ""."""
    return {"share": " pp", "score": " points (0-100)"}.get(kind(unit), "")


def decimals_for(half: float, x: float = math.nan) -> int:
    """Decimals that show two significant figures of an interval's half-width (0 to 4); from
    the value itself when there is no interval."""
    ref = abs(half) if np.isfinite(half) and half > 0 else abs(x) / 10 if np.isfinite(x) and x else 0.1
    if ref >= 10:
        return 0
    return int(min(4, max(0, 1 - math.floor(math.log10(ref)))))


def signed(x: float, k: int) -> str:
    text = f"{x:+,.{k}f}"
    return text[1:] if float(text.replace(",", "")) == 0 else text  # no "-0.0" or "+0.0"


def difference(x: float, unit: str, lo: float = math.nan, hi: float = math.nan) -> str:
    """A difference in display units, e.g. ``-1.2 pp``, ``+0.57 points (0-100)``, ``+1,230``,
    ``-£360k``, to the precision its interval ``[lo, hi]`` supports."""
    if not np.isfinite(x):
        return "n/a"
    k = kind(unit)
    if k == "money":
        cur = unit.strip().upper() if unit.strip().upper() in CURRENCIES else ""
        return "0" if x == 0 else money(x, cur, sign=True)
    sc = scale(unit)
    if x == 0:
        return "0" + diff_unit(unit)
    half = (hi - lo) / 2 if np.isfinite(lo) and np.isfinite(hi) else math.nan
    if k in ("share", "score") or abs(x * sc) < 1000:
        return signed(x * sc, _capped(decimals_for(half * sc, x * sc), x * sc, k)) + diff_unit(unit)
    return signed(x, 0)


def _capped(decimals: int, x: float, k: str) -> int:
    """A count is never shown to more than four significant figures (``297.99`` reads ``298.0``);
    shares and scores keep the precision their interval supports."""
    if k != "count" or not np.isfinite(x) or x == 0:
        return decimals
    digits = int(math.floor(math.log10(abs(x)))) + 1
    return max(0, min(decimals, 4 - digits))


def interval_text(lo: float, hi: float, unit: str, x: float = math.nan) -> str:
    """``-0.89 to -0.25`` (without the unit, which the difference before it carries)."""
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return ""
    k = kind(unit)
    if k == "money":
        cur = unit.strip().upper() if unit.strip().upper() in CURRENCIES else ""
        f = lambda v: "0" if v == 0 else money(v, cur, sign=True)  # noqa: E731
        return f"{f(lo)} to {f(hi)}"
    sc = scale(unit)
    half = (hi - lo) / 2
    if k in ("share", "score") or max(abs(lo), abs(hi)) * sc < 1000:
        ref = x * sc if np.isfinite(x) else (lo + hi) / 2 * sc
        d = _capped(decimals_for(half * sc, ref), ref, k)
        return f"{signed(lo * sc, d)} to {signed(hi * sc, d)}"
    return f"{signed(lo, 0)} to {signed(hi, 0)}"


def per_thousand(x: float, population: float) -> str:
    """``x`` per 1,000 residents, three significant figures: ``12.4 per 1,000 residents``."""
    if not (np.isfinite(x) and population and population > 0):
        return ""
    return f"{num(1000 * x / population)} per 1,000 residents"


def when(t: int) -> str:
    """``1 year (week 52)``, ``week 6``."""
    t = int(t)
    if t > 0 and t % WEEKS_PER_YEAR == 0:
        years = t // WEEKS_PER_YEAR
        return f"{years} year{'s' if years != 1 else ''} (week {t})"
    return f"week {t}"


_RESIDENTS = re.compile(r"(?<![\w,.])(?P<lead>(?:at|per|for)\s+)?(?P<n>\d{1,3}(?:,\d{3})+|\d+)\s+residents\b")


def stated_populations(description: str) -> set[int]:
    """The numbers of residents a scenario description states (``20,000 residents``)."""
    return {int(m.group("n").replace(",", "")) for m in _RESIDENTS.finditer(description or "")}


def description_for(description: str, population: int) -> str:
    """A scenario description made true of a run of ``population`` residents.

    A description says "20,000 residents" of the borough; a 10,000-resident run of the same
    scenario is not 20,000 residents, so the count of the borough is replaced by the run's. A count
    stated as a scale ("300 matches at 20,000 residents") is left as written: it says how the
    quantity scales with the population, which stays true."""
    if not description or not population:
        return description

    def repl(m):
        n = int(m.group("n").replace(",", ""))
        if m.group("lead") or n == population:
            return m.group(0)
        return f"{population:,} residents"

    return _RESIDENTS.sub(repl, description)
