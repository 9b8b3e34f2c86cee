"""``energy-sweep demo``: the decay tables and the figure of :mod:`pipeline.demo`'s sweep, whose
store ``show``, ``verify``, ``fit`` and ``report`` accept."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from ._app import app, console, errors, fail

if TYPE_CHECKING:
    import xarray as xr


@app.command()
def demo(
    out: Annotated[Path, typer.Option(help="Folder for the store and the figure.")] = Path(
        "results/demo"
    ),
    depth: Annotated[int, typer.Option(help="Deepest layer N.")] = 10,
    budget: Annotated[float, typer.Option(help="Pruning budget, fraction of ||f||^2.")] = 1e-4,
) -> None:
    """W_n/||f||^2 per layer for a real ECG record and white noise through morlet, meyer, gabor.

    A small sweep computed here (no Prefect, no Dask) into OUT/energies.zarr, a store that
    `show`, `verify`, `fit` and `report` accept, and a figure OUT/decay.png. A store of an
    earlier demo there is replaced; anything else is refused.
    """
    from pipeline.demo import demo_config, run_demo
    from pipeline.errors import EnergySweepError

    from .progress import ProgressBar

    start = time.perf_counter()
    store = out / "energies.zarr"
    try:
        config = demo_config(store.absolute(), depth, budget)  # bad input: nothing written
        out.mkdir(parents=True, exist_ok=True)
        with ProgressBar("units", errors) as advance:
            result = run_demo(config, on_unit_done=advance)
    except EnergySweepError as error:
        fail(error)
    for table in decay_tables(result):
        console.print(table)
    figure = plot_decay(result, out / "decay.png")
    console.print(
        f"done in {time.perf_counter() - start:.1f} s; true W_n lies in [W_n, W_n + slack].\n"
        f"results: {store}  (a sweep store: energy-sweep show / fit / report {store})\n"
        f"figure:  {figure}",
        highlight=False,
        soft_wrap=True,
    )


def decay_tables(result: xr.Dataset) -> list[Table]:
    """One table per signal: W_n/||f||^2 and its pruning slack per layer, a column pair per family."""
    from pipeline.demo import relative_energy

    relative = relative_energy(result)
    tables = []
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
        tables.append(table)
    return tables


def plot_decay(result: xr.Dataset, path: Path) -> Path:
    """Semilog W_n/||f||^2 against n, one panel per signal, one line per family (bands: slack)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from pipeline.demo import relative_energy

    relative = relative_energy(result)
    labels = [str(v) for v in result.signal_class.values]
    fig, axes = plt.subplots(
        1,
        result.sizes["signal"],
        figsize=(5 * result.sizes["signal"], 4),
        sharey=True,
        squeeze=False,
    )
    floor = 1e-16
    for ax, i in zip(axes[0], range(result.sizes["signal"]), strict=True):
        for b, family in enumerate(result.family.values):
            low = relative.propagated.isel(bank=b, signal=i).values
            high = low + relative.slack.isel(bank=b, signal=i).values
            layers = result.layer.values
            (line,) = ax.semilogy(layers, np.maximum(low, floor), marker="o", label=family)
            ax.fill_between(
                layers,
                np.maximum(low, floor),
                np.maximum(high, floor),
                color=line.get_color(),
                alpha=0.15,
            )
        ax.set_title(f"{labels[i]} ({result.dataset.values[i]})")
        ax.set_xlabel("layer n")
        ax.grid(True, which="both", alpha=0.3)
    axes[0][0].set_ylabel(r"$W_n(f)\,/\,\|f\|^2$  (band: pruning slack)")
    axes[0][0].set_ylim(bottom=floor)
    axes[0][-1].legend()
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path
