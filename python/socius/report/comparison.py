"""The comparison page: a comparison file (``socius compare``) or a single results file
(``socius run``), on the shared page and figure layer.

Headline first: for each scenario against the baseline, the headline indicators as paired
differences and what each scenario costs; then what was compared; then the detail, folded: tables
at 1, 5 and 10 years, indicators over time, by deprivation quintile and age, how to read the
intervals, seeds and versions. What each indicator is (label, category, unit, whether higher is
better) is read from the file, where the engine writes it from the model's declarations
(:func:`socius.files.indicators`); a file written before that shows each indicator by its name.

An appraisal (``socius appraise``; ``socius compare`` once it writes one) has its own page,
:mod:`socius.report.appraisal`.
"""

from __future__ import annotations

import math
import re
import shlex
import tomllib
from dataclasses import dataclass, field
from datetime import datetime, time as local_time, timezone
from pathlib import Path

import numpy as np

from .._values import show
from ..files import Indicator, indicators, open_dataset, strings, text
from ..scenario import flatten
from . import figures as F
from . import fmt
from .fmt import num as _num, when as _when, WEEKS_PER_YEAR
from .page import Page, esc as _esc, settings_table
from .stats import mean_interval, no_spread, t_quantile

__all__ = ["load", "page", "report_times"]

REPORT_TIMES = ((52, "1 year"), (260, "5 years"), (520, "10 years"))
_BETTER = {1: "higher", -1: "lower", 0: ""}
COLOURS, MARKERS = F.COLOURS, F.MARKERS


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
    budget = _budget_for_run(params)
    return _Data(
        kind="run", path=path, values=values[None, None],
        scenarios=[str(attrs.get("scenario_name") or top.get("name") or path.stem)],
        descriptions=[str(top.get("description", ""))], tomls=[toml],
        hashes=[str(attrs.get("scenario_hash", ""))], sources=[str(attrs.get("scenario_source", ""))],
        population=[int(params.get("simulation.population", 0))],
        budget=[float(budget) if isinstance(budget, (int, float)) and not isinstance(budget, bool) else math.nan],
        time=time, groups=groups, indicators=names, meta=meta,
        seeds=[str(attrs.get("seed"))], master_seed=None, attrs=attrs)


def _budget_for_run(params: dict) -> float:
    """The run's budget in present value: budget.total_pv, stated for budget.population residents
    and scaled to the run's population as the model scales it (NaN when the scenario states none)."""
    def real(key):
        v = params.get(key)
        return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else math.nan
    total, per = real("budget.total_pv"), real("budget.population")
    if not total > 0:
        return math.nan
    population = real("simulation.population")
    return total * population / per if per > 0 and population > 0 else total


def load(path: Path) -> _Data:
    return _load(Path(path))


# -- what each indicator is ----------------------------------------------------------------------
def _kind(ind: Indicator) -> str:
    return fmt.kind(ind.unit)


def _scale(ind: Indicator) -> float:
    return 100.0 if _kind(ind) == "share" else 1.0


def _cumulative_declared(ind: Indicator) -> bool:
    """The file says the indicator is a running total since policy time 0."""
    text_ = (ind.description + " " + ind.name).lower()
    return any(w in text_ for w in ("to date", "to_date", "since", "cumulative", "so far"))


def _label(name: str, d: _Data) -> str:
    """The declared label; a running total of a count says "to date" (it is not a level)."""
    ind = d.meta[name]
    label = ind.label
    if _kind(ind) in ("count", "money") and _cumulative_declared(ind) and "to date" not in label.lower() \
            and ind.label != ind.name:
        label += " to date"
    return label


def _in_sentence(name: str, d: _Data) -> str:
    """The label inside a sentence: "often lonely", but "GP visits" stays as it is."""
    label = _label(name, d)
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
    return [n for _, members in _categories(d, d.indicators) for n in members]


def _unit_note(ind: Indicator) -> str:
    """" (people)": the unit after a label, where the value does not show it already."""
    unit = ind.unit.strip()
    if not unit or unit.lower() == "count" or _kind(ind) in ("share", "score", "money"):
        return ""
    return f" ({unit})"


def _nonnegative(d: _Data, j: int) -> bool:
    """A level that cannot be negative: a share, score or amount, or a count never below zero."""
    ind = d.meta[d.indicators[j]]
    v = d.values[..., j]
    return _kind(ind) in ("share", "score", "money") or bool(np.nanmin(v, initial=0.0) >= 0)


def _population(d: _Data) -> float:
    pops = [p for p in d.population if p]
    return float(pops[0]) if pops and len(set(pops)) == 1 else math.nan


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


# -- figures --------------------------------------------------------------------------------------
def _panel_title(name: str, d: _Data) -> str:
    return _label(name, d) + (" (%)" if _kind(d.meta[name]) == "share" else "")


def _time_series_figure(d: _Data, names: list[str], group: int, title: str) -> str:
    panels = [{"title": _panel_title(n, d), "unit": d.meta[n].unit,
               "values": d.values[:, :, :, group, d.indicators.index(n)] * _scale(d.meta[n]),
               "nonnegative": _nonnegative(d, d.indicators.index(n))} for n in names]
    return F.time_series(d.time, panels, d.scenarios, title, runs_per_option=d.replicates)


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
    # Levels: one bar per scenario in each group, with the 95% interval across replicates (cut at
    # zero for a level that cannot be negative).
    rows, cols = F.grid(len(names))
    fig = F.figure(max(4.2 * cols, 7.5), 3.2 * rows + 0.6)
    axes = fig.subplots(rows, cols, squeeze=False)
    width = 0.8 / S
    xs = np.arange(len(gi))
    handles = []
    for k, name in enumerate(names):
        ax = axes[k // cols][k % cols]
        j = d.indicators.index(name)
        nonneg = _nonnegative(d, j)
        for s in range(S):
            vals = d.values[s, :, t_index, :, j][:, gi] * _scale(d.meta[name])
            mean, lo, hi = F.band(vals, nonnegative=nonneg)
            yerr = np.vstack([mean - lo, hi - mean]) if d.replicates >= 2 else None
            bars = ax.bar(xs + (s - (S - 1) / 2) * width, mean, width, color=COLOURS[s % len(COLOURS)],
                          yerr=yerr, capsize=2, ecolor="#444444", edgecolor="white", lw=0.5)
            if k == 0:
                handles.append(bars)
        ax.set_xticks(xs, labels, fontsize=7, rotation=30 if len(gi) > 5 else 0)
        F.title(ax, _panel_title(name, d))
        F.axis_format(ax, d.meta[name].unit)
        ax.tick_params(axis="y", labelsize=8)
        ax.grid(axis="y", alpha=0.3)
    for k in range(len(names), rows * cols):
        axes[k // cols][k % cols].set_visible(False)
    F.legend(fig, handles, d.scenarios)
    out.append(F.png(fig, f"Indicators by {what} at {_when(d.time[t_index])}, bars per scenario"
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
    rows, cols = F.grid(len(names))
    fig = F.figure(max(4.2 * cols, 7.5), 3.2 * rows + 0.6)
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
        F.title(ax, f"{_label(name, d)}: difference{fmt.diff_unit(d.meta[name].unit)}")
        F.axis_format(ax, d.meta[name].unit)
        ax.tick_params(axis="y", labelsize=8)
        ax.grid(axis="y", alpha=0.3)
    for k in range(len(names), rows * cols):
        axes[k // cols][k % cols].set_visible(False)
    F.legend(fig, handles, [f"{n} minus {d.scenarios[0]}" for n in d.scenarios[1:]])
    out.append(F.png(fig, f"Paired differences from the baseline by {what} at {_when(d.time[t_index])}"))
    if same:
        out.append("<p class='note'>The same in every scenario and replicate, so not drawn: "
                   + ", ".join(_esc(_label(n, d)) for n in same) + ".</p>")
    return out


# -- tables ---------------------------------------------------------------------------------------
def _main_group(d: _Data) -> int:
    return d.groups.index("all") if "all" in d.groups else 0


def _paired(d: _Data, s: int, ti: int, g: int, j: int):
    """Mean paired difference of scenario s minus the baseline, its 95% interval, n, and whether
    every replicate gave the same difference (a zero-width interval, which is no evidence)."""
    diff = d.values[s, :, ti, g, j] - d.values[0, :, ti, g, j]
    mean, half, n = mean_interval(diff[:, None], axis=0)
    return float(mean[0]), float(half[0]), int(n[0]), no_spread(diff)


def _rate(x: float, name: str, d: _Data) -> str:
    """", 3.7 per 1,000 residents" after a running total of a count (empty otherwise)."""
    ind = d.meta[name]
    if _kind(ind) != "count" or not _cumulative_declared(ind):
        return ""
    r = fmt.per_thousand(x, _population(d))
    return f" <small class='rate'>({r})</small>" if r else ""


def _difference_cell(d: _Data, s: int, ti: int, g: int, j: int) -> str:
    """A scenario's mean value, then its paired difference from the baseline with the interval.
    Marked clear (bold, *) only when the interval excludes zero and has a width: replicates that
    all agree give a zero-width interval, which says nothing about chance."""
    name = d.indicators[j]
    unit = d.meta[name].unit
    val, _, _ = mean_interval(d.values[s, :, ti, g, j][:, None], axis=0)
    m, h, n, flat = _paired(d, s, ti, g, j)
    value = f"<span class='val'>{fmt.value(float(val[0]), unit)}</span>{_rate(float(val[0]), name, d)}<br>"
    if n >= 2 and flat:
        what = "0" + fmt.diff_unit(unit) if m == 0 else fmt.difference(m, unit)
        return (f"<td>{value}{what} <span class='ci'>[the same in all {n} replicates: no interval]</span></td>")
    if n >= 2 and np.isfinite(h):
        lo, hi = m - h, m + h
        text_ = f"{fmt.difference(m, unit, lo, hi)} <span class='ci'>[{fmt.interval_text(lo, hi, unit, m)}]</span>"
        if lo > 0 or hi < 0:
            return (f"<td class='clear'>{value}<strong>{text_}</strong> "
                    "<span title='the 95% interval excludes zero'>*</span></td>")
        return f"<td>{value}{text_}</td>"
    return (f"<td>{value}{fmt.difference(m, unit)} <span class='ci'>[no interval: {n} replicate"
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
                     f"<td><span class='val'>{fmt.value(float(base[0]), d.meta[name].unit)}</span>"
                     f"{_rate(float(base[0]), name, d)}</td>"]
            cells += [_difference_cell(d, s, ti, g, j) for s in range(1, S)]
            rows.append("<tr>" + "".join(cells) + "</tr>")
    return ("<div class='wide'><table class='diff'><thead><tr>" + "".join(head) + "</tr></thead><tbody>"
            + "".join(rows) + "</tbody></table></div>")


def _cumulative(d: _Data, j: int) -> np.ndarray:
    """(scenario, replicate, time) counts since time 0 for group "all".

    An indicator the file says counts "to date"/"since"/"cumulative", or whose values never fall
    in any run, is taken as already cumulative; otherwise it is a per-step flow, summed."""
    g = _main_group(d)
    v = d.values[:, :, :, g, j]
    if _cumulative_declared(d.meta[d.indicators[j]]):
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


def _currency(d: _Data, name: str) -> str:
    code = d.meta[name].unit.strip().upper()
    return code if code in fmt.CURRENCIES else ""


def _cost_indicator(d: _Data) -> str | None:
    cost_names = _money(d, d.indicators)
    if not cost_names:
        return None
    return next((n for n in cost_names if d.meta[n].better < 0), cost_names[0])


def _costs_headline(d: _Data, ti: int) -> str:
    """What each scenario costs by the end: budget, cost to date, extra cost (paired)."""
    cost = _cost_indicator(d)
    has_budget = any(np.isfinite(b) for b in d.budget)
    if cost is None and not has_budget:
        return ""
    g = _main_group(d)
    cur = _currency(d, cost) if cost else "GBP"
    rows = []
    for s in range(len(d.scenarios)):
        budget = fmt.money(d.budget[s], cur) if np.isfinite(d.budget[s]) else "not stated"
        cells = [_esc(d.scenarios[s]), budget]
        if cost is not None:
            j = d.indicators.index(cost)
            cmean, _, _ = mean_interval(d.values[s, :, ti, g, j][:, None], axis=0)
            cells.append(fmt.money(float(cmean[0]), cur))
            if s == 0:
                cells.append("(baseline)")
            else:
                dc, hc, n, flat = _paired(d, s, ti, g, j)
                extra = fmt.difference(dc, d.meta[cost].unit)
                if n >= 2 and not flat and np.isfinite(hc):
                    extra += f" <span class='ci'>[{fmt.interval_text(dc - hc, dc + hc, d.meta[cost].unit)}]</span>"
                elif n >= 2 and flat:
                    extra += " <span class='ci'>[the same in every replicate]</span>"
                cells.append(extra)
        rows.append(cells)
    head = ["Scenario", "Budget stated (present value)"] + ([f"{_label(cost, d)} at {_when(d.time[ti])}",
                                             "Extra cost vs baseline [95% interval]"] if cost else [])
    from .page import table

    note = ("" if cost else "<p>The model records no cost indicator: only the budgets the scenarios state "
            "are shown.</p>")
    return table(head, rows, "costs") + note


def _costs_section(d: _Data, times: list[int]) -> str:
    cost = _cost_indicator(d)
    if cost is None:
        return ""
    S = len(d.scenarios)
    g = _main_group(d)
    jc = d.indicators.index(cost)
    outcomes = _outcomes(d)
    code = _currency(d, cost)
    unit = f" Amounts are in {fmt.CURRENCIES[code]} ({code})." if code else ""
    parts = [
        f"<p>{unit.strip()} Cost is the indicator <code>{_esc(cost)}</code> ({_esc(_label(cost, d))}), for the whole "
        "population, undiscounted. The extra cost and the gain in each outcome are paired differences from the "
        "baseline (same seeds), with 95% intervals over replicates (chance only). <em>Cost per outcome</em> is "
        "the mean extra cost divided by the mean gain, given only when the 95% interval of the gain lies wholly "
        "on the side of improvement; it has no interval of its own. An appraisal (<code>socius appraise</code>) "
        "gives costs in present value with parameter uncertainty.</p>"]
    if S < 2 or not outcomes:
        return "\n".join(parts)
    cum = {n: _cumulative(d, d.indicators.index(n)) for n, _, _ in outcomes if _kind(d.meta[n]) != "share"}
    pop = _population(d)
    for t in reversed(times):  # the last time open, the earlier ones folded
        ti = int(np.searchsorted(d.time, t))
        block = [f"<h3>Cost per outcome at {_esc(_when(t))}</h3>"]
        rows = []
        for s in range(1, S):
            dc, _, _, _ = _paired(d, s, ti, g, jc)
            for k, (n, sign, unit_) in enumerate(outcomes):
                share = _kind(d.meta[n]) == "share"
                v = d.values[:, :, :, g, d.indicators.index(n)] if share else cum[n]
                gain = sign * (v[s, :, ti] - v[0, :, ti]) * _scale(d.meta[n])
                gm, gh, gn = mean_interval(gain[:, None], axis=0)
                gm, gh, gn = float(gm[0]), float(gh[0]), int(gn[0])
                flat = no_spread(gain)
                gunit = "" if share else "count"
                gtxt = fmt.difference(gm, gunit, gm - gh, gm + gh).replace("+", "")
                if gn >= 2 and flat:
                    gtxt += " <span class='ci'>[the same in every replicate: no interval]</span>"
                elif np.isfinite(gh):
                    gtxt += f" <span class='ci'>[{fmt.interval_text(gm - gh, gm + gh, gunit, gm)}]</span>"
                else:
                    gtxt += " <span class='ci'>[no interval]</span>"
                if not share and np.isfinite(pop):
                    gtxt += f" <small class='rate'>({fmt.per_thousand(gm, pop)})</small>"
                if gn >= 2 and np.isfinite(gh) and not flat and gm - gh > 0:
                    per = "saves money and gains" if dc <= 0 else fmt.money(dc / gm, code)
                elif gn < 2 or flat:
                    per = "no interval: not estimated"
                elif np.isfinite(gh) and gm + gh < 0:
                    per = "worse than the baseline"
                else:
                    per = "no clear gain"
                head = (f"<th scope='rowgroup' rowspan='{len(outcomes)}'>{_esc(d.scenarios[s])}</th>"
                        if k == 0 else "")
                rows.append(f"<tr>{head}<td>{_esc(unit_)}</td><td>{gtxt}</td><td>{per}</td></tr>")
        block.append("<table class='costs'><thead><tr><th scope='col'>Scenario</th><th scope='col'>Outcome (one unit)</th>"
                     "<th scope='col'>Gain vs baseline to date, in units [95% interval]</th>"
                     "<th scope='col'>Cost per unit of gain</th></tr></thead><tbody>" + "".join(rows)
                     + "</tbody></table>")
        parts.append("".join(block) if t == times[-1] else
                     f"<details><summary>Earlier: at {_esc(_when(t))}</summary>{''.join(block)}</details>")
    parts.append("<p class='note'>Gains in shares are in percentage points of the population "
                 "(1 point is 1 resident in 100) at that time; counts of outcomes are totals to date "
                 "(since the start of policy time), also per 1,000 residents. A negative gain means the "
                 "scenario did worse than the baseline.</p>")
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
        clear, unclear, same, flat_list, single = [], [], [], [], []
        for name in names:
            j = d.indicators.index(name)
            unit = d.meta[name].unit
            m, h, n, flat = _paired(d, s, ti, g, j)
            if not np.isfinite(m):
                continue
            label = _esc(_in_sentence(name, d))
            word = "higher" if m > 0 else "lower"
            if d.meta[name].better:  # the model says which way is better: say whether this is
                word += ", better" if (m > 0) == (d.meta[name].better > 0) else ", worse"
            size = fmt.difference(abs(m), unit, m - h, m + h).lstrip("+")
            if m == 0 and (n < 2 or flat):
                same.append(label)
            elif n >= 2 and flat:
                flat_list.append(f"{label}: {size} {word}")
            elif n >= 2 and np.isfinite(h):
                lo, hi = m - h, m + h
                if lo > 0 or hi < 0:
                    a, b = sorted((abs(lo), abs(hi)))
                    clear.append(f"{label}: {size} {word} "
                                 f"(95% interval {fmt.interval_text(a, b, unit, abs(m)).replace('+', '')}"
                                 f"{fmt.diff_unit(unit)} {word.split(',')[0]})")
                else:
                    unclear.append(f"{label} (95% interval {fmt.interval_text(lo, hi, unit, m)}{fmt.diff_unit(unit)})")
            else:
                single.append(f"{label}: {size} {word}")
        items = []
        if clear:
            items.append("<li>Clear differences: " + "; ".join(clear) + ".</li>")
        if unclear:
            items.append("<li>No clear difference (the interval includes zero): " + "; ".join(unclear) + ".</li>")
        if flat_list:
            items.append(f"<li>The same difference in every one of the {d.replicates} replicates, so no interval "
                         "can be estimated (not evidence of a clear difference): " + "; ".join(flat_list) + ".</li>")
        if single:
            items.append("<li>Differences from a single replicate, without an interval: " + "; ".join(single) + ".</li>")
        if same:
            items.append("<li>Identical in every replicate: " + ", ".join(same) + ".</li>")
        out.append(f"<li><strong>{_esc(d.scenarios[s])}</strong> compared with {_esc(d.scenarios[0])} "
                   f"at {_esc(when)}:<ul>" + "".join(items) + "</ul></li>")
    return out


# -- the page -------------------------------------------------------------------------------------
def reproduce_command(d: _Data) -> str:
    """The command that repeats these runs exactly: the scenario files, replicates, seed, and
    every size and horizon setting the runs used (population, steps, burn-in, recording), so a
    run at another size than the file's is repeated at its own size."""
    a = d.attrs
    sources = [s or f"{n}.toml" for s, n in zip(d.sources, d.scenarios)]
    pops = set(d.population)
    words = ["socius", "compare" if d.kind == "comparison" else "run", *sources]
    if d.kind == "comparison":
        words += ["--replicates", str(d.replicates), "--seed", str(d.master_seed)]
    else:
        words += ["--seed", str(d.seeds[0])]
    if len(pops) == 1 and next(iter(pops)):
        words += ["--population", str(next(iter(pops)))]
    if "steps" in a:
        words += ["--steps", str(a["steps"])]
    for key in ("burn_in", "record_every"):
        if key in a:
            words += ["--set", f"simulation.{key}={a[key]}"]
    return " ".join(shlex.quote(w) for w in words)


def page(d: _Data) -> str:
    return _page(d)


def _page(d: _Data) -> str:
    S, R = len(d.scenarios), d.replicates
    times = report_times(d.time)
    g = _main_group(d)
    names = _ordered(d)
    a = d.attrs
    steps = int(a.get("steps", d.time[-1] if d.time.size else 0))
    burn_in = a.get("burn_in", "?")
    model = a.get("model", "?")
    recorded = d.time.size > 0
    title = ("Policy comparison: " + ", ".join(d.scenarios)) if S > 1 else f"Simulation results: {d.scenarios[0]}"
    pop = _population(d)
    size = f" of {int(pop):,} residents" if np.isfinite(pop) else ""
    if S > 1:
        lead = (f"This report compares {S} scenarios of the <code>{_esc(model)}</code> model{size}, each "
                f"simulated {R} time{'s' if R != 1 else ''} with different random seeds. "
                f"<strong>{_esc(d.scenarios[0])}</strong> is the baseline that the others are compared with.")
    else:
        lead = (f"This report shows one scenario of the <code>{_esc(model)}</code> model{size}, simulated "
                f"{R} time{'s' if R != 1 else ''}. There is nothing to compare it with, so there are no "
                "differences; " + ("and with one run there are no intervals either."
                                   if R < 2 else "bands show the spread across runs."))
    p = Page(title, lead)

    # 1. The headline: differences in words, and what each scenario costs.
    body: list[str] = []
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
                    + "; ".join(f"{_esc(_label(n, d))} {fmt.value(float(v), d.meta[n].unit)}" for n, v in finals)
                    + ".</p>")
    if recorded:
        costs_now = _costs_headline(d, last)
        if costs_now:
            body.append(f"<h3>What each scenario costs, to {_esc(_when(d.time[last]))}</h3>" + costs_now)
    if 2 <= R < 5:
        body.append(f"<p class='note'><strong>Only {R} replicates.</strong> Intervals from so few runs are wide "
                    "and fragile: runs that happen to agree give an interval of zero width, which says "
                    "little. Use 5 or more replicates (<code>--replicates</code>) before drawing "
                    "conclusions.</p>")
    body.append("<p class='note'>These are results of a simulation model, not forecasts. The intervals "
                "show how much the results vary from run to run of the same model with the same "
                "assumptions. They do not include uncertainty about the assumptions themselves: an "
                "appraisal (<code>socius appraise</code>) draws the uncertain parameters and shows how "
                "much the conclusions depend on them.</p>")
    p.section("summary", "Summary", body, headline=True)

    # 2. What was compared.
    body = []
    rows = []
    for s in range(S):
        desc = fmt.description_for(d.descriptions[s], d.population[s])
        rows.append(f"<tr><th scope='row'>{_esc(d.scenarios[s])}{' (baseline)' if s == 0 and S > 1 else ''}</th>"
                    f"<td>{_esc(desc) or '<em>no description</em>'}</td>"
                    f"<td>{d.population[s]:,}</td>"
                    f"<td>{_num(d.budget[s]) if np.isfinite(d.budget[s]) else 'not stated'}</td>"
                    f"<td><code>{_esc(d.sources[s])}</code></td><td><code>{_esc(d.hashes[s])}</code></td></tr>")
    body.append("<table><thead><tr><th scope='col'>Scenario</th><th scope='col'>Description</th>"
                "<th scope='col'>Population (residents at start, this run)</th><th scope='col'>Budget</th>"
                "<th scope='col'>File</th><th scope='col'>Scenario hash</th></tr></thead><tbody>"
                + "".join(rows) + "</tbody></table>")
    if any(fmt.stated_populations(dsc) - {pp} for dsc, pp in zip(d.descriptions, d.population)):
        body.append("<p class='note'>The scenario files describe the borough at another size than these runs; "
                    "the descriptions above give the runs' population. A count stated &ldquo;at N "
                    "residents&rdquo; is how that quantity scales with the population.</p>")
    record = a.get("record_every", _params(d.tomls[0]).get("simulation.record_every", 1))
    horizon = f"{steps} weeks" + (f" ({steps / WEEKS_PER_YEAR:.1f} years)" if steps >= WEEKS_PER_YEAR else "")
    body.append(settings_table([
        ("Model", f"<code>{_esc(model)}</code>"),
        ("Horizon (policy time)", _esc(horizon)),
        ("Burn-in before policy time", f"{_esc(burn_in)} weeks, not shown: lets the network settle first"),
        ("Indicators recorded", f"every {_esc(record)} week(s)"),
        ("Replicates per scenario", f"{R}"),
        ("Seeds", ("master seed " + _esc(d.master_seed) + "; replicate r uses the same seed in every "
                   "scenario: " + ", ".join(f"r={r}: {_esc(sd)}" for r, sd in enumerate(d.seeds)))
         if d.master_seed is not None else f"{_esc(d.seeds[0])} (a single run)"),
        ("Groups recorded", _esc(", ".join(d.groups))),
    ]))
    differs = _parameter_differences(d)
    if differs:
        body.append("<details><summary>The parameters each scenario changes from the baseline</summary>"
                    f"{differs}</details>")
    p.section("compared", "What was compared, and under which assumptions", body)

    costs = _costs_section(d, times) if recorded and S > 1 else ""
    if costs:
        p.section("costs", "Cost per outcome", costs, folded=True)
    if recorded:
        _results_sections(p, d, times, names, g, horizon, bool(costs))
    p.section("reading", "How to read this report", _reading(d), folded=True)
    p.section("provenance", "Seeds, versions and the full scenarios", _provenance(d), folded=True)
    return p.render()


def _reading(d: _Data) -> list[str]:
    R = d.replicates
    tq = t_quantile(R - 1) if R >= 2 else float("nan")
    body = ["<ul>", "<li>Each scenario was simulated several times (<em>replicates</em>) with different random "
            "seeds; replicate r of every scenario used <em>the same</em> seed, so each replicate "
            "compares the scenarios on the same simulated population with the same chance events "
            "until the policies make them differ. Differences are therefore <em>paired</em>.</li>"]
    if R >= 2:
        body.append(f"<li>A <strong>95% interval</strong> for a difference is mean difference &plusmn; "
                    f"{tq:.3f} &times; sd / &radic;{R}, where sd is the standard deviation of the {R} paired "
                    f"differences and {tq:.3f} is the 97.5% point of Student's t with {R - 1} degrees of "
                    "freedom. If the whole comparison were repeated many times with new seeds, intervals "
                    "built this way would contain the long-run average difference about 95 times in 100. An "
                    "interval that excludes zero is marked <strong>bold</strong> with an asterisk (*). When "
                    "every replicate gives the same difference the interval has zero width; that is no "
                    "evidence either way and is said so, not marked.</li>"
                    "<li>Shaded <strong>bands</strong> around the lines over time and the error bars in "
                    "the group panels are 95% intervals for each scenario's mean, computed the same way "
                    "from the replicates of that scenario alone (not paired), so two overlapping bands "
                    "can still hide a clear paired difference: use the table for comparisons. A band of a "
                    "quantity that cannot be negative stops at zero.</li>")
    else:
        body.append("<li>With a single replicate, intervals are <strong>unavailable</strong>: one run cannot "
                    "show how much results vary by chance. Run the comparison with at least 2 replicates "
                    "(better 5 or more) to get them.</li>")
    body.append("<li>Shares are shown in percent; a difference between two shares is in "
                "<em>percentage points</em> (pp): from 6.0% to 5.0% is &minus;1.0 pp. A score on a 0 to 1 "
                "scale differs in points on a 0 to 100 scale. A count &ldquo;to date&rdquo; is a total "
                "since the start of policy time, also given per 1,000 residents.</li>"
                "<li>Time is counted in weeks after the burn-in (one step is one week); "
                "&ldquo;1 year&rdquo; is week 52.</li></ul>")
    return body


def _results_sections(p: Page, d: _Data, times, names, g, horizon, costs: bool) -> None:
    S, R = len(d.scenarios), d.replicates
    # Differences tables: the last time open, the earlier ones folded inside the section.
    body = []
    fits = [t for t in times if t in {tt for tt, _ in REPORT_TIMES}]
    if len(fits) < len(REPORT_TIMES):
        body.append(f"<p>The horizon is {_esc(horizon)}: only the times within it are shown"
                    + (", and the end of the horizon." if times and times[-1] not in fits else ".") + "</p>")
    body.append(f"<p>Whole population (group <code>{_esc(d.groups[g])}</code>). "
                + ("Each scenario's cell shows its mean over replicates, then its paired difference "
                   "from the baseline with the 95% interval in brackets."
                   if R >= 2 else "With one replicate, differences have no interval.") + "</p>")
    for k, t in enumerate(reversed(times)):
        ti = int(np.searchsorted(d.time, t))
        block = f"<h3>At {_esc(_when(t))}</h3>" + _differences_table(d, ti, names)
        body.append(block if k == 0 else f"<details><summary>Earlier: at {_esc(_when(t))}</summary>{block}</details>")
    p.section("table", "Indicators at 1, 5 and 10 years", body, folded=True)

    # Time series: the headline indicators (those with a better direction) open, the rest folded.
    body = ["<p>Whole population. Lines are the mean over replicates"
            + ("; shaded bands are 95% intervals for that mean." if R >= 2 else ".") + "</p>"]
    for heading, members in _categories(d, names):
        if not members:
            continue
        body.append(f"<h3>{_esc(heading)}</h3>")
        body.append(_time_series_figure(d, members, g, heading))
    p.section("time", "Indicators over time", body, folded=True)

    tl = int(np.searchsorted(d.time, times[-1])) if times else 0
    for kind, anchor, heading, intro in (
            ("quintile", "quintile", "By neighbourhood deprivation",
             "Neighbourhoods are grouped into five deprivation quintiles, Q1 the most deprived and Q5 the least."),
            ("age", "age", "By age", "Residents are grouped into age bands."),
            ("other", "groups", "Other groups", "Other groups the model records, next to everyone for reference.")):
        figs = _group_figures(d, kind, tl)
        if not figs:
            continue
        body = [f"<p>{_esc(intro)} At {_esc(_when(d.time[tl]))}: "
                "first the level in each group by scenario"
                + (" (error bars: 95% intervals for the mean)" if R >= 2 else "")
                + (", then the paired difference from the baseline in each group" if S > 1 else "")
                + ". Groups are smaller than the whole population, so their intervals are wider.</p>"] + figs
        p.section(anchor, heading, body, folded=True)


def _provenance(d: _Data) -> list[str]:
    S, a = len(d.scenarios), d.attrs
    body: list[str] = []
    body.append(settings_table([
        ("Results file", f"<code>{_esc(d.path)}</code> ({'comparison' if d.kind == 'comparison' else 'single run'})"),
        ("Master seed", _esc(d.master_seed) if d.master_seed is not None else "none (a single run)"),
        ("Seed per replicate", _esc(", ".join(d.seeds))),
        ("socius version", _esc(a.get("engine_version", "?"))),
        ("Source revision (git)", f"<code>{_esc(a.get('git_revision', '?'))}</code>"),
        ("Python", _esc(a.get("python_version", "?"))),
        ("Created", _esc(a.get("created", "?"))),
        ("Command", f"<code>{_esc(a.get('command', '?'))}</code>"),
        ("Report written", datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))]))
    body.append(f"<p>To reproduce these runs exactly (the full resolved scenarios are below):<br>"
                f"<code class='reproduce'>{_esc(reproduce_command(d))}</code></p>")
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
