r"""Cone-adapted shearlets on N1 x N2 grids, with seam tiles that keep the sum exactly one.

The frequency plane off the low-pass is split into the horizontal cone
:math:`|\omega_y| \le |\omega_x|` and the vertical cone :math:`|\omega_x| < |\omega_y|`. In each,
band j (a square annulus of the max-norm) is sheared into :math:`2K_j + 1` slope windows,
:math:`K_j = K_0\,2^{\lceil j/2\rceil}` (parabolic scaling). The two windows that reach a diagonal
from either cone are joined into one seam tile, as ShearLab does, so that no tile is cut at the
seam and every bin is counted once (docs/theory.md §14).
"""

from __future__ import annotations

import math

import numpy as np

from ..grid import Grid
from ._bank import FilterBank
from ._build import analytic_bank, positive_integer, positive_number, require_ndim
from ._profiles import bump
from ._profiles_2d import cached_bank, positive_nyquist_mesh, radial_profiles
from ._registry import register
from .directional import dyadic_breakpoints


def shear_counts(scales: int, coarsest_shears: int) -> list[int]:
    r""":math:`K_j = K_0\,2^{\lceil j/2\rceil}`, j = 0..J-1: slope windows per side of a cone.

    >>> shear_counts(4, 1)
    [1, 2, 2, 4]
    """
    return [coarsest_shears * 2 ** math.ceil(j / 2) for j in range(scales)]


def cone_windows(grid: Grid, shears: int) -> np.ndarray:
    r"""Squared shear windows of one band, representatives only: ``(4K, *shape)``.

    Notes
    -----
    On the horizontal cone H (:math:`|\omega_y| \le |\omega_x|`) the slope is
    :math:`s = \omega_y/\omega_x \in [-1, 1]`, on the vertical cone V
    :math:`s = \omega_x/\omega_y`. The windows :math:`b(Ks - k)`, k = -K..K
    (:func:`._profiles.bump`), sum to one on each cone. Representatives: the right part of H
    (:math:`\omega_x > 0`) and the upper part of V (:math:`\omega_y > 0`) with |k| < K, and the
    two seam tiles :math:`b(Ks - K)` on H∪V at the 45° diagonal and :math:`b(Ks + K)` on the
    upper part of V plus the left part of H at the 135° diagonal. Their point reflections (the
    mirrors) cover the rest, so the representatives and mirrors sum to one off the origin.
    """
    omega_y, omega_x = positive_nyquist_mesh(grid)
    horizontal = np.abs(omega_y) <= np.abs(omega_x)
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = np.where(horizontal, omega_y / omega_x, omega_x / omega_y)
    slope = np.nan_to_num(slope)  # the origin (left to the low-pass)
    right = horizontal & (omega_x > 0)
    left = horizontal & (omega_x < 0)
    upper = ~horizontal & (omega_y > 0)
    windows = []
    for region in (right, upper):
        for k in range(-shears + 1, shears):
            windows.append(np.where(region, bump(shears * slope - k), 0.0))
    # 45°: slope +1 on the right of H and on the top of V; 135°: slope -1 on the top of V and
    # on the left of H (omega_y / omega_x < 0 there)
    windows.append(np.where(right | upper, bump(shears * slope - shears), 0.0))
    windows.append(np.where(upper | left, bump(shears * slope + shears), 0.0))
    return np.stack(windows)


@cached_bank
def make_shearlet(
    grid: Grid,
    *,
    scales: int | None = None,
    coarsest_shears: int = 1,
    dilation: float = 2.0,
) -> FilterBank:
    r"""Cone-adapted band-limited shearlets: J square bands, sheared windows, seam tiles.

    Parameters
    ----------
    grid
        the DFT grid, 2-D ``(N1, N2)``.
    scales
        J, number of bands of the max-norm :math:`\max(|\omega_y|, |\omega_x|)` (default: as
        many as keep :math:`\delta` >= 2 bins).
    coarsest_shears
        K_0: the coarsest band has 2K_0 - 1 interior shears per cone side plus the seams.
    dilation
        a > 1, ratio of neighbouring band breakpoints.

    Notes
    -----
    :math:`|\hat g_{j,c,k}|^2 = p_j(\|\omega\|_\infty)\,b(K_j s_c(\omega) - k)` (seams: the two
    pieces at a diagonal in one tile), :math:`|\hat\chi|^2 = p_0(\|\omega\|_\infty)`. The slope
    windows sum to one on each cone and the radial profiles sum to one, hence
    :math:`|\hat\chi|^2 + \sum |\hat g|^2 = 1` in every bin (docs/theory.md §14).
    """
    require_ndim(grid, "shearlet", ndim=2)
    dilation = positive_number("dilation", dilation, low=1.0)
    coarsest_shears = positive_integer("coarsest_shears", coarsest_shears)
    scales, breakpoints = dyadic_breakpoints(grid, scales, dilation)
    omega_y, omega_x = grid.frequency_mesh
    profiles = radial_profiles(breakpoints, np.maximum(np.abs(omega_y), np.abs(omega_x)))
    pieces = [
        np.sqrt(profiles[j + 1][None] * cone_windows(grid, shears))
        for j, shears in enumerate(shear_counts(scales, coarsest_shears))
    ]
    positive = np.concatenate(pieces).astype(np.complex128)
    params = {"scales": scales, "coarsest_shears": coarsest_shears, "dilation": dilation}
    return analytic_bank(grid, positive, profiles[0], "shearlet", params)


register(
    "shearlet",
    make_shearlet,
    scale_parameters=("scales", "coarsest_shears"),
    ndim=2,
)
