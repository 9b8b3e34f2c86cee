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
from collections.abc import Iterable, Mapping, Sequence
from numbers import Integral, Real
from typing import Any, TypeVar

import numpy as np

from .errors import ConfigError, InvalidParameterError

__all__ = [
    "check_choice",
    "check_integer",
    "check_real",
    "field_error",
    "is_integer",
    "is_real",
]

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


# ---- one line for a pydantic error (the config spec and the cluster backends share it) --------

_PYDANTIC_RULES: dict[str, str] = {
    "int_type": "must be an integer",
    "int_parsing": "must be an integer",
    "int_from_float": "must be an integer",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "finite_number": "must be a finite number",
    "string_type": "must be a string",
    "string_too_short": "must not be empty",
    "bool_type": "must be true or false",
    "list_type": "must be a list",
    "tuple_type": "must be a list",
    "dict_type": "must be a mapping",
    "model_type": "must be a mapping",
    "model_attributes_type": "must be a mapping",
}

_BOUNDS = {
    "greater_than_equal": ("ge", ">="),
    "greater_than": ("gt", ">"),
    "less_than": ("lt", "<"),
    "less_than_equal": ("le", "<="),
}


def field_error(first: Mapping[str, Any], path: str, allowed: Sequence[str] = ()) -> ConfigError:
    """One line for one pydantic error (an item of ``ValidationError.errors()``) at ``path``.

    The rules every model of a config shares: missing and unknown keys (naming the ``allowed``
    ones), types, bounds, literals, lengths, and a validator's own message.

    Examples
    --------
    >>> str(field_error({"type": "greater_than_equal", "input": 0, "ctx": {"ge": 1}}, "depth"))
    'depth = 0: must be >= 1'
    """
    kind = first["type"]
    ctx = first.get("ctx") or {}
    value = first.get("input")
    if kind == "missing":
        return ConfigError(f"{path}: is required but missing", field=path)
    if kind == "extra_forbidden":
        rule = f"unknown key; allowed: {', '.join(allowed)}" if allowed else "unknown key"
        return ConfigError.for_field(path, value, rule)
    if kind in _PYDANTIC_RULES:
        return ConfigError.for_field(path, value, _PYDANTIC_RULES[kind])
    if kind in _BOUNDS:
        key, symbol = _BOUNDS[kind]
        return ConfigError.for_field(path, value, f"must be {symbol} {ctx.get(key)}")
    if kind == "literal_error":
        return ConfigError.for_field(path, value, f"must be {ctx.get('expected')}")
    if kind == "too_short":
        return ConfigError.for_field(
            path, value, f"must hold at least {ctx.get('min_length')} item(s)"
        )
    if kind == "too_long":
        return ConfigError.for_field(
            path, value, f"must hold at most {ctx.get('max_length')} item(s)"
        )
    message = str(first.get("msg", "")).removeprefix("Value error, ")
    return ConfigError.for_field(path, value, message[:1].lower() + message[1:])
