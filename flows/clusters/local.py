"""``kind: local``: a ``distributed.LocalCluster`` of worker processes on this machine."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field

from ._registry import StrictInteger, register

if TYPE_CHECKING:
    from distributed import Client


class LocalCluster(BaseModel):
    """A ``distributed.LocalCluster`` started by the sweep on this machine."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["local"] = "local"
    workers: StrictInteger = Field(2, ge=1, description="worker processes")
    threads_per_worker: StrictInteger = Field(1, ge=1, description="threads per worker")
    memory_limit: str = Field("auto", min_length=1, description="per worker, e.g. '4GiB'")


@contextmanager
def launch(spec: LocalCluster) -> Iterator[Client]:
    """Start the worker processes, yield a client; stop both on exit."""
    from distributed import Client
    from distributed import LocalCluster as DaskLocalCluster

    with (
        DaskLocalCluster(
            n_workers=spec.workers,
            threads_per_worker=spec.threads_per_worker,
            memory_limit=spec.memory_limit,
            processes=True,
            dashboard_address=":0",
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


register("local", LocalCluster, launch)
