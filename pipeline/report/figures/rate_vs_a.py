r"""``rate_vs_a.png``: measured local rate against the derived :math:`\log a`, per bank (iii)."""

from __future__ import annotations

import numpy as np
import xarray as xr
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ..summaries import BankInfo
from ._style import bank_colour, bottom_legend

#: Horizontal offset between banks of the same derived log a (drawn side by side).
DODGE = 0.012
#: Marker per family (cycled).
FAMILY_MARKERS = ("o", "s", "^", "D", "v", "P", "X")


def plot_rate_vs_a(data: xr.Dataset, banks: BankInfo) -> Figure:
    r"""x: derived :math:`\log a`, :math:`a = (\rho+1)/(\rho-1)` (docs/theory.md §6); y: the
    measured local rate :math:`\log(W_n/W_{n+1})`, mean over all signals and resolved layers
    :math:`n \ge 2`, with a bar from the smallest lower end to the largest upper end (signals,
    layers and slack). The diagonal y = x is the rate bound (B) guarantees for band-limited
    inputs: a bank above it decays faster than its bound. Banks that fail a hypothesis
    (hollow markers) have no guarantee; banks without a finite derived a are not drawn.

    Parameters
    ----------
    data
        :func:`pipeline.report.regimes.measured_vs_derived`.
    banks
        :func:`pipeline.report.summaries.bank_info`.
    """
    figure = Figure(figsize=(12.5, 6.2), layout="constrained")
    ax = figure.subplots()
    families = list(dict.fromkeys(banks.families))
    x = data["derived_log_a"].values
    y = data["measured"].values
    seen: dict[float, int] = {}
    for b, label in enumerate(banks.labels):
        if not (np.isfinite(x[b]) and np.isfinite(y[b])):
            continue
        # banks with the same derived a side by side, not on top of each other
        repeat = seen.setdefault(round(float(x[b]), 3), 0)
        seen[round(float(x[b]), 3)] += 1
        at = x[b] + DODGE * repeat
        marker = FAMILY_MARKERS[families.index(banks.families[b]) % len(FAMILY_MARKERS)]
        colour = bank_colour(b)
        low, high = float(data["lowest"].values[b]), float(data["highest"].values[b])
        ax.errorbar(
            at,
            y[b],
            yerr=[[max(y[b] - low, 0.0)], [max(high - y[b], 0.0)]],
            color=colour,
            capsize=3,
            lw=1.0,
        )
        face = "none" if banks.failed[b] else colour
        ax.plot(at, y[b], marker, color=colour, mfc=face, ms=8, label=label)
    top = float(np.nanmax([*data["highest"].values, *x, 1.0]))
    right = float(np.nanmax([*x, 0.5])) * 1.1 + DODGE * max(seen.values(), default=0)
    ax.plot([0, right], [0, right], "k--", lw=1.0)
    ax.set_xlim(0, right)
    ax.set_ylim(0, 1.05 * top)
    ax.set_xlabel(r"derived $\log a$, $a = (\rho+1)/(\rho-1)$ (rate guaranteed by (B))")
    ax.set_ylabel(r"measured $\log(W_n/W_{n+1})$, mean over signals, $n \geq 2$")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7, frameon=False)
    handles = [
        Line2D([], [], color="k", ls="--", label="measured = derived (the guarantee of (B))"),
        Line2D([], [], color="k", marker="|", ls="", ms=10, label="range over signals and layers"),
        Line2D([], [], color="k", marker="o", mfc="none", ls="", label="fails a hypothesis"),
    ]
    bottom_legend(figure, handles, ncol=3)
    return figure
