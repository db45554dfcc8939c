"""Calibration by history matching: ``socius calibrate SPEC.toml --out DIR`` and
``socius.calibrate(...)`` (docs/calibration.md).

The pieces work on their own: :func:`latin_hypercube` and :func:`sample_region` (designs),
:class:`Emulator` (a Gaussian-process emulator of one output, scikit-learn), and
:func:`implausibility` with :func:`combine` (the implausibility measure and its cut-off rule).
"""

from .design import latin_hypercube, sample_region
from .emulator import Emulator
from .implausibility import combine, implausibility
from .run import CalibrationResult, calibrate
from .spec import CalibrationError, CalibrationSpec

__all__ = ["CalibrationError", "CalibrationResult", "CalibrationSpec", "Emulator", "calibrate", "combine",
           "implausibility", "latin_hypercube", "sample_region"]
