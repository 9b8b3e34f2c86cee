r"""The report's worst-case search (section (i), with a wavelet for contrast): opt-in
(``energy-sweep report --scans``).

Runs :func:`pipeline.analysis.worst_case_search.worst_case_search` for a Weyl–Heisenberg and a
wavelet bank at N = 1024 (seconds each on one core) and adds the figure ``worst_case.png`` and
one table: the largest per-layer retention :math:`J = \max_{n\ge1} W_{n+1}/W_n` over white
noise and the largest the search found (a lower bound on :math:`\sup_f J(f)`), docs/theory.md §9.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from pandas.io.formats.style import Styler

from ..analysis.worst_case_search import SearchResult, packet_signals, worst_case_search
from ..filters import make_bank
from .figures._style import bank_colour
from .tables import _number, _styled

__all__ = ["SEARCH_BANKS", "WORST_CASE_FIGURE", "worst_case_section"]

WORST_CASE_FIGURE = "worst_case.png"
#: Grid length, depth (layers n = 1 .. depth-1 are scored) and banks of the search.
SEARCH_LENGTH = 1024
SEARCH_DEPTH = 3
SEARCH_BANKS = (("gabor", {"spacing": 1.0 / 16.0}), ("meyer", {"dilation": 2.0}))

TITLE = "Regimes (i): the worst signal for Weyl–Heisenberg, and for a wavelet"
TEXT = (
    "Czaja & Li (docs/theory.md §9): Weyl–Heisenberg scattering decays exponentially uniformly "
    "over signals, W_(n+1) ≤ θ W_n with θ < 1 set by the frame; wavelets have no such θ "
    "(Führ & Getter). A small search (pipeline.analysis.worst_case_search: sums of up to three "
    "Gaussian wave packets, elitist evolution, exact cascade, seed 0) for the largest "
    "J(f) = max over n ≥ 1 of W_(n+1)/W_n, against the largest over 24 white-noise rows. J found "
    "is a lower bound on sup_f J(f); layers below the relative round-off floor are not scored."
)


def _label(family: str, params: dict[str, float]) -> str:
    return f"{family} " + ", ".join(f"{k}={v:g}" for k, v in params.items())


def _table(results: list[tuple[str, SearchResult]]) -> Styler:
    rows = []
    for label, found in results:
        centres = found.best_packets[found.best_packets[:, 2] > 0]
        rows.append(
            {
                "bank": label,
                "N": SEARCH_LENGTH,
                "J over white noise": found.white_noise,
                "J found": found.best,
                "found / white noise": found.best / found.white_noise,
                "W_(n+1)/W_n of the worst, n = 1..": ", ".join(
                    f"{r:.2e}" for r in found.best_retention
                ),
                "its packets (centre, width)": "; ".join(
                    f"{c:.3f}, {w:.4f}" for c, w in centres[:, :2]
                ),
                "signals tried": found.evaluations,
            }
        )
    formats = {
        "J over white noise": _number(".2e"),
        "J found": _number(".2e"),
        "found / white noise": _number(".1f"),
    }
    return _styled(pd.DataFrame(rows), "worst_case", formats).hide(axis="index")


def _figure(results: list[tuple[str, SearchResult]]) -> Figure:
    """Left: best J per generation (log y), white noise dotted; right: the worst spectra."""
    figure = Figure(figsize=(12, 4.6), layout="constrained")
    history_ax, spectrum_ax = figure.subplots(1, 2)
    freq = np.arange(SEARCH_LENGTH // 2 + 1) / SEARCH_LENGTH
    for b, (label, found) in enumerate(results):
        colour = bank_colour(b)
        steps = np.arange(found.history.size)
        history_ax.plot(steps, found.history, "o-", color=colour, ms=4, label=f"{label}: found")
        history_ax.axhline(found.white_noise, color=colour, ls=":", label=f"{label}: white noise")
        signal = packet_signals(found.best_packets[np.newaxis], SEARCH_LENGTH)[0]
        power = np.abs(np.fft.rfft(signal)) ** 2
        spectrum_ax.plot(freq, power / power.max(), color=colour, label=label)
    history_ax.set_yscale("log")
    history_ax.set_xlabel("generation")
    history_ax.set_ylabel(r"largest $J = \max_{n\geq1} W_{n+1}/W_n$ so far")
    history_ax.grid(True, alpha=0.3, which="both")
    history_ax.legend(fontsize=8)
    spectrum_ax.set_xlabel("frequency (cycles/sample)")
    spectrum_ax.set_ylabel(r"$|\hat f|^2$ of the worst signal found (max = 1)")
    spectrum_ax.grid(True, alpha=0.3)
    spectrum_ax.legend(fontsize=8)
    return figure


def worst_case_section(figures: dict[str, Figure]) -> dict[str, Any]:
    """Run the searches; put their figure in ``figures``; return the section."""
    results = [
        (
            _label(family, params),
            worst_case_search(make_bank(family, SEARCH_LENGTH, **params), SEARCH_DEPTH),
        )
        for family, params in SEARCH_BANKS
    ]
    figures[WORST_CASE_FIGURE] = _figure(results)
    return {"title": TITLE, "text": TEXT, "table": _table(results), "figure": WORST_CASE_FIGURE}
