r"""Step signals: random jump positions, standard Gaussian levels."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import xarray as xr

from pipeline.validation import check_integer

from ..registry import make_signals, register_signal_kind


def _piecewise_constant(
    streams: Sequence[np.random.Generator], shape: tuple[int, ...], *, jumps: int
) -> np.ndarray:
    r"""Rows with ``jumps`` jumps (an integer in ``[0, N - 1]``) and Gaussian levels.

    Notes
    -----
    Jump positions :math:`0 < p_1 < \dots < p_J \le N - 1` are drawn without replacement from
    :math:`\{1, \dots, N-1\}` and levels :math:`a_0, \dots, a_J \sim \mathcal N(0, 1)` i.i.d.:

    .. math:: f[t] = a_j \quad \text{for } p_j \le t < p_{j+1}, \qquad p_0 = 0,\ p_{J+1} = N,

    so :math:`\mathbb E\|f\|^2 = N`. On the periodic grid the step from :math:`a_J` back to
    :math:`a_0` at the wrap is one more (implicit) jump. A jump is a bounded-variation
    discontinuity: :math:`|\hat f(\omega)| \sim 1/|\omega|`, i.e. just below :math:`H^{1/2}`.
    """
    (length,) = shape
    jumps = check_integer("jumps", jumps, minimum=0, maximum=length - 1)
    t = np.arange(length)
    rows = []
    for rng in streams:
        positions = np.sort(rng.choice(np.arange(1, length), size=jumps, replace=False))
        levels = rng.standard_normal(jumps + 1)
        rows.append(levels[np.searchsorted(positions, t, side="right")])
    return np.stack(rows)


register_signal_kind(
    "piecewise_constant",
    _piecewise_constant,
    random=True,
    description=(
        "f[t] = a_j for p_j <= t < p_(j+1); J jump positions p_j drawn without replacement "
        "from 1..N-1, levels a_j ~ N(0, 1) i.i.d."
    ),
)


def piecewise_constant(count: int, length: int, *, jumps: int, seed: int) -> xr.DataArray:
    """``count`` step signals (:func:`make_signals` shorthand).

    Examples
    --------
    >>> x = piecewise_constant(1, 16, jumps=2, seed=0)
    >>> int((x.diff("time") != 0).sum())
    2
    """
    return make_signals("piecewise_constant", count=count, length=length, seed=seed, jumps=jumps)
