"""Registry of cluster backends: each backend module registers its config model and launcher.

A backend is a ``kind`` (the value of ``cluster.kind`` in a sweep config), a pydantic model of
its ``cluster:`` section (with ``kind: Literal[<kind>]`` and ``extra="forbid"``) and a launcher,
a context manager that yields a ``distributed.Client`` and closes what it started on exit.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Annotated, Any

from pydantic import BaseModel, Field, TypeAdapter, ValidationError

from pipeline.errors import ConfigError
from pipeline.validation import field_error

from ._fields import StrictInteger  # noqa: F401  (re-exported: backends' integer fields)

if typing.TYPE_CHECKING:
    from distributed import Client


#: The backend of a ``cluster:`` mapping without ``kind``.
DEFAULT_KIND = "local"

Launcher = Callable[[Any], AbstractContextManager["Client"]]


@dataclass(frozen=True)
class ClusterBackend:
    """What a backend module declares when it registers.

    Attributes
    ----------
    kind
        the value of ``cluster.kind`` that selects it.
    model
        the pydantic model of its ``cluster:`` section.
    launch
        ``launch(spec)``: a context manager yielding a ``distributed.Client`` on the cluster.
    """

    kind: str
    model: type[BaseModel]
    launch: Launcher


_BACKENDS: dict[str, ClusterBackend] = {}


def register(kind: str, model: type[BaseModel], launch: Launcher) -> None:
    """Register a backend: ``model`` validates ``cluster:`` sections of ``kind``, ``launch`` starts it."""
    field = model.model_fields.get("kind")
    if field is None or typing.get_args(field.annotation) != (kind,):
        raise ValueError(f"cluster backend {kind!r}: its model needs kind: Literal[{kind!r}]")
    if model.model_config.get("extra") != "forbid":
        raise ValueError(f"cluster backend {kind!r}: its model must forbid unknown keys")
    if kind in _BACKENDS and _BACKENDS[kind].model is not model:
        raise ValueError(f"cluster backend {kind!r} is already registered")
    _BACKENDS[kind] = ClusterBackend(kind, model, launch)


def backends() -> list[str]:
    """Kinds of the registered backends, sorted."""
    return sorted(_BACKENDS)


def backend(kind: str) -> ClusterBackend:
    """The registered backend of ``kind`` (a one-line :class:`ConfigError` if there is none)."""
    if kind not in _BACKENDS:
        raise ConfigError.for_field("cluster.kind", kind, f"must be one of {', '.join(backends())}")
    return _BACKENDS[kind]


def cluster_spec(cluster: Mapping[str, Any] | BaseModel | None) -> BaseModel:
    """Validate a config's ``cluster:`` section into its backend's model.

    Parameters
    ----------
    cluster
        The mapping (``{"kind": "slurm", "cores": 4, ...}``; no ``kind`` means ``local``,
        ``None`` the local defaults), or a model to validate again.

    Raises
    ------
    ConfigError
        One line naming the field, the value and what is allowed
        (``cluster.workers = 0: must be >= 1``).

    Examples
    --------
    >>> cluster_spec({"workers": 3}).workers
    3
    >>> try:
    ...     cluster_spec({"kind": "address"})
    ... except ConfigError as error:
    ...     print(error)
    cluster.address: is required but missing
    """
    if cluster is None:
        cluster = {}
    if isinstance(cluster, BaseModel):
        cluster = cluster.model_dump()
    if not isinstance(cluster, Mapping):
        raise ConfigError.for_field("cluster", cluster, "must be a mapping with a kind")
    data = {"kind": DEFAULT_KIND, **cluster}
    kind = data["kind"]
    if not isinstance(kind, str):
        raise ConfigError.for_field("cluster.kind", kind, f"must be one of {', '.join(backends())}")
    model = backend(kind).model
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise _one_line(error, model) from None


def dask_client(cluster: Mapping[str, Any] | BaseModel | None) -> AbstractContextManager[Client]:
    """A ``distributed.Client`` on the cluster a ``cluster:`` section describes.

    The section is validated with :func:`cluster_spec`; on exit the client is closed, and the
    cluster with it when the launcher started one.
    """
    spec = cluster_spec(cluster)
    return backend(spec.kind).launch(spec)


def cluster_schema() -> tuple[dict[str, Any], dict[str, Any]]:
    """The JSON schema of a ``cluster:`` section (a union of the backends' models, told apart by
    ``kind``) and the ``$defs`` it refers to."""
    models = tuple(_BACKENDS[kind].model for kind in backends())
    union = Annotated[typing.Union[models], Field(discriminator="kind")]  # noqa: UP007
    schema = TypeAdapter(union).json_schema(ref_template="#/$defs/{model}")
    return schema, schema.pop("$defs", {})


# --------------------------------------------------------------------------------------------
# one-line messages


def _one_line(error: ValidationError, model: type[BaseModel]) -> ConfigError:
    """The first error of a backend model's validation as ``cluster.<field> = <value>: <rule>``."""
    first = error.errors()[0]
    path = "cluster" + "".join(
        f"[{item}]" if isinstance(item, int) else f".{item}" for item in first["loc"]
    )
    return field_error(first, path, list(model.model_fields))
