"""slack = "modulus": the Fejér kernel, the chain of inequalities, the folded bound against a
full-grid evaluation, and the sandwich against exact runs (docs/theory.md §17)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml
from conftest import SMALL_BANK_PARAMS, build_store
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.analysis.local_rates import local_rates
from pipeline.analysis.resolution import sandwich, sandwich_slack
from pipeline.cascade import propagate
from pipeline.cascade.modulus_slack import SHIFTS, fejer_spectrum, filter_shifts, modulus_plan
from pipeline.cascade.plan import layer_plan
from pipeline.errors import ConfigError, InvalidParameterError
from pipeline.filters import FilterBank, make_bank
from pipeline.signals import make_signals
from pipeline.store import open_results, verify_store
from pipeline.sweep import SweepConfig, load_config
from pipeline.sweep.unit import bank_for

#: 1-D banks of the sandwich test, and one 2-D family.
FAMILIES_1D = ["meyer", "gabor", "morlet", "random"]
BANK_2D = ("morlet_2d", (16, 16), {"scales": 2, "orientations": 4, "normalise": True})
#: Signal classes of the sandwich test (1-D, N = 64).
SIGNALS_1D = [
    ("white_noise", {}),
    ("lacunary", {"octaves": 3}),
    ("sobolev", {"s": 1.0}),
    ("band_limited", {"bandwidth": 0.2}),
]


def _banks() -> list[FilterBank]:
    banks = [make_bank(f, 64, **SMALL_BANK_PARAMS[f]) for f in FAMILIES_1D]
    return [*banks, make_bank(BANK_2D[0], BANK_2D[1], **BANK_2D[2])]


BANKS = _banks()
BANK_IDS = [*FAMILIES_1D, BANK_2D[0]]


@pytest.mark.parametrize("bank", BANKS, ids=BANK_IDS)
def test_the_fejer_kernel_is_nonnegative_in_space_and_under_the_lowpass(bank: FilterBank) -> None:
    kernel = fejer_spectrum(bank.grid, bank.lowpass)
    space = np.fft.ifftn(kernel)
    assert float(np.max(np.abs(space.imag))) < 1e-15 * float(np.max(space.real))
    assert float(np.min(space.real)) >= -1e-15 * float(np.max(space.real))
    assert np.all(kernel <= np.abs(bank.lowpass) * (1 + 1e-12))
    assert float(kernel.flat[0]) > 0  # not the trivial r = 0
    assert np.count_nonzero(kernel) > 1  # wider than one bin


def _convolve_power(v: np.ndarray, kernel_spectrum: np.ndarray) -> float:
    r""":math:`\|v * h\|^2` through the signal domain."""
    return float(np.sum(np.abs(np.fft.ifftn(np.fft.fftn(v) * kernel_spectrum)) ** 2))


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**31 - 1), which=st.sampled_from([0, 4]))
def test_the_chain_low_pass_over_fejer_over_every_shift(seed: int, which: int) -> None:
    # ||v*chi||^2 >= ||v*r||^2 >= (1/|G|) sum_w |y^(w)|^2 |r^(w - w0)|^2 for every w0, v = |y|
    bank = BANKS[which]
    rng = np.random.default_rng(seed)
    y = rng.standard_normal(bank.shape) + 1j * rng.standard_normal(bank.shape)
    kernel = fejer_spectrum(bank.grid, bank.lowpass)
    v = np.abs(y)
    low = _convolve_power(v, bank.lowpass)
    fejer = _convolve_power(v, kernel)
    spectrum_power = np.abs(np.fft.fftn(y)) ** 2
    axes = tuple(range(y.ndim))
    shifted = [
        float(np.sum(spectrum_power * np.roll(kernel**2, index, axis=axes))) / y.size
        for index in np.ndindex(*y.shape)
    ]
    assert low >= fejer * (1 - 1e-12)
    assert fejer >= max(shifted) * (1 - 1e-12)
    assert max(shifted) > 0


@pytest.mark.parametrize("bank", [BANKS[0], BANKS[2], BANKS[4]], ids=["meyer", "morlet", "2d"])
def test_the_folded_tails_equal_a_full_grid_evaluation(bank: FilterBank) -> None:
    # real parents on the half-space (fold, mirror multiplicity 2) against the definition on
    # the full grid, filter by filter, mirrors included
    u = np.random.default_rng(3).standard_normal((3, *bank.shape))
    plan = layer_plan(bank, half=True, dtype=np.float64)
    spectra = bank.grid.rfft(u)
    power = (np.abs(spectra) ** 2).reshape(3, -1)
    child_weight = np.tile(plan.multiplicity, (3, 1))
    child_energy = (power @ plan.filter_power.T) / bank.grid.size * child_weight
    tails = modulus_plan(plan, bank).tail(power, child_energy, child_weight, 1 / bank.grid.size)
    kernel_power = fejer_spectrum(bank.grid, bank.lowpass) ** 2
    axes = tuple(range(bank.grid.ndim))
    full = np.fft.fftn(u, axes=tuple(range(1, u.ndim)))
    rows, _ = bank.representatives
    mirror = bank.mirror_index
    for column, k in enumerate(rows):
        members = [k] if mirror[k] in (-1, k) else [k, mirror[k]]
        shifts = filter_shifts(np.abs(bank.filters[k]) ** 2, kernel_power, SHIFTS)
        for i in range(3):
            tail = 0.0
            for member in members:
                y_power = np.abs(full[i] * bank.filters[member]) ** 2
                energy = float(np.sum(y_power)) / bank.grid.size
                if member == k:
                    captured = [
                        np.sum(y_power * np.roll(kernel_power, s, axis=axes)) for s in shifts
                    ]
                else:  # the mirror's shifts are the reflected ones
                    captured = [
                        np.sum(y_power * np.roll(kernel_power, tuple(-c for c in s), axis=axes))
                        for s in shifts
                    ]
                tail += energy - float(max(captured)) / bank.grid.size
            assert tails[i, column] == pytest.approx(max(tail, 0.0), rel=1e-10, abs=1e-14)
    assert np.all(tails <= child_energy) and np.any(tails < child_energy * 0.99)


def _signals_1d(n: int) -> np.ndarray:
    return np.concatenate(
        [make_signals(kind, count=1, length=n, seed=2, **p).values for kind, p in SIGNALS_1D]
    )


@pytest.mark.parametrize(
    ("bank", "depth", "path_rule"),
    [(b, 6, "all") for b in BANKS[:4]]
    + [(BANKS[0], 5, "frequency_decreasing"), (BANKS[4], 4, "all")],
    ids=[*FAMILIES_1D, "meyer-rule", BANK_2D[0]],
)
def test_the_modulus_sandwich_holds_against_an_exact_run(
    bank: FilterBank, depth: int, path_rule: str
) -> None:
    if bank.grid.ndim == 1:
        x = _signals_1d(bank.shape[0])
    else:
        x = make_signals("cartoon", count=2, shape=bank.shape, seed=1).values
    exact = propagate(x, bank, depth)  # the frame: a path rule drops like pruning
    pruned = propagate(x, bank, depth, 1e-2, path_rule=path_rule, slack="modulus")
    energy = pruned.input_energy.values[:, None]
    tol = 1e-12 * energy
    w, w_true = pruned.propagated_energy.values, exact.propagated_energy.values
    f, f_true = pruned.feature_energy.values[:, :depth], exact.feature_energy.values[:, :depth]
    bound, slack = pruned.slack_bound.values, pruned.pruned_slack.values
    dropped = pruned.dropped_energy.values
    assert np.all(w_true >= w + dropped - tol) and np.all(w_true <= w + bound + tol)
    assert np.all(dropped <= bound + tol) and np.any(dropped > 0)
    assert np.all(f_true >= f - tol) and np.all(f_true <= f + bound[:, :depth] + tol)
    assert np.all(bound <= slack + tol)
    assert np.any(bound < 0.9 * slack)  # tighter somewhere
    # pruned_slack keeps its meaning: the identity with it holds to round-off
    kept = f.sum(axis=1) + w[:, depth] + slack[:, depth]
    assert np.max(np.abs(kept - energy[:, 0]) / energy[:, 0]) < 1e-12
    assert pruned.attrs["slack"] == "modulus"


def test_complex_input_uses_the_full_grid_plan() -> None:
    bank = BANKS[0]
    rng = np.random.default_rng(8)
    x = rng.standard_normal((3, 64)) + 1j * rng.standard_normal((3, 64))
    exact = propagate(x, bank, 5)
    pruned = propagate(x, bank, 5, 3e-2, slack="modulus")
    w, bound = pruned.propagated_energy.values, pruned.slack_bound.values
    tol = 1e-12 * pruned.input_energy.values[:, None]
    assert np.all(exact.propagated_energy.values <= w + bound + tol)
    assert np.all(bound <= pruned.pruned_slack.values + tol)


def test_the_default_is_unchanged_and_modulus_only_adds_slack_bound() -> None:
    x = _signals_1d(64)
    default = propagate(x, BANKS[0], 5, 1e-2)
    modulus = propagate(x, BANKS[0], 5, 1e-2, slack="modulus")
    assert "slack_bound" not in default and "slack" not in default.attrs
    assert "dropped_energy" not in default
    assert set(modulus.data_vars) - set(default.data_vars) == {"slack_bound", "dropped_energy"}
    for name in default.data_vars:
        np.testing.assert_array_equal(default[name].values, modulus[name].values)
    assert {k: v for k, v in modulus.attrs.items() if k != "slack"} == default.attrs


def test_bad_slack_values_and_banks_are_refused() -> None:
    x = np.zeros((1, 64))
    with pytest.raises(InvalidParameterError, match="slack"):
        propagate(x, BANKS[0], 3, slack="tight")
    loud = FilterBank.from_arrays(BANKS[0].lowpass * 1.5, BANKS[0].filters, normalise=False)
    with pytest.raises(InvalidParameterError, match="upper frame bound"):
        propagate(x, loud, 3, slack="modulus")


# ---- the sweep, the store and the analysis ------------------------------------------------


def _sweep(store: Path, **extra: object) -> dict:
    return {
        "name": "bounds",
        "length": 64,
        "signals": [
            {"kind": "white_noise", "count": 2, "seed": 0},
            {"kind": "sobolev", "count": 2, "seed": 1, "params": {"s": 1.0}},
        ],
        "banks": [{"family": "meyer"}, {"family": "gabor", "params": {"spacing": 0.125}}],
        "depth": 5,
        "energy_budget": 1e-2,
        "chunk": 2,
        "store": str(store),
        **extra,
    }


def test_the_slack_is_a_mode_of_the_sweep(tmp_path: Path) -> None:
    plain = SweepConfig.from_mapping(_sweep(tmp_path / "s.zarr"))
    explicit = SweepConfig.from_mapping(_sweep(tmp_path / "s.zarr", slack="energy"))
    modulus = SweepConfig.from_mapping(_sweep(tmp_path / "s.zarr", slack="modulus"))
    assert "slack:" not in plain.canonical_text() and "slack_per_bank" not in plain.bank_coords()
    assert explicit.computation_hash() == plain.computation_hash()
    assert modulus.computation_hash() != plain.computation_hash()
    assert SweepConfig.from_yaml(modulus.canonical_text()) == modulus
    spec = _sweep(tmp_path / "s.zarr")
    spec["banks"][1]["slack"] = "modulus"
    own = SweepConfig.from_mapping(spec)
    assert list(own.bank_coords()["slack_per_bank"]) == ["energy", "modulus"]
    with pytest.raises(ConfigError) as caught:
        SweepConfig.from_mapping(_sweep(tmp_path / "s.zarr", slack="tight"))
    assert "slack" in str(caught.value) and "\n" not in str(caught.value)


def test_the_analysis_takes_slack_bound_when_there_is_one() -> None:
    x = _signals_1d(64)
    result = propagate(x, BANKS[0], 6, 1e-4, slack="modulus")
    result.attrs["grid_shape"] = [64]
    assert sandwich_slack(result).identical(result.slack_bound)
    lower, width = sandwich(result)
    np.testing.assert_array_equal(lower, result.propagated_energy + result.dropped_energy)
    np.testing.assert_allclose(
        lower + width, result.propagated_energy + result.slack_bound, rtol=1e-15
    )
    plain = result.drop_vars(["slack_bound", "dropped_energy"])
    assert sandwich_slack(plain).identical(plain.pruned_slack)
    assert sandwich(plain)[0].identical(plain.propagated_energy)
    tight, loose = local_rates(result), local_rates(plain)
    # a tighter slack narrows the local-rate intervals, or resolves more layers
    assert int(tight.local_rate.count()) >= int(loose.local_rate.count())
    both = np.isfinite(loose.local_rate_lower.values)
    assert np.all(
        tight.local_rate_lower.values[both] >= loose.local_rate_lower.values[both] - 1e-12
    )
    assert not tight.local_rate_lower.equals(loose.local_rate_lower)


@pytest.mark.slow
def test_a_sweep_stores_the_slack_bound_of_its_modulus_banks(tmp_path: Path) -> None:
    spec = _sweep(tmp_path / "slack.zarr")
    spec["banks"][1]["slack"] = "modulus"
    config_path = tmp_path / "sweep.yaml"
    config_path.write_text(yaml.safe_dump(spec))
    store = build_store(config_path)
    assert verify_store(store).ok
    stored = open_results(store)
    config = load_config(config_path)
    signals = config.load_signals(0, 4)
    energy_bank = propagate(signals, bank_for(config, 0), 5, 1e-2)
    modulus_bank = propagate(signals, bank_for(config, 1), 5, 1e-2, slack="modulus")
    np.testing.assert_array_equal(
        stored.slack_bound.isel(bank=0).values, energy_bank.pruned_slack.values
    )
    for name in ("slack_bound", "dropped_energy"):
        np.testing.assert_array_equal(stored[name].isel(bank=1).values, modulus_bank[name].values)
    assert float(abs(stored.dropped_energy.isel(bank=0)).max()) == 0.0
    assert float((stored.slack_bound - stored.pruned_slack).isel(bank=1).min()) < 0


def test_critical_sampling_takes_the_modulus_slack_on_its_band_limited_spectra() -> None:
    # the tails use the first bins of the folded powers, like the child energies
    x = _signals_1d(64)
    fast = propagate(x, BANKS[0], 5, 1e-2, sampling="critical", slack="modulus")
    tol = 1e-12 * fast.input_energy.values[:, None]
    bound, slack = fast.slack_bound.values, fast.pruned_slack.values
    assert np.all(fast.dropped_energy.values <= bound + tol) and np.all(bound <= slack + tol)
    assert np.any(bound < 0.9 * slack)
