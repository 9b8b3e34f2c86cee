r"""Decay fits of the propagated energy :math:`W_n` per (signal, bank) curve.

Every registered decay model (:mod:`pipeline.analysis.fit_models`; built in: exponential
:math:`\log W_n = c - n \log a` and polynomial :math:`\log W_n = c - \beta \log n`,
docs/theory.md §4-6) is a straight line after a transform of the layer index, fitted by ordinary
least squares on the layers where :math:`W_n` is resolved.

A layer is resolved when :math:`n \ge 1`, :math:`W_n > 10\,s_n` (well above its pruning slack
:math:`s_n`, so the fit never sees pruned noise) and :math:`W_n > 10^{-13}\|f\|^2` (above the
round-off of the energy identity). The preferred model has the smallest Akaike information
criterion :math:`m \log(\mathrm{RSS}/m) + 2k` (k = 2 for every model, so the smallest residual
wins; ties go to the smaller flag code); ``aic_difference`` records by how much.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from .fit_models import EXPONENTIAL, POLYNOMIAL, UNRESOLVED, FitModel, fit_models, flag_attributes

#: A layer is used only if W_n exceeds this multiple of its pruning slack.
SLACK_FACTOR = 10.0
#: ... and this fraction of ||f||^2 (the identity holds to ~1e-15 relative).
ROUND_OFF_FLOOR = 1e-13
#: Fewest resolved layers a fit needs (two parameters and one degree of freedom).
MIN_LAYERS = 3

__all__ = [
    "EXPONENTIAL",
    "MIN_LAYERS",
    "POLYNOMIAL",
    "ROUND_OFF_FLOOR",
    "SLACK_FACTOR",
    "UNRESOLVED",
    "CentredLayers",
    "centred_layers",
    "fit_decay",
    "resolved_layers",
    "statistics",
]


def statistics() -> list[str]:
    """Names of the per-curve statistics: per model its rate, standard error and intercept,
    then each model's AIC, then ``layers_used``."""
    models = fit_models()
    names = [n for m in models for n in (m.rate, f"{m.rate}_se", f"{m.key}_log_intercept")]
    return [*names, *(f"aic_{m.key}" for m in models), "layers_used"]


def _descriptions(model: FitModel) -> dict[str, str]:
    return {
        model.rate: model.rate_description,
        f"{model.rate}_se": f"OLS standard error of {model.rate}",
        f"{model.key}_log_intercept": f"log C of the {model.name} model, log of "
        "sum-of-squares units",
        f"aic_{model.key}": f"Akaike information criterion m log(RSS/m) + 4 of the {model.name} "
        "fit",
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
    centred values (..., layer; 0 off the mask) of :math:`y = \log W_n` and, per model key,
    of its abscissa :math:`x(n)` (``x_mean[key]``, ``x[key]``).
    """

    use: NDArray[np.bool_]
    count: NDArray[np.int64]
    mask: NDArray[np.bool_]
    y_mean: NDArray
    y: NDArray
    x_mean: dict[str, NDArray]
    x: dict[str, NDArray]


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

    def mean_and_centred(values: NDArray) -> tuple[NDArray, NDArray]:
        mean = values.sum(axis=-1, keepdims=True) / m
        return mean[..., 0], np.where(mask, values - mean, 0.0)

    y_mean, y_c = mean_and_centred(y)
    x_mean, x_c = {}, {}
    for model in fit_models():
        x_mean[model.key], x_c[model.key] = mean_and_centred(
            np.where(mask, model.abscissa(layers), 0.0)
        )
    return CentredLayers(use, count, mask, y_mean, y_c, x_mean, x_c)


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
    """All :func:`statistics` of a block of curves, (..., layer) -> (..., statistic); NaN where
    fewer than ``MIN_LAYERS`` layers are resolved (``layers_used`` is always set)."""
    centred = centred_layers(propagated, slack, input_energy, layers)
    lines, aics = [], []
    for model in fit_models():
        slope, se, intercept, aic = _line_fits(
            centred.x_mean[model.key], centred.x[model.key], centred.y_mean, centred.y, centred
        )
        lines += [-slope, se, intercept]
        aics.append(aic)
    stats = np.where(centred.use[..., None], np.stack([*lines, *aics], axis=-1), np.nan)
    return np.concatenate([stats, centred.count[..., None].astype(np.float64)], axis=-1)


def preferred(scores: list[xr.DataArray], codes: list[int]) -> tuple[xr.DataArray, xr.DataArray]:
    """The model with the smallest score (ties: the earlier one) and its margin to the next.

    ``scores`` are per model (AIC or RSS, NaN where unresolved: all models alike); returns the
    int8 flag (:data:`UNRESOLVED` where the scores are NaN) and the second-smallest score minus
    the smallest (for two models, their absolute difference).
    """
    best, second, code = (
        scores[0],
        xr.full_like(scores[0], np.inf),
        xr.full_like(scores[0], codes[0], dtype=np.int64),
    )
    for score, value in zip(scores[1:], codes[1:], strict=True):
        better = score < best
        second = xr.where(better, best, xr.where(score < second, score, second))
        code = xr.where(better, value, code)
        best = xr.where(better, score, best)
    resolved = scores[0].notnull()
    return xr.where(resolved, code, UNRESOLVED).astype(np.int8), second - best


def fit_decay(energies: xr.Dataset) -> xr.Dataset:
    """Fit every registered decay model to every curve of a store or ``propagate`` result.

    Parameters
    ----------
    energies
        a Dataset with ``propagated_energy`` and ``pruned_slack`` over (..., layer) and
        ``input_energy``; dask-backed inputs are fitted chunk by chunk
        (``xarray.apply_ufunc(..., dask="parallelized")``), so stores larger than memory work.

    Returns
    -------
    xarray.Dataset
        the :func:`statistics` over the curves' other dims (``exp_rate``, ``poly_exponent``,
        ...), plus ``preferred_model`` (int8 CF flags: the models' codes, :data:`EXPONENTIAL`,
        :data:`POLYNOMIAL`, and :data:`UNRESOLVED`) and ``aic_difference`` (AIC of the next
        model minus the preferred one's).
    """
    propagated = energies.propagated_energy
    if "layer" not in propagated.dims:
        raise ValueError("energies must have a 'layer' dimension")
    layers = energies.layer.values
    names = statistics()
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
        dask_gufunc_kwargs={"output_sizes": {"statistic": len(names)}},
    )
    result = xr.Dataset({name: stats.isel(statistic=i, drop=True) for i, name in enumerate(names)})
    models = fit_models()
    for model in models:
        for name, description in _descriptions(model).items():
            result[name].attrs["description"] = description
    result["layers_used"].attrs["description"] = "number m of resolved layers the fits use"
    flag, margin = preferred([result[f"aic_{m.key}"] for m in models], [m.code for m in models])
    result["preferred_model"] = flag
    result["aic_difference"] = margin
    result["preferred_model"].attrs.update(
        description="model with the smaller AIC (CF flags)", **flag_attributes()
    )
    result["aic_difference"].attrs["description"] = (
        "AIC of the other model minus the preferred one's"
    )
    result.attrs.update(
        slack_factor=SLACK_FACTOR, round_off_floor=ROUND_OFF_FLOOR, min_layers=MIN_LAYERS
    )
    return result
