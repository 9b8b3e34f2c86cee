"""Processes of this machine: whether a PID names a live one.

The store's lock (:mod:`pipeline.store.lock`) and the Prefect server's PID file
(:mod:`flows.server`) both ask whether a recorded holder is still running.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

__all__ = ["pid_alive"]


def pid_alive(pid: object) -> bool:
    """Whether ``pid`` is a positive integer naming a running process of this machine.

    A zombie (exited, not yet reaped; Linux ``/proc/<pid>/stat`` state ``Z``) counts as dead; a
    process of another user (``kill`` refused with ``EPERM``) as alive.
    """
    if isinstance(pid, bool) or not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    with contextlib.suppress(OSError, IndexError):
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    return True
