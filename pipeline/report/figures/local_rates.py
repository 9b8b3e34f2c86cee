r"""``local_rates.png``: the layer-by-layer decay rates per bank, beside the derived rate."""

from __future__ import annotations

import numpy as np
import xarray as xr
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ..summaries import BankInfo
from ._style import bank_colour, bottom_legend, label_left_column, panel_grid


def plot_local_rates(rates: xr.Dataset, banks: BankInfo) -> Figure:
    r"""``local_rates.png``: :math:`\log(W_n/W_{n+1})` per layer, one panel per family.

    Per bank (one colour): the mean over the signals of the pool of all signals (line, markers)
    where the rate is resolved, the band from the smallest lower end to the largest upper end
    over the signals (slack included), and :math:`\log a` of the derived base
    :math:`a = (\rho+1)/(\rho-1)` dashed (the rate bound (B) guarantees, docs/theory.md §6;
    only for banks that meet the hypotheses). A constant rate is exponential decay; a falling
    one would be polynomial; a rising one is neither (docs/theory.md §10, §13).

    Parameters
    ----------
    rates
        over (bank, layer): ``pooled_local_rate``, ``pooled_local_rate_min``,
        ``pooled_local_rate_max`` of the pool of all signals; over bank: ``decay_base``.
    banks
        :func:`pipeline.report.summaries.bank_info`.
    """
    families = list(dict.fromkeys(banks.families))
    figure, axes = panel_grid(len(families), 3, 5.0, 4.0, sharey=True)
    layers = rates["layer"].values
    top = np.nanmax(rates["pooled_local_rate_max"].values, initial=1.0)
    for ax, family in zip(axes, families, strict=True):
        members = [i for i, f in enumerate(banks.families) if f == family]
        for b in members:
            colour = bank_colour(b)
            mean = rates["pooled_local_rate"].isel(bank=b).values
            low = rates["pooled_local_rate_min"].isel(bank=b).values
            high = rates["pooled_local_rate_max"].isel(bank=b).values
            ax.fill_between(layers, low, high, color=colour, alpha=0.18, lw=0)
            ax.plot(layers, mean, "o-", color=colour, ms=4, lw=1.8, label=banks.labels[b])
            base = float(rates["decay_base"].isel(bank=b))
            if not banks.failed[b] and np.isfinite(base) and base > 1:
                ax.axhline(np.log(base), color=colour, ls="--", lw=1.2)
        ax.set_xticks(layers[:-1])
        ax.set_xlabel(r"layer n (rate from $W_n$ to $W_{n+1}$)")
        ax.set_ylim(0, 1.1 * top)
        ax.set_title(f"{family} — {len(members)} bank{'s' if len(members) > 1 else ''}")
        ax.grid(True, alpha=0.3)
        ax.legend(loc="upper left", fontsize=8, framealpha=0.9)
    label_left_column(axes, r"$\log(W_n/W_{n+1})$, natural log")
    styles = [
        Line2D([], [], color="k", marker="o", ms=4, label="mean over all signals (resolved)"),
        Patch(color="k", alpha=0.18, label="smallest to largest over signals, slack included"),
        Line2D([], [], color="k", ls="--", label=r"$\log a$, derived $a=(\rho+1)/(\rho-1)$ (B)"),
    ]
    bottom_legend(figure, styles)
    figure.suptitle(r"Layer-by-layer decay rate $\log(W_n/W_{n+1})$ per bank")
    return figure
