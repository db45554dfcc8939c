"""The statistics a report shows, from SciPy: Student's t intervals over replicates, percentile
intervals over parameter draws, and the checks that decide whether an interval says anything.

Two kinds of interval appear on the pages, and each says which it is:

* over replicates only (chance): ``mean +- t(0.975, n-1) * sd / sqrt(n)`` (:func:`mean_interval`),
  with ``t`` from :func:`scipy.stats.t.ppf`;
* over parameter draws (and replicates): the 2.5th and 97.5th percentiles of the draws'
  values (:func:`percentile_interval`), which include the uncertainty about the parameters.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from .._lazy import lazy

__all__ = ["mean_interval", "percentile_interval", "t_quantile", "no_spread"]

stats = lazy("scipy.stats")  # imported when first used (socius._lazy): a run needs no SciPy


@lru_cache(maxsize=None)
def t_quantile(df: int, level: float = 0.95) -> float:
    """The two-sided ``level`` quantile of Student's t with ``df`` degrees of freedom
    (``t_quantile(4) = 2.776``: mean +- 2.776 sd / sqrt(5) is a 95% interval from five values)."""
    if df < 1:
        raise ValueError(f"degrees of freedom must be >= 1, got {df}")
    return float(stats.t.ppf(0.5 + level / 2, df))


def mean_interval(x: np.ndarray, axis: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean over ``axis``, the half-width of its 95% interval, and the number of finite values.

    The half-width is ``t(0.975, n-1) * sd / sqrt(n)`` (sample sd, n-1 in the denominator;
    :func:`scipy.stats.sem`); NaN where fewer than two values are finite. NaN values are left out.
    """
    x = np.asarray(x, dtype=float)
    finite = np.isfinite(x)
    n = finite.sum(axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(finite, x, 0.0).sum(axis=axis) / n
        if x.shape[axis] >= 2:
            import warnings

            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)  # fewer than 2 values: NaN, said so
                sem = np.asarray(stats.sem(x, axis=axis, ddof=1, nan_policy="omit"), dtype=float)
        else:
            sem = np.full(np.shape(n), np.nan)
        half = stats.t.ppf(0.975, np.maximum(n - 1, 1)) * sem
    mean = np.where(n > 0, mean, np.nan)
    half = np.where(n >= 2, half, np.nan)
    return np.asarray(mean, dtype=float), np.asarray(half, dtype=float), n


def percentile_interval(x: np.ndarray, axis: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Mean over ``axis`` and the 2.5th and 97.5th percentiles (NaN values left out)."""
    x = np.asarray(x, dtype=float)
    with np.errstate(invalid="ignore"):
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN slices: NaN, said as "n/a"
            return (np.nanmean(x, axis=axis), np.nanpercentile(x, 2.5, axis=axis),
                    np.nanpercentile(x, 97.5, axis=axis))


def no_spread(x: np.ndarray) -> bool:
    """True when the finite values are all the same: an interval from them has zero width, which
    is no evidence of a clear difference (identical replicates), only of no variation seen."""
    x = np.asarray(x, dtype=float)
    x = x[np.isfinite(x)]
    return x.size >= 1 and bool(np.all(x == x[0]))
