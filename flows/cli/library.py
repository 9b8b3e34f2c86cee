"""Commands that run library code in this process, without Prefect: ``banks``, ``show``,
``verify``, ``report``."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from ._app import app, console, errors, fail


@app.command()
def banks(
    length: Annotated[int | None, typer.Option(help="Grid length N (1-D).")] = None,
    shape: Annotated[
        str | None,
        typer.Option(help="Grid shape N1xN2: the 2-D families on it instead (e.g. 64x64)."),
    ] = None,
) -> None:
    """Each family's default bank on a grid (N = 1024, or --length N, or --shape N1xN2 for the
    2-D families): filters, Littlewood-Paley bounds, analyticity, delta."""
    from pipeline.errors import EnergySweepError, InvalidParameterError
    from pipeline.filters import families, make_bank
    from pipeline.planning import check_shape

    try:
        if length is not None and shape is not None:
            raise InvalidParameterError("--length/--shape", "both", "give at most one of them")
        grid = check_shape(shape if shape is not None else [1024 if length is None else length])
        built = [make_bank(family, grid) for family in families(ndim=len(grid))]
    except EnergySweepError as error:
        fail(error)
    size = f"N = {grid[0]}" if len(grid) == 1 else " x ".join(str(n) for n in grid)
    table = Table(title=f"filter banks on {size}")
    table.add_column("family", no_wrap=True)
    for column in ("K", "parameters", "max |LP-1|", "analytic", "delta"):
        table.add_column(column)
    for bank in built:
        report = bank.check()
        table.add_row(
            bank.family,
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
    """What a store holds, how complete it is, which fits it has, and how to open and slice it.

    Completeness comes from the records and a cheap check of each recorded unit (its chunk
    files present, its data digest recorded), not from reading the data: `energy-sweep verify`
    reads every unit.
    """
    from pipeline.errors import EnergySweepError

    try:
        lines = store_summary(store)
    except EnergySweepError as error:
        fail(error)
    for line in lines:
        console.print(line, highlight=False, markup=False, soft_wrap=True)


def store_summary(store: Path) -> list[str]:
    """The lines ``energy-sweep show`` prints: contents, state of the units, fits, how to open.

    Reads metadata, records and the two text coordinates with Zarr alone: no Dataset is
    computed (a dask computation would import Dask's distributed scheduler, seconds of start-up).
    """
    import os

    import zarr

    from pipeline.store import open_fits
    from pipeline.store.layout import read_layout

    layout = read_layout(store)
    root = zarr.open_group(os.fspath(store), mode="r")
    attrs = dict(root.attrs)
    families = Counter(_texts(root, "family"))
    classes = Counter(_texts(root, "signal_class"))
    size = sum(f.stat().st_size for f in Path(store).rglob("*") if f.is_file())
    lines = [
        f"store: {store}",
        f"  sweep: '{_config_name(attrs)}', created {attrs.get('created')}, package "
        f"{attrs.get('package_version')}, computation hash {attrs.get('computation_hash')}",
        f"  size: {layout.n_signals} signals x {layout.n_banks} banks x {layout.depth + 1} "
        f"layers (0..{layout.depth}), chunks of {layout.chunk} signals; {size / 1e6:.1f} MB on "
        "disk",
        "  families: " + ", ".join(f"{name} ({n})" for name, n in families.items()),
        "  signal classes: " + ", ".join(f"{name} ({n})" for name, n in classes.items()),
        *_cascade_lines(root, attrs),
    ]
    state = unit_state(store)
    lines += state.lines(store)
    fits = open_fits(store)
    if fits is None:
        lines.append(f"  fits: none yet (energy-sweep fit {store})")
    else:
        settings = ", ".join(
            f"{key}={value}"
            for key, value in sorted(fits.attrs.items())
            if key not in ("description", "pooled_method")
        )
        lines.append(f"  fits: present (group 'fits', {len(fits.data_vars)} variables), {settings}")
    family = next(iter(families), None)
    selection = f'family="{family}", ' if family is not None else ""
    selection += f'signal_class="{next(iter(classes))}"' if classes else ""
    lines += [
        "open and slice it in Python:",
        "  from pipeline.store import open_results",
        f'  ds = open_results("{store}")',
        f"  print(ds.propagated_energy.sel({selection}).values)",
    ]
    return lines


def _cascade_lines(root: Any, attrs: dict[str, object]) -> list[str]:
    """How the cascade ran: the sweep's depth, budget, precision and modes, then the values per
    bank where banks differ (``depth_per_bank``, ``energy_budget_per_bank``, ``<mode>_per_bank``)."""
    from pipeline.sweep.banks import BUDGET_PER_BANK, DEPTH_PER_BANK, MODE_DEFAULTS

    sweep = [f"{key} {attrs[key]}" for key in ("depth", "energy_budget", "dtype") if key in attrs]
    sweep += [f"{name} {attrs.get(name, default)}" for name, default in MODE_DEFAULTS.items()]
    lines = ["  cascade: " + ", ".join(sweep)]
    per_bank = []
    for key in (DEPTH_PER_BANK, BUDGET_PER_BANK, *(f"{name}_per_bank" for name in MODE_DEFAULTS)):
        array = root.get(key)
        if array is None:
            continue
        counts = Counter(
            f"{value:g}" if isinstance(value, float) else str(value)
            for value in array[...].tolist()
        )
        if len(counts) > 1:
            values = ", ".join(f"{value} ({n} banks)" for value, n in counts.items())
            per_bank.append(f"{key.removesuffix('_per_bank')} {values}")
    if per_bank:
        lines.append("  per bank: " + "; ".join(per_bank))
    return lines


def _texts(root: Any, name: str) -> list[str]:
    """The values of a text coordinate of the store's root group ([] if it has none)."""
    array = root.get(name)
    return [] if array is None else [str(value) for value in array[...]]


def _config_name(attrs: dict[str, object]) -> str:
    """The ``name`` of the sweep config stored in the attributes ('' if none)."""
    import yaml

    try:
        config = yaml.safe_load(str(attrs.get("config", "")))
    except yaml.YAMLError:
        return ""
    return str(config.get("name", "")) if isinstance(config, dict) else ""


class UnitState:
    """Completion of a store's units from its records, with a cheap check of each recorded unit:
    its chunk files present and its data digest recorded (no data is read; `energy-sweep verify`
    reads everything)."""

    def __init__(self, total: int, recorded: set[tuple[int, int]], bad: dict[tuple[int, int], str]):
        self.total = total
        self.recorded = recorded
        self.bad = bad

    @property
    def done(self) -> int:
        """Units recorded and passing the cheap check."""
        return len(self.recorded) - len(self.bad)

    @property
    def complete(self) -> bool:
        return self.done == self.total

    def lines(self, store: Path) -> list[str]:
        """``units: d of t done`` and what to do about the rest."""
        missing = self.total - len(self.recorded)
        if self.complete:
            head = f"  units: {self.done} of {self.total} done (complete)"
        else:
            head = (
                f"  units: {self.done} of {self.total} done (INCOMPLETE: {missing} not run, "
                f"{len(self.bad)} bad); rerunning the sweep computes the rest"
            )
        lines = [head]
        for (bank, chunk), reason in sorted(self.bad.items())[:10]:
            lines.append(f"  bad unit (bank={bank}, chunk={chunk}): {reason}")
        if len(self.bad) > 10:
            lines.append(
                f"  ... and {len(self.bad) - 10} more bad units (energy-sweep verify {store})"
            )
        return lines


def unit_state(store: Path) -> UnitState:
    """The :class:`UnitState` of an energy-sweep store (``StoreError`` if it is not one)."""
    import os

    import numpy as np
    import zarr

    from pipeline.store import LAYER_VARIABLES
    from pipeline.store.layout import open_digests, read_layout, read_records

    layout = read_layout(store)
    records = read_records(store)
    digest_array = open_digests(store, mode="r")
    digests = np.asarray(digest_array[...]) if digest_array is not None else None
    recorded = {(int(b), int(c)) for b, c in np.argwhere(records != 0)}
    bad: dict[tuple[int, int], str] = {}
    root = zarr.open_group(os.fspath(store), mode="r")
    arrays = {name: root[name] for name in LAYER_VARIABLES}
    for bank, chunk in sorted(recorded):
        if digests is not None and int(digests[bank, chunk]) == 0:
            bad[bank, chunk] = "recorded without a data digest"
            continue
        for name, array in arrays.items():
            key = array.metadata.encode_chunk_key((chunk, bank, 0))
            if not (Path(store) / name / key).is_file():
                bad[bank, chunk] = f"chunk file {name}/{key} missing"
                break
    return UnitState(layout.n_banks * layout.n_chunks, recorded, bad)


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
    scans: Annotated[
        bool,
        typer.Option(
            "--scans",
            help="Also run the worst-case signal search (i) and the scan over "
            "N = 2^8..2^14 (iv) (about a minute).",
        ),
    ] = False,
) -> None:
    """Figures (PNG) and one self-contained HTML page of a fitted sweep's store."""
    from pipeline.errors import EnergySweepError
    from pipeline.report import FIGURE_FILES, build_report, default_report_dir

    try:
        warn_if_incomplete(store, "the report covers only those")
        target = out if out is not None else default_report_dir(store)
        page = build_report(store, target, scans=scans)
    except EnergySweepError as error:
        fail(error)
    console.print(f"report: {page}", highlight=False, soft_wrap=True)
    for name in FIGURE_FILES:
        console.print(f"figure: {page.parent / name}", highlight=False, soft_wrap=True)


def warn_if_incomplete(store: Path, consequence: str) -> None:
    """One warning line on stderr when ``store`` lacks units (cheap check, :func:`unit_state`)."""
    state = unit_state(store)
    if not state.complete:
        errors.print(
            f"[yellow]warning:[/yellow] {escape(str(store))} holds {state.done} of {state.total} units: "
            f"{consequence} (rerun the sweep to complete it)",
            highlight=False,
            soft_wrap=True,
        )
