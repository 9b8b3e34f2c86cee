"""Typed exceptions of energy-sweep.

Every error a user can provoke with bad input is one of these. Messages are one line and name the
argument, the value and what is allowed, so that the CLI can print them as they are.
"""

from __future__ import annotations


class EnergySweepError(ValueError):
    """Base class of all errors raised on bad input."""


class InvalidParameterError(EnergySweepError):
    """An argument has a value outside what is allowed.

    Parameters
    ----------
    argument
        Name of the offending argument, as the user spelled it.
    value
        The value received.
    allowed
        What is allowed, in words ("must be an integer >= 1").
    """

    def __init__(self, argument: str, value: object, allowed: str) -> None:
        self.argument = argument
        self.value = value
        self.allowed = allowed
        super().__init__(f"{argument} = {_short_repr(value)}: {allowed}")


class InvalidSignalError(InvalidParameterError):
    """Signals with the wrong shape, no rows, or non-finite samples."""


class UnknownFamilyError(InvalidParameterError):
    """A filter family name that is not registered."""


class ConfigError(EnergySweepError):
    """A sweep spec that cannot be run: a one-line message naming the field, value and rule.

    Parameters
    ----------
    message
        The whole message, one line (newlines are replaced by spaces).
    field
        The field path (``"banks[1].params.dilation"``), when one field is at fault.

    Examples
    --------
    >>> str(ConfigError.for_field("depth", 0, "must be an integer >= 1"))
    'depth = 0: must be an integer >= 1'
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        self.field = field
        super().__init__(" ".join(str(message).split()))

    @classmethod
    def for_field(cls, path: str, value: object, allowed: str) -> ConfigError:
        """``"{path} = {value!r}: {allowed}"``, the message of one bad field."""
        return cls(f"{path} = {_short_repr(value)}: {allowed}", field=path)


class BankCoverageError(EnergySweepError):
    """A filter bank leaves some frequency bin uncovered (Littlewood-Paley sum is zero there)."""


class StoreError(EnergySweepError):
    """A store that is missing, not an energy-sweep store, or a unit that cannot be written."""


class StoreMismatchError(StoreError):
    """An existing store was made with other settings than the ones asked for."""


class StoreLockedError(StoreError):
    """Another run holds the store's lock (the message names its host, pid, start and command)."""


class ClusterUnavailableError(EnergySweepError):
    """The configured cluster cannot be started or reached from here."""


class FitsMissingError(StoreError):
    """A store without (complete) decay fits: ``energy-sweep fit STORE`` has to run first.

    The message names the store and the fit variables it lacks.
    """


class ReportError(EnergySweepError):
    """The report cannot be written to the folder asked for (the message names the folder)."""


def _short_repr(value: object, limit: int = 80) -> str:
    """``repr(value)`` on one line, cut to ``limit`` characters.

    The repr is built piece by piece and stops once ``limit`` is passed, so a huge list, dict,
    string or integer (an alias bomb, a 50 MB value) costs ``O(limit)``, not its full repr.
    """
    text = _bounded_repr(value, limit + 1, depth=0)
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return text.replace("\n", " ")


#: Containers that :func:`_bounded_repr` walks item by item.
_BRACKETS: dict[type, tuple[str, str]] = {
    list: ("[", "]"),
    tuple: ("(", ")"),
    set: ("{", "}"),
    frozenset: ("frozenset({", "})"),
    dict: ("{", "}"),
}


def _bounded_repr(value: object, budget: int, depth: int) -> str:
    """A prefix of ``repr(value)`` at least ``budget`` characters long when the repr is longer
    (then possibly not closed), the exact repr otherwise."""
    kind = type(value)
    if kind is str:
        text = value if len(value) <= budget else value[:budget]  # type: ignore[index]
        return repr(text) if len(text) == len(value) else repr(text)[:-1]  # type: ignore[arg-type]
    if kind is bytes:
        return repr(value[:budget])  # type: ignore[index]
    if kind is int and value.bit_length() > 14_000:  # type: ignore[attr-defined]  # > 4300 digits
        return f"<integer of {value.bit_length()} bits>"  # type: ignore[attr-defined]
    if kind not in _BRACKETS:
        return repr(value)
    if depth > 32:
        return "..."
    open_, close = _BRACKETS[kind]
    if not value:  # type: ignore[truthy-bool]
        return "set()" if kind is set else "frozenset()" if kind is frozenset else open_ + close
    items = value.items() if kind is dict else value  # type: ignore[attr-defined]
    parts: list[str] = []
    used = len(open_)
    for item in items:  # type: ignore[attr-defined]
        if kind is dict:
            key, item_value = item
            piece = _bounded_repr(key, budget - used, depth + 1) + ": "
            piece += _bounded_repr(item_value, budget - used - len(piece), depth + 1)
        else:
            piece = _bounded_repr(item, budget - used, depth + 1)
        parts.append(piece)
        used += len(piece) + 2
        if used > budget:
            return open_ + ", ".join(parts)
    if kind is tuple and len(parts) == 1:
        return "(" + parts[0] + ",)"
    return open_ + ", ".join(parts) + close
