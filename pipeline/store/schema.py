"""Phase 1 of the store's two-phase write: the whole schema, once, with no data.

Writes follow the two-phase pattern of xarray-beam and pangeo-forge-recipes (docs/design.md,
"The data path" and "The store contract"): :func:`create_store` writes every array's metadata,
the coordinates and the zeroed completion records from a lazy template; the units then fill
their own regions (:mod:`pipeline.store.units`) and never touch metadata.

The store is built in a hidden sibling directory and renamed into place, so a crash never leaves
a half-made store. A store already at the path is kept if its schema matches the request
(resume), grown if the request extends it (:mod:`pipeline.store.growth`), and refused
otherwise, with every difference named. Every store carries a ``store_id`` (a uuid made at
creation) that each unit's write checks (:func:`pipeline.store.write_unit`), and a
``provenance`` attribute listing the runs that created and grew it.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dask.array as da
import numpy as np
import xarray as xr
import zarr

from ..errors import StoreError, StoreMismatchError
from ..validation import check_integer
from ._util import is_empty_dir, one_line
from .coordinates import coordinate_differences, coordinate_table, frequency_radii
from .growth import carry_units, plan_growth
from .layout import (
    COMPRESSORS,
    COUNT_VARIABLES,
    DIGEST_ARRAY,
    DIMS,
    ENERGY_VARIABLES,
    MODE_VARIABLES,
    RECORD_ARRAY,
    RECORD_DIMS,
    ROWS_DIGEST_ARRAY,
    SIGNAL_VARIABLES,
    SPECTRUM_DIMS,
    SPECTRUM_VARIABLE,
    UNITS_GROUP,
    Layout,
    Schema,
    StorePath,
    open_dataset,
    read_layout,
)
from .lock import store_lock

_RECOVERY = "use a new --store or --overwrite"


@dataclass(frozen=True)
class StoreChange:
    """What :func:`create_store` did: ``action`` is ``created``, ``resumed`` (the store matched),
    ``grown`` (:mod:`pipeline.store.growth`) or ``replaced`` (``overwrite``); ``store_id`` is
    the store's id after it; ``added`` the ranges ``[start, stop)`` added along ``signals``,
    ``banks``, ``layers`` (None when resumed); ``carried`` the units kept by a growth."""

    action: str
    store_id: str | None
    added: dict[str, list[int]] | None = None
    carried: int = 0


def create_store(
    path: StorePath,
    *,
    n_signals: int,
    chunk: int,
    depth: int,
    bank_coords: Mapping[str, Any],
    signal_coords: Mapping[str, Any],
    attrs: Mapping[str, Any],
    variable_attrs: Mapping[str, Mapping[str, str]],
    frequency_radius: Any = None,
    overwrite: bool = False,
    rows_digest: Callable[[int, int], int] | None = None,
    run_id: str | None = None,
    mode_variables: bool = False,
) -> StoreChange:
    """Write the whole schema of a sweep's store, with no data (phase 1 of two), or grow it.

    A lazy template (dask arrays of NaN, and of 0 for ``paths``) is written with
    ``to_zarr(compute=False)``: metadata and coordinates only, every data chunk left to the
    units. The store is built in a hidden sibling directory and renamed into place, so a crash
    never leaves a half-made store at ``path``. The whole call holds the store's lock
    (:func:`pipeline.store.lock.store_lock`, re-entrant within a process).

    Parameters
    ----------
    path
        directory of the store (created with its parents).
    n_signals, chunk, depth
        number of signals, signals per work unit (the Zarr chunk along ``signal``), and the
        deepest layer N (layers 0..N are stored).
    bank_coords
        1-D arrays of one common length n_banks, one per coordinate on ``bank`` (``family``,
        each parameter with NaN where a family lacks it, ``bank_hash``); at least one.
    signal_coords
        1-D arrays of length ``n_signals``, one per coordinate on ``signal``. In either
        mapping, a key equal to its own dimension's name (``"bank"``, ``"signal"``) replaces
        that dimension's default ``0..n-1`` index.
    attrs
        global attributes (config text, ``computation_hash``, package version, creation
        time, reference, units); JSON-serialisable values. The store adds ``store_id`` (a
        uuid made at creation, kept by growth) and ``provenance`` (one entry per run that
        created or grew it: ``run``, ``time``, ``computation_hash``, ``action``, and the
        ranges ``signals``, ``banks``, ``layers`` it added).
    variable_attrs
        attributes per variable name, e.g. :data:`pipeline.cascade.VARIABLE_ATTRS`; names that
        are not variables or coordinates of the store are ignored.
    frequency_radius
        1-D increasing float64 radii (:func:`pipeline.spectra.frequency_radii`): the store then
        holds ``radial_power`` over ``(signal, frequency_radius)``. None: no spectrum.
    overwrite
        replace an existing store (only an energy-sweep store: any other non-empty directory
        is never deleted).
    rows_digest
        ``rows_digest(start, stop)``: a digest (int in ``[0, 2**63)``) of the content of signal
        rows ``[start, stop)``, stored per chunk in ``units/rows_digest``; a store grows only
        if the rows it holds keep their digests. None: not recorded, not checked.
    run_id
        the run named in the provenance entry (default: a new uuid).
    mode_variables
        the store also holds ``rule_slack``, ``sampling_error``, ``slack_bound`` and ``dropped_energy`` (a sweep
        with a path rule, critical sampling or the modulus slack,
        :data:`~pipeline.store.layout.MODE_VARIABLES`).

    Returns
    -------
    StoreChange
        what was done.

    Raises
    ------
    InvalidParameterError
        for sizes below 1, coordinates of the wrong shape or type, or clashing names.
    StoreMismatchError
        when ``path`` holds a store made with other settings that cannot grow into the
        request (:mod:`pipeline.store.growth`) and ``overwrite`` is false; every difference is
        named and the store is left untouched. A store with the same
        ``attrs["computation_hash"]`` and schema is kept as it is (resume).
    StoreLockedError
        when another process holds the store's lock.
    StoreError
        when ``path`` cannot be created or replaced.

    Notes
    -----
    Text coordinates are stored as variable-length UTF-8 strings (fixed-width numpy strings
    have no Zarr v3 specification); they read back as numpy strings.
    """
    n_signals = check_integer("n_signals", n_signals, minimum=1)
    chunk = check_integer("chunk", chunk, minimum=1)
    depth = check_integer("depth", depth, minimum=1)
    banks = coordinate_table("bank_coords", bank_coords, "bank", length=None)
    n_banks = len(next(iter(banks.values())))
    signals = coordinate_table("signal_coords", signal_coords, "signal", length=n_signals)
    radii = frequency_radii(frequency_radius)
    layout = Layout(
        n_signals=n_signals,
        n_banks=n_banks,
        depth=depth,
        chunk=chunk,
        n_radii=radii.size,
        modes=bool(mode_variables),
    )
    target = Path(os.fspath(path))
    with store_lock(target):
        entry = {
            "run": run_id or uuid.uuid4().hex,
            "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "computation_hash": attrs.get("computation_hash"),
        }
        growth = None
        existed = target.exists() and not is_empty_dir(target)
        if existed:
            if not overwrite:
                stored = _open_existing(target)
                if stored.attrs.get("computation_hash") == attrs.get("computation_hash"):
                    _check_compatible(target, stored, Schema(layout, banks, signals, attrs))
                    return StoreChange("resumed", stored.attrs.get("store_id"))
                asked = Schema(layout, banks, signals, attrs)
                growth = plan_growth(target, stored, asked, rows_digest, _RECOVERY)
                attrs = {
                    **attrs,
                    "store_id": stored.attrs.get("store_id") or uuid.uuid4().hex,
                    "created": stored.attrs.get("created", attrs.get("created")),
                    "provenance": [
                        *_provenance(stored.attrs),
                        {**entry, "action": "grown", **growth.added()},
                    ],
                }
            else:
                try:  # only an energy-sweep store is ever replaced, never someone else's data
                    read_layout(target)
                except StoreError:
                    raise StoreError(
                        f"{target} exists and is not an energy-sweep store: refusing to "
                        "overwrite it, choose a new --store"
                    ) from None
        if growth is None:
            added = {"signals": [0, n_signals], "banks": [0, n_banks], "layers": [0, depth + 1]}
            attrs = {
                **attrs,
                "store_id": uuid.uuid4().hex,
                "provenance": [{**entry, "action": "created", **added}],
            }
        rows = None
        if rows_digest is not None:
            rows = np.array([rows_digest(*layout.signal_range(c)) for c in range(layout.n_chunks)])
        template = _template(layout, banks, signals, attrs, variable_attrs, radii)
        target.parent.mkdir(parents=True, exist_ok=True)
        staging = target.with_name(f".{target.name}.tmp-{uuid.uuid4().hex[:12]}")
        carried = 0
        try:
            try:
                _write_schema(staging, template, layout, rows)
                if growth is not None:
                    carried = carry_units(target, staging, growth)
            except Exception as error:
                raise StoreError(f"cannot create store {target}: {one_line(error)}") from error
            installed = _install(staging, target, replace=overwrite or growth is not None)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        if not installed:  # another process created it meanwhile: resume if it matches
            stored = _open_existing(target)
            _check_compatible(target, stored, Schema(layout, banks, signals, attrs))
            return StoreChange("resumed", stored.attrs.get("store_id"))
        if growth is not None:
            return StoreChange("grown", attrs["store_id"], growth.added(), carried)
        action = "replaced" if existed else "created"
        return StoreChange(action, attrs["store_id"], added)


def _open_existing(path: Path) -> xr.Dataset:
    """The existing store as a Dataset; :class:`StoreMismatchError` if it is not one."""
    try:
        read_layout(path)
        return open_dataset(path)
    except StoreError as error:
        raise StoreMismatchError(f"{error}: {_RECOVERY}") from error


def _provenance(stored_attrs: Mapping[str, Any]) -> list[Any]:
    """The store's provenance entries (a list; empty for a store made before provenance)."""
    entries = stored_attrs.get("provenance")
    return list(entries) if isinstance(entries, list | tuple) else []


def _template(
    layout: Layout,
    banks: dict[str, np.ndarray],
    signals: dict[str, np.ndarray],
    attrs: Mapping[str, Any],
    variable_attrs: Mapping[str, Mapping[str, str]],
    radii: np.ndarray,
) -> xr.Dataset:
    """The lazy Dataset whose metadata is the store's schema (its data is never computed).

    Each variable is one dask chunk (a graph of a few tasks: a template chunked like the store
    takes minutes to build for 10^5 chunks); the store's chunks come from ``encoding``.
    """
    shape = (layout.n_signals, layout.n_banks, layout.depth + 1)
    data: dict[str, tuple[tuple[str, ...], da.Array]] = {
        name: (DIMS, da.full(shape, np.nan, dtype=np.float64, chunks=shape))
        for name in ENERGY_VARIABLES + (MODE_VARIABLES if layout.modes else ())
    }
    for name in COUNT_VARIABLES:
        data[name] = (DIMS, da.zeros(shape, dtype=np.int64, chunks=shape))
    for name in SIGNAL_VARIABLES:
        data[name] = (("signal",), da.full(shape[:1], np.nan, dtype=np.float64, chunks=shape[:1]))
    coords: dict[str, Any] = {
        "signal": np.arange(layout.n_signals),
        "bank": np.arange(layout.n_banks),
        "layer": np.arange(layout.depth + 1),
    }
    if layout.n_radii:
        spectrum = (layout.n_signals, layout.n_radii)
        data[SPECTRUM_VARIABLE] = (
            SPECTRUM_DIMS,
            da.full(spectrum, np.nan, dtype=np.float64, chunks=spectrum),
        )
        coords["frequency_radius"] = radii
    coords.update({name: ("bank", values) for name, values in banks.items()})
    coords.update({name: ("signal", values) for name, values in signals.items()})
    template = xr.Dataset(data, coords=coords, attrs=dict(attrs))
    template["layer"].attrs["long_name"] = "layer n (path length)"
    for name, extra in variable_attrs.items():
        if name in template.variables:
            template[name].attrs.update(extra)
    return template


def _write_schema(
    staging: Path, template: xr.Dataset, layout: Layout, rows: np.ndarray | None
) -> None:
    """Metadata, coordinates, zeroed completion records and the rows digests (0 where
    ``rows`` is None), consolidated at the root."""
    chunks = (layout.chunk, 1, layout.depth + 1)
    # every array, coordinates included, ends its codec chain in a crc32c checksum
    encoding: dict[str, dict[str, Any]] = {
        str(name): {"compressors": COMPRESSORS} for name in template.variables
    }
    for name in layout.layer_variables:
        encoding[name]["chunks"] = chunks
    for name in SIGNAL_VARIABLES:
        encoding[name]["chunks"] = chunks[:1]
    if layout.n_radii:
        encoding[SPECTRUM_VARIABLE]["chunks"] = (layout.chunk, layout.n_radii)
    # compute=False: the returned delayed write of the NaN/0 data is dropped on purpose
    template.to_zarr(
        staging, mode="w-", compute=False, consolidated=False, encoding=encoding, zarr_format=3
    )
    root = zarr.open_group(os.fspath(staging), mode="r+", use_consolidated=False)
    units = root.create_group(
        UNITS_GROUP,
        attributes={"description": "completion records of the work units (bank, signal chunk)"},
    )
    per_unit = {  # one value per work unit (bank, signal chunk), 0 until the unit is written
        "shape": (layout.n_banks, layout.n_chunks),
        "chunks": (1, 1),
        "fill_value": 0,
        "dimension_names": RECORD_DIMS,
        "compressors": COMPRESSORS,
    }
    units.create_array(
        RECORD_ARRAY,
        dtype=np.int64,
        **per_unit,
        attributes={
            "long_name": "completion record of the work unit",
            "description": (
                "0: not done; otherwise the unit's hash, written only after its data region "
                f"and its data digest. Chunk c holds signals [c*{layout.chunk}, "
                f"(c+1)*{layout.chunk})."
            ),
        },
    )
    units.create_array(
        DIGEST_ARRAY,
        dtype=np.uint64,
        **per_unit,
        attributes={
            "long_name": "digest of the work unit's data",
            "description": (
                "0: none; otherwise the 64-bit BLAKE2b digest of the unit's data as written "
                "(pipeline.store.digest.unit_digest), written after the data, before the record."
            ),
        },
    )
    digests = units.create_array(
        ROWS_DIGEST_ARRAY,
        shape=(layout.n_chunks,),
        chunks=(min(layout.n_chunks, 2**16),),
        dtype=np.int64,
        fill_value=0,
        dimension_names=("signal_chunk",),
        compressors=COMPRESSORS,
        attributes={
            "long_name": "digest of the signal rows of the chunk",
            "description": (
                "0: not recorded; otherwise a 63-bit digest of the sources (and file contents) "
                "of the chunk's signal rows as the config gave them: a store grows only if the "
                "rows it holds are unchanged."
            ),
        },
    )
    if rows is not None:
        digests[...] = rows.astype(np.int64)
    with warnings.catch_warnings():
        # consolidated metadata is an extension of Zarr v3 that xarray reads by default
        warnings.filterwarnings("ignore", message="Consolidated metadata", category=UserWarning)
        zarr.consolidate_metadata(os.fspath(staging))


def _install(staging: Path, target: Path, *, replace: bool) -> bool:
    """Rename the finished store into place; False if another process installed one first."""
    if not (replace and target.exists()):
        try:
            os.rename(staging, target)  # replaces an empty directory, fails on a non-empty one
        except OSError as error:
            if target.exists() and not is_empty_dir(target):
                return False
            raise StoreError(f"cannot create store {target}: {one_line(error)}") from error
        return True
    aside = target.with_name(f".{target.name}.old-{uuid.uuid4().hex[:12]}")
    try:
        os.rename(target, aside)
    except OSError as error:
        raise StoreError(f"cannot replace store {target}: {one_line(error)}") from error
    try:
        os.rename(staging, target)
    except OSError as error:
        os.rename(aside, target)  # put the old store back
        raise StoreError(f"cannot replace store {target}: {one_line(error)}") from error
    shutil.rmtree(aside, ignore_errors=True)
    return True


def _check_compatible(path: Path, stored: xr.Dataset, asked: Schema) -> None:
    """Raise :class:`StoreMismatchError` naming every difference between a store and a request."""
    layout, banks, signals, attrs = asked.layout, asked.banks, asked.signals, asked.attrs
    stored_layout = read_layout(path)
    differences = [
        f"{name}={getattr(stored_layout, name)} (asked {getattr(layout, name)})"
        for name in ("n_signals", "n_banks", "depth", "chunk", "n_radii", "modes")
        if getattr(stored_layout, name) != getattr(layout, name)
    ]
    stored_hash, asked_hash = stored.attrs.get("computation_hash"), attrs.get("computation_hash")
    if stored_hash != asked_hash:
        differences.append(f"computation_hash={stored_hash!r} (asked {asked_hash!r})")
    for dim, asked, size in (
        ("bank", banks, layout.n_banks),
        ("signal", signals, layout.n_signals),
    ):
        if stored.sizes[dim] == size:
            differences.extend(coordinate_differences(stored, dim, asked))
    if differences:
        raise StoreMismatchError(
            f"store {path} was made with other settings: {'; '.join(differences)}: {_RECOVERY}"
        )
