"""Meyer-type analytic wavelets: compactly supported, band-limited, exactly Parseval.

The family on which Theorem B's exponential bound applies (docs/theory.md §6).
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import InvalidParameterError
from ..grid import Grid
from ._bank import FilterBank
from ._build import analytic_bank, positive_integer, positive_number, require_ndim
from ._profiles import partition_of_unity, positive_frequencies
from ._registry import RecalledDecayBase, register

#: Lowest band's lower edge delta, in DFT bins, when the number of scales is chosen automatically.
MIN_DELTA_BINS = 2.0


def meyer_breakpoints(scales: int, dilation: float) -> np.ndarray:
    r"""Geometric breakpoints :math:`t_k = \tfrac12 a^{-(J - k) - 1}`, k = 0..J.

    Band k (1..J) is supported on :math:`[t_{k-1}, t_{k+1}]` (ratio :math:`a^2`) and the top band
    on :math:`[t_{J-1}, 1/2]` (ratio :math:`a^2` too). With a = 2 this is
    :math:`\operatorname{supp}\hat\psi \subseteq [1/2, 2]` up to scale, for which docs/theory.md §6
    derives Theorem B's constant 5/3.
    """
    k = np.arange(scales + 1)
    return 0.5 * dilation ** (-(scales - k) - 1.0)


def default_scales(length: int, dilation: float) -> int:
    """The most scales J with delta = t_0 at least ``MIN_DELTA_BINS`` bins: a^(J+1) <= N/(2 MIN)."""
    return max(1, math.floor(math.log(length / (2 * MIN_DELTA_BINS)) / math.log(dilation)) - 1)


def make_meyer(grid: Grid, *, dilation: float = 2.0, scales: int | None = None) -> FilterBank:
    r"""Analytic Meyer-type wavelets with dilation factor a, and their mirror images.

    Parameters
    ----------
    grid
        the DFT grid, 1-D ``(N,)`` (other grids are refused).
    dilation
        dilation factor a > 1 between neighbouring scales.
    scales
        number J of wavelet scales (per half-line); default: as many as keep the high-pass
        :math:`\delta` at least two bins.

    Notes
    -----
    Squared profiles from :func:`partition_of_unity` with breakpoints
    :func:`meyer_breakpoints`: :math:`|\hat\psi_k|^2 = p_k`, :math:`|\hat\chi|^2 = p_0`, the
    mirrors :math:`\overline{\hat\psi_k(-\omega)}`. Exact analyticity
    (:math:`\operatorname{supp}\hat\psi_k \subset (0, 1/2]`), high-pass with
    :math:`\delta = t_0 = \tfrac12 a^{-J-1}` and
    :math:`|\hat\chi|^2 + \sum |\hat\psi|^2 = 1` in every bin (docs/theory.md §3, §6).
    """
    length = require_ndim(grid, "meyer").shape[0]
    dilation = positive_number("dilation", dilation, low=1.0)
    if scales is None:
        scales = default_scales(length, dilation)
    scales = positive_integer("scales", scales)
    breakpoints = meyer_breakpoints(scales, dilation)
    if breakpoints[0] * length < 0.5:
        raise InvalidParameterError(
            "scales",
            scales,
            f"puts the lowest band below one bin for N={length}, "
            f"a={dilation:g}; use at most {default_scales(length, dilation) + 1}",
        )
    profiles = partition_of_unity(breakpoints, positive_frequencies(length))
    lowpass_power = partition_of_unity(breakpoints, grid.radius)[0]
    params = {"dilation": dilation, "scales": scales}
    amplitudes = np.sqrt(profiles[1:]).astype(complex)
    return analytic_bank(grid, amplitudes, lowpass_power, "meyer", params)


register(
    "meyer",
    make_meyer,
    scale_parameters=("dilation", "scales"),
    recalled_decay_base=RecalledDecayBase("wavelets", 5.0 / 3.0),
)
