"""Reading a sweep's store: :func:`open_results` for analysis, :func:`describe` for ``show``.

What users see is the store contract (docs/design.md, "The store contract"): the Dataset that
``xarray.open_zarr(path)`` returns, checked to be an energy-sweep store, merged with the ``fits``
group when ``energy-sweep fit`` has run, and with ``family`` and ``signal_class`` indexed for
``.sel``. Unrecorded regions read NaN (energies) and 0 (``paths``); which units are done is known
only from the completion records.

The data variables are read chunk by chunk through :class:`CheckedChunks`: a chunk that fails
its crc32c checksum fails ``.load()`` (or ``energy-sweep fit``) with a one-line
:class:`~pipeline.errors.StoreError` naming the variable and the unit, not with a number.
"""

from __future__ import annotations

import os
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import dask.array as da
import numpy as np
import xarray as xr
import zarr

from ..errors import StoreError
from ._util import one_line
from .fits import open_fits
from .layout import (
    DATA_VARIABLES,
    DIMS,
    MODE_VARIABLES,
    SPECTRUM_VARIABLE,
    Layout,
    StorePath,
    open_dataset,
    read_layout,
    read_records,
)

#: Coordinates :func:`open_results` indexes for ``.sel(name=value)``.
SELECTABLE_COORDS = ("family", "signal_class")


def open_results(path: StorePath, *, completion: bool = False) -> xr.Dataset:
    """Open a sweep's store lazily: what ``xarray.open_zarr(path)`` returns, after checks,
    merged with its decay fits (group ``fits``) when ``energy-sweep fit`` has run.

    Parameters
    ----------
    path
        the store.
    completion
        add a variable ``completed`` (bool, ``(signal, bank)``): True where the unit holding
        that signal and bank is recorded as done (whatever its hash). Unrecorded regions read
        NaN (energies) and 0 (``paths``), but completion is known only from the records.

    Returns
    -------
    xarray.Dataset
        dask-backed, chunked like the store; ``family`` and ``signal_class`` are indexed, so
        ``.sel(family="meyer")`` picks that family's banks (one label matching one bank drops
        the ``bank`` dim, as any ``sel`` of a unique label).

    Raises
    ------
    StoreError
        if ``path`` is missing or not an energy-sweep store.
    """
    layout = read_layout(path)
    dataset = _checked(open_dataset(path), path, layout)
    if completion:
        done = read_records(path) != 0  # (bank, chunk)
        by_signal = done[:, np.arange(layout.n_signals) // layout.chunk].T
        dataset["completed"] = xr.Variable(
            ("signal", "bank"),
            by_signal,
            attrs={
                "long_name": "unit recorded as done",
                "description": "True where the work unit of this (signal, bank) has written "
                "its data and its completion record (group 'units').",
            },
        )
    fits = open_fits(path)
    if fits is not None:
        shared = [name for name in fits.coords if name in dataset.coords]
        dataset = dataset.merge(fits.drop_vars(shared), combine_attrs="override")
    for name in SELECTABLE_COORDS:
        if name in dataset.coords and name not in dataset.xindexes:
            dataset = dataset.set_xindex(name)
    return dataset


class CheckedChunks:
    """A store variable read by Dask one chunk at a time; a failed read (a chunk that fails its
    checksum, an unreadable file) raises a one-line :class:`StoreError` naming the variable and
    the unit that owns the chunk."""

    def __init__(self, path: StorePath, name: str, layout: Layout) -> None:
        self.path, self.name, self.layout = os.fspath(path), name, layout
        self.array = zarr.open_array(store=self.path, path=name, mode="r")
        self.shape, self.dtype, self.ndim = self.array.shape, self.array.dtype, self.array.ndim

    def __getitem__(self, key: Any) -> np.ndarray:
        try:
            return np.asarray(self.array[key])
        except Exception as error:
            raise StoreError(self._failure(key, error)) from error

    def _failure(self, key: Any, error: Exception) -> str:
        first = key[0] if isinstance(key, tuple) and key else key
        start = first.start or 0 if isinstance(first, slice) else int(first)
        chunk = start // self.layout.chunk
        bank = 0
        if self.name in self.layout.layer_variables and isinstance(key, tuple) and len(key) > 1:
            second = key[1]
            bank = second.start or 0 if isinstance(second, slice) else int(second)
        why = (
            "fails its crc32c checksum (bytes changed on disk)"
            if "checksum" in str(error).lower()
            else one_line(error, 150)
        )
        return (
            f"store {self.path}: {self.name} of unit (bank={bank}, chunk={chunk}) is unreadable: "
            f"{why}; `energy-sweep verify` lists the bad units, `energy-sweep run` recomputes them"
        )


def _checked(dataset: xr.Dataset, path: StorePath, layout: Layout) -> xr.Dataset:
    """``dataset`` with its data variables read through :class:`CheckedChunks` (same chunks,
    same values)."""
    names = [
        n for n in (*DATA_VARIABLES, SPECTRUM_VARIABLE, *MODE_VARIABLES) if n in dataset.data_vars
    ]
    checked = {}
    for name in names:
        variable = dataset[name].variable
        data = da.from_array(
            CheckedChunks(path, name, layout),
            chunks=variable.chunks,
            name=f"energy-sweep-{name}-{uuid.uuid4().hex}",
            asarray=False,
            lock=False,
        )
        checked[name] = variable.copy(data=data, deep=False)
    return dataset.assign(checked)


def store_id(path: StorePath) -> str | None:
    """The ``store_id`` attribute of the store at ``path`` (None for a store made before ids)."""
    try:
        value = zarr.open_group(os.fspath(path), mode="r").attrs.get("store_id")
    except Exception as error:
        raise StoreError(f"cannot read store {path}: {one_line(error)}") from error
    return str(value) if value is not None else None


def provenance(path: StorePath) -> list[dict[str, Any]]:
    """The store's ``provenance`` attribute: one entry per run that created or grew it (``run``,
    ``time``, ``computation_hash``, ``action``, and the ranges ``[start, stop)`` it added along
    ``signals``, ``banks``, ``layers``); [] where there is no store (yet) or no provenance."""
    try:
        entries = zarr.open_group(os.fspath(path), mode="r").attrs.get("provenance")
    except Exception:
        return []
    return [dict(entry) for entry in entries] if isinstance(entries, list) else []


def growth_line(entry: dict[str, Any]) -> str:
    """One line saying what a ``grown`` provenance entry added.

    Examples
    --------
    >>> growth_line({"signals": [32, 40], "banks": [5, 5], "layers": [7, 7]})
    'store grown: signals 32..39 added'
    """
    added = [
        f"{name} {start}..{stop - 1}"
        for name, (start, stop) in ((n, entry[n]) for n in ("signals", "banks", "layers"))
        if stop > start
    ]
    return f"store grown: {', '.join(added) or 'nothing'} added"


def describe(path: StorePath) -> dict[str, Any]:
    """Summary of a store, as ``energy-sweep show`` prints it.

    Returns
    -------
    dict
        ``path``; ``dims`` (sizes of signal, bank, layer); ``depth``; ``chunk``; ``families``
        (family name -> number of banks, if a ``family`` coordinate exists); ``units_done``,
        ``units_total``; ``computation_hash``, ``created``, ``package_version`` (from the
        attributes, None if absent); ``size_bytes`` (files on disk).
    """
    layout = read_layout(path)
    dataset = open_dataset(path)
    records = read_records(path)
    families: dict[str, int] = {}
    if "family" in dataset.coords:
        families = dict(Counter(str(name) for name in dataset["family"].values))
    size = sum(f.stat().st_size for f in Path(os.fspath(path)).rglob("*") if f.is_file())
    return {
        "path": os.fspath(path),
        "dims": {dim: int(dataset.sizes[dim]) for dim in DIMS},
        "depth": layout.depth,
        "chunk": layout.chunk,
        "families": families,
        "units_done": int(np.count_nonzero(records)),
        "units_total": int(records.size),
        "computation_hash": dataset.attrs.get("computation_hash"),
        "created": dataset.attrs.get("created"),
        "package_version": dataset.attrs.get("package_version"),
        "size_bytes": size,
    }
