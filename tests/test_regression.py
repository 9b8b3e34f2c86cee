"""Regression: today's code reproduces the numbers of the library before the redesign.

The golden files in ``tests/golden/v0`` were written by ``tests/golden/generate.py`` on main at
d630a55 (before the redesign of issue 8): ``propagate`` on fixed arrays through every family,
exact and pruned, real and complex; a small sweep store over file and record signals (no seeded
generator, whose rows change on purpose) with its fits; ``plan`` with a bandwidth and with a
store; the layer-count table. Floats are compared to 1e-12 relative (NaN where NaN), integers
and strings exactly.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import xarray as xr
import yaml
from conftest import build_store
from golden.generate import (
    BUDGETS,
    DEPTH,
    EPSILONS,
    FAMILY_PARAMS,
    LENGTH,
    PLAN_FAMILIES,
    fixed_signals,
    sweep_spec,
)
from golden_io import compare, load_golden

from pipeline.analysis import aggregate_results
from pipeline.cascade import propagate
from pipeline.filters import make_bank
from pipeline.planning import plan_layers
from pipeline.store import open_results
from pipeline.theory import layers_table

GOLDEN = Path(__file__).parent / "golden" / "v0"


def test_golden_inputs_are_the_fixed_arrays() -> None:
    assert np.array_equal(np.load(GOLDEN / "signals.npy"), fixed_signals())


@pytest.mark.parametrize("family", sorted(FAMILY_PARAMS))
@pytest.mark.parametrize("budget", BUDGETS)
def test_propagate_reproduces_golden(family: str, budget: float) -> None:
    signals = np.load(GOLDEN / "signals.npy")
    bank = make_bank(family, LENGTH, **FAMILY_PARAMS[family])
    real = propagate(signals, bank, depth=DEPTH, energy_budget=budget)
    compare(GOLDEN / f"propagate_{family}_{budget:g}", real)
    complex_row = (signals[3] + 1j * signals[4])[None]
    cplx = propagate(complex_row, bank, depth=DEPTH, energy_budget=budget)
    compare(GOLDEN / f"propagate_complex_{family}_{budget:g}", cplx)


@pytest.fixture(scope="module")
def golden_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("golden")
    spec = sweep_spec(GOLDEN / "signals.npy", folder / "golden.zarr")
    (folder / "sweep.yaml").write_text(yaml.safe_dump(spec))
    return build_store(folder / "sweep.yaml")


def test_store_reproduces_golden(golden_store: str) -> None:
    compare(GOLDEN / "store", open_results(golden_store).load())


#: Worst-case counts the redesign changes on purpose (issue 8, one BankFacts rule): NaN on banks
#: that fail a hypothesis (the golden real_wavelet bank), as ``plan`` always had them.
NOT_GUARANTEED = ("layers_needed_general_bound", "layers_needed_exponential_bound")

#: Decay fits that issue 9 changes on purpose (docs/theory.md §10): models fitted on layers
#: n >= 2 only, above a relative round-off floor instead of 1e-13 ||f||^2, with at least 4
#: layers; AIC with k = 3 and a residual floor; pooled rates as the mean of per-curve rates over
#: the signals fitted in every bank, intervals that hold the budget. Checked below by what must
#: still hold, not against the golden numbers.
REFITTED = (
    "aic_difference",
    "aic_exp",
    "aic_poly",
    "exp_log_intercept",
    "exp_rate",
    "exp_rate_se",
    "poly_exponent",
    "poly_exponent_se",
    "poly_log_intercept",
    "layers_used",
    "preferred_model",
    "pooled_curves",
    "pooled_exp_rate",
    "pooled_exp_rate_lower",
    "pooled_exp_rate_se",
    "pooled_exp_rate_upper",
    "pooled_layers",
    "pooled_poly_exponent",
    "pooled_poly_exponent_lower",
    "pooled_poly_exponent_se",
    "pooled_poly_exponent_upper",
    "pooled_preferred_model",
)


def test_fits_reproduce_golden(golden_store: str) -> None:
    fits = aggregate_results(open_results(golden_store), replicates=200, seed=7).load()
    compare(GOLDEN / "fits", fits, skip=NOT_GUARANTEED + REFITTED)
    golden, _ = load_golden(GOLDEN / "fits")
    meets = (fits.meets_parseval & fits.meets_analyticity & fits.meets_high_pass).values
    assert list(fits.family.values[~meets]) == ["real_wavelet"]
    for name in NOT_GUARANTEED:
        dims, want = golden[name]
        have = fits[name].transpose(*dims).values
        np.testing.assert_array_equal(have[:, meets], want[:, meets])
        assert np.isnan(have[:, ~meets]).all() and not np.isnan(want[:, ~meets]).any()


def test_refitted_decay_rates_are_least_squares_on_layers_2_to_depth(golden_store: str) -> None:
    """What must hold of the deliberately changed fits: each fitted curve is the OLS line of
    log W_n on n >= 2 (checked with numpy.polyfit), its budget bracket holds it, pooled rates
    are means over one signal set per bank with intervals around them."""
    stored = open_results(golden_store).load()
    fits = aggregate_results(stored, replicates=200, seed=7).load()
    golden, _ = load_golden(GOLDEN / "fits")
    w = stored.propagated_energy.transpose("signal", "bank", "layer").values
    used = fits.layers_used.transpose("signal", "bank").values
    rate = fits.exp_rate.transpose("signal", "bank").values
    assert np.all(used <= DEPTH - 1)  # layers 2..DEPTH at most
    assert np.array_equal(np.isfinite(rate), used >= 4)
    assert np.isfinite(rate).sum() > 0
    layers = np.arange(2, DEPTH + 1)
    for signal, bank in zip(*np.nonzero(used == DEPTH - 1), strict=True):
        slope = np.polyfit(layers, np.log(w[signal, bank, 2:]), 1)[0]
        assert rate[signal, bank] == pytest.approx(-slope, rel=1e-10)
        beta = np.polyfit(np.log(layers), np.log(w[signal, bank, 2:]), 1)[0]
        assert fits.poly_exponent.values[signal, bank] == pytest.approx(-beta, rel=1e-10)
    lower, upper = fits.exp_rate_budget_lower.values, fits.exp_rate_budget_upper.values
    finite = np.isfinite(rate)
    assert np.all(lower[finite] <= rate[finite] + 1e-12)
    assert np.all(rate[finite] <= upper[finite] + 1e-12)
    # the golden fits had every curve with >= 3 resolved layers n >= 1; now n >= 2 and >= 4
    dims, old_used = golden["layers_used"]
    assert np.all(fits.layers_used.transpose(*dims).values <= np.maximum(old_used, DEPTH - 1))
    every = fits.sel(pool="all")
    fitted = every.pooled_curves.values > 0
    assert len(set(every.pooled_curves.values[fitted].tolist())) <= 1  # one signal set
    pooled = every.pooled_exp_rate.values
    with_interval = np.isfinite(every.pooled_exp_rate_lower.values)
    assert np.all(every.pooled_exp_rate_lower.values[with_interval] <= pooled[with_interval])
    assert np.all(pooled[with_interval] <= every.pooled_exp_rate_upper.values[with_interval])
    assert all(note == "" for note in every.pooled_note.values[with_interval])
    assert all(note for note in every.pooled_note.values[~fitted])


@pytest.mark.parametrize("family", PLAN_FAMILIES)
def test_plan_with_bandwidth_reproduces_golden(family: str) -> None:
    compare(GOLDEN / f"plan_{family}", plan_layers(family, {}, EPSILONS, bandwidth=0.1))


def test_plan_with_data_reproduces_golden(golden_store: str) -> None:
    stored = plan_layers("meyer", {"dilation": 2}, EPSILONS, data=golden_store, length=LENGTH)
    compare(GOLDEN / "plan_data_meyer", stored)
    computed = plan_layers("meyer", {"dilation": 1.5}, EPSILONS, data=golden_store, length=LENGTH)
    compare(GOLDEN / "plan_data_meyer_computed", computed)


def test_layers_table_reproduces_golden() -> None:
    compare(GOLDEN / "layers_table", xr.Dataset({"layers_needed": layers_table()}))
    table = layers_table(l=2, bandwidth_over_delta=3.0)
    compare(GOLDEN / "layers_table_l2", xr.Dataset({"layers_needed": table}))
