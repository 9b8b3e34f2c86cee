"""The paper's bounds against a real sweep store: hypotheses, bounds (A)/(B), flags, layer counts."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import xarray as xr
import yaml
from conftest import SYNTHETIC_SIGNAL_GROUPS, build_store

from pipeline.aggregate import bank_labels
from pipeline.bounds import bank_facts, compare_bounds, worst_case_layers
from pipeline.store import open_results
from pipeline.sweep import bank_for, load_config
from pipeline.theory import (
    band_ratio,
    bound_exponential,
    bound_general,
    decay_base_from_band_ratio,
    layers_needed_exponential,
    layers_needed_general,
    signal_bandwidth,
)

BANKS = [
    {"family": "meyer", "params": {"dilation": [1.5, 2.0, 3.0]}},
    {"family": "gabor", "params": {"spacing": [0.0625, 0.125]}},
    {"family": "real_wavelet"},
]
N_MEYER_GABOR = 5


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An exact sweep (budget 0) of every synthetic class through meyer, gabor, real_wavelet."""
    folder = tmp_path_factory.mktemp("bounds")
    spec = {
        "name": "bounds-test",
        "length": 128,
        "depth": 5,
        "energy_budget": 0.0,
        "chunk": 4,
        "store": str(folder / "store.zarr"),
        "signals": SYNTHETIC_SIGNAL_GROUPS,
        "banks": BANKS,
    }
    (folder / "sweep.yaml").write_text(yaml.safe_dump(spec))
    build_store(folder / "sweep.yaml")
    return folder


@pytest.fixture(scope="module")
def compared(store: Path) -> xr.Dataset:
    return compare_bounds(open_results(store / "store.zarr")).compute()


def test_meyer_and_gabor_meet_the_hypotheses_and_real_wavelet_is_not_analytic(
    compared: xr.Dataset,
) -> None:
    assert compared.meets_parseval.values.all()
    assert compared.meets_high_pass.values.all()
    assert compared.meets_analyticity.values.tolist() == [True] * N_MEYER_GABOR + [False]
    assert compared.analyticity_defect.values[-1] == pytest.approx(0.5, abs=1e-12)


def test_bounds_hold_for_meyer_and_gabor_on_every_synthetic_class(
    store: Path, compared: xr.Dataset
) -> None:
    """THEORY.md §4 and §6: measured W_N <= bound (A) and bound (B) for every N >= 1."""
    classes = set(compared.signal_class.values.tolist())
    assert classes == {group["kind"] for group in SYNTHETIC_SIGNAL_GROUPS}
    tested = compared.isel(bank=slice(0, N_MEYER_GABOR))
    assert not tested.violates_bound_general.values.any()
    assert not tested.violates_bound_exponential.values.any()
    assert not compared.unexplained_violation.values.any()
    assert np.nanmax(tested.bound_general_ratio.values) <= 1 + 1e-9
    assert np.nanmax(tested.bound_exponential_ratio.values) <= 1 + 1e-9
    # the bounds are not vacuous: (B) falls with N on every curve, and for the banks of larger
    # decay base a it is below 10% of ||f||^2 at N = 5 on band-limited signals
    bound = tested.bound_exponential.isel(layer=slice(1, None))
    assert bool((bound.diff("layer") < 0).all())
    deepest = bound.isel(layer=-1) / open_results(store / "store.zarr").input_energy
    band_limited = deepest.sel(signal=compared.signal_class == "band_limited")
    assert float(band_limited.isel(bank=[0, 3, 4]).max()) < 0.1


def test_stored_bounds_equal_the_theory_functions(store: Path, compared: xr.Dataset) -> None:
    config = load_config(store / "sweep.yaml")
    signals = config.load_signals(0, config.n_signals)
    layers = np.arange(1, config.depth + 1)
    for index in (0, 3, 5):
        bank = bank_for(config, index)
        delta = bank.check().high_pass_delta
        a = decay_base_from_band_ratio(band_ratio(bank))
        assert compared.decay_base.values[index] == a
        np.testing.assert_array_equal(
            compared.bound_general.isel(bank=index, layer=slice(1, None)).values,
            bound_general(signals, layers, delta=delta).values,
        )
        np.testing.assert_array_equal(
            compared.bound_exponential.isel(bank=index, layer=slice(1, None)).values,
            bound_exponential(signals, layers, delta=delta, a=a).values,
        )
    assert np.isnan(compared.bound_general.isel(layer=0).values).all()
    np.testing.assert_array_equal(
        compared.essential_bandwidth.values, signal_bandwidth(signals).values
    )


def test_a_curve_over_its_bound_is_flagged_and_unexplained_on_a_good_bank(store: Path) -> None:
    energies = open_results(store / "store.zarr").load()
    tampered = energies.copy(deep=True)
    tampered.propagated_energy[3, 1, 4] = tampered.input_energy[3]  # W_4 = ||f||^2 on meyer
    tampered.propagated_energy[5, 5, 2] *= 1e6  # and on the real wavelet (not analytic)
    flags = compare_bounds(tampered).compute()
    assert flags.violates_bound_exponential.values.sum() == 2
    assert bool(flags.violates_bound_exponential[3, 1]) and bool(flags.unexplained_violation[3, 1])
    assert bool(flags.violates_bound_exponential[5, 5])
    assert not bool(flags.unexplained_violation[5, 5])  # explained: the bank is not analytic
    assert flags.unexplained_violation.values.sum() == 1


def test_worst_case_layers_equal_the_section_8_formulas(compared: xr.Dataset) -> None:
    for index in range(N_MEYER_GABOR):
        for signal in (0, 2):  # white noise (L = 1/2), band-limited (L ~ 0.1)
            bandwidth = float(compared.essential_bandwidth[signal])
            delta = float(compared.high_pass_delta[index])
            a = float(compared.decay_base[index])
            eps = compared.epsilon.values
            np.testing.assert_array_equal(
                compared.layers_needed_general_bound[signal, index].values,
                layers_needed_general(eps, bandwidth / delta),
            )
            np.testing.assert_array_equal(
                compared.layers_needed_exponential_bound[signal, index].values,
                layers_needed_exponential(eps, bandwidth / delta, a=a),
            )


def test_measured_layer_counts_never_exceed_the_worst_case_on_band_limited_signals(
    compared: xr.Dataset,
) -> None:
    """THEORY.md §8: for band-limited f the sufficient N bounds the measured one (when reached)."""
    band_limited = compared.sel(signal=compared.signal_class == "band_limited")
    measured = band_limited.layers_needed.isel(bank=slice(0, N_MEYER_GABOR))
    worst = band_limited.layers_needed_exponential_bound.isel(bank=slice(0, N_MEYER_GABOR))
    reached = measured.notnull()
    assert reached.values.any()
    assert bool((measured <= worst).where(reached, True).all())


def test_worst_case_layers_broadcast_and_refuse_missing_hypotheses() -> None:
    eps = xr.DataArray([0.1, 0.01], dims="epsilon")
    bandwidth = xr.DataArray([0.5, 0.1], dims="signal")
    delta = xr.DataArray([0.02, 0.0], dims="bank")
    base = xr.DataArray([5 / 3, np.nan], dims="bank")
    general, exponential = worst_case_layers(bandwidth, delta, base, eps)
    assert general.dims == exponential.dims == ("signal", "bank", "epsilon")
    assert np.isnan(general.isel(bank=1)).all() and np.isnan(exponential.isel(bank=1)).all()
    assert exponential[0, 0, 1] == layers_needed_exponential(0.01, 25.0, a=5 / 3)


def test_bank_facts_and_labels(store: Path) -> None:
    config = load_config(store / "sweep.yaml")
    facts = bank_facts(config)
    assert facts.sizes["bank"] == 6
    assert facts.band_ratio.values[0] == band_ratio(bank_for(config, 0))
    labels = bank_labels(open_results(store / "store.zarr"))
    assert labels == [
        "meyer dilation=1.5 scales=7",
        "meyer dilation=2 scales=4",
        "meyer dilation=3 scales=2",
        "gabor bandwidth=0.0625 delta=0.0625 spacing=0.0625",
        "gabor bandwidth=0.125 delta=0.125 spacing=0.125",
        "real_wavelet",
    ]
