"""The Dask cluster a sweep runs on, chosen by the config's ``cluster`` section, never by code."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from distributed import Client, LocalCluster

from pipeline.config import ClusterConfig
from pipeline.errors import EnergySweepError


class ClusterUnavailableError(EnergySweepError):
    """The configured cluster cannot be started or reached from here."""


@contextmanager
def dask_client(cluster: ClusterConfig) -> Iterator[Client]:
    """A ``distributed.Client`` on the configured cluster, closed (and the cluster with it) on exit.

    ``local``: a ``LocalCluster`` of worker processes on this machine; ``address``: an existing
    scheduler; ``slurm`` / ``kubernetes``: through ``dask-jobqueue`` / ``dask-kubernetes`` when
    installed (``pip install dask-jobqueue``), else a one-line error.
    """
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
