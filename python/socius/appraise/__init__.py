"""Appraisal of policy options under parameter uncertainty (probabilistic sensitivity analysis).

``socius appraise SCENARIO.toml ... --draws D --out DIR`` or ``socius.appraise(scenarios,
draws=D, uncertainty="scenarios/uncertainty.toml", out=DIR)`` runs every option under the same
parameter draws and the same seeds (common random numbers) on the sweep machinery, and writes
``DIR/appraisal.h5``; :func:`load` reads it as an :class:`Appraisal` (what a report renders).
``socius compare`` is the special case with no uncertain parameters.
:func:`socius.appraise.testing.synthetic` builds a made-up Appraisal without simulating.

This package is also callable: ``socius.appraise(...)`` is :func:`socius.appraise.run.appraise`.
"""

import sys
import types

from .core import APPRAISAL_FILE, APPRAISAL_FORMAT, Appraisal, load
from .run import appraise
from .uncertainty import Uncertainty, UncertaintyError

__all__ = ["APPRAISAL_FILE", "APPRAISAL_FORMAT", "Appraisal", "Uncertainty", "UncertaintyError", "appraise", "load"]


class _CallableModule(types.ModuleType):
    def __call__(self, *args, **kwargs):
        return appraise(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
