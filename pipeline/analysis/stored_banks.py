"""A store's banks, rebuilt from the store alone (its ``bank`` coordinates and grid length).

The store's contract puts each bank's family and every family parameter on the ``bank`` axis
(``family``, ``bank_<name>``; NaN or "" where a family lacks a parameter). That is enough to
rebuild every bank and measure its facts (:class:`pipeline.theory.BankFacts`) without
validating the stored config, which would need the signal files.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np
import xarray as xr
import yaml

from ..errors import StoreError
from ..filters import FilterBank, family_parameters, make_bank
from ..theory import BankFacts, bank_facts

#: Prefix of the bank parameter coordinates (``pipeline.sweep`` bank coordinates).
PARAMETER_PREFIX = "bank_"


def grid_shape(dataset: xr.Dataset) -> tuple[int, ...]:
    """The signals' grid shape: the store's ``grid_shape`` attribute (older stores: the
    ``length`` of the config text)."""
    shape = dataset.attrs.get("grid_shape")
    try:
        if shape is None:
            shape = yaml.safe_load(dataset.attrs["config"])["length"]
        return tuple(int(n) for n in np.atleast_1d(shape))
    except Exception as error:
        raise StoreError(
            f"the store gives no grid shape (attribute 'grid_shape'; {type(error).__name__})"
        ) from error


def _scalar(value: Any) -> Any:
    """A Python value of a coordinate's element (text coordinates hold Python strings)."""
    return value.item() if isinstance(value, np.generic) else value


def _missing(value: object) -> bool:
    return (isinstance(value, str) and value == "") or (
        isinstance(value, float) and math.isnan(value)
    )


@functools.lru_cache(maxsize=32)
def _default_types(family: str, shape: tuple[int, ...]) -> dict[str, type]:
    """Types of a family's resolved parameters, from its default bank on this grid."""
    try:
        resolved = make_bank(family, shape).params
    except Exception:
        resolved = family_parameters(family)
    return {name: type(value) for name, value in resolved.items()}


#: How ``str()`` writes a boolean into a store's text coordinate (``sweep.banks.bank_coords``).
BOOLEAN_TEXT = {"True": True, "False": False}


def _typed(value: Any, kind: type) -> Any:
    """A stored parameter value back as the type of the family's resolved parameter.

    ``bank_coords`` stores reals as float64 and anything else as ``str(value)``, so an integer
    comes back as a float and a boolean as ``"True"``/``"False"``: both are restored here
    (a boolean from any other text is left as text, for ``make_bank`` to refuse by name).
    """
    if kind is bool and isinstance(value, str) and value in BOOLEAN_TEXT:
        return BOOLEAN_TEXT[value]
    if kind is int and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def stored_bank_table(dataset: xr.Dataset) -> list[tuple[str, dict[str, Any]]]:
    """``(family, params)`` of every bank of a store, in order, from its coordinates."""
    if "family" not in dataset.coords:
        raise StoreError("the store has no 'family' coordinate on 'bank'")
    shape = grid_shape(dataset)
    families = [str(value) for value in dataset["family"].values]
    columns = {
        str(name)[len(PARAMETER_PREFIX) :]: np.asarray(dataset[name].values)
        for name in dataset.coords
        if str(name).startswith(PARAMETER_PREFIX)
        and name != "bank_hash"
        and dataset[name].dims == ("bank",)
    }
    table = []
    for index, family in enumerate(families):
        kinds = _default_types(family, shape)
        params = {}
        for name in family_parameters(family):
            value = _scalar(columns[name][index]) if name in columns else ""
            if not _missing(value):
                params[name] = _typed(value, kinds.get(name, float))
        table.append((family, params))
    return table


def _same(stored: Any, built: Any) -> bool:
    if isinstance(built, bool) or isinstance(stored, str):
        return str(stored) == str(built)
    try:
        return float(stored) == float(built)
    except (TypeError, ValueError):
        return str(stored) == str(built)


def stored_banks(dataset: xr.Dataset) -> list[FilterBank]:
    """Every bank of a store, rebuilt at its grid shape; checked against the stored parameters.

    Raises
    ------
    StoreError
        if a rebuilt bank's resolved parameters differ from the stored coordinates.
    """
    shape = grid_shape(dataset)
    banks = []
    for index, (family, params) in enumerate(stored_bank_table(dataset)):
        bank = make_bank(family, shape, **params)
        wrong = [
            name
            for name, value in bank.params.items()
            if PARAMETER_PREFIX + name in dataset.coords
            and not _same(_scalar(dataset[PARAMETER_PREFIX + name].values[index]), value)
        ]
        if wrong:
            raise StoreError(
                f"bank {index} ({family}) rebuilt from the store's coordinates differs in "
                f"{', '.join(wrong)}"
            )
        banks.append(bank)
    return banks


def stored_bank_facts(dataset: xr.Dataset) -> list[BankFacts]:
    """:class:`~pipeline.theory.BankFacts` of every bank of a store."""
    return [bank_facts(bank) for bank in stored_banks(dataset)]
