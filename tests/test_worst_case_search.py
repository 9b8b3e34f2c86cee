"""Section (i): the worst-case search reports what the cascade gives, and finds the contrast
between Weyl–Heisenberg (uniform over signals) and wavelet (not uniform) banks."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.analysis.worst_case_search import packet_signals, worst_case_search
from pipeline.cascade import propagate
from pipeline.filters import make_bank

LENGTH = 256


@pytest.fixture(scope="module")
def searches() -> dict:
    banks = {
        "gabor": make_bank("gabor", LENGTH, spacing=1.0 / 16.0),
        "meyer": make_bank("meyer", LENGTH, dilation=2.0),
    }
    found = {
        name: worst_case_search(bank, 3, population=8, keep=2, steps=4)
        for name, bank in banks.items()
    }
    return {"banks": banks, "found": found}


def test_best_retention_is_the_cascades_ratio_of_the_best_signal(searches: dict) -> None:
    for name, found in searches["found"].items():
        signal = packet_signals(found.best_packets[np.newaxis], LENGTH)
        np.testing.assert_allclose(np.sum(signal**2), 1.0, rtol=1e-12)
        w = propagate(signal, searches["banks"][name], 3).propagated_energy.values[0]
        np.testing.assert_allclose(found.best_retention, w[2:] / w[1:-1], rtol=1e-12)
        assert found.best == pytest.approx(np.nanmax(found.best_retention), rel=1e-15)
        # elitist: the best J never falls, and it is at least the first population's
        assert np.all(np.diff(found.history) >= 0)
        assert found.best == found.history[-1]
        assert found.evaluations == 2 * 8 + 4 * 8


def test_gabor_retention_stays_small_while_meyer_nears_one(searches: dict) -> None:
    gabor, meyer = searches["found"]["gabor"], searches["found"]["meyer"]
    assert gabor.best < 0.01  # measured ~1e-3: uniform over signals (Czaja & Li)
    assert meyer.best > 0.5  # measured ~0.9: some signal keeps most energy (Führ & Getter)
    assert meyer.best > meyer.white_noise  # the search beats random white noise


def test_depth_below_two_is_refused() -> None:
    with pytest.raises(ValueError, match="depth must be >= 2"):
        worst_case_search(make_bank("gabor", LENGTH), 1)
