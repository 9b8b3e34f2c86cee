r"""``bound_ratios.png``: measured energy over the bounds (A) and (B), per bank."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import xarray as xr
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import NullFormatter

from ..summaries import BankInfo
from ._style import bank_colour, bottom_legend, wrap

#: Positive ratios below this are drawn at it (ratios of 0, pruned curves, are counted apart).
RATIO_FLOOR = 1e-30


def _row_note(ax: Any, where: float, row: float, text: str, **style: Any) -> None:
    """Grey text in a bank's row, at ``where`` (0: left edge, 1: right edge of the axes)."""
    ax.text(where, row, text, transform=ax.get_yaxis_transform(), va="center", color="0.3", **style)


def _ratio_boxes(ax: Any, summary: xr.Dataset, banks: BankInfo, prefix: str) -> tuple[float, float]:
    """Boxes of ``{prefix}general`` / ``{prefix}exponential`` per bank; the extreme values."""
    q = {float(v): i for i, v in enumerate(summary["quantile"].values)}
    smallest, largest = math.inf, -math.inf
    for b in range(int(summary.sizes["bank"])):
        colour = bank_colour(b)
        for offset, name, hatch in ((-0.18, "general", ""), (0.18, "exponential", "////")):
            values = np.maximum(summary[prefix + name].isel(bank=b).values, RATIO_FLOOR)
            zeros = int(summary[f"zero_{prefix}{name}"].values[b])
            if zeros:  # pruned to nothing: no place on a log axis
                _row_note(ax, 0.01, b + offset, f"{zeros}× 0", fontsize=7)
            if not np.isfinite(values).all():
                if zeros:
                    continue
                label = f"({'A' if name == 'general' else 'B'}) n/a "
                _row_note(ax, 0.99, b + offset, label, fontsize=8, ha="right")
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
    curve exceeds the bound; it is reached at N = 1, where the window is the high-pass ball and
    the bounds are nearly tight for every bank, so it only checks violations); right:
    :math:`(W_N + s_N)/\text{bound}_N` at each bank's deepest computed layer, an upper bound on
    the true ratio whatever was pruned: how much room the bounds leave where they say something.
    Boxes over signals (box 25–75 %, whiskers 10–90 %, dots min and max), log x. Banks failing a
    hypothesis of docs/theory.md §3 are labelled red; the counts of curves flagged over each
    bound are written at the right.

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
        (
            right,
            "deepest_",
            r"$(W_N(f) + s_N)\,/\,\mathrm{bound}_N(f)$ at each bank's deepest layer N",
        ),
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
    left.set_title("max over N ≥ 1 (at N = 1: a violation check)", fontsize=10)
    right.set_title(f"each bank's deepest layer (≤ {depth}), slack included", fontsize=10)
    left.set_yticks(range(n_banks))
    left.set_yticklabels(
        [
            wrap(banks.labels[b], 30)
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
        Patch(facecolor="0.5", edgecolor="0.3", label="bound (A), docs/theory.md §4"),
        Patch(facecolor="0.8", edgecolor="0.3", hatch="////", label="bound (B), docs/theory.md §6"),
        Line2D([], [], color="red", ls="--", label="ratio 1"),
    ]
    bottom_legend(figure, handles)
    figure.suptitle(
        "Measured energy over the paper's bounds, per curve (box 25–75 %, whiskers 10–90 %, "
        "dots min/max over signals)",
        fontsize=10,
    )
    return figure
