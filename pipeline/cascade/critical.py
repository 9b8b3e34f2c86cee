r"""Critical sampling (``sampling="critical"``): each path's modulus on a grid sized to its filter.

For a filter :math:`\hat g` whose DFT lives on the circular window of bins
:math:`a, a+1, \dots, a+w-1` (mod N), the product :math:`Z = \hat u\,\hat g` lives there too,
and on a coarse grid of :math:`M \ge w` points, :math:`t_m = mN/M`,

.. math::
    y[m] = \frac1N \sum_{j=0}^{M-1} Z[a+j]\, e^{2\pi i jm/M}
         = (u * g)(t_m)\, e^{-2\pi i a t_m/N}, \qquad |y[m]| = |u * g|(t_m)

(demodulation: a frequency shift leaves the modulus unchanged; :math:`(u*g)(t)` is the
trigonometric interpolant, so :math:`N/M` need not be an integer). Since :math:`|y|^2` has
frequencies in :math:`(-w, w)`, its mean over M > w - 1 points is exact:
:math:`\frac NM \sum_m |y[m]|^2 = \|u * g\|^2`. The child is represented by the real signal
:math:`\tilde r` on the N-grid whose half spectrum is :math:`\frac NM R_M[k]` for
:math:`0 \le k < M/2` (:math:`R_M` = the M-point DFT of :math:`|y|`), :math:`\frac NM R_M[M/2]/\sqrt2`
at :math:`k = M/2` (M even; split evenly between :math:`\pm M/2`) and 0 above; then
:math:`\|\tilde r\|^2 = \frac NM\sum_m |y[m]|^2 = \|u*g\|^2` exactly, so energy is conserved
and the identity :math:`\|f\|^2 = \sum_{n<N}F_n + W_N + s_N` still holds to rounding.
What is approximate is the spectrum: :math:`\tilde r` is the band-limited interpolant of the
samples of the true modulus, which is not band-limited, so how its energy splits among the next
layer's filters and the low-pass differs from the true one (aliasing). The error is measured
(docs/theory.md §16), and each path contributes the estimate :data:`TAIL_FRACTION` below to
``sampling_error``.

The coarse size asked for is :math:`\text{next\_fast\_len}(\lceil \text{oversampling}\cdot
w\rceil)` (a 2-3-5-smooth size, ``scipy.fft.next_fast_len``), or N (the exact computation, window
at 0) when that is not smaller than N. A bank's asked sizes are put in classes of sizes within a
factor ``GROUP_RATIO`` (from the smallest up), and every filter of a class is computed on the
class's largest size M: a filter's M depends on the bank and ``oversampling`` only, so the
results do not depend on ``block_size``. Children are sorted by M and each block is one batched
call on one size.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import scipy.fft
from numpy.typing import NDArray

from .kernels import Block
from .namespace import bin_power
from .plan import LayerPlan

#: A bin belongs to a filter's window where its power exceeds this fraction of the filter's
#: peak power; what lies outside (Gaussian tails) is dropped: at most this fraction of the
#: parent's energy per filter (below 1e-20 relative for every bank, far below rounding).
WINDOW_TOLERANCE = 1e-24
#: ``sampling_error`` estimate: the energy of each path's coarse spectrum in the bins above
#: this fraction of its coarse band (:math:`k > M/8`).
TAIL_FRACTION = 0.25
#: The stated error of critical mode (docs/theory.md §16): |W_n - W_n^exact| and
#: |F_n - F_n^exact| at most this times ``sampling_error_n`` (plus the pruning slack of both
#: runs). A measured factor, not a proven one: see the table in docs/theory.md §16.
CRITICAL_ERROR_FACTOR = 1.0
#: Version of how a path's coarse grid is chosen. Critical-mode numbers depend on it (within
#: ``sampling_error``), so it enters the unit hashes of critical-mode sweeps
#: (:func:`pipeline.sweep.identity.unit_hash`): a store computed with another scheme has its
#: units recomputed on a rerun, never mixed with new ones. 1: runs of sizes formed per block
#: (results varied with ``block_size``); 2: size classes fixed by the bank (2026-12-02).
CRITICAL_SCHEME = 2
#: Filters whose asked coarse sizes lie within this ratio share one size (the largest), so that
#: their children share blocks: a block of one asked size only would stay as small as the
#: root's (one filter per octave).
GROUP_RATIO = 2


@dataclass(frozen=True)
class Windows:
    """Per computed filter of a plan: first bin ``start`` of its window and coarse size ``size``
    (``size`` = N and ``start`` = 0 where a coarse grid would not be smaller)."""

    start: NDArray[np.int64]
    size: NDArray[np.int64]
    #: per coarse size M: the filters on their windows ``(K, M)`` and which rows are filled
    tables: dict[int, tuple[NDArray, NDArray[np.bool_]]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def filter_table(self, filters: NDArray, coarse: int, col: NDArray[np.int64]) -> NDArray:
        r"""``(K, M)`` the filters' DFTs on their windows, :math:`\hat g_k[a_k + j \bmod N]`,
        j < M = ``coarse``, filled for (at least) the rows ``col``: each row is made once per
        size, then a block of children is one row gather."""
        if coarse not in self.tables:
            table = np.zeros((filters.shape[0], coarse), dtype=filters.dtype)
            self.tables[coarse] = (table, np.zeros(filters.shape[0], dtype=bool))
        table, filled = self.tables[coarse]
        missing = np.unique(col[~filled[col]])
        if missing.size:
            bins = (self.start[missing, None] + np.arange(coarse)) % filters.shape[-1]
            table[missing] = np.take_along_axis(filters[missing], bins, axis=1)
            filled[missing] = True
        return table


def filter_windows(plan: LayerPlan, oversampling: float) -> Windows:
    r"""The smallest circular window holding each filter's bins above :data:`WINDOW_TOLERANCE`
    (width w), and its coarse size: the largest size of its class (:func:`size_classes`) of
    the asked sizes :math:`\text{next\_fast\_len}(\lceil \text{oversampling}\cdot w\rceil)`,
    or N (window at 0) where the asked size is not smaller than N."""
    n = plan.grid.shape[-1]
    power = np.abs(plan.filters.astype(np.complex128)) ** 2
    start = np.zeros(power.shape[0], dtype=np.int64)
    size = np.full(power.shape[0], n, dtype=np.int64)
    for k, row in enumerate(power):
        bins = np.flatnonzero(row > WINDOW_TOLERANCE * row.max(initial=0.0))
        if bins.size == 0:
            continue
        gaps = np.diff(np.append(bins, bins[0] + n))  # from each support bin to the next one
        widest = int(np.argmax(gaps))
        width = n - int(gaps[widest]) + 1
        coarse = scipy.fft.next_fast_len(math.ceil(oversampling * width))
        if coarse < n:
            start[k] = bins[(widest + 1) % bins.size]
            size[k] = coarse
    coarse_rows = size < n
    size[coarse_rows] = size_classes(size[coarse_rows])
    return Windows(start, size)


def size_classes(sizes: NDArray[np.int64]) -> NDArray[np.int64]:
    """Each size replaced by the largest of its class: from the smallest size up, a class holds
    the sizes up to ``GROUP_RATIO`` times its first one.

    >>> size_classes(np.array([48, 96, 100, 192, 400, 50]))
    array([ 96,  96, 192, 192, 400,  96])
    """
    out = sizes.copy()
    distinct = np.unique(sizes)
    first = 0
    while first < distinct.size:
        stop = int(np.searchsorted(distinct, GROUP_RATIO * distinct[first], side="right"))
        members = (sizes >= distinct[first]) & (sizes <= distinct[stop - 1])
        out[members] = distinct[stop - 1]
        first = stop
    return out


def group_by_size(block: Block, windows: Windows) -> None:
    """Order the block's chosen children by coarse size (stable), so that equal sizes are
    contiguous and each block of children has one size."""
    order = np.argsort(windows.size[block.child_filter], kind="stable")
    block.child_row = block.child_row[order]
    block.child_filter = block.child_filter[order]
    block.child_budget = block.child_budget[order]


def signed_layout(block: Block, n: int, pad: int) -> NDArray:
    r"""The half spectra H (width b) of a block laid out by signed bin, ``[conj(H[l-1..1]),
    H[0..b-1], 0 x P]``: bins :math:`-(l-1), \dots, b-1` at indices 0..l+b-2, then P >= ``pad``
    zeros, with :math:`l = \min(b, N - b + 1)` (the negative bins not already in H). Where
    those bins are a whole period (l - 1 + b = N: a spectrum that is not band-limited), the P
    columns after it repeat its first ones instead (circular), so runs may wrap. Kept on the
    block and rebuilt only when a larger ``pad`` is asked for."""
    spectra = block.spectra
    width = spectra.shape[-1]
    lower = min(width, n - width + 1)
    layout = block.bins_layout
    if layout is None or layout.shape[1] - (lower - 1) - width < pad:
        layout = np.zeros((spectra.shape[0], lower - 1 + width + pad), dtype=spectra.dtype)
        layout[:, : lower - 1] = np.conj(spectra[:, lower - 1 : 0 : -1])
        layout[:, lower - 1 : lower - 1 + width] = spectra
        if lower - 1 + width == n:  # a whole period: continue it circularly
            layout[:, n:] = layout[:, : layout.shape[1] - n]
        block.bins_layout = layout
    return layout


def parent_bins(block: Block, row: NDArray[np.int64], bins: NDArray[np.int64], n: int) -> NDArray:
    r"""The parents' full N-point DFT at ``bins`` ``(R, M)``: from a full spectrum, or from a
    (possibly band-limited) half spectrum :math:`H` of width b by Hermitian symmetry,
    :math:`\hat u[k] = H[k]` (k < b), :math:`\overline{H[N-k]}` (N - k < b), else 0, read
    from :func:`signed_layout` (a bin in neither range reads its first zero)."""
    spectra = block.spectra
    if not block.half:
        return spectra[row[:, None], bins]
    width = spectra.shape[-1]
    lower = min(width, n - width + 1)
    layout = signed_layout(block, n, 1)
    position = np.where(bins < width, bins, bins - n) + (lower - 1)
    position[(bins >= width) & (bins <= n - lower)] = lower - 1 + width  # outside: a zero
    return layout[row[:, None], position]


#: :func:`parent_windows` keeps a block's layout only up to this many samples (64 MiB in
#: complex128); beyond, the caller gathers bin by bin.
LAYOUT_SAMPLES = 2**22


def parent_windows(
    block: Block,
    row: NDArray[np.int64],
    start: NDArray[np.int64],
    coarse: int,
    n: int,
    largest: int,
) -> NDArray | None:
    r"""The parents' full N-point DFT on each child's window, bins :math:`a, \dots, a+M-1` (mod
    N), ``(R, M)`` (M = ``coarse``): the values of :func:`parent_bins`, gathered as contiguous
    runs (a sliding-window view) instead of bin by bin.

    A full spectrum is laid out circularly, ``[u_hat, u_hat[:M-1]]``; a half spectrum by signed
    bin (:func:`signed_layout` with ``largest`` zeros after it, the largest M of the block's
    children, so that it is built once per block where it fits), where the window starting at signed bin
    s is the run from index s + l - 1 and its bins above b - 1 read zeros (or, for a spectrum
    that is not band-limited, the next period). None where a window of a band-limited
    spectrum would wrap into its negative bins from above (:math:`s + M - 1 \ge N - l + 1`)
    or the layout would exceed :data:`LAYOUT_SAMPLES`: the caller gathers bin by bin then."""
    spectra = block.spectra
    if not block.half:
        layout = np.concatenate([spectra, spectra[:, : coarse - 1]], axis=1)
        windows = np.lib.stride_tricks.sliding_window_view(layout, coarse, axis=1)
        return windows[row, start]
    width = spectra.shape[-1]
    lower = min(width, n - width + 1)
    signed = np.where(start >= n - lower + 1, start - n, start)
    whole_period = lower - 1 + width == n  # runs may wrap (circular layout)
    if not whole_period and np.any(signed + coarse - 1 >= n - lower + 1):
        return None
    for pad in (largest, coarse):
        if spectra.shape[0] * (lower - 1 + width + pad) <= LAYOUT_SAMPLES:
            break
    else:
        return None
    layout = signed_layout(block, n, pad)
    windows = np.lib.stride_tricks.sliding_window_view(layout, coarse, axis=1)
    return windows[row, np.minimum(signed, width) + lower - 1]


def block_stop(sizes: NDArray[np.int64], block_samples: int) -> int:
    """How many of the next children (coarse ``sizes``, ascending) form one block: a run of the
    first one's size, with rows x size <= ``block_samples`` (at least one)."""
    first = int(sizes[0])
    candidates = sizes[: max(1, block_samples // first)]
    return max(1, int(np.count_nonzero(candidates == first)))


def critical_children(
    block: Block, plan: LayerPlan, windows: Windows, block_samples: int, workers: int
) -> tuple[Block, NDArray[np.float64]]:
    r"""Next block of children, on one coarse size M (:func:`block_stop`): their band-limited
    half spectra :math:`\frac NM R_M` (module docstring) and, per child, the energy of its
    spectrum above :data:`TAIL_FRACTION` of the band (0 where M = N), multiplicity included."""
    n = plan.grid.shape[-1]
    first = block.cursor
    stop = block_stop(windows.size[block.child_filter[first:]], block_samples)
    coarse = int(windows.size[block.child_filter[first]])
    stop += first
    block.cursor = stop
    row = block.child_row[first:stop]
    col = block.child_filter[first:stop]
    start = windows.start[col]
    largest = int(windows.size[block.child_filter[-1]])  # children come by ascending size
    product = parent_windows(block, row, start, coarse, n, largest)
    if product is None:  # a window wraps into the negative bins: bin by bin
        product = parent_bins(block, row, (start[:, None] + np.arange(coarse)) % n, n)
    product *= np.take(windows.filter_table(plan.filters, coarse, col), col, axis=0)
    # scipy's ifft divides by M, not N: its modulus is (N/M)|y|, and the spectrum of |y| is to be
    # scaled by N/M (module docstring): the two factors cancel, so neither is applied
    demodulated = scipy.fft.ifft(product, axis=-1, workers=workers, overwrite_x=True)
    spectra = scipy.fft.rfft(np.abs(demodulated), axis=-1, workers=workers)
    weight = block.weight[row] * plan.multiplicity[col]
    tail = np.zeros(row.size)
    if coarse < n:
        if coarse % 2 == 0:
            spectra[:, -1] *= math.sqrt(0.5)
        top = spectra[:, int(TAIL_FRACTION * coarse / 2) + 1 :]
        tail = (2.0 / n) * bin_power(top).sum(axis=1) * weight
    child = Block(
        block.layer + 1,
        spectra,
        block.owner[row],
        weight,
        block.child_budget[first:stop],
        half=True,
        scale=plan.scales[col],
    )
    return child, tail
