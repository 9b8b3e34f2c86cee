"""Input signals: synthetic classes and loaders of real records, as ``xarray.DataArray``.

Every function here returns a float64 ``DataArray`` with dims ``("signal", "time")``, shape
``(count, length)``, and

- coordinate ``time``: the integer sample index ``0 .. length-1`` (the periodic grid of DESIGN.md;
  frequencies are in cycles per sample, ``np.fft.fftfreq`` convention);
- coordinates on ``signal``: ``dataset`` (str), ``signal_class`` (str, the generator's name),
  ``seed`` (int64, the seed of the row; ``-1`` for a recorded, non-random signal) and one float64
  coordinate per generator parameter (``bandwidth``, ``sobolev_s``, ...). Parameters are stored as
  floats, integers included, so that rows of different classes concatenate with NaN where a class
  lacks a parameter, as the store contract asks;
- attributes ``units`` (``"arbitrary"``), ``long_name`` and ``description`` (the formula).

Reproducibility: row ``i`` of a request with seed ``seed`` is drawn from its own generator
``np.random.default_rng(seed + i)``, so a row does not depend on how many rows were requested, and
a chunk of rows can be generated on any worker from ``(seed + start, count)`` alone.

Scale: every synthetic class is scaled to unit mean power per sample, ``||f||² = N`` either exactly
(``sobolev``, ``lacunary`` up to packet overlap) or in expectation (the others), so that energies of
different classes are comparable. Loaded records keep their physical scale, mean removed.

Bad input raises :class:`pipeline.errors.InvalidParameterError` with a one-line message naming the
argument, the value and what is allowed. See THEORY.md §5 (band-limited and Sobolev inputs) and
§9–10 (multi-octave inputs that approach slow decay).
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Mapping, Sequence
from numbers import Integral, Real

import numpy as np
import pywt.data
import scipy.signal
import xarray as xr

from pipeline.errors import InvalidParameterError

__all__ = [
    "GENERATORS",
    "band_limited",
    "chirp",
    "concat_signals",
    "ecg",
    "lacunary",
    "make_signals",
    "nino",
    "piecewise_constant",
    "sobolev",
    "white_noise",
]

#: Seed coordinate of recorded (non-random) signals.
NO_SEED = -1

#: Centre frequency, in cycles/sample, of the highest packet of :func:`lacunary`; packet k sits
#: at ``LACUNARY_TOP_FREQUENCY * 2**-k``. 0.4 keeps the top packet below Nyquist (0.5) while using
#: as many octaves of the grid as possible.
LACUNARY_TOP_FREQUENCY = 0.4

#: The lowest packet of :func:`lacunary` must be centred at least this many cycles per record above
#: DC, so that packets land on distinct DFT bins (octave k-1 then sits >= 8 cycles, etc.) and none
#: collapses onto the mean.
LACUNARY_MIN_CYCLES = 4.0

_INT64_MAX = int(np.iinfo(np.int64).max)


# --------------------------------------------------------------------------------------------
# validation helpers


def _is_integer(value: object) -> bool:
    return isinstance(value, Integral) and not isinstance(value, bool | np.bool_)


def _is_real(value: object) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool | np.bool_)


def _check_int(name: str, value: object, minimum: int, maximum: int | None = None) -> int:
    """Return ``int(value)`` if it is an integer in ``[minimum, maximum]``, else raise."""
    ok = _is_integer(value) and int(value) >= minimum  # type: ignore[call-overload]
    if ok and maximum is not None:
        ok = int(value) <= maximum  # type: ignore[call-overload]
    if not ok:
        allowed = (
            f"must be an integer >= {minimum}"
            if maximum is None
            else f"must be an integer in [{minimum}, {maximum}]"
        )
        raise InvalidParameterError(name, value, allowed)
    return int(value)  # type: ignore[call-overload]


def _check_frequency(name: str, value: object, *, include_zero: bool) -> float:
    """Return ``float(value)`` if it lies in ``[0, 0.5]`` (or ``(0, 0.5]``), else raise."""
    if _is_real(value):
        x = float(value)  # type: ignore[arg-type]
        if (0.0 <= x if include_zero else 0.0 < x) and x <= 0.5:
            return x
    interval = "[0, 0.5]" if include_zero else "(0, 0.5]"
    raise InvalidParameterError(name, value, f"must lie in {interval} cycles/sample")


def _check_count_length_seed(count: object, length: object, seed: object) -> tuple[int, int, int]:
    count_ = _check_int("count", count, 1)
    length_ = _check_int("length", length, 2)
    seed_ = _check_int("seed", seed, 0, _INT64_MAX - count_ + 1)
    return count_, length_, seed_


# --------------------------------------------------------------------------------------------
# assembly


def _assemble(
    values: np.ndarray,
    *,
    dataset: str,
    signal_class: str,
    seeds: np.ndarray,
    parameters: Mapping[str, float | np.ndarray],
    description: str,
) -> xr.DataArray:
    """Wrap a ``(count, length)`` array with the coordinates and attributes of the contract."""
    count, length = values.shape
    coords: dict[str, tuple[str, np.ndarray] | np.ndarray] = {
        "time": np.arange(length, dtype=np.int64),
        "dataset": ("signal", np.full(count, dataset)),
        "signal_class": ("signal", np.full(count, signal_class)),
        "seed": ("signal", np.asarray(seeds, dtype=np.int64)),
    }
    for name, value in parameters.items():
        coords[name] = ("signal", np.broadcast_to(np.asarray(value, np.float64), (count,)).copy())
    return xr.DataArray(
        np.ascontiguousarray(values, dtype=np.float64),
        dims=("signal", "time"),
        coords=coords,
        name="input_signal",
        attrs={
            "units": "arbitrary",
            "long_name": f"{signal_class} signal",
            "description": description,
        },
    )


def _row_rngs(seed: int, count: int) -> list[np.random.Generator]:
    """One independent generator per row: row ``i`` uses ``default_rng(seed + i)``."""
    return [np.random.default_rng(seed + i) for i in range(count)]


def _seeds(seed: int, count: int) -> np.ndarray:
    return np.arange(seed, seed + count, dtype=np.int64)


def _real_spectrum_multiplicity(length: int) -> np.ndarray:
    """How many bins of the full DFT grid each ``rfft`` bin stands for (1 for DC and Nyquist)."""
    multiplicity = np.full(length // 2 + 1, 2.0)
    multiplicity[0] = 1.0
    if length % 2 == 0:
        multiplicity[-1] = 1.0
    return multiplicity


# --------------------------------------------------------------------------------------------
# synthetic classes


def white_noise(count: int, length: int, *, seed: int) -> xr.DataArray:
    r"""I.i.d. standard Gaussian samples.

    Parameters
    ----------
    count
        Number of signals (rows), ``>= 1``.
    length
        Number of samples ``N`` per signal, ``>= 2``.
    seed
        Seed of the first row, ``>= 0``; row ``i`` uses ``np.random.default_rng(seed + i)``.

    Returns
    -------
    xarray.DataArray
        float64, dims ``("signal", "time")``, shape ``(count, length)``; ``signal_class`` is
        ``"white_noise"``, ``dataset`` is ``"synthetic"``.

    Raises
    ------
    InvalidParameterError
        If ``count < 1``, ``length < 2`` or ``seed`` is not a non-negative integer.

    Notes
    -----
    .. math:: f[t] \sim \mathcal N(0, 1) \text{ i.i.d.}, \qquad t = 0, \dots, N-1,

    so :math:`\mathbb E\,\|f\|^2 = N` and the spectrum is flat in expectation: every band of
    the grid carries energy, the hardest case for polynomial bounds (THEORY.md §5).

    Examples
    --------
    >>> x = white_noise(3, 8, seed=0)
    >>> dict(x.sizes)
    {'signal': 3, 'time': 8}
    >>> x.seed.values.tolist()
    [0, 1, 2]
    """
    count, length, seed = _check_count_length_seed(count, length, seed)
    values = np.stack([rng.standard_normal(length) for rng in _row_rngs(seed, count)])
    return _assemble(
        values,
        dataset="synthetic",
        signal_class="white_noise",
        seeds=_seeds(seed, count),
        parameters={},
        description="f[t] ~ N(0, 1) i.i.d., t = 0..N-1",
    )


def band_limited(count: int, length: int, *, bandwidth: float, seed: int) -> xr.DataArray:
    r"""Real Gaussian signals whose spectrum is supported in ``|ω| <= bandwidth``.

    Parameters
    ----------
    count
        Number of signals (rows), ``>= 1``.
    length
        Number of samples ``N`` per signal, ``>= 2``.
    bandwidth
        Band limit ``L`` in cycles/sample, in ``(0, 0.5]``; ``0.5`` gives a white spectrum.
    seed
        Seed of the first row, ``>= 0``; row ``i`` uses ``np.random.default_rng(seed + i)``.

    Returns
    -------
    xarray.DataArray
        float64, dims ``("signal", "time")``, coordinate ``bandwidth`` on ``signal``.

    Raises
    ------
    InvalidParameterError
        If ``bandwidth`` is outside ``(0, 0.5]`` or ``count``, ``length``, ``seed`` are invalid.

    Notes
    -----
    On the DFT grid :math:`\omega_k = k/N` (``np.fft.fftfreq``), with :math:`M` the number of
    bins with :math:`|\omega_k| \le L`,

    .. math::
        \hat f[k] = \sqrt{N^2/M}\; Z_k \,\mathbb 1_{|\omega_k| \le L}, \qquad
        \hat f[-k] = \overline{\hat f[k]},

    with :math:`Z_k` standard complex Gaussian (:math:`\mathbb E|Z_k|^2 = 1`) for
    :math:`0 < \omega_k < 1/2` and standard real Gaussian at DC and at Nyquist (where a real
    signal needs a real coefficient). The signal :math:`f = \mathrm{irfft}(\hat f)` is real, its
    spectrum vanishes outside the band up to round-off, and :math:`\mathbb E\|f\|^2 = N`.
    These are the band-limited inputs of THEORY.md §5, for which
    :math:`W_N(f) = O(N^{-\alpha})` (Theorem A) or :math:`O(a^{-N})` (Theorem B).

    Examples
    --------
    >>> x = band_limited(2, 64, bandwidth=0.1, seed=7)
    >>> float(x.bandwidth[0])
    0.1
    """
    count, length, seed = _check_count_length_seed(count, length, seed)
    bandwidth = _check_frequency("bandwidth", bandwidth, include_zero=False)

    in_band = np.fft.rfftfreq(length) <= bandwidth
    multiplicity = _real_spectrum_multiplicity(length)
    bins_in_band = float(multiplicity[in_band].sum())
    # Per-bin variance: E|f^[k]|^2 = N^2 / M, so that E||f||^2 = (1/N) Σ_k E|f^[k]|^2 = N.
    # Real bins (DC, Nyquist) draw one real Gaussian; the others split it over re and im.
    scale = np.where(multiplicity == 2.0, np.sqrt(0.5), 1.0) * (length / math.sqrt(bins_in_band))
    real_bin = multiplicity == 1.0

    spectra = np.zeros((count, length // 2 + 1), dtype=np.complex128)
    for row, rng in enumerate(_row_rngs(seed, count)):
        z = rng.standard_normal((2, length // 2 + 1))
        coefficients = (z[0] + 1j * np.where(real_bin, 0.0, z[1])) * scale
        spectra[row] = np.where(in_band, coefficients, 0.0)
    values = np.fft.irfft(spectra, n=length, axis=-1)
    return _assemble(
        values,
        dataset="synthetic",
        signal_class="band_limited",
        seeds=_seeds(seed, count),
        parameters={"bandwidth": bandwidth},
        description=(
            "f = irfft(F), F[k] = sqrt(N^2/M) Z_k for |k/N| <= bandwidth (M bins), 0 elsewhere; "
            "Z_k standard complex Gaussian (real at DC and Nyquist); E||f||^2 = N"
        ),
    )


def sobolev(count: int, length: int, *, s: float, seed: int) -> xr.DataArray:
    r"""Real random-phase signals of Sobolev regularity ``s`` (power-law spectrum).

    Parameters
    ----------
    count
        Number of signals (rows), ``>= 1``.
    length
        Number of samples ``N`` per signal, ``>= 2``.
    s
        Sobolev order, ``> 0``: the signal lies in :math:`H^{s'}` for every :math:`s' < s`.
    seed
        Seed of the first row, ``>= 0``; row ``i`` uses ``np.random.default_rng(seed + i)``.

    Returns
    -------
    xarray.DataArray
        float64, dims ``("signal", "time")``, coordinate ``sobolev_s`` on ``signal``.

    Raises
    ------
    InvalidParameterError
        If ``s <= 0`` (or not a finite number) or ``count``, ``length``, ``seed`` are invalid.

    Notes
    -----
    Frequency is measured in **cycles per record**, :math:`\kappa = N\omega = k` (the integer
    DFT index), not in cycles per sample. Then :math:`f` is the sampling on :math:`N` points of
    one periodic function on the unit circle whose Fourier coefficients do not depend on
    :math:`N`:

    .. math::
        \hat f[k] = c\,(1 + k^2)^{-s/2 - 1/4}\, e^{i\varphi_k}, \quad 0 < k < N/2, \qquad
        \hat f[-k] = \overline{\hat f[k]}, \qquad \hat f[0] = 0,

    with phases :math:`\varphi_k` uniform on :math:`[0, 2\pi)` (at Nyquist, for even
    :math:`N`, the coefficient is real: its sign is that of :math:`\cos\varphi_{N/2}`), and
    :math:`c` chosen so that :math:`\|f\|^2 = N` exactly. The mean is zero. A longer record only
    adds higher harmonics; the shape of the spectrum at low frequencies is the same for every
    length. (In cycles per sample the same law would put the knee of :math:`1+|\omega|^2` at
    :math:`\omega = 1`, beyond Nyquist, and the spectrum would be nearly flat on the grid.)

    The power spectrum :math:`|\hat f[k]|^2 \propto (1+k^2)^{-s-1/2} \sim k^{-(2s+1)}`, so
    :math:`\sum_k |\hat f[k]|^2 (1 + k^2)^{s'}` stays bounded as :math:`N \to \infty` iff
    :math:`s' < s`: :math:`s` is the critical Sobolev exponent (THEORY.md §5, where
    :math:`W_N(f) = O(N^{-\alpha\, 2s/(2s+1)})`, and §6, :math:`O(a^{-N\, 2s/(2s+1)})`).
    A log-log fit of the periodogram against :math:`k` has slope :math:`-(2s+1)`; of the
    amplitude spectrum, :math:`-(s + 1/2)`.

    Examples
    --------
    >>> x = sobolev(1, 256, s=1.0, seed=0)
    >>> round(float((x**2).sum()), 6)
    256.0
    """
    count, length, seed = _check_count_length_seed(count, length, seed)
    if not (_is_real(s) and math.isfinite(float(s)) and float(s) > 0):  # type: ignore[arg-type]
        raise InvalidParameterError("s", s, "must be a finite number > 0")
    s = float(s)  # type: ignore[arg-type]

    k = np.arange(length // 2 + 1, dtype=np.float64)
    amplitude = (1.0 + k**2) ** (-s / 2.0 - 0.25)
    amplitude[0] = 0.0  # zero mean
    multiplicity = _real_spectrum_multiplicity(length)
    # (1/N) Σ_full |f^|^2 = N  <=>  c = N / sqrt(Σ_full A^2)
    amplitude *= length / math.sqrt(float(np.sum(multiplicity * amplitude**2)))
    nyquist = length % 2 == 0

    spectra = np.empty((count, length // 2 + 1), dtype=np.complex128)
    for row, rng in enumerate(_row_rngs(seed, count)):
        phase = rng.uniform(0.0, 2.0 * np.pi, size=length // 2 + 1)
        rotation = np.exp(1j * phase)
        if nyquist:
            rotation[-1] = 1.0 if np.cos(phase[-1]) >= 0.0 else -1.0
        spectra[row] = amplitude * rotation
    values = np.fft.irfft(spectra, n=length, axis=-1)
    return _assemble(
        values,
        dataset="synthetic",
        signal_class="sobolev",
        seeds=_seeds(seed, count),
        parameters={"sobolev_s": s},
        description=(
            "f = irfft(F), F[k] = c (1 + k^2)^(-s/2 - 1/4) exp(i phi_k), k in cycles per record, "
            "phi_k ~ U[0, 2 pi), F[0] = 0, c such that ||f||^2 = N"
        ),
    )


def chirp(count: int, length: int, *, f0: float, f1: float, seed: int) -> xr.DataArray:
    r"""Linear chirps from ``f0`` to ``f1`` cycles/sample with a random initial phase.

    Parameters
    ----------
    count
        Number of signals (rows), ``>= 1``.
    length
        Number of samples ``N`` per signal, ``>= 2``.
    f0, f1
        Instantaneous frequency at the first and at the last sample, cycles/sample, in
        ``[0, 0.5]``.
    seed
        Seed of the first row, ``>= 0``; row ``i`` uses ``np.random.default_rng(seed + i)``.

    Returns
    -------
    xarray.DataArray
        float64, dims ``("signal", "time")``, coordinates ``chirp_f0`` and ``chirp_f1``.

    Raises
    ------
    InvalidParameterError
        If ``f0`` or ``f1`` is outside ``[0, 0.5]`` or ``count``, ``length``, ``seed`` are invalid.

    Notes
    -----
    With :math:`t = 0, \dots, N-1` and :math:`t_1 = N - 1`,

    .. math::
        f[t] = \sqrt 2 \cos\!\Big(2\pi\big(f_0 t + \tfrac{f_1 - f_0}{2 t_1} t^2\big)
               + \varphi\Big), \qquad \varphi \sim U[0, 2\pi),

    computed by :func:`scipy.signal.chirp` (``method="linear"``), whose instantaneous frequency
    :math:`f_0 + (f_1 - f_0)\,t/t_1` reaches :math:`f_1` at the last sample. The factor
    :math:`\sqrt 2` gives unit mean power: :math:`\mathbb E_\varphi f[t]^2 = 1` for every
    :math:`t`. The grid is periodic, so the record wraps from :math:`f_1` back to :math:`f_0`.

    Examples
    --------
    >>> x = chirp(1, 128, f0=0.0, f1=0.25, seed=3)
    >>> float(x.chirp_f1[0])
    0.25
    """
    count, length, seed = _check_count_length_seed(count, length, seed)
    f0 = _check_frequency("f0", f0, include_zero=True)
    f1 = _check_frequency("f1", f1, include_zero=True)

    t = np.arange(length, dtype=np.float64)
    rows = []
    for rng in _row_rngs(seed, count):
        phase_degrees = rng.uniform(0.0, 360.0)
        rows.append(
            math.sqrt(2.0)
            * scipy.signal.chirp(
                t, f0=f0, t1=float(length - 1), f1=f1, method="linear", phi=phase_degrees
            )
        )
    return _assemble(
        np.stack(rows),
        dataset="synthetic",
        signal_class="chirp",
        seeds=_seeds(seed, count),
        parameters={"chirp_f0": f0, "chirp_f1": f1},
        description=(
            "f[t] = sqrt(2) cos(2 pi (f0 t + (f1 - f0) t^2 / (2 (N-1))) + phi), phi ~ U[0, 2 pi), "
            "t = 0..N-1 (scipy.signal.chirp, method='linear')"
        ),
    )


def piecewise_constant(count: int, length: int, *, jumps: int, seed: int) -> xr.DataArray:
    r"""Step signals: ``jumps`` random jump positions, standard Gaussian levels.

    Parameters
    ----------
    count
        Number of signals (rows), ``>= 1``.
    length
        Number of samples ``N`` per signal, ``>= 2``.
    jumps
        Number of jumps ``J``, an integer in ``[0, N - 1]``; ``0`` gives a constant.
    seed
        Seed of the first row, ``>= 0``; row ``i`` uses ``np.random.default_rng(seed + i)``.

    Returns
    -------
    xarray.DataArray
        float64, dims ``("signal", "time")``, coordinate ``jumps`` (stored as float).

    Raises
    ------
    InvalidParameterError
        If ``jumps`` is negative, not an integer or ``> N - 1``, or ``count``, ``length``,
        ``seed`` are invalid.

    Notes
    -----
    Jump positions :math:`0 < p_1 < \dots < p_J \le N - 1` are drawn without replacement from
    :math:`\{1, \dots, N-1\}` and levels :math:`a_0, \dots, a_J \sim \mathcal N(0, 1)` i.i.d.:

    .. math:: f[t] = a_j \quad \text{for } p_j \le t < p_{j+1}, \qquad p_0 = 0,\ p_{J+1} = N,

    so :math:`\mathbb E\|f\|^2 = N`. On the periodic grid the step from :math:`a_J` back to
    :math:`a_0` at the wrap is one more (implicit) jump. A jump is a bounded-variation
    discontinuity: :math:`|\hat f(\omega)| \sim 1/|\omega|`, i.e. just below :math:`H^{1/2}`.

    Examples
    --------
    >>> x = piecewise_constant(1, 16, jumps=2, seed=0)
    >>> int((x.diff("time") != 0).sum())
    2
    """
    count, length, seed = _check_count_length_seed(count, length, seed)
    jumps = _check_int("jumps", jumps, 0, length - 1)

    t = np.arange(length)
    rows = []
    for rng in _row_rngs(seed, count):
        positions = np.sort(rng.choice(np.arange(1, length), size=jumps, replace=False))
        levels = rng.standard_normal(jumps + 1)
        rows.append(levels[np.searchsorted(positions, t, side="right")])
    return _assemble(
        np.stack(rows),
        dataset="synthetic",
        signal_class="piecewise_constant",
        seeds=_seeds(seed, count),
        parameters={"jumps": float(jumps)},
        description=(
            "f[t] = a_j for p_j <= t < p_(j+1); J jump positions p_j drawn without replacement "
            "from 1..N-1, levels a_j ~ N(0, 1) i.i.d."
        ),
    )


def lacunary(
    count: int, length: int, *, octaves: int, seed: int, packet_width: float = 0.1
) -> xr.DataArray:
    r"""Sums of equal-energy wave packets, one per octave: energy spread over many octaves.

    Parameters
    ----------
    count
        Number of signals (rows), ``>= 1``.
    length
        Number of samples ``N`` per signal, ``>= 10`` (the top packet needs
        ``0.4 N >= 4`` cycles per record).
    octaves
        Number of packets ``K``, an integer in ``[1, K_max]`` where ``K_max`` is the largest
        ``K`` with ``0.4 · 2^-(K-1) · N >= 4`` (the lowest packet at least 4 cycles per record).
    seed
        Seed of the first row, ``>= 0``; row ``i`` uses ``np.random.default_rng(seed + i)``.
    packet_width
        Relative spectral width ``r = σ_k / ξ_k`` of every packet, in ``(0, 0.25]``. The default
        0.1 keeps ``ξ_k ± 3σ_k`` inside the octave ``[ξ_k/√2, √2 ξ_k]``.

    Returns
    -------
    xarray.DataArray
        float64, dims ``("signal", "time")``, coordinates ``octaves`` and ``packet_width``.

    Raises
    ------
    InvalidParameterError
        If ``octaves`` or ``packet_width`` is out of range, or ``count``, ``length``, ``seed``
        are invalid.

    Notes
    -----
    Centre frequencies :math:`\xi_k = 0.4 \cdot 2^{-k}` cycles/sample, :math:`k = 0, \dots, K-1`,
    widths :math:`\sigma_k = r\,\xi_k` (constant :math:`Q`, so every packet is the dilate of one
    shape). Packet :math:`k` is defined by its spectrum on the non-negative DFT bins
    :math:`\omega \in [0, 1/2]` (truncated at Nyquist, Hermitian-symmetrised by ``irfft``),

    .. math::
        \hat p_k(\omega) = \exp\!\Big(-\frac{(\omega - \xi_k)^2}{2\sigma_k^2}\Big)
                           e^{i(\varphi_k - 2\pi\omega\tau_k)}, \qquad
        f = \sum_{k=0}^{K-1} \sqrt{\frac{N}{K}}\, \frac{p_k}{\|p_k\|},

    a Gaussian-envelope wave packet at frequency :math:`\xi_k` with random phase
    :math:`\varphi_k \sim U[0, 2\pi)` centred at a random time :math:`\tau_k \sim U[0, N)`
    (periodically). Every packet has energy exactly :math:`N/K`; packets of different octaves
    hardly overlap in frequency, so :math:`\|f\|^2 \approx N`. This is the multi-octave family
    :math:`f = \sum_k c_k D_{2^k} h` of THEORY.md §9 with :math:`|c_k|^2` constant: wavelet
    cascades need about one layer per octave to move such energy to the low-pass, the way to
    approach slow decay (random phases alone do not realise it; THEORY.md §10).

    Examples
    --------
    >>> x = lacunary(1, 1024, octaves=5, seed=0)
    >>> round(float((x**2).sum() / 1024), 2)
    1.0
    """
    count, length, seed = _check_count_length_seed(count, length, seed)
    if LACUNARY_TOP_FREQUENCY * length < LACUNARY_MIN_CYCLES:
        minimum = math.ceil(LACUNARY_MIN_CYCLES / LACUNARY_TOP_FREQUENCY)
        raise InvalidParameterError(
            "length",
            length,
            f"must be an integer >= {minimum} for lacunary signals (the top packet at "
            f"{LACUNARY_TOP_FREQUENCY} cycles/sample needs >= {LACUNARY_MIN_CYCLES:g} cycles "
            "per record)",
        )
    max_octaves = 1
    while LACUNARY_TOP_FREQUENCY * 2.0**-max_octaves * length >= LACUNARY_MIN_CYCLES:
        max_octaves += 1
    if not (_is_integer(octaves) and 1 <= int(octaves) <= max_octaves):  # type: ignore[call-overload]
        raise InvalidParameterError(
            "octaves",
            octaves,
            f"must be an integer in [1, {max_octaves}] for length = {length} (the lowest centre "
            f"frequency {LACUNARY_TOP_FREQUENCY}·2^-(octaves-1) must be >= "
            f"{LACUNARY_MIN_CYCLES:g} cycles per record)",
        )
    octaves = int(octaves)  # type: ignore[call-overload]
    if not (_is_real(packet_width) and 0.0 < float(packet_width) <= 0.25):  # type: ignore[arg-type]
        raise InvalidParameterError("packet_width", packet_width, "must lie in (0, 0.25]")
    packet_width = float(packet_width)  # type: ignore[arg-type]

    omega = np.fft.rfftfreq(length)
    centres = LACUNARY_TOP_FREQUENCY * 2.0 ** -np.arange(octaves)
    widths = packet_width * centres
    envelope = np.exp(-0.5 * ((omega[None, :] - centres[:, None]) / widths[:, None]) ** 2)

    rows = []
    for rng in _row_rngs(seed, count):
        phase = rng.uniform(0.0, 2.0 * np.pi, size=octaves)
        centre_time = rng.uniform(0.0, length, size=octaves)
        spectra = envelope * np.exp(
            1j * (phase[:, None] - 2.0 * np.pi * omega[None, :] * centre_time[:, None])
        )
        packets = np.fft.irfft(spectra, n=length, axis=-1)
        packets *= np.sqrt(length / octaves) / np.linalg.norm(packets, axis=-1, keepdims=True)
        rows.append(packets.sum(axis=0))
    return _assemble(
        np.stack(rows),
        dataset="synthetic",
        signal_class="lacunary",
        seeds=_seeds(seed, count),
        parameters={"octaves": float(octaves), "packet_width": packet_width},
        description=(
            "f = sum_k sqrt(N/K) p_k/||p_k||, p_k = irfft(exp(-(w - xi_k)^2 / (2 sigma_k^2)) "
            "exp(i (phi_k - 2 pi w tau_k))), xi_k = 0.4 2^-k, sigma_k = packet_width xi_k, "
            "k = 0..K-1, phi_k ~ U[0, 2 pi), tau_k ~ U[0, N)"
        ),
    )


# --------------------------------------------------------------------------------------------
# recorded signals


def _segments(
    record: np.ndarray,
    *,
    count: object,
    length: object,
    dataset: str,
    signal_class: str,
    description: str,
) -> xr.DataArray:
    """Cut ``count`` consecutive non-overlapping segments of ``length`` samples, means removed."""
    available = record.shape[0]
    count_ = _check_int("count", count, 1)
    if length is None:
        length_ = available // count_
        if length_ < 2:
            raise InvalidParameterError(
                "count", count, f"must be <= {available // 2} ({available} samples in the record)"
            )
    else:
        length_ = _check_int("length", length, 2, available)
        if count_ * length_ > available:
            raise InvalidParameterError(
                "count",
                count,
                f"must be <= {available // length_} for length = {length_} "
                f"({available} samples in the record)",
            )
    offsets = np.arange(count_) * length_
    values = np.stack([record[o : o + length_] for o in offsets]).astype(np.float64)
    values -= values.mean(axis=-1, keepdims=True)
    return _assemble(
        values,
        dataset=dataset,
        signal_class=signal_class,
        seeds=np.full(count_, NO_SEED),
        parameters={"record_offset": offsets.astype(np.float64)},
        description=description,
    )


def ecg(count: int = 1, length: int | None = None) -> xr.DataArray:
    r"""The electrocardiogram bundled with PyWavelets, cut into segments, mean removed.

    Parameters
    ----------
    count
        Number of consecutive, non-overlapping segments, ``>= 1``.
    length
        Samples per segment, in ``[2, 1024]``. ``None`` takes the longest segments that fit:
        ``1024 // count`` (the whole record for ``count = 1``).

    Returns
    -------
    xarray.DataArray
        float64, dims ``("signal", "time")``; ``dataset`` is ``"pywt.ecg"``, ``seed`` is ``-1``
        (no randomness) and ``record_offset`` holds the first sample of each segment.

    Raises
    ------
    InvalidParameterError
        If ``length`` is longer than the record, or ``count * length > 1024``.

    Notes
    -----
    The record is :func:`pywt.data.ecg` (1024 integer samples, shipped inside the package: no
    download). Row :math:`i` is

    .. math:: f_i[t] = x[iL + t] - \frac1L \sum_{u=0}^{L-1} x[iL + u], \quad t = 0, \dots, L-1,

    in the record's own (arbitrary) units. A real signal with sharp QRS complexes: energy spread
    over many octaves, the kind of input the decay bounds of THEORY.md §5–6 are about.

    Examples
    --------
    >>> x = ecg(count=2, length=512)
    >>> x.record_offset.values.tolist()
    [0.0, 512.0]
    """
    return _segments(
        np.asarray(pywt.data.ecg()),
        count=count,
        length=length,
        dataset="pywt.ecg",
        signal_class="ecg",
        description=(
            "f_i[t] = x[i L + t] - mean, x = pywt.data.ecg() (1024 samples), consecutive "
            "non-overlapping segments of L samples"
        ),
    )


def nino(length: int | None = None, *, count: int = 1) -> xr.DataArray:
    r"""The Niño 3 sea-surface temperature series bundled with PyWavelets, mean removed.

    Parameters
    ----------
    length
        Samples to keep, in ``[2, 264]``; ``None`` keeps the whole series (``264 // count``).
    count
        Number of consecutive, non-overlapping segments; the default 1 gives one row.

    Returns
    -------
    xarray.DataArray
        float64, dims ``("signal", "time")``; ``dataset`` is ``"pywt.nino3"``, ``seed`` is ``-1``
        and ``record_offset`` holds the first sample of each segment.

    Raises
    ------
    InvalidParameterError
        If ``length`` is longer than the series, or ``count * length > 264``.

    Notes
    -----
    :func:`pywt.data.nino` returns ``(time, sst)``: quarterly Niño 3 sea-surface temperature
    anomalies (°C, NOAA ERSST), 1950.00–2015.75, 264 samples, shipped with the package. The
    ``sst`` series is used, in °C; row :math:`i` is

    .. math:: f_i[t] = \mathrm{sst}[iL + t] - \frac1L \sum_{u=0}^{L-1} \mathrm{sst}[iL + u].

    A short, red-spectrum geophysical series (energy concentrated at low frequencies).

    Examples
    --------
    >>> nino().sizes["time"]
    264
    """
    _, sst = pywt.data.nino()
    return _segments(
        np.asarray(sst),
        count=count,
        length=length,
        dataset="pywt.nino3",
        signal_class="nino",
        description=(
            "f_i[t] = sst[i L + t] - mean, (time, sst) = pywt.data.nino(): quarterly Nino 3 SST "
            "anomalies 1950-2015.75 (264 samples)"
        ),
    )


# --------------------------------------------------------------------------------------------
# registry

#: Signal classes by name; :func:`make_signals` dispatches on these keys.
GENERATORS: dict[str, Callable[..., xr.DataArray]] = {
    "white_noise": white_noise,
    "band_limited": band_limited,
    "sobolev": sobolev,
    "chirp": chirp,
    "piecewise_constant": piecewise_constant,
    "lacunary": lacunary,
    "ecg": ecg,
    "nino": nino,
}


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


def make_signals(kind: str, **params: object) -> xr.DataArray:
    """Build signals of a registered class from keyword parameters (as read from a config).

    Parameters
    ----------
    kind
        A key of :data:`GENERATORS`: ``"white_noise"``, ``"band_limited"``, ``"sobolev"``,
        ``"chirp"``, ``"piecewise_constant"``, ``"lacunary"``, ``"ecg"``, ``"nino"``.
    **params
        The generator's parameters, by name (e.g. ``count``, ``length``, ``seed``, ``s``).

    Returns
    -------
    xarray.DataArray
        What ``GENERATORS[kind](**params)`` returns.

    Raises
    ------
    InvalidParameterError
        If ``kind`` is unknown (the message lists the known kinds), a parameter is unknown to
        that kind or missing, or a value is out of range.

    Examples
    --------
    >>> make_signals("sobolev", count=2, length=64, s=0.5, seed=1).signal_class.values[0]
    np.str_('sobolev')
    """
    if not isinstance(kind, str) or kind not in GENERATORS:
        raise InvalidParameterError("kind", kind, f"must be one of {', '.join(GENERATORS)}")
    generator = GENERATORS[kind]
    signature = inspect.signature(generator)
    accepted = list(signature.parameters)
    for name, value in params.items():
        if name not in signature.parameters:
            raise InvalidParameterError(
                name, value, f"is not a parameter of {kind!r}; allowed: {', '.join(accepted)}"
            )
    for name, parameter in signature.parameters.items():
        if parameter.default is inspect.Parameter.empty and name not in params:
            raise InvalidParameterError(name, _Missing(), f"is required by {kind!r}")
    return generator(**params)


def concat_signals(parts: Sequence[xr.DataArray]) -> xr.DataArray:
    """Stack signals of different classes (same length) along ``signal``.

    Parameter coordinates that a part lacks are filled with NaN, as the store contract asks
    (``xarray.concat`` alone refuses coordinates missing from some parts).

    Parameters
    ----------
    parts
        Outputs of the generators of this module, all with the same ``time`` length.

    Returns
    -------
    xarray.DataArray
        dims ``("signal", "time")``; every parameter coordinate of any part is present, NaN on
        the rows of classes without it. The ``description`` attribute is kept only when all parts
        share it.

    Raises
    ------
    InvalidParameterError
        If ``parts`` is empty or the parts do not share one ``time`` length.

    Examples
    --------
    >>> both = concat_signals([white_noise(1, 8, seed=0), sobolev(1, 8, s=1.0, seed=0)])
    >>> both.sobolev_s.values.tolist()
    [nan, 1.0]
    """
    if len(parts) == 0:
        raise InvalidParameterError("parts", parts, "must hold at least one DataArray")
    lengths = sorted({part.sizes["time"] for part in parts})
    if len(lengths) > 1:
        raise InvalidParameterError(
            "parts", f"time lengths {lengths}", "must all have the same time length"
        )
    names: dict[str, None] = {}
    for part in parts:
        for name, coord in part.coords.items():
            if coord.dims == ("signal",):
                names[str(name)] = None
    filled = []
    for part in parts:
        missing = {
            name: ("signal", np.full(part.sizes["signal"], np.nan))
            for name in names
            if name not in part.coords
        }
        filled.append(part.assign_coords(missing))
    combined = xr.concat(filled, dim="signal", combine_attrs="drop_conflicts")
    return combined
