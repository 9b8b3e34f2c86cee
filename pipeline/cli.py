"""The ``energy-sweep`` command line."""

from __future__ import annotations

import math
import shutil
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from .errors import EnergySweepError

app = typer.Typer(
    help="Energy propagation in deep scattering networks (Wiatowski, Grohs & Bölcskei 2018).",
    no_args_is_help=True,
    add_completion=False,
)
console = Console()
errors = Console(stderr=True)


def _fail(error: Exception) -> None:
    errors.print(f"[red]error:[/red] {error}", highlight=False, soft_wrap=True)  # one line
    raise typer.Exit(code=2)


@app.command()
def demo(
    out: Annotated[Path, typer.Option(help="Folder for the store and the figure.")] = Path(
        "results/demo"
    ),
    depth: Annotated[int, typer.Option(help="Deepest layer N.")] = 10,
    budget: Annotated[float, typer.Option(help="Pruning budget, fraction of ||f||^2.")] = 1e-4,
) -> None:
    """W_n/||f||^2 per layer for a real ECG record and white noise through morlet, meyer, gabor."""
    from .demo import DEMO_FAMILIES, plot_decay, relative_energy, run_demo, write_zarr

    start = time.perf_counter()
    try:
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("propagating", total=len(DEMO_FAMILIES))
            result = run_demo(depth, budget, on_bank_done=lambda _: progress.advance(task))
    except EnergySweepError as error:
        _fail(error)
    relative = relative_energy(result)
    for i, signal_class in enumerate(result.signal_class.values):
        table = Table(title=f"W_n / ||f||^2 — {signal_class} ({result.dataset.values[i]})")
        table.add_column("layer n", justify="right")
        for family in result.family.values:
            table.add_column(f"{family}", justify="right")
            table.add_column("slack", justify="right", style="dim")
        for n in result.layer.values:
            cells = [str(n)]
            for b in range(result.sizes["bank"]):
                point = relative.isel(bank=b, signal=i).sel(layer=n)
                cells += [f"{float(point.propagated):.3e}", f"{float(point.slack):.1e}"]
            table.add_row(*cells)
        console.print(table)
    out.mkdir(parents=True, exist_ok=True)
    store = out / "energies.zarr"
    if store.exists():
        shutil.rmtree(store)
    write_zarr(result, store)
    figure = plot_decay(result, out / "decay.png")
    console.print(
        f"done in {time.perf_counter() - start:.1f} s; true W_n lies in [W_n, W_n + slack].\n"
        f"results: {store}  (xarray.open_zarr)\nfigure:  {figure}"
    )


@app.command()
def banks(
    length: Annotated[int, typer.Option(help="Grid length N.")] = 1024,
) -> None:
    """Each family's default bank on a grid of N: filters, Littlewood-Paley bounds, delta."""
    from .filters import families, make_bank

    table = Table(title=f"filter banks on N = {length}")
    table.add_column("family", no_wrap=True)
    for column in ("K", "parameters", "max |LP-1|", "analytic", "delta"):
        table.add_column(column)
    for family in families():
        try:
            bank = make_bank(family, length)
        except EnergySweepError as error:
            _fail(error)
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
    from .sweep import load_config

    try:
        # validate everything before starting Prefect or Dask, so bad input touches nothing
        load_config(config, store=store, workers=workers, scheduler=scheduler)
    except EnergySweepError as error:
        _fail(error)
    from flows.sweep import sweep

    try:
        summary = sweep(
            str(config),
            store=store,
            workers=workers,
            scheduler=scheduler,
            recompute=recompute,
            overwrite=overwrite,
            show_progress=True,
        )
    except EnergySweepError as error:
        _fail(error)
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
    from .store import describe

    try:
        describe(store)  # one of our stores, before starting Prefect
    except EnergySweepError as error:
        _fail(error)
    from flows.aggregate import aggregate

    try:
        rows = aggregate(str(store), replicates=replicates, seed=seed, scheduler=scheduler)
    except EnergySweepError as error:
        _fail(error)
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
    console.print(table)
    unexplained = sum(row["unexplained"] for row in rows)
    if unexplained:
        errors.print(
            f"[red]{unexplained} curves exceed a bound on banks that meet its hypotheses[/red]"
        )
    console.print(f"open with: pipeline.store.open_results('{store}')")


@app.command()
def report(
    store: Annotated[Path, typer.Argument(help="A sweep's Zarr store, after `energy-sweep fit`.")],
    out: Annotated[
        Path | None,
        typer.Option(help="Folder for report.html and the PNGs (default: <store>_report)."),
    ] = None,
) -> None:
    """Figures (PNG) and one self-contained HTML page of a fitted sweep's store."""
    from .report import FIGURE_FILES, build_report, default_report_dir

    try:
        page = build_report(store, out if out is not None else default_report_dir(store))
    except EnergySweepError as error:
        _fail(error)
    console.print(f"report: {page}", highlight=False, soft_wrap=True)
    for name in FIGURE_FILES:
        console.print(f"figure: {page.parent / name}", highlight=False, soft_wrap=True)


@app.command()
def show(store: Annotated[Path, typer.Argument(help="A sweep's Zarr store.")]) -> None:
    """What a store holds and how complete it is."""
    from .store import describe

    try:
        info = describe(store)
    except EnergySweepError as error:
        _fail(error)
    table = Table(title=str(store), show_header=False)
    for key, value in info.items():
        table.add_row(str(key), str(value))
    console.print(table)


@app.command()
def plan(
    family: Annotated[
        str | None, typer.Option(help="Filter family (see `energy-sweep banks`).")
    ] = None,
    param: Annotated[
        list[str] | None,
        typer.Option(help="Family parameter name=value (int, float, else text); repeatable."),
    ] = None,
    epsilon: Annotated[
        list[str] | None,
        typer.Option(help="Energy fraction left out, in (0, 1); repeatable (0.01 -> 99%)."),
    ] = None,
    bandwidth: Annotated[
        float | None,
        typer.Option(help="Band limit L of the inputs, in (0, 0.5] cycles/sample."),
    ] = None,
    data: Annotated[
        Path | None,
        typer.Option(help="A sweep's Zarr store: L per signal, and empirical layer counts."),
    ] = None,
    length: Annotated[
        int | None,
        typer.Option(help="Grid length N of the bank (default 1024; the store's with --data)."),
    ] = None,
    l: Annotated[  # noqa: E741
        float, typer.Option("--l", help="Window order l >= 1 of the bounds (THEORY.md §3).")
    ] = 1.0,
) -> None:
    """Layers needed for (1-eps) of the energy: paper's worst case (THEORY.md §8) and empirical."""
    from rich import box as rich_box

    from .errors import InvalidParameterError
    from .filters import families
    from .planning import format_count, parse_params, plan_header, plan_layers, summarise

    try:
        if family is None:
            raise InvalidParameterError("--family", None, f"required: {', '.join(families())}")
        params = parse_params(param or [])
    except EnergySweepError as error:
        _fail(error)
    # the bar starts with the first signal chunk, so that bad input prints nothing but the error
    progress = Progress(console=console, transient=True)
    tasks: list = []

    def advance(done: int, total: int) -> None:
        if not tasks:
            progress.start()
            tasks.append(progress.add_task("signal chunks", total=total))
        progress.update(tasks[0], completed=done)

    try:
        result = plan_layers(
            family,
            params,
            epsilon or [],
            length=length,
            bandwidth=bandwidth,
            data=data,
            l=l,
            progress=advance,
        )
    except EnergySweepError as error:
        if tasks:
            progress.stop()
        _fail(error)
    if tasks:
        progress.stop()
    rows = summarise(result)
    attrs = result.attrs
    per_signal = "signal" in result.dims
    depth = attrs.get("depth")
    for line in plan_header(result):
        console.print(line, highlight=False)
    derived = f"{attrs['decay_base']:.4g}" if math.isfinite(attrs["decay_base"]) else "n/a"
    columns = ["eps", "1-eps", "L max" if per_signal else "L", "worst\nexp", "worst\ngen"]
    legend = [
        f"worst exp: Theorem B with derived a = {derived}",
        "worst gen: Theorem A, alpha = 1",
    ]
    recalled = "worst_case_recalled" in result
    if recalled:
        info = result["worst_case_recalled"].attrs
        columns.append(f"[R]\na={info['decay_base']:.3g}")
        legend.append(f"[R]: recalled a of the paper ({info['filter_class']}), extra info only")
    legend.append("n/a: a hypothesis fails or a is not derived")
    if per_signal:
        columns += ["emp\nmedian", "emp\np90", "emp\nmax", "not\nreached"]
        legend += [
            "worst: max over signals, (median) below",
            f"emp: observed N over the signals, >={depth}: not reached within the depth",
        ]
    table = Table(
        title="N with sum_{n<=N} F_n >= (1-eps)||f||^2",
        caption="; ".join(legend),
        box=rich_box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
    )
    for column in columns:
        table.add_column(column, justify="right")

    def worst(row: dict, name: str) -> str:
        text = format_count(row[name])
        if per_signal and text != "n/a":
            text += f"\n({format_count(row[name + '_median'])})"
        return text

    for row in rows:
        cells = [f"{row['epsilon']:g}", f"{row['energy_fraction']:g}", f"{row['bandwidth']:.4g}"]
        cells += [worst(row, "worst_case_exponential"), worst(row, "worst_case_general")]
        if recalled:
            cells.append(worst(row, "worst_case_recalled"))
        if per_signal:
            cells += [
                format_count(row[key], depth)
                for key in ("empirical_median", "empirical_p90", "empirical_max")
            ]
            cells.append(f"{row['not_reached']}/{row['signals']}")
        table.add_row(*cells)
    console.print(table)
    exceeding = [row for row in rows if row["exceeds_worst_case"]]
    for row in exceeding:
        errors.print(
            f"[red]eps = {row['epsilon']:g}: {row['exceeds_worst_case']} signal(s) need more "
            "layers than the worst case[/red]"
            + (" (pruned cascade: may be pruning)" if attrs.get("energy_budget", 0) > 0 else ""),
            highlight=False,
        )


if __name__ == "__main__":  # pragma: no cover
    app()
