"""``kind: slurm``: Dask workers as SLURM jobs, through ``dask-jobqueue`` (extra ``[slurm]``)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from pipeline.errors import ClusterUnavailableError

from ._fields import JobMemory, StrictInteger
from ._registry import register

#: Most jobs a sweep may ask SLURM for.
MAX_JOBS = 10_000

#: SLURM's time formats: minutes, minutes:seconds, hours:minutes:seconds, days-hours,
#: days-hours:minutes, days-hours:minutes:seconds.
WALLTIME = r"^(\d+-\d{1,2}(:\d{1,2}){0,2}|\d+(:\d{1,2}){0,2})$"

if TYPE_CHECKING:
    from distributed import Client


class SlurmCluster(BaseModel):
    """A ``dask_jobqueue.SLURMCluster``, scaled to ``jobs`` jobs."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["slurm"]
    queue: str | None = None
    account: str | None = None
    cores: StrictInteger = Field(ge=1, le=1024, description="cores per job")
    memory: JobMemory = Field(description="memory per job, at least 128 MiB, e.g. '16GB'")
    walltime: str = Field(min_length=1, description="per job, e.g. '01:00:00' or '1-12:00:00'")
    jobs: StrictInteger = Field(ge=1, le=MAX_JOBS, description="number of jobs to scale to")
    job_extra_directives: list[str] = Field(default_factory=list)

    @field_validator("walltime")
    @classmethod
    def _slurm_time(cls, value: str) -> str:
        """One of SLURM's time formats (:data:`WALLTIME`)."""
        if re.fullmatch(WALLTIME, value) is None:
            raise ValueError(
                "must be a SLURM time: minutes, hours:minutes:seconds or days-hours:minutes:seconds "
                "(e.g. '01:00:00')"
            )
        return value


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
