"""One work unit of a sweep: build (or reuse) its bank, make its signals, propagate, write.

Pure pipeline code: a Dask worker runs :func:`compute_unit` without Prefect. Everything it
needs travels as small values (the config's YAML text, the store path, the unit), and the unit is
idempotent: running it twice writes the same bytes to the same region.
"""

from __future__ import annotations

import functools
import time
from typing import Any

import numpy as np

from .cascade import propagate
from .config import SweepConfig, WorkUnit
from .filters import FilterBank, make_bank
from .store import write_unit


@functools.lru_cache(maxsize=8)
def _config_from_text(text: str) -> SweepConfig:
    return SweepConfig.from_yaml(text, source="<unit config>")


@functools.lru_cache(maxsize=64)
def _bank(family: str, length: int, frozen_params: tuple[tuple[str, Any], ...]) -> FilterBank:
    """Bank cache, one per worker process: a bank is built once and reused by every unit."""
    return make_bank(family, length, **dict(frozen_params))


def bank_for(config: SweepConfig, index: int) -> FilterBank:
    """The (cached) filter bank of bank entry ``index``."""
    entry = config.bank_table()[index]
    return _bank(entry.family, config.length, tuple(sorted(entry.params.items())))


def compute_unit(config_text: str, store: str, unit: WorkUnit, unit_hash: int) -> dict[str, Any]:
    """Compute one (bank, signal chunk) unit and write it into its own region of the store.

    The completion record is written by :func:`pipeline.store.write_unit` only after the data.
    Returns small statistics: the unit, seconds spent computing and writing, live paths.
    """
    started = time.perf_counter()
    config = _config_from_text(config_text)
    bank = bank_for(config, unit.bank)
    signals = config.load_signals(unit.start, unit.stop)
    result = propagate(
        signals,
        bank,
        config.depth,
        energy_budget=config.energy_budget,
        dtype=np.dtype(config.dtype),
    )
    computed = time.perf_counter()
    write_unit(
        store,
        bank=unit.bank,
        chunk_index=unit.chunk,
        start=unit.start,
        stop=unit.stop,
        result=result,
        unit_hash=unit_hash,
    )
    return {
        "bank": unit.bank,
        "chunk": unit.chunk,
        "compute_seconds": computed - started,
        "write_seconds": time.perf_counter() - computed,
        "paths": int(result.paths.sum()),
    }
