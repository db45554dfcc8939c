"""Calibration by history matching: ``socius calibrate SPEC.toml --out DIR`` and
``socius.calibrate(...)`` (docs/calibration.md).

The pieces work on their own: :func:`latin_hypercube` and :func:`sample_region` (designs),
:class:`Emulator` (a Gaussian-process emulator of one output, scikit-learn), and
:func:`implausibility` with :func:`combine` (the implausibility measure and its cut-off rule).

This package is also callable, as :mod:`socius.appraise` is: ``socius.calibrate(...)`` is
:func:`socius.calibrate.run.calibrate`.
"""

import sys
import types

from .design import latin_hypercube, sample_region
from .emulator import Emulator
from .implausibility import combine, implausibility
from .run import CalibrationResult, calibrate
from .spec import CalibrationError, CalibrationSpec

__all__ = ["CalibrationError", "CalibrationResult", "CalibrationSpec", "Emulator", "calibrate", "combine",
           "implausibility", "latin_hypercube", "sample_region"]


class _CallableModule(types.ModuleType):
    def __call__(self, *args, **kwargs):
        return calibrate(*args, **kwargs)


sys.modules[__name__].__class__ = _CallableModule
