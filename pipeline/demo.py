"""The foundation demo: energy decay per layer for real and random signals through three banks.

The ECG record bundled with PyWavelets and one white-noise signal, through the ``morlet``,
``meyer`` and ``gabor`` banks, to depth 10 with a pruning budget, stored as a Zarr store. The
computation lives here; its tables and figure are the command line's (``flows/cli/demo.py``).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import xarray as xr

from . import signals
from .cascade import propagate
from .filters import make_bank

DEMO_FAMILIES = ("morlet", "meyer", "gabor")
DEMO_LENGTH = 1024


def demo_signals(length: int = DEMO_LENGTH) -> xr.DataArray:
    """The bundled ECG record (PyWavelets) and one white-noise signal (seed 0), ``length`` samples."""
    return signals.concat_signals(
        [signals.ecg(count=1, length=length), signals.white_noise(1, length, seed=0)]
    )


def run_demo(
    depth: int = 10,
    energy_budget: float = 1e-4,
    on_bank_done: Callable[[str], None] | None = None,
) -> xr.Dataset:
    """Propagate :func:`demo_signals` through each demo family's default bank.

    Returns a Dataset over ``(bank, signal, layer)`` with the variables of
    :func:`pipeline.cascade.propagate` and a ``family`` coordinate on ``bank``.
    """
    inputs = demo_signals()
    results, parameters = [], []
    for family in DEMO_FAMILIES:
        bank = make_bank(family, inputs.sizes["time"])
        results.append(propagate(inputs, bank, depth, energy_budget=energy_budget))
        parameters.append(repr(bank.params))
        if on_bank_done is not None:
            on_bank_done(family)
    combined = xr.concat(
        [r.drop_vars("input_energy") for r in results], dim="bank", combine_attrs="drop_conflicts"
    )
    combined["input_energy"] = results[0].input_energy
    combined = combined.assign_coords(
        bank=np.arange(len(DEMO_FAMILIES)),
        family=("bank", list(DEMO_FAMILIES)),
        bank_params=("bank", parameters),
    )
    combined.attrs.pop("bank_family", None)
    return combined


def relative_energy(result: xr.Dataset) -> xr.Dataset:
    """W_n / ||f||^2 and slack_n / ||f||^2: the fraction of the input energy still propagating."""
    return xr.Dataset(
        {
            "propagated": result.propagated_energy / result.input_energy,
            "slack": result.pruned_slack / result.input_energy,
        }
    )


def write_zarr(result: xr.Dataset, path: Path) -> Path:
    """Write ``result`` as a consolidated Zarr store; text coordinates as variable-length strings.

    Fixed-width numpy strings have no Zarr v3 specification (zarr warns and may change their
    encoding), so they are stored as variable-length UTF-8 instead.
    """
    text = {
        name: coord.astype(object)
        for name, coord in result.coords.items()
        if coord.dtype.kind == "U"
    }
    with warnings.catch_warnings():
        # consolidated metadata is an extension of Zarr v3 that xarray reads by default
        warnings.filterwarnings("ignore", message="Consolidated metadata", category=UserWarning)
        result.assign_coords(text).to_zarr(path, mode="w", consolidated=True)
    return path
