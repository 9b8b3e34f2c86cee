r"""The report's section for sweeps over images (2-D grids): the families compared on the same
images — decay of :math:`W_n/\|f\|^2` per family and per α, the pooled rates with their
intervals, and the layers needed for :math:`1-\varepsilon` of the energy (docs/theory.md §8, §14).

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

from .figures._style import bank_colour, panel_grid, png_bytes, positive
from .summaries import REQUIRED_FIT_VARIABLES, BankInfo

#: File name of the section's figure, beside the report's other PNGs.
FIGURE_FILE = "families_2d.png"
#: Energy losses whose layer counts the section's table shows.
TABLE_EPSILONS = (0.1, 0.01, 0.001)


def is_image_sweep(dataset: xr.Dataset) -> bool:
    """Whether the store's grid has two axes (``grid_shape`` attribute)."""
    return len(dataset.attrs.get("grid_shape", ())) == 2


def relative_decay(dataset: xr.Dataset) -> xr.DataArray:
    r"""Median over the signals of each class of :math:`W_n/\|f\|^2`: (signal_class, bank, layer)."""
    ratio = dataset.propagated_energy / dataset.input_energy
    classes = dataset.signal_class.values
    ratio = ratio.reset_coords(drop=True).assign_coords(signal_class=("signal", classes))
    return ratio.groupby("signal_class").median("signal").compute()


def family_table(dataset: xr.Dataset, banks: BankInfo) -> pd.DataFrame:
    """One row per bank: family, α, pooled exponential rate and polynomial exponent over every
    signal with their bootstrap intervals, the rate per signal class, median layers needed."""
    pools = [str(p) for p in dataset.pool.values]
    # the pooled rates and their intervals, as the report's other tables read them
    names = [n for n in REQUIRED_FIT_VARIABLES if n.startswith(("pooled_exp", "pooled_poly"))]
    fits = dataset[[n for n in names if n in dataset and not n.endswith("_se")]].compute()
    layers = dataset.layers_needed.median("signal").compute()
    rows = []
    for index, label in enumerate(banks.labels):
        row: dict[str, object] = {"bank": label, "family": banks.families[index]}
        if "bank_alpha" in dataset.coords:
            value = float(dataset.bank_alpha.values[index])
            row["α"] = "" if np.isnan(value) else f"{value:g}"
        all_pool = pools.index("all") if "all" in pools else 0
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
            if pool != "all" and "pooled_exp_rate" in fits:
                rate = float(fits.pooled_exp_rate.values[pool_index, index])
                row[f"exp rate: {pool}"] = "-" if np.isnan(rate) else f"{rate:.3g}"
        for epsilon in TABLE_EPSILONS:
            if epsilon in layers.epsilon.values:
                value = float(layers.sel(epsilon=epsilon).values[index])
                row[f"layers for 1-{epsilon:g}"] = "-" if np.isnan(value) else f"{value:g}"
        rows.append(row)
    return pd.DataFrame(rows)


def _interval(value: float, lower: float, upper: float) -> str:
    if np.isnan(value):
        return "-"
    return f"{value:.3g} [{lower:.3g}, {upper:.3g}]"


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
        ax.set_xlabel("layer n")
        ax.grid(True, which="both", alpha=0.3)
    axes[0].set_ylabel(r"median $W_n / \|f\|^2$")
    axes[0].legend(fontsize=7)
    figure.suptitle("2-D families on the same images: propagated energy per layer", fontsize=10)
    return figure


def section_html(figure_png: bytes, table: pd.DataFrame, grid_shape: list[int]) -> str:
    """The section: heading, the figure inline, the table (escaped)."""
    data = base64.b64encode(figure_png).decode("ascii")
    shape = " x ".join(str(int(n)) for n in grid_shape)
    return (
        f"<h2>Images: the 2-D families compared</h2>\n"
        f"<p>Grid {html.escape(shape)}. Median over the signals of each class of "
        "W<sub>n</sub>/‖f‖² per bank (a line per family and parameter, curvelets per α); "
        "pooled exponential rate and polynomial exponent over every signal with 95% bootstrap "
        "intervals; the rate per signal class; the median number of layers that keep "
        "1 − ε of the energy (docs/theory.md §8, §14).</p>\n"
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
