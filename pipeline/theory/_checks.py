"""Argument checks of the theory functions: one line naming the argument, value and what is allowed."""

from __future__ import annotations

import math
from numbers import Real

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..errors import InvalidParameterError


def real(name: str, value: object, allowed: str) -> float:
    """``value`` as a finite float, else :class:`InvalidParameterError` with ``allowed``."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, Real):
        raise InvalidParameterError(name, value, allowed)
    number = float(value)
    if not math.isfinite(number):
        raise InvalidParameterError(name, value, allowed)
    return number


def positive(name: str, value: object) -> float:
    """A finite number > 0."""
    number = real(name, value, "must be a finite number > 0")
    if number <= 0:
        raise InvalidParameterError(name, value, "must be a finite number > 0")
    return number


def decay_base(value: object) -> float:
    """A decay base a > 1."""
    number = real("a", value, "must be a finite number > 1")
    if number <= 1:
        raise InvalidParameterError("a", value, "must be a finite number > 1")
    return number


def window_order(value: object, d: int = 1) -> float:
    """A window order l with r_l >= 0 in dimension d: l >= max(1, (d + 1)/2) (docs/theory.md §3)."""
    minimum = max(1.0, (d + 1) / 2)
    allowed = f"must be a finite number >= {minimum:g} (d = {d}: window r_l >= 0)"
    number = real("l", value, allowed)
    if number < minimum:
        raise InvalidParameterError("l", value, allowed)
    return number


def dimension(value: object) -> int:
    """A dimension d >= 1."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, int | np.integer) or value < 1:
        raise InvalidParameterError("d", value, "must be an integer >= 1")
    return int(value)


def epsilons(epsilon: ArrayLike) -> NDArray[np.float64]:
    """Energy losses in (0, 1), any shape."""
    try:
        values = np.asarray(epsilon, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise InvalidParameterError("epsilon", epsilon, "must be numbers in (0, 1)") from error
    if values.size == 0 or not np.all((values > 0) & (values < 1)):
        raise InvalidParameterError("epsilon", epsilon, "must be numbers in (0, 1)")
    return values


def layers(values: ArrayLike) -> NDArray[np.int64]:
    """Depths N >= 1, 1-D."""
    array = np.atleast_1d(np.asarray(values))
    if array.ndim != 1 or array.size == 0 or array.dtype.kind not in "iu" or np.any(array < 1):
        raise InvalidParameterError("layers", values, "must be a 1-D sequence of integers >= 1")
    return array.astype(np.int64)


def tolerance(value: object) -> float:
    """A relative tolerance in [0, 1)."""
    number = real("tolerance", value, "must be a number in [0, 1)")
    if not 0 <= number < 1:
        raise InvalidParameterError("tolerance", value, "must be a number in [0, 1)")
    return number
