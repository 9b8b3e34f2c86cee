r"""Spectral quantities of signals computed while they are in memory (the store's only channel).

The sweep's work unit stores each signal's radial power spectrum next to its energy, so that
aggregation (essential bandwidths, the bounds of docs/theory.md §5–6) reads the store and never
regenerates a signal.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from .errors import InvalidSignalError
from .grid import Grid

__all__ = ["frequency_radii", "radial_power"]


def frequency_radii(grid: tuple[int, ...]) -> tuple[NDArray[np.float64], NDArray[np.intp]]:
    r"""The distinct frequency radii of a DFT grid and the radius index of every bin.

    Parameters
    ----------
    grid
        The grid shape ``(N,)`` or ``(N1, N2, ...)``.

    Returns
    -------
    radii
        float64, sorted ascending, distinct: every value of
        :math:`|\omega| = \sqrt{\sum_i \omega_i^2}` over the grid, with :math:`\omega_i` from
        ``numpy.fft.fftfreq`` (cycles per sample): :attr:`pipeline.grid.Grid.radius`, the one
        place that computes it.
    index
        intp, the grid's shape: ``radii[index]`` is the radius of each bin.

    Examples
    --------
    >>> radii, index = frequency_radii((4,))
    >>> radii.tolist(), index.tolist()
    ([0.0, 0.25, 0.5], [0, 1, 2, 1])
    """
    radius = Grid(tuple(grid)).radius
    radii, index = np.unique(radius, return_inverse=True)
    return radii, index.reshape(radius.shape)


def radial_power(values: ArrayLike) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    r"""Each signal's power spectrum summed over the bins of equal frequency radius.

    Parameters
    ----------
    values
        Real or complex samples ``(batch, *grid)``, finite.

    Returns
    -------
    radii
        ``(K,)`` float64: the distinct radii of the grid, ascending (:func:`frequency_radii`).
    power
        ``(batch, K)`` float64,

        .. math::
            P_b[k] = \frac1M \sum_{\omega : |\omega| = r_k} |\hat f_b(\omega)|^2,

        with :math:`\hat f_b` = ``numpy.fft.fftn`` over the grid axes and :math:`M` the number
        of grid points, so that :math:`\sum_k P_b[k] = \|f_b\|^2` (Parseval). In 1-D,
        :math:`P_b[k]` is the energy at :math:`\pm k/N`. The energy beyond a radius, the
        quantity of the essential bandwidth and of bounds (A)/(B) (docs/theory.md §5–6), is a
        cumulative sum of :math:`P_b` from the top.

    Raises
    ------
    InvalidSignalError
        For fewer than 2 dims, an empty batch or non-finite samples.

    Examples
    --------
    >>> radii, power = radial_power(np.array([[1.0, 0.0, 0.0, 0.0]]))
    >>> radii.tolist(), power.tolist()
    ([0.0, 0.25, 0.5], [[0.25, 0.5, 0.25]])
    """
    samples = np.asarray(values)
    if samples.ndim < 2 or samples.shape[0] == 0 or samples.dtype.kind not in "biufc":
        raise InvalidSignalError(
            "values", getattr(samples, "shape", samples), "must be a numeric array (batch, *grid)"
        )
    if not np.all(np.isfinite(samples)):
        raise InvalidSignalError("values", "array with NaN/Inf", "must be finite")
    grid = samples.shape[1:]
    radii, index = frequency_radii(grid)
    spectrum = np.fft.fftn(samples, axes=tuple(range(1, samples.ndim)))
    energy = (spectrum.real**2 + spectrum.imag**2).reshape(samples.shape[0], -1)
    flat = index.ravel()
    order = np.argsort(flat, kind="stable")
    starts = np.searchsorted(flat[order], np.arange(radii.size))
    power = np.add.reduceat(energy[:, order], starts, axis=1) / flat.size
    return radii, power
