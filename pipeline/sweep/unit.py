"""One work unit of a sweep: build (or reuse) its bank, make its signals, propagate, write.

Pure pipeline code: a Dask worker runs :func:`compute_unit` without Prefect. Everything it
needs travels as small values (the config's YAML text, the store path, the unit), and the unit is
idempotent: running it twice writes the same bytes to the same region. While the signals are in
memory it also computes what aggregation will need from them (their radial power spectra,
:func:`pipeline.spectra.radial_power`), so that nothing downstream regenerates a signal.
"""

from __future__ import annotations

import functools
import time
from typing import Any

import numpy as np
import xarray as xr

from pipeline.cascade import DROPPED_ENERGY, SLACK_BOUND, propagate
from pipeline.filters import FilterBank, make_bank
from pipeline.spectra import radial_power
from pipeline.store import write_unit

from .attrs import RADIAL_POWER_ATTRS
from .banks import bank_budget, bank_depth, bank_modes
from .spec import SweepConfig
from .units import WorkUnit

__all__ = ["bank_for", "compute_unit", "unit_result"]


@functools.lru_cache(maxsize=8)
def _config_from_text(text: str) -> SweepConfig:
    return SweepConfig.from_yaml(text, source="<unit config>")


@functools.lru_cache(maxsize=64)
def _bank(
    family: str, shape: tuple[int, ...], frozen_params: tuple[tuple[str, Any], ...]
) -> FilterBank:
    """Bank cache, one per worker process: a bank is built once and reused by every unit."""
    return make_bank(family, shape, **dict(frozen_params))


def bank_for(config: SweepConfig, index: int) -> FilterBank:
    """The (cached) filter bank of bank entry ``index`` on the sweep's grid."""
    entry = config.bank_table()[index]
    return _bank(entry.family, tuple(config.shape), tuple(sorted(entry.params.items())))


def unit_result(config: SweepConfig, unit: WorkUnit) -> xr.Dataset:
    """The unit's Dataset as the store takes it: the cascade's energies of rows
    ``[unit.start, unit.stop)`` through bank ``unit.bank``, and each signal's ``radial_power``
    over ``frequency_radius``."""
    signals = config.load_signals(unit.start, unit.stop)
    entry = config.bank_table()[unit.bank]
    depth = bank_depth(entry, config.depth)
    result = propagate(
        signals,
        bank_for(config, unit.bank),
        depth,
        energy_budget=bank_budget(entry, config.energy_budget),
        dtype=np.dtype(config.dtype),
        **bank_modes(entry, config.plan.spec_modes()),
    )
    if SLACK_BOUND not in result:  # slack = energy: the energy slack is the bound
        result[SLACK_BOUND] = result.pruned_slack
        result[DROPPED_ENERGY] = xr.zeros_like(result.pruned_slack)
    if depth < config.depth:  # a bank's own depth: the deeper layers are not computed (NaN)
        result = result.reindex(layer=np.arange(config.depth + 1), fill_value=np.nan)
        result["paths"] = result.paths.fillna(0).astype(np.int64)
    radii, power = radial_power(signals.values)
    return result.assign(
        radial_power=xr.Variable(("signal", "frequency_radius"), power, RADIAL_POWER_ATTRS)
    ).assign_coords(frequency_radius=radii)


def compute_unit(
    config_text: str, store: str, unit: WorkUnit, unit_hash: int, store_id: str | None = None
) -> dict[str, Any]:
    """Compute one (bank, signal chunk) unit and write it into its own region of the store.

    The completion record is written by :func:`pipeline.store.write_unit` only after the data,
    and only into the store the unit was planned for: the one whose ``computation_hash`` is the
    config's and, if ``store_id`` is given, whose ``store_id`` attribute is that one.
    Returns small statistics: the unit, seconds spent computing and writing, live paths.
    """
    started = time.perf_counter()
    config = _config_from_text(config_text)
    result = unit_result(config, unit)
    computed = time.perf_counter()
    write_unit(
        store,
        bank=unit.bank,
        chunk_index=unit.chunk,
        start=unit.start,
        stop=unit.stop,
        result=result,
        unit_hash=unit_hash,
        computation_hash=config.computation_hash(),
        store_id=store_id,
    )
    return {
        "bank": unit.bank,
        "chunk": unit.chunk,
        "compute_seconds": computed - started,
        "write_seconds": time.perf_counter() - computed,
        "paths": int(result.paths.sum()),
    }
