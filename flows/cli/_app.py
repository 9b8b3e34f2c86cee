"""The typer application every command module registers on, its consoles and its one-line failure."""

from __future__ import annotations

from typing import NoReturn

import typer
from rich.console import Console

app = typer.Typer(
    help="Energy propagation in deep scattering networks (Wiatowski, Grohs & Bölcskei 2018).",
    no_args_is_help=True,
    add_completion=False,
)
#: Results (tables, paths) on stdout.
console = Console()
#: Errors and progress on stderr.
errors = Console(stderr=True)


def fail(error: Exception) -> NoReturn:
    """Print ``error`` as one red line on stderr and exit with status 2 (bad input)."""
    errors.print(f"[red]error:[/red] {error}", highlight=False, soft_wrap=True)
    raise typer.Exit(code=2)
