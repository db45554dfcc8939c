"""The appraisal page: what a commission reads first, first.

Reads an ``Appraisal`` (:mod:`socius.appraise`; the contract in its docstring) and writes, in
this order:

1. **The answer in brief** (framed): what each option costs in present value and what it buys
   (costs by intervention, lonely person-years avoided, their value, net benefit against the
   baseline, cost per WELLBY, probability of being best); the headline difference between early
   action and structural reform (or the two leading options) with intervals that include
   parameter uncertainty; which option is best at the reference value of a WELLBY and across
   willingness to pay (the acceptability curves); and the parameters the answer hangs on (tornado).
2. **What was appraised**: options, population, horizon, draws, replicates, seeds, the uncertain
   parameters and valuation with their sources, and the command that repeats it exactly.
3. The detail, folded: by deprivation quintile and the equity-weighted total, every indicator at
   the horizon (counts to date also per 1,000 residents), indicators over time, how to read the
   intervals.

A plain comparison (``uncertain`` False: one parameter draw) is the same page without the parts
that need parameter draws (probability best, acceptability curves, tornado); its intervals cover
chance only and say so.

Intervals are the 2.5th and 97.5th percentiles over draws x replicates, as the appraisal computes
them (``incremental``, ``by_group``); the page computes the few it shows that the appraisal does not
hold (the difference between two options in net benefit and lonely person-years) the same way from
``per_run`` (or ``per_draw``). Labels, units and which direction is better come from the model's
declarations in the results file (``Appraisal.indicators``).
"""

from __future__ import annotations

import math
from datetime import datetime, timezone

import numpy as np

from ..files import Indicator
from . import figures as F
from . import fmt
from .fmt import money, num
from .page import Page, esc, settings_table, table
from .stats import mean_interval, no_spread, percentile_interval

__all__ = ["page", "headline_pair"]

INTERVENTIONS = ("cost_hubs_pv", "cost_befriending_pv", "cost_relational_practice_pv", "cost_collaboration_pv",
                 "cost_reorganisation_pv")
QUINTILES = ("q1", "q2", "q3", "q4", "q5")
QUINTILE_LABELS = {"q1": "Q1 most deprived", "q2": "Q2", "q3": "Q3", "q4": "Q4", "q5": "Q5 least deprived"}


# -- reading the appraisal ------------------------------------------------------------------------
def _meta(a) -> dict[str, Indicator]:
    """What each indicator is, as the results file declares it."""
    out = {}
    for name, m in (getattr(a, "indicators", None) or {}).items():
        get = (lambda k, d="": m.get(k, d)) if isinstance(m, dict) else (lambda k, d="": getattr(m, k, d))
        out[str(name)] = Indicator(str(name), str(get("label") or name), str(get("description")),
                                   str(get("category")), str(get("unit")), int(np.sign(get("better", 0) or 0)))
    return out


def _label(a, name: str, fallback: str | None = None) -> str:
    m = _meta(a).get(name)
    if m is not None and m.label != name:
        return m.label
    attrs = getattr(getattr(a, "per_draw", None), "variables", {})
    if name in attrs and attrs[name].attrs.get("long_name"):
        return str(attrs[name].attrs["long_name"])
    return fallback or name.replace("_", " ")


def _heading(a, var: str, fallback: str) -> str:
    """A column or row heading: the label the appraisal gives ``var``, capitalised."""
    label = _label(a, var, fallback)
    return label[:1].upper() + label[1:]


def _runs(a, var: str, group: str = "all") -> np.ndarray | None:
    """(option, sample) values of ``var``: per run (draw x replicate) where the appraisal holds
    them, else per draw."""
    for ds, dims in ((getattr(a, "per_run", None), ("draw", "replicate")), (getattr(a, "per_draw", None), ("draw",))):
        if ds is not None and var in ds.data_vars:
            da = ds[var]
            if "group" in da.dims:
                da = da.sel(group=group)
            da = da.transpose("option", *[d for d in dims if d in da.dims])
            return np.asarray(da.values, dtype=float).reshape(da.sizes["option"], -1)
    return None


def _stat(ds, var: str, option: str, extra: dict | None = None) -> tuple[float, float, float]:
    """(mean, p2.5, p97.5) of ``var`` for ``option`` in a stats Dataset (stat = mean, p2_5, p97_5)."""
    if ds is None or var not in ds.data_vars or option not in [str(o) for o in ds["option"].values]:
        return (math.nan,) * 3
    da = ds[var].sel(option=option, **(extra or {}))
    return tuple(float(da.sel(stat=s)) for s in ("mean", "p2_5", "p97_5"))


def _summary(x: np.ndarray, uncertain: bool) -> tuple[float, float, float]:
    """(mean, lo, hi) of one quantity over the runs.

    With parameter draws: the 2.5th and 97.5th percentiles over draws x replicates, as the
    appraisal computes its intervals (they include parameter uncertainty). Without (a plain
    comparison, chance only): the 95% interval for the mean, mean +- t(0.975, R-1) sd / sqrt(R)
    over the R replicates (NaN with one replicate)."""
    x = np.asarray(x, dtype=float).ravel()
    x = x[np.isfinite(x)]
    if x.size == 0:
        return (math.nan,) * 3
    if uncertain:
        m, lo, hi = percentile_interval(x)
        return float(m), float(lo), float(hi)
    m, half, _ = mean_interval(x[:, None])
    return float(m[0]), float(m[0] - half[0]), float(m[0] + half[0])


def _estimate(a, var: str, option: str, group: str = "all", versus: str | None = None):
    """(mean, lo, hi, no spread) of ``var`` for ``option`` over the runs (minus ``versus``'s in
    the same run, when given)."""
    x = _runs(a, var, group)
    if x is None:
        return (math.nan,) * 3 + (False,)
    d = x[a.options.index(option)] - (x[a.options.index(versus)] if versus is not None else 0.0)
    return _summary(d, a.uncertain) + (no_spread(d),)


def headline_pair(options: list[str], baseline: str, prob_best=None) -> tuple[str, str]:
    """The two options the headline compares: early action and structural reform where the
    names say so; otherwise the two options most often best (or the first two after the
    baseline); one option against the baseline when there is only one."""
    others = [o for o in options if o != baseline]
    early = [o for o in others if "early" in o.lower()]
    reform = [o for o in others if "reform" in o.lower()]
    if early and reform:
        return early[0], reform[0]
    if len(others) == 1:
        return others[0], baseline
    if prob_best is not None:
        p = {str(o): float(prob_best.sel(option=o)) for o in others}
        others = sorted(others, key=lambda o: -p[o])
    return others[0], others[1]


def _reference_wtp(a) -> float:
    try:
        return float(a.settings["valuation"]["wellby_value"]["default"])
    except (AttributeError, KeyError, TypeError):
        v = getattr(a, "valuation", {}).get("wellby_value") if isinstance(getattr(a, "valuation", None), dict) else None
        return float(np.mean(v)) if v is not None else math.nan


def _interval_words(a) -> str:
    if a.uncertain:
        return (f"95% interval: the 2.5th to 97.5th percentiles over {a.draws} parameter draws &times; "
                f"{a.replicates} replicates, so it includes uncertainty about the parameters as well as chance")
    return (f"95% interval for the mean over {a.replicates} replicates, mean &plusmn; t &times; sd / &radic;"
            f"{a.replicates} (chance only: no parameter was drawn, so it does not include uncertainty about "
            "the parameters)")


def _command(a) -> str:
    """The command that repeats the appraisal exactly: always with its population."""
    cmd = str(getattr(a, "command", "") or "")
    words = cmd.split()
    if cmd and "--population" not in words and "simulation.population" not in cmd:
        cmd += f" --population {a.population}"
    if cmd and "--steps" not in words and "simulation.steps" not in cmd and getattr(a, "horizon_weeks", None) is not None:
        cmd += f" --steps {a.horizon_weeks}"
    return cmd


# -- cells ----------------------------------------------------------------------------------------
def _range(m: float, lo: float, hi: float, kind: str, sign: bool = True) -> str:
    """An interval as text, or "no spread" when every run gave the same value (a zero-width
    interval, which is no evidence of a clear difference)."""
    if not (np.isfinite(lo) and np.isfinite(hi)):
        return "no interval"
    if kind == "money":
        a, b = money(lo, "GBP", sign), money(hi, "GBP", sign)
    else:
        a, b = fmt.interval_text(lo, hi, "count", m).split(" to ")
        if not sign:
            a, b = a.lstrip("+"), b.lstrip("+")
    if lo == hi or a == b:
        return "the same in every run"
    return f"{a} to {b}"


def _money_cell(m: float, lo: float, hi: float, sign: bool = False) -> str:
    if not np.isfinite(m):
        return "<td class='num'>n/a</td>"
    body = money(m, "GBP", sign=sign)
    if np.isfinite(lo) and np.isfinite(hi):
        body += f"<br><span class='ci'>[{_range(m, lo, hi, 'money', sign)}]</span>"
    return f"<td class='num'>{body}</td>"


def _count_cell(m: float, lo: float, hi: float, population: float = math.nan, sign: bool = False) -> str:
    """A count (or WELLBYs) with its interval, to the precision the interval supports."""
    if not np.isfinite(m):
        return "<td class='num'>n/a</td>"
    body = fmt.difference(m, "count", lo, hi)
    text = fmt.interval_text(lo, hi, "count", m) if np.isfinite(lo) and np.isfinite(hi) else ""
    if not sign:
        body, text = body.lstrip("+"), text.replace("+", "")
    if text:
        body += f"<br><span class='ci'>[{_range(m, lo, hi, 'count', sign)}]</span>"
    if np.isfinite(population):
        body += f"<br><small class='rate'>{fmt.per_thousand(m, population)}</small>"
    return f"<td class='num'>{body}</td>"


# -- figures --------------------------------------------------------------------------------------
def _ceac_figure(a, wtp_ref: float) -> str:
    ceac = a.ceac
    wtp = np.asarray(ceac["wtp"].values, dtype=float)
    fig = F.figure(7.5, 3.6)
    ax = fig.subplots()
    handles = []
    for i, o in enumerate(a.options):
        y = np.asarray(ceac.sel(option=o).values, dtype=float)
        h, = ax.plot(wtp, y, lw=2, marker=F.MARKERS[i % len(F.MARKERS)], markevery=max(1, len(wtp) // 8), ms=5,
                     **F.style(i))
        handles.append(h)
    if np.isfinite(wtp_ref):
        ax.axvline(wtp_ref, color="#666666", lw=1, ls=":")
        ax.text(wtp_ref, 1.02, f" {money(wtp_ref)} per WELLBY (Green Book)", fontsize=8, va="bottom", color="#444")
    ax.set_ylim(-0.02, 1.1)
    ax.set_xlabel("willingness to pay for one WELLBY (GBP)", fontsize=9)
    ax.set_ylabel("probability of the highest net benefit", fontsize=9)
    F.axis_format(ax, "GBP", axis="x")
    ax.grid(alpha=0.3)
    F.legend(fig, handles, list(a.options))
    return F.png(fig, "Cost-effectiveness acceptability curves: for each willingness to pay for a WELLBY, the "
                      "probability that each option (" + ", ".join(a.options) + ") has the highest net benefit")


def _tornado_figure(a, options: list[str]) -> str:
    t = a.tornado
    params = [str(p) for p in t["parameter"].values]
    labels = [str(x) for x in t["label"].values] if "label" in t.coords else params
    options = [o for o in options if o in [str(x) for x in t["option"].values]]
    swing = np.nanmax(np.abs(t["high"].sel(option=options).values - t["low"].sel(option=options).values), axis=1)
    order = np.argsort(swing)  # widest at the top (barh draws from the bottom)
    fig = F.figure(max(7.5, 4.2 * len(options)), 1.0 + 0.45 * len(params))
    # One set of parameter labels, on the first panel: the panels share the rows.
    axes = fig.subplots(1, len(options), squeeze=False, sharey=True)[0]
    for ax, o in zip(axes, options):
        i = a.options.index(o)
        centre = _estimate(a, "net_benefit_gbp", o)[0]
        lo = t["low"].sel(option=o).values[order]
        hi = t["high"].sel(option=o).values[order]
        ys = np.arange(len(params))
        ax.barh(ys, hi - centre, left=centre, color=F.COLOURS[i % len(F.COLOURS)], alpha=0.9,
                label="parameter in its highest third")
        ax.barh(ys, lo - centre, left=centre, color="#bbbbbb", edgecolor=F.COLOURS[i % len(F.COLOURS)],
                hatch="//", label="parameter in its lowest third")
        ax.axvline(centre, color="#1a1a1a", lw=1)
        ax.axvline(0, color="#666666", lw=0.8, ls=":")
        if ax is axes[0]:
            ax.set_yticks(ys, [labels[k] for k in order], fontsize=8)
        else:
            ax.tick_params(axis="y", left=False, labelleft=False)
        F.axis_format(ax, "GBP", axis="x")
        ax.tick_params(axis="x", labelsize=8)
        ax.set_xlabel("net benefit against the baseline (GBP)", fontsize=8)
        F.title(ax, f"{o}", 40)
        ax.grid(axis="x", alpha=0.3)
    axes[0].legend(fontsize=7, loc="lower right")
    return F.png(fig, "Tornado: net benefit against the baseline of " + ", ".join(options) + " when each uncertain "
                      "parameter is in its lowest and in its highest third of draws, widest range at the top")


def _quintile_figure(a) -> str:
    """Lonely person-years avoided and net benefit by quintile, per option; a panel with nothing to
    draw (no value recorded by quintile, or none different from zero) is left out, and the figure
    with it when neither has anything."""
    others = [o for o in a.options if o != a.baseline]
    panels = []
    for var, title, unit in (("lonely_years_avoided_pv", "Lonely person-years avoided (discounted)", ""),
                             ("net_benefit_gbp", "Net benefit against the baseline", "GBP")):
        means = np.array([[_estimate(a, var, o, q)[0] for q in QUINTILES] for o in others])
        if np.isfinite(means).any() and np.nanmax(np.abs(means)) > 0:
            panels.append((var, title, unit))
    if not panels:
        return ("<p class='note'>Nothing differs from the baseline by quintile yet (or the model records no "
                "value by quintile), so there is no figure.</p>")
    fig = F.figure(5.5 * len(panels) + 0.5, 3.8)
    axes = fig.subplots(1, len(panels), squeeze=False)[0]
    xs = np.arange(len(QUINTILES))
    width = 0.8 / max(1, len(others))
    handles = []
    for ax, (var, title, unit) in zip(axes, panels):
        for k, o in enumerate(others):
            i = a.options.index(o)
            vals = np.array([_estimate(a, var, o, q)[:3] for q in QUINTILES])
            m, lo, hi = vals[:, 0], vals[:, 1], vals[:, 2]
            yerr = np.vstack([np.clip(m - lo, 0, None), np.clip(hi - m, 0, None)])
            h = ax.bar(xs + (k - (len(others) - 1) / 2) * width, m, width, yerr=yerr, capsize=2,
                       color=F.COLOURS[i % len(F.COLOURS)], ecolor="#444444", edgecolor="white")
            if ax is axes[0]:
                handles.append(h)
        ax.axhline(0, color="#1a1a1a", lw=0.8)
        ax.set_xticks(xs, [QUINTILE_LABELS[q] for q in QUINTILES], fontsize=7)
        F.title(ax, title, 50)
        F.axis_format(ax, unit)
        ax.tick_params(axis="y", labelsize=8)
        ax.grid(axis="y", alpha=0.3)
    F.legend(fig, handles, others)
    return F.png(fig, "By deprivation quintile: " + " and ".join(t.lower() for _, t, _ in panels)
                 + " for " + ", ".join(others) + ", with 95% intervals")


# -- sections ---------------------------------------------------------------------------------------
def _options_table(a, wtp_ref: float) -> str:
    """One row per option: what it costs (present value, by intervention) and what it buys."""
    per = a.per_draw
    inc = a.incremental
    parts = [v for v in INTERVENTIONS if v in per.data_vars
             and np.nanmax(np.abs(per[v].sel(group="all").values), initial=0) > 0]
    head = ["Option", "Cost (present value)"] + ["of which " + _label(a, v).replace(" (present value)", "")
                                                 .replace("cost of ", "") for v in parts]
    has_savings = "savings_pv" in per.data_vars and np.nanmax(np.abs(per["savings_pv"].values), initial=0) > 0
    if has_savings:
        head.append("Savings realised (present value)")
    # The value of service outcomes (jobs found) apart from the value of WELLBYs, where the
    # appraisal values them (appraisals written before it did have no such variable).
    valued = [v for v in ("wellby_value_gbp", "outcome_value_gbp") if v in per.data_vars]
    head2 = ["Option"] + [_heading(a, v, f) for v, f in (
        ("incremental_cost_gbp", "incremental net cost vs baseline"),
        ("lonely_years_avoided_pv", "lonely person-years avoided (discounted)"),
        ("wellbys_gained", "WELLBYs gained"), ("net_benefit_gbp", "net benefit vs baseline"),
        *((v, v) for v in valued))] + ["Cost per WELLBY"]
    if a.uncertain:
        head2.append(f"Probability best (at {money(wtp_ref)} per WELLBY)")
    rows, rows2 = [], []
    for o in a.options:
        cost = _summary(_runs(a, "cost_pv")[a.options.index(o)], a.uncertain)
        name = f"<strong>{esc(o)}</strong>{' (baseline)' if o == a.baseline else ''}"
        row = [name, _money_cell(*cost)]
        for v in parts:
            row.append(_money_cell(float(per[v].sel(option=o, group="all").mean()), math.nan, math.nan))
        if has_savings:
            row.append(_money_cell(*_summary(_runs(a, "savings_pv")[a.options.index(o)], a.uncertain)))
        rows.append(row)
        row = [name]
        if o == a.baseline:
            row += ["<td>(the comparator)</td>"] * (5 + len(valued))
        else:
            row.append(_money_cell(*_estimate(a, "incremental_cost_gbp", o)[:3], sign=True))
            row.append(_count_cell(*_estimate(a, "lonely_years_avoided_pv", o)[:3]))
            row.append(_count_cell(*_estimate(a, "wellbys_gained", o)[:3]))
            row.append(_money_cell(*_estimate(a, "net_benefit_gbp", o)[:3], sign=True))
            for v in valued:  # what the net benefit is made of, besides the cost
                row.append(_money_cell(*_estimate(a, v, o)[:3], sign=True))
            icer = _stat(inc, "icer", o)[0]
            dc, de = _stat(inc, "d_cost", o)[0], _stat(inc, "d_effect", o)[0]
            if not np.isfinite(icer):
                cell = "undefined (no difference in effect)"
            elif dc <= 0 and de > 0:
                cell = "saves money and gains (dominant)"
            elif de < 0:
                cell = "fewer WELLBYs than the baseline"
            else:
                cell = f"{money(icer)} per WELLBY"
            row.append(f"<td class='num'>{cell}</td>")
        if a.uncertain:
            row.append(f"<td class='num'>{fmt.percent(float(a.prob_best.sel(option=o)))}</td>")
        rows2.append(row)
    return ("<h4>What each option costs, in present value</h4>" + table(head, rows, "costs options")
            + "<h4>What it buys, against the baseline</h4>" + table(head2, rows2, "costs buys"))


def _pair_section(a, first: str, second: str) -> str:
    """The headline difference between two options, with intervals over draws x replicates."""
    i, j = a.options.index(first), a.options.index(second)
    rows = []
    values = {}
    for var, what, kind in (("net_cost_pv", "net cost (present value)", "money"),
                            ("lonely_years_avoided_pv", "lonely person-years avoided (discounted)", "count"),
                            ("wellbys_gained", "WELLBYs gained", "count"),
                            ("wellby_value_gbp", "value of WELLBYs gained", "money"),
                            ("outcome_value_gbp", "value of service outcomes gained", "money"),
                            ("net_benefit_gbp", "net benefit against the baseline", "money")):
        what = _heading(a, var, what)
        x = _runs(a, var)
        if x is None:
            continue
        d = x[i] - x[j]
        m, lo, hi = _summary(d, a.uncertain)
        values[var] = (m, lo, hi)
        flat = no_spread(d)
        cell = _money_cell(m, lo, hi, sign=True) if kind == "money" else _count_cell(m, lo, hi, sign=True)
        clear = np.isfinite(lo) and (lo > 0 or hi < 0) and not flat
        verdict = ("the same in every run" if flat else
                   (f"{esc(first)} higher" if m > 0 else f"{esc(second)} higher") + (", clearly" if clear else
                                                                                   " (the interval includes zero)"))
        rows.append([esc(what), cell, f"<td>{verdict}</td>"])
    out = [f"<p class='big'><strong>{esc(first)}</strong> minus <strong>{esc(second)}</strong>, each run paired "
           "with the other option's run under the same parameter draw and seed (common random numbers). "
           f"{_interval_words(a)}.</p>",
           table(["Difference", f"{first} minus {second} [95% interval]", "Reading"], rows, "costs pair")]
    if a.uncertain and "net_benefit_gbp" in values and getattr(a, "per_draw", None) is not None:
        pd_ = a.per_draw["net_benefit_gbp"].sel(group="all")
        share = float(np.mean(pd_.sel(option=first).values > pd_.sel(option=second).values))
        out.append(f"<p>{esc(first)} has the higher net benefit in {fmt.percent(share)} of the "
                   f"{a.draws} parameter draws.</p>")
    return "\n".join(out)


def _headline_sentences(a, wtp_ref: float, years: float) -> str:
    items = []
    for o in a.options:
        if o == a.baseline:
            continue
        dc, lo_c, hi_c, _ = _estimate(a, "incremental_cost_gbp", o)
        ly, lo_l, hi_l, _ = _estimate(a, "lonely_years_avoided_pv", o)
        nb, lo_n, hi_n, _ = _estimate(a, "net_benefit_gbp", o)
        items.append(f"<li><strong>{esc(o)}</strong>: {money(dc, 'GBP', sign=True)} net cost against "
                     f"{esc(a.baseline)} [{_range(dc, lo_c, hi_c, 'money')}], "
                     f"{fmt.difference(ly, 'count', lo_l, hi_l).lstrip('+')} lonely person-years avoided "
                     f"[{_range(ly, lo_l, hi_l, 'count', sign=False)}], net benefit "
                     f"{money(nb, 'GBP', sign=True)} [{_range(nb, lo_n, hi_n, 'money')}]"
                     + (f"; best in {fmt.percent(float(a.prob_best.sel(option=o)))} of draws" if a.uncertain else "")
                     + ".</li>")
    best = ""
    if a.uncertain and a.prob_best is not None:
        pb = {str(o): float(a.prob_best.sel(option=o)) for o in a.options}
        top = max(pb, key=pb.get)
        best = (f"<p class='big'>At the Green Book value of {money(wtp_ref)} per WELLBY, "
                f"<strong>{esc(top)}</strong> has the highest net benefit in {fmt.percent(pb[top])} of the "
                f"{a.draws} parameter draws.</p>")
    return (f"<p>Over {_horizon(a)} for {a.population:,} residents, in present value, against "
            f"<strong>{esc(a.baseline)}</strong> ({_interval_words(a)}):</p><ul>" + "".join(items) + "</ul>" + best)


def _tornado_section(a) -> str:
    t = a.tornado
    others = [o for o in a.options if o != a.baseline]
    params = [str(p) for p in t["parameter"].values]
    labels = [str(x) for x in t["label"].values] if "label" in t.coords else params
    sources = [str(x) for x in t["source"].values] if "source" in t.coords else [""] * len(params)
    swing = np.nanmax(np.abs(t["high"].values - t["low"].values), axis=1)
    order = np.argsort(-swing)
    rows = []
    for k in order:
        cells = [f"{esc(labels[k])}<br><code>{esc(params[k])}</code>"]
        for o in others:
            if o not in [str(x) for x in t["option"].values]:
                cells.append("n/a")
                continue
            lo, hi = float(t["low"].sel(parameter=params[k], option=o)), float(t["high"].sel(parameter=params[k], option=o))
            cells.append(f"{money(lo, 'GBP', True)} to {money(hi, 'GBP', True)}")
        cells.append(esc(sources[k]))
        rows.append(cells)
    top = [labels[k] for k in order[:3]]
    return ("<p>Each uncertain parameter in turn: the mean net benefit against the baseline in the draws where "
            "it lies in its lowest third and in its highest third (the other parameters vary as drawn). The "
            "wider the bar, the more the answer hangs on that parameter. Here the answer hangs most on: "
            + ", ".join(f"<strong>{esc(x)}</strong>" for x in top) + ".</p>"
            + _tornado_figure(a, others)
            + table(["Parameter"] + [f"{o}: net benefit, lowest to highest third" for o in others] + ["Source"],
                    rows, "costs"))


def _quintile_section(a) -> str:
    others = [o for o in a.options if o != a.baseline]
    rows = []
    for o in others:
        for q in QUINTILES:
            rows.append([f"{esc(o)}" if q == "q1" else "", esc(QUINTILE_LABELS[q]),
                         _money_cell(*_estimate(a, "incremental_cost_gbp", o, q)[:3], sign=True),
                         _count_cell(*_estimate(a, "lonely_years_avoided_pv", o, q)[:3]),
                         _money_cell(*_estimate(a, "net_benefit_gbp", o, q)[:3], sign=True)])
    out = ["<p>Neighbourhoods grouped into five deprivation quintiles (Q1 the most deprived). Spending by "
           "quintile is where the money is spent; savings are not split by quintile.</p>",
           _quintile_figure(a),
           table(["Option", "Quintile", "Extra cost vs baseline", "Lonely person-years avoided",
                  "Net benefit vs baseline"], rows, "costs")]
    if getattr(a, "equity_weighted", None) is not None:
        weights = getattr(a, "equity_weights", None)
        stats_ = getattr(a, "equity_weighted_stats", None)
        erows = []
        for o in others:
            m = float(a.equity_weighted.sel(option=o))
            if stats_ is not None:
                _, lo, hi = (float(stats_.sel(option=o, stat=s)) for s in ("mean", "p2_5", "p97_5"))
            else:
                lo = hi = math.nan
            if not a.uncertain:
                lo = hi = math.nan  # percentiles over a few replicates are no interval: the mean alone
            erows.append([esc(o), _money_cell(*_estimate(a, "net_benefit_gbp", o)[:3], sign=True),
                          _money_cell(m, lo, hi, sign=True)])
        wtext = ""
        if weights is not None:
            wtext = ("Weights by quintile: " + ", ".join(f"{QUINTILE_LABELS[str(q)]} {float(weights.sel(group=q)):.2f}"
                                                          for q in weights["group"].values) + ". ")
        out.append("<h3>Equity-weighted net benefit (Green Book Annex A3)</h3>"
                   f"<p>The value of the WELLBYs gained in each quintile is weighted by the Green Book's "
                   f"distributional weight (poorer areas count more); the cost is borne by taxpayers at average "
                   f"income (weight 1). {wtext}</p>"
                   + table(["Option", "Net benefit (unweighted)", "Equity-weighted net benefit"], erows, "costs"))
    return "\n".join(out)


def _horizon(a) -> str:
    """"10 years", "60 weeks": the horizon in words."""
    w = int(a.horizon_weeks)
    if w and w % fmt.WEEKS_PER_YEAR == 0:
        y = w // fmt.WEEKS_PER_YEAR
        return f"{y} year{'s' if y != 1 else ''}"
    return f"{w} week{'s' if w != 1 else ''}"


def _cumulative(m: Indicator) -> bool:
    text = (m.label + " " + m.description + " " + m.name).lower()
    return any(w in text for w in ("to date", "to_date", "since", "cumulative", "so far"))


def _horizon_table(a, meta: dict[str, Indicator]) -> str:
    """Every recorded indicator for everyone at the horizon: the baseline's level, and each
    option's level with its difference from the baseline run by run [95% interval]. A difference
    is marked clear (bold, *) only when its interval excludes zero and has a width; counts to date
    are also given per 1,000 residents."""
    s = a.series
    rows = []
    base = a.options.index(a.baseline)
    for name in [str(n) for n in s.data_vars]:
        da = s[name].sel(group="all") if "group" in s[name].dims else s[name]
        da = da.isel(time=-1).transpose("option", ...)
        x = np.asarray(da.values, dtype=float).reshape(len(a.options), -1)
        m = meta.get(name, Indicator(name, name))
        unit = m.unit
        rate = fmt.kind(unit) == "count" and _cumulative(m)
        row = [f"{esc(m.label)} <code>{esc(name)}</code>"]
        for k, o in enumerate(a.options):
            level = _summary(x[k], a.uncertain)[0]
            text = f"<span class='val'>{fmt.value(level, unit)}</span>"
            if rate:
                text += f" <small class='rate'>({fmt.per_thousand(level, a.population)})</small>"
            if k != base:
                d = x[k] - x[base]
                dm, lo, hi = _summary(d, a.uncertain)
                if not np.isfinite(dm):
                    text += "<br>n/a"
                elif no_spread(d):
                    text += (f"<br>{'0' + fmt.diff_unit(unit) if dm == 0 else fmt.difference(dm, unit)} "
                             f"<span class='ci'>[the same in every run: no interval]</span>")
                elif np.isfinite(lo):
                    diff = (f"{fmt.difference(dm, unit, lo, hi)} <span class='ci'>"
                            f"[{fmt.interval_text(lo, hi, unit, dm)}]</span>")
                    text += (f"<br><strong>{diff}</strong> <span title='the 95% interval excludes zero'>*</span>"
                             if lo > 0 or hi < 0 else f"<br>{diff}")
                else:
                    text += f"<br>{fmt.difference(dm, unit)} <span class='ci'>[no interval: one run]</span>"
            row.append(f"<td>{text}</td>")
        rows.append(row)
    head = ["Indicator (everyone)", f"{a.baseline} (baseline)"] + [
        f"{o}: level; difference from {a.baseline} [95% interval]" for o in a.options if o != a.baseline]
    order = [base] + [k for k in range(len(a.options)) if k != base]
    rows = [[r[0]] + [r[1 + k] for k in order] for r in rows]
    return (f"<p>At {_horizon(a)}, for everyone. Each difference is the option "
            f"minus {esc(a.baseline)} in the same run (same draw and seed); {_interval_words(a)}. A difference "
            "whose interval excludes zero is bold with an asterisk (*). Shares are in percent and their "
            "differences in percentage points (pp).</p>" + table(head, rows, "diff"))


def _series_section(a, meta: dict[str, Indicator]) -> list[str]:
    s = a.series
    time = np.asarray(s["time"].values)
    by_cat: dict[str, list[str]] = {}
    for name in [str(n) for n in s.data_vars]:
        by_cat.setdefault(meta.get(name, Indicator(name, name)).category or "Indicators", []).append(name)
    out = [f"<p>Everyone. Lines are the mean over runs; bands are "
           + ("the 2.5th to 97.5th percentiles over draws &times; replicates" if a.uncertain
              else "95% intervals for the mean over replicates") + "; a band of a quantity that cannot be "
           "negative stops at zero.</p>"]
    for cat, names in by_cat.items():
        panels = []
        for name in names:
            m = meta.get(name, Indicator(name, name))
            da = s[name].sel(group="all") if "group" in s[name].dims else s[name]
            da = da.transpose("option", ..., "time")
            v = np.asarray(da.values, dtype=float).reshape(len(a.options), -1, time.size)
            sc = 100.0 if fmt.kind(m.unit) == "share" else 1.0
            panels.append({"title": m.label + (" (%)" if sc == 100 else ""), "unit": m.unit, "values": v * sc,
                           "nonnegative": fmt.kind(m.unit) in ("share", "score", "money")
                           or bool(np.nanmin(v, initial=0) >= 0)})
        heading = cat[:1].upper() + cat[1:]
        out.append(f"<h3>{esc(heading)}</h3>")
        out.append(F.time_series(time, panels, list(a.options), heading, percentiles=a.uncertain,
                                 runs_per_option=panels[0]["values"].shape[1]))
    return out


def _appraised_what(a) -> str:
    years = a.horizon_weeks / fmt.WEEKS_PER_YEAR
    rows = []
    for o in a.options:
        desc = fmt.description_for(str(a.descriptions.get(o, "")), a.population)
        rows.append([f"{esc(o)}{' (baseline)' if o == a.baseline else ''}", esc(desc) or "<em>no description</em>"])
    out = [table(["Option", "What it is (scenario description, for this run's population)"], rows)]
    if any(fmt.stated_populations(str(d)) - {a.population} for d in a.descriptions.values()):
        out.append("<p class='note'>The scenario files describe the borough at another size than this appraisal; "
                   f"the descriptions above give its population, {a.population:,} residents. A count stated "
                   "&ldquo;at N residents&rdquo; is how that quantity scales with the population.</p>")
    pairs = [("Residents", f"{a.population:,}"),
             ("Horizon (policy time)", f"{a.horizon_weeks} weeks ({_horizon(a)}); costs and outcomes are "
                                       "discounted to policy time 0"),
             ("Runs", f"{len(a.options)} options &times; {a.draws} parameter draw{'s' if a.draws != 1 else ''} "
                      f"&times; {a.replicates} replicate{'s' if a.replicates != 1 else ''}; every option runs under "
                      "the same draws and seeds (common random numbers)"),
             ("Master seed", esc(a.seed)),
             ("Reproduce exactly", f"<code class='reproduce'>{esc(_command(a))}</code>")]
    out.append(settings_table(pairs))
    params = getattr(a, "parameters", None)
    if a.uncertain and params is not None and params.sizes.get("parameter", 0):
        vals = params["values"].transpose("draw", "parameter").values
        prow = []
        for k, p in enumerate([str(x) for x in params["parameter"].values]):
            lab = str(params["label"].values[k]) if "label" in params.coords else p
            src = str(params["source"].values[k]) if "source" in params.coords else ""
            dist = str(params["distribution"].values[k]) if "distribution" in params.coords else ""
            prow.append([f"{esc(lab)}<br><code>{esc(p)}</code>", esc(dist),
                         f"{num(np.min(vals[:, k]))} to {num(np.max(vals[:, k]))}", esc(src)])
        out.append("<h3>Uncertain parameters</h3>" + table(["Parameter", "Distribution", "Range drawn", "Source"],
                                                          prow))
    settings = getattr(a, "settings", None)
    if isinstance(settings, dict) and "valuation" in settings:
        vrow = [[esc(v.get("label", k)), f"{num(v.get('default', math.nan))} {esc(v.get('unit', ''))}",
                 f"{num(v.get('min', math.nan))} to {num(v.get('max', math.nan))}", esc(v.get("source", ""))]
                for k, v in settings["valuation"].items()]
        out.append("<h3>What outcomes are worth</h3>"
                   + table(["Valuation", "Value used (default)", "Range", "Source"], vrow))
    return "\n".join(out)


def _reading(a) -> str:
    return ("<ul><li><strong>Present value</strong>: a cost or outcome in year t counts 1/(1+r)<sup>t</sup> of "
            "one today (Green Book: r = 3.5% a year for money, 1.5% for health outcomes), so options that spend "
            "at different times are compared fairly.</li>"
            "<li><strong>Net benefit</strong> against the baseline is the value of the WELLBYs gained minus the "
            "extra net cost (cost minus any savings realised). <strong>Cost per WELLBY</strong> (the ICER) is the "
            "mean extra cost over the mean WELLBYs gained; it is undefined when the option gains nothing.</li>"
            f"<li><strong>Intervals</strong>: {_interval_words(a)}. An interval that includes zero means the "
            "direction of the difference is not settled. Replicates that all agree give no spread, which is no "
            "evidence of a clear difference, and the page says so instead of marking it.</li>"
            + ("<li><strong>Probability best</strong>: the share of parameter draws in which the option has the "
               "highest net benefit. The <strong>acceptability curve</strong> repeats this for each willingness to "
               "pay for a WELLBY. The <strong>tornado</strong> shows the parameters that move the net benefit "
               "most.</li>" if a.uncertain else
               "<li>No parameter was drawn (a plain comparison), so there is no probability of being best, no "
               "acceptability curve and no tornado: run <code>socius appraise ... --draws D</code> for them.</li>")
            + "<li>Counts &ldquo;to date&rdquo; are totals since the start of policy time, also given per 1,000 "
              "residents. Shares are in percent.</li>"
              "<li>These are results of a simulation model, not forecasts.</li></ul>")


# -- the page -------------------------------------------------------------------------------------
def page(a) -> str:
    """The appraisal page (HTML) of an ``Appraisal``."""
    meta = _meta(a)
    years = a.horizon_weeks / fmt.WEEKS_PER_YEAR
    wtp_ref = _reference_wtp(a)
    model = (getattr(a, "attrs", {}) or {}).get("model", "")
    kind_ = "Appraisal" if a.uncertain else "Comparison"
    title = f"{kind_}: " + ", ".join(a.options)
    lead = (f"{len(a.options)} options{f' of the <code>{esc(model)}</code> model' if model else ''} for a borough "
            f"of {a.population:,} residents over {_horizon(a)}, each against <strong>{esc(a.baseline)}</strong>"
            + (f", under {a.draws} draws of the uncertain parameters &times; {a.replicates} replicates"
               if a.uncertain else f", {a.replicates} replicates each (no uncertain parameters: chance only)")
            + ". The answer first; what was appraised next; the detail below, folded.")
    p = Page(title, lead)
    appraised = getattr(a, "per_draw", None) is not None and getattr(a, "incremental", None) is not None
    if not appraised:
        missing = ", ".join(getattr(a, "missing", []) or ["cost_pv", "lonely_years_pv"])
        p.section("headline", "The answer in brief",
                  f"<p>The model records no {esc(missing)}, so there is nothing to appraise in money: the "
                  "comparison is the indicators themselves.</p>" + _horizon_table(a, meta), headline=True)
    else:
        body = [_headline_sentences(a, wtp_ref, years),
                "<h3>What the options are and what they buy</h3>",
                "<p>Costs in present value by intervention; outcomes against the baseline "
                f"({_interval_words(a)}).</p>",
                _options_table(a, wtp_ref)]
        first, second = headline_pair(a.options, a.baseline, getattr(a, "prob_best", None) if a.uncertain else None)
        body.append(f"<h3 id='pair'>{esc(first)} against {esc(second)}</h3>")
        body.append(_pair_section(a, first, second))
        p.section("headline", "The answer in brief", body, headline=True)
        if a.uncertain and getattr(a, "ceac", None) is not None:
            p.section("best", "Which option is best, and how sure",
                      [f"<p>The probability each option has the highest net benefit, for each value a commission "
                       f"puts on a WELLBY (at the Green Book's {money(wtp_ref)}: "
                       + ", ".join(f"{esc(o)} {fmt.percent(float(a.prob_best.sel(option=o)))}" for o in a.options)
                       + ").</p>", _ceac_figure(a, wtp_ref)])
        tornado = getattr(a, "tornado", None)
        if a.uncertain and tornado is not None and tornado.sizes.get("parameter", 0) and "low" in tornado:
            p.section("tornado", "The parameters the answer hangs on", _tornado_section(a))
    p.section("appraised", "What was appraised", _appraised_what(a))
    if appraised and getattr(a, "by_group", None) is not None:
        p.section("quintile", "By deprivation quintile, and the equity-weighted total", _quintile_section(a),
                  folded=True)
    if appraised:
        p.section("horizon", f"Every indicator at {_horizon(a)}", _horizon_table(a, meta), folded=True)
    p.section("time", "Indicators over time", _series_section(a, meta), folded=True)
    p.section("reading", "How to read this page", _reading(a), folded=True)
    p.section("provenance", "Versions",
              settings_table([("Appraisal file", f"<code>{esc(getattr(a, 'path', '') or '(in memory)')}</code>"),
                              ("Command", f"<code>{esc(_command(a))}</code>"),
                              ("Report written", datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))]
                             + [(esc(k), esc(v)) for k, v in sorted((getattr(a, "attrs", {}) or {}).items())
                                if k in ("engine_version", "git_revision", "python_version", "created", "model")]),
              folded=True)
    return p.render()
