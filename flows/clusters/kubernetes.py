"""``kind: kubernetes``: Dask workers as pods, through the ``dask-kubernetes`` operator (extra
``[kubernetes]``).

The section is rendered offline into the operator's ``DaskCluster`` resource
(:func:`dask_cluster_resource`, built on ``dask_kubernetes.operator.make_cluster_spec``) and that
resource, exactly, is what :func:`launch` creates: what the tests check is what runs. The
scheduler's Service is a ``ClusterIP`` (reachable inside the Kubernetes cluster only; the operator
port-forwards it to a client outside). The pods run ``dask scheduler`` and ``dask worker`` from
the image (``deploy/Dockerfile``), set as the containers' ``command``: the image's entrypoint is
``energy-sweep``, and the operator's default ``dask-worker`` script no longer ships with
``distributed``. Workers write the store themselves, so the store must be on a volume every pod
mounts at the same path (``shared_volume``).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from pipeline.errors import ClusterUnavailableError

from ._fields import StrictInteger
from ._registry import register
from ._worker_env import worker_environ_variable

#: Most worker pods a sweep may ask for.
MAX_PODS = 10_000


def _kube_name(value: str) -> str:
    """A Kubernetes object name (RFC 1123 label)."""
    if re.fullmatch(r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?", value) is None:
        raise ValueError(
            "must be a Kubernetes name: 1 to 63 lower-case letters, digits or '-', starting and "
            "ending with a letter or digit"
        )
    return value


def _absolute(value: str) -> str:
    """An absolute path inside the pods."""
    if not value.startswith("/"):
        raise ValueError("must be an absolute path, e.g. /data")
    return value


#: A Kubernetes object name (RFC 1123 label): lower-case letters, digits and '-', 1 to 63.
KubeName = Annotated[str, AfterValidator(_kube_name)]

#: The commands the pods run (``dask`` is the command ``distributed`` installs).
SCHEDULER_COMMAND = ("dask", "scheduler")
WORKER_COMMAND = ("dask", "worker")

if TYPE_CHECKING:
    from distributed import Client


class SharedVolume(BaseModel):
    """A PersistentVolumeClaim every pod mounts (the store lives on it)."""

    model_config = ConfigDict(extra="forbid")

    claim_name: KubeName = Field(description="name of the PersistentVolumeClaim")
    mount_path: Annotated[str, AfterValidator(_absolute)] = Field(
        "/data", description="where the pods mount it"
    )


class KubernetesCluster(BaseModel):
    """A ``dask_kubernetes`` operator cluster of ``workers`` pods."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["kubernetes"]
    image: str = Field(min_length=1, description="container image of the workers")
    namespace: str = "default"
    name: KubeName = Field("energy-sweep", description="name of the DaskCluster resource")
    workers: StrictInteger = Field(ge=1, le=MAX_PODS)
    resources: dict[Literal["requests", "limits"], dict[str, str | int | float]] = Field(
        default_factory=dict,
        description="per pod, e.g. {requests: {cpu: '1', memory: 2Gi}, limits: {memory: 2Gi}}",
    )
    env: dict[str, str] = Field(
        default_factory=dict, description="environment variables of the scheduler and workers"
    )
    shared_volume: SharedVolume | None = Field(
        None, description="a PersistentVolumeClaim every pod mounts, for the store"
    )
    worker_wait: float = Field(
        600.0,
        gt=0,
        allow_inf_nan=False,
        description="seconds the sweep waits for its first worker pod (image pulls, scheduling)",
    )


def dask_cluster_resource(spec: KubernetesCluster) -> dict[str, Any]:
    """The operator's ``DaskCluster`` resource of a section, rendered offline (no cluster needed).

    ``make_cluster_spec`` with the section's image, workers, resources and environment; then each
    container's ``args`` become its ``command`` with ``dask scheduler`` / ``dask worker`` in front,
    and the shared volume, if any, is mounted in every pod.

    Examples
    --------
    >>> section = KubernetesCluster(kind="kubernetes", image="energy-sweep:0.1.0", workers=2)
    >>> resource = dask_cluster_resource(section)  # doctest: +SKIP
    >>> resource["spec"]["worker"]["spec"]["containers"][0]["command"][:2]  # doctest: +SKIP
    ['dask', 'worker']
    """
    try:
        from dask_kubernetes.operator import make_cluster_spec
    except ImportError:
        raise ClusterUnavailableError(
            "cluster.kind = 'kubernetes': needs dask-kubernetes "
            "(pip install 'energy-sweep[kubernetes]')"
        ) from None
    resource = copy.deepcopy(
        make_cluster_spec(
            name=spec.name,
            image=spec.image,
            n_workers=spec.workers,
            resources=spec.resources or None,
            env=dict([worker_environ_variable()]) | spec.env,
            scheduler_service_type="ClusterIP",
        )
    )
    for role, command in (("scheduler", SCHEDULER_COMMAND), ("worker", WORKER_COMMAND)):
        pod = resource["spec"][role]["spec"]
        for container in pod["containers"]:
            for empty in [key for key in ("env", "resources") if container.get(key) is None]:
                del container[empty]
            args = container.pop("args")
            container["command"] = [*command, *args[1:]]  # args[0]: dask-scheduler / dask-worker
        if spec.shared_volume is not None:
            volume = spec.shared_volume
            pod["volumes"] = [
                {"name": "store", "persistentVolumeClaim": {"claimName": volume.claim_name}}
            ]
            for container in pod["containers"]:
                container["volumeMounts"] = [{"name": "store", "mountPath": volume.mount_path}]
    return resource


@contextmanager
def launch(spec: KubernetesCluster) -> Iterator[Client]:
    """Create the cluster's pods (the resource of :func:`dask_cluster_resource`), yield a client;
    delete them on exit."""
    resource = dask_cluster_resource(spec)
    from dask_kubernetes.operator import KubeCluster
    from distributed import Client

    with (
        KubeCluster(custom_cluster_spec=resource, namespace=spec.namespace) as cluster,
        Client(cluster) as client,
    ):
        yield client


register("kubernetes", KubernetesCluster, launch)
