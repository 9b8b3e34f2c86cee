"""The typer application every command module registers on, its consoles and its one-line failure."""

from __future__ import annotations

from typing import NoReturn

import typer
from rich.console import Console
from rich.markup import escape

app = typer.Typer(
    help="Energy propagation in deep scattering networks (Wiatowski, Grohs & Bölcskei 2018).",
    no_args_is_help=True,
    add_completion=False,
)
#: Results (tables, paths) on stdout. Lines of text are never wrapped (``soft_wrap``): a path or
#: a command to copy stays on one line whatever the terminal's width; tables still fit it.
console = Console(soft_wrap=True)
#: Errors and progress on stderr.
errors = Console(stderr=True)


def fail(error: Exception) -> NoReturn:
    """Print ``error`` as one red line on stderr and exit with status 2 (bad input)."""
    # the message is text, not markup: "pip install 'energy-sweep[slurm]'" keeps its brackets
    errors.print(f"[red]error:[/red] {escape(str(error))}", highlight=False, soft_wrap=True)
    raise typer.Exit(code=2)
