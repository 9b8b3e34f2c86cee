"""Tests of pipeline.spectra and of the ``radial_power`` the sweep's units write into the store."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from pipeline.errors import InvalidSignalError
from pipeline.spectra import frequency_radii, radial_power
from pipeline.store import open_results
from pipeline.sweep import compute_unit, create_sweep_store, load_config

fast = settings(max_examples=40, deadline=None)

grids = st.one_of(
    st.tuples(st.integers(1, 40)),
    st.tuples(st.integers(1, 12), st.integers(1, 12)),
)


@fast
@given(data=st.data(), grid=grids, batch=st.integers(1, 3))
def test_power_sums_to_the_energy(data: st.DataObject, grid: tuple[int, ...], batch: int) -> None:
    """Parseval: sum_k P_b[k] = ||f_b||^2, for real and complex samples, 1-D and 2-D."""
    values = data.draw(
        arrays(np.float64, (batch, *grid), elements=st.floats(-1e3, 1e3, allow_subnormal=False))
    )
    if data.draw(st.booleans()):
        values = values + 1j * values[:, ::-1]
    radii, power = radial_power(values)
    energy = np.sum(np.abs(values) ** 2, axis=tuple(range(1, values.ndim)))
    assert power.shape == (batch, radii.size)
    assert np.all(power >= 0)
    np.testing.assert_allclose(power.sum(axis=1), energy, rtol=1e-12, atol=1e-12 * energy.max())


@fast
@given(grid=grids)
def test_radii_are_the_distinct_norms_of_the_grid(grid: tuple[int, ...]) -> None:
    radii, index = frequency_radii(grid)
    freqs = np.meshgrid(*[np.fft.fftfreq(n) for n in grid], indexing="ij")
    radius = np.sqrt(sum(f**2 for f in freqs))  # the expression of pipeline.theory
    assert np.all(np.diff(radii) > 0)
    assert set(radii.tolist()) == set(radius.ravel().tolist())  # exact float equality
    np.testing.assert_array_equal(radii[index], radius)


def test_one_dimensional_power_pairs_plus_and_minus_frequencies() -> None:
    rng = np.random.default_rng(0)
    values = rng.standard_normal((2, 10))
    radii, power = radial_power(values)
    spectrum = np.abs(np.fft.fft(values)) ** 2 / 10
    np.testing.assert_allclose(radii, np.arange(6) / 10, rtol=1e-15)
    np.testing.assert_allclose(power[:, 0], spectrum[:, 0], rtol=1e-14)
    for k in range(1, 5):
        np.testing.assert_allclose(power[:, k], spectrum[:, k] + spectrum[:, -k], rtol=1e-13)
    np.testing.assert_allclose(power[:, 5], spectrum[:, 5], rtol=1e-14)  # Nyquist: one bin


def test_two_dimensional_power_of_a_plane_wave() -> None:
    """A cosine along x of 2 cycles puts all its energy at radius 2/8."""
    x = np.arange(8)
    wave = np.cos(2 * np.pi * 2 * x / 8)[None, None, :] * np.ones((1, 6, 1))
    radii, power = radial_power(wave)
    where = np.flatnonzero(power[0] > 1e-12)
    assert radii[where].tolist() == [0.25]
    assert power[0, where[0]] == pytest.approx(float(np.sum(wave**2)), rel=1e-12)


@pytest.mark.parametrize("bad", [np.zeros(4), np.zeros((0, 4)), np.array([[np.nan, 1.0]])])
def test_refuses_bad_samples(bad: np.ndarray) -> None:
    with pytest.raises(InvalidSignalError, match=r"^values = "):
        radial_power(bad)


def test_units_store_each_signals_radial_power(tmp_path: Path) -> None:
    """The store holds radial_power for every signal: equal to radial_power of the signal, and
    summing to input_energy to 1e-12 (so aggregation never regenerates a signal)."""
    rows = np.random.default_rng(1).standard_normal((3, 64))
    np.save(tmp_path / "rows.npy", rows)
    spec = {
        "name": "spectra",
        "length": 64,
        "signals": [
            {"kind": "ecg", "count": 2},
            {"kind": "white_noise", "count": 3, "seed": 0},
            {"kind": "file", "path": str(tmp_path / "rows.npy")},
        ],
        "banks": [{"family": "meyer"}, {"family": "morlet", "params": {"octaves": 3}}],
        "depth": 2,
        "chunk": 3,
        "store": str(tmp_path / "store.zarr"),
    }
    (tmp_path / "sweep.yaml").write_text(yaml.safe_dump(spec))
    config = load_config(tmp_path / "sweep.yaml")
    create_sweep_store(config)
    for unit in config.work_units():
        compute_unit(config.canonical_text(), config.store, unit, config.unit_hash(unit))
    stored = open_results(config.store).load()
    signals = config.load_signals(0, config.n_signals)
    radii, power = radial_power(signals.values)
    assert stored.radial_power.dims == ("signal", "frequency_radius")
    assert stored.radial_power.attrs["long_name"] and stored.radial_power.attrs["description"]
    np.testing.assert_array_equal(stored.frequency_radius.values, radii)
    np.testing.assert_array_equal(stored.radial_power.values, power)
    total = stored.radial_power.sum("frequency_radius").values
    np.testing.assert_allclose(total, stored.input_energy.values, rtol=1e-12, atol=0)
    np.testing.assert_allclose(stored.input_energy.values, (signals.values**2).sum(-1), rtol=1e-12)
    assert stored.attrs["grid_shape"] == [64]
