"""Checks of :func:`pipeline.cascade.propagate`'s arguments: one-line typed errors, nothing else."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import xarray as xr
from numpy.typing import ArrayLike, NDArray

from ..errors import InvalidParameterError, InvalidSignalError
from ..filters import FilterBank
from ..grid import Grid
from ..validation import check_integer
from .modulus_slack import SLACKS
from .rules import PATH_RULES

#: Values of ``propagate``'s ``sampling`` argument (:mod:`.critical`).
SAMPLINGS = ("exact", "critical")


def as_banks(bank: FilterBank | Sequence[FilterBank], depth: int) -> list[FilterBank]:
    """``depth`` banks on one grid: one bank repeated, or a sequence of exactly ``depth``."""
    depth = check_integer("depth", depth, minimum=1)
    if isinstance(bank, FilterBank):
        banks = [bank] * depth
    else:
        banks = list(bank)
        if len(banks) != depth or not all(isinstance(b, FilterBank) for b in banks):
            raise InvalidParameterError(
                "bank",
                f"sequence of {len(banks)} items",
                f"must be one FilterBank or a sequence of depth={depth} FilterBanks",
            )
    grid = banks[0].grid
    for b in banks[1:]:
        if b.grid != grid:
            raise InvalidParameterError(
                "bank",
                f"'{b.family}' bank on grid {b.shape}",
                f"must be on the grid {grid.shape} of the first layer's bank",
            )
    return banks


def as_signal_array(signals: ArrayLike | xr.DataArray, grid: Grid) -> tuple[NDArray, dict]:
    """Samples ``(batch, *grid.shape)`` (ints as float64) and the ``signal`` coordinates.

    A DataArray must have dims ``("signal", *grid.signal_dims)`` (the sample dims in any order).
    """
    coords: dict = {}
    dims = ("signal", *grid.signal_dims)
    if isinstance(signals, xr.DataArray):
        if signals.dims[:1] != ("signal",) or set(signals.dims) != set(dims):
            raise InvalidSignalError(
                "signals", f"DataArray with dims {signals.dims}", f"must have dims {dims}"
            )
        coords = {
            name: (("signal",), coord.values)
            for name, coord in signals.coords.items()
            if coord.dims == ("signal",)
        }
        signals = signals.transpose(*dims).values
    try:
        values = np.asarray(signals)
    except (TypeError, ValueError) as error:
        raise InvalidSignalError("signals", type(signals).__name__, "must be an array") from error
    if values.dtype.kind not in "biufc":
        raise InvalidSignalError("signals", f"dtype {values.dtype}", "must be numeric")
    if values.ndim != grid.ndim + 1:
        layout = ", ".join(
            ["batch", *("N" if grid.ndim == 1 else f"N{i + 1}" for i in range(grid.ndim))]
        )
        raise InvalidSignalError(
            "signals",
            f"array of shape {values.shape}",
            f"must be {grid.ndim + 1}-D ({layout}) for the bank's grid {grid.shape}; "
            "wrap one signal as x[None]",
        )
    if values.shape[0] == 0:
        raise InvalidSignalError(
            "signals", f"array of shape {values.shape}", "must hold at least one signal"
        )
    if values.shape[1:] != grid.shape:
        raise InvalidParameterError(
            "bank",
            f"bank on grid {grid.shape}",
            f"must be a bank on the signals' grid {values.shape[1:]}",
        )
    if not np.all(np.isfinite(values)):
        bad = np.argwhere(~np.isfinite(values))[0]
        names = ("t" if name == "time" else name for name in grid.signal_dims)
        where = ", ".join(f"{name}={int(i)}" for name, i in zip(names, bad[1:], strict=True))
        raise InvalidSignalError(
            "signals",
            f"non-finite sample at (signal {bad[0]}, {where})",
            "every sample must be finite (no NaN or Inf)",
        )
    if values.dtype.kind in "biu":
        values = values.astype(np.float64)
    return values, coords


def as_budget(energy_budget: float) -> float:
    """``energy_budget`` as a float in [0, 1)."""
    try:
        budget = float(energy_budget)
    except (TypeError, ValueError):
        raise InvalidParameterError("energy_budget", energy_budget, "must be a number") from None
    if not math.isfinite(budget) or budget < 0 or budget >= 1:
        raise InvalidParameterError(
            "energy_budget", energy_budget, "must lie in [0, 1) (a fraction of ||f||^2)"
        )
    return budget


def as_dtype(dtype: type | np.dtype) -> np.dtype:
    """float64 or float32, else InvalidParameterError."""
    try:
        resolved = np.dtype(dtype)
    except TypeError:
        resolved = None
    if resolved not in (np.dtype(np.float64), np.dtype(np.float32)):
        raise InvalidParameterError("dtype", dtype, "must be float64 or float32")
    return resolved


def as_modes(
    path_rule: str, sampling: str, oversampling: float, grid: Grid, slack: str = "energy"
) -> dict[str, str | float]:
    """``path_rule``, ``sampling``, ``oversampling`` and ``slack`` checked, as the output's
    attributes (``slack`` only when not the default ``"energy"``: outputs stay as before)."""
    if path_rule not in PATH_RULES:
        raise InvalidParameterError(
            "path_rule", path_rule, f"must be one of {', '.join(PATH_RULES)}"
        )
    if sampling not in SAMPLINGS:
        raise InvalidParameterError("sampling", sampling, f"must be one of {', '.join(SAMPLINGS)}")
    try:
        factor = float(oversampling)
    except (TypeError, ValueError):
        raise InvalidParameterError("oversampling", oversampling, "must be a number") from None
    if isinstance(oversampling, bool) or not math.isfinite(factor) or factor < 1:
        raise InvalidParameterError("oversampling", oversampling, "must be a number >= 1")
    if sampling == "critical" and grid.ndim != 1:
        raise InvalidParameterError(
            "sampling", sampling, f"is implemented for 1-D grids only (got grid {grid.shape})"
        )
    if slack not in SLACKS:
        raise InvalidParameterError("slack", slack, f"must be one of {', '.join(SLACKS)}")
    modes: dict[str, str | float] = {
        "path_rule": path_rule,
        "sampling": sampling,
        "oversampling": factor,
    }
    if slack != "energy":
        modes["slack"] = slack
    return modes


def as_block_size(block_size: int | None, grid: Grid, samples: int) -> int:
    """``block_size`` as an int >= 1; default about ``samples / grid.size``."""
    if block_size is None:
        return max(1, samples // grid.size)
    return check_integer("block_size", block_size, minimum=1)
