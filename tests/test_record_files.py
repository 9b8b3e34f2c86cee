"""Completion records read straight from their chunk files agree with Zarr's own read.

Real stores under ``tmp_path`` (the schema of tests/test_store.py); records written through
Zarr, one of them corrupted on disk; the direct read (:mod:`pipeline.store.record_files`)
compared with Zarr reading every record chunk one by one.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import zarr
from hypothesis import given, settings
from hypothesis import strategies as st
from test_store import N_BANKS, N_CHUNKS, make_store

from pipeline.store.layout import COMPRESSORS, open_records, read_records
from pipeline.store.record_files import records_from_files


def per_chunk_read(path: Path) -> np.ndarray:
    """Every record through Zarr, one chunk at a time; a chunk that fails its checksum reads 0."""
    records = open_records(path, mode="r")
    values = np.zeros(records.shape, dtype=np.int64)
    for index in np.ndindex(records.shape):
        try:
            values[index] = records[index]
        except ValueError:
            values[index] = 0
    return values


@settings(max_examples=6, deadline=None)
@given(
    hashes=st.lists(
        st.integers(0, 2**63 - 1), min_size=N_BANKS * N_CHUNKS, max_size=N_BANKS * N_CHUNKS
    )
)
def test_direct_read_agrees_with_zarr(tmp_path_factory: pytest.TempPathFactory, hashes) -> None:
    path = make_store(tmp_path_factory.mktemp("records") / "store.zarr")
    records = open_records(path, mode="r+")
    for index, value in zip(np.ndindex(records.shape), hashes, strict=True):
        records[index] = value  # 0 leaves no file (Zarr's fill value)
    expected = np.array(hashes, dtype=np.int64).reshape(records.shape)
    direct = records_from_files(open_records(path, mode="r"))
    assert direct is not None
    np.testing.assert_array_equal(direct, expected)
    np.testing.assert_array_equal(per_chunk_read(path), expected)
    np.testing.assert_array_equal(read_records(path), expected)


def test_a_corrupt_record_reads_zero_as_through_zarr(tmp_path: Path) -> None:
    path = make_store(tmp_path / "store.zarr")
    open_records(path, mode="r+")[...] = np.arange(1, N_BANKS * N_CHUNKS + 1).reshape(
        N_BANKS, N_CHUNKS
    )
    chunk_file = path / "units" / "unit_hash" / "c" / "1" / "2"
    data = bytearray(chunk_file.read_bytes())
    data[0] ^= 0xFF
    chunk_file.write_bytes(bytes(data))
    direct = records_from_files(open_records(path, mode="r"))
    assert direct is not None and direct[1, 2] == 0
    np.testing.assert_array_equal(direct, per_chunk_read(path))
    np.testing.assert_array_equal(read_records(path), direct)


def test_an_empty_store_reads_zero(tmp_path: Path) -> None:
    path = make_store(tmp_path / "store.zarr")
    direct = records_from_files(open_records(path, mode="r"))
    np.testing.assert_array_equal(direct, np.zeros((N_BANKS, N_CHUNKS), dtype=np.int64))


def test_another_layout_is_left_to_zarr(tmp_path: Path) -> None:
    array = zarr.create_array(
        store=str(tmp_path / "other.zarr"),
        shape=(2, 4),
        chunks=(1, 2),
        dtype="int64",
        fill_value=0,
        compressors=COMPRESSORS,
    )
    array[...] = 5
    assert records_from_files(array) is None
