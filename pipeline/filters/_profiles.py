"""The smooth partitions of unity the families are built from, and the closed positive half-line.

Frequencies are in cycles per sample on the DFT grid (:class:`pipeline.grid.Grid`). A filter family
only says *where* its bands go (a sequence of breakpoints); what a band looks like is decided here,
once (Kymatio's lesson: frequency placement apart from filter shape).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

FloatArray = NDArray[np.float64]


def smooth_step(x: FloatArray) -> FloatArray:
    r"""Meyer's auxiliary function :math:`\nu`, a C^3 step from 0 to 1 on [0, 1].

    Notes
    -----
    .. math::
        \nu(x) = x^4 (35 - 84 x + 70 x^2 - 20 x^3), \quad x \in [0, 1],

    with :math:`\nu = 0` below 0 and :math:`\nu = 1` above 1. It satisfies
    :math:`\nu(x) + \nu(1 - x) = 1`, which makes the squared profiles below sum to one exactly.
    """
    t = np.clip(np.asarray(x, dtype=np.float64), 0.0, 1.0)
    return t**4 * (35.0 - 84.0 * t + 70.0 * t**2 - 20.0 * t**3)


def rising(x: FloatArray, start: float, stop: float) -> FloatArray:
    r"""Squared rising edge :math:`\sin^2(\tfrac{\pi}{2}\,\nu((x - a)/(b - a)))`: 0 below a, 1 above b."""
    return np.sin(0.5 * np.pi * smooth_step((x - start) / (stop - start))) ** 2


def falling(x: FloatArray, start: float, stop: float) -> FloatArray:
    r"""Squared falling edge :math:`\cos^2(\tfrac{\pi}{2}\,\nu((x - a)/(b - a)))`; rising + falling = 1."""
    return np.cos(0.5 * np.pi * smooth_step((x - start) / (stop - start))) ** 2


def positive_frequencies(length: int) -> FloatArray:
    """Frequencies of the bins on the closed positive half-line (0, 1/2], and -1 elsewhere.

    The Nyquist bin of an even length is both +1/2 and -1/2 on the periodic grid; it is counted on
    the positive half-line here, and its mirror image on the negative one, so both an analytic
    filter and its mirror may carry it.
    """
    index = np.arange(length)
    freq = np.full(length, -1.0)
    positive = (index >= 1) & (index <= length // 2)
    freq[positive] = index[positive] / length
    return freq


def partition_of_unity(breakpoints: FloatArray, freq: FloatArray) -> FloatArray:
    r"""Squared band profiles that sum to one, from increasing breakpoints t_0 < ... < t_K.

    Returns ``(K + 1, *freq.shape)``: row 0 is the low-pass profile, rows 1..K the band profiles
    (``freq`` may be any array, e.g. :attr:`Grid.radius` of a 2-D grid: radial profiles).

    Notes
    -----
    With the squared edges :math:`r_{[a,b]} = \sin^2(\tfrac{\pi}{2}\nu(\cdot))`,
    :math:`f_{[a,b]} = 1 - r_{[a,b]}`:

    .. math::
        p_0 = \mathbb 1_{x \le t_0} + f_{[t_0, t_1]}, \qquad
        p_k = r_{[t_{k-1}, t_k]} + f_{[t_k, t_{k+1}]} \ (1 \le k < K), \qquad
        p_K = r_{[t_{K-1}, t_K]} + \mathbb 1_{x > t_K},

    so that :math:`\sum_{k=0}^K p_k(x) = 1` for every x >= 0, band k is supported on
    :math:`[t_{k-1}, t_{k+1}]` and the low-pass alone covers :math:`[0, t_0]` (the high-pass
    condition with :math:`\delta = t_0`, docs/theory.md §3). Profiles are 0 at negative ``freq``.
    """
    t = np.asarray(breakpoints, dtype=np.float64)
    if t.ndim != 1 or t.size < 2 or np.any(np.diff(t) <= 0) or t[0] <= 0:
        raise ValueError("breakpoints must be positive and strictly increasing, at least two")
    x = np.asarray(freq, dtype=np.float64)
    n_bands = t.size - 1
    profiles = np.zeros((n_bands + 1, *x.shape))
    nonnegative = x >= 0
    profiles[0] = np.where(nonnegative & (x <= t[0]), 1.0, 0.0)
    inside = nonnegative & (x > t[0]) & (x < t[1])
    profiles[0][inside] = falling(x[inside], t[0], t[1])
    for k in range(1, n_bands + 1):
        up = (x > t[k - 1]) & (x <= t[k])
        profiles[k][up] = rising(x[up], t[k - 1], t[k])
        if k < n_bands:
            down = (x > t[k]) & (x < t[k + 1])
            profiles[k][down] = falling(x[down], t[k], t[k + 1])
        else:
            profiles[k][x > t[k]] = 1.0
    return profiles


def bump(x: FloatArray) -> FloatArray:
    r"""Squared symmetric bump :math:`\cos^2(\tfrac{\pi}{2}\nu(|x|))` on [-1, 1]; integer shifts sum to 1."""
    x = np.asarray(x, dtype=np.float64)
    return np.where(np.abs(x) < 1.0, np.cos(0.5 * np.pi * smooth_step(np.abs(x))) ** 2, 0.0)
