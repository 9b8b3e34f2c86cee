"""``energy-sweep plan``: layers needed for (1-eps) of the energy, as a table."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich import box
from rich.table import Table

from ._app import app, console, errors, fail

if TYPE_CHECKING:
    import xarray as xr


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
    shape: Annotated[
        str | None,
        typer.Option(
            help="Grid shape N1xN2 of a 2-D family's bank (default 256x256; the store's with "
            "--data)."
        ),
    ] = None,
    l: Annotated[  # noqa: E741
        float, typer.Option("--l", help="Window order l >= 1 of the bounds (docs/theory.md §3).")
    ] = 1.0,
) -> None:
    """Layers needed for (1-eps) of the energy: paper's worst case (docs/theory.md §8) and empirical."""
    from pipeline.errors import EnergySweepError, InvalidParameterError
    from pipeline.filters import families
    from pipeline.planning import parse_params, plan_header, plan_layers, summarise

    from .progress import ProgressBar

    try:
        if family is None:
            raise InvalidParameterError("--family", None, f"required: {', '.join(families())}")
        params = parse_params(param or [])
        # the bar starts with the first signal chunk: bad input prints nothing but the error
        with ProgressBar("signal chunks", errors) as advance:
            result = plan_layers(
                family,
                params,
                epsilon or [],
                length=length,
                shape=shape,
                bandwidth=bandwidth,
                data=data,
                l=l,
                progress=advance,
            )
    except EnergySweepError as error:
        fail(error)
    rows = summarise(result)
    for line in plan_header(result):
        console.print(line, highlight=False)
    console.print(plan_table(result, rows))
    for row in rows:
        if row["exceeds_worst_case"]:
            errors.print(
                f"[red]eps = {row['epsilon']:g}: {row['exceeds_worst_case']} signal(s) need more "
                "layers than the worst case[/red]"
                + (
                    " (pruned cascade: may be pruning)"
                    if result.attrs.get("energy_budget", 0) > 0
                    else ""
                ),
                highlight=False,
            )


def plan_table(result: xr.Dataset, rows: list[dict[str, Any]]) -> Table:
    """The plan as a table: one row per eps, worst cases (and their medians over signals), the
    recalled constant when the family has one, and the empirical counts of a store."""
    from pipeline.planning import format_count

    attrs = result.attrs
    per_signal = "signal" in result.dims
    depth = attrs.get("depth")
    derived = f"{attrs['decay_base']:.4g}" if math.isfinite(attrs["decay_base"]) else "n/a"
    columns = ["eps", "1-eps", "L max" if per_signal else "L", "worst\nexp", "worst\ngen"]
    d = int(attrs.get("d", 1))
    legend = [
        f"worst exp: Theorem B with derived a = {derived}"
        if d == 1
        else f"worst exp: n/a (Theorem B is stated for d = 1; here d = {d})",
        f"worst gen: Theorem A, alpha = {attrs.get('alpha', 1.0):.4g}",
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
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
    )
    for column in columns:
        table.add_column(column, justify="right")

    def worst(row: dict[str, Any], name: str) -> str:
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
    return table
