r"""``decay.png``: the energy left per layer, with the bounds (A) and (B) and the pruning slack."""

from __future__ import annotations

import math

import numpy as np
import xarray as xr
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from ...analysis.fit import ROUND_OFF_FLOOR
from ..summaries import DECAY_QUANTILES, BankInfo
from ._style import bank_colour, bottom_legend, label_left_column, panel_grid, positive


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
    figure, axes = panel_grid(len(families), 3, 5.0, 4.0, sharey=True)
    layers = summary["layer"].values
    propagated = summary["propagated"]
    shown = positive(propagated.values)
    low_end = np.nanmin(shown) if np.isfinite(shown).any() else ROUND_OFF_FLOOR
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
            colour = bank_colour(b)
            low, mid, high = (
                positive(propagated.sel(quantile=q).isel(bank=b).values) for q in DECAY_QUANTILES
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
                    positive(summary[name].isel(bank=b).values),
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
    label_left_column(axes, r"$W_n(f)\,/\,\|f\|^2$  (over signals)")
    styles = [
        Line2D([], [], color="k", marker="o", ms=4, label=r"median $W_n/\|f\|^2$"),
        Patch(color="k", alpha=0.18, label="10–90 % of signals"),
        Line2D(
            [], [], color="k", ls="--", label=r"bound (A) $/\|f\|^2$, median (docs/theory.md §4)"
        ),
        Line2D(
            [],
            [],
            color="k",
            ls=":",
            lw=2,
            label=r"bound (B) $/\|f\|^2$, median (docs/theory.md §6)",
        ),
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
    bottom_legend(figure, styles)
    figure.suptitle(r"Energy left in the propagated signals, $W_n(f)/\|f\|^2$, per layer")
    return figure
