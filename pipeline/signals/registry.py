"""The registry of signal kinds: each kind module registers itself on import.

A kind is either

- **random**: ``generator(streams, shape, **params) -> (len(streams), *shape)`` array, row ``i``
  drawn from ``streams[i]`` alone (:mod:`pipeline.signals.streams` makes one stream per
  (group, row)); or
- a **record**: ``generator() -> 1-D array``, a recorded series shipped with a package, cut into
  consecutive non-overlapping segments of the requested length, each with its mean removed.

Each kind declares the grid dimensions it supports (``dims``), its dataset label, the formula
(``description``) and the names of the coordinates its parameters are stored under. The sweep
spec (:mod:`pipeline.sweep`) looks kinds up here; adding a kind is one module in
:mod:`pipeline.signals.kinds` plus its test (docs/extending.md).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import xarray as xr

from pipeline.errors import InvalidParameterError
from pipeline.validation import check_integer

from .arrays import NO_SEED, assemble
from .streams import row_streams, stream_key

__all__ = [
    "SignalKind",
    "make_signals",
    "register_signal_kind",
    "signal_kind",
    "signal_kinds",
]

#: Largest seed: seeds are stored as int64 coordinates.
MAX_SEED = int(np.iinfo(np.int64).max)

#: Positional arguments of a random generator, set by the caller (not parameters of the kind).
_STREAM_ARGUMENTS = ("streams", "shape")


@dataclass(frozen=True)
class SignalKind:
    """What a kind module declares when it registers (:func:`register_signal_kind`).

    Attributes
    ----------
    name
        The kind's name in configs (``kind: white_noise``).
    generator
        Random: ``generator(streams, shape, **params)``; record: ``generator()``.
    random
        Whether rows are drawn from seeded streams (a group then needs a ``seed``).
    dims
        Grid dimensions the kind supports, e.g. ``(1,)`` or ``(1, 2)``.
    dataset
        The ``dataset`` coordinate of its rows (``"synthetic"``, ``"pywt.ecg"``).
    description
        The formula of a row, stored as the signals' ``description`` attribute.
    coordinates
        Parameter name -> coordinate name on ``signal`` (default: the parameter's own name).
    """

    name: str
    generator: Callable[..., np.ndarray]
    random: bool
    dims: tuple[int, ...]
    dataset: str
    description: str
    coordinates: Mapping[str, str] = field(default_factory=dict)

    @property
    def parameters(self) -> dict[str, Any]:
        """Keyword parameters of the generator and their defaults (``inspect.Parameter.empty``
        where required)."""
        return {
            name: p.default
            for name, p in inspect.signature(self.generator).parameters.items()
            if name not in _STREAM_ARGUMENTS
        }

    def resolve(self, params: Mapping[str, Any]) -> dict[str, Any]:
        """``params`` with defaults filled in, after checking names (values are checked by the
        generator).

        Raises
        ------
        InvalidParameterError
            For a parameter the kind does not take, or a required one that is missing.
        """
        accepted = self.parameters
        for name, value in params.items():
            if name not in accepted:
                raise InvalidParameterError(
                    name,
                    value,
                    f"is not a parameter of {self.name!r}; allowed: {', '.join(accepted) or 'none'}",
                )
        resolved = {}
        for name, default in accepted.items():
            if name in params:
                resolved[name] = params[name]
            elif default is inspect.Parameter.empty:
                raise InvalidParameterError(name, _Missing(), f"is required by {self.name!r}")
            else:
                resolved[name] = default
        return resolved

    def record(self) -> np.ndarray:
        """The whole recorded series (records only), float64."""
        return np.asarray(self.generator(), dtype=np.float64)

    def rows(
        self,
        shape: tuple[int, ...],
        first: int,
        count: int,
        *,
        seed: int | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Rows ``first .. first + count - 1`` of a group of this kind, and their coordinates.

        Parameters
        ----------
        shape
            The grid of one row; ``len(shape)`` must be in :attr:`dims`.
        first, count
            Row range within the group (a record's segment ``i`` starts at sample ``i * N``).
        seed
            The group's seed (random kinds only).
        params
            The kind's parameters (defaults are filled in).

        Returns
        -------
        values, coords
            ``(count, *shape)`` float64 and per-row coordinates: ``dataset``, ``signal_class``,
            ``seed``, ``seed_key``, ``seed_row`` (``-1`` for records), one float64 coordinate per
            parameter, and ``record_offset`` for records.
        """
        if len(shape) not in self.dims:
            raise InvalidParameterError(
                "shape", shape, f"must have {_dims_text(self.dims)} for kind {self.name!r}"
            )
        resolved = self.resolve(params or {})
        if self.random:
            seed = check_integer("seed", seed, minimum=0, maximum=MAX_SEED)
            key = stream_key(self.name, resolved)
            values = self.generator(row_streams(seed, key, first, count), shape, **resolved)
            seeds = {
                "seed": np.full(count, seed, dtype=np.int64),
                "seed_key": np.full(count, key, dtype=np.int64),
                "seed_row": np.arange(first, first + count, dtype=np.int64),
            }
            extra: dict[str, np.ndarray] = {}
        else:
            if seed is not None:
                raise InvalidParameterError(
                    "seed", seed, f"must be omitted for {self.name!r} (a recorded signal)"
                )
            length = shape[0]
            offsets = np.arange(first, first + count) * length
            record = self.record()
            values = np.stack([record[o : o + length] for o in offsets])
            values = values - values.mean(axis=-1, keepdims=True)
            seeds = {
                name: np.full(count, NO_SEED, dtype=np.int64)
                for name in ("seed", "seed_key", "seed_row")
            }
            extra = {"record_offset": offsets.astype(np.float64)}
        coords = {
            "dataset": np.full(count, self.dataset),
            "signal_class": np.full(count, self.name),
            **seeds,
            **{
                self.coordinates.get(name, name): np.full(count, float(value))
                for name, value in resolved.items()
            },
            **extra,
        }
        return np.asarray(values, dtype=np.float64), coords


_KINDS: dict[str, SignalKind] = {}


def register_signal_kind(
    name: str,
    generator: Callable[..., np.ndarray],
    *,
    random: bool,
    dims: tuple[int, ...] = (1,),
    dataset: str = "synthetic",
    description: str = "",
    coordinates: Mapping[str, str] | None = None,
) -> SignalKind:
    """Register a signal kind under ``name`` (see :class:`SignalKind` for the arguments).

    Returns
    -------
    SignalKind
        The registered declaration.

    Raises
    ------
    ValueError
        If another generator is registered under ``name``, a random generator does not take
        ``(streams, shape)`` first, or a record declares parameters or more than 1-D.
    """
    if name in _KINDS and _KINDS[name].generator is not generator:
        raise ValueError(f"signal kind {name!r} is already registered")
    kind = SignalKind(
        name, generator, random, tuple(dims), dataset, description, dict(coordinates or {})
    )
    positional = list(inspect.signature(generator).parameters)
    if random and positional[:2] != list(_STREAM_ARGUMENTS):
        raise ValueError(f"signal kind {name!r}: a random generator takes (streams, shape, ...)")
    if not random and (positional or kind.dims != (1,)):
        raise ValueError(f"signal kind {name!r}: a record takes no arguments and is 1-D")
    _KINDS[name] = kind
    return kind


def signal_kinds() -> list[str]:
    """Names of the registered kinds, sorted."""
    return sorted(_KINDS)


def signal_kind(name: object) -> SignalKind:
    """The declaration of a registered kind.

    Raises
    ------
    InvalidParameterError
        ``kind = 'pink_noise': must be one of white_noise, ...``.
    """
    if not isinstance(name, str) or name not in _KINDS:
        raise InvalidParameterError("kind", name, f"must be one of {', '.join(signal_kinds())}")
    return _KINDS[name]


def make_signals(
    kind: str,
    *,
    count: int = 1,
    length: int | None = None,
    shape: tuple[int, ...] | None = None,
    seed: int | None = None,
    **params: Any,
) -> xr.DataArray:
    """Rows ``0 .. count - 1`` of a group of a registered kind, as a DataArray.

    Parameters
    ----------
    kind
        A registered kind (:func:`signal_kinds`).
    count
        Number of rows, ``>= 1``.
    length, shape
        The grid: ``length`` N for 1-D (``>= 2``), or ``shape`` (each dim ``>= 2``); one of them.
        A record accepts neither, and then takes the longest segments that fit (``available //
        count`` samples).
    seed
        The group's seed, an integer ``>= 0``, for random kinds; omitted for records.
    **params
        The kind's parameters (``bandwidth``, ``s``, ...).

    Returns
    -------
    xarray.DataArray
        float64, dims ``("signal", "time")`` for 1-D (``("signal", "y", "x")`` for 2-D), with
        the coordinates of :meth:`SignalKind.rows` and attributes ``units``, ``long_name``,
        ``description``.

    Raises
    ------
    InvalidParameterError
        For an unknown kind, parameter or value (one line naming it and what is allowed).

    Examples
    --------
    >>> make_signals("sobolev", count=2, length=64, s=0.5, seed=1).signal_class.values[0]
    np.str_('sobolev')
    """
    declared = signal_kind(kind)
    count = check_integer("count", count, minimum=1)
    if length is not None and shape is not None:
        raise InvalidParameterError("shape", shape, "must be omitted when length is given")
    if length is not None:
        shape = (length,)
    if shape is None:
        if declared.random:
            raise InvalidParameterError("length", None, f"is required by {kind!r}")
        available = declared.record().shape[0]
        if available // count < 2:
            raise InvalidParameterError(
                "count", count, f"must be <= {available // 2} ({available} samples in the record)"
            )
        shape = (available // count,)
    shape = tuple(
        check_integer("length" if len(shape) == 1 else "shape", n, minimum=2) for n in shape
    )
    if not declared.random:
        available = declared.record().shape[0]
        check_integer("length", shape[0], minimum=2, maximum=available)
        if count * shape[0] > available:
            raise InvalidParameterError(
                "count",
                count,
                f"must be <= {available // shape[0]} for length = {shape[0]} "
                f"({available} samples in the record)",
            )
    values, coords = declared.rows(shape, 0, count, seed=seed, params=params)
    return assemble(values, coords, long_name=f"{kind} signal", description=declared.description)


def _dims_text(dims: tuple[int, ...]) -> str:
    return " or ".join(str(d) for d in dims) + f" dimension{'s' if dims != (1,) else ''}"


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"
