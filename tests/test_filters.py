"""Filter banks: Parseval sums, analyticity, high-pass delta, mirrors, refusals."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import sector_bank
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.errors import BankCoverageError, InvalidParameterError, UnknownFamilyError
from pipeline.filters import FilterBank, families, make_bank
from pipeline.filters._profiles import partition_of_unity, positive_frequencies
from pipeline.filters.meyer import meyer_breakpoints
from pipeline.grid import Grid

ANALYTIC = ["gabor", "meyer", "morlet", "random"]


def test_registry_holds_the_shipped_families() -> None:
    # a subset: a new family module is picked up by the tests that run over families()
    assert {"gabor", "meyer", "morlet", "random", "real_wavelet"} <= set(families())
    assert families() == sorted(families())


@pytest.mark.parametrize("family", families(ndim=1))
@pytest.mark.parametrize("length", [256, 1000, 333])
def test_every_family_is_an_exact_parseval_frame(family: str, length: int) -> None:
    bank = make_bank(family, length)
    report = bank.check()
    # |chi|^2 + sum_k |g_k|^2 = 1 in every bin, to round-off (docs/theory.md §2, Parseval)
    np.testing.assert_allclose(bank.littlewood_paley, 1.0, rtol=0, atol=1e-13)
    assert report.is_parseval
    assert report.frame_bounds == (report.littlewood_paley_min, report.littlewood_paley_max)
    assert bank.filters.shape == (bank.n_filters, length)
    assert bank.lowpass.shape == (length,)


@pytest.mark.parametrize("family", ANALYTIC)
def test_analytic_families_live_on_half_lines_and_come_in_mirror_pairs(family: str) -> None:
    bank = make_bank(family, 512)
    report = bank.check()
    assert report.is_analytic
    assert np.max(report.analyticity_defect) <= 1e-12
    mirror_of = bank.mirror_index
    assert np.all(mirror_of >= 0)
    assert np.all(mirror_of[mirror_of] == np.arange(bank.n_filters))  # an involution
    assert np.all(mirror_of != np.arange(bank.n_filters))  # no analytic filter is its own mirror
    np.testing.assert_array_equal(bank.grid.mirror(bank.filters), bank.filters[mirror_of])
    indices, multiplicity = bank.representatives
    assert indices.size == bank.n_filters // 2
    assert multiplicity.sum() == bank.n_filters


def test_real_wavelets_are_their_own_mirrors_and_not_analytic() -> None:
    bank = make_bank("real_wavelet", 512)
    report = bank.check()
    assert not report.is_analytic
    # a real even filter has exactly half of its (off-DC, off-Nyquist) energy on each half-line
    np.testing.assert_allclose(report.analyticity_defect, 0.5, atol=1e-12)
    np.testing.assert_array_equal(bank.mirror_index, np.arange(bank.n_filters))
    np.testing.assert_allclose(np.fft.ifft(bank.filters, axis=1).imag, 0.0, atol=1e-15)


@pytest.mark.parametrize(
    ("family", "params", "expected_delta"),
    [
        ("meyer", {"dilation": 2.0, "scales": 5}, 0.5 * 2.0**-6),
        ("meyer", {"dilation": 1.5, "scales": 6}, 0.5 * 1.5**-7),
        ("gabor", {"spacing": 1 / 32, "delta": 0.05}, 0.05),
        ("random", {"delta": 0.03}, 0.03),
    ],
)
def test_high_pass_delta_is_the_lowest_band_edge(family, params, expected_delta) -> None:
    length = 2048
    bank = make_bank(family, length, **params)
    delta = bank.check().high_pass_delta
    # the profiles vanish at the edge and rise like x^8 (smooth_step), so the first bin above
    # SUPPORT_TOLERANCE may be the second one past the edge
    assert expected_delta < delta <= expected_delta + 2.0 / length + 1e-15
    # and the low-pass alone covers the delta-ball: |chi|^2 = 1 there
    radius = np.abs(np.fft.fftfreq(length))
    np.testing.assert_allclose(np.abs(bank.lowpass[radius < delta]) ** 2, 1.0, atol=1e-15)


@pytest.mark.parametrize("dilation", [1.5, 2.0, 3.0])
def test_meyer_bands_span_ratio_dilation_squared(dilation: float) -> None:
    bank = make_bank("meyer", 4096, dilation=dilation)
    edges = bank.check().band_edges
    ratio = edges[:, 1] / edges[:, 0]
    # supp psi_k inside [t_(k-1), t_(k+1)], ratio a^2 (docs/theory.md §6: rho = a^2); bins round inward
    assert np.all(ratio <= dilation**2 + 1e-12)
    assert np.max(ratio) > 0.8 * dilation**2


@settings(max_examples=50, deadline=None)
@given(
    gaps=st.lists(st.floats(1e-3, 0.1), min_size=1, max_size=10),
    start=st.floats(1e-3, 0.05),
    length=st.integers(16, 600),
)
def test_partition_of_unity_sums_to_one(gaps: list[float], start: float, length: int) -> None:
    breakpoints = start + np.concatenate([[0.0], np.cumsum(gaps)])
    freq = np.abs(np.fft.fftfreq(length))
    profiles = partition_of_unity(breakpoints, freq)
    np.testing.assert_allclose(profiles.sum(axis=0), 1.0, rtol=0, atol=1e-14)
    assert np.all(profiles >= 0)
    # band k is supported on [t_(k-1), t_(k+1)]
    for k in range(1, len(breakpoints) - 1):
        outside = (freq < breakpoints[k - 1]) | (freq > breakpoints[k + 1])
        assert np.all(profiles[k][outside] == 0)


def test_positive_frequencies_put_nyquist_on_the_positive_half_line() -> None:
    freq = positive_frequencies(8)
    np.testing.assert_array_equal(freq, [-1, 1 / 8, 2 / 8, 3 / 8, 4 / 8, -1, -1, -1])


def test_meyer_breakpoints_are_geometric() -> None:
    t = meyer_breakpoints(4, 2.0)
    np.testing.assert_allclose(t[1:] / t[:-1], 2.0)
    assert t[-1] == pytest.approx(0.25)


def test_random_bank_is_reproducible_from_its_seed() -> None:
    first = make_bank("random", 256, seed=7)
    again = make_bank("random", 256, seed=7)
    other = make_bank("random", 256, seed=8)
    np.testing.assert_array_equal(first.filters, again.filters)
    assert not np.allclose(np.abs(first.filters), np.abs(other.filters))


def test_a_bank_with_a_hole_is_refused() -> None:
    # prototype half-width below the spacing leaves gaps between neighbouring bands
    with pytest.raises(BankCoverageError, match="uncovered"):
        make_bank("gabor", 512, spacing=1 / 16, bandwidth=1 / 40)
    lowpass = np.zeros(64)
    lowpass[:3] = 1.0
    with pytest.raises(BankCoverageError, match="Littlewood-Paley"):
        FilterBank.from_arrays(lowpass, np.zeros((2, 64)))


def test_from_arrays_normalises_on_request_and_reports_frame_bounds_otherwise() -> None:
    rng = np.random.default_rng(0)
    lowpass = np.exp(-(np.fft.fftfreq(128) ** 2) / 0.01)
    filters = rng.uniform(0.2, 1.0, size=(5, 128)) * np.exp(2j * np.pi * rng.uniform(size=(5, 128)))
    raw = FilterBank.from_arrays(lowpass, filters, normalise=False)
    np.testing.assert_array_equal(raw.filters, filters)
    lp = np.abs(lowpass) ** 2 + np.sum(np.abs(filters) ** 2, axis=0)
    assert raw.check().frame_bounds == (lp.min(), lp.max())
    tight = FilterBank.from_arrays(lowpass, filters)
    assert tight.check().is_parseval
    # normalising divides by sqrt(LP sum): filter ratios are unchanged
    np.testing.assert_allclose(tight.filters * np.sqrt(lp), filters, rtol=1e-13)


def test_unknown_family_and_parameters_are_refused_with_one_line() -> None:
    with pytest.raises(UnknownFamilyError, match=r"family = 'haar'.*meyer") as info:
        make_bank("haar", 64)
    assert "\n" not in str(info.value)
    with pytest.raises(InvalidParameterError, match=r"octave = 3.*not a parameter.*octaves"):
        make_bank("morlet", 64, octave=3)


@pytest.mark.parametrize(
    ("family", "shape", "params", "argument"),
    [
        ("meyer", 64, {"dilation": 1.0}, "dilation"),
        ("meyer", 64, {"scales": 0}, "scales"),
        ("meyer", 64, {"scales": 40}, "scales"),
        ("meyer", (32, 32), {}, "shape"),
        ("meyer", 2, {}, "shape"),
        ("gabor", 64, {"spacing": -0.1}, "spacing"),
        ("gabor", 64, {"delta": 0.5}, "delta"),
        ("morlet", 64, {"per_octave": 1.5}, "per_octave"),
        ("random", 64, {"filters": 200}, "filters"),
        ("random", 64, {"seed": -1}, "seed"),
        ("real_wavelet", 64, {"dilation": "two"}, "dilation"),
    ],
)
def test_bad_parameters_name_the_argument(family, shape, params, argument) -> None:
    with pytest.raises(InvalidParameterError, match=f"^{argument} = "):
        make_bank(family, shape, **params)


@pytest.mark.parametrize("family", ["gabor", "meyer", "morlet", "random", "real_wavelet"])
def test_one_dimensional_families_refuse_a_2d_grid_with_one_line(family: str) -> None:
    with pytest.raises(InvalidParameterError, match=r"^shape = \(32, 24\): family '") as info:
        make_bank(family, (32, 24))
    assert "1-D grids only" in str(info.value) and "\n" not in str(info.value)
    # a Grid is as good as a shape, and the bank knows its grid
    bank = make_bank(family, Grid(64))
    assert bank.grid == Grid(64)
    np.testing.assert_array_equal(bank.filters, make_bank(family, 64).filters)


@pytest.mark.parametrize("shape", [(16, 12), (15, 9)])
@pytest.mark.parametrize("offset", [0.0, np.pi / 2, 0.3])
def test_a_2d_bank_from_arrays_is_checked_in_2d(shape, offset) -> None:
    bank = sector_bank(shape, offset)
    report = bank.check()
    assert bank.grid == Grid(shape) and bank.shape == shape
    assert report.is_parseval
    # every filter lives in a closed quarter-plane: the orthant condition of docs/theory.md §3
    assert report.is_analytic
    np.testing.assert_array_equal(report.analyticity_defect, 0.0)
    np.testing.assert_array_equal(report.half_space_defect, 0.0)
    mirror_of = bank.mirror_index
    np.testing.assert_array_equal(mirror_of, np.r_[4:8, 0:4])
    np.testing.assert_allclose(bank.grid.mirror(bank.filters), bank.filters[mirror_of], atol=1e-15)
    indices, multiplicity = bank.representatives
    assert indices.size == 4 and multiplicity.sum() == 8
    assert 0.12 < report.high_pass_delta <= 0.12 + 2.0 / min(shape)
    assert np.all(report.band_edges[:, 1] <= np.sqrt(0.5) + 1e-15)


def test_2d_defects_take_the_best_closed_sector() -> None:
    grid = Grid((16, 16))
    power = np.zeros((1, 16, 16))
    power[0, 0, 2] = 3.0  # angle 0
    power[0, 2, 0] = 2.0  # angle pi/2
    power[0, 0, 14] = 1.0  # angle pi
    bank = FilterBank.from_arrays(np.ones(grid.shape), np.sqrt(power), normalise=False)
    report = bank.check()
    # the quarter-plane [0, pi/2] (closed: both edges count) holds 5 of 6; a half-plane holds all
    np.testing.assert_allclose(report.analyticity_defect, [1 / 6], rtol=1e-15)
    np.testing.assert_array_equal(report.half_space_defect, [0.0])
    power[0, 2, 0], power[0, 2, 15] = 0.0, 2.0  # now just past pi/2: no quarter-plane holds 3 + 2
    report = FilterBank.from_arrays(np.ones(grid.shape), np.sqrt(power), normalise=False).check()
    np.testing.assert_allclose(report.analyticity_defect, [3 / 6], rtol=1e-15)
    # a real even filter has its energy on opposite sides: half of it off any quarter-plane
    even = sector_bank((16, 12), 0.0).filters[:4]
    even = np.abs(even) + np.abs(Grid((16, 12)).reflect(even))
    report = FilterBank.from_arrays(np.ones((16, 12)), even, normalise=False).check()
    assert np.all(report.analyticity_defect >= 0.5 - 1e-12)
    assert np.all(report.half_space_defect > 0.3)
    assert not report.is_analytic
