"""``kind: slurm``: Dask workers as SLURM jobs, through ``dask-jobqueue`` (extra ``[slurm]``).

The scheduler runs in the process that runs the sweep (a login node, say) and listens on
``127.0.0.1`` unless the section names a ``host`` or an ``interface`` the compute nodes can reach;
its dashboard too (``dashboard_address``). Each job runs one ``dask worker`` with this process's
Python (``sys.executable``), so the package must be installed where the compute nodes see the same
path (a shared file system), or ``job_script_prologue`` must make it so (``module load``,
``source venv/bin/activate``). Workers need no Prefect API.
"""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from pipeline.errors import ClusterUnavailableError

from ._fields import JobMemory, StrictInteger
from ._registry import register
from ._tls import TLSFiles, security
from ._worker_env import worker_environ_variable

#: Most jobs a sweep may ask SLURM for.
MAX_JOBS = 10_000

#: Seconds ``sbatch --test-only`` gets to answer.
SBATCH_TEST_SECONDS = 60

#: SLURM's time formats: minutes, minutes:seconds, hours:minutes:seconds, days-hours,
#: days-hours:minutes, days-hours:minutes:seconds.
WALLTIME = r"^(\d+-\d{1,2}(:\d{1,2}){0,2}|\d+(:\d{1,2}){0,2})$"

if TYPE_CHECKING:
    from dask_jobqueue import SLURMCluster as JobqueueSLURMCluster
    from distributed import Client


class SlurmCluster(BaseModel):
    """A ``dask_jobqueue.SLURMCluster``, scaled to ``jobs`` jobs."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["slurm"]
    queue: str | None = Field(None, description="partition (sbatch -p)")
    account: str | None = None
    cores: StrictInteger = Field(ge=1, le=1024, description="cores per job")
    memory: JobMemory = Field(description="memory per job, at least 128 MiB, e.g. '16GB'")
    walltime: str = Field(min_length=1, description="per job, e.g. '01:00:00' or '1-12:00:00'")
    jobs: StrictInteger = Field(ge=1, le=MAX_JOBS, description="number of jobs to scale to")
    job_extra_directives: list[str] = Field(default_factory=list)
    job_script_prologue: list[str] = Field(
        default_factory=list,
        description="shell lines run in each job before its worker starts (module load ...)",
    )
    host: str | None = Field(
        None,
        min_length=1,
        description="address the scheduler listens on (default 127.0.0.1, this machine only: give "
        "the login node's cluster address, or an interface, for workers on other nodes)",
    )
    interface: str | None = Field(
        None,
        min_length=1,
        description="network interface (ib0, eth1) of the scheduler and workers, instead of host",
    )
    dashboard_address: str | None = Field(
        "127.0.0.1:0",
        description="host:port of the Dask dashboard (a free port on this machine only by "
        "default); null turns it off",
    )
    log_directory: str | None = Field(
        None,
        min_length=1,
        description="folder of the jobs' output files (default: slurm-<job>.out in the working "
        "directory)",
    )
    death_timeout: float = Field(
        60.0, gt=0, allow_inf_nan=False, description="seconds a worker waits for its scheduler"
    )
    tls: TLSFiles | None = Field(None, description="PEM files of the cluster's TLS (tls://)")
    worker_wait: float = Field(
        3600.0,
        gt=0,
        allow_inf_nan=False,
        description="seconds the sweep waits for its first worker (jobs may queue behind others)",
    )

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

    @field_validator("interface")
    @classmethod
    def _host_or_interface(cls, value: str | None, info: ValidationInfo) -> str | None:
        """An ``interface`` replaces the default host; naming both is refused."""
        if value is not None and info.data.get("host") is not None:
            raise ValueError("give host or interface, not both")
        return value


#: Where the scheduler listens when the section names neither host nor interface.
DEFAULT_HOST = "127.0.0.1"


def jobqueue_options(spec: SlurmCluster) -> dict[str, Any]:
    """The keyword arguments of ``dask_jobqueue.SLURMCluster`` for a section (no job submitted).

    Examples
    --------
    >>> section = dict(kind="slurm", cores=2, memory="4GB", walltime="01:00:00", jobs=1)
    >>> jobqueue_options(SlurmCluster(**section))["scheduler_options"]
    {'dashboard_address': '127.0.0.1:0', 'host': '127.0.0.1'}
    """
    scheduler: dict[str, Any] = {"dashboard_address": spec.dashboard_address}
    if spec.interface is None:
        scheduler["host"] = spec.host or DEFAULT_HOST
    options: dict[str, Any] = {
        "queue": spec.queue,
        "account": spec.account,
        "cores": spec.cores,
        "processes": 1,
        "memory": spec.memory,
        "walltime": spec.walltime,
        "job_extra_directives": spec.job_extra_directives,
        "job_script_prologue": [worker_environ_export(), *spec.job_script_prologue],
        "interface": spec.interface,
        "death_timeout": spec.death_timeout,
        "log_directory": spec.log_directory,
        "scheduler_options": scheduler,
    }
    if spec.tls is not None:
        options |= {"security": security(spec.tls), "protocol": "tls://"}
    return options


def worker_environ_export() -> str:
    """The job script's line that gives the worker the trim and mmap thresholds of
    :mod:`._worker_env` (before the section's own prologue, which may override it)."""
    name, value = worker_environ_variable()
    return f"export {name}={shlex.quote(value)}"


def jobqueue_class() -> type[JobqueueSLURMCluster]:
    """``dask_jobqueue.SLURMCluster``, or a one-line error naming the extra that installs it."""
    try:
        from dask_jobqueue import SLURMCluster
    except ImportError:
        raise ClusterUnavailableError(
            "cluster.kind = 'slurm': needs dask-jobqueue (pip install 'energy-sweep[slurm]')"
        ) from None
    return SLURMCluster


def jobqueue_cluster(spec: SlurmCluster) -> JobqueueSLURMCluster:
    """A ``dask_jobqueue.SLURMCluster`` for a section: its scheduler started, no job submitted
    (``cluster.job_script()`` shows what each job runs)."""
    return jobqueue_class()(**jobqueue_options(spec))


def sbatch_refusal(job_script: str) -> str | None:
    """Why ``sbatch --test-only`` refuses a job script (its last error line), or ``None`` if it
    would accept it: a controller that does not answer, an unknown partition or account, more
    memory or cores than a node has. Nothing is submitted."""
    with tempfile.TemporaryDirectory() as folder:
        script = Path(folder) / "dask-worker.sh"
        script.write_text(job_script)
        try:
            result = subprocess.run(
                ["sbatch", "--test-only", str(script)],
                capture_output=True,
                text=True,
                timeout=SBATCH_TEST_SECONDS,
                check=False,
            )
        except subprocess.TimeoutExpired:
            return f"no answer from sbatch --test-only in {SBATCH_TEST_SECONDS} s"
    if result.returncode == 0:
        return None
    lines = [line.strip() for line in result.stderr.splitlines() if line.strip()]
    return lines[-1] if lines else f"sbatch --test-only exited {result.returncode}"


@contextmanager
def launch(spec: SlurmCluster) -> Iterator[Client]:
    """Submit the jobs, yield a client; cancel the jobs on exit.

    Refused in one line, before any job is submitted, where ``sbatch`` is not on the ``PATH``
    (not a SLURM login node) or ``sbatch --test-only`` refuses the job script
    (:func:`sbatch_refusal`): otherwise the jobs would fail to submit and the sweep would wait
    for workers that never come.
    """
    jobqueue_class()  # a missing extra is named first: it is the same on every machine
    if shutil.which("sbatch") is None:
        raise ClusterUnavailableError(
            "cluster.kind = 'slurm': sbatch is not on the PATH; run the sweep on a SLURM login "
            "node (or see deploy/slurm/start-slurm.sh for a single-node SLURM)"
        )
    cluster = jobqueue_cluster(spec)
    from distributed import Client

    try:
        refusal = sbatch_refusal(cluster.job_script())
    except BaseException:
        cluster.close()
        raise
    if refusal is not None:
        cluster.close()
        raise ClusterUnavailableError(
            f"cluster.kind = 'slurm': sbatch refuses the worker job script: {refusal}"
        )
    with cluster:
        cluster.scale(jobs=spec.jobs)
        with Client(cluster) as client:
            yield client


register("slurm", SlurmCluster, launch)
