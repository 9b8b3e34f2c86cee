r"""2-D Weyl–Heisenberg filters: tensor products of tight 1-D windows on a uniform lattice.

One band-limited prototype modulated to every point :math:`(k_1 s, k_2 s)` of a square lattice of
spacing s: uniform tiles of the frequency plane (docs/theory.md §14). Tensor products of windows
whose integer shifts sum to one sum to one; a radial low-pass takes the :math:`\delta`-disc.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import InvalidParameterError
from ..grid import Grid
from ._bank import FilterBank
from ._build import analytic_bank, positive_number, require_ndim
from ._profiles import bump
from ._profiles_2d import cached_bank, positive_nyquist_mesh, radial_profiles
from ._registry import RecalledDecayBase, register


@cached_bank
def make_weyl_heisenberg_2d(
    grid: Grid, *, spacing: float = 1.0 / 8.0, delta: float | None = None
) -> FilterBank:
    r"""Modulated tensor-product windows on the lattice :math:`s\mathbb Z^2`, off a low-pass disc.

    Parameters
    ----------
    grid
        the DFT grid, 2-D ``(N1, N2)``.
    spacing
        s, distance between neighbouring modulation frequencies on each axis (cycles/sample).
    delta
        radius of the disc the low-pass alone covers, the high-pass :math:`\delta` (default and
        minimum :math:`\sqrt2\,s`, so that the tile at the origin lies inside it and every
        other tile keeps to a closed half-plane).

    Notes
    -----
    With :math:`b` of :func:`._profiles.bump` (:math:`\sum_k b(x - k) = 1`), the tiles
    :math:`T_k(\omega) = b(\omega_y/s - k_1)\,b(\omega_x/s - k_2)` sum to one on the plane.
    With the radial low-pass :math:`p_0` falling from 1 to 0 on :math:`[\delta, \delta + s]`:

    .. math::
        |\hat\chi|^2 = p_0(|\omega|), \qquad |\hat g_k|^2 = (1 - p_0(|\omega|))\,T_k(\omega),

    so :math:`|\hat\chi|^2 + \sum_k |\hat g_k|^2 = p_0 + (1 - p_0) = 1` in every bin. The tile
    :math:`T_{-k}` is the point reflection of :math:`T_k`: representatives are the tiles with
    :math:`k_2 > 0`, or :math:`k_2 = 0 < k_1` (docs/theory.md §14).
    """
    require_ndim(grid, "weyl_heisenberg_2d", ndim=2)
    # the low-pass disc (radius >= sqrt(2) s) and its transition (width s) fit below 1/2
    spacing = positive_number("spacing", spacing, high=0.5 / (1.0 + math.sqrt(2.0)))
    smallest = math.sqrt(2.0) * spacing
    delta = smallest if delta is None else positive_number("delta", delta, high=0.5 - spacing)
    if delta < smallest * (1.0 - 1e-12):
        raise InvalidParameterError(
            "delta",
            delta,
            f"must be at least sqrt(2) * spacing = {smallest:.6g} (the tile at the origin "
            "must lie inside the low-pass disc)",
        )
    if delta + spacing > 0.5:
        raise InvalidParameterError(
            "delta", delta, f"must be at most 0.5 - spacing = {0.5 - spacing:.6g}"
        )
    omega_y, omega_x = positive_nyquist_mesh(grid)
    lowpass_power = radial_profiles(np.array([delta, delta + spacing]), grid.radius)[0]
    outside = 1.0 - lowpass_power
    reach = math.ceil(0.5 / spacing) + 1
    factors_y = bump(omega_y[None] / spacing - np.arange(-reach, reach + 1)[:, None, None])
    factors_x = bump(omega_x[None] / spacing - np.arange(0, reach + 1)[:, None, None])
    tiles = []
    for k2 in range(0, reach + 1):
        for k1 in range(-reach, reach + 1):
            if k2 == 0 and k1 <= 0:
                continue
            tile = outside * factors_y[k1 + reach] * factors_x[k2]
            if np.any(tile > 0):
                tiles.append(tile)
    filters = np.sqrt(np.stack(tiles)).astype(np.complex128)
    params = {"spacing": spacing, "delta": delta}
    return analytic_bank(grid, filters, lowpass_power, "weyl_heisenberg_2d", params)


register(
    "weyl_heisenberg_2d",
    make_weyl_heisenberg_2d,
    scale_parameters=("spacing", "delta"),
    recalled_decay_base=RecalledDecayBase("Weyl-Heisenberg", 1.5),
    ndim=2,
)
