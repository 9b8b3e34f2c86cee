"""Plans and windows kept per read-only bank between calls (pipeline/cascade/plan_cache.py)."""

from __future__ import annotations

import numpy as np

from pipeline.cascade import propagate
from pipeline.cascade.plan_cache import bank_plan, bank_windows, is_frozen
from pipeline.filters import FilterBank, make_bank


def _writable_copy(bank: FilterBank) -> FilterBank:
    """The same bank with writable arrays (the constructor keeps the arrays it is given)."""
    return FilterBank(bank.lowpass.copy(), bank.filters.copy(), bank.family, bank.params)


def test_banks_from_arrays_are_read_only_copies() -> None:
    lowpass, filters = np.ones(8), np.ones((2, 8))
    bank = FilterBank.from_arrays(lowpass, filters, normalise=False)
    assert is_frozen(bank) and is_frozen(make_bank("meyer", 64))
    assert lowpass.flags.writeable and filters.flags.writeable  # the caller's arrays: untouched


def test_read_only_banks_keep_their_plans_and_writable_ones_do_not() -> None:
    frozen = make_bank("morlet", 128, octaves=3)
    writable = _writable_copy(frozen)
    assert is_frozen(frozen) and not is_frozen(writable)
    kept = bank_plan(frozen, half=True, dtype=np.dtype(np.float64))
    assert bank_plan(frozen, half=True, dtype=np.dtype(np.float64)) is kept
    assert bank_plan(frozen, half=True, dtype=np.dtype(np.float32)) is not kept
    first = bank_plan(writable, half=True, dtype=np.dtype(np.float64))
    assert bank_plan(writable, half=True, dtype=np.dtype(np.float64)) is not first
    windows = bank_windows(frozen, kept, dtype=np.dtype(np.float64), oversampling=2)
    assert bank_windows(frozen, kept, dtype=np.dtype(np.float64), oversampling=2) is windows
    assert bank_windows(frozen, kept, dtype=np.dtype(np.float64), oversampling=3) is not windows


def test_kept_plans_give_the_same_numbers() -> None:
    frozen = make_bank("morlet", 128, octaves=3)
    writable = _writable_copy(frozen)
    x = np.random.default_rng(0).standard_normal((3, 128))
    for settings in ({}, {"sampling": "critical"}, {"path_rule": "frequency_decreasing"}):
        expected = propagate(x, writable, 3, **settings)
        for _ in range(2):  # the second call reads the kept plans and filled filter tables
            got = propagate(x, frozen, 3, **settings)
            for name in ("propagated_energy", "feature_energy", "sampling_error", "paths"):
                np.testing.assert_array_equal(got[name], expected[name])
