"""``kind: slurm``: Dask workers as SLURM jobs, through ``dask-jobqueue`` (extra ``[slurm]``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field

from pipeline.errors import ClusterUnavailableError

from ._registry import StrictInteger, register

if TYPE_CHECKING:
    from distributed import Client


class SlurmCluster(BaseModel):
    """A ``dask_jobqueue.SLURMCluster``, scaled to ``jobs`` jobs."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["slurm"]
    queue: str | None = None
    account: str | None = None
    cores: StrictInteger = Field(ge=1, description="cores per job")
    memory: str = Field(min_length=1, description="memory per job, e.g. '16GB'")
    walltime: str = Field(min_length=1, description="per job, e.g. '01:00:00'")
    jobs: StrictInteger = Field(ge=1, description="number of jobs to scale to")
    job_extra_directives: list[str] = Field(default_factory=list)


@contextmanager
def launch(spec: SlurmCluster) -> Iterator[Client]:
    """Submit the jobs, yield a client; cancel the jobs on exit."""
    try:
        from dask_jobqueue import SLURMCluster
    except ImportError:
        raise ClusterUnavailableError(
            "cluster.kind = 'slurm': needs dask-jobqueue (pip install 'energy-sweep[slurm]')"
        ) from None
    from distributed import Client

    with SLURMCluster(
        queue=spec.queue,
        account=spec.account,
        cores=spec.cores,
        memory=spec.memory,
        walltime=spec.walltime,
        job_extra_directives=spec.job_extra_directives,
    ) as cluster:
        cluster.scale(jobs=spec.jobs)
        with Client(cluster) as client:
            yield client


register("slurm", SlurmCluster, launch)
