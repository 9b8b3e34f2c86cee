"""Reading a sweep spec from YAML, with command-line overrides on top."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from pipeline.errors import ConfigError

from .spec import SweepConfig

__all__ = ["load_config", "parse_yaml"]

#: Fields an override may not replace (lists and the cluster have their own options).
_NOT_OVERRIDABLE = ("signals", "banks", "cluster")


def load_config(
    path: str | Path,
    *,
    store: str | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    **fields: Any,
) -> SweepConfig:
    """Read, validate and resolve a sweep spec from a YAML file, with overrides on top.

    Parameters
    ----------
    path
        The YAML file (read with ``yaml.safe_load``).
    store
        Replaces ``store``.
    workers
        Replaces the worker count of the cluster: ``workers`` of ``local`` and ``kubernetes``,
        ``jobs`` of ``slurm``; refused for ``address`` (an existing scheduler).
    scheduler
        Address of an existing Dask scheduler: replaces ``cluster`` by
        ``{kind: address, address: scheduler}``.
    **fields
        Other top-level fields to replace (``depth``, ``chunk``, ``energy_budget``, ``name``,
        ``length``, ``shape``, ...). ``None`` values are ignored, as for the named overrides.

    Returns
    -------
    SweepConfig
        Validated and resolved (:attr:`SweepConfig.plan`).

    Raises
    ------
    ConfigError
        If the file is missing or unreadable, is not valid YAML (the message gives the line),
        or the spec (after overrides) is invalid.

    Examples
    --------
    From the repository root:

    >>> cfg = load_config("configs/quickstart.yaml", store="/tmp/q.zarr")
    >>> cfg.store, cfg.shape, len(cfg.work_units())
    ('/tmp/q.zarr', (1024,), 20)
    """
    source = Path(path)
    if not source.is_file():
        raise ConfigError.for_field("config", str(source), "file not found")
    try:
        text = source.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError.for_field("config", str(source), f"cannot be read ({error})") from None
    data = parse_yaml(text, str(source))
    if not isinstance(data, dict):
        raise ConfigError.for_field(
            "config",
            str(source),
            f"must hold a YAML mapping of the sweep's fields, not {type(data).__name__}",
        )
    return SweepConfig.from_mapping(
        _apply_overrides(data, store=store, workers=workers, scheduler=scheduler, fields=fields)
    )


def parse_yaml(text: str, source: str) -> Any:
    """``yaml.safe_load(text)``, a syntax error as one line with its position."""
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        raise ConfigError(f"{source}: YAML syntax error{where}: {problem}") from None


def _apply_overrides(
    data: dict[str, Any],
    *,
    store: str | None,
    workers: int | None,
    scheduler: str | None,
    fields: Mapping[str, Any],
) -> dict[str, Any]:
    data = dict(data)
    overridable = ["length", *(n for n in SweepConfig.model_fields if n not in _NOT_OVERRIDABLE)]
    for name, value in fields.items():
        if value is None:
            continue
        if name not in overridable:
            raise ConfigError.for_field(
                name,
                value,
                "is not a field that can be overridden; allowed: store, workers, scheduler, "
                + ", ".join(overridable),
            )
        if name in ("length", "shape"):  # one grid: the override replaces the other spelling
            data.pop("length", None)
            data.pop("shape", None)
        data[name] = value
    if store is not None:
        data["store"] = store
    if scheduler is not None:
        if workers is not None:
            raise ConfigError.for_field(
                "workers", workers, "cannot be set together with scheduler (an existing cluster)"
            )
        data["cluster"] = {"kind": "address", "address": scheduler}
    if workers is not None:
        cluster = data.get("cluster")
        cluster = dict(cluster) if isinstance(cluster, Mapping) else {}
        kind = cluster.setdefault("kind", "local")
        if kind in ("local", "kubernetes"):
            cluster["workers"] = workers
        elif kind == "slurm":
            cluster["jobs"] = workers
        else:
            raise ConfigError.for_field(
                "workers", workers, f"cannot be set for cluster kind {kind!r}"
            )
        data["cluster"] = cluster
    return data
