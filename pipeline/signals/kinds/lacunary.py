r"""Lacunary signals: equal-energy wave packets, one per octave."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import xarray as xr

from pipeline.errors import InvalidParameterError
from pipeline.validation import check_integer, check_real

from ..registry import make_signals, register_signal_kind

#: Centre frequency, in cycles/sample, of the highest packet; packet k sits at
#: ``LACUNARY_TOP_FREQUENCY * 2**-k``. 0.4 keeps the top packet below Nyquist (0.5) while using
#: as many octaves of the grid as possible.
LACUNARY_TOP_FREQUENCY = 0.4

#: The lowest packet must be centred at least this many cycles per record above DC, so that
#: packets land on distinct DFT bins and none collapses onto the mean.
LACUNARY_MIN_CYCLES = 4.0


def _lacunary(
    streams: Sequence[np.random.Generator],
    shape: tuple[int, ...],
    *,
    octaves: int,
    packet_width: float = 0.1,
) -> np.ndarray:
    r"""Sums of ``octaves`` equal-energy Gaussian wave packets, one per octave.

    ``length >= 10``; ``octaves`` in ``[1, K_max]``, the largest ``K`` with
    ``0.4 · 2^-(K-1) · N >= 4``; ``packet_width`` (relative width ``σ_k / ξ_k``) in ``(0, 0.25]``.

    Notes
    -----
    Centre frequencies :math:`\xi_k = 0.4 \cdot 2^{-k}` cycles/sample, :math:`k = 0, \dots, K-1`,
    widths :math:`\sigma_k = r\,\xi_k`. Packet :math:`k` is defined by its spectrum on the
    non-negative DFT bins (Hermitian-symmetrised by ``irfft``),

    .. math::
        \hat p_k(\omega) = \exp\!\Big(-\frac{(\omega - \xi_k)^2}{2\sigma_k^2}\Big)
                           e^{i(\varphi_k - 2\pi\omega\tau_k)}, \qquad
        f = \sum_{k=0}^{K-1} \sqrt{\frac{N}{K}}\, \frac{p_k}{\|p_k\|},

    with random phase :math:`\varphi_k \sim U[0, 2\pi)` and centre time
    :math:`\tau_k \sim U[0, N)`. Every packet has energy exactly :math:`N/K`. This is the
    multi-octave family :math:`f = \sum_k c_k D_{2^k} h` of docs/theory.md §9 with :math:`|c_k|^2`
    constant: wavelet cascades need about one layer per octave to move such energy to the
    low-pass, the way to approach slow decay (docs/theory.md §10).
    """
    (length,) = shape
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
    try:
        octaves = check_integer("octaves", octaves, minimum=1, maximum=max_octaves)
    except InvalidParameterError:
        raise InvalidParameterError(
            "octaves",
            octaves,
            f"must be an integer in [1, {max_octaves}] for length = {length} (the lowest centre "
            f"frequency {LACUNARY_TOP_FREQUENCY}·2^-(octaves-1) must be >= "
            f"{LACUNARY_MIN_CYCLES:g} cycles per record)",
        ) from None
    packet_width = check_real(
        "packet_width", packet_width, minimum=0.0, maximum=0.25, include_minimum=False
    )
    omega = np.fft.rfftfreq(length)
    centres = LACUNARY_TOP_FREQUENCY * 2.0 ** -np.arange(octaves)
    widths = packet_width * centres
    envelope = np.exp(-0.5 * ((omega[None, :] - centres[:, None]) / widths[:, None]) ** 2)
    rows = []
    for rng in streams:
        phase = rng.uniform(0.0, 2.0 * np.pi, size=octaves)
        centre_time = rng.uniform(0.0, length, size=octaves)
        spectra = envelope * np.exp(
            1j * (phase[:, None] - 2.0 * np.pi * omega[None, :] * centre_time[:, None])
        )
        packets = np.fft.irfft(spectra, n=length, axis=-1)
        packets *= np.sqrt(length / octaves) / np.linalg.norm(packets, axis=-1, keepdims=True)
        rows.append(packets.sum(axis=0))
    return np.stack(rows)


register_signal_kind(
    "lacunary",
    _lacunary,
    random=True,
    description=(
        "f = sum_k sqrt(N/K) p_k/||p_k||, p_k = irfft(exp(-(w - xi_k)^2 / (2 sigma_k^2)) "
        "exp(i (phi_k - 2 pi w tau_k))), xi_k = 0.4 2^-k, sigma_k = packet_width xi_k, "
        "k = 0..K-1, phi_k ~ U[0, 2 pi), tau_k ~ U[0, N)"
    ),
)


def lacunary(
    count: int, length: int, *, octaves: int, seed: int, packet_width: float = 0.1
) -> xr.DataArray:
    """``count`` lacunary rows (:func:`make_signals` shorthand).

    Examples
    --------
    >>> x = lacunary(1, 1024, octaves=5, seed=0)
    >>> round(float((x**2).sum() / 1024), 2)
    1.0
    """
    return make_signals(
        "lacunary",
        count=count,
        length=length,
        seed=seed,
        octaves=octaves,
        packet_width=packet_width,
    )
