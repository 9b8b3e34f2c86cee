"""Give a test store the ``radial_power`` variable that the sweep's work units write.

Until the work units write it themselves (issue 8, the sweep's side), stores built by the tests
get it here, computed from their signals with :func:`pipeline.spectra.radial_power`. A no-op on a
store that already holds it.
"""

from __future__ import annotations

import xarray as xr
import zarr

from pipeline.config import SweepConfig
from pipeline.spectra import radial_power


def add_radial_power(store: str) -> str:
    """Append ``radial_power`` (signal, frequency_radius) to ``store`` if missing; returns it."""
    if "radial_power" in zarr.open_group(str(store), mode="r"):
        return store
    attrs = xr.open_zarr(store, consolidated=True).attrs  # to_zarr replaces the root's attrs
    config = SweepConfig.from_yaml(attrs["config"])
    radii, power = radial_power(config.load_signals(0, config.n_signals).values)
    xr.Dataset(
        {"radial_power": (("signal", "frequency_radius"), power)},
        coords={"frequency_radius": radii},
        attrs=attrs,
    ).to_zarr(store, mode="a", consolidated=True)
    return store
