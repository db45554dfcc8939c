"""The ``socius`` command line: a thin layer over the Python API.

Exit codes: 0 success, 2 bad input (the message says what to fix), 1 internal failure,
130 interrupted (Ctrl-C), 143 terminated (SIGTERM).

Every command first asks the reading layer (:func:`socius.files.identify`, :func:`socius.files.expect`) what it was given, so a file of the wrong
kind (a results file where a scenario belongs, a sweep folder given to ``info``) is named with
what to do instead; and an existing output file is replaced only under
:func:`socius.results.check_output`'s rule (a rerun of the same command) or with ``--overwrite``.
"""

from __future__ import annotations

import argparse
import os
import secrets
import signal
import sys
import threading
from pathlib import Path

from . import _core
from ._values import show
from .files import ResultsError, expect, identify
from .results import check_output, summary
from .scenario import Scenario, ScenarioError, check_name, parse_settings
from .simulation import resume, run
from .sweeps.runner import RunError

EXIT_BAD_INPUT = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse's own exit code is 2 as well; keep its message
        self.print_usage(sys.stderr)
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message}\n")


def _at_least(minimum: int):
    """An argparse type: a whole number >= minimum."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {show(text)}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
        return value
    return parse


_positive = _at_least(1)
_nonnegative = _at_least(0)


def _seed(text: str) -> int:
    try:
        value = int(text, 0)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {show(text)}") from None
    if not 0 <= value < 2**64:
        raise argparse.ArgumentTypeError(f"must be in [0, 2**64), got {value}")
    return value


def _setting(text: str) -> str:
    """An argparse type for --set: KEY=VALUE in one word (checked here, so that
    ``--set contact.mean 9`` is named as such instead of 'unrecognized arguments: 9')."""
    key, sep, value = text.partition("=")
    if not sep or not key.strip() or not value.strip():
        raise argparse.ArgumentTypeError(
            f"expected KEY=VALUE in one word, got {show(text)}; write e.g. --set "
            f"{key.strip() or 'contact.mean'}=VALUE (no spaces around '=')")
    return text


def _load(args, path=None) -> Scenario:
    path = args.scenario if path is None else path
    # A results file, checkpoint, sweep spec or folder is named as such (and what to do with it);
    # broken TOML and a missing file are left to the loader, which says what is wrong in them.
    if identify(path).kind not in ("scenario", "text", "missing"):
        expect(path, ("scenario",), "a scenario file (TOML)")
    scenario = Scenario.load(path)
    # One value set twice on the command line (--steps 52 --set simulation.steps=104) is refused:
    # which one was meant cannot be guessed. A value on the command line overrides the file's.
    given: dict[str, str] = {}
    overrides = {}
    for key, option in (("simulation.population", "population"), ("simulation.steps", "steps")):
        value = getattr(args, option, None)
        if value is not None:
            overrides[key] = value
            given[key] = f"--{option} {value}"
    settings = parse_settings(args.set)
    for key, _, text in settings:
        if key in given:
            raise ScenarioError(f"key '{key}' is set twice on the command line: {given[key]} and "
                                f"{text}; give it once")
    if overrides:
        scenario = scenario.with_overrides(overrides, origin="command line")
    if settings:
        scenario = scenario.with_settings(args.set)
    scenario.validate()
    return scenario


def _default_output(scenario: Scenario) -> Path:
    """results/<scenario name>.h5; the name is a single safe file name (checked again here,
    since a Scenario's attributes can be changed after it was checked)."""
    name = check_name(scenario.name, scenario.source or "scenario")
    return Path("results") / f"{name}.h5"


def _note(text: str | None) -> None:
    if text:
        print(text, file=sys.stderr)


def _cmd_run(args) -> int:
    scenario = _load(args)
    output = Path(args.output) if args.output else _default_output(scenario)
    if not args.output:
        output.parent.mkdir(parents=True, exist_ok=True)
    _note(check_output(output, scenario, kind="results", overwrite=args.overwrite, how="--overwrite"))
    print(f"socius: running {scenario.name} ({scenario.model}) with "
          f"{scenario.parameters['simulation.population']} agents for "
          f"{scenario.parameters['simulation.burn_in']} burn-in + "
          f"{scenario.parameters['simulation.steps']} steps", file=sys.stderr)
    ckpt = None
    if args.checkpoint_every:
        ckpt = Path(args.checkpoint) if args.checkpoint else output.with_name(output.name + ".ckpt")
    # The replacement rule was applied just above, with the command line's wording (--overwrite);
    # run() applies the same rule, so it is told the answer rather than asked again.
    try:
        path = run(scenario, output, seed=args.seed, threads=args.threads, progress=not args.quiet,
                   checkpoint_every=args.checkpoint_every, checkpoint=ckpt, overwrite=True)
    except KeyboardInterrupt as e:
        _interrupted(ckpt)
        return _interrupt_code(e)
    print(f"socius: results written to {path}")
    return 0


def _interrupt_code(e: KeyboardInterrupt) -> int:
    """Exit code of a run stopped by Ctrl-C (130) or by SIGTERM (143), as a shell reports them."""
    return 143 if isinstance(e, _Terminated) else 130


def _interrupted(ckpt: Path | None) -> None:
    msg = "\nsocius: interrupted; no results file was written (the temporary file was removed)"
    if ckpt is not None and ckpt.exists():
        msg += f"; the last checkpoint is kept: continue with  socius resume {ckpt}"
    print(msg, file=sys.stderr)


def _cmd_resume(args) -> int:
    ckpt = Path(args.checkpoint)
    found = identify(ckpt)
    if found.kind == "results":
        raise ResultsError(f"'{ckpt}' is {found.what}: that run is finished, there is nothing to "
                           f"resume; {found.instead()}")
    if found.kind != "checkpoint":
        expect(ckpt, ("checkpoint",), "a checkpoint (written by socius run --checkpoint-every)")
    try:
        path = resume(ckpt, threads=args.threads, progress=not args.quiet)
    except KeyboardInterrupt as e:
        _interrupted(ckpt)
        return _interrupt_code(e)
    print(f"socius: results written to {path}")
    return 0


def _write_report(appraisal_path: Path, out_dir: Path, overwrite: bool) -> Path | None:
    """The appraisal report (helper D's ``socius.report.write``); None when this build has none."""
    from . import report as report_module

    write = getattr(report_module, "write", None)
    if write is None:
        print("socius: this build has no appraisal report (socius.report.write); the appraisal file "
              f"is {appraisal_path}", file=sys.stderr)
        return None
    import inspect

    if "overwrite" in inspect.signature(write).parameters:
        return write(appraisal_path, out_dir, overwrite=overwrite)
    return write(appraisal_path, out_dir)


def _cmd_compare(args) -> int:
    from .compare import check_comparable, compare

    scenarios = [_load(args, path) for path in args.scenarios]
    check_comparable(scenarios)
    output = Path(args.output) if args.output else Path("results") / "comparison.h5"
    if not args.output:
        output.parent.mkdir(parents=True, exist_ok=True)
    # Both outputs are checked before any run starts: a refusal after an hour of runs helps no one.
    _note(check_output(output, scenarios, kind="appraisal", overwrite=args.overwrite, how="--overwrite"))
    if args.report:
        from .report import check_folder

        check_folder(Path(args.report), overwrite=args.overwrite)
    seed = args.seed if args.seed is not None else secrets.randbits(64)
    runs = len(scenarios) * args.replicates
    print(f"socius: comparing {len(scenarios)} scenario{'s' if len(scenarios) != 1 else ''} "
          f"({', '.join(s.name for s in scenarios)}) x {args.replicates} replicate"
          f"{'s' if args.replicates != 1 else ''} = {runs} runs; master seed {seed}", file=sys.stderr)
    try:
        import shlex

        command = " ".join(shlex.quote(a) for a in [
            "socius", "compare", *map(str, args.scenarios), "--replicates", str(args.replicates),
            "--population", str(scenarios[0].validate()["simulation.population"]), "--seed", str(seed)]
            + [w for k, v in (("--steps", args.steps),) if v is not None for w in (k, str(v))]
            + [w for item in args.set for w in ("--set", item)] + ["-o", str(output)])
        path = compare(scenarios, replicates=args.replicates, seed=seed, output=output,
                       threads=args.threads, workers=args.workers, progress=not args.quiet,
                       overwrite=True, command=command)  # checked above, with the command line's wording
    except KeyboardInterrupt as e:
        print(f"\nsocius: interrupted; finished runs are kept; run the same command again to resume",
              file=sys.stderr)
        return _interrupt_code(e)
    print(f"socius: comparison written to {path}")
    if args.report:
        page = _write_report(path, Path(args.report), args.overwrite)
        if page is not None:
            print(f"socius: report written to {page}")
    return 0


def _cmd_appraise(args) -> int:
    from .appraise import appraise
    from .appraise.run import check_comparable
    from .sweeps.runner import make_executor
    from .sweeps.slurm import parse_shard, shard_from_env

    scenarios = [_load(args, path) for path in args.scenarios]
    check_comparable(scenarios)
    out = Path(args.out)
    if out.exists() and identify(out).kind not in ("sweep folder", "folder"):
        expect(out, ("sweep folder", "folder"), "an appraisal folder (--out DIR)")
    seed = args.seed if args.seed is not None else secrets.randbits(64)
    shard = parse_shard(args.shard) if args.shard else shard_from_env()
    runs = len(scenarios) * args.draws * args.replicates
    print(f"socius: appraising {len(scenarios)} options ({', '.join(s.name for s in scenarios)}) x "
          f"{args.draws} parameter draw{'s' if args.draws != 1 else ''} x {args.replicates} replicate"
          f"{'s' if args.replicates != 1 else ''} = {runs} runs; master seed {seed}"
          + (f"; shard {shard[0]}/{shard[1]}" if shard else ""), file=sys.stderr)
    import shlex

    command = " ".join(shlex.quote(a) for a in ["socius", "appraise", *map(str, args.scenarios),
                                                 "--draws", str(args.draws), "--replicates", str(args.replicates),
                                                 "--population", str(scenarios[0].validate()["simulation.population"]),
                                                 "--seed", str(seed)]
                       + (["--uncertainty", str(args.uncertainty)] if args.uncertainty else [])
                       + [w for k, v in (("--steps", args.steps),) if v is not None for w in (k, str(v))]
                       + [w for item in args.set for w in ("--set", item)]
                       + ["--out", str(out)])
    owned = None if args.executor == "local" else make_executor(args.executor, args.workers, args.scheduler)
    executor = args.executor if owned is None else owned.executor
    try:
        result = appraise(scenarios, out=out, draws=args.draws, replicates=args.replicates,
                          uncertainty=args.uncertainty, seed=seed, executor=executor, workers=args.workers,
                          threads=args.threads, shard=shard, progress=not args.quiet, command=command,
                          replace_other=args.restart)
    except KeyboardInterrupt as e:
        print(f"\nsocius: interrupted; finished runs are kept in {out}; run the same command again "
              "to resume", file=sys.stderr)
        return _interrupt_code(e)
    finally:
        if owned is not None:
            owned.close()
    if shard:
        print(f"socius: shard {shard[0]}/{shard[1]}: {result.done} of {result.in_scope} runs done; when every "
              f"shard is done, run the same command without --shard to write {out / 'appraisal.h5'}")
        return 0 if not result.failed else 1
    from .appraise import load

    print(load(result).summary())
    print(f"socius: appraisal written to {result}")
    if not args.no_report:
        page = _write_report(result, Path(args.report) if args.report else out / "report", args.overwrite)
        if page is not None:
            print(f"socius: report written to {page}")
    return 0


def _cmd_calibrate(args) -> int:
    import shlex

    from .calibrate import CalibrationSpec, calibrate
    from .sweeps.runner import make_executor
    from .sweeps.slurm import parse_shard, shard_from_env

    spec = CalibrationSpec.load(args.spec)
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        expect(out, ("folder",), "a calibration folder (--out DIR)")
    shard = parse_shard(args.shard) if args.shard else shard_from_env()
    print(f"socius: calibrating {len(spec.parameters)} parameters of '{spec.base_scenario.name}' to "
          f"{len(spec.targets)} targets: {spec.waves} waves x {spec.runs} points x {spec.replicates} replicates, "
          f"executor {args.executor}" + (f", shard {shard[0]}/{shard[1]}" if shard else ""), file=sys.stderr)
    command = " ".join(shlex.quote(a) for a in ["socius", "calibrate", str(args.spec), "--out", str(out)])
    owned = None if args.executor == "local" else make_executor(args.executor, args.workers, args.scheduler)
    executor = args.executor if owned is None else owned.executor
    try:
        result = calibrate(spec, out=out, executor=executor, workers=args.workers, threads=args.threads,
                           shard=shard, retries=args.retries, progress=not args.quiet, restart=args.restart,
                           command=command)
    except KeyboardInterrupt as e:
        print(f"\nsocius: interrupted; finished runs are kept in {out}; run the same command again to resume",
              file=sys.stderr)
        return _interrupt_code(e)
    finally:
        if owned is not None:
            owned.close()
    if shard:
        if result is None:
            print(f"socius: every wave is complete; run the command without --shard to write the outputs")
        else:
            print(f"socius: shard {shard[0]}/{shard[1]}: {result.done} of {result.in_scope} runs of this wave done; "
                  "when every shard is done, run the shards again for the next wave, or the command without "
                  "--shard to finish")
        return 0 if result is None or not result.failed else 1
    print(result.summary())
    for what, label in (("sample", "non-implausible parameter sets"), ("scenario", "calibrated scenario"),
                        ("report", "report")):
        print(f"socius: {label}: {result.paths[what]}")
    return 0


def _cmd_trial(args) -> int:
    import json

    from .trial import DEFAULT_FOLLOW_UP, format_table, summary_dict, trial

    for path in [args.scenario] + ([args.baseline] if args.baseline else []):
        if identify(path).kind not in ("scenario", "text", "missing"):
            expect(path, ("scenario",), "a scenario file (TOML)")
    intervention = Scenario.load(args.scenario)
    baseline = Scenario.load(args.baseline) if args.baseline else None
    settings = list(args.set)
    given = {key: text for key, _, text in parse_settings(settings)}
    for key, option, value in (("simulation.steps", "--steps", args.steps),
                               ("simulation.population", "--population", args.population)):
        if value is not None and key in given:
            raise ScenarioError(f"key '{key}' is set twice on the command line: {option} {value} and "
                                f"{given[key]}; give it once")
    if args.steps is not None:
        settings.append(f"simulation.steps={args.steps}")
    output = Path(args.output) if args.output else None
    seed = args.seed if args.seed is not None else secrets.randbits(64)
    follow = args.follow_up or list(DEFAULT_FOLLOW_UP)
    print(f"socius: virtual trial of scenario {intervention.name}"
          + (f" in the world of {baseline.name}" if baseline is not None else "")
          + f": {args.replicates} replicate{'s' if args.replicates != 1 else ''}, follow-up "
          + ", ".join(str(w) for w in sorted(set(follow))) + f" weeks; master seed {seed}", file=sys.stderr)
    ds = trial(intervention, baseline=baseline, policy=args.policy, eligible=args.eligible, follow_up=follow,
               population=args.population, settings=settings, replicates=args.replicates, seed=seed,
               threads=args.threads, output=output, overwrite=args.overwrite, progress=not args.quiet)
    if args.json:
        print(json.dumps(summary_dict(ds), indent=1, allow_nan=False))
    else:
        print(format_table(ds))
    if output is not None:
        print(f"socius: trial written to {output}", file=sys.stderr)
    return 0


def _cmd_report(args) -> int:
    from .report import report

    results = Path(args.results)
    found = expect(results, ("results", "comparison", "appraisal", "sweep folder", "sweep index"),
                    "a results file, a comparison or appraisal file, or a sweep folder")
    if found.kind == "sweep folder":
        _sweep_index_of(results)
    if args.output:
        out_dir = Path(args.output)
    elif found.kind == "sweep folder":
        out_dir = results / "report"
    else:
        out_dir = results.with_name(results.stem + "_report")
    if found.kind == "sweep folder" and (results / "appraisal.h5").is_file():  # an appraisal folder
        found, results = identify(results / "appraisal.h5"), results / "appraisal.h5"
        out_dir = Path(args.output) if args.output else results.parent / "report"
    if found.kind == "appraisal":
        page = _write_report(results, out_dir, args.overwrite)
        if page is None:
            return 1
        print(f"socius: report written to {page}")
        return 0
    page = report(results, out_dir, overwrite=args.overwrite)  # checks the folder before any work
    print(f"socius: report written to {page}")
    return 0


def _cmd_validate(args) -> int:
    print(_load(args).to_toml(), end="")
    return 0


def _sweep_index_of(folder: Path) -> Path:
    """The index of a sweep folder, or ResultsError saying how far the sweep got and how to index it."""
    from .sweeps import SweepSpec
    from .sweeps.layout import INDEX_FILE, SPEC_FILE, run_state

    index = folder / INDEX_FILE
    if index.is_file():
        return index
    spec = SweepSpec.load(folder / SPEC_FILE)
    states = [run_state(folder, info.run) for info in spec.runs()]
    raise ResultsError(
        f"'{folder}' is a sweep folder (sweep '{spec.name}': {states.count('done')} of {len(states)} "
        f"runs done, {states.count('failed')} failed) without an index yet; build it with: "
        f"socius sweep-index {folder}")


def _sweep_summary(path: Path) -> str:
    from .sweeps import open_sweep

    standard = {"run", "scenario", "point", "replicate", "seed", "status", "attempts", "time", "group",
                "indicator"}
    with open_sweep(path) as ds:
        a = ds.attrs
        params = [c for c in ds.coords if c not in standard and ds[c].dims == ("run",)]
        summaries = [v for v in ds.data_vars if ds[v].dims == ("run",) and v not in ("wall_seconds", "error")]
        scenarios = sorted({str(s) for s in ds["scenario"].values}) if "scenario" in ds.coords else []
        lines = [
            f"file:        {path}",
            f"sweep:       {a.get('sweep_name')} ({a.get('sweep_hash')}); model {a.get('model')}; "
            f"design {a.get('design')}",
            f"runs:        {show(a.get('runs'))} ({show(a.get('points'))} points x {show(a.get('replicates'))} "
            f"replicates" + (f" x {len(scenarios)} scenarios" if len(scenarios) > 1 else "") + "): "
            f"{show(a.get('runs_done'))} done, {show(a.get('runs_failed'))} failed, "
            f"{show(a.get('runs_missing'))} missing",
            "scenarios:   " + ", ".join(scenarios),
            "parameters:  " + (", ".join(params) or "none varied"),
            "summaries:   " + (", ".join(summaries) or "none"),
            f"seeds:       master {a.get('master_seed')}",
            f"version:     socius {a.get('engine_version')}",
            f"created:     {a.get('created')}",
            "dimensions:  " + ", ".join(f"{k}={v}" for k, v in ds.sizes.items()),
        ]
    if int(a.get("runs_done", 0)) < int(a.get("runs", 0)):
        lines.append("the sweep is not complete: run the same socius sweep command again to finish "
                     "it, then socius sweep-index to update the index")
    return "\n".join(lines)


def _checkpoint_summary(path: Path) -> str:
    import tomllib

    state = _core.Checkpoint(str(path))
    scenario = tomllib.loads(state.extra("scenario"))
    every = state.extra("checkpoint_every")
    return "\n".join([
        f"file:        {path}",
        f"checkpoint:  of a run of scenario {scenario.get('name')} (model {state.model}), saved every "
        f"{every} steps",
        f"output:      {state.extra('output')} (written when the run finishes)",
        f"continue:    socius resume {path}",
    ])


def _cmd_info(args) -> int:
    from .compare import summary as comparison_summary

    path = Path(args.results)
    found = expect(path, ("results", "comparison", "appraisal", "sweep folder", "sweep index", "checkpoint", "trial"),
                    "a file socius info reads (results of socius run, a comparison, a sweep folder or "
                    "its sweep.h5, a checkpoint, or a trial)")
    if found.kind == "results":
        print(summary(path))
    elif found.kind == "appraisal":
        print(comparison_summary(path))
    elif found.kind == "comparison":
        print(f"file:        {path}\n{found.what} (written by an earlier socius; run the comparison again "
              "to get an appraisal file)")
    elif found.kind == "checkpoint":
        print(_checkpoint_summary(path))
    elif found.kind == "trial":
        from .trial import summary as trial_summary

        print(trial_summary(path))
    else:
        print(_sweep_summary(_sweep_index_of(path) if found.kind == "sweep folder" else path))
    return 0


def _cmd_models(args) -> int:
    for m in _core.models():
        print(f"{m['name']:<12} {m['summary']}")
    return 0


def _cmd_sweep(args) -> int:
    from .sweeps import SweepRunError, SweepSpec, sweep
    from .sweeps.layout import SPEC_FILE
    from .sweeps.runner import make_executor, prepare_directory
    from .sweeps.slurm import parse_shard, sbatch_script, shard_from_env

    found = identify(args.spec)
    if found.kind not in ("sweep spec", "text", "missing"):
        expect(args.spec, ("sweep spec",), "a sweep spec (TOML; see docs/sweeps.md)")
    spec = SweepSpec.load(args.spec)
    out = Path(args.out)
    if out.exists() and identify(out).kind not in ("sweep folder", "folder"):
        expect(out, ("sweep folder", "folder"), "a sweep folder (--out DIR)")
    if args.sbatch:
        prepare_directory(spec, out)
        (out / "slurm").mkdir(exist_ok=True)
        tasks = args.array or min(spec.n_runs, 100)
        # The script runs the directory's own copy of the spec: self-contained (scenarios
        # inlined), so editing or moving the original cannot change what the array runs.
        script = sbatch_script(out / SPEC_FILE, out, tasks=tasks, runs=spec.n_runs, cpus=args.cpus_per_task,
                               time_limit=args.time, partition=args.partition, account=args.account,
                               memory=args.mem, max_running=args.max_running, extra=args.sbatch_option,
                               name=f"socius-{spec.name}")
        path = out / "sweep.sbatch"
        path.write_text(script, encoding="utf-8")
        path.chmod(0o755)
        print(f"socius: wrote {path}: {spec.n_runs} runs in {tasks} array tasks; submit with: sbatch {path}")
        print(f"socius: when the array is done: socius sweep-index {out}")
        return 0
    shard = parse_shard(args.shard) if args.shard else shard_from_env()
    where = f", shard {shard[0]}/{shard[1]}" if shard else ""
    print(f"socius: sweep {spec.name}: {spec.n_runs} runs ({spec.n_points} {spec.method} points x "
          f"{spec.replicates} replicates x {len(spec.scenarios)} scenarios){where}, "
          f"executor {args.executor}", file=sys.stderr)
    owned = None if args.executor == "local" else make_executor(args.executor, args.workers, args.scheduler)
    executor = args.executor if owned is None else owned.executor
    try:
        result = sweep(spec, out, executor, workers=args.workers, threads=args.threads, shard=shard,
                       retries=args.retries, max_in_flight=args.max_in_flight, progress=not args.quiet,
                       index=False if args.no_index else None)
    except KeyboardInterrupt as e:
        print(f"\nsocius: interrupted; finished runs are kept in {out}; run the same command again "
              "to resume", file=sys.stderr)
        return _interrupt_code(e)
    except SweepRunError as e:
        print(f"socius: error: {e}", file=sys.stderr)
        return 1
    finally:
        if owned is not None:
            owned.close()
    print(f"socius: {result.done} of {result.in_scope} runs done ({result.skipped} were already done), "
          f"{len(result.failed)} failed, in {result.seconds:.1f} s")
    if result.index:
        print(f"socius: index written to {result.index}")
    elif shard:
        print(f"socius: when every shard is done: socius sweep-index {out}")
    if result.failed:
        for run in result.failed[:10]:  # which scenario, point, seed and why, one line each
            reason = str(result.errors.get(run, "")).strip().splitlines()
            if reason:
                print(f"socius: run {run}: {reason[-1]}", file=sys.stderr)
        shown = ", ".join(map(str, result.failed[:10])) + (" ..." if len(result.failed) > 10 else "")
        print(f"socius: failed runs: {shown}; tracebacks in {out}/runs/*/r*.error.json; run the same "
              "command again to retry them", file=sys.stderr)
        return 1
    return 0


def _cmd_sweep_index(args) -> int:
    from .sweeps import build_index, open_sweep

    expect(args.dir, ("sweep folder",), "a sweep folder (written by socius sweep SPEC.toml --out DIR)")
    path = build_index(args.dir, virtual=not args.copy)
    with open_sweep(path) as ds:
        a = ds.attrs
        print(f"socius: index written to {path}: {a['runs_done']} of {a['runs']} runs done, "
              f"{a['runs_failed']} failed, {a['runs_missing']} missing")
    return 0



def _add_executor_arguments(p) -> None:
    """--executor, --workers, --scheduler and --threads: where the runs of a sweep, an appraisal
    or a calibration go (python/socius/sweeps/pool.py)."""
    p.add_argument("--executor", choices=("local", "dask", "mpi"), default="local",
                   help="local process pool (default), a Dask cluster, or MPI (under mpiexec -n K "
                        "python -m mpi4py.futures -m socius ...)")
    p.add_argument("--workers", type=_positive, help="local processes / LocalCluster workers (default: all cores)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="Dask scheduler address (tcp://host:8786) or scheduler JSON file; default: a LocalCluster")
    p.add_argument("--threads", type=_positive, help="engine threads per run (default: cores / workers)")

def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="socius", description="Agent-based community simulation.")
    parser.add_argument("--version", action="version", version=f"socius {_core.__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def scenario_args(p):
        p.add_argument("scenario", help="scenario TOML file")
        p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", type=_setting,
                       help="override a parameter, e.g. --set ties.decay_friend=0.02 (repeatable; "
                            "a key may be given once)")
        p.add_argument("--population", type=_positive, help="number of agents (simulation.population)")
        p.add_argument("--steps", type=int, help="steps after burn-in (simulation.steps)")

    p = sub.add_parser("run", help="run a scenario and write an HDF5 results file")
    scenario_args(p)
    p.add_argument("-o", "--output", help="results file (default: results/<scenario name>.h5)")
    p.add_argument("--overwrite", action="store_true",
                   help="replace an existing output file of another kind or scenario (a rerun of the "
                        "same scenario replaces its own results without it)")
    p.add_argument("--seed", type=_seed, help="64-bit seed (default: drawn at random and recorded)")
    p.add_argument("--threads", type=_positive, help="worker threads (default: all cores)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.add_argument("--checkpoint-every", type=_positive, metavar="K",
                   help="save the complete state every K steps so a killed run can be resumed")
    p.add_argument("--checkpoint", metavar="PATH", help="checkpoint file (default: OUT.h5.ckpt)")
    p.set_defaults(func=_cmd_run)

    p = sub.add_parser("compare", help="run scenarios side by side with paired replicates; one HDF5 file",
                       description="Runs every scenario R times (replicate r of every scenario shares "
                                   "its seed, so differences are paired) in parallel worker processes "
                                   "and writes one HDF5 file with scenario and replicate dimensions. "
                                   "The first scenario is the baseline.")
    p.add_argument("scenarios", nargs="+", metavar="SCENARIO.toml",
                   help="scenario files; the first is the baseline")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", type=_setting,
                   help="override a parameter in every scenario (repeatable; a key may be given once)")
    p.add_argument("--population", type=_positive, help="number of agents in every scenario")
    p.add_argument("--steps", type=int, help="steps after burn-in in every scenario")
    p.add_argument("-r", "--replicates", type=_positive, default=5,
                   help="runs per scenario (default 5; 95%% intervals need at least 2)")
    p.add_argument("--seed", type=_seed, help="master seed (default: drawn at random and recorded)")
    p.add_argument("-o", "--output", help="comparison file (default: results/comparison.h5)")
    p.add_argument("--report", metavar="DIR", help="also write the HTML report to DIR/index.html")
    p.add_argument("--overwrite", action="store_true",
                   help="replace an existing output file that is not an earlier comparison of the "
                        "same scenarios, and write the report into a folder holding other files")
    p.add_argument("--threads", type=_positive, help="threads per run (default: cores / workers)")
    p.add_argument("--workers", type=_positive, help="parallel runs (default: one per core)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_compare)

    p = sub.add_parser("appraise", help="appraise options under parameter uncertainty (PSA); resumable",
                       description="Runs every option (scenario; the first is the baseline) under D "
                                   "parameter draws from the uncertainty file, R times each, with common "
                                   "random numbers (every option under the same draw and seed), on the "
                                   "sweep machinery, and writes DIR/appraisal.h5: discounted costs and "
                                   "outcomes, their value, ICERs, the probability each option is best, "
                                   "acceptability curves, the tornado and the equity-weighted total "
                                   "(docs/appraisal.md).")
    p.add_argument("scenarios", nargs="+", metavar="SCENARIO.toml", help="options; the first is the baseline")
    p.add_argument("--draws", type=_positive, default=1, help="parameter draws (Latin hypercube; default 1)")
    p.add_argument("-r", "--replicates", type=_positive, default=1, help="runs per option and draw (default 1)")
    p.add_argument("--uncertainty", metavar="FILE",
                   help="priors of the uncertain parameters (e.g. scenarios/uncertainty.toml); "
                        "without it nothing is uncertain (a comparison)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", type=_setting,
                   help="override a parameter in every option (repeatable; a key may be given once)")
    p.add_argument("--population", type=_positive, help="residents in every option")
    p.add_argument("--steps", type=int, help="steps after burn-in in every option")
    p.add_argument("--seed", type=_seed, help="master seed (default: drawn at random and recorded)")
    p.add_argument("--out", required=True, help="appraisal folder: run files, index and appraisal.h5")
    _add_executor_arguments(p)
    p.add_argument("--shard", metavar="I/N", help="run only runs r with r %% N == I (a Slurm array task); "
                   "run again without it to write the appraisal")
    p.add_argument("--report", metavar="DIR", help="report folder (default: OUT/report)")
    p.add_argument("--no-report", action="store_true", help="write no report")
    p.add_argument("--restart", action="store_true",
                   help="if OUT holds the runs of another appraisal (other options, draws, seed or "
                        "priors), delete them and start again instead of refusing")
    p.add_argument("--overwrite", action="store_true", help="write the report into a folder holding other files")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_appraise)

    p = sub.add_parser("calibrate", help="fit parameters to a targets file by history matching; resumable",
                       description="History matching (docs/calibration.md): waves of Latin-hypercube designs run "
                                   "on the sweep machinery, a Gaussian-process emulator per target, implausibility "
                                   "cut-offs; writes the non-implausible parameter sets (for socius appraise "
                                   "--uncertainty), a calibrated scenario and a report into DIR.")
    p.add_argument("spec", metavar="SPEC.toml", help="calibration spec (e.g. scenarios/calibration/baseline.toml)")
    p.add_argument("--out", required=True, help="calibration folder: one sweep folder per wave, and the outputs")
    _add_executor_arguments(p)
    p.add_argument("--shard", metavar="I/N", help="run only runs r with r %% N == I of the first wave not yet "
                   "complete (a Slurm array task), then stop")
    p.add_argument("--retries", type=_nonnegative, default=1, help="further attempts at a failed run (default 1)")
    p.add_argument("--restart", action="store_true", help="if OUT holds another calibration's runs, delete them "
                   "and start again instead of refusing")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_calibrate)

    p = sub.add_parser("trial", help="run a virtual randomised trial of a person-level policy",
                       description="Randomises the eligible residents at the start of the scenario's "
                                   "person-level policy (befriending, hubs or relational practice) into "
                                   "offered and control arms within one simulation, and reports the "
                                   "intention-to-treat difference of each outcome at each follow-up as a "
                                   "difference and a standardised mean difference, with 95% intervals "
                                   "over replicates (docs/trials.md).")
    p.add_argument("scenario", metavar="INTERVENTION.toml", help="the scenario whose policy is trialled")
    p.add_argument("--baseline", metavar="BASELINE.toml",
                   help="run the trial in this scenario's world: BASELINE with the intervention's "
                        "policy.<policy>.* values on top (default: the intervention scenario as it is)")
    p.add_argument("--policy", choices=("befriending", "hubs", "relational_practice"),
                   help="the policy to trial (needed when the scenario enables several, or none: a placebo "
                        "trial with --eligible)")
    p.add_argument("--eligible", metavar="EXPR",
                   help="who is randomised, a condition over resident columns at the start, e.g. "
                        "\"age >= 65 and loneliness >= 0.5\" (default: the policy's own target group)")
    p.add_argument("--follow-up", type=_positive, nargs="+", metavar="WEEKS",
                   help="weeks after the start at which outcomes are read (default 26 52)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", type=_setting,
                   help="override a parameter, e.g. --set simulation.burn_in=104 (repeatable)")
    p.add_argument("--population", type=_positive, help="number of residents (simulation.population)")
    p.add_argument("--steps", type=int, help="steps after burn-in (simulation.steps)")
    p.add_argument("-r", "--replicates", type=_positive, default=5,
                   help="independent trials (default 5; with 1 the interval is the within-trial one)")
    p.add_argument("--seed", type=_seed, help="master seed (default: drawn at random and printed)")
    p.add_argument("--threads", type=_positive, help="threads per simulation (results do not depend on it)")
    p.add_argument("-o", "--output", metavar="OUT.h5", help="also write the results to an HDF5 file")
    p.add_argument("--overwrite", action="store_true",
                   help="replace an existing output file that is not an earlier trial of the same scenario")
    p.add_argument("--json", action="store_true", help="print a machine-readable summary instead of the table")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_trial)

    p = sub.add_parser("report", help="write a self-contained HTML report of a comparison or a run")
    p.add_argument("results", help="comparison file from socius compare (or results from socius run)")
    p.add_argument("-o", "--output", metavar="DIR",
                   help="folder for index.html (default: <results file name>_report beside it; "
                        "DIR/report for a sweep folder)")
    p.add_argument("--overwrite", action="store_true",
                   help="write index.html into a folder that holds files not written by a socius "
                        "report (they are left as they are; an index.html is replaced)")
    p.set_defaults(func=_cmd_report)

    p = sub.add_parser("resume", help="continue a run from its checkpoint")
    p.add_argument("checkpoint", help="checkpoint file written by run --checkpoint-every")
    p.add_argument("--threads", type=_positive, help="worker threads (default: all cores)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_resume)

    p = sub.add_parser("validate", help="print the resolved scenario, or what is wrong with it")
    scenario_args(p)
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser("info", help="summarise a results file, a comparison, a sweep, a checkpoint or a trial")
    p.add_argument("results", help="results file (.h5) of socius run, comparison file, sweep folder "
                   "or its sweep.h5, or checkpoint")
    p.set_defaults(func=_cmd_info)

    p = sub.add_parser("sweep", help="run a parameter sweep (resumable; local, Dask, MPI or Slurm)")
    p.add_argument("spec", help="sweep spec TOML file (see docs/sweeps.md)")
    p.add_argument("--out", required=True, help="sweep directory: one results file per run, and the index")
    _add_executor_arguments(p)
    p.add_argument("--shard", metavar="I/N", help="run only runs r with r %% N == I (default: from "
                   "SLURM_ARRAY_TASK_ID/COUNT/MIN in a Slurm array job)")
    p.add_argument("--retries", type=_nonnegative, default=1, help="further attempts at a failed run in this call (default 1)")
    p.add_argument("--max-in-flight", type=_positive, help="bound on submitted, unfinished runs")
    p.add_argument("--no-index", action="store_true", help="do not build DIR/sweep.h5 at the end")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    g = p.add_argument_group("Slurm job arrays")
    g.add_argument("--sbatch", action="store_true", help="write DIR/sweep.sbatch for an array job, do not run")
    g.add_argument("--array", type=_positive, help="array tasks (default: runs, at most 100)")
    g.add_argument("--cpus-per-task", type=_positive, default=1, help="CPUs (local workers) per task")
    g.add_argument("--time", default="01:00:00", help="time limit per task (default 01:00:00)")
    g.add_argument("--partition", help="Slurm partition")
    g.add_argument("--account", help="Slurm account")
    g.add_argument("--mem", help="memory per task, e.g. 4G")
    g.add_argument("--max-running", type=_positive, help="at most this many tasks at once (--array=0-N%%M)")
    g.add_argument("--sbatch-option", action="append", default=[], metavar="OPTION",
                   help="another #SBATCH line, e.g. --sbatch-option=--qos=short (repeatable)")
    p.set_defaults(func=_cmd_sweep)

    p = sub.add_parser("sweep-index", help="build DIR/sweep.h5 from a sweep's runs (after Slurm shards)")
    p.add_argument("dir", help="the sweep directory")
    p.add_argument("--copy", action="store_true", help="copy the values into the index instead of "
                   "virtual datasets over the run files (a self-contained index)")
    p.set_defaults(func=_cmd_sweep_index)

    p = sub.add_parser("models", help="list the built-in models")
    p.set_defaults(func=_cmd_models)
    return parser


class _Terminated(KeyboardInterrupt):
    """SIGTERM (e.g. Slurm at a job's time limit, or ``kill``), handled like Ctrl-C."""


def _on_sigterm(signum, frame):
    raise _Terminated()


def _split_setting(argv: list[str]) -> str | None:
    """``--set KEY VALUE`` or ``--set KEY = VALUE`` (a space where '=' belongs): the message to
    give, naming what was typed and how to write it, or None."""
    for i, word in enumerate(argv[:-1]):
        if word != "--set" or "=" in argv[i + 1]:
            continue
        rest = argv[i + 2:i + 4]
        if rest[:1] == ["="] and len(rest) == 2:
            typed, value = f"--set {argv[i + 1]} = {rest[1]}", rest[1]
        elif rest and not rest[0].startswith("-") and not rest[0].startswith("="):
            typed, value = f"--set {argv[i + 1]} {rest[0]}", rest[0]
        else:
            continue
        return (f"socius: error: {typed}: write it as one word, --set {argv[i + 1]}={value} "
                "(no spaces around '=')")
    return None


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else [str(a) for a in argv]
    split = _split_setting(argv)
    if split:
        print(split, file=sys.stderr)
        return EXIT_BAD_INPUT
    args = build_parser().parse_args(argv)
    # SIGTERM stops a run as Ctrl-C does: between steps, temporary files removed, the last
    # checkpoint kept. Python runs the handler in the main thread between chunks of C++ work.
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        code = args.func(args)
    except (RunError, _core.OutputError, ValueError) as e:
        if not isinstance(e, _core.Error):
            raise  # a ValueError socius did not mean to raise is a bug: show its traceback
        print(f"socius: error: {e}", file=sys.stderr)
        # Bad input (ScenarioError, CheckpointError, ResultsError, ...: socius errors that are also
        # ValueErrors) and files that cannot be written exit 2; a failed run (named in one line:
        # run, seed, signal) exits 1.
        return 1 if isinstance(e, RunError) else EXIT_BAD_INPUT
    except OSError as e:
        if e.filename is None:
            raise
        # A file or folder the user named cannot be made or read (permissions, a file in the way).
        print(f"socius: error: '{e.filename}': {e.strerror or e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt as e:
        print("\nsocius: interrupted; no results file was written (temporary files were removed)",
              file=sys.stderr)
        return _interrupt_code(e)
    except BrokenPipeError:  # output piped into a reader that stopped early (| head): not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    return code


if __name__ == "__main__":
    sys.exit(main())
