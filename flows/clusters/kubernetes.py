"""``kind: kubernetes``: Dask workers as pods, through ``dask-kubernetes`` (extra ``[kubernetes]``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from pipeline.errors import ClusterUnavailableError

from ._fields import StrictInteger
from ._registry import register

#: Most worker pods a sweep may ask for.
MAX_PODS = 10_000

if TYPE_CHECKING:
    from distributed import Client


class KubernetesCluster(BaseModel):
    """A ``dask_kubernetes`` operator cluster of ``workers`` pods."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["kubernetes"]
    image: str = Field(min_length=1, description="container image of the workers")
    namespace: str = "default"
    workers: StrictInteger = Field(ge=1, le=MAX_PODS)
    resources: dict[str, Any] = Field(default_factory=dict)


@contextmanager
def launch(spec: KubernetesCluster) -> Iterator[Client]:
    """Create the cluster's pods, yield a client; delete them on exit."""
    try:
        from dask_kubernetes.operator import KubeCluster
    except ImportError:
        raise ClusterUnavailableError(
            "cluster.kind = 'kubernetes': needs dask-kubernetes "
            "(pip install 'energy-sweep[kubernetes]')"
        ) from None
    from distributed import Client

    with (
        KubeCluster(
            name="energy-sweep",
            image=spec.image,
            namespace=spec.namespace,
            n_workers=spec.workers,
            resources=spec.resources,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


register("kubernetes", KubernetesCluster, launch)
