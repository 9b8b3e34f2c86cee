"""Logging on the sweep's own Dask workers (imports neither Prefect nor the flows' modules, so
that a worker unpickling :class:`QuietFailedUnits` stays light)."""

from __future__ import annotations

import logging
from typing import Any

from distributed import WorkerPlugin


class _WithoutComputeFailed(logging.Filter):
    """Drops ``distributed.worker``'s "Compute Failed" report (with its traceback)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Compute Failed")


class QuietFailedUnits(WorkerPlugin):
    """On every worker, started or restarted: no "Compute Failed" report of a failed unit (the
    sweep flow names each failed unit in one line; Dask's report repeats it with a traceback)."""

    def setup(self, worker: Any) -> None:
        logging.getLogger("distributed.worker").addFilter(_WithoutComputeFailed())
