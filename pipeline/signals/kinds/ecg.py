r"""The electrocardiogram bundled with PyWavelets (1024 samples), cut into segments."""

from __future__ import annotations

import functools

import numpy as np
import pywt.data
import xarray as xr

from ..registry import make_signals, register_signal_kind


@functools.cache
def _ecg() -> np.ndarray:
    r"""The record :func:`pywt.data.ecg`: 1024 integer samples shipped inside the package.

    Segment :math:`i` of length :math:`L` is
    :math:`f_i[t] = x[iL + t] - \frac1L \sum_{u<L} x[iL + u]`, in the record's own units: a real
    signal with sharp QRS complexes, energy spread over many octaves (docs/theory.md §5–6).
    """
    record = np.asarray(pywt.data.ecg(), dtype=np.float64)
    record.flags.writeable = False
    return record


register_signal_kind(
    "ecg",
    _ecg,
    random=False,
    dataset="pywt.ecg",
    description=(
        "f_i[t] = x[i L + t] - mean, x = pywt.data.ecg() (1024 samples), consecutive "
        "non-overlapping segments of L samples"
    ),
)


def ecg(count: int = 1, length: int | None = None) -> xr.DataArray:
    """``count`` consecutive segments of ``length`` samples (default ``1024 // count``).

    Examples
    --------
    >>> x = ecg(count=2, length=512)
    >>> x.record_offset.values.tolist()
    [0.0, 512.0]
    """
    return make_signals("ecg", count=count, length=length)
