"""Parameter sweeps from a laptop to a cluster: specs, designs, resumable runs, the index and
sensitivity analysis. The public names are re-exported by ``socius``: ``sweep``,
``SweepSpec`` and ``sensitivity``; the rest is here for the command line and advanced use.
"""

from .analysis import salib_form, sensitivity
from .index import INDEX_FILE, build_index, compute_summaries, open_sweep
from .runner import RunError, SweepResult, SweepRunError, make_executor, runs_in_scope, sweep
from .slurm import parse_shard, sbatch_script, shard_from_env
from .spec import Factor, RunInfo, SummarySpec, SweepSpec, SweepSpecError

__all__ = [
    "INDEX_FILE",
    "Factor",
    "RunError",
    "RunInfo",
    "SummarySpec",
    "SweepResult",
    "SweepRunError",
    "SweepSpec",
    "SweepSpecError",
    "build_index",
    "compute_summaries",
    "make_executor",
    "open_sweep",
    "parse_shard",
    "runs_in_scope",
    "salib_form",
    "sbatch_script",
    "sensitivity",
    "shard_from_env",
    "sweep",
]
