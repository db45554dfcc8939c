"""The sweep folder's layout: where the spec, the index, each run's results and its error record
live, and what state a run is in. The runner writes this layout and the index reads it; neither
imports the other for it.

::

    DIR/sweep.toml                        the spec, self-contained (scenarios inlined)
    DIR/sweep.h5                          the index (socius sweep-index)
    DIR/runs/0000/r0000012.h5             run 12's results (1000 runs per folder)
    DIR/runs/0000/r0000012.error.json     its last failed attempt (traceback, attempts)
"""

from __future__ import annotations

import json
from pathlib import Path

__all__ = ["SPEC_FILE", "INDEX_FILE", "run_name", "run_relpath", "error_path", "read_error", "run_state"]

SPEC_FILE = "sweep.toml"
INDEX_FILE = "sweep.h5"


def run_name(run: int) -> str:
    """``r0000012`` for run 12."""
    return f"r{run:07d}"


def run_relpath(run: int) -> str:
    """The run's results file, relative to the sweep folder (1000 runs per sub-folder)."""
    return f"runs/{run // 1000:04d}/{run_name(run)}.h5"


def error_path(results: Path) -> Path:
    """The error record beside a run's results file: ``rNNNNNNN.error.json``."""
    return Path(results).with_suffix(".error.json")


def read_error(path: Path) -> dict:
    """An error record, or ``{}`` if there is none or it cannot be read."""
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def run_state(out: Path, run: int) -> str:
    """``done`` (results file exists), ``failed`` (an error record exists) or ``missing``."""
    path = Path(out) / run_relpath(run)
    if path.exists():
        return "done"
    if error_path(path).exists():
        return "failed"
    return "missing"
