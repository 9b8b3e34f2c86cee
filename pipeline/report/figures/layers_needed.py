r"""``layers_needed.png``: layers needed per epsilon, measured over signals and worst case."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import xarray as xr
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import NullLocator

from ..summaries import BankInfo
from ._style import (
    WORST_A_COLOUR,
    WORST_B_COLOUR,
    bank_colour,
    bottom_legend,
    label_left_column,
    panel_grid,
    wrap,
)


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


#: Width of a bar that holds every signal (one epsilon per unit of x).
FULL_BAR = 0.84


def _centred_bars(ax: Any, x: float, rows: Any, shares: Any, **style: Any) -> None:
    """Horizontal bars at heights ``rows``, centred on ``x``, as wide as their share of signals."""
    widths = FULL_BAR * np.asarray(shares, dtype=float)
    ax.barh(rows, widths, left=x - widths / 2, height=0.72, **style)


def plot_layers_needed(summary: xr.Dataset, banks: BankInfo, depth: int) -> Figure:
    r"""``layers_needed.png``: empirical layers needed per :math:`\varepsilon`, and worst cases.

    One panel per bank, x: :math:`\varepsilon`, y (symlog: linear up to past the depth, log
    above): N, counting feature layers n = 0..N. At each :math:`\varepsilon` a horizontal bar
    per N whose width is the share of signals that need exactly N (outlined black: the
    median), a red bar at N = depth for the signals that do not reach :math:`1-\varepsilon`
    within the depth (with their count); markers: the largest worst-case sufficient N over the
    signals of Theorem A (▼) and Theorem B (▲), docs/theory.md §8.

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
    figure, axes = panel_grid(n_banks, 3, 4.4, 3.8, sharey=True)
    epsilons = summary["epsilon"].values
    x = np.arange(epsilons.size)
    values = summary["value"].values
    worst = np.concatenate(
        [np.ravel(summary["worst_general"].values), np.ravel(summary["worst_exponential"].values)]
    )
    top = float(np.nanmax([depth, *worst[np.isfinite(worst)]]))
    for b, ax in enumerate(axes):
        colour = bank_colour(b)
        part = summary.isel(bank=b)
        signals = max(float(part["signals"]), 1.0)
        for k in range(epsilons.size):
            fraction = part["count"].values[k] / signals
            shown = fraction > 0
            _centred_bars(ax, x[k], values[shown], fraction[shown], color=colour, alpha=0.75, lw=0)
            missed = int(part["not_reached"].values[k])
            if missed:
                _centred_bars(
                    ax, x[k], [depth], [missed / signals], color="#f4a6a6", edgecolor="red", lw=1.0
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
                _centred_bars(ax, x[k], [row], [share], facecolor="none", edgecolor="k", lw=1.2)
        ax.plot(x, part["worst_general"].values, "v", color=WORST_A_COLOUR, ms=7, zorder=4)
        ax.plot(x, part["worst_exponential"].values, "^", color=WORST_B_COLOUR, ms=7, zorder=4)
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
        ax.set_title(wrap(title, 48), fontsize=10)
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
    label_left_column(axes, r"N with $F_0+\dots+F_N \geq (1-\varepsilon)\,\|f\|^2$")
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
            color=WORST_A_COLOUR,
            ls="none",
            ms=7,
            label="worst case (A), max over signals",
        ),
        Line2D(
            [],
            [],
            marker="^",
            color=WORST_B_COLOUR,
            ls="none",
            ms=7,
            label="worst case (B), max over signals",
        ),
    ]
    bottom_legend(figure, handles)
    figure.suptitle(
        r"Layers needed to keep $(1-\varepsilon)$ of the energy: measured vs. worst case"
    )
    return figure
