"""Poisson-bootstrap weights over signals, a pure function of (seed, signal index, replicate).

Each signal gets a weight :math:`w \\sim \\mathrm{Poisson}(1)` per replicate, the same in every
bank, drawn from a counter-based generator: the weights do not depend on how a store is chunked.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

_POISSON_CDF = np.cumsum(
    [np.exp(-1.0) / np.prod(np.arange(1, k + 1, dtype=np.float64)) for k in range(20)]
)


def _splitmix64(values: NDArray[np.uint64]) -> NDArray[np.uint64]:
    """The splitmix64 finaliser (Steele, Lea & Flood 2014): a bijective 64-bit mixer."""
    z = values + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def poisson_weights(seed: int, start: int, stop: int, replicates: int) -> NDArray[np.float64]:
    """Poisson(1) bootstrap weights of signals ``[start, stop)``, shape ``(stop - start, replicates)``.

    Weight (i, r) is the Poisson(1) inverse CDF of a uniform made by :func:`_splitmix64` from
    (seed, i·replicates + r): identical whichever chunk asks for it.
    """
    with np.errstate(over="ignore"):
        counter = (
            np.arange(start, stop, dtype=np.uint64)[:, None] * np.uint64(replicates)
            + np.arange(replicates, dtype=np.uint64)[None, :]
        )
        bits = _splitmix64(counter ^ _splitmix64(np.array([seed], dtype=np.uint64)))
    uniform = (bits >> np.uint64(11)).astype(np.float64) * 2.0**-53
    return np.searchsorted(_POISSON_CDF, uniform, side="right").astype(np.float64)


def quantile_ignoring_nan(values: NDArray, q: float) -> NDArray:
    """Quantile over the last axis ignoring NaN; NaN where all are NaN (no warning)."""
    out = np.full(values.shape[:-1], np.nan)
    finite = np.isfinite(values).any(axis=-1)
    if finite.any():
        out[finite] = np.nanquantile(values[finite], q, axis=-1)
    return out
