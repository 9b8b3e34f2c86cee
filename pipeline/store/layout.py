"""What an energy-sweep store is made of: its names and dims, its layout, access to its parts.

The names here are the store contract (docs/design.md, "The store contract"); they change only
with a migration note:

- dims ``signal`` (n_signals), ``bank`` (n_banks), ``layer`` (0..depth), each with an integer
  index coordinate;
- ``propagated_energy``, ``feature_energy``, ``pruned_slack`` (float64, NaN until written) and
  ``paths`` (int64, 0 until written) over ``(signal, bank, layer)``; ``input_energy`` (float64)
  over ``signal``; in a store made with frequency radii, ``radial_power`` (float64) over
  ``(signal, frequency_radius)``; in a store made with the cascade's modes (a path rule,
  critical sampling or the modulus slack), ``rule_slack``, ``sampling_error``,
  ``slack_bound`` and ``dropped_energy`` (float64, NaN until written) over
  ``(signal, bank, layer)``, chunked like the energies;
- chunks ``(chunk, 1, depth + 1)``: a work unit (one bank, one signal chunk) owns exactly its
  chunks;
- a sub-group ``units`` with the completion records ``unit_hash`` (int64, ``(bank,
  signal_chunk)``, chunks ``(1, 1)``): 0 until the unit's data is written, then the unit's hash;
  beside them ``data_digest`` (uint64, same dims and chunks): 0, or the digest of the unit's data
  as written (:func:`pipeline.store.digest.unit_digest`), written just before the record;
- every array's chunks end in a crc32c checksum (:data:`COMPRESSORS`): a changed byte fails the
  read of its chunk instead of reading as another number.

:func:`read_layout` recovers the sizes and chunking (:class:`Layout`) from the arrays' metadata
and is the one test of "is this an energy-sweep store"; :func:`open_dataset`,
:func:`open_records` and :func:`read_records` open its parts. Each raises
:class:`~pipeline.errors.StoreError` with a one-line message naming the store.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr
import zarr
from zarr.codecs import Crc32cCodec, ZstdCodec

from ..errors import StoreError
from ._util import one_line
from .record_files import records_from_files

#: A store is a local directory, given as a string or a path.
StorePath = str | os.PathLike[str]

DIMS = ("signal", "bank", "layer")
#: Float variables over (signal, bank, layer), NaN until written.
ENERGY_VARIABLES = ("propagated_energy", "feature_energy", "pruned_slack")
#: Integer variable over (signal, bank, layer), 0 until written.
COUNT_VARIABLES = ("paths",)
LAYER_VARIABLES = ENERGY_VARIABLES + COUNT_VARIABLES
#: Float variables over (signal, bank, layer) of a store made with the cascade's modes.
MODE_VARIABLES = ("rule_slack", "sampling_error", "slack_bound", "dropped_energy")
#: Float variable over (signal,), written by the units of bank 0 only.
SIGNAL_VARIABLES = ("input_energy",)
DATA_VARIABLES = LAYER_VARIABLES + SIGNAL_VARIABLES
#: Float variable over (signal, frequency_radius), present when the store is made with radii;
#: written by the units of bank 0 only.
SPECTRUM_VARIABLE = "radial_power"
SPECTRUM_DIMS = ("signal", "frequency_radius")

UNITS_GROUP = "units"
RECORD_ARRAY = "unit_hash"
RECORD_PATH = f"{UNITS_GROUP}/{RECORD_ARRAY}"
RECORD_DIMS = ("bank", "signal_chunk")
DIGEST_ARRAY = "data_digest"
DIGEST_PATH = f"{UNITS_GROUP}/{DIGEST_ARRAY}"
#: Digest of each signal chunk's rows (their sources and file contents) as the config gave them:
#: a store grows only if the rows it holds are unchanged (:mod:`pipeline.store.growth`).
ROWS_DIGEST_ARRAY = "rows_digest"
ROWS_DIGEST_PATH = f"{UNITS_GROUP}/{ROWS_DIGEST_ARRAY}"
#: Byte codecs of every array of the store: Zarr's default compressor, then a crc32c checksum of
#: the compressed chunk (Zarr v3 ``crc32c`` codec), verified on every read.
COMPRESSORS = (ZstdCodec(), Crc32cCodec())
#: Largest unit hash: records are int64 and 0 means "not done".
MAX_UNIT_HASH = 2**63 - 1


@dataclass(frozen=True)
class Layout:
    """Sizes and chunking of a store, read from its arrays' metadata.

    Examples
    --------
    >>> layout = Layout(n_signals=10, n_banks=3, depth=2, chunk=4)
    >>> layout.n_chunks, layout.signal_range(2)
    (3, (8, 10))
    """

    n_signals: int
    n_banks: int
    depth: int
    chunk: int
    n_radii: int = 0  # frequency radii of radial_power; 0 if the store has none
    modes: bool = False  # whether the store holds MODE_VARIABLES

    @property
    def layer_variables(self) -> tuple[str, ...]:
        """The variables over ``(signal, bank, layer)``: :data:`LAYER_VARIABLES`, then
        :data:`MODE_VARIABLES` if the store holds them."""
        return LAYER_VARIABLES + (MODE_VARIABLES if self.modes else ())

    @property
    def n_chunks(self) -> int:
        """Signal chunks, the last one possibly short: ``ceil(n_signals / chunk)``."""
        return -(-self.n_signals // self.chunk)

    def signal_range(self, chunk_index: int) -> tuple[int, int]:
        """Signals ``[start, stop)`` of chunk ``chunk_index`` (the last one may be short)."""
        start = chunk_index * self.chunk
        return start, min(start + self.chunk, self.n_signals)


@dataclass(frozen=True)
class Schema:
    """What a caller asks a store to hold: its layout, its coordinates on ``bank`` and on
    ``signal`` (checked and normalised), and its global attributes."""

    layout: Layout
    banks: dict[str, np.ndarray]
    signals: dict[str, np.ndarray]
    attrs: Mapping[str, Any]


def _expected_dims(name: str) -> tuple[str, ...]:
    if name in LAYER_VARIABLES or name in MODE_VARIABLES:
        return DIMS
    if name in SIGNAL_VARIABLES:
        return ("signal",)
    return RECORD_DIMS


def chunk_coords(name: str, chunk: int, bank: int | None) -> tuple[int, ...]:
    """Chunk grid coordinates of signal chunk ``chunk`` (and bank ``bank``) in variable
    ``name``: ``(chunk, bank, 0)`` for layer variables, ``(chunk, 0)`` for ``radial_power``,
    ``(chunk,)`` for ``input_energy``."""
    if name in LAYER_VARIABLES or name in MODE_VARIABLES:
        return (chunk, int(bank or 0), 0)
    if name == SPECTRUM_VARIABLE:
        return (chunk, 0)
    return (chunk,)


def read_layout(path: StorePath) -> Layout:
    """Sizes and chunks of an energy-sweep store; :class:`StoreError` if it is not one."""
    try:
        root = zarr.open_group(os.fspath(path), mode="r")
        arrays = {name: root.get(name) for name in (*DATA_VARIABLES, RECORD_PATH)}
    except Exception as error:
        raise StoreError(f"{path} is not an energy-sweep store ({one_line(error)})") from error
    wrong = [
        name
        for name, array in arrays.items()
        if not isinstance(array, zarr.Array)
        or array.metadata.zarr_format != 3
        or tuple(array.metadata.dimension_names or ()) != _expected_dims(name)
    ]
    if wrong:
        raise StoreError(
            f"{path} is not an energy-sweep store: missing or malformed {', '.join(wrong)}"
        )
    reference = arrays[LAYER_VARIABLES[0]]
    n_signals, n_banks, layers = reference.shape
    spectrum = root.get(SPECTRUM_VARIABLE)
    modes = {name: root.get(name) for name in MODE_VARIABLES}
    layout = Layout(
        n_signals=n_signals,
        n_banks=n_banks,
        depth=layers - 1,
        chunk=reference.chunks[0],
        n_radii=spectrum.shape[1] if isinstance(spectrum, zarr.Array) else 0,
        modes=all(isinstance(array, zarr.Array) for array in modes.values()),
    )
    layered = [arrays[name] for name in LAYER_VARIABLES]
    layered += list(modes.values()) if layout.modes else []
    if any(array.shape != reference.shape for array in layered) or arrays[RECORD_PATH].shape != (
        n_banks,
        layout.n_chunks,
    ):
        raise StoreError(f"{path} is not an energy-sweep store: its arrays disagree in shape")
    return layout


def open_dataset(path: StorePath) -> xr.Dataset:
    """The store's root group, lazily, as ``xarray.open_zarr`` reads it (consolidated)."""
    try:
        return xr.open_zarr(os.fspath(path), consolidated=True)
    except Exception as error:
        raise StoreError(f"cannot open store {path}: {one_line(error)}") from error


def open_records(path: StorePath, *, mode: str) -> zarr.Array:
    """The completion records ``units/unit_hash`` as a Zarr array opened with ``mode``."""
    return zarr.open_array(store=os.fspath(path), path=RECORD_PATH, mode=mode)


def open_digests(path: StorePath, *, mode: str) -> zarr.Array | None:
    """The data digests ``units/data_digest`` opened with ``mode``; None in a store made before
    digests existed."""
    try:
        return zarr.open_array(store=os.fspath(path), path=DIGEST_PATH, mode=mode)
    except (FileNotFoundError, KeyError, zarr.errors.NodeNotFoundError):
        return None


def read_records(path: StorePath) -> np.ndarray:
    """All completion records, ``(bank, signal_chunk)`` int64 (0: not done).

    A record whose chunk fails its checksum reads 0 (not done: the unit is recomputed, and
    :func:`pipeline.store.verify_store` names it)."""
    try:
        records = open_records(path, mode="r")
    except Exception as error:
        raise StoreError(f"cannot read the unit records of {path}: {one_line(error)}") from error
    try:
        direct = records_from_files(records)  # ~10x faster than through Zarr, same values
        if direct is not None:
            return direct
        return np.asarray(records[...])
    except ValueError:  # one record's chunk is corrupt: read them one by one
        values = np.zeros(records.shape, dtype=np.int64)
        for index in np.ndindex(records.shape):
            try:
                values[index] = records[index]
            except ValueError:
                pass
        return values
    except Exception as error:
        raise StoreError(f"cannot read the unit records of {path}: {one_line(error)}") from error
