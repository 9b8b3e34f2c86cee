"""Weyl-Heisenberg (Gabor) filters: one band-limited prototype modulated on a uniform grid."""

from __future__ import annotations

import numpy as np

from ..grid import Grid
from ._bank import FilterBank
from ._build import analytic_bank, positive_number, require_ndim
from ._profiles import bump, falling, positive_frequencies
from ._registry import RecalledDecayBase, register


def gabor_centres(delta: float, bandwidth: float, spacing: float) -> np.ndarray:
    r"""Modulation frequencies :math:`c_k = \delta + R + k s`, while :math:`[c_k - R, c_k + R]` meets (0, 1/2]."""
    count = int(np.floor((0.5 - delta) / spacing)) + 1
    centres = delta + bandwidth + spacing * np.arange(count + 1)
    return centres[centres - bandwidth < 0.5]


def make_gabor(
    grid: Grid,
    *,
    spacing: float = 1.0 / 32.0,
    bandwidth: float | None = None,
    delta: float | None = None,
) -> FilterBank:
    r"""Analytic Weyl-Heisenberg bank: modulated copies of one prototype, and their mirrors.

    Parameters
    ----------
    grid
        the DFT grid, 1-D ``(N,)`` (other grids are refused).
    spacing
        s, distance between modulation frequencies (cycles/sample).
    bandwidth
        R, half-width of the prototype's spectral support (default ``spacing``). R < s leaves
        gaps between the bands and is refused.
    delta
        lower edge of the lowest band, the high-pass :math:`\delta` (default ``spacing``).

    Notes
    -----
    Prototype :math:`|\hat g(\omega)|^2 = \cos^2(\tfrac\pi2 \nu(|\omega|/R))` on :math:`[-R, R]`,
    modulated to :math:`c_k`; low-pass :math:`|\hat\chi|^2 = 1` on :math:`[0, \delta]`, falling as
    the complement of the first band's rise on :math:`[\delta, \delta + R]`. For R = s the
    profiles are an exact partition of unity; otherwise the bank is normalised by
    :math:`\sqrt{S(\omega)}` (:meth:`FilterBank.normalised`), which keeps each band's support.
    Bands are cut at the Nyquist frequency to stay analytic (docs/theory.md §3, §6).
    """
    length = require_ndim(grid, "gabor").shape[0]
    spacing = positive_number("spacing", spacing, high=0.5)
    bandwidth = spacing if bandwidth is None else positive_number("bandwidth", bandwidth, high=0.5)
    delta = (
        spacing
        if delta is None
        else positive_number("delta", delta, high=0.5, high_inclusive=False)
    )
    centres = gabor_centres(delta, bandwidth, spacing)
    freq = positive_frequencies(length)
    profiles = bump((freq[np.newaxis, :] - centres[:, np.newaxis]) / bandwidth)
    profiles[:, freq < 0] = 0.0
    radius = grid.radius
    lowpass_power = np.where(radius <= delta, 1.0, 0.0)
    edge = (radius > delta) & (radius < delta + bandwidth)
    lowpass_power[edge] = falling(radius[edge], delta, delta + bandwidth)
    params = {"spacing": spacing, "bandwidth": bandwidth, "delta": delta}
    return analytic_bank(grid, np.sqrt(profiles).astype(complex), lowpass_power, "gabor", params)


register(
    "gabor",
    make_gabor,
    scale_parameters=("spacing", "bandwidth"),
    recalled_decay_base=RecalledDecayBase("Weyl-Heisenberg", 1.5),
)
