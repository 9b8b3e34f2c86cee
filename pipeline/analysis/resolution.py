r"""Which layers of a measured curve :math:`W_n` say something: the pruning slack and round-off.

A layer :math:`n` of a curve is *resolved* when

1. :math:`W_n > 10\,s_n`: well above its pruning slack :math:`s_n` (the true value lies in
   :math:`[W_n, W_n + s_n]`, docs/theory.md §2), so :math:`\log W_n` is known to
   :math:`\log 1.1`; and
2. :math:`W_n \ge \varphi_n`, the **relative round-off floor** of docs/theory.md §10:

   .. math::
       \varphi_n = \Bigl(\frac{3\,\eta_n}{\tau}\Bigr)^2, \qquad
       \eta_n = 2\,c\,u\,\lceil\log_2 M\rceil \sum_{k=0}^{n} \sqrt{W_k + s_k},

   with :math:`u` the unit round-off of the computation's dtype (:math:`2^{-53}` for float64),
   :math:`M` the number of grid samples, :math:`c = 6` the constant of the normwise error bound
   of a radix-2 FFT (Higham, *Accuracy and Stability of Numerical Algorithms*, 2nd ed., §24.1,
   :math:`\mu + \gamma_4(\sqrt2 + \mu) \approx 5.7u` per stage), and :math:`\tau = 10^{-3}` the
   relative accuracy asked of :math:`W_n`.

*Why this floor* (derivation in docs/theory.md §10). Each layer computes its children by one
inverse and one forward FFT, whose error is at most :math:`c u \lceil\log_2 M\rceil` times the
norm of what they transform; over all paths of layer :math:`k` that is
:math:`2cu\lceil\log_2M\rceil\sqrt{W_k}` in the :math:`\ell^2` norm over paths. The later
layers are contractions (Parseval bank, then the modulus, both 1-Lipschitz summed over paths),
so the amplitude error at layer :math:`n` is at most :math:`\eta_n`, and the energy error is
:math:`|\delta W_n| \le 2\sqrt{W_n}\,\eta_n + \eta_n^2`. Above :math:`\varphi_n` this is at most
:math:`\tau W_n` (:math:`2\tau/3 + \tau^2/9 \le \tau`). The error of an energy is thus relative to
:math:`\sqrt{W_n \|f\|^2}`, not to :math:`\|f\|^2`: at depth 12, :math:`M = 1024` and float64 the
floor is about :math:`10^{-20}\|f\|^2`, seven orders of magnitude below the absolute
:math:`10^{-13}\|f\|^2` used before, which discarded layers that were resolved.
"""

from __future__ import annotations

import math

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from ..cascade import DROPPED_ENERGY, SLACK_BOUND

#: A layer is used only if W_n exceeds this multiple of its pruning slack.
SLACK_FACTOR = 10.0
#: Relative accuracy asked of a resolved W_n (tau of the round-off floor).
RELATIVE_ACCURACY = 1e-3
#: Constant c of the normwise error bound of one radix-2 FFT, per stage, in units of u.
FFT_ERROR_CONSTANT = 6.0
#: log2 of the grid size assumed when a Dataset does not say (conservative: 2^24 samples).
DEFAULT_LOG2_SAMPLES = 24
#: First layer the decay models are fitted on: W_1 = ||f||^2 - F_0 is a property of the input
#: spectrum, not of propagation (docs/theory.md §13).
FIRST_FIT_LAYER = 2


def sandwich_slack(energies: xr.Dataset) -> xr.DataArray:
    r"""The slack :math:`s_n` of the sandwich :math:`W_n^{\text{true}} \in [W_n, W_n + s_n]`
    (the upper end the figures draw): ``slack_bound`` where the data has it (``slack =
    modulus``, docs/theory.md §17; equal to ``pruned_slack`` for banks without it), else
    ``pruned_slack`` (§2)."""
    return energies[SLACK_BOUND] if SLACK_BOUND in energies else energies["pruned_slack"]


def sandwich(energies: xr.Dataset) -> tuple[xr.DataArray, xr.DataArray]:
    r"""The tightest sandwich of the data, :math:`W_n^{\text{true}} \in [L_n, L_n + s_n]`,
    as ``(L, s)``, that every fit, local rate and pool uses (one place): with
    ``dropped_energy`` :math:`d_n` (``slack = modulus``: the children dropped at layer n are
    exactly part of the true :math:`W_n`, §17) :math:`L_n = W_n + d_n`,
    :math:`s_n = \text{slack\_bound}_n - d_n`; else :math:`L_n = W_n` and :func:`sandwich_slack`."""
    propagated, slack = energies["propagated_energy"], sandwich_slack(energies)
    if DROPPED_ENERGY not in energies:
        return propagated, slack
    dropped = energies[DROPPED_ENERGY]
    return propagated + dropped, np.maximum(slack - dropped, 0.0)


def unit_round_off(dtype: str | np.dtype = "float64") -> float:
    """:math:`u` of a floating dtype (half its machine epsilon): 2^-53 for float64."""
    return float(np.finfo(np.dtype(dtype)).eps) / 2


def log2_samples(grid_shape: object = None) -> int:
    r""":math:`\lceil\log_2 M\rceil` for a grid shape (``None``: :data:`DEFAULT_LOG2_SAMPLES`)."""
    if grid_shape is None:
        return DEFAULT_LOG2_SAMPLES
    samples = int(np.prod(np.atleast_1d(np.asarray(grid_shape, dtype=np.int64))))
    return max(1, math.ceil(math.log2(max(samples, 2))))


def round_off_floor(
    propagated: NDArray, slack: NDArray, *, log2_m: int, u: float
) -> NDArray[np.float64]:
    r""":math:`\varphi_n = (3\eta_n/\tau)^2` of curves (..., layer), see the module docstring.

    :math:`\eta_n = 2cu\lceil\log_2M\rceil\sum_{k\le n}\sqrt{W_k + s_k}` (docs/theory.md §10);
    NaN slack counts as 0 here (such a layer is unresolved anyway).
    """
    with np.errstate(invalid="ignore"):
        upper = np.nan_to_num(propagated, nan=0.0) + np.nan_to_num(slack, nan=0.0)
        amplitude = np.cumsum(np.sqrt(np.maximum(upper, 0.0)), axis=-1)
    eta = 2 * FFT_ERROR_CONSTANT * u * log2_m * amplitude
    return (3 * eta / RELATIVE_ACCURACY) ** 2


def resolved_layers(
    propagated: NDArray,
    slack: NDArray,
    layers: NDArray,
    *,
    first: int = FIRST_FIT_LAYER,
    last: int | None = None,
    log2_m: int = DEFAULT_LOG2_SAMPLES,
    u: float = 2.0**-53,
) -> NDArray[np.bool_]:
    r"""Where :math:`W_n` is resolved: ``first`` :math:`\le n \le` ``last`` (None: no end),
    :math:`W_n > 10\,s_n` and :math:`W_n \ge \varphi_n` (NaN energies or slack count as
    unresolved).

    ``propagated`` and ``slack`` are (..., layer), ``layers`` the layer indices.
    """
    floor = round_off_floor(propagated, slack, log2_m=log2_m, u=u)
    with np.errstate(invalid="ignore"):
        return (
            (layers >= first)
            & (layers <= (np.inf if last is None else last))
            & np.isfinite(propagated)
            & (propagated > SLACK_FACTOR * np.nan_to_num(slack, nan=np.inf))
            & (propagated >= floor)
        )


def grid_settings(attrs: dict) -> dict[str, float | int]:
    """``log2_m`` and ``u`` of the round-off floor from a store's (or ``propagate``'s)
    attributes ``grid_shape`` and ``dtype``."""
    return {
        "log2_m": log2_samples(attrs.get("grid_shape")),
        "u": unit_round_off(str(attrs.get("dtype", "float64"))),
    }
