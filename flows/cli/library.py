"""Commands that run library code in this process, without Prefect: ``banks``, ``show``,
``verify``, ``report``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ._app import app, console, fail


@app.command()
def banks(
    length: Annotated[int, typer.Option(help="Grid length N.")] = 1024,
) -> None:
    """Each family's default bank on a grid of N: filters, Littlewood-Paley bounds, delta."""
    from pipeline.errors import EnergySweepError
    from pipeline.filters import families, make_bank

    table = Table(title=f"filter banks on N = {length}")
    table.add_column("family", no_wrap=True)
    for column in ("K", "parameters", "max |LP-1|", "analytic", "delta"):
        table.add_column(column)
    for family in families(ndim=1):  # the 2-D families are drawn in docs/figures/tiling-*.png
        try:
            bank = make_bank(family, length)
        except EnergySweepError as error:
            fail(error)
        report = bank.check()
        table.add_row(
            family,
            str(bank.n_filters),
            ", ".join(
                f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                for k, v in bank.params.items()
            ),
            f"{max(abs(report.littlewood_paley_min - 1), abs(report.littlewood_paley_max - 1)):.1e}",
            "yes" if report.is_analytic else "no",
            f"{report.high_pass_delta:.5f}",
        )
    console.print(table)


@app.command()
def show(store: Annotated[Path, typer.Argument(help="A sweep's Zarr store.")]) -> None:
    """What a store holds and how complete it is."""
    from pipeline.errors import EnergySweepError
    from pipeline.store import describe

    try:
        info = describe(store)
    except EnergySweepError as error:
        fail(error)
    table = Table(title=str(store), show_header=False)
    for key, value in info.items():
        table.add_row(str(key), str(value))
    console.print(table)


@app.command()
def verify(store: Annotated[Path, typer.Argument(help="A sweep's Zarr store.")]) -> None:
    """Check every completed unit against its data: chunk files, checksums, digest, NaN, energy.

    Prints a one-line summary and one line per bad unit (or schema problem). Exit 0 if the
    store is clean, 1 if any unit or the schema is bad (`energy-sweep run` recomputes bad
    units), 2 if STORE is not an energy-sweep store.
    """
    from pipeline.errors import EnergySweepError
    from pipeline.store import verify_store

    try:
        result = verify_store(store)
    except EnergySweepError as error:
        fail(error)
    console.print(result.summary(), highlight=False, soft_wrap=True)
    for line in result.lines():
        console.print(line, highlight=False, soft_wrap=True)
    if not result.ok:
        raise typer.Exit(code=1)


@app.command()
def report(
    store: Annotated[Path, typer.Argument(help="A sweep's Zarr store, after `energy-sweep fit`.")],
    out: Annotated[
        Path | None,
        typer.Option(help="Folder for report.html and the PNGs (default: <store>_report)."),
    ] = None,
) -> None:
    """Figures (PNG) and one self-contained HTML page of a fitted sweep's store."""
    from pipeline.errors import EnergySweepError
    from pipeline.report import FIGURE_FILES, build_report, default_report_dir

    try:
        page = build_report(store, out if out is not None else default_report_dir(store))
    except EnergySweepError as error:
        fail(error)
    console.print(f"report: {page}", highlight=False, soft_wrap=True)
    for name in FIGURE_FILES:
        console.print(f"figure: {page.parent / name}", highlight=False, soft_wrap=True)
