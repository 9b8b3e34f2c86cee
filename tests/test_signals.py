"""Tests of pipeline.signals: the contract of every kind, exactness of the spectral
constructions, independent streams per (group, row), the bundled real records, the registry, and
input validation."""

from __future__ import annotations

import socket

import numpy as np
import pytest
import pywt.data
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline import signals
from pipeline.errors import EnergySweepError, InvalidParameterError
from pipeline.signals import (
    make_signals,
    register_signal_kind,
    signal_kind,
    signal_kinds,
    stream_key,
)

# One valid parameter set per synthetic class, and the parameter coordinates it must carry.
SYNTHETIC = {
    "white_noise": ({}, {}),
    "band_limited": ({"bandwidth": 0.2}, {"bandwidth": 0.2}),
    "sobolev": ({"s": 1.5}, {"sobolev_s": 1.5}),
    "chirp": ({"f0": 0.05, "f1": 0.3}, {"chirp_f0": 0.05, "chirp_f1": 0.3}),
    "piecewise_constant": ({"jumps": 4}, {"jumps": 4.0}),
    "lacunary": ({"octaves": 3}, {"octaves": 3.0, "packet_width": 0.1}),
}

fast = settings(max_examples=25, deadline=None)


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make any attempt to open a socket fail, to prove the loaders read bundled files."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)


def _check_contract(x: xr.DataArray, count: int, length: int, dataset: str, kind: str) -> None:
    assert isinstance(x, xr.DataArray)
    assert x.dims == ("signal", "time")
    assert x.shape == (count, length)
    assert x.dtype == np.float64
    assert np.isrealobj(x.values)
    assert np.all(np.isfinite(x.values))
    np.testing.assert_array_equal(x["time"].values, np.arange(length))
    assert x["dataset"].dims == ("signal",)
    assert x["dataset"].values.tolist() == [dataset] * count
    assert x["signal_class"].values.tolist() == [kind] * count
    assert x["seed"].dtype == np.int64
    assert x.attrs["units"] == "arbitrary"
    assert x.attrs["description"]


# ---------------------------------------------------------------------------- contract


def test_registry_names() -> None:
    # a subset: a new kind module is picked up by the registry without editing this list
    assert set(signal_kinds()) >= {
        "white_noise",
        "band_limited",
        "sobolev",
        "chirp",
        "piecewise_constant",
        "lacunary",
        "ecg",
        "ecg_bitalino",
        "nino",
    }


@pytest.mark.parametrize("kind", SYNTHETIC)
def test_synthetic_contract(kind: str) -> None:
    params, coords = SYNTHETIC[kind]
    x = make_signals(kind, count=3, length=64, seed=11, **params)
    _check_contract(x, 3, 64, "synthetic", kind)
    assert x["seed"].values.tolist() == [11, 11, 11]
    assert x["seed_row"].values.tolist() == [0, 1, 2]
    assert (
        x["seed_key"].values.tolist() == [stream_key(kind, signal_kind(kind).resolve(params))] * 3
    )
    for name, value in coords.items():
        assert x[name].dims == ("signal",)
        assert x[name].dtype == np.float64
        np.testing.assert_array_equal(x[name].values, value)


@pytest.mark.parametrize("kind", SYNTHETIC)
def test_synthetic_unit_mean_power(kind: str) -> None:
    """All synthetic classes are scaled so that the mean power per sample is 1 (in expectation)."""
    params, _ = SYNTHETIC[kind]
    x = make_signals(kind, count=400, length=128, seed=0, **params)
    power = float((x**2).mean())
    assert power == pytest.approx(1.0, abs=0.15)


@pytest.mark.parametrize("kind", SYNTHETIC)
def test_same_seed_same_numbers(kind: str) -> None:
    params, _ = SYNTHETIC[kind]
    a = make_signals(kind, count=4, length=50, seed=5, **params)
    b = make_signals(kind, count=4, length=50, seed=5, **params)
    xr.testing.assert_identical(a, b)
    c = make_signals(kind, count=4, length=50, seed=6, **params)
    assert not np.array_equal(a.values, c.values)


@pytest.mark.parametrize("kind", SYNTHETIC)
@fast
@given(
    seed=st.integers(0, 2**40),
    count=st.integers(1, 6),
    data=st.data(),
)
def test_row_does_not_depend_on_batch(
    kind: str, seed: int, count: int, data: st.DataObject
) -> None:
    """Row i of a batch equals row i made alone, on its own stream (bit for bit)."""
    params, _ = SYNTHETIC[kind]
    row = data.draw(st.integers(0, count - 1))
    batch = make_signals(kind, count=count, length=40, seed=seed, **params)
    single, coords = signal_kind(kind).rows((40,), row, 1, seed=seed, params=params)
    np.testing.assert_array_equal(batch.values[row], single[0])
    assert int(batch["seed_row"][row]) == row == int(coords["seed_row"][0])


# ---------------------------------------------------------------------------- band-limited


@fast
@given(
    length=st.integers(2, 300),
    bandwidth=st.floats(1e-3, 0.5, exclude_min=False),
    seed=st.integers(0, 2**31),
)
def test_band_limited_spectrum_vanishes_outside_band(
    length: int, bandwidth: float, seed: int
) -> None:
    x = signals.band_limited(3, length, bandwidth=bandwidth, seed=seed).values
    spectrum = np.abs(np.fft.fft(x, axis=-1))
    outside = np.abs(np.fft.fftfreq(length)) > bandwidth
    peak = spectrum.max(axis=-1, keepdims=True)
    assert np.all(spectrum[:, outside] <= 1e-12 * peak)


def test_band_limited_fills_its_band() -> None:
    """Every in-band bin carries energy on average (the band is not narrower than asked)."""
    length, bandwidth = 128, 0.25
    x = signals.band_limited(200, length, bandwidth=bandwidth, seed=3).values
    power = (np.abs(np.fft.fft(x, axis=-1)) ** 2).mean(axis=0)
    inside = np.abs(np.fft.fftfreq(length)) <= bandwidth
    assert np.all(power[inside] > 0.3 * power[inside].mean())


def test_full_bandwidth_includes_nyquist() -> None:
    x = signals.band_limited(50, 16, bandwidth=0.5, seed=0).values
    nyquist = np.fft.fft(x, axis=-1)[:, 8]
    assert np.all(np.abs(nyquist.imag) < 1e-12)
    assert np.any(np.abs(nyquist) > 1e-3)


# ---------------------------------------------------------------------------- Sobolev


@pytest.mark.parametrize("length", [255, 256])
def test_sobolev_spectrum_is_exactly_the_power_law(length: int) -> None:
    """|f^[k]| = c (1 + k²)^(-s/2-1/4) on every bin (DC 0, Nyquist included): nothing is lost
    by the Hermitian symmetrisation, and ||f||² = N exactly."""
    s = 0.75
    x = signals.sobolev(4, length, s=s, seed=2).values
    magnitude = np.abs(np.fft.fft(x, axis=-1))
    k = np.abs(np.fft.fftfreq(length) * length)
    expected = (1.0 + k**2) ** (-s / 2 - 0.25)
    expected[0] = 0.0
    expected *= length / np.sqrt(np.sum(expected**2))
    np.testing.assert_allclose(magnitude, np.broadcast_to(expected, magnitude.shape), atol=1e-9)
    np.testing.assert_allclose((x**2).sum(axis=-1), length, rtol=1e-12)


@pytest.mark.parametrize("s", [0.25, 1.0, 2.5])
def test_sobolev_spectral_slope(s: float) -> None:
    """Log-log slope of the averaged periodogram against k (cycles per record), fitted on
    8 <= k < N/2, lies within ±0.15 of -(2s+1); the amplitude spectrum's slope, half of it,
    within ±0.15 of -(s+1/2)."""
    length = 1024
    x = signals.sobolev(32, length, s=s, seed=0).values
    periodogram = (np.abs(np.fft.rfft(x, axis=-1)) ** 2).mean(axis=0)
    k = np.arange(periodogram.size)
    fit = (k >= 8) & (k < length // 2)
    power_slope = np.polyfit(np.log(k[fit]), np.log(periodogram[fit]), 1)[0]
    amplitude_slope = np.polyfit(np.log(k[fit]), 0.5 * np.log(periodogram[fit]), 1)[0]
    assert power_slope == pytest.approx(-(2 * s + 1), abs=0.15)
    assert amplitude_slope == pytest.approx(-(s + 0.5), abs=0.15)


def test_sobolev_shape_does_not_depend_on_length() -> None:
    """Frequencies are in cycles per record: the relative coefficient profile is the same."""
    short = np.abs(np.fft.rfft(signals.sobolev(1, 128, s=1.0, seed=0).values[0]))
    long = np.abs(np.fft.rfft(signals.sobolev(1, 1024, s=1.0, seed=0).values[0]))
    np.testing.assert_allclose(short[1:60] / short[1], long[1:60] / long[1], rtol=1e-10)


def test_sobolev_zero_mean() -> None:
    x = signals.sobolev(5, 100, s=0.5, seed=1)
    np.testing.assert_allclose(x.mean("time"), 0.0, atol=1e-12)


# ---------------------------------------------------------------------------- chirp


def test_chirp_constant_frequency_peaks_at_that_bin() -> None:
    x = signals.chirp(3, 256, f0=0.125, f1=0.125, seed=4).values
    spectrum = np.abs(np.fft.rfft(x, axis=-1))
    assert np.all(np.argmax(spectrum, axis=-1) == 32)


def test_chirp_energy_sits_in_swept_band() -> None:
    length, f0, f1 = 2048, 0.05, 0.2
    x = signals.chirp(2, length, f0=f0, f1=f1, seed=0).values
    power = np.abs(np.fft.rfft(x, axis=-1)) ** 2
    omega = np.fft.rfftfreq(length)
    band = (omega >= f0 - 0.01) & (omega <= f1 + 0.01)
    assert np.all(power[:, band].sum(axis=-1) > 0.98 * power.sum(axis=-1))


def test_chirp_phase_is_random() -> None:
    x = signals.chirp(4, 64, f0=0.1, f1=0.1, seed=0).values
    assert len({round(v, 6) for v in x[:, 0]}) == 4
    assert np.all(np.abs(x) <= np.sqrt(2) + 1e-12)


# ---------------------------------------------------------------------------- piecewise constant


@fast
@given(length=st.integers(2, 200), data=st.data(), seed=st.integers(0, 2**31))
def test_piecewise_constant_has_exactly_the_jumps(length: int, data: st.DataObject, seed: int):
    jumps = data.draw(st.integers(0, length - 1))
    x = signals.piecewise_constant(2, length, jumps=jumps, seed=seed).values
    assert np.all(np.count_nonzero(np.diff(x, axis=-1), axis=-1) == jumps)


# ---------------------------------------------------------------------------- lacunary


@pytest.mark.parametrize("octaves", [1, 4, 7])
def test_lacunary_equal_energy_per_octave(octaves: int) -> None:
    length = 1024
    x = signals.lacunary(3, length, octaves=octaves, seed=9).values
    power = np.abs(np.fft.rfft(x, axis=-1)) ** 2
    power[:, 1 : (length + 1) // 2] *= 2  # both halves of the spectrum
    omega = np.fft.rfftfreq(length)
    total = power.sum(axis=-1)
    np.testing.assert_allclose(total / length**2, 1.0, rtol=0.02)  # ||f||² ≈ N
    for k in range(octaves):
        centre = 0.4 * 2.0**-k
        octave = (omega >= centre / np.sqrt(2)) & (omega < centre * np.sqrt(2))
        share = power[:, octave].sum(axis=-1) / total
        np.testing.assert_allclose(share, 1.0 / octaves, rtol=0.05)


def test_lacunary_octave_limit_follows_length() -> None:
    signals.lacunary(1, 1024, octaves=7, seed=0)
    with pytest.raises(InvalidParameterError, match=r"^octaves = 8: .*\[1, 7\]"):
        signals.lacunary(1, 1024, octaves=8, seed=0)
    signals.lacunary(1, 2048, octaves=8, seed=0)


# ---------------------------------------------------------------------------- real records


@pytest.mark.usefixtures("no_network")
def test_ecg_whole_record() -> None:
    x = signals.ecg()
    _check_contract(x, 1, 1024, "pywt.ecg", "ecg")
    record = pywt.data.ecg().astype(np.float64)
    np.testing.assert_allclose(x.values[0], record - record.mean())
    assert x["seed"].values.tolist() == [signals.NO_SEED]


@pytest.mark.usefixtures("no_network")
def test_ecg_segments() -> None:
    x = signals.ecg(count=3, length=300)
    _check_contract(x, 3, 300, "pywt.ecg", "ecg")
    assert x["record_offset"].values.tolist() == [0.0, 300.0, 600.0]
    record = pywt.data.ecg().astype(np.float64)
    np.testing.assert_allclose(x.values[2], record[600:900] - record[600:900].mean())
    np.testing.assert_allclose(x.mean("time"), 0.0, atol=1e-9)
    assert signals.ecg(count=4).shape == (4, 256)
    assert signals.ecg(length=100).shape == (1, 100)


@pytest.mark.usefixtures("no_network")
def test_nino_series() -> None:
    x = signals.nino()
    _check_contract(x, 1, 264, "pywt.nino3", "nino")
    _, sst = pywt.data.nino()
    np.testing.assert_allclose(x.values[0], sst - sst.mean())
    cropped = signals.nino(100)
    assert cropped.shape == (1, 100)
    assert abs(float(cropped.mean())) < 1e-12
    assert signals.nino(count=2).shape == (2, 132)


@pytest.mark.usefixtures("no_network")
def test_ecg_bitalino_is_a_second_real_record() -> None:
    """Column A2 of pyhrv's SampleECG.txt, read from the file itself (not through pyhrv)."""
    from pipeline.signals.kinds.ecg_bitalino import _sample_file

    x = signals.ecg_bitalino(count=21, length=1024)
    _check_contract(x, 21, 1024, "pyhrv.SampleECG", "ecg_bitalino")
    rows = [
        line.split("\t")
        for line in _sample_file().read_text().splitlines()
        if line and not line.startswith("#")
    ]
    record = np.array([float(row[5]) for row in rows])
    assert record.size == 22350  # 22.35 s at 1000 Hz
    assert np.array_equal(np.array([int(row[0]) for row in rows[:16]]) % 16, np.arange(1, 17) % 16)
    segment = record[5 * 1024 : 6 * 1024]
    np.testing.assert_allclose(x.values[5], segment - segment.mean())
    assert x["record_offset"].values[5] == 5 * 1024
    # a real ECG: in most segments the QRS complexes stand far above the baseline
    peaks = np.abs(x.values).max(axis=1) / x.values.std(axis=1)
    assert np.median(peaks) > 4 and np.sum(peaks > 4) >= 18


def test_ecg_bitalino_without_pyhrv_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    from pipeline.signals.kinds import ecg_bitalino as module

    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(InvalidParameterError, match=r"energy-sweep\[data\]") as info:
        module._sample_file()
    assert "\n" not in str(info.value)


# ---------------------------------------------------------------------------- dispatch, errors


def test_make_signals_dispatches() -> None:
    direct = signals.sobolev(2, 32, s=1.0, seed=4)
    xr.testing.assert_identical(make_signals("sobolev", count=2, length=32, s=1.0, seed=4), direct)
    xr.testing.assert_identical(make_signals("ecg", count=2, length=64), signals.ecg(2, 64))


def test_unknown_kind_lists_known_kinds() -> None:
    with pytest.raises(InvalidParameterError) as info:
        make_signals("pink_noise", count=1, length=8, seed=0)
    message = str(info.value)
    assert message.startswith("kind = 'pink_noise': ")
    assert all(name in message for name in signal_kinds())


BAD_INPUTS = [
    ("white_noise", {"count": 0, "length": 8, "seed": 0}, "count"),
    ("white_noise", {"count": 2.0, "length": 8, "seed": 0}, "count"),
    ("white_noise", {"count": True, "length": 8, "seed": 0}, "count"),
    ("white_noise", {"count": 1, "length": 1, "seed": 0}, "length"),
    ("white_noise", {"count": 1, "length": 8, "seed": -1}, "seed"),
    ("white_noise", {"count": 1, "length": 8, "seed": 1.5}, "seed"),
    ("white_noise", {"count": 1, "length": 8}, "seed"),
    ("white_noise", {"count": 1, "length": 8, "seed": 0, "bandwidth": 0.1}, "bandwidth"),
    ("band_limited", {"count": 1, "length": 8, "bandwidth": 0.7, "seed": 0}, "bandwidth"),
    ("band_limited", {"count": 1, "length": 8, "bandwidth": 0.0, "seed": 0}, "bandwidth"),
    ("band_limited", {"count": 1, "length": 8, "bandwidth": float("nan"), "seed": 0}, "bandwidth"),
    ("band_limited", {"count": 1, "length": 8, "bandwidth": "0.1", "seed": 0}, "bandwidth"),
    ("sobolev", {"count": 1, "length": 8, "s": 0.0, "seed": 0}, "s"),
    ("sobolev", {"count": 1, "length": 8, "s": -1.0, "seed": 0}, "s"),
    ("sobolev", {"count": 1, "length": 8, "s": float("inf"), "seed": 0}, "s"),
    ("chirp", {"count": 1, "length": 8, "f0": -0.1, "f1": 0.2, "seed": 0}, "f0"),
    ("chirp", {"count": 1, "length": 8, "f0": 0.1, "f1": 0.6, "seed": 0}, "f1"),
    ("piecewise_constant", {"count": 1, "length": 8, "jumps": -1, "seed": 0}, "jumps"),
    ("piecewise_constant", {"count": 1, "length": 8, "jumps": 8, "seed": 0}, "jumps"),
    ("piecewise_constant", {"count": 1, "length": 8, "jumps": 1.5, "seed": 0}, "jumps"),
    ("lacunary", {"count": 1, "length": 64, "octaves": 0, "seed": 0}, "octaves"),
    ("lacunary", {"count": 1, "length": 64, "octaves": 4, "seed": 0}, "octaves"),
    ("lacunary", {"count": 1, "length": 8, "octaves": 1, "seed": 0}, "length"),
    (
        "lacunary",
        {"count": 1, "length": 64, "octaves": 1, "seed": 0, "packet_width": 0},
        "packet_width",
    ),
    ("ecg", {"length": 2000}, "length"),
    ("ecg", {"length": 1}, "length"),
    ("ecg", {"count": 3, "length": 400}, "count"),
    ("ecg", {"count": 0}, "count"),
    ("ecg", {"count": 600}, "count"),
    ("nino", {"length": 265}, "length"),
    ("nino", {"count": 2, "length": 200}, "count"),
    ("nino", {"seed": 0}, "seed"),
    ("ecg_bitalino", {"count": 22, "length": 1024}, "count"),
    ("ecg_bitalino", {"seed": 0}, "seed"),
]


@pytest.mark.parametrize(("kind", "params", "argument"), BAD_INPUTS)
def test_bad_input_names_the_argument(kind: str, params: dict, argument: str) -> None:
    with pytest.raises(InvalidParameterError) as info:
        make_signals(kind, **params)
    message = str(info.value)
    assert isinstance(info.value, EnergySweepError | ValueError)
    assert message.startswith(f"{argument} = ")
    assert "\n" not in message
    assert info.value.argument == argument


def test_message_format_example() -> None:
    with pytest.raises(InvalidParameterError) as info:
        signals.band_limited(1, 8, bandwidth=0.7, seed=0)
    assert str(info.value) == "bandwidth = 0.7: must be a finite number in (0, 0.5]"


@fast
@given(
    kind=st.sampled_from(sorted(SYNTHETIC)),
    count=st.integers(1, 4),
    length=st.integers(10, 200),
    seed=st.integers(0, 2**62),
)
def test_any_valid_request_meets_the_contract(kind: str, count: int, length: int, seed: int):
    params, _ = SYNTHETIC[kind]
    if kind == "piecewise_constant":
        params = {"jumps": min(params["jumps"], length - 1)}
    if kind == "lacunary":
        params = {"octaves": 1}
    x = make_signals(kind, count=count, length=length, seed=seed, **params)
    _check_contract(x, count, length, "synthetic", kind)


def test_concat_signals_fills_missing_parameters_with_nan() -> None:
    parts = [
        signals.sobolev(2, 32, s=1.0, seed=0),
        signals.band_limited(1, 32, bandwidth=0.2, seed=0),
        signals.ecg(1, 32),
    ]
    both = signals.concat_signals(parts)
    assert both.shape == (4, 32)
    np.testing.assert_array_equal(both["sobolev_s"].values, [1.0, 1.0, np.nan, np.nan])
    np.testing.assert_array_equal(both["bandwidth"].values, [np.nan, np.nan, 0.2, np.nan])
    assert both["dataset"].values.tolist() == ["synthetic"] * 3 + ["pywt.ecg"]
    assert both["seed"].values.tolist() == [0, 0, 0, signals.NO_SEED]
    assert both["seed_row"].values.tolist() == [0, 1, 0, signals.NO_SEED]
    assert both.attrs["units"] == "arbitrary"
    xr.testing.assert_equal(
        both.isel(signal=slice(0, 2)).drop_vars(["bandwidth", "record_offset"]), parts[0]
    )


def test_concat_signals_refuses_mixed_lengths() -> None:
    with pytest.raises(InvalidParameterError, match=r"^parts = "):
        signals.concat_signals(
            [signals.white_noise(1, 8, seed=0), signals.white_noise(1, 9, seed=0)]
        )
    with pytest.raises(InvalidParameterError, match=r"^parts = "):
        signals.concat_signals([])


def test_converts_to_dataset() -> None:
    """The array's name must not clash with its ``signal`` dimension."""
    ds = signals.white_noise(2, 8, seed=0).to_dataset()
    assert ds["input_signal"].dims == ("signal", "time")


# ---------------------------------------------------------------------------- independent streams


def _correlation(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.corrcoef(a, b)[0, 1])


def test_overlapping_seed_ranges_share_no_rows() -> None:
    """white_noise seed 0 count 10 and seed 5 count 10 overlap under seed + i: not any more."""
    first = make_signals("white_noise", count=10, length=256, seed=0).values
    second = make_signals("white_noise", count=10, length=256, seed=5).values
    for a in first:
        for b in second:
            assert not np.array_equal(a, b)
            assert abs(_correlation(a, b)) < 0.3  # 256 i.i.d. pairs: |r| ~ 0.06


def test_kinds_with_the_same_seed_draw_from_different_streams() -> None:
    """band_limited at bandwidth 0.5 is white noise in law; with one seed it is another draw."""
    white = make_signals("white_noise", count=4, length=256, seed=3).values
    full_band = make_signals("band_limited", count=4, length=256, seed=3, bandwidth=0.5).values
    assert stream_key("white_noise", {}) != stream_key("band_limited", {"bandwidth": 0.5})
    for a, b in zip(white, full_band, strict=True):
        assert abs(_correlation(a, b)) < 0.3
    # the same kind with other parameters is another stream too: on one stream the in-band
    # coefficients of two bandwidths would be proportional (the same Gaussians, rescaled)
    narrow = make_signals("band_limited", count=4, length=256, seed=3, bandwidth=0.25).values
    in_band = slice(1, 256 // 4)
    ratio = np.abs(np.fft.rfft(narrow)[:, in_band]) / np.abs(np.fft.rfft(full_band)[:, in_band])
    assert (ratio.std(axis=-1) > 0.1 * ratio.mean(axis=-1)).all()


def test_rows_do_not_depend_on_other_groups_or_order() -> None:
    """A row is a function of (kind, params, seed, row) alone (the spec adds nothing)."""
    alone = make_signals("sobolev", count=3, length=64, seed=7, s=1.0).values
    kind = signal_kind("sobolev")
    again, _ = kind.rows((64,), 0, 3, seed=7, params={"s": 1.0})
    np.testing.assert_array_equal(alone, again)
    # written with the default spelled out, or with 1 for 1.0: the same stream
    assert stream_key("lacunary", {"octaves": 3, "packet_width": 0.1}) == stream_key(
        "lacunary", signal_kind("lacunary").resolve({"octaves": 3.0})
    )


# ---------------------------------------------------------------------------- registry


def test_registering_a_kind_is_one_call() -> None:
    def ramp(streams, shape, *, slope: float = 1.0):
        return np.stack([slope * np.arange(shape[0]) + rng.standard_normal() for rng in streams])

    register_signal_kind("test_ramp", ramp, random=True, description="f[t] = slope t + c")
    try:
        x = make_signals("test_ramp", count=2, length=8, seed=1, slope=2.0)
        assert x["slope"].values.tolist() == [2.0, 2.0]
        assert "test_ramp" in signal_kinds()
        with pytest.raises(ValueError, match="already registered"):
            register_signal_kind("test_ramp", lambda streams, shape: None, random=True)
    finally:
        from pipeline.signals import registry

        registry._KINDS.pop("test_ramp")


def test_registry_refuses_malformed_kinds() -> None:
    with pytest.raises(ValueError, match="streams, shape"):
        register_signal_kind("bad", lambda n: n, random=True)
    with pytest.raises(ValueError, match="no arguments"):
        register_signal_kind("bad", lambda n: n, random=False)
    assert "bad" not in signal_kinds()


def test_kinds_declare_their_dimensions() -> None:
    assert signal_kind("white_noise").dims == (1, 2)
    assert signal_kind("sobolev").dims == (1,)
    image = make_signals("white_noise", count=2, shape=(8, 6), seed=0)
    assert image.dims == ("signal", "y", "x") and image.shape == (2, 8, 6)
    with pytest.raises(InvalidParameterError, match=r"^shape = \(8, 8\): must have 1 dimension"):
        make_signals("sobolev", count=1, shape=(8, 8), seed=0, s=1.0)
