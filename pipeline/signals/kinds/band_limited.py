r"""Band-limited Gaussian signals: spectrum supported in ``|ω| <= bandwidth``."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import xarray as xr

from pipeline.validation import check_real

from ..registry import make_signals, register_signal_kind
from ._spectral import real_spectrum_multiplicity


def _band_limited(
    streams: Sequence[np.random.Generator], shape: tuple[int, ...], *, bandwidth: float
) -> np.ndarray:
    r"""Real Gaussian rows whose spectrum vanishes outside ``|ω| <= bandwidth``.

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
    These are the band-limited inputs of docs/theory.md §5, for which
    :math:`W_N(f) = O(N^{-\alpha})` (Theorem A) or :math:`O(a^{-N})` (Theorem B).
    """
    bandwidth = check_real("bandwidth", bandwidth, minimum=0.0, maximum=0.5, include_minimum=False)
    (length,) = shape
    in_band = np.fft.rfftfreq(length) <= bandwidth
    multiplicity = real_spectrum_multiplicity(length)
    bins_in_band = float(multiplicity[in_band].sum())
    # Per-bin variance: E|f^[k]|^2 = N^2 / M, so that E||f||^2 = (1/N) Σ_k E|f^[k]|^2 = N.
    # Real bins (DC, Nyquist) draw one real Gaussian; the others split it over re and im.
    scale = np.where(multiplicity == 2.0, np.sqrt(0.5), 1.0) * (length / math.sqrt(bins_in_band))
    real_bin = multiplicity == 1.0
    spectra = np.zeros((len(streams), length // 2 + 1), dtype=np.complex128)
    for row, rng in enumerate(streams):
        z = rng.standard_normal((2, length // 2 + 1))
        coefficients = (z[0] + 1j * np.where(real_bin, 0.0, z[1])) * scale
        spectra[row] = np.where(in_band, coefficients, 0.0)
    return np.fft.irfft(spectra, n=length, axis=-1)


register_signal_kind(
    "band_limited",
    _band_limited,
    random=True,
    description=(
        "f = irfft(F), F[k] = sqrt(N^2/M) Z_k for |k/N| <= bandwidth (M bins), 0 elsewhere; "
        "Z_k standard complex Gaussian (real at DC and Nyquist); E||f||^2 = N"
    ),
)


def band_limited(count: int, length: int, *, bandwidth: float, seed: int) -> xr.DataArray:
    """``count`` band-limited rows (:func:`make_signals` shorthand).

    Examples
    --------
    >>> x = band_limited(2, 64, bandwidth=0.1, seed=7)
    >>> float(x.bandwidth[0])
    0.1
    """
    return make_signals("band_limited", count=count, length=length, seed=seed, bandwidth=bandwidth)
