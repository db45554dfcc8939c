"""Parameter sweeps from a laptop to a cluster: specs, designs, resumable runs, the index and
sensitivity analysis.

The public surface is what a user calls: :func:`sweep` (``socius.sweep``), :class:`SweepSpec`,
:func:`open_sweep`, :func:`build_index`, :func:`sensitivity` and :func:`salib_form`, what
:func:`sweep` returns (:class:`SweepResult`) and the errors it raises. The command line's
plumbing (executors by name, shards, Slurm scripts) lives in the modules it is in
(:mod:`.runner`, :mod:`.slurm`); the folder layout in :mod:`.layout`.
"""

from .analysis import salib_form, sensitivity
from .index import build_index, open_sweep
from .runner import RunError, SweepResult, SweepRunError, sweep
from .spec import SweepSpec, SweepSpecError

__all__ = [
    "RunError",
    "SweepResult",
    "SweepRunError",
    "SweepSpec",
    "SweepSpecError",
    "build_index",
    "open_sweep",
    "salib_form",
    "sensitivity",
    "sweep",
]
