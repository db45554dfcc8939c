"""Slurm job arrays: which shard a task runs, and a ready sbatch script.

Each array task runs ``socius sweep SPEC --out DIR`` on its slice of the runs (run ``r`` belongs
to shard ``r % N``, so slow corners of a design spread over all tasks). Without ``--shard`` the
slice comes from ``SLURM_ARRAY_TASK_ID``, ``SLURM_ARRAY_TASK_MIN`` and
``SLURM_ARRAY_TASK_COUNT`` (and ``SLURM_ARRAY_TASK_STEP`` for arrays like ``0-99:2``).
"""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path
from typing import Mapping

from .spec import SweepSpecError

__all__ = ["parse_shard", "shard_from_env", "sbatch_script"]


def parse_shard(text: str) -> tuple[int, int]:
    """``"I/N"`` as ``(I, N)``, with 0 <= I < N."""
    i, sep, n = str(text).partition("/")
    try:
        i_, n_ = int(i), int(n)
    except ValueError:
        i_ = n_ = -1
    if not sep or n_ < 1 or not 0 <= i_ < n_:
        raise SweepSpecError(f"--shard {text!r}: allowed: I/N with 0 <= I < N, e.g. 3/10")
    return i_, n_


def shard_from_env(env: Mapping[str, str] | None = None) -> tuple[int, int] | None:
    """The shard of a Slurm array task from its environment, or None outside an array job."""
    env = os.environ if env is None else env
    if "SLURM_ARRAY_TASK_ID" not in env:
        return None
    try:
        task = int(env["SLURM_ARRAY_TASK_ID"])
        low = int(env.get("SLURM_ARRAY_TASK_MIN", "0"))
        count = int(env["SLURM_ARRAY_TASK_COUNT"])
        step = int(env.get("SLURM_ARRAY_TASK_STEP", "1") or 1)
    except (KeyError, ValueError) as e:
        raise SweepSpecError(
            f"Slurm array environment: {e}: need integers in SLURM_ARRAY_TASK_ID, "
            "SLURM_ARRAY_TASK_COUNT and SLURM_ARRAY_TASK_MIN (or give --shard I/N)") from None
    index = (task - low) // max(step, 1)
    if count < 1 or not 0 <= index < count:
        raise SweepSpecError(f"Slurm array environment: task {task} (min {low}, step {step}) is not "
                             f"one of {count} tasks; give --shard I/N")
    return index, count


def sbatch_script(spec_path: str | os.PathLike, out: str | os.PathLike, *, tasks: int, runs: int,
                  cpus: int = 1, time_limit: str = "01:00:00", partition: str | None = None,
                  account: str | None = None, memory: str | None = None, max_running: int | None = None,
                  extra: list[str] | None = None, name: str = "socius-sweep") -> str:
    """A ready-to-submit sbatch script for an array of ``tasks`` shards of the sweep.

    Each task runs its shard with ``cpus`` local workers; the driver reads the shard from the
    Slurm environment. The script ends with how to build the index once the array is done.
    """
    out = Path(out).resolve()
    spec_path = Path(spec_path).resolve()
    array = f"0-{tasks - 1}" + (f"%{max_running}" if max_running else "")
    lines = [
        "#!/bin/bash",
        f"#SBATCH --job-name={name}",
        f"#SBATCH --array={array}",
        "#SBATCH --ntasks=1",
        f"#SBATCH --cpus-per-task={cpus}",
        f"#SBATCH --time={time_limit}",
        f"#SBATCH --output={out}/slurm/%A_%a.out",
    ]
    if partition:
        lines.append(f"#SBATCH --partition={partition}")
    if account:
        lines.append(f"#SBATCH --account={account}")
    if memory:
        lines.append(f"#SBATCH --mem={memory}")
    for opt in extra or []:
        lines.append(f"#SBATCH {opt}" if opt.startswith("--") else f"#SBATCH --{opt}")
    pythonpath = os.pathsep.join(str(Path(p).resolve()) for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p)
    lines += [
        "",
        f"# socius sweep: {runs} runs in {tasks} array tasks (task I runs runs r with r % {tasks} == I).",
        "# Submit:       sbatch THIS_FILE",
        "# Then index:   sbatch --dependency=afterany:JOBID --wrap \\",
        f"#                \"{shlex.quote(sys.executable)} -m socius sweep-index {shlex.quote(str(out))}\"",
        "# Resubmitting the same script reruns only runs that are missing or failed.",
        "set -euo pipefail",
        f"cd {shlex.quote(str(Path.cwd()))}",
    ]
    if pythonpath:
        lines.append(f"export PYTHONPATH={shlex.quote(pythonpath)}${{PYTHONPATH:+:$PYTHONPATH}}")
    lines += [
        "export OMP_NUM_THREADS=1",
        f"exec {shlex.quote(sys.executable)} -m socius sweep {shlex.quote(str(spec_path))} "
        f"--out {shlex.quote(str(out))} --workers \"${{SLURM_CPUS_PER_TASK:-{cpus}}}\" --threads 1 --quiet",
        "",
    ]
    return "\n".join(lines)
