r"""A directional Morlet bank built like Kymatio's ``Scattering2D`` filters, for comparison.

Not a tight frame: its Littlewood–Paley sum ripples, and its Gaussian tails make the high-pass
:math:`\delta` and the analyticity only numerical. ``check()`` reports its frame bounds; with
``normalise=True`` it is divided by :math:`\sqrt{S(\omega)}` into an exact Parseval frame, as
the 1-D ``morlet`` family is (docs/theory.md §14).
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import InvalidParameterError
from ..grid import Grid
from ._bank import FilterBank
from ._build import positive_integer, require_ndim
from ._profiles_2d import cached_bank
from ._registry import RecalledDecayBase, register

#: Kymatio 0.3's constants (``scattering2d/filter_bank.py``): spatial width ``0.8 * 2**j``,
#: centre frequency ``3/4 * pi / 2**j`` rad/sample, slant ``4 / L``.
SIGMA0 = 0.8
XI0 = 0.75 * math.pi


def gabor_spectrum(
    omega_y: np.ndarray, omega_x: np.ndarray, sigma: float, theta: float, xi: float, slant: float
) -> np.ndarray:
    r"""Spectrum of Kymatio's 2-D Gabor atom, peak 1, at frequencies in rad/sample.

    Notes
    -----
    The atom :math:`e^{-x^T R D R^{-1} x/(2\sigma^2)}\,e^{i\xi\,u_\theta\cdot x}` (R the rotation
    by θ, :math:`D = \operatorname{diag}(1, \text{slant}^2)`) has the spectrum

    .. math::
        \hat g(\omega) = \exp\Bigl(-\frac{\sigma^2}{2}\bigl[(v\cdot u_\theta)^2
        + (v\cdot u_\theta^\perp)^2/\text{slant}^2\bigr]\Bigr), \quad v = \omega - \xi u_\theta .
    """
    u_x, u_y = math.cos(theta), math.sin(theta)
    v_x, v_y = omega_x - xi * u_x, omega_y - xi * u_y
    along = v_x * u_x + v_y * u_y
    across = -v_x * u_y + v_y * u_x
    return np.exp(-0.5 * sigma**2 * (along**2 + across**2 / slant**2))


def sampled_spectrum(
    omega_y: np.ndarray, omega_x: np.ndarray, sigma: float, theta: float, xi: float, slant: float
) -> np.ndarray:
    r"""The DFT of the atom *sampled in space*: :func:`gabor_spectrum` periodised in frequency,
    :math:`\sum_{m \in \{-1, 0, 1\}^2} \hat g(\omega + 2\pi m)` (Kymatio samples its filters in
    space; the copies beyond the first ring are below 1e-15 for σ >= 0.8).
    """
    return sum(
        gabor_spectrum(
            omega_y + 2.0 * np.pi * m_y, omega_x + 2.0 * np.pi * m_x, sigma, theta, xi, slant
        )
        for m_y in (-1, 0, 1)
        for m_x in (-1, 0, 1)
    )


@cached_bank
def make_morlet_2d(
    grid: Grid, *, scales: int = 3, orientations: int = 8, normalise: bool = False
) -> FilterBank:
    r"""Kymatio-style Morlet wavelets: J scales x L orientations over π, their mirrors, a Gaussian.

    Parameters
    ----------
    grid
        the DFT grid, 2-D ``(N1, N2)``.
    scales
        J, number of dyadic scales.
    orientations
        L, orientations over π (their mirrors cover the other half of the circle).
    normalise
        divide by :math:`\sqrt{S(\omega)}` into an exact Parseval frame (default: the raw bank,
        whose frame bounds ``check()`` reports); 1 or 0 in a config. A sweep needs the
        Parseval bank: its stores check the energy identity.

    Notes
    -----
    :math:`\hat\psi_{j,\theta} = \hat g_{\sigma_j,\theta,\xi_j} - \kappa\,\hat g_{\sigma_j,\theta,0}`
    with :math:`\sigma_j = 0.8\cdot 2^j`, :math:`\xi_j = \tfrac34\pi 2^{-j}`,
    :math:`\theta_l = l\pi/L`, slant 4/L, and :math:`\kappa` chosen so that
    :math:`\hat\psi(0) = 0` (the Morlet correction); low-pass
    :math:`\hat\phi(\omega) = e^{-\sigma_\phi^2|\omega|^2/2}`, :math:`\sigma_\phi = 0.8\cdot
    2^{J-1}`, each periodised as in :func:`sampled_spectrum`. Frequencies
    :math:`\omega = 2\pi k/N` rad/sample. Kymatio keeps θ in [0, π) for real input; this bank
    holds every wavelet and its mirror (θ + π), each divided by :math:`\sqrt2`, so that its
    energies on real images are Kymatio's (docs/theory.md §14).
    """
    require_ndim(grid, "morlet_2d", ndim=2)
    scales = positive_integer("scales", scales)
    orientations = positive_integer("orientations", orientations)
    # 0/1 as well as false/true: a config's bank parameters are numbers or strings
    if isinstance(normalise, bool | np.bool_) or normalise in (0, 1):
        normalise = bool(normalise)
    else:
        raise InvalidParameterError("normalise", normalise, "must be true or false (or 1 or 0)")
    omega_y, omega_x = (2.0 * np.pi * m for m in grid.frequency_mesh)
    wavelets = []
    for j in range(scales):
        sigma, xi = SIGMA0 * 2.0**j, XI0 / 2.0**j
        for wedge in range(orientations):
            theta = wedge * math.pi / orientations
            slant = 4.0 / orientations
            gabor = sampled_spectrum(omega_y, omega_x, sigma, theta, xi, slant)
            envelope = sampled_spectrum(omega_y, omega_x, sigma, theta, 0.0, slant)
            kappa = gabor[0, 0] / envelope[0, 0]  # the Morlet correction: psi^(0) = 0
            wavelets.append(gabor - kappa * envelope)
    lowpass = sampled_spectrum(omega_y, omega_x, SIGMA0 * 2.0 ** (scales - 1), 0.0, 0.0, 1.0)
    # recorded as 0/1: a store keeps bank parameters as numbers
    params = {"scales": scales, "orientations": orientations, "normalise": int(normalise)}
    # orientations theta + pi are the point-reflected mirrors (exactly, Nyquist bins included);
    # Kymatio computes theta in [0, pi) only, for real input: each of a pair carries half
    wavelets = np.stack(wavelets) / math.sqrt(2.0)
    filters = np.concatenate([wavelets, grid.mirror(wavelets)])
    return FilterBank.from_arrays(
        lowpass, filters, normalise=normalise, family="morlet_2d", params=params
    )


register(
    "morlet_2d",
    make_morlet_2d,
    scale_parameters=("scales", "orientations"),
    recalled_decay_base=RecalledDecayBase("wavelets", 5.0 / 3.0),
    ndim=2,
)
