"""Comparing scenarios: an appraisal with nothing uncertain.

``compare(scenarios, replicates=R, seed=S, output=FILE)`` is :func:`socius.appraise.appraise`
with no uncertainty file and one parameter draw: the same orchestration (the sweep machinery),
the same seed scheme (replicate ``r`` of every scenario runs with the seed
``derive_seed(derive_seed(S, 0), r)``, so differences between scenarios are paired), the same
file (``socius-appraisal-1``: ``indicators(option, draw, replicate, time, group, indicator)``,
read with :func:`socius.appraise.load`) and the same report.

The runs are written to a folder beside the output, ``.FILE.runs``, which is removed when the
comparison file is written. If the comparison is interrupted (Ctrl-C, a failed run, a killed
process) the finished runs stay there and the same command resumes from them; a comparison of
other scenarios or another seed starts that folder again.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Iterable

from . import _core
from ._values import boolean, integer
from .appraise.run import SHARED_KEYS, check_comparable
from .results import check_output
from .scenario import Scenario, ScenarioError

__all__ = ["compare", "summary", "SHARED_KEYS", "check_comparable", "runs_folder"]


def runs_folder(output: str | os.PathLike) -> Path:
    """The folder holding a comparison's runs while it is computed: ``.NAME.runs`` beside it."""
    output = Path(output)
    return output.parent / f".{output.name}.runs"


def compare(scenarios: Iterable[Scenario | str | os.PathLike], *, replicates: int = 5,
            seed: int | None = None, output: str | os.PathLike = "results/comparison.h5",
            threads: int | None = None, workers: int | None = None, progress: bool = True,
            command: str | None = None, overwrite: bool = False, executor=None) -> Path:
    """Runs every scenario ``replicates`` times with paired seeds and writes one appraisal file.

    Parameters
    ----------
    scenarios : sequence of Scenario or path
        The scenarios; the first is the baseline. They must share model, ``simulation.steps``,
        ``simulation.burn_in`` and ``simulation.record_every``, and have distinct names.
    replicates : int
        Runs per scenario (at least 1; 95% intervals need at least 2).
    seed : int, optional
        Master seed in [0, 2**64). Without one it is drawn at random; it is always recorded.
    output : path
        The comparison file (an appraisal with no uncertain parameters); written under a
        temporary name and renamed when complete.
    threads, workers : int, optional
        Threads per run and parallel runs (results do not depend on them).
    progress : bool
        Show a progress bar on stderr.
    command : str, optional
        The command line to record.
    overwrite : bool
        Replace an existing ``output`` that is not an earlier comparison of the same scenarios.
    executor : optional
        As :func:`socius.sweep` (default: a local process pool).

    Returns
    -------
    pathlib.Path
        The comparison file.

    Raises
    ------
    ScenarioError
        A scenario is invalid or the scenarios cannot be compared (the message names the
        scenario and key).
    RunError
        A run failed (the message names it); the finished runs are kept and the same call resumes.
    OutputError
        ``output`` exists and is not an earlier comparison of the same scenarios (checked before
        any run), unless ``overwrite``; or its folder is missing or not writable.
    """
    from .appraise.run import _scenarios, appraise, build_spec
    from .appraise.uncertainty import Uncertainty

    scenarios = _scenarios(scenarios)
    replicates = integer(replicates, "replicates", minimum=1)
    seed = integer(seed, "seed", minimum=0, maximum=2**64 - 1, allow_none=True)
    if seed is None:
        import secrets

        seed = secrets.randbits(64)
    threads = integer(threads, "threads", minimum=1, allow_none=True)
    workers = integer(workers, "workers", minimum=1, allow_none=True)
    for s in scenarios:
        s.validate()
    check_comparable(scenarios)
    output = Path(output)
    if not output.parent.is_dir():
        raise _core.OutputError(f"cannot write '{output}': folder '{output.parent}' does not exist")
    if not os.access(output.parent, os.W_OK):
        raise _core.OutputError(f"cannot write '{output}': folder '{output.parent}' is not writable")
    check_output(output, scenarios, kind="appraisal", overwrite=boolean(overwrite, "overwrite"))
    runs = runs_folder(output)
    # The runs folder is this comparison's own: one left by a comparison of other scenarios or
    # another seed is started again (its runs would not belong to this one).
    if runs.exists():
        from .sweeps.layout import SPEC_FILE
        from .sweeps.spec import SweepSpec

        spec = build_spec(scenarios, Uncertainty.none(scenarios[0].model), draws=1, replicates=replicates, seed=seed)
        try:
            same = SweepSpec.load(runs / SPEC_FILE).hash() == spec.hash()
        except (ScenarioError, OSError):
            same = False
        if not same:
            shutil.rmtree(runs)
    if command is None:
        import shlex

        population = scenarios[0].validate()["simulation.population"]
        command = " ".join(shlex.quote(str(a)) for a in [
            "socius", "compare", *[s.source or f"{s.name}.toml" for s in scenarios], "--replicates", replicates,
            "--population", population, "--seed", seed, "-o", output])
    path = appraise(scenarios, out=runs, draws=1, replicates=replicates, seed=seed, executor=executor,
                    workers=workers, threads=threads, progress=progress, command=command,
                    appraisal_path=output)
    shutil.rmtree(runs, ignore_errors=True)
    return Path(path)


def summary(path: str | os.PathLike) -> str:
    """A readable summary of a comparison or appraisal file."""
    from .appraise import load

    return f"file:        {path}\n" + load(path).summary()
