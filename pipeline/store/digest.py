"""The digest of a work unit's data, recorded beside its completion record.

A unit writes, in this order (:func:`pipeline.store.write_unit`): its data region, the digest of
that data (``units/data_digest[bank, chunk]``), then its record (``units/unit_hash``).
:func:`pipeline.store.verify_store` reads the region back and recomputes the digest: a chunk
deleted, changed, or replaced by another unit's valid chunk no longer matches, so the unit is
not done even though its record says so.

The digest is a 64-bit BLAKE2b over the unit's arrays in the fixed order of
:data:`~pipeline.store.layout.DATA_VARIABLES` then ``radial_power``: for each, its name, its
dtype, its shape and its C-ordered bytes. Layer variables enter as ``(signal, layer)`` (the unit's
one bank), ``input_energy`` and ``radial_power`` only in units of bank 0 (the only ones that
write them). It is never 0 (0 means "no digest").
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

import numpy as np

from .layout import DATA_VARIABLES, MODE_VARIABLES, SPECTRUM_VARIABLE

#: The order in which a unit's arrays enter its digest (absent ones are skipped, so a store
#: without the mode variables digests as before they existed).
DIGEST_ORDER = (*DATA_VARIABLES, SPECTRUM_VARIABLE, *MODE_VARIABLES)


def unit_digest(arrays: Mapping[str, np.ndarray]) -> int:
    """64-bit BLAKE2b digest of a unit's arrays, in ``[1, 2**64 - 1]``.

    Parameters
    ----------
    arrays
        name -> values, as written: layer variables ``(signal, layer)``, signal variables
        ``(signal,)``, ``radial_power`` ``(signal, frequency_radius)``. Names outside
        :data:`DIGEST_ORDER` are refused.

    Examples
    --------
    >>> a = {"paths": np.ones((2, 3), dtype=np.int64)}
    >>> unit_digest(a) == unit_digest({"paths": np.ones((2, 3), dtype=np.int64)})
    True
    >>> unit_digest(a) == unit_digest({"paths": np.ones((3, 2), dtype=np.int64)})
    False
    """
    unknown = sorted(set(arrays) - set(DIGEST_ORDER))
    if unknown:
        raise ValueError(f"unit_digest: unknown arrays {unknown}; allowed: {DIGEST_ORDER}")
    digest = hashlib.blake2b(digest_size=8, person=b"esweep-unit")
    for name in DIGEST_ORDER:
        if name not in arrays:
            continue
        values = np.ascontiguousarray(arrays[name])
        header = f"{name}|{values.dtype.str}|{','.join(map(str, values.shape))}|"
        digest.update(header.encode())
        digest.update(values.tobytes())
    return int.from_bytes(digest.digest(), "little") or 1
