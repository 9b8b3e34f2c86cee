"""``energy-sweep report STORE``: summaries → figures and tables → one page, written atomically."""

from __future__ import annotations

import os
from pathlib import Path

from ..store import StorePath, open_fits
from .figures import plot_bound_ratios, plot_decay, plot_exponents, plot_layers_needed, png_bytes
from .images_section import add_images_section
from .page import render_html, write_report_files
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

__all__ = ["build_report", "default_report_dir"]


def default_report_dir(store: StorePath) -> Path:
    """``<store parent>/<store name without .zarr>_report``, the CLI's default folder."""
    path = Path(os.fspath(store))
    name = path.name if path.name else path.resolve().name
    return path.parent / f"{name.removesuffix('.zarr')}_report"


def build_report(store: StorePath, out_dir: StorePath) -> Path:
    """Write the report of a fitted sweep: four PNGs and one self-contained ``report.html``.

    Parameters
    ----------
    store
        a sweep's Zarr store on which ``energy-sweep fit`` has run.
    out_dir
        folder for the files (created with its parents); files of an earlier report there are
        replaced, other files are left alone.

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
    figures = {
        "decay.png": plot_decay(decay, banks),
        "exponents.png": plot_exponents(pooled, banks, scale_axes(dataset, banks)),
        "layers_needed.png": plot_layers_needed(layers, banks, depth),
        "bound_ratios.png": plot_bound_ratios(ratios, banks, depth),
    }
    images = {name: png_bytes(figure) for name, figure in figures.items()}
    origin = provenance(store, dataset, fits_attrs, ratios)
    tables = {
        "banks": bank_table(pooled, banks, int(dataset.sizes["signal"])),
        "layers": layers_needed_table(layers, banks, depth),
        "violations": violation_table(ratios, banks),
        "provenance": provenance_table(origin),
    }
    page = render_html(images, tables, origin, unexplained=int(ratios["unexplained"].sum()))
    page = add_images_section(page, images, dataset, banks)  # 2-D sweeps only
    return write_report_files(Path(os.fspath(out_dir)), images, page.encode("utf-8"))
