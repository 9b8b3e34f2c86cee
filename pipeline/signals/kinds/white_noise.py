r"""White noise: i.i.d. standard Gaussian samples, on 1-D and 2-D grids."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import xarray as xr

from ..registry import make_signals, register_signal_kind


def _white_noise(streams: Sequence[np.random.Generator], shape: tuple[int, ...]) -> np.ndarray:
    r"""Rows :math:`f[t] \sim \mathcal N(0, 1)` i.i.d. on the grid ``shape``.

    :math:`\mathbb E\,\|f\|^2 = N` (the number of samples) and the spectrum is flat in
    expectation: every band of the grid carries energy, the hardest case for polynomial bounds
    (docs/theory.md §5).
    """
    return np.stack([rng.standard_normal(shape) for rng in streams])


register_signal_kind(
    "white_noise",
    _white_noise,
    random=True,
    dims=(1, 2),
    description="f[t] ~ N(0, 1) i.i.d. on every grid point",
)


def white_noise(count: int, length: int, *, seed: int) -> xr.DataArray:
    """``count`` rows of white noise of ``length`` samples (:func:`make_signals` shorthand).

    Examples
    --------
    >>> x = white_noise(3, 8, seed=0)
    >>> dict(x.sizes)
    {'signal': 3, 'time': 8}
    >>> x.seed_row.values.tolist()
    [0, 1, 2]
    """
    return make_signals("white_noise", count=count, length=length, seed=seed)
