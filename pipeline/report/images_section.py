r"""The report's section for sweeps over images (2-D grids): the families compared on the same
images — decay of :math:`W_n/\|f\|^2` per family and per α, the local rates and (with depth
enough for per-curve fits) the pooled rates with their intervals, bound (A) with :math:`\alpha(2)`,
and the layers needed for :math:`1-\varepsilon` of the energy (docs/theory.md §8, §10, §14).

One hook in :func:`pipeline.report.build.build_report`: :func:`add_images_section` adds the
figure ``families_2d.png`` to the report's images and the section to its page; it does nothing
for a 1-D sweep.
"""

from __future__ import annotations

import base64
import html
from collections.abc import MutableMapping

import numpy as np
import pandas as pd
import xarray as xr

from ..grid import stored_dimension
from ..theory import alpha
from .figures._style import bank_colour, panel_grid, png_bytes, positive
from .summaries import REQUIRED_FIT_VARIABLES, BankInfo

#: File name of the section's figure, beside the report's other PNGs.
FIGURE_FILE = "families_2d.png"
#: Energy losses whose layer counts the section's table shows.
TABLE_EPSILONS = (0.1, 0.01, 0.001)


def is_image_sweep(dataset: xr.Dataset) -> bool:
    """Whether the store's grid has two axes (``grid_shape`` attribute)."""
    return stored_dimension(dataset.attrs) == 2


def relative_decay(dataset: xr.Dataset) -> xr.DataArray:
    r"""Median over the signals of each class of :math:`W_n/\|f\|^2`: (signal_class, bank, layer)."""
    ratio = dataset.propagated_energy / dataset.input_energy
    classes = dataset.signal_class.values
    ratio = ratio.reset_coords(drop=True).assign_coords(signal_class=("signal", classes))
    return ratio.groupby("signal_class").median("signal").compute()


def family_table(dataset: xr.Dataset, banks: BankInfo) -> pd.DataFrame:
    r"""One row per bank: family, α, the hypotheses it fails, the local rates
    :math:`\log(W_n/W_{n+1})` over every signal (mean [smallest, largest] over the signals,
    slack included), the pooled exponential rate and polynomial exponent with their bootstrap
    intervals and the rate per signal class where a store's depth gives per-curve fits (these
    columns are left out where no bank has one), how many signals exceed bound (A), and the
    median layers needed for :math:`1-\varepsilon` (docs/theory.md §8, §10, §14)."""
    pools = [str(p) for p in dataset.pool.values]
    all_pool = pools.index("all") if "all" in pools else 0
    # the pooled rates and their intervals, as the report's other tables read them
    names = [n for n in REQUIRED_FIT_VARIABLES if n.startswith(("pooled_exp", "pooled_poly"))]
    fits = dataset[[n for n in names if n in dataset and not n.endswith("_se")]].compute()
    fitted = "pooled_exp_rate" in fits and bool(np.isfinite(fits.pooled_exp_rate.values).any())
    local = _local_rates(dataset, all_pool)
    layers = layers_needed_median(dataset)
    exceeded = (
        dataset.violates_bound_general.sum("signal").compute()
        if "violates_bound_general" in dataset
        else None
    )
    rows = []
    for index, label in enumerate(banks.labels):
        row: dict[str, object] = {"bank": label, "family": banks.families[index]}
        if "bank_alpha" in dataset.coords:
            value = float(dataset.bank_alpha.values[index])
            row["α"] = "" if np.isnan(value) else f"{value:g}"
        failed = banks.failed[index]
        row["hypotheses"] = "all met" if not failed else "fails " + ", ".join(failed)
        if local is not None:
            for layer in local.layer.values:
                mean, lowest, highest = (
                    float(local[name].sel(layer=layer).values[index])
                    for name in (
                        "pooled_local_rate",
                        "pooled_local_rate_min",
                        "pooled_local_rate_max",
                    )
                )
                row[f"log(W{layer}/W{layer + 1})"] = _interval(mean, lowest, highest)
        if fitted:
            for name, key in (
                ("exp rate (all)", "pooled_exp_rate"),
                ("poly exponent (all)", "pooled_poly_exponent"),
            ):
                if key in fits:
                    row[name] = _interval(
                        fits[key].values[all_pool, index],
                        fits[f"{key}_lower"].values[all_pool, index],
                        fits[f"{key}_upper"].values[all_pool, index],
                    )
            for pool_index, pool in enumerate(pools):
                if pool != "all":
                    rate = float(fits.pooled_exp_rate.values[pool_index, index])
                    row[f"exp rate: {pool}"] = "-" if np.isnan(rate) else f"{rate:.3g}"
        if exceeded is not None:
            row["bound (A) exceeded"] = f"{int(exceeded.values[index])}/{dataset.sizes['signal']}"
        for epsilon in TABLE_EPSILONS:
            if epsilon in layers.epsilon.values:
                value = float(layers.sel(epsilon=epsilon).values[index])
                row[f"layers for 1-{epsilon:g}"] = _count(value, _bank_depth(dataset, index))
        rows.append(row)
    return pd.DataFrame(rows)


def _local_rates(dataset: xr.Dataset, pool: int) -> xr.Dataset | None:
    """The pooled local rates of one pool at the layers where some bank has one (None if the
    fits hold none)."""
    names = ["pooled_local_rate", "pooled_local_rate_min", "pooled_local_rate_max"]
    if not all(name in dataset for name in names):
        return None
    rates = dataset[names].isel(pool=pool).compute()
    present = np.isfinite(rates.pooled_local_rate.values).any(axis=0)
    return rates.isel(layer=np.flatnonzero(present)) if present.any() else None


def layers_needed_median(dataset: xr.Dataset) -> xr.DataArray:
    """Median over the signals of ``layers_needed`` (bank, epsilon), a signal that does not reach
    :math:`1-\varepsilon` within its bank's layers counting as infinitely many (it is NaN in the
    store: a median that skipped it would claim fewer layers than half the signals need)."""
    reached = dataset.layers_needed.fillna(np.inf).compute()
    return reached.reduce(np.median, dim="signal")


def _bank_depth(dataset: xr.Dataset, index: int) -> int:
    if "depth_per_bank" in dataset.coords:
        return int(dataset.depth_per_bank.values[index])
    return int(dataset.sizes["layer"] - 1)


def _interval(value: float, lower: float, upper: float) -> str:
    """``value [lower, upper]`` to 3 digits, ``-`` for NaN."""
    if np.isnan(value):
        return "-"
    return f"{value:.3g} [{lower:.3g}, {upper:.3g}]"


def _count(value: float, depth: int) -> str:
    """A median layer count: ``≥ depth`` where not reached within feature layers 0..depth-1."""
    if np.isnan(value):
        return "-"
    return f"≥{depth}" if np.isinf(value) else f"{value:g}"


def plot_families(decay: xr.DataArray, banks: BankInfo):
    """One panel per signal class: median :math:`W_n/\\|f\\|^2` against n, a line per bank."""
    classes = [str(c) for c in decay.signal_class.values]
    figure, axes = panel_grid(len(classes), 3, 4.2, 3.2, sharey=True)
    layers = decay.layer.values
    for ax, name in zip(axes, classes, strict=True):
        for index, label in enumerate(banks.labels):
            values = decay.sel(signal_class=name).isel(bank=index).values
            ax.semilogy(
                layers, positive(values), marker="o", ms=3, color=bank_colour(index), label=label
            )
        ax.set_title(name, fontsize=9)
        ax.set_xticks(layers)  # layers are integers
        ax.set_xlabel("layer n")
        ax.grid(True, which="both", alpha=0.3)
    axes[0].set_ylabel(r"median $W_n / \|f\|^2$")
    axes[0].legend(fontsize=7)
    figure.suptitle("2-D families on the same images: propagated energy per layer", fontsize=10)
    return figure


def section_html(figure_png: bytes, table: pd.DataFrame, grid_shape: list[int]) -> str:
    """The section: heading, which theorem applies in d = 2, the figure inline, the table
    (escaped)."""
    data = base64.b64encode(figure_png).decode("ascii")
    shape = " x ".join(str(int(n)) for n in grid_shape)
    d = len(grid_shape)
    fitted = "exp rate (all)" in table.columns
    rates = (
        "pooled exponential rate and polynomial exponent over every signal with 95% bootstrap "
        "intervals, and the rate per signal class"
        if fitted
        else "no per-curve model fits: they need 4 resolved layers n ≥ 2, i.e. a depth of at "
        "least 5 (docs/theory.md §10)"
    )
    return (
        f"<h2>Images: the 2-D families compared</h2>\n"
        f"<p>Grid {html.escape(shape)}, the same signals through every bank. <b>Which theorem "
        f"applies (d = {d}):</b> bound (A), Theorem A, with α(d) = log<sub>2</sub>(√d/(√d − ½)) "
        f"= {alpha(d):.4f} and the window order l = (d + 1)/2 = {(d + 1) / 2:g}, for the banks "
        "that meet all three hypotheses (Parseval, analytic in quarter-planes, high-pass δ > 0): "
        "a guaranteed polynomial decay W<sub>N</sub> = O(N<sup>−α</sup>) for band-limited "
        "inputs, checked against every curve (column “bound (A) exceeded”). Bound (B), the "
        "exponential decay, is stated for d = 1 only (docs/theory.md §6): the exponential decay "
        "measured here is an observation on this grid, not a theorem's guarantee, and no "
        "exponential worst case is given. A bank that fails a hypothesis (the normalised Morlet: "
        "Gaussian tails, so analyticity and δ only numerical) has no guarantee at all.</p>\n"
        "<p>The figure: median over the signals of each class of W<sub>n</sub>/‖f‖² per bank "
        "(a line per family and parameter, curvelets per α). The table: the local rates "
        "log(W<sub>n</sub>/W<sub>n+1</sub>) (natural log per layer; mean over the signals where "
        "both layers are resolved, [smallest, largest] over them, pruning slack included); "
        f"{rates}; the median number of layers that keep 1 − ε of the energy (≥ depth: more "
        "than half the signals do not reach it within the computed layers; docs/theory.md §8, "
        "§14).</p>\n"
        f'<figure><img alt="{FIGURE_FILE}" src="data:image/png;base64,{data}"></figure>\n'
        + table.to_html(index=False, escape=True, border=0)
        + "\n"
    )


def add_images_section(
    page: str, images: MutableMapping[str, bytes], dataset: xr.Dataset, banks: BankInfo
) -> str:
    """The page with the images section before ``</body>`` and its PNG added to ``images``;
    unchanged for a 1-D sweep."""
    if not is_image_sweep(dataset):
        return page
    figure_png = png_bytes(plot_families(relative_decay(dataset), banks))
    images[FIGURE_FILE] = figure_png
    section = section_html(figure_png, family_table(dataset, banks), dataset.attrs["grid_shape"])
    head, tail = page.rsplit("</body>", 1)
    return head + section + "</body>" + tail
