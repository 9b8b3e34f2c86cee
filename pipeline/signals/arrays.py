"""Signals as ``xarray.DataArray``: grid dims, the coordinates of the contract, concatenation."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import xarray as xr

from pipeline.errors import InvalidParameterError

__all__ = ["NO_SEED", "assemble", "concat_signals", "grid_dims"]

#: ``seed``, ``seed_key`` and ``seed_row`` of rows that are not random (records, files).
NO_SEED = -1

_GRID_DIMS = {1: ("time",), 2: ("y", "x"), 3: ("z", "y", "x")}


def grid_dims(ndim: int) -> tuple[str, ...]:
    """Names of the grid dims of a signal with ``ndim`` dims: ``("time",)`` for 1-D,
    ``("y", "x")`` for 2-D, ``("z", "y", "x")`` for 3-D."""
    try:
        return _GRID_DIMS[ndim]
    except KeyError:
        raise InvalidParameterError("shape", f"{ndim} dims", "must have 1, 2 or 3 dims") from None


def assemble(
    values: np.ndarray,
    coords: Mapping[str, np.ndarray],
    *,
    long_name: str,
    description: str,
) -> xr.DataArray:
    """Wrap ``(count, *shape)`` float64 values with per-signal ``coords`` and the attributes.

    The grid dims (:func:`grid_dims`) carry integer index coordinates (``time`` = sample index
    ``0 .. N-1`` for 1-D).
    """
    dims = ("signal", *grid_dims(values.ndim - 1))
    grid = {
        dim: np.arange(size, dtype=np.int64)
        for dim, size in zip(dims[1:], values.shape[1:], strict=True)
    }
    return xr.DataArray(
        np.ascontiguousarray(values, dtype=np.float64),
        dims=dims,
        coords={**grid, **{name: ("signal", np.asarray(v)) for name, v in coords.items()}},
        name="input_signal",
        attrs={"units": "arbitrary", "long_name": long_name, "description": description},
    )


def concat_signals(parts: Sequence[xr.DataArray]) -> xr.DataArray:
    """Stack signals of different classes (one grid shape) along ``signal``.

    Parameter coordinates that a part lacks are filled with NaN, as the store contract asks
    (``xarray.concat`` alone refuses coordinates missing from some parts).

    Parameters
    ----------
    parts
        Signals of :func:`pipeline.signals.make_signals`, all on the same grid.

    Returns
    -------
    xarray.DataArray
        Every parameter coordinate of any part is present, NaN on the rows of classes without
        it. The ``description`` attribute is kept only when all parts share it.

    Raises
    ------
    InvalidParameterError
        If ``parts`` is empty or the parts do not share one grid shape.

    Examples
    --------
    >>> from pipeline.signals import sobolev, white_noise
    >>> both = concat_signals([white_noise(1, 8, seed=0), sobolev(1, 8, s=1.0, seed=0)])
    >>> both.sobolev_s.values.tolist()
    [nan, 1.0]
    """
    if len(parts) == 0:
        raise InvalidParameterError("parts", parts, "must hold at least one DataArray")
    shapes = sorted({part.shape[1:] for part in parts})
    if len(shapes) > 1:
        raise InvalidParameterError(
            "parts", f"grid shapes {shapes}", "must all have the same grid shape"
        )
    names: dict[str, None] = {}
    for part in parts:
        for name, coord in part.coords.items():
            if coord.dims == ("signal",):
                names[str(name)] = None
    filled = []
    for part in parts:
        missing = {
            name: ("signal", np.full(part.sizes["signal"], np.nan))
            for name in names
            if name not in part.coords
        }
        filled.append(part.assign_coords(missing))
    return xr.concat(filled, dim="signal", combine_attrs="drop_conflicts")
