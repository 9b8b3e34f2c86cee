"""The Grid: half-space Parseval, folding, point reflection, radius/angle, transforms, refusals."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.errors import InvalidParameterError
from pipeline.grid import Grid

SIZES = st.integers(1, 13)
SHAPES = st.one_of(st.tuples(SIZES), st.tuples(SIZES, SIZES))


def _real(shape: tuple[int, ...], seed: int, batch: int = 3) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((batch, *shape))


@settings(max_examples=60, deadline=None)
@given(shape=SHAPES, seed=st.integers(0, 2**16))
def test_parseval_holds_on_the_half_space(shape, seed) -> None:
    grid = Grid(shape)
    u = _real(shape, seed)
    full = np.abs(grid.fft(u)) ** 2
    half = np.abs(grid.rfft(u)) ** 2
    energy = np.sum(u**2, axis=grid.axes)
    # sum_t |u|^2 = (1/N) sum_omega |u^|^2 = (1/N) sum_half m |u^|^2
    np.testing.assert_allclose(full.sum(axis=grid.axes) / grid.size, energy, rtol=1e-12)
    weighted = np.sum(half * grid.half_weights, axis=grid.axes) / grid.size
    np.testing.assert_allclose(weighted, energy, rtol=1e-12)
    assert half.shape[1:] == grid.half_shape


@settings(max_examples=60, deadline=None)
@given(shape=SHAPES, seed=st.integers(0, 2**16))
def test_fold_carries_weighted_sums_onto_the_half_space(shape, seed) -> None:
    grid = Grid(shape)
    rng = np.random.default_rng(seed)
    u = _real(shape, seed)
    weights = rng.uniform(size=(4, *shape))
    full = np.abs(grid.fft(u)) ** 2
    half = np.abs(grid.rfft(u)) ** 2
    expected = full.reshape(3, -1) @ weights.reshape(4, -1).T
    folded = grid.fold(weights)
    assert folded.shape == (4, *grid.half_shape)
    np.testing.assert_allclose(half.reshape(3, -1) @ folded.reshape(4, -1).T, expected, rtol=1e-12)
    np.testing.assert_array_equal(grid.fold(np.ones(shape)), grid.half_weights)
    # a point-symmetric array folds to itself times the multiplicity
    symmetric = weights + grid.reflect(weights)
    np.testing.assert_allclose(
        grid.fold(symmetric), symmetric[..., : grid.half_shape[-1]] * grid.half_weights, rtol=1e-14
    )
    # |u^|^2 is point-symmetric, so the folded sums cannot tell a(omega) from a(-omega)
    reflected = grid.fold(grid.reflect(weights)).reshape(4, -1)
    np.testing.assert_allclose(half.reshape(3, -1) @ reflected.T, expected, rtol=1e-12)


@settings(max_examples=60, deadline=None)
@given(shape=SHAPES, seed=st.integers(0, 2**16))
def test_point_reflection_is_omega_to_minus_omega(shape, seed) -> None:
    grid = Grid(shape)
    values = np.random.default_rng(seed).standard_normal((2, *shape))
    reflected = grid.reflect(values)
    np.testing.assert_array_equal(grid.reflect(reflected), values)  # an involution
    np.testing.assert_array_equal(
        reflected.reshape(2, -1), values.reshape(2, -1)[:, grid.point_reflection]
    )
    np.testing.assert_array_equal(
        grid.point_reflection[grid.point_reflection], np.arange(grid.size)
    )
    # frequencies of the reflected bin are minus those of the bin (mod 1, for Nyquist)
    for omega in grid.frequency_mesh:
        minus = omega.ravel()[grid.point_reflection]
        np.testing.assert_allclose(np.mod(minus + omega.ravel(), 1.0), 0.0, atol=1e-15)
    # the spectrum of a real signal is Hermitian, and its half spectrum rebuilds the full one
    u = _real(shape, seed)
    spectrum = grid.fft(u)
    np.testing.assert_allclose(grid.mirror(spectrum), spectrum, atol=1e-12)
    np.testing.assert_allclose(grid.full_from_half(grid.rfft(u)), spectrum, rtol=0, atol=1e-12)
    np.testing.assert_allclose(grid.irfft(grid.rfft(u)), u, atol=1e-12)
    np.testing.assert_allclose(grid.ifft(spectrum).real, u, atol=1e-12)


def test_mirror_of_a_filter_is_its_complex_conjugate_in_time() -> None:
    grid = Grid((6, 5))
    rng = np.random.default_rng(1)
    g = rng.standard_normal(grid.shape) + 1j * rng.standard_normal(grid.shape)
    np.testing.assert_allclose(grid.ifft(grid.mirror(grid.fft(g))), np.conj(g), atol=1e-14)


def test_supported_in_half_sees_the_bins_past_nyquist() -> None:
    grid = Grid((4, 6))
    values = np.zeros((2, 4, 6))
    values[0, :, :4] = 1.0  # j = 0..3 = N/2: inside
    values[1, 1, 4] = 1.0  # j = 4 > N/2: outside
    np.testing.assert_array_equal(grid.supported_in_half(values), [True, False])


def test_radius_and_angle_values() -> None:
    grid = Grid((4, 8))
    omega_y, omega_x = grid.frequency_mesh
    assert grid.radius[0, 0] == 0
    assert grid.radius[1, 0] == pytest.approx(0.25)
    assert grid.radius[0, 4] == pytest.approx(0.5)  # Nyquist counts as +1/2
    assert grid.radius[1, 2] == pytest.approx(np.hypot(0.25, 0.25))
    assert grid.radius[3, 6] == pytest.approx(np.hypot(0.25, 0.25))  # (-1/4, -1/4)
    assert grid.angle[1, 0] == pytest.approx(np.pi / 2)  # (omega_y, omega_x) = (1/4, 0)
    assert grid.angle[0, 2] == pytest.approx(0.0)
    assert grid.angle[3, 6] == pytest.approx(-3 * np.pi / 4)
    np.testing.assert_allclose(grid.radius * np.cos(grid.angle), omega_x, atol=1e-15)
    np.testing.assert_allclose(grid.radius * np.sin(grid.angle), omega_y, atol=1e-15)
    one = Grid(10)
    assert one.shape == (10,)
    np.testing.assert_array_equal(one.radius, np.abs(np.fft.fftfreq(10)))
    with pytest.raises(InvalidParameterError, match=r"^grid = \(10,\): has an angle only in 2-D"):
        _ = one.angle


def test_names_and_sizes() -> None:
    assert Grid(64).signal_dims == ("time",)
    assert Grid((16, 12)).signal_dims == ("y", "x")
    assert Grid((15, 9)).half_shape == (15, 5)
    assert Grid((15, 9)).size == 135
    assert Grid((2, 3, 4)).axes == (-3, -2, -1)
    assert Grid((4, 5)) == Grid((4, 5)) and hash(Grid(8)) == hash(Grid((8,)))
    np.testing.assert_array_equal(Grid(8).half_weights, [1, 2, 2, 2, 1])
    np.testing.assert_array_equal(Grid(7).half_weights, [1, 2, 2, 2])
    with pytest.raises(ValueError):  # cached arrays are read-only
        Grid(8).radius[0] = 1.0


@pytest.mark.parametrize("shape", [(), (0,), (4, -1), 2.5, "ab", (True, 3)])
def test_bad_shapes_are_refused_with_one_line(shape) -> None:
    with pytest.raises(InvalidParameterError, match=r"^shape = .*integers >= 1") as info:
        Grid(shape)
    assert "\n" not in str(info.value)
