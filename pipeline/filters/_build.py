"""Helpers shared by the family modules: argument checks and the analytic-pair assembly."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..errors import InvalidParameterError
from ._bank import FilterBank
from ._grid import mirror


def one_dimensional(shape: tuple[int, ...], family: str) -> int:
    """The length of a 1-D grid, or an error naming the family."""
    if len(shape) != 1:
        raise InvalidParameterError(
            "shape", shape, f"family '{family}' is defined on 1-D grids only (one length)"
        )
    return shape[0]


def positive_number(
    name: str, value: Any, *, low: float = 0.0, high: float = math.inf, high_inclusive: bool = True
) -> float:
    """``value`` as a float in ``(low, high]`` (or ``(low, high)``), else InvalidParameterError."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise InvalidParameterError(name, value, "must be a number") from None
    above = number > low
    below = number <= high if high_inclusive else number < high
    if not (math.isfinite(number) and above and below):
        bracket = "]" if high_inclusive else ")"
        raise InvalidParameterError(name, value, f"must lie in ({low:g}, {high:g}{bracket}")
    return number


def positive_integer(name: str, value: Any, *, minimum: int = 1) -> int:
    """``value`` as an int >= ``minimum``, else InvalidParameterError."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise InvalidParameterError(name, value, f"must be an integer >= {minimum}")
    if value < minimum:
        raise InvalidParameterError(name, value, f"must be an integer >= {minimum}")
    return int(value)


def analytic_bank(
    positive_filters: NDArray[np.complex128],
    lowpass_power: NDArray[np.float64],
    family: str,
    params: dict[str, Any],
) -> FilterBank:
    r"""Assemble analytic filters, their mirror images and the low-pass into a Parseval bank.

    ``positive_filters`` ``(K, N)`` live on the positive half-line; the bank holds them followed by
    their mirrors :math:`\overline{\hat g_k(-\omega)}` (THEORY.md §3, analyticity), and the
    low-pass :math:`\sqrt{p_0}`. The result is normalised to an exact Parseval frame (only the
    Nyquist bin, carried by a filter and its mirror alike, actually changes for the
    partition-of-unity families).
    """
    filters = np.concatenate([positive_filters, mirror(positive_filters, axes=(1,))])
    lowpass = np.sqrt(np.clip(lowpass_power, 0.0, None)).astype(np.complex128)
    return FilterBank(lowpass, filters, family, params).normalised()
