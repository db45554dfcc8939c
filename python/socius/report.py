"""The comparison report: one self-contained HTML page a commission member can read.

``report(path, out_dir)`` reads a comparison file (``socius compare``) or a single results file
(``socius run``) and writes ``out_dir/index.html``: what was compared and under which
assumptions, the indicators over time by scenario with 95% bands, panels by deprivation quintile
and age band when the model records them, a table of paired differences against the baseline at
1, 5 and 10 years, costs and cost per outcome, and the seeds and versions. Figures are PNG images embedded in the page (matplotlib, Agg); the page needs no
network, no script and no other file.

Everything is generic over the groups and indicators a file holds. What each indicator is (its
label, category, unit and whether higher is better) is read from the file, where the engine
writes it from the model's declarations (:func:`socius.files.indicators`); a file written before
that shows each indicator by its name, in one list, with values as recorded.
"""

from __future__ import annotations

import base64
import html
import io
import math
import os
import re
import secrets
import tomllib
from dataclasses import dataclass, field
from datetime import datetime, time as local_time, timezone
from functools import lru_cache
from pathlib import Path

import numpy as np

from . import _core
from ._values import boolean, plain, show
from .files import REPORT_GENERATOR, Indicator, ResultsError, identify, indicators, open_dataset, strings, text
from .scenario import flatten

__all__ = ["report", "t_quantile"]


WEEKS_PER_YEAR = 52
REPORT_TIMES = ((52, "1 year"), (260, "5 years"), (520, "10 years"))

# Okabe & Ito (2008) colours, distinguishable with the common colour-vision deficiencies; the
# baseline is near-black. Line styles and markers differ too, so colour is never the only cue.
COLOURS = ["#1a1a1a", "#E69F00", "#0072B2", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#999999"]
LINESTYLES = ["-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1, 1, 1))]
MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]

# -- what the file says each indicator is -------------------------------------------------------
# How a unit (indicator_unit) is shown: a share (0 to 1) in percent, with differences in
# percentage points; a score on a 0 to 1 scale; an amount of money; anything else (a count of
# people, ties, ...) as the number it is.
SHARE_UNITS = ("share", "fraction", "proportion")
SCORE_UNITS = ("score", "0-1", "0 to 1")
MONEY_UNITS = ("money",)
CURRENCIES = {"GBP": "pounds sterling", "EUR": "euros", "USD": "US dollars"}
_BETTER = {1: "higher", -1: "lower", 0: ""}


# -- statistics ----------------------------------------------------------------------------------
def _t_two_sided(t: float, df: int) -> float:
    """P(|T| < t) for Student's t with integer df (Abramowitz & Stegun 26.7.3-4, exact sums)."""
    theta = math.atan(t / math.sqrt(df))
    c2 = math.cos(theta) ** 2
    s = math.sin(theta)
    if df % 2 == 1:
        total, term = 1.0, 1.0
        for k in range(1, (df - 1) // 2):
            term *= c2 * (2 * k) / (2 * k + 1)
            total += term
        return 2 / math.pi * (theta + (s * math.cos(theta) * total if df > 1 else 0.0))
    total, term = 1.0, 1.0
    for k in range(1, df // 2):
        term *= c2 * (2 * k - 1) / (2 * k)
        total += term
    return s * total


@lru_cache(maxsize=None)
def t_quantile(df: int, level: float = 0.95) -> float:
    """The two-sided ``level`` quantile of Student's t with ``df`` degrees of freedom.

    For example ``t_quantile(4) = 2.776``: mean +- 2.776 sd / sqrt(5) is a 95% interval from five
    replicates. Computed from the exact distribution function by bisection (no SciPy needed).
    """
    if df < 1:
        raise ValueError(f"degrees of freedom must be >= 1, got {df}")
    lo, hi = 0.0, 1.0
    while _t_two_sided(hi, df) < level:
        hi *= 2
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        if _t_two_sided(mid, df) < level:
            lo = mid
        else:
            hi = mid
        if hi - lo < 1e-12 * hi:
            break
    return 0.5 * (lo + hi)


def mean_interval(x: np.ndarray, axis: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean over ``axis``, the half-width of its 95% interval, and the number of finite values.

    The half-width is t(0.975, n-1) * sd / sqrt(n) with the sample sd (n-1 in the denominator);
    it is NaN where fewer than two values are finite. NaN values are left out.
    """
    x = np.asarray(x, dtype=float)
    finite = np.isfinite(x)
    n = finite.sum(axis=axis)
    xs = np.where(finite, x, 0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = xs.sum(axis=axis) / n
        dev = np.where(finite, x - np.expand_dims(mean, axis), 0.0)
        var = (dev ** 2).sum(axis=axis) / (n - 1)
        tq = np.vectorize(lambda k: t_quantile(int(k) - 1) if k >= 2 else np.nan, otypes=[float])(n)
        half = tq * np.sqrt(var) / np.sqrt(n)
    mean = np.where(n > 0, mean, np.nan)
    half = np.where(n >= 2, half, np.nan)
    return mean, half, n


# -- reading -------------------------------------------------------------------------------------
@dataclass
class _Data:
    kind: str                      # "comparison" or "run"
    path: Path
    values: np.ndarray             # (scenario, replicate, time, group, indicator)
    scenarios: list[str]
    descriptions: list[str]
    tomls: list[str]
    hashes: list[str]
    sources: list[str]
    population: list[int]
    budget: list[float]
    time: np.ndarray
    groups: list[str]
    indicators: list[str]
    meta: dict[str, Indicator]     # what the file says each indicator is
    seeds: list[str]
    master_seed: str | None
    attrs: dict = field(default_factory=dict)

    @property
    def replicates(self) -> int:
        return self.values.shape[1]


def _load(path: Path) -> _Data:
    found, ds = open_dataset(path, ("comparison", "results"), "a comparison or results file")
    with ds:
        attrs = {k: text(v) for k, v in ds.attrs.items()}
        groups, names = strings(ds["group"].values), strings(ds["indicator"].values)
        meta = indicators(ds)
        time = np.asarray(ds["time"].values)
        if found.kind == "comparison":
            values = np.asarray(ds["indicators"].transpose("scenario", "replicate", "time", "group",
                                                           "indicator").values, dtype=float)
            return _Data(
                kind="comparison", path=path, values=values,
                scenarios=strings(ds["scenario"].values),
                descriptions=strings(ds["scenario_description"].values),
                tomls=strings(ds["scenario_toml"].values),
                hashes=strings(ds["scenario_hash"].values),
                sources=strings(ds["scenario_source"].values),
                population=[int(p) for p in ds["population"].values],
                budget=[float(b) for b in ds["budget"].values],
                time=time, groups=groups, indicators=names, meta=meta,
                seeds=[str(int(s)) for s in ds["seed"].values], master_seed=str(attrs.get("master_seed")),
                attrs=attrs)
        values = np.asarray(ds["indicators"].transpose("time", "group", "indicator").values, dtype=float)
    toml = str(attrs.get("scenario", ""))
    params = _params(toml)
    top = tomllib.loads(toml) if toml else {}
    budget = params.get("budget.total")
    return _Data(
        kind="run", path=path, values=values[None, None],
        scenarios=[str(attrs.get("scenario_name") or top.get("name") or path.stem)],
        descriptions=[str(top.get("description", ""))], tomls=[toml],
        hashes=[str(attrs.get("scenario_hash", ""))], sources=[str(attrs.get("scenario_source", ""))],
        population=[int(params.get("simulation.population", 0))],
        budget=[float(budget) if isinstance(budget, (int, float)) and not isinstance(budget, bool) else math.nan],
        time=time, groups=groups, indicators=names, meta=meta,
        seeds=[str(attrs.get("seed"))], master_seed=None, attrs=attrs)


# -- labels and formatting ------------------------------------------------------------------------
def _kind(ind: Indicator) -> str:
    """How the indicator's values are shown: share, score, money or count (see SHARE_UNITS)."""
    unit = ind.unit.strip()
    if unit.lower() in SHARE_UNITS:
        return "share"
    if unit.lower() in SCORE_UNITS:
        return "score"
    if unit.lower() in MONEY_UNITS or unit.upper() in CURRENCIES:
        return "money"
    return "count"


def _label(name: str, d: _Data) -> str:
    return d.meta[name].label


def _in_sentence(name: str, d: _Data) -> str:
    """The label inside a sentence: "often lonely", but "GP visits" stays as it is."""
    label = d.meta[name].label
    return label[:1].lower() + label[1:] if label[1:2].islower() else label


def _categories(d: _Data, names: list[str]) -> list[tuple[str, list[str]]]:
    """(heading, indicators) per category the file names, in the order they first appear; one
    list headed "Indicators" when the file names none."""
    out: dict[str, list[str]] = {}
    for n in names:
        out.setdefault(d.meta[n].category, []).append(n)
    if list(out) == [""]:
        return [("Indicators", out[""])]
    return [(c[:1].upper() + c[1:] if c else "Other indicators", members) for c, members in out.items()]


def _ordered(d: _Data) -> list[str]:
    """The indicators grouped by category (in the order categories first appear), each group in
    the file's order."""
    return [n for _, members in _categories(d, d.indicators) for n in members]


def _scale(ind: Indicator) -> float:
    return 100.0 if _kind(ind) == "share" else 1.0


def _unit_note(ind: Indicator) -> str:
    """" (GBP)", " (people)": the unit after a label, where the value does not show it already."""
    unit = ind.unit.strip()
    if not unit or unit.lower() == "count" or _kind(ind) in ("share", "score") or unit.lower() in MONEY_UNITS:
        return ""
    return f" ({unit})"


def _num(x: float, figures: int = 3) -> str:
    """A number as a report shows it: three significant figures, plain decimals (never ``1e-05``),
    thousands separated by commas; from 1,000 up, whole numbers (``1,234,568``), as money and
    counts are read. Non-finite values are "n/a"."""
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


def _value(x: float, ind: Indicator) -> str:
    if _kind(ind) == "share":
        return "n/a" if not np.isfinite(x) else f"{100 * x:.1f}%"
    return _num(x)


def _decimals(half: float) -> int:
    """Decimals that resolve an interval's half-width (in display units): 1 to 4."""
    h = abs(half)
    if not np.isfinite(h) or h >= 0.1:
        return 1
    return 2 if h >= 0.01 else 3 if h >= 0.001 else 4


def _signed(x: float, k: int) -> str:
    text = f"{x:+.{k}f}"
    return text[1:] if float(text) == 0 else text  # no "-0.0" or "+0.0"


def _scaled_diff_digits(ind: Indicator, x: float, half: float) -> int | None:
    """Fixed decimals for shares (in pp) and 0-1 scores; None: counts use significant digits."""
    if _kind(ind) not in ("share", "score"):
        return None
    sc = _scale(ind)
    ref = half if np.isfinite(half) and half > 0 else abs(x) / 10
    return _decimals(ref * sc)


def _diff(x: float, ind: Indicator, half: float = math.nan) -> str:
    if not np.isfinite(x):
        return "n/a"
    unit = " pp" if _kind(ind) == "share" else ""
    if x == 0:
        return "0" + unit
    k = _scaled_diff_digits(ind, x, half)
    if k is not None:
        return _signed(x * _scale(ind), k) + unit
    s = _num(x)
    return s if s.startswith("-") else "+" + s


def _interval(lo: float, hi: float, ind: Indicator) -> str:
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return ""
    if lo == 0 and hi == 0:
        return "0 to 0"
    k = _scaled_diff_digits(ind, (lo + hi) / 2, (hi - lo) / 2)
    if k is not None:
        return f"{_signed(lo * _scale(ind), k)} to {_signed(hi * _scale(ind), k)}"
    f = lambda v: ("+" if v > 0 else "") + _num(v)  # noqa: E731
    return f"{f(lo)} to {f(hi)}"


def _when(t: int) -> str:
    t = int(t)
    if t > 0 and t % WEEKS_PER_YEAR == 0:
        years = t // WEEKS_PER_YEAR
        return f"{years} year{'s' if years != 1 else ''} (week {t})"
    return f"week {t}"


def report_times(time: np.ndarray) -> list[int]:
    """The recorded times the tables use: 1, 5 and 10 years where within the horizon (the nearest
    recorded time to each), then the end of the horizon if later; just the end if none fits."""
    time = np.asarray(time)
    if time.size == 0:
        return []
    out: list[int] = []
    for target, _ in REPORT_TIMES:
        if target <= time[-1]:
            t = int(time[np.argmin(np.abs(time - target))])
            if t not in out:
                out.append(t)
    if not out or time[-1] > out[-1]:
        out.append(int(time[-1]))
    return out


def _x(time: np.ndarray) -> tuple[np.ndarray, str]:
    if time.size and time[-1] >= 2 * WEEKS_PER_YEAR:
        return time / WEEKS_PER_YEAR, "years after the start (policy time)"
    return time, "weeks after the start (policy time)"


# -- figures --------------------------------------------------------------------------------------
def _figure(width: float, height: float):
    from matplotlib.figure import Figure  # no pyplot: no global state, Agg renders the PNG

    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    return fig


def _png(fig, alt: str) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, metadata={"Software": None})
    data = base64.b64encode(buf.getvalue()).decode("ascii")
    return f'<figure><img src="data:image/png;base64,{data}" alt="{html.escape(alt)}"></figure>'


def _style(i: int) -> dict:
    return {"color": COLOURS[i % len(COLOURS)], "linestyle": LINESTYLES[i % len(LINESTYLES)]}


def _grid(n: int, cols: int = 3) -> tuple[int, int]:
    cols = max(1, min(cols, n))
    return (n + cols - 1) // cols, cols


def _title(ax, text: str) -> None:
    import textwrap

    ax.set_title("\n".join(textwrap.wrap(text, 36)), fontsize=10)


def _axis_format(ax, ind: Indicator) -> None:
    if _kind(ind) == "money":
        from matplotlib.ticker import FuncFormatter

        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))


def _legend(fig, handles, labels) -> None:
    fig.legend(handles, labels, loc="outside upper center", ncols=min(len(labels), 4), frameon=False)


def _time_series_figure(d: _Data, names: list[str], group: int, title: str) -> str:
    rows, cols = _grid(len(names))
    fig = _figure(max(3.8 * cols, 7.5), 2.9 * rows + 0.6)
    axes = fig.subplots(rows, cols, squeeze=False)
    x, xlabel = _x(d.time)
    handles = []
    for k, name in enumerate(names):
        ax = axes[k // cols][k % cols]
        j = d.indicators.index(name)
        sc = _scale(d.meta[name])
        for s in range(len(d.scenarios)):
            mean, half, _ = mean_interval(d.values[s, :, :, group, j] * sc, axis=0)
            ok = np.isfinite(mean)  # some indicators are recorded only every k steps: join those
            line, = ax.plot(x[ok], mean[ok], lw=1.8, marker=MARKERS[s % len(MARKERS)] if ok.sum() < 3 else None,
                            zorder=3, **_style(s))  # lines above every band
            if d.replicates >= 2:
                ok &= np.isfinite(half)
                ax.fill_between(x[ok], (mean - half)[ok], (mean + half)[ok], color=_style(s)["color"],
                                alpha=0.15, lw=0, zorder=1)
            if k == 0:
                handles.append(line)
        _title(ax, _label(name, d) + (" (%)" if _kind(d.meta[name]) == "share" else ""))
        _axis_format(ax, d.meta[name])
        ax.set_xlabel(xlabel, fontsize=8)
        ax.tick_params(labelsize=8)
        ax.grid(alpha=0.3)
    for k in range(len(names), rows * cols):
        axes[k // cols][k % cols].set_visible(False)
    _legend(fig, handles, d.scenarios)
    alt = (f"{title}: {', '.join(_label(n, d) for n in names)} over time, one line per scenario "
           f"({', '.join(d.scenarios)})" + (", with shaded 95% bands" if d.replicates >= 2 else ""))
    return _png(fig, alt)


GROUP_LABELS = {"all": "Everyone", "parents": "Parents of young children"}


def _group_order(groups: list[str], kind: str) -> list[tuple[int, str]]:
    """(index, label) of the quintile, age-band or other groups, in their natural order.

    An open age band that overlaps finer bands (``age_65_plus`` next to ``age_65_74`` and
    ``age_75_plus``) goes last, labelled "65+ (all)". "Other" groups are those that are neither
    quintiles nor age bands, shown next to "all" for reference."""
    out = []
    ages = [(i, re.fullmatch(r"age_(\d+)(?:_(\d+|plus))?", g)) for i, g in enumerate(groups)]
    ages = [(i, int(m.group(1)), m.group(2)) for i, m in ages if m]
    top = max((lo for _, lo, _ in ages), default=0)
    for i, g in enumerate(groups):
        if kind == "quintile":
            m = re.fullmatch(r"quintile_(\d+)", g)
            if m:
                q = int(m.group(1))
                tag = {1: " most deprived", 5: " least deprived"}.get(q, "")
                out.append(((0, q), i, f"Q{q}{tag}"))
        elif kind == "other":
            if not re.fullmatch(r"quintile_\d+|age_\d+(?:_(?:\d+|plus))?", g):
                label = GROUP_LABELS.get(g, g.replace("_", " "))
                out.append(((0 if g == "all" else 1, i), i, label))
    if kind == "age":
        for i, lo, hi in ages:
            if hi in (None, "plus"):
                overlapping = lo < top
                out.append(((int(overlapping), lo), i, f"{lo}+ (all)" if overlapping else f"{lo}+"))
            else:
                out.append(((0, lo), i, f"{lo}-{hi}"))
    if kind == "other" and all(groups[i] == "all" for _, i, _ in out):
        return []
    return [(i, label) for _, i, label in sorted(out)]


def _group_figures(d: _Data, kind: str, t_index: int) -> list[str]:
    order = _group_order(d.groups, kind)
    if len(order) < 2:
        return []
    gi = [i for i, _ in order]
    labels = [lab for _, lab in order]
    own = [i for i in gi if d.groups[i] != "all"]  # recorded for the groups, not only for everyone
    names = [n for n in _ordered(d)
             if np.isfinite(d.values[:, :, t_index, own, d.indicators.index(n)]).any()]
    if not names:
        return []
    what = {"quintile": "deprivation quintile", "age": "age band"}.get(kind, "group")
    out = []
    S = len(d.scenarios)
    # Levels: one bar per scenario in each group, with the 95% interval across replicates.
    rows, cols = _grid(len(names))
    fig = _figure(max(4.2 * cols, 7.5), 3.2 * rows + 0.6)
    axes = fig.subplots(rows, cols, squeeze=False)
    width = 0.8 / S
    xs = np.arange(len(gi))
    handles = []
    for k, name in enumerate(names):
        ax = axes[k // cols][k % cols]
        j = d.indicators.index(name)
        for s in range(S):
            vals = d.values[s, :, t_index, :, j][:, gi] * _scale(d.meta[name])
            mean, half, _ = mean_interval(vals, axis=0)
            bars = ax.bar(xs + (s - (S - 1) / 2) * width, mean, width, color=COLOURS[s % len(COLOURS)],
                          yerr=half if d.replicates >= 2 else None, capsize=2, ecolor="#444444",
                          edgecolor="white", lw=0.5)
            if k == 0:
                handles.append(bars)
        ax.set_xticks(xs, labels, fontsize=7, rotation=30 if len(gi) > 5 else 0)
        _title(ax, _label(name, d) + (" (%)" if _kind(d.meta[name]) == "share" else ""))
        _axis_format(ax, d.meta[name])
        ax.tick_params(axis="y", labelsize=8)
        ax.grid(axis="y", alpha=0.3)
    for k in range(len(names), rows * cols):
        axes[k // cols][k % cols].set_visible(False)
    _legend(fig, handles, d.scenarios)
    out.append(_png(fig, f"Indicators by {what} at {_when(d.time[t_index])}, bars per scenario"
                         + (" with 95% intervals" if d.replicates >= 2 else "")))
    if S < 2:
        return out
    # Paired differences against the baseline, by group; indicators with no difference anywhere
    # (e.g. group sizes) are named in the caption instead of drawn.
    base = d.values[0:1, :, t_index][..., gi, :]
    other = d.values[1:, :, t_index][..., gi, :]
    same = [n for n in names if np.array_equal(other[..., d.indicators.index(n)],
                                               np.broadcast_to(base[..., d.indicators.index(n)],
                                                               other[..., 0].shape), equal_nan=True)]
    names = [n for n in names if n not in same]
    if not names:
        out.append(f"<p>No indicator differs from the baseline in any {what} at {_esc(_when(d.time[t_index]))}.</p>")
        return out
    rows, cols = _grid(len(names))
    fig = _figure(max(4.2 * cols, 7.5), 3.2 * rows + 0.6)
    axes = fig.subplots(rows, cols, squeeze=False)
    handles = []
    for k, name in enumerate(names):
        ax = axes[k // cols][k % cols]
        j = d.indicators.index(name)
        ax.axhline(0, color="#1a1a1a", lw=0.8)
        for s in range(1, S):
            diff = (d.values[s, :, t_index, :, j] - d.values[0, :, t_index, :, j])[:, gi] * _scale(d.meta[name])
            mean, half, _ = mean_interval(diff, axis=0)
            off = (s - S / 2) * 0.8 / max(S - 1, 1)
            h = ax.errorbar(xs + off, mean, yerr=half if d.replicates >= 2 else None, fmt=MARKERS[s],
                            color=COLOURS[s % len(COLOURS)], capsize=2, ms=5, lw=1.2)
            if k == 0:
                handles.append(h)
        ax.set_xticks(xs, labels, fontsize=7, rotation=30 if len(gi) > 5 else 0)
        unit = " (pp)" if _kind(d.meta[name]) == "share" else ""
        _title(ax, f"{_label(name, d)}: difference{unit}")
        _axis_format(ax, d.meta[name])
        ax.tick_params(axis="y", labelsize=8)
        ax.grid(axis="y", alpha=0.3)
    for k in range(len(names), rows * cols):
        axes[k // cols][k % cols].set_visible(False)
    _legend(fig, handles, [f"{n} minus {d.scenarios[0]}" for n in d.scenarios[1:]])
    out.append(_png(fig, f"Paired differences from the baseline by {what} at {_when(d.time[t_index])}"))
    if same:
        out.append("<p class='note'>The same in every scenario and replicate, so not drawn: "
                   + ", ".join(_esc(_label(n, d)) for n in same) + ".</p>")
    return out


# -- tables ---------------------------------------------------------------------------------------
def _esc(x) -> str:
    return html.escape(str(x))


def _main_group(d: _Data) -> int:
    return d.groups.index("all") if "all" in d.groups else 0


def _paired(d: _Data, s: int, ti: int, g: int, j: int):
    """Mean paired difference of scenario s minus the baseline, its 95% interval and n."""
    diff = d.values[s, :, ti, g, j] - d.values[0, :, ti, g, j]
    mean, half, n = mean_interval(diff[:, None], axis=0)
    return float(mean[0]), float(half[0]), int(n[0])


def _difference_cell(d: _Data, s: int, ti: int, g: int, j: int) -> str:
    """A scenario's mean value, then its paired difference from the baseline with the interval."""
    name = d.indicators[j]
    val, _, _ = mean_interval(d.values[s, :, ti, g, j][:, None], axis=0)
    m, h, n = _paired(d, s, ti, g, j)
    value = f"<span class='val'>{_value(float(val[0]), d.meta[name])}</span><br>"
    if n >= 2 and np.isfinite(h):
        lo, hi = m - h, m + h
        text = f"{_diff(m, d.meta[name], h)} <span class='ci'>[{_interval(lo, hi, d.meta[name])}]</span>"
        if lo > 0 or hi < 0:
            return (f"<td class='clear'>{value}<strong>{text}</strong> "
                    "<span title='the 95% interval excludes zero'>*</span></td>")
        return f"<td>{value}{text}</td>"
    return (f"<td>{value}{_diff(m, d.meta[name])} <span class='ci'>[no interval: {n} replicate"
            f"{'s' if n != 1 else ''}]</span></td>")


def _differences_table(d: _Data, ti: int, names: list[str]) -> str:
    g = _main_group(d)
    S = len(d.scenarios)
    paired = "paired difference [95% interval]" if d.replicates > 1 else "difference"
    head = ["<th scope='col'>Indicator</th>",
            f"<th scope='col'>{_esc(d.scenarios[0])}<br><small>baseline"
            + (", mean of replicates" if d.replicates > 1 else "") + "</small></th>"]
    for s in range(1, S):
        head.append(f"<th scope='col'>{_esc(d.scenarios[s])}<br><small>"
                    + ("mean" if d.replicates > 1 else "value") + f"; {paired} from baseline</small></th>")
    rows = []
    for heading, members in _categories(d, names):
        rows.append(f"<tr class='cat'><th colspan='{len(head)}' scope='rowgroup'>{_esc(heading)}</th></tr>")
        for name in members:
            j = d.indicators.index(name)
            base, _, _ = mean_interval(d.values[0, :, ti, g, j][:, None], axis=0)
            cells = [f"<th scope='row'>{_esc(_label(name, d))}{_esc(_unit_note(d.meta[name]))} "
                     f"<code>{_esc(name)}</code></th>",
                     f"<td><span class='val'>{_value(float(base[0]), d.meta[name])}</span></td>"]
            cells += [_difference_cell(d, s, ti, g, j) for s in range(1, S)]
            rows.append("<tr>" + "".join(cells) + "</tr>")
    return ("<div class='wide'><table class='diff'><thead><tr>" + "".join(head) + "</tr></thead><tbody>"
            + "".join(rows) + "</tbody></table></div>")


def _cumulative(d: _Data, j: int) -> np.ndarray:
    """(scenario, replicate, time) counts since time 0 for group "all".

    An indicator whose description says it counts "to date"/"since"/"cumulative", or whose
    values never fall in any run, is taken as already cumulative; otherwise it is a per-step flow
    and is summed over the recorded times."""
    g = _main_group(d)
    v = d.values[:, :, :, g, j]
    desc = d.meta[d.indicators[j]].description.lower()
    if any(w in desc for w in ("to date", "since", "cumulative", "so far")):
        return v
    if np.all(np.nan_to_num(np.diff(v, axis=2)) >= 0):
        return v
    return np.nancumsum(v, axis=2)


def _money(d: _Data, names: list[str]) -> list[str]:
    """The indicators that are amounts of money (unit ``money`` or a currency code)."""
    return [n for n in names if _kind(d.meta[n]) == "money"]


def _outcomes(d: _Data) -> list[tuple[str, int, str]]:
    """Outcomes for "cost per outcome": (indicator, +1 if more is the gain, what one unit is),
    for every share or count the model says is better higher or lower."""
    out = []
    for n in _ordered(d):
        ind = d.meta[n]
        if ind.better and _kind(ind) in ("share", "count"):
            step = (("1 percentage point " + ("higher" if ind.better > 0 else "lower")) if _kind(ind) == "share"
                    else "1 more" if ind.better > 0 else "1 fewer")
            out.append((n, ind.better, f"{_label(n, d)}: {step}"))
    return out


def _costs_section(d: _Data, times: list[int]) -> str:
    cost_names = _money(d, d.indicators)
    has_budget = any(np.isfinite(b) for b in d.budget)
    if not cost_names and not has_budget:
        return ""
    S = len(d.scenarios)
    g = _main_group(d)
    parts = ["<h2 id='costs'>Costs and cost per outcome</h2>"]
    if has_budget:
        parts.append("<p>Budget each scenario states (<code>budget.total</code>): "
                     + "; ".join(f"{_esc(n)}: {_num(b) if np.isfinite(b) else 'none stated'}"
                                 for n, b in zip(d.scenarios, d.budget)) + ".</p>")
    if not cost_names:
        parts.append("<p>The model records no cost indicator, so costs over time cannot be shown.</p>")
        return "\n".join(parts)
    # The cost: the first amount the model says is better lower (else the first amount).
    cost = next((n for n in cost_names if d.meta[n].better < 0), cost_names[0])
    jc = d.indicators.index(cost)
    outcomes = _outcomes(d)
    code = d.meta[cost].unit.strip().upper()
    unit = f" Amounts are in {CURRENCIES[code]} ({code})." if code in CURRENCIES else ""
    parts.append(
        f"<p>{unit.strip()} Cost is the indicator <code>{_esc(cost)}</code> ({_esc(_label(cost, d))}), for the whole "
        "population. The extra cost and the gain in each outcome are paired differences from the "
        "baseline (same seeds), with 95% intervals. <em>Cost per outcome</em> is the mean extra cost "
        "divided by the mean gain. It is given only when the 95% interval of the gain lies wholly on the "
        "side of improvement; otherwise the table says why not, because dividing by a gain that may be "
        "zero gives a meaningless number. Cost per outcome has no interval of its own here.</p>")
    cum = {n: _cumulative(d, d.indicators.index(n)) for n, _, _ in outcomes if _kind(d.meta[n]) != "share"}
    for t in times:
        ti = int(np.searchsorted(d.time, t))
        parts.append(f"<h3>At {_esc(_when(t))}</h3>")
        rows = []
        for s in range(S):
            cmean, _, _ = mean_interval(d.values[s, :, ti, g, jc][:, None], axis=0)
            budget = _num(d.budget[s]) if np.isfinite(d.budget[s]) else "not stated"
            if s == 0:
                extra = "(baseline)"
            else:
                dc, hc, _ = _paired(d, s, ti, g, jc)
                extra = _diff(dc, d.meta[cost]) + (f" <span class='ci'>[{_interval(dc - hc, dc + hc, d.meta[cost])}]</span>"
                                           if np.isfinite(hc) else " <span class='ci'>[no interval]</span>")
            rows.append(f"<tr><th scope='row'>{_esc(d.scenarios[s])}</th><td>{budget}</td>"
                        f"<td>{_num(float(cmean[0]))}</td><td>{extra}</td></tr>")
        parts.append("<table class='costs'><thead><tr><th scope='col'>Scenario</th><th scope='col'>Budget</th>"
                     "<th scope='col'>Cost to date</th><th scope='col'>Extra cost vs baseline</th></tr></thead>"
                     "<tbody>" + "".join(rows) + "</tbody></table>")
        if S < 2 or not outcomes:
            continue
        rows = []
        for s in range(1, S):
            dc, _, _ = _paired(d, s, ti, g, jc)
            for k, (n, sign, unit) in enumerate(outcomes):
                v = d.values[:, :, :, g, d.indicators.index(n)] if _kind(d.meta[n]) == "share" else cum[n]
                gain = sign * (v[s, :, ti] - v[0, :, ti]) * _scale(d.meta[n])
                gm, gh, gn = mean_interval(gain[:, None], axis=0)
                gm, gh = float(gm[0]), float(gh[0])
                gtxt = _num(gm) + (f" <span class='ci'>[{_num(gm - gh)} to {_num(gm + gh)}]</span>"
                                   if np.isfinite(gh) else " <span class='ci'>[no interval]</span>")
                if gn >= 2 and np.isfinite(gh) and gm - gh > 0:
                    per = "saves money and gains" if dc <= 0 else _num(dc / gm)
                elif gn < 2:
                    per = "needs 2 or more replicates"
                elif np.isfinite(gh) and gm + gh < 0:
                    per = "worse than the baseline"
                else:
                    per = "no clear gain"
                head = (f"<th scope='rowgroup' rowspan='{len(outcomes)}'>{_esc(d.scenarios[s])}</th>"
                        if k == 0 else "")
                rows.append(f"<tr>{head}<td>{_esc(unit)}</td><td>{gtxt}</td><td>{per}</td></tr>")
        parts.append("<table class='costs'><thead><tr><th scope='col'>Scenario</th><th scope='col'>Outcome (one unit)</th>"
                     "<th scope='col'>Gain vs baseline, in units [95% interval]</th>"
                     "<th scope='col'>Cost per unit of gain</th></tr></thead><tbody>" + "".join(rows)
                     + "</tbody></table>")
    if outcomes:
        parts.append("<p class='note'>Gains in shares are in percentage points of the population "
                     "(1 point is 1 resident in 100); counts of outcomes are totals since the start "
                     "of policy time. A negative gain means the scenario did worse than the baseline.</p>")
    return "\n".join(parts)


def _parameter_differences(d: _Data) -> str:
    if len(d.scenarios) < 2:
        return ""
    base = _params(d.tomls[0])
    parts = ["<h3>How each scenario differs from the baseline</h3>",
             f"<p>Every parameter not listed here is the same as in the baseline, "
             f"<strong>{_esc(d.scenarios[0])}</strong>.</p>"]
    for s in range(1, len(d.scenarios)):
        p = _params(d.tomls[s])
        keys = sorted(set(base) | set(p))
        diff = [k for k in keys if base.get(k) != p.get(k)]
        parts.append(f"<h4>{_esc(d.scenarios[s])}</h4>")
        if not diff:
            parts.append("<p>Same parameters as the baseline.</p>")
            continue
        rows = "".join(f"<tr><th scope='row'><code>{_esc(k)}</code></th><td>{_esc(_show(base.get(k)))}</td>"
                       f"<td>{_esc(_show(p.get(k)))}</td></tr>" for k in diff)
        parts.append(f"<table><thead><tr><th scope='col'>Parameter</th><th scope='col'>Baseline</th>"
                     f"<th scope='col'>{_esc(d.scenarios[s])}</th></tr></thead><tbody>{rows}</tbody></table>")
    return "\n".join(parts)


def _params(toml: str) -> dict:
    if not toml:
        return {}
    p = dict(flatten(tomllib.loads(toml)))
    for k in ("model", "name", "description"):
        p.pop(k, None)
    return p


def _show(v) -> str:
    """A parameter value as written in a scenario: exact (shortest round-trip) numbers, ISO dates,
    lists element by element; never ``np.float64(...)`` or ``datetime.datetime(...)``."""
    if v is None:
        return "(not set)"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_show(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k} = {_show(x)}" for k, x in v.items()) + "}"
    if isinstance(v, local_time):  # a TOML local time; show() knows dates and date-times
        return v.isoformat()
    return show(v)


# -- the summary in words ------------------------------------------------------------------------
def _sentences(d: _Data, ti: int) -> list[str]:
    """Per scenario: the clear paired differences, then those with no clear or no difference."""
    if len(d.scenarios) < 2:
        return []
    g = _main_group(d)
    # The indicators the model says are better higher or lower; without that, the first six.
    ordered = _ordered(d)
    names = [n for n in ordered if d.meta[n].better] or ordered[:6]
    when = _when(d.time[ti])
    out = []
    for s in range(1, len(d.scenarios)):
        clear, unclear, same, single = [], [], [], []
        for name in names:
            j = d.indicators.index(name)
            m, h, n = _paired(d, s, ti, g, j)
            if not np.isfinite(m):
                continue
            sc = _scale(d.meta[name])
            unit = " percentage points" if _kind(d.meta[name]) == "share" else ""
            label = _esc(_in_sentence(name, d))
            word = "higher" if m > 0 else "lower"
            if d.meta[name].better:  # the model says which way is better: say whether this is
                word += ", better" if (m > 0) == (d.meta[name].better > 0) else ", worse"
            k = _scaled_diff_digits(d.meta[name], m, h)
            fmt = (lambda v: f"{v:.{k}f}") if k is not None else _num  # noqa: E731
            if m == 0 and (n < 2 or h == 0):
                same.append(label)
            elif n >= 2 and h == 0:
                clear.append(f"{label}: {fmt(abs(m * sc))}{unit} {word} in every one of the {n} replicates")
            elif n >= 2 and np.isfinite(h):
                lo, hi = (m - h) * sc, (m + h) * sc
                if lo > 0 or hi < 0:
                    a, b = sorted((abs(lo), abs(hi)))
                    clear.append(f"{label}: {fmt(abs(m * sc))}{unit} {word} "
                                 f"(95% interval {fmt(a)} to {fmt(b)} {word.split(',')[0]})")
                else:
                    unclear.append(f"{label} (95% interval {fmt(lo)} to {fmt(hi)}{unit})")
            else:
                single.append(f"{label}: {fmt(abs(m * sc))}{unit} {word}")
        items = []
        if clear:
            items.append("<li>Clear differences: " + "; ".join(clear) + ".</li>")
        if unclear:
            items.append("<li>No clear difference (the interval includes zero): " + "; ".join(unclear) + ".</li>")
        if single:
            items.append("<li>Differences from a single replicate, without an interval: " + "; ".join(single) + ".</li>")
        if same:
            items.append("<li>Identical in every replicate: " + ", ".join(same) + ".</li>")
        out.append(f"<li><strong>{_esc(d.scenarios[s])}</strong> compared with {_esc(d.scenarios[0])} "
                   f"at {_esc(when)}:<ul>" + "".join(items) + "</ul></li>")
    return out


# -- the page -------------------------------------------------------------------------------------
# Marks a page as a socius report (files.identify and check_folder look for it), early in <head>.
GENERATOR = f"{REPORT_GENERATOR} report {_core.__version__}'>"
CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:#1a1a1a;
background:#fff;max-width:1200px;margin:0 auto;padding:1rem 1.5rem 3rem;line-height:1.5}
h1{font-size:1.8rem;margin-bottom:.2rem} h2{margin-top:2.2rem;border-bottom:2px solid #0072B2;
padding-bottom:.2rem} h3{margin-top:1.6rem} .lead{font-size:1.1rem}
table{border-collapse:collapse;margin:.6rem 0 1.2rem;font-size:.9rem}
th,td{border:1px solid #c8c8c8;padding:.3rem .5rem;text-align:left;vertical-align:top}
thead th{background:#eef3f8} tr.cat th{background:#f5f5f5;font-style:italic}
td.clear strong{color:#00406b} .ci{color:#444;white-space:nowrap} small{color:#444;font-weight:normal}
code{font-size:.8em;color:#555} figure{margin:.5rem 0 1.5rem} img{max-width:100%;height:auto}
.note{color:#333;font-size:.92rem;background:#f7f7f2;border-left:4px solid #E69F00;padding:.5rem .8rem}
nav ol{columns:2} .wide{overflow-x:auto} .val{font-weight:600}
table.costs td,table.costs th{min-width:6rem} pre{background:#f5f5f5;padding:.6rem;overflow-x:auto;font-size:.8rem}
details{margin:.4rem 0} summary{cursor:pointer}
"""


def report(path: str | os.PathLike, out_dir: str | os.PathLike, *, overwrite: bool = False) -> Path:
    """Writes a self-contained HTML report of a comparison (or of a single run).

    Parameters
    ----------
    path : path
        A comparison file from :func:`socius.compare` / ``socius compare``, a results file from
        :func:`socius.run` / ``socius run`` (one scenario, one replicate: no intervals), or a sweep
        directory (or its ``sweep.h5``): then the page shows how each summary responds to each
        parameter and, for Sobol and Morris designs, the sensitivity indices.
    out_dir : path
        Folder for the report; created if missing. The page is ``out_dir/index.html``, written
        under a temporary name and renamed when complete; nothing is written anywhere else. A
        folder that already holds files not written by a socius report is refused.
    overwrite : bool
        Write ``index.html`` into a folder that holds other files too (they are left as they
        are), replacing whatever ``index.html`` is there.

    Returns
    -------
    pathlib.Path
        The HTML file.

    Raises
    ------
    ResultsError
        If ``path`` is missing, locked by another process or not socius output (the one-line
        message names the file and says what it is), or ``out_dir`` is a file or holds files
        not written by a socius report. A ``ValueError`` too: the input is at fault.
    OutputError
        If ``out_dir`` cannot be made or written (permissions, disk full).
    """
    overwrite = boolean(overwrite, "overwrite")
    path = Path(path)
    out_dir = Path(out_dir)
    check_folder(out_dir, overwrite=overwrite)  # before any work: refuse early
    if identify(path).kind in ("sweep folder", "sweep index"):  # the sweep's own page, with sensitivity
        from .sweeps.report import sweep_report

        return sweep_report(path, out_dir, overwrite=overwrite)
    d = _load(path)
    return write_page(out_dir, _page(d), overwrite=overwrite)


# What a socius report leaves in its folder: the page, temporary pages of interrupted writes, and
# what file managers add when the folder is opened.
_TEMPORARY = re.compile(r"\.index\.html\.tmp-\d+(-[0-9a-f]+)?")
_FOLDER_METADATA = {".DS_Store", "Thumbs.db", "desktop.ini"}


def _foreign(out_dir: Path) -> list[str]:
    """Names of the entries in ``out_dir`` that a socius report did not write (sorted)."""
    out = []
    for entry in out_dir.iterdir():
        name = entry.name
        if entry.is_symlink() or not entry.is_file():
            out.append(name + ("/" if entry.is_dir() and not entry.is_symlink() else ""))
        elif name == "index.html":
            if identify(entry).kind != "report":
                out.append(name)
        elif not (_TEMPORARY.fullmatch(name) or name in _FOLDER_METADATA):
            out.append(name)
    return sorted(out)


def check_folder(out_dir: str | os.PathLike, *, overwrite: bool = False) -> None:
    """Refuses a report folder that is a file, or holds files not written by a socius report.

    A missing folder, an empty one, and one holding an earlier socius report are accepted; with
    ``overwrite=True`` any folder is.

    Raises
    ------
    ResultsError
        Naming the folder, up to three of the files in the way and what to do instead.
    """
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise ResultsError(f"cannot write the report to folder '{out_dir}': it is a file, not a folder; "
                           "give a folder name")
    if overwrite or not out_dir.is_dir():
        return
    try:
        foreign = _foreign(out_dir)
    except OSError as e:
        raise _core.OutputError(f"cannot write the report to folder '{out_dir}': {e.strerror or e}") from None
    if foreign:
        shown = ", ".join(f"'{n}'" for n in foreign[:3])
        if len(foreign) > 3:
            shown += f" and {len(foreign) - 3} more"
        raise ResultsError(
            f"report folder '{out_dir}' already holds files not written by a socius report ({shown}); "
            "give a new or empty folder, or pass overwrite=True (socius report --overwrite) to write "
            "index.html there anyway (the other files are left as they are)")


def write_page(out_dir: str | os.PathLike, page: str, *, overwrite: bool = False) -> Path:
    """Writes ``out_dir/index.html`` under a temporary name, then renames it into place.

    The page is marked as a socius report (a generator ``<meta>`` in its head) so a later report
    may replace it. Only ``out_dir`` is written: the temporary file is created new (never through
    an existing file or link), and the rename replaces a link at ``index.html`` rather than the
    file it points to. See :func:`check_folder` for the folders refused without ``overwrite``.
    """
    out_dir = Path(out_dir)
    check_folder(out_dir, overwrite=overwrite)
    if REPORT_GENERATOR not in page:
        page = page.replace("<meta charset='utf-8'>", f"<meta charset='utf-8'>{GENERATOR}", 1)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise _core.OutputError(f"cannot write the report to folder '{out_dir}': {e.strerror or e}") from None
    target = out_dir / "index.html"
    if target.is_dir() and not target.is_symlink():
        raise ResultsError(f"cannot write the report to '{target}': it is a folder")
    tmp = out_dir / f".index.html.tmp-{os.getpid()}-{secrets.token_hex(4)}"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o666)
    except OSError as e:
        raise _core.OutputError(f"cannot write the report to folder '{out_dir}': {e.strerror or e}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(page)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    return target


def _page(d: _Data) -> str:
    S, R = len(d.scenarios), d.replicates
    times = report_times(d.time)
    g = _main_group(d)
    names = _ordered(d)
    a = d.attrs
    steps = int(a.get("steps", d.time[-1] if d.time.size else 0))
    burn_in = a.get("burn_in", "?")
    model = a.get("model", "?")
    body: list[str] = []
    title = ("Policy comparison: " + ", ".join(d.scenarios)) if S > 1 else f"Simulation results: {d.scenarios[0]}"
    body.append(f"<header><h1>{_esc(title)}</h1><p class='lead'>")
    if S > 1:
        body.append(f"This report compares {S} scenarios of the <code>{_esc(model)}</code> model, each "
                    f"simulated {R} time{'s' if R != 1 else ''} with different random seeds. "
                    f"<strong>{_esc(d.scenarios[0])}</strong> is the baseline that the others are "
                    "compared with.")
    else:
        body.append(f"This report shows one scenario of the <code>{_esc(model)}</code> model, simulated "
                    f"{R} time{'s' if R != 1 else ''}. There is nothing to compare it with, so "
                    "there are no differences; " + ("and with one run there are no intervals either."
                                                     if R < 2 else "bands show the spread across runs."))
    body.append("</p></header>")

    recorded = d.time.size > 0
    sections = [("summary", "Summary"), ("compared", "What was compared, and under which assumptions"),
                ("reading", "How to read this report")]
    if recorded:
        sections += [("table", "Indicators at 1, 5 and 10 years"), ("time", "Indicators over time")]
    quint = _group_order(d.groups, "quintile")
    ages = _group_order(d.groups, "age")
    if len(quint) >= 2 and recorded:
        sections.append(("quintile", "By neighbourhood deprivation"))
    if len(ages) >= 2 and recorded:
        sections.append(("age", "By age"))
    if len(_group_order(d.groups, "other")) >= 2 and recorded:
        sections.append(("groups", "Other groups"))
    costs = _costs_section(d, times) if recorded else ""
    if costs:
        sections.append(("costs", "Costs and cost per outcome"))
    sections.append(("provenance", "Seeds, versions and the full scenarios"))
    body.append("<nav aria-label='Contents'><h2>Contents</h2><ol>"
                + "".join(f"<li><a href='#{k}'>{_esc(v)}</a></li>" for k, v in sections) + "</ol></nav>")

    # Summary
    body.append("<h2 id='summary'>Summary</h2>")
    last = int(np.searchsorted(d.time, times[-1])) if times else 0
    sentences = _sentences(d, last) if recorded else []
    if not recorded:
        body.append("<p>No indicator values were recorded (the horizon is 0 steps), so there is "
                    "nothing to compare. Run the scenarios with <code>simulation.steps</code> above 0.</p>")
    elif sentences:
        body.append("<p>Headline indicators for the whole population, as paired differences from "
                    "the baseline (the same random seeds in both). A difference is called clear when "
                    "its 95% interval does not include zero.</p><ul>" + "".join(sentences) + "</ul>")
    else:
        finals = [(n, mean_interval(d.values[0, :, last, g, d.indicators.index(n)][:, None], axis=0)[0][0])
                  for n in names[:6]]
        body.append(f"<p>Values at {_esc(_when(d.time[last]))}: "
                    + "; ".join(f"{_esc(_label(n, d))} {_value(float(v), d.meta[n])}" for n, v in finals) + ".</p>")
    if 2 <= R < 5:
        body.append(f"<p class='note'><strong>Only {R} replicates.</strong> Intervals from so few runs are wide "
                    "and fragile: runs that happen to agree give an interval of zero width, which says "
                    "little. Use 5 or more replicates (<code>--replicates</code>) before drawing "
                    "conclusions.</p>")
    body.append("<p class='note'>These are results of a simulation model, not forecasts. The intervals "
                "show how much the results vary from run to run of the same model with the same "
                "assumptions. They do not include uncertainty about the assumptions themselves: "
                "vary the parameters (and compare again) to see how much the conclusions depend on "
                "them.</p>")

    # What was compared
    body.append("<h2 id='compared'>What was compared, and under which assumptions</h2>")
    rows = []
    for s in range(S):
        rows.append(f"<tr><th scope='row'>{_esc(d.scenarios[s])}{' (baseline)' if s == 0 and S > 1 else ''}</th>"
                    f"<td>{_esc(d.descriptions[s]) or '<em>no description</em>'}</td>"
                    f"<td>{d.population[s]:,}</td>"
                    f"<td>{_num(d.budget[s]) if np.isfinite(d.budget[s]) else 'not stated'}</td>"
                    f"<td><code>{_esc(d.sources[s])}</code></td><td><code>{_esc(d.hashes[s])}</code></td></tr>")
    body.append("<table><thead><tr><th scope='col'>Scenario</th><th scope='col'>Description</th>"
                "<th scope='col'>Population (residents at start)</th><th scope='col'>Budget</th>"
                "<th scope='col'>File</th><th scope='col'>Scenario hash</th></tr></thead><tbody>"
                + "".join(rows) + "</tbody></table>")
    record = a.get("record_every", _params(d.tomls[0]).get("simulation.record_every", 1))
    horizon = f"{steps} weeks" + (f" ({steps / WEEKS_PER_YEAR:.1f} years)" if steps >= WEEKS_PER_YEAR else "")
    settings = [
        ("Model", f"<code>{_esc(model)}</code>"),
        ("Horizon (policy time)", _esc(horizon)),
        ("Burn-in before policy time", f"{_esc(burn_in)} weeks, not shown: lets the network settle first"),
        ("Indicators recorded", f"every {_esc(record)} week(s)"),
        ("Replicates per scenario", f"{R}"),
        ("Seeds", ("master seed " + _esc(d.master_seed) + "; replicate r uses the same seed in every "
                   "scenario: " + ", ".join(f"r={r}: {_esc(sd)}" for r, sd in enumerate(d.seeds)))
         if d.master_seed is not None else f"{_esc(d.seeds[0])} (a single run)"),
        ("Groups recorded", _esc(", ".join(d.groups))),
    ]
    body.append("<table><tbody>" + "".join(f"<tr><th scope='row'>{k}</th><td>{v}</td></tr>" for k, v in settings)
                + "</tbody></table>")
    body.append(_parameter_differences(d))

    # How to read
    tq = t_quantile(R - 1) if R >= 2 else float("nan")
    body.append("<h2 id='reading'>How to read this report</h2><ul>")
    body.append("<li>Each scenario was simulated several times (<em>replicates</em>) with different random "
                "seeds; replicate r of every scenario used <em>the same</em> seed, so each replicate "
                "compares the scenarios on the same simulated population with the same chance events "
                "until the policies make them differ. Differences are therefore <em>paired</em>.</li>")
    if R >= 2:
        body.append(f"<li>A <strong>95% interval</strong> for a difference is mean difference &plusmn; "
                    f"{tq:.3f} &times; sd / &radic;{R}, where sd is the standard deviation of the {R} paired "
                    f"differences and {tq:.3f} is the 97.5% point of Student's t with {R - 1} degrees of "
                    "freedom. If the whole comparison were repeated many times with new seeds, intervals "
                    "built this way would contain the long-run average difference about 95 times in 100. An interval that excludes "
                    "zero is marked <strong>bold</strong> with an asterisk (*).</li>"
                    "<li>Shaded <strong>bands</strong> around the lines over time and the error bars in "
                    "the group panels are 95% intervals for each scenario's mean, computed the same way "
                    "from the replicates of that scenario alone (not paired), so two overlapping bands "
                    "can still hide a clear paired difference: use the table for comparisons.</li>")
    else:
        body.append("<li>With a single replicate, intervals are <strong>unavailable</strong>: one run cannot "
                    "show how much results vary by chance. Run the comparison with at least 2 replicates "
                    "(better 5 or more) to get them.</li>")
    body.append("<li>Shares are shown in percent; a difference between two shares is in "
                "<em>percentage points</em> (pp): from 6.0% to 5.0% is &minus;1.0 pp.</li>"
                "<li>Time is counted in weeks after the burn-in (one step is one week); "
                "&ldquo;1 year&rdquo; is week 52.</li></ul>")

    if recorded:
        body.extend(_results_sections(d, times, names, g, horizon, costs))
    body.extend(_provenance(d))
    return ("<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
            f"{GENERATOR}<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{_esc(title)}</title><style>{CSS}</style></head><body>\n"
            + "\n".join(body) + "\n</body></html>\n")


def _results_sections(d: _Data, times, names, g, horizon, costs) -> list[str]:
    S, R = len(d.scenarios), d.replicates
    body: list[str] = []
    # Differences table
    body.append("<h2 id='table'>Indicators at 1, 5 and 10 years</h2>")
    fits = [t for t in times if t in {tt for tt, _ in REPORT_TIMES}]
    if len(fits) < len(REPORT_TIMES):
        body.append(f"<p>The horizon is {_esc(horizon)}: only the times within it are shown"
                    + (", and the end of the horizon." if times and times[-1] not in fits else ".") + "</p>")
    body.append(f"<p>Whole population (group <code>{_esc(d.groups[g])}</code>). "
                + ("Each scenario's cell shows its mean over replicates, then its paired difference "
                   "from the baseline with the 95% interval in brackets."
                   if R >= 2 else "With one replicate, differences have no interval.") + "</p>")
    for t in times:
        ti = int(np.searchsorted(d.time, t))
        body.append(f"<h3>At {_esc(_when(t))}</h3>")
        body.append(_differences_table(d, ti, names))

    # Time series by category
    body.append("<h2 id='time'>Indicators over time</h2><p>Whole population. Lines are the mean over "
                "replicates" + ("; shaded bands are 95% intervals for that mean." if R >= 2 else ".") + "</p>")
    drawn_in_costs = set(_money(d, names)) if costs else set()
    for heading, members in _categories(d, names):
        members = [n for n in members if n not in drawn_in_costs]  # costs have a section of their own
        if not members:
            continue
        body.append(f"<h3>{_esc(heading)}</h3>")
        body.append(_time_series_figure(d, members, g, heading))

    # Groups
    tl = int(np.searchsorted(d.time, times[-1])) if times else 0
    for kind, anchor, heading, intro in (
            ("quintile", "quintile", "By neighbourhood deprivation",
             "Neighbourhoods are grouped into five deprivation quintiles, Q1 the most deprived and Q5 the least."),
            ("age", "age", "By age", "Residents are grouped into age bands."),
            ("other", "groups", "Other groups", "Other groups the model records, next to everyone for reference.")):
        figs = _group_figures(d, kind, tl)
        if not figs:
            continue
        body.append(f"<h2 id='{anchor}'>{_esc(heading)}</h2><p>{_esc(intro)} At {_esc(_when(d.time[tl]))}: "
                    "first the level in each group by scenario"
                    + (" (error bars: 95% intervals for the mean)" if R >= 2 else "")
                    + (", then the paired difference from the baseline in each group" if S > 1 else "")
                    + ". Groups are smaller than the whole population, so their intervals are wider.</p>")
        body.extend(figs)

    if costs:
        cost_names = _money(d, names)
        body.append(costs)
        if cost_names:
            body.append("<h3>Costs over time</h3>")
            body.append(_time_series_figure(d, cost_names, g, "Costs"))
    return body


def _provenance(d: _Data) -> list[str]:
    S, R, a = len(d.scenarios), d.replicates, d.attrs
    body: list[str] = []
    # Provenance
    body.append("<h2 id='provenance'>Seeds, versions and the full scenarios</h2>")
    prov = [("Results file", f"<code>{_esc(d.path)}</code> ({'comparison' if d.kind == 'comparison' else 'single run'})"),
            ("Master seed", _esc(d.master_seed) if d.master_seed is not None else "none (a single run)"),
            ("Seed per replicate", _esc(", ".join(d.seeds))),
            ("socius version", _esc(a.get("engine_version", "?"))),
            ("Source revision (git)", f"<code>{_esc(a.get('git_revision', '?'))}</code>"),
            ("Python", _esc(a.get("python_version", "?"))),
            ("Created", _esc(a.get("created", "?"))),
            ("Command", f"<code>{_esc(a.get('command', '?'))}</code>"),
            ("Report written", datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))]
    body.append("<table><tbody>" + "".join(f"<tr><th scope='row'>{k}</th><td>{v}</td></tr>" for k, v in prov)
                + "</tbody></table>")
    if d.master_seed is not None:
        body.append(f"<p>To reproduce these runs exactly: <code>socius compare ... --replicates {R} "
                    f"--seed {_esc(d.master_seed)}</code> with the scenarios below.</p>")
    for s in range(S):
        body.append(f"<details><summary>Full resolved scenario: {_esc(d.scenarios[s])}</summary>"
                    f"<pre>{_esc(d.tomls[s])}</pre></details>")
    if any(i.description or i.label != i.name for i in d.meta.values()):
        rows = "".join(f"<tr><th scope='row'><code>{_esc(n)}</code></th><td>{_esc(i.label)}</td>"
                       f"<td>{_esc(i.unit)}</td><td>{_esc(_BETTER[i.better])}</td><td>{_esc(i.description)}</td></tr>"
                       for n, i in d.meta.items())
        body.append("<details><summary>What each indicator measures (as recorded by the model)</summary><table>"
                    "<thead><tr><th scope='col'>Indicator</th><th scope='col'>Label</th><th scope='col'>Unit</th>"
                    "<th scope='col'>Better</th><th scope='col'>Description</th></tr></thead><tbody>"
                    + rows + "</tbody></table></details>")
    return body
