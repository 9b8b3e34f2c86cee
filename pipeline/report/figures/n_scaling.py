r"""``n_scaling.png``: local decay rates against the grid length N (section (iv))."""

from __future__ import annotations

import numpy as np
import xarray as xr
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ...analysis.n_scaling import mean_rate_from
from ...analysis.resolution import FIRST_FIT_LAYER
from ._style import bank_colour, bottom_legend, label_left_column, panel_grid


def plot_n_scaling(scan: xr.Dataset) -> Figure:
    r"""One panel per signal kind; x: N (log scale), y: :math:`\log(W_n/W_{n+1})`.

    Per bank (one colour): the mean over the resolved layers :math:`n \ge 2` of the mean local
    rate over the signals (solid, markers), the rate at n = 2 and at the deepest resolved layer
    (thin dotted, marked "2" and "last"), and the derived :math:`\log a`,
    :math:`a = (\rho+1)/(\rho-1)` with the bank's measured :math:`\rho` at that N (dashed: the
    rate bound (B) guarantees, docs/theory.md §6). Rates falling with N are the regime a fixed
    grid hides (docs/theory.md §9, §13).

    Parameters
    ----------
    scan
        :func:`pipeline.analysis.n_scaling.n_scaling`.
    """
    kinds = [str(k) for k in scan["kind"].values]
    figure, axes = panel_grid(len(kinds), 3, 5.5, 4.2, sharey=True)
    lengths = scan["length"].values
    mean = mean_rate_from(scan)
    top = float(np.nanmax(scan["rate"].where(scan.layer >= FIRST_FIT_LAYER).values, initial=1.0))
    for ax, kind in zip(axes, kinds, strict=True):
        for b, bank in enumerate(scan["bank"].values):
            colour = bank_colour(b)
            rates = scan["rate"].sel(bank=bank, kind=kind)
            ax.plot(lengths, mean.sel(bank=bank, kind=kind), "o-", color=colour, lw=1.8, ms=5)
            at_two = rates.sel(layer=FIRST_FIT_LAYER).values
            deepest = [
                r[np.isfinite(r)][-1] if np.isfinite(r).any() else np.nan
                for r in rates.transpose("length", "layer").values
            ]
            ax.plot(lengths, at_two, ":", color=colour, lw=1.0, marker="$2$", ms=7)
            ax.plot(lengths, deepest, ":", color=colour, lw=1.0, marker="v", ms=4)
            ax.plot(lengths, scan["derived_log_a"].sel(bank=bank), "--", color=colour, lw=1.2)
        ax.set_xscale("log", base=2)
        ax.set_xticks(lengths, [f"$2^{{{int(np.log2(n))}}}$" for n in lengths])
        ax.set_xlabel("grid length N")
        ax.set_ylim(0, 1.1 * top)
        ax.set_title(kind)
        ax.grid(True, alpha=0.3)
    label_left_column(axes, r"$\log(W_n/W_{n+1})$, natural log")
    handles = [
        Line2D([], [], color=bank_colour(b), lw=1.8, label=str(bank))
        for b, bank in enumerate(scan["bank"].values)
    ]
    handles += [
        Line2D([], [], color="k", marker="o", lw=1.8, label=r"mean over resolved $n \geq 2$"),
        Line2D([], [], color="k", ls=":", marker="$2$", ms=7, label="at n = 2"),
        Line2D([], [], color="k", ls=":", marker="v", ms=4, label="at the deepest resolved n"),
        Line2D([], [], color="k", ls="--", label=r"derived $\log a$, $a=(\rho+1)/(\rho-1)$"),
    ]
    bottom_legend(figure, handles, ncol=3)
    return figure
