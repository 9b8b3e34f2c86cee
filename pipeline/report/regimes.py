r"""The report's "Regimes" section: what each family and signal class does, with its numbers.

Two tables from the fits group (docs/theory.md §9, §10, §13):

- :func:`regime_table`, one row per bank: which bounds hold, the derived :math:`\log a`, the
  local rates :math:`\log(W_n/W_{n+1})` at the first and the last resolved layer (mean over all
  signals), :math:`\sup_f W_{n+1}/W_n` over signals and layers (uniformity, Weyl–Heisenberg
  section (i)), and the pooled fitted :math:`\log a` with its interval;
- :func:`class_table`, one row per (signal pool, bank) of the classes with a smoothness or band
  parameter: the pooled fitted :math:`\log a` beside :math:`\frac{2s}{2s+1}\log a_{\text{derived}}`,
  the rate the corollary of (B) guarantees for Sobolev inputs of order s (section (vi)).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import xarray as xr
from pandas.io.formats.style import Styler

from ..analysis.labels import theorem_statement
from ..analysis.pooled import ALL_SIGNALS
from ..analysis.resolution import FIRST_FIT_LAYER
from ..grid import stored_dimension
from .summaries import BankInfo
from .tables import _number, _styled

__all__ = [
    "REGIME_VARIABLES",
    "class_table",
    "derived_rate_table",
    "local_rate_summary",
    "measured_vs_derived",
    "regime_table",
]

#: What this section reads from the fits group.
REGIME_VARIABLES = (
    "pooled_local_rate",
    "pooled_local_rate_min",
    "pooled_local_rate_max",
    "max_retention",
)


def local_rate_summary(dataset: xr.Dataset) -> xr.Dataset | None:
    """The local-rate spread over (pool, bank, layer) and ``decay_base``, loaded; None when
    the fits group predates local rates."""
    if any(name not in dataset for name in REGIME_VARIABLES):
        return None
    names = [*REGIME_VARIABLES, "decay_base", "band_ratio", "high_pass_delta"]
    data = dataset[names]
    return data.drop_vars([c for c in data.coords if c not in data.dims]).load()


def _ends(mean: np.ndarray) -> tuple[float, float, int, int]:
    """First and last finite value of a rate over layers, and their layers (NaN, -1 if none)."""
    finite = np.flatnonzero(np.isfinite(mean))
    if finite.size == 0:
        return math.nan, math.nan, -1, -1
    return float(mean[finite[0]]), float(mean[finite[-1]]), int(finite[0]), int(finite[-1])


def regime_table(rates: xr.Dataset, pooled: xr.Dataset, banks: BankInfo) -> Styler:
    r"""One row per bank: bounds that hold, derived :math:`\log a`, local rates, uniformity.

    Parameters
    ----------
    rates
        :func:`local_rate_summary`.
    pooled
        :func:`pipeline.report.summaries.pooled_summary`.
    banks
        :func:`pipeline.report.summaries.bank_info`.
    """
    every = rates.sel(pool=ALL_SIGNALS)
    fits = pooled.sel(pool=ALL_SIGNALS)
    d = stored_dimension(pooled.attrs)  # (B) is stated for d = 1 only
    rows = []
    for b, label in enumerate(banks.labels):
        mean = every["pooled_local_rate"].isel(bank=b).values
        first, last, n_first, n_last = _ends(mean)
        base = float(rates["decay_base"].isel(bank=b))
        retention = every["max_retention"].isel(bank=b).values
        rows.append(
            {
                "bank": label,
                "bounds that hold": theorem_statement(banks.failed[b], base, d),
                "derived log a": math.log(base) if base > 1 and math.isfinite(base) else math.nan,
                "first local rate": first,
                "at n": str(n_first) if n_first >= 0 else "n/a",
                "last local rate": last,
                "at n ": str(n_last) if n_last >= 0 else "n/a",
                "sup W_(n+1)/W_n": float(np.nanmax(retention))
                if np.isfinite(retention).any()
                else math.nan,
                "fitted log a": float(fits["pooled_exp_rate"].isel(bank=b)),
                "lower": float(fits["pooled_exp_rate_lower"].isel(bank=b)),
                "upper": float(fits["pooled_exp_rate_upper"].isel(bank=b)),
                "signals": int(fits["pooled_curves"].isel(bank=b)),
                "why n/a": _note(fits, b),
            }
        )
    frame = pd.DataFrame(rows)
    fixed = _number(".3f")
    formats = {
        name: fixed
        for name in (
            "derived log a",
            "first local rate",
            "last local rate",
            "fitted log a",
            "lower",
            "upper",
        )
    }
    formats["sup W_(n+1)/W_n"] = _number(".2e")
    return _styled(frame, "regimes", formats).hide(axis="index")


def _note(fits: xr.Dataset, bank: int) -> str:
    """The fits group's ``pooled_note`` of one pool and bank: why its fitted log a or interval
    is NaN ("" when both are there; older stores without notes: "")."""
    if "pooled_note" not in fits:
        return ""
    return str(fits["pooled_note"].isel(bank=bank).item() or "")


def _order(pool: str) -> float:
    """The smoothness s of a ``sobolev s=...`` pool (NaN otherwise)."""
    if pool.startswith("sobolev s="):
        try:
            return float(pool.removeprefix("sobolev s="))
        except ValueError:
            return math.nan
    return math.nan


def class_table(rates: xr.Dataset, pooled: xr.Dataset, banks: BankInfo) -> Styler:
    r"""Per (pool, bank) of the Sobolev and band-limited pools: the mean local rate over the
    pool's resolved layers :math:`n \ge 2` (every signal of the pool where resolved), the
    fitted :math:`\log a` with its interval (signals fitted in every bank only, so it may be
    missing where the local rate is not), the derived :math:`\log a` and, for Sobolev order s,
    the corollary's :math:`\frac{2s}{2s+1}\log a` (docs/theory.md §6)."""
    pools = [
        str(p) for p in pooled["pool"].values if str(p).startswith(("sobolev", "band_limited"))
    ]
    rows = []
    for pool in pools:
        chosen = pooled.sel(pool=pool)
        local = rates["pooled_local_rate"].sel(pool=pool)
        local = local.where(local["layer"] >= FIRST_FIT_LAYER).mean("layer")
        s = _order(pool)
        for b, label in enumerate(banks.labels):
            base = float(pooled["decay_base"].isel(bank=b))
            log_a = math.log(base) if base > 1 and math.isfinite(base) else math.nan
            rows.append(
                {
                    "pool": pool,
                    "bank": label,
                    "mean local rate": float(local.isel(bank=b)),
                    "fitted log a": float(chosen["pooled_exp_rate"].isel(bank=b)),
                    "lower": float(chosen["pooled_exp_rate_lower"].isel(bank=b)),
                    "upper": float(chosen["pooled_exp_rate_upper"].isel(bank=b)),
                    "derived log a": log_a,
                    "2s/(2s+1) log a": 2 * s / (2 * s + 1) * log_a if s == s else math.nan,
                    "signals": int(chosen["pooled_curves"].isel(bank=b)),
                    "why n/a": _note(chosen, b),
                }
            )
    columns = ["pool", "bank", "mean local rate", "fitted log a", "lower", "upper", "derived log a"]
    frame = pd.DataFrame(rows, columns=[*columns, "2s/(2s+1) log a", "signals", "why n/a"])
    fixed = _number(".3f")
    formats = {name: fixed for name in [*columns[2:], "2s/(2s+1) log a"]}
    return _styled(frame, "classes", formats).hide(axis="index")


def measured_vs_derived(rates: xr.Dataset) -> xr.Dataset:
    r"""Per bank, over the pool of all signals: the derived :math:`\log a` and the measured
    local rate :math:`\log(W_n/W_{n+1})` averaged over the resolved layers :math:`n \ge 2`
    (``measured``), with the smallest lower end and the largest upper end of any signal at
    those layers (``lowest``, ``highest``: slack included), section (iii), docs/theory.md §6.

    Derived :math:`\log a = \log\frac{\rho+1}{\rho-1}` is the rate that bound (B) guarantees for
    band-limited inputs; NaN where :math:`a \le 1` or not finite."""
    every = rates.sel(pool=ALL_SIGNALS)
    deep = every["layer"] >= FIRST_FIT_LAYER
    base = rates["decay_base"]
    return xr.Dataset(
        {
            "derived_log_a": np.log(base.where(base > 1)),
            "measured": every["pooled_local_rate"].where(deep).mean("layer"),
            "lowest": every["pooled_local_rate_min"].where(deep).min("layer"),
            "highest": every["pooled_local_rate_max"].where(deep).max("layer"),
            "band_ratio": rates["band_ratio"],
            "high_pass_delta": rates["high_pass_delta"],
        }
    )


def derived_rate_table(rates: xr.Dataset, pooled: xr.Dataset, banks: BankInfo) -> Styler:
    r"""Section (iii): per bank :math:`\delta`, :math:`\rho`, derived :math:`\log a`, the
    measured mean local rate (layers :math:`n \ge 2`, all signals) with its range over
    signals and layers, and measured / derived (:func:`measured_vs_derived`)."""
    d = stored_dimension(pooled.attrs)  # the section reads local rates, and d
    data = measured_vs_derived(rates)
    frame = pd.DataFrame(
        {
            "bank": banks.labels,
            "bounds that hold": [
                theorem_statement(banks.failed[b], float(rates["decay_base"].isel(bank=b)), d)
                for b in range(len(banks.labels))
            ],
            "δ": data["high_pass_delta"].values,
            "ρ": data["band_ratio"].values,
            "derived log a": data["derived_log_a"].values,
            "measured rate": data["measured"].values,
            "lowest": data["lowest"].values,
            "highest": data["highest"].values,
            "measured / derived": (data["measured"] / data["derived_log_a"]).values,
        }
    )
    fixed = _number(".3f")
    formats = {"δ": _number(".4g"), "ρ": _number(".2f"), "measured / derived": _number(".1f")}
    formats |= {name: fixed for name in ("derived log a", "measured rate", "lowest", "highest")}
    return _styled(frame, "derived_rates", formats).hide(axis="index")
