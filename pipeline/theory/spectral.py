r"""Bounds (A), (B) and the essential bandwidth, labelled: xarray wrappers over the kernels.

Each accepts either signals — ``(batch, *grid)`` samples, or a DataArray whose first dim is
``signal`` — whose radial power is computed here (:func:`pipeline.spectra.radial_power`), or the
radial power itself: a DataArray with dims ``(..., "frequency_radius")`` and the radii as its
``frequency_radius`` coordinate, as a sweep's store holds it (variable ``radial_power``). The
formulas are :func:`~pipeline.theory.kernels.window_bound` and
:func:`~pipeline.theory.kernels.essential_bandwidth` (docs/theory.md §4, §6, §8).
"""

from __future__ import annotations

import numpy as np
import xarray as xr
from numpy.typing import ArrayLike

from ..errors import InvalidParameterError
from ..spectra import radial_power
from . import _checks, kernels

#: Dimension of the radial power: the sorted distinct radii |omega| of the DFT grid.
RADIUS_DIM = "frequency_radius"
#: Default relative tolerance of the essential bandwidth.
BANDWIDTH_TOLERANCE = 1e-12


def radial_power_of(signals: ArrayLike | xr.DataArray) -> tuple[xr.DataArray, int]:
    """Radial power ``(signal, frequency_radius)`` of signals (or passed through) and its d.

    A DataArray with a ``frequency_radius`` dim is taken as radial power already, of dimension
    ``attrs.get("grid_ndim", 1)``; anything else is checked as signals ``(batch, *grid)``.
    """
    if isinstance(signals, xr.DataArray) and RADIUS_DIM in signals.dims:
        return signals, int(signals.attrs.get("grid_ndim", 1))
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
    radii, power = radial_power(values)
    array = xr.DataArray(power, dims=("signal", RADIUS_DIM), coords={RADIUS_DIM: radii, **coords})
    return array, values.ndim - 1


def _bound(
    power: xr.DataArray,
    layers: np.ndarray,
    window_radii: np.ndarray,
    l: float,  # noqa: E741
    name: str,
) -> xr.DataArray:
    radii = power[RADIUS_DIM].values
    bound = xr.apply_ufunc(
        lambda block: kernels.window_bound(radii, block, window_radii, l),
        power,
        input_core_dims=[[RADIUS_DIM]],
        output_core_dims=[["layer"]],
        dask="parallelized",
        output_dtypes=[np.float64],
        dask_gufunc_kwargs={"output_sizes": {"layer": len(layers)}},
    ).drop_vars(RADIUS_DIM, errors="ignore")
    return (
        bound.assign_coords(layer=layers, window_radius=("layer", window_radii))
        .rename(name)
        .assign_attrs(units="sum of squared samples")
    )


def bound_general(
    signals: ArrayLike | xr.DataArray,
    layers: ArrayLike,
    *,
    delta: float,
    l: float = 1,  # noqa: E741
) -> xr.DataArray:
    r"""Theorem A's bound (A) on :math:`W_N(f)` (docs/theory.md §4).

    .. math::
        W_N(f) \le \frac1M\sum_\omega |\hat f(\omega)|^2
        \left(1 - \hat r_l\!\left(\frac{\omega}{N^\alpha\delta}\right)^2\right), \quad N \ge 1,

    on the DFT grid (:math:`|\omega|` the Euclidean norm of the ``fftfreq`` frequencies,
    cycles/sample; :math:`\alpha = \alpha(d)`), for analytic high-pass Parseval banks.

    Parameters
    ----------
    signals
        ``(batch, *grid)`` samples (d = ``len(grid)``), a DataArray with first dim ``signal``
        (its signal coordinates are kept), or radial power (see the module docstring).
    layers
        depths N >= 1.
    delta
        high-pass :math:`\delta > 0` in cycles/sample (:attr:`BankFacts.delta`).
    l
        window order, :math:`l \ge \max(1, (d+1)/2)` where :math:`r_l \ge 0` (§3).

    Returns
    -------
    xarray.DataArray
        ``(signal, layer)`` upper bounds, coordinate ``window_radius`` = :math:`N^\alpha\delta`.
    """
    depths = _checks.layers(layers)
    delta = _checks.positive("delta", delta)
    power, d = radial_power_of(signals)
    order = _checks.window_order(l, d)
    return _bound(
        power, depths, kernels.window_radii_general(depths, delta, d), order, "bound_general"
    )


def bound_exponential(
    signals: ArrayLike | xr.DataArray,
    layers: ArrayLike,
    *,
    delta: float,
    a: float,
    l: float = 1,  # noqa: E741
) -> xr.DataArray:
    r"""Theorem B's bound (B) on :math:`W_N(f)`, d = 1 (docs/theory.md §6).

    .. math::
        W_N(f) \le \frac1M\sum_\omega |\hat f(\omega)|^2
        \left(1 - \hat r_l\!\left(\frac{\omega}{a^{N-1}\delta}\right)^2\right), \quad N \ge 1.

    Parameters as :func:`bound_general`, with the decay base a > 1: recalled [R] 5/3
    (wavelets), 3/2 (WH); derived [D] :attr:`BankFacts.decay_base` for a bank. The exponent
    N - 1 is what the window recursion gives when layer 1's window is the :math:`\delta`-ball.

    Returns
    -------
    xarray.DataArray
        ``(signal, layer)`` upper bounds, coordinate ``window_radius`` = :math:`a^{N-1}\delta`.
    """
    depths = _checks.layers(layers)
    delta = _checks.positive("delta", delta)
    base = _checks.decay_base(a)
    power, d = radial_power_of(signals)
    order = _checks.window_order(l, d)
    radii = kernels.window_radii_exponential(depths, delta, base)
    return _bound(power, depths, radii, order, "bound_exponential")


def signal_bandwidth(
    signals: ArrayLike | xr.DataArray, *, tolerance: float = BANDWIDTH_TOLERANCE
) -> xr.DataArray:
    r"""Essential bandwidth L of each signal: the radius holding all but ``tolerance`` of its energy.

    .. math::
        L(f) = \min\Bigl\{\rho_k :
        \frac1M\sum_{|\omega| > \rho_k} |\hat f(\omega)|^2 \le \text{tol}\,\|f\|^2\Bigr\}

    over the distinct radii :math:`\rho_k` of the DFT grid (docs/theory.md §8). A signal
    band-limited on the grid has a tail of round-off only, which ``tolerance`` (relative to
    :math:`\|f\|^2`, default 1e-12) ignores. At most 0.5·sqrt(d); 0 for a constant signal.

    Parameters
    ----------
    signals
        samples, a DataArray with first dim ``signal``, or radial power (module docstring).
    tolerance
        relative energy allowed outside the radius, in [0, 1).

    Returns
    -------
    xarray.DataArray
        bandwidths in cycles/sample over the signals' dims, named ``bandwidth``; lazy if the
        radial power is.
    """
    tol = _checks.tolerance(tolerance)
    power, _ = radial_power_of(signals)
    width = xr.apply_ufunc(
        kernels.essential_bandwidth,
        power[RADIUS_DIM],
        power,
        input_core_dims=[[RADIUS_DIM], [RADIUS_DIM]],
        kwargs={"tolerance": tol},
        dask="parallelized",
        output_dtypes=[np.float64],
    )
    return width.rename("bandwidth").assign_attrs(
        units="cycles/sample",
        tolerance=tol,
        description="smallest |omega| with the energy beyond it <= tolerance ||f||^2",
    )
