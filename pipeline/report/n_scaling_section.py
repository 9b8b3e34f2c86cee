r"""The report's section (iv), "what grows with N": opt-in (``energy-sweep report --scans``).

It does not read the store: a fixed grid cannot show it (docs/theory.md §13). It runs the small
exact-where-cheap scan of :mod:`pipeline.analysis.n_scaling` (about 10 s on one core) and adds
its figure ``n_scaling.png`` and one table: per bank, signal kind and N, the measured
:math:`\rho`, the derived :math:`\log a`, the local rates at each resolved layer and their mean
over :math:`n \ge 2`.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import xarray as xr
from matplotlib.figure import Figure
from pandas.io.formats.style import Styler

from ..analysis.n_scaling import mean_rate_from, n_scaling
from ..analysis.resolution import FIRST_FIT_LAYER
from .figures.n_scaling import plot_n_scaling
from .tables import _number, _styled

__all__ = [
    "N_SCALING_FIGURE",
    "N_SCALING_TEXT",
    "N_SCALING_TITLE",
    "n_scaling_table",
    "scaling_section",
]

N_SCALING_FIGURE = "n_scaling.png"
N_SCALING_TITLE = "Regimes (iv): what grows with N"
N_SCALING_TEXT = (
    "On one grid every analytic high-pass bank has (B) with a derived a > 1 (ρ ≤ 1/(2δ)): "
    "the polynomial regime and the slow decay of Führ & Getter (docs/theory.md §9) show only "
    "as rates that fall as N grows. Scan at N = 2^8 … 2^14 (pipeline.analysis.n_scaling, "
    "seed 0, 2 signals per kind): meyer dilation 2 keeps ρ = 4 while its octaves grow with "
    "log2 N; the two-band random bank (δ = 2/N) has ρ growing with N, so its derived log a "
    "tends to 0. Signals: white noise, and lacunary sums with one packet per octave over "
    "log2 N − 3 octaves. Local rates log(W_n/W_(n+1)) on resolved layers only (docs/theory.md "
    "§10); “mean n ≥ 2” averages them over layers. Figure n_scaling.png."
)


def n_scaling_table(scan: xr.Dataset) -> Styler:
    """One row per (bank, signal kind, N): ρ, derived log a, rates per layer, their mean."""
    mean = mean_rate_from(scan, FIRST_FIT_LAYER)
    rows = []
    for bank in scan["bank"].values:
        for kind in scan["kind"].values:
            for length in scan["length"].values:
                here = scan.sel(bank=bank, kind=kind, length=length)
                rates = [
                    f"{int(n)}: {r:.2f}"
                    for n, r in zip(here.layer.values, here.rate.values, strict=True)
                    if math.isfinite(r)
                ]
                rows.append(
                    {
                        "bank": str(bank),
                        "signals": str(kind),
                        "N": int(length),
                        "ρ": float(here.band_ratio),
                        "derived log a": float(here.derived_log_a),
                        "local rate at n": ", ".join(rates) or "none resolved",
                        "mean n ≥ 2": float(mean.sel(bank=bank, kind=kind, length=length)),
                    }
                )
    frame = pd.DataFrame(rows)
    formats = {"ρ": _number(".1f"), "derived log a": _number(".3f"), "mean n ≥ 2": _number(".2f")}
    return _styled(frame, "n_scaling", formats).hide(axis="index")


def scaling_section(figures: dict[str, Figure]) -> dict[str, Any]:
    """Run the scan; put its figure in ``figures``; return the section (title, text, table)."""
    scan = n_scaling()
    figures[N_SCALING_FIGURE] = plot_n_scaling(scan)
    return {
        "title": N_SCALING_TITLE,
        "text": N_SCALING_TEXT,
        "table": n_scaling_table(scan),
        "figure": N_SCALING_FIGURE,
    }
