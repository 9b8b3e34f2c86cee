r"""One numpy kernel per formula of the theory (docs/theory.md §3–§8).

Everything here is plain numpy on arrays that broadcast, without argument checks or xarray:
the checked, labelled functions of :mod:`pipeline.theory` (and the analysis of a store) are
thin wrappers over these kernels, the way ``xarray.apply_ufunc`` wraps a numpy function. Each
formula exists here once.

Units follow :func:`pipeline.cascade.propagate`: energies are sums of squared samples,
:math:`\|f\|^2 = \frac1M \sum_\omega |\hat f(\omega)|^2` on a grid of M samples, and
frequencies are in cycles per sample. The spectral functionals (bounds, essential bandwidth)
take a signal's *radial power* :math:`P[k] = \frac1M \sum_{|\omega| = \rho_k} |\hat f(\omega)|^2`
over the sorted distinct radii :math:`\rho_k` of its grid (:func:`pipeline.spectra.radial_power`,
stored by the sweep as ``radial_power``).
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike, NDArray


def window_spectrum(omega: ArrayLike, radius: ArrayLike, l: float) -> NDArray[np.float64]:  # noqa: E741
    r"""The window :math:`\hat r_l(\omega/R) = (1 - |\omega|/R)_+^l` (docs/theory.md §3).

    1 at :math:`\omega = 0`, 0 for :math:`|\omega| \ge R`; ``omega`` and ``radius`` broadcast.
    """
    omega = np.abs(np.asarray(omega, dtype=np.float64))
    return np.clip(1.0 - omega / np.asarray(radius, dtype=np.float64), 0.0, None) ** l


def alpha(d: int) -> float:
    r"""Exponent :math:`\alpha(d)` of Theorem A (docs/theory.md §4, recalled [R]).

    .. math::
        \alpha = \log_2\frac{\sqrt d}{\sqrt d - 1/2}\ (d \ge 2), \qquad \alpha(1) = 1,

    the d >= 2 formula also giving 1 at d = 1. Values: d = 2: 0.6294, d = 3: 0.4914.
    """
    if d == 1:
        return 1.0
    root = math.sqrt(d)
    return math.log2(root / (root - 0.5))


def decay_base(rho: ArrayLike) -> NDArray[np.float64]:
    r"""Derived decay base :math:`a = (\rho + 1)/(\rho - 1)` of bound (B) (docs/theory.md §6 [D]).

    A band :math:`[A, \rho A]` demodulated by :math:`c = 2\rho A/(\rho + 1)` satisfies
    :math:`|\omega - c| \le |\omega|/a` on the whole band. :math:`\rho = 4` gives 5/3. NaN where
    :math:`\rho` is not in :math:`(1, \infty)` (no base can be derived).
    """
    rho = np.asarray(rho, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        base = (rho + 1.0) / (rho - 1.0)
    return np.where((rho > 1) & np.isfinite(rho), base, np.nan)


def band_ratio(band_edges: ArrayLike) -> float:
    r"""Band ratio :math:`\rho = \max_k \max|\omega| / \min|\omega|` over filters' band edges.

    ``band_edges`` is ``(filters, 2)`` (min, max) of each filter's numerical support
    (``bank.check().band_edges``); rows with NaN (no support) are skipped; inf if a band reaches
    :math:`\omega = 0`; NaN if no filter has support (docs/theory.md §6).
    """
    edges = np.asarray(band_edges, dtype=np.float64).reshape(-1, 2)
    edges = edges[np.all(np.isfinite(edges), axis=1)]
    if edges.size == 0:
        return math.nan
    lower = edges[:, 0]
    ratios = np.divide(edges[:, 1], lower, out=np.full(lower.shape, np.inf), where=lower > 0)
    return float(np.max(ratios))


def window_ratio(epsilon: ArrayLike, bandwidth_over_delta: ArrayLike, l: float) -> NDArray:  # noqa: E741
    r""":math:`x = (L/\delta) / (1 - (1-\varepsilon)^{1/(2l)})` of the §8 counts (docs/theory.md §8).

    The window radius :math:`x\delta` beyond which a signal band-limited to L keeps at most
    :math:`\varepsilon` of its energy in the propagation branches.
    """
    eps = np.asarray(epsilon, dtype=np.float64)
    return np.asarray(bandwidth_over_delta, dtype=np.float64) / (
        1.0 - (1.0 - eps) ** (1.0 / (2.0 * l))
    )


def layers_general(x: ArrayLike, d: int = 1) -> NDArray[np.float64]:
    r"""Sufficient N of Theorem A, :math:`\lceil x^{1/\alpha(d)} - 1 \rceil`, clipped at 0 (§8).

    Counts feature layers n = 0..N; NaN stays NaN. ``x`` from :func:`window_ratio`.
    """
    with np.errstate(invalid="ignore"):
        return np.maximum(np.ceil(np.asarray(x, dtype=np.float64) ** (1.0 / alpha(d)) - 1.0), 0.0)


def layers_exponential(x: ArrayLike, a: ArrayLike) -> NDArray[np.float64]:
    r"""Sufficient N of Theorem B, :math:`\lceil \log_a x \rceil`, clipped at 0 (§8).

    Window radius :math:`a^N\delta \ge x\delta` makes :math:`W_{N+1} \le \varepsilon\|f\|^2`.
    NaN where a or x is NaN; x = 0 (L = 0) gives 0.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        counts = np.ceil(np.log(np.asarray(x, dtype=np.float64)) / np.log(a))
    return np.maximum(counts, 0.0)


def window_radii_general(layers: ArrayLike, delta: float, d: int = 1) -> NDArray[np.float64]:
    r"""Window radius :math:`R_N = N^{\alpha(d)}\delta` of bound (A) (docs/theory.md §4)."""
    return np.asarray(layers, dtype=np.float64) ** alpha(d) * delta


def window_radii_exponential(layers: ArrayLike, delta: float, a: float) -> NDArray[np.float64]:
    r"""Window radius :math:`R_N = a^{N-1}\delta` of bound (B) (docs/theory.md §6)."""
    return a ** (np.asarray(layers, dtype=np.float64) - 1.0) * delta


def window_bound(
    radii: ArrayLike,
    power: ArrayLike,
    window_radii: ArrayLike,
    l: float,  # noqa: E741
) -> NDArray[np.float64]:
    r"""Bounds (A)/(B) as a radial functional: the energy a window of radius R misses.

    .. math::
        B(R) = \sum_k P[k] \bigl(1 - \hat r_l(\rho_k / R)^2\bigr)
             = \frac1M\sum_\omega |\hat f(\omega)|^2 \bigl(1 - \hat r_l(\omega/R)^2\bigr)

    (docs/theory.md §4, §6), for radial power ``power`` ``(..., K)`` over ``radii`` ``(K,)``
    and window radii ``(J,)``; returns ``(..., J)``. Bound (A) is
    ``window_radii_general``, bound (B) ``window_radii_exponential``.
    """
    radii = np.asarray(radii, dtype=np.float64)
    window = np.asarray(window_radii, dtype=np.float64)
    missing = 1.0 - window_spectrum(radii[None, :], window[:, None], 2.0 * l)
    return np.asarray(power, dtype=np.float64) @ missing.T


def essential_bandwidth(radii: ArrayLike, power: ArrayLike, tolerance: float) -> NDArray:
    r"""Essential bandwidth L: the smallest radius holding all but ``tolerance`` of the energy.

    .. math::
        L = \min\Bigl\{\rho_k : \sum_{j > k} P[j] \le \text{tol} \sum_j P[j]\Bigr\}

    over the radial power ``(..., K)`` (docs/theory.md §8: the band-limited counts assume
    supp :math:`\hat f \subseteq B_L`). 0 for a constant signal; NaN where the power is NaN
    (a signal not computed).
    """
    radii = np.asarray(radii, dtype=np.float64)
    power = np.asarray(power, dtype=np.float64)
    total = power.sum(axis=-1, keepdims=True)
    tail = total - np.cumsum(power, axis=-1)  # energy strictly beyond radius k
    inside = tail <= tolerance * total
    first = np.argmax(inside, axis=-1)  # the last radius always qualifies (tail ~ 0)
    width = np.where(inside.any(axis=-1), radii[first], radii[-1])
    return np.where(np.isfinite(total[..., 0]), width, np.nan)
