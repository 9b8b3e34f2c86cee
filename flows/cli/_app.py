"""The typer application every command module registers on, its consoles and its one-line failure."""

from __future__ import annotations

import os
import sys
from typing import NoReturn, TextIO

import typer
from rich.console import Console
from rich.markup import escape

app = typer.Typer(
    help="Energy propagation in deep scattering networks (Wiatowski, Grohs & Bölcskei 2018).",
    no_args_is_help=True,
    add_completion=False,
)
#: Width of the output when it goes to a file or a pipe (a log), not a terminal: wide enough that
#: no table cell wraps inside a number, a formula or a command (rich would assume 80 columns).
LOG_WIDTH = 200


def _width(stream: TextIO) -> int | None:
    """``None`` (the terminal's own width) on a terminal, :data:`LOG_WIDTH` otherwise, unless
    ``COLUMNS`` says otherwise."""
    if os.environ.get("COLUMNS") or stream.isatty():
        return None
    return LOG_WIDTH


#: Results (tables, paths) on stdout. Lines of text are never wrapped (``soft_wrap``): a path or
#: a command to copy stays on one line whatever the width; tables fit the terminal, or
#: :data:`LOG_WIDTH` columns in a log.
console = Console(soft_wrap=True, width=_width(sys.stdout))
#: Errors, warnings, estimates and progress on stderr, never wrapped either.
errors = Console(stderr=True, soft_wrap=True, width=_width(sys.stderr))


def fail(error: Exception) -> NoReturn:
    """Print ``error`` as one red line on stderr and exit with status 2 (bad input)."""
    # the message is text, not markup: "pip install 'energy-sweep[slurm]'" keeps its brackets
    errors.print(f"[red]error:[/red] {escape(str(error))}", highlight=False, soft_wrap=True)
    raise typer.Exit(code=2)
