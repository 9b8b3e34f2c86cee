r"""What the report shows, reduced from a fitted store: small, loaded xarray Datasets.

Every statistic over signals is computed lazily (xarray over dask, one bank's column of signals
per task) and only the reduced arrays, over (bank, layer) or (bank, epsilon), are loaded, so memory
stays bounded for large stores. Quantiles of layer counts are observed counts (method
:data:`COUNT_QUANTILE_METHOD`, as ``energy-sweep plan``), with "not reached within the depth"
counted as +inf, so a bank whose signals do not reach :math:`1-\varepsilon` shows it instead of
dropping them.

The figures (:mod:`pipeline.report.figures`) and the tables (:mod:`pipeline.report.tables`) read
only these summaries; the bank facts (decay base, hypotheses) are read from the fits group as
``energy-sweep fit`` wrote them.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

from ..analysis import bank_labels
from ..analysis.resolution import sandwich_slack
from ..errors import FitsMissingError
from ..filters import families, family_info
from ..store import StorePath, open_results
from ..theory.bank_facts import ANALYTIC, HIGH_PASS, PARSEVAL

__all__ = [
    "COUNT_QUANTILE_METHOD",
    "DECAY_QUANTILES",
    "HYPOTHESES",
    "RATIO_QUANTILES",
    "REQUIRED_FIT_VARIABLES",
    "BankInfo",
    "ScalePanel",
    "bank_info",
    "bound_ratio_summary",
    "decay_summary",
    "layers_needed_summary",
    "open_report_data",
    "pooled_summary",
    "provenance",
    "scale_axes",
]

#: What the report reads from the fits group; without these, ``energy-sweep fit`` has not run.
REQUIRED_FIT_VARIABLES = (
    "pooled_exp_rate",
    "pooled_exp_rate_lower",
    "pooled_exp_rate_upper",
    "pooled_poly_exponent",
    "pooled_poly_exponent_lower",
    "pooled_poly_exponent_upper",
    "pooled_preferred_model",
    "pooled_curves",
    "bound_general",
    "bound_exponential",
    "bound_general_ratio",
    "bound_exponential_ratio",
    "violates_bound_general",
    "violates_bound_exponential",
    "unexplained_violation",
    "layers_needed",
    "layers_needed_general_bound",
    "layers_needed_exponential_bound",
    "high_pass_delta",
    "band_ratio",
    "decay_base",
    "meets_parseval",
    "meets_analyticity",
    "meets_high_pass",
)
#: Bank coordinates never used as a scale axis.
NOT_SCALES = ("bank_hash", "bank_seed")
#: Quantiles of W_n / ||f||^2 drawn in ``decay.png``: band, median, band.
DECAY_QUANTILES = (0.1, 0.5, 0.9)
#: Quantiles of the bound ratios drawn as boxes: whiskers 10-90 %, box 25-75 %, median.
RATIO_QUANTILES = (0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 1.0)
#: Quantile method of layer counts: an observed count, as ``energy-sweep plan``.
COUNT_QUANTILE_METHOD = "higher"
#: The hypotheses of docs/theory.md §3 as the fits group flags them: variable, and the name
#: that plan and the fits group's ``hypotheses_failed`` use (one naming, pipeline.theory).
HYPOTHESES = (
    ("meets_parseval", PARSEVAL),
    ("meets_analyticity", ANALYTIC),
    ("meets_high_pass", HIGH_PASS),
)


@dataclass(frozen=True)
class ScalePanel:
    """One column of ``exponents.png``.

    Attributes
    ----------
    title
        the family, or "other banks".
    parameter
        the bank parameter on the x axis (without ``bank_``); None: categorical by label.
    banks
        the banks (indices along ``bank``) in the panel.
    values
        the parameter's value per bank in ``banks``; None when categorical.
    """

    title: str
    parameter: str | None
    banks: list[int]
    values: np.ndarray | None


@dataclass(frozen=True)
class BankInfo:
    """What every figure and table needs to name a bank.

    Attributes
    ----------
    labels
        one readable label per bank (:func:`pipeline.analysis.bank_labels`).
    families
        each bank's family.
    failed
        per bank, the hypotheses of docs/theory.md §3 it fails (empty when it meets them all).
    """

    labels: list[str]
    families: list[str]
    failed: list[list[str]]


def open_report_data(store: StorePath) -> xr.Dataset:
    """The store with its fits (:func:`pipeline.store.open_results`), lazily.

    Raises
    ------
    StoreError
        when ``store`` is missing or not an energy-sweep store.
    FitsMissingError
        when a variable of :data:`REQUIRED_FIT_VARIABLES` is missing.
    """
    dataset = open_results(store)
    missing = [name for name in REQUIRED_FIT_VARIABLES if name not in dataset]
    if missing:
        what = "has no fits" if "pooled_exp_rate" in missing else f"lacks {', '.join(missing)}"
        raise FitsMissingError(f"store {store} {what}: run `energy-sweep fit {store}` first")
    return dataset


def bank_info(dataset: xr.Dataset) -> BankInfo:
    """Labels, families and failed hypotheses of every bank (see :class:`BankInfo`)."""
    facts = dataset[[name for name, _ in HYPOTHESES]].reset_coords(drop=True).load()
    n_banks = int(dataset.sizes["bank"])
    return BankInfo(
        labels=bank_labels(dataset),
        families=[str(value) for value in dataset["family"].values],
        failed=[
            [name for variable, name in HYPOTHESES if not bool(facts[variable].values[i])]
            for i in range(n_banks)
        ],
    )


# --------------------------------------------------------------------------------------------
# reductions over signals (lazy; only the results are loaded)


def _by_bank(data: xr.Dataset) -> xr.Dataset:
    """All signals of one bank in one dask chunk: what quantiles over ``signal`` need, and what
    bounds memory to one bank's column of a store per task."""
    return data.chunk({"signal": -1, "bank": 1})


def _compute(data: xr.Dataset) -> xr.Dataset:
    """Compute a reduced Dataset; all-NaN slices (no bound for a bank) give NaN silently."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="All-NaN slice", category=RuntimeWarning)
        warnings.filterwarnings("ignore", message="invalid value", category=RuntimeWarning)
        return data.compute()


def _bare(data: xr.Dataset) -> xr.Dataset:
    """Drop every non-index coordinate: the reductions carry only their dims."""
    return data.drop_vars([name for name in data.coords if name not in data.dims])


def decay_summary(dataset: xr.Dataset) -> xr.Dataset:
    r"""Per (bank, layer), statistics over signals of the energies relative to :math:`\|f\|^2`.

    Returns
    -------
    xarray.Dataset
        loaded: ``propagated`` over (quantile, bank, layer) at :data:`DECAY_QUANTILES` of
        :math:`W_n/\|f\|^2`; medians over signals of ``bound_general`` (A),
        ``bound_exponential`` (B) and ``slack`` (:math:`s_n`), each divided by
        :math:`\|f\|^2` (NaN where undefined).
    """
    energy = dataset["input_energy"]
    relative = _bare(
        xr.Dataset(
            {
                "propagated": dataset["propagated_energy"] / energy,
                "bound_general": dataset["bound_general"] / energy,
                "bound_exponential": dataset["bound_exponential"] / energy,
                "slack": sandwich_slack(dataset) / energy,
            }
        )
    )
    relative = _by_bank(relative)
    spread = relative["propagated"].quantile(list(DECAY_QUANTILES), dim="signal")
    medians = relative[["bound_general", "bound_exponential", "slack"]].quantile(0.5, dim="signal")
    return _compute(xr.merge([spread.rename("propagated"), medians.drop_vars("quantile")]))


def pooled_summary(dataset: xr.Dataset) -> xr.Dataset:
    """The pooled fits and per-bank facts, loaded (small: over pool and bank)."""
    names = [
        name for name in dataset.data_vars if dataset[name].dims in (("pool", "bank"), ("bank",))
    ]
    return _bare(dataset[names]).load()


def layers_needed_summary(dataset: xr.Dataset) -> xr.Dataset:
    r"""Per (bank, epsilon), the distribution over signals of the layers needed.

    Returns
    -------
    xarray.Dataset
        loaded, over (bank, epsilon) unless noted:

        - ``signals`` (over bank): curves computed (energies written);
        - ``not_reached``: computed curves whose features never reach
          :math:`(1-\varepsilon)\|f\|^2` within the depth (``layers_needed`` NaN);
        - ``median``, ``p90``, ``max``: observed quantiles of the empirical N over computed
          curves, not reached counted as +inf (method :data:`COUNT_QUANTILE_METHOD`);
        - ``count`` over (bank, epsilon, value): curves needing exactly N = value layers,
          value = 0..depth-1;
        - ``worst_general``, ``worst_exponential``: the largest worst-case sufficient N of
          Theorems A and B over the signals (docs/theory.md §8; NaN where not applicable).
    """
    depth = int(dataset.sizes["layer"]) - 1
    computed = dataset["propagated_energy"].isel(layer=0, drop=True).notnull()
    needed = dataset["layers_needed"]
    counted = xr.where(needed.isnull(), np.inf, needed).where(computed)
    values = xr.DataArray(np.arange(max(depth, 1)), dims="value", name="value")
    parts = _by_bank(
        _bare(
            xr.Dataset(
                {
                    "needed": counted,
                    "computed": computed,
                    "not_reached": needed.isnull() & computed,
                    "worst_general": dataset["layers_needed_general_bound"],
                    "worst_exponential": dataset["layers_needed_exponential_bound"],
                }
            )
        )
    )
    quantiles = parts["needed"].quantile(
        [0.5, 0.9, 1.0], dim="signal", method=COUNT_QUANTILE_METHOD
    )
    summary = xr.Dataset(
        {
            "signals": parts["computed"].sum("signal"),
            "not_reached": parts["not_reached"].sum("signal"),
            "median": quantiles.sel(quantile=0.5, drop=True),
            "p90": quantiles.sel(quantile=0.9, drop=True),
            "max": quantiles.sel(quantile=1.0, drop=True),
            "count": (parts["needed"] == values).sum("signal"),
            "worst_general": parts["worst_general"].max("signal"),
            "worst_exponential": parts["worst_exponential"].max("signal"),
        }
    )
    return _compute(summary.assign_coords(value=values.values)).transpose("bank", "epsilon", ...)


def bound_ratio_summary(dataset: xr.Dataset) -> xr.Dataset:
    r"""Per bank, the distribution over signals of :math:`\max_{N\ge1} W_N/\text{bound}_N`.

    Returns
    -------
    xarray.Dataset
        loaded: ``general`` and ``exponential`` over (quantile, bank) at
        :data:`RATIO_QUANTILES`; ``deepest_general``, ``deepest_exponential``: the same
        quantiles of :math:`(W_N + s_N)/\text{bound}_N` at each bank's deepest computed layer
        (``depth_per_bank``): the true :math:`W_N` is at most :math:`W_N + s_N`, so this says
        how much room the bound leaves whatever was pruned (a ratio of 0, counted in
        ``zero_<name>`` over bank, is kept off the log axis); ``finite_general``,
        ``finite_exponential`` (curves with a ratio), ``signals`` (curves computed),
        ``over_general``, ``over_exponential`` (curves flagged as exceeding the bound beyond
        round-off), ``unexplained`` (flagged on a bank that meets every hypothesis), all over
        bank.
    """
    computed = dataset["propagated_energy"].isel(layer=0, drop=True).notnull()
    last = int(dataset.sizes["layer"]) - 1
    own = dataset["depth_per_bank"] if "depth_per_bank" in dataset.coords else None
    at = xr.DataArray(
        np.full(dataset.sizes["bank"], last) if own is None else own.values, dims=("bank",)
    )
    deepest = dataset[["propagated_energy", "bound_general", "bound_exponential"]]
    deepest = deepest.assign(slack=sandwich_slack(dataset)).isel(layer=at)
    upper = deepest["propagated_energy"] + deepest["slack"]  # the true W_N is below
    parts = _by_bank(
        _bare(
            xr.Dataset(
                {
                    "general": dataset["bound_general_ratio"],
                    "exponential": dataset["bound_exponential_ratio"],
                    "deepest_general": upper / deepest["bound_general"],
                    "deepest_exponential": upper / deepest["bound_exponential"],
                    "computed": computed,
                    "over_general": dataset["violates_bound_general"] & computed,
                    "over_exponential": dataset["violates_bound_exponential"] & computed,
                    "unexplained": dataset["unexplained_violation"] & computed,
                }
            )
        )
    )
    names = ["general", "exponential", "deepest_general", "deepest_exponential"]
    # a ratio of 0 is a curve pruned to nothing (kept W_N = 0): counted, kept off the log axis
    ratios = parts[names].where(parts[names] > 0).quantile(list(RATIO_QUANTILES), dim="signal")
    summary = xr.merge(
        [
            ratios,
            *[(parts[name] == 0).sum("signal").rename(f"zero_{name}") for name in names],
            parts["general"].notnull().sum("signal").rename("finite_general"),
            parts["exponential"].notnull().sum("signal").rename("finite_exponential"),
            parts["computed"].sum("signal").rename("signals"),
            parts[["over_general", "over_exponential", "unexplained"]].sum("signal"),
        ]
    )
    return _compute(summary)


def scale_axes(dataset: xr.Dataset, banks: BankInfo) -> list[ScalePanel]:
    """Panels of ``exponents.png``, one :class:`ScalePanel` each.

    A family whose banks take distinct values of a numeric parameter gets its own panel, against
    that parameter (the first of the family's declared ``scale_parameters`` that separates them,
    else any other). A family of several banks that no single parameter separates (gabor banks
    varying in spacing and delta, a meyer bank run twice with different budgets) gets its own
    panel, categorical by label, so that no two banks share an x position; single banks of other
    families share one categorical panel (parameter None).
    """
    names = [
        str(name)
        for name in dataset.coords
        if str(name).startswith("bank_")
        and name not in NOT_SCALES
        and dataset[name].dims == ("bank",)
        and dataset[name].dtype.kind in "fiu"
    ]
    columns = {name: np.asarray(dataset[name].values, dtype=float) for name in names}
    panels: list[ScalePanel] = []
    rest: list[int] = []
    for family in dict.fromkeys(banks.families):
        members = [i for i, f in enumerate(banks.families) if f == family]
        declared = family_info(family).scale_parameters if family in families() else ()
        order = [f"bank_{p}" for p in declared if f"bank_{p}" in names]
        order += [name for name in names if name not in order]
        chosen = None
        for name in order:
            values = columns[name][members]
            separates = len(members) >= 2 and len(set(values.tolist())) == len(members)
            if separates and np.all(np.isfinite(values)):
                chosen = name
                break
        if chosen is None and len(members) >= 2:
            panels.append(ScalePanel(family, None, members, None))
        elif chosen is None:
            rest.extend(members)
        else:
            panels.append(
                ScalePanel(family, chosen[len("bank_") :], members, columns[chosen][members])
            )
    if rest:
        panels.append(ScalePanel("other banks" if panels else "banks", None, rest, None))
    return panels


def provenance(
    store: StorePath, dataset: xr.Dataset, fits_attrs: Mapping[str, Any], ratios: xr.Dataset
) -> dict[str, Any]:
    """Where the numbers come from: the store's attributes, the fit settings, completeness."""
    attrs = dataset.attrs
    total = int(dataset.sizes["signal"]) * int(dataset.sizes["bank"])
    return {
        "store": os.fspath(Path(os.fspath(store)).resolve()),
        "title": attrs.get("title", ""),
        "created": attrs.get("created", ""),
        "package_version": attrs.get("package_version", ""),
        "computation_hash": attrs.get("computation_hash", ""),
        "reference": attrs.get("reference", ""),
        "depth": attrs.get("depth", int(dataset.sizes["layer"]) - 1),
        "energy_budget": attrs.get("energy_budget", ""),
        "dtype": attrs.get("dtype", ""),
        "curves": f"{int(ratios['signals'].sum())} of {total} (signal, bank) curves computed",
        "fits": {key: fits_attrs[key] for key in sorted(fits_attrs) if key != "description"},
        "config": attrs.get("config", ""),
        "report_created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
