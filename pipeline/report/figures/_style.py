"""What the four figures share: colours, resolution, a grid of panels, PNG bytes."""

from __future__ import annotations

import io
import math
import textwrap
from typing import Any

import numpy as np
from matplotlib.figure import Figure

#: Resolution of the PNGs.
DPI = 110
#: One colour per bank (matplotlib's tab10 order), the same in every figure.
BANK_PALETTE = (
    "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
    "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f",
)  # fmt: skip
#: One colour per signal class (ColorBrewer Set2).
CLASS_PALETTE = ("#66c2a5", "#fc8d62", "#8da0cb", "#e78ac3", "#a6d854", "#e5c494", "#b3b3b3")
#: Worst cases of Theorems A and B (docs/theory.md §8).
WORST_A_COLOUR = "#b2182b"
WORST_B_COLOUR = "#2166ac"


def bank_colour(bank: int) -> str:
    """The hex colour of the bank at index ``bank`` along ``bank``."""
    return BANK_PALETTE[bank % len(BANK_PALETTE)]


def panel_grid(
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


def label_left_column(axes: list, ylabel: str) -> None:
    """The y label and tick labels on the first panel of each row of a 3-column grid."""
    for ax in axes[:: min(3, len(axes))]:
        ax.set_ylabel(ylabel)
        ax.yaxis.set_tick_params(labelleft=True)


def wrap(text: str, width: int) -> str:
    """A label broken into lines of at most ``width`` characters, at spaces."""
    return textwrap.fill(text, width=width, break_long_words=False)


def png_bytes(figure: Figure) -> bytes:
    """The figure as PNG bytes at :data:`DPI` (no software stamp: same figure, same bytes)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def positive(values: np.ndarray) -> np.ndarray:
    """Values for a log axis: non-positive (and NaN) as NaN, so they are not drawn."""
    values = np.asarray(values, dtype=float)
    return np.where(values > 0, values, np.nan)


def bottom_legend(figure: Figure, handles: list, ncol: int = 3) -> None:
    """The figure's legend of line styles, below the panels."""
    figure.legend(handles=handles, loc="outside lower center", ncol=ncol, fontsize=8, frameon=False)
