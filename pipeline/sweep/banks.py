"""Bank grids expanded into concrete banks, and the coordinates of the store's ``bank`` axis."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, NamedTuple

import numpy as np

from pipeline.errors import ConfigError
from pipeline.filters import make_bank
from pipeline.signals.streams import canonical_json, normalised
from pipeline.validation import is_real

from .messages import reraised_under
from .spec import BankGrid

__all__ = [
    "BANK_PARAMETER_PREFIX",
    "BUDGET_PER_BANK",
    "DEPTH_PER_BANK",
    "BankEntry",
    "bank_budget",
    "bank_coords",
    "bank_depth",
    "bank_hash",
    "bank_modes",
    "expand_banks",
]

#: Prefix of the bank coordinates that hold family parameters (``bank_dilation``, ...). Signal
#: coordinates already use some parameter names (``seed``, ``bandwidth``, ``octaves``), and one
#: dataset cannot hold a coordinate of that name on both ``signal`` and ``bank``.
BANK_PARAMETER_PREFIX = "bank_"
#: Bank coordinates of each bank's own depth and pruning budget (the store contract).
DEPTH_PER_BANK = "depth_per_bank"
BUDGET_PER_BANK = "energy_budget_per_bank"
#: The cascade modes (``propagate``'s keyword arguments) and their defaults; a store whose
#: banks all use the defaults has no mode coordinates (stores made before the modes existed).
MODE_DEFAULTS: dict[str, str | float] = {
    "path_rule": "all",
    "sampling": "exact",
    "oversampling": 2.0,
    "slack": "energy",
}


class BankEntry(NamedTuple):
    """One concrete bank after expansion: its family and every parameter, defaults resolved,
    and its own depth and pruning budget where its ``banks:`` entry sets them (None: the
    sweep's)."""

    family: str
    params: dict[str, Any]
    depth: int | None = None
    energy_budget: float | None = None
    path_rule: str | None = None
    sampling: str | None = None
    oversampling: float | None = None
    slack: str | None = None


def bank_modes(entry: BankEntry, sweep_modes: Mapping[str, Any]) -> dict[str, Any]:
    """The bank's ``path_rule``, ``sampling``, ``oversampling`` and ``slack``: its own or the
    sweep's."""
    return {
        name: sweep_modes.get(name, default)
        if getattr(entry, name) is None
        else getattr(entry, name)
        for name, default in MODE_DEFAULTS.items()
    }


def entry_payload(entry: BankEntry) -> dict[str, Any]:
    """What identifies a bank in hashes: its family and normalised parameters, and its own
    depth and budget when set (a bank without them hashes as before they existed)."""
    payload: dict[str, Any] = {"family": entry.family, "params": normalised(entry.params)}
    if entry.depth is not None:
        payload["depth"] = int(entry.depth)
    if entry.energy_budget is not None:
        payload["energy_budget"] = float(entry.energy_budget)
    for name in MODE_DEFAULTS:  # modes only when the entry sets them: old hashes stay
        if getattr(entry, name) is not None:
            payload[name] = normalised(getattr(entry, name))
    return payload


def bank_depth(entry: BankEntry, depth: int) -> int:
    """The bank's own depth, or the sweep's ``depth``."""
    return depth if entry.depth is None else int(entry.depth)


def bank_budget(entry: BankEntry, energy_budget: float) -> float:
    """The bank's own pruning budget, or the sweep's ``energy_budget``."""
    return float(energy_budget if entry.energy_budget is None else entry.energy_budget)


def bank_hash(entry: BankEntry) -> str:
    """12 hex digits of the sha256 of the entry's canonical JSON (stable across versions)."""
    return hashlib.sha256(canonical_json(entry_payload(entry)).encode()).hexdigest()[:12]


def expand_banks(grids: Sequence[BankGrid], shape: tuple[int, ...]) -> list[BankEntry]:
    """Build every bank of every grid on ``shape``: the ``bank`` axis of the store.

    Each grid expands to the product of its listed values (names sorted, the last fastest);
    every bank is built once (``make_bank``), which checks its parameter values and its
    coverage of the grid and resolves its defaults.

    Raises
    ------
    ConfigError
        Naming ``banks[i].params.<name>[j]`` for a bad value, or a bank that repeats another.
    """
    table: list[BankEntry] = []
    seen: dict[str, str] = {}
    for index, grid in enumerate(grids):
        here = f"banks[{index}]"
        for params, where in _expand(grid.params):
            with reraised_under(here, params, top_level={"shape": "shape"}, where=where):
                bank = make_bank(grid.family, shape, **params)
            entry = BankEntry(
                grid.family,
                {k: normalised_value(v) for k, v in bank.params.items()},
                grid.depth,
                grid.energy_budget,
                grid.path_rule,
                grid.sampling,
                grid.oversampling,
                grid.slack,
            )
            key = canonical_json(entry_payload(entry))
            if key in seen:
                raise ConfigError.for_field(
                    f"{here}.params",
                    params,
                    f"gives bank {entry.family} {entry.params} again with the same depth and "
                    f"budget (already from {seen[key]}); remove the duplicate",
                )
            seen[key] = here
            table.append(entry)
    return table


def normalised_value(value: Any) -> Any:
    """numpy scalars and arrays as Python values (for JSON and YAML)."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value


def bank_coords(
    table: Sequence[BankEntry],
    depth: int | None = None,
    energy_budget: float | None = None,
    modes: Mapping[str, Any] | None = None,
) -> dict[str, np.ndarray]:
    """Coordinates of the ``bank`` axis.

    Returns
    -------
    dict of str to numpy.ndarray
        ``family`` (str); one coordinate ``bank_<name>`` per parameter name of any family
        (float64, NaN where a family lacks the parameter; str with ``""`` for non-numeric
        parameters); ``bank_hash`` (str, :func:`bank_hash`); given the sweep's ``depth`` and
        ``energy_budget``, ``depth_per_bank`` (int64) and ``energy_budget_per_bank`` (float64),
        each bank's own value or the sweep's; given the sweep's ``modes`` and a bank whose
        modes differ from :data:`MODE_DEFAULTS`, ``path_rule_per_bank``, ``sampling_per_bank``
        (str), ``oversampling_per_bank`` (float64) and ``slack_per_bank`` (str).
    """
    coords: dict[str, np.ndarray] = {"family": np.array([e.family for e in table], dtype=str)}
    names = sorted({name for entry in table for name in entry.params})
    for name in names:
        values = [entry.params.get(name) for entry in table]
        if all(v is None or is_real(v) for v in values):
            column = np.array([np.nan if v is None else float(v) for v in values])
        else:
            column = np.array(["" if v is None else str(v) for v in values], dtype=str)
        coords[BANK_PARAMETER_PREFIX + name] = column
    coords["bank_hash"] = np.array([bank_hash(e) for e in table], dtype=str)
    if depth is not None:
        coords[DEPTH_PER_BANK] = np.array([bank_depth(e, depth) for e in table], dtype=np.int64)
    if energy_budget is not None:
        coords[BUDGET_PER_BANK] = np.array(
            [bank_budget(e, energy_budget) for e in table], dtype=np.float64
        )
    resolved = [bank_modes(e, modes or {}) for e in table]
    if modes is not None and any(r != MODE_DEFAULTS for r in resolved):
        for name in MODE_DEFAULTS:
            values = [r[name] for r in resolved]
            dtype = np.float64 if name == "oversampling" else str
            coords[f"{name}_per_bank"] = np.array(values, dtype=dtype)
    return coords


def _expand(params: Mapping[str, Any]) -> Iterator[tuple[dict[str, Any], dict[str, int]]]:
    """Product of the listed values, names sorted, last fastest; with the list index used."""
    names = sorted(params)
    choices = [params[n] if isinstance(params[n], list) else [params[n]] for n in names]
    for indices in itertools.product(*(range(len(c)) for c in choices)):
        values = {n: choices[k][j] for k, (n, j) in enumerate(zip(names, indices, strict=True))}
        where = {n: j for n, j in zip(names, indices, strict=True) if isinstance(params[n], list)}
        yield values, where
