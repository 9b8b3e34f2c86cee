"""The store's ``fits`` group: decay fits written by ``energy-sweep fit``, replaced on each run.

The group sits beside the energies in the same store (docs/design.md, "The store contract",
"The `fits` group"); :func:`pipeline.store.open_results` merges it into the Dataset it returns.
Only the fits' index coordinates are written here: the others (family, bank parameters, signal
classes) live in the root group.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path

import xarray as xr

from ..errors import StoreError
from ._util import one_line
from .layout import StorePath, read_layout

#: Sub-group of the store that holds the decay fits (``energy-sweep fit``).
FITS_GROUP = "fits"


def write_fits(path: StorePath, fits: xr.Dataset) -> None:
    """Write decay fits (:func:`pipeline.analysis.fit.fit_decay`) to the store's ``fits`` group, replacing it.

    Energies are untouched. Only the fits' index coordinates are kept: the others (family,
    bank parameters, signal classes) live in the root group, and
    :func:`pipeline.store.open_results` merges.
    """
    read_layout(path)  # one of our stores, or StoreError
    fits = fits.drop_vars([name for name in fits.coords if name not in fits.dims])
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="Consolidated metadata", category=UserWarning)
            fits.to_zarr(os.fspath(path), group=FITS_GROUP, mode="w", consolidated=True)
    except Exception as error:
        raise StoreError(f"cannot write the fits of store {path}: {one_line(error)}") from error


def open_fits(path: StorePath) -> xr.Dataset | None:
    """The store's ``fits`` group as a Dataset, or None if ``energy-sweep fit`` has not run."""
    read_layout(path)
    if not (Path(path) / FITS_GROUP).exists():
        return None
    try:
        return xr.open_zarr(os.fspath(path), group=FITS_GROUP, consolidated=True)
    except Exception as error:
        raise StoreError(f"cannot open the fits of store {path}: {one_line(error)}") from error
