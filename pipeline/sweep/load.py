"""Reading a sweep spec from YAML, with command-line overrides on top.

The YAML is read defensively, every refusal one line: a file larger than
:data:`MAX_CONFIG_BYTES` is not read; a key repeated in one mapping is refused (YAML would keep
the last one silently); nesting deeper than :data:`MAX_YAML_DEPTH` and aliases that expand to
more than :data:`MAX_ALIAS_EXPANSION` nodes (an "alias bomb") are refused before any Python
object is built. Relative ``store`` and signal ``path`` values of a config file are relative to
the file's folder, and are replaced by absolute paths.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, SequenceNode

from pipeline.errors import ConfigError, _short_repr

from .spec import SweepConfig

__all__ = [
    "MAX_ALIAS_EXPANSION",
    "MAX_CONFIG_BYTES",
    "MAX_YAML_DEPTH",
    "load_config",
    "parse_yaml",
    "resolve_paths",
]

#: Largest config file read, in bytes (a sweep spec is a few kB; 1 MiB leaves room for long
#: bank grids and comments while keeping the parse well under a second).
MAX_CONFIG_BYTES = 2**20

#: Deepest nesting of YAML collections (a spec nests 5 deep; PyYAML recurses per level).
MAX_YAML_DEPTH = 64

#: Most nodes the document may have once aliases are expanded (``*a`` counted as a copy of
#: ``&a``); nine aliases of nine aliases ... would otherwise build 9**9 objects.
MAX_ALIAS_EXPANSION = 100_000

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
        size = source.stat().st_size
        if size > MAX_CONFIG_BYTES:
            raise ConfigError.for_field(
                "config",
                str(source),
                f"is {size} bytes; a sweep spec may hold at most {MAX_CONFIG_BYTES} bytes (1 MiB)",
            )
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
    data = resolve_paths(data, source.parent)
    return SweepConfig.from_mapping(
        _apply_overrides(data, store=store, workers=workers, scheduler=scheduler, fields=fields)
    )


def resolve_paths(data: dict[str, Any], folder: str | Path) -> dict[str, Any]:
    """``data`` with its relative ``store``, ``signals[i].path`` and ``signals[i].files``
    (glob patterns) made absolute against
    ``folder`` (the config file's folder; ``~`` expands to the home folder).

    Values of the wrong type are left for validation to report.
    """
    base = Path(folder).absolute()

    def absolute(value: Any) -> Any:
        if not isinstance(value, str) or not value:
            return value
        return os.path.normpath(base / Path(value).expanduser())

    data = dict(data)
    if "store" in data:
        data["store"] = absolute(data["store"])
    signals = data.get("signals")
    if isinstance(signals, list):
        data["signals"] = [
            {**group, **{key: absolute(group[key]) for key in ("path", "files") if key in group}}
            if isinstance(group, Mapping)
            else group
            for group in signals
        ]
    return data


def parse_yaml(text: str, source: str) -> Any:
    """``yaml.safe_load(text)`` with the checks of :class:`_SpecLoader`; a syntax error, a
    duplicate key, too deep a nesting or an alias bomb as one line with its position."""
    if len(text) > MAX_CONFIG_BYTES:
        raise ConfigError.for_field(
            "config",
            source,
            f"is {len(text)} characters; a sweep spec may hold at most {MAX_CONFIG_BYTES}",
        )
    loader = _SpecLoader(text, source)
    try:
        return loader.get_single_data()
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        raise ConfigError(f"{source}: YAML syntax error{where}: {problem}") from None
    finally:
        loader.dispose()


class _SpecLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses duplicate keys, deep nesting and alias bombs."""

    def __init__(self, text: str, source: str) -> None:
        super().__init__(text)
        self.source = source
        self.nesting = 0
        self.aliases = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        if self.check_event(AliasEvent):
            self.aliases += 1
            return super().compose_node(parent, index)  # type: ignore[no-any-return]
        self.nesting += 1
        if self.nesting > MAX_YAML_DEPTH:
            mark = self.peek_event().start_mark
            raise ConfigError(
                f"{self.source}: YAML nested deeper than {MAX_YAML_DEPTH} levels at line "
                f"{mark.line + 1}; a sweep spec nests a few levels"
            )
        try:
            return super().compose_node(parent, index)  # type: ignore[no-any-return]
        finally:
            self.nesting -= 1

    def compose_document(self) -> Node:
        node: Node = super().compose_document()
        if self.aliases:
            size = _expanded_size(node, {}, MAX_ALIAS_EXPANSION)
            if size > MAX_ALIAS_EXPANSION:
                raise ConfigError(
                    f"{self.source}: YAML aliases (*name) expand to more than "
                    f"{MAX_ALIAS_EXPANSION} values ({self.aliases} aliases); write the values "
                    "out or use fewer aliases"
                )
        return node

    def construct_mapping(self, node: Node, deep: bool = False) -> dict[Any, Any]:
        if isinstance(node, MappingNode):
            seen: dict[Any, int] = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=True)
                line = key_node.start_mark.line + 1
                try:
                    first = seen.get(key)
                except TypeError:
                    continue  # an unhashable key: SafeLoader reports it
                seen[key] = line
                if first is not None:
                    raise ConfigError(
                        f"{self.source}: duplicate key {_short_repr(key)} at line {line} (first "
                        f"at line {first}); each key may appear once in a mapping",
                        field=str(key),
                    )
        return super().construct_mapping(node, deep=deep)  # type: ignore[no-any-return]


def _expanded_size(node: Node, memo: dict[int, int], limit: int) -> int:
    """Number of nodes of the document with every alias replaced by a copy of its anchor
    (each shared node counted once per use), stopping once past ``limit``."""
    if id(node) in memo:
        return memo[id(node)]
    size = 1
    if isinstance(node, SequenceNode):
        children: list[Node] = list(node.value)
    elif isinstance(node, MappingNode):
        children = [item for pair in node.value for item in pair]
    else:
        children = []
    for child in children:
        size += _expanded_size(child, memo, limit)
        if size > limit:
            break
    memo[id(node)] = size
    return size


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
