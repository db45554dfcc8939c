"""Virtual trials: an intervention measured as a randomised trial would measure it (docs/trials.md).

One simulation per replicate runs the intervention scenario. At the start of the trial's
person-level policy (befriending, hubs or relational practice: policy time ==
``policy.<name>.start``) the eligible residents are taken, randomised by agent into an offered
arm and a control arm (:func:`socius._core.assign_arms`, the engine's random assignment) and the
arm is written to the model's ``trial_arm`` column. While a trial runs the model offers the policy
to every offered resident and never to a control (docs/model.md); everything else is shared: the
same neighbourhoods, services and ties. At each follow-up the outcomes of the eligible residents
still living in the area are read and compared between the arms: the intention-to-treat (ITT)
difference, offered minus control, as a difference in means (for shares: in proportions) and as a
standardised mean difference (Cohen's d with the pooled SD, and Hedges' g).

The trial runs in this process, replicate after replicate (a hook, ``after_step``, may edit the
state); the output file is written under a temporary name and renamed when complete.
"""

from __future__ import annotations

import ast
import math
import os
import secrets
import shlex
import sys
import time as _time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

import numpy as np

from . import _core
from ._values import boolean, integer, plain, show
from .files import FORMATS
from .scenario import Scenario, ScenarioError, parse_settings
from .simulation import Simulation, _git_revision

__all__ = ["trial", "open_trial", "TRIAL_FORMAT", "PERSON_POLICIES", "OUTCOMES", "POLICY_OUTCOMES", "format_table",
           "summary_dict", "summary",
           "eligible_mask"]

TRIAL_FORMAT = FORMATS["trial"]

# The community model's person-level policies and their bit in the model-maintained column
# policy_target (models/community/state.hpp: kTargetHubs, kTargetBefriending,
# kTargetRelationalPractice).
PERSON_POLICIES = {"hubs": 1, "befriending": 2, "relational_practice": 4}
# trial_arm values (state.hpp: kArmOffered, kArmControl); 0 is not in the trial.
OFFERED, CONTROL = 1, 2
# The share of the eligible who are offered (1:1 simple randomisation).
P_OFFERED = 0.5
# Purpose index of the assignment seed: derive_seed(replicate seed, ASSIGNMENT_STREAM).
ASSIGNMENT_STREAM = 0x747269616C  # "trial"
DEFAULT_FOLLOW_UP = (26, 52)
SERVICES = ("employment", "education", "health", "legal")


@dataclass(frozen=True)
class Outcome:
    name: str
    kind: str            # "score" (a mean) or "share" (a proportion of 0/1 values)
    unit: str
    description: str
    population: str      # "all" (every analysed resident) or "conditional" (a subgroup; see docs)


# What is read at each follow-up, for the analysed residents of each arm.
OUTCOMES = (
    Outcome("loneliness", "score", "0-1", "loneliness score L (column loneliness)", "all"),
    Outcome("often_lonely", "share", "share", "share often or always lonely: L >= loneliness.threshold", "all"),
    Outcome("no_contact", "share", "share",
            "share with no social contact made or received in the week: contacts_made + contacts_received == 0 "
            "(as the indicator no_contact_share)", "all"),
    Outcome("trust", "score", "0-1", "generalised trust T (column trust)", "all"),
)
# What befriending and hubs act through: contact; and for hubs, civic efficacy.
CONTACT_OUTCOME = Outcome("contacts", "score", "contacts per week",
                          "social contacts made and received in the week (contacts_made + contacts_received)", "all")
CIVIC_OUTCOME = Outcome("civic_efficacy", "score", "0-1", "civic efficacy E (column civic_efficacy)", "all")
# Relational practice's service outcomes (per client).
SERVICE_OUTCOMES = (
    Outcome("relationship_quality", "score", "0-1",
            "mean relationship quality q with one's current professionals (columns quality_*), among residents "
            "with at least one professional", "conditional"),
    Outcome("waiting", "share", "share",
            "share waiting for a service: a need (column needs) without a professional (columns professional_*)",
            "all"),
    Outcome("weeks_waited", "score", "weeks",
            "mean weeks on the waiting list (columns waited_*) over the services one waits for, among residents "
            "waiting for at least one", "conditional"),
)


# The outcomes each policy adds to OUTCOMES: those it targets.
POLICY_OUTCOMES = {"befriending": (CONTACT_OUTCOME,), "hubs": (CONTACT_OUTCOME, CIVIC_OUTCOME),
                   "relational_practice": SERVICE_OUTCOMES}


class _EligibleError(ScenarioError):
    pass


# -- the --eligible expression ---------------------------------------------------------------------
_COMPARE = {ast.Lt: np.less, ast.LtE: np.less_equal, ast.Gt: np.greater, ast.GtE: np.greater_equal,
            ast.Eq: np.equal, ast.NotEq: np.not_equal}
_ARITH = {ast.Add: np.add, ast.Sub: np.subtract, ast.Mult: np.multiply, ast.Div: np.true_divide,
          ast.Mod: np.mod, ast.BitAnd: np.bitwise_and}
_ALLOWED_TEXT = ("column names, numbers, comparisons (< <= > >= == !=), and/or/not, parentheses and "
                 "arithmetic (+ - * / % and & for bits)")


def _parse_eligible(expression: str, columns: Sequence[str]) -> ast.Expression:
    """The parsed expression, or ScenarioError naming what is not allowed."""
    where = f"--eligible {show(expression)}"
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError as e:
        raise _EligibleError(f"{where}: not a valid expression ({e.msg}); allowed: {_ALLOWED_TEXT}") from None
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            if node.id not in columns:
                raise _EligibleError(f"{where}: unknown name {show(node.id)}; allowed names are the residents' "
                                     f"columns: {', '.join(columns)}")
        elif isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                raise _EligibleError(f"{where}: {show(node.value)} is not a number; allowed: {_ALLOWED_TEXT}")
        elif isinstance(node, ast.BinOp):
            if type(node.op) not in _ARITH:
                raise _EligibleError(f"{where}: operator {type(node.op).__name__} is not allowed; allowed: "
                                     f"{_ALLOWED_TEXT}")
        elif isinstance(node, ast.Compare):
            for op in node.ops:
                if type(op) not in _COMPARE:
                    raise _EligibleError(f"{where}: comparison {type(op).__name__} is not allowed; allowed: "
                                         f"{_ALLOWED_TEXT}")
        elif not isinstance(node, (ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not,
                                   ast.USub, ast.UAdd, ast.Load, ast.operator, ast.cmpop)):
            raise _EligibleError(f"{where}: {type(node).__name__} ({show(ast.unparse(node))}) is not allowed; "
                                 f"allowed: {_ALLOWED_TEXT}")
    return tree


def eligible_mask(expression: str, columns: Mapping[str, np.ndarray]) -> np.ndarray:
    """Evaluates a safe eligibility expression over resident columns, e.g.
    ``"age >= 65 and loneliness >= 0.5"``, as a boolean array (one element per resident).

    Only column names, numbers, comparisons, ``and``/``or``/``not``, parentheses and arithmetic
    (``+ - * / %`` and ``&`` for bit tests such as ``policy_target & 2``) are allowed; nothing is
    evaluated as Python code. Floating-point columns are read as float64, integer ones as int64.
    NaN compares false.

    Raises
    ------
    ScenarioError
        Naming the expression and the unknown name (with the allowed columns) or the construct
        that is not allowed, or when the expression does not give a condition (true/false).
    """
    expression = plain(expression)
    if not isinstance(expression, str) or not expression.strip():
        raise _EligibleError(f"--eligible {show(expression)}: expected a condition over the residents' columns, "
                             "e.g. \"age >= 65 and loneliness >= 0.5\"")
    names = list(columns)
    tree = _parse_eligible(expression, names)
    cache: dict[str, np.ndarray] = {}

    def col(name: str) -> np.ndarray:
        if name not in cache:
            v = np.asarray(columns[name])
            cache[name] = v.astype(np.float64) if v.dtype.kind == "f" else v.astype(np.int64)
        return cache[name]

    def ev(node):
        if isinstance(node, ast.Expression):
            return ev(node.body)
        if isinstance(node, ast.Name):
            return col(node.id)
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.BoolOp):
            parts = [np.asarray(ev(v), dtype=bool) for v in node.values]
            return (np.logical_and if isinstance(node.op, ast.And) else np.logical_or).reduce(parts)
        if isinstance(node, ast.UnaryOp):
            v = ev(node.operand)
            if isinstance(node.op, ast.Not):
                return np.logical_not(np.asarray(v, dtype=bool))
            return np.negative(v) if isinstance(node.op, ast.USub) else v
        if isinstance(node, ast.BinOp):
            left, right = ev(node.left), ev(node.right)
            if isinstance(node.op, ast.BitAnd) and (np.asarray(left).dtype.kind == "f"
                                                    or np.asarray(right).dtype.kind == "f"):
                raise _EligibleError(f"--eligible {show(expression)}: '&' tests bits of whole numbers; "
                                     f"{show(ast.unparse(node))} has a fractional operand")
            return _ARITH[type(node.op)](left, right)
        if isinstance(node, ast.Compare):
            out, left = None, ev(node.left)
            for op, right_node in zip(node.ops, node.comparators):
                right = ev(right_node)
                part = _COMPARE[type(op)](left, right)
                out = part if out is None else np.logical_and(out, part)
                left = right
            return out
        raise _EligibleError(f"--eligible {show(expression)}: {type(node).__name__} is not allowed")

    with np.errstate(all="ignore"):
        result = ev(tree)
    result = np.asarray(result)
    if result.dtype != bool:
        raise _EligibleError(f"--eligible {show(expression)}: gives numbers, not a condition; write a comparison "
                             "such as \"age >= 65\" (and/or/not combine conditions)")
    n = len(next(iter(columns.values()))) if columns else 0
    return np.broadcast_to(result, (n,)).copy()


# -- the scenario a trial runs -----------------------------------------------------------------------
def _scenario(intervention, baseline, policy, settings, population) -> tuple[Scenario, str]:
    """(the scenario simulated, the trial's policy)."""
    scen = intervention if isinstance(intervention, Scenario) else Scenario.load(intervention)
    params = scen.validate()
    if scen.model != "community":
        raise ScenarioError(f"scenario '{scen.name}' uses model {scen.model}; virtual trials need a model with "
                            "person-level policies and a trial_arm column (the community model)")
    enabled = [p for p in PERSON_POLICIES if params.get(f"policy.{p}.enabled")]
    if policy is None:
        if not enabled:
            raise ScenarioError(
                f"scenario '{scen.name}'{f' ({scen.source})' if scen.source else ''} enables no person-level policy "
                f"(policy.befriending, policy.hubs or policy.relational_practice with enabled = true): there is "
                "nothing to trial; enable one, or name one with --policy NAME (with --eligible, a placebo trial of "
                "a policy that is not enabled)")
        if len(enabled) > 1:
            raise ScenarioError(f"scenario '{scen.name}' enables several person-level policies ({', '.join(enabled)}); "
                                "choose the one to trial with --policy NAME")
        policy = enabled[0]
    policy = plain(policy)
    if policy not in PERSON_POLICIES:
        raise ScenarioError(f"--policy {show(policy)}: not a person-level policy; allowed: "
                            f"{', '.join(PERSON_POLICIES)}")
    if baseline is not None:
        base = baseline if isinstance(baseline, Scenario) else Scenario.load(baseline)
        if base.model != scen.model:
            raise ScenarioError(f"--baseline scenario '{base.name}' uses model {base.model}, the intervention "
                                f"'{scen.name}' model {scen.model}; they must use the same model")
        prefix = f"policy.{policy}."
        overrides = {k: v for k, v in params.items() if k.startswith(prefix)}
        scen = Scenario(base.model, (*base.entries, *[(k, v, f"{scen.source or scen.name} (intervention)")
                                                       for k, v in overrides.items()]),
                        name=scen.name, description=scen.description, source=scen.source)
    extra: dict[str, Any] = {}
    if population is not None:
        extra["simulation.population"] = integer(population, "population", minimum=1)
    if extra:
        scen = scen.with_overrides(extra, origin="trial")
    if settings:
        scen = scen.with_settings(list(settings))
    scen.validate()
    return scen, policy


def _columns_of(sim: Simulation) -> dict[str, np.ndarray]:
    return {name: sim.column(name) for name in sim.columns}


def _follow_up(values: Iterable) -> tuple[int, ...]:
    out = sorted({integer(v, "follow_up", minimum=1) for v in values})
    if not out:
        raise ScenarioError("--follow-up: give at least one follow-up week (weeks after the start, >= 1)")
    return tuple(out)


# -- one replicate -------------------------------------------------------------------------------------
def _outcome_values(sim: Simulation, outcomes: Sequence[Outcome], threshold: float) -> dict[str, np.ndarray]:
    """Each outcome per resident (float64; NaN where a conditional outcome does not apply)."""
    L = sim.column("loneliness").astype(np.float64)
    contacts = sim.column("contacts_made").astype(np.int64) + sim.column("contacts_received").astype(np.int64)
    out = {
        "loneliness": L,
        "often_lonely": np.where(np.isnan(L), np.nan, (L >= threshold).astype(np.float64)),
        "no_contact": (contacts == 0).astype(np.float64),
        "trust": sim.column("trust").astype(np.float64),
        "contacts": contacts.astype(np.float64),
        "civic_efficacy": sim.column("civic_efficacy").astype(np.float64),
    }
    if any(o.name in ("relationship_quality", "waiting", "weeks_waited") for o in outcomes):
        needs = sim.column("needs").astype(np.int64)
        n = len(L)
        qsum, qn, wsum, wn = (np.zeros(n) for _ in range(4))
        for k, svc in enumerate(SERVICES):
            has_need = (needs >> k) & 1 == 1
            served = sim.column(f"professional_{svc}") != np.uint32(0xFFFFFFFF)
            client = has_need & served
            waiting = has_need & ~served
            qsum += np.where(client, sim.column(f"quality_{svc}"), 0.0)
            qn += client
            wsum += np.where(waiting, sim.column(f"waited_{svc}"), 0.0)
            wn += waiting
        with np.errstate(all="ignore"):
            out["relationship_quality"] = np.where(qn > 0, qsum / qn, np.nan)
            out["weeks_waited"] = np.where(wn > 0, wsum / wn, np.nan)
        out["waiting"] = (wn > 0).astype(np.float64)
    return out


def _take_up(sim: Simulation, policy: str) -> np.ndarray | None:
    """Per resident: has taken the policy up now (befriending: has a befriender; hubs: is a hub
    member), or None where the model exposes no take-up (relational practice)."""
    none = np.uint32(0xFFFFFFFF)
    if policy == "befriending":
        return sim.column("befriender") != none
    if policy == "hubs":
        return sim.column("focus_hub") != none
    return None


def _run_replicate(scen: Scenario, policy: str, eligible: str | None, follow_up: tuple[int, ...],
                   outcomes: Sequence[Outcome], seed: int, threads: int | None,
                   after_step: Callable | None, tick: Callable[[int], None]) -> dict:
    params = scen.validate()
    start = int(params[f"policy.{policy}.start"])
    sim = Simulation(scen, seed=seed, threads=threads)
    threshold = float(params["loneliness.threshold"])
    n = sim.population

    def step_to(t: int) -> None:
        while sim.time < t:
            done = sim.step(min(t - sim.time, 4) if renew_watch is None else 1)
            if done == 0:
                raise ScenarioError(f"the run ended at policy time {sim.time}, before {t}")  # checked earlier
            tick(done)
            if renew_watch is not None:
                renew_watch()
            if after_step is not None and arm is not None:
                after_step(sim, arm.copy())

    renew_watch = None
    arm = None
    step_to(start)
    cols = _columns_of(sim)
    if eligible is None:
        bit = PERSON_POLICIES[policy]
        mask = (cols["policy_target"] & bit) != 0
    else:
        mask = eligible_mask(eligible, cols)
    if not mask.any():
        how = (f"the model's policy_target column has bit {PERSON_POLICIES[policy]} ({policy}) for no resident (the "
               "model sets it for the policy's target group while the policy runs; a build without that, or a "
               "target group that is empty at this size, needs --eligible EXPR)"
               if eligible is None else f"--eligible {show(eligible)} is true for no resident")
        raise ScenarioError(f"no resident is eligible at policy time {start} (the start of policy.{policy}), seed "
                            f"{seed}: {how}; a trial needs eligible residents")
    arm = _core.assign_arms(mask.astype(np.uint8), P_OFFERED, int(_core.derive_seed(seed, ASSIGNMENT_STREAM)))
    sim.column("trial_arm", writable=True)[:] = arm
    ids0 = sim._sim.agent_ids()[:n].copy()
    live = np.asarray(sim._sim.agent_ids()[:n])

    def clear_renewed() -> None:
        # A slot renewed for a newcomer (death or move-out) leaves the trial: the newcomer was
        # never randomised, so its trial_arm is cleared before the next step.
        nonlocal live
        ids = sim._sim.agent_ids()[:n]
        gone = (ids != ids0) & (arm != 0)
        if gone.any():
            column = sim.column("trial_arm", writable=True)
            stale = gone & (column != 0)
            if stale.any():
                column[stale] = 0
        live = ids

    renew_watch = clear_renewed
    if after_step is not None:
        after_step(sim, arm.copy())
    rec = {"assigned": [int((arm == OFFERED).sum()), int((arm == CONTROL).sum())], "follow": []}
    for week in follow_up:
        step_to(start + week)
        stayed = live == ids0
        values = _outcome_values(sim, outcomes, threshold)
        took = _take_up(sim, policy)
        per_arm = []
        for a in (OFFERED, CONTROL):
            who = (arm == a) & stayed
            entry = {"analysed": int(who.sum()), "left": int(((arm == a) & ~stayed).sum()),
                     "take_up": (float(took[who].mean()) if took is not None and who.any() else math.nan),
                     "outcomes": {}}
            for o in outcomes:
                v = values[o.name][who]
                v = v[~np.isnan(v)]
                entry["outcomes"][o.name] = (len(v), float(v.mean()) if len(v) else math.nan,
                                             float(v.std(ddof=1)) if len(v) > 1 else math.nan)
            per_arm.append(entry)
        rec["follow"].append(per_arm)
    return rec


# -- statistics ------------------------------------------------------------------------------------------
def effect(n1: int, m1: float, s1: float, n2: int, m2: float, s2: float) -> dict[str, float]:
    """Offered (1) minus control (2): the difference in means, its standard error (unpooled,
    Welch), Cohen's d = difference / pooled SD with pooled SD = sqrt(((n1-1) s1^2 + (n2-1) s2^2) /
    (n1 + n2 - 2)), its standard error sqrt((n1+n2)/(n1 n2) + d^2 / (2 (n1+n2))) (Hedges & Olkin
    1985), and Hedges' g = d (1 - 3 / (4 (n1+n2) - 9)). NaN where a value is undefined (fewer than
    two per arm, or a pooled SD of 0)."""
    nan = math.nan
    out = {"difference": m1 - m2 if n1 and n2 else nan, "se_difference": nan, "smd": nan, "se_smd": nan,
           "hedges_g": nan}
    if n1 < 2 or n2 < 2:
        return out
    out["se_difference"] = math.sqrt(s1 * s1 / n1 + s2 * s2 / n2)
    pooled = math.sqrt(((n1 - 1) * s1 * s1 + (n2 - 1) * s2 * s2) / (n1 + n2 - 2))
    if pooled > 0:
        d = (m1 - m2) / pooled
        out["smd"] = d
        out["se_smd"] = math.sqrt((n1 + n2) / (n1 * n2) + d * d / (2 * (n1 + n2)))
        out["hedges_g"] = d * (1 - 3 / (4 * (n1 + n2) - 9))
    return out


def _interval(values: np.ndarray, se: np.ndarray) -> tuple[float, float, float]:
    """(mean, low, high) over replicates: a t-interval with R - 1 degrees of freedom; for one
    replicate the within-trial normal interval value +- 1.96 se."""
    from scipy import stats

    values = np.asarray(values, dtype=float)
    if len(values) == 1:
        v, s = float(values[0]), float(se[0])
        q = float(stats.norm.ppf(0.975))
        return v, v - q * s, v + q * s
    if np.isnan(values).any():
        return math.nan, math.nan, math.nan
    m = float(values.mean())
    half = float(stats.t.ppf(0.975, len(values) - 1)) * float(values.std(ddof=1)) / math.sqrt(len(values))
    return m, m - half, m + half


# -- the public function -----------------------------------------------------------------------------------
def trial(intervention: Scenario | str | os.PathLike, *, baseline: Scenario | str | os.PathLike | None = None,
          policy: str | None = None, eligible: str | None = None, follow_up: Iterable[int] = DEFAULT_FOLLOW_UP,
          population: int | None = None, settings: Iterable[str] = (), replicates: int = 5,
          seed: int | None = None, threads: int | None = None, output: str | os.PathLike | None = None,
          overwrite: bool = False, progress: bool = True, after_step: Callable | None = None,
          command: str | None = None):
    """Runs a virtual trial of a person-level policy and returns its results (docs/trials.md).

    Parameters
    ----------
    intervention : Scenario or path
        The scenario whose person-level policy (befriending, hubs or relational practice) is
        trialled.
    baseline : Scenario or path, optional
        The world to run the trial in: the simulated scenario is ``baseline`` with every
        ``policy.<policy>.*`` value of ``intervention`` (its resolved values) put on top. Without
        it the intervention scenario is simulated as it is (usually it ``extends`` a baseline).
    policy : {"befriending", "hubs", "relational_practice"}, optional
        The policy to trial: needed when the scenario enables several, or none (a placebo trial,
        with ``eligible``: the policy is not enabled, so the offered arm gets nothing).
    eligible : str, optional
        A condition over resident columns (:func:`eligible_mask`), evaluated at the start, e.g.
        ``"age >= 65 and loneliness >= 0.5"``. Default: the policy's own target group, the model's
        ``policy_target`` bit (1 hubs, 2 befriending, 4 relational practice).
    follow_up : iterable of int
        Weeks after the start at which the outcomes are read (default 26 and 52). The last must
        lie within the horizon: ``start + week <= simulation.steps``.
    population : int, optional
        ``simulation.population``.
    settings : iterable of str
        ``KEY=VALUE`` overrides (as the command line's ``--set``), applied last.
    replicates : int
        Independent trials (simulations), each with seed ``derive_seed(seed, r)``.
    seed : int, optional
        Master seed in [0, 2**64) (drawn at random when omitted; always recorded).
    threads : int, optional
        Threads per simulation; results do not depend on it.
    output : path, optional
        Also write the results to this HDF5 file (format ``socius-trial-1``), atomically.
    overwrite : bool
        Replace an existing ``output`` that is not an earlier trial of the same scenario.
    progress : bool
        A progress bar on stderr (steps of all replicates, time left).
    after_step : callable, optional
        A test hook ``after_step(sim, arm)``: called right after the assignment and after every
        later step, before outcomes are read; ``arm`` is a copy of the residents' arms (uint8,
        shape ``(population,)``: 0 not in the trial, 1 offered, 2 control). It may write state
        columns (``sim.column(name, writable=True)``); values are range-checked as for hooks.

    Returns
    -------
    xarray.Dataset
        Dimensions ``replicate``, ``follow_up`` (weeks after the start), ``arm`` (offered,
        control) and ``outcome``. Per replicate: ``mean``, ``sd``, ``n`` (replicate, follow_up,
        arm, outcome); ``difference`` (offered minus control; for shares a difference in
        proportions), ``se_difference``, ``smd`` (Cohen's d, pooled SD), ``se_smd``, ``hedges_g``
        (replicate, follow_up, outcome); ``assigned`` (replicate, arm), ``analysed``, ``left``
        (attrition: randomised residents who died or moved away), ``take_up`` (replicate,
        follow_up, arm). Across replicates: ``<stat>_mean``, ``<stat>_low``, ``<stat>_high``
        (follow_up, outcome) for difference, smd and hedges_g: the mean and a 95% interval
        (attribute ``interval``). Attributes record the scenario, policy, eligibility, seeds.

    Raises
    ------
    ScenarioError
        Bad input, naming it: no person-level policy (or several without ``policy``), an unknown
        column or a forbidden construct in ``eligible``, a follow-up beyond the horizon, no
        eligible resident, a start outside the run.
    OutputError
        ``output`` exists and may not be replaced, or its folder is missing.
    KeyboardInterrupt
        On Ctrl-C: nothing is written (the temporary file is removed).
    """
    from .results import check_output

    replicates = integer(replicates, "replicates", minimum=1)
    seed = integer(seed, "seed", minimum=0, maximum=2**64 - 1, allow_none=True)
    if seed is None:
        seed = secrets.randbits(64)
    threads = integer(threads, "threads", minimum=1, allow_none=True)
    follow = _follow_up(follow_up)
    if isinstance(settings, str):
        settings = [settings]
    parse_settings(list(settings))  # a malformed KEY=VALUE is named before anything else
    scen, policy = _scenario(intervention, baseline, policy, list(settings), population)
    params = scen.validate()
    start = int(params[f"policy.{policy}.start"])
    burn_in, horizon = int(params["simulation.burn_in"]), int(params["simulation.steps"])
    if start <= -burn_in:
        raise ScenarioError(f"policy.{policy}.start = {start} lies at or before the first step (burn-in "
                            f"{burn_in}): the trial randomises at the end of the step at its start; "
                            "start it later")
    if start + follow[-1] > horizon:
        raise ScenarioError(f"--follow-up {follow[-1]}: week {follow[-1]} after the start (policy time "
                            f"{start + follow[-1]}, policy.{policy}.start = {start}) is beyond the horizon "
                            f"simulation.steps = {horizon}; raise it (--steps or --set simulation.steps=...) or "
                            "follow up earlier")
    enabled = bool(params[f"policy.{policy}.enabled"])
    if eligible is None and not enabled:
        raise ScenarioError(f"policy.{policy} is not enabled in scenario '{scen.name}', so the model keeps no target "
                            f"group for it (column policy_target); give the eligible residents with --eligible EXPR "
                            "(a placebo trial: the offered arm gets nothing), or enable the policy")
    if eligible is not None:
        eligible = plain(eligible)
        if not isinstance(eligible, str) or not eligible.strip():
            raise _EligibleError(f"--eligible {show(eligible)}: expected a condition over the residents' columns")
    if after_step is not None and not callable(after_step):
        raise TypeError(f"after_step must be callable, got {type(after_step).__name__}")
    outcomes = OUTCOMES + POLICY_OUTCOMES[policy]
    if output is not None:
        output = Path(output)
        if not output.parent.is_dir():
            raise _core.OutputError(f"cannot write '{output}': folder '{output.parent}' does not exist")
        check_output(output, scen, kind="trial", overwrite=boolean(overwrite, "overwrite"))
    if eligible is not None:
        # Check the expression's names and form before any simulation runs, on a small copy of
        # the world (the columns do not depend on its size); if the model refuses the small copy,
        # the check happens at the start of the first replicate instead.
        try:
            probe = Simulation(scen.with_overrides({"simulation.population": min(200, params["simulation.population"]),
                                                    "simulation.burn_in": 0, "simulation.steps": 0},
                                                   origin="trial check"), seed=0, threads=1)
        except ScenarioError:
            probe = None
        if probe is not None:
            eligible_mask(eligible, _columns_of(probe))
            del probe

    seeds = [int(_core.derive_seed(seed, r)) for r in range(replicates)]
    per = burn_in + start + follow[-1]
    bar = _progress(replicates * per, bool(plain(progress)))
    records = []
    t0 = _time.perf_counter()
    try:
        for r, s in enumerate(seeds):
            if bar is not None:
                bar.set_description_str(f"trial {policy}: replicate {r + 1}/{replicates}")
            records.append(_run_replicate(scen, policy, eligible, follow, outcomes, s, threads, after_step,
                                          (lambda k: bar.update(k)) if bar is not None else (lambda k: None)))
    finally:
        if bar is not None:
            bar.close()
    ds = _dataset(scen, policy, eligible, follow, outcomes, seeds, seed, records, threads,
                  command or " ".join(shlex.quote(a) for a in sys.argv), _time.perf_counter() - t0)
    if output is not None:
        tmp = output.parent / f".{output.name}.tmp-{os.getpid()}"
        try:
            ds.to_netcdf(tmp, engine="h5netcdf")
            os.replace(tmp, output)
        finally:
            tmp.unlink(missing_ok=True)
    return ds


def _progress(total: int, enabled: bool):
    if not enabled or total <= 0:
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc="trial", unit="step", file=sys.stderr, dynamic_ncols=True, mininterval=0.5,
                smoothing=0.1, bar_format="{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} steps "
                                          "[{elapsed}<{remaining}]")


def _dataset(scen, policy, eligible, follow, outcomes, seeds, master_seed, records, threads, command, wall):
    import xarray as xr

    R, F, K = len(records), len(follow), len(outcomes)
    mean = np.full((R, F, 2, K), np.nan)
    sd = np.full((R, F, 2, K), np.nan)
    n = np.zeros((R, F, 2, K), dtype=np.int64)
    stats = {k: np.full((R, F, K), np.nan) for k in ("difference", "se_difference", "smd", "se_smd", "hedges_g")}
    assigned = np.zeros((R, 2), dtype=np.int64)
    analysed = np.zeros((R, F, 2), dtype=np.int64)
    left = np.zeros((R, F, 2), dtype=np.int64)
    take_up = np.full((R, F, 2), np.nan)
    for r, rec in enumerate(records):
        assigned[r] = rec["assigned"]
        for f, arms in enumerate(rec["follow"]):
            for a, entry in enumerate(arms):
                analysed[r, f, a], left[r, f, a], take_up[r, f, a] = entry["analysed"], entry["left"], entry["take_up"]
                for k, o in enumerate(outcomes):
                    n[r, f, a, k], mean[r, f, a, k], sd[r, f, a, k] = entry["outcomes"][o.name]
            for k in range(K):
                e = effect(n[r, f, 0, k], mean[r, f, 0, k], sd[r, f, 0, k], n[r, f, 1, k], mean[r, f, 1, k],
                           sd[r, f, 1, k])
                for key, v in e.items():
                    stats[key][r, f, k] = v
    by_arm = ("replicate", "follow_up", "arm", "outcome")
    dims3 = ("replicate", "follow_up", "outcome")
    at = ("replicate", "follow_up", "arm")

    def var(dims, values, long_name):
        return dims, values, {"long_name": long_name}

    data: dict[str, Any] = {
        "mean": var(by_arm, mean, "mean of the outcome among the analysed residents of the arm"),
        "sd": var(by_arm, sd, "standard deviation (ddof 1)"),
        "n": var(by_arm, n, "residents with a value of the outcome"),
        "difference": var(dims3, stats["difference"],
                          "ITT difference, offered minus control (for shares: in proportions)"),
        "se_difference": var(dims3, stats["se_difference"], "standard error of the difference (Welch, unpooled)"),
        "smd": var(dims3, stats["smd"], "standardised mean difference: Cohen's d with the pooled SD"),
        "se_smd": var(dims3, stats["se_smd"], "standard error of d (Hedges & Olkin 1985)"),
        "hedges_g": var(dims3, stats["hedges_g"], "Hedges' g: d (1 - 3 / (4 (n1 + n2) - 9))"),
        "assigned": var(("replicate", "arm"), assigned, "residents randomised to each arm at the start"),
        "analysed": var(at, analysed, "randomised residents still in the area at the follow-up"),
        "left": var(at, left, "attrition: randomised residents who died or moved away (their slot was renewed)"),
        "take_up": var(at, take_up, "share of the analysed residents taking the policy up now (befriending: with "
                                    "a befriender; hubs: hub member; NaN: not exposed)"),
    }
    one = R == 1
    for key in ("difference", "smd", "hedges_g"):
        se = stats["se_smd"] if key != "difference" else stats["se_difference"]
        if key == "hedges_g":
            se = stats["se_smd"]  # g's SE differs from d's by the factor J (< 1): the interval is slightly wide
        m = np.full((F, K), np.nan)
        lo, hi = m.copy(), m.copy()
        for f in range(F):
            for k in range(K):
                m[f, k], lo[f, k], hi[f, k] = _interval(stats[key][:, f, k], se[:, f, k])
        data[f"{key}_mean"] = (("follow_up", "outcome"), m, {"long_name": f"{key}: mean over replicates"})
        data[f"{key}_low"] = (("follow_up", "outcome"), lo, {"long_name": f"{key}: lower end of the 95% interval"})
        data[f"{key}_high"] = (("follow_up", "outcome"), hi, {"long_name": f"{key}: upper end of the 95% interval"})
    params = scen.validate()
    start = int(params[f"policy.{policy}.start"])
    coords = {
        "replicate": ("replicate", np.arange(R, dtype=np.int64)),
        "seed": ("replicate", np.array(seeds, dtype=np.uint64),
                 {"long_name": "seed of replicate r: derive_seed(master_seed, r)"}),
        "follow_up": ("follow_up", np.array(follow, dtype=np.int64),
                      {"units": "weeks", "long_name": "weeks after the start of the policy"}),
        "policy_time": ("follow_up", np.array([start + w for w in follow], dtype=np.int64), {"units": "steps"}),
        "arm": ("arm", np.array(["offered", "control"], dtype=object)),
        "outcome": ("outcome", np.array([o.name for o in outcomes], dtype=object)),
        "outcome_kind": ("outcome", np.array([o.kind for o in outcomes], dtype=object)),
        "outcome_unit": ("outcome", np.array([o.unit for o in outcomes], dtype=object)),
        "outcome_population": ("outcome", np.array([o.population for o in outcomes], dtype=object)),
        "outcome_description": ("outcome", np.array([o.description for o in outcomes], dtype=object)),
    }
    attrs = {
        "format": TRIAL_FORMAT,
        "model": scen.model,
        "scenario_name": scen.name,
        "scenario": scen.to_toml(),
        "scenario_hash": scen.hash(),
        "scenario_source": scen.source or "",
        "policy": policy,
        "policy_enabled": int(bool(params[f"policy.{policy}.enabled"])),
        "start": start,
        "eligible": (eligible if eligible is not None
                     else f"policy_target & {PERSON_POLICIES[policy]} (the policy's target group)"),
        "p_offered": P_OFFERED,
        "randomisation": ("simple (Bernoulli) by resident, socius::assign_arms, seed derive_seed(replicate seed, "
                          "0x747269616C)"),
        "replicates": R,
        "master_seed": str(master_seed),
        "interval": ("95% within-trial normal interval (estimate +- 1.96 SE; one replicate)" if one else
                     f"95% t-interval over {R} replicates (t with {R - 1} degrees of freedom)"),
        "population": int(params["simulation.population"]),
        "burn_in": int(params["simulation.burn_in"]),
        "steps": int(params["simulation.steps"]),
        "engine_version": _core.__version__,
        "git_revision": _git_revision(),
        "python_version": sys.version.split()[0],
        "command": command,
        "threads_per_run": threads or 0,
        "wall_seconds": float(wall),
        "created": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
    return xr.Dataset(data, coords=coords, attrs=attrs)


# -- reading the result --------------------------------------------------------------------------------------
def summary_dict(ds) -> dict:
    """A JSON-ready summary of a trial dataset (what ``socius trial --json`` prints)."""
    def num(x):
        x = float(x)
        return None if math.isnan(x) else x

    a = ds.attrs
    out = {k: (a[k].item() if hasattr(a[k], "item") else a[k]) for k in (
        "format", "model", "scenario_name", "policy", "policy_enabled", "start", "eligible", "p_offered", "replicates",
        "master_seed",
        "interval", "population", "burn_in", "steps")}
    out["seeds"] = [int(s) for s in ds["seed"].values]
    out["assigned"] = {arm: [int(v) for v in ds["assigned"].sel(arm=arm).values] for arm in ("offered", "control")}
    out["follow_up"] = []
    for w in ds["follow_up"].values:
        f = ds.sel(follow_up=w)
        entry = {"week": int(w), "policy_time": int(f["policy_time"]),
                 "analysed": {arm: [int(v) for v in f["analysed"].sel(arm=arm).values] for arm in ("offered", "control")},
                 "left": {arm: [int(v) for v in f["left"].sel(arm=arm).values] for arm in ("offered", "control")},
                 "take_up": {arm: [num(v) for v in f["take_up"].sel(arm=arm).values] for arm in ("offered", "control")},
                 "outcomes": {}}
        for o in ds["outcome"].values:
            g = f.sel(outcome=o)
            entry["outcomes"][str(o)] = {
                "kind": str(g["outcome_kind"].values), "unit": str(g["outcome_unit"].values),
                "population": str(g["outcome_population"].values),
                "mean": {arm: [num(v) for v in g["mean"].sel(arm=arm).values] for arm in ("offered", "control")},
                **{stat: {"estimate": num(g[f"{stat}_mean"]), "low": num(g[f"{stat}_low"]),
                          "high": num(g[f"{stat}_high"]), "replicates": [num(v) for v in g[stat].values]}
                   for stat in ("difference", "smd", "hedges_g")},
            }
        out["follow_up"].append(entry)
    return out


def format_table(ds) -> str:
    """The readable table ``socius trial`` prints: per follow-up and outcome, each arm's mean
    (averaged over replicates), the ITT difference and the SMD with their 95% intervals."""
    a = ds.attrs
    R = int(a["replicates"])
    assigned = ds["assigned"].values
    lines = [
        f"virtual trial of {a['policy']} in scenario '{a['scenario_name']}' ({a['model']} model, "
        f"{a['population']} residents), randomised at policy time {a['start']}",
        *([] if int(a.get("policy_enabled", 1)) else
          [f"policy.{a['policy']} is not enabled in the scenario: a placebo trial (the offered arm gets nothing)"]),
        f"eligible: {a['eligible']}; {R} replicate{'s' if R != 1 else ''}, master seed {a['master_seed']}",
        f"randomised: offered {_counts(assigned[:, 0])}, control {_counts(assigned[:, 1])} (per replicate)",
        f"intervals: {a['interval']}; SMD = Cohen's d (pooled SD); shares: difference in proportions",
    ]
    for w in ds["follow_up"].values:
        f = ds.sel(follow_up=w)
        an, lf, tu = f["analysed"].values, f["left"].values, f["take_up"].values
        lines.append("")
        lines.append(f"week {int(w)} after the start (policy time {int(f['policy_time'])}): analysed offered "
                     f"{_counts(an[:, 0])}, control {_counts(an[:, 1])}; left (died or moved) offered "
                     f"{_counts(lf[:, 0])}, control {_counts(lf[:, 1])}"
                     + ("" if np.isnan(tu).all() else
                        f"; take-up offered {np.nanmean(tu[:, 0]):.1%}, control {np.nanmean(tu[:, 1]):.1%}"))
        lines.append(f"  {'outcome':<22}{'offered':>9}{'control':>9}   {'difference [95% interval]':<31}"
                     f"{'SMD [95% interval]':<28}{'g':>7}")
        for o in ds["outcome"].values:
            g = f.sel(outcome=o)
            mo, mc = np.nanmean(g["mean"].sel(arm="offered").values), np.nanmean(g["mean"].sel(arm="control").values)
            lines.append(f"  {str(o):<22}{_fmt(mo):>9}{_fmt(mc):>9}   "
                         f"{_ci(g['difference_mean'], g['difference_low'], g['difference_high']):<31}"
                         f"{_ci(g['smd_mean'], g['smd_low'], g['smd_high']):<28}{_fmt(float(g['hedges_g_mean'])):>7}")
    return "\n".join(lines)


def _counts(values) -> str:
    values = [int(v) for v in values]
    return str(values[0]) if len(set(values)) == 1 else f"{min(values)}-{max(values)}"


def _fmt(x: float) -> str:
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.3f}"


def _ci(m, lo, hi) -> str:
    m, lo, hi = float(m), float(lo), float(hi)
    if math.isnan(m):
        return "n/a"
    return f"{m:+.3f} [{lo:+.3f}, {hi:+.3f}]" if not math.isnan(lo) else f"{m:+.3f}"


def open_trial(path: str | os.PathLike):
    """A trial file (written by ``socius trial -o``) as an ``xarray.Dataset``."""
    from .files import open_dataset

    _, ds = open_dataset(path, ("trial",), "a trial file (written by socius trial -o)")
    return ds


def summary(path: str | os.PathLike) -> str:
    """``socius info`` of a trial file: the stored table."""
    with open_trial(path) as ds:
        ds.load()
        return f"file:        {path}\n" + format_table(ds)
