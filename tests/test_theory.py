"""The theory kernels (pipeline.theory): properties of the formulas of docs/theory.md §3-§8,
the Table I numbers from the §8 formula, and bounds that hold on exact cascades."""

from __future__ import annotations

import math

import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import theory
from pipeline.cascade import propagate
from pipeline.errors import InvalidParameterError
from pipeline.filters import make_bank
from pipeline.spectra import radial_power
from pipeline.theory import kernels

FRACTIONS = np.asarray(theory.TABLE_ENERGY_FRACTIONS)
EPSILONS = 1.0 - FRACTIONS
LAYERS = np.arange(1, 6)

# --- docs/theory.md §8 table, derived from the formulas (exact integers) ---------------------------


def test_window_ratio_values_of_theory_table() -> None:
    x = kernels.window_ratio(EPSILONS, 1.0, 1)
    np.testing.assert_allclose(x, [2.000, 3.414, 7.464, 19.487, 39.494, 199.499], atol=5e-4, rtol=0)


@pytest.mark.parametrize(
    ("row", "l", "expected"),
    [
        ("general", 1, [1, 3, 7, 19, 39, 199]),
        ("wavelets", 1, [2, 3, 4, 6, 8, 11]),
        ("weyl_heisenberg", 1, [2, 4, 5, 8, 10, 14]),
        ("general", 2, [3, 6, 14, 38, 78, 398]),
        ("wavelets", 2, [3, 4, 6, 8, 9, 12]),
        ("weyl_heisenberg", 2, [4, 5, 7, 10, 11, 15]),
    ],
)
def test_layers_table_reproduces_theory(row: str, l: int, expected: list[int]) -> None:  # noqa: E741
    table = theory.layers_table(l=l)
    assert table.dims == ("filters", "energy_fraction")
    np.testing.assert_array_equal(table.energy_fraction, FRACTIONS)
    np.testing.assert_array_equal(table.sel(filters=row).values, expected)


def test_layers_needed_general_two_dimensions() -> None:
    counts = theory.layers_needed_general(EPSILONS, 1.0, l=2, d=2)
    np.testing.assert_array_equal(counts, [7, 18, 69, 329, 1024, 13539])


def test_layers_needed_half_bandwidth_rows() -> None:
    # docs/theory.md §8: l = 2, L = delta/2
    np.testing.assert_array_equal(
        theory.layers_needed_exponential(EPSILONS, 0.5, a=5 / 3, l=2), [2, 3, 4, 6, 8, 11]
    )
    np.testing.assert_array_equal(
        theory.layers_needed_general(EPSILONS, 0.5, l=2), [1, 3, 7, 19, 39, 199]
    )
    np.testing.assert_array_equal(
        theory.layers_needed_exponential(EPSILONS, 0.5, a=1.5, l=2), [2, 3, 5, 8, 10, 14]
    )


def test_table_rows_are_the_formula_with_the_recalled_constants_as_parameters() -> None:
    """Table I is the §8 formula evaluated at the recalled a; any other a is a parameter."""
    table = theory.layers_table()
    for row, base in (("wavelets", 5 / 3), ("weyl_heisenberg", 1.5)):
        assert float(table.decay_base.sel(filters=row)) == base
        np.testing.assert_array_equal(
            table.sel(filters=row), theory.layers_needed_exponential(EPSILONS, 1.0, a=base)
        )
    # the wavelet constant is the derived base of a band ratio 4 (supp psi^ in [1/2, 2])
    assert theory.decay_base_from_band_ratio(4) == theory.WAVELET_DECAY_BASE
    assert list(theory.layers_needed_exponential(EPSILONS, 1.0, a=2.0)) == [1, 2, 3, 5, 6, 8]


@given(
    eps=st.lists(st.floats(1e-6, 1 - 1e-6), min_size=2, max_size=6, unique=True),
    ratio=st.floats(1e-3, 1e3),
    order=st.integers(1, 4),
    a=st.floats(1.01, 4.0),
)
@settings(max_examples=40, deadline=None)
def test_counts_fall_as_epsilon_grows_and_rise_with_bandwidth(
    eps: list[float], ratio: float, order: int, a: float
) -> None:
    eps_sorted = np.sort(eps)
    for counts in (
        theory.layers_needed_exponential(eps_sorted, ratio, a=a, l=order),
        theory.layers_needed_general(eps_sorted, ratio, l=order),
    ):
        assert np.all(np.diff(counts) <= 0)
    wider = theory.layers_needed_exponential(eps_sorted, 2 * ratio, a=a, l=order)
    assert np.all(wider >= theory.layers_needed_exponential(eps_sorted, ratio, a=a, l=order))
    steeper = theory.layers_needed_exponential(eps_sorted, ratio, a=a + 1, l=order)
    assert np.all(steeper <= theory.layers_needed_exponential(eps_sorted, ratio, a=a, l=order))


def test_count_limits() -> None:
    """x -> L/delta as epsilon -> 1, x ~ 2l (L/delta)/epsilon as epsilon -> 0; L = 0 needs none."""
    np.testing.assert_allclose(kernels.window_ratio(1 - 1e-15, 3.0, 1), 3.0, rtol=1e-6)
    np.testing.assert_allclose(kernels.window_ratio(1e-9, 3.0, 2), 2 * 2 * 3.0 / 1e-9, rtol=1e-6)
    counts = theory.worst_case_layers(0.0, 0.1, 5 / 3, [0.5, 0.01])
    np.testing.assert_array_equal(counts.general, [0, 0])
    np.testing.assert_array_equal(counts.exponential, [0, 0])


def test_worst_case_layers_by_name_and_not_guaranteed() -> None:
    width = xr.DataArray([0.1, 0.2], dims="signal")
    eps = xr.DataArray([0.5, 0.1], dims="epsilon")
    counts = theory.worst_case_layers(width, 0.01, 5 / 3, eps)
    assert counts.general.dims == ("epsilon", "signal") or set(counts.general.dims) == {
        "signal",
        "epsilon",
    }
    x = kernels.window_ratio(0.1, 0.2 / 0.01, 1)
    assert float(counts.general.sel(signal=1).isel(epsilon=1)) == math.ceil(x - 1)
    assert float(counts.exponential.sel(signal=1).isel(epsilon=1)) == math.ceil(
        math.log(x) / math.log(5 / 3)
    )
    for bad in (
        theory.worst_case_layers(width, 0.01, 5 / 3, eps, guaranteed=False),
        theory.worst_case_layers(width, 0.0, 5 / 3, eps),
        theory.worst_case_layers(width, np.inf, 5 / 3, eps),
    ):
        assert bad.general.isnull().all() and bad.exponential.isnull().all()
    no_base = theory.worst_case_layers(width, 0.01, np.nan, eps)
    assert no_base.exponential.isnull().all() and no_base.general.notnull().all()


def test_layers_needed_scalar_returns_int() -> None:
    assert theory.layers_needed_general(0.01, 1.0) == 199
    assert isinstance(theory.layers_needed_exponential(0.01, 1.0, a=5 / 3), int)


@given(
    eps=st.floats(1e-6, 1 - 1e-6),
    ratio=st.floats(1e-3, 1e3),
    order=st.integers(1, 4),
    a=st.floats(1.01, 4.0),
)
@settings(max_examples=60, deadline=None)
def test_layer_counts_are_smallest_sufficient(
    eps: float, ratio: float, order: int, a: float
) -> None:
    """The counted radius (a^N, resp. N + 1, times delta) is the first to reach x delta (§8)."""
    x = ratio / (1.0 - (1.0 - eps) ** (1.0 / (2 * order)))
    n_exp = theory.layers_needed_exponential(eps, ratio, a=a, l=order)
    n_gen = theory.layers_needed_general(eps, ratio, l=order)
    assert a**n_exp >= x * (1 - 1e-12)
    assert n_exp == 0 or a ** (n_exp - 1) < x * (1 + 1e-12)
    assert n_gen + 1 >= x * (1 - 1e-12)
    assert n_gen == 0 or n_gen < x * (1 + 1e-12)
    # the window factor (1 - L/R)^(2l) then keeps at least 1 - eps
    radius = a**n_exp
    assert (1 - ratio / radius) ** (2 * order) >= (1 - eps) * (1 - 1e-9)


# --- constants ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("d", "value"), [(1, 1.0), (2, 0.6294), (3, 0.4914), (4, 0.4150)])
def test_alpha_values(d: int, value: float) -> None:
    assert theory.alpha(d) == pytest.approx(value, abs=1e-4)


def test_alpha_large_d_asymptotics() -> None:
    d = 10**6
    assert theory.alpha(d) == pytest.approx(1 / (2 * math.log(2) * math.sqrt(d)), rel=1e-3)


def test_decay_base_from_band_ratio() -> None:
    assert theory.decay_base_from_band_ratio(4) == pytest.approx(5 / 3, rel=1e-15)
    assert theory.decay_base_from_band_ratio(4) == theory.WAVELET_DECAY_BASE
    assert theory.decay_base_from_band_ratio(3) == pytest.approx(2.0)
    assert theory.decay_base_from_band_ratio(5) == pytest.approx(1.5)


def test_meyer_band_ratio_at_most_four() -> None:
    bank = make_bank("meyer", 1024)
    rho = theory.band_ratio(bank)
    assert 1 < rho <= 4
    assert theory.decay_base_from_band_ratio(rho) >= 5 / 3


def test_window_spectrum() -> None:
    omega = np.array([-2.0, -0.5, 0.0, 0.25, 1.0, 3.0])
    np.testing.assert_allclose(
        theory.window_spectrum(omega, 1.0, 2), [0.0, 0.25, 1.0, 0.5625, 0.0, 0.0]
    )
    np.testing.assert_allclose(theory.window_spectrum(omega, 2.0), [0, 0.75, 1, 0.875, 0.5, 0])


# --- bounds hold on real cascades (docs/theory.md §4, §6; exact cascades) --------------------------


def _test_signals(length: int) -> np.ndarray:
    rng = np.random.default_rng(20180701)
    time = np.arange(length)
    white = rng.standard_normal(length)
    spectrum = np.fft.rfft(rng.standard_normal(length))
    spectrum[np.fft.rfftfreq(length) > 0.1] = 0.0
    band_limited = np.fft.irfft(spectrum, length)
    chirp = np.cos(2 * np.pi * (0.01 * time + 0.45 * time**2 / (2 * length)))
    return np.stack([white, band_limited, chirp])


BANKS = [("meyer", 256, {}), ("meyer", 512, {}), ("gabor", 256, {"spacing": 1 / 16})]


@pytest.fixture(scope="module", params=BANKS, ids=lambda p: f"{p[0]}-{p[1]}")
def cascade(request: pytest.FixtureRequest) -> tuple:
    family, length, params = request.param
    bank = make_bank(family, length, **params)
    assert theory.bank_facts(bank).worst_case_applies  # the bounds' hypotheses hold
    signals = _test_signals(length)
    result = propagate(signals, bank, depth=5, energy_budget=0.0)
    return bank, signals, result


def test_bound_general_holds(cascade: tuple) -> None:
    bank, signals, result = cascade
    delta = bank.check().high_pass_delta
    bound = theory.bound_general(signals, LAYERS, delta=delta, l=1)
    measured = result.propagated_energy.sel(layer=LAYERS)
    assert bound.dims == ("signal", "layer")
    assert np.all(measured.values <= bound.values * (1 + 1e-12))
    np.testing.assert_allclose(bound.window_radius, LAYERS * delta)


def test_bound_exponential_holds_with_derived_base(cascade: tuple) -> None:
    bank, signals, result = cascade
    delta = bank.check().high_pass_delta
    a = theory.decay_base_from_band_ratio(theory.band_ratio(bank))
    bound = theory.bound_exponential(signals, LAYERS, delta=delta, a=a, l=1)
    measured = result.propagated_energy.sel(layer=LAYERS)
    assert np.all(measured.values <= bound.values * (1 + 1e-12))
    np.testing.assert_allclose(bound.window_radius, a ** (LAYERS - 1.0) * delta)


def test_bounds_at_most_input_energy_and_monotone(cascade: tuple) -> None:
    bank, signals, result = cascade
    delta = bank.check().high_pass_delta
    for bound in (
        theory.bound_general(signals, LAYERS, delta=delta),
        theory.bound_exponential(signals, LAYERS, delta=delta, a=5 / 3),
    ):
        energy = result.input_energy.values[:, None]
        assert np.all(bound.values <= energy * (1 + 1e-12))
        assert np.all(np.diff(bound.values, axis=1) <= 1e-12 * energy)


def test_radial_power_is_the_energy_split_by_radius(cascade: tuple) -> None:
    _, signals, result = cascade
    radii, power = radial_power(signals)
    assert np.all(np.diff(radii) > 0) and radii[0] == 0 and radii[-1] == 0.5
    np.testing.assert_allclose(power.sum(axis=1), result.input_energy.values, rtol=1e-12)
    assert np.all(power >= 0)


def test_bounds_from_radial_power_as_a_store_holds_it(cascade: tuple) -> None:
    bank, signals, _ = cascade
    radii, power = radial_power(signals)
    stored = xr.DataArray(
        power, dims=("signal", "frequency_radius"), coords={"frequency_radius": radii}
    ).chunk({"signal": 1})
    delta = theory.bank_facts(bank).delta
    lazy = theory.bound_general(stored, LAYERS, delta=delta)
    np.testing.assert_allclose(
        lazy.values, theory.bound_general(signals, LAYERS, delta=delta).values, rtol=1e-14
    )
    widths = theory.signal_bandwidth(stored)
    assert widths.chunks is not None  # lazy, chunk by chunk
    np.testing.assert_array_equal(widths.values, theory.signal_bandwidth(signals).values)


def test_essential_bandwidth_of_band_limited_and_constant_signals() -> None:
    signals = _test_signals(256)
    widths = theory.signal_bandwidth(signals).values
    assert widths[1] <= 0.1  # band-limited to 0.1
    assert widths[0] > 0.45  # white noise reaches the Nyquist band
    assert theory.signal_bandwidth(np.ones((1, 16))).item() == 0.0
    looser = theory.signal_bandwidth(signals, tolerance=0.1).values
    assert np.all(looser <= widths)


def test_bank_facts_report_the_value_and_flag_the_failing_hypothesis() -> None:
    """One rule: real_wavelet's derived a is reported, analyticity flagged, counts not given."""
    facts = theory.bank_facts(make_bank("real_wavelet", 1024))
    assert facts.decay_base > 1
    assert facts.decay_base == theory.decay_base_from_band_ratio(facts.band_ratio)
    assert facts.meets_parseval and facts.meets_high_pass and not facts.meets_analyticity
    assert facts.hypotheses_failed == ["analyticity"] and not facts.worst_case_applies
    assert facts.decay_base_note == ""
    meyer = theory.bank_facts(make_bank("meyer", 1024))
    assert meyer.worst_case_applies and meyer.hypotheses_failed == []
    table = theory.bank_facts_dataset([meyer, facts])
    assert table.hypotheses_failed.values.tolist() == ["", "analyticity"]
    np.testing.assert_array_equal(table.decay_base, [meyer.decay_base, facts.decay_base])


def test_bound_keeps_signal_coords() -> None:
    signals = xr.DataArray(
        _test_signals(64), dims=("signal", "time"), coords={"signal": [10, 11, 12]}
    )
    bound = theory.bound_general(signals, [1, 2], delta=0.05)
    np.testing.assert_array_equal(bound.signal, [10, 11, 12])


def test_bound_of_low_frequency_signal_is_zero() -> None:
    # energy only at |omega| < delta stays in the first low-pass: W_N = 0 and so is the bound at DC
    bound = theory.bound_general(np.ones((1, 32)), [1, 3], delta=0.1)
    np.testing.assert_allclose(bound.values, 0.0, atol=1e-12)


# --- empirical layer counts --------------------------------------------------------------------


def test_empirical_layers_needed_matches_cumsum(cascade: tuple) -> None:
    _, _, result = cascade
    eps = [0.5, 0.1, 0.01, 1e-6]
    counts = theory.empirical_layers_needed(result, eps)
    assert set(counts.dims) == {"signal", "epsilon"}
    features = result.feature_energy.values[:, :-1]
    cumulative = np.cumsum(features, axis=1)
    for i, energy in enumerate(result.input_energy.values):
        for e in eps:
            hit = np.nonzero(cumulative[i] >= (1 - e) * energy)[0]
            expected = float(hit[0]) if hit.size else np.nan
            got = float(counts.sel(epsilon=e).isel(signal=i))
            assert got == expected or (np.isnan(got) and np.isnan(expected))


def test_empirical_layers_needed_scalar_and_not_reached() -> None:
    bank = make_bank("meyer", 128)
    signals = _test_signals(128)
    result = propagate(signals, bank, depth=1)
    counts = theory.empirical_layers_needed(result, 0.5)
    assert counts.dims == ("signal",)
    tiny = theory.empirical_layers_needed(result, 1e-12)
    assert np.isnan(tiny.values).any()  # depth 1 keeps only F_0: high frequencies not reached


def test_empirical_layers_needed_extra_dims() -> None:
    feature = np.array([[[0.5, 0.3, 0.15, np.nan]], [[0.1, 0.1, 0.1, np.nan]]])
    ds = xr.Dataset(
        {
            "feature_energy": (("signal", "bank", "layer"), feature),
            "input_energy": (("signal",), [1.0, 1.0]),
        },
        coords={"layer": [0, 1, 2, 3]},
    )
    counts = theory.empirical_layers_needed(ds, 0.2)
    assert counts.dims == ("signal", "bank")
    np.testing.assert_array_equal(counts.values, [[1.0], [np.nan]])


# --- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "argument"),
    [
        (lambda: theory.layers_needed_general(0.0, 1.0), "epsilon"),
        (lambda: theory.layers_needed_general(1.0, 1.0), "epsilon"),
        (lambda: theory.layers_needed_exponential([0.5, 1.5], 1.0, a=2), "epsilon"),
        (lambda: theory.layers_needed_exponential(0.5, 1.0, a=1.0), "a"),
        (lambda: theory.layers_needed_exponential(0.5, 1.0, a=2, l=0.5), "l"),
        (lambda: theory.layers_needed_general(0.5, 0.0), "bandwidth_over_delta"),
        (lambda: theory.layers_needed_general(0.5, 1.0, d=0), "d"),
        (lambda: theory.bound_general(np.ones((1, 8)), [1], delta=0.0), "delta"),
        (lambda: theory.bound_general(np.ones((1, 8)), [1], delta=-1.0), "delta"),
        (lambda: theory.bound_general(np.ones((1, 8)), [0], delta=0.1), "layers"),
        (lambda: theory.bound_general(np.ones((1, 8)), [1], delta=0.1, l=0), "l"),
        (lambda: theory.bound_general(np.ones((1, 8, 8)), [1], delta=0.1, l=1), "l"),
        (lambda: theory.bound_exponential(np.ones((1, 8)), [1], delta=0.1, a=0.9), "a"),
        (lambda: theory.bound_exponential(np.ones((1, 8)), [1], delta=0.1, a=2, l=0.9), "l"),
        (lambda: theory.bound_general(np.ones(8), [1], delta=0.1), "signals"),
        (lambda: theory.window_spectrum([0.1], 0.0), "radius"),
        (lambda: theory.decay_base_from_band_ratio(1.0), "rho"),
        (lambda: theory.alpha(0), "d"),
    ],
)
def test_bad_input_names_argument(call, argument: str) -> None:
    with pytest.raises(InvalidParameterError) as info:
        call()
    assert info.value.argument == argument


def test_empirical_bad_epsilon() -> None:
    ds = xr.Dataset(
        {
            "feature_energy": (("signal", "layer"), [[1.0, np.nan]]),
            "input_energy": ("signal", [1.0]),
        },
        coords={"layer": [0, 1]},
    )
    for eps in (0.0, 1.0, -0.1):
        with pytest.raises(InvalidParameterError, match="epsilon"):
            theory.empirical_layers_needed(ds, eps)


def test_bound_general_two_dimensional_uses_alpha() -> None:
    rng = np.random.default_rng(1)
    signals = rng.standard_normal((2, 16, 16))
    bound = theory.bound_general(signals, [1, 4], delta=0.05, l=2)
    np.testing.assert_allclose(bound.window_radius, np.array([1, 4]) ** theory.alpha(2) * 0.05)
    energy = np.sum(signals**2, axis=(1, 2))
    assert np.all(bound.values <= energy[:, None] * (1 + 1e-12))
