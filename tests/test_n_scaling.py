"""Section (iv), what grows with N: the scan's numbers are the cascade's, and meyer's rates fall."""

from __future__ import annotations

import math

import numpy as np
import pytest

from pipeline.analysis.n_scaling import SCALING_BANKS, SCALING_KINDS, mean_rate_from, n_scaling
from pipeline.cascade import propagate
from pipeline.filters import make_bank
from pipeline.signals.registry import make_signals
from pipeline.theory import bank_facts

TWO_BAND = SCALING_BANKS[1]  # exact (budget 0): every layer resolved


def test_scan_rates_are_the_mean_log_ratios_of_the_cascade() -> None:
    scan = n_scaling(lengths=(256,), banks=(TWO_BAND,), count=3)
    for kind in SCALING_KINDS:
        signals = make_signals(kind.kind, count=3, length=256, seed=0, **kind.params(256))
        bank = make_bank(TWO_BAND.family, 256, **TWO_BAND.params(256))
        w = propagate(signals, bank, TWO_BAND.depth).propagated_energy.values
        expected = np.log(w[:, 1:-1] / w[:, 2:]).mean(axis=0)  # layers 1..depth-1
        got = scan.rate.sel(bank=TWO_BAND.label, kind=kind.label, length=256).values
        np.testing.assert_allclose(got[1:-1], expected, rtol=1e-12)
        assert np.isnan(got[0]) and np.isnan(got[-1])  # n = 0 is not a local rate; n = N has none
        rho = bank_facts(bank).band_ratio
        assert float(scan.derived_log_a.sel(bank=TWO_BAND.label, length=256)) == pytest.approx(
            math.log((rho + 1) / (rho - 1)), rel=1e-12
        )


@pytest.mark.slow
def test_meyer_rates_fall_as_the_grid_grows_and_the_two_band_base_tends_to_one() -> None:
    scan = n_scaling(lengths=(256, 4096), count=2)
    meyer, two_band = (bank.label for bank in SCALING_BANKS)
    mean = mean_rate_from(scan)
    for kind in SCALING_KINDS:
        small, large = mean.sel(bank=meyer, kind=kind.label).values
        assert large < 0.8 * small, (kind.label, small, large)
    # the two-band bank's rho grows with N, so its derived log a falls ...
    log_a = scan.derived_log_a.sel(bank=two_band).values
    assert log_a[1] < 0.5 * log_a[0]
    # ... while its measured rate on white noise stays far above it (the bound is not the rate)
    assert (mean.sel(bank=two_band, kind=SCALING_KINDS[0].label).values > 10 * log_a).all()
