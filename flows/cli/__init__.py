"""The ``energy-sweep`` command line (entry point ``flows.cli:app``).

One module per group of commands, each registering on the typer app of :mod:`._app`:
:mod:`.demo` (``demo``), :mod:`.library` (``banks``, ``show``, ``report``), :mod:`.plan`
(``plan``), :mod:`.running` (``run``, ``fit``), :mod:`.server` (``server start|stop|status``,
``serve``); only ``run``, ``fit`` and ``serve`` import Prefect, inside the command. Importing
this package imports neither Prefect nor Dask's distributed scheduler.
"""

from . import demo, library, plan, running, server  # noqa: F401  (each registers its commands)
from ._app import app

__all__ = ["app"]
