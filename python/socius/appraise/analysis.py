"""From the recorded indicators of every (option, draw, replicate) to the appraisal: discounted
costs and outcomes, what they are worth, increments against the baseline and between options,
the probability each option is best, acceptability curves, the tornado and the equity-weighted
total.

Definitions (docs/appraisal.md says the same for a reader):

* Every quantity is the value of a cumulative indicator at the horizon (all are cumulative since
  policy time 0, the base year): ``cost_pv``, ``savings_pv``, ``lonely_years_pv``, the service
  ``*_pv`` counts.
* Net cost = ``cost_pv - savings_pv`` (savings a reorganisation realised, in present value).
* Lonely person-years avoided = baseline's ``lonely_years_pv`` minus the option's, in the same
  draw and replicate (common random numbers: the same parameters and seed).
* WELLBYs gained = lonely person-years avoided x ``wellby_per_lonely_year``; their value x
  ``wellby_value``; the DCMS value of the same avoided years x ``loneliness_value``.
* Value of service outcomes = for each outcome with a sourced value per unit
  (``settings.OUTCOME_VALUES``: jobs found), the discounted count gained against the baseline x
  that value (``job_found_value``); shown apart from the WELLBY value. Outcomes without one
  (``settings.UNVALUED_OUTCOMES``) stay counts.
* Net benefit (against the baseline) = WELLBY value + value of service outcomes - incremental net
  cost. The baseline's is 0.
* ICER = incremental net cost / WELLBYs gained, in GBP per WELLBY (and per lonely person-year
  avoided); undefined (NaN) when the difference in effect is zero.
* Probability best: the share of parameter draws in which the option's net benefit (each run
  averaged over its replicates) is the highest; tied options share the draw equally.
* Acceptability curve: the same with the WELLBY valued at each willingness to pay in turn (the
  service outcomes at their drawn values).
* Equity-weighted net benefit: sum over deprivation quintiles of the Green Book weight times the
  value of the WELLBYs and service outcomes gained in that quintile, minus the net cost at weight 1 (costs fall on
  taxpayers at average income, Green Book Annex A3.19-21).
"""

from __future__ import annotations

import numpy as np

from .._lazy import lazy
from .settings import OUTCOME_VALUES, QUINTILE_GROUPS, VALUATION, WTP_GRID, equity_weights

__all__ = ["REQUIRED", "SERVICE_OUTCOMES", "analyse", "stats_over", "prob_best"]

xr = lazy("xarray")  # imported when first used (socius._lazy): a run needs no xarray

# Indicators an appraisal needs from the model (contract with the cost model, docs/model.md).
REQUIRED = ("cost_pv", "lonely_years_pv")
OPTIONAL = ("savings_pv", "lonely_years", "cost_hubs_pv", "cost_befriending_pv", "cost_relational_practice_pv",
            "cost_collaboration_pv", "cost_reorganisation_pv")
SERVICE_OUTCOMES = ("jobs_found_pv", "cases_resolved_pv", "attainment_pv", "behaviour_change_pv")
GROUPS = ("all", *QUINTILE_GROUPS.values())
STATS = ("mean", "p2_5", "p97_5")


def _final(series: xr.DataArray, name: str) -> xr.DataArray:
    """The value at the horizon of a cumulative indicator, with groups renamed all, q1..q5."""
    da = series.sel(indicator=name, drop=True).isel(time=-1, drop=True)
    keep = [g for g in da["group"].values if str(g) == "all" or str(g) in QUINTILE_GROUPS]
    da = da.sel(group=keep)
    return da.assign_coords(group=[QUINTILE_GROUPS.get(str(g), str(g)) for g in da["group"].values])


def stats_over(values: xr.DataArray, dims) -> xr.DataArray:
    """Mean and 2.5/97.5 percentiles over ``dims`` (NaN ignored; NaN when all are NaN)."""
    stacked = values.stack(_sample=dims)
    arr = stacked.values
    with np.errstate(all="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            out = np.stack([np.nanmean(arr, axis=-1), np.nanpercentile(arr, 2.5, axis=-1),
                            np.nanpercentile(arr, 97.5, axis=-1)], axis=-1)
    other = [d for d in stacked.dims if d != "_sample"]
    return xr.DataArray(out, dims=(*other, "stat"), coords={**{d: stacked[d].values for d in other},
                                                              "stat": list(STATS)})


def prob_best(net_benefit: np.ndarray) -> np.ndarray:
    """Share of samples (last axis) in which each option (first axis) has the highest net
    benefit; options tied for the highest share the sample equally. NaN samples are skipped."""
    nb = np.asarray(net_benefit, dtype=float)
    ok = np.isfinite(nb).all(axis=0)
    nb = nb[:, ok]
    if nb.shape[1] == 0:
        return np.full(nb.shape[0], np.nan)
    best = nb.max(axis=0, keepdims=True)
    # ties within a relative 1e-12 (identical options give identical sums; rounding aside)
    tie = np.isclose(nb, best, rtol=1e-12, atol=1e-9)
    return (tie / tie.sum(axis=0, keepdims=True)).mean(axis=1)


def _attrs(label: str, unit: str, better: int, description: str) -> dict:
    return {"long_name": label, "units": unit, "better": better, "description": description}


def analyse(series: xr.DataArray, valuation: dict[str, np.ndarray], parameters: xr.Dataset | None,
            baseline: str) -> dict:
    """The appraisal of a set of runs.

    Parameters
    ----------
    series : DataArray (option, draw, replicate, time, group, indicator)
        The recorded indicators of every run.
    valuation : dict of str to array (draw)
        Each valuation parameter's value in each draw (the default when not drawn).
    parameters : Dataset (draw, parameter) or None
        The uncertain parameters' values per draw (``values``; ``label``, ``source`` coords), for
        the tornado; None or empty when nothing is uncertain.
    baseline : str
        The comparator option.

    Returns
    -------
    dict with ``per_draw``, ``per_run``, ``incremental``, ``pairwise``, ``by_group``, ``prob_best``,
    ``ceac``, ``tornado``, ``equity_weighted`` (empty Datasets when the model records no costs).
    """
    have = set(map(str, series["indicator"].values))
    missing = [n for n in REQUIRED if n not in have]
    if missing:
        return {"missing": missing}
    options = list(map(str, series["option"].values))
    draws = series.sizes["draw"]
    v = {k: xr.DataArray(np.asarray(valuation.get(k, np.full(draws, VALUATION[k].default)), dtype=float),
                         dims="draw", coords={"draw": series["draw"].values}) for k in VALUATION}

    cost = _final(series, "cost_pv")
    savings = _final(series, "savings_pv") if "savings_pv" in have else xr.zeros_like(cost)
    # Savings are realised by the services, not by neighbourhood: a quintile's net cost is its cost.
    savings = savings.where(savings["group"] == "all", 0.0).fillna(0.0)
    net_cost = cost - savings
    lonely = _final(series, "lonely_years_pv")
    base = dict(option=baseline)
    avoided = lonely.sel(base, drop=True) - lonely
    wellbys = avoided * v["wellby_per_lonely_year"]
    wellby_value = wellbys * v["wellby_value"]
    loneliness_value = avoided * v["loneliness_value"]
    d_cost = net_cost - net_cost.sel(base, drop=True)
    # Service outcomes with a sourced value per unit: count gained x value (settings.OUTCOME_VALUES).
    outcome_values = {}
    for name, key in OUTCOME_VALUES.items():
        if name in have:
            count = _final(series, name)
            outcome_values[name] = (count - count.sel(base, drop=True)) * v[key]
    outcome_value = sum(outcome_values.values()) if outcome_values else xr.zeros_like(wellby_value)
    net_benefit = wellby_value + outcome_value - d_cost

    run = xr.Dataset({
        "cost_pv": cost.assign_attrs(_attrs("cost (present value)", "GBP", -1,
                                            "spending to the horizon, discounted at the Green Book rate")),
        "savings_pv": savings.assign_attrs(_attrs("savings realised (present value)", "GBP", 1,
                                                  "savings a reorganisation realised, discounted")),
        "net_cost_pv": net_cost.assign_attrs(_attrs("net cost (present value)", "GBP", -1,
                                                    "cost minus savings, present value")),
        "lonely_years_pv": lonely.assign_attrs(_attrs("person-years often or always lonely (discounted)",
                                                      "person-years", -1, "discounted at the health rate")),
        "lonely_years_avoided_pv": avoided.assign_attrs(_attrs(
            "lonely person-years avoided (discounted)", "person-years", 1,
            "the baseline's lonely person-years minus the option's, same draw and seed")),
        "wellbys_gained": wellbys.assign_attrs(_attrs("WELLBYs gained (discounted)", "WELLBY", 1,
                                                      "lonely person-years avoided x WELLBYs per lonely year")),
        "wellby_value_gbp": wellby_value.assign_attrs(_attrs("value of WELLBYs gained", "GBP", 1,
                                                             "WELLBYs gained x the value of a WELLBY")),
        "loneliness_value_gbp": loneliness_value.assign_attrs(_attrs(
            "value of loneliness avoided (DCMS)", "GBP", 1,
            "lonely person-years avoided x the DCMS value of a year of severe loneliness")),
        "incremental_cost_gbp": d_cost.assign_attrs(_attrs("incremental net cost vs baseline", "GBP", -1,
                                                           "net cost minus the baseline's")),
        "outcome_value_gbp": outcome_value.assign_attrs(_attrs(
            "value of service outcomes gained", "GBP", 1,
            "service outcomes gained x their value per unit, where a sourced one exists ("
            + ", ".join(f"{n.removesuffix('_pv')} x {k}" for n, k in OUTCOME_VALUES.items()) + ")")),
        "net_benefit_gbp": net_benefit.assign_attrs(_attrs(
            "net benefit vs baseline", "GBP", 1,
            "value of WELLBYs gained plus value of service outcomes gained minus incremental net cost, "
            "at the drawn values")),
    })
    for name, value in outcome_values.items():
        run[name.removesuffix("_pv") + "_value_gbp"] = value.assign_attrs(_attrs(
            f"value of {name.removesuffix('_pv').replace('_', ' ')} gained", "GBP", 1,
            f"discounted count gained vs baseline x {OUTCOME_VALUES[name]}"))
    for name in (*SERVICE_OUTCOMES, *OPTIONAL[2:]):
        if name in have:
            run[name] = _final(series, name)
    for name in SERVICE_OUTCOMES:
        if name in have:
            gained = run[name] - run[name].sel(base, drop=True)
            run[name.removesuffix("_pv") + "_gained_pv"] = gained.assign_attrs(_attrs(
                f"{name.removesuffix('_pv').replace('_', ' ')} gained vs baseline (discounted)", "count", 1,
                "the option's discounted count minus the baseline's, same draw and seed"))
    run = run.transpose("option", "draw", "replicate", "group")
    per_draw = run.mean("replicate", keep_attrs=True)

    # Increments against the baseline, over draws x replicates (the "all" group).
    allg = run.sel(group="all", drop=True)
    d_eff = allg["wellbys_gained"]
    d_ly = allg["lonely_years_avoided_pv"]
    d_c = allg["incremental_cost_gbp"]
    with np.errstate(divide="ignore", invalid="ignore"):
        icer_run = xr.where(d_eff != 0, d_c / d_eff, np.nan)
        icer_ly_run = xr.where(d_ly != 0, d_c / d_ly, np.nan)
    incremental = xr.Dataset({
        "d_cost": stats_over(d_c, ("draw", "replicate")).assign_attrs(_attrs(
            "incremental net cost", "GBP", -1, "present value, against the baseline")),
        "d_effect": stats_over(d_eff, ("draw", "replicate")).assign_attrs(_attrs(
            "WELLBYs gained", "WELLBY", 1, "against the baseline")),
        "d_lonely_years": stats_over(d_ly, ("draw", "replicate")).assign_attrs(_attrs(
            "lonely person-years avoided", "person-years", 1, "discounted, against the baseline")),
        "d_outcome_value": stats_over(allg["outcome_value_gbp"], ("draw", "replicate")).assign_attrs(_attrs(
            "value of service outcomes gained", "GBP", 1, "against the baseline, where a value per unit exists")),
        "d_net_benefit": stats_over(allg["net_benefit_gbp"], ("draw", "replicate")).assign_attrs(_attrs(
            "net benefit", "GBP", 1, "value of WELLBYs and service outcomes gained minus incremental net cost")),
        "icer": stats_over(icer_run, ("draw", "replicate")).assign_attrs(_attrs(
            "ICER", "GBP per WELLBY", -1,
            "mean: mean incremental cost / mean WELLBYs gained; percentiles over the runs whose "
            "effect differs from the baseline's; NaN when the difference in effect is zero")),
        "icer_lonely_year": stats_over(icer_ly_run, ("draw", "replicate")).assign_attrs(_attrs(
            "cost per lonely person-year avoided", "GBP per person-year", -1,
            "mean: mean incremental cost / mean lonely person-years avoided; NaN when zero")),
    })
    # The ICER's central value is the ratio of the mean increments (not the mean of ratios).
    for name, eff in (("icer", d_eff), ("icer_lonely_year", d_ly)):
        me, mc = eff.mean(("draw", "replicate")), d_c.mean(("draw", "replicate"))
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = xr.where(me != 0, mc / me, np.nan)
        incremental[name].loc[dict(stat="mean")] = ratio.values

    # Between every pair of options (option minus versus), over draws x replicates.
    pair_cost, pair_eff = d_c - d_c.rename(option="versus"), d_eff - d_eff.rename(option="versus")
    with np.errstate(divide="ignore", invalid="ignore"):
        pm_c = pair_cost.mean(("draw", "replicate"))
        pm_e = pair_eff.mean(("draw", "replicate"))
        pair_icer = xr.where(pm_e != 0, pm_c / pm_e, np.nan)
    pairwise = xr.Dataset({
        "d_cost": stats_over(pair_cost, ("draw", "replicate")).assign_attrs(_attrs(
            "incremental net cost (option minus versus)", "GBP", -1, "")),
        "d_effect": stats_over(pair_eff, ("draw", "replicate")).assign_attrs(_attrs(
            "WELLBYs gained (option minus versus)", "WELLBY", 1, "")),
        "icer": pair_icer.assign_attrs(_attrs("ICER (option vs versus)", "GBP per WELLBY", -1,
                                              "ratio of mean increments; NaN when the effects are equal")),
    })

    by_group = xr.Dataset({
        "d_cost": stats_over(run["incremental_cost_gbp"], ("draw", "replicate")),
        "lonely_years_avoided_pv": stats_over(run["lonely_years_avoided_pv"], ("draw", "replicate")),
        "wellby_value_gbp": stats_over(run["wellby_value_gbp"], ("draw", "replicate")),
        "outcome_value_gbp": stats_over(run["outcome_value_gbp"], ("draw", "replicate")),
        "net_benefit_gbp": stats_over(run["net_benefit_gbp"], ("draw", "replicate")),
    })
    for var, src in (("d_cost", "incremental_cost_gbp"), ("lonely_years_avoided_pv", "lonely_years_avoided_pv"),
                     ("wellby_value_gbp", "wellby_value_gbp"), ("outcome_value_gbp", "outcome_value_gbp"),
                     ("net_benefit_gbp", "net_benefit_gbp")):
        by_group[var].attrs = dict(run[src].attrs)

    # Probability best and acceptability curves, over draws (each draw's replicates averaged).
    pd_all = per_draw.sel(group="all", drop=True)
    pb = xr.DataArray(prob_best(pd_all["net_benefit_gbp"].transpose("option", "draw").values),
                      dims="option", coords={"option": options},
                      attrs=_attrs("probability of the highest net benefit", "probability", 1,
                                   "share of parameter draws in which the option's net benefit (at the "
                                   "drawn WELLBY value) is the highest; ties shared"))
    eff = pd_all["wellbys_gained"].transpose("option", "draw").values
    inc = pd_all["incremental_cost_gbp"].transpose("option", "draw").values
    out_v = pd_all["outcome_value_gbp"].transpose("option", "draw").values
    curve = np.stack([prob_best(w * eff + out_v - inc) for w in WTP_GRID], axis=1)
    ceac = xr.DataArray(curve, dims=("option", "wtp"), coords={"option": options, "wtp": WTP_GRID},
                        attrs=_attrs("probability cost-effective (highest net benefit)", "probability", 1,
                                     "cost-effectiveness acceptability curve over willingness to pay "
                                     "for a WELLBY (GBP per WELLBY)"))
    ceac["wtp"].attrs.update(long_name="willingness to pay", units="GBP per WELLBY")

    # Equity-weighted net benefit (Green Book Annex A3): quintile benefits weighted, cost at 1.
    weights = equity_weights()
    w = xr.DataArray([weights[q] for q in QUINTILE_GROUPS.values()], dims="group",
                     coords={"group": list(QUINTILE_GROUPS.values())})
    quint = (run["wellby_value_gbp"] + run["outcome_value_gbp"]).sel(group=list(QUINTILE_GROUPS.values()))
    eq_run = (quint * w).sum("group", min_count=1) - allg["incremental_cost_gbp"]
    equity = eq_run.mean(("draw", "replicate")).assign_attrs(_attrs(
        "equity-weighted net benefit", "GBP", 1,
        "sum over deprivation quintiles of the Green Book weight x the value of WELLBYs and service outcomes gained, "
        "minus incremental net cost at weight 1 (Green Book Annex A3)"))
    equity_stats = stats_over(eq_run, ("draw", "replicate"))

    tornado = _tornado(per_draw, parameters, baseline, options)
    return {"per_run": run, "per_draw": per_draw, "incremental": incremental, "pairwise": pairwise,
            "by_group": by_group, "prob_best": pb, "ceac": ceac, "tornado": tornado,
            "equity_weighted": equity, "equity_weighted_stats": equity_stats,
            "equity_weights": w.assign_attrs(long_name="Green Book distributional weight", units="1")}


def _tornado(per_draw: xr.Dataset, parameters: xr.Dataset | None, baseline: str, options: list[str]) -> xr.Dataset:
    """For each uncertain parameter and each option: the mean net benefit against the baseline in
    the draws where the parameter is in its lowest third and in its highest third (a one-at-a-time
    range read through the draws), and Spearman's rank correlation of net benefit with the
    parameter (``scipy.stats.spearmanr``), with its p-value."""
    from scipy import stats

    others = [o for o in options if o != baseline]
    if parameters is None or parameters.sizes.get("parameter", 0) == 0 or per_draw.sizes["draw"] < 3:
        return xr.Dataset(coords={"parameter": np.array([], dtype=object), "option": others})
    names = list(map(str, parameters["parameter"].values))
    values = parameters["values"].transpose("draw", "parameter").values
    nb = per_draw["net_benefit_gbp"].sel(group="all").transpose("option", "draw")
    low = np.full((len(names), len(others)), np.nan)
    high, rho, p, lo_v, hi_v = low.copy(), low.copy(), low.copy(), low.copy(), low.copy()
    for i in range(len(names)):
        x = values[:, i]
        a, b = np.quantile(x, [1 / 3, 2 / 3])
        lower, upper = x <= a, x >= b
        for j, o in enumerate(others):
            y = nb.sel(option=o).values
            low[i, j] = np.mean(y[lower])
            high[i, j] = np.mean(y[upper])
            lo_v[i, j], hi_v[i, j] = np.mean(x[lower]), np.mean(x[upper])
            if np.ptp(y) > 0 and np.ptp(x) > 0:
                res = stats.spearmanr(x, y)
                rho[i, j], p[i, j] = float(res.statistic), float(res.pvalue)
    coords = {"parameter": names, "option": others}
    for c in ("label", "source", "kind"):
        if c in parameters.coords:
            coords[c] = ("parameter", [str(s) for s in parameters[c].values])
    ds = xr.Dataset({
        "low": (("parameter", "option"), low, _attrs("net benefit, parameter in its lowest third", "GBP", 1, "")),
        "high": (("parameter", "option"), high, _attrs("net benefit, parameter in its highest third", "GBP", 1, "")),
        "low_value": (("parameter", "option"), lo_v, {"long_name": "mean parameter value in its lowest third"}),
        "high_value": (("parameter", "option"), hi_v, {"long_name": "mean parameter value in its highest third"}),
        "spearman": (("parameter", "option"), rho, {"long_name": "Spearman rank correlation with net benefit"}),
        "spearman_p": (("parameter", "option"), p, {"long_name": "p-value of the rank correlation"}),
    }, coords=coords)
    ds["swing"] = np.abs(ds["high"] - ds["low"]).assign_attrs(long_name="range of net benefit", units="GBP")
    return ds
