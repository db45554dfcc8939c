"""Running an appraisal on the sweep machinery.

An appraisal is a sweep whose scenarios are the options and whose design points are the
parameter draws (a Latin hypercube over the uncertain model parameters, or one point when
nothing is uncertain). The sweep's seed scheme gives run (option, draw, replicate) the seed
``derive_seed(derive_seed(master, draw), replicate)``, the same for every option: common random
numbers, so the difference between two options in one draw and replicate is the difference their
mechanisms make, not noise from other seeds. Everything else is the sweep's: local pool, Dask,
MPI, Slurm arrays (``shard``), one atomic results file per run, resume by running the same
command again. When every run is done, the appraisal is computed and written to
``DIR/appraisal.h5`` (see :mod:`socius.appraise.core`).

The options of one draw and replicate share one burn-in: the sweep runs them as one task
(``share_burn_in``) that burns in once, with the baseline and the draw's values, keeps the state
in memory and continues it under each option's parameters (:meth:`Simulation.branch`). Nothing
reads a policy key before policy time 0 (the policies set themselves up then), so each option's
run is bit for bit its run from the start; an option that differs from the baseline in a key
that shaped the burn-in burns in on its own (docs/appraisal.md, section 3).
"""

from __future__ import annotations

import os
import secrets
import shlex
import sys
from pathlib import Path
from typing import Iterable, Sequence

import numpy as np

from .. import _core
from .._lazy import lazy
from .._values import integer
from ..files import INDICATOR_METADATA, ResultsError, strings, text
from ..scenario import Scenario, ScenarioError
from ..simulation import _git_revision
from .core import APPRAISAL_FILE, Appraisal
from .uncertainty import Uncertainty

__all__ = ["appraise", "check_comparable", "SHARED_KEYS", "build_spec"]

xr = lazy("xarray")  # imported when first used (socius._lazy): a run needs no xarray

# Errors with which the model refuses a run's input (ValueErrors): bad input, exit code 2.
_REFUSALS = ("ScenarioError", "SweepSpecError", "ValueError")

# Keys every option must share: otherwise time t would not mean the same in each.
SHARED_KEYS = ("simulation.steps", "simulation.burn_in", "simulation.record_every")


def _label(s: Scenario) -> str:
    return f"scenario '{s.name}'" + (f" ({s.source})" if s.source else "")


def _scenarios(scenarios: Iterable) -> list[Scenario]:
    out = [s if isinstance(s, Scenario) else Scenario.load(s) for s in scenarios]
    if not out:
        raise ScenarioError("appraise: give at least one scenario (the first is the baseline)")
    return out


def check_comparable(scenarios: Sequence[Scenario]) -> None:
    """Raises ScenarioError unless the scenarios share model, horizon, burn-in and record schedule,
    and have distinct names."""
    base = scenarios[0]
    params = [s.validate() for s in scenarios]
    for s, p in zip(scenarios[1:], params[1:]):
        if s.model != base.model:
            raise ScenarioError(
                f"{_label(s)}: key 'model' = \"{s.model}\" differs from the baseline {_label(base)}, "
                f"which uses \"{base.model}\"; every compared scenario must use the same model")
        for key in SHARED_KEYS:
            if p[key] != params[0][key]:
                raise ScenarioError(
                    f"{_label(s)}: key '{key}' = {p[key]} differs from the baseline {_label(base)}, "
                    f"which has {params[0][key]}; compared scenarios must share the horizon, burn-in "
                    f"and record schedule (set it in both, or use --steps / --set {key}=...)")
    seen: dict[str, Scenario] = {}
    for s in scenarios:
        if s.name in seen:
            raise ScenarioError(
                f"{_label(s)}: key 'name' = \"{s.name}\" is also the name of {_label(seen[s.name])}; "
                "compared scenarios need distinct names (set name = \"...\" in one of them)")
        seen[s.name] = s


def build_spec(scenarios: Sequence[Scenario], uncertainty: Uncertainty, *, draws: int, replicates: int,
               seed: int):
    """The sweep spec of an appraisal: options x draws x replicates."""
    from ..sweeps.spec import SweepSpec

    data: dict = {"name": "appraisal", "description": uncertainty.description or "appraisal of policy options",
                  "scenarios": list(scenarios), "seed": int(seed), "replicates": int(replicates)}
    if uncertainty.model:
        data["design"], data["parameters"] = uncertainty.spec_design(int(draws), int(seed))
    else:
        data["design"] = {"method": "grid"}
    return SweepSpec.from_dict(data, origin=uncertainty.source or "appraise")


def appraise(scenarios: Iterable[Scenario | str | os.PathLike], *, out: str | os.PathLike,
             draws: int = 1, replicates: int = 1, uncertainty: str | os.PathLike | Uncertainty | None = None,
             seed: int | None = None, population: int | None = None, executor=None,
             workers: int | None = None, threads: int | None = None, shard=None, retries: int = 1,
             progress: bool = True, command: str | None = None, appraisal_path: str | os.PathLike | None = None,
             replace_other: bool = False):
    """Runs an appraisal: every option under every parameter draw, ``replicates`` times, with
    common random numbers; writes ``out/appraisal.h5``.

    Parameters
    ----------
    scenarios : sequence of Scenario or path
        The options; the first is the baseline (comparator). They must share model, horizon,
        burn-in and record schedule, and have distinct names.
    out : path
        The appraisal directory (run files, the sweep index and ``appraisal.h5``). Running the
        same call again resumes: finished runs are kept.
    draws : int
        Parameter draws (Latin hypercube points). Must be 1 when nothing is uncertain.
    replicates : int
        Runs per option and draw (seeds differ between replicates, not between options).
    uncertainty : path or Uncertainty, optional
        The priors (``scenarios/uncertainty.toml``); None: nothing uncertain (a comparison).
    seed : int, optional
        Master seed (default: drawn at random and recorded).
    population : int, optional
        Residents in every option (``simulation.population``).
    executor, workers, threads, shard, retries, progress
        As :func:`socius.sweep`: ``"local"`` (default), ``"dask"``, ``"mpi"`` or an Executor;
        ``shard = "I/N"`` runs a slice and writes no appraisal (run without it to finish).
    command : str, optional
        The command line to record.
    appraisal_path : path, optional
        Where to write the appraisal file (default ``out/appraisal.h5``).
    replace_other : bool
        If ``out`` holds the runs of another appraisal (other options, draws, seed or priors),
        delete them and start again, instead of refusing (``make demo`` after a change).

    Returns
    -------
    pathlib.Path or SweepResult
        The appraisal file; with ``shard``, the sweep's result for that shard.

    Raises
    ------
    ScenarioError, UncertaintyError, SweepSpecError
        Invalid or incomparable options, an invalid uncertainty file, or an option that sets an
        uncertain parameter itself (messages name the file, key, value and what is allowed).
    SweepRunError
        Runs failed; finished runs are kept and the same call resumes.
    """
    from ..sweeps import sweep

    scenarios = _scenarios(scenarios)
    draws = integer(draws, "draws", minimum=1)
    replicates = integer(replicates, "replicates", minimum=1)
    seed = integer(seed, "seed", minimum=0, maximum=2**64 - 1, allow_none=True)
    if seed is None:
        seed = secrets.randbits(64)
    population = integer(population, "population", minimum=1, allow_none=True)
    if population is not None:
        scenarios = [s.with_overrides({"simulation.population": population}, origin="population") for s in scenarios]
    for s in scenarios:
        s.validate()
    check_comparable(scenarios)
    model = scenarios[0].model
    if uncertainty is None:
        unc = Uncertainty.none(model)
    elif isinstance(uncertainty, Uncertainty):
        unc = uncertainty
    else:
        unc = Uncertainty.load(uncertainty, model=model)
    unc.check_options(scenarios)
    if unc.empty and draws != 1:
        raise ScenarioError(f"appraise: --draws {draws} with no uncertain parameters: every draw would be the "
                            "same; give --uncertainty FILE, or use --replicates for more runs")
    if not unc.model and unc.valuation and draws > 1:
        pass  # only the valuation is uncertain: one design point would repeat; handled below
    spec = build_spec(scenarios, unc, draws=draws if unc.model else 1, replicates=replicates, seed=seed)
    out = Path(out)
    if replace_other:
        discard_other(out, spec)
    out.mkdir(parents=True, exist_ok=True)
    population = int(scenarios[0].validate()["simulation.population"])
    if command is None:
        from .core import reproduce_command

        command = reproduce_command([s.source or f"{s.name}.toml" for s in scenarios], draws=draws,
                                    replicates=replicates, population=population, seed=seed,
                                    uncertainty=unc.source, out=str(out))
    result = sweep(spec, out=out, executor=executor, workers=workers, threads=threads, shard=shard,
                   retries=retries, progress=progress, command=command, index=shard is None,
                   share_burn_in=True)
    if shard is not None:
        return result
    if result.failed:
        from ..sweeps import SweepRunError

        first = str(result.errors[result.failed[0]])
        refused = all(any(f"failed: {kind}:" in str(result.errors[r]) for kind in _REFUSALS) for r in result.failed)
        if refused:  # the model refused its input: bad input, not a failure to retry
            raise ScenarioError(f"appraise: {first}; finished runs are kept in {out}")
        raise SweepRunError(f"appraise: {len(result.failed)} of {result.total} runs failed (the first: "
                            f"{result.errors[result.failed[0]]}); finished runs are kept: run the same "
                            "command again to retry them")
    appraisal = collect(spec, out, unc, scenarios, draws=draws, replicates=replicates, seed=seed,
                        population=population, command=command)
    path = Path(appraisal_path) if appraisal_path is not None else out / APPRAISAL_FILE
    appraisal.write(path)
    return path


def discard_other(out: Path, spec) -> bool:
    """Deletes ``out`` if it is a sweep folder holding another spec's runs; True if it did."""
    import shutil

    from ..sweeps.layout import SPEC_FILE
    from ..sweeps.spec import SweepSpec

    target = out / SPEC_FILE
    if not target.is_file():
        return False
    try:
        same = SweepSpec.load(target).hash() == spec.hash()
    except (ScenarioError, OSError):
        same = False
    if not same:
        shutil.rmtree(out)
    return not same


def collect(spec, out: Path, unc: Uncertainty, scenarios: Sequence[Scenario], *, draws: int, replicates: int,
            seed: int, population: int, command: str) -> Appraisal:
    """Reads every run of a finished appraisal sweep (through its index) into an Appraisal."""
    import h5py

    from ..sweeps import open_sweep

    n_points = spec.n_points
    with open_sweep(out) as ds:
        status = strings(ds["status"].values)
        if any(s != "done" for s in status):
            missing = [i for i, s in enumerate(status) if s != "done"]
            raise ResultsError(f"appraise: {len(missing)} runs of '{out}' are not done (first: run {missing[0]}); "
                               "run the same command again to finish them")
        scen = np.asarray(ds["scenario"].values)
        point = np.asarray(ds["point"].values).astype(int)
        rep = np.asarray(ds["replicate"].values).astype(int)
        seeds = np.asarray(ds["seed"].values).astype(np.uint64)
        values = np.asarray(ds["indicators"].values)
        times = np.asarray(ds["time"].values)
        groups = strings(ds["group"].values)
        names = strings(ds["indicator"].values)
    options = [s.name for s in scenarios]
    S, P, R = len(options), n_points, replicates
    index = {n: i for i, n in enumerate(options)}
    arr = np.full((S, P, R, *values.shape[1:]), np.nan)
    run_seed = np.zeros((S, P, R), dtype=np.uint64)
    for k in range(values.shape[0]):
        i, p, r = index[str(text(scen[k]))], point[k], rep[k]
        arr[i, p, r] = values[k]
        run_seed[i, p, r] = seeds[k]
    # Only the valuation uncertain: the one simulated point serves every draw.
    if P == 1 and draws > 1:
        arr = np.broadcast_to(arr, (S, draws, *arr.shape[2:])).copy()
        run_seed = np.broadcast_to(run_seed, (S, draws, R)).copy()
    D = arr.shape[1]
    indicators = xr.DataArray(arr, dims=("option", "draw", "replicate", "time", "group", "indicator"),
                              coords={"option": options, "draw": np.arange(D), "replicate": np.arange(R),
                                      "time": times, "group": groups, "indicator": names})
    # What each indicator is: from the first run's results file (the model's declarations).
    first = out / spec.run_info(0).relpath
    metadata: dict = {}
    with h5py.File(first, "r") as f:
        meta = {k: v for k, v in _meta(f).items()}
        file_names = strings(f["indicator"][()])
        attrs0 = {k: text(v) for k, v in f.attrs.items()}
    for j, n in enumerate(file_names):
        metadata[n] = {key.removeprefix("indicator_"): (int(meta[key][j]) if key == "indicator_better" else str(meta[key][j]))
                       for key in meta}
    indicators, derived = derive_missing(indicators, metadata)
    design = spec.design()
    rows = [*(np.asarray(design[:, j], dtype=float) if P == D else np.repeat(np.asarray(design[:, j], dtype=float), D)
              for j in range(len(unc.model)))]
    valuation = unc.valuation_draws(D, seed)
    rows += [valuation[p.key] for p in unc.valuation]
    priors = unc.priors
    params = xr.Dataset(
        {"values": (("draw", "parameter"), np.stack(rows, axis=1) if rows else np.zeros((D, 0)))},
        coords={"draw": np.arange(D), "parameter": [p.key for p in priors],
                "label": ("parameter", [p.label for p in priors]),
                "source": ("parameter", [p.source for p in priors]),
                "kind": ("parameter", [p.kind for p in priors]),
                "distribution": ("parameter", [p.describe() for p in priors])})
    first_p = scenarios[0].validate()
    attrs = {
        "model": scenarios[0].model, "steps": int(first_p["simulation.steps"]),
        "burn_in": int(first_p["simulation.burn_in"]), "record_every": int(first_p["simulation.record_every"]),
        "engine_version": _core.__version__, "git_revision": _git_revision(),
        "python_version": sys.version.split()[0], "sweep_dir": str(out), "sweep_hash": spec.hash(),
        "seed_scheme": "run (option, draw, replicate): derive_seed(derive_seed(master_seed, draw), replicate), "
                       "the same for every option (common random numbers)",
        "uncertainty": unc.to_toml() if not unc.empty else "",
        "uncertainty_source": unc.source or "",
        "created": _now(),
        "option_toml": [s.to_toml() for s in scenarios],
        "option_hash": [s.hash() for s in scenarios],
        "option_source": [s.source or "" for s in scenarios],
        "results_format": str(attrs0.get("format", "")),
        "derived_indicators": "; ".join(derived),
    }
    return Appraisal.from_runs(
        indicators, metadata=metadata, parameters=params, valuation=valuation, run_seed=run_seed,
        baseline=options[0], descriptions={s.name: s.description for s in scenarios}, draws=D,
        replicates=R, population=population, horizon_weeks=int(first_p["simulation.steps"]), seed=seed,
        command=command, uncertain=not unc.empty, attrs=attrs)


def _meta(f) -> dict:
    from ..files import indicator_metadata

    return indicator_metadata(f)


def _now() -> str:
    from datetime import datetime, timezone

    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- indicators the model does not record ---------------------------------------------------------
# Green Book discount rates: 3.5% a year for money and counts, 1.5% for health and wellbeing.
DISCOUNT_RATE, HEALTH_DISCOUNT_RATE = 0.035, 0.015
_DERIVED = {
    # name: (source indicator, how, rate)
    "cost_pv": ("cost_to_date", "increments", DISCOUNT_RATE),
    "savings_pv": ("savings_to_date", "increments", DISCOUNT_RATE),
    "lonely_years": ("lonely_share", "person_years", 0.0),
    "lonely_years_pv": ("lonely_share", "person_years", HEALTH_DISCOUNT_RATE),
    "jobs_found_pv": ("jobs_found", "increments", DISCOUNT_RATE),
    "cases_resolved_pv": ("cases_resolved", "increments", DISCOUNT_RATE),
    "attainment_pv": ("attainment", "increments", DISCOUNT_RATE),
    "behaviour_change_pv": ("behaviour_change", "increments", DISCOUNT_RATE),
}


def derive_missing(indicators: xr.DataArray, metadata: dict) -> tuple[xr.DataArray, list[str]]:
    """Adds the appraisal indicators a model does not record itself, computed from what it does
    record, and says which (the cost model records them directly; this serves models and
    builds without it).

    * a present value from a cumulative indicator: each increment between recorded times
      discounted to policy time 0 at the end of its interval, (1 + r) ** (-t / 52);
    * lonely person-years from ``lonely_share x residents`` over each recorded interval
      (the value at the interval's end held over it), discounted the same way.

    Exact when indicators are recorded every week (``simulation.record_every = 1``); coarser
    recording approximates the timing of increments to the record interval.
    """
    names = list(map(str, indicators["indicator"].values))
    t = np.asarray(indicators["time"].values, dtype=float)
    dt = np.diff(np.r_[t[:1], t]) / 52.0            # years since the previous record (0 at the first)
    derived: list[str] = []
    extra, extra_names = [], []
    for name, (src, how, rate) in _DERIVED.items():
        if name in names or src not in names or (how == "person_years" and "residents" not in names):
            continue
        factor = xr.DataArray((1.0 + rate) ** (-t / 52.0), dims="time", coords={"time": indicators["time"]})
        x = indicators.sel(indicator=src, drop=True)
        if how == "increments":
            inc = x.diff("time", label="upper")
            inc = xr.concat([x.isel(time=[0]) * 0.0, inc], dim="time")
            value = (inc * factor).cumsum("time")
        else:
            people = x * indicators.sel(indicator="residents", drop=True)
            value = (people * xr.DataArray(dt, dims="time", coords={"time": indicators["time"]}) * factor).cumsum("time")
        extra.append(value.transpose(*[d for d in indicators.dims if d != "indicator"]))
        extra_names.append(name)
        derived.append(f"{name} from {src}" + (" x residents" if how == "person_years" else "")
                       + f" at {rate:.1%} a year")
        unit = {"cost_pv": "GBP", "savings_pv": "GBP"}.get(name, "person-years" if "lonely" in name else "count")
        metadata[name] = {"label": name.replace("_", " ") + (" (derived)" if name else ""), "unit": unit,
                          "better": -1 if name in ("cost_pv", "lonely_years", "lonely_years_pv") else 1,
                          "description": f"derived by socius.appraise: {derived[-1]}", "category": "appraisal"}
    if not extra:
        return indicators, []
    stacked = xr.concat(extra, dim=xr.DataArray(extra_names, dims="indicator", name="indicator"))
    stacked = stacked.transpose(*indicators.dims)
    return xr.concat([indicators, stacked], dim="indicator"), derived
