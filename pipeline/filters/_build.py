"""Helpers shared by the family modules: argument checks and the analytic-pair assembly."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ..errors import InvalidParameterError
from ..grid import Grid
from ..validation import check_integer
from ._bank import FilterBank


def require_ndim(grid: Grid, family: str, ndim: int = 1) -> Grid:
    """``grid`` if it has ``ndim`` axes, else a one-line InvalidParameterError naming the family."""
    if grid.ndim != ndim:
        what = "1-D grids only (one length)" if ndim == 1 else f"{ndim}-D grids only"
        raise InvalidParameterError("shape", grid.shape, f"family '{family}' is defined on {what}")
    return grid


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
    return check_integer(name, value, minimum=minimum)


def analytic_bank(
    grid: Grid,
    positive_filters: NDArray[np.complex128],
    lowpass_power: NDArray[np.float64],
    family: str,
    params: dict[str, Any],
) -> FilterBank:
    r"""Assemble analytic filters, their mirror images and the low-pass into a Parseval bank.

    ``positive_filters`` ``(K, *grid.shape)`` live on a half-line (d = 1) or a half-space; the bank
    holds them followed by their mirrors :math:`\overline{\hat g_k(-\omega)}` (:meth:`Grid.mirror`,
    docs/theory.md §3, analyticity), and the low-pass :math:`\sqrt{p_0}`. The result is normalised
    to an exact Parseval frame (only the Nyquist bin, carried by a filter and its mirror alike,
    actually changes for the partition-of-unity families).
    """
    filters = np.concatenate([positive_filters, grid.mirror(positive_filters)])
    lowpass = np.sqrt(np.clip(lowpass_power, 0.0, None)).astype(np.complex128)
    return FilterBank(lowpass, filters, family, params).normalised()
