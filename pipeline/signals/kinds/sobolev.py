r"""Random-phase signals of Sobolev regularity ``s`` (power-law spectrum)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import xarray as xr

from pipeline.validation import check_real

from ..registry import make_signals, register_signal_kind
from ._spectral import real_spectrum_multiplicity


def _sobolev(
    streams: Sequence[np.random.Generator], shape: tuple[int, ...], *, s: float
) -> np.ndarray:
    r"""Real random-phase rows of critical Sobolev exponent ``s > 0``, ``||f||^2 = N`` exactly.

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
    length.

    The power spectrum :math:`|\hat f[k]|^2 \propto (1+k^2)^{-s-1/2} \sim k^{-(2s+1)}`, so
    :math:`\sum_k |\hat f[k]|^2 (1 + k^2)^{s'}` stays bounded as :math:`N \to \infty` iff
    :math:`s' < s`: :math:`s` is the critical Sobolev exponent (docs/theory.md §5, where
    :math:`W_N(f) = O(N^{-\alpha\, 2s/(2s+1)})`, and §6, :math:`O(a^{-N\, 2s/(2s+1)})`).
    A log-log fit of the periodogram against :math:`k` has slope :math:`-(2s+1)`.
    """
    s = check_real("s", s, minimum=0.0, include_minimum=False)
    (length,) = shape
    k = np.arange(length // 2 + 1, dtype=np.float64)
    amplitude = (1.0 + k**2) ** (-s / 2.0 - 0.25)
    amplitude[0] = 0.0  # zero mean
    multiplicity = real_spectrum_multiplicity(length)
    # (1/N) Σ_full |f^|^2 = N  <=>  c = N / sqrt(Σ_full A^2)
    amplitude *= length / math.sqrt(float(np.sum(multiplicity * amplitude**2)))
    nyquist = length % 2 == 0
    spectra = np.empty((len(streams), length // 2 + 1), dtype=np.complex128)
    for row, rng in enumerate(streams):
        phase = rng.uniform(0.0, 2.0 * np.pi, size=length // 2 + 1)
        rotation = np.exp(1j * phase)
        if nyquist:
            rotation[-1] = 1.0 if np.cos(phase[-1]) >= 0.0 else -1.0
        spectra[row] = amplitude * rotation
    return np.fft.irfft(spectra, n=length, axis=-1)


register_signal_kind(
    "sobolev",
    _sobolev,
    random=True,
    coordinates={"s": "sobolev_s"},
    description=(
        "f = irfft(F), F[k] = c (1 + k^2)^(-s/2 - 1/4) exp(i phi_k), k in cycles per record, "
        "phi_k ~ U[0, 2 pi), F[0] = 0, c such that ||f||^2 = N"
    ),
)


def sobolev(count: int, length: int, *, s: float, seed: int) -> xr.DataArray:
    """``count`` Sobolev rows (:func:`make_signals` shorthand).

    Examples
    --------
    >>> x = sobolev(1, 256, s=1.0, seed=0)
    >>> round(float((x**2).sum()), 6)
    256.0
    """
    return make_signals("sobolev", count=count, length=length, seed=seed, s=s)
