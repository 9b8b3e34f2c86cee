"""The foundation demo: energy decay per layer for real and random signals through three banks.

The ECG record bundled with PyWavelets and one white-noise signal, through the ``morlet``,
``meyer`` and ``gabor`` banks, to depth 10 with a pruning budget. The demo is a small sweep
(:func:`demo_config`) computed in this process, unit by unit, by the sweep's own code
(:func:`pipeline.sweep.compute_unit`: no Prefect, no Dask), into a real sweep store that
``energy-sweep show``, ``verify``, ``fit`` and ``report`` accept. Its tables and figure are the
command line's (``flows/cli/demo.py``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import xarray as xr

from .store import open_results
from .sweep import SweepConfig, compute_unit, create_sweep_store

__all__ = ["DEMO_FAMILIES", "DEMO_LENGTH", "demo_config", "relative_energy", "run_demo"]

DEMO_FAMILIES = ("morlet", "meyer", "gabor")
DEMO_LENGTH = 1024


def demo_config(store: str | Path, depth: int = 10, energy_budget: float = 1e-4) -> SweepConfig:
    """The demo as a sweep spec: the ECG record and one white-noise signal (seed 0) of
    :data:`DEMO_LENGTH` samples, each :data:`DEMO_FAMILIES` family's default bank, one chunk.

    Raises :class:`~pipeline.errors.ConfigError` (one line naming the field) for a bad ``depth``
    or ``energy_budget``.

    Examples
    --------
    >>> config = demo_config("/tmp/demo.zarr", depth=3)
    >>> config.n_signals, len(config.bank_table()), len(config.work_units())
    (2, 3, 3)
    """
    return SweepConfig.from_mapping(
        {
            "name": "demo",
            "length": DEMO_LENGTH,
            "depth": depth,
            "energy_budget": energy_budget,
            "chunk": 2,
            "store": str(store),
            "signals": [
                {"kind": "ecg", "count": 1},
                {"kind": "white_noise", "count": 1, "seed": 0},
            ],
            "banks": [{"family": family} for family in DEMO_FAMILIES],
            "cluster": {"kind": "local", "workers": 1},
        }
    )


def run_demo(
    config: SweepConfig, on_unit_done: Callable[[int, int], None] | None = None
) -> xr.Dataset:
    """Compute every unit of ``config`` here, one after the other, into its store (made anew;
    only an energy-sweep store is ever replaced), and return the store opened with
    :func:`pipeline.store.open_results`.

    ``on_unit_done(done, total)`` hears of each finished unit.
    """
    create_sweep_store(config, overwrite=True)
    units = config.work_units()
    text = config.canonical_text()
    for done, unit in enumerate(units, start=1):
        compute_unit(text, config.store, unit, config.unit_hash(unit))
        if on_unit_done is not None:
            on_unit_done(done, len(units))
    return open_results(config.store)


def relative_energy(result: xr.Dataset) -> xr.Dataset:
    """W_n / ||f||^2 and slack_n / ||f||^2: the fraction of the input energy still propagating
    (docs/theory.md §2: W_0 = ||f||^2, and the true W_n lies in [W_n, W_n + slack_n])."""
    return xr.Dataset(
        {
            "propagated": result.propagated_energy / result.input_energy,
            "slack": result.pruned_slack / result.input_energy,
        }
    )
