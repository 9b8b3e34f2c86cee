"""Analytic Parseval filters from seeded random smooth bumps (the paper's "general filters").

On a finite grid these banks get bound (B) as well as (A): see :func:`make_random`'s notes.
"""

from __future__ import annotations

import numpy as np

from ..errors import InvalidParameterError
from ..grid import Grid
from ._bank import FilterBank
from ._build import analytic_bank, positive_integer, positive_number, require_ndim
from ._profiles import partition_of_unity, positive_frequencies
from ._registry import register

#: Highest breakpoint t_K; the top band is flat from there to the Nyquist frequency.
TOP_BREAKPOINT = 0.45


#: Smallest gap between breakpoints, in DFT bins, so that no band falls between two bins.
MIN_GAP_BINS = 2.0


def random_breakpoints(
    count: int, delta: float, min_gap: float, rng: np.random.Generator
) -> np.ndarray:
    r"""Breakpoints :math:`\delta = t_0 < \dots < t_K = 0.45`: gaps min_gap + Dirichlet(1) shares."""
    spare = TOP_BREAKPOINT - delta - count * min_gap
    gaps = min_gap + spare * rng.dirichlet(np.ones(count))
    return delta + np.concatenate([[0.0], np.cumsum(gaps)])


def make_random(
    grid: Grid, *, filters: int = 12, delta: float = 1.0 / 64.0, seed: int = 0
) -> FilterBank:
    r"""Analytic Parseval bank with random band edges and random smooth phases, and mirrors.

    Parameters
    ----------
    grid
        the DFT grid, 1-D ``(N,)`` (other grids are refused).
    filters
        K, number of filters on the positive half-line.
    delta
        high-pass :math:`\delta` (lower edge of the lowest band), cycles/sample.
    seed
        seed of ``numpy.random.default_rng``; same seed, same bank.

    Notes
    -----
    Squared profiles :math:`p_k` of :func:`partition_of_unity` at
    :func:`random_breakpoints` (bands of random, unrelated widths: neither constant-Q nor
    uniform), with phases :math:`\hat g_k = \sqrt{p_k}\, e^{2\pi i (\tau_k \omega N + c_k (\omega
    N)^2 / N)}`, :math:`\tau_k \sim U[0, 1/8)`, :math:`c_k \sim U[-1/8, 1/8)`. Analytic,
    high-pass and Parseval exactly, so bound (A) applies (docs/theory.md §4). On a finite grid
    bound (B) applies too: every band lies between :math:`\delta` and the Nyquist frequency
    1/2, so the band ratio is :math:`\rho \le 1/(2\delta)` and the derived base
    :math:`a = (\rho+1)/(\rho-1) > 1` (docs/theory.md §6, §13; 1.57–2.13 for seeds 0–2 at
    N = 1024). These banks are therefore not a "polynomial only" example on one grid: what
    separates the polynomial guarantee from the exponential one is how the rate scales with N
    (banks whose :math:`\rho` grows with N).
    """
    length = require_ndim(grid, "random").shape[0]
    count = positive_integer("filters", filters)
    delta = positive_number("delta", delta, high=TOP_BREAKPOINT, high_inclusive=False)
    positive_integer("seed", seed, minimum=0)
    min_gap = MIN_GAP_BINS / length
    if delta + count * min_gap >= TOP_BREAKPOINT:
        raise InvalidParameterError(
            "filters",
            count,
            f"too many for N={length} and delta={delta:g}: at most "
            f"{int((TOP_BREAKPOINT - delta) / min_gap) - 1} bands of {MIN_GAP_BINS:g}+ bins fit",
        )
    rng = np.random.default_rng(int(seed))
    breakpoints = random_breakpoints(count, delta, min_gap, rng)
    freq = positive_frequencies(length)
    profiles = partition_of_unity(breakpoints, freq)
    delay = rng.uniform(0.0, 0.125, size=(count, 1))
    chirp = rng.uniform(-0.125, 0.125, size=(count, 1))
    cycles = freq * length
    phase = np.exp(2j * np.pi * (delay * cycles + chirp * cycles**2 / length))
    lowpass_power = partition_of_unity(breakpoints, grid.radius)[0]
    params = {"filters": count, "delta": delta, "seed": int(seed)}
    return analytic_bank(grid, np.sqrt(profiles[1:]) * phase, lowpass_power, "random", params)


register("random", make_random, scale_parameters=("filters", "delta"))
