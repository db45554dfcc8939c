"""Designs of a history-matching wave: a Latin hypercube in the prior box (the first wave) and a
sample of the region not yet ruled out, by rejection from random candidates (later waves).

Points are arrays of shape (points, parameters) in the parameters' own units; ``bounds`` is an
array of shape (parameters, 2) of [min, max] per parameter (the prior box). Both functions are
pure functions of their seed.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

__all__ = ["latin_hypercube", "sample_region", "to_unit", "from_unit"]


def _bounds(bounds) -> np.ndarray:
    b = np.asarray(bounds, dtype=float)
    if b.ndim != 2 or b.shape[1] != 2 or not np.all(b[:, 0] < b[:, 1]) or not np.all(np.isfinite(b)):
        raise ValueError(f"bounds must be finite [min, max] rows with min < max, shape (parameters, 2); got {b.tolist()}")
    return b


def to_unit(x, bounds) -> np.ndarray:
    """Points (n, d) in parameter units -> the unit cube [0, 1]^d."""
    b = _bounds(bounds)
    return (np.asarray(x, dtype=float) - b[:, 0]) / (b[:, 1] - b[:, 0])


def from_unit(u, bounds) -> np.ndarray:
    """Points (n, d) of the unit cube -> parameter units."""
    b = _bounds(bounds)
    return b[:, 0] + np.asarray(u, dtype=float) * (b[:, 1] - b[:, 0])


def _lhs_unit(n: int, d: int, seed: int) -> np.ndarray:
    from scipy.stats import qmc

    rng = np.random.default_rng(seed)
    try:
        sampler = qmc.LatinHypercube(d, rng=rng)        # SciPy >= 1.15
    except TypeError:
        sampler = qmc.LatinHypercube(d, seed=rng)       # older SciPy
    return sampler.random(n)


def latin_hypercube(n: int, bounds, seed: int) -> np.ndarray:
    """A Latin hypercube of ``n`` points in the box ``bounds`` (scipy.stats.qmc.LatinHypercube):
    each parameter has exactly one point in each of ``n`` equal strata of its range.

    Parameters
    ----------
    n : int >= 1
    bounds : array (d, 2)
        [min, max] of each parameter.
    seed : int

    Returns
    -------
    ndarray (n, d), every point inside the box.
    """
    b = _bounds(bounds)
    if int(n) < 1:
        raise ValueError(f"n = {n}: a design needs at least one point")
    return from_unit(_lhs_unit(int(n), len(b), seed), b)


def sample_region(accept: Callable[[np.ndarray], np.ndarray], bounds, n: int, seed: int, *,
                  candidates: int = 100_000, batch: int = 20_000) -> tuple[np.ndarray, int, int]:
    """Up to ``n`` points of the region ``accept`` keeps, by rejection from uniform candidates.

    Candidates are drawn in batches (each a Latin hypercube of ``batch`` points in the box) until
    ``n`` are accepted or ``candidates`` have been tried; the accepted ones are returned in the
    order drawn, so the first ``k`` of a larger sample are the sample of size ``k``.

    Parameters
    ----------
    accept : callable
        Takes points (m, d) in parameter units, returns a boolean array (m,): True where the
        point is not ruled out.
    bounds : array (d, 2)
    n : int
        Points wanted.
    seed : int
    candidates : int
        The most candidates to try (the region's share of the box is estimated from them).
    batch : int

    Returns
    -------
    (points, tried, accepted) : ndarray (k, d) with k = min(n, accepted), the number of
    candidates tried and how many of them were accepted (the whole last batch is tested, so
    ``accepted`` may exceed ``n``). The share of the box not ruled out is about
    ``accepted / tried``.
    """
    b = _bounds(bounds)
    rng = np.random.default_rng(seed)
    found: list[np.ndarray] = []
    count = tried = 0
    while count < n and tried < candidates:
        m = min(batch, candidates - tried)
        x = from_unit(_lhs_unit(m, len(b), int(rng.integers(2**32))), b)
        keep = np.asarray(accept(x), dtype=bool)
        found.append(x[keep])
        count += int(keep.sum())
        tried += m
    pts = np.concatenate(found) if found else np.zeros((0, len(b)))
    return pts[:n], tried, count
