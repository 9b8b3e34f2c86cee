"""Readers of signal files, registered by file suffix: ``.npy``, Zarr, netCDF.

A file group's array is ``(rows, *shape)``: rank 2 ``(rows, N)`` for 1-D signals, rank 3
``(rows, N1, N2)`` for 2-D ones. A reader answers two questions, each without loading more than
it must: what the array's shape and dtype are (:attr:`FileReader.inspect`), and what rows
``[first, last)`` hold (:attr:`FileReader.read`, float64). Adding a format is one call of
:func:`register_reader`.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xarray as xr

from pipeline.errors import InvalidParameterError

__all__ = ["ArrayInfo", "FileReader", "reader_for", "register_reader", "suffixes"]


@dataclass(frozen=True)
class ArrayInfo:
    """Shape and dtype of a file's signal array."""

    shape: tuple[int, ...]
    dtype: np.dtype


@dataclass(frozen=True)
class FileReader:
    """A file format: ``inspect(path, variable) -> ArrayInfo`` and ``read(path, variable, first,
    last) -> (last - first, *shape)`` float64. Both raise
    :class:`~pipeline.errors.InvalidParameterError` naming ``variable`` for a bad variable."""

    name: str
    suffixes: tuple[str, ...]
    inspect: Callable[[str, str | None], ArrayInfo]
    read: Callable[[str, str | None, int, int], np.ndarray]


_READERS: dict[str, FileReader] = {}


def register_reader(reader: FileReader) -> None:
    """Register ``reader`` for each of its suffixes (lower case, with the dot)."""
    for suffix in reader.suffixes:
        if suffix in _READERS and _READERS[suffix] is not reader:
            raise ValueError(f"suffix {suffix!r} already has the reader {_READERS[suffix].name}")
        _READERS[suffix] = reader


def suffixes() -> list[str]:
    """Every registered suffix, in registration order."""
    return list(_READERS)


def reader_for(path: str) -> FileReader:
    """The reader of ``path``'s suffix.

    Raises
    ------
    InvalidParameterError
        ``path = 'rows.csv': must end in one of .npy, .zarr, .nc, ...``.
    """
    suffix = Path(path).suffix.lower()
    if suffix not in _READERS:
        raise InvalidParameterError("path", path, f"must end in one of {', '.join(_READERS)}")
    return _READERS[suffix]


# --------------------------------------------------------------------------------------------
# .npy


def _npy_inspect(path: str, variable: str | None) -> ArrayInfo:
    if variable is not None:
        raise InvalidParameterError("variable", variable, "must be omitted for a .npy file")
    array = np.load(path, mmap_mode="r", allow_pickle=False)
    return ArrayInfo(tuple(int(n) for n in array.shape), array.dtype)


def _npy_read(path: str, variable: str | None, first: int, last: int) -> np.ndarray:
    array = np.load(path, mmap_mode="r", allow_pickle=False)
    return np.array(array[first:last], dtype=np.float64)


register_reader(FileReader("npy", (".npy",), _npy_inspect, _npy_read))


# --------------------------------------------------------------------------------------------
# xarray: Zarr and netCDF


def _xarray_reader(name: str, suffixes: tuple[str, ...], zarr: bool) -> FileReader:
    def open_dataset(path: str) -> xr.Dataset:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # unconsolidated Zarr metadata
            return xr.open_zarr(path) if zarr else xr.open_dataset(path)

    def inspect(path: str, variable: str | None) -> ArrayInfo:
        with open_dataset(path) as dataset:
            array = dataset[_pick_variable(path, variable, dataset)]
            return ArrayInfo(tuple(int(n) for n in array.shape), array.dtype)

    def read(path: str, variable: str | None, first: int, last: int) -> np.ndarray:
        with open_dataset(path) as dataset:
            array = dataset[_pick_variable(path, variable, dataset)]
            rows = array.isel({array.dims[0]: slice(first, last)}).values
        return np.asarray(rows, dtype=np.float64)

    return FileReader(name, suffixes, inspect, read)


def _pick_variable(path: str, variable: str | None, dataset: xr.Dataset) -> str:
    names = [str(n) for n in dataset.data_vars]
    if variable is None:
        if len(names) == 1:
            return names[0]
        raise InvalidParameterError(
            "variable", None, f"must name one of {', '.join(names)} (the variables of {path})"
        )
    if variable not in names:
        raise InvalidParameterError(
            "variable",
            variable,
            f"must be one of {', '.join(names) or '(none)'} (the variables of {path})",
        )
    return variable


register_reader(_xarray_reader("zarr", (".zarr",), zarr=True))
register_reader(_xarray_reader("netcdf", (".nc", ".nc4", ".cdf", ".netcdf"), zarr=False))
