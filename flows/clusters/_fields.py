"""Field types the cluster backends share: memory sizes, worker caps, addresses.

Each refuses a bad value at validation, before any cluster starts, with a one-line rule that
:func:`pipeline.validation.field_error` turns into ``cluster.<field> = <value>: <rule>``.
"""

from __future__ import annotations

import os
import re
from typing import Annotated

from pydantic import AfterValidator, Field, Strict

__all__ = [
    "MAX_LOCAL_PROCESSES_PER_CPU",
    "MIN_MEMORY_BYTES",
    "Address",
    "JobMemory",
    "MemorySize",
    "StrictInteger",
    "local_cap",
]

#: An integer that refuses booleans and floats (pydantic would read ``true`` as 1).
StrictInteger = Annotated[int, Strict()]

#: Smallest memory per worker or job: below this a worker restarts on its first unit (``1MB``
#: was seen restarting workers 151 times, then hanging).
MIN_MEMORY_BYTES = 2**27

#: Local workers (and threads per worker) per CPU of this machine: more only thrashes
#: (``workers: 1000`` started ~320 processes at load ~100).
MAX_LOCAL_PROCESSES_PER_CPU = 4


def local_cap() -> int:
    """The most local workers, or threads per worker: ``4 x os.cpu_count()``."""
    return MAX_LOCAL_PROCESSES_PER_CPU * (os.cpu_count() or 1)


def _memory(value: str, *, auto: bool) -> str:
    """A byte size Dask reads (``4GiB``, ``512MB``) of at least 128 MiB, or ``auto``."""
    if auto and value == "auto":
        return value
    from dask.utils import parse_bytes

    either = "'auto' or " if auto else ""
    try:
        size = parse_bytes(value)
    except (ValueError, TypeError):
        raise ValueError(f"must be {either}a size with a unit, such as '4GiB' or '512MB'") from None
    if size < MIN_MEMORY_BYTES:
        raise ValueError(
            f"is {size} bytes; must be {either}at least {MIN_MEMORY_BYTES} bytes (128 MiB), "
            "e.g. '4GiB'"
        )
    return value


#: ``auto`` or a memory size of at least :data:`MIN_MEMORY_BYTES` (a Dask worker's limit).
MemorySize = Annotated[
    str, Field(min_length=1), AfterValidator(lambda value: _memory(value, auto=True))
]

#: A memory size of at least :data:`MIN_MEMORY_BYTES` (a batch job's memory).
JobMemory = Annotated[
    str, Field(min_length=1), AfterValidator(lambda value: _memory(value, auto=False))
]

_ADDRESS = re.compile(
    r"^(?:(?P<scheme>[a-z]+)://)?(?P<host>\[[0-9A-Fa-f:.]+\]|[^\s/:\[\]]+)(?::(?P<port>\d{1,5}))?$"
)
_SCHEMES = ("tcp", "tls", "ws", "wss", "ucx", "inproc")


def _address(value: str) -> str:
    """``[scheme://]host[:port]`` with a Dask scheme and a port in ``[1, 65535]``."""
    match = _ADDRESS.match(value)
    rule = f"must be a scheduler address [scheme://]host:port, scheme one of {', '.join(_SCHEMES)}"
    if match is None:
        raise ValueError(rule)
    if match["scheme"] is not None and match["scheme"] not in _SCHEMES:
        raise ValueError(rule)
    if match["port"] is not None and not 1 <= int(match["port"]) <= 65535:
        raise ValueError(f"port {match['port']} must lie in [1, 65535]")
    return value


#: A Dask scheduler address, e.g. ``tcp://10.0.0.5:8786``.
Address = Annotated[str, Field(min_length=1), AfterValidator(_address)]
