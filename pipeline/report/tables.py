r"""The report's tables: pandas DataFrames of the summaries' numbers, rendered by pandas' ``Styler``.

Each function returns a :class:`pandas.io.formats.style.Styler` whose ``data`` holds the numbers as
they are in the store (floats, counts; NaN where a quantity is not defined, +inf for "not reached
within the depth") and whose formatting turns them into the page's text: fixed significant digits,
"n/a" for NaN, "≥depth (not reached)" for +inf. Text cells and labels are escaped by the Styler
(``escape="html"``); CSS classes ``num`` (right-aligned numbers), ``bad`` and ``ok`` mark cells
for the page's stylesheet (:mod:`pipeline.report.page`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr
from pandas.io.formats.style import Styler

from ..analysis.fit import EXPONENTIAL, POLYNOMIAL
from ..analysis.labels import theorem_statement
from ..analysis.pooled import ALL_SIGNALS
from ..grid import stored_dimension
from .summaries import BankInfo

__all__ = [
    "PROVENANCE_KEYS",
    "bank_table",
    "layers_needed_table",
    "provenance_table",
    "violation_table",
]

#: Provenance rows, in page order (the fit settings follow, one row each).
PROVENANCE_KEYS = (
    "store",
    "title",
    "created",
    "package_version",
    "computation_hash",
    "reference",
    "depth",
    "energy_budget",
    "dtype",
    "curves",
    "report_created",
)
#: Name of each model code of the fits group's ``pooled_preferred_model``.
MODEL_NAMES = {EXPONENTIAL: "exponential", POLYNOMIAL: "polynomial"}
#: CSS for the labels of banks that fail a hypothesis (red, as in the figures).
FAILED_LABEL_CSS = "color: #c00; font-weight: 600;"

Formatter = Callable[[Any], str]


def _number(spec: str) -> Formatter:
    """``format(value, spec)``; "n/a" for NaN or ±inf."""
    return lambda value: format(value, spec) if math.isfinite(value) else "n/a"


def _count(depth: int) -> Formatter:
    """A layer count: the integer, "≥depth (not reached)" for +inf, "n/a" for NaN."""

    def formatted(value: float) -> str:
        if math.isnan(value):
            return "n/a"
        return f"≥{depth} (not reached)" if math.isinf(value) else str(int(value))

    return formatted


def _styled(
    frame: pd.DataFrame,
    name: str,
    formats: Mapping[str, Formatter],
    marks: Mapping[str, np.ndarray] | None = None,
) -> Styler:
    """``frame`` with its cell formats, escaped text and CSS classes.

    Parameters
    ----------
    frame
        the table's values.
    name
        the table's id on the page (``T_<name>``).
    formats
        a formatter per column; columns without one are shown as they are (text).
    marks
        per column, the CSS class of each of its cells (``""``, ``"bad"`` or ``"ok"``); numeric
        columns also get ``num``.
    """
    classes = pd.DataFrame("", index=frame.index, columns=frame.columns)
    for column in frame.columns:
        if pd.api.types.is_numeric_dtype(frame[column]):
            classes[column] = "num"
    for column, marked in (marks or {}).items():
        classes[column] = [
            f"{base} {mark}".strip() for base, mark in zip(classes[column], marked, strict=True)
        ]
    return (
        frame.style.format(dict(formats), escape="html", na_rep="n/a")
        .format_index(escape="html", axis=0)
        .format_index(escape="html", axis=1)
        .set_td_classes(classes)
        .set_uuid(name)
    )


def bank_table(pooled: xr.Dataset, banks: BankInfo, n_signals: int) -> Styler:
    r"""One row per bank: hypotheses, :math:`\delta`, :math:`\rho`, a, pooled fits, curves used.

    Parameters
    ----------
    pooled
        :func:`pipeline.report.summaries.pooled_summary`.
    banks
        :func:`pipeline.report.summaries.bank_info`.
    n_signals
        signals in the store.

    Returns
    -------
    Styler
        over columns ``bank``, ``bounds that hold (§3, §6)``
        (:func:`pipeline.analysis.labels.theorem_statement`), ``δ`` (``high_pass_delta``), ``ρ``
        (``band_ratio``), ``a = (ρ+1)/(ρ−1)`` (``decay_base``, docs/theory.md §6), the pooled
        ``log a`` and ``β`` of the pool of all signals with their bootstrap bounds, ``e^(log a)``,
        the preferred model, the curves used by that pool and the signals.
    """
    everything = pooled.sel(pool=ALL_SIGNALS)
    exp_rate = everything["pooled_exp_rate"].values
    frame = pd.DataFrame(
        {
            "bank": banks.labels,
            "bounds that hold (§3, §6)": [
                theorem_statement(failed, base, stored_dimension(pooled.attrs))
                for failed, base in zip(banks.failed, pooled["decay_base"].values, strict=True)
            ],
            "δ": pooled["high_pass_delta"].values,
            "ρ": pooled["band_ratio"].values,
            "a = (ρ+1)/(ρ−1)": pooled["decay_base"].values,
            "pooled log a": exp_rate,
            "log a: lower": everything["pooled_exp_rate_lower"].values,
            "log a: upper": everything["pooled_exp_rate_upper"].values,
            "e^(log a)": np.exp(exp_rate),
            "pooled β": everything["pooled_poly_exponent"].values,
            "β: lower": everything["pooled_poly_exponent_lower"].values,
            "β: upper": everything["pooled_poly_exponent_upper"].values,
            "preferred model": [
                MODEL_NAMES.get(int(code), "unresolved")
                for code in everything["pooled_preferred_model"].values
            ],
            "curves used": everything["pooled_curves"].values.astype(int),
            "signals": n_signals,
        }
    )
    fixed = _number(".3f")
    formats = {
        "δ": _number(".5g"),
        "ρ": _number(".4g"),
        "a = (ρ+1)/(ρ−1)": _number(".4g"),
        **dict.fromkeys(["pooled log a", "log a: lower", "log a: upper"], fixed),
        **dict.fromkeys(["pooled β", "β: lower", "β: upper"], fixed),
        "e^(log a)": _number(".3g"),
    }
    marks = {"bounds that hold (§3, §6)": np.where([bool(f) for f in banks.failed], "bad", "ok")}
    return _styled(frame, "banks", formats, marks).hide(axis="index")


def layers_needed_table(summary: xr.Dataset, banks: BankInfo, depth: int) -> Styler:
    r"""One row per (bank, :math:`\varepsilon`) of the layers needed, measured and worst case.

    Parameters
    ----------
    summary
        :func:`pipeline.report.summaries.layers_needed_summary`.
    banks
        :func:`pipeline.report.summaries.bank_info`.
    depth
        deepest layer of the store.

    Returns
    -------
    Styler
        indexed by (bank, epsilon) (a bank that fails a hypothesis is labelled so: its worst
        cases are not guaranteed), over columns: the largest worst-case sufficient N over the
        signals of Theorems A and B (docs/theory.md §8; NaN: not applicable), the observed
        median, 90th percentile and maximum of the measured N (+inf: not reached within the
        depth), the curves that do not reach :math:`1-\varepsilon` and the curves computed.
    """
    labels = [
        label + (f" — fails {', '.join(failed)}: worst cases not guaranteed" if failed else "")
        for label, failed in zip(banks.labels, banks.failed, strict=True)
    ]
    epsilons = summary["epsilon"].values.astype(float)
    index = pd.MultiIndex.from_product([labels, epsilons], names=["bank", "epsilon"])

    def column(name: str) -> np.ndarray:
        return summary[name].transpose("bank", "epsilon").values.ravel()

    signals = np.repeat(summary["signals"].values.astype(int), epsilons.size)
    frame = pd.DataFrame(
        {
            "worst case (A), max": column("worst_general"),
            "worst case (B), max": column("worst_exponential"),
            "measured median": column("median"),
            "measured 90th pct": column("p90"),
            "measured max": column("max"),
            f"not reached within depth {depth}": column("not_reached").astype(int),
            "signals": signals,
        },
        index=index,
    )
    measured = ["measured median", "measured 90th pct", "measured max"]
    marks = {name: np.where(np.isinf(frame[name]), "bad", "") for name in measured}
    missed = frame[f"not reached within depth {depth}"].to_numpy()
    marks[f"not reached within depth {depth}"] = np.where(missed > 0, "bad", "")
    failing = {label for label, failed in zip(labels, banks.failed, strict=True) if failed}
    return (
        _styled(frame, "layers", dict.fromkeys(frame.columns[:5], _count(depth)), marks)
        .format_index(lambda eps: f"ε = {eps:g} (keep {100 * (1 - eps):g} %)", axis=0, level=1)
        .apply_index(
            lambda level: [FAILED_LABEL_CSS if value in failing else "" for value in level],
            axis=0,
            level=0,
        )
        .hide(axis="index", names=True)
    )


def violation_table(summary: xr.Dataset, banks: BankInfo) -> Styler:
    """One row per bank: curves computed, curves over (A), over (B), unexplained violations.

    Parameters
    ----------
    summary
        :func:`pipeline.report.summaries.bound_ratio_summary`.
    banks
        :func:`pipeline.report.summaries.bank_info`.

    Returns
    -------
    Styler
        over columns ``bank``, ``hypotheses``, ``curves`` (computed), ``curves over (A)``,
        ``curves over (B)`` (flagged beyond round-off), the largest ratio over signals of each
        bound, and ``unexplained violations`` (flags on a bank that meets every hypothesis).
    """
    largest = summary[["general", "exponential"]].sel(quantile=1.0)
    unexplained = summary["unexplained"].values.astype(int)
    frame = pd.DataFrame(
        {
            "bank": banks.labels,
            "hypotheses": [
                "all met" if not failed else "fails " + ", ".join(failed) for failed in banks.failed
            ],
            "curves": summary["signals"].values.astype(int),
            "curves over (A)": summary["over_general"].values.astype(int),
            "curves over (B)": summary["over_exponential"].values.astype(int),
            "max ratio (A)": largest["general"].values,
            "max ratio (B)": largest["exponential"].values,
            "unexplained violations": unexplained,
        }
    )
    marks = {
        "hypotheses": np.where([bool(f) for f in banks.failed], "bad", "ok"),
        "unexplained violations": np.where(unexplained > 0, "bad", ""),
    }
    ratio = _number(".6g")
    formats = {"max ratio (A)": ratio, "max ratio (B)": ratio}
    return _styled(frame, "violations", formats, marks).hide(axis="index")


def provenance_table(provenance: Mapping[str, Any]) -> Styler:
    """Where the numbers come from, one row each (:data:`PROVENANCE_KEYS`, then the fit settings).

    Parameters
    ----------
    provenance
        :func:`pipeline.report.summaries.provenance`.
    """
    rows = {key.replace("_", " "): provenance.get(key, "") for key in PROVENANCE_KEYS}
    for key, value in provenance.get("fits", {}).items():
        rows[f"fit: {key.replace('_', ' ')}"] = value
    frame = pd.DataFrame({"value": [str(value) for value in rows.values()]}, index=list(rows))
    return _styled(frame, "provenance", {}).hide(axis="columns")
