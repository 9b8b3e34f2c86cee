"""The paper's bounds against a real sweep store: hypotheses, bounds (A)/(B), flags, layer counts,
read from the store alone (its ``radial_power`` and bank coordinates)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import xarray as xr
import yaml
from conftest import SYNTHETIC_SIGNAL_GROUPS, build_store

from pipeline.analysis import aggregate_results, bank_labels, compare_bounds
from pipeline.analysis.stored_banks import stored_bank_facts, stored_bank_table
from pipeline.planning import plan_layers
from pipeline.store import StoreError, open_results
from pipeline.sweep import bank_for, load_config
from pipeline.theory import bank_facts, layers_needed_exponential

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
    """docs/theory.md §4 and §6: measured W_N <= bound (A) and bound (B) for every N >= 1."""
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


def test_measured_layer_counts_never_exceed_the_worst_case_on_band_limited_signals(
    compared: xr.Dataset,
) -> None:
    """docs/theory.md §8: for band-limited f the sufficient N bounds the measured one (when reached)."""
    band_limited = compared.sel(signal=compared.signal_class == "band_limited")
    measured = band_limited.layers_needed.isel(bank=slice(0, N_MEYER_GABOR))
    worst = band_limited.layers_needed_exponential_bound.isel(bank=slice(0, N_MEYER_GABOR))
    reached = measured.notnull()
    assert reached.values.any()
    assert bool((measured <= worst).where(reached, True).all())


def test_worst_case_counts_are_not_guaranteed_on_the_bank_that_fails_a_hypothesis(
    compared: xr.Dataset,
) -> None:
    """One rule: real_wavelet's derived a is reported, its counts are NaN, the others are not."""
    failing = compared.hypotheses_failed.values.tolist()
    assert failing == [""] * N_MEYER_GABOR + ["analyticity"]
    assert np.isfinite(compared.decay_base.values).all()
    for name in ("layers_needed_general_bound", "layers_needed_exponential_bound"):
        counts = compared[name]
        assert counts.isel(bank=-1).isnull().all()
        assert counts.isel(bank=slice(0, N_MEYER_GABOR)).notnull().all()
        good = counts.isel(bank=slice(0, N_MEYER_GABOR))
        assert (good.diff("epsilon") >= 0).all()  # epsilons are stored in decreasing order
    white = int(np.flatnonzero(compared.signal_class.values == "white_noise")[0])
    ratio = float(compared.essential_bandwidth[white] / compared.high_pass_delta[0])
    np.testing.assert_array_equal(
        compared.layers_needed_exponential_bound[white, 0],
        layers_needed_exponential(compared.epsilon.values, ratio, a=float(compared.decay_base[0])),
    )


def test_banks_rebuilt_from_the_store_are_the_config_banks(store: Path) -> None:
    config = load_config(store / "sweep.yaml")
    stored = open_results(store / "store.zarr")
    assert stored_bank_table(stored) == [(e.family, e.params) for e in config.bank_table()]
    facts = stored_bank_facts(stored)
    assert facts == [bank_facts(bank_for(config, i)) for i in range(len(facts))]


def test_a_store_without_radial_power_is_refused_in_one_line(store: Path) -> None:
    energies = open_results(store / "store.zarr").drop_vars("radial_power")
    with pytest.raises(StoreError, match="radial_power"):
        compare_bounds(energies)


def test_a_store_whose_signal_file_was_deleted_fits_to_the_same_numbers(tmp_path: Path) -> None:
    """The store is the only channel: fit before and after deleting the signal source."""
    rows = np.random.default_rng(3).standard_normal((6, 64))
    np.save(tmp_path / "rows.npy", rows)
    spec = {
        "name": "file-only",
        "length": 64,
        "depth": 4,
        "chunk": 4,
        "store": str(tmp_path / "store.zarr"),
        "signals": [{"kind": "file", "path": str(tmp_path / "rows.npy")}],
        "banks": [{"family": "meyer"}, {"family": "real_wavelet"}],
    }
    (tmp_path / "sweep.yaml").write_text(yaml.safe_dump(spec))
    store = build_store(tmp_path / "sweep.yaml")
    before = aggregate_results(open_results(store), replicates=20).compute()
    (tmp_path / "rows.npy").unlink()
    after = aggregate_results(open_results(store), replicates=20).compute()
    xr.testing.assert_identical(before, after)
    assert after.essential_bandwidth.notnull().all() and after.bound_general.notnull().any()
    # plan reads a stored bank from the store alone; a bank it would have to compute needs the
    # signals, and says so in one line
    stored = plan_layers("meyer", {}, [0.1], data=store)
    assert stored.attrs["source"].startswith("store bank") and stored.computed.all()
    with pytest.raises(
        StoreError, match=r"not in store .* no longer available: signals\[0\]\.path"
    ):
        plan_layers("meyer", {"dilation": 3}, [0.1], data=store)


def test_bank_labels(store: Path) -> None:
    labels = bank_labels(open_results(store / "store.zarr"))
    assert labels == [
        "meyer dilation=1.5 scales=7",
        "meyer dilation=2 scales=4",
        "meyer dilation=3 scales=2",
        "gabor bandwidth=0.0625 delta=0.0625 spacing=0.0625",
        "gabor bandwidth=0.125 delta=0.125 spacing=0.125",
        "real_wavelet",
    ]
