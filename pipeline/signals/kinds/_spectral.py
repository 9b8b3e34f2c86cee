"""Helpers shared by the kinds that draw their rows in the frequency domain."""

from __future__ import annotations

import numpy as np


def real_spectrum_multiplicity(length: int) -> np.ndarray:
    """How many bins of the full DFT grid each ``rfft`` bin stands for (1 for DC and Nyquist)."""
    multiplicity = np.full(length // 2 + 1, 2.0)
    multiplicity[0] = 1.0
    if length % 2 == 0:
        multiplicity[-1] = 1.0
    return multiplicity
