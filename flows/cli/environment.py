"""The process environment Prefect needs, set by the commands that run a flow, never at import."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

#: Prefect settings the commands default (a value already in the environment wins): no usage
#: analytics from the temporary API server, and time for it to start on a loaded machine.
PREFECT_DEFAULTS: dict[str, str] = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
}


@contextmanager
def prefect_environment() -> Iterator[None]:
    """Set :data:`PREFECT_DEFAULTS` where unset for the block (import Prefect inside it); restore
    the environment on exit.

    Examples
    --------
    >>> with prefect_environment():
    ...     os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] in ("false", "true", "0", "1")
    True
    """
    added = [name for name in PREFECT_DEFAULTS if name not in os.environ]
    for name in added:
        os.environ[name] = PREFECT_DEFAULTS[name]
    try:
        yield
    finally:
        for name in added:
            os.environ.pop(name, None)
