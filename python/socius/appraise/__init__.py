"""Appraisal of policy options under parameter uncertainty (probabilistic sensitivity analysis).

``socius appraise SCENARIO.toml ... --draws D --out DIR`` (or :func:`appraise`) runs every option
under the same parameter draws and the same seeds (common random numbers) on the sweep machinery,
and writes ``DIR/appraisal.h5``; :func:`load` reads it as an :class:`Appraisal` (what a report
renders). ``socius compare`` is the special case with no uncertain parameters.
:func:`socius.appraise.testing.synthetic` builds a made-up Appraisal without simulating.
"""

from .core import APPRAISAL_FILE, APPRAISAL_FORMAT, Appraisal, load

__all__ = ["APPRAISAL_FILE", "APPRAISAL_FORMAT", "Appraisal", "appraise", "load"]


def __getattr__(name):
    if name == "appraise":
        from .run import appraise

        return appraise
    raise AttributeError(name)
