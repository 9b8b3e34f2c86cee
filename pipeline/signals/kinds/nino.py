r"""The Niño 3 sea-surface temperature series bundled with PyWavelets (264 samples)."""

from __future__ import annotations

import functools

import numpy as np
import pywt.data
import xarray as xr

from ..registry import make_signals, register_signal_kind


@functools.cache
def _nino() -> np.ndarray:
    r"""The ``sst`` series of :func:`pywt.data.nino`: quarterly Niño 3 sea-surface temperature
    anomalies (°C, NOAA ERSST), 1950.00–2015.75, 264 samples, shipped with the package.

    Segment :math:`i` is :math:`f_i[t] = \mathrm{sst}[iL + t] - \text{mean}`: a short,
    red-spectrum geophysical series (energy concentrated at low frequencies).
    """
    _, sst = pywt.data.nino()
    record = np.asarray(sst, dtype=np.float64)
    record.flags.writeable = False
    return record


register_signal_kind(
    "nino",
    _nino,
    random=False,
    dataset="pywt.nino3",
    description=(
        "f_i[t] = sst[i L + t] - mean, (time, sst) = pywt.data.nino(): quarterly Nino 3 SST "
        "anomalies 1950-2015.75 (264 samples)"
    ),
)


def nino(length: int | None = None, *, count: int = 1) -> xr.DataArray:
    """``count`` consecutive segments of ``length`` samples (default: the whole series).

    Examples
    --------
    >>> nino().sizes["time"]
    264
    """
    return make_signals("nino", count=count, length=length)
