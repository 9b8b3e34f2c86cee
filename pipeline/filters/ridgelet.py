r"""Ridgelets on N1 x N2 grids: 1-D band-limited wavelets along a fixed set of directions.

A ridgelet :math:`\psi(u_l \cdot x)` is constant along lines perpendicular to its direction
:math:`u_l`; its spectrum lives on the line through the origin along :math:`u_l`. Here each of
L directions per half-plane gets the dyadic 1-D wavelet profiles of the ridge coordinate
:math:`\omega \cdot u_l`, windowed in angle so that the tiles are band-limited: the angular
resolution π/L is the same at every scale (docs/theory.md §14).
"""

from __future__ import annotations

import numpy as np

from ..grid import Grid
from ._bank import FilterBank
from ._build import analytic_bank, positive_integer, positive_number, require_ndim
from ._profiles_2d import (
    angular_windows,
    cached_bank,
    polar_angle,
    positive_nyquist_mesh,
    radial_profiles,
)
from ._registry import register
from .directional import dyadic_breakpoints


@cached_bank
def make_ridgelet(
    grid: Grid, *, scales: int | None = None, directions: int = 16, dilation: float = 2.0
) -> FilterBank:
    r"""Band-limited ridgelets: J dyadic bands of the ridge coordinate x L directions.

    Parameters
    ----------
    grid
        the DFT grid, 2-D ``(N1, N2)``.
    scales
        J, number of dyadic bands along each ridge (default: as many as keep :math:`\delta`
        >= 2 bins).
    directions
        L, ridge directions per half-plane (angular resolution π/L at every scale).
    dilation
        a > 1, ratio of neighbouring breakpoints along the ridge.

    Notes
    -----
    With :math:`u_l = (\cos\theta_l, \sin\theta_l)`, :math:`\theta_l = l\pi/L`, the angular
    windows :math:`w_l` of :func:`._profiles_2d.angular_windows` (:math:`\sum_{l<2L} w_l = 1`)
    and the 1-D profiles :math:`p_j` (:math:`\sum_j p_j = 1` on :math:`[0, \infty)`):

    .. math::
        |\hat g_{j,l}(\omega)|^2 = p_j(\omega\cdot u_l)\,w_l(\theta), \qquad
        |\hat\chi(\omega)|^2 = \sum_{l<2L} p_0(|\omega\cdot u_l|)\,w_l(\theta).

    On the support of :math:`w_l`, :math:`|\theta - \theta_l| \le \pi/L`, so
    :math:`\omega\cdot u_l \ge |\omega|\cos(\pi/L) \ge 0` (L >= 2). Summing over j first,
    :math:`|\hat\chi|^2 + \sum_{j,l}|\hat g_{j,l}|^2 = \sum_l w_l = 1` in every bin; the filters
    vanish where :math:`|\omega| \le t_0`, the high-pass :math:`\delta` (docs/theory.md §14).
    """
    require_ndim(grid, "ridgelet", ndim=2)
    dilation = positive_number("dilation", dilation, low=1.0)
    directions = positive_integer("directions", directions, minimum=2)
    scales, breakpoints = dyadic_breakpoints(grid, scales, dilation)
    omega_y, omega_x = positive_nyquist_mesh(grid)
    windows = angular_windows(polar_angle(grid), directions)
    lowpass_power = np.zeros(grid.shape)
    positive = []
    for direction in range(2 * directions):
        theta = direction * np.pi / directions
        ridge = np.abs(omega_x * np.cos(theta) + omega_y * np.sin(theta))
        profiles = radial_profiles(breakpoints, ridge) * windows[direction]
        lowpass_power += profiles[0]
        if direction < directions:
            positive.append(profiles[1:])
    filters = np.sqrt(np.concatenate(positive)).astype(np.complex128)
    params = {"scales": scales, "directions": directions, "dilation": dilation}
    return analytic_bank(grid, filters, lowpass_power, "ridgelet", params)


register("ridgelet", make_ridgelet, scale_parameters=("scales", "directions"), ndim=2)
