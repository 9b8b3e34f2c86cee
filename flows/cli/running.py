"""Commands that run a Prefect flow: ``run`` (the sweep) and ``fit`` (the aggregation).

Prefect and the flow modules are imported inside the commands, after the input has been
validated and inside :func:`~flows.cli.environment.prefect_environment`, so that every other
command starts without them and bad input is refused before anything starts. A ``run`` with
nothing left to do says so from the store alone, without Prefect. Both commands start their own
temporary Prefect server (:func:`~flows.cli.environment.prefect_server`) and stop in order on
SIGINT or SIGTERM (:mod:`~flows.cli.interrupts`): one line, status 130 or 143, nothing left
running.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from ._app import app, console, errors, fail
from .environment import prefect_environment, prefect_server


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
    """Run a sweep: Prefect flow, units on Dask, energies into a Zarr store (resumable).

    Exit status: 0 done (or nothing to do), 1 some units failed (one line each), 2 bad input,
    130 / 143 interrupted by SIGINT (Ctrl-C) / SIGTERM (rerun the command to resume).
    """
    from flows.clusters import cluster_spec
    from pipeline.errors import EnergySweepError
    from pipeline.store import growth_line, provenance, store_lock
    from pipeline.sweep import create_sweep_store, load_config

    from .interrupts import Interrupted, quiet_signal_crashes, reap_children, signals_interrupt
    from .progress import ProgressBar

    def landed(interrupted: Interrupted) -> None:
        done = finished_units(spec, expected, verify=False)
        errors.print(
            f"interrupted ({interrupted}): {len(done or ())} of {len(expected)} units landed in "
            f"{spec.store}; rerun the same command to resume",
            highlight=False,
            soft_wrap=True,
        )

    try:
        # validate everything, the cluster section included, before Prefect or Dask start
        spec = load_config(config, store=store, workers=workers, scheduler=scheduler)
        cluster_spec(spec.cluster)
        expected = unit_hashes(spec)
        if not (recompute or overwrite):
            done = finished_units(spec, expected)
            if done is not None and len(done) == len(expected):
                console.print(
                    f"nothing to do: {len(done)} of {len(expected)} units done in {spec.store}",
                    highlight=False,
                    soft_wrap=True,
                )
                return
        with (
            signals_interrupt(landed),
            store_lock(spec.store) as lock,  # one run per store, refused before Prefect starts
        ):
            if lock.note:
                errors.print(f"note: {lock.note}", highlight=False, soft_wrap=True)
            # the store made, grown or refused (one line) before Prefect starts
            before = len(provenance(spec.store))
            create_sweep_store(spec, overwrite=overwrite)
            for entry in provenance(spec.store)[before:]:
                if entry["action"] == "grown":
                    console.print(growth_line(entry), highlight=False, soft_wrap=True)
            with (
                prefect_environment(),
                prefect_server(),
                ProgressBar("units", errors, transient=False) as advance,
            ):
                from flows.sweep import sweep

                quiet_signal_crashes()
                state = sweep(
                    str(config),
                    store=store,
                    workers=workers,
                    scheduler=scheduler,
                    recompute=recompute,
                    progress=advance,
                    return_state=True,
                )
                summary = state.result(raise_on_failure=False)
    except EnergySweepError as error:
        fail(error)
    except Interrupted as interrupted:
        reap_children()
        landed(interrupted)
        raise typer.Exit(code=interrupted.exit_code) from None
    if isinstance(summary, BaseException):  # the flow itself raised (not a unit)
        raise summary
    efficiency = summary.get("efficiency")
    console.print(
        f"units: {summary['done']} done, {summary['skipped']} skipped, "
        f"{len(summary['failed'])} failed (of {summary['units']}); "
        f"wall {summary['flow_seconds']:.1f} s"
        + (f", Dask threads busy {100 * efficiency:.0f}%" if efficiency else ""),
        highlight=False,
    )
    for failure in summary["failed"]:
        errors.print(f"  {failure_line(failure)}", highlight=False, soft_wrap=True)
    console.print(
        f"results: {summary['store']}\n"
        f"open with: python -c \"import xarray as xr; print(xr.open_zarr('{summary['store']}'))\"",
        highlight=False,
        soft_wrap=True,
    )
    if summary["failed"]:
        raise typer.Exit(code=1)


def unit_hashes(spec: Any) -> dict[tuple[int, int], int]:
    """Every unit ``(bank, chunk)`` of a loaded sweep config with the hash its record must hold
    (as the flow's ``plan_units`` computes them)."""
    return {(unit.bank, unit.chunk): spec.unit_hash(unit) for unit in spec.work_units()}


def finished_units(
    spec: Any, expected: Mapping[tuple[int, int], int], *, verify: bool = True
) -> set[tuple[int, int]] | None:
    """The units of ``spec`` done in its store, or ``None`` when there is no such store yet
    (absent, unreadable, or made for another config: the flow then creates it or refuses in its
    own words). Done: recorded under their ``expected`` hash and, with ``verify``, not bad by
    :func:`pipeline.store.verify_store`, as the flow's ``plan_units`` counts them. The store is
    verified only when every unit is recorded: only then could the run be a no-op, and otherwise
    the flow verifies it anyway. Reads the store only: no Prefect."""
    import zarr

    from pipeline.store import completed_units, sound_units

    try:
        if zarr.open_group(spec.store, mode="r").attrs.get("computation_hash") != (
            spec.computation_hash()
        ):
            return None
        recorded = completed_units(spec.store, expected)
        if not verify or len(recorded) < len(expected):
            return recorded
        return sound_units(spec.store, expected)
    except Exception:
        return None


def failure_line(failure: dict[str, Any]) -> str:
    """One line naming a failed unit: bank, chunk, its rows of the signal axis, the error."""
    rows = f" (signals {failure['start']}..{failure['stop'] - 1})" if "start" in failure else ""
    runs = f" after {failure['attempts']} run(s)" if "attempts" in failure else ""
    return f"unit bank={failure['bank']} chunk={failure['chunk']}{rows} failed{runs}: {failure['error']}"


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
    """Fit decay per curve and pooled per bank, check the paper's bounds; write the fits group.

    The store is verified first (``energy-sweep verify``): bad units are refused, an incomplete
    store is fitted with a warning saying how many units the fits cover.
    """
    from pipeline.errors import EnergySweepError

    from .interrupts import Interrupted, quiet_signal_crashes, reap_children, signals_interrupt

    def stopped(interrupted: Interrupted) -> None:
        errors.print(
            f"interrupted ({interrupted}): the fits of {store} may be missing or partial; "
            "rerun the same command to write them",
            highlight=False,
            soft_wrap=True,
        )

    try:
        check_fittable(store)  # one of our stores, sound, before starting Prefect
        with signals_interrupt(stopped), prefect_environment(), prefect_server():
            from flows.aggregate import aggregate

            quiet_signal_crashes()
            rows = aggregate(str(store), replicates=replicates, seed=seed, scheduler=scheduler)
    except EnergySweepError as error:
        fail(error)
    except Interrupted as interrupted:
        reap_children()
        stopped(interrupted)
        raise typer.Exit(code=interrupted.exit_code) from None
    console.print(fits_table(store, rows))
    unexplained = sum(row["unexplained"] for row in rows)
    if unexplained:
        errors.print(
            f"[red]{unexplained} curves exceed a bound on banks that meet its hypotheses[/red]"
        )
    console.print(f"open with: pipeline.store.open_results('{store}')")


def check_fittable(store: Path) -> None:
    """Refuse a store with bad or no completed units; warn (one line) on an incomplete one."""
    from pipeline.errors import StoreError
    from pipeline.store import verify_store

    report = verify_store(store)
    if report.bad_units:
        raise StoreError(
            f"store {store} has {len(report.bad_units)} bad unit(s), first "
            f"{report.bad_units[0].line()}; `energy-sweep verify {store}` lists them and rerunning "
            "the sweep recomputes them"
        )
    if report.units_recorded == 0:
        raise StoreError(f"store {store} has no completed unit yet: nothing to fit")
    for problem in report.problems:
        errors.print(f"[yellow]warning:[/yellow] {escape(problem)}", soft_wrap=True)
    if report.units_recorded < report.units_total:
        errors.print(
            f"[yellow]warning:[/yellow] {store} holds {report.units_recorded} of "
            f"{report.units_total} units: the fits cover only those (rerun the sweep to complete "
            "it, then fit again)",
            soft_wrap=True,
        )


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
