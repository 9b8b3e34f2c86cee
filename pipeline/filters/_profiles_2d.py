r"""Shared pieces of the 2-D families: polar and cone coordinates, angular partitions of unity,
and the assembly of a polar tiling into an analytic Parseval bank (docs/theory.md §14).

Every 2-D family says *where* its tiles go (radial breakpoints, a number of wedges per scale,
shears per cone, a lattice of modulations); the profiles come from :mod:`._profiles`, whose
squared edges sum to one exactly (:math:`\nu(x) + \nu(1 - x) = 1`). A family hands its tiles on
one half of the plane to :func:`._build.analytic_bank`, which adds the point-reflected mirrors
:math:`\overline{\hat g(-\omega)}` (:meth:`pipeline.grid.Grid.mirror`) and normalises the bank.

What we learnt from: pyrtools' steerable pyramid (radial windows with hi² + lo² = 1 times
angular windows whose squares sum to one), the ``curvelets`` package (Meyer windows in angle
and radius), ShearLab's cone-adapted shearlets (the seam between the cones), Kymatio's
``scattering2d/filter_bank.py`` (the Morlet constants). The code here is our own.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache, wraps
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..grid import Grid
from ._bank import FilterBank
from ._build import analytic_bank
from ._profiles import bump, partition_of_unity

FloatArray = NDArray[np.float64]

#: Banks kept by :func:`cached_bank` (per family, keyed by grid shape and parameters).
CACHE_SIZE = 16


def positive_nyquist_mesh(grid: Grid) -> tuple[FloatArray, FloatArray]:
    r"""(:math:`\omega_y`, :math:`\omega_x`) of every bin, the Nyquist coordinate read as +1/2.

    On an even axis :math:`\pm\tfrac12` are one bin; reading it as +1/2 puts it on the side of
    the representatives, and their point-reflected mirrors carry it too (as in 1-D,
    :func:`._profiles.positive_frequencies`). The normalisation of :func:`._build.analytic_bank`
    then divides those bins by the sum of both.
    """
    omega_y, omega_x = grid.frequency_mesh
    return np.where(omega_y == -0.5, 0.5, omega_y), np.where(omega_x == -0.5, 0.5, omega_x)


def polar_angle(grid: Grid) -> FloatArray:
    r""":math:`\theta = \operatorname{atan2}(\omega_y, \omega_x)` on :func:`positive_nyquist_mesh`."""
    omega_y, omega_x = positive_nyquist_mesh(grid)
    return np.arctan2(omega_y, omega_x)


def wrapped(angle: FloatArray) -> FloatArray:
    r"""Angle reduced to :math:`[-\pi, \pi)`."""
    return np.mod(angle + np.pi, 2.0 * np.pi) - np.pi


def angular_windows(angle: FloatArray, wedges: int) -> FloatArray:
    r"""Squared angular windows :math:`w_l`, l = 0..2L-1, around the full circle; ``(2L, *shape)``.

    Notes
    -----
    .. math::
        w_l(\theta) = b\Bigl(\frac{L}{\pi}\,[\theta - \theta_l]_{2\pi}\Bigr), \qquad
        \theta_l = \frac{l\pi}{L},

    with :math:`b(x) = \cos^2(\tfrac\pi2\nu(|x|))` on [-1, 1] (:func:`._profiles.bump`) and
    :math:`[\cdot]_{2\pi}` the reduction to :math:`[-\pi, \pi)`. Integer shifts of b sum to one,
    so :math:`\sum_{l<2L} w_l(\theta) = 1` for every θ; :math:`w_{l+L}(\theta) = w_l(\theta - \pi)`
    (the point reflection). Window l is supported on :math:`|\theta - \theta_l| \le \pi/L`: inside
    a closed quarter-plane when L >= 4, a closed half-plane when L >= 2 (docs/theory.md §14).
    """
    centres = np.arange(2 * wedges) * np.pi / wedges
    offsets = wrapped(angle[None] - centres.reshape(-1, *([1] * angle.ndim)))
    return bump(offsets * (wedges / np.pi))


def polar_bank(
    grid: Grid,
    radial_power: FloatArray,
    wedges: list[int],
    family: str,
    params: dict[str, Any],
) -> FilterBank:
    r"""A bank whose band j (1..J) is cut into ``wedges[j-1]`` angular windows per half-plane.

    ``radial_power`` ``(J + 1, *shape)`` are squared radial profiles summing to one (row 0 the
    low-pass). Representatives :math:`\hat g_{j,l} = \sqrt{p_j\,w^{(L_j)}_l}`, l < L_j; with
    their mirrors (windows l + L_j) the angular windows of each band sum to one, so
    :math:`|\hat\chi|^2 + \sum_{j,l}|\hat g_{j,l}|^2 = \sum_j p_j = 1` (docs/theory.md §14).
    """
    pieces = [
        np.sqrt(radial_power[j][None] * _windows_cached(grid.shape, count)[:count])
        for j, count in enumerate(wedges, start=1)
    ]
    positive = np.concatenate(pieces).astype(np.complex128)
    return analytic_bank(grid, positive, radial_power[0], family, params)


@lru_cache(maxsize=CACHE_SIZE)
def _windows_cached(shape: tuple[int, ...], wedges: int) -> FloatArray:
    windows = angular_windows(polar_angle(Grid(shape)), wedges)
    windows.flags.writeable = False
    return windows


def radial_profiles(breakpoints: FloatArray, radius: FloatArray) -> FloatArray:
    """Squared radial profiles of :func:`._profiles.partition_of_unity` (row 0: the low-pass)."""
    return partition_of_unity(breakpoints, radius)


def cached_bank(builder: Callable[..., FilterBank]) -> Callable[..., FilterBank]:
    """Memoise a 2-D builder on (grid shape, parameters); the cached bank's arrays are read-only.

    Sweeps build the same bank for every work unit of a grid; the cache keeps the last
    ``CACHE_SIZE`` per family (a 256² bank of 50 filters is 50 MB).
    """

    @lru_cache(maxsize=CACHE_SIZE)
    def build(shape: tuple[int, ...], items: tuple[tuple[str, Any], ...]) -> FilterBank:
        bank = builder(Grid(shape), **dict(items))
        bank.lowpass.flags.writeable = False
        bank.filters.flags.writeable = False
        return bank

    @wraps(builder)
    def cached(grid: Grid, **params: Any) -> FilterBank:
        try:
            return build(grid.shape, tuple(sorted(params.items())))
        except TypeError:  # unhashable parameter values: build without the cache
            return builder(grid, **params)

    cached.cache_clear = build.cache_clear  # type: ignore[attr-defined]
    return cached
