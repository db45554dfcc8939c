"""What an appraisal values and how: the valuation parameters (each with unit, default, range and
source) and the equity weights.

These are not model parameters: they do not change a run, only what its outcomes are worth. An
uncertainty file (``scenarios/uncertainty.toml``) may give any of them a distribution under
``[valuation]``; then each parameter draw also draws them (from the same Latin hypercube, see
:mod:`socius.appraise.uncertainty`), and their uncertainty reaches the intervals, the probability
each option is best and the tornado.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Valuation", "VALUATION", "QUINTILE_INCOME", "INCOME_SOURCE", "ELASTICITY", "ELASTICITY_SOURCE",
           "equity_weights", "WTP_GRID", "QUINTILE_GROUPS", "OUTCOME_VALUES", "UNVALUED_OUTCOMES"]


@dataclass(frozen=True)
class Valuation:
    """One valuation parameter: its default (the value used when it is not drawn), its allowed
    range, unit and source."""

    key: str
    label: str
    default: float
    min: float
    max: float
    unit: str
    source: str


# Every valuation parameter. Bounds are what the uncertainty file may draw within (and what its
# distributions must stay inside); the defaults are the published central values.
VALUATION: dict[str, Valuation] = {v.key: v for v in (
    Valuation("wellby_value", "value of one WELLBY", 13000.0, 10000.0, 16000.0, "GBP (2019 prices) per WELLBY",
              "HM Treasury (2021) Wellbeing Guidance for Appraisal: supplementary Green Book guidance, "
              "GBP 13,000 per WELLBY in 2019 prices, range GBP 10,000-16,000"),
    Valuation("wellby_per_lonely_year", "WELLBYs lost per person-year often or always lonely", 1.0, 0.6, 1.9,
              "WELLBY per person-year",
              "life satisfaction (0-10) lower by about 0.6 points per step of the 5-point loneliness "
              "question (GBP 8,100 per step at GBP 13,000 per WELLBY: State of Life WELLBY guide, as "
              "reported by Measure Up 2024), i.e. 0.6 for one step and about 1.9 for the three steps "
              "from 'often/always' to 'hardly ever'; Peytrignet et al. (2020, DCMS) find any "
              "loneliness lowers life satisfaction in the Community Life Survey and Understanding "
              "Society. The central 1.0 is an assumption inside that range (not a published figure)"),
    Valuation("loneliness_value", "value of avoiding a person-year of severe loneliness", 9900.0, 9537.0, 9976.0,
              "GBP (2019 prices) per person-year",
              "Peytrignet, Garforth-Bles and Keohane (2020) Loneliness monetisation report, for DCMS "
              "(Simetrica-Jacobs): wellbeing, health and productivity cost of severe loneliness about "
              "GBP 9,900 per person-year (9,976 in the report; 9,537 in a ministerial answer)"),
    Valuation("job_found_value", "value of a job found", 10767.0, 0.0, 20000.0, "GBP (2014 prices) per job found",
              "HACT Social Value Bank (Trotter, Vine, Leach and Fujiwara 2014, Measuring the social impact of "
              "community investment: a guide to using the wellbeing valuation approach, HACT): getting a "
              "full-time job, GBP 10,767 per person per year (wellbeing valuation, British Household Panel "
              "Survey / Understanding Society). Counted once per job found, i.e. one year of the value (HACT "
              "apply a value in full only for an outcome held for a significant part of a year; later years "
              "of the job are not credited); not uprated from 2014 prices"),
)}

# Service outcomes with a sourced value per unit: the discounted count gained against the
# baseline times the valuation parameter (GBP per unit) is added to the net benefit, and shown
# apart from the value of WELLBYs (``outcome_value_gbp`` and one ``<outcome>_value_gbp`` each).
OUTCOME_VALUES = {"jobs_found_pv": "job_found_value"}

# Service outcomes the model counts that have no defensible value per unit (docs/appraisal.md):
# they are reported as counts gained and left out of the net benefit.
UNVALUED_OUTCOMES = {
    "cases_resolved_pv": "a legal case resolved has no type in the model, and the published values are per "
                         "client helped or per pound of advice (e.g. Citizens Advice 2010; Pragmatix/Cebr 2021 "
                         "for the Community Justice Fund, GBP 8,000 to the Treasury per client helped), not per "
                         "case resolved",
    "attainment_pv": "a step of school progress is the model's own unit, with no mapping to qualifications or "
                     "earnings",
    "behaviour_change_pv": "a positive health behaviour change is the model's own unit, with no mapping to QALYs "
                           "or NHS costs",
}

# Willingness to pay for one WELLBY over which acceptability curves are drawn (GBP per WELLBY).
WTP_GRID = np.arange(0.0, 40001.0, 1000.0)

# Groups of the results file by deprivation quintile (1 most deprived), and their short names.
QUINTILE_GROUPS = {"quintile_1": "q1", "quintile_2": "q2", "quintile_3": "q3", "quintile_4": "q4",
                   "quintile_5": "q5"}

# Income proxy per neighbourhood deprivation quintile, GBP per year: the average household income
# after taxes and benefits of the poorest and richest fifth of people (ONS, Effects of taxes and
# benefits on household income, financial year ending 2018: GBP 18,900 and 65,500), with the three
# middle quintiles interpolated geometrically between them (an assumption: the published middle
# quintiles were not at hand). Deprivation quintiles of neighbourhoods stand in for income
# quintiles of households (an approximation: the Index of Multiple Deprivation's income domain
# ranks areas, not households).
QUINTILE_INCOME = {q: float(18900.0 * (65500.0 / 18900.0) ** ((k - 1) / 4)) for k, q in
                   enumerate(("q1", "q2", "q3", "q4", "q5"), start=1)}
INCOME_SOURCE = ("ONS, Effects of taxes and benefits on household income, FYE 2018: poorest fifth GBP 18,900, "
                 "richest fifth GBP 65,500 after all taxes and benefits; quintiles 2-4 interpolated "
                 "geometrically (assumption); neighbourhood deprivation quintile used as the income quintile "
                 "(approximation)")
ELASTICITY = 1.3
ELASTICITY_SOURCE = ("HM Treasury Green Book (2020) Annex A3, A3.14 and A3.19-A3.21: elasticity of marginal "
                     "utility of income 1.3 (Layard et al. 2008); weight = (median income / group income)^1.3, "
                     "costs borne by taxpayers at average income (weight 1)")


def equity_weights(elasticity: float = ELASTICITY) -> dict[str, float]:
    """Green Book distributional weight of each deprivation quintile: (median / quintile income)
    ** elasticity, with the median income that of the middle quintile."""
    median = QUINTILE_INCOME["q3"]
    return {q: (median / y) ** elasticity for q, y in QUINTILE_INCOME.items()}
