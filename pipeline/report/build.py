"""``energy-sweep report STORE``: summaries → figures and tables → one page, written atomically."""

from __future__ import annotations

import os
from pathlib import Path

from ..analysis.pooled import ALL_SIGNALS
from ..store import StorePath, open_fits
from .figures import plot_bound_ratios, plot_decay, plot_exponents, plot_layers_needed, png_bytes
from .figures.local_rates import plot_local_rates
from .figures.rate_vs_a import plot_rate_vs_a
from .images_section import add_images_section
from .n_scaling_section import scaling_section
from .page import render_html, write_report_files
from .regimes import (
    class_table,
    derived_rate_table,
    local_rate_summary,
    measured_vs_derived,
    regime_table,
)
from .summaries import (
    bank_info,
    bound_ratio_summary,
    decay_summary,
    layers_needed_summary,
    open_report_data,
    pooled_summary,
    provenance,
    scale_axes,
)
from .tables import bank_table, layers_needed_table, provenance_table, violation_table
from .worst_case_section import worst_case_section

__all__ = ["SECTIONS", "build_report", "default_report_dir"]

#: Section (iii)'s figure.
RATE_FIGURE = "rate_vs_a.png"

#: Sections after the bank table: (title, claim and how to read it, table maker, figure file or
#: None). A section is one entry here; its maker takes (local-rate summary, pooled summary, bank
#: info); its figure is made in :func:`build_report` and shown under the table.
SECTIONS = (
    (
        "Regimes: decay per layer, per bank",
        "The primary quantity is the local rate log(W_n/W_(n+1)) (docs/theory.md §10), shown "
        "per layer in local_rates.png. (i) Weyl–Heisenberg (gabor): the largest rates and the "
        "smallest sup over signals of W_(n+1)/W_n: fast and uniform over signals (Czaja & Li, "
        "docs/theory.md §9). (ii) Wavelets (meyer, morlet): exponential but slower, with rates "
        "that rise with n and depend on the signal. (v) real_wavelet fails analyticity: no bound "
        "is guaranteed and it decays slower. Every bank that meets the hypotheses has (B) with "
        "its derived a on this grid (ρ ≤ 1/(2δ)), the random “general” banks included; the "
        "measured rates are far above log a. Fitted log a: mean over the signals fitted in "
        "every bank of each curve's rate on layers n ≥ 2, interval over signals and budget.",
        lambda rates, pooled, banks: regime_table(rates, pooled, banks),
        None,
    ),
    (
        "Regimes (iii): measured rate against the derived a",
        "Bound (B) guarantees the rate log a for band-limited inputs, with a = (ρ+1)/(ρ−1) "
        "derived from each bank's largest band-edge ratio ρ (docs/theory.md §6; a = 1 + δ/R "
        "for a Weyl–Heisenberg band [δ, δ + 2R]). The paper sweep varies δ/R (gabor δ = 1/64 … "
        "1/8 at R = 1/16) and ρ (meyer dilation 2 and 3). Measured: the local rate "
        "log(W_n/W_(n+1)), mean over all signals and resolved layers n ≥ 2, with its range "
        "over signals and layers (slack included). A bank above the diagonal of rate_vs_a.png "
        "decays faster than its guarantee; how much faster is the column measured / derived.",
        derived_rate_table,
        RATE_FIGURE,
    ),
    (
        "Regimes: Sobolev and band-limited classes",
        "(vi) Per Sobolev order s and per band limit: the mean local rate over layers n ≥ 2 "
        "(every signal of the pool), the fitted log a (only signals fitted in every bank: "
        "missing where a bank cannot fit that class, see pooled_note), the derived log a "
        "and, for Sobolev inputs, (2s/(2s+1)) log a, the rate the corollary of (B) guarantees "
        "(docs/theory.md §6). Smooth signals keep their energy near 0 frequency, which the "
        "low-pass collects early: they decay faster than white noise, not slower.",
        lambda rates, pooled, banks: class_table(rates, pooled, banks),
        None,
    ),
)


def default_report_dir(store: StorePath) -> Path:
    """``<store parent>/<store name without .zarr>_report``, the CLI's default folder."""
    path = Path(os.fspath(store))
    name = path.name if path.name else path.resolve().name
    return path.parent / f"{name.removesuffix('.zarr')}_report"


def build_report(store: StorePath, out_dir: StorePath, *, scans: bool = False) -> Path:
    """Write the report of a fitted sweep: four PNGs and one self-contained ``report.html``.

    Parameters
    ----------
    store
        a sweep's Zarr store on which ``energy-sweep fit`` has run.
    out_dir
        folder for the files (created with its parents); files of an earlier report there are
        replaced, other files are left alone.
    scans
        also run the small computations that do not read the store and add their sections
        and figures: the worst-case signal search of section (i)
        (:mod:`pipeline.report.worst_case_section`) and the scan over N of section (iv)
        (:mod:`pipeline.report.n_scaling_section`); about a minute on one core.

    Returns
    -------
    pathlib.Path
        the HTML page; the PNGs (:data:`pipeline.report.FIGURE_FILES`) lie beside it.

    Raises
    ------
    StoreError
        when ``store`` is missing or not an energy-sweep store.
    FitsMissingError
        when the store has no fits (run ``energy-sweep fit STORE`` first).
    ReportError
        when ``out_dir`` cannot be written.

    Notes
    -----
    Everything is rendered in memory before the first file is written; each file is written
    under a temporary name and renamed into place, ``report.html`` last, so a failure never
    leaves a partial page.
    """
    dataset = open_report_data(store)
    fits_attrs = dict(open_fits(store).attrs)  # open_results keeps the root attributes only
    banks = bank_info(dataset)
    depth = int(dataset.sizes["layer"]) - 1
    decay = decay_summary(dataset)
    pooled = pooled_summary(dataset)
    layers = layers_needed_summary(dataset)
    ratios = bound_ratio_summary(dataset)
    rates = local_rate_summary(dataset)
    figures = {
        "decay.png": plot_decay(decay, banks),
        "exponents.png": plot_exponents(pooled, banks, scale_axes(dataset, banks)),
        "layers_needed.png": plot_layers_needed(layers, banks, depth),
        "bound_ratios.png": plot_bound_ratios(ratios, banks, depth),
    }
    sections = []
    if rates is not None:
        figures["local_rates.png"] = plot_local_rates(rates.sel(pool=ALL_SIGNALS), banks)
        figures[RATE_FIGURE] = plot_rate_vs_a(measured_vs_derived(rates), banks)
        sections = [
            {"title": title, "text": text, "table": make(rates, pooled, banks)}
            | ({"figure": figure} if figure else {})
            for title, text, make, figure in SECTIONS
        ]
    if scans:
        sections += [worst_case_section(figures), scaling_section(figures)]
    images = {name: png_bytes(figure) for name, figure in figures.items()}
    origin = provenance(store, dataset, fits_attrs, ratios)
    tables = {
        "banks": bank_table(pooled, banks, int(dataset.sizes["signal"])),
        "layers": layers_needed_table(layers, banks, depth),
        "violations": violation_table(ratios, banks),
        "provenance": provenance_table(origin),
    }
    unexplained = int(ratios["unexplained"].sum())
    page = render_html(images, tables, origin, unexplained=unexplained, sections=sections)
    page = add_images_section(page, images, dataset, banks)  # 2-D sweeps only
    return write_report_files(Path(os.fspath(out_dir)), images, page.encode("utf-8"))
