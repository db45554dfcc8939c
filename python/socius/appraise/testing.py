"""A realistic :class:`~socius.appraise.Appraisal` without any simulation, for developing and
testing what reads one (the report), in milliseconds.

The numbers are made up but shaped like the community model's: four options (baseline, early
action, structural reform, both), cumulative discounted costs and lonely person-years that grow
over the horizon, by deprivation quintile, with effects that depend on the drawn parameters (so
the tornado has something to show) and run-to-run noise shared across options within a draw and
replicate (common random numbers). Nothing here is a model result: never cite it.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from .core import Appraisal
from .settings import VALUATION

__all__ = ["synthetic"]

_OPTIONS = {
    "baseline": "No new policy: services and the community as they are.",
    "early_action": "Early action: community hubs, befriending, relational practice and local collaboration.",
    "structural_reform": "Structural reform: teams merge after six months; a promised efficiency gain, half delivered.",
    "combined": "Both: a smaller reorganisation and early action without hubs.",
}
_INDICATORS = {
    # name: (label, unit, better, category)
    "cost_to_date": ("cost to date (undiscounted)", "GBP", -1, "cost"),
    "cost_pv": ("cost to date (present value)", "GBP", -1, "cost"),
    "cost_hubs_pv": ("cost of hubs (present value)", "GBP", -1, "cost"),
    "cost_befriending_pv": ("cost of befriending (present value)", "GBP", -1, "cost"),
    "cost_relational_practice_pv": ("cost of relational practice (present value)", "GBP", -1, "cost"),
    "cost_collaboration_pv": ("cost of local collaboration (present value)", "GBP", -1, "cost"),
    "cost_reorganisation_pv": ("cost of the reorganisation (present value)", "GBP", -1, "cost"),
    "savings_pv": ("savings realised (present value)", "GBP", 1, "cost"),
    "lonely_share": ("often or always lonely", "share", -1, "residents"),
    "lonely_years": ("person-years often or always lonely, to date", "person-years", -1, "residents"),
    "lonely_years_pv": ("person-years often or always lonely, to date (discounted)", "person-years", -1, "residents"),
    "jobs_found_pv": ("jobs found, to date (discounted)", "count", 1, "services"),
    "cases_resolved_pv": ("legal cases resolved, to date (discounted)", "count", 1, "services"),
    "attainment_pv": ("school progress, to date (discounted)", "count", 1, "services"),
    "behaviour_change_pv": ("health behaviour changes, to date (discounted)", "count", 1, "services"),
    "burnout_share": ("staff often burnt out", "share", -1, "staff"),
}
_GROUPS = ["all", "quintile_1", "quintile_2", "quintile_3", "quintile_4", "quintile_5", "age_65_plus"]
# Uncertain parameters (key, label, min, max, source) and the option each drives.
_PARAMETERS = [
    ("policy.reorganisation.delivered", "share of the promised gain delivered", 0.36, 0.69,
     "Fulop et al. 2002: savings 36-69% of target"),
    ("burnout.leave_burnout", "extra leaving rate of burnt-out staff", 0.1, 0.5, "synthetic"),
    ("policy.befriending.take_up", "befriending take-up", 0.4, 0.8, "synthetic"),
    ("policy.hubs.uptake", "hub uptake", 0.15, 0.45, "synthetic"),
]


def synthetic(options: list[str] | None = None, *, draws: int = 64, replicates: int = 3,
              population: int = 10000, horizon_weeks: int = 520, record_every: int = 52,
              uncertain: bool = True, seed: int = 1, identical_to_baseline: str | None = None,
              dominated: str | None = None) -> Appraisal:
    """A made-up appraisal shaped like a real one (see the module's docstring).

    Parameters
    ----------
    options : list of str, optional
        Option names (default: baseline, early_action, structural_reform, combined); the first is
        the baseline. Unknown names get early action's effect at half its cost.
    draws, replicates, population, horizon_weeks, record_every : int
    uncertain : bool
        False: one draw, no uncertain parameters (a comparison).
    seed : int
        Seed of the made-up numbers.
    identical_to_baseline : str, optional
        An option that gets exactly the baseline's numbers (its ICER is undefined).
    dominated : str, optional
        An option with the baseline's outcomes at early action's cost (dominated by the baseline).
    """
    options = list(options or _OPTIONS)
    rng = np.random.default_rng(seed)
    if not uncertain:
        draws = 1
    times = np.arange(0, horizon_weeks + 1, record_every)
    if times[-1] != horizon_weeks:
        times = np.append(times, horizon_weeks)
    frac = times / horizon_weeks
    years = horizon_weeks / 52
    n_o, n_d, n_r, n_t, n_g = len(options), draws, replicates, len(times), len(_GROUPS)
    names = list(_INDICATORS)

    # Parameter draws: a Latin hypercube on the unit cube, scaled to each range.
    if uncertain:
        k = len(_PARAMETERS)
        u = (np.stack([rng.permutation(draws) for _ in range(k)], axis=1) + rng.random((draws, k))) / draws
        lo = np.array([p[2] for p in _PARAMETERS])
        hi = np.array([p[3] for p in _PARAMETERS])
        values = lo + u * (hi - lo)
        unit = u
    else:
        values = np.zeros((1, 0))
        unit = np.full((1, len(_PARAMETERS)), 0.5)
    params = xr.Dataset({"values": (("draw", "parameter"), values)},
                        coords={"draw": np.arange(draws), "parameter": [p[0] for p in _PARAMETERS] if uncertain else [],
                                "label": ("parameter", [p[1] for p in _PARAMETERS] if uncertain else []),
                                "source": ("parameter", [p[4] for p in _PARAMETERS] if uncertain else []),
                                "kind": ("parameter", ["model"] * len(_PARAMETERS) if uncertain else []),
                                "distribution": ("parameter", ["uniform"] * len(_PARAMETERS) if uncertain else [])})
    valuation = {key: (np.clip(rng.normal(v.default, (v.max - v.min) / 4, draws), v.min, v.max)
                       if uncertain else np.full(draws, v.default)) for key, v in VALUATION.items()}

    share_q = np.array([0.075, 0.065, 0.06, 0.055, 0.05])  # lonely share by quintile (1 most deprived)
    pop_q = population / 5
    # Effect on the lonely share (fraction of it avoided) and programme cost by option and draw.
    reorg_gain = 0.3 + unit[:, 0] * 0.6          # reform's effect grows with the delivered share
    leave = 1.2 - 0.4 * unit[:, 1]               # burnout leaving erodes reform's effect
    take_up = 0.6 + 0.8 * unit[:, 2]
    hubs = 0.7 + 0.6 * unit[:, 3]
    effects, costs, parts = {}, {}, {}
    for o in options:
        if o == options[0] or o == identical_to_baseline:
            effects[o], costs[o], parts[o] = np.zeros(draws), 0.0, {}
        elif o == dominated:
            effects[o], costs[o], parts[o] = np.zeros(draws), 3.0e6, {"cost_hubs_pv": 1.0}
        elif o == "structural_reform":
            effects[o] = 0.015 * reorg_gain * leave
            costs[o], parts[o] = 3.0e6, {"cost_reorganisation_pv": 1.0}
        elif o == "combined":
            effects[o] = 0.03 * take_up + 0.01 * reorg_gain * leave
            costs[o], parts[o] = 3.0e6, {"cost_reorganisation_pv": 0.4, "cost_befriending_pv": 0.33,
                                         "cost_relational_practice_pv": 0.03, "cost_collaboration_pv": 0.24}
        else:
            effects[o] = 0.02 * take_up + 0.03 * hubs
            costs[o], parts[o] = (3.0e6 if o == "early_action" else 1.5e6), {
                "cost_hubs_pv": 0.4, "cost_befriending_pv": 0.33, "cost_relational_practice_pv": 0.03,
                "cost_collaboration_pv": 0.24}
    scale_pop = population / 20000

    data = np.full((n_o, n_d, n_r, n_t, n_g, len(names)), np.nan)
    idx = {n: i for i, n in enumerate(names)}
    disc_c = np.cumsum(np.r_[0, np.diff(times)] * (1.035 ** (-times / 52))) / 52   # discounted years
    disc_h = np.cumsum(np.r_[0, np.diff(times)] * (1.015 ** (-times / 52))) / 52
    noise = rng.normal(0.0, 0.0025, (n_d, n_r, 5))   # shared by the options (common random numbers)
    for i, o in enumerate(options):
        for d in range(n_d):
            for r in range(n_r):
                share = np.clip(share_q * (1 + noise[d, r]) * (1 - effects[o][d] * (1.6 - 0.3 * np.arange(5))), 0, 1)
                lonely_q = share[None, :] * pop_q
                ly_pv = lonely_q * disc_h[:, None]
                ly = lonely_q * (times / 52)[:, None]
                cost_all = costs[o] * scale_pop * frac * (1 + 0.05 * noise[d, r, 0] * (costs[o] > 0))
                cost_pv = cost_all * disc_c / max(disc_c[-1], 1e-12) * 0.86
                v = data[i, d, r]
                v[:, 0, idx["lonely_years_pv"]] = ly_pv.sum(axis=1)
                v[:, 1:6, idx["lonely_years_pv"]] = ly_pv
                v[:, 0, idx["lonely_years"]] = ly.sum(axis=1)
                v[:, 1:6, idx["lonely_years"]] = ly
                v[:, 0, idx["lonely_share"]] = share.mean()
                v[:, 1:6, idx["lonely_share"]] = share
                v[:, 6, idx["lonely_share"]] = share.mean() * 0.7
                v[:, 0, idx["cost_to_date"]] = cost_all
                v[:, 0, idx["cost_pv"]] = cost_pv
                weights = np.array([0.3, 0.25, 0.2, 0.15, 0.1])  # spending leans to deprived areas
                v[:, 1:6, idx["cost_pv"]] = cost_pv[:, None] * weights
                for part in ("cost_hubs_pv", "cost_befriending_pv", "cost_relational_practice_pv",
                             "cost_collaboration_pv", "cost_reorganisation_pv"):
                    v[:, 0, idx[part]] = cost_pv * parts[o].get(part, 0.0)
                    v[:, 1:6, idx[part]] = v[:, 0, idx[part]][:, None] * weights
                savings = (0.3e6 * scale_pop * np.clip(frac * years - 2, 0, None) * 0.8 * unit[d, 0]
                           if "cost_reorganisation_pv" in parts[o] else np.zeros(n_t))
                v[:, 0, idx["savings_pv"]] = savings
                base_rate = {"jobs_found_pv": 40, "cases_resolved_pv": 25, "attainment_pv": 30,
                             "behaviour_change_pv": 20}
                for n, rate in base_rate.items():
                    gain = 1 + (0.04 * take_up[d] if o in ("early_action", "combined") else 0) + (
                        0.03 * reorg_gain[d] * leave[d] if o in ("structural_reform", "combined") else 0)
                    if o in (identical_to_baseline, dominated):
                        gain = 1.0
                    total = rate * scale_pop * 5 * disc_c * gain * (1 + noise[d, r, 1])
                    v[:, 0, idx[n]] = total
                    v[:, 1:6, idx[n]] = total[:, None] * np.array([0.26, 0.22, 0.2, 0.17, 0.15])
                v[:, 0, idx["burnout_share"]] = 0.3 + noise[d, r, 2] * 4 - (0.02 if o != options[0] else 0)
    # age groups have no quintile split for money and counts
    indicators = xr.DataArray(data, dims=("option", "draw", "replicate", "time", "group", "indicator"),
                              coords={"option": options, "draw": np.arange(n_d), "replicate": np.arange(n_r),
                                      "time": times, "group": _GROUPS, "indicator": names})
    seeds = np.array([[(seed * 1_000_003 + d * 1009 + r) % 2**63 for r in range(n_r)] for d in range(n_d)],
                     dtype=np.uint64)
    metadata = {n: {"label": lab, "unit": unit_, "better": better, "category": cat,
                    "description": f"{lab} (synthetic)"} for n, (lab, unit_, better, cat) in _INDICATORS.items()}
    descriptions = {o: _OPTIONS.get(o, f"option {o}") for o in options}
    command = (f"socius appraise {' '.join(f'scenarios/{o}.toml' for o in options)} --draws {draws} "
               f"--replicates {replicates} --population {population} --seed {seed} --out appraisal")
    return Appraisal.from_runs(
        indicators, metadata=metadata, parameters=params, valuation=valuation,
        run_seed=np.broadcast_to(seeds, (n_o, n_d, n_r)).copy(), baseline=options[0],
        descriptions=descriptions, draws=draws, replicates=replicates, population=population,
        horizon_weeks=horizon_weeks, seed=seed, command=command, uncertain=uncertain,
        attrs={"model": "community", "synthetic": 1, "record_every": record_every})
