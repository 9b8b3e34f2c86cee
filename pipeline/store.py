"""The sweep's Zarr store: its schema, region writes by work units, and completion records.

One Zarr (format 3) store per sweep, opened by users with ``xarray.open_zarr(path)``
(docs/design.md, "The store contract"):

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
  signal_chunk)``, chunks ``(1, 1)``): 0 until the unit's data is written, then the unit's hash.

Writes follow the two-phase pattern of xarray-beam and pangeo-forge-recipes (STYLE.md §4b):
:func:`create_store` writes the whole schema once from a lazy template, then every unit fills
its own region with :func:`write_unit` (``to_zarr(region=..., mode="r+")``), which never touches
metadata, so concurrent units never write the same file. A unit's record is written only after
its data; completion is never inferred from the data.

``input_energy`` and ``radial_power`` depend only on the signals, so every bank's unit of one chunk
computes the same values; only the unit of bank 0 writes them (two writers on one chunk could
race). Their chunks are therefore filled exactly when unit ``(0, chunk)`` is.
"""

from __future__ import annotations

import os
import shutil
import uuid
import warnings
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dask.array as da
import numpy as np
import xarray as xr
import zarr

from .errors import InvalidParameterError, StoreError, StoreMismatchError

#: A store is a local directory, given as a string or a path.
StorePath = str | os.PathLike[str]

DIMS = ("signal", "bank", "layer")
#: Float variables over (signal, bank, layer), NaN until written.
ENERGY_VARIABLES = ("propagated_energy", "feature_energy", "pruned_slack")
#: Integer variable over (signal, bank, layer), 0 until written.
COUNT_VARIABLES = ("paths",)
LAYER_VARIABLES = ENERGY_VARIABLES + COUNT_VARIABLES
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
#: Largest unit hash: records are int64 and 0 means "not done".
MAX_UNIT_HASH = 2**63 - 1

_RECOVERY = "use a new --store or --overwrite"


@dataclass(frozen=True)
class _Layout:
    """Sizes and chunking of a store, read from its arrays' metadata."""

    n_signals: int
    n_banks: int
    depth: int
    chunk: int
    n_radii: int = 0  # frequency radii of radial_power; 0 if the store has none

    @property
    def n_chunks(self) -> int:
        return -(-self.n_signals // self.chunk)

    def signal_range(self, chunk_index: int) -> tuple[int, int]:
        """Signals ``[start, stop)`` of chunk ``chunk_index`` (the last one may be short)."""
        start = chunk_index * self.chunk
        return start, min(start + self.chunk, self.n_signals)


# --------------------------------------------------------------------------------------------
# phase 1: the schema


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
) -> None:
    """Write the whole schema of a sweep's store, with no data (phase 1 of two).

    A lazy template (dask arrays of NaN, and of 0 for ``paths``) is written with
    ``to_zarr(compute=False)``: metadata and coordinates only, every data chunk left to the
    units. The store is built in a hidden sibling directory and renamed into place, so a crash
    never leaves a half-made store at ``path``.

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
        time, reference, units); JSON-serialisable values.
    variable_attrs
        attributes per variable name, e.g. :data:`pipeline.cascade.VARIABLE_ATTRS`; names that
        are not variables or coordinates of the store are ignored.
    frequency_radius
        1-D increasing float64 radii (:func:`pipeline.spectra.frequency_radii`): the store then
        holds ``radial_power`` over ``(signal, frequency_radius)``. None: no spectrum.
    overwrite
        replace an existing store (only a Zarr store: a non-empty directory that is not one is
        never deleted).

    Raises
    ------
    InvalidParameterError
        for sizes below 1, coordinates of the wrong shape or type, or clashing names.
    StoreMismatchError
        when ``path`` holds a store made with other sizes, coordinates or
        ``attrs["computation_hash"]`` and ``overwrite`` is false; the store is left untouched.
        A store with the same schema is kept as it is (resume).
    StoreError
        when ``path`` cannot be created or replaced.

    Notes
    -----
    Text coordinates are stored as variable-length UTF-8 strings (fixed-width numpy strings
    have no Zarr v3 specification); they read back as numpy strings.
    """
    for name, value in (("n_signals", n_signals), ("chunk", chunk), ("depth", depth)):
        _check_count(name, value)
    banks = _coordinate_table("bank_coords", bank_coords, "bank", length=None)
    n_banks = len(next(iter(banks.values())))
    signals = _coordinate_table("signal_coords", signal_coords, "signal", length=n_signals)
    radii = _radii(frequency_radius)
    layout = _Layout(
        n_signals=n_signals, n_banks=n_banks, depth=depth, chunk=chunk, n_radii=radii.size
    )
    target = Path(os.fspath(path))
    if target.exists() and not _is_empty_dir(target):
        if not overwrite:
            _check_compatible(target, layout, banks, signals, attrs)
            return
        if not (target / "zarr.json").is_file():
            raise StoreError(
                f"{target} exists and is not a Zarr store: refusing to overwrite it, "
                "choose a new --store"
            )
    template = _template(layout, banks, signals, attrs, variable_attrs, radii)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f".{target.name}.tmp-{uuid.uuid4().hex[:12]}")
    try:
        try:
            _write_schema(staging, template, layout)
        except Exception as error:
            raise StoreError(f"cannot create store {target}: {_one_line(error)}") from error
        installed = _install(staging, target, replace=overwrite)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if not installed:  # another process created it meanwhile: resume if it matches
        _check_compatible(target, layout, banks, signals, attrs)


def _template(
    layout: _Layout,
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
        for name in ENERGY_VARIABLES
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


def _write_schema(staging: Path, template: xr.Dataset, layout: _Layout) -> None:
    """Metadata, coordinates and zeroed completion records, consolidated at the root."""
    chunks = (layout.chunk, 1, layout.depth + 1)
    encoding = {name: {"chunks": chunks} for name in LAYER_VARIABLES}
    encoding.update({name: {"chunks": chunks[:1]} for name in SIGNAL_VARIABLES})
    if layout.n_radii:
        encoding[SPECTRUM_VARIABLE] = {"chunks": (layout.chunk, layout.n_radii)}
    # compute=False: the returned delayed write of the NaN/0 data is dropped on purpose
    template.to_zarr(
        staging, mode="w-", compute=False, consolidated=False, encoding=encoding, zarr_format=3
    )
    root = zarr.open_group(os.fspath(staging), mode="r+", use_consolidated=False)
    units = root.create_group(
        UNITS_GROUP,
        attributes={"description": "completion records of the work units (bank, signal chunk)"},
    )
    units.create_array(
        RECORD_ARRAY,
        shape=(layout.n_banks, layout.n_chunks),
        chunks=(1, 1),
        dtype=np.int64,
        fill_value=0,
        dimension_names=RECORD_DIMS,
        attributes={
            "long_name": "completion record of the work unit",
            "description": (
                "0: not done; otherwise the unit's hash, written only after its data region. "
                f"Chunk c holds signals [c*{layout.chunk}, (c+1)*{layout.chunk})."
            ),
        },
    )
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
            if target.exists() and not _is_empty_dir(target):
                return False
            raise StoreError(f"cannot create store {target}: {_one_line(error)}") from error
        return True
    aside = target.with_name(f".{target.name}.old-{uuid.uuid4().hex[:12]}")
    try:
        os.rename(target, aside)
    except OSError as error:
        raise StoreError(f"cannot replace store {target}: {_one_line(error)}") from error
    try:
        os.rename(staging, target)
    except OSError as error:
        os.rename(aside, target)  # put the old store back
        raise StoreError(f"cannot replace store {target}: {_one_line(error)}") from error
    shutil.rmtree(aside, ignore_errors=True)
    return True


def _check_compatible(
    path: Path,
    layout: _Layout,
    banks: dict[str, np.ndarray],
    signals: dict[str, np.ndarray],
    attrs: Mapping[str, Any],
) -> None:
    """Raise :class:`StoreMismatchError` naming every difference between a store and a request."""
    try:
        stored_layout = _read_layout(path)
        stored = _open_dataset(path)
    except StoreError as error:
        raise StoreMismatchError(f"{error}: {_RECOVERY}") from error
    differences = [
        f"{name}={getattr(stored_layout, name)} (asked {getattr(layout, name)})"
        for name in ("n_signals", "n_banks", "depth", "chunk", "n_radii")
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
            differences.extend(_coordinate_differences(stored, dim, asked))
    if differences:
        raise StoreMismatchError(
            f"store {path} was made with other settings: {'; '.join(differences)}: {_RECOVERY}"
        )


def _coordinate_differences(
    stored: xr.Dataset, dim: str, asked: dict[str, np.ndarray]
) -> list[str]:
    asked = {dim: np.arange(stored.sizes[dim]), **asked}
    names = {name for name, coord in stored.coords.items() if coord.dims == (dim,)}
    if names != set(asked):
        return [f"{dim} coordinates {sorted(names)} (asked {sorted(asked)})"]
    differences = []
    for name in sorted(names):
        have, want = _normalized(stored[name].values), asked[name]
        unequal = _unequal(have, want)
        if unequal is None:
            differences.append(
                f"{dim} coordinate {name!r} differs (store {have.dtype}, asked {want.dtype})"
            )
        elif unequal.any():
            index = int(np.flatnonzero(unequal)[0])
            stored_value, asked_value = have.tolist()[index], want.tolist()[index]
            differences.append(
                f"{dim} coordinate {name!r} differs "
                f"(first at {dim} {index}: {stored_value!r} vs asked {asked_value!r})"
            )
    return differences


def _unequal(have: np.ndarray, want: np.ndarray) -> np.ndarray | None:
    """Elementwise "differs" (NaN equals NaN; integers exactly); None for text vs numbers."""
    if (have.dtype.kind == "O") != (want.dtype.kind == "O"):
        return None
    if have.dtype.kind == "O" or (have.dtype.kind in "biu" and want.dtype.kind in "biu"):
        return np.asarray(have != want, dtype=bool)
    a, b = have.astype(np.float64), want.astype(np.float64)
    return ~((a == b) | (np.isnan(a) & np.isnan(b)))


# --------------------------------------------------------------------------------------------
# phase 2: units


def write_unit(
    path: StorePath,
    *,
    bank: int,
    chunk_index: int,
    start: int,
    stop: int,
    result: xr.Dataset,
    unit_hash: int,
) -> None:
    """Write one unit's results into its own region, then record the unit as done.

    Idempotent: writing the same unit twice writes the same bytes (a Dask task may run twice).
    Only the unit's own chunks are written, never metadata, so units may write concurrently
    (xarray: "concurrent writes with ``region`` are safe as long as they modify distinct
    chunks").

    Parameters
    ----------
    path
        the store made by :func:`create_store`.
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

    Raises
    ------
    StoreError
        naming the unit, for a region that is not one chunk of the store (Zarr would accept a
        misaligned region silently), a result of the wrong shape, or a failed write. The
        record is then 0 or what it was before; data may be partly written.

    Notes
    -----
    Order of the writes: if the unit holds a record of another hash, it is reset to 0 first;
    then the data region; then the record. A record therefore never vouches for a region that
    is partly rewritten under other settings. ``input_energy`` is written by the unit of bank 0
    only (module docstring).
    """
    unit = f"unit (bank={bank}, chunk={chunk_index})"
    layout = _read_layout(path)
    _check_unit(layout, bank, chunk_index, unit, path)
    expected = layout.signal_range(chunk_index)
    if (start, stop) != expected:
        raise StoreError(
            f"{unit}: region signal [{start}, {stop}) is not chunk {chunk_index} of store {path}, "
            f"which holds signals [{expected[0]}, {expected[1]}) (chunk size {layout.chunk}): "
            "regions must match the store's chunks"
        )
    if isinstance(unit_hash, bool) or not isinstance(unit_hash, int | np.integer):
        raise StoreError(f"{unit}: unit_hash = {unit_hash!r}: must be an integer")
    if not 1 <= int(unit_hash) <= MAX_UNIT_HASH:
        raise StoreError(f"{unit}: unit_hash = {unit_hash}: must be in [1, 2**63 - 1]")
    region_data = _region_dataset(result, layout, stop - start, unit, with_input=bank == 0)
    region = {
        "signal": slice(start, stop),
        "bank": slice(bank, bank + 1),
        "layer": slice(0, layout.depth + 1),
    }
    if SPECTRUM_VARIABLE in region_data:
        region["frequency_radius"] = slice(0, layout.n_radii)
    try:
        records = _records(path, mode="r+")
        if int(records[bank, chunk_index]) not in (0, int(unit_hash)):
            records[bank, chunk_index] = 0
        region_data.to_zarr(os.fspath(path), region=region, mode="r+", consolidated=True)
        records[bank, chunk_index] = int(unit_hash)
    except Exception as error:
        raise StoreError(f"{unit} of store {path}: write failed: {_one_line(error)}") from error


def _region_dataset(
    result: xr.Dataset, layout: _Layout, n_signals: int, unit: str, *, with_input: bool
) -> xr.Dataset:
    """The unit's variables over ``(signal, bank=1, layer)``, bare: no coordinates, no attrs."""
    if not isinstance(result, xr.Dataset):
        raise StoreError(f"{unit}: result is a {type(result).__name__}, not an xarray.Dataset")
    missing = [name for name in DATA_VARIABLES if name not in result.data_vars]
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
    for name in DATA_VARIABLES:
        variable = result[name]
        dims = ("signal", "layer") if name in LAYER_VARIABLES else ("signal",)
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
        if name in LAYER_VARIABLES:
            variables[name] = (DIMS, values[:, np.newaxis, :])
        elif with_input:
            variables[name] = (dims, values)
    if with_input and layout.n_radii:
        variables[SPECTRUM_VARIABLE] = (SPECTRUM_DIMS, _spectrum(result, layout, n_signals, unit))
    return xr.Dataset(variables)


def _spectrum(result: xr.Dataset, layout: _Layout, n_signals: int, unit: str) -> np.ndarray:
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


def _radii(values: Any) -> np.ndarray:
    """Frequency radii: None -> empty; else 1-D, finite, strictly increasing float64."""
    if values is None:
        return np.empty(0)
    radii = np.asarray(values, dtype=np.float64)
    if (
        radii.ndim != 1
        or radii.size == 0
        or not np.all(np.isfinite(radii))
        or np.any(np.diff(radii) <= 0)
    ):
        raise InvalidParameterError(
            "frequency_radius", values, "must be a non-empty, strictly increasing 1-D array"
        )
    return radii


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
    _read_layout(path)
    records = _read_records(path)
    done = {(int(b), int(c)) for b, c in np.argwhere(records != 0)}
    if expected is None:
        return done
    return {unit for unit in done if expected.get(unit) == int(records[unit])}


def clear_unit(path: StorePath, bank: int, chunk_index: int) -> None:
    """Reset the record of unit ``(bank, chunk_index)`` to 0 (not done); its data is kept."""
    unit = f"unit (bank={bank}, chunk={chunk_index})"
    layout = _read_layout(path)
    _check_unit(layout, bank, chunk_index, unit, path)
    try:
        _records(path, mode="r+")[bank, chunk_index] = 0
    except Exception as error:
        raise StoreError(f"{unit} of store {path}: clearing failed: {_one_line(error)}") from error


# --------------------------------------------------------------------------------------------
# reading


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
    layout = _read_layout(path)
    dataset = _open_dataset(path)
    if completion:
        done = _read_records(path) != 0  # (bank, chunk)
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
    layout = _read_layout(path)
    dataset = _open_dataset(path)
    records = _read_records(path)
    families: dict[str, int] = {}
    if "family" in dataset.coords:
        families = dict(Counter(str(name) for name in dataset["family"].values))
    size = sum(f.stat().st_size for f in Path(os.fspath(path)).rglob("*") if f.is_file())
    return {
        "path": os.fspath(path),
        "dims": {dim: int(dataset.sizes[dim]) for dim in ("signal", "bank", "layer")},
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


# --------------------------------------------------------------------------------------------
# helpers


def _read_layout(path: StorePath) -> _Layout:
    """Sizes and chunks of an energy-sweep store; :class:`StoreError` if it is not one."""
    try:
        root = zarr.open_group(os.fspath(path), mode="r")
        arrays = {name: root.get(name) for name in (*DATA_VARIABLES, RECORD_PATH)}
    except Exception as error:
        raise StoreError(f"{path} is not an energy-sweep store ({_one_line(error)})") from error
    wrong = [
        name
        for name, array in arrays.items()
        if not isinstance(array, zarr.Array)
        or array.metadata.zarr_format != 3
        or tuple(array.metadata.dimension_names or ())
        != (
            DIMS
            if name in LAYER_VARIABLES
            else ("signal",)
            if name in SIGNAL_VARIABLES
            else RECORD_DIMS
        )
    ]
    if wrong:
        raise StoreError(
            f"{path} is not an energy-sweep store: missing or malformed {', '.join(wrong)}"
        )
    reference = arrays[LAYER_VARIABLES[0]]
    n_signals, n_banks, layers = reference.shape
    spectrum = root.get(SPECTRUM_VARIABLE)
    layout = _Layout(
        n_signals=n_signals,
        n_banks=n_banks,
        depth=layers - 1,
        chunk=reference.chunks[0],
        n_radii=spectrum.shape[1] if isinstance(spectrum, zarr.Array) else 0,
    )
    if any(arrays[name].shape != reference.shape for name in LAYER_VARIABLES) or arrays[
        RECORD_PATH
    ].shape != (n_banks, layout.n_chunks):
        raise StoreError(f"{path} is not an energy-sweep store: its arrays disagree in shape")
    return layout


def _open_dataset(path: StorePath) -> xr.Dataset:
    try:
        return xr.open_zarr(os.fspath(path), consolidated=True)
    except Exception as error:
        raise StoreError(f"cannot open store {path}: {_one_line(error)}") from error


def _records(path: StorePath, *, mode: str) -> zarr.Array:
    return zarr.open_array(store=os.fspath(path), path=RECORD_PATH, mode=mode)


def _read_records(path: StorePath) -> np.ndarray:
    try:
        return np.asarray(_records(path, mode="r")[...])
    except Exception as error:
        raise StoreError(f"cannot read the unit records of {path}: {_one_line(error)}") from error


def _check_unit(layout: _Layout, bank: int, chunk_index: int, unit: str, path: StorePath) -> None:
    for name, value, count in (
        ("bank", bank, layout.n_banks),
        ("chunk_index", chunk_index, layout.n_chunks),
    ):
        if isinstance(value, bool) or not isinstance(value, int | np.integer):
            raise StoreError(f"{unit}: {name} = {value!r}: must be an integer")
        if not 0 <= value < count:
            raise StoreError(f"{unit}: {name} = {value}: store {path} has {name} 0..{count - 1}")


def _check_count(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise InvalidParameterError(name, value, "must be an integer >= 1")


def _coordinate_table(
    field: str, coords: Mapping[str, Any], dim: str, *, length: int | None
) -> dict[str, np.ndarray]:
    """Check and normalise coordinates along ``dim``: 1-D, one length, numbers or strings."""
    if not isinstance(coords, Mapping):
        raise InvalidParameterError(field, coords, "must be a mapping of names to 1-D arrays")
    if length is None and not coords:
        raise InvalidParameterError(
            field, coords, "needs at least one 1-D array (its length is the number of banks)"
        )
    reserved = {*DATA_VARIABLES, *DIMS} - {dim}
    table = {}
    for name, values in coords.items():
        if not isinstance(name, str) or name in reserved:
            raise InvalidParameterError(
                f"{field}[{name!r}]",
                name,
                f"names must be strings other than {', '.join(sorted(reserved))}",
            )
        array = _normalized(values)
        if array.ndim != 1 or array.size == 0:
            raise InvalidParameterError(
                f"{field}[{name!r}]", values, "must be a non-empty 1-D array"
            )
        if array.dtype.kind not in "biufO" or (
            array.dtype.kind == "O" and not all(isinstance(v, str) for v in array)
        ):
            raise InvalidParameterError(
                f"{field}[{name!r}]", values, "must hold numbers or strings"
            )
        length = array.size if length is None else length
        if array.size != length:
            raise InvalidParameterError(
                f"{field}[{name!r}]", values, f"must have length {length} (got {array.size})"
            )
        table[name] = array
    return table


def _normalized(values: Any) -> np.ndarray:
    """Text as an object array of ``str`` (variable-length strings in Zarr v3), numbers as is."""
    array = np.asarray(values)
    if array.dtype.kind == "U" and not isinstance(values, np.ndarray):
        array = np.asarray(values, dtype=object)  # numpy turns [1, "a"] into ["1", "a"]
    if array.dtype.kind in "OSTU":
        items = [v.decode() if isinstance(v, bytes) else v for v in array.ravel().tolist()]
        if all(isinstance(v, str) for v in items):
            return np.array(items, dtype=object).reshape(array.shape)
    return array


def _is_empty_dir(path: Path) -> bool:
    return path.is_dir() and not any(path.iterdir())


def _one_line(error: BaseException, limit: int = 300) -> str:
    text = " ".join(f"{type(error).__name__}: {error}".split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


#: Coordinates :func:`open_results` indexes for ``.sel(name=value)``.
SELECTABLE_COORDS = ("family", "signal_class")

#: Sub-group of the store that holds the decay fits (``energy-sweep fit``).
FITS_GROUP = "fits"


def write_fits(path: StorePath, fits: xr.Dataset) -> None:
    """Write decay fits (:func:`pipeline.analysis.fit.fit_decay`) to the store's ``fits`` group, replacing it.

    Energies are untouched. Only the fits' index coordinates are kept: the others (family,
    bank parameters, signal classes) live in the root group, and :func:`open_results` merges.
    """
    _read_layout(path)  # one of our stores, or StoreError
    fits = fits.drop_vars([name for name in fits.coords if name not in fits.dims])
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Consolidated metadata", category=UserWarning)
            fits.to_zarr(os.fspath(path), group=FITS_GROUP, mode="w", consolidated=True)
    except Exception as error:
        raise StoreError(f"cannot write the fits of store {path}: {_one_line(error)}") from error


def open_fits(path: StorePath) -> xr.Dataset | None:
    """The store's ``fits`` group as a Dataset, or None if ``energy-sweep fit`` has not run."""
    _read_layout(path)
    if not (Path(path) / FITS_GROUP).exists():
        return None
    try:
        return xr.open_zarr(os.fspath(path), group=FITS_GROUP, consolidated=True)
    except Exception as error:
        raise StoreError(f"cannot open the fits of store {path}: {_one_line(error)}") from error
