"""Cluster backends of a sweep, one module per backend, each registering itself.

A sweep config's ``cluster:`` section names a backend by ``kind``; :func:`cluster_spec` validates
the section into that backend's model (one-line :class:`~pipeline.errors.ConfigError` messages)
and :func:`dask_client` starts or reaches the cluster and yields a ``distributed.Client``.
Nothing here imports ``distributed`` until a launcher runs, so validating a section is cheap.

Adding a backend is adding a module here that defines its model and launcher and calls
:func:`register` (see ``local.py``), plus its test.
"""

from pipeline.errors import ClusterUnavailableError
from pipeline.plugins import import_modules

from ._registry import (
    DEFAULT_KIND,
    ClusterBackend,
    StrictInteger,
    backend,
    backends,
    cluster_schema,
    cluster_spec,
    dask_client,
    register,
)

# Every public module of this package is a backend that registers itself on import.
import_modules(__name__, __path__)

__all__ = [
    "DEFAULT_KIND",
    "ClusterBackend",
    "ClusterUnavailableError",
    "StrictInteger",
    "backend",
    "backends",
    "cluster_schema",
    "cluster_spec",
    "dask_client",
    "register",
]
