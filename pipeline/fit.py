r"""Decay fits of the propagated energy :math:`W_n` per (signal, bank) curve.

Two models, each a straight line after a log transform, fitted by ordinary least squares on the
layers where :math:`W_n` is resolved (THEORY.md §4-6):

.. math::
    \text{exponential:}\ \log W_n = c - n \log a, \qquad
    \text{polynomial:}\ \log W_n = c - \beta \log n .

A layer is resolved when :math:`n \ge 1`, :math:`W_n > 10\,s_n` (well above its pruning slack
:math:`s_n`, so the fit never sees pruned noise) and :math:`W_n > 10^{-13}\|f\|^2` (above the
round-off of the energy identity). The preferred model has the smaller Akaike information
criterion :math:`m \log(\mathrm{RSS}/m) + 2k` (k = 2 for both, so the smaller residual wins);
``aic_difference`` records by how much.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import xarray as xr
from numpy.typing import NDArray

#: A layer is used only if W_n exceeds this multiple of its pruning slack.
SLACK_FACTOR = 10.0
#: ... and this fraction of ||f||^2 (the identity holds to ~1e-15 relative).
ROUND_OFF_FLOOR = 1e-13
#: Fewest resolved layers a fit needs (two parameters and one degree of freedom).
MIN_LAYERS = 3

#: Values of ``preferred_model`` (CF flag_values; flag_meanings in its attributes).
UNRESOLVED, EXPONENTIAL, POLYNOMIAL = 0, 1, 2

STATISTICS = (
    "exp_rate",
    "exp_rate_se",
    "exp_log_intercept",
    "poly_exponent",
    "poly_exponent_se",
    "poly_log_intercept",
    "aic_exp",
    "aic_poly",
    "layers_used",
)

_DESCRIPTIONS = {
    "exp_rate": "log a in W_n ~ C a^(-n) (natural log per layer); decay base a = exp(exp_rate)",
    "exp_rate_se": "OLS standard error of exp_rate",
    "exp_log_intercept": "log C of the exponential model, log of sum-of-squares units",
    "poly_exponent": "beta in W_n ~ C n^(-beta)",
    "poly_exponent_se": "OLS standard error of poly_exponent",
    "poly_log_intercept": "log C of the polynomial model",
    "aic_exp": "Akaike information criterion m log(RSS/m) + 4 of the exponential fit",
    "aic_poly": "Akaike information criterion m log(RSS/m) + 4 of the polynomial fit",
    "layers_used": "number m of resolved layers the fits use",
}


def resolved_layers(
    propagated: NDArray, slack: NDArray, input_energy: NDArray | float, layers: NDArray
) -> NDArray[np.bool_]:
    r"""Where :math:`W_n` is resolved: :math:`n \ge 1`, :math:`W_n > 10\,s_n` and
    :math:`W_n > 10^{-13}\|f\|^2` (NaN slack counts as unresolved).

    ``propagated`` and ``slack`` are (..., layer); ``input_energy`` broadcasts against them.
    """
    with np.errstate(invalid="ignore"):
        return (
            (layers >= 1)
            & np.isfinite(propagated)
            & (propagated > SLACK_FACTOR * np.nan_to_num(slack, nan=np.inf))
            & (propagated > ROUND_OFF_FLOOR * input_energy)
        )


class CentredLayers(NamedTuple):
    r"""A block of curves (..., layer) reduced to their resolved layers, centred per curve.

    ``use`` (...): the curve has at least ``MIN_LAYERS`` resolved layers; ``count`` (...): its
    resolved layers m; ``mask`` (..., layer): resolved layers of used curves. Means (...) and
    centred values (..., layer; 0 off the mask) of :math:`y = \log W_n`, :math:`x = n`
    (``exp``) and :math:`x = \log n` (``poly``).
    """

    use: NDArray[np.bool_]
    count: NDArray[np.int64]
    mask: NDArray[np.bool_]
    y_mean: NDArray
    y: NDArray
    exp_mean: NDArray
    exp: NDArray
    poly_mean: NDArray
    poly: NDArray


def centred_layers(
    propagated: NDArray, slack: NDArray, input_energy: NDArray, layers: NDArray
) -> CentredLayers:
    """:class:`CentredLayers` of curves (..., layer) with ``input_energy`` of shape (...)."""
    energy = np.asarray(input_energy)[..., None]
    mask = resolved_layers(propagated, slack, energy, layers)
    count = mask.sum(axis=-1)
    use = count >= MIN_LAYERS
    mask &= use[..., None]
    m = np.where(use, count, 1)[..., None]
    with np.errstate(divide="ignore", invalid="ignore"):
        y = np.where(mask, np.log(np.where(mask, propagated, 1.0)), 0.0)
    x_exp = np.where(mask, layers.astype(np.float64), 0.0)
    x_poly = np.where(mask, np.log(np.maximum(layers, 1).astype(np.float64)), 0.0)

    def mean_and_centred(values: NDArray) -> tuple[NDArray, NDArray]:
        mean = values.sum(axis=-1, keepdims=True) / m
        return mean[..., 0], np.where(mask, values - mean, 0.0)

    y_mean, y_c = mean_and_centred(y)
    exp_mean, exp_c = mean_and_centred(x_exp)
    poly_mean, poly_c = mean_and_centred(x_poly)
    return CentredLayers(use, count, mask, y_mean, y_c, exp_mean, exp_c, poly_mean, poly_c)


def _line_fits(
    x_mean: NDArray, x: NDArray, y_mean: NDArray, y: NDArray, centred: CentredLayers
) -> tuple[NDArray, NDArray, NDArray, NDArray]:
    """OLS y = c + s x per curve on centred values: (slope, its standard error, c, AIC)."""
    m = centred.count
    with np.errstate(divide="ignore", invalid="ignore"):
        sxx = (x * x).sum(axis=-1)
        slope = (x * y).sum(axis=-1) / sxx
        intercept = y_mean - slope * x_mean
        residual = np.where(centred.mask, y - slope[..., None] * x, 0.0)
        rss = (residual * residual).sum(axis=-1)
        se = np.sqrt(rss / (m - 2) / sxx)
        aic = m * np.log(np.maximum(rss, 1e-300) / m) + 4.0
    return slope, se, intercept, aic


def _fit_block(
    propagated: NDArray, slack: NDArray, input_energy: NDArray, layers: NDArray
) -> NDArray[np.float64]:
    """All :data:`STATISTICS` of a block of curves, (..., layer) -> (..., statistic); NaN where
    fewer than ``MIN_LAYERS`` layers are resolved (``layers_used`` is always set)."""
    centred = centred_layers(propagated, slack, input_energy, layers)
    exp_slope, exp_se, exp_c, aic_exp = _line_fits(
        centred.exp_mean, centred.exp, centred.y_mean, centred.y, centred
    )
    poly_slope, poly_se, poly_c, aic_poly = _line_fits(
        centred.poly_mean, centred.poly, centred.y_mean, centred.y, centred
    )
    stats = np.stack(
        [-exp_slope, exp_se, exp_c, -poly_slope, poly_se, poly_c, aic_exp, aic_poly], axis=-1
    )
    stats = np.where(centred.use[..., None], stats, np.nan)
    return np.concatenate([stats, centred.count[..., None].astype(np.float64)], axis=-1)


def fit_decay(energies: xr.Dataset) -> xr.Dataset:
    """Fit exponential and polynomial decay to every curve of a store or ``propagate`` result.

    Parameters
    ----------
    energies
        a Dataset with ``propagated_energy`` and ``pruned_slack`` over (..., layer) and
        ``input_energy``; dask-backed inputs are fitted chunk by chunk
        (``xarray.apply_ufunc(..., dask="parallelized")``), so stores larger than memory work.

    Returns
    -------
    xarray.Dataset
        the :data:`STATISTICS` over the curves' other dims, plus ``preferred_model``
        (int8 CF flags: :data:`EXPONENTIAL`, :data:`POLYNOMIAL`, :data:`UNRESOLVED`) and
        ``aic_difference``
        (AIC of the other model minus the preferred one's).
    """
    propagated = energies.propagated_energy
    if "layer" not in propagated.dims:
        raise ValueError("energies must have a 'layer' dimension")
    layers = energies.layer.values
    stats = xr.apply_ufunc(
        _fit_block,
        propagated,
        energies.pruned_slack,
        energies.input_energy,
        kwargs={"layers": layers},
        input_core_dims=[["layer"], ["layer"], []],
        output_core_dims=[["statistic"]],
        dask="parallelized",
        output_dtypes=[np.float64],
        dask_gufunc_kwargs={"output_sizes": {"statistic": len(STATISTICS)}},
    )
    result = xr.Dataset(
        {name: stats.isel(statistic=i, drop=True) for i, name in enumerate(STATISTICS)}
    )
    for name, description in _DESCRIPTIONS.items():
        result[name].attrs["description"] = description
    exp_better = result.aic_exp <= result.aic_poly
    resolved = result.aic_exp.notnull()
    result["preferred_model"] = xr.where(
        resolved, xr.where(exp_better, EXPONENTIAL, POLYNOMIAL), UNRESOLVED
    ).astype(np.int8)
    result["aic_difference"] = np.abs(result.aic_exp - result.aic_poly)
    result["preferred_model"].attrs.update(
        description="model with the smaller AIC (CF flags)",
        flag_values=np.array([UNRESOLVED, EXPONENTIAL, POLYNOMIAL], dtype=np.int8),
        flag_meanings="unresolved exponential polynomial",
    )
    result["aic_difference"].attrs["description"] = (
        "AIC of the other model minus the preferred one's"
    )
    result.attrs.update(
        slack_factor=SLACK_FACTOR, round_off_floor=ROUND_OFF_FLOOR, min_layers=MIN_LAYERS
    )
    return result
