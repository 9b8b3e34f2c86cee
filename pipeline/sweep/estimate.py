r"""What a sweep will cost, before it runs: compute time and memory from a dry run of a few paths.

The method (also in the README, beside ``run``):

1. **Probe.** For each family of the sweep, its bank with the most filters (the most paths per
   layer) runs the cascade (:func:`pipeline.cascade.propagate`, the sweep's budget and dtype) on
   :data:`PROBE_SIGNALS` rows of the sweep (its first and its last row, which usually belong to
   different groups), first to depth 1, then one layer deeper at a time up to
   :data:`PROBE_MIN_DEPTH`, and beyond while the probe's own predicted time stays under
   :data:`PROBE_SECONDS`, never past the bank's depth (banks with their own depth or budget,
   ``banks[i].depth`` and ``banks[i].energy_budget``, are probed apart, with them). The
   probe measures its seconds :math:`t` and its live paths per layer :math:`P_n` (mean over the
   probe rows, mirror images counted, as the store's ``paths``).
2. **Cost per path.** Layer :math:`n` of the cascade filters each of its :math:`P_n` live paths
   with every filter: one forward FFT and :math:`K` inverse FFTs of :math:`N` samples, so its
   cost is :math:`c\,P_n` with :math:`c \propto K N\log N` for that bank
   (docs/theory.md §2 for :math:`P_n`, the paths of layer :math:`n`). The probe gives
   :math:`c = t / \sum_{n<d_p} P_n` on the sweep's own grid, so :math:`K N\log N` is in
   :math:`c` and needs no model of its own.
3. **Deeper layers.** The probe's last layer is never pruned (its paths only have their energy
   taken), so the growths :math:`g_k = P_k/P_{k-1}` of its pruned layers :math:`k < d_p` are
   continued: :math:`g_{k+1} = g_k\,(g_k/g_{k-1})` while growth slows (pruning takes hold as the
   energy leaves the paths), else :math:`g_k`, never more than :math:`K` (no pruning at all).
   A probe prunes a little harder than the sweep (its budget is spread over fewer layers), so
   its first layers err low, the continuation either way (``tests/test_estimate.py``).
4. **Totals.** Compute time on one core: :math:`\sum_{\text{units}} \text{rows} \cdot
   c_f \sum_{n<\text{depth}} P_n(f)` over the units still to run, :math:`f` the unit's family,
   plus :data:`UNIT_OVERHEAD_SECONDS` per unit (signals, spectra, the region write); the wall
   time on :math:`T` threads is that over :math:`T` (start-up of Prefect and Dask not included).
   Memory of one unit: the probe's peak allocation, scaled by ``depth / d_p`` (the depth-first
   walk keeps a block of paths per layer), plus the unit's signals and outputs.

Measured on the quickstart and the test sweeps, the compute-time estimate lies within a factor
of :data:`STATED_FACTOR` of the measured compute time (``tests/test_estimate.py``).
"""

from __future__ import annotations

import math
import time
import tracemalloc
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from pipeline.cascade import propagate
from pipeline.errors import ConfigError

from .banks import bank_budget, bank_depth
from .spec import SweepConfig
from .unit import bank_for
from .units import WorkUnit

__all__ = [
    "PROBE_MIN_DEPTH",
    "PROBE_SECONDS",
    "PROBE_SIGNALS",
    "STATED_FACTOR",
    "CostEstimate",
    "FamilyProbe",
    "check_cost",
    "estimate_cost",
]

#: Rows of the sweep each probe propagates (its first and last).
PROBE_SIGNALS = 2

#: Seconds one family's probe may take (predicted before each deeper step).
PROBE_SECONDS = 1.0

#: Layers every probe reaches (or the sweep's depth, if less), whatever it costs: the first
#: layers keep every path (growth = filters), so a growth measured there says nothing of pruning.
PROBE_MIN_DEPTH = 3

#: Per unit, beyond the cascade: making its signals and spectra, writing its region, digest and
#: record (measured 0.1-0.5 s per unit of 4 signals x 512 samples on 2 shared cores).
UNIT_OVERHEAD_SECONDS = 0.2

#: The factor the compute-time estimate is tested to be within of the measured time.
STATED_FACTOR = 4.0


@dataclass(frozen=True)
class FamilyProbe:
    """A family's probe: its bank, the probed depth, paths per layer ``0..depth`` (measured to
    ``probed_depth``, extrapolated beyond), seconds per path-layer, peak bytes of one layer."""

    family: str
    bank: int
    filters: int
    probed_depth: int
    paths: tuple[float, ...]
    seconds_per_path: float
    peak_bytes: int

    def seconds_per_signal(self, depth: int) -> float:
        """:math:`c \\sum_{n<\\text{depth}} P_n`: one signal through the whole cascade."""
        return self.seconds_per_path * float(sum(self.paths[:depth]))


@dataclass(frozen=True)
class CostEstimate:
    """The cost of the units still to run (:func:`estimate_cost`)."""

    units: int
    cpu_seconds: float
    threads: int | None
    unit_seconds: tuple[float, ...]  # each unit's predicted compute time, in the order given
    unit_memory_bytes: int
    probes: tuple[FamilyProbe, ...]
    probe_seconds: float

    @property
    def wall_seconds(self) -> float | None:
        """Compute time over the threads (None when the cluster's size is not known here)."""
        return self.cpu_seconds / self.threads if self.threads else None

    def line(self) -> str:
        """One line: wall time, CPU time, memory per unit, and how it was estimated."""
        wall = (
            f"~{_duration(self.wall_seconds)} on {self.threads} thread(s), "
            if self.wall_seconds is not None
            else ""
        )
        return (
            f"estimate for {self.units} unit(s): {wall}{_duration(self.cpu_seconds)} of "
            f"compute, ~{_size(self.unit_memory_bytes)} per unit (dry run of "
            f"{PROBE_SIGNALS} signals per family to depth "
            f"{', '.join(f'{p.family} {p.probed_depth}' for p in self.probes)}, "
            f"{self.probe_seconds:.1f} s)"
        )


def estimate_cost(
    config: SweepConfig, units: Iterable[WorkUnit] | None = None, threads: int | None = None
) -> CostEstimate:
    """Estimate the compute time and memory of ``units`` of ``config`` (default: all), by the
    method of the module docstring. ``threads``: the cluster's threads, for the wall time.

    Examples
    --------
    >>> config = SweepConfig.from_mapping({"name": "e", "length": 256, "depth": 3,
    ...     "energy_budget": 1e-6, "chunk": 2, "store": "/tmp/e.zarr",
    ...     "signals": [{"kind": "white_noise", "count": 4, "seed": 0}],
    ...     "banks": [{"family": "meyer"}]})
    >>> cost = estimate_cost(config, threads=2)
    >>> cost.units, cost.probes[0].family, cost.probes[0].probed_depth
    (2, 'meyer', 3)
    >>> 0 < cost.wall_seconds < cost.cpu_seconds
    True
    """
    started = time.perf_counter()
    pending = list(config.work_units() if units is None else units)
    table = config.bank_table()
    rows = _probe_rows(config)
    # one probe per family and (depth, budget): a bank's own depth and budget (banks[i].depth,
    # banks[i].energy_budget) change its paths per layer, e.g. an exact bank keeps them all
    settings = [
        (e.family, bank_depth(e, config.depth), bank_budget(e, config.energy_budget)) for e in table
    ]
    largest: dict[tuple[str, int, float], int] = {}
    for index, key in enumerate(settings):
        if key not in largest or (
            bank_for(config, index).n_filters > bank_for(config, largest[key]).n_filters
        ):
            largest[key] = index
    probes = {key: _probe(config, key, index, rows) for key, index in largest.items()}
    unit_seconds = tuple(
        (unit.stop - unit.start)
        * probes[settings[unit.bank]].seconds_per_signal(settings[unit.bank][1])
        + UNIT_OVERHEAD_SECONDS
        for unit in pending
    )
    samples = math.prod(config.shape)
    memory = max(probe.peak_bytes * key[1] for key, probe in probes.items())
    # the unit's signals (float64), their spectra (complex128) and outputs, beside the walk
    memory += config.chunk * samples * (8 + 16) + config.chunk * (config.depth + 1) * 4 * 8
    return CostEstimate(
        units=len(pending),
        cpu_seconds=sum(unit_seconds),
        threads=threads,
        unit_seconds=unit_seconds,
        unit_memory_bytes=memory,
        probes=tuple(probes.values()),
        probe_seconds=time.perf_counter() - started,
    )


def check_cost(estimate: CostEstimate, max_hours: float, max_memory_bytes: int) -> None:
    """Refuse, in one line, an estimate above ``max_hours`` of wall time (of compute time when
    the threads are unknown) or ``max_memory_bytes`` per unit."""
    hours = (estimate.wall_seconds or estimate.cpu_seconds) / 3600
    if hours > max_hours:
        raise ConfigError(
            f"estimated cost {estimate.line()} is above the limit of {max_hours:g} h "
            "(ENERGY_SWEEP_MAX_HOURS): pass --yes to run it anyway, or lower depth, raise "
            "energy_budget or split the sweep",
            field="estimate",
        )
    if estimate.unit_memory_bytes > max_memory_bytes:
        raise ConfigError(
            f"estimated cost {estimate.line()} is above the limit of {_size(max_memory_bytes)} "
            "per unit (ENERGY_SWEEP_MAX_MEMORY): pass --yes to run it anyway, or lower chunk or "
            "depth",
            field="estimate",
        )


def _probe_rows(config: SweepConfig) -> np.ndarray:
    """The sweep's first and last rows (fewer if it has fewer), as one array."""
    last = config.n_signals - 1
    picks = sorted({0, last})[:PROBE_SIGNALS]
    return np.concatenate([config.load_signals(i, i + 1).values for i in picks])


def _probe(
    config: SweepConfig, key: tuple[str, int, float], index: int, rows: np.ndarray
) -> FamilyProbe:
    """Run bank ``index`` (``key``: its family, depth and budget) on ``rows`` one layer deeper
    at a time while the predicted probe time stays under :data:`PROBE_SECONDS`; measure paths
    per layer, seconds per path, peak memory."""
    family, bank_depth_, budget = key
    bank = bank_for(config, index)
    dtype = np.dtype(config.dtype)
    tracemalloc.start()  # one layer's working set, apart from the timed runs
    propagate(rows, bank, 1, energy_budget=budget, dtype=dtype)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    depth = 1
    while True:
        began = time.perf_counter()
        result = propagate(rows, bank, depth, energy_budget=budget, dtype=dtype)
        seconds = time.perf_counter() - began
        paths = result.paths.values.astype(float).mean(axis=0)  # (layer,), mean over rows
        per_path = seconds / max(len(rows) * float(paths[:depth].sum()), 1.0)
        # one layer deeper costs this run again plus the P_depth paths of the new layer
        predicted = seconds + per_path * len(rows) * float(paths[depth])
        if depth >= bank_depth_ or (depth >= PROBE_MIN_DEPTH and predicted > PROBE_SECONDS):
            break
        depth += 1
    return FamilyProbe(
        family=family,
        bank=index,
        filters=bank.n_filters,
        probed_depth=depth,
        paths=tuple(_extrapolate(paths[:depth], bank_depth_, bank.n_filters)),
        seconds_per_path=per_path,
        peak_bytes=int(peak),
    )


def _extrapolate(pruned: Sequence[float], depth: int, filters: int) -> list[float]:
    r"""Live paths of layers ``0..depth`` from those measured on the pruned layers ``0..d-1``
    (the probe's last layer is never pruned: its paths only have their energies taken).

    With growths :math:`g_k = P_k / P_{k-1}`, the next growth is the last one times the last
    change of growth, :math:`g_{k+1} = g_k \, (g_k / g_{k-1})` when growth slows (pruning
    takes hold as the energy leaves the paths), else :math:`g_k`; never above ``filters``.
    The last layer, ``depth``, is unpruned: :math:`P_{depth} = K P_{depth-1}`.

    Examples
    --------
    >>> [round(p) for p in _extrapolate([1.0, 14.0, 152.0], 5, 14)]  # meyer, measured to 2
    [1, 14, 152, 1280, 8357, 116994]
    >>> _extrapolate([1.0, 12.0, 144.0], 4, 12)  # no slowing: 12 per layer
    [1.0, 12.0, 144.0, 1728.0, 20736.0]
    """
    out = [float(p) for p in pruned[:depth]]
    growth = [out[k] / out[k - 1] if out[k - 1] > 0 else 0.0 for k in range(1, len(out))]
    while len(out) < depth:
        if not growth:
            step = float(filters)
        elif len(growth) >= 2 and 0 < growth[-1] < growth[-2]:
            step = growth[-1] * growth[-1] / growth[-2]
        else:
            step = growth[-1]
        step = min(step, float(filters))
        growth.append(step)
        out.append(out[-1] * step)
    out.append(out[-1] * filters)
    return out


def _duration(seconds: float) -> str:
    """``42 s``, ``3.5 min``, ``2.1 h``."""
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def _size(size: float) -> str:
    """``12 MB``, ``3.4 GB`` (decimal units)."""
    return f"{size / 1e9:.1f} GB" if size >= 1e9 else f"{size / 1e6:.0f} MB"
