"""The Dask cluster a sweep runs on, chosen by the config's ``cluster`` section, never by code."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Annotated, Any, Literal

from distributed import Client, LocalCluster
from pydantic import BaseModel, ConfigDict, Field, Strict, TypeAdapter

from pipeline.errors import EnergySweepError

# Transitional (issue 8, branch sweep): the spec keeps ``cluster`` as a plain mapping; these
# models moved here from pipeline/config.py until flows/clusters/ (one module per backend)
# replaces this module.
StrictInteger = Annotated[int, Strict()]


class LocalClusterSpec(BaseModel):
    """A ``distributed.LocalCluster`` started by the sweep on this machine."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["local"] = "local"
    workers: StrictInteger = Field(2, ge=1, description="worker processes")
    threads_per_worker: StrictInteger = Field(1, ge=1, description="threads per worker")
    memory_limit: str = Field("auto", min_length=1, description="per worker, e.g. '4GiB'")


class AddressCluster(BaseModel):
    """An existing Dask scheduler, by address (``tcp://127.0.0.1:8786``)."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["address"]
    address: str = Field(min_length=1, description="scheduler address, e.g. tcp://host:8786")


class SlurmCluster(BaseModel):
    """A ``dask_jobqueue.SLURMCluster``."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["slurm"]
    queue: str | None = None
    account: str | None = None
    cores: StrictInteger = Field(ge=1, description="cores per job")
    memory: str = Field(min_length=1, description="memory per job, e.g. '16GB'")
    walltime: str = Field(min_length=1, description="per job, e.g. '01:00:00'")
    jobs: StrictInteger = Field(ge=1, description="number of jobs to scale to")
    job_extra_directives: list[str] = Field(default_factory=list)


class KubernetesCluster(BaseModel):
    """A ``dask_kubernetes`` cluster."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["kubernetes"]
    image: str = Field(min_length=1, description="container image of the workers")
    namespace: str = "default"
    workers: StrictInteger = Field(ge=1)
    resources: dict[str, Any] = Field(default_factory=dict)


ClusterConfig = Annotated[
    LocalClusterSpec | AddressCluster | SlurmCluster | KubernetesCluster,
    Field(discriminator="kind"),
]

_CLUSTER = TypeAdapter(ClusterConfig)


class ClusterUnavailableError(EnergySweepError):
    """The configured cluster cannot be started or reached from here."""


@contextmanager
def dask_client(cluster: ClusterConfig | Mapping[str, Any]) -> Iterator[Client]:
    """A ``distributed.Client`` on the configured cluster, closed (and the cluster with it) on exit.

    ``local``: a ``LocalCluster`` of worker processes on this machine; ``address``: an existing
    scheduler; ``slurm`` / ``kubernetes``: through ``dask-jobqueue`` / ``dask-kubernetes`` when
    installed (``pip install dask-jobqueue``), else a one-line error.
    """
    if isinstance(cluster, Mapping):
        cluster = _CLUSTER.validate_python({"kind": "local", **cluster})
    kind = cluster.kind
    if kind == "local":
        with (
            LocalCluster(
                n_workers=cluster.workers,
                threads_per_worker=cluster.threads_per_worker,
                memory_limit=cluster.memory_limit,
                processes=True,
                dashboard_address=":0",
            ) as local,
            Client(local) as client,
        ):
            yield client
    elif kind == "address":
        try:
            client = Client(cluster.address, timeout="30s")
        except OSError as error:
            raise ClusterUnavailableError(
                f"cluster.address = {cluster.address!r}: no Dask scheduler answers there ({error})"
            ) from None
        with client:
            yield client
    elif kind == "slurm":
        try:
            from dask_jobqueue import SLURMCluster
        except ImportError:
            raise ClusterUnavailableError(
                "cluster.kind = 'slurm': needs dask-jobqueue (pip install dask-jobqueue)"
            ) from None
        with SLURMCluster(
            queue=cluster.queue,
            account=cluster.account,
            cores=cluster.cores,
            memory=cluster.memory,
            walltime=cluster.walltime,
            job_extra_directives=cluster.job_extra_directives,
        ) as slurm:
            slurm.scale(jobs=cluster.jobs)
            with Client(slurm) as client:
                yield client
    elif kind == "kubernetes":
        try:
            from dask_kubernetes.operator import KubeCluster
        except ImportError:
            raise ClusterUnavailableError(
                "cluster.kind = 'kubernetes': needs dask-kubernetes (pip install dask-kubernetes)"
            ) from None
        with (
            KubeCluster(
                name="energy-sweep",
                image=cluster.image,
                namespace=cluster.namespace,
                n_workers=cluster.workers,
                resources=cluster.resources,
            ) as kube,
            Client(kube) as client,
        ):
            yield client
    else:  # pragma: no cover - the config's discriminated union allows nothing else
        raise ClusterUnavailableError(f"cluster.kind = {kind!r}: unknown")
