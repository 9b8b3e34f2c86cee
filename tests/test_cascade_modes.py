"""The cascade's modes: path rules, critical sampling and float32 against the exact cascade."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import SMALL_BANK_PARAMS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_cascade import _identity_error

from pipeline.cascade import propagate
from pipeline.cascade.critical import CRITICAL_ERROR_FACTOR
from pipeline.errors import InvalidParameterError
from pipeline.filters import FilterBank, families, make_bank

#: Stated float32 agreement (docs/theory.md §16): |W_n^32 - W_n^64| and |F_n^32 - F_n^64| at
#: most this fraction of ||f||^2 (measured: <= 3e-7 on every family, N = 256, depth 8).
FLOAT32_TOLERANCE = 1e-5

signals_64 = st.integers(0, 2**31 - 1).map(
    lambda seed: np.random.default_rng(seed).standard_normal((2, 64))
)
few = settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _naive_with_rule(signal: np.ndarray, bank: FilterBank, depth: int) -> dict[str, np.ndarray]:
    """Reference W_n, F_n and the energy the frequency-decreasing rule drops, one path at a
    time with full complex FFTs (no Parseval energies, no mirrors, no batching)."""
    scales = bank.scale_index
    layer = [(np.asarray(signal, dtype=complex), None)]  # (signal, scale of its last filter)
    propagated, features, ruled = [float(np.sum(np.abs(signal) ** 2))], [], [0.0]
    for _ in range(depth):
        features.append(
            sum(
                float(np.sum(np.abs(np.fft.ifft(np.fft.fft(u) * bank.lowpass)) ** 2))
                for u, _ in layer
            )
        )
        children, dropped = [], 0.0
        for u, parent in layer:
            for g, scale in zip(bank.filters, scales, strict=True):
                child = np.abs(np.fft.ifft(np.fft.fft(u) * g))
                if parent is None or scale > parent:
                    children.append((child, scale))
                else:
                    dropped += float(np.sum(child**2))
        layer = children
        propagated.append(sum(float(np.sum(v**2)) for v, _ in layer))
        ruled.append(ruled[-1] + dropped)
    return {"W": np.array(propagated), "F": np.array(features), "rule": np.array(ruled)}


# ---- path rules ---------------------------------------------------------------------------


def test_default_scale_index_is_the_octave_of_the_centre_frequency() -> None:
    bank = make_bank("meyer", 64)  # dyadic: 3 octaves, each a mirror pair
    np.testing.assert_array_equal(bank.scale_index, [2, 1, 0, 2, 1, 0])
    given_scales = FilterBank.from_arrays(bank.lowpass, bank.filters, scales=[5, 4, 3, 5, 4, 3])
    np.testing.assert_array_equal(given_scales.scale_index, [5, 4, 3, 5, 4, 3])
    with pytest.raises(InvalidParameterError, match="scales"):
        FilterBank.from_arrays(bank.lowpass, bank.filters, scales=[0.5] * 6)
    with pytest.raises(InvalidParameterError, match="scales"):
        FilterBank.from_arrays(bank.lowpass, bank.filters, scales=[0, 1])


def test_frequency_decreasing_keeps_the_hand_counted_paths() -> None:
    # scales 7, 8, 9 for the three octaves (each a mirror pair, 2 filters a scale):
    # layer 1: all 6; layer 2: a parent of scale 7 has 4 children (scales 8, 9), one of scale 8
    # has 2 (scale 9), one of scale 9 none: 2*4 + 2*2 = 12; layer 3: only 7 < 8 < 9, 2*2*2 = 8;
    # layer 4: none.
    meyer = make_bank("meyer", 64)
    bank = FilterBank.from_arrays(meyer.lowpass, meyer.filters, scales=[9, 8, 7, 9, 8, 7])
    x = np.random.default_rng(5).standard_normal((3, 64))
    result = propagate(x, bank, 4, path_rule="frequency_decreasing")
    np.testing.assert_array_equal(result.paths.values, np.tile([1, 6, 12, 8, 0], (3, 1)))
    assert result.attrs["path_rule"] == "frequency_decreasing"
    assert _identity_error(result, 4).max() < 1e-12


@pytest.mark.parametrize("family", ["meyer", "morlet", "gabor"])
def test_frequency_decreasing_agrees_with_a_per_path_reference(family: str) -> None:
    bank = make_bank(family, 64, **SMALL_BANK_PARAMS[family])
    x = np.random.default_rng(6).standard_normal((2, 64))
    result = propagate(x, bank, 3, path_rule="frequency_decreasing")
    for i in range(2):
        reference = _naive_with_rule(x[i], bank, 3)
        np.testing.assert_allclose(
            result.propagated_energy[i], reference["W"], rtol=1e-10, atol=1e-13
        )
        np.testing.assert_allclose(result.feature_energy[i, :3], reference["F"], rtol=1e-10)
        np.testing.assert_allclose(result.rule_slack[i], reference["rule"], rtol=1e-10, atol=1e-13)
    assert float(result.rule_slack.isel(layer=2).min()) > 0  # the rule did drop energy
    np.testing.assert_array_equal(result.rule_slack, result.pruned_slack)  # budget 0: all rule


@few
@given(x=signals_64)
def test_rule_and_pruning_keep_the_identity(small_bank: FilterBank, x: np.ndarray) -> None:
    depth, budget = 4, 1e-3
    everything = propagate(x, small_bank, depth)
    ruled = propagate(x, small_bank, depth, energy_budget=budget, path_rule="frequency_decreasing")
    assert _identity_error(ruled, depth).max() < 1e-12
    assert np.all(ruled.rule_slack <= ruled.pruned_slack * (1 + 1e-12))
    # the pruning part of the slack stays within the budget; the rule's part is extra
    pruning = ruled.pruned_slack - ruled.rule_slack
    assert np.all(pruning.isel(layer=depth) <= budget * ruled.input_energy * (1 + 1e-9))
    # layers 0 and 1 are the same paths as without the rule
    for name in ("propagated_energy", "feature_energy"):
        np.testing.assert_allclose(
            ruled[name].isel(layer=slice(0, 2)),
            everything[name].isel(layer=slice(0, 2)),
            rtol=1e-12,
        )


def test_the_default_mode_reports_zero_rule_and_sampling_terms() -> None:
    x = np.random.default_rng(7).standard_normal((2, 64))
    result = propagate(x, make_bank("meyer", 64), 3)
    assert float(abs(result.rule_slack).max()) == 0.0
    assert float(abs(result.sampling_error).max()) == 0.0
    assert (result.attrs["path_rule"], result.attrs["sampling"]) == ("all", "exact")
    assert result.attrs["oversampling"] == 2.0


# ---- critical sampling ---------------------------------------------------------------------


@few
@given(x=signals_64)
def test_critical_sampling_is_within_its_stated_error(
    small_bank: FilterBank, x: np.ndarray
) -> None:
    depth = 4
    exact = propagate(x, small_bank, depth)
    fast = propagate(x, small_bank, depth, sampling="critical")
    assert _identity_error(fast, depth).max() < 1e-12  # energy is conserved on coarse grids
    np.testing.assert_allclose(
        fast.propagated_energy.isel(layer=1), exact.propagated_energy.isel(layer=1), rtol=1e-12
    )
    norm = exact.input_energy.values[:, None]
    stated = CRITICAL_ERROR_FACTOR * fast.sampling_error.values + 1e-12 * norm
    assert np.all(np.abs(fast.propagated_energy - exact.propagated_energy).values <= stated)
    feature_error = np.abs(fast.feature_energy - exact.feature_energy).values[:, :depth]
    assert np.all(feature_error <= stated[:, :depth])
    assert fast.attrs["sampling"] == "critical"


@pytest.mark.parametrize("family", ["meyer", "morlet", "gabor"])
def test_critical_sampling_on_full_size_grids_is_the_exact_cascade(family: str) -> None:
    bank = make_bank(family, 64, **SMALL_BANK_PARAMS[family])
    x = np.random.default_rng(8).standard_normal((3, 64))
    exact = propagate(x, bank, 3, path_rule="frequency_decreasing")
    # every coarse grid would be larger than N: every path runs on the N-grid, window at 0
    full = propagate(
        x, bank, 3, path_rule="frequency_decreasing", sampling="critical", oversampling=64
    )
    for name in ("propagated_energy", "feature_energy", "rule_slack"):
        np.testing.assert_allclose(full[name], exact[name], rtol=1e-12, atol=1e-14)
    assert float(full.sampling_error.max()) == 0.0


@pytest.mark.parametrize("family", ["meyer", "morlet", "gabor"])
def test_critical_sampling_does_not_depend_on_the_block_size(family: str) -> None:
    # a filter's coarse size depends on the bank and the oversampling only (size classes),
    # so the blocks' sizes change the batching of the transforms, not what they compute
    bank = make_bank(family, 1024)
    x = np.random.default_rng(10).standard_normal((5, 1024))
    runs = [
        propagate(x, bank, 4, energy_budget=1e-6, sampling="critical", block_size=size)
        for size in (1, 3, None)
    ]
    for run in runs[1:]:
        for name in ("propagated_energy", "feature_energy", "pruned_slack", "sampling_error"):
            np.testing.assert_allclose(run[name], runs[0][name], rtol=1e-12, atol=1e-14)


def test_critical_sampling_of_complex_input_keeps_the_identity() -> None:
    rng = np.random.default_rng(9)
    x = rng.standard_normal((2, 64)) + 1j * rng.standard_normal((2, 64))
    fast = propagate(x, make_bank("meyer", 64), 3, sampling="critical")
    assert _identity_error(fast, 3).max() < 1e-12


# ---- float32 -------------------------------------------------------------------------------


@few
@given(x=signals_64)
def test_float32_agrees_with_float64_within_the_stated_bound(
    small_bank: FilterBank, x: np.ndarray
) -> None:
    double = propagate(x, small_bank, 3)
    single = propagate(x, small_bank, 3, dtype=np.float32)
    norm = double.input_energy.values[:, None]
    assert np.all(
        np.abs(single.propagated_energy - double.propagated_energy).values
        <= FLOAT32_TOLERANCE * norm
    )
    feature_error = np.abs(single.feature_energy - double.feature_energy).values[:, :3]
    assert np.all(feature_error <= FLOAT32_TOLERANCE * norm)


# ---- bad arguments -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"path_rule": "kymatio"}, "path_rule"),
        ({"sampling": "fast"}, "sampling"),
        ({"sampling": "critical", "oversampling": 0.5}, "oversampling"),
        ({"sampling": "critical", "oversampling": "two"}, "oversampling"),
        ({"oversampling": True}, "oversampling"),
    ],
)
def test_bad_modes_are_one_line_errors(kwargs: dict, argument: str) -> None:
    with pytest.raises(InvalidParameterError) as caught:
        propagate(np.ones((1, 64)), make_bank("meyer", 64), 2, **kwargs)
    assert caught.value.argument == argument
    assert "\n" not in str(caught.value)


def test_critical_sampling_in_2d_is_refused_in_one_line() -> None:
    bank = make_bank(families(ndim=2)[0], (16, 16))
    with pytest.raises(InvalidParameterError, match="1-D grids only"):
        propagate(np.ones((1, 16, 16)), bank, 2, sampling="critical")
