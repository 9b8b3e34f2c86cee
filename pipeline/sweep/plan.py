"""The resolved sweep: a spec plus what its files and registries say, laid out for the units.

:func:`resolve` is the explicit step between the pure spec (:class:`SweepConfig`) and the work:
it inspects each signal group's source (file shapes and row counts, record lengths, parameter
values) and builds every expanded bank. The :class:`SweepPlan` it returns is immutable (a cache
of file digests aside) and answers every question the flows, the units and the store ask.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import xarray as xr

from pipeline.errors import ConfigError, InvalidParameterError
from pipeline.signals import assemble
from pipeline.validation import check_integer

from . import identity
from .banks import MODE_DEFAULTS, BankEntry, bank_coords, expand_banks
from .limits import MAX_SIGNALS, check_units
from .sources import SignalSource, resolve_source
from .spec import SweepConfig
from .units import WorkUnit, signal_chunks, work_units

__all__ = ["SweepPlan", "resolve"]


@dataclass(frozen=True, eq=False)
class SweepPlan:
    """A resolved sweep (:func:`resolve`).

    Attributes
    ----------
    spec
        The validated spec.
    sources
        One :class:`~pipeline.sweep.sources.SignalSource` per signal group, in order.
    banks
        Every expanded bank, in order: the store's ``bank`` axis.
    coord_names
        The coordinates of the ``signal`` axis, in order.
    file_digests
        Cache of the digests of file rows (filled by the hashes).
    """

    spec: SweepConfig
    sources: tuple[SignalSource, ...]
    banks: tuple[BankEntry, ...]
    coord_names: tuple[str, ...]
    file_digests: dict[tuple[int, int, int], str] = field(default_factory=dict, repr=False)

    # ----------------------------------------------------------------------------------------
    # axes

    @property
    def n_signals(self) -> int:
        """Total rows on the concatenated signal axis."""
        return sum(source.count for source in self.sources)

    def bank_table(self) -> list[BankEntry]:
        """Every concrete bank of the sweep, in order (copies: editing them leaves the plan).

        Each entry of ``banks:`` expands to the product of its listed values, parameter names
        sorted, the last varying fastest; ``params`` holds every parameter of the family with
        defaults resolved for the grid (``FilterBank.params``).
        """
        return [e._replace(params=dict(e.params)) for e in self.banks]

    def bank_coords(self) -> dict[str, np.ndarray]:
        """Coordinates of the ``bank`` axis (:func:`pipeline.sweep.banks.bank_coords`)."""
        return bank_coords(self.banks, self.spec.depth, self.spec.energy_budget, self.spec_modes())

    def spec_modes(self) -> dict[str, Any]:
        """The sweep's ``path_rule``, ``sampling`` and ``oversampling``."""
        return {name: getattr(self.spec, name) for name in MODE_DEFAULTS}

    def signal_chunks(self) -> list[tuple[int, int]]:
        """``[start, stop)`` of each chunk of ``chunk`` rows along the signal axis."""
        return signal_chunks(self.n_signals, self.spec.chunk)

    def work_units(self) -> list[WorkUnit]:
        """Every (bank, chunk) pair, bank-major: ``len(bank_table()) * len(signal_chunks())``."""
        return work_units(len(self.banks), self.n_signals, self.spec.chunk, self.spec.shape)

    # ----------------------------------------------------------------------------------------
    # signals

    def load_signals(self, start: int, stop: int) -> xr.DataArray:
        """Rows ``[start, stop)`` of the concatenated signal axis, generated or read on the spot.

        Returns
        -------
        xarray.DataArray
            float64, dims ``("signal", "time")`` (``("signal", "y", "x")`` for 2-D), shape
            ``(stop - start, *shape)``; coordinate ``signal`` = the global row indices, and
            every coordinate of :meth:`signal_coords` (NaN where a row's class lacks a
            parameter), so that every range carries the same coordinates.

        Raises
        ------
        InvalidParameterError
            If the range is empty or outside ``[0, n_signals)``.

        Notes
        -----
        Every row comes from its own stream or file row, so a range is bit-for-bit the same
        rows as a full load, on any worker.
        """
        start, stop = self._check_range(start, stop)
        shape = self.spec.shape
        values = np.empty((stop - start, *shape), dtype=np.float64)
        columns: dict[str, list[np.ndarray]] = {name: [] for name in self.coord_names}
        for source, first, last in self.segments(start, stop):
            at = source.offset + first - start
            rows, coords = source.rows(shape, first, last)
            values[at : at + last - first] = rows
            _append(columns, coords, last - first)
        coords = {"signal": np.arange(start, stop, dtype=np.int64), **_joined(columns)}
        kinds = {source.group.kind for source, _, _ in self.segments(start, stop)}
        return assemble(
            values,
            coords,
            long_name="input signal",
            description=f"rows {start}..{stop - 1} of the sweep's signals ({', '.join(sorted(kinds))})",
        )

    def signal_coords(self) -> dict[str, np.ndarray]:
        """Every coordinate of the ``signal`` axis over all ``n_signals`` rows.

        Returns
        -------
        dict of str to numpy.ndarray
            ``signal`` (int64 row index), ``dataset`` and ``signal_class`` (str), ``seed``,
            ``seed_key``, ``seed_row`` (int64, ``-1`` for records and files), one float64
            coordinate per parameter of any group (NaN where absent), ``record_offset`` for
            records and ``file_row`` for files. Equal to the coordinates of
            :meth:`load_signals` over the same rows; no random row is generated.
        """
        columns: dict[str, list[np.ndarray]] = {name: [] for name in self.coord_names}
        for source in self.sources:
            _append(columns, source.coords(self.spec.shape, 0, source.count), source.count)
        return {"signal": np.arange(self.n_signals, dtype=np.int64), **_joined(columns)}

    def segments(self, start: int, stop: int) -> Iterator[tuple[SignalSource, int, int]]:
        """``(source, first, last)`` local row ranges of every group that meets ``[start, stop)``."""
        for source in self.sources:
            first = max(start, source.offset)
            last = min(stop, source.offset + source.count)
            if first < last:
                yield source, first - source.offset, last - source.offset

    def _check_range(self, start: int, stop: int) -> tuple[int, int]:
        total = self.n_signals
        start = check_integer("start", start)
        stop = check_integer("stop", stop)
        if not 0 <= start < total:
            raise InvalidParameterError("start", start, f"must lie in [0, {total})")
        if not start < stop <= total:
            raise InvalidParameterError("stop", stop, f"must lie in ({start}, {total}]")
        return start, stop

    # ----------------------------------------------------------------------------------------
    # identity

    def canonical_text(self) -> str:
        """The spec as YAML (:func:`pipeline.sweep.identity.canonical_text`)."""
        return identity.canonical_text(self)

    def computation_hash(self) -> str:
        """sha256 of the sweep's numbers (:func:`pipeline.sweep.identity.computation_hash`)."""
        return identity.computation_hash(self)

    def rows_digest(self, start: int, stop: int) -> int:
        """63-bit digest of rows ``[start, stop)`` (:func:`pipeline.sweep.identity.rows_digest`)."""
        start, stop = self._check_range(start, stop)
        return identity.rows_digest(self, start, stop)

    def unit_hash(self, unit: WorkUnit) -> int:
        """63-bit hash of one unit's numbers (:func:`pipeline.sweep.identity.unit_hash`).

        Raises
        ------
        InvalidParameterError
            For a bank index, row range or grid that is not the sweep's.
        """
        if tuple(unit.shape) != self.spec.shape:
            raise InvalidParameterError(
                "unit.shape", unit.shape, f"must be the sweep's shape {self.spec.shape}"
            )
        if not 0 <= unit.bank < len(self.banks):
            raise InvalidParameterError(
                "unit.bank", unit.bank, f"must lie in [0, {len(self.banks)})"
            )
        self._check_range(unit.start, unit.stop)
        return identity.unit_hash(self, unit)


def resolve(spec: SweepConfig) -> SweepPlan:
    """Resolve a validated spec: inspect every signal source and build every bank.

    Parameters
    ----------
    spec
        A :class:`SweepConfig` (validated, so its names are known to the registries).

    Returns
    -------
    SweepPlan

    Raises
    ------
    ConfigError
        One line naming the field at fault: a file that is missing or does not match the grid,
        a record too short, a parameter value a kind or family refuses, a bank that does not
        cover the grid, a duplicate bank.
    """
    sources: list[SignalSource] = []
    names: dict[str, None] = {}
    offset = 0
    for index, group in enumerate(spec.signals):
        source = resolve_source(index, group, spec.shape, offset)
        sources.append(source)
        names.update(dict.fromkeys(source.coord_names))
        offset += source.count
    if offset > MAX_SIGNALS:  # file groups without count: their rows are known only now
        raise ConfigError.for_field(
            "signals", f"{offset} rows", f"the sweep may hold at most {MAX_SIGNALS} signals in all"
        )
    banks = expand_banks(spec.banks, spec.shape)
    check_units(len(banks), offset, spec.chunk)
    plan = SweepPlan(spec, tuple(sources), tuple(banks), tuple(names))
    for source in sources:  # file rows were read once to check them: keep their digest
        if source.digest is not None:
            plan.file_digests[(source.index, 0, source.count)] = source.digest
    return plan


def _append(
    columns: dict[str, list[np.ndarray]], coords: dict[str, np.ndarray], count: int
) -> None:
    for name, column in columns.items():
        column.append(coords[name] if name in coords else np.full(count, np.nan))


def _joined(columns: dict[str, list[np.ndarray]]) -> dict[str, np.ndarray]:
    return {name: np.concatenate(parts) for name, parts in columns.items()}
