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
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from ._app import app, console, errors, fail
from .environment import prefect_environment, prefect_server

if TYPE_CHECKING:
    from pipeline.sweep.estimate import CostEstimate


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
    yes: Annotated[
        bool,
        typer.Option(
            "--yes", help="Run even if the cost estimate is above ENERGY_SWEEP_MAX_HOURS / _MEMORY."
        ),
    ] = False,
    verbose: Annotated[
        bool, typer.Option("--verbose", help="Show Prefect's own log lines too.")
    ] = False,
) -> None:
    """Run a sweep: Prefect flow, units on Dask, energies into a Zarr store (resumable).

    Before it starts, the units still to run are costed from a dry run of a few paths (time and
    memory, one line on stderr); above ENERGY_SWEEP_MAX_HOURS (default 1) hours or
    ENERGY_SWEEP_MAX_MEMORY (default 8GB) per unit it refuses unless --yes.

    Exit status: 0 done (or nothing to do), 1 some units failed (one line each), 2 bad input
    (or a cost above the limits), 130 / 143 interrupted by SIGINT (Ctrl-C) / SIGTERM (rerun the
    command to resume).
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
        cluster = cluster_spec(spec.cluster)
        expected = unit_hashes(spec)
        done: set[tuple[int, int]] | None = None
        if not (recompute or overwrite):
            done = finished_units(spec, expected)
            if done is not None and len(done) == len(expected):
                console.print(
                    f"nothing to do: {len(done)} of {len(expected)} units done in {spec.store}",
                    highlight=False,
                    soft_wrap=True,
                )
                return
        estimate = estimate_before_run(spec, done or set(), cluster, yes=yes)
        with (
            signals_interrupt(landed),
            store_lock(spec.store) as lock,  # one run per store, refused before Prefect starts
        ):
            if lock.note:
                errors.print(f"note: {lock.note}", highlight=False, soft_wrap=True)
            errors.print(estimate.line(), highlight=False, markup=False, soft_wrap=True)
            # the store made, grown or refused (one line) before Prefect starts
            before = len(provenance(spec.store))
            create_sweep_store(spec, overwrite=overwrite)
            for entry in provenance(spec.store)[before:]:
                if entry["action"] == "grown":
                    console.print(growth_line(entry), highlight=False, soft_wrap=True)
            with (
                prefect_output(verbose=verbose),
                prefect_environment(),
                prefect_server(),
                ProgressBar(
                    "units",
                    errors,
                    transient=False,
                    unit_costs=estimate.unit_seconds,
                    expected_seconds=estimate.wall_seconds,
                ) as advance,
            ):
                from flows.sweep import sweep

                quiet_signal_crashes()
                state = sweep(
                    str(config),
                    store=store,
                    workers=workers,
                    scheduler=scheduler,
                    recompute=recompute,
                    progress=announcing_dashboard(advance),
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


#: Environment variables of the cost limits of ``run`` and their defaults.
MAX_HOURS_VARIABLE, MAX_HOURS_DEFAULT = "ENERGY_SWEEP_MAX_HOURS", "1"
MAX_MEMORY_VARIABLE, MAX_MEMORY_DEFAULT = "ENERGY_SWEEP_MAX_MEMORY", "8GB"


def estimate_before_run(
    spec: Any, done: set[tuple[int, int]], cluster: Any, *, yes: bool
) -> CostEstimate:
    """Cost the units of ``spec`` not in ``done`` (:mod:`pipeline.sweep.estimate`) and refuse
    (``ConfigError``, one line) above the limits (:func:`cost_limits`) unless ``yes``. ``run``
    prints the estimate's line once it holds the store's lock (so that a refusal, of the cost
    or of the lock, stays one line)."""
    from pipeline.sweep.estimate import check_cost, estimate_cost

    pending = [unit for unit in spec.work_units() if (unit.bank, unit.chunk) not in done]
    try:
        estimate = estimate_cost(spec, pending, threads=cluster_threads(cluster))
    except KeyboardInterrupt:
        errors.print("interrupted (SIGINT) while estimating the cost: nothing was written")
        raise typer.Exit(code=130) from None
    if not yes:
        check_cost(estimate, *cost_limits())
    return estimate


def cost_limits() -> tuple[float, int]:
    """Hours of wall time and bytes per unit above which ``run`` asks for ``--yes``, from
    :data:`MAX_HOURS_VARIABLE` and :data:`MAX_MEMORY_VARIABLE`; a bad value is a one-line
    ``ConfigError`` naming the variable."""
    import os

    from dask.utils import parse_bytes

    from pipeline.errors import ConfigError

    hours_text = os.environ.get(MAX_HOURS_VARIABLE, MAX_HOURS_DEFAULT)
    memory_text = os.environ.get(MAX_MEMORY_VARIABLE, MAX_MEMORY_DEFAULT)
    try:
        hours = float(hours_text)
        if not hours > 0:
            raise ValueError
    except ValueError:
        raise ConfigError.for_field(
            MAX_HOURS_VARIABLE, hours_text, "must be a number of hours > 0, e.g. 2.5"
        ) from None
    try:
        memory = int(parse_bytes(memory_text))
    except (ValueError, TypeError):
        raise ConfigError.for_field(
            MAX_MEMORY_VARIABLE, memory_text, "must be a size with a unit, e.g. 16GB"
        ) from None
    return hours, memory


def cluster_threads(cluster: Any) -> int | None:
    """Threads the cluster will run units on, where the config says (local: workers x threads;
    slurm: jobs x cores; kubernetes: workers); None for an existing scheduler."""
    kind = getattr(cluster, "kind", None)
    if kind == "local":
        return int(cluster.workers * cluster.threads_per_worker)
    if kind == "slurm":
        return int(cluster.jobs * cluster.cores)
    if kind == "kubernetes":
        return int(cluster.workers)
    return None


@contextmanager
def prefect_output(*, verbose: bool) -> Iterator[None]:
    """For the block: no Prefect analytics notice or events (``DO_NOT_TRACK=1``: Prefect's client
    shows its notice on a terminal's first import despite the server's opt-out); unless
    ``verbose``, Prefect's log lines on the terminal only at WARNING and above (the API, and so
    the Prefect UI, still gets every line) and Dask's only at ERROR (its workers' shutdown
    warnings are noise to a user). Values already in the environment win."""
    import logging
    import os

    wanted = {"DO_NOT_TRACK": "1"}
    if not verbose:
        wanted["PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL"] = "WARNING"
        wanted["DASK_LOGGING__DISTRIBUTED"] = "error"  # worker processes read it at start
    added = [name for name in wanted if name not in os.environ]
    for name in added:
        os.environ[name] = wanted[name]
    dask_logger = logging.getLogger("distributed")
    level = dask_logger.level
    if not verbose:
        dask_logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        dask_logger.setLevel(level)
        for name in added:
            os.environ.pop(name, None)


def announcing_dashboard(advance: Callable[[int, int], None]) -> Callable[[int, int], None]:
    """``advance`` that first prints the Dask dashboard's link (one line on stderr) when the
    flow reports its first progress, from the client the flow made (Dask's default client)."""
    shown = False

    def progress(done: int, total: int) -> None:
        nonlocal shown
        if not shown:
            shown = True
            link = dashboard_link()
            if link:
                errors.print(f"Dask dashboard: {link}", highlight=False, soft_wrap=True)
        advance(done, total)

    return progress


def dashboard_link() -> str | None:
    """The dashboard link of this process's default Dask client, if there is one."""
    try:
        from distributed import default_client

        return str(default_client().dashboard_link) or None
    except Exception:
        return None


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
    verbose: Annotated[
        bool, typer.Option("--verbose", help="Show Prefect's own log lines too.")
    ] = False,
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
        with (
            signals_interrupt(stopped),
            prefect_output(verbose=verbose),
            prefect_environment(),
            prefect_server(),
        ):
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
        "fits on layers n >= 2 (>= 4 resolved), pooled over the signals fitted in every bank; "
        "model by summed AIC; local rate: the deepest resolved log(W_n/W_(n+1)), mean over the "
        "signals \\[smallest, largest], slack included; curves whose W_n exceeds the paper's bound "
        "(A) or (B)",
    )
    for column in ("bank", "log a [95% CI]", "a", "beta", "model", "curves", "local rate",
                   "over (A)", "over (B)", "bounds that hold"):  # fmt: skip
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
            _local_rate_cell(row.get("local_rate")),
            str(row["violations_general"]),
            str(row["violations_exponential"]),
            row["theorem"],
        )
    return table


def _local_rate_cell(local: tuple[int, float, float, float] | None) -> str:
    """``n=3: 3.92 [3.55, 4.27]``, or ``-`` where no local rate is resolved."""
    if local is None:
        return "-"
    n, mean, lowest, highest = local
    return f"n={n}: {mean:.3g} [{lowest:.3g}, {highest:.3g}]"
