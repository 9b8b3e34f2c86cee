r"""Summaries of a plan as data: one row per epsilon, for printing or tables."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import xarray as xr
from numpy.typing import NDArray

#: Quantile rule of the empirical summaries: an observed count, the upper one at a tie.
QUANTILE_METHOD = "higher"


def _quantile(values: NDArray[np.float64], q: float) -> float:
    """Quantile of counts with NaN (not reached) as +inf; an observed value (``higher``)."""
    return float(np.quantile(np.where(np.isnan(values), np.inf, values), q, method=QUANTILE_METHOD))


def _max_or_nan(values: NDArray[np.float64]) -> float:
    return math.nan if values.size == 0 or np.any(np.isnan(values)) else float(np.max(values))


def summarise(plan: xr.Dataset) -> list[dict[str, Any]]:
    r"""One row per :math:`\varepsilon` of a :func:`plan_layers` result, for printing.

    Returns
    -------
    list of dict
        ``epsilon``, ``energy_fraction``; ``bandwidth`` (L, or its max over signals) and
        ``bandwidth_median``; ``worst_case_exponential``, ``worst_case_general`` and, if
        present, ``worst_case_recalled`` (max over signals; NaN where the hypotheses fail) with
        ``*_median``; with data: ``signals`` (computed), ``not_computed``,
        ``empirical_median``, ``empirical_p90``, ``empirical_max`` (inf where the quantile
        falls on a signal that does not reach :math:`1-\varepsilon` within the depth; quantiles
        are observed counts, method ``"higher"``), ``not_reached`` (count), and
        ``exceeds_worst_case``: signals whose empirical N is above the smaller worst-case
        count (known N above it, or not reached although the worst case lies within the
        depth) — a theorem violation for an exact cascade, possibly pruning for
        ``energy_budget > 0``. Without data the empirical entries are None.
    """
    per_signal = "signal" in plan.dims
    rows: list[dict[str, Any]] = []
    widths = np.atleast_1d(np.asarray(plan["bandwidth"].values, dtype=float))
    names = ["worst_case_exponential", "worst_case_general"]
    if "worst_case_recalled" in plan:
        names.append("worst_case_recalled")
    computed = (
        np.asarray(plan["computed"].values, dtype=bool)
        if "computed" in plan
        else np.ones(widths.size, bool)
    )
    for k, eps in enumerate(plan["epsilon"].values):
        row: dict[str, Any] = {
            "epsilon": float(eps),
            "energy_fraction": float(1.0 - eps),
            "bandwidth": float(np.max(widths)),
            "bandwidth_median": float(np.quantile(widths, 0.5, method=QUANTILE_METHOD)),
        }
        for name in names:
            values = np.atleast_1d(np.asarray(plan[name].isel(epsilon=k).values, dtype=float))
            row[name] = _max_or_nan(values)
            row[f"{name}_median"] = (
                math.nan
                if np.any(np.isnan(values))
                else float(np.quantile(values, 0.5, method=QUANTILE_METHOD))
            )
        row.update(
            {
                key: None
                for key in (
                    "signals",
                    "not_computed",
                    "empirical_median",
                    "empirical_p90",
                    "empirical_max",
                    "not_reached",
                    "exceeds_worst_case",
                )
            }
        )
        if "empirical_layers" in plan:
            empirical = np.asarray(plan["empirical_layers"].isel(epsilon=k).values, dtype=float)
            empirical = empirical[computed]
            row["signals"] = int(computed.sum())
            row["not_computed"] = int((~computed).sum())
            row["not_reached"] = int(np.isnan(empirical).sum())
            if empirical.size:
                row["empirical_median"] = _quantile(empirical, 0.5)
                row["empirical_p90"] = _quantile(empirical, 0.9)
                row["empirical_max"] = _quantile(empirical, 1.0)
            row["exceeds_worst_case"] = _exceeds(plan, k, computed, empirical)
        rows.append(row)
    if not per_signal:
        for row in rows:
            row.pop("bandwidth_median")
    return rows


def _exceeds(
    plan: xr.Dataset, k: int, computed: NDArray[np.bool_], empirical: NDArray[np.float64]
) -> int:
    """Signals whose empirical N exceeds the smaller of the two worst-case counts."""
    exponential = np.asarray(plan["worst_case_exponential"].isel(epsilon=k).values, dtype=float)
    general = np.asarray(plan["worst_case_general"].isel(epsilon=k).values, dtype=float)
    bound = np.fmin(exponential, general)[computed]  # NaN only where both are NaN
    depth = int(plan.attrs["depth"])
    known = np.isfinite(bound)
    reached = np.isfinite(empirical)
    above = known & reached & (empirical > bound)
    missed = known & ~reached & (bound <= depth - 1)
    return int(np.sum(above | missed))
