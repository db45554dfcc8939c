"""``socius calibrate``: history matching of a scenario's parameters to a targets file, on the
sweep machinery (docs/calibration.md).

Wave k (k = 1..W):

1. its design: ``runs`` points, a Latin hypercube of the prior box in wave 1; later, a sample of
   the region not yet ruled out (rejection from uniform candidates, :func:`.design.sample_region`);
2. its runs: a sweep (``DIR/waveK``, design ``points``, ``replicates`` runs per point, master
   seed ``derive_seed(seed, K)``): resumable, one atomic results file per run, any executor,
   shards;
3. each target's model value per run (:func:`socius.targets.model_values`); per target the
   model's stochastic variance V_model (the replicates' variance pooled over the wave's points);
4. a Gaussian-process emulator per target (:class:`.emulator.Emulator`), fitted to the replicate
   means of every wave so far, with noise V_model / replicates;
5. the region after wave k: the points of the box where, for every wave j <= k, the combined
   implausibility under wave j's emulators is at most the cut-off.

Every step is a pure function of the spec and the runs' results, which are themselves a pure
function of their seeds: a rerun, after a kill at any point, recomputes the same designs and
skips the runs already done, so it ends with the same result as a run that never stopped.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .. import _core
from .._values import integer, show
from ..targets import model_values
from .design import latin_hypercube, sample_region
from .emulator import Emulator
from .implausibility import combine, implausibility
from .spec import CalibrationError, CalibrationSpec

__all__ = ["calibrate", "CalibrationResult", "Wave", "SAMPLE_FILE", "SCENARIO_FILE", "RUNS_FILE", "SUMMARY_FILE"]

SAMPLE_FILE = "non_implausible.csv"
SCENARIO_FILE = "calibrated.toml"
RUNS_FILE = "runs.csv"
SUMMARY_FILE = "calibration.json"
_ID_FILE = ".calibration-id"

# Seeds of the calibration's own randomness, derived from the master seed with indices no wave's
# sweep uses (wave K's sweep has master seed derive_seed(seed, K)).
_DESIGN, _REGION, _SHARE, _EMULATOR = 2**62, 2**62 + 10_000, 2**62 + 20_000, 2**62 + 30_000


def _seed(master: int, index: int) -> int:
    return _core.derive_seed(master, index) % 2**32


@dataclass
class Wave:
    """One wave: its design ``x`` (points, parameters), the targets' values in each run ``y``
    (points, replicates, targets), the model's stochastic variance per target ``model_var``,
    the emulators fitted after it, and the region left after it (``share`` of the box, the
    accepted candidates ``region``)."""

    number: int
    x: np.ndarray
    y: np.ndarray | None = None
    model_var: np.ndarray | None = None
    emulators: list = field(default_factory=list)
    region: np.ndarray | None = None
    share: float = float("nan")
    tried: int = 0
    check: dict | None = None  # the previous wave's emulators tested on this wave's runs
    seconds: float = 0.0


@dataclass
class CalibrationResult:
    """What :func:`calibrate` wrote and found.

    Attributes
    ----------
    out : Path
    spec : CalibrationSpec
    waves : list of Wave
    sample : ndarray (n, parameters)
        The non-implausible parameter sets after the last wave (``DIR/non_implausible.csv``);
        empty if every point was ruled out.
    best : dict
        The best point (``kind``): with a non-empty sample, the non-implausible set the last
        wave's emulators put nearest the targets by the expected standardised distance
        (``"emulated"``: values, ``score`` (that distance), implausibility, and per target the
        emulator's mean and sd, one run's sd and the implausibility; the simulated minimum under
        ``nearest_run``; see ``_best``); with every set ruled out,
        the run point with the smallest combined implausibility of its replicate mean (``"run"``:
        wave, point, values, per target the replicate mean, one run's sd, the implausibility).
    paths : dict
        ``sample``, ``scenario``, ``runs``, ``summary``, ``report`` (and ``figures``).
    """

    out: Path
    spec: CalibrationSpec
    waves: list
    sample: np.ndarray
    best: dict
    paths: dict

    @property
    def empty(self) -> bool:
        return len(self.sample) == 0

    def summary(self) -> str:
        s = self.spec
        lines = [f"calibration '{s.name}': {len(self.waves)} waves, {sum(w.x.shape[0] for w in self.waves)} points x "
                 f"{s.replicates} replicates, {len(s.targets)} targets, cut-off {show(s.cutoff)} ({s.rule})"]
        for w in self.waves:
            lines.append(f"  after wave {w.number}: {100 * w.share:.3g}% of the prior box not ruled out")
        if self.empty:
            lines.append("  every parameter set was ruled out: no point of the box matches every target")
        lines.append("  non-implausible ranges:" if not self.empty else "  best run point:")
        for j, p in enumerate(s.parameters):
            if not self.empty:
                lines.append(f"    {p.key}: {float(self.sample[:, j].min()):.4g} to {float(self.sample[:, j].max()):.4g} "
                             f"(prior {show(p.min)} to {show(p.max)}; best {self.best['values'][p.key]:.4g})")
            else:
                lines.append(f"    {p.key} = {show(self.best['values'][p.key])}")
        return "\n".join(lines)


# -- the waves ---------------------------------------------------------------------------------
def _sweep_spec(spec: CalibrationSpec, x: np.ndarray, wave: int):
    from ..sweeps.spec import SweepSpec

    data = {"name": f"{spec.name}-wave{wave}",
            "description": f"socius calibrate '{spec.name}': wave {wave} of history matching",
            "scenarios": [spec.scenario], "seed": _core.derive_seed(spec.seed, wave),
            "replicates": spec.replicates, "design": {"method": "points"},
            "parameters": {p.key: {"values": [p.cast(v) for v in x[:, j]]} for j, p in enumerate(spec.parameters)},
            "summaries": {"final": {"indicator": "*", "stat": "final"}}}
    return SweepSpec.from_dict(data, origin=f"{spec.origin} (wave {wave})")


def _wave_done(sspec, folder: Path) -> bool:
    return all((folder / sspec.run_info(r).relpath).exists() for r in range(sspec.n_runs))


def _read_wave(spec: CalibrationSpec, sspec, folder: Path) -> np.ndarray:
    """The targets' values in each run: (points, replicates, targets)."""
    targets = list(spec.targets)
    y = np.full((sspec.n_points, sspec.replicates, len(targets)), np.nan)
    for r in range(sspec.n_runs):
        info = sspec.run_info(r)
        path = folder / info.relpath
        y[info.point, info.replicate] = model_values(path, targets, origin=str(path))
    bad = ~np.isfinite(y)
    if bad.any():
        p, rep, t = np.argwhere(bad)[0]
        raise CalibrationError(f"target '{targets[t].name}' ({targets[t].indicator}, {targets[t].group}) is NaN in "
                               f"wave folder {folder}, point {p}, replicate {rep}: the indicator is not recorded for "
                               "that group in the window (see docs/model.md, 'Indicators')")
    return y


def _fit(spec: CalibrationSpec, waves: list[Wave], number: int) -> list[Emulator]:
    """Emulators of every target, fitted to the replicate means of waves 1..number."""
    x = np.concatenate([w.x for w in waves[:number]])
    means = np.concatenate([w.y.mean(axis=1) for w in waves[:number]])
    noise = np.concatenate([np.broadcast_to(w.model_var / spec.replicates, (w.x.shape[0], len(w.model_var)))
                            for w in waves[:number]])
    ems = []
    for t in range(means.shape[1]):
        em = Emulator(spec.bounds, restarts=3, seed=_seed(spec.seed, _EMULATOR + 100 * number + t))
        ems.append(em.fit(x, means[:, t], noise[:, t]))
    return ems


def _emulate(spec: CalibrationSpec, wave: Wave, x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per point and target (points, targets): the implausibility under the emulators fitted
    after ``wave``, their mean and their variance."""
    z = np.array([t.value for t in spec.targets])
    obs = np.array([t.variance for t in spec.targets])
    mean = np.empty((len(x), len(z)))
    var = np.empty_like(mean)
    for k, em in enumerate(wave.emulators):
        mean[:, k], var[:, k] = em.predict(x)
    return implausibility(z, obs, mean, var, wave.model_var), mean, var


def _wave_implausibility(spec: CalibrationSpec, wave: Wave, x: np.ndarray) -> np.ndarray:
    """Per point and target, the implausibility under the emulators fitted after ``wave``."""
    return _emulate(spec, wave, x)[0]


def region_filter(spec: CalibrationSpec, waves: list[Wave]):
    """The acceptance test of the region not ruled out by ``waves``: a function of points
    (m, parameters) returning a boolean array (m,). Each wave's emulators test the survivors of
    the previous ones."""
    def accept(x: np.ndarray) -> np.ndarray:
        keep = np.ones(len(x), dtype=bool)
        for w in waves:
            idx = np.flatnonzero(keep)
            if not len(idx):
                break
            imp = combine(_wave_implausibility(spec, w, x[idx]), spec.rule)
            keep[idx[imp > spec.cutoff]] = False
        return keep
    return accept


def run_implausibility(spec: CalibrationSpec, wave: Wave) -> np.ndarray:
    """Per run point and target: |z - replicate mean| / sqrt(V_obs + V_model (1 + 1/R)), the
    implausibility of the simulated point itself (the mean of R replicates stands in for the
    emulator's mean, its variance V_model / R for the emulator's)."""
    z = np.array([t.value for t in spec.targets])
    obs = np.array([t.variance for t in spec.targets])
    return implausibility(z, obs, wave.y.mean(axis=1), wave.model_var / spec.replicates, wave.model_var)


def _check(spec: CalibrationSpec, previous: Wave, wave: Wave) -> dict:
    """The previous wave's emulators predicting this wave's replicate means (out of sample):
    per target, the share of points within 3 standard deviations (emulator and replicate-mean
    variance) and the root mean square standardised error."""
    means = wave.y.mean(axis=1)
    out = {}
    for k, (t, em) in enumerate(zip(spec.targets, previous.emulators)):
        m, v = em.predict(wave.x)
        zscore = (means[:, k] - m) / np.sqrt(v + previous.model_var[k] / spec.replicates)
        out[t.name] = {"within_3sd": float(np.mean(np.abs(zscore) <= 3)), "rmse_sd": float(np.sqrt(np.mean(zscore**2)))}
    return out


# -- the driver --------------------------------------------------------------------------------
def _check_folder(spec: CalibrationSpec, out: Path, restart: bool) -> None:
    ident = out / _ID_FILE
    h = spec.wave_hash()
    if ident.is_file():
        old = ident.read_text(encoding="utf-8").strip()
        if old != h:
            if not restart:
                raise CalibrationError(
                    f"{out}: this folder holds another calibration (hash {old}; this spec has hash {h}): a changed "
                    "spec, scenario or targets file would mix runs. Use another --out, or --restart to delete its "
                    "runs and start again")
            for child in out.iterdir():
                if child.is_dir() and child.name.startswith("wave"):
                    shutil.rmtree(child)
    elif out.is_dir() and any(c.name.startswith("wave") for c in out.iterdir()):
        raise CalibrationError(f"{out}: holds wave folders but no {_ID_FILE}: not a calibration folder this spec wrote; "
                               "use another --out")
    out.mkdir(parents=True, exist_ok=True)
    tmp = out / f".{_ID_FILE}.tmp-{os.getpid()}"
    tmp.write_text(h + "\n", encoding="utf-8")
    os.replace(tmp, ident)


def calibrate(spec: CalibrationSpec | str | os.PathLike | dict, *, out: str | os.PathLike, executor: Any = None,
              workers: int | None = None, threads: int | None = None, shard=None, retries: int = 1,
              progress: bool = True, restart: bool = False, report: bool = True, command: str | None = None):
    """Fits a scenario's parameters to a targets file by history matching (module docstring).

    Parameters
    ----------
    spec : CalibrationSpec, path or dict
        The calibration spec (docs/calibration.md).
    out : path
        The calibration folder: one sweep folder per wave (``wave1``, ...) and the outputs.
        Running the same call again resumes: finished runs are kept.
    executor, workers, threads, shard, retries, progress
        As :func:`socius.sweep`: ``"local"`` (default), ``"dask"``, ``"mpi"`` or an Executor;
        ``shard = "I/N"`` runs this slice of the first wave not yet complete and returns (run
        every shard, then again, wave by wave; or the command without ``--shard`` to finish).
    restart : bool
        If ``out`` holds another calibration's runs, delete them instead of refusing.
    report : bool
        Write the report page (``out/report/index.html``) and its figures (``out/figures``).
    command : str, optional
        The command line to record in the run files.

    Returns
    -------
    CalibrationResult, or with ``shard`` the sweep's result for that slice (``None`` if every
    wave was already complete).

    Raises
    ------
    CalibrationError
        An invalid spec, or ``out`` holds another calibration (file, key, value, what is allowed).
    SweepRunError
        Runs failed; finished runs are kept and the same call resumes.
    KeyboardInterrupt
        On Ctrl-C, after the sweep stops its runs cleanly; the same call resumes.
    """
    from ..sweeps import sweep
    from ..sweeps.runner import SweepRunError
    from ..sweeps.slurm import parse_shard

    if not isinstance(spec, CalibrationSpec):
        spec = CalibrationSpec.from_dict(spec) if isinstance(spec, dict) else CalibrationSpec.load(spec)
    out = Path(out)
    if isinstance(shard, str):
        shard = parse_shard(shard)
    retries = integer(retries, "retries", minimum=0)
    _check_folder(spec, out, restart)
    log = (lambda text: print(f"socius: {text}", file=sys.stderr, flush=True)) if progress else (lambda text: None)
    waves: list[Wave] = []
    t0 = time.perf_counter()
    for k in range(1, spec.waves + 1):
        tw = time.perf_counter()
        if k == 1:
            x = latin_hypercube(spec.runs, spec.bounds, _seed(spec.seed, _DESIGN + k))
        else:
            x = waves[-1].region[:spec.runs]
            if len(x) < 2:
                log(f"wave {k}: the region left after wave {k - 1} holds {len(x)} of {waves[-1].tried} candidates; "
                    "no further wave")
                break
        x = np.array([[p.cast(v) for p, v in zip(spec.parameters, row)] for row in x], dtype=float)
        wave = Wave(k, x)
        sspec = _sweep_spec(spec, x, k)
        folder = out / f"wave{k}"
        done = folder.is_dir() and _wave_done(sspec, folder)
        if not done:
            log(f"wave {k} of {spec.waves}: {sspec.n_points} points x {spec.replicates} replicates = {sspec.n_runs} runs"
                + (f" (region after wave {k - 1}: {100 * waves[-1].share:.3g}% of the prior box)" if k > 1 else "")
                + (f"; shard {shard[0]}/{shard[1]}" if shard else ""))
            result = sweep(sspec, out=folder, executor=executor, workers=workers, threads=threads, shard=shard,
                           retries=retries, progress=progress, command=command, index=False)
            if shard is not None:
                return result
            if result.failed:
                first = result.errors[result.failed[0]]
                raise SweepRunError(f"calibrate: {len(result.failed)} of {result.total} runs of wave {k} failed (the "
                                    f"first: {first}); finished runs are kept: run the same command again to retry them")
        wave.y = _read_wave(spec, sspec, folder)
        wave.model_var = wave.y.var(axis=1, ddof=1).mean(axis=0)
        waves.append(wave)
        if k > 1:
            wave.check = _check(spec, waves[-2], wave)
        wave.emulators = _fit(spec, waves, k)
        # `sample` points of the region after every wave (its ranges in the report); the next
        # wave's design is the first `runs` of them (the same points whatever `sample` is)
        wave.region, wave.tried, accepted = sample_region(region_filter(spec, waves), spec.bounds,
                                                          max(spec.sample, spec.runs), _seed(spec.seed, _REGION + k),
                                                          candidates=spec.candidates)
        # the share of the box left: on one fixed set of candidates for every wave, so that it
        # can only shrink from wave to wave (the region after wave k lies inside that after k-1)
        fixed = latin_hypercube(min(spec.candidates, 50_000), spec.bounds, _seed(spec.seed, _SHARE))
        wave.share = float(np.mean(region_filter(spec, waves)(fixed)))
        wave.seconds = time.perf_counter() - tw
        log(f"after wave {k}: {100 * wave.share:.3g}% of the prior box not ruled out "
            f"({accepted} of {wave.tried:,} candidates kept for the next design)")
    if shard is not None:
        return None
    sample = waves[-1].region[:spec.sample]
    sample = np.array([[p.cast(v) for p, v in zip(spec.parameters, row)] for row in sample], dtype=float).reshape(-1, len(spec.parameters))
    best = _best(spec, waves, sample)
    paths = write_outputs(spec, out, waves, sample, best)
    result = CalibrationResult(out, spec, waves, sample, best, paths)
    if report:
        from .report import write_report

        paths["report"], paths["figures"] = write_report(result)
    log(f"calibration done in {time.perf_counter() - t0:.0f} s")
    return result


def _best_run(spec: CalibrationSpec, waves: list[Wave]) -> dict:
    """The simulated point with the smallest combined implausibility of its replicate mean."""
    best = None
    for w in waves:
        imp = run_implausibility(spec, w)
        comb = combine(imp, spec.rule)
        i = int(np.argmin(comb))
        if best is None or comb[i] < best["implausibility"]:
            best = {"kind": "run", "wave": w.number, "point": i, "implausibility": float(comb[i]),
                    "values": {p.key: p.cast(w.x[i, j]) for j, p in enumerate(spec.parameters)},
                    "targets": {t.name: {"value": t.value, "sd": t.sd, "model_mean": float(w.y[i, :, k].mean()),
                                         "model_sd": float(np.sqrt(w.model_var[k])),
                                         "implausibility": float(imp[i, k])}
                                for k, t in enumerate(spec.targets)}}
    return best


def _best(spec: CalibrationSpec, waves: list[Wave], sample: np.ndarray) -> dict:
    """The calibration's best point.

    With a non-empty non-implausible sample: the sample's point the last wave's emulators put
    nearest the targets (``kind = "emulated"``), by the combined (``spec.rule``) expected
    standardised distance sqrt(((z - E[f])^2 + V_emulator) / (V_obs + V_model)) per target: the
    emulator's uncertainty counts against a point (the implausibility, whose denominator holds
    V_emulator, would favour points the emulators know least). ``score`` is that distance,
    ``implausibility`` the point's combined implausibility; per target ``model_mean`` is the
    emulator's mean, ``emulator_sd`` its sd, ``model_sd`` one run's. The emulators pool every run
    of every wave, so their mean is not the luck of one point's few replicates, which the smallest
    simulated implausibility is (docs/calibration.md, section 3). It is a choice among the
    ``sample`` points, not an optimum: another ``sample`` size can give another point. The
    simulated minimum is kept as ``nearest_run``. With every set ruled out: the simulated minimum
    itself (``kind = "run"``).
    """
    run = _best_run(spec, waves)
    if not len(sample):
        return run
    last = waves[-1]
    imp, mean, var = _emulate(spec, last, sample)
    z = np.array([t.value for t in spec.targets])
    obs = np.array([t.variance for t in spec.targets])
    score = combine(np.sqrt(((z - mean) ** 2 + var) / (obs + last.model_var)), spec.rule)
    i = int(np.argmin(score))
    return {"kind": "emulated", "score": float(score[i]), "implausibility": float(combine(imp[i:i + 1], spec.rule)[0]),
            "values": {p.key: p.cast(sample[i, j]) for j, p in enumerate(spec.parameters)},
            "targets": {t.name: {"value": t.value, "sd": t.sd, "model_mean": float(mean[i, k]),
                                 "emulator_sd": float(np.sqrt(var[i, k])), "model_sd": float(np.sqrt(last.model_var[k])),
                                 "implausibility": float(imp[i, k])}
                        for k, t in enumerate(spec.targets)},
            "nearest_run": run}


# -- outputs -----------------------------------------------------------------------------------
def _atomic(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def _fmt(v: float) -> str:
    return repr(float(v))


def write_outputs(spec: CalibrationSpec, out: Path, waves: list[Wave], sample: np.ndarray, best: dict) -> dict:
    """Writes the sample, the runs table, the calibrated scenario and the summary; their paths."""
    keys = spec.keys
    # the non-implausible sample: what socius appraise --uncertainty reads
    lines = [f"# socius calibrate '{spec.name}' (spec hash {spec.hash()}): {len(sample)} non-implausible parameter sets",
             f"# after {len(waves)} waves; implausibility cut-off {show(spec.cutoff)} ({spec.rule} over "
             f"{len(spec.targets)} targets: {', '.join(spec.targets.names)})",
             f"# use: socius appraise OPTIONS... --uncertainty {out / SAMPLE_FILE} --draws N",
             ",".join(keys)]
    lines += [",".join(_fmt(v) for v in row) for row in sample]
    _atomic(out / SAMPLE_FILE, "\n".join(lines) + "\n")
    # every run point with its replicate means and implausibility
    rows = []
    for w in waves:
        imp = run_implausibility(spec, w)
        comb = combine(imp, spec.rule)
        for i in range(w.x.shape[0]):
            row = {"wave": w.number, "point": i, **{p.key: p.cast(w.x[i, j]) for j, p in enumerate(spec.parameters)}}
            for k, t in enumerate(spec.targets):
                row[f"{t.name}_mean"] = float(w.y[i, :, k].mean())
                row[f"{t.name}_implausibility"] = float(imp[i, k])
            row["implausibility"] = float(comb[i])
            row["non_implausible"] = int(comb[i] <= spec.cutoff)
            rows.append(row)
    tmp = out / f".{RUNS_FILE}.tmp-{os.getpid()}"
    with open(tmp, "w", newline="", encoding="utf-8") as f:
        wr = csv.DictWriter(f, fieldnames=list(rows[0]))
        wr.writeheader()
        wr.writerows(rows)
    os.replace(tmp, out / RUNS_FILE)
    # the calibrated scenario: the best point on top of the calibrated scenario
    _atomic(out / SCENARIO_FILE, calibrated_scenario(spec, best, waves, sample, out))
    summary = {
        "name": spec.name, "spec": spec.source or spec.origin, "spec_hash": spec.hash(), "seed": str(spec.seed),
        "engine_version": _core.__version__,
        "method": {"waves": spec.waves, "runs": spec.runs, "replicates": spec.replicates, "cutoff": spec.cutoff,
                   "rule": spec.rule, "candidates": spec.candidates, "sample": spec.sample},
        "run": {k: spec.scenario.validate()[k] for k in ("simulation.population", "simulation.burn_in",
                                                          "simulation.steps", "simulation.record_every")},
        "parameters": [{"key": p.key, "min": p.min, "max": p.max, "label": p.label, "source": p.source} for p in spec.parameters],
        "targets": [{"name": t.name, **t.to_dict(), "sd": t.sd} for t in spec.targets],
        "waves": [{"wave": w.number, "points": int(w.x.shape[0]), "runs": int(w.x.shape[0] * spec.replicates),
                   "share_not_ruled_out": w.share, "candidates_tried": w.tried, "kept": int(len(w.region)),
                   "model_sd": {t.name: float(np.sqrt(w.model_var[k])) for k, t in enumerate(spec.targets)},
                   "ranges": {p.key: ([float(w.region[:, j].min()), float(w.region[:, j].max())] if len(w.region) else None)
                              for j, p in enumerate(spec.parameters)},
                   "emulator_check": w.check, "kernels": {t.name: w.emulators[k].kernel for k, t in enumerate(spec.targets)},
                   "seconds_this_call": w.seconds} for w in waves],
        "best": best,
        "sample_size": int(len(sample)),
    }
    _atomic(out / SUMMARY_FILE, json.dumps(summary, indent=1, default=str))
    return {"sample": out / SAMPLE_FILE, "runs": out / RUNS_FILE, "scenario": out / SCENARIO_FILE,
            "summary": out / SUMMARY_FILE}


def _best_words(spec: CalibrationSpec, best: dict) -> str:
    """How the best point was chosen, in words (the calibrated scenario's description, the report)."""
    if best.get("kind") == "emulated":
        run = best["nearest_run"]
        return (f"the non-implausible set the last wave's emulators put nearest the targets (expected "
                f"standardised distance {best['score']:.2f}, implausibility {best['implausibility']:.2f} under the "
                f"emulators; the smallest simulated implausibility was {run['implausibility']:.2f}, wave {run['wave']} "
                f"point {run['point']})")
    return (f"every set ruled out: the simulated point with the smallest implausibility "
            f"({best['implausibility']:.2f}, wave {best['wave']} point {best['point']})")


def _fit_words(spec: CalibrationSpec, best: dict) -> str:
    return "the emulators' mean" if best.get("kind") == "emulated" else f"model mean of {spec.replicates} replicates"


def calibrated_scenario(spec: CalibrationSpec, best: dict, waves: list[Wave], sample: np.ndarray, out: Path) -> str:
    """The calibrated scenario file: ``extends`` the calibrated scenario file (when it has one),
    with the best point's values and the fit in its description."""
    from ..scenario import _toml_value

    base = spec.base_scenario
    fit = "; ".join(f"{t} {100 * v['model_mean']:.3g}% vs {100 * v['value']:.3g}% (I = {v['implausibility']:.2f})"
                    if abs(v["value"]) <= 1 else
                    f"{t} {v['model_mean']:.3g} vs {v['value']:.3g} (I = {v['implausibility']:.2f})"
                    for t, v in best["targets"].items())
    p = spec.scenario.validate()
    ranges = "; ".join(f"{q.key} {float(sample[:, j].min()):.4g} to {float(sample[:, j].max()):.4g}"
                       for j, q in enumerate(spec.parameters)) if len(sample) else "none (every set ruled out)"
    description = (f"{base.name} calibrated by socius calibrate '{spec.name}' (history matching, {len(waves)} waves, "
                   f"{sum(w.x.shape[0] for w in waves) * spec.replicates} runs of {p['simulation.population']} residents, "
                   f"burn-in {p['simulation.burn_in']} + {p['simulation.steps']} weeks; cut-off {show(spec.cutoff)}, "
                   f"{spec.rule}): {_best_words(spec, best)}. Fit ({_fit_words(spec, best)} vs target): {fit}. "
                   f"Non-implausible ranges: {ranges}.")
    lines = [f"# Written by socius calibrate from {spec.source or spec.origin} (spec hash {spec.hash()}).",
             "# The parameter sets not ruled out are in non_implausible.csv beside this file.",
             f"model = {_toml_value(base.model)}", f"name = {_toml_value(base.name + '-calibrated')}",
             f"description = {_toml_value(description)}"]
    if base.source:
        src, here = Path(base.source).resolve(), out.resolve()
        shared = os.path.commonpath([src, here])
        # relative when both lie in one project (the folder can move with it), else absolute
        rel = os.path.relpath(src, here) if shared not in (os.sep, str(Path(src.anchor))) else str(src)
        lines.append(f"extends = {_toml_value(rel)}")
        values = dict(best["values"])
    else:
        values = {**base.validate(), **best["values"]}
    by_table: dict = {}
    for key, v in values.items():
        table, _, leaf = key.rpartition(".")
        by_table.setdefault(table, []).append(f"{leaf} = {_toml_value(v)}")
    for table, entries in by_table.items():
        lines.append(f"\n[{table}]")
        lines += entries
    return "\n".join(lines) + "\n"
