"""Stores that grow: a rerun whose sweep adds signals, banks or layers extends its store.

A store holds a sweep; when the sweep's config grows, the store grows with it instead of being
refused (docs/design.md, "Stores that grow"):

- **signals** appended at the end of the signal axis (more rows of the last group, a new group,
  a new file): new rows, new units for them, and the units of a last chunk that was short and
  is now filled;
- **banks** appended after the store's banks (new entries, or new values at the end of the
  last grid): new units;
- **layers** (a deeper sweep): every unit again, since every unit's energies change shape.

Every unit whose bank, rows and depth are unchanged is kept, bit for bit; whether it is still
sound is decided as for any rerun (its record against its expected hash, then
:func:`~pipeline.store.verify_store`), so only new or stale units run.

What cannot be extended is refused with :class:`~pipeline.errors.StoreMismatchError` naming
every difference: another chunk size, grid, energy budget or dtype; fewer signals, banks or
layers than the store holds; any stored bank or signal coordinate changed (a bank parameter, a
seed, a group's parameters, rows inserted before the store's last row); and signal rows whose
content changed (a file rewritten: ``units/rows_digest`` holds a digest of each chunk's rows).

**How.** The grown store is written as a new store would be: the whole schema of the new sweep
in a hidden sibling directory (phase 1 of :mod:`pipeline.store.schema`), then every kept unit's
chunk files and records are hard-linked into it (no data is copied or rewritten), then it
replaces the old directory by a rename. A crash before the rename leaves the old store as it
was. The store keeps its ``store_id`` and ``created`` time and appends one entry to its
``provenance`` attribute; the ``fits`` group is not carried (fit again after a growth). The
caller holds the store's lock (:mod:`pipeline.store.lock`).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr
import zarr

from ..errors import StoreMismatchError
from .coordinates import coordinate_differences
from .layout import (
    DIGEST_PATH,
    LAYER_VARIABLES,
    MODE_VARIABLES,
    RECORD_PATH,
    ROWS_DIGEST_PATH,
    SIGNAL_VARIABLES,
    SPECTRUM_VARIABLE,
    Layout,
    Schema,
    chunk_coords,
    read_layout,
)

#: Store attributes that a growing sweep must keep (with the chunk size and the radii).
FIXED_ATTRS = ("grid_shape", "energy_budget", "dtype")


@dataclass(frozen=True)
class Growth:
    """A store's layout before and after growing, and what the growth adds."""

    old: Layout
    new: Layout

    @property
    def kept_chunks(self) -> int:
        """Signal chunks whose rows are the same in both layouts (the units kept): none if the
        sweep deepens; else every old chunk but a short last one that new rows fill."""
        if self.new.depth != self.old.depth:
            return 0
        last_start, last_stop = self.old.signal_range(self.old.n_chunks - 1)
        same_last = self.new.signal_range(self.old.n_chunks - 1) == (last_start, last_stop)
        return self.old.n_chunks if same_last else self.old.n_chunks - 1

    def added(self) -> dict[str, list[int]]:
        """The ranges ``[start, stop)`` this growth adds along ``signal``, ``bank``, ``layer``."""
        return {
            "signals": [self.old.n_signals, self.new.n_signals],
            "banks": [self.old.n_banks, self.new.n_banks],
            "layers": [self.old.depth + 1, self.new.depth + 1],
        }


def plan_growth(
    path: Path,
    stored: xr.Dataset,
    asked: Schema,
    rows_digest: Callable[[int, int], int] | None,
    recovery: str,
) -> Growth:
    """How the store at ``path`` (opened as ``stored``) grows into the asked schema; raises
    :class:`StoreMismatchError` naming every difference if it cannot (module docstring).

    ``rows_digest(start, stop)`` is the digest of the asked rows ``[start, stop)``, compared
    for each chunk of the store, as the store holds it (its last chunk may be short), with
    ``units/rows_digest``. None: contents are not compared.
    """
    old, layout, attrs = read_layout(path), asked.layout, asked.attrs
    differences = [
        f"{name}={getattr(old, name)} (asked {getattr(layout, name)})"
        for name in ("chunk", "n_radii")
        if getattr(old, name) != getattr(layout, name)
    ]
    differences += [
        f"{name}={stored.attrs.get(name)!r} (asked {attrs.get(name)!r})"
        for name in FIXED_ATTRS
        if _plain(stored.attrs.get(name)) != _plain(attrs.get(name))
    ]
    shrinks = [
        f"{name}={getattr(old, name)} (asked {getattr(layout, name)}): a store never shrinks"
        for name in ("n_signals", "n_banks", "depth")
        if getattr(layout, name) < getattr(old, name)
    ]
    differences += shrinks
    if not shrinks:
        banks, stored_banks = asked.banks, stored
        if layout.depth != old.depth:
            # a bank's depth follows the sweep's unless the config sets it (then its bank_hash,
            # compared here, changes too): deepening the sweep changes depth_per_bank by design
            banks = {name: v for name, v in banks.items() if name != "depth_per_bank"}
            stored_banks = stored.drop_vars("depth_per_bank", errors="ignore")
        differences += coordinate_differences(stored_banks, "bank", banks, prefix=True)
        differences += coordinate_differences(stored, "signal", asked.signals, prefix=True)
    if not differences:
        differences += _content_differences(path, old, rows_digest)
    if differences:
        raise StoreMismatchError(
            f"store {path} cannot grow into this sweep: {'; '.join(differences)}: {recovery}"
        )
    return Growth(old=old, new=layout)


def _content_differences(
    path: Path, old: Layout, rows_digest: Callable[[int, int], int] | None
) -> list[str]:
    """Chunks whose rows' content changed, from the stored and asked rows digests."""
    try:
        stored = np.asarray(zarr.open_array(store=os.fspath(path), path=ROWS_DIGEST_PATH)[...])
    except Exception:
        return ["no units/rows_digest (a store made before stores could grow)"]
    if rows_digest is None:
        return []
    asked = np.array([rows_digest(*old.signal_range(c)) for c in range(old.n_chunks)])
    kept = stored[: old.n_chunks]
    changed = np.flatnonzero((kept != 0) & (kept != asked))  # 0: not recorded
    if changed.size == 0:
        return []
    start, stop = old.signal_range(int(changed[0]))
    return [
        f"the content of {changed.size} stored chunk(s) of signals changed, first rows "
        f"{start}..{stop - 1} (a signal file rewritten?)"
    ]


def _plain(value: Any) -> Any:
    """Attribute values compared as JSON reads them (tuples as lists, numbers as floats)."""
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, bool | str) or value is None:
        return value
    return float(value)


def carry_units(source: Path, target: Path, growth: Growth) -> int:
    """Hard-link the chunk files and records of every kept unit of ``source`` into the freshly
    made schema at ``target`` (same chunk keys: kept units keep their bank and chunk index).

    Returns the number of units carried (records included, whatever their hash: planning
    decides which are sound). A file system without hard links gets copies.
    """
    chunks = growth.kept_chunks
    if chunks == 0:
        return 0
    root = zarr.open_group(os.fspath(source), mode="r", use_consolidated=False)
    keys: list[str] = []
    for name in (*LAYER_VARIABLES, *SIGNAL_VARIABLES, SPECTRUM_VARIABLE, *MODE_VARIABLES):
        if name not in root:
            continue
        array = root[name]
        layered = name in LAYER_VARIABLES or name in MODE_VARIABLES
        banks = range(growth.old.n_banks) if layered else (None,)
        for bank in banks:
            for chunk in range(chunks):
                coords = chunk_coords(name, chunk, bank)
                keys.append(f"{name}/{array.metadata.encode_chunk_key(coords)}")
    records = root[RECORD_PATH]
    for path in (RECORD_PATH, DIGEST_PATH):
        for bank in range(growth.old.n_banks):
            for chunk in range(chunks):
                keys.append(f"{path}/{records.metadata.encode_chunk_key((bank, chunk))}")
    for key in keys:
        origin = source / key
        if not origin.is_file():  # a unit not written (or a chunk lost): nothing to carry
            continue
        destination = target / key
        destination.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(origin, destination)
        except OSError:
            shutil.copyfile(origin, destination)
    return growth.old.n_banks * chunks
