"""Registry of filter families: each family module registers its builder on import."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from ..errors import InvalidParameterError, UnknownFamilyError
from ._bank import FilterBank

BankBuilder = Callable[..., FilterBank]

_FAMILIES: dict[str, BankBuilder] = {}


def register(name: str, builder: BankBuilder) -> None:
    """Register ``builder(shape, **params) -> FilterBank`` under ``name``."""
    if name in _FAMILIES and _FAMILIES[name] is not builder:
        raise ValueError(f"filter family {name!r} is already registered")
    _FAMILIES[name] = builder


def families() -> list[str]:
    """Names of the registered families, sorted."""
    return sorted(_FAMILIES)


def family_parameters(family: str) -> dict[str, Any]:
    """The keyword parameters of a family and their defaults."""
    builder = _get(family)
    return {
        name: p.default
        for name, p in inspect.signature(builder).parameters.items()
        if p.kind is inspect.Parameter.KEYWORD_ONLY
    }


def make_bank(family: str, shape: int | tuple[int, ...], **params: Any) -> FilterBank:
    """Build the Parseval filter bank of a registered family on a DFT grid of ``shape``.

    Raises
    ------
    UnknownFamilyError
        for a family that is not registered (the message lists the known ones).
    InvalidParameterError
        for a parameter the family does not take, or a value it does not allow.
    """
    builder = _get(family)
    allowed = family_parameters(family)
    for name in params:
        if name not in allowed:
            raise InvalidParameterError(
                name,
                params[name],
                f"is not a parameter of family '{family}' "
                f"(allowed: {', '.join(allowed) or 'none'})",
            )
    return builder(_as_shape(shape), **params)


def _get(family: str) -> BankBuilder:
    try:
        return _FAMILIES[family]
    except KeyError:
        raise UnknownFamilyError(
            "family", family, f"must be one of {', '.join(families())}"
        ) from None


def _as_shape(shape: int | tuple[int, ...]) -> tuple[int, ...]:
    if isinstance(shape, bool):
        raise InvalidParameterError("shape", shape, "must be an int or a tuple of ints")
    if isinstance(shape, int | np.integer):
        dims: tuple[int, ...] = (int(shape),)
    else:
        try:
            dims = tuple(int(n) for n in shape)
        except TypeError:
            raise InvalidParameterError(
                "shape", shape, "must be an int or a tuple of ints"
            ) from None
    if not dims or any(n < 4 for n in dims):
        raise InvalidParameterError("shape", shape, "every dimension must be an integer >= 4")
    return dims
