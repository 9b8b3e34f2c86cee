"""The caller's coordinates and frequency radii: checked, normalised, compared with a store's.

Coordinates on ``bank`` (family, parameters, bank hash) and on ``signal`` (dataset, class,
seed, ...) are 1-D arrays of numbers or text; text is stored as variable-length UTF-8 strings
(fixed-width numpy strings have no Zarr v3 specification) and reads back as numpy strings, so
both sides are normalised to object arrays of ``str`` before they are compared
(docs/design.md, "The store contract").
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import xarray as xr

from ..errors import InvalidParameterError
from .layout import DATA_VARIABLES, DIMS


def coordinate_table(
    field: str, coords: Mapping[str, Any], dim: str, *, length: int | None
) -> dict[str, np.ndarray]:
    """Check and normalise coordinates along ``dim``: 1-D, one length, numbers or strings.

    ``length`` None: the first array's length is the one every array must have (the number of
    banks), and at least one array is needed. Raises
    :class:`~pipeline.errors.InvalidParameterError` naming ``field[name]``.
    """
    if not isinstance(coords, Mapping):
        raise InvalidParameterError(field, coords, "must be a mapping of names to 1-D arrays")
    if length is None and not coords:
        raise InvalidParameterError(
            field, coords, "needs at least one 1-D array (its length is the number of banks)"
        )
    reserved = {*DATA_VARIABLES, *DIMS} - {dim}
    table = {}
    for name, values in coords.items():
        if not isinstance(name, str) or name in reserved:
            raise InvalidParameterError(
                f"{field}[{name!r}]",
                name,
                f"names must be strings other than {', '.join(sorted(reserved))}",
            )
        array = normalized(values)
        if array.ndim != 1 or array.size == 0:
            raise InvalidParameterError(
                f"{field}[{name!r}]", values, "must be a non-empty 1-D array"
            )
        if array.dtype.kind not in "biufO" or (
            array.dtype.kind == "O" and not all(isinstance(v, str) for v in array)
        ):
            raise InvalidParameterError(
                f"{field}[{name!r}]", values, "must hold numbers or strings"
            )
        length = array.size if length is None else length
        if array.size != length:
            raise InvalidParameterError(
                f"{field}[{name!r}]", values, f"must have length {length} (got {array.size})"
            )
        table[name] = array
    return table


def normalized(values: Any) -> np.ndarray:
    """Text as an object array of ``str`` (variable-length strings in Zarr v3), numbers as is.

    Examples
    --------
    >>> normalized([b"a", "b"]).tolist(), normalized([1, "a"]).dtype
    (['a', 'b'], dtype('O'))
    """
    array = np.asarray(values)
    if array.dtype.kind == "U" and not isinstance(values, np.ndarray):
        array = np.asarray(values, dtype=object)  # numpy turns [1, "a"] into ["1", "a"]
    if array.dtype.kind in "OSTU":
        items = [v.decode() if isinstance(v, bytes) else v for v in array.ravel().tolist()]
        if all(isinstance(v, str) for v in items):
            return np.array(items, dtype=object).reshape(array.shape)
    return array


def frequency_radii(values: Any) -> np.ndarray:
    """Frequency radii: None -> empty; else 1-D, finite, strictly increasing float64."""
    if values is None:
        return np.empty(0)
    radii = np.asarray(values, dtype=np.float64)
    if (
        radii.ndim != 1
        or radii.size == 0
        or not np.all(np.isfinite(radii))
        or np.any(np.diff(radii) <= 0)
    ):
        raise InvalidParameterError(
            "frequency_radius", values, "must be a non-empty, strictly increasing 1-D array"
        )
    return radii


def coordinate_differences(
    stored: xr.Dataset, dim: str, asked: dict[str, np.ndarray], *, prefix: bool = False
) -> list[str]:
    """What differs between a store's coordinates on ``dim`` and the asked ones, in words.

    The dimension's own index (``0..n-1`` unless asked otherwise) is compared too; an empty
    list means they are the same (NaN equals NaN, integers compare exactly).

    With ``prefix``, the asked coordinates may be longer than the store's (a store that grows
    along ``dim``): only their first ``stored.sizes[dim]`` values are compared, and an asked
    name the store lacks is a new coordinate if its first values are all absent (NaN or
    ``""``: a parameter of new rows or banks only).
    """
    size = stored.sizes[dim]
    asked = {dim: np.arange(len(next(iter(asked.values()))) if asked else size), **asked}
    names = {name for name, coord in stored.coords.items() if coord.dims == (dim,)}
    if (not names <= set(asked)) if prefix else names != set(asked):
        return [f"{dim} coordinates {sorted(names)} (asked {sorted(asked)})"]
    differences = []
    for name in sorted(set(asked) - names) if prefix else ():
        values = asked[name][:size]
        absent = values == "" if values.dtype.kind == "O" else np.isnan(values.astype(float))
        if not np.all(absent):
            differences.append(
                f"{dim} coordinate {name!r} is new but set on the store's {dim}s "
                f"(first at {dim} {int(np.flatnonzero(~absent)[0])})"
            )
    for name in sorted(names):
        have, want = normalized(stored[name].values), asked[name]
        if prefix:
            want = want[:size]
        unequal = _unequal(have, want)
        if unequal is None:
            differences.append(
                f"{dim} coordinate {name!r} differs (store {have.dtype}, asked {want.dtype})"
            )
        elif unequal.any():
            index = int(np.flatnonzero(unequal)[0])
            stored_value, asked_value = have.tolist()[index], want.tolist()[index]
            differences.append(
                f"{dim} coordinate {name!r} differs "
                f"(first at {dim} {index}: {stored_value!r} vs asked {asked_value!r})"
            )
    return differences


def _unequal(have: np.ndarray, want: np.ndarray) -> np.ndarray | None:
    """Elementwise "differs" (NaN equals NaN; integers exactly); None for text vs numbers."""
    if (have.dtype.kind == "O") != (want.dtype.kind == "O"):
        return None
    if have.dtype.kind == "O" or (have.dtype.kind in "biu" and want.dtype.kind in "biu"):
        return np.asarray(have != want, dtype=bool)
    a, b = have.astype(np.float64), want.astype(np.float64)
    return ~((a == b) | (np.isnan(a) & np.isnan(b)))
