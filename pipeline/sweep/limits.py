"""Size limits of a sweep, checked before anything runs: one line each, naming the field and how
to proceed (issue 12: a spec never allocates, builds or runs more than these allow).

Pure and cheap: only the spec's numbers are looked at (known counts, grid lengths); the counts of
file groups without ``count`` are checked again once their rows are known
(:mod:`pipeline.sweep.plan`).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from pipeline.errors import ConfigError

if TYPE_CHECKING:
    from .spec import SweepConfig

__all__ = [
    "MAX_BANKS",
    "MAX_BANK_SAMPLES",
    "MAX_CHUNK",
    "MAX_CHUNK_SAMPLES",
    "MAX_DEPTH",
    "MAX_EXACT_DEPTH",
    "MAX_SAMPLES",
    "MAX_SIGNALS",
    "MAX_UNITS",
    "check_limits",
    "check_units",
]

#: Most samples per signal by grid dimension: 2**20 in 1-D, 2**22 (2048 x 2048) in 2-D. A bank
#: at 2**20 samples already takes ~7 s and ~1.7 GB to build (validation builds every bank).
MAX_SAMPLES = {1: 2**20, 2: 2**22}

#: Most signals in a sweep (every coordinate of the signal axis is an array of this length).
MAX_SIGNALS = 10**7

#: Most banks once the grids are expanded (each is built at validation).
MAX_BANKS = 1024

#: Most ``banks x samples``: what building every bank at validation costs (16 banks at 2**20).
MAX_BANK_SAMPLES = 2**24

#: Deepest layer a sweep may ask for.
MAX_DEPTH = 64

#: Deepest layer of an exact sweep (``energy_budget: 0``): the cascade keeps every path, and
#: their number grows like ``(filters / 2) ** depth`` (docs/theory.md §2).
MAX_EXACT_DEPTH = 16

#: Most signals per work unit.
MAX_CHUNK = 2**16

#: Most ``chunk x samples`` of one unit: its input alone is then 128 MiB of float64.
MAX_CHUNK_SAMPLES = 2**24

#: Most work units (banks x chunks): each is one task of the flow.
MAX_UNITS = 2**20


def check_limits(spec: SweepConfig) -> None:
    """Refuse a spec above the size limits, in one line naming the field and how to proceed.

    Pure and cheap: only the spec's numbers (known counts, grid lengths) are looked at.
    """
    samples = math.prod(spec.shape)
    most = MAX_SAMPLES[len(spec.shape)]
    if samples > most:
        field = "length" if len(spec.shape) == 1 else "shape"
        value = spec.shape[0] if len(spec.shape) == 1 else list(spec.shape)
        raise ConfigError.for_field(
            field, value, f"a signal may hold at most {most} samples on a {len(spec.shape)}-D grid"
        )
    if spec.depth > MAX_DEPTH:
        raise ConfigError.for_field("depth", spec.depth, f"must be <= {MAX_DEPTH}")
    if spec.depth > MAX_EXACT_DEPTH and spec.energy_budget == 0:
        raise ConfigError.for_field(
            "depth",
            spec.depth,
            f"must be <= {MAX_EXACT_DEPTH} with energy_budget = 0: an exact cascade keeps every "
            "path, and paths grow like (filters/2)**depth; set energy_budget > 0 (e.g. 1e-6) to "
            "prune paths below that fraction of the energy, or lower depth",
        )
    if spec.chunk > MAX_CHUNK:
        raise ConfigError.for_field("chunk", spec.chunk, f"must be <= {MAX_CHUNK}")
    if spec.chunk * samples > MAX_CHUNK_SAMPLES:
        raise ConfigError.for_field(
            "chunk",
            spec.chunk,
            f"a unit of {spec.chunk} signals of {samples} samples is too large: chunk x samples "
            f"must be <= {MAX_CHUNK_SAMPLES} (128 MiB of input per unit); use chunk <= "
            f"{max(1, MAX_CHUNK_SAMPLES // samples)}",
        )
    total = 0
    for index, group in enumerate(spec.signals):
        total += 1 if group.count is None else group.count
        if total > MAX_SIGNALS:
            raise ConfigError.for_field(
                f"signals[{index}].count",
                group.count,
                f"the sweep may hold at most {MAX_SIGNALS} signals in all (this group brings "
                f"them to {total})",
            )
    banks = 0
    for index, grid in enumerate(spec.banks):
        banks += math.prod(len(v) if isinstance(v, list) else 1 for v in grid.params.values())
        if banks > MAX_BANKS:
            raise ConfigError.for_field(
                f"banks[{index}].params",
                grid.params,
                f"the grids may expand to at most {MAX_BANKS} banks in all (this one brings "
                f"them to {banks})",
            )
    if banks * samples > MAX_BANK_SAMPLES:
        raise ConfigError.for_field(
            "banks",
            f"{banks} banks",
            f"banks x samples must be <= {MAX_BANK_SAMPLES} (every bank is built to check it); "
            f"with {samples} samples use at most {max(1, MAX_BANK_SAMPLES // samples)} banks, "
            "or split the sweep",
        )
    check_units(banks, total, spec.chunk)


def check_units(banks: int, signals: int, chunk: int) -> None:
    """Refuse more than :data:`MAX_UNITS` work units (``banks x ceil(signals / chunk)``)."""
    units = banks * -(-signals // chunk)
    if units > MAX_UNITS:
        raise ConfigError.for_field(
            "chunk",
            chunk,
            f"{banks} banks x {signals} signals in chunks of {chunk} make {units} work units; "
            f"at most {MAX_UNITS} are allowed: use chunk >= "
            f"{-(-signals * banks // MAX_UNITS)} or fewer signals or banks",
        )
