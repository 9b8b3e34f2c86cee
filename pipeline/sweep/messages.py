"""One-line :class:`~pipeline.errors.ConfigError` messages from pydantic and library errors.

Every problem in a spec is reported as ``"{field path} = {value!r}: {what is allowed}"``, the
field path spelled as in the YAML (``banks[1].params.dilation[0]``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from pydantic import ValidationError

from pipeline.errors import ConfigError, EnergySweepError, InvalidParameterError, _short_repr
from pipeline.validation import field_error

__all__ = ["PATH_REPR_LIMIT", "config_error", "path_error", "reraised_under"]

#: Characters of a path shown in a message: the whole resolved path (a path is at most 4096
#: bytes on Linux), where other values are cut at 80.
PATH_REPR_LIMIT = 4096


def path_error(field: str, path: object, allowed: str) -> ConfigError:
    """``"{field} = '/the/resolved/path': {allowed}"``, the path shown whole."""
    return ConfigError(f"{field} = {_short_repr(path, PATH_REPR_LIMIT)}: {allowed}", field=field)


def config_error(error: ValidationError, allowed_keys: Mapping[str, list[str]]) -> ConfigError:
    """One line for the first error of a pydantic ``ValidationError``.

    Parameters
    ----------
    error
        What ``SweepConfig.model_validate`` raised.
    allowed_keys
        Field names of each model, by the kind of its place: ``""`` (the top level),
        ``"signals"`` and ``"banks"`` (an entry of those lists); named in "unknown key" messages.
    """
    errors = error.errors()
    first = errors[0]
    if _is_params_value(tuple(first["loc"])):
        # a union (number | list of numbers): report the member error that points deepest
        same = [e for e in errors if tuple(e["loc"])[:4] == tuple(first["loc"])[:4]]
        first = max(same, key=lambda e: sum(isinstance(item, int) for item in e["loc"]))
    cause = (first.get("ctx") or {}).get("error")
    if isinstance(cause, ConfigError):
        return cause
    kind = first["type"]
    value = first.get("input")
    path, loc = _format_loc(tuple(first["loc"]))
    if kind == "extra_forbidden":
        parent = "" if len(loc) == 1 else str(loc[0]) if len(loc) == 3 else None
        return field_error(first, path, allowed_keys.get(parent, []) if parent is not None else [])
    if _is_params_value(loc):
        if loc[0] == "banks" and len(loc) > 4:
            rule = "must be a number, a string or null"
        elif loc[0] == "banks" and isinstance(value, list):
            rule = "must be a non-empty list of numbers, strings or null"
        elif loc[0] == "banks":
            rule = "must be a number, a string, null or a non-empty list of them"
        else:
            rule = "must be a number"
        return ConfigError.for_field(path, value, rule)
    return field_error(first, path)


@contextmanager
def reraised_under(
    here: str,
    params: Mapping[str, Any],
    *,
    top_level: Mapping[str, str],
    fields: tuple[str, ...] = ("count", "seed", "family", "kind", "path", "variable"),
    where: Mapping[str, int] | None = None,
) -> Iterator[None]:
    """Re-raise library errors of the block as one-line ConfigErrors under the field ``here``.

    Parameters
    ----------
    here
        The field path of the group or grid being checked (``"banks[1]"``).
    params
        The parameters passed: an error about one of them names ``here.params.<name>``, with
        the list index from ``where`` for values taken from a grid list.
    top_level
        Arguments that stand for a top-level field (``{"shape": "shape", "length": "length"}``).
    fields
        Arguments that are fields of the entry itself (``here.<name>``).
    where
        Index into the grid list of each listed parameter.
    """
    try:
        yield
    except ConfigError:
        raise
    except InvalidParameterError as error:
        argument = error.argument
        if argument in params:
            path = f"{here}.params.{argument}"
            if where and argument in where:
                path += f"[{where[argument]}]"
        elif argument in fields:
            path = f"{here}.{argument}"
        elif argument in top_level:
            field = top_level[argument]
            message = str(ConfigError.for_field(field, error.value, error.allowed))
            raise ConfigError(f"{message} (in {here})", field=field) from None
        else:
            raise ConfigError(f"{here} {dict(params)}: {error}") from None
        if argument == "path":
            raise path_error(path, error.value, error.allowed) from None
        raise ConfigError.for_field(path, error.value, error.allowed) from None
    except EnergySweepError as error:
        raise ConfigError(f"{here} {dict(params)}: {error}") from None


def _is_params_value(loc: tuple[Any, ...]) -> bool:
    return len(loc) >= 4 and loc[0] in ("signals", "banks") and loc[2] == "params"


def _format_loc(loc: tuple[Any, ...]) -> tuple[str, tuple[Any, ...]]:
    """``("banks", 0, "params", "x", <member>...)`` -> ``"banks[0].params.x"`` and the kept loc.

    Union-member markers that pydantic inserts (``int``, ``float``, ``list[...]``) are dropped.
    """
    kept = list(loc)
    if _is_params_value(tuple(kept)):
        tail = kept[4:]
        kept = kept[:4]
        list_index = next((t for t in tail if isinstance(t, int)), None)
        if list_index is not None:
            kept.append(list_index)
    text = ""
    for item in kept:
        text += f"[{item}]" if isinstance(item, int) else (f".{item}" if text else str(item))
    return text or "config", tuple(kept)
