"""Phase 2 of the store's two-phase write: each work unit fills its own region, then its record.

A work unit is one bank and one signal chunk; it owns exactly its chunks of every data variable
and one completion record ``units/unit_hash[bank, chunk]`` (docs/design.md, "The store
contract"). :func:`write_unit` writes the region with ``to_zarr(region=..., mode="r+")``, which
never touches metadata, so concurrent units never write the same file. Then it writes the
digest of the data it wrote (``units/data_digest[bank, chunk]``,
:func:`pipeline.store.digest.unit_digest`), and the record last: completion is never inferred
from the data, only read from the records (:func:`completed_units`), and
:func:`pipeline.store.verify_store` checks each record's data against its digest;
:func:`clear_unit` resets one.

``input_energy`` and ``radial_power`` depend only on the signals, so every bank's unit of one
chunk computes the same values; only the unit of bank 0 writes them (two writers on one chunk
could race). Their chunks are therefore filled exactly when unit ``(0, chunk)`` is.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

import numpy as np
import xarray as xr
import zarr

from ..errors import InvalidParameterError, StoreError, StoreMismatchError
from ..validation import check_integer
from ._util import one_line
from .digest import unit_digest
from .layout import (
    COUNT_VARIABLES,
    DIMS,
    MAX_UNIT_HASH,
    SIGNAL_VARIABLES,
    SPECTRUM_DIMS,
    SPECTRUM_VARIABLE,
    Layout,
    StorePath,
    open_digests,
    open_records,
    read_layout,
    read_records,
)


def write_unit(
    path: StorePath,
    *,
    bank: int,
    chunk_index: int,
    start: int,
    stop: int,
    result: xr.Dataset,
    unit_hash: int,
    computation_hash: str | None = None,
    store_id: str | None = None,
) -> None:
    """Write one unit's results into its own region, then record the unit as done.

    Idempotent: writing the same unit twice writes the same bytes (a Dask task may run twice).
    Only the unit's own chunks are written, never metadata, so units may write concurrently
    (xarray: "concurrent writes with ``region`` are safe as long as they modify distinct
    chunks").

    Parameters
    ----------
    path
        the store made by :func:`pipeline.store.create_store`.
    bank, chunk_index
        the unit: bank entry and signal chunk.
    start, stop
        signals ``[start, stop)`` of the unit: exactly chunk ``chunk_index`` of the store
        (``start = chunk_index * chunk``, the last chunk may be short).
    result
        :func:`pipeline.cascade.propagate` output for those signals: ``propagated_energy``,
        ``feature_energy``, ``pruned_slack``, ``paths`` over ``(signal, layer)`` with
        ``stop - start`` signals and ``depth + 1`` layers, ``input_energy`` over ``signal``;
        and ``radial_power`` over ``(signal, frequency_radius)`` if the store holds it.
        Its coordinates and attributes are not written (the schema has them).
    unit_hash
        the unit's record, an integer in ``[1, 2**63 - 1]`` (the hash of the settings it was
        computed under).
    computation_hash
        the ``computation_hash`` attribute of the store the unit belongs to. If given, the store
        must still carry it before the data is written and after: a store replaced meanwhile
        by another run (``--overwrite`` with another config) is refused with
        :class:`~pipeline.errors.StoreMismatchError`, and a record of the replaced unit is
        reset to 0 so that the new run recomputes it rather than trusting foreign numbers.
    store_id
        the ``store_id`` attribute of the store the unit was planned for (made when the store
        was created, kept when it grows), checked with ``computation_hash``: a directory
        swapped underneath a run (another store at the same path, even of the same config) is
        refused the same way.

    Raises
    ------
    StoreError
        naming the unit, for a region that is not one chunk of the store (Zarr would accept a
        misaligned region silently), a result of the wrong shape, or a failed write. The
        record is then 0 or what it was before; data may be partly written.

    Notes
    -----
    Order of the writes: if the unit holds a record of another hash, it is reset to 0 first;
    then the data region; then the digest of the data written; then the record. A record
    therefore never vouches for a region that is partly rewritten under other settings.
    ``input_energy`` is written by the unit of bank 0 only (module docstring).
    """
    unit = f"unit (bank={bank}, chunk={chunk_index})"
    layout = read_layout(path)
    _check_unit(layout, bank, chunk_index, unit, path)
    expected = layout.signal_range(chunk_index)
    if (start, stop) != expected:
        raise StoreError(
            f"{unit}: region signal [{start}, {stop}) is not chunk {chunk_index} of store {path}, "
            f"which holds signals [{expected[0]}, {expected[1]}) (chunk size {layout.chunk}): "
            "regions must match the store's chunks"
        )
    record = _unit_integer(unit, "unit_hash", unit_hash)
    if not 1 <= record <= MAX_UNIT_HASH:
        raise StoreError(f"{unit}: unit_hash = {unit_hash}: must be in [1, 2**63 - 1]")
    region_data = _region_dataset(result, layout, stop - start, unit, with_input=bank == 0)
    region = {
        "signal": slice(start, stop),
        "bank": slice(bank, bank + 1),
        "layer": slice(0, layout.depth + 1),
    }
    if SPECTRUM_VARIABLE in region_data:
        region["frequency_radius"] = slice(0, layout.n_radii)
    _check_identity(path, computation_hash, store_id, unit)
    try:
        records = open_records(path, mode="r+")
        try:
            stale = int(records[bank, chunk_index]) not in (0, record)
        except ValueError:  # a record whose chunk fails its checksum: rewritten below
            stale = True
        if stale:
            records[bank, chunk_index] = 0
        region_data.to_zarr(os.fspath(path), region=region, mode="r+", consolidated=True)
    except Exception as error:
        raise StoreError(f"{unit} of store {path}: write failed: {one_line(error)}") from error
    try:
        _check_identity(path, computation_hash, store_id, unit)
    except StoreMismatchError:
        open_records(path, mode="r+")[bank, chunk_index] = 0  # its data is no longer the store's
        raise
    try:
        digests = open_digests(path, mode="r+")
        if digests is not None:  # None: a store made before digests (its records stay trusted)
            digests[bank, chunk_index] = np.uint64(_data_digest(region_data))
        records[bank, chunk_index] = record
    except Exception as error:
        raise StoreError(f"{unit} of store {path}: write failed: {one_line(error)}") from error


def _data_digest(region_data: xr.Dataset) -> int:
    """:func:`~pipeline.store.digest.unit_digest` of the region as written: layer variables
    as ``(signal, layer)`` of the unit's one bank."""
    return unit_digest(
        {
            str(name): variable.values[:, 0, :] if "bank" in variable.dims else variable.values
            for name, variable in region_data.data_vars.items()
        }
    )


def _check_identity(
    path: StorePath, computation_hash: str | None, store_id: str | None, unit: str
) -> None:
    """:class:`StoreMismatchError` if the store at ``path`` is no longer the unit's store: another
    computation, or another store (id) at the same path."""
    if computation_hash is None and store_id is None:
        return
    try:
        attrs = zarr.open_group(os.fspath(path), mode="r").attrs
        have, have_id = attrs.get("computation_hash"), attrs.get("store_id")
    except Exception as error:
        raise StoreError(f"{unit}: cannot read store {path}: {one_line(error)}") from error
    if computation_hash is not None and have != computation_hash:
        raise StoreMismatchError(
            f"{unit}: store {path} now holds computation {str(have)[:12]}, not this run's "
            f"{computation_hash[:12]} (replaced by another run?): this unit was not recorded"
        )
    if store_id is not None and have_id != store_id:
        raise StoreMismatchError(
            f"{unit}: store {path} is now store {str(have_id)[:12]}, not the store "
            f"{store_id[:12]} this run planned for (replaced underneath it?): this unit was "
            "not recorded"
        )


def completed_units(
    path: StorePath, expected: Mapping[tuple[int, int], int] | None = None
) -> set[tuple[int, int]]:
    """The units ``(bank, chunk)`` recorded as done.

    Parameters
    ----------
    path
        the store.
    expected
        if given, the hash each unit must have been recorded with: a unit recorded with
        another hash (computed under other settings), or absent from ``expected``, is not
        counted as done.

    Returns
    -------
    set of (int, int)
        ``(bank, chunk)`` pairs whose record is non-zero (and equal to the expected hash).
    """
    read_layout(path)
    records = read_records(path)
    done = {(int(b), int(c)) for b, c in np.argwhere(records != 0)}
    if expected is None:
        return done
    return {unit for unit in done if expected.get(unit) == int(records[unit])}


def clear_unit(path: StorePath, bank: int, chunk_index: int) -> None:
    """Reset the record of unit ``(bank, chunk_index)`` to 0 (not done); its data is kept."""
    unit = f"unit (bank={bank}, chunk={chunk_index})"
    layout = read_layout(path)
    _check_unit(layout, bank, chunk_index, unit, path)
    try:
        open_records(path, mode="r+")[bank, chunk_index] = 0
    except Exception as error:
        raise StoreError(f"{unit} of store {path}: clearing failed: {one_line(error)}") from error


def _unit_integer(unit: str, name: str, value: object) -> int:
    """``int(value)`` if it is an integer (not a bool); else :class:`StoreError` naming the unit."""
    try:
        return check_integer(name, value)
    except InvalidParameterError as error:
        raise StoreError(f"{unit}: {error}") from error


def _check_unit(layout: Layout, bank: int, chunk_index: int, unit: str, path: StorePath) -> None:
    """:class:`StoreError` unless ``bank`` and ``chunk_index`` are integers inside the store."""
    for name, value, count in (
        ("bank", bank, layout.n_banks),
        ("chunk_index", chunk_index, layout.n_chunks),
    ):
        index = _unit_integer(unit, name, value)
        if not 0 <= index < count:
            raise StoreError(f"{unit}: {name} = {value}: store {path} has {name} 0..{count - 1}")


def _region_dataset(
    result: xr.Dataset, layout: Layout, n_signals: int, unit: str, *, with_input: bool
) -> xr.Dataset:
    """The unit's variables over ``(signal, bank=1, layer)``, bare: no coordinates, no attrs."""
    if not isinstance(result, xr.Dataset):
        raise StoreError(f"{unit}: result is a {type(result).__name__}, not an xarray.Dataset")
    names = (*layout.layer_variables, *SIGNAL_VARIABLES)
    missing = [name for name in names if name not in result.data_vars]
    if missing:
        raise StoreError(f"{unit}: result lacks the variables {', '.join(missing)}")
    sizes = {"signal": n_signals, "layer": layout.depth + 1}
    got = {dim: result.sizes.get(dim) for dim in sizes}
    if got != sizes:
        raise StoreError(
            f"{unit}: result has sizes signal={got['signal']}, layer={got['layer']}; "
            f"the store's region needs signal={sizes['signal']}, layer={sizes['layer']}"
        )
    variables: dict[str, tuple[tuple[str, ...], np.ndarray]] = {}
    for name in names:
        variable = result[name]
        layered = name in layout.layer_variables
        dims = ("signal", "layer") if layered else ("signal",)
        integer = name in COUNT_VARIABLES
        if set(variable.dims) != set(dims) or variable.dtype.kind not in (
            "iu" if integer else "iuf"
        ):
            raise StoreError(
                f"{unit}: result variable {name} has dims {variable.dims} and dtype "
                f"{variable.dtype}; allowed: dims {dims}, "
                f"{'integer' if integer else 'real'} values"
            )
        values = np.asarray(variable.transpose(*dims).values)
        values = values.astype(np.int64 if integer else np.float64, copy=False)
        if layered:
            variables[name] = (DIMS, values[:, np.newaxis, :])
        elif with_input:
            variables[name] = (dims, values)
    if with_input and layout.n_radii:
        variables[SPECTRUM_VARIABLE] = (SPECTRUM_DIMS, _spectrum(result, layout, n_signals, unit))
    return xr.Dataset(variables)


def _spectrum(result: xr.Dataset, layout: Layout, n_signals: int, unit: str) -> np.ndarray:
    """The result's ``radial_power`` as ``(signal, frequency_radius)`` float64, checked."""
    if SPECTRUM_VARIABLE not in result.data_vars:
        raise StoreError(f"{unit}: result lacks the variable {SPECTRUM_VARIABLE}")
    variable = result[SPECTRUM_VARIABLE]
    shape = (n_signals, layout.n_radii)
    if set(variable.dims) != set(SPECTRUM_DIMS) or variable.dtype.kind not in "iuf":
        raise StoreError(
            f"{unit}: result variable {SPECTRUM_VARIABLE} has dims {variable.dims} and dtype "
            f"{variable.dtype}; allowed: dims {SPECTRUM_DIMS}, real values"
        )
    values = np.asarray(variable.transpose(*SPECTRUM_DIMS).values, dtype=np.float64)
    if values.shape != shape:
        raise StoreError(
            f"{unit}: result variable {SPECTRUM_VARIABLE} has shape {values.shape}; the store's "
            f"region needs {shape}"
        )
    return values
