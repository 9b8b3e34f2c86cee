r"""``exponents.png``: pooled decay rate and exponent per bank against the scale parameter."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import xarray as xr
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ...analysis.fit import EXPONENTIAL, POLYNOMIAL
from ...analysis.pooled import ALL_SIGNALS
from ..summaries import BankInfo, ScalePanel
from ._style import CLASS_PALETTE, wrap


def plot_exponents(
    pooled: xr.Dataset,
    banks: BankInfo,
    panels: Sequence[ScalePanel],
) -> Figure:
    r"""``exponents.png``: pooled :math:`\log a` (top) and :math:`\beta` (bottom) per bank.

    One column per family with a varying scale parameter (x: that parameter) and one
    categorical column for the other banks. Black: the pool of all signals with its bootstrap
    interval; small faded markers: each signal class's pool. A filled black marker is the
    preferred model of the bank (smaller summed AIC), an open one the other model.

    Parameters
    ----------
    pooled
        :func:`pooled_summary`.
    banks
        :func:`bank_info`.
    panels
        :func:`scale_axes`.
    """
    widths = [
        max(1.6, 0.55 * len(panel.banks)) if panel.parameter is None else 2.2 for panel in panels
    ]
    width = max(10.0, 1.9 * sum(widths) + 1.2)
    figure = Figure(figsize=(width, 7.2), layout="constrained")
    axes = figure.subplots(2, len(panels), squeeze=False, width_ratios=widths)
    pools = [str(p) for p in pooled["pool"].values]
    classes = [p for p in pools if p != ALL_SIGNALS]
    class_colours = {p: CLASS_PALETTE[i % len(CLASS_PALETTE)] for i, p in enumerate(classes)}
    preferred = pooled["pooled_preferred_model"].sel(pool=ALL_SIGNALS).values
    rows = (
        ("pooled_exp_rate", EXPONENTIAL, r"pooled $\log a$  in  $W_n \sim C_i\,a^{-n}$"),
        ("pooled_poly_exponent", POLYNOMIAL, r"pooled $\beta$  in  $W_n \sim C_i\,n^{-\beta}$"),
    )
    for column, panel in enumerate(panels):
        title, param, members = panel.title, panel.parameter, panel.banks
        if panel.values is None:
            x = np.arange(len(members), dtype=float)
            step = 1.0
        else:
            x = np.asarray(panel.values, dtype=float)
            distinct = np.unique(x)
            step = float(np.min(np.diff(distinct))) if distinct.size > 1 else 1.0
        offsets = (np.arange(len(classes)) - (len(classes) - 1) / 2) * (
            0.5 * step / max(len(classes), 1)
        )
        for row, (name, model, ylabel) in enumerate(rows):
            ax = axes[row][column]
            for k, pool in enumerate(classes):
                values = pooled[name].sel(pool=pool).values[members]
                ax.plot(
                    x + offsets[k],
                    values,
                    "o",
                    ms=3.5,
                    color=class_colours[pool],
                    alpha=0.8,
                    ls="none",
                )
            centre = pooled[name].sel(pool=ALL_SIGNALS).values[members]
            lower = pooled[f"{name}_lower"].sel(pool=ALL_SIGNALS).values[members]
            upper = pooled[f"{name}_upper"].sel(pool=ALL_SIGNALS).values[members]
            errors = np.array([np.nan_to_num(centre - lower), np.nan_to_num(upper - centre)])
            ax.errorbar(
                x,
                centre,
                yerr=np.maximum(errors, 0),
                fmt="none",
                ecolor="k",
                elinewidth=1.2,
                capsize=4,
                zorder=3,
            )
            if model == EXPONENTIAL:  # the rate bound (B) guarantees: log a, a = (rho+1)/(rho-1)
                with np.errstate(invalid="ignore", divide="ignore"):
                    derived = np.log(pooled["decay_base"].values[members])
                derived[[bool(banks.failed[b]) for b in members]] = np.nan  # not guaranteed
                ax.plot(x, derived, "_", color="0.35", ms=16, mew=2, zorder=3)
            chosen = preferred[members] == model
            ax.plot(x[chosen], centre[chosen], "o", color="k", ms=7, zorder=4)
            ax.plot(x[~chosen], centre[~chosen], "o", mfc="white", mec="k", ms=7, zorder=4)
            curves = pooled["pooled_curves"].sel(pool=ALL_SIGNALS).values[members]
            for position, value, used in zip(x, centre, curves, strict=True):
                if not np.isfinite(value):  # no fit: say so instead of leaving a gap
                    ax.text(
                        position,
                        0.5,
                        f"unresolved ({int(used)} curves)",
                        rotation=90,
                        ha="center",
                        va="center",
                        fontsize=8,
                        color="0.35",
                        transform=ax.get_xaxis_transform(),
                    )
            ax.grid(True, alpha=0.3)
            if column == 0:
                ax.set_ylabel(ylabel)
            if param is None:
                ax.set_xticks(
                    x,
                    [wrap(banks.labels[b], 24) for b in members],
                    rotation=30,
                    ha="right",
                    fontsize=8,
                )
                ax.set_xlim(-0.6, len(members) - 0.4)
                for tick, b in zip(ax.get_xticklabels(), members, strict=True):
                    tick.set_color("red" if banks.failed[b] else "k")
            else:
                ticks = np.unique(x[np.isfinite(x)])
                ax.set_xticks(ticks, [f"{value:g}" for value in ticks])
                ax.set_xlabel(f"{param}  (bank_{param})" if row == 1 else "")
                if np.isfinite(x).any():
                    pad = 0.45 * step
                    ax.set_xlim(np.nanmin(x) - pad, np.nanmax(x) + pad)
            if row == 0:
                ax.set_title(title if param is None else f"{title}: against {param}")
            if row == 0 and param is None:
                ax.tick_params(labelbottom=False)
    handles = [
        Line2D(
            [],
            [],
            marker="o",
            color="k",
            ls="-",
            ms=7,
            label=f"all signals, {_confidence(pooled)} bootstrap interval",
        ),
        Line2D(
            [],
            [],
            marker="o",
            mfc="white",
            mec="k",
            ls="none",
            ms=7,
            label="open: the other model is preferred (smaller summed AIC)",
        ),
        Line2D(
            [],
            [],
            marker="_",
            color="0.35",
            ls="none",
            ms=14,
            mew=2,
            label=r"rate guaranteed by (B): $\log\frac{\rho+1}{\rho-1}$ (banks meeting §3)",
        ),
        *[
            Line2D(
                [],
                [],
                marker="o",
                color=class_colours[p],
                alpha=0.8,
                ls="none",
                ms=4,
                label=f"class {p}",
            )
            for p in classes
        ],
    ]
    figure.legend(
        handles=handles,
        loc="outside lower center",
        ncol=max(1, min(4, len(handles), int(width // 3.4))),
        fontsize=8,
        frameon=False,
    )
    figure.suptitle(
        "Pooled decay per bank: mean of per-curve rates on layers n ≥ 2 over the signals "
        "fitted in every bank"
    )
    return figure


def _confidence(pooled: xr.Dataset) -> str:
    description = str(pooled["pooled_exp_rate_lower"].attrs.get("description", ""))
    return description.split(" ")[0] if "%" in description else "bootstrap"
