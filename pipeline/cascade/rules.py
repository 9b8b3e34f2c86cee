r"""Path rules: which children of a path the cascade follows (docs/theory.md §15).

- ``"all"``: every filter of the next module (the frame; the energy identity of §2 holds with
  the pruning slack only);
- ``"frequency_decreasing"``: a child filter :math:`g_{\lambda'}` of a path whose last filter
  is :math:`g_\lambda` is followed only if its scale index is strictly coarser,
  :math:`j(\lambda') > j(\lambda)` (Kymatio's :math:`j_2 > j_1`, at every depth); the children
  of the root (layer 1) are all followed.

A child the rule does not follow is dropped like a pruned one: its energy
:math:`\|U[q\lambda']f\|^2` is known exactly from its parent's spectrum (Parseval), so it is
added to ``pruned_slack`` at its layer and every deeper one, and to ``rule_slack`` (the part of
``pruned_slack`` due to the rule). The identity
:math:`\|f\|^2 = \sum_{n<N} F_n + W_N + s_N` stays exact.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

PATH_RULES = ("all", "frequency_decreasing")


def barred_children(
    parent_scale: NDArray[np.int64], child_scale: NDArray[np.int64]
) -> NDArray[np.bool_]:
    r"""``(rows, K)`` mask of the children the frequency-decreasing rule does not follow:
    :math:`j(\lambda') \le j(\lambda)`, parent scale per row, child scale per column."""
    return child_scale[None, :] <= parent_scale[:, None]


def drop_barred(
    child_energy: NDArray[np.float64],
    parent_scale: NDArray[np.int64],
    child_scale: NDArray[np.int64],
) -> NDArray[np.float64]:
    """Set the energy of the barred children to 0 (in place); return the energy dropped per row."""
    barred = barred_children(parent_scale, child_scale)
    dropped = np.sum(child_energy, axis=1, where=barred)
    child_energy[barred] = 0.0
    return dropped
