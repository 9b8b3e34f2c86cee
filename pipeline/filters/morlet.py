"""Analytic Morlet wavelets with Kymatio-like centre frequencies and widths."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from ..grid import Grid
from ._bank import FilterBank
from ._build import analytic_bank, positive_integer, require_ndim
from ._profiles import positive_frequencies
from ._registry import RecalledDecayBase, register


@dataclass(frozen=True)
class MorletConstants:
    """Constants of the Morlet construction, as in Kymatio 0.3 (``scattering1d/filter_bank.py``).

    Attributes
    ----------
    xi_max_floor
        lower bound of the highest centre frequency, ``xi_max = max(1/(1 + 2^(3/Q)), floor)``.
    r_psi
        neighbouring wavelets cross at this fraction of their peak (sets the widths).
    sigma0
        width of the low-pass at J = 0; the low-pass width is ``sigma0 / 2^J``.
    """

    xi_max_floor: float = 0.35
    r_psi: float = math.sqrt(0.5)
    sigma0: float = 0.1


KYMATIO = MorletConstants()


def morlet_generator(
    octaves: int, per_octave: int, constants: MorletConstants = KYMATIO
) -> Iterator[tuple[float, float]]:
    r"""Yield (centre frequency :math:`\xi`, width :math:`\sigma`) of each wavelet, highest first.

    Notes
    -----
    Constant-Q progression :math:`\xi_j = \xi_{\max} 2^{-j/Q}`, j = 0..JQ-1, with
    :math:`\sigma_j = \xi_j \frac{1 - 2^{-1/Q}}{1 + 2^{-1/Q}} \frac{1}{\sqrt{2\ln(1/r_\psi)}}`
    so that neighbours cross at :math:`r_\psi` of their peak (Kymatio's ``compute_sigma_psi``).
    """
    q = float(per_octave)
    xi_max = max(1.0 / (1.0 + 2.0 ** (3.0 / q)), constants.xi_max_floor)
    factor = 2.0 ** (-1.0 / q)
    width_ratio = (1.0 - factor) / (1.0 + factor) / math.sqrt(2.0 * math.log(1.0 / constants.r_psi))
    for j in range(octaves * per_octave):
        xi = xi_max * 2.0 ** (-j / q)
        yield xi, xi * width_ratio


def morlet_spectrum(freq: np.ndarray, xi: float, sigma: float) -> np.ndarray:
    r"""Zero-mean Morlet :math:`e^{-(\omega-\xi)^2/2\sigma^2} - \kappa e^{-\omega^2/2\sigma^2}` on :math:`\omega > 0`.

    :math:`\kappa = e^{-\xi^2/2\sigma^2}` makes it vanish at :math:`\omega = 0`; it is set to 0 on
    the negative half-line (``freq < 0``), which makes it exactly analytic.
    """
    kappa = math.exp(-(xi**2) / (2.0 * sigma**2))
    values = np.exp(-((freq - xi) ** 2) / (2.0 * sigma**2)) - kappa * np.exp(
        -(freq**2) / (2.0 * sigma**2)
    )
    return np.where(freq > 0, values, 0.0)


def make_morlet(grid: Grid, *, octaves: int = 6, per_octave: int = 1) -> FilterBank:
    r"""Analytic Morlet wavelets over J octaves with Q per octave, their mirrors, a Gaussian low-pass.

    Parameters
    ----------
    grid
        the DFT grid, 1-D ``(N,)`` (other grids are refused).
    octaves
        J, number of octaves covered by the wavelets.
    per_octave
        Q, wavelets per octave.

    Notes
    -----
    Wavelets :func:`morlet_spectrum` at the (ξ, σ) of :func:`morlet_generator`; low-pass
    :math:`e^{-\omega^2/2\sigma_\phi^2}` with :math:`\sigma_\phi = \sigma_0 2^{-J}`. The raw bank
    is not tight (Kymatio's ripple), so it is normalised by :math:`\sqrt{S(\omega)}` into an exact
    Parseval frame (docs/theory.md §2). Analytic exactly; high-pass only numerically (Gaussian tails),
    see ``check().high_pass_delta``.
    """
    length = require_ndim(grid, "morlet").shape[0]
    octaves = positive_integer("octaves", octaves)
    per_octave = positive_integer("per_octave", per_octave)
    freq = positive_frequencies(length)
    wavelets = np.stack(
        [morlet_spectrum(freq, xi, sigma) for xi, sigma in morlet_generator(octaves, per_octave)]
    )
    sigma_phi = KYMATIO.sigma0 / 2.0**octaves
    lowpass_power = np.exp(-(grid.frequencies[0] ** 2) / sigma_phi**2)
    params = {"octaves": octaves, "per_octave": per_octave}
    return analytic_bank(grid, wavelets.astype(complex), lowpass_power, "morlet", params)


register(
    "morlet",
    make_morlet,
    scale_parameters=("per_octave", "octaves"),
    recalled_decay_base=RecalledDecayBase("wavelets", 5.0 / 3.0),
)
