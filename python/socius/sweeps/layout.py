"""The sweep folder's layout: where the spec, the index, each run's results and its error record
live, and what state a run is in. The runner writes this layout and the index reads it; neither
imports the other for it.

::

    DIR/sweep.toml                        the spec, self-contained (scenarios inlined)
    DIR/sweep.h5                          the index (socius sweep-index)
    DIR/runs/0000/r0000012.h5             run 12's results (1000 runs per folder)
    DIR/runs/0000/r0000012.error.json     its last failed attempt (traceback, attempts)
    DIR/runs/0000.h5                      block 0: runs 0-999 consolidated (see .blocks)
"""

from __future__ import annotations

import json
from pathlib import Path

__all__ = ["SPEC_FILE", "INDEX_FILE", "BLOCK_SIZE", "run_name", "run_relpath", "block_of", "block_folder", "block_relpath",
           "error_path", "read_error", "run_state"]

SPEC_FILE = "sweep.toml"
INDEX_FILE = "sweep.h5"
BLOCK_SIZE = 1000  # runs per folder, and per block file


def run_name(run: int) -> str:
    """``r0000012`` for run 12."""
    return f"r{run:07d}"


def run_relpath(run: int) -> str:
    """The run's results file, relative to the sweep folder (1000 runs per sub-folder)."""
    return f"{block_folder(block_of(run))}/{run_name(run)}.h5"


def block_of(run: int) -> int:
    """The block (and folder) of a run: ``run // BLOCK_SIZE``."""
    return run // BLOCK_SIZE


def block_folder(block: int) -> str:
    """The folder of a block's run files, relative to the sweep folder: ``runs/0000``."""
    return f"runs/{block:04d}"


def block_relpath(block: int) -> str:
    """The block file of a block's runs, relative to the sweep folder: ``runs/0000.h5``."""
    return f"runs/{block:04d}.h5"


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
