r"""Pooled decay fits per bank, over all signals and per signal class, with bootstrap intervals.

A bank's decay rate is a property of the bank, the intercept one of the signal. The pooled fit
therefore shares one slope across the curves of a bank and gives each curve its own intercept
(the fixed-effects, or *within*, least-squares estimator; docs/theory.md §4–6 for the models):

.. math::
    \log W_{i,n} = c_i - s\,x_n, \qquad
    \hat s = -\frac{\sum_i S^{(i)}_{xy}}{\sum_i S^{(i)}_{xx}}, \qquad
    \mathrm{RSS} = \sum_i S^{(i)}_{yy} - \frac{\bigl(\sum_i S^{(i)}_{xy}\bigr)^2}{\sum_i S^{(i)}_{xx}},

with :math:`x_n` the abscissa of each registered decay model (:mod:`pipeline.analysis.fit_models`;
exponential :math:`x_n = n`, :math:`s = \log a`; polynomial :math:`x_n = \log n`,
:math:`s = \beta`), and :math:`S^{(i)}` the sums of products of a curve's resolved layers, centred
on that curve's means (the layers :mod:`pipeline.analysis.fit` uses: :math:`n\ge1`, above 10× the slack
and the round-off floor; curves with fewer than ``MIN_LAYERS`` are left out). The standard error
is :math:`\sqrt{\mathrm{RSS}/(M - k - 1)\,/\sum_i S^{(i)}_{xx}}` for k curves and M layers in all;
the preferred model has the smallest pooled RSS (every model has k + 1 parameters, so this is
also the smallest AIC; ties go to the smaller flag code).

Confidence intervals come from a Poisson bootstrap over signals (each signal gets a weight
:math:`w \sim \mathrm{Poisson}(1)` per replicate, the same weight in every bank; percentile
intervals). Only the seven sums per curve are needed, so a store of any size is reduced chunk by
chunk along ``signal`` with bounded memory, and the weights are a pure function of (seed, signal
index, replicate): the result does not depend on the chunking.
"""

from __future__ import annotations

from collections.abc import Sequence

import dask.array as da
import numpy as np
import xarray as xr
from numpy.typing import NDArray

from ..errors import InvalidParameterError
from ..validation import check_integer
from .fit import centred_layers, preferred
from .fit_models import fit_models, flag_attributes

#: Name of the pool that holds every signal.
ALL_SIGNALS = "all"
#: Signals whose bootstrap weights are drawn at once.
WEIGHT_ROWS = 512


def sums() -> list[str]:
    """Per-curve sums, in order along the last axis of :func:`curve_sums`: ``curves``,
    ``layers``, per model ``sxx_<key>`` and ``sxy_<key>``, then ``syy``."""
    per_model = [name for m in fit_models() for name in (f"sxx_{m.key}", f"sxy_{m.key}")]
    return ["curves", "layers", *per_model, "syy"]


def _curve_sums(
    propagated: NDArray, slack: NDArray, input_energy: NDArray, layers: NDArray
) -> NDArray[np.float64]:
    """(..., layer) -> (..., len(sums())): centred sums of products of each curve's resolved
    layers. Zero for curves with fewer than ``MIN_LAYERS`` resolved layers (they drop out)."""
    c = centred_layers(propagated, slack, input_energy, layers)
    per_model = []
    for model in fit_models():
        x = c.x[model.key]
        per_model += [(x * x).sum(-1), (x * c.y).sum(-1)]
    return np.stack(
        [
            c.use.astype(np.float64),
            np.where(c.use, c.count, 0).astype(np.float64),
            *per_model,
            (c.y * c.y).sum(-1),
        ],
        axis=-1,
    )


def curve_sums(energies: xr.Dataset) -> xr.DataArray:
    """The :func:`sums` of every curve, lazily chunk by chunk (``apply_ufunc``, dask-parallelized).

    Parameters
    ----------
    energies
        ``propagated_energy`` and ``pruned_slack`` over (..., layer), ``input_energy``.

    Returns
    -------
    xarray.DataArray
        over the curves' dims plus ``sum`` (coordinate :func:`sums`).
    """
    names = sums()
    result = xr.apply_ufunc(
        _curve_sums,
        energies.propagated_energy,
        energies.pruned_slack,
        energies.input_energy,
        kwargs={"layers": energies.layer.values},
        input_core_dims=[["layer"], ["layer"], []],
        output_core_dims=[["sum"]],
        dask="parallelized",
        output_dtypes=[np.float64],
        dask_gufunc_kwargs={"output_sizes": {"sum": len(names)}},
    )
    return result.assign_coords(sum=names)


# --------------------------------------------------------------------------------------------
# bootstrap weights: a pure function of (seed, signal, replicate)

_POISSON_CDF = np.cumsum(
    [np.exp(-1.0) / np.prod(np.arange(1, k + 1, dtype=np.float64)) for k in range(20)]
)


def _splitmix64(values: NDArray[np.uint64]) -> NDArray[np.uint64]:
    """The splitmix64 finaliser (Steele, Lea & Flood 2014): a bijective 64-bit mixer."""
    z = values + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def poisson_weights(seed: int, start: int, stop: int, replicates: int) -> NDArray[np.float64]:
    """Poisson(1) bootstrap weights of signals ``[start, stop)``, shape ``(stop - start, replicates)``.

    Weight (i, r) is the Poisson(1) inverse CDF of a uniform made by :func:`_splitmix64` from
    (seed, i·replicates + r): identical whichever chunk asks for it.
    """
    with np.errstate(over="ignore"):
        counter = (
            np.arange(start, stop, dtype=np.uint64)[:, None] * np.uint64(replicates)
            + np.arange(replicates, dtype=np.uint64)[None, :]
        )
        bits = _splitmix64(counter ^ _splitmix64(np.array([seed], dtype=np.uint64)))
    uniform = (bits >> np.uint64(11)).astype(np.float64) * 2.0**-53
    return np.searchsorted(_POISSON_CDF, uniform, side="right").astype(np.float64)


def _pool_block(
    sums: NDArray,
    codes: NDArray,
    n_pools: int,
    replicates: int,
    seed: int,
    block_info: dict | None = None,
) -> NDArray[np.float64]:
    """Weighted sums of one signal chunk: (1, pool, 1 + replicates, bank, sum).

    Weights are drawn :data:`WEIGHT_ROWS` signals at a time, so memory stays bounded whatever
    the chunk size.
    """
    start, stop = block_info[0]["array-location"][0]
    flat = sums.reshape(sums.shape[0], -1)
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
    return out.reshape(1, n_pools, 1 + replicates, *sums.shape[1:])


def _slope_statistics(
    sxx: NDArray, sxy: NDArray, syy: NDArray, curves: NDArray, layers: NDArray
) -> tuple[NDArray, NDArray, NDArray]:
    """Pooled decay (−slope), its standard error and the pooled RSS (NaN without curves)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = np.where(sxx > 0, sxy / sxx, np.nan)
        rss = np.maximum(syy - slope * sxy, 0.0)
        dof = layers - curves - 1
        se = np.where(dof > 0, np.sqrt(rss / dof / sxx), np.nan)
    return -slope, se, rss


def pool_fits(
    energies: xr.Dataset,
    *,
    pool_by: str | None = "signal_class",
    replicates: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
) -> xr.Dataset:
    r"""Pooled exponential and polynomial decay per bank, over all signals and per class.

    Parameters
    ----------
    energies
        a store (:func:`pipeline.store.open_results`) or ``propagate`` result with dims
        ``signal``, ``bank``, ``layer``: ``propagated_energy``, ``pruned_slack``,
        ``input_energy``. Dask-backed inputs are reduced chunk by chunk along ``signal``.
    pool_by
        a coordinate on ``signal`` whose values form extra pools (default ``signal_class``);
        None, or absent from ``energies``, for the single pool :data:`ALL_SIGNALS`.
    replicates
        bootstrap replicates (Poisson weights over signals).
    confidence
        level of the percentile intervals, in (0, 1).
    seed
        seed of the bootstrap weights.

    Returns
    -------
    xarray.Dataset
        dims (``pool``, ``bank``); ``pool`` = ["all", *sorted classes]. Variables
        ``pooled_exp_rate`` (:math:`\log a`), ``pooled_poly_exponent`` (:math:`\beta`), each with
        ``_se``, ``_lower``, ``_upper``; ``pooled_preferred_model`` (CF flags as
        :mod:`pipeline.analysis.fit`), ``pooled_curves`` and ``pooled_layers`` (curves and layers used).
    """
    replicates = check_integer("replicates", replicates, minimum=10)
    if not isinstance(confidence, float) or not 0 < confidence < 1:
        raise InvalidParameterError("confidence", confidence, "must be a float in (0, 1)")
    seed = check_integer("seed", seed, minimum=0)
    for dim in ("signal", "bank", "layer"):
        if dim not in energies.dims:
            raise InvalidParameterError("energies", tuple(energies.dims), f"needs a {dim!r} dim")

    pools, codes = _pools(energies, pool_by)
    per_curve = curve_sums(energies).transpose("signal", "bank", "sum").data
    if not isinstance(per_curve, da.Array):
        per_curve = da.from_array(per_curve, chunks=(max(1, per_curve.shape[0]), -1, -1))
    per_curve = per_curve.rechunk({1: -1, 2: -1})
    n_banks = per_curve.shape[1]
    partial = da.map_blocks(
        _pool_block,
        per_curve,
        codes=codes,
        n_pools=len(pools),
        replicates=replicates,
        seed=seed,
        new_axis=[1, 2],
        chunks=(
            (1,) * per_curve.numblocks[0],
            (len(pools),),
            (1 + replicates,),
            (n_banks,),
            (per_curve.shape[2],),
        ),
        dtype=np.float64,
    )
    totals = partial.sum(axis=0).compute()  # (pool, 1 + replicates, bank, sum)
    return _pooled_dataset(totals, pools, energies, replicates, confidence, seed, pool_by)


def _pools(energies: xr.Dataset, pool_by: str | None) -> tuple[list[str], NDArray[np.int64]]:
    """Pool names and each signal's pool code (1.. for classes; 0 is every signal)."""
    n = energies.sizes["signal"]
    if pool_by is None or pool_by not in energies.coords:
        return [ALL_SIGNALS], np.zeros(n, dtype=np.int64)
    coord = energies[pool_by]
    if coord.dims != ("signal",):
        raise InvalidParameterError("pool_by", pool_by, "must be a coordinate on 'signal' only")
    labels = np.array([str(value) for value in coord.values], dtype=object)
    names = sorted(set(labels.tolist()) - {ALL_SIGNALS})
    lookup = {name: i + 1 for i, name in enumerate(names)}
    return [ALL_SIGNALS, *names], np.array([lookup.get(v, 0) for v in labels], dtype=np.int64)


def _pooled_dataset(
    totals: NDArray,
    pools: Sequence[str],
    energies: xr.Dataset,
    replicates: int,
    confidence: float,
    seed: int,
    pool_by: str | None,
) -> xr.Dataset:
    index = {name: i for i, name in enumerate(sums())}

    def column(name: str) -> NDArray:
        return totals[..., index[name]]

    curves, layers, syy = column("curves"), column("layers"), column("syy")
    tail = (1 - confidence) / 2
    dims = ("pool", "bank")
    data: dict[str, xr.Variable] = {}
    rss = []
    models = fit_models()
    for model in models:
        label = f"pooled_{model.rate}"
        decay, se, model_rss = _slope_statistics(
            column(f"sxx_{model.key}"), column(f"sxy_{model.key}"), syy, curves, layers
        )
        rss.append(xr.DataArray(model_rss[:, 0], dims=dims))
        boot = np.moveaxis(decay[:, 1:], 1, -1)  # (pool, bank, replicate)
        ok = np.isfinite(boot).sum(axis=-1) >= max(10, replicates // 2)
        with np.errstate(all="ignore"):
            lower = np.where(ok, _nanquantile(boot, tail), np.nan)
            upper = np.where(ok, _nanquantile(boot, 1 - tail), np.nan)
        data[label] = xr.Variable(dims, decay[:, 0], {"description": model.pooled_description})
        data[f"{label}_se"] = xr.Variable(
            dims, se[:, 0], {"description": f"OLS standard error of {label}"}
        )
        data[f"{label}_lower"] = xr.Variable(
            dims, lower, {"description": f"{confidence:.0%} Poisson-bootstrap lower limit"}
        )
        data[f"{label}_upper"] = xr.Variable(
            dims, upper, {"description": f"{confidence:.0%} Poisson-bootstrap upper limit"}
        )
    n_curves = curves[:, 0]
    first = data[f"pooled_{models[0].rate}"].values
    rss = [score.where(np.isfinite(first)) for score in rss]
    flag, _ = preferred(rss, [m.code for m in models])
    data["pooled_preferred_model"] = xr.Variable(
        dims,
        flag.values,
        {
            "description": "model with the smaller pooled RSS (= smaller AIC; CF flags)",
            **flag_attributes(),
        },
    )
    data["pooled_curves"] = xr.Variable(
        dims, n_curves.astype(np.int64), {"description": "curves with >= MIN_LAYERS resolved"}
    )
    data["pooled_layers"] = xr.Variable(
        dims, layers[:, 0].astype(np.int64), {"description": "resolved layers in all, M"}
    )
    pool_names = np.array(list(pools), dtype=object)
    result = xr.Dataset(data, coords={"pool": pool_names, "bank": energies.bank.values})
    result.attrs.update(
        pool_by=pool_by or "",
        bootstrap_replicates=replicates,
        bootstrap_confidence=confidence,
        bootstrap_seed=seed,
        pooled_method="one slope per bank, one intercept per curve (within OLS); Poisson "
        "bootstrap over signals, percentile intervals (pipeline/analysis/pooled.py)",
    )
    return result


def _nanquantile(values: NDArray, q: float) -> NDArray:
    """Quantile over the last axis ignoring NaN; NaN where all are NaN (no warning)."""
    out = np.full(values.shape[:-1], np.nan)
    finite = np.isfinite(values).any(axis=-1)
    if finite.any():
        out[finite] = np.nanquantile(values[finite], q, axis=-1)
    return out
