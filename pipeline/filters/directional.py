r"""Directional band-limited wavelets on N1 x N2 grids: Meyer-type radial bands x L orientations.

The 2-D wavelets of the paper (docs/theory.md §14): every tile is a dyadic (dilation a) annulus
cut into 2L angular wedges, L of them on one half of the plane and their point-reflected mirrors
on the other. Exact Parseval frame, analytic (quarter-plane supports) for L >= 4, high-pass
:math:`\delta = t_0`.
"""

from __future__ import annotations

from ..errors import InvalidParameterError
from ..grid import Grid
from ._bank import FilterBank
from ._build import positive_integer, positive_number, require_ndim
from ._profiles_2d import cached_bank, polar_bank, radial_profiles
from ._registry import RecalledDecayBase, register
from .meyer import default_scales, meyer_breakpoints


def dyadic_breakpoints(grid: Grid, scales: int | None, dilation: float) -> tuple[int, list[float]]:
    r"""Scales J (default: as many as keep :math:`\delta` two bins of the shorter axis) and the
    geometric radial breakpoints :math:`t_k = \tfrac12 a^{-(J-k)-1}` (:func:`.meyer.meyer_breakpoints`).
    """
    shortest = min(grid.shape)
    if scales is None:
        scales = default_scales(shortest, dilation)
    scales = positive_integer("scales", scales)
    breakpoints = meyer_breakpoints(scales, dilation)
    if breakpoints[0] * shortest < 0.5:
        raise InvalidParameterError(
            "scales",
            scales,
            f"puts the lowest band below one bin for shape {grid.shape}, a={dilation:g}; "
            f"use at most {default_scales(shortest, dilation) + 1}",
        )
    return scales, list(breakpoints)


@cached_bank
def make_directional(
    grid: Grid, *, scales: int | None = None, orientations: int = 8, dilation: float = 2.0
) -> FilterBank:
    r"""Directional Meyer-type wavelets: J radial bands x L orientations per half-plane.

    Parameters
    ----------
    grid
        the DFT grid, 2-D ``(N1, N2)`` (other grids are refused).
    scales
        J, number of radial bands (default: as many as keep :math:`\delta` >= 2 bins).
    orientations
        L, angular wedges per half-plane (the bank has 2L per band: each and its mirror).
    dilation
        a > 1, ratio of neighbouring radial breakpoints.

    Notes
    -----
    :math:`|\hat\psi_{j,l}(\omega)|^2 = p_j(|\omega|)\,w_l(\theta)` with the radial profiles
    :math:`p_j` of :func:`._profiles.partition_of_unity` on the breakpoints
    :func:`dyadic_breakpoints` and the angular windows :math:`w_l` of
    :func:`._profiles_2d.angular_windows` (:math:`\sum_{l<2L} w_l = 1`);
    :math:`|\hat\chi|^2 = p_0`. Hence :math:`|\hat\chi|^2 + \sum_{j,l}|\hat\psi_{j,l}|^2 = 1`
    in every bin (docs/theory.md §14).
    """
    require_ndim(grid, "directional", ndim=2)
    dilation = positive_number("dilation", dilation, low=1.0)
    orientations = positive_integer("orientations", orientations)
    scales, breakpoints = dyadic_breakpoints(grid, scales, dilation)
    profiles = radial_profiles(breakpoints, grid.radius)
    params = {"scales": scales, "orientations": orientations, "dilation": dilation}
    return polar_bank(grid, profiles, [orientations] * scales, "directional", params)


register(
    "directional",
    make_directional,
    scale_parameters=("dilation", "scales", "orientations"),
    recalled_decay_base=RecalledDecayBase("wavelets", 5.0 / 3.0),
    ndim=2,
)
