"""Checks of ``plan``'s inputs: energy fractions, grid length, bandwidth, window order."""

from __future__ import annotations

import math
from collections.abc import Sequence
from numbers import Real

import numpy as np
from numpy.typing import NDArray

from ..errors import InvalidParameterError

#: Largest bandwidth on a 1-D grid, cycles/sample.
NYQUIST = 0.5


def parse_epsilons(values: Sequence[object] | object) -> NDArray[np.float64]:
    r"""Energy fractions :math:`\varepsilon \in (0, 1)` left out, in order, duplicates dropped.

    Accepts numbers or numeric strings (the CLI's), a scalar or a sequence.

    Raises
    ------
    InvalidParameterError
        for no value, or a value that is not a number in (0, 1).
    """
    allowed = "must be a number in (0, 1)"
    if isinstance(values, str) or not isinstance(values, Sequence | np.ndarray):
        items = [values]
    else:
        items = list(np.ravel(values)) if isinstance(values, np.ndarray) else list(values)
    if not items:
        raise InvalidParameterError("epsilon", [], "needs at least one value in (0, 1)")
    parsed: list[float] = []
    for item in items:
        if isinstance(item, str):
            try:
                number = float(item)
            except ValueError:
                raise InvalidParameterError("epsilon", item, allowed) from None
        elif isinstance(item, bool | np.bool_) or not isinstance(item, Real):
            raise InvalidParameterError("epsilon", item, allowed)
        else:
            number = float(item)
        if not (math.isfinite(number) and 0 < number < 1):
            raise InvalidParameterError("epsilon", number, allowed)
        if number not in parsed:
            parsed.append(number)
    return np.asarray(parsed, dtype=np.float64)


def check_length(value: object) -> int:
    """A grid length >= 4."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, int | np.integer) or value < 4:
        raise InvalidParameterError("length", value, "must be an integer >= 4")
    return int(value)


def check_bandwidth(value: object) -> float:
    """A band limit L in (0, 0.5] cycles/sample."""
    allowed = f"must be a number in (0, {NYQUIST}] cycles/sample"
    if isinstance(value, bool | np.bool_) or not isinstance(value, Real):
        raise InvalidParameterError("bandwidth", value, allowed)
    number = float(value)
    if not (math.isfinite(number) and 0 < number <= NYQUIST):
        raise InvalidParameterError("bandwidth", value, allowed)
    return number
