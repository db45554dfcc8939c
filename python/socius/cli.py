"""The ``socius`` command line: a thin layer over the Python API.

Exit codes: 0 success, 2 bad input (the message says what to fix), 1 internal failure,
130 interrupted.
"""

from __future__ import annotations

import argparse
import secrets
import signal
import sys
import threading
from pathlib import Path

from . import _core
from .results import ResultsError, summary
from .scenario import Scenario, ScenarioError
from .simulation import resume, run

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
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
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
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if not 0 <= value < 2**64:
        raise argparse.ArgumentTypeError(f"must be in [0, 2**64), got {value}")
    return value


def _load(args, path=None) -> Scenario:
    scenario = Scenario.load(args.scenario if path is None else path)
    overrides = {}
    if getattr(args, "population", None) is not None:
        overrides["simulation.population"] = args.population
    if getattr(args, "steps", None) is not None:
        overrides["simulation.steps"] = args.steps
    if overrides:
        scenario = scenario.with_overrides(overrides, origin="command line")
    if args.set:
        scenario = scenario.with_settings(args.set)
    scenario.validate()
    return scenario


def _cmd_run(args) -> int:
    scenario = _load(args)
    output = Path(args.output) if args.output else Path("results") / f"{scenario.name}.h5"
    if not args.output:
        output.parent.mkdir(parents=True, exist_ok=True)
    print(f"socius: running {scenario.name} ({scenario.model}) with "
          f"{scenario.parameters['simulation.population']} agents for "
          f"{scenario.parameters['simulation.burn_in']} burn-in + "
          f"{scenario.parameters['simulation.steps']} steps", file=sys.stderr)
    ckpt = None
    if args.checkpoint_every:
        ckpt = Path(args.checkpoint) if args.checkpoint else output.with_name(output.name + ".ckpt")
    try:
        path = run(scenario, output, seed=args.seed, threads=args.threads, progress=not args.quiet,
                   checkpoint_every=args.checkpoint_every, checkpoint=ckpt)
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
    try:
        path = resume(ckpt, threads=args.threads, progress=not args.quiet)
    except KeyboardInterrupt as e:
        _interrupted(ckpt)
        return _interrupt_code(e)
    print(f"socius: results written to {path}")
    return 0


def _cmd_compare(args) -> int:
    from .compare import check_comparable, compare

    scenarios = [_load(args, path) for path in args.scenarios]
    check_comparable(scenarios)
    output = Path(args.output) if args.output else Path("results") / "comparison.h5"
    if not args.output:
        output.parent.mkdir(parents=True, exist_ok=True)
    seed = args.seed if args.seed is not None else secrets.randbits(64)
    runs = len(scenarios) * args.replicates
    print(f"socius: comparing {len(scenarios)} scenario{'s' if len(scenarios) != 1 else ''} "
          f"({', '.join(s.name for s in scenarios)}) x {args.replicates} replicate"
          f"{'s' if args.replicates != 1 else ''} = {runs} runs; master seed {seed}", file=sys.stderr)
    path = compare(scenarios, replicates=args.replicates, seed=seed, output=output,
                   threads=args.threads, workers=args.workers, progress=not args.quiet)
    print(f"socius: comparison written to {path}")
    if args.report:
        from .report import report

        page = report(path, args.report)
        print(f"socius: report written to {page}")
    return 0


def _cmd_report(args) -> int:
    from .report import report

    results = Path(args.results)
    out_dir = Path(args.output) if args.output else results.with_name(results.stem + "_report")
    page = report(results, out_dir)
    print(f"socius: report written to {page}")
    return 0


def _cmd_validate(args) -> int:
    print(_load(args).to_toml(), end="")
    return 0


def _cmd_info(args) -> int:
    from .compare import is_comparison, summary as comparison_summary

    print(comparison_summary(args.results) if is_comparison(args.results) else summary(args.results))
    return 0


def _cmd_models(args) -> int:
    for m in _core.models():
        print(f"{m['name']:<12} {m['summary']}")
    return 0


def _cmd_sweep(args) -> int:
    from .sweeps import (SweepRunError, SweepSpec, make_executor, parse_shard, sbatch_script,
                         shard_from_env, sweep)
    from .sweeps.runner import prepare_directory

    spec = SweepSpec.load(args.spec)
    out = Path(args.out)
    if args.sbatch:
        prepare_directory(spec, out)
        (out / "slurm").mkdir(exist_ok=True)
        tasks = args.array or min(spec.n_runs, 100)
        # The script runs the directory's own copy of the spec: self-contained (scenarios
        # inlined), so editing or moving the original cannot change what the array runs.
        script = sbatch_script(out / "sweep.toml", out, tasks=tasks, runs=spec.n_runs, cpus=args.cpus_per_task,
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
    owned = None
    executor = args.executor
    if args.executor != "local":
        owned = make_executor(args.executor, args.workers, args.scheduler)
        executor = owned.executor
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
        shown = ", ".join(map(str, result.failed[:10])) + (" ..." if len(result.failed) > 10 else "")
        print(f"socius: failed runs: {shown}; tracebacks in {out}/runs/*/r*.error.json; run the same "
              "command again to retry them", file=sys.stderr)
        return 1
    return 0


def _cmd_sweep_index(args) -> int:
    from .sweeps import build_index, open_sweep

    path = build_index(args.dir, virtual=not args.copy)
    with open_sweep(path) as ds:
        a = ds.attrs
        print(f"socius: index written to {path}: {a['runs_done']} of {a['runs']} runs done, "
              f"{a['runs_failed']} failed, {a['runs_missing']} missing")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="socius", description="Agent-based community simulation.")
    parser.add_argument("--version", action="version", version=f"socius {_core.__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def scenario_args(p):
        p.add_argument("scenario", help="scenario TOML file")
        p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                       help="override a parameter, e.g. --set ties.decay_friend=0.02 (repeatable)")
        p.add_argument("--population", type=_positive, help="number of agents (simulation.population)")
        p.add_argument("--steps", type=int, help="steps after burn-in (simulation.steps)")

    p = sub.add_parser("run", help="run a scenario and write an HDF5 results file")
    scenario_args(p)
    p.add_argument("-o", "--output", help="results file (default: results/<scenario name>.h5)")
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
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override a parameter in every scenario (repeatable)")
    p.add_argument("--population", type=_positive, help="number of agents in every scenario")
    p.add_argument("--steps", type=int, help="steps after burn-in in every scenario")
    p.add_argument("-r", "--replicates", type=_positive, default=5,
                   help="runs per scenario (default 5; 95%% intervals need at least 2)")
    p.add_argument("--seed", type=_seed, help="master seed (default: drawn at random and recorded)")
    p.add_argument("-o", "--output", help="comparison file (default: results/comparison.h5)")
    p.add_argument("--report", metavar="DIR", help="also write the HTML report to DIR/index.html")
    p.add_argument("--threads", type=_positive, help="threads per run (default: cores / workers)")
    p.add_argument("--workers", type=_positive, help="parallel runs (default: one per core)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_compare)

    p = sub.add_parser("report", help="write a self-contained HTML report of a comparison or a run")
    p.add_argument("results", help="comparison file from socius compare (or results from socius run)")
    p.add_argument("-o", "--output", metavar="DIR",
                   help="folder for index.html (default: <results file name>_report beside it)")
    p.set_defaults(func=_cmd_report)

    p = sub.add_parser("resume", help="continue a run from its checkpoint")
    p.add_argument("checkpoint", help="checkpoint file written by run --checkpoint-every")
    p.add_argument("--threads", type=_positive, help="worker threads (default: all cores)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=_cmd_resume)

    p = sub.add_parser("validate", help="print the resolved scenario, or what is wrong with it")
    scenario_args(p)
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser("info", help="summarise a results file")
    p.add_argument("results", help="results file (.h5)")
    p.set_defaults(func=_cmd_info)

    p = sub.add_parser("sweep", help="run a parameter sweep (resumable; local, Dask, MPI or Slurm)")
    p.add_argument("spec", help="sweep spec TOML file (see docs/sweeps.md)")
    p.add_argument("--out", required=True, help="sweep directory: one results file per run, and the index")
    p.add_argument("--executor", choices=("local", "dask", "mpi"), default="local",
                   help="local process pool (default), a Dask cluster, or MPI (under mpiexec -n K "
                        "python -m mpi4py.futures -m socius sweep ...)")
    p.add_argument("--workers", type=_positive, help="local processes / LocalCluster workers (default: all cores)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="Dask scheduler address (tcp://host:8786) or scheduler JSON file; default: a LocalCluster")
    p.add_argument("--threads", type=_positive, help="engine threads per run (default: cores / workers)")
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


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # SIGTERM stops a run as Ctrl-C does: between steps, temporary files removed, the last
    # checkpoint kept. Python runs the handler in the main thread between chunks of C++ work.
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        code = args.func(args)
    except (ScenarioError, ResultsError, _core.CheckpointError) as e:
        print(f"socius: error: {e}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt as e:
        print("\nsocius: interrupted; no results file was written (temporary files were removed)",
              file=sys.stderr)
        return _interrupt_code(e)
    return code


if __name__ == "__main__":
    sys.exit(main())
