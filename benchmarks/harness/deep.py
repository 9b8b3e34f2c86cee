"""Rows "deep": a deep cascade at a pruning budget, time and peak memory per signal.

Ours only (no peer): ``propagate(signals, bank, depth, energy_budget)`` on white noise of N
samples, bank ``gabor`` by default (its energy leaves the paths within a few layers, so a budget
of 1e-8 prunes the tree; ``meyer`` and ``morlet`` keep ~10^8 paths at depth 8 on N = 1024). At
depth 16 and at depth 2, each in a fresh child process (spawned): the best of ``repeats`` wall
times after one untimed call, then one run under ``tracemalloc`` for the peak of the memory it
allocates (numpy's buffers included), and the child's ``ru_maxrss`` (whole process: interpreter,
libraries, the run). Ratios: depth-16 / depth-2 time (target <= 20, issue 11) and peak traced
memory (memory bounded by blocks, not paths: a ratio near 1).
"""

from __future__ import annotations

import resource
import time
import tracemalloc
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

from .common import Row, Target

GROUP = "deep"
TIME_TARGET = Target(20.0, at_least=False)


def _measure(family: str, length: int, batch: int, depth: int, budget: float, repeats: int) -> dict:
    """In the child: best wall time, traced peak [bytes], ru_maxrss [KiB], paths at the end."""
    import numpy as np

    from pipeline.cascade import propagate
    from pipeline.filters import make_bank

    bank = make_bank(family, length)
    signals = np.random.default_rng(0).standard_normal((batch, length))
    propagate(signals, bank, depth, energy_budget=budget)  # first call: imports, caches
    times = []
    for _ in range(max(1, repeats)):
        start = time.perf_counter()
        result = propagate(signals, bank, depth, energy_budget=budget)
        times.append(time.perf_counter() - start)
    tracemalloc.start()
    propagate(signals, bank, depth, energy_budget=budget)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {
        "seconds": min(times),
        "traced_peak": peak,
        "maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        "paths": int(result.paths.isel(layer=-1).max()),
        # kept paths per layer, all signals (mirror multiplicity included): each kept path of
        # layers 1..depth-1 costs one inverse FFT, one modulus and one forward FFT
        "paths_per_layer": [int(v) for v in result.paths.sum("signal").values],
        "slack": float((result.pruned_slack.isel(layer=-1) / result.input_energy).max()),
    }


def _in_child(*args) -> dict:
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        return pool.submit(_measure, *args).result()


def _moduli(measured: dict) -> int:
    """Moduli a run computed: its kept paths of layers 1..depth-1 (the last layer's energies
    come from spectra)."""
    return sum(measured["paths_per_layer"][1:-1])


def rows(
    length: int, batch: int, depth: int, budget: float, repeats: int, family: str = "gabor"
) -> list[Row]:
    shallow = _in_child(family, length, batch, 2, budget, repeats)
    deep = _in_child(family, length, batch, depth, budget, repeats)
    mib = 2.0**20
    case = f"{family} N={length} batch={batch} budget {budget:g}"
    per_signal = (
        f"per signal: depth {depth} {deep['seconds'] / batch:.3g} s, "
        f"{deep['traced_peak'] / batch / mib:.3g} MiB traced; depth 2 "
        f"{shallow['seconds'] / batch:.3g} s, {shallow['traced_peak'] / batch / mib:.3g} MiB; "
        f"ru_maxrss {deep['maxrss_kib'] / 1024:.0f} / {shallow['maxrss_kib'] / 1024:.0f} MiB; "
        f"live paths at depth {depth}: {deep['paths']}, slack {deep['slack']:.2e} of ||f||^2; "
        f"kept paths per layer 0..{depth} (all signals): {deep['paths_per_layer']}; moduli "
        f"computed: depth {depth} {_moduli(deep)}, depth 2 {_moduli(shallow)}"
    )
    return [
        Row(
            GROUP,
            f"{case}: time depth {depth} / depth 2",
            deep["seconds"],
            shallow["seconds"],
            deep["seconds"] / shallow["seconds"],
            f"depth {depth} / depth 2",
            target=TIME_TARGET,
            note=per_signal,
            extra={"deep": deep, "shallow": shallow},
        ),
        Row(
            GROUP,
            f"{case}: peak memory depth {depth} / depth 2",
            deep["traced_peak"] / mib,
            shallow["traced_peak"] / mib,
            deep["traced_peak"] / shallow["traced_peak"],
            f"depth {depth} / depth 2",
            unit="MiB",
            note="tracemalloc peak of one propagate call (numpy buffers included)",
        ),
    ]
