r"""α-curvelets on N1 x N2 grids: dyadic radial bands whose number of wedges grows with scale.

Band j (0-based from the coarsest) is cut into :math:`L_j = L_0\,2^{\lfloor j(1-\alpha)\rfloor}`
wedges per half-plane: α = 1 keeps L_0 wedges at every scale (directional wavelets), α = ½ doubles
them every other scale (curvelets, parabolic scaling: width ~ length^½), α = 0 doubles them every
scale (ridgelet-type tiles of constant width). Exact Parseval frame (docs/theory.md §14).
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import InvalidParameterError
from ..grid import Grid
from ..validation import check_real
from ._bank import FilterBank
from ._build import positive_integer, positive_number, require_ndim
from ._profiles_2d import cached_bank, polar_bank, radial_profiles
from ._registry import register
from .directional import dyadic_breakpoints


def wedge_counts(scales: int, alpha: float, coarsest_wedges: int) -> list[int]:
    r""":math:`L_j = L_0\,2^{\lfloor j(1-\alpha)\rfloor}`, j = 0..J-1 (coarsest band first).

    >>> wedge_counts(5, 0.5, 4)
    [4, 4, 8, 8, 16]
    >>> wedge_counts(3, 1.0, 4), wedge_counts(3, 0.0, 4)
    ([4, 4, 4], [4, 8, 16])
    """
    return [coarsest_wedges * 2 ** math.floor(j * (1.0 - alpha) + 1e-12) for j in range(scales)]


@cached_bank
def make_curvelet(
    grid: Grid,
    *,
    alpha: float = 0.5,
    scales: int | None = None,
    coarsest_wedges: int = 4,
    dilation: float = 2.0,
) -> FilterBank:
    r"""α-curvelets: J radial bands, band j cut into :func:`wedge_counts` wedges per half-plane.

    Parameters
    ----------
    grid
        the DFT grid, 2-D ``(N1, N2)``.
    alpha
        α in [0, 1]: 1 wavelets, ½ curvelets, 0 ridgelet-type.
    scales
        J, number of radial bands (default: as many as keep :math:`\delta` >= 2 bins).
    coarsest_wedges
        L_0, wedges per half-plane in the coarsest band (>= 4 keeps every wedge in a
        quarter-plane).
    dilation
        a > 1, ratio of neighbouring radial breakpoints.

    Notes
    -----
    :math:`|\hat g_{j,l}|^2 = p_j(|\omega|)\,w^{(L_j)}_l(\theta)` with the angular windows of
    :func:`._profiles_2d.angular_windows` for :math:`L_j` wedges, which sum to one over l < 2L_j
    in every band; so :math:`|\hat\chi|^2 + \sum|\hat g_{j,l}|^2 = \sum_j p_j = 1`
    (docs/theory.md §14). A wedge that holds no bin of the grid is refused.
    """
    require_ndim(grid, "curvelet", ndim=2)
    alpha = check_real("alpha", alpha, minimum=0.0, maximum=1.0)
    dilation = positive_number("dilation", dilation, low=1.0)
    coarsest_wedges = positive_integer("coarsest_wedges", coarsest_wedges)
    scales, breakpoints = dyadic_breakpoints(grid, scales, dilation)
    counts = wedge_counts(scales, alpha, coarsest_wedges)
    profiles = radial_profiles(breakpoints, grid.radius)
    params = {
        "alpha": alpha,
        "scales": scales,
        "coarsest_wedges": coarsest_wedges,
        "dilation": dilation,
    }
    bank = polar_bank(grid, profiles, counts, "curvelet", params)
    energy = np.sum(np.abs(bank.filters) ** 2, axis=(1, 2))
    if np.any(energy == 0):
        raise InvalidParameterError(
            "alpha",
            alpha,
            f"leaves {int(np.sum(energy == 0))} wedge(s) without a bin on shape {grid.shape} "
            f"(up to {max(counts)} wedges per band); raise alpha or lower scales",
        )
    return bank


register(
    "curvelet",
    make_curvelet,
    scale_parameters=("alpha", "scales", "coarsest_wedges"),
    ndim=2,
)
