"""Commands that run a Prefect flow: ``run`` (the sweep) and ``fit`` (the aggregation).

Prefect and the flow modules are imported inside the commands, after the input has been
validated and inside :func:`~flows.cli.environment.prefect_environment`, so that every other
command starts without them and bad input is refused before anything starts.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from ._app import app, console, errors, fail
from .environment import prefect_environment


@app.command()
def run(
    config: Annotated[Path, typer.Argument(help="YAML sweep spec, e.g. configs/quickstart.yaml.")],
    store: Annotated[
        str | None, typer.Option(help="Zarr store path (overrides the config).")
    ] = None,
    workers: Annotated[int | None, typer.Option(help="Local Dask worker processes.")] = None,
    scheduler: Annotated[
        str | None, typer.Option(help="Address of a running Dask scheduler (tcp://host:8786).")
    ] = None,
    recompute: Annotated[bool, typer.Option(help="Recompute every unit.")] = False,
    overwrite: Annotated[bool, typer.Option(help="Recreate the store from scratch.")] = False,
) -> None:
    """Run a sweep: Prefect flow, units on Dask, energies into a Zarr store (resumable)."""
    from flows.clusters import cluster_spec
    from pipeline.errors import EnergySweepError
    from pipeline.sweep import load_config

    from .progress import ProgressBar

    try:
        # validate everything, the cluster section included, before Prefect or Dask start
        spec = load_config(config, store=store, workers=workers, scheduler=scheduler)
        cluster_spec(spec.cluster)
        with prefect_environment():
            from flows.sweep import sweep

            with ProgressBar("units", errors, transient=False) as advance:
                summary = sweep(
                    str(config),
                    store=store,
                    workers=workers,
                    scheduler=scheduler,
                    recompute=recompute,
                    overwrite=overwrite,
                    progress=advance,
                )
    except EnergySweepError as error:
        fail(error)
    efficiency = summary.get("efficiency")
    console.print(
        f"units: {summary['done']} done, {summary['skipped']} skipped, "
        f"{len(summary['failed'])} failed (of {summary['units']}); "
        f"wall {summary['flow_seconds']:.1f} s"
        + (f", Dask threads busy {100 * efficiency:.0f}%" if efficiency else "")
    )
    for failure in summary["failed"]:
        errors.print(f"  unit bank={failure['bank']} chunk={failure['chunk']}: {failure['error']}")
    console.print(
        f"results: {summary['store']}\n"
        f"open with: python -c \"import xarray as xr; print(xr.open_zarr('{summary['store']}'))\""
    )
    if summary["failed"]:
        raise typer.Exit(code=1)


@app.command()
def fit(
    store: Annotated[Path, typer.Argument(help="A sweep's Zarr store.")],
    replicates: Annotated[
        int, typer.Option(help="Bootstrap replicates of the pooled fits.")
    ] = 1000,
    seed: Annotated[int, typer.Option(help="Seed of the bootstrap weights.")] = 0,
    scheduler: Annotated[
        str | None,
        typer.Option(help="Address of a running Dask scheduler (default: threads here)."),
    ] = None,
) -> None:
    """Fit decay per curve and pooled per bank, check the paper's bounds; write the fits group."""
    from pipeline.errors import EnergySweepError
    from pipeline.store import describe

    try:
        describe(store)  # one of our stores, before starting Prefect
        with prefect_environment():
            from flows.aggregate import aggregate

            rows = aggregate(str(store), replicates=replicates, seed=seed, scheduler=scheduler)
    except EnergySweepError as error:
        fail(error)
    console.print(fits_table(store, rows))
    unexplained = sum(row["unexplained"] for row in rows)
    if unexplained:
        errors.print(
            f"[red]{unexplained} curves exceed a bound on banks that meet its hypotheses[/red]"
        )
    console.print(f"open with: pipeline.store.open_results('{store}')")


def fits_table(store: Path, rows: list[dict[str, Any]]) -> Table:
    """The fit flow's summary rows as a table, one row per bank."""
    table = Table(
        title=f"decay per bank, pooled over signals — {store} (group 'fits')",
        caption="W_n ~ C_i a^-n (log a per layer, 95% bootstrap interval) or W_n ~ C_i n^-beta; "
        "model by pooled RSS; curves whose W_n exceeds the paper's bound (A) or (B)",
    )
    for column in ("bank", "log a [95% CI]", "a", "beta", "model", "curves", "over (A)",
                   "over (B)", "hypotheses failed"):  # fmt: skip
        table.add_column(column, justify="left" if column in ("bank", "model") else "right")
    for row in rows:
        rate = row["exp_rate"]
        table.add_row(
            row["bank"],
            f"{rate:.3f} [{row['exp_rate_lower']:.3f}, {row['exp_rate_upper']:.3f}]",
            f"{math.exp(rate):.3g}" if rate == rate else "nan",
            f"{row['poly_exponent']:.3f}",
            row["model"],
            f"{row['curves']}/{row['signals']}",
            str(row["violations_general"]),
            str(row["violations_exponential"]),
            ", ".join(row["hypotheses_failed"]) or "none",
        )
    return table
