"""The cost estimate of a sweep (pipeline.sweep.estimate) against the measured cost of its units."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

from pipeline.errors import ConfigError
from pipeline.sweep import SweepConfig, compute_unit, create_sweep_store
from pipeline.sweep.estimate import STATED_FACTOR, check_cost, estimate_cost


def small_sweep(store: Path, depth: int = 5) -> SweepConfig:
    """Three families that decay at very different speeds (real_wavelet slowest), two groups."""
    return SweepConfig.from_mapping(
        {
            "name": "estimate",
            "length": 512,
            "depth": depth,
            "energy_budget": 1e-6,
            "chunk": 4,
            "store": str(store),
            "signals": [
                {"kind": "white_noise", "count": 4, "seed": 0},
                {"kind": "band_limited", "count": 4, "seed": 1, "params": {"bandwidth": 0.1}},
            ],
            "banks": [{"family": "meyer"}, {"family": "morlet"}, {"family": "real_wavelet"}],
        }
    )


@pytest.mark.slow
def test_the_estimate_is_within_the_stated_factor_of_the_measured_time(tmp_path: Path) -> None:
    config = small_sweep(tmp_path / "s.zarr")
    estimate = estimate_cost(config, threads=1)
    create_sweep_store(config)
    text = config.canonical_text()
    started = time.perf_counter()
    for unit in config.work_units():
        compute_unit(text, config.store, unit, config.unit_hash(unit))
    measured = time.perf_counter() - started
    ratio = estimate.cpu_seconds / measured
    print(f"estimated {estimate.cpu_seconds:.2f} s, measured {measured:.2f} s, ratio {ratio:.2f}")
    assert 1 / STATED_FACTOR <= ratio <= STATED_FACTOR, (estimate.line(), measured)
    assert estimate.units == len(config.work_units()) == len(estimate.unit_seconds)
    assert estimate.wall_seconds == pytest.approx(estimate.cpu_seconds)


def test_the_estimate_covers_only_the_units_asked_and_names_its_method(tmp_path: Path) -> None:
    config = small_sweep(tmp_path / "s.zarr", depth=3)
    units = config.work_units()[:2]
    estimate = estimate_cost(config, units, threads=2)
    assert estimate.units == 2 and len(estimate.unit_seconds) == 2
    assert estimate.wall_seconds == pytest.approx(estimate.cpu_seconds / 2)
    line = estimate.line()
    assert line.startswith("estimate for 2 unit(s): ~") and "dry run of 2 signals" in line
    assert "\n" not in line
    assert not (tmp_path / "s.zarr").exists()  # a dry run writes nothing


def test_a_cost_above_the_limits_is_refused_in_one_line(tmp_path: Path) -> None:
    estimate = estimate_cost(small_sweep(tmp_path / "s.zarr", depth=2), threads=1)
    check_cost(estimate, max_hours=1.0, max_memory_bytes=2**40)
    with pytest.raises(ConfigError, match=r"above the limit of 1e-06 h .* pass --yes") as hours:
        check_cost(estimate, max_hours=1e-6, max_memory_bytes=2**40)
    with pytest.raises(ConfigError, match=r"above the limit of 0 MB per unit .* --yes") as memory:
        check_cost(estimate, max_hours=1.0, max_memory_bytes=1)
    for caught in (hours, memory):
        assert "\n" not in str(caught.value)


def test_deep_layers_are_extrapolated_from_the_last_growth_and_err_high(tmp_path: Path) -> None:
    """A probe that stops early extrapolates paths by the last layer's growth (at most the
    number of filters), so a deep sweep is costed above a shallow one by that growth."""
    shallow = estimate_cost(small_sweep(tmp_path / "a.zarr", depth=3))
    deep = estimate_cost(small_sweep(tmp_path / "b.zarr", depth=12))
    assert deep.cpu_seconds > shallow.cpu_seconds
    for probe in deep.probes:
        assert len(probe.paths) == 13
        assert all(later >= 0 for later in probe.paths)
        assert probe.paths[-1] <= probe.paths[probe.probed_depth] * probe.filters ** (
            12 - probe.probed_depth
        )


def test_banks_with_their_own_depth_and_budget_are_probed_with_them(tmp_path: Path) -> None:
    """A bank's own depth and budget (banks[i].depth, .energy_budget) are what it runs with:
    its probe stops at its depth, keeps every path when exact, and its units cost that."""
    config = small_sweep(tmp_path / "s.zarr", depth=4)
    spec = config.model_dump(mode="json")
    spec["banks"] = [
        {"family": "meyer"},
        {"family": "meyer", "params": {"dilation": 1.5}, "depth": 2},
        {"family": "gabor", "energy_budget": 0.0},
        {"family": "gabor", "params": {"spacing": 0.0625}},
    ]
    estimate = estimate_cost(SweepConfig.from_mapping(spec), threads=1)
    probes = {(p.family, p.bank): p for p in estimate.probes}
    assert sorted(probes) == [("gabor", 2), ("gabor", 3), ("meyer", 0), ("meyer", 1)]
    assert probes["meyer", 1].probed_depth == 2 and len(probes["meyer", 1].paths) == 3
    assert probes["meyer", 0].probed_depth >= 3 and len(probes["meyer", 0].paths) == 5
    exact = probes["gabor", 2]  # exact: no pruning, every path of K^n kept
    assert exact.paths[: exact.probed_depth + 1] == tuple(
        float(exact.filters**n) for n in range(exact.probed_depth + 1)
    )
    chunks = len(config.signal_chunks())
    per_bank = np.reshape(estimate.unit_seconds, (4, chunks))
    assert per_bank[2].sum() > per_bank[3].sum()  # exact, fewer filters, still dearer
