r"""``decay.png``: the energy left per layer, with the bounds (A) and (B) and the pruning slack."""

from __future__ import annotations

import math

import numpy as np
import xarray as xr
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ...analysis.resolution import SLACK_FACTOR
from ..summaries import DECAY_QUANTILES, BankInfo
from ._style import bank_colour, bottom_legend, label_left_column, panel_grid, positive


def plot_decay(summary: xr.Dataset, banks: BankInfo) -> Figure:
    r"""``decay.png``: :math:`W_n/\|f\|^2` per family, resolved values apart from lower bounds.

    One semilog panel per family; per bank (one colour each) the median over signals with the
    10–90 % band, drawn as a line only at layers where the median :math:`W_n` is resolved
    (:math:`W_n > 10\,s_n`, the medians over signals). Where pruning leaves a layer unresolved the
    true median lies in :math:`[W_n, W_n + s_n]` (docs/theory.md §2): that slack band is drawn
    as a bar from the kept value (a lower bound, ▲) to the kept value plus the slack, and kept
    values far below the slack are not drawn at all. The bounds (A) and (B) are near 1 at these
    depths and say nothing here; ``bound_ratios.png`` compares them with :math:`W_N + s_N`.

    Parameters
    ----------
    summary
        :func:`decay_summary`.
    banks
        :func:`bank_info`.
    """
    families = list(dict.fromkeys(banks.families))
    figure, axes = panel_grid(len(families), 3, 5.0, 4.0, sharey=True)
    layers = summary["layer"].values
    propagated = summary["propagated"]
    slack = np.nan_to_num(summary["slack"].values)  # (bank, layer)
    median = propagated.sel(quantile=0.5).values
    resolved = median > SLACK_FACTOR * slack
    upper = np.where(resolved, median, median + slack)
    lowest = propagated.sel(quantile=DECAY_QUANTILES[0]).values
    shown = positive(
        np.where(resolved, np.fmin(lowest, median), np.where(slack > 0, upper, np.nan))
    )
    low_end = np.nanmin(shown) if np.isfinite(shown).any() else 1e-20
    bottom = 10.0 ** math.floor(math.log10(max(low_end, 1e-30)) - 1.0)
    for ax, family in zip(axes, families, strict=True):
        members = [i for i, f in enumerate(banks.families) if f == family]
        for b in members:
            colour = bank_colour(b)
            low, mid, high = (
                positive(propagated.sel(quantile=q).isel(bank=b).values) for q in DECAY_QUANTILES
            )
            good = resolved[b]
            ax.fill_between(
                layers,
                np.where(good, low, np.nan),
                np.where(good, high, np.nan),
                color=colour,
                alpha=0.18,
                lw=0,
                zorder=2,
            )
            ax.plot(
                layers,
                np.where(good, mid, np.nan),
                "o-",
                color=colour,
                ms=4,
                lw=1.8,
                label=banks.labels[b],
                zorder=4,
            )
            pruned = ~good & (slack[b] > 0)
            if pruned.any():
                kept = np.fmax(np.nan_to_num(mid), bottom)
                top = mid + slack[b]
                ax.vlines(layers[pruned], kept[pruned], top[pruned], color=colour, lw=5, alpha=0.35)
                ax.plot(layers[pruned], top[pruned], "_", color=colour, ms=12, mew=2, zorder=4)
                visible = pruned & (mid > bottom)
                ax.plot(
                    layers[visible],
                    mid[visible],
                    "^",
                    mfc="none",
                    color=colour,
                    ms=6,
                    zorder=4,
                )
        ax.set_yscale("log")
        ax.set_ylim(bottom, 3.0)
        ax.set_xticks(layers)
        ax.set_xlabel("layer n")
        ax.set_title(f"{family} — {len(members)} bank{'s' if len(members) > 1 else ''}")
        ax.grid(True, which="major", alpha=0.3)
        ax.legend(
            loc="lower left",
            fontsize=8,
            title="median over signals, 10–90 % band",
            title_fontsize=8,
            framealpha=0.9,
        )
    label_left_column(axes, r"$W_n(f)\,/\,\|f\|^2$  (over signals)")
    styles = [
        Line2D([], [], color="k", marker="o", ms=4, label=r"median $W_n/\|f\|^2$, resolved"),
        Patch(color="k", alpha=0.18, label="10–90 % of signals (resolved layers)"),
        Line2D(
            [], [], color="k", lw=5, alpha=0.35, label=r"pruned: true median in $[W_n, W_n+s_n]$"
        ),
        Line2D(
            [], [], color="k", marker="^", mfc="none", ls="", label=r"kept $W_n$: a lower bound"
        ),
    ]
    bottom_legend(figure, styles, ncol=2)
    figure.suptitle(
        r"Energy left in the propagated signals, $W_n(f)/\|f\|^2$ per layer "
        r"(medians; a layer is resolved when $W_n > 10\,s_n$)"
    )
    return figure
