"""Input signals: a registry of signal kinds (synthetic classes and shipped records).

Every kind returns float64 rows on a periodic grid (1-D: dims ``("signal", "time")``; 2-D:
``("signal", "y", "x")``), frequencies in cycles per sample (``np.fft.fftfreq``), with
coordinates on ``signal``: ``dataset``, ``signal_class`` (the kind), ``seed``, ``seed_key`` and
``seed_row`` (the row's random stream, ``-1`` for records), one float64 coordinate per parameter
(``bandwidth``, ``sobolev_s``, ...; NaN where a class lacks it once concatenated), and
``record_offset`` for records; attributes ``units``, ``long_name`` and ``description`` (the
formula).

Randomness: row ``i`` of a random group is drawn from its own stream
``SeedSequence(entropy=seed, spawn_key=(stream_key(kind, params), i))``
(:mod:`pipeline.signals.streams`): rows never repeat across groups, kinds or overlapping seed
ranges, and any range of rows can be made on any worker.

Scale: every synthetic class has unit mean power per sample, ``||f||² = N`` exactly (``sobolev``)
or in expectation; records keep their physical scale, mean removed.

Adding a kind is one module in :mod:`pipeline.signals.kinds` that calls
:func:`register_signal_kind` (docs/extending.md). See docs/theory.md §5 (band-limited and Sobolev
inputs) and §9–10 (multi-octave inputs that approach slow decay).
"""

from . import kinds as _kinds  # noqa: F401  (registers every shipped kind)
from .arrays import NO_SEED, assemble, concat_signals, grid_dims
from .kinds.band_limited import band_limited
from .kinds.chirp import chirp
from .kinds.ecg import ecg
from .kinds.ecg_bitalino import ecg_bitalino
from .kinds.lacunary import lacunary
from .kinds.nino import nino
from .kinds.piecewise_constant import piecewise_constant
from .kinds.sobolev import sobolev
from .kinds.white_noise import white_noise
from .registry import (
    SignalKind,
    make_signals,
    register_signal_kind,
    signal_kind,
    signal_kinds,
)
from .streams import row_streams, stream_key

__all__ = [
    "NO_SEED",
    "SignalKind",
    "assemble",
    "band_limited",
    "chirp",
    "concat_signals",
    "ecg",
    "ecg_bitalino",
    "grid_dims",
    "lacunary",
    "make_signals",
    "nino",
    "piecewise_constant",
    "register_signal_kind",
    "row_streams",
    "signal_kind",
    "signal_kinds",
    "sobolev",
    "stream_key",
    "white_noise",
]
