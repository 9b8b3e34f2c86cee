r"""The paper's energy bounds and layer-count estimates (THEORY.md §4–§8).

Everything here is closed-form: the window :math:`\hat r_l`, the exponent :math:`\alpha(d)`, the
bounds (A) and (B) on the layer energy :math:`W_N(f)` evaluated on a signal's DFT, the sufficient
numbers of layers of THEORY.md §8, and the empirical number of layers read off a cascade result.

Constants recalled from the paper but not verified against its text ([R] in THEORY.md: the decay
bases 5/3 and 3/2, the admissible window order l) are parameters with those values as documented
defaults; what THEORY.md derives ([D]: :math:`a = (\rho+1)/(\rho-1)` from a bank's band ratio
:math:`\rho`, the layer-count algebra) is computed here and tested.

Units follow :func:`pipeline.cascade.propagate`: energies are sums of squared samples,
:math:`\|f\|^2 = \sum_t |f[t]|^2 = \frac1M \sum_\omega |\hat f(\omega)|^2` on a grid of M samples,
and frequencies are in cycles per sample (``numpy.fft.fftfreq``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from numbers import Real

import numpy as np
import xarray as xr
from numpy.typing import ArrayLike, NDArray

from .errors import InvalidParameterError
from .filters import FilterBank

#: Decay base of Theorem B for wavelets with supp psi-hat in [1/2, 2] (THEORY.md §6, recalled [R];
#: equals ``decay_base_from_band_ratio(4)``, derived [D]).
WAVELET_DECAY_BASE = 5.0 / 3.0
#: Decay base of Theorem B for Weyl-Heisenberg filters (THEORY.md §6, recalled [R]).
WEYL_HEISENBERG_DECAY_BASE = 1.5
#: Energy fractions 1 - epsilon of the paper's Table I (THEORY.md §8).
TABLE_ENERGY_FRACTIONS = (0.25, 0.5, 0.75, 0.9, 0.95, 0.99)


# --------------------------------------------------------------------------------------------
# validation helpers


def _real(name: str, value: object, allowed: str) -> float:
    if isinstance(value, bool | np.bool_) or not isinstance(value, Real):
        raise InvalidParameterError(name, value, allowed)
    number = float(value)
    if not math.isfinite(number):
        raise InvalidParameterError(name, value, allowed)
    return number


def _positive(name: str, value: object) -> float:
    number = _real(name, value, "must be a finite number > 0")
    if number <= 0:
        raise InvalidParameterError(name, value, "must be a finite number > 0")
    return number


def _decay_base(value: object) -> float:
    number = _real("a", value, "must be a finite number > 1")
    if number <= 1:
        raise InvalidParameterError("a", value, "must be a finite number > 1")
    return number


def _window_order(value: object, minimum: float = 1.0) -> float:
    allowed = f"must be a finite number >= {minimum:g}"
    number = _real("l", value, allowed)
    if number < minimum:
        raise InvalidParameterError("l", value, allowed)
    return number


def _dimension(value: object) -> int:
    if isinstance(value, bool | np.bool_) or not isinstance(value, int | np.integer) or value < 1:
        raise InvalidParameterError("d", value, "must be an integer >= 1")
    return int(value)


def _epsilons(epsilon: ArrayLike) -> NDArray[np.float64]:
    try:
        values = np.asarray(epsilon, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise InvalidParameterError("epsilon", epsilon, "must be numbers in (0, 1)") from error
    if values.size == 0 or not np.all((values > 0) & (values < 1)):
        raise InvalidParameterError("epsilon", epsilon, "must be numbers in (0, 1)")
    return values


def _layers(layers: ArrayLike) -> NDArray[np.int64]:
    values = np.atleast_1d(np.asarray(layers))
    if values.ndim != 1 or values.size == 0 or values.dtype.kind not in "iu" or np.any(values < 1):
        raise InvalidParameterError("layers", layers, "must be a 1-D sequence of integers >= 1")
    return values.astype(np.int64)


# --------------------------------------------------------------------------------------------
# window and exponent


def window_spectrum(omega: ArrayLike, radius: float, l: float = 1) -> NDArray[np.float64]:  # noqa: E741
    r"""The window :math:`\hat r_l(\omega/R) = (1 - |\omega|/R)_+^l` (THEORY.md §3).

    Parameters
    ----------
    omega
        frequencies; a trailing axis of length d is *not* assumed: pass :math:`|\omega|` (or
        any real array) for d >= 2.
    radius
        R > 0, the window's radius.
    l
        order l >= 1 of the truncated power.

    Returns
    -------
    numpy.ndarray
        :math:`(1 - |\omega|/R)_+^l`, same shape as ``omega``; 1 at 0, 0 for :math:`|\omega| \ge R`.

    Notes
    -----
    The bounds need :math:`r_l \ge 0` pointwise in time, which holds for real
    :math:`l \ge (d+1)/2` (Askey) [D]; for d = 1, l = 1, :math:`r_1(x) = (\sin \pi x/\pi x)^2`.
    """
    radius = _positive("radius", radius)
    order = _window_order(l)
    return np.clip(1.0 - np.abs(np.asarray(omega, dtype=np.float64)) / radius, 0.0, None) ** order


def alpha(d: int) -> float:
    r"""Exponent :math:`\alpha(d)` of Theorem A (THEORY.md §4, recalled [R]).

    .. math::
        \alpha = 1 \ (d = 1), \qquad \alpha = \log_2\frac{\sqrt d}{\sqrt d - 1/2}\ (d \ge 2).

    Values: d = 2: 0.6294, d = 3: 0.4914, d = 4: 0.4150. (The d >= 2 formula gives 1 at d = 1.)
    """
    d = _dimension(d)
    if d == 1:
        return 1.0
    root = math.sqrt(d)
    return math.log2(root / (root - 0.5))


def decay_base_from_band_ratio(rho: float) -> float:
    r"""Decay base :math:`a = (\rho + 1)/(\rho - 1)` for bands of upper/lower edge ratio :math:`\rho`.

    Derived in THEORY.md §6 [D]: a band :math:`[A, \rho A]` demodulated by
    :math:`c = 2\rho A/(\rho + 1)` satisfies :math:`|\omega - c| \le |\omega|/a` on the whole band,
    which gives the multiplicative window recursion behind bound (B). :math:`\rho = 4`
    (supp :math:`\hat\psi \subseteq [1/2, 2]`) gives 5/3.
    """
    ratio = _real("rho", rho, "must be a finite number > 1")
    if ratio <= 1:
        raise InvalidParameterError("rho", rho, "must be a finite number > 1")
    return (ratio + 1.0) / (ratio - 1.0)


def band_ratio(bank: FilterBank) -> float:
    r"""Largest upper/lower band-edge ratio :math:`\rho` over the bank's propagation filters.

    :math:`\rho = \max_k \max|\omega| / \min|\omega|` over each filter's numerical support
    (``bank.check().band_edges``); filters without support are skipped. Infinite if a filter
    reaches :math:`\omega = 0`. Feed it to :func:`decay_base_from_band_ratio`.
    """
    edges = bank.check().band_edges
    edges = edges[np.all(np.isfinite(edges), axis=1)]
    if edges.size == 0:
        raise InvalidParameterError("bank", bank.family, "has no propagation filter with support")
    with np.errstate(divide="ignore"):
        ratios = np.where(
            edges[:, 0] > 0, edges[:, 1] / np.where(edges[:, 0] > 0, edges[:, 0], 1), np.inf
        )
    return float(np.max(ratios))


# --------------------------------------------------------------------------------------------
# bounds (A) and (B) on a DFT grid


def _signal_array(signals: ArrayLike | xr.DataArray) -> tuple[NDArray, dict]:
    coords: dict = {}
    if isinstance(signals, xr.DataArray):
        if signals.dims[0] != "signal":
            raise InvalidParameterError(
                "signals", f"DataArray with dims {signals.dims}", "first dim must be 'signal'"
            )
        coords = {
            name: (("signal",), coord.values)
            for name, coord in signals.coords.items()
            if coord.dims == ("signal",)
        }
        signals = signals.values
    values = np.asarray(signals)
    if values.dtype.kind not in "biufc" or values.ndim < 2 or values.shape[0] == 0:
        raise InvalidParameterError(
            "signals", getattr(values, "shape", values), "must be a numeric array (batch, *grid)"
        )
    if not np.all(np.isfinite(values)):
        raise InvalidParameterError("signals", "array with NaN/Inf", "must be finite")
    return values, coords


def _window_bound(
    signals: ArrayLike | xr.DataArray,
    layers: NDArray[np.int64],
    radii: NDArray[np.float64],
    order: float,
    name: str,
) -> xr.DataArray:
    r""":math:`\frac1M\sum_\omega |\hat f(\omega)|^2 (1 - \hat r_l(\omega/R_N)^2)` for each radius."""
    values, coords = _signal_array(signals)
    grid = values.shape[1:]
    minimum = max(1.0, (len(grid) + 1) / 2)
    if order < minimum:
        raise InvalidParameterError(
            "l", order, f"must be >= {minimum:g} for d = {len(grid)} (window r_l >= 0)"
        )
    axes = tuple(range(1, values.ndim))
    power = np.abs(np.fft.fftn(values, axes=axes)) ** 2 / math.prod(grid)
    freqs = np.meshgrid(*[np.fft.fftfreq(n) for n in grid], indexing="ij")
    radius = np.sqrt(sum(f**2 for f in freqs)).ravel()
    power = power.reshape(values.shape[0], -1)
    missing = 1.0 - np.clip(1.0 - radius[None, :] / radii[:, None], 0.0, None) ** (2 * order)
    bound = power @ missing.T
    return xr.DataArray(
        bound,
        dims=("signal", "layer"),
        coords={"layer": layers, "window_radius": ("layer", radii), **coords},
        name=name,
        attrs={"units": "sum of squared samples"},
    )


def bound_general(
    signals: ArrayLike | xr.DataArray,
    layers: ArrayLike,
    *,
    delta: float,
    l: float = 1,  # noqa: E741
) -> xr.DataArray:
    r"""Theorem A's bound (A) on :math:`W_N(f)`, general analytic high-pass filters (THEORY.md §4).

    .. math::
        W_N(f) \le \sum_\omega |\hat f(\omega)|^2
        \left(1 - \hat r_l\!\left(\frac{\omega}{N^\alpha\delta}\right)^2\right), \quad N \ge 1,

    evaluated on the DFT grid with :math:`\|f\|^2 = \frac1M\sum_\omega|\hat f|^2` (the units of
    :func:`pipeline.cascade.propagate`) and :math:`|\omega|` the Euclidean norm of the
    ``fftfreq`` frequencies (cycles/sample); :math:`\alpha = \alpha(d)` (:func:`alpha`).

    Parameters
    ----------
    signals
        ``(batch, *grid)`` samples, d = ``len(grid)``; a DataArray with first dim ``signal``
        keeps its signal coordinates.
    layers
        depths N >= 1 to bound.
    delta
        high-pass :math:`\delta > 0` in cycles/sample (``bank.check().high_pass_delta``).
    l
        window order; must satisfy :math:`l \ge \max(1, (d+1)/2)`, where :math:`r_l \ge 0`
        (THEORY.md §3; the paper's recalled condition is stricter). Smaller l is sharper.

    Returns
    -------
    xarray.DataArray
        ``(signal, layer)`` upper bounds, coordinate ``window_radius`` = :math:`N^\alpha\delta`.

    Notes
    -----
    Derived for Parseval banks (THEORY.md §4, proof for d = 1); on a periodic grid the window is
    still positive definite (a sampled positive-definite function), so the argument carries over.
    """
    layer_values = _layers(layers)
    delta = _positive("delta", delta)
    order = _window_order(l)
    d = max(1, np.ndim(signals) - 1)
    radii = layer_values.astype(np.float64) ** alpha(d) * delta
    return _window_bound(signals, layer_values, radii, order, "bound_general")


def bound_exponential(
    signals: ArrayLike | xr.DataArray,
    layers: ArrayLike,
    *,
    delta: float,
    a: float,
    l: float = 1,  # noqa: E741
) -> xr.DataArray:
    r"""Theorem B's bound (B) on :math:`W_N(f)`, exponential decay in d = 1 (THEORY.md §6).

    .. math::
        W_N(f) \le \sum_\omega |\hat f(\omega)|^2
        \left(1 - \hat r_l\!\left(\frac{\omega}{a^{N-1}\delta}\right)^2\right), \quad N \ge 1.

    Parameters
    ----------
    signals, layers, delta, l
        as in :func:`bound_general`.
    a
        decay base a > 1. Recalled values [R]: :data:`WAVELET_DECAY_BASE` = 5/3 for wavelets with
        supp :math:`\hat\psi \subseteq [1/2, 2]`, :data:`WEYL_HEISENBERG_DECAY_BASE` = 3/2 for WH
        filters. Derived [D] for any analytic Parseval bank whose bands have edge ratio at most
        :math:`\rho`: ``decay_base_from_band_ratio(band_ratio(bank))``.

    Returns
    -------
    xarray.DataArray
        ``(signal, layer)`` upper bounds, coordinate ``window_radius`` = :math:`a^{N-1}\delta`.

    Notes
    -----
    The exponent N - 1 is what the window recursion gives when layer 1's window is the
    :math:`\delta`-ball (THEORY.md §6); if the paper writes :math:`a^N` its bound is weaker here.
    """
    layer_values = _layers(layers)
    delta = _positive("delta", delta)
    base = _decay_base(a)
    order = _window_order(l)
    radii = base ** (layer_values.astype(np.float64) - 1.0) * delta
    return _window_bound(signals, layer_values, radii, order, "bound_exponential")


# --------------------------------------------------------------------------------------------
# layer counts (THEORY.md §8)


def _window_ratio(epsilon: ArrayLike, bandwidth_over_delta: float, l: float) -> NDArray:  # noqa: E741
    r""":math:`x = (L/\delta) / (1 - (1-\varepsilon)^{1/(2l)})` (THEORY.md §8)."""
    eps = _epsilons(epsilon)
    ratio = _positive("bandwidth_over_delta", bandwidth_over_delta)
    order = _window_order(l)
    return ratio / (1.0 - (1.0 - eps) ** (1.0 / (2.0 * order)))


def _as_count(values: NDArray[np.float64]) -> NDArray[np.int64] | int:
    counts = np.maximum(np.ceil(values), 0).astype(np.int64)
    return int(counts) if counts.ndim == 0 else counts


def layers_needed_general(
    epsilon: ArrayLike,
    bandwidth_over_delta: float,
    *,
    l: float = 1,  # noqa: E741
    d: int = 1,
) -> NDArray[np.int64] | int:
    r"""Layers sufficient for :math:`(1-\varepsilon)` of the energy, Theorem A (THEORY.md §8).

    For band-limited f (supp :math:`\hat f \subseteq B_L(0)`) and Parseval banks,
    :math:`\sum_{n=0}^{N} |||\Phi^n(f)|||^2 \ge (1-\varepsilon)\|f\|^2` whenever

    .. math::
        N \ge \lceil x^{1/\alpha} - 1 \rceil, \qquad
        x = \frac{L/\delta}{1 - (1-\varepsilon)^{1/(2l)}}.

    Parameters
    ----------
    epsilon
        :math:`\varepsilon \in (0, 1)`, scalar or array.
    bandwidth_over_delta
        :math:`L/\delta > 0`.
    l
        window order >= 1.
    d
        dimension, sets :math:`\alpha(d)`.

    Returns
    -------
    int or numpy.ndarray
        N (counting feature layers n = 0..N), clipped at 0; same shape as ``epsilon``.
    """
    x = _window_ratio(epsilon, bandwidth_over_delta, l)
    return _as_count(x ** (1.0 / alpha(d)) - 1.0)


def layers_needed_exponential(
    epsilon: ArrayLike,
    bandwidth_over_delta: float,
    *,
    a: float,
    l: float = 1,  # noqa: E741
) -> NDArray[np.int64] | int:
    r"""Layers sufficient for :math:`(1-\varepsilon)` of the energy, Theorem B (THEORY.md §8).

    .. math::
        N \ge \lceil \log_a x \rceil, \qquad x = \frac{L/\delta}{1 - (1-\varepsilon)^{1/(2l)}},

    counting feature layers n = 0..N (window radius :math:`a^N\delta \ge x\delta` makes
    :math:`W_{N+1} \le \varepsilon\|f\|^2`). Parameters as :func:`layers_needed_general`, with
    decay base a > 1 (5/3 wavelets, 3/2 WH, recalled [R]). Clipped at 0.
    """
    x = _window_ratio(epsilon, bandwidth_over_delta, l)
    base = _decay_base(a)
    return _as_count(np.log(x) / math.log(base))


def layers_table(l: float = 1, bandwidth_over_delta: float = 1.0) -> xr.DataArray:  # noqa: E741
    r"""THEORY.md §8 / the paper's Table I: sufficient layers per filter class and energy fraction.

    Rows (``filters``): ``wavelets`` (a = 5/3), ``weyl_heisenberg`` (a = 3/2), ``general``
    (:math:`\alpha = 1`), all d = 1; columns (``energy_fraction``) :math:`1-\varepsilon \in`
    {0.25, 0.5, 0.75, 0.9, 0.95, 0.99}. With l = 1, L = :math:`\delta`: wavelets 2 3 4 6 8 11,
    WH 2 4 5 8 10 14, general 1 3 7 19 39 199.
    """
    fractions = np.asarray(TABLE_ENERGY_FRACTIONS)
    eps = 1.0 - fractions
    rows = {
        "wavelets": layers_needed_exponential(eps, bandwidth_over_delta, a=WAVELET_DECAY_BASE, l=l),
        "weyl_heisenberg": layers_needed_exponential(
            eps, bandwidth_over_delta, a=WEYL_HEISENBERG_DECAY_BASE, l=l
        ),
        "general": layers_needed_general(eps, bandwidth_over_delta, l=l, d=1),
    }
    return xr.DataArray(
        np.stack([np.asarray(v) for v in rows.values()]),
        dims=("filters", "energy_fraction"),
        coords={
            "filters": list(rows),
            "energy_fraction": fractions,
            "decay_base": ("filters", [WAVELET_DECAY_BASE, WEYL_HEISENBERG_DECAY_BASE, np.nan]),
        },
        name="layers_needed",
        attrs={
            "l": float(l),
            "bandwidth_over_delta": float(bandwidth_over_delta),
            "description": "sufficient N with sum_{n=0}^{N} F_n >= (1 - epsilon) ||f||^2 "
            "(THEORY.md §8)",
        },
    )


def empirical_layers_needed(result: xr.Dataset, epsilon: float | Sequence[float]) -> xr.DataArray:
    r"""Smallest N with :math:`\sum_{n \le N} F_n \ge (1-\varepsilon)\|f\|^2`, per signal.

    Parameters
    ----------
    result
        a :func:`pipeline.cascade.propagate` result (or a store slice): ``feature_energy`` over
        ``layer`` (plus ``signal``, ``bank``, ...) and ``input_energy``.
    epsilon
        :math:`\varepsilon \in (0, 1)`, scalar or 1-D (adds an ``epsilon`` dimension).

    Returns
    -------
    xarray.DataArray
        float N (same counting as :func:`layers_needed_general`: layers n = 0..N), over every
        dim of ``feature_energy`` except ``layer``; **NaN where the fraction is not reached
        within the computed feature layers** (n < depth).

    Notes
    -----
    Uses only ``feature_energy``, which under pruning is a lower bound on the true :math:`F_n`
    (true value in :math:`[F_n, F_n + s_n]`). The cumulative sum therefore never overstates the
    captured energy, and the returned N is an upper bound on the true count when
    ``pruned_slack`` > 0 (exact for an exact cascade, ``energy_budget=0``). Compare with the
    sufficient worst-case counts of THEORY.md §8.
    """
    eps = _epsilons(epsilon)
    if eps.ndim > 1:
        raise InvalidParameterError("epsilon", epsilon, "must be a scalar or 1-D")
    for name in ("feature_energy", "input_energy"):
        if name not in result:
            raise InvalidParameterError("result", list(result.data_vars), f"must hold {name!r}")
    features = result["feature_energy"].fillna(0.0)
    captured = features.cumsum("layer")
    target = (1.0 - xr.DataArray(eps, dims=("epsilon",) if eps.ndim else ())) * result[
        "input_energy"
    ]
    reached = captured >= target
    layer = result["layer"]
    if not np.array_equal(layer.values, layer.values[0] + np.arange(layer.size)):
        raise InvalidParameterError("result.layer", layer.values, "must be consecutive integers")
    # the captured energy only grows with N (F_n >= 0), so the first layer reached is the
    # number of layers not reached; counting avoids all-NaN reductions
    not_reached = (~reached).sum("layer")
    first = (layer.values[0] + not_reached).where(not_reached < layer.size)  # NaN: never
    if eps.ndim:
        first = first.assign_coords(epsilon=eps)
    first.name = "layers_needed"
    first.attrs = {
        "description": "smallest N with sum_{n<=N} feature_energy_n >= (1 - epsilon) "
        "input_energy; NaN if not reached within the depth (THEORY.md §8)",
    }
    return first


def signal_bandwidth(
    signals: ArrayLike | xr.DataArray, *, tolerance: float = 1e-12
) -> xr.DataArray:
    r"""Essential bandwidth L of each signal: the radius holding all but ``tolerance`` of its energy.

    .. math::
        L(f) = \min\Bigl\{|\omega_k| :
        \frac1M\sum_{|\omega| > |\omega_k|} |\hat f(\omega)|^2 \le \text{tol}\,\|f\|^2\Bigr\},

    over the DFT bins :math:`\omega_k` (``fftfreq``, cycles/sample; Euclidean norm for d >= 2).
    The band-limited layer counts of THEORY.md §8 assume supp :math:`\hat f \subseteq B_L`;
    a signal band-limited on the grid has a tail of round-off only, which ``tolerance`` (relative
    to :math:`\|f\|^2`, default 1e-12) ignores. At most 0.5·sqrt(d); 0 for a constant signal.

    Parameters
    ----------
    signals
        ``(batch, *grid)`` samples, or a DataArray with first dim ``signal`` (coordinates kept).
    tolerance
        relative energy allowed outside the radius, in [0, 1).

    Returns
    -------
    xarray.DataArray
        ``(signal,)`` bandwidths in cycles/sample, named ``bandwidth``.
    """
    tol = _real("tolerance", tolerance, "must be a number in [0, 1)")
    if not 0 <= tol < 1:
        raise InvalidParameterError("tolerance", tolerance, "must be a number in [0, 1)")
    values, coords = _signal_array(signals)
    grid = values.shape[1:]
    axes = tuple(range(1, values.ndim))
    power = (np.abs(np.fft.fftn(values, axes=axes)) ** 2).reshape(values.shape[0], -1)
    freqs = np.meshgrid(*[np.fft.fftfreq(n) for n in grid], indexing="ij")
    radius = np.sqrt(sum(f**2 for f in freqs)).ravel()
    order = np.argsort(radius, kind="stable")
    radius, power = radius[order], power[:, order]
    total = power.sum(axis=1, keepdims=True)
    # tail[k] = energy strictly beyond bin k (bins of equal radius are merged below)
    tail = total - np.cumsum(power, axis=1)
    last_of_radius = np.append(radius[1:] != radius[:-1], True)
    inside = (tail <= tol * total) & last_of_radius[None, :]
    first = np.argmax(inside, axis=1)  # the last bin always qualifies (tail = 0 up to round-off)
    bandwidth = np.where(inside.any(axis=1), radius[first], radius[-1])
    return xr.DataArray(
        bandwidth,
        dims=("signal",),
        coords=coords,
        name="bandwidth",
        attrs={
            "units": "cycles/sample",
            "tolerance": tol,
            "description": "smallest |omega| with the energy beyond it <= tolerance ||f||^2",
        },
    )
