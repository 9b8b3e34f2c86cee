r"""Checked scalar forms of the window, :math:`\alpha(d)`, the band ratio and the decay base."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..errors import InvalidParameterError
from ..filters import FilterBank
from . import _checks, kernels


def window_spectrum(omega: ArrayLike, radius: float, l: float = 1) -> NDArray[np.float64]:  # noqa: E741
    r"""The window :math:`\hat r_l(\omega/R) = (1 - |\omega|/R)_+^l` (docs/theory.md §3).

    Parameters
    ----------
    omega
        frequencies (pass :math:`|\omega|` for d >= 2).
    radius
        R > 0.
    l
        order l >= 1; :math:`r_l \ge 0` for real :math:`l \ge (d+1)/2` (Askey); d = 1, l = 1:
        :math:`r_1(x) = (\sin \pi x/\pi x)^2`.
    """
    return kernels.window_spectrum(
        omega, _checks.positive("radius", radius), _checks.window_order(l)
    )


def alpha(d: int) -> float:
    r"""Exponent :math:`\alpha(d)` of Theorem A (docs/theory.md §4, recalled [R]); see
    :func:`pipeline.theory.kernels.alpha`. d = 2: 0.6294, d = 3: 0.4914, d = 4: 0.4150."""
    return kernels.alpha(_checks.dimension(d))


def decay_base_from_band_ratio(rho: float) -> float:
    r"""Derived :math:`a = (\rho + 1)/(\rho - 1)` for :math:`\rho > 1` (docs/theory.md §6 [D])."""
    ratio = _checks.real("rho", rho, "must be a finite number > 1")
    if ratio <= 1:
        raise InvalidParameterError("rho", rho, "must be a finite number > 1")
    return float(kernels.decay_base(ratio))


def band_ratio(bank: FilterBank) -> float:
    r"""Largest upper/lower band-edge ratio :math:`\rho` over a bank's propagation filters.

    See :func:`pipeline.theory.kernels.band_ratio`; inf if a band reaches :math:`\omega = 0`.

    Raises
    ------
    InvalidParameterError
        if no propagation filter has support.
    """
    rho = kernels.band_ratio(bank.check().band_edges)
    if math.isnan(rho):
        raise InvalidParameterError("bank", bank.family, "has no propagation filter with support")
    return rho
