r"""Spectral quantities of signals that the analysis reads from the store (docs/theory.md §1).

:func:`radial_power` is what the sweep's work units compute while the signals are in memory and
write into the store as ``radial_power`` (dims ``signal``, ``frequency_radius``); the bounds (A),
(B) and the essential bandwidth are functionals of it (:mod:`pipeline.theory`).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray


def radial_power(values: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    r"""Power of each signal per distinct frequency radius of its DFT grid.

    .. math::
        P_b[k] = \frac1M \sum_{|\omega| = \rho_k} |\hat f_b(\omega)|^2, \qquad
        \sum_k P_b[k] = \|f_b\|^2,

    with :math:`\rho_0 < \rho_1 < \dots` the sorted distinct radii :math:`|\omega|` (Euclidean
    norm of the ``numpy.fft.fftfreq`` frequencies, cycles/sample) of the grid of M samples.

    Parameters
    ----------
    values
        ``(batch, *grid)`` samples, real or complex.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        ``radii`` ``(K,)`` and ``power`` ``(batch, K)``.
    """
    array = np.asarray(values)
    grid = array.shape[1:]
    axes = tuple(range(1, array.ndim))
    power = (np.abs(np.fft.fftn(array, axes=axes)) ** 2 / math.prod(grid)).reshape(
        array.shape[0], -1
    )
    freqs = np.meshgrid(*[np.fft.fftfreq(n) for n in grid], indexing="ij")
    radius = np.sqrt(sum(f**2 for f in freqs)).ravel()
    order = np.argsort(radius, kind="stable")
    radius = radius[order]
    starts = np.flatnonzero(np.append(True, radius[1:] != radius[:-1]))
    return radius[starts], np.add.reduceat(power[:, order], starts, axis=1)
