r"""A plan with a sweep's store: L per signal and the empirical counts, read from the store.

Every signal's essential bandwidth comes from the store's ``radial_power``; when the store holds
the bank asked for (same family and resolved parameters, rebuilt from its ``bank``
coordinates), its feature energies are read too, so nothing but the store is needed.

**The one case that needs the signal sources**: a bank the store does not hold must propagate
the signals. Only then are they regenerated from the store's ``config`` attribute (which must
still validate: its signal files must exist), chunk by chunk along the store's own chunks.
"""

from __future__ import annotations

import itertools
import math
import os
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from ..analysis.bounds import stored_radial_power
from ..analysis.stored_banks import grid_shape, stored_bank_table
from ..cascade import propagate
from ..errors import ConfigError, InvalidParameterError, StoreError
from ..filters import FilterBank, make_bank
from ..store import open_results
from ..sweep import SweepConfig
from ..theory import bank_facts, empirical_layers_needed, signal_bandwidth
from .worst_case import worst_case_dataset

ProgressCallback = Callable[[int, int], None]

#: Signal coordinates a plan keeps from the store.
SIGNAL_COORDS = ("dataset", "signal_class", "seed")


def _same_value(a: object, b: object) -> bool:
    numbers = (int, float, np.integer, np.floating)
    if isinstance(a, numbers) and isinstance(b, numbers):
        if isinstance(a, bool | np.bool_) or isinstance(b, bool | np.bool_):
            return a == b
        return float(a) == float(b) or (math.isnan(float(a)) and math.isnan(float(b)))
    return a == b


def matching_bank(table: list[tuple[str, dict[str, Any]]], bank: FilterBank) -> int | None:
    """Index of the stored bank with the same family and resolved parameters, or None."""
    for index, (family, params) in enumerate(table):
        if family != bank.family or set(params) != set(bank.params):
            continue
        if all(_same_value(params[name], bank.params[name]) for name in bank.params):
            return index
    return None


def _chunks(stored: xr.Dataset) -> list[tuple[int, int]]:
    """The store's chunks along ``signal`` (its work units' signal ranges)."""
    data = stored["input_energy"].data
    sizes = data.chunks[0] if hasattr(data, "chunks") else (stored.sizes["signal"],)
    bounds = np.cumsum((0, *sizes))
    return [(int(a), int(b)) for a, b in itertools.pairwise(bounds)]


def _signal_source(stored: xr.Dataset, store: str) -> SweepConfig:
    """The store's config, validated: the signal sources (only for a bank not in the store)."""
    text = stored.attrs.get("config")
    if not isinstance(text, str):
        raise StoreError(f"store {store} has no 'config' attribute: cannot regenerate its signals")
    try:
        return SweepConfig.from_yaml(text, source=f"{store} (attribute 'config')")
    except ConfigError as error:
        raise StoreError(
            f"this bank is not in store {store}, so planning it propagates the store's signals, "
            f"which are no longer available: {error}"
        ) from None


def plan_from_store(
    family: str,
    params: Mapping[str, object],
    eps: NDArray[np.float64],
    data: str | os.PathLike[str],
    grid: tuple[int, ...] | None,
    order: float,
    progress: ProgressCallback | None,
) -> xr.Dataset:
    """:func:`pipeline.planning.plan_layers` with ``data`` (see the module docstring); ``grid``
    the shape asked for (checked), None for the store's."""
    store = os.fspath(data)
    stored = open_results(store, completion=True)  # StoreError if missing / not a store
    shape = grid_shape(stored)
    if grid is not None and tuple(grid) != shape:
        if len(grid) == len(shape) == 1:
            name, value, held = "length", grid[0], f"length {shape[0]}"
        else:
            name, value, held = "shape", list(grid), f"grid shape {list(shape)}"
        raise InvalidParameterError(name, value, f"must equal the store's {held} (or be omitted)")
    bank = make_bank(family, shape, **dict(params))
    facts = bank_facts(bank)
    match = matching_bank(stored_bank_table(stored), bank)
    n_signals, depth = stored.sizes["signal"], stored.sizes["layer"] - 1
    budget = float(stored.attrs["energy_budget"])
    power = stored_radial_power(stored)

    widths = np.empty(n_signals)
    if match is not None:
        # a bank's own depth and budget (config banks[i].depth, .energy_budget), if it has them
        if "depth_per_bank" in stored.coords:
            depth = int(stored["depth_per_bank"].values[match])
        if "energy_budget_per_bank" in stored.coords:
            budget = float(stored["energy_budget_per_bank"].values[match])
        selected = stored.isel(bank=match, layer=slice(0, depth + 1))
        features = np.asarray(selected["feature_energy"].transpose("signal", "layer").values)
        input_energy = np.asarray(stored["input_energy"].values)
        computed = np.asarray(selected["completed"].values, dtype=bool)
        computed &= np.all(np.isfinite(features[:, :depth]), axis=1)
        source = None
    else:
        features = np.full((n_signals, depth + 1), np.nan)
        input_energy = np.empty(n_signals)
        computed = np.ones(n_signals, dtype=bool)
        source = _signal_source(stored, store)
    chunks = _chunks(stored)
    if progress is not None:
        progress(0, len(chunks))
    for done, (start, stop) in enumerate(chunks, start=1):
        widths[start:stop] = signal_bandwidth(power.isel(signal=slice(start, stop))).values
        if source is not None:
            result = propagate(
                source.load_signals(start, stop),
                bank,
                depth,
                energy_budget=float(stored.attrs["energy_budget"]),
                dtype=np.dtype(stored.attrs["dtype"]),
            )
            features[start:stop] = result["feature_energy"].transpose("signal", "layer").values
            input_energy[start:stop] = result["input_energy"].values
        if progress is not None:
            progress(done, len(chunks))

    energies = xr.Dataset(
        {
            "feature_energy": (("signal", "layer"), features),
            "input_energy": (("signal",), input_energy),
        },
        coords={"layer": np.arange(depth + 1)},
    )
    empirical = empirical_layers_needed(energies, eps).transpose("signal", "epsilon").values
    empirical = np.where(computed[:, None], empirical, np.nan)

    plan = worst_case_dataset(eps, widths, facts, order, dims=("signal",))
    plan["empirical_layers"] = xr.Variable(
        ("signal", "epsilon"),
        empirical,
        attrs={
            "long_name": "empirical layers needed",
            "description": "smallest N with sum_{n<=N} F_n >= (1 - epsilon) ||f||^2 "
            f"(layers n = 0..N); NaN: not reached within layers 0..{depth - 1} (N >= {depth}), "
            "or not computed (see 'computed'). An upper bound on the true N when pruned "
            "(energy_budget > 0).",
        },
    )
    plan["computed"] = xr.Variable(
        ("signal",),
        computed,
        attrs={"description": "whether the signal's energies exist for this bank"},
    )
    plan = plan.assign_coords(
        signal=np.arange(n_signals),
        **{
            name: ("signal", np.asarray(stored[name].values))
            for name in SIGNAL_COORDS
            if name in stored.coords and stored[name].dims == ("signal",)
        },
    )
    plan.attrs.update(
        {
            "store": store,
            "source": "computed" if match is None else f"store bank {match}",
            "depth": depth,
            "energy_budget": budget,
            "dtype": str(stored.attrs["dtype"]),
        }
    )
    return plan
