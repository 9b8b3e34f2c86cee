"""Registry of filter families: each family module registers its builder on import."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import InvalidParameterError, UnknownFamilyError
from ..grid import Grid
from ._bank import FilterBank

BankBuilder = Callable[..., FilterBank]


@dataclass(frozen=True)
class RecalledDecayBase:
    """A decay base the paper states for a filter class, recalled and not verified ([R]).

    Reported beside the derived worst case as labelled extra information, never in its place
    (docs/theory.md §6).
    """

    filter_class: str
    value: float


@dataclass(frozen=True)
class FamilyInfo:
    """What a family module declares about itself when it registers.

    Attributes
    ----------
    name
        the family's name in configs and on the command line.
    builder
        ``builder(grid, **params) -> FilterBank``, ``grid`` a :class:`pipeline.grid.Grid`; a
        family defined in fewer dimensions refuses other grids (``_build.require_ndim``).
    scale_parameters
        its parameters that set the scale of the frequency tiling, most telling first (the
        report's axis for decay exponents).
    recalled_decay_base
        the paper's recalled constant for the family's filter class, if any.
    ndim
        the number of grid axes the family is defined on (1: signals, 2: images).
    """

    name: str
    builder: BankBuilder
    scale_parameters: tuple[str, ...] = ()
    recalled_decay_base: RecalledDecayBase | None = None
    ndim: int = 1


_FAMILIES: dict[str, FamilyInfo] = {}


def register(
    name: str,
    builder: BankBuilder,
    *,
    scale_parameters: tuple[str, ...] = (),
    recalled_decay_base: RecalledDecayBase | None = None,
    ndim: int = 1,
) -> None:
    """Register ``builder(grid, **params) -> FilterBank`` under ``name`` with its declarations."""
    if name in _FAMILIES and _FAMILIES[name].builder is not builder:
        raise ValueError(f"filter family {name!r} is already registered")
    info = FamilyInfo(name, builder, tuple(scale_parameters), recalled_decay_base, int(ndim))
    keywords = _keyword_parameters(builder)
    unknown = [p for p in info.scale_parameters if p not in keywords]
    if unknown:
        raise ValueError(f"family {name!r}: scale parameters {unknown} are not builder keywords")
    _FAMILIES[name] = info


def families(ndim: int | None = None) -> list[str]:
    """Names of the registered families, sorted; only those defined on ``ndim``-D grids if given."""
    return sorted(name for name, info in _FAMILIES.items() if ndim in (None, info.ndim))


def family_info(family: str) -> FamilyInfo:
    """The declarations of a registered family (:class:`FamilyInfo`)."""
    return _get(family)


def family_parameters(family: str) -> dict[str, Any]:
    """The keyword parameters of a family and their defaults."""
    return _keyword_parameters(_get(family).builder)


def _keyword_parameters(builder: BankBuilder) -> dict[str, Any]:
    return {
        name: p.default
        for name, p in inspect.signature(builder).parameters.items()
        if p.kind is inspect.Parameter.KEYWORD_ONLY
    }


def make_bank(family: str, shape: int | tuple[int, ...] | Grid, **params: Any) -> FilterBank:
    """Build the Parseval filter bank of a registered family on a DFT grid of ``shape``.

    ``shape`` is a length, a tuple of sizes or a :class:`pipeline.grid.Grid`; every size >= 4.

    Raises
    ------
    UnknownFamilyError
        for a family that is not registered (the message lists the known ones).
    InvalidParameterError
        for a parameter the family does not take, or a value it does not allow.
    """
    builder = _get(family).builder
    allowed = family_parameters(family)
    for name in params:
        if name not in allowed:
            raise InvalidParameterError(
                name,
                params[name],
                f"is not a parameter of family '{family}' "
                f"(allowed: {', '.join(allowed) or 'none'})",
            )
    return builder(Grid(_as_shape(shape)), **params)


def _get(family: str) -> FamilyInfo:
    try:
        return _FAMILIES[family]
    except KeyError:
        raise UnknownFamilyError(
            "family", family, f"must be one of {', '.join(families())}"
        ) from None


def _as_shape(shape: int | tuple[int, ...] | Grid) -> tuple[int, ...]:
    if isinstance(shape, Grid):
        shape = shape.shape
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
