r"""A second real electrocardiogram: the BITalino recording shipped with pyhrv (extra ``[data]``).

The record is ``pyhrv/files/SampleECG.txt``: an OpenSignals text file of one ECG channel (column
``A2``, raw 10-bit samples) recorded with a BITalino board at 1000 Hz, 22,350 samples (22.4 s), a
different subject, device and sampling rate from :mod:`.ecg` (MIT-BIH, 360 Hz). The file is read
from the installed distribution without importing pyhrv (whose import pulls in biosppy and OpenCV).
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

import numpy as np
import xarray as xr

from pipeline.errors import InvalidParameterError

from ..registry import make_signals, register_signal_kind

#: The file inside the pyhrv package, and the column that holds the ECG samples.
SAMPLE_FILE = ("files", "SampleECG.txt")
ECG_COLUMN = 5

#: Sampling rate of the record, from the file's header.
SAMPLING_RATE_HZ = 1000


def _sample_file() -> Path:
    """Where pyhrv's ``SampleECG.txt`` lies, found without importing pyhrv."""
    spec = importlib.util.find_spec("pyhrv")
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    for location in locations:
        path = Path(location).joinpath(*SAMPLE_FILE)
        if path.is_file():
            return path
    raise InvalidParameterError(
        "kind",
        "ecg_bitalino",
        "needs the record shipped with pyhrv: pip install 'energy-sweep[data]'",
    )


@functools.cache
def _ecg_bitalino() -> np.ndarray:
    r"""Column ``A2`` of pyhrv's ``SampleECG.txt``: 22,350 raw samples at 1000 Hz.

    Segment :math:`i` of length :math:`L` is
    :math:`f_i[t] = x[iL + t] - \frac1L \sum_{u<L} x[iL + u]` (the registry's record rule), in
    the board's raw units: heartbeats about 0.8 s apart, so a segment of 1024 samples holds one
    or two QRS complexes (docs/theory.md §13).
    """
    table = np.loadtxt(_sample_file(), comments="#", usecols=ECG_COLUMN, dtype=np.float64)
    record = np.ascontiguousarray(table)
    record.flags.writeable = False
    return record


register_signal_kind(
    "ecg_bitalino",
    _ecg_bitalino,
    random=False,
    dataset="pyhrv.SampleECG",
    description=(
        "f_i[t] = x[i L + t] - mean, x = column A2 of pyhrv/files/SampleECG.txt (BITalino ECG, "
        "1000 Hz, 22350 samples), consecutive non-overlapping segments of L samples"
    ),
)


def ecg_bitalino(count: int = 1, length: int | None = None) -> xr.DataArray:
    """``count`` consecutive segments of ``length`` samples (default ``22350 // count``).

    Examples
    --------
    >>> x = ecg_bitalino(count=3, length=1024)
    >>> x.sizes["signal"], x.record_offset.values.tolist()
    (3, [0.0, 1024.0, 2048.0])
    """
    return make_signals("ecg_bitalino", count=count, length=length)
