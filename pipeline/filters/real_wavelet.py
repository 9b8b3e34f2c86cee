"""Real (non-analytic) band-pass wavelets: the Meyer bands made symmetric, to show what breaks."""

from __future__ import annotations

import numpy as np

from ..grid import Grid
from ._bank import FilterBank
from ._build import positive_integer, positive_number, require_ndim
from ._profiles import partition_of_unity
from ._registry import RecalledDecayBase, register
from .meyer import default_scales, meyer_breakpoints


def make_real_wavelet(
    grid: Grid, *, dilation: float = 2.0, scales: int | None = None
) -> FilterBank:
    r"""Real, even band-pass wavelets :math:`\hat\psi_k(\omega) = \sqrt{p_k(|\omega|)}`.

    Parameters
    ----------
    grid
        the DFT grid, 1-D ``(N,)`` (other grids are refused).
    dilation, scales
        as for ``meyer``.

    Notes
    -----
    The same partition of unity as ``meyer`` (docs/theory.md §6), but each filter covers both
    half-lines: real and even in time and frequency, so it violates the analyticity condition of
    docs/theory.md §3 (half of its energy sits on each half-line). It is still an exact Parseval frame,
    so the energy identity (E) holds, while the decay guarantees need not.
    """
    length = require_ndim(grid, "real_wavelet").shape[0]
    dilation = positive_number("dilation", dilation, low=1.0)
    scales = positive_integer(
        "scales", default_scales(length, dilation) if scales is None else scales
    )
    profiles = partition_of_unity(meyer_breakpoints(scales, dilation), grid.radius)
    params = {"dilation": dilation, "scales": scales}
    amplitudes = np.sqrt(profiles).astype(complex)
    return FilterBank(amplitudes[0], amplitudes[1:], "real_wavelet", params).normalised()


register(
    "real_wavelet",
    make_real_wavelet,
    scale_parameters=("dilation", "scales"),
    recalled_decay_base=RecalledDecayBase("wavelets", 5.0 / 3.0),
)
