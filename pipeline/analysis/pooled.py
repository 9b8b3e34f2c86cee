r"""Pooled decay rates per bank, over all signals and per signal class, with intervals that
include both the signal-to-signal spread and the pruning budget.

**The same signals in every bank.** A signal enters the pools only if its curve is fitted
(:mod:`pipeline.analysis.fit`: at least ``MIN_LAYERS`` resolved layers :math:`n \ge 2`) in
every bank that fits any signal, so a pooled rate of one bank compares with another's on the
same signals; the rest are counted in ``pooled_signals_left_out``. (A bank that fits no signal
at all, e.g. one pruned too hard, has NaN pools and does not empty the others'.)

**Equal weight per signal.** The pooled rate of a model is the mean over the pool's signals of
the per-curve rates, :math:`\bar s = \frac1k\sum_i \hat s_i` (docs/theory.md §10), so a curve
that decays slowly, and so keeps more resolved layers, weighs no more than a fast one. Its
standard error is :math:`\mathrm{sd}(\hat s_i)/\sqrt k`.

**Intervals.** A Poisson bootstrap over signals (each signal a weight :math:`w \sim
\mathrm{Poisson}(1)` per replicate, the same in every bank; :mod:`pipeline.analysis.bootstrap`)
of the weighted means of the per-curve *budget brackets* (``<rate>_budget_lower`` and
``_upper``, the range of each curve's rate over its slack band): the interval runs from the
lower percentile of the mean lower bracket to the upper percentile of the mean upper bracket.
It therefore holds the budget's effect (an exact run and a budgeted run of the same signals give
overlapping intervals) and the spread over signals. A pool of fewer than
``MIN_INTERVAL_CURVES`` signals gets no interval (NaN, with the reason in ``pooled_note``).

**Model choice.** The model with the smallest summed AIC of its curves (each curve's AIC as in
:mod:`pipeline.analysis.fit`).

Everything is a weighted sum over signals, so a store of any size is reduced chunk by chunk along
``signal`` with bounded memory, and the result does not depend on the chunking.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import dask.array as da
import numpy as np
import xarray as xr
from numpy.typing import NDArray

from ..errors import InvalidParameterError
from ..validation import check_integer
from .bootstrap import poisson_weights, quantile_ignoring_nan
from .fit import MIN_LAYERS, curve_statistics, preferred
from .fit_models import fit_models, flag_attributes
from .resolution import grid_settings, sandwich

#: Name of the pool that holds every signal.
ALL_SIGNALS = "all"
#: Signals whose bootstrap weights are drawn at once.
WEIGHT_ROWS = 512
#: Fewest signals in a pool for an interval.
MIN_INTERVAL_CURVES = 2

__all__ = [
    "ALL_SIGNALS",
    "MIN_INTERVAL_CURVES",
    "curve_sums",
    "poisson_weights",
    "pool_fits",
    "signal_pools",
]


def sums() -> list[str]:
    """Per-curve columns, in order along the last axis of :func:`curve_sums`: ``curves`` (1 if
    fitted), ``layers``, per model ``<key>_rate``, ``<key>_rate2``, ``<key>_lower``,
    ``<key>_upper``, ``<key>_aic``."""
    per_model = [
        f"{m.key}_{name}"
        for m in fit_models()
        for name in ("rate", "rate2", "lower", "upper", "aic")
    ]
    return ["curves", "layers", *per_model]


def _curve_sums(
    propagated: NDArray, slack: NDArray, layers: NDArray, **settings: Any
) -> NDArray[np.float64]:
    """(..., layer) -> (..., len(sums())): each curve's fitted rates, brackets and AIC (0 for
    curves with fewer than ``MIN_LAYERS`` resolved layers: they drop out of every sum)."""
    centred, fits = curve_statistics(propagated, slack, layers, **settings)
    columns = [centred.use.astype(np.float64), np.where(centred.use, centred.count, 0)]
    for model in fit_models():
        line = fits[model.key]
        rate = line["rate"]
        for value in (rate, rate * rate, line["lower"], line["upper"], line["aic"]):
            columns.append(np.where(centred.use, value, 0.0))
    return np.stack(columns, axis=-1).astype(np.float64)


def curve_sums(energies: xr.Dataset, *, last_layer: int | None = None) -> xr.DataArray:
    """The :func:`sums` columns of every curve, lazily chunk by chunk (``apply_ufunc``).

    Parameters
    ----------
    energies
        ``propagated_energy`` and ``pruned_slack`` over (..., layer); attributes
        ``grid_shape`` and ``dtype`` set the round-off floor.
    last_layer
        deepest layer fitted (:func:`pipeline.analysis.fit.fit_decay`).

    Returns
    -------
    xarray.DataArray
        over the curves' dims plus ``sum`` (coordinate :func:`sums`).
    """
    names = sums()
    result = xr.apply_ufunc(
        _curve_sums,
        *sandwich(energies),
        kwargs={
            "layers": energies.layer.values,
            "last_layer": last_layer,
            **grid_settings(energies.attrs),
        },
        input_core_dims=[["layer"], ["layer"]],
        output_core_dims=[["sum"]],
        dask="parallelized",
        output_dtypes=[np.float64],
        dask_gufunc_kwargs={"output_sizes": {"sum": len(names)}},
    )
    return result.assign_coords(sum=names)


def _pool_block(
    sums: NDArray,
    codes: NDArray,
    required: NDArray,
    n_pools: int,
    replicates: int,
    seed: int,
    block_info: dict | None = None,
) -> NDArray[np.float64]:
    """Weighted sums of one signal chunk (signal, bank, sum) -> (1, pool, 1 + replicates, bank,
    sum + 2), the last two columns counting signals left out (not fitted in every bank) and
    every signal.

    Only signals fitted in every ``required`` bank count. Weights are drawn :data:`WEIGHT_ROWS` signals at a
    time, so memory stays bounded whatever the chunk size.
    """
    start, stop = block_info[0]["array-location"][0]
    common = ((sums[..., 0] > 0) | ~required).all(axis=1)
    kept = np.where(common[:, None, None], sums, 0.0)
    extra = np.stack([~common, np.ones_like(common)], axis=-1).astype(np.float64)
    extra = np.broadcast_to(extra[:, None, :], (*sums.shape[:2], 2))
    flat = np.concatenate([kept, extra], axis=-1).reshape(sums.shape[0], -1)
    out = np.zeros((1, n_pools, 1 + replicates, flat.shape[1]))
    for first in range(start, stop, WEIGHT_ROWS):
        last = min(first + WEIGHT_ROWS, stop)
        weights = np.concatenate(
            [np.ones((last - first, 1)), poisson_weights(seed, first, last, replicates)], axis=1
        )
        rows = flat[first - start : last - start]
        out[0, 0] += weights.T @ rows
        row_codes = codes[first:last]
        for pool in range(1, n_pools):
            member = row_codes == pool
            if member.any():
                out[0, pool] += weights[member].T @ rows[member]
    return out.reshape(1, n_pools, 1 + replicates, sums.shape[1], sums.shape[2] + 2)


def pool_fits(
    energies: xr.Dataset,
    *,
    pool_by: str | None = "signal_class",
    replicates: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
    last_layer: int | None = None,
) -> xr.Dataset:
    r"""Pooled decay rates per bank, over all signals and per class (see the module docstring).

    Parameters
    ----------
    energies
        a store (:func:`pipeline.store.open_results`) or ``propagate`` result with dims
        ``signal``, ``bank``, ``layer``: ``propagated_energy``, ``pruned_slack``. Dask-backed
        inputs are reduced chunk by chunk along ``signal``.
    pool_by
        a coordinate on ``signal`` whose values form extra pools (default ``signal_class``,
        split per value of the class's parameters: ``sobolev s=0.5``, :func:`class_labels`);
        None, or absent from ``energies``, for the single pool :data:`ALL_SIGNALS`.
    replicates
        bootstrap replicates (Poisson weights over signals).
    confidence
        level of the percentile intervals, in (0, 1).
    seed
        seed of the bootstrap weights.
    last_layer
        deepest layer fitted (None: every resolved layer; :func:`pipeline.analysis.fit.fit_decay`).

    Returns
    -------
    xarray.Dataset
        dims (``pool``, ``bank``); ``pool`` = ["all", *sorted classes]. Per model
        ``pooled_<rate>`` with ``_se``, ``_lower``, ``_upper`` (bootstrap interval including the
        budget) and ``_budget_lower``, ``_budget_upper`` (the budget's effect alone);
        ``pooled_preferred_model`` (CF flags), ``pooled_curves``, ``pooled_layers``,
        ``pooled_signals_left_out`` and ``pooled_note`` (why a value or interval is NaN).
    """
    replicates = check_integer("replicates", replicates, minimum=10)
    if not isinstance(confidence, float) or not 0 < confidence < 1:
        raise InvalidParameterError("confidence", confidence, "must be a float in (0, 1)")
    seed = check_integer("seed", seed, minimum=0)
    for dim in ("signal", "bank", "layer"):
        if dim not in energies.dims:
            raise InvalidParameterError("energies", tuple(energies.dims), f"needs a {dim!r} dim")

    pools, codes = signal_pools(energies, pool_by)
    per_curve = curve_sums(energies, last_layer=last_layer).transpose("signal", "bank", "sum").data
    if not isinstance(per_curve, da.Array):
        per_curve = da.from_array(per_curve, chunks=(max(1, per_curve.shape[0]), -1, -1))
    per_curve = per_curve.rechunk({1: -1, 2: -1})
    n_banks = per_curve.shape[1]
    required = (per_curve[..., 0] > 0).any(axis=0).compute()  # banks that fit some signal
    partial = da.map_blocks(
        _pool_block,
        per_curve,
        codes=codes,
        required=required,
        n_pools=len(pools),
        replicates=replicates,
        seed=seed,
        new_axis=[1, 2],
        chunks=(
            (1,) * per_curve.numblocks[0],
            (len(pools),),
            (1 + replicates,),
            (n_banks,),
            (per_curve.shape[2] + 2,),
        ),
        dtype=np.float64,
    )
    totals = partial.sum(axis=0).compute()  # (pool, 1 + replicates, bank, sum + 2)
    settings = {"replicates": replicates, "confidence": confidence, "seed": seed}
    return _pooled_dataset(totals, pools, energies, required, pool_by, **settings)


#: Signal coordinates that are not a class's parameters (never split a pool).
NOT_CLASS_PARAMETERS = ("seed", "seed_key", "seed_row", "record_offset", "file_row")


def class_labels(energies: xr.Dataset, pool_by: str) -> NDArray:
    """Each signal's pool label: its ``pool_by`` value, followed for ``signal_class`` by the
    class parameters that vary within the class (``sobolev s=0.5``, ``band_limited
    bandwidth=0.1``), so classes are pooled per parameter value, not across them."""
    labels = np.array([str(value) for value in energies[pool_by].values], dtype=object)
    if pool_by != "signal_class":
        return labels
    parameters = [
        name
        for name, coord in energies.coords.items()
        if coord.dims == ("signal",)
        and name not in NOT_CLASS_PARAMETERS
        and np.issubdtype(coord.dtype, np.floating)
    ]
    out = labels.copy()
    for name in sorted(set(labels.tolist())):
        members = labels == name
        for parameter in parameters:
            values = np.asarray(energies[parameter].values)[members]
            if len(set(values[np.isfinite(values)].tolist())) < 2:
                continue
            short = str(parameter).removeprefix(f"{name}_")
            out[members] = [
                f"{label} {short}={value:g}"
                for label, value in zip(out[members], values, strict=True)
            ]
    return out


def signal_pools(energies: xr.Dataset, pool_by: str | None) -> tuple[list[str], NDArray[np.int64]]:
    """Pool names and each signal's pool code (1.. for classes; 0 is every signal); classes
    split per parameter value (:func:`class_labels`)."""
    n = energies.sizes["signal"]
    if pool_by is None or pool_by not in energies.coords:
        return [ALL_SIGNALS], np.zeros(n, dtype=np.int64)
    coord = energies[pool_by]
    if coord.dims != ("signal",):
        raise InvalidParameterError("pool_by", pool_by, "must be a coordinate on 'signal' only")
    labels = class_labels(energies, pool_by)
    names = sorted(set(labels.tolist()) - {ALL_SIGNALS})
    lookup = {name: i + 1 for i, name in enumerate(names)}
    return [ALL_SIGNALS, *names], np.array([lookup.get(v, 0) for v in labels], dtype=np.int64)


def _notes(curves: NDArray, left_out: NDArray, members: NDArray, required: NDArray) -> NDArray:
    """Why a pooled value or interval is missing, per (pool, bank) ("" when nothing is)."""
    notes = np.full(curves.shape, "", dtype=object)
    notes[curves == 1] = "one signal: no interval"
    empty = curves == 0
    notes[empty & (left_out > 0)] = (
        f"no signal of this pool has >= {MIN_LAYERS} resolved layers (n >= 2) in every bank "
        "that fits any signal"
    )
    notes[empty & ~required[None, :]] = (
        f"no signal has >= {MIN_LAYERS} resolved layers (n >= 2) in this bank"
    )
    notes[members == 0] = "the pool is empty"
    return notes


def _pooled_dataset(
    totals: NDArray,
    pools: Sequence[str],
    energies: xr.Dataset,
    required: NDArray,
    pool_by: str | None,
    *,
    replicates: int,
    confidence: float,
    seed: int,
) -> xr.Dataset:
    index = {name: i for i, name in enumerate(sums())}

    def column(name: str) -> NDArray:
        return totals[..., index[name]]

    curves = column("curves")  # (pool, 1 + replicates, bank)
    left_out, members = totals[:, 0, :, -2], totals[:, 0, :, -1]
    k = curves[:, 0]
    tail = (1 - confidence) / 2
    dims = ("pool", "bank")
    data: dict[str, xr.Variable] = {}
    aic_totals = []
    models = fit_models()
    with np.errstate(divide="ignore", invalid="ignore"):
        for model in models:
            label = f"pooled_{model.rate}"
            mean = np.where(curves > 0, column(f"{model.key}_rate") / curves, np.nan)
            second = column(f"{model.key}_rate2")[:, 0] / k
            variance = np.maximum(second - mean[:, 0] ** 2, 0.0) * k / (k - 1)
            se = np.where(k >= 2, np.sqrt(variance / k), np.nan)
            low = np.where(curves > 0, column(f"{model.key}_lower") / curves, np.nan)
            high = np.where(curves > 0, column(f"{model.key}_upper") / curves, np.nan)
            enough = (k >= MIN_INTERVAL_CURVES) & (
                np.isfinite(low[:, 1:]).sum(axis=1) >= max(10, replicates // 2)
            )
            lower = np.where(
                enough, quantile_ignoring_nan(np.moveaxis(low[:, 1:], 1, -1), tail), np.nan
            )
            upper = np.where(
                enough, quantile_ignoring_nan(np.moveaxis(high[:, 1:], 1, -1), 1 - tail), np.nan
            )
            data[label] = xr.Variable(dims, mean[:, 0], {"description": model.pooled_description})
            data[f"{label}_se"] = xr.Variable(
                dims, se, {"description": f"standard error of {label}: sd over signals / sqrt(k)"}
            )
            data[f"{label}_lower"] = xr.Variable(
                dims,
                lower,
                {
                    "description": f"{confidence:.0%} Poisson-bootstrap lower limit of the mean "
                    f"{model.rate}_budget_lower (signals and budget)"
                },
            )
            data[f"{label}_upper"] = xr.Variable(
                dims,
                upper,
                {
                    "description": f"{confidence:.0%} Poisson-bootstrap upper limit of the mean "
                    f"{model.rate}_budget_upper (signals and budget)"
                },
            )
            data[f"{label}_budget_lower"] = xr.Variable(
                dims, low[:, 0], {"description": f"mean over the pool of {model.rate}_budget_lower"}
            )
            data[f"{label}_budget_upper"] = xr.Variable(
                dims,
                high[:, 0],
                {"description": f"mean over the pool of {model.rate}_budget_upper"},
            )
            aic_totals.append(
                xr.DataArray(np.where(k > 0, column(f"{model.key}_aic")[:, 0], np.nan), dims=dims)
            )
    flag, _ = preferred(aic_totals, [m.code for m in models])
    data["pooled_preferred_model"] = xr.Variable(
        dims,
        flag.values,
        {
            "description": "model with the smallest summed AIC over the pool (CF flags)",
            **flag_attributes(),
        },
    )
    data["pooled_curves"] = xr.Variable(
        dims, k.astype(np.int64), {"description": "signals k in the pool, fitted in every bank"}
    )
    data["pooled_layers"] = xr.Variable(
        dims, column("layers")[:, 0].astype(np.int64), {"description": "resolved layers in all"}
    )
    data["pooled_signals_left_out"] = xr.Variable(
        dims,
        left_out.astype(np.int64),
        {
            "description": f"signals of the pool without >= {MIN_LAYERS} resolved layers in some bank"
        },
    )
    data["pooled_note"] = xr.Variable(
        dims,
        _notes(k, left_out, members, required),
        {"description": "why a pooled value or interval is NaN"},
    )
    pool_names = np.array(list(pools), dtype=object)
    result = xr.Dataset(data, coords={"pool": pool_names, "bank": energies.bank.values})
    result.attrs.update(
        pool_by=pool_by or "",
        bootstrap_replicates=replicates,
        bootstrap_confidence=confidence,
        bootstrap_seed=seed,
        pooled_method="mean of per-curve rates over the signals fitted in every bank (equal "
        "weights); Poisson bootstrap over signals of the budget brackets, percentile intervals "
        "(pipeline/analysis/pooled.py)",
    )
    return result
