"""Signal groups as sources of rows: random generators, shipped records and files.

:func:`resolve_source` is the step of :func:`pipeline.sweep.resolve` that looks at a group's
data: it inspects files (rank, dtype, rows), checks a record's length, and draws one throwaway
row of a generator to check its parameter values. The result, a :class:`SignalSource`, makes
any range of the group's rows (:meth:`SignalSource.rows`) and their coordinates
(:meth:`SignalSource.coords`) on any worker.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from pipeline.errors import ConfigError, InvalidParameterError
from pipeline.signals import NO_SEED, SignalKind, signal_kind

from .messages import path_error, reraised_under
from .readers import reader_for
from .spec import FILE_KIND, SignalGroup

__all__ = ["FILE_SIGNAL_CLASS", "SignalSource", "resolve_source"]

#: ``signal_class`` of rows read from a file.
FILE_SIGNAL_CLASS = "file"

#: The stream coordinates every row carries (``-1`` where the row is not random).
SEED_COORDS = ("seed", "seed_key", "seed_row")


@dataclass(frozen=True)
class SignalSource:
    """A resolved signal group: where its rows come from and how many there are.

    Attributes
    ----------
    index
        Position of the group in ``signals:``.
    offset
        Its first row on the concatenated signal axis.
    count
        Its number of rows (resolved: every row of a file when ``count`` was omitted).
    mode
        ``"random"``, ``"record"`` or ``"file"``.
    group
        The spec's entry.
    params
        The kind's parameters, defaults filled in (random and record kinds).
    coord_names
        The coordinates its rows carry, in order.
    digest
        Files: the sha256 of rows ``[0, count)`` as little-endian float64, taken while checking
        that every sample is finite (the plan's hashes reuse it instead of reading again).
    """

    index: int
    offset: int
    count: int
    mode: Literal["random", "record", "file"]
    group: SignalGroup
    params: dict[str, Any] = field(default_factory=dict)
    coord_names: tuple[str, ...] = ()
    digest: str | None = field(default=None, compare=False)

    @property
    def kind(self) -> SignalKind:
        """The registered kind (random and record sources)."""
        return signal_kind(self.group.kind)

    def rows(self, shape: tuple[int, ...], first: int, last: int) -> tuple[np.ndarray, dict]:
        """Rows ``[first, last)`` of the group, ``(last - first, *shape)`` float64, and their
        coordinates (:meth:`coords`)."""
        if self.mode == "file":
            path = str(self.group.path)
            values = reader_for(path).read(path, self.group.variable, first, last)
            return values, self.coords(shape, first, last)
        return self.kind.rows(shape, first, last - first, seed=self.group.seed, params=self.params)

    def coords(self, shape: tuple[int, ...], first: int, last: int) -> dict[str, np.ndarray]:
        """Coordinates of rows ``[first, last)``, computed without making the rows (random
        kinds and files) or from the tiny record (records)."""
        count = last - first
        if self.mode == "file":
            return {
                "dataset": np.full(count, str(self.group.path)),
                "signal_class": np.full(count, FILE_SIGNAL_CLASS),
                **{name: np.full(count, NO_SEED, dtype=np.int64) for name in SEED_COORDS},
                "file_row": np.arange(first, last, dtype=np.float64),
            }
        if self.mode == "record":
            return self.kind.rows(shape, first, count, params=self.params)[1]
        _, one = self.kind.rows(shape, 0, 1, seed=self.group.seed, params=self.params)
        coords = {name: np.repeat(values, count) for name, values in one.items()}
        coords["seed_row"] = np.arange(first, last, dtype=np.int64)
        return coords


def resolve_source(
    index: int, group: SignalGroup, shape: tuple[int, ...], offset: int
) -> SignalSource:
    """Look at a group's data and resolve it into a :class:`SignalSource`.

    Raises
    ------
    ConfigError
        Naming ``signals[i].<field>``: a file that is missing, unreadable, of the wrong rank,
        dtype or row shape, or with fewer rows than ``count``; a record shorter than the grid
        or than ``count`` segments; a parameter value the kind refuses.
    """
    here = f"signals[{index}]"
    if group.kind == FILE_KIND:
        count = _resolve_file(here, group, shape)
        digest = _scan_file(here, group, shape, count, offset)
        return SignalSource(index, offset, count, "file", group, {}, _names(("file_row",)), digest)
    kind = signal_kind(group.kind)
    count = 1 if group.count is None else group.count
    grid_field = "length" if len(shape) == 1 else "shape"
    with reraised_under(here, group.params, top_level={"length": grid_field, "shape": "shape"}):
        params = kind.resolve(group.params)
        if kind.random:
            _, coords = kind.rows(shape, 0, 1, seed=group.seed, params=params)
        else:
            _check_record(here, kind, shape, count)
            _, coords = kind.rows(shape, 0, 1, params=params)
    mode: Literal["random", "record"] = "random" if kind.random else "record"
    names = tuple(name for name in coords if name not in ("dataset", "signal_class", *SEED_COORDS))
    return SignalSource(index, offset, count, mode, group, params, _names(names))


def _names(extra: tuple[str, ...]) -> tuple[str, ...]:
    return ("dataset", "signal_class", *SEED_COORDS, *extra)


def _check_record(here: str, kind: SignalKind, shape: tuple[int, ...], count: int) -> None:
    available = kind.record().shape[0]
    (length,) = shape
    if length > available:
        raise ConfigError.for_field(
            f"{here}.kind",
            kind.name,
            f"the record has {available} samples, fewer than length = {length}; "
            f"use length <= {available} or another kind",
        )
    if count * length > available:
        raise ConfigError.for_field(
            f"{here}.count",
            count,
            f"must be <= {available // length} (the '{kind.name}' record has "
            f"{available} samples, cut into segments of length = {length})",
        )


def _resolve_file(here: str, group: SignalGroup, shape: tuple[int, ...]) -> int:
    """Rows of a file group after checking its format, variable, rank, dtype and row shape."""
    path = str(group.path)
    with reraised_under(here, {}, top_level={}):
        reader = reader_for(path)
    if not Path(path).exists():
        raise path_error(f"{here}.path", path, "file not found")
    try:
        info = reader.inspect(path, group.variable)
    except InvalidParameterError as error:
        raise ConfigError.for_field(
            f"{here}.{error.argument}", error.value, error.allowed
        ) from None
    except Exception as error:  # unreadable file: any library's error, reported in one line
        raise path_error(
            f"{here}.path",
            path,
            f"cannot be read as {reader.name} ({type(error).__name__}: {error})",
        ) from None
    rank = len(shape) + 1
    axes = "length" if len(shape) == 1 else ", ".join(f"N{i + 1}" for i in range(len(shape)))
    if len(info.shape) != rank:
        raise path_error(
            f"{here}.path",
            path,
            f"must hold a {rank}-D array (rows, {axes}), not shape {info.shape}",
        )
    if info.dtype.kind not in "biuf":
        raise path_error(f"{here}.path", path, f"must hold real numbers, not dtype {info.dtype}")
    rows, row_shape = info.shape[0], info.shape[1:]
    if rows < 1:
        raise path_error(f"{here}.path", path, "holds no rows")
    if row_shape != tuple(shape):
        wanted = (
            f"rows have {row_shape[0]} samples; they must have length = {shape[0]}"
            if len(shape) == 1
            else f"rows have shape {list(row_shape)}; they must have shape {list(shape)}"
        )
        raise path_error(f"{here}.path", path, wanted)
    if group.count is None:
        return rows
    if group.count > rows:
        raise ConfigError.for_field(
            f"{here}.count", group.count, f"must be <= {rows} (rows in {group.path})"
        )
    return group.count


#: Bytes of float64 rows read at a time when a file is scanned (memory stays bounded by this).
SCAN_BLOCK_BYTES = 2**25


def _scan_file(
    here: str, group: SignalGroup, shape: tuple[int, ...], count: int, offset: int
) -> str:
    """Read rows ``[0, count)`` of a file once, in blocks of :data:`SCAN_BLOCK_BYTES`: refuse
    the first NaN or infinite sample, naming the file's row and the sweep's row; return the
    sha256 of the rows as little-endian float64.

    Raises
    ------
    ConfigError
        ``signals[i].path = '/abs/rows.npy': row 3 of the file (signal 17 of the sweep) holds
        NaN at sample 12; every sample must be finite``.
    """
    path = str(group.path)
    reader = reader_for(path)
    step = max(1, SCAN_BLOCK_BYTES // (8 * math.prod(shape)))
    digest = hashlib.sha256()
    for first in range(0, count, step):
        rows = reader.read(path, group.variable, first, min(count, first + step))
        finite = np.isfinite(rows).reshape(len(rows), -1)
        if not finite.all():
            row, sample = (int(i[0]) for i in np.nonzero(~finite))
            value = float(rows.reshape(len(rows), -1)[row, sample])
            what = "NaN" if math.isnan(value) else "+Inf" if value > 0 else "-Inf"
            index = [int(i) for i in np.unravel_index(sample, shape)]
            at = f" at sample {index[0] if len(shape) == 1 else index}"
            raise path_error(
                f"{here}.path",
                path,
                f"row {first + row} of the file (signal {offset + first + row} of the sweep) "
                f"holds {what}{at}; every sample must be finite",
            )
        digest.update(rows.astype("<f8", copy=False).tobytes())
    return digest.hexdigest()
