r"""The cascade's kernels on a block of live paths: energies, pruning, children.

A block stacks the spectra of live paths of one layer, ``(R, *half_shape)`` for real signals or
``(R, *shape)`` for complex input, with the signal each belongs to and its multiplicity. Every
grid-dependent step is asked of the plan's :class:`pipeline.grid.Grid`.

The products and moduli of a block of children are formed in a :class:`Workspace` allocated once
per call of ``propagate``: only the children's spectra are new arrays. (Fresh large temporaries
cost page faults that, measured on a shared 2-core VM, took longer than the FFTs themselves.)
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from .modulus_slack import ModulusPlan, record_dropped
from .namespace import bin_power, spectral_energies
from .output import Accumulator
from .plan import LayerPlan
from .rules import drop_barred


class Workspace:
    """Scratch arrays ``(rows, *shape)`` for products, gathered filters and moduli, grown on demand
    (never beyond the largest block of children) and reused for every block; :func:`workspace`
    keeps one per thread for the last grid and precision used."""

    def __init__(self, shape: tuple[int, ...], dtype: np.dtype) -> None:
        self.shape = shape
        self.dtype = np.dtype(dtype)
        self.complex_dtype = np.result_type(dtype, np.complex64)
        self.product = self.gathered = np.empty((0, *shape), dtype=self.complex_dtype)
        self.modulus = np.empty((0, *shape), dtype=self.dtype)

    @property
    def nbytes(self) -> int:
        """Bytes held by the scratch arrays."""
        return self.product.nbytes + self.gathered.nbytes + self.modulus.nbytes

    def reserve(self, rows: int) -> None:
        """Make room for ``rows`` spectra."""
        if rows > self.product.shape[0]:
            self.product = np.empty((rows, *self.shape), dtype=self.complex_dtype)
            self.gathered = np.empty((rows, *self.shape), dtype=self.complex_dtype)
            self.modulus = np.empty((rows, *self.shape), dtype=self.dtype)


_LOCAL = threading.local()

#: A thread keeps its workspace between calls only up to this size (the default block size
#: needs 2**16 x 40 bytes = 2.6 MB); larger ones, from a large ``block_size``, are dropped.
KEEP_BYTES = 2**24


def workspace(shape: tuple[int, ...], dtype: np.dtype) -> Workspace:
    """This thread's workspace for ``shape`` and ``dtype``, kept between calls (its pages stay
    mapped, which saves the page faults of fresh buffers on every call)."""
    current = getattr(_LOCAL, "workspace", None)
    if current is None or current.shape != shape or current.dtype != np.dtype(dtype):
        current = _LOCAL.workspace = Workspace(shape, dtype)
    return current


def release_large_workspace() -> None:
    """Drop this thread's workspace if it grew beyond ``KEEP_BYTES``."""
    current = getattr(_LOCAL, "workspace", None)
    if current is not None and current.nbytes > KEEP_BYTES:
        del _LOCAL.workspace


@dataclass
class Block:
    """Live paths of one layer, stacked: their spectra, owning signal and path multiplicity."""

    layer: int
    spectra: NDArray[np.complexfloating]
    owner: NDArray[np.int64]
    weight: NDArray[np.int64]
    budget: NDArray[np.float64]  # energy each path's subtree may still drop
    half: bool
    scale: NDArray[np.int64] = field(default_factory=lambda: np.empty(0, np.int64))  # last filter's
    child_row: NDArray[np.int64] = field(default_factory=lambda: np.empty(0, np.int64))
    child_filter: NDArray[np.int64] = field(default_factory=lambda: np.empty(0, np.int64))
    child_budget: NDArray[np.float64] = field(default_factory=lambda: np.empty(0))
    cursor: int = 0
    bins_layout: NDArray | None = None  # critical mode: the spectra laid out for gathers

    @property
    def pending(self) -> int:
        """Children chosen but not yet computed."""
        return self.child_row.size - self.cursor


def expand_energies(
    block: Block,
    plan: LayerPlan,
    depth: int,
    acc: Accumulator,
    *,
    path_rule: str = "all",
    modulus: ModulusPlan | None = None,
) -> None:
    r"""Record :math:`F_n` of a block and the energies of its children; choose the children to keep.

    :math:`\|u * \chi\|^2 = \frac1{|G|}\sum_\omega |\hat u|^2 |\hat\chi|^2` and
    :math:`\|U[\lambda] u\|^2 = \|u * g_\lambda\|^2 = \frac1{|G|}\sum_\omega |\hat u|^2|\hat
    g_\lambda|^2` (Parseval, the modulus preserves the norm; :math:`|G| = N_1 \cdots N_d`),
    evaluated on the block's spectral grid with the plan's folded powers (docs/theory.md §2).
    A block of band-limited spectra (critical sampling: the first ``b`` half-space bins) uses
    the first ``b`` bins of the folded powers. Children barred by ``path_rule``
    (:mod:`.rules`) are dropped and accounted in ``pruned_slack`` and ``rule_slack``. Given a
    ``modulus`` plan, every dropped child also enters ``acc.bound`` (``slack_bound``): its energy
    at its own layer, its tail :math:`T \le e` deeper; and ``acc.dropped`` (``dropped_energy``)
    at its own layer (:mod:`.modulus_slack`, docs/theory.md §17).
    """
    n = block.layer
    # slack="modulus" (numpy input only) needs the bins themselves, not only their sums
    power = None if modulus is None else bin_power(block.spectra)
    lowpass_sum, filter_sum = spectral_energies(block.spectra, plan, power)  # on the host
    scale = 1.0 / plan.grid.size
    acc.add(acc.feature, n, block.owner, block.weight * lowpass_sum * scale)
    child_weight = block.weight[:, None] * plan.multiplicity[None, :]
    child_energy = filter_sum * scale
    child_energy *= child_weight.astype(np.float64)
    before_rule = None if acc.bound is None else child_energy.copy()
    if path_rule != "all" and n > 0:
        ruled = np.bincount(
            block.owner,
            weights=drop_barred(child_energy, block.scale, plan.scales),
            minlength=acc.batch,
        )
        acc.rule[:, n + 1 :] += ruled[:, None]
        acc.pruned[:, n + 1 :] += ruled[:, None]
    if n + 1 == depth:
        if before_rule is not None:  # only path-rule drops here: their energy, no tail
            record_dropped(acc, n, block.owner, before_rule, None, child_energy == 0)
        live = child_energy > 0
        acc.add(acc.propagated, depth, block.owner, child_energy.sum(axis=1))
        acc.add(acc.paths, depth, block.owner, np.sum(child_weight * live, axis=1))
        return
    keep, child_budget, dropped = prune(child_energy, block.budget, spend=1.0 / (depth - n - 1))
    acc.pruned[:, n + 1 :] += np.bincount(block.owner, weights=dropped, minlength=acc.batch)[
        :, None
    ]
    if before_rule is not None:
        # without a modulus plan the tail is the whole energy (today's slack, still a bound)
        tail = (
            before_rule
            if modulus is None
            else modulus.tail(power, before_rule, child_weight, scale)
        )
        record_dropped(acc, n, block.owner, before_rule, tail, ~keep)
    row, col = np.nonzero(keep)
    acc.add(acc.propagated, n + 1, block.owner[row], child_energy[row, col])
    acc.add(acc.paths, n + 1, block.owner[row], child_weight[row, col])
    block.child_row, block.child_filter, block.cursor = row, col, 0
    block.child_budget = child_budget[row, col]


def prune(
    child_energy: NDArray[np.float64], budget: NDArray[np.float64], *, spend: float
) -> tuple[NDArray[np.bool_], NDArray[np.float64], NDArray[np.float64]]:
    r"""Choose the children to keep, and hand the rest of each path's budget down to them.

    Each path carries a budget :math:`\beta` (the root: ``energy_budget`` :math:`\|f\|^2`). Of its
    children, the smallest are dropped while their total stays within ``spend`` :math:`\cdot\beta`
    (``spend`` = 1 / number of pruning layers left, which spreads the budget over the depth);
    what is left of :math:`\beta` is shared among the kept children in proportion to their
    energy. A subtree therefore never drops more than its budget, and all subtrees together
    never more than ``energy_budget`` :math:`\|f\|^2`, whatever the order of the walk. Children
    of zero energy are always dropped (nothing is lost).

    Returns the keep mask ``(rows, K)``, each child's budget (0 where dropped) and the energy
    dropped per row.
    """
    order = np.argsort(child_energy, axis=1, kind="stable")
    sorted_energy = np.take_along_axis(child_energy, order, axis=1)
    # per-row cumulative sums: each starts from 0, so a zero budget drops only zero energies
    drop_sorted = np.cumsum(sorted_energy, axis=1) <= spend * budget[:, None]
    drop = np.empty_like(drop_sorted)
    np.put_along_axis(drop, order, drop_sorted, axis=1)
    keep = ~drop
    kept_energy = np.where(keep, child_energy, 0.0)
    kept_total = kept_energy.sum(axis=1)
    dropped = np.sum(np.where(drop, child_energy, 0.0), axis=1)
    left = budget - dropped
    share = np.divide(left, kept_total, out=np.zeros_like(left), where=kept_total > 0)
    return keep, kept_energy * share[:, None], dropped


def children(
    block: Block, plan: LayerPlan, block_size: int, workers: int, scratch: Workspace
) -> Block:
    r"""Next block of children :math:`\widehat{|u * g_\lambda|}`: one inverse FFT and one rfftn each."""
    take = slice(block.cursor, min(block.cursor + block_size, block.child_row.size))
    block.cursor = take.stop
    row = block.child_row[take]
    col = block.child_filter[take]
    scratch.reserve(row.size)
    product = scratch.product[: row.size]
    if block.half:
        half_times_filters(block.spectra, row, col, plan, product, scratch.gathered)
    else:
        gathered = scratch.gathered[: row.size]
        np.take(block.spectra, row, axis=0, out=product, mode="clip")
        np.take(plan.filters, col, axis=0, out=gathered, mode="clip")
        product *= gathered
    grid = plan.grid
    modulus = np.abs(
        grid.ifft(product, workers=workers, overwrite_x=True), out=scratch.modulus[: row.size]
    )
    return Block(
        block.layer + 1,
        grid.rfft(modulus, workers=workers),
        block.owner[row],
        block.weight[row] * plan.multiplicity[col],
        block.child_budget[take],
        half=True,
        scale=plan.scales[col],
    )


def half_times_filters(
    half: NDArray[np.complexfloating],
    row: NDArray[np.int64],
    col: NDArray[np.int64],
    plan: LayerPlan,
    product: NDArray[np.complexfloating],
    scratch: NDArray[np.complexfloating],
) -> None:
    r"""Full DFT :math:`\hat u\,\hat g` of real parents given by their real-FFT half spectra, into
    ``product`` ``(R, *grid.shape)`` (``scratch`` holds at least R spectra).

    On the half-space (last index :math:`j \le N_d/2`) the product is :math:`H(\omega)\hat
    g(\omega)`; outside it, :math:`\overline{H(-\omega)}\,\hat g(\omega)` (Hermitian symmetry of a
    real u, :meth:`Grid.hermitian_upper`), skipped (set to 0) when every filter vanishes there.
    """
    grid = plan.grid
    width = grid.half_shape[-1]
    lower = product[..., :width]
    np.take(half, row, axis=0, out=lower, mode="clip")
    if plan.positive_only:
        lower *= plan.filters[col, ..., :width]
        product[..., width:] = 0
        return
    grid.hermitian_upper(lower, out=product[..., width:])
    gathered = scratch[: row.size]
    np.take(plan.filters, col, axis=0, out=gathered, mode="clip")
    product *= gathered
