"""Verifying a store: every completed unit's record against its data, chunk by chunk.

A completion record says a unit wrote its data; it does not say the data is still what was
written. :func:`verify_store` checks, for every unit recorded as done:

- its chunk files exist (a deleted chunk reads as NaN, or 0 for ``paths``, without any error);
- its chunks read without error (every chunk ends in a crc32c checksum,
  :data:`~pipeline.store.layout.COMPRESSORS`: a changed byte fails the read);
- its data matches the digest recorded beside the record (:mod:`pipeline.store.digest`: a valid
  chunk of another unit copied in passes its checksum but not the digest);
- no NaN in its data (``feature_energy`` at the last layer, which is never computed, excepted);
- the energy identity of Parseval banks (docs/theory.md §2), per signal:
  ``||f||^2 = W_0 = sum_{n<N} F_n + W_N + pruned_slack_N``, to ``rtol`` relative to ``W_0``;
  and for every bank ``W_0 = input_energy`` where the unit of bank 0 of that chunk is sound.
  Every bank of a sweep is Parseval (``make_bank`` normalises; banks built from arrays with
  ``normalise=False`` are never in a sweep).

It also checks the schema: the store's layout (:func:`~pipeline.store.layout.read_layout`), that
it opens as xarray reads it, that every array carries a checksum and that the digests exist.
The report names each bad unit with its reasons; ``energy-sweep verify`` prints it, and the
sweep's planning treats bad units as not done, so ``run`` recomputes them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import zarr
from zarr.codecs import Crc32cCodec

from ..errors import StoreError
from ._util import one_line
from .digest import unit_digest
from .layout import (
    DIGEST_PATH,
    LAYER_VARIABLES,
    RECORD_PATH,
    SIGNAL_VARIABLES,
    SPECTRUM_VARIABLE,
    Layout,
    StorePath,
    chunk_coords,
    open_dataset,
    read_layout,
)
from .units import completed_units

#: Relative tolerance of the energy identity by the sweep's ``dtype`` attribute.
IDENTITY_RTOL = {"float64": 1e-9, "float32": 1e-5}


@dataclass(frozen=True)
class BadUnit:
    """A unit recorded as done whose data does not hold up, with every reason found."""

    bank: int
    chunk: int
    reasons: tuple[str, ...]

    def line(self) -> str:
        """``unit (bank=b, chunk=c): reason; reason``."""
        return f"unit (bank={self.bank}, chunk={self.chunk}): {'; '.join(self.reasons)}"


@dataclass(frozen=True)
class VerifyReport:
    """What :func:`verify_store` found.

    ``units_total`` units in the store, ``units_recorded`` recorded as done, of which
    ``bad_units`` fail a check; ``problems`` are faults of the store as a whole (schema).
    """

    path: str
    units_total: int
    units_recorded: int
    bad_units: tuple[BadUnit, ...] = ()
    problems: tuple[str, ...] = ()
    rtol: float = IDENTITY_RTOL["float64"]

    @property
    def ok(self) -> bool:
        """True if no unit is bad and the schema holds."""
        return not self.bad_units and not self.problems

    @property
    def bad(self) -> set[tuple[int, int]]:
        """The bad units as ``(bank, chunk)`` pairs."""
        return {(unit.bank, unit.chunk) for unit in self.bad_units}

    def summary(self) -> str:
        """One line: the store, units verified, bad units, schema problems."""
        good = self.units_recorded - len(self.bad_units)
        verdict = "clean" if self.ok else "BAD"
        return (
            f"{self.path}: {verdict}: {good} of {self.units_recorded} recorded units verified "
            f"({self.units_total} in the store), {len(self.bad_units)} bad, "
            f"{len(self.problems)} schema problem(s)"
        )

    def lines(self) -> list[str]:
        """One line per schema problem, then one per bad unit."""
        return [f"schema: {problem}" for problem in self.problems] + [
            unit.line() for unit in self.bad_units
        ]


def verify_store(path: StorePath, *, rtol: float | None = None) -> VerifyReport:
    """Check a store's schema and every recorded unit against its data (module docstring).

    Parameters
    ----------
    path
        the store.
    rtol
        relative tolerance of the energy identity; default from the store's ``dtype``
        attribute (:data:`IDENTITY_RTOL`: 1e-9 for float64, 1e-5 for float32).

    Returns
    -------
    VerifyReport
        the bad units, each with its reasons, and the schema problems.

    Raises
    ------
    StoreError
        if ``path`` is not an energy-sweep store at all (missing, or its arrays malformed).
    """
    layout = read_layout(path)
    root = zarr.open_group(os.fspath(path), mode="r", use_consolidated=False)
    problems: list[str] = []
    try:
        open_dataset(path)
    except StoreError as error:
        problems.append(f"does not open as a Dataset: {error}")
    unchecked = sorted(name for name, array in root.arrays() if not _has_checksum(array)) + sorted(
        f"units/{name}" for name, array in _group_arrays(root, "units") if not _has_checksum(array)
    )
    if unchecked:
        problems.append(f"arrays without a crc32c checksum: {', '.join(unchecked)}")
    if "computation_hash" not in root.attrs:
        problems.append("no computation_hash attribute")
    if rtol is None:
        rtol = IDENTITY_RTOL.get(str(root.attrs.get("dtype", "float64")), 1e-9)

    reasons: dict[tuple[int, int], list[str]] = {}

    def flag(unit: tuple[int, int], reason: str) -> None:
        reasons.setdefault(unit, []).append(reason)

    records = _read_units_array(root, RECORD_PATH, layout, flag, "completion record")
    recorded = sorted((int(b), int(c)) for b, c in np.argwhere(records != 0))
    recorded = sorted(set(recorded) | set(reasons))
    has_digests = DIGEST_PATH in {f"units/{name}" for name, _ in _group_arrays(root, "units")}
    if has_digests:
        digests = _read_units_array(root, DIGEST_PATH, layout, flag, "data digest")
    else:
        digests = None
        problems.append(
            "no units/data_digest (store made before digests): records unchecked against data"
        )

    by_bank: dict[int, list[int]] = {}
    for bank, chunk in recorded:
        by_bank.setdefault(bank, []).append(chunk)
    signal_data = {
        name: _read_regions(root, name, layout, None, by_bank.get(0, []), flag)
        for name in (*SIGNAL_VARIABLES, SPECTRUM_VARIABLE)
        if name in root and (name != SPECTRUM_VARIABLE or layout.n_radii)
    }
    input_sound: dict[int, np.ndarray] = {}
    for bank in sorted(by_bank):
        chunks = by_bank[bank]
        layer_data = {
            name: _read_regions(root, name, layout, bank, chunks, flag)
            for name in layout.layer_variables
        }
        for chunk in chunks:
            unit = (bank, chunk)
            arrays = {name: values[chunk] for name, values in layer_data.items() if chunk in values}
            if bank == 0:
                arrays.update(
                    {name: values[chunk] for name, values in signal_data.items() if chunk in values}
                )
            if unit in reasons:  # unreadable or missing chunks: nothing more to check
                continue
            if digests is not None:
                recorded_digest = int(digests[bank, chunk])
                if recorded_digest == 0:
                    flag(unit, "recorded without a data digest")
                elif unit_digest(arrays) != recorded_digest:
                    flag(unit, "data does not match its recorded digest (changed since written)")
            _check_values(unit, arrays, layout, rtol, flag)
            if bank == 0 and unit not in reasons and "input_energy" in arrays:
                input_sound[chunk] = arrays["input_energy"]
            elif bank != 0 and chunk in input_sound:
                w0 = arrays["propagated_energy"][:, 0]
                off = _relative_error(w0, input_sound[chunk])
                if off.max(initial=0.0) > rtol:
                    flag(unit, f"W_0 differs from input_energy by {off.max():.2e} (relative)")

    bad = tuple(BadUnit(b, c, tuple(reasons[b, c])) for b, c in sorted(reasons))
    return VerifyReport(
        path=os.fspath(path),
        units_total=layout.n_banks * layout.n_chunks,
        units_recorded=len(recorded),
        bad_units=bad,
        problems=tuple(problems),
        rtol=rtol,
    )


Flag = Callable[[tuple[int, int], str], None]


def _has_checksum(array: zarr.Array) -> bool:
    return any(isinstance(codec, Crc32cCodec) for codec in array.compressors)


def _group_arrays(root: zarr.Group, name: str) -> Iterable[tuple[str, zarr.Array]]:
    group = root.get(name)
    return group.arrays() if isinstance(group, zarr.Group) else ()


def _read_units_array(
    root: zarr.Group, name: str, layout: Layout, flag: Flag, what: str
) -> np.ndarray:
    """A ``(bank, signal_chunk)`` array of the ``units`` group; an unreadable element is 0 and
    its unit is flagged (a missing chunk reads 0: not done, or no digest)."""
    array = root[name]
    try:
        return np.asarray(array[...])
    except Exception:
        values = np.zeros(array.shape, dtype=array.dtype)
        for bank in range(layout.n_banks):
            for chunk in range(layout.n_chunks):
                try:
                    values[bank, chunk] = array[bank, chunk]
                except Exception as error:
                    flag((bank, chunk), f"{what} unreadable: {_read_failure(error)}")
        return values


def _read_regions(
    root: zarr.Group,
    name: str,
    layout: Layout,
    bank: int | None,
    chunks: list[int],
    flag: Flag,
) -> dict[int, np.ndarray]:
    """``chunk -> values`` of variable ``name`` in the given chunks of one bank (``bank=None``:
    a variable over ``signal``, owned by bank 0's units). A chunk whose file is missing or whose
    read fails is left out and its unit flagged."""
    if not chunks:
        return {}
    array = root[name]
    owner = 0 if bank is None else bank
    folder = Path(os.fspath(root.store.root)) / name  # type: ignore[attr-defined]
    regions: dict[int, np.ndarray] = {}
    present = []
    for chunk in chunks:
        key = array.metadata.encode_chunk_key(chunk_coords(name, chunk, bank))
        if not (folder / key).is_file():
            flag((owner, chunk), f"chunk file {name}/{key} missing")
        else:
            present.append(chunk)
    try:
        whole = np.asarray(array[:, bank] if bank is not None else array[...])
    except Exception:
        whole = None
    for chunk in present:
        start, stop = layout.signal_range(chunk)
        if whole is not None:
            regions[chunk] = whole[start:stop]
            continue
        try:
            regions[chunk] = np.asarray(
                array[start:stop, bank] if bank is not None else array[start:stop]
            )
        except Exception as error:
            key = f"{name}/{array.metadata.encode_chunk_key(chunk_coords(name, chunk, bank))}"
            flag((owner, chunk), f"chunk {key} unreadable: {_read_failure(error)}")
    return regions


def _read_failure(error: Exception) -> str:
    """Why a chunk read failed, in a few words."""
    if "checksum" in str(error).lower():
        return "fails its crc32c checksum (bytes changed on disk)"
    return one_line(error, 120)


def _relative_error(have: np.ndarray, want: np.ndarray) -> np.ndarray:
    """``|have - want| / max(|want|, |have|)``, 0 where both are 0."""
    scale = np.maximum(np.abs(want), np.abs(have))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(scale > 0, np.abs(have - want) / np.where(scale > 0, scale, 1), 0.0)


def _own_depth(arrays: dict[str, np.ndarray], depth: int) -> int:
    """The unit's deepest computed layer: ``depth``, or N < depth when every float layer
    variable is NaN in every row exactly from layer N + 1 on (a bank's own depth)."""
    w = arrays["propagated_energy"]
    computed = ~np.isnan(w).all(axis=0)
    own = int(np.argmin(computed)) - 1 if not computed.all() else depth
    if own < 1 or own == depth:
        return depth
    tails = [arrays[n][:, own + 1 :] for n in ("propagated_energy", "pruned_slack") if n in arrays]
    if "feature_energy" in arrays:
        tails.append(arrays["feature_energy"][:, own:])
    return own if all(np.isnan(tail).all() for tail in tails) else depth


def _check_values(
    unit: tuple[int, int], arrays: dict[str, np.ndarray], layout: Layout, rtol: float, flag: Flag
) -> None:
    """NaN and the energy identity ``W_0 = sum_{n<N} F_n + W_N + pruned_slack_N``
    (docs/theory.md §2) of one unit's values. A bank with its own, smaller depth N (config
    ``banks[i].depth``) leaves the layers beyond N NaN in every row of its float variables."""
    depth = _own_depth(arrays, layout.depth)
    nan = [
        name
        for name, values in arrays.items()
        if np.isnan(
            values[:, :depth]
            if name == "feature_energy"
            else values[:, : depth + 1]
            if name in LAYER_VARIABLES
            else values
        ).any()
    ]
    if nan:
        flag(unit, f"NaN in {', '.join(sorted(nan))}")
        return
    w = arrays["propagated_energy"]
    total = arrays["feature_energy"][:, :depth].sum(axis=1) + w[:, depth]
    total = total + arrays["pruned_slack"][:, depth]
    off = _relative_error(total, w[:, 0])
    if off.max(initial=0.0) > rtol:
        worst = int(np.argmax(off))
        flag(
            unit,
            f"energy identity W_0 = sum F_n + W_N + slack_N off by {off[worst]:.2e} (relative) "
            f"at signal {layout.signal_range(unit[1])[0] + worst}",
        )
    if "input_energy" in arrays:
        off = _relative_error(w[:, 0], arrays["input_energy"])
        if off.max(initial=0.0) > rtol:
            flag(unit, f"W_0 differs from input_energy by {off.max():.2e} (relative)")


def sound_units(path: StorePath, expected: Mapping[tuple[int, int], int]) -> set[tuple[int, int]]:
    """The units ``(bank, chunk)`` that need no recomputing: recorded under their ``expected``
    hash (:func:`~pipeline.store.completed_units`) and not bad by :func:`verify_store`."""
    return completed_units(path, expected) - verify_store(path).bad
