r"""The modulus slack: what a dropped path's subtree can still carry, from its parent's spectrum.

A child :math:`y = u * g_\lambda` of layer n+1 that the cascade drops (pruning or a path rule)
has energy :math:`e = \|y\|^2`, known exactly. Its subtree carries e in layer n+1 and, in every
layer :math:`m \ge n+2`, at most (docs/theory.md §17)

.. math::
    T(y) = e - \max_{s} \frac1{|G|} \sum_\omega |\hat u(\omega)|^2 |\hat g_\lambda(\omega)|^2
    |\hat r(\omega - \omega_s)|^2 \;\le\; e,

with :math:`r \ge 0` a Fejér kernel whose spectrum lies under the next module's low-pass,
:math:`|\hat r| \le |\hat\chi|`, and a few shifts :math:`\omega_s` per filter. ``slack="modulus"``
reports ``slack_bound``: the dropped energies at their own layer plus these tails deeper.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ..errors import InvalidParameterError
from ..filters import FilterBank
from ..grid import Grid
from .output import Accumulator
from .plan import LayerPlan

#: Values of ``propagate``'s ``slack`` argument.
SLACKS = ("energy", "modulus")
#: Shifts per filter (the filter's peak, then peaks of what the earlier ones leave uncovered).
SHIFTS = 6
#: Triangle half-widths tried per axis, in 1-D and in 2-D (the 2-D search tries their product).
WIDTHS_TRIED = (64, 16)
#: The modulus slack needs a Littlewood–Paley sum <= 1 in every bin; this much round-off is let
#: through (Parseval banks normalised in float64 read 1 +- a few 1e-16).
FRAME_TOLERANCE = 1e-12


def fejer_spectrum(grid: Grid, lowpass: NDArray[np.complexfloating]) -> NDArray[np.float64]:
    r"""DFT :math:`\hat r` of the widest Fejér kernel under the low-pass, on the full grid.

    Candidates are the tensor products :math:`\hat r(k) = c\prod_i (1 - |k_i|/K_i)_+`
    (:math:`k_i` the signed bin index, :math:`1 \le K_i \le (N_i+1)/2` so the triangle does not
    wrap): in space :math:`r(x) = c\prod_i \frac{1}{N_i K_i}\bigl(\frac{\sin(\pi K_i x_i/N_i)}
    {\sin(\pi x_i/N_i)}\bigr)^2 \ge 0`. For each :math:`(K_i)` the largest
    :math:`c = \min_k |\hat\chi(k)| / \prod_i(1-|k_i|/K_i)` keeps :math:`|\hat r| \le |\hat\chi|`
    in every bin; the candidate with the largest :math:`\|\hat r\|^2` is returned
    (docs/theory.md §17). All zeros if the low-pass vanishes at 0.
    """
    magnitude = np.abs(np.asarray(lowpass))
    signed = [
        np.rint(f * n).astype(np.int64) for f, n in zip(grid.frequencies, grid.shape, strict=True)
    ]
    choices = [_widths(n, WIDTHS_TRIED[grid.ndim > 1]) for n in grid.shape]
    best, best_score = np.zeros(grid.shape), 0.0
    for widths in np.stack(np.meshgrid(*choices, indexing="ij"), -1).reshape(-1, grid.ndim):
        triangle = _triangle(signed, widths)
        inside = triangle > 0
        scale = float(np.min(magnitude[inside] / triangle[inside]))
        score = scale**2 * float(np.sum(triangle**2))
        if score > best_score:
            best, best_score = scale * triangle, score
    return best


def _widths(n: int, tried: int) -> NDArray[np.int64]:
    """Triangle half-widths K tried on an axis of n bins: all of 1..(n+1)//2, or ``tried`` of
    them spread geometrically."""
    top = (n + 1) // 2
    if top <= tried:
        return np.arange(1, top + 1)
    return np.unique(np.rint(np.geomspace(1, top, tried)).astype(np.int64))


def _triangle(signed: list[NDArray[np.int64]], widths: NDArray[np.int64]) -> NDArray[np.float64]:
    r""":math:`\prod_i (1 - |k_i|/K_i)_+` on the full grid."""
    factors = [np.clip(1.0 - np.abs(k) / w, 0.0, None) for k, w in zip(signed, widths, strict=True)]
    out = factors[0]
    for factor in factors[1:]:
        out = np.multiply.outer(out, factor)
    return out


def filter_shifts(
    power: NDArray[np.float64], kernel_power: NDArray[np.float64], count: int
) -> list[tuple[int, ...]]:
    r"""Up to ``count`` shifts :math:`\omega_s` for one filter (full-grid ``power`` =
    :math:`|\hat g|^2`): the peak of :math:`|\hat g|^2`, then the peak of
    :math:`|\hat g|^2 \prod_s (1 - |\hat r(\cdot - \omega_s)|^2/|\hat r(0)|^2)`, the power the
    shifted kernels chosen so far leave uncovered. Any shifts give a valid bound; these aim at
    the bins where the child's spectrum lives."""
    peak = float(kernel_power.flat[0])
    left = power.copy()
    shifts: list[tuple[int, ...]] = []
    for _ in range(count):
        index = np.unravel_index(int(np.argmax(left)), left.shape)
        if left[index] <= 0:
            break
        shifts.append(tuple(int(i) for i in index))
        if peak > 0:
            left *= 1.0 - np.roll(kernel_power, index, axis=tuple(range(left.ndim))) / peak
    return shifts or [(0,) * power.ndim]


@dataclass(frozen=True)
class ModulusPlan:
    r"""Per shift s and computed filter k, the folded powers
    :math:`P_{s,k} = \text{fold}(|\hat g_k|^2\,|\hat r(\cdot - \omega_{s,k})|^2)`, flattened
    like :attr:`LayerPlan.filter_power`, shape ``(S, K, G)`` (a filter with fewer shifts
    repeats its last one)."""

    bound_power: NDArray[np.float64]

    def tail(
        self,
        power: NDArray[np.float64],
        child_energy: NDArray[np.float64],
        child_weight: NDArray[np.int64],
        scale: float,
    ) -> NDArray[np.float64]:
        r"""``(rows, K)`` :math:`T = e - w\max_s \frac1{|G|}\sum_\omega |\hat u|^2 P_{s,k}`,
        clipped to ``[0, e]``; ``child_energy`` e already counts the weight w (path and mirror
        multiplicity: a mirror child's subtree equals the original's, so its T is the same)."""
        columns = power.shape[1]
        captured = np.max(np.stack([power @ p[:, :columns].T for p in self.bound_power]), axis=0)
        captured *= scale * child_weight
        return np.clip(child_energy - captured, 0.0, child_energy)


def modulus_plan(plan: LayerPlan, next_bank: FilterBank, shifts: int | None = None) -> ModulusPlan:
    r"""The :class:`ModulusPlan` of the children of ``plan``'s filters, whose signals go through
    ``next_bank`` (its low-pass bounds the kernel r; docs/theory.md §17); ``shifts`` per filter
    (default :data:`SHIFTS`)."""
    grid = plan.grid
    shifts = SHIFTS if shifts is None else shifts
    kernel_power = fejer_spectrum(grid, next_bank.lowpass) ** 2
    fold = grid.fold if plan.half else np.asarray
    axes = tuple(range(grid.ndim))
    rows = []
    for filt in plan.filters:
        power = np.abs(filt.astype(np.complex128)) ** 2
        chosen = filter_shifts(power, kernel_power, shifts)
        chosen += [chosen[-1]] * (shifts - len(chosen))
        rows.append([fold(power * np.roll(kernel_power, s, axis=axes)).reshape(-1) for s in chosen])
    return ModulusPlan(np.ascontiguousarray(np.transpose(np.asarray(rows), (1, 0, 2))))


def check_frame(banks: list[FilterBank]) -> None:
    """InvalidParameterError unless every bank's Littlewood–Paley sum is <= 1 in every bin (the
    modulus slack's hypothesis, docs/theory.md §17)."""
    for index, bank in enumerate(banks):
        top = float(np.max(bank.littlewood_paley))
        if top > 1.0 + FRAME_TOLERANCE:
            raise InvalidParameterError(
                "slack",
                "modulus",
                f"needs banks with upper frame bound <= 1; bank {index} ('{bank.family}') has "
                f"max Littlewood-Paley sum {top:.6g}",
            )


def record_dropped(
    acc: Accumulator,
    layer: int,
    owner: NDArray[np.int64],
    energy: NDArray[np.float64],
    tail: NDArray[np.float64] | None,
    dropped: NDArray[np.bool_],
) -> None:
    r"""Add the dropped children of layer ``layer`` + 1 to ``acc.bound`` (``slack_bound``):
    their energy e at layer ``layer`` + 1, their tails T at every deeper layer; and their
    energy to ``acc.dropped`` (``dropped_energy``, exactly part of :math:`W^{\text{true}}`
    at layer ``layer`` + 1)."""
    batch, layers = acc.bound.shape
    energy_dropped = np.bincount(
        owner, weights=np.sum(energy, axis=1, where=dropped), minlength=batch
    )
    acc.bound[:, layer + 1] += energy_dropped
    acc.dropped[:, layer + 1] += energy_dropped
    if tail is not None and layer + 2 < layers:
        acc.bound[:, layer + 2 :] += np.bincount(
            owner, weights=np.sum(tail, axis=1, where=dropped), minlength=batch
        )[:, None]
