r"""Linear chirps with a random initial phase."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import xarray as xr

from pipeline.validation import check_real

from ..registry import make_signals, register_signal_kind


def _chirp(
    streams: Sequence[np.random.Generator], shape: tuple[int, ...], *, f0: float, f1: float
) -> np.ndarray:
    r"""Linear chirps from ``f0`` to ``f1`` cycles/sample (each in ``[0, 0.5]``).

    Notes
    -----
    With :math:`t = 0, \dots, N-1` and :math:`t_1 = N - 1`,

    .. math::
        f[t] = \sqrt 2 \cos\!\Big(2\pi\big(f_0 t + \tfrac{f_1 - f_0}{2 t_1} t^2\big)
               + \varphi\Big), \qquad \varphi \sim U[0, 2\pi),

    computed by :func:`scipy.signal.chirp` (``method="linear"``), whose instantaneous frequency
    :math:`f_0 + (f_1 - f_0)\,t/t_1` reaches :math:`f_1` at the last sample. The factor
    :math:`\sqrt 2` gives unit mean power. The grid is periodic, so the record wraps from
    :math:`f_1` back to :math:`f_0`.
    """
    f0 = check_real("f0", f0, minimum=0.0, maximum=0.5)
    f1 = check_real("f1", f1, minimum=0.0, maximum=0.5)
    (length,) = shape
    import scipy.signal  # 1.7 s to import: only when a chirp is drawn (plan and banks start fast)

    t = np.arange(length, dtype=np.float64)
    rows = []
    for rng in streams:
        phase_degrees = rng.uniform(0.0, 360.0)
        rows.append(
            math.sqrt(2.0)
            * scipy.signal.chirp(
                t, f0=f0, t1=float(length - 1), f1=f1, method="linear", phi=phase_degrees
            )
        )
    return np.stack(rows)


register_signal_kind(
    "chirp",
    _chirp,
    random=True,
    coordinates={"f0": "chirp_f0", "f1": "chirp_f1"},
    description=(
        "f[t] = sqrt(2) cos(2 pi (f0 t + (f1 - f0) t^2 / (2 (N-1))) + phi), phi ~ U[0, 2 pi), "
        "t = 0..N-1 (scipy.signal.chirp, method='linear')"
    ),
)


def chirp(count: int, length: int, *, f0: float, f1: float, seed: int) -> xr.DataArray:
    """``count`` chirps (:func:`make_signals` shorthand).

    Examples
    --------
    >>> x = chirp(1, 128, f0=0.0, f1=0.25, seed=3)
    >>> float(x.chirp_f1[0])
    0.25
    """
    return make_signals("chirp", count=count, length=length, seed=seed, f0=f0, f1=f1)
