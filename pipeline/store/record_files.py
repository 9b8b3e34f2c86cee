"""The completion records read straight from their chunk files, without Zarr's per-chunk path.

Each unit's record is one chunk of ``units/unit_hash`` (chunks ``(1, 1)``): one small file,
``units/unit_hash/c/<bank>/<chunk>``, holding the int64 hash little-endian, Zstd-compressed, then
a crc32c checksum of those bytes (:data:`pipeline.store.layout.COMPRESSORS`); no file means 0
(not done). Zarr reads such chunks at ~1-2 ms each (an asynchronous pipeline per chunk); decoding
them here costs a file read, a checksum and a decompression (~0.1 ms), so a rerun's planning of
10^5 units reads its records in seconds, not minutes (``benchmarks/planner_scale.py``).

Only this exact layout is read here (local directory, default ``/`` chunk keys, those codecs,
int64 chunks of one record); for anything else :func:`records_from_files` returns None and the
caller reads through Zarr. A record whose file fails its checksum or does not decode reads 0, as
through Zarr (:func:`pipeline.store.layout.read_records`).
"""

from __future__ import annotations

import os
from pathlib import Path

import google_crc32c
import numcodecs
import numpy as np
import zarr
from zarr.codecs import BytesCodec, Crc32cCodec, ZstdCodec
from zarr.core.chunk_key_encodings import DefaultChunkKeyEncoding
from zarr.storage import LocalStore

__all__ = ["records_from_files"]

#: Bytes of one record once decompressed: an int64.
RECORD_BYTES = 8
_ZSTD = numcodecs.Zstd()


def _plain_layout(records: zarr.Array) -> bool:
    """Whether ``records`` is stored exactly as :func:`records_from_files` decodes it."""
    meta = records.metadata
    codecs = tuple(getattr(meta, "codecs", ()))
    return (
        isinstance(records.store, LocalStore)
        and records.chunks == (1,) * records.ndim
        and np.dtype(records.dtype) == np.dtype(np.int64)
        and isinstance(getattr(meta, "chunk_key_encoding", None), DefaultChunkKeyEncoding)
        and meta.chunk_key_encoding.separator == "/"
        and len(codecs) == 3
        and isinstance(codecs[0], BytesCodec)
        and codecs[0].endian is not None
        and codecs[0].endian.value == "little"
        and isinstance(codecs[1], ZstdCodec)
        and isinstance(codecs[2], Crc32cCodec)
        and meta.fill_value == 0
    )


def _decode(data: bytes) -> int:
    """The record held by one chunk file's bytes; 0 if its checksum fails or it does not decode."""
    inner, stored = data[:-4], data[-4:]
    if np.uint32(google_crc32c.value(inner)).tobytes() != stored:
        return 0
    try:
        decoded = _ZSTD.decode(inner)
    except Exception:
        return 0
    if len(decoded) != RECORD_BYTES:
        return 0
    return int(np.frombuffer(decoded, dtype="<i8")[0])


def records_from_files(records: zarr.Array) -> np.ndarray | None:
    """All records of the array ``records`` (``units/unit_hash``), ``(bank, signal_chunk)``
    int64, 0 where a unit is not done; None where its layout is not the plain one read here.

    One directory listing per bank row, then one small file per recorded unit.
    """
    if not _plain_layout(records):
        return None
    root = Path(records.store.root) / records.path / "c"
    values = np.zeros(records.shape, dtype=np.int64)
    if not root.is_dir():
        return values
    n_banks, n_chunks = records.shape
    for row in os.scandir(root):
        if not (row.name.isdigit() and int(row.name) < n_banks and row.is_dir()):
            continue
        bank = int(row.name)
        for entry in os.scandir(row.path):
            if entry.name.isdigit() and int(entry.name) < n_chunks and entry.is_file():
                with open(entry.path, "rb") as chunk_file:
                    values[bank, int(entry.name)] = _decode(chunk_file.read())
    return values
