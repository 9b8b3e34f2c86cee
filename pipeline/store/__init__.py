"""The sweep's Zarr store: its schema, region writes by work units, completion records, reading.

One Zarr (format 3) store per sweep, opened by users with ``xarray.open_zarr(path)`` or
:func:`open_results` (docs/design.md, "The store contract"):

- dims ``signal`` (n_signals), ``bank`` (n_banks), ``layer`` (0..depth), each with an integer
  index coordinate (``0..n-1`` unless the caller gives its own);
- ``propagated_energy``, ``feature_energy``, ``pruned_slack`` (float64, NaN until written) and
  ``paths`` (int64, 0 until written) over ``(signal, bank, layer)``; ``input_energy`` (float64)
  over ``signal``; when the store is made with frequency radii, ``radial_power`` (float64)
  over ``(signal, frequency_radius)``, each signal's power spectrum summed over the bins of one
  frequency radius (:func:`pipeline.spectra.radial_power`); per-variable
  ``long_name``/``description``/``units`` attributes;
- the caller's coordinates on ``bank`` (family, parameters, bank hash) and on ``signal``
  (dataset, class, seed, ...), text as variable-length UTF-8 strings;
- chunks ``(chunk, 1, depth + 1)``: a work unit (one bank, one signal chunk) owns exactly its
  chunks;
- a sub-group ``units`` with the completion records ``unit_hash`` (int64, ``(bank,
  signal_chunk)``, chunks ``(1, 1)``): 0 until the unit's data is written, then the unit's hash;
  and ``data_digest`` (uint64, same dims): the digest of the unit's data as written;
- in ``units`` also ``rows_digest`` (int64, ``(signal_chunk,)``): a digest of each chunk's
  signal rows as the config gave them (a store grows only if they are unchanged);
- attributes ``store_id`` (a uuid made at creation, checked by every unit's write) and
  ``provenance`` (the runs that created and grew the store, with what each added);
- a sub-group ``fits`` with the decay fits, once ``energy-sweep fit`` has run.

Writes are two-phase: :func:`create_store` writes the whole schema once, then every unit fills
its own region with :func:`write_unit`, data first, record last. The store is the only module
that knows the Zarr layout, regions and records. One module per job:

- :mod:`~pipeline.store.layout`: the names and dims above, the :class:`~.layout.Layout` read
  from a store's metadata, access to its root group and records;
- :mod:`~pipeline.store.coordinates`: the caller's coordinates and radii, checked, normalised
  and compared with a store's;
- :mod:`~pipeline.store.schema`: :func:`create_store` (phase 1, resume, growth or mismatch);
- :mod:`~pipeline.store.growth`: stores that grow with their sweep (new signals, banks,
  layers), existing units kept;
- :mod:`~pipeline.store.lock`: :func:`store_lock`, one run at a time per store, naming the
  holder;
- :mod:`~pipeline.store.units`: :func:`write_unit`, :func:`completed_units`,
  :func:`clear_unit` (phase 2 and the completion records);
- :mod:`~pipeline.store.reading`: :func:`open_results`, :func:`describe`;
- :mod:`~pipeline.store.fits`: :func:`write_fits`, :func:`open_fits` (the ``fits`` group);
- :mod:`~pipeline.store.digest`: :func:`~.digest.unit_digest`, the digest of a unit's data
  recorded in ``units/data_digest`` beside its record;
- :mod:`~pipeline.store.verify`: :func:`verify_store`, every recorded unit checked against its
  data (chunk files, crc32c checksums, digest, NaN, energy identity).

Every array's chunks end in a crc32c checksum, so a changed byte fails its read.

Nothing here imports Prefect or the sweep.
"""

from ..errors import StoreError, StoreLockedError, StoreMismatchError
from .fits import FITS_GROUP, open_fits, write_fits
from .layout import (
    COUNT_VARIABLES,
    DATA_VARIABLES,
    DIMS,
    ENERGY_VARIABLES,
    LAYER_VARIABLES,
    MAX_UNIT_HASH,
    MODE_VARIABLES,
    RECORD_ARRAY,
    RECORD_DIMS,
    RECORD_PATH,
    SIGNAL_VARIABLES,
    SPECTRUM_DIMS,
    SPECTRUM_VARIABLE,
    UNITS_GROUP,
    StorePath,
)
from .lock import StoreLock, holder_of, store_lock
from .reading import (
    SELECTABLE_COORDS,
    describe,
    growth_line,
    open_results,
    provenance,
    store_id,
)
from .schema import StoreChange, create_store
from .units import clear_unit, completed_units, write_unit
from .verify import BadUnit, VerifyReport, sound_units, verify_store

__all__ = [
    "COUNT_VARIABLES",
    "DATA_VARIABLES",
    "DIMS",
    "ENERGY_VARIABLES",
    "FITS_GROUP",
    "LAYER_VARIABLES",
    "MAX_UNIT_HASH",
    "MODE_VARIABLES",
    "RECORD_ARRAY",
    "RECORD_DIMS",
    "RECORD_PATH",
    "SELECTABLE_COORDS",
    "SIGNAL_VARIABLES",
    "SPECTRUM_DIMS",
    "SPECTRUM_VARIABLE",
    "UNITS_GROUP",
    "BadUnit",
    "StoreChange",
    "StoreError",
    "StoreLock",
    "StoreLockedError",
    "StoreMismatchError",
    "StorePath",
    "VerifyReport",
    "clear_unit",
    "completed_units",
    "create_store",
    "describe",
    "growth_line",
    "holder_of",
    "open_fits",
    "open_results",
    "provenance",
    "sound_units",
    "store_id",
    "store_lock",
    "verify_store",
    "write_fits",
    "write_unit",
]
