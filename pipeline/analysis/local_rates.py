r"""Layer-by-layer decay rates: the primary, model-free quantity of a decay curve.

For a curve :math:`W_n` the local rate at layer :math:`n` is

.. math::
    r_n = \log\frac{W_n}{W_{n+1}} \qquad (\text{natural log; } W_{n+1}/W_n = e^{-r_n}
    \text{ is the layer's retention}),

defined where both :math:`W_n` and :math:`W_{n+1}` are resolved
(:mod:`pipeline.analysis.resolution`, from :math:`n = 1`: the step from :math:`W_0 = \|f\|^2` to
:math:`W_1` depends only on the input spectrum and is not shown). Under pruning the true values
lie in :math:`[W_n, W_n + s_n]` (docs/theory.md §2), so the true rate lies in

.. math::
    \Bigl[\log\frac{W_n}{W_{n+1} + s_{n+1}},\ \log\frac{W_n + s_n}{W_{n+1}}\Bigr].

An exponential :math:`W_n = Ca^{-n}` has constant :math:`r_n = \log a`; a power law
:math:`Cn^{-\beta}` has :math:`r_n = \beta\log(1 + 1/n)`, falling to 0; rates that *rise* with
:math:`n` (measured for wavelets, docs/theory.md §13) fit neither model. Per (pool, bank, layer)
the fits group keeps their spread over the pool's signals where resolved: mean, standard
deviation, count, the smallest lower end and the largest upper end, and
``max_retention`` :math:`= \sup_f W_{n+1}/W_n` (from the smallest lower end, so it includes the
slack): a rate uniform over signals (Weyl–Heisenberg, docs/theory.md §9) shows as a small
``max_retention``.
"""

from __future__ import annotations

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from .resolution import grid_settings, resolved_layers, sandwich

#: First layer n of a local rate log(W_n / W_{n+1}).
FIRST_LOCAL_LAYER = 1

__all__ = ["FIRST_LOCAL_LAYER", "local_rates", "pooled_local_rates"]


def _local_block(
    propagated: NDArray, slack: NDArray, layers: NDArray, log2_m: int, u: float
) -> NDArray[np.float64]:
    """(..., layer) -> (..., layer, 3): rate, its lower and upper end (NaN where unresolved)."""
    mask = resolved_layers(propagated, slack, layers, first=FIRST_LOCAL_LAYER, log2_m=log2_m, u=u)
    both = mask[..., :-1] & mask[..., 1:]
    w, s = propagated, np.nan_to_num(slack, nan=0.0)
    out = np.full((*propagated.shape, 3), np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        rate = np.log(w[..., :-1] / w[..., 1:])
        lower = np.log(w[..., :-1] / (w[..., 1:] + s[..., 1:]))
        upper = np.log((w[..., :-1] + s[..., :-1]) / w[..., 1:])
    for index, value in enumerate((rate, lower, upper)):
        out[..., :-1, index] = np.where(both, value, np.nan)
    return out


def local_rates(energies: xr.Dataset) -> xr.Dataset:
    r"""``local_rate``, ``local_rate_lower``, ``local_rate_upper`` over (..., layer) of a store
    or ``propagate`` result (lazy where the input is); NaN at the last layer and where
    :math:`W_n` or :math:`W_{n+1}` is not resolved."""
    block = xr.apply_ufunc(
        _local_block,
        *sandwich(energies),
        kwargs={"layers": energies.layer.values, **grid_settings(energies.attrs)},
        input_core_dims=[["layer"], ["layer"]],
        output_core_dims=[["layer", "end"]],
        dask="parallelized",
        output_dtypes=[np.float64],
        dask_gufunc_kwargs={"output_sizes": {"end": 3}},
    )
    text = "log(W_n / W_(n+1)), natural log, where both are resolved (docs/theory.md §10)"
    return xr.Dataset(
        {
            "local_rate": block.isel(end=0, drop=True).assign_attrs(description=text),
            "local_rate_lower": block.isel(end=1, drop=True).assign_attrs(
                description="log(W_n / (W_(n+1) + s_(n+1))): smallest rate inside the slack"
            ),
            "local_rate_upper": block.isel(end=2, drop=True).assign_attrs(
                description="log((W_n + s_n) / W_(n+1)): largest rate inside the slack"
            ),
        }
    )


def pooled_local_rates(rates: xr.Dataset, pools: list[str], codes: NDArray) -> xr.Dataset:
    """Spread over signals of :func:`local_rates`, per (pool, bank, layer).

    ``pools`` and ``codes`` as :func:`pipeline.analysis.pooled.signal_pools` (code 0: every signal is
    in pool 0, the first; code i >= 1: also in pool i).
    """
    member = xr.DataArray(codes, dims=("signal",))
    parts = []
    for index, _ in enumerate(pools):
        inside = member >= 0 if index == 0 else member == index
        rate = rates.local_rate.where(inside)
        lowest = rates.local_rate_lower.where(inside).min("signal")
        parts.append(
            xr.Dataset(
                {
                    "pooled_local_rate": rate.mean("signal"),
                    "pooled_local_rate_sd": rate.std("signal", ddof=1),
                    "pooled_local_rate_count": rate.count("signal"),
                    "pooled_local_rate_min": lowest,
                    "pooled_local_rate_max": rates.local_rate_upper.where(inside).max("signal"),
                    "max_retention": np.exp(-lowest),
                }
            )
        )
    result = xr.concat(parts, dim="pool", coords="minimal", compat="override")
    result = result.assign_coords(pool=np.array(list(pools), dtype=object))
    descriptions = {
        "pooled_local_rate": "mean over the pool's resolved signals of log(W_n / W_(n+1))",
        "pooled_local_rate_sd": "standard deviation over signals of log(W_n / W_(n+1))",
        "pooled_local_rate_count": "signals whose W_n and W_(n+1) are both resolved",
        "pooled_local_rate_min": "smallest local_rate_lower over the pool (includes the slack)",
        "pooled_local_rate_max": "largest local_rate_upper over the pool (includes the slack)",
        "max_retention": "sup over the pool's signals of W_(n+1)/W_n = exp(-pooled_local_rate_min)",
    }
    for name, text in descriptions.items():
        result[name].attrs["description"] = text
    return result.transpose("pool", "bank", "layer")
