r"""Decay fits of the propagated energy :math:`W_n` per (signal, bank) curve.

Every registered decay model (:mod:`pipeline.analysis.fit_models`; built in: exponential
:math:`\log W_n = c - n \log a` and polynomial :math:`\log W_n = c - \beta \log n`,
docs/theory.md §4–6) is a straight line after a transform :math:`x(n)` of the layer index,
fitted by ordinary least squares on the curve's resolved layers
(:mod:`pipeline.analysis.resolution`: :math:`n \ge 2`, :math:`W_n > 10 s_n`, above the relative
round-off floor), and only where at least ``MIN_LAYERS`` = 4 layers are resolved (two
parameters, two residual degrees of freedom). Fits are summaries: the local rates of
:mod:`pipeline.analysis.local_rates` are the primary quantity (docs/theory.md §10, §13).

**The budget's effect.** Under pruning the true :math:`W_n` lies in :math:`[W_n, W_n + s_n]`
(docs/theory.md §2), so :math:`y_n = \log W_n^{\text{true}} \in [\log W_n, \log(W_n + s_n)]`. The
OLS slope :math:`\sum_n x^c_n y_n / \sum_n (x^c_n)^2` (:math:`x^c` centred) is linear in
:math:`y`, so over that box it is largest with :math:`y_n` at the top where
:math:`x^c_n > 0` and at the bottom elsewhere, and smallest the other way round. Hence every
curve inside the slack band has a decay rate in

.. math::
    \Bigl[\hat s - \frac{\sum_n \max(x^c_n, 0)\,d_n}{S_{xx}},\
          \hat s - \frac{\sum_n \min(x^c_n, 0)\,d_n}{S_{xx}}\Bigr],
    \qquad d_n = \log\bigl(1 + s_n/W_n\bigr),

stored as ``<rate>_budget_lower`` and ``<rate>_budget_upper`` (equal to the rate when the run is
exact).

**Model choice.** The preferred model has the smallest Akaike information criterion
:math:`m \log(\max(\mathrm{RSS}, m\tau^2)/m) + 2k` with :math:`k = 3` (intercept, slope,
variance) for every model: residuals below the relative accuracy :math:`\tau = 10^{-3}` of a
resolved :math:`\log W_n` are round-off, so an exact power law picks the polynomial model and
an exact exponential the exponential one; ties (both within round-off) go to the smaller flag
code. ``aic_difference`` records the margin: below 2 the data do not decide.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from .fit_models import EXPONENTIAL, POLYNOMIAL, UNRESOLVED, FitModel, fit_models, flag_attributes
from .resolution import (
    DEFAULT_LOG2_SAMPLES,
    FIRST_FIT_LAYER,
    RELATIVE_ACCURACY,
    SLACK_FACTOR,
    grid_settings,
    resolved_layers,
    sandwich,
)

#: Fewest resolved layers a fit needs: two parameters and two residual degrees of freedom.
MIN_LAYERS = 4
#: Parameters of every model in the AIC: intercept, slope and the residual variance.
AIC_PARAMETERS = 3

__all__ = [
    "EXPONENTIAL",
    "FIRST_FIT_LAYER",
    "MIN_LAYERS",
    "POLYNOMIAL",
    "SLACK_FACTOR",
    "UNRESOLVED",
    "CentredLayers",
    "centred_layers",
    "curve_statistics",
    "fit_decay",
    "statistics",
]


def statistics() -> list[str]:
    """Names of the per-curve statistics: per model its rate, standard error, intercept and
    budget bracket, then each model's AIC, then ``layers_used``."""
    models = fit_models()
    names = [
        n
        for m in models
        for n in (
            m.rate,
            f"{m.rate}_se",
            f"{m.key}_log_intercept",
            f"{m.rate}_budget_lower",
            f"{m.rate}_budget_upper",
        )
    ]
    return [*names, *(f"aic_{m.key}" for m in models), "layers_used"]


def _descriptions(model: FitModel) -> dict[str, str]:
    band = "every curve inside the slack band [W_n, W_n + s_n] of the resolved layers"
    return {
        model.rate: f"{model.rate_description}; fitted on resolved layers n >= "
        f"{FIRST_FIT_LAYER} (at least {MIN_LAYERS})",
        f"{model.rate}_se": f"OLS standard error of {model.rate}",
        f"{model.key}_log_intercept": f"log C of the {model.name} model, log of "
        "sum-of-squares units",
        f"{model.rate}_budget_lower": f"smallest {model.rate} of {band}",
        f"{model.rate}_budget_upper": f"largest {model.rate} of {band}",
        f"aic_{model.key}": f"AIC m log(max(RSS, m tau^2)/m) + {2 * AIC_PARAMETERS} of the "
        f"{model.name} fit (tau = {RELATIVE_ACCURACY:g})",
    }


class CentredLayers(NamedTuple):
    r"""A block of curves (..., layer) reduced to their resolved layers, centred per curve.

    ``use`` (...): the curve has at least ``MIN_LAYERS`` resolved layers; ``count`` (...): its
    resolved layers m; ``mask`` (..., layer): resolved layers of used curves. Means (...) and
    centred values (..., layer; 0 off the mask) of :math:`y = \log W_n` and, per model key,
    of its abscissa :math:`x(n)` (``x_mean[key]``, ``x[key]``); ``spread`` (..., layer):
    :math:`d_n = \log(1 + s_n/W_n)` on the mask, 0 off it.
    """

    use: NDArray[np.bool_]
    count: NDArray[np.int64]
    mask: NDArray[np.bool_]
    y_mean: NDArray
    y: NDArray
    x_mean: dict[str, NDArray]
    x: dict[str, NDArray]
    spread: NDArray


def centred_layers(
    propagated: NDArray,
    slack: NDArray,
    layers: NDArray,
    *,
    last_layer: int | None = None,
    log2_m: int = DEFAULT_LOG2_SAMPLES,
    u: float = 2.0**-53,
) -> CentredLayers:
    """:class:`CentredLayers` of curves (..., layer), fitted layers up to ``last_layer``."""
    mask = resolved_layers(propagated, slack, layers, last=last_layer, log2_m=log2_m, u=u)
    count = mask.sum(axis=-1)
    use = count >= MIN_LAYERS
    mask &= use[..., None]
    m = np.where(use, count, 1)[..., None]
    with np.errstate(divide="ignore", invalid="ignore"):
        kept = np.where(mask, propagated, 1.0)
        y = np.where(mask, np.log(kept), 0.0)
        spread = np.where(mask, np.log1p(np.where(mask, slack, 0.0) / kept), 0.0)

    def mean_and_centred(values: NDArray) -> tuple[NDArray, NDArray]:
        mean = values.sum(axis=-1, keepdims=True) / m
        return mean[..., 0], np.where(mask, values - mean, 0.0)

    y_mean, y_c = mean_and_centred(y)
    x_mean, x_c = {}, {}
    for model in fit_models():
        x_mean[model.key], x_c[model.key] = mean_and_centred(
            np.where(mask, model.abscissa(layers), 0.0)
        )
    return CentredLayers(use, count, mask, y_mean, y_c, x_mean, x_c, spread)


def _line_fit(key: str, centred: CentredLayers) -> dict[str, NDArray]:
    """OLS y = c + s x of one model per curve: decay -s, its standard error, c, the budget
    bracket of the decay and the AIC (module docstring)."""
    x, y, m = centred.x[key], centred.y, centred.count
    with np.errstate(divide="ignore", invalid="ignore"):
        sxx = (x * x).sum(axis=-1)
        sxy = (x * y).sum(axis=-1)
        slope = sxy / sxx
        residual = np.where(centred.mask, y - slope[..., None] * x, 0.0)
        rss = (residual * residual).sum(axis=-1)
        se = np.sqrt(rss / (m - 2) / sxx)
        up = (np.maximum(x, 0.0) * centred.spread).sum(axis=-1) / sxx
        down = (np.minimum(x, 0.0) * centred.spread).sum(axis=-1) / sxx
        floor = m * RELATIVE_ACCURACY**2
        aic = m * np.log(np.maximum(rss, floor) / np.maximum(m, 1)) + 2.0 * AIC_PARAMETERS
    return {
        "rate": -slope,
        "se": se,
        "intercept": centred.y_mean - slope * centred.x_mean[key],
        "lower": -slope - up,
        "upper": -slope - down,
        "aic": aic,
    }


def curve_statistics(
    propagated: NDArray, slack: NDArray, layers: NDArray, **settings: Any
) -> tuple[CentredLayers, dict[str, dict[str, NDArray]]]:
    """The resolved layers of curves (..., layer) and, per model key, the line fit
    (``rate``, ``se``, ``intercept``, ``lower``, ``upper``, ``aic``; NaN for unused curves).
    ``settings``: ``last_layer``, ``log2_m``, ``u`` of :func:`centred_layers`."""
    centred = centred_layers(propagated, slack, layers, **settings)
    fits = {}
    for model in fit_models():
        line = _line_fit(model.key, centred)
        fits[model.key] = {k: np.where(centred.use, v, np.nan) for k, v in line.items()}
    return centred, fits


def _fit_block(
    propagated: NDArray, slack: NDArray, layers: NDArray, **settings: Any
) -> NDArray[np.float64]:
    """All :func:`statistics` of a block of curves, (..., layer) -> (..., statistic); NaN where
    fewer than ``MIN_LAYERS`` layers are resolved (``layers_used`` is always set)."""
    centred, fits = curve_statistics(propagated, slack, layers, **settings)
    columns = []
    for model in fit_models():
        line = fits[model.key]
        columns += [line[k] for k in ("rate", "se", "intercept", "lower", "upper")]
    columns += [fits[model.key]["aic"] for model in fit_models()]
    columns.append(centred.count.astype(np.float64))
    return np.stack(columns, axis=-1)


def preferred(scores: list[xr.DataArray], codes: list[int]) -> tuple[xr.DataArray, xr.DataArray]:
    """The model with the smallest score (ties: the earlier one) and its margin to the next.

    ``scores`` are per model (AIC, NaN where unresolved: all models alike); returns the int8
    flag (:data:`UNRESOLVED` where the scores are NaN) and the second-smallest score minus the
    smallest (for two models, their absolute difference).
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


def fit_decay(energies: xr.Dataset, *, last_layer: int | None = None) -> xr.Dataset:
    """Fit every registered decay model to every curve of a store or ``propagate`` result.

    Parameters
    ----------
    energies
        a Dataset with ``propagated_energy`` and ``pruned_slack`` over (..., layer); its
        attributes ``grid_shape`` and ``dtype`` set the round-off floor
        (:mod:`pipeline.analysis.resolution`; a conservative default without them). Dask-backed
        inputs are fitted chunk by chunk (``xarray.apply_ufunc(..., dask="parallelized")``).
    last_layer
        deepest layer fitted (None: every resolved layer). Local rates rise with n for wavelets
        (docs/theory.md §13), so a fitted rate is a property of its layer window: compare two
        runs (an exact and a budgeted one, two banks) on the same window.

    Returns
    -------
    xarray.Dataset
        the :func:`statistics` over the curves' other dims (``exp_rate``, ``poly_exponent``,
        their ``_budget_lower``/``_budget_upper``, ...), plus ``preferred_model`` (int8 CF flags:
        :data:`EXPONENTIAL`, :data:`POLYNOMIAL`, :data:`UNRESOLVED`) and ``aic_difference``.
    """
    propagated = energies.propagated_energy
    if "layer" not in propagated.dims:
        raise ValueError("energies must have a 'layer' dimension")
    settings = grid_settings(energies.attrs)
    names = statistics()
    stats = xr.apply_ufunc(
        _fit_block,
        *sandwich(energies),
        kwargs={"layers": energies.layer.values, "last_layer": last_layer, **settings},
        input_core_dims=[["layer"], ["layer"]],
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
    result["layers_used"].attrs["description"] = (
        f"number m of resolved layers n >= {FIRST_FIT_LAYER} (fits need m >= {MIN_LAYERS})"
    )
    flag, margin = preferred([result[f"aic_{m.key}"] for m in models], [m.code for m in models])
    result["preferred_model"] = flag
    result["aic_difference"] = margin
    result["preferred_model"].attrs.update(
        description="model with the smallest AIC (CF flags)", **flag_attributes()
    )
    result["aic_difference"].attrs["description"] = (
        "AIC of the next model minus the preferred one's (below 2: not decided)"
    )
    result.attrs.update(
        slack_factor=SLACK_FACTOR,
        round_off_floor="relative: (3 eta_n / tau)^2, eta_n = 2 c u ceil(log2 M) sum_{k<=n} "
        "sqrt(W_k + s_k) (pipeline/analysis/resolution.py, docs/theory.md §10)",
        relative_accuracy=RELATIVE_ACCURACY,
        first_fit_layer=FIRST_FIT_LAYER,
        last_fit_layer=-1 if last_layer is None else int(last_layer),
        min_layers=MIN_LAYERS,
        **{f"round_off_{k}": v for k, v in settings.items()},
    )
    return result
