r"""Figures and tables of a fitted sweep: PNGs and one self-contained HTML page.

``energy-sweep report STORE`` reads a store after ``energy-sweep fit STORE``
(:func:`pipeline.store.open_results`) and writes, into one folder:

- ``decay.png``: per family, the median over signals of :math:`W_n/\|f\|^2` against the layer n
  with its 10–90 % band, the bounds (A) (THEORY.md §4) and (B) (§6) normalised the same way, and
  the median pruning slack :math:`s_n/\|f\|^2` (the true :math:`W_n` lies in
  :math:`[W_n, W_n + s_n]`);
- ``exponents.png``: the pooled decay rate :math:`\log a` of :math:`W_n \sim C_i a^{-n}` and the
  pooled exponent :math:`\beta` of :math:`W_n \sim C_i n^{-\beta}` per bank
  (:mod:`pipeline.pooled`), with bootstrap intervals, against the family's scale parameter;
- ``layers_needed.png``: per bank and :math:`\varepsilon`, the distribution over signals of the
  smallest N with :math:`\sum_{n\le N} F_n \ge (1-\varepsilon)\|f\|^2`, beside the worst-case
  sufficient N of Theorems A and B (THEORY.md §8);
- ``bound_ratios.png``: per bank the distribution over signals of
  :math:`\max_{N\ge1} W_N / \text{bound}_N` for (A) and (B);
- ``report.html``: the four figures embedded as data URIs, the tables (banks, layers needed,
  violations) and the provenance of the store, in one file with inline CSS.

Memory stays bounded for large stores: every statistic over signals is computed lazily
(xarray over dask, one bank's column of signals per task) and only the reduced arrays, over
(bank, layer) or (bank, epsilon), are loaded. Quantiles of layer counts are observed counts
(method ``"higher"``, as ``energy-sweep plan``), with "not reached within the depth" counted as
+inf, so a bank whose signals do not reach :math:`1-\varepsilon` shows it instead of dropping them.

Nothing is half-written: the figures and the page are rendered in memory first, each file is
written to a temporary name and renamed into place, and ``report.html`` comes last.
"""

from __future__ import annotations

import base64
import html
import io
import math
import os
import textwrap
import uuid
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import NullFormatter, NullLocator

from .analysis import bank_labels
from .analysis.fit import EXPONENTIAL, POLYNOMIAL, ROUND_OFF_FLOOR
from .analysis.pooled import ALL_SIGNALS
from .errors import EnergySweepError
from .filters import families, family_info
from .store import StoreError, StorePath, open_fits, open_results

__all__ = [
    "FIGURE_FILES",
    "HTML_FILE",
    "BankInfo",
    "FitsMissingError",
    "ReportError",
    "ScalePanel",
    "bank_info",
    "bank_summary",
    "bound_ratio_summary",
    "build_report",
    "decay_summary",
    "default_report_dir",
    "layers_needed_summary",
    "layers_needed_table",
    "open_report_data",
    "plot_bound_ratios",
    "plot_decay",
    "plot_exponents",
    "plot_layers_needed",
    "pooled_summary",
    "provenance",
    "render_html",
    "scale_axes",
    "violation_table",
]

#: The page, and the figures written beside it (also embedded in it), in page order.
HTML_FILE = "report.html"
FIGURE_FILES = ("decay.png", "exponents.png", "layers_needed.png", "bound_ratios.png")

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
#: Positive ratios below this are drawn at it (ratios of 0, pruned curves, are counted apart).
RATIO_FLOOR = 1e-30
#: Quantile method of layer counts: an observed count, as ``energy-sweep plan``.
COUNT_QUANTILE_METHOD = "higher"
#: Resolution of the PNGs.
DPI = 110

_HYPOTHESES = (
    ("meets_parseval", "Parseval"),
    ("meets_analyticity", "analyticity"),
    ("meets_high_pass", "high-pass"),
)
_MODEL_NAMES = {EXPONENTIAL: "exponential", POLYNOMIAL: "polynomial"}
_WORST_A_COLOUR = "#b2182b"
#: One colour per bank (matplotlib's tab10 order), per signal class (ColorBrewer Set2).
_BANK_PALETTE = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f",
)  # fmt: skip
_CLASS_PALETTE = ("#66c2a5", "#fc8d62", "#8da0cb", "#e78ac3", "#a6d854", "#e5c494", "#b3b3b3")
_WORST_B_COLOUR = "#2166ac"


class FitsMissingError(StoreError):
    """A store without (complete) decay fits: ``energy-sweep fit STORE`` has to run first."""


class ReportError(EnergySweepError):
    """The report cannot be written to the folder asked for."""


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
    """What every figure needs to name and colour a bank.

    Attributes
    ----------
    labels
        one readable label per bank (:func:`pipeline.aggregate.bank_labels`).
    families
        each bank's family.
    colours
        one hex colour per bank, the same in every figure.
    failed
        per bank, the hypotheses of THEORY.md §3 it fails (empty when it meets them all).
    """

    labels: list[str]
    families: list[str]
    colours: list[str]
    failed: list[list[str]]


# --------------------------------------------------------------------------------------------
# entry point


def default_report_dir(store: StorePath) -> Path:
    """``<store parent>/<store name without .zarr>_report``, the CLI's default folder."""
    path = Path(os.fspath(store))
    name = path.name if path.name else path.resolve().name
    return path.parent / f"{name.removesuffix('.zarr')}_report"


def build_report(store: StorePath, out_dir: StorePath) -> Path:
    """Write the report of a fitted sweep: four PNGs and one self-contained ``report.html``.

    Parameters
    ----------
    store
        a sweep's Zarr store on which ``energy-sweep fit`` has run.
    out_dir
        folder for the files (created with its parents); files of an earlier report there are
        replaced, other files are left alone.

    Returns
    -------
    pathlib.Path
        the HTML page; the PNGs (:data:`FIGURE_FILES`) lie beside it.

    Raises
    ------
    StoreError
        when ``store`` is missing or not an energy-sweep store.
    FitsMissingError
        when the store has no fits (run ``energy-sweep fit STORE`` first).
    ReportError
        when ``out_dir`` cannot be written.

    Notes
    -----
    Everything is rendered in memory before the first file is written; each file is written
    under a temporary name and renamed into place, ``report.html`` last, so a failure never
    leaves a partial page.
    """
    dataset = open_report_data(store)
    fits_attrs = dict(open_fits(store).attrs)  # open_results keeps the root attributes only
    banks = bank_info(dataset)
    depth = int(dataset.sizes["layer"]) - 1
    decay = decay_summary(dataset)
    pooled = pooled_summary(dataset)
    layers = layers_needed_summary(dataset)
    ratios = bound_ratio_summary(dataset)
    figures = {
        "decay.png": plot_decay(decay, banks),
        "exponents.png": plot_exponents(pooled, banks, scale_axes(dataset, banks)),
        "layers_needed.png": plot_layers_needed(layers, banks, depth),
        "bound_ratios.png": plot_bound_ratios(ratios, banks, depth),
    }
    images = {name: _png_bytes(figure) for name, figure in figures.items()}
    page = render_html(
        images,
        banks=bank_summary(pooled, banks, dataset),
        layers=layers_needed_table(layers, banks, depth),
        violations=violation_table(ratios, banks),
        provenance=provenance(store, dataset, fits_attrs, ratios),
    )
    return _write_files(Path(os.fspath(out_dir)), images, page.encode("utf-8"))


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
    """Labels, families, colours and failed hypotheses of every bank (see :class:`BankInfo`)."""
    facts = dataset[[name for name, _ in _HYPOTHESES]].reset_coords(drop=True).load()
    n_banks = int(dataset.sizes["bank"])
    return BankInfo(
        labels=bank_labels(dataset),
        families=[str(value) for value in dataset["family"].values],
        colours=[_BANK_PALETTE[i % len(_BANK_PALETTE)] for i in range(n_banks)],
        failed=[
            [name for variable, name in _HYPOTHESES if not bool(facts[variable].values[i])]
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
                "slack": dataset["pruned_slack"] / energy,
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
          Theorems A and B over the signals (THEORY.md §8; NaN where not applicable).
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
        quantiles of :math:`W_N/\text{bound}_N` at the deepest layer (quantiles of the
        positive ratios: a ratio of 0 is a curve pruned to nothing, counted in ``zero_<name>``
        over bank); ``finite_general``,
        ``finite_exponential`` (curves with a ratio), ``signals`` (curves computed),
        ``over_general``, ``over_exponential`` (curves flagged as exceeding the bound beyond
        round-off), ``unexplained`` (flagged on a bank that meets every hypothesis), all over
        bank.
    """
    computed = dataset["propagated_energy"].isel(layer=0, drop=True).notnull()
    deepest = dataset[["propagated_energy", "bound_general", "bound_exponential"]].isel(layer=-1)
    parts = _by_bank(
        _bare(
            xr.Dataset(
                {
                    "general": dataset["bound_general_ratio"],
                    "exponential": dataset["bound_exponential_ratio"],
                    "deepest_general": deepest["propagated_energy"] / deepest["bound_general"],
                    "deepest_exponential": (
                        deepest["propagated_energy"] / deepest["bound_exponential"]
                    ),
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

    A family whose banks differ in a numeric parameter gets its own panel, against that
    parameter (the first of the family's declared ``scale_parameters`` that varies, else any
    other); all other banks share one panel, categorical by label (parameter None).
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
            if np.all(np.isfinite(values)) and len(set(values.tolist())) >= 2:
                chosen = name
                break
        if chosen is None:
            rest.extend(members)
        else:
            panels.append(
                ScalePanel(family, chosen[len("bank_") :], members, columns[chosen][members])
            )
    if rest:
        panels.append(ScalePanel("other banks" if panels else "banks", None, rest, None))
    return panels


# --------------------------------------------------------------------------------------------
# figures


def _grid(
    count: int, ncols: int, width: float, height: float, **kwargs: Any
) -> tuple[Figure, list]:
    """A figure with ``count`` panels on a grid; unused cells are hidden."""
    ncols = max(1, min(ncols, count))
    nrows = math.ceil(count / ncols)
    figure = Figure(figsize=(width * ncols, height * nrows + 0.9), layout="constrained")
    axes = figure.subplots(nrows, ncols, squeeze=False, **kwargs).ravel().tolist()
    for ax in axes[count:]:
        ax.set_visible(False)
    return figure, axes[:count]


def _wrap(text: str, width: int) -> str:
    """A label broken into lines of at most ``width`` characters, at spaces."""
    return textwrap.fill(text, width=width, break_long_words=False)


def _png_bytes(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def _positive(values: np.ndarray) -> np.ndarray:
    """Values for a log axis: non-positive (and NaN) as NaN, so they are not drawn."""
    values = np.asarray(values, dtype=float)
    return np.where(values > 0, values, np.nan)


def plot_decay(summary: xr.Dataset, banks: BankInfo) -> Figure:
    r"""``decay.png``: :math:`W_n/\|f\|^2` per family, with bounds (A), (B) and pruning slack.

    One semilog panel per family; per bank (one colour each) the median over signals as a line
    with markers and the 10–90 % band, bound (A) dashed and (B) dotted (medians over signals of
    bound/:math:`\|f\|^2`), the largest median slack :math:`s_n/\|f\|^2` of the panel's banks
    as a grey floor where nonzero (the band stops there: below it nothing is resolved), and the
    round-off floor below which the fits ignore a layer.

    Parameters
    ----------
    summary
        :func:`decay_summary`.
    banks
        :func:`bank_info`.
    """
    families = list(dict.fromkeys(banks.families))
    figure, axes = _grid(len(families), 3, 5.0, 4.0, sharey=True)
    layers = summary["layer"].values
    propagated = summary["propagated"]
    positive = _positive(propagated.values)
    low_end = np.nanmin(positive) if np.isfinite(positive).any() else ROUND_OFF_FLOOR
    bottom = 10.0 ** math.floor(math.log10(max(low_end, 1e-30)) - 0.5)
    bottom = min(bottom, ROUND_OFF_FLOOR / 10)
    for ax, family in zip(axes, families, strict=True):
        members = [i for i, f in enumerate(banks.families) if f == family]
        # one grey floor per panel: below the largest median slack of its banks nothing is
        # resolved (the true W_n lies in [W_n, W_n + s_n])
        slack = np.nan_to_num(summary["slack"].isel(bank=members).values).max(axis=0)
        if np.any(slack > 0):
            ax.fill_between(
                layers,
                bottom,
                np.fmax(slack, bottom),
                step="mid",
                color="0.55",
                alpha=0.3,
                lw=0,
                zorder=1,
            )
        for b in members:
            colour = banks.colours[b]
            low, mid, high = (
                _positive(propagated.sel(quantile=q).isel(bank=b).values) for q in DECAY_QUANTILES
            )
            band_floor = np.fmax(np.nan_to_num(summary["slack"].isel(bank=b).values), bottom)
            ax.fill_between(
                layers,
                np.fmax(low, band_floor),
                np.fmax(high, band_floor),
                color=colour,
                alpha=0.18,
                lw=0,
                zorder=2,
            )
            ax.plot(layers, mid, "o-", color=colour, ms=4, lw=1.8, label=banks.labels[b], zorder=4)
            for name, style, width in (
                ("bound_general", "--", 1.4),
                ("bound_exponential", ":", 2.0),
            ):
                ax.plot(
                    layers,
                    _positive(summary[name].isel(bank=b).values),
                    style,
                    color=colour,
                    lw=width,
                    zorder=3,
                )
        ax.axhline(ROUND_OFF_FLOOR, color="0.4", lw=0.8, ls="-.")
        ax.set_yscale("log")
        ax.set_ylim(bottom, 3.0)
        ax.set_xticks(layers)
        ax.set_xlabel("layer n")
        ax.set_title(f"{family} — {len(members)} bank{'s' if len(members) > 1 else ''}")
        ax.grid(True, which="major", alpha=0.3)
        ax.legend(
            loc="lower left",
            fontsize=8,
            title="median, 10–90 % band",
            title_fontsize=8,
            framealpha=0.9,
        )
    for ax in axes[:: min(3, len(axes))]:
        ax.set_ylabel(r"$W_n(f)\,/\,\|f\|^2$  (over signals)")
        ax.yaxis.set_tick_params(labelleft=True)
    styles = [
        Line2D([], [], color="k", marker="o", ms=4, label=r"median $W_n/\|f\|^2$"),
        Patch(color="k", alpha=0.18, label="10–90 % of signals"),
        Line2D([], [], color="k", ls="--", label=r"bound (A) $/\|f\|^2$, median (THEORY §4)"),
        Line2D([], [], color="k", ls=":", lw=2, label=r"bound (B) $/\|f\|^2$, median (THEORY §6)"),
        Patch(color="0.55", alpha=0.25, label=r"median pruning slack $s_n/\|f\|^2$"),
        Line2D(
            [],
            [],
            color="0.4",
            ls="-.",
            lw=0.8,
            label=f"round-off floor {ROUND_OFF_FLOOR:g} (fits ignore below)",
        ),
    ]
    figure.legend(handles=styles, loc="outside lower center", ncol=3, fontsize=8, frameon=False)
    figure.suptitle(r"Energy left in the propagated signals, $W_n(f)/\|f\|^2$, per layer")
    return figure


def plot_exponents(
    pooled: xr.Dataset,
    banks: BankInfo,
    panels: Sequence[ScalePanel],
) -> Figure:
    r"""``exponents.png``: pooled :math:`\log a` (top) and :math:`\beta` (bottom) per bank.

    One column per family with a varying scale parameter (x: that parameter) and one
    categorical column for the other banks. Black: the pool of all signals with its bootstrap
    interval; small faded markers: each signal class's pool. A filled black marker is the
    preferred model of the bank (smaller pooled RSS), an open one the other model.

    Parameters
    ----------
    pooled
        :func:`pooled_summary`.
    banks
        :func:`bank_info`.
    panels
        :func:`scale_axes`.
    """
    widths = [
        max(1.6, 0.55 * len(panel.banks)) if panel.parameter is None else 2.2 for panel in panels
    ]
    width = max(10.0, 1.9 * sum(widths) + 1.2)
    figure = Figure(figsize=(width, 7.2), layout="constrained")
    axes = figure.subplots(2, len(panels), squeeze=False, width_ratios=widths)
    pools = [str(p) for p in pooled["pool"].values]
    classes = [p for p in pools if p != ALL_SIGNALS]
    class_colours = {p: _CLASS_PALETTE[i % len(_CLASS_PALETTE)] for i, p in enumerate(classes)}
    preferred = pooled["pooled_preferred_model"].sel(pool=ALL_SIGNALS).values
    rows = (
        ("pooled_exp_rate", EXPONENTIAL, r"pooled $\log a$  in  $W_n \sim C_i\,a^{-n}$"),
        ("pooled_poly_exponent", POLYNOMIAL, r"pooled $\beta$  in  $W_n \sim C_i\,n^{-\beta}$"),
    )
    for column, panel in enumerate(panels):
        title, param, members = panel.title, panel.parameter, panel.banks
        if panel.values is None:
            x = np.arange(len(members), dtype=float)
            step = 1.0
        else:
            x = np.asarray(panel.values, dtype=float)
            distinct = np.unique(x)
            step = float(np.min(np.diff(distinct))) if distinct.size > 1 else 1.0
        offsets = (np.arange(len(classes)) - (len(classes) - 1) / 2) * (
            0.5 * step / max(len(classes), 1)
        )
        for row, (name, model, ylabel) in enumerate(rows):
            ax = axes[row][column]
            for k, pool in enumerate(classes):
                values = pooled[name].sel(pool=pool).values[members]
                ax.plot(
                    x + offsets[k],
                    values,
                    "o",
                    ms=3.5,
                    color=class_colours[pool],
                    alpha=0.8,
                    ls="none",
                )
            centre = pooled[name].sel(pool=ALL_SIGNALS).values[members]
            lower = pooled[f"{name}_lower"].sel(pool=ALL_SIGNALS).values[members]
            upper = pooled[f"{name}_upper"].sel(pool=ALL_SIGNALS).values[members]
            errors = np.array([np.nan_to_num(centre - lower), np.nan_to_num(upper - centre)])
            ax.errorbar(
                x,
                centre,
                yerr=np.maximum(errors, 0),
                fmt="none",
                ecolor="k",
                elinewidth=1.2,
                capsize=4,
                zorder=3,
            )
            if model == EXPONENTIAL:  # the rate bound (B) guarantees: log a, a = (rho+1)/(rho-1)
                with np.errstate(invalid="ignore", divide="ignore"):
                    derived = np.log(pooled["decay_base"].values[members])
                derived[[bool(banks.failed[b]) for b in members]] = np.nan  # not guaranteed
                ax.plot(x, derived, "_", color="0.35", ms=16, mew=2, zorder=3)
            chosen = preferred[members] == model
            ax.plot(x[chosen], centre[chosen], "o", color="k", ms=7, zorder=4)
            ax.plot(x[~chosen], centre[~chosen], "o", mfc="white", mec="k", ms=7, zorder=4)
            curves = pooled["pooled_curves"].sel(pool=ALL_SIGNALS).values[members]
            for position, value, used in zip(x, centre, curves, strict=True):
                if not np.isfinite(value):  # no fit: say so instead of leaving a gap
                    ax.text(
                        position,
                        0.5,
                        f"unresolved ({int(used)} curves)",
                        rotation=90,
                        ha="center",
                        va="center",
                        fontsize=8,
                        color="0.35",
                        transform=ax.get_xaxis_transform(),
                    )
            ax.grid(True, alpha=0.3)
            if column == 0:
                ax.set_ylabel(ylabel)
            if param is None:
                ax.set_xticks(
                    x,
                    [_wrap(banks.labels[b], 24) for b in members],
                    rotation=30,
                    ha="right",
                    fontsize=8,
                )
                ax.set_xlim(-0.6, len(members) - 0.4)
                for tick, b in zip(ax.get_xticklabels(), members, strict=True):
                    tick.set_color("red" if banks.failed[b] else "k")
            else:
                ticks = np.unique(x[np.isfinite(x)])
                ax.set_xticks(ticks, [f"{value:g}" for value in ticks])
                ax.set_xlabel(f"{param}  (bank_{param})" if row == 1 else "")
                if np.isfinite(x).any():
                    pad = 0.45 * step
                    ax.set_xlim(np.nanmin(x) - pad, np.nanmax(x) + pad)
            if row == 0:
                ax.set_title(title if param is None else f"{title}: against {param}")
            if row == 0 and param is None:
                ax.tick_params(labelbottom=False)
    handles = [
        Line2D(
            [],
            [],
            marker="o",
            color="k",
            ls="-",
            ms=7,
            label=f"all signals, {_confidence(pooled)} bootstrap interval",
        ),
        Line2D(
            [],
            [],
            marker="o",
            mfc="white",
            mec="k",
            ls="none",
            ms=7,
            label="open: the other model is preferred (smaller pooled RSS)",
        ),
        Line2D(
            [],
            [],
            marker="_",
            color="0.35",
            ls="none",
            ms=14,
            mew=2,
            label=r"rate guaranteed by (B): $\log\frac{\rho+1}{\rho-1}$ (banks meeting §3)",
        ),
        *[
            Line2D(
                [],
                [],
                marker="o",
                color=class_colours[p],
                alpha=0.8,
                ls="none",
                ms=4,
                label=f"class {p}",
            )
            for p in classes
        ],
    ]
    figure.legend(
        handles=handles,
        loc="outside lower center",
        ncol=max(1, min(4, len(handles), int(width // 3.4))),
        fontsize=8,
        frameon=False,
    )
    figure.suptitle("Pooled decay per bank: one rate per bank, one intercept per curve")
    return figure


def _confidence(pooled: xr.Dataset) -> str:
    description = str(pooled["pooled_exp_rate_lower"].attrs.get("description", ""))
    return description.split(" ")[0] if "%" in description else "bootstrap"


def _count_axis(ax: Any, depth: int, top: float) -> None:
    """Symlog y axis for layer counts: linear (integer ticks) up to past the depth, log above."""
    linthresh = max(10, depth + 2)
    decades = max(math.log10(max(top, linthresh) / linthresh), 0.5)
    ax.set_yscale("symlog", linthresh=linthresh, linscale=max(1.0, decades))
    step = 1 if linthresh <= 12 else 2 if linthresh <= 24 else 5
    ticks = sorted({*range(0, linthresh + 1, step), depth})
    ticks += [10.0**k for k in range(math.ceil(math.log10(linthresh) + 0.3), 12) if 10**k <= top]
    ax.set_yticks(ticks, [f"{t:g}" if t < 1e4 else f"1e{round(math.log10(t))}" for t in ticks])
    ax.yaxis.set_minor_locator(NullLocator())
    ax.set_ylim(-0.6, max(top * 4.0, linthresh))


def plot_layers_needed(summary: xr.Dataset, banks: BankInfo, depth: int) -> Figure:
    r"""``layers_needed.png``: empirical layers needed per :math:`\varepsilon`, and worst cases.

    One panel per bank, x: :math:`\varepsilon`, y (symlog: linear up to past the depth, log
    above): N, counting feature layers n = 0..N. At each :math:`\varepsilon` a horizontal bar
    per N whose width is the share of signals that need exactly N (outlined black: the
    median), a red bar at N = depth for the signals that do not reach :math:`1-\varepsilon`
    within the depth (with their count); markers: the largest worst-case sufficient N over the
    signals of Theorem A (▼) and Theorem B (▲), THEORY.md §8.

    Parameters
    ----------
    summary
        :func:`layers_needed_summary`.
    banks
        :func:`bank_info`.
    depth
        deepest layer of the store.
    """
    n_banks = int(summary.sizes["bank"])
    figure, axes = _grid(n_banks, 3, 4.4, 3.8, sharey=True)
    epsilons = summary["epsilon"].values
    x = np.arange(epsilons.size)
    values = summary["value"].values
    worst = np.concatenate(
        [np.ravel(summary["worst_general"].values), np.ravel(summary["worst_exponential"].values)]
    )
    top = float(np.nanmax([depth, *worst[np.isfinite(worst)]]))
    half = 0.42  # half the width of a bar that holds every signal
    for b, ax in enumerate(axes):
        colour = banks.colours[b]
        part = summary.isel(bank=b)
        signals = max(float(part["signals"]), 1.0)
        for k in range(epsilons.size):
            fraction = part["count"].values[k] / signals
            shown = fraction > 0
            ax.barh(
                values[shown],
                2 * half * fraction[shown],
                left=x[k] - half * fraction[shown],
                height=0.72,
                color=colour,
                alpha=0.75,
                lw=0,
            )
            missed = int(part["not_reached"].values[k])
            if missed:
                share = missed / signals
                ax.barh(
                    [depth],
                    [2 * half * share],
                    left=x[k] - half * share,
                    height=0.72,
                    color="#f4a6a6",
                    edgecolor="red",
                    lw=1.0,
                )
                ax.annotate(
                    f"{missed}",
                    (x[k], depth),
                    xytext=(0, 6),
                    textcoords="offset points",
                    color="red",
                    fontsize=7,
                    ha="center",
                    va="bottom",
                )
            median = float(part["median"].values[k])
            if math.isfinite(median) or math.isinf(median):
                row = depth if math.isinf(median) else median
                share = (
                    missed if math.isinf(median) else part["count"].sel(value=median).values[k]
                ) / signals
                ax.barh(
                    [row],
                    [2 * half * share],
                    left=x[k] - half * share,
                    height=0.72,
                    facecolor="none",
                    edgecolor="k",
                    lw=1.2,
                )
        ax.plot(x, part["worst_general"].values, "v", color=_WORST_A_COLOUR, ms=7, zorder=4)
        ax.plot(x, part["worst_exponential"].values, "^", color=_WORST_B_COLOUR, ms=7, zorder=4)
        ax.axhline(depth - 0.5, color="red", lw=0.8, ls=":")
        ax.text(
            0.01,
            depth - 0.45,
            f"↑ N ≥ {depth}",
            color="red",
            fontsize=7,
            ha="left",
            va="bottom",
            transform=ax.get_yaxis_transform(),
        )
        _count_axis(ax, depth, top)
        ax.set_xticks(x, [f"{e:g}\n({100 * (1 - e):g}%)" for e in epsilons], fontsize=8)
        ax.set_xlim(-0.5, epsilons.size - 0.5)
        ax.set_xlabel(r"$\varepsilon$  (energy kept: $1-\varepsilon$)")
        notes = []
        if not np.isfinite(part["worst_general"].values).any():
            notes.append("(A) n/a")
        if not np.isfinite(part["worst_exponential"].values).any():
            notes.append("(B) n/a: no finite a")
        title = banks.labels[b] + (f"  [{', '.join(notes)}]" if notes else "")
        ax.set_title(_wrap(title, 48), fontsize=10)
        if banks.failed[b]:
            ax.text(
                0.02,
                0.98,
                f"fails {', '.join(banks.failed[b])}: worst cases not guaranteed",
                transform=ax.transAxes,
                va="top",
                fontsize=7.5,
                color="red",
            )
        ax.grid(True, axis="y", alpha=0.3)
    for ax in axes[:: min(3, len(axes))]:
        ax.set_ylabel(r"N with $F_0+\dots+F_N \geq (1-\varepsilon)\,\|f\|^2$")
        ax.yaxis.set_tick_params(labelleft=True)
    handles = [
        Patch(color="0.45", alpha=0.75, label="measured: share of signals needing N (bar width)"),
        Patch(facecolor="none", edgecolor="k", label="measured median"),
        Patch(
            facecolor="#f4a6a6", edgecolor="red", label=f"not reached within depth {depth} (count)"
        ),
        Line2D(
            [],
            [],
            marker="v",
            color=_WORST_A_COLOUR,
            ls="none",
            ms=7,
            label="worst case (A), max over signals",
        ),
        Line2D(
            [],
            [],
            marker="^",
            color=_WORST_B_COLOUR,
            ls="none",
            ms=7,
            label="worst case (B), max over signals",
        ),
    ]
    figure.legend(handles=handles, loc="outside lower center", ncol=3, fontsize=8, frameon=False)
    figure.suptitle(
        r"Layers needed to keep $(1-\varepsilon)$ of the energy: measured vs. worst case"
    )
    return figure


def _ratio_boxes(ax: Any, summary: xr.Dataset, banks: BankInfo, prefix: str) -> tuple[float, float]:
    """Boxes of ``{prefix}general`` / ``{prefix}exponential`` per bank; the extreme values."""
    q = {float(v): i for i, v in enumerate(summary["quantile"].values)}
    smallest, largest = math.inf, -math.inf
    for b in range(int(summary.sizes["bank"])):
        colour = banks.colours[b]
        for offset, name, hatch in ((-0.18, "general", ""), (0.18, "exponential", "////")):
            values = np.maximum(summary[prefix + name].isel(bank=b).values, RATIO_FLOOR)
            zeros = int(summary[f"zero_{prefix}{name}"].values[b])
            if zeros:  # pruned to nothing: no place on a log axis
                ax.text(
                    0.01,
                    b + offset,
                    f"{zeros}× 0",
                    transform=ax.get_yaxis_transform(),
                    va="center",
                    fontsize=7,
                    color="0.3",
                )
            if not np.isfinite(values).all():
                if zeros:
                    continue
                ax.text(
                    0.99,
                    b + offset,
                    f"({'A' if name == 'general' else 'B'}) n/a ",
                    transform=ax.get_yaxis_transform(),
                    ha="right",
                    va="center",
                    fontsize=8,
                    color="0.3",
                )
                continue
            smallest = min(smallest, float(values.min()))
            largest = max(largest, float(values.max()))
            stats = {
                "med": values[q[0.5]],
                "q1": values[q[0.25]],
                "q3": values[q[0.75]],
                "whislo": values[q[0.1]],
                "whishi": values[q[0.9]],
                "fliers": np.array([values[q[0.0]], values[q[1.0]]]),
            }
            artists = ax.bxp(
                [stats],
                positions=[b + offset],
                widths=0.3,
                orientation="horizontal",
                patch_artist=True,
                manage_ticks=False,
                medianprops={"color": "k", "lw": 1.5},
                flierprops={"marker": "o", "ms": 3, "mfc": colour, "mec": colour},
            )
            for box in artists["boxes"]:
                box.set_facecolor(colour + ("55" if hatch else "aa"))
                box.set_edgecolor(colour)
                box.set_hatch(hatch)
    return smallest, largest


def plot_bound_ratios(summary: xr.Dataset, banks: BankInfo, depth: int) -> Figure:
    r"""``bound_ratios.png``: measured :math:`W_N` over the bounds (A) and (B), per bank.

    Left: :math:`\max_{N\ge1} W_N/\text{bound}_N`, the stored ratio (above the line at 1 a
    curve exceeds the bound); right: :math:`W_N/\text{bound}_N` at the deepest layer
    N = depth, how loose the bounds are there. Boxes over signals (box 25–75 %, whiskers
    10–90 %, dots min and max), log x. Banks failing a hypothesis of THEORY.md §3 are labelled
    red; the counts of curves flagged over each bound are written at the right.

    Parameters
    ----------
    summary
        :func:`bound_ratio_summary`.
    banks
        :func:`bank_info`.
    depth
        deepest layer of the store.
    """
    n_banks = int(summary.sizes["bank"])
    figure = Figure(figsize=(12.5, 1.6 + 0.75 * n_banks), layout="constrained")
    left, right = figure.subplots(1, 2, sharey=True, width_ratios=[1.1, 1.0])
    for ax, prefix, label in (
        (left, "", r"$\max_{N\geq1}\; W_N(f)\,/\,\mathrm{bound}_N(f)$   (> 1: exceeded)"),
        (right, "deepest_", rf"$W_N(f)\,/\,\mathrm{{bound}}_N(f)$ at $N = {depth}$"),
    ):
        smallest, largest = _ratio_boxes(ax, summary, banks, prefix)
        ax.axvline(1.0, color="red", lw=1.2, ls="--")
        ax.set_xscale("log")
        smallest = smallest if math.isfinite(smallest) else 1e-2
        span = math.log10(3.0 / smallest)  # decades shown; a tenth more on the left for labels
        low = 10.0 ** math.floor(math.log10(smallest) - max(0.3, 0.12 * span))
        high = max(3.0, 2.0 * largest)  # ratios above 1 (violations) stay in view
        ax.set_xlim(min(low, 1e-2), high)  # at least two decades: major ticks only
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.set_xlabel(label)
        ax.grid(True, axis="x", which="major", alpha=0.3)
    left.set_title("largest over the layers N ≥ 1 (stored ratio)")
    right.set_title(f"deepest layer, N = {depth}")
    left.set_yticks(range(n_banks))
    left.set_yticklabels(
        [
            _wrap(banks.labels[b], 30)
            + (f"\nfails {', '.join(banks.failed[b])}" if banks.failed[b] else "")
            for b in range(n_banks)
        ],
        fontsize=9,
    )
    for b, tick in enumerate(left.get_yticklabels()):
        if banks.failed[b]:
            tick.set_color("red")
    left.set_ylim(n_banks - 0.5, -0.5)
    counts = right.twinx()
    counts.set_ylim(n_banks - 0.5, -0.5)
    counts.set_yticks(
        range(n_banks),
        [
            f"over (A): {int(summary['over_general'].values[b])}/{int(summary['signals'].values[b])}"
            f"\nover (B): {int(summary['over_exponential'].values[b])}"
            f"/{int(summary['signals'].values[b])}"
            for b in range(n_banks)
        ],
        fontsize=8,
    )
    for b, tick in enumerate(counts.get_yticklabels()):
        if summary["unexplained"].values[b]:
            tick.set_color("red")
    handles = [
        Patch(facecolor="0.5", edgecolor="0.3", label="bound (A), THEORY §4"),
        Patch(facecolor="0.8", edgecolor="0.3", hatch="////", label="bound (B), THEORY §6"),
        Line2D([], [], color="red", ls="--", label="ratio 1"),
    ]
    figure.legend(handles=handles, loc="outside lower center", ncol=3, fontsize=8, frameon=False)
    figure.suptitle(
        "Measured energy over the paper's bounds, per curve (box 25–75 %, whiskers 10–90 %, "
        "dots min/max over signals)",
        fontsize=10,
    )
    return figure


# --------------------------------------------------------------------------------------------
# tables


def _number(value: Any, spec: str = ".3g") -> str:
    value = float(value)
    return "n/a" if not math.isfinite(value) else format(value, spec)


def _count(value: Any, depth: int) -> str:
    value = float(value)
    if math.isnan(value):
        return "n/a"
    if math.isinf(value):
        return f"≥{depth} (not reached)"
    return str(int(value))


def bank_summary(pooled: xr.Dataset, banks: BankInfo, dataset: xr.Dataset) -> list[dict[str, Any]]:
    r"""One row per bank: hypotheses, :math:`\delta`, :math:`\rho`, a, pooled fits, curves used.

    Returns
    -------
    list of dict
        ``bank``, ``failed`` (list of hypotheses failed), ``delta``, ``band_ratio``,
        ``decay_base``, ``exp_rate``/``exp_rate_lower``/``exp_rate_upper``, ``poly_exponent``
        with its interval, ``model`` (preferred model of the pool of all signals), ``curves``
        (used in that pool) and ``signals``.
    """
    all_pool = pooled.sel(pool=ALL_SIGNALS)
    n_signals = int(dataset.sizes["signal"])
    rows = []
    for b, label in enumerate(banks.labels):
        row: dict[str, Any] = {"bank": label, "failed": banks.failed[b]}
        for key, name in (
            ("delta", "high_pass_delta"),
            ("band_ratio", "band_ratio"),
            ("decay_base", "decay_base"),
        ):
            row[key] = float(pooled[name].values[b])
        for key, name in (
            ("exp_rate", "pooled_exp_rate"),
            ("poly_exponent", "pooled_poly_exponent"),
        ):
            row[key] = float(all_pool[name].values[b])
            row[f"{key}_lower"] = float(all_pool[f"{name}_lower"].values[b])
            row[f"{key}_upper"] = float(all_pool[f"{name}_upper"].values[b])
        row["model"] = _MODEL_NAMES.get(
            int(all_pool["pooled_preferred_model"].values[b]), "unresolved"
        )
        row["curves"] = int(all_pool["pooled_curves"].values[b])
        row["signals"] = n_signals
        rows.append(row)
    return rows


def layers_needed_table(summary: xr.Dataset, banks: BankInfo, depth: int) -> list[dict[str, Any]]:
    r"""One row per (bank, :math:`\varepsilon`) of :func:`layers_needed_summary`.

    Returns
    -------
    list of dict
        ``bank``, ``failed`` (hypotheses the bank fails), ``epsilon``, ``worst_general``,
        ``worst_exponential`` (max over signals, NaN:
        not applicable), ``median``, ``p90``, ``max`` (inf: not reached within the depth),
        ``not_reached``, ``signals``, ``depth``.
    """
    rows = []
    for b, label in enumerate(banks.labels):
        for k, eps in enumerate(summary["epsilon"].values):
            part = summary.isel(bank=b, epsilon=k)
            rows.append(
                {
                    "bank": label,
                    "failed": banks.failed[b],
                    "epsilon": float(eps),
                    "worst_general": float(part["worst_general"]),
                    "worst_exponential": float(part["worst_exponential"]),
                    "median": float(part["median"]),
                    "p90": float(part["p90"]),
                    "max": float(part["max"]),
                    "not_reached": int(part["not_reached"]),
                    "signals": int(summary["signals"].values[b]),
                    "depth": depth,
                }
            )
    return rows


def violation_table(summary: xr.Dataset, banks: BankInfo) -> list[dict[str, Any]]:
    """One row per bank: curves computed, curves over (A), over (B), unexplained violations.

    Returns
    -------
    list of dict
        ``bank``, ``failed`` (hypotheses failed), ``signals``, ``over_general``,
        ``over_exponential``, ``unexplained``, ``ratio_general_max``, ``ratio_exponential_max``.
    """
    top = summary["quantile"].values.tolist().index(1.0)
    return [
        {
            "bank": label,
            "failed": banks.failed[b],
            "signals": int(summary["signals"].values[b]),
            "over_general": int(summary["over_general"].values[b]),
            "over_exponential": int(summary["over_exponential"].values[b]),
            "unexplained": int(summary["unexplained"].values[b]),
            "ratio_general_max": float(summary["general"].values[top, b]),
            "ratio_exponential_max": float(summary["exponential"].values[top, b]),
        }
        for b, label in enumerate(banks.labels)
    ]


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


# --------------------------------------------------------------------------------------------
# the page

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif;
       max-width: 1200px; margin: 1.5em auto; padding: 0 1em; color: #222; line-height: 1.4; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { margin-top: 1.8em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.6em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; vertical-align: top; }
th { background: #f3f3f3; text-align: left; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.group td { border-top: 2px solid #888; }
.bad { color: #c00; font-weight: 600; } .ok { color: #276221; } .muted { color: #777; }
figure { margin: 1em 0 2em 0; } figure img { max-width: 100%; border: 1px solid #ddd; }
figcaption { font-size: 0.9em; color: #444; max-width: 60em; }
pre { background: #f7f7f7; padding: 0.8em; overflow-x: auto; font-size: 0.85em; }
code { font-size: 0.9em; } .note { max-width: 60em; }
"""

_CAPTIONS = {
    "decay.png": (
        "Energy still propagating after layer n, W<sub>n</sub>/‖f‖², median over signals "
        "(line) with the 10–90 % band, per bank; bound (A) dashed and bound (B) dotted in the "
        "bank's colour (median over signals of bound/‖f‖²), the median pruning slack "
        "s<sub>n</sub>/‖f‖² as a grey floor where nonzero (the true W<sub>n</sub> lies in "
        "[W<sub>n</sub>, W<sub>n</sub>+s<sub>n</sub>]), and the round-off floor below which "
        "the fits ignore a layer."
    ),
    "exponents.png": (
        "Pooled decay per bank (one slope per bank, one intercept per curve): log a of "
        "W<sub>n</sub> ~ C<sub>i</sub> a<sup>−n</sup> (top) and β of W<sub>n</sub> ~ "
        "C<sub>i</sub> n<sup>−β</sup> (bottom), against the family's scale parameter. Black: "
        "all signals with the bootstrap interval (filled where that model is preferred); "
        "faded: the pool of each signal class; grey bar: the rate bound (B) guarantees, "
        "log((ρ+1)/(ρ−1)), drawn for banks that meet the hypotheses."
    ),
    "layers_needed.png": (
        "Smallest N with Σ<sub>n≤N</sub> F<sub>n</sub> ≥ (1−ε)‖f‖² per bank and ε (feature "
        "layers n = 0..N): bar width = share of signals that need exactly N, outlined black "
        "the median; red bar in the row ≥depth: signals that do not get there within the depth, "
        "with their count; ▼ and ▲: the largest worst-case sufficient N over the signals of "
        "Theorem A and Theorem B (THEORY.md §8, L = the signal's essential bandwidth). Symlog "
        "axis: linear up to just past the depth, logarithmic above."
    ),
    "bound_ratios.png": (
        "Measured W<sub>N</sub> over the bounds, distribution over signals per bank, bound (A) "
        "plain, (B) hatched. Left: the stored max<sub>N≥1</sub> W<sub>N</sub>/bound<sub>N</sub>; "
        "above the dashed line at 1 a curve exceeds the bound. At N = 1 bounds (A) and (B) "
        "coincide (window radius δ), so where the maximum falls at N = 1 both ratios are equal. "
        "Right: the ratio at the deepest layer, how loose the bounds are there. Banks that fail "
        "a hypothesis of THEORY.md §3 are labelled in red (their bounds are not guaranteed); the "
        "counts of curves flagged over each bound are on the right."
    ),
}


def _cell(text: str, css: str = "") -> str:
    return f'<td class="{css}">{text}</td>' if css else f"<td>{text}</td>"


def _table(header: Sequence[str], rows: Sequence[str]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _interval(row: Mapping[str, Any], key: str) -> str:
    return (
        f"{_number(row[key], '.3f')} [{_number(row[key + '_lower'], '.3f')}, "
        f"{_number(row[key + '_upper'], '.3f')}]"
    )


def _bank_rows(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    out = []
    for row in rows:
        hypotheses = (
            '<span class="ok">all met</span>'
            if not row["failed"]
            else f'<span class="bad">fails {html.escape(", ".join(row["failed"]))}</span>'
        )
        cells = [
            _cell(html.escape(row["bank"])),
            _cell(hypotheses),
            _cell(_number(row["delta"], ".5g"), "num"),
            _cell(_number(row["band_ratio"], ".4g"), "num"),
            _cell(_number(row["decay_base"], ".4g"), "num"),
            _cell(_interval(row, "exp_rate"), "num"),
            _cell(
                _number(math.exp(row["exp_rate"]), ".3g")
                if math.isfinite(row["exp_rate"])
                else "n/a",
                "num",
            ),
            _cell(_interval(row, "poly_exponent"), "num"),
            _cell(html.escape(row["model"])),
            _cell(f"{row['curves']}/{row['signals']}", "num"),
        ]
        out.append(f"<tr>{''.join(cells)}</tr>")
    return out


def _bank_cell(row: Mapping[str, Any]) -> str:
    """A bank's label, with the hypotheses it fails (its worst cases are not guaranteed)."""
    text = html.escape(row["bank"])
    if row.get("failed"):
        failed = html.escape(", ".join(row["failed"]))
        text += f'<br><span class="bad">fails {failed}: worst cases not guaranteed</span>'
    return text


def _layers_rows(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    out = []
    previous = None
    for row in rows:
        depth = row["depth"]
        first = row["bank"] != previous
        previous = row["bank"]
        measured = [
            _cell(
                html.escape(_count(row[key], depth)), "num bad" if math.isinf(row[key]) else "num"
            )
            for key in ("median", "p90", "max")
        ]
        missed = row["not_reached"]
        cells = [
            _cell(_bank_cell(row) if first else ""),
            _cell(f"{row['epsilon']:g}", "num"),
            _cell(f"{100 * (1 - row['epsilon']):g} %", "num"),
            _cell(html.escape(_count(row["worst_general"], depth)), "num"),
            _cell(html.escape(_count(row["worst_exponential"], depth)), "num"),
            *measured,
            _cell(f"{missed}/{row['signals']}", "num bad" if missed else "num"),
        ]
        out.append(
            f'<tr class="group">{"".join(cells)}</tr>' if first else f"<tr>{''.join(cells)}</tr>"
        )
    return out


def _violation_rows(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    out = []
    for row in rows:
        unexplained = row["unexplained"]
        hypotheses = "all met" if not row["failed"] else "fails " + ", ".join(row["failed"])
        cells = [
            _cell(html.escape(row["bank"])),
            _cell(html.escape(hypotheses), "bad" if row["failed"] else "ok"),
            _cell(f"{row['over_general']}/{row['signals']}", "num"),
            _cell(f"{row['over_exponential']}/{row['signals']}", "num"),
            _cell(_number(row["ratio_general_max"], ".6g"), "num"),
            _cell(_number(row["ratio_exponential_max"], ".6g"), "num"),
            _cell(str(unexplained), "num bad" if unexplained else "num"),
        ]
        out.append(f"<tr>{''.join(cells)}</tr>")
    return out


def render_html(
    images: Mapping[str, bytes],
    *,
    banks: Sequence[Mapping[str, Any]],
    layers: Sequence[Mapping[str, Any]],
    violations: Sequence[Mapping[str, Any]],
    provenance: Mapping[str, Any],
) -> str:
    """The self-contained page: inline CSS, the PNGs as base64 data URIs, escaped text.

    Parameters
    ----------
    images
        PNG bytes by file name (:data:`FIGURE_FILES`).
    banks, layers, violations
        :func:`bank_summary`, :func:`layers_needed_table`, :func:`violation_table`.
    provenance
        :func:`provenance`.
    """
    esc = html.escape
    title = str(provenance.get("title") or "energy-sweep report")
    depth = provenance.get("depth")
    unexplained = sum(row["unexplained"] for row in violations)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{esc(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{esc(title)}</h1>",
        f'<p class="muted">Energy propagation in deep scattering networks — '
        f"{esc(str(provenance.get('reference', '')))}</p>",
        f"<p>Store <code>{esc(str(provenance['store']))}</code>: {esc(provenance['curves'])}; "
        f"depth {esc(str(depth))}, energy budget {esc(str(provenance.get('energy_budget')))}.</p>",
    ]
    if unexplained:
        parts.append(
            f'<p class="bad">{unexplained} curve(s) exceed bound (A) or (B) on banks that meet '
            "every hypothesis: this is a bug (see Violations).</p>"
        )
    parts += [
        "<h2>Banks</h2>",
        _table(
            [
                "bank",
                "hypotheses (§3)",
                "δ",
                "ρ",
                "a = (ρ+1)/(ρ−1)",
                "pooled log a [CI]",
                "e^(log a)",
                "pooled β [CI]",
                "preferred model",
                "curves used",
            ],
            _bank_rows(banks),
        ),
        '<p class="note muted">δ: high-pass radius (cycles/sample); ρ: largest band-edge ratio; '
        "a: derived decay base of bound (B), THEORY.md §6; pooled fits over all signals with "
        "their bootstrap interval; preferred model: smaller pooled residual sum of squares; "
        "curves used: curves with enough resolved layers.</p>",
        "<h2>Figures</h2>",
    ]
    for name in FIGURE_FILES:
        if name not in images:
            continue
        data = base64.b64encode(images[name]).decode("ascii")
        parts.append(
            f'<figure id="{esc(name)}"><img alt="{esc(name)}" src="data:image/png;base64,{data}">'
            f"<figcaption><b>{esc(name)}</b>: {_CAPTIONS.get(name, '')}</figcaption></figure>"
        )
    parts += [
        "<h2>Layers needed</h2>",
        '<p class="note">N with Σ<sub>n≤N</sub> F<sub>n</sub> ≥ (1−ε)‖f‖² (feature layers '
        "n = 0..N). Worst cases: the largest sufficient N over the signals of Theorem A and B "
        "(THEORY.md §8, L = the signal's essential bandwidth; n/a where a bank has no δ or no "
        f"finite a). Measured: observed quantiles over the signals; “≥{esc(str(depth))} (not "
        "reached)” where the quantile falls on signals that do not reach 1−ε within the "
        "depth, counted in the last column.</p>",
        _table(
            [
                "bank",
                "ε",
                "1−ε",
                "worst case (A) max",
                "worst case (B) max",
                "measured median",
                "measured 90th pct",
                "measured max",
                f"not reached within depth {depth}",
            ],
            _layers_rows(layers),
        ),
        "<h2>Violations</h2>",
        f'<p class="note{" bad" if unexplained else ""}">A curve violates a bound when its '
        "measured W<sub>N</sub> exceeds it beyond round-off at some N ≥ 1. On a bank that fails "
        "a hypothesis this only says which hypothesis matters; an <b>unexplained violation</b> — "
        "a flag on a bank that meets every hypothesis (Parseval, analyticity, high-pass) — is a "
        "bug in the cascade, the bounds or the bank checks, never a finding.</p>",
        _table(
            [
                "bank",
                "hypotheses",
                "curves over (A)",
                "curves over (B)",
                "max ratio (A)",
                "max ratio (B)",
                "unexplained violations",
            ],
            _violation_rows(violations),
        ),
        "<h2>Provenance</h2>",
        _provenance_table(provenance),
        "<details><summary>config (YAML)</summary>"
        f"<pre>{esc(str(provenance.get('config', '')))}</pre></details>",
        "</body></html>",
    ]
    return "\n".join(parts) + "\n"


def _provenance_table(provenance: Mapping[str, Any]) -> str:
    rows = []
    for key in (
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
    ):
        value = provenance.get(key, "")
        rows.append(
            f"<tr><th>{_header(key)}</th><td><code>{html.escape(str(value))}</code></td></tr>"
        )
    for key, value in provenance.get("fits", {}).items():
        rows.append(
            f"<tr><th>fit: {_header(key)}</th><td><code>{html.escape(str(value))}</code></td></tr>"
        )
    return f"<table><tbody>{''.join(rows)}</tbody></table>"


def _header(key: str) -> str:
    """A provenance key as a row header: underscores as spaces, escaped."""
    return html.escape(key.replace("_", " "))


# --------------------------------------------------------------------------------------------
# writing


def _write_files(out_dir: Path, images: Mapping[str, bytes], page: bytes) -> Path:
    """Write the PNGs, then the page, each under a temporary name renamed into place."""
    created = not out_dir.exists()
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        for name, data in [*images.items(), (HTML_FILE, page)]:
            target = out_dir / name
            staging = out_dir / f".{name}.tmp-{uuid.uuid4().hex[:12]}"
            try:
                staging.write_bytes(data)
                os.replace(staging, target)
            finally:
                staging.unlink(missing_ok=True)
    except OSError as error:
        if created and out_dir.is_dir() and not any(out_dir.iterdir()):
            out_dir.rmdir()
        raise ReportError(
            f"cannot write the report to {out_dir}: {type(error).__name__}: {error}"
        ) from error
    return out_dir / HTML_FILE
