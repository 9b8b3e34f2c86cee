"""The one validation helper: integers that are not booleans, finite reals, ranges, choices.

Every check returns the value in its plain Python type or raises
:class:`pipeline.errors.InvalidParameterError`, whose one-line message names the field, the value
and what is allowed (``"jumps = 2.5: must be an integer in [0, 63]"``). Booleans are refused
wherever a number is expected: ``True`` is an ``int`` to Python but never a count or a frequency
to a user.

Examples
--------
>>> check_integer("count", 3, minimum=1)
3
>>> check_real("bandwidth", 0.7, minimum=0.0, maximum=0.5, include_minimum=False)
Traceback (most recent call last):
...
pipeline.errors.InvalidParameterError: bandwidth = 0.7: must be a finite number in (0, 0.5]
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from numbers import Integral, Real
from typing import TypeVar

import numpy as np

from .errors import InvalidParameterError

__all__ = ["check_choice", "check_integer", "check_real", "is_integer", "is_real"]

T = TypeVar("T")


def is_integer(value: object) -> bool:
    """True for Python and numpy integers, False for booleans (``True`` is not a count)."""
    return isinstance(value, Integral) and not isinstance(value, bool | np.bool_)


def is_real(value: object) -> bool:
    """True for Python and numpy reals (integers included), False for booleans."""
    return isinstance(value, Real) and not isinstance(value, bool | np.bool_)


def _interval(
    minimum: float | None, maximum: float | None, include_minimum: bool, include_maximum: bool
) -> str:
    if minimum is None and maximum is None:
        return ""
    if maximum is None:
        return f" {'>=' if include_minimum else '>'} {minimum:g}"
    if minimum is None:
        return f" {'<=' if include_maximum else '<'} {maximum:g}"
    left = "[" if include_minimum else "("
    right = "]" if include_maximum else ")"
    return f" in {left}{minimum:g}, {maximum:g}{right}"


def check_integer(
    name: str, value: object, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    """``int(value)`` if ``value`` is an integer (not a bool) in ``[minimum, maximum]``.

    Raises
    ------
    InvalidParameterError
        ``"{name} = {value!r}: must be an integer >= {minimum}"`` (or ``in [min, max]``).
    """
    ok = is_integer(value)
    if ok and minimum is not None:
        ok = int(value) >= minimum  # type: ignore[call-overload]
    if ok and maximum is not None:
        ok = int(value) <= maximum  # type: ignore[call-overload]
    if not ok:
        if minimum is not None and maximum is not None:
            allowed = f"must be an integer in [{minimum}, {maximum}]"
        else:
            allowed = "must be an integer" + _interval(minimum, maximum, True, True)
        raise InvalidParameterError(name, value, allowed)
    return int(value)  # type: ignore[call-overload]


def check_real(
    name: str,
    value: object,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    include_minimum: bool = True,
    include_maximum: bool = True,
) -> float:
    """``float(value)`` if ``value`` is a finite real (not a bool) in the given interval.

    Raises
    ------
    InvalidParameterError
        ``"{name} = {value!r}: must be a finite number in (0, 0.5]"`` (the interval asked).
    """
    if is_real(value):
        x = float(value)  # type: ignore[arg-type]
        ok = math.isfinite(x)
        if ok and minimum is not None:
            ok = x >= minimum if include_minimum else x > minimum
        if ok and maximum is not None:
            ok = x <= maximum if include_maximum else x < maximum
        if ok:
            return x
    interval = _interval(minimum, maximum, include_minimum, include_maximum)
    raise InvalidParameterError(name, value, f"must be a finite number{interval}")


def check_choice(name: str, value: T, choices: Iterable[T]) -> T:
    """``value`` if it is one of ``choices``.

    Raises
    ------
    InvalidParameterError
        ``"{name} = {value!r}: must be one of a, b, c"``.
    """
    allowed = list(choices)
    if isinstance(value, bool | np.bool_) or value not in allowed:
        raise InvalidParameterError(name, value, f"must be one of {', '.join(map(str, allowed))}")
    return value
