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


def test_fits_reproduce_golden(golden_store: str) -> None:
    fits = aggregate_results(open_results(golden_store), replicates=200, seed=7).load()
    compare(GOLDEN / "fits", fits, skip=NOT_GUARANTEED)
    golden, _ = load_golden(GOLDEN / "fits")
    meets = (fits.meets_parseval & fits.meets_analyticity & fits.meets_high_pass).values
    assert list(fits.family.values[~meets]) == ["real_wavelet"]
    for name in NOT_GUARANTEED:
        dims, want = golden[name]
        have = fits[name].transpose(*dims).values
        np.testing.assert_array_equal(have[:, meets], want[:, meets])
        assert np.isnan(have[:, ~meets]).all() and not np.isnan(want[:, ~meets]).any()


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
