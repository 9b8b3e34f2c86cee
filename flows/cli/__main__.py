"""``python -m flows.cli``: the ``energy-sweep`` command line."""

from flows.cli import app

app()
