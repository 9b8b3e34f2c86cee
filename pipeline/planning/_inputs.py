"""Checks of ``plan``'s inputs: energy fractions, grid length or shape, bandwidth."""

from __future__ import annotations

import math
from collections.abc import Sequence
from numbers import Real

import numpy as np
from numpy.typing import NDArray

from ..errors import InvalidParameterError

#: Largest bandwidth on a 1-D grid, cycles/sample.
NYQUIST = 0.5
#: Dimensions of the grids a bank can live on.
GRID_DIMENSIONS = (1, 2)


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


def check_shape(value: object) -> tuple[int, ...]:
    """A grid shape: one or two sizes >= 4, as a sequence or as text ``"64x64"``/``"64,64"``."""
    allowed = "must be one or two integers >= 4 (N, or N1xN2)"
    items: object = value
    if isinstance(value, str):
        items = [part.strip() for part in value.replace(",", "x").lower().split("x")]
    if not isinstance(items, Sequence | np.ndarray) or len(items) not in GRID_DIMENSIONS:
        raise InvalidParameterError("shape", value, allowed)
    sizes = []
    for item in items:
        if isinstance(item, str) and item.isdigit():
            item = int(item)
        if isinstance(item, bool | np.bool_) or not isinstance(item, int | np.integer):
            raise InvalidParameterError("shape", value, allowed)
        if item < 4:
            raise InvalidParameterError("shape", value, allowed)
        sizes.append(int(item))
    return tuple(sizes)


def check_bandwidth(value: object, d: int = 1) -> float:
    r"""A band limit L in :math:`(0, \sqrt d/2]` cycles/sample (0.5 in 1-D: the Nyquist
    frequency; in d dimensions the grid's farthest frequency, a corner, lies at
    :math:`\sqrt d/2`)."""
    largest = NYQUIST * math.sqrt(d)
    allowed = f"must be a number in (0, {largest:.6g}] cycles/sample (d = {d})"
    if isinstance(value, bool | np.bool_) or not isinstance(value, Real):
        raise InvalidParameterError("bandwidth", value, allowed)
    number = float(value)
    if not (math.isfinite(number) and 0 < number <= largest):
        raise InvalidParameterError("bandwidth", value, allowed)
    return number
