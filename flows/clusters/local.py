"""``kind: local``: a ``distributed.LocalCluster`` of worker processes on this machine.

Its scheduler and dashboard listen on ``127.0.0.1`` unless the section says otherwise
(``host``, ``dashboard_address``): the dashboard shows the scheduler's id, the workers'
addresses and memory to whoever can reach it. With ``tls``, every connection is ``tls://``
(:mod:`flows.clusters._tls`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ._fields import MemorySize, StrictInteger, local_cap
from ._registry import register
from ._tls import TLSFiles, security
from ._worker_env import worker_environ_config

if TYPE_CHECKING:
    from distributed import Client


class LocalCluster(BaseModel):
    """A ``distributed.LocalCluster`` started by the sweep on this machine."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["local"] = "local"
    workers: StrictInteger = Field(2, ge=1, description="worker processes")
    threads_per_worker: StrictInteger = Field(1, ge=1, description="threads per worker")
    memory_limit: MemorySize = Field(
        "auto", description="per worker: 'auto' or a size of at least 128 MiB, e.g. '4GiB'"
    )
    host: str = Field(
        "127.0.0.1",
        min_length=1,
        description="interface the scheduler and workers listen on (this machine only by "
        "default; '0.0.0.0' exposes them to the network)",
    )
    dashboard_address: str | None = Field(
        "127.0.0.1:0",
        description="host:port of the Dask dashboard (a free port on this machine only by "
        "default); null turns it off",
    )
    tls: TLSFiles | None = Field(
        None, description="PEM files of the cluster's TLS: every connection tls://, certificates"
    )

    @field_validator("workers", "threads_per_worker")
    @classmethod
    def _at_most_local_cap(cls, value: int) -> int:
        """At most ``4 x os.cpu_count()`` (more processes or threads only thrash)."""
        cap = local_cap()
        if value > cap:
            raise ValueError(
                f"must be <= {cap} (4 x the {cap // 4} CPUs of this machine); use kind: slurm or "
                "kubernetes for more"
            )
        return value


@contextmanager
def launch(spec: LocalCluster) -> Iterator[Client]:
    """Start the worker processes, yield a client; stop both on exit.

    The nannies spawn (and respawn) their workers with the raised trim threshold of
    :mod:`._worker_env` for as long as the cluster runs.
    """
    import dask
    from distributed import Client
    from distributed import LocalCluster as DaskLocalCluster

    with (
        dask.config.set(worker_environ_config()),
        DaskLocalCluster(
            n_workers=spec.workers,
            threads_per_worker=spec.threads_per_worker,
            memory_limit=spec.memory_limit,
            processes=True,
            host=spec.host,
            dashboard_address=spec.dashboard_address,
            security=security(spec.tls),
            protocol="tls://" if spec.tls is not None else None,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


register("local", LocalCluster, launch)
