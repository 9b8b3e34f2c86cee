r"""Per-layer arrays of a bank on the spectral grid the cascade works on.

Real signals (every layer after the first modulus) keep their spectra on the real-FFT half-space
of the grid (:attr:`pipeline.grid.Grid.half_shape`); complex input (layer 0 only) on the full DFT
grid. Energies are Parseval sums over the spectral grid,

.. math::
    \|u * h\|^2 = \frac1{N_1\cdots N_d}\sum_\omega |\hat u(\omega)|^2 |\hat h(\omega)|^2
    = \frac1{N_1\cdots N_d}\sum_{\omega\in\text{half}} |\hat u(\omega)|^2\, P_h(\omega),

with :math:`P_h` = :meth:`Grid.fold` of :math:`|\hat h|^2` on the half-space (real u), so the
plan holds the folded powers, flattened over the grid (docs/theory.md §2).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ..filters import FilterBank
from ..grid import Grid


@dataclass(frozen=True)
class LayerPlan:
    """One bank's arrays on one spectral grid (real-FFT half-space or full DFT grid).

    Attributes
    ----------
    half
        whether spectra live on the half-space (real signals).
    grid
        the signals' grid.
    lowpass_power
        ``(G,)`` :math:`|\\hat\\chi|^2`, folded if ``half``, flattened over the spectral grid.
    filter_power
        ``(R, G)`` the same for the filters actually computed.
    filters
        ``(R, *grid.shape)`` full DFTs of those filters, in the working precision.
    multiplicity
        ``(R,)`` 2 for a filter standing for itself and its mirror (real signals), else 1.
    positive_only
        every computed filter vanishes outside the half-space (then a product with a real
        signal's spectrum needs only the half-space bins).
    scales
        ``(R,)`` the bank's scale index of those filters (:attr:`FilterBank.scale_index`), for
        the path rules (docs/theory.md §15).
    """

    half: bool
    grid: Grid
    lowpass_power: NDArray[np.float64]
    filter_power: NDArray[np.float64]
    filters: NDArray[np.complexfloating]
    multiplicity: NDArray[np.int64]
    positive_only: bool
    scales: NDArray[np.int64]


def layer_plan(bank: FilterBank, *, half: bool, dtype: np.dtype) -> LayerPlan:
    """The plan of ``bank`` for real signals (``half``: one filter per mirror pair) or complex ones."""
    grid = bank.grid
    complex_dtype = np.result_type(dtype, np.complex64)
    if half:
        rows, multiplicity = bank.representatives
        fold = grid.fold
    else:
        rows = np.arange(bank.n_filters)
        multiplicity = np.ones(bank.n_filters, dtype=np.int64)
        fold = np.asarray
    filters = bank.filters[rows]
    return LayerPlan(
        half=half,
        grid=grid,
        lowpass_power=fold(np.abs(bank.lowpass) ** 2).reshape(-1),
        filter_power=fold(np.abs(filters) ** 2).reshape(rows.size, -1),
        filters=filters.astype(complex_dtype),
        multiplicity=multiplicity,
        positive_only=bool(half and np.all(grid.supported_in_half(filters))),
        scales=bank.scale_index[rows],
    )
