r"""The FFT cascade: energies of the propagated signals and feature maps, layer by layer.

For a module-sequence with filter banks :math:`\Psi_n = \{\chi_n\} \cup \{g_\lambda\}` and the
modulus non-linearity (THEORY.md §2),

.. math::
    U[\lambda]u = |u * g_\lambda|, \quad
    W_n = \sum_{|q| = n} \|U[q]f\|^2, \quad
    F_n = \sum_{|q| = n} \|U[q]f * \chi_{n+1}\|^2, \quad
    W_n = F_n + W_{n+1}\ \text{(Parseval banks)},

so :math:`\|f\|^2 = \sum_{n<N} F_n + W_N` (identity (E) of THEORY.md §2). Energies come from
spectra by Parseval; only the modulus needs the time domain.

How it is computed (DESIGN.md, "engineering notes"):

- live paths of many signals are stacked into blocks and transformed together (``scipy.fft``);
- after the first modulus every signal is real, so its spectrum is kept as an ``rfft`` half and
  of each mirror pair :math:`(g, g^-)` only one child is computed, with multiplicity 2 (exact:
  :math:`|u * g^-| = |u * g|` for real u);
- the tree is walked depth first, one block at a time, so memory grows with depth, not with the
  number of paths;
- a path whose energy e is pruned removes at most e from every deeper :math:`W_n` and
  :math:`F_n`; the cumulative pruned energy is reported as ``pruned_slack`` and bounds the error.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.fft
import xarray as xr
from numpy.typing import ArrayLike, NDArray

from . import PAPER_REFERENCE, __version__
from .errors import InvalidParameterError, InvalidSignalError
from .filters import FilterBank

#: Default samples per block (block_size = BLOCK_SAMPLES // N): 2**16 complex samples, 1 MiB,
#: stays in cache. Measured on morlet, N=1024, depth 9: 6.4 s at 2**16 against 9.6 s at 2**22
#: (which also kept a second core busy in BLAS); meyer N=4096 0.55 s against 0.98 s.
BLOCK_SAMPLES = 2**16

_DESCRIPTIONS = {
    "propagated_energy": (
        "energy of the propagated signals W_n",
        "W_n = sum over live paths q of length n of ||U[q] f||^2, U[q] f = |...|f * g_1| * ... "
        "* g_n|; W_0 = ||f||^2. True W_n lies in [W_n, W_n + pruned_slack_n] (THEORY.md §2).",
    ),
    "feature_energy": (
        "energy of the feature maps F_n",
        "F_n = sum over live paths q of length n of ||U[q] f * chi_(n+1)||^2, for layers "
        "n = 0..depth-1 (NaN at n = depth: not computed). True F_n lies in [F_n, F_n + "
        "pruned_slack_n]. Parseval banks: ||f||^2 = sum_{n<N} F_n + W_N + pruned_slack_N.",
    ),
    "pruned_slack": (
        "energy pruned at layers <= n",
        "sum of the energies of the paths pruned at layers 1..n; an upper bound on what the "
        "pruned subtrees carry in layer n (and in every deeper layer).",
    ),
    "paths": (
        "number of live paths",
        "number of paths of length n kept after pruning, mirror images counted (an exact count "
        "of the paths whose energy enters W_n; paths of zero energy are dropped).",
    ),
    "input_energy": ("input energy ||f||^2", "squared l2 norm of the input signal, sum |f[t]|^2."),
}


#: Attributes of every output variable: long_name, description (with its formula), units.
VARIABLE_ATTRS: dict[str, dict[str, str]] = {
    name: {
        "long_name": long_name,
        "description": description,
        "units": "count" if name == "paths" else "sum of squared samples",
    }
    for name, (long_name, description) in _DESCRIPTIONS.items()
}


@dataclass(frozen=True)
class _LayerPlan:
    """Per-layer arrays on one spectral grid (rfft half for real signals, full DFT otherwise)."""

    half: bool
    length: int
    energy_weight: NDArray[np.float64]  # (G,) weights turning |U|^2 on the grid into ||u||^2 * N
    lowpass_power: NDArray[np.float64]  # (G,)
    filter_power: NDArray[np.float64]  # (R, G)
    filters: NDArray[np.complexfloating]  # (R, N) full DFT of the filters actually computed
    multiplicity: NDArray[np.int64]  # (R,)
    positive_only: bool  # every computed filter vanishes on bins N/2+1..N-1


def _fold(values: NDArray[np.float64], length: int) -> NDArray[np.float64]:
    r"""Fold a full-grid array onto the rfft half: :math:`h_j = a_j + a_{N-j}` for 0 < j < N - j.

    For a real u with Hermitian spectrum :math:`\hat u`,
    :math:`\sum_{\omega} |\hat u(\omega)|^2 a(\omega) = \sum_{j \le N/2} |\hat u_j|^2 h_j`.
    """
    half = values[..., : length // 2 + 1].copy()
    interior = (length - 1) // 2
    half[..., 1 : 1 + interior] += values[..., ::-1][..., :interior]
    return half


def _plan(bank: FilterBank, *, half: bool, dtype: np.dtype) -> _LayerPlan:
    length = bank.shape[0]
    complex_dtype = np.result_type(dtype, np.complex64)
    if half:
        rows, multiplicity = bank.representatives
        fold = lambda a: _fold(a, length)  # noqa: E731
    else:
        rows = np.arange(bank.n_filters)
        multiplicity = np.ones(bank.n_filters, dtype=np.int64)
        fold = lambda a: a  # noqa: E731
    return _LayerPlan(
        half=half,
        length=length,
        energy_weight=fold(np.ones(length)),
        lowpass_power=fold(np.abs(bank.lowpass) ** 2),
        filter_power=fold(np.abs(bank.filters[rows]) ** 2),
        filters=bank.filters[rows].astype(complex_dtype),
        multiplicity=multiplicity,
        positive_only=bool(half and not np.any(bank.filters[rows, length // 2 + 1 :])),
    )


@dataclass
class _Block:
    """Live paths of one layer, stacked: their spectra, owning signal and path multiplicity."""

    layer: int
    spectra: NDArray[np.complexfloating]
    owner: NDArray[np.int64]
    weight: NDArray[np.int64]
    budget: NDArray[np.float64]  # energy each path's subtree may still drop
    half: bool
    child_row: NDArray[np.int64] = field(default_factory=lambda: np.empty(0, np.int64))
    child_filter: NDArray[np.int64] = field(default_factory=lambda: np.empty(0, np.int64))
    child_budget: NDArray[np.float64] = field(default_factory=lambda: np.empty(0))
    cursor: int = 0

    @property
    def pending(self) -> int:
        return self.child_row.size - self.cursor


class _Accumulator:
    """Per-signal, per-layer sums, in float64 whatever the working precision."""

    def __init__(self, batch: int, depth: int) -> None:
        self.batch = batch
        self.propagated = np.zeros((batch, depth + 1))
        self.feature = np.full((batch, depth + 1), np.nan)
        self.feature[:, :depth] = 0.0
        self.pruned = np.zeros((batch, depth + 1))
        self.paths = np.zeros((batch, depth + 1), dtype=np.int64)

    def add(self, table: NDArray, layer: int, owner: NDArray[np.int64], values: NDArray) -> None:
        table[:, layer] += np.bincount(owner, weights=values, minlength=self.batch).astype(
            table.dtype
        )


def propagate(
    signals: ArrayLike | xr.DataArray,
    bank: FilterBank | Sequence[FilterBank],
    depth: int,
    energy_budget: float = 0.0,
    dtype: type | np.dtype = np.float64,
    *,
    block_size: int | None = None,
    fft_workers: int = 1,
) -> xr.Dataset:
    r"""Energies of the propagated signals and feature maps of a scattering network, per layer.

    Parameters
    ----------
    signals
        ``(batch, N)`` real or complex samples (a ``DataArray`` with dims ``(signal, time)`` keeps
        its ``signal`` coordinates).
    bank
        one filter bank on the grid ``(N,)`` used in every layer, or a sequence of ``depth``
        banks, ``bank[n]`` being the module :math:`\Psi_{n+1}` applied to the layer-n signals.
    depth
        N >= 1: layers 0..N are reported.
    energy_budget
        total energy that pruning may drop, as a fraction of :math:`\|f\|^2`, per signal; 0 is
        exact (only paths of zero energy are dropped).
    dtype
        working precision, ``float64`` (default) or ``float32``. Sums are kept in float64.
    block_size
        spectra transformed together (default: about ``BLOCK_SAMPLES / N``); results do not
        depend on it (pruning decisions are local to each path, see ``_prune``).
    fft_workers
        ``workers`` for ``scipy.fft``.

    Returns
    -------
    xarray.Dataset
        over ``(signal, layer)``: ``propagated_energy`` :math:`W_n` (:math:`W_0 = \|f\|^2`),
        ``feature_energy`` :math:`F_n` for n < depth (NaN at n = depth), ``pruned_slack``,
        ``paths``; ``input_energy`` over ``signal``. Energies are sums of squares of samples
        (:math:`\|u\|^2 = \sum_t |u[t]|^2`).

    Notes
    -----
    Guarantees, for every layer n and signal (THEORY.md §2, Parseval banks):

    .. math::
        W_n^{\text{true}} \in [W_n, W_n + s_n], \quad F_n^{\text{true}} \in [F_n, F_n + s_n],
        \quad \|f\|^2 = \sum_{n<N} F_n + W_N + s_N, \quad s_N \le \text{budget}\cdot\|f\|^2,

    with :math:`s_n` = ``pruned_slack``. For a bank with frame bounds A, B (not Parseval) the
    identity becomes :math:`A'^N\|f\|^2 \le \sum_{n<N} F_n + W_N + s_N \le B'^N\|f\|^2`,
    :math:`A' = \min(1, A)`, :math:`B' = \max(1, B)`.
    """
    values, signal_coords = _as_signal_array(signals)
    banks = _as_banks(bank, depth, values.shape[1])
    energy_budget = _as_budget(energy_budget)
    work_dtype = _as_dtype(dtype)
    batch, length = values.shape
    if block_size is None:
        block_size = max(1, BLOCK_SAMPLES // length)
    elif isinstance(block_size, bool) or not isinstance(block_size, int) or block_size < 1:
        raise InvalidParameterError("block_size", block_size, "must be an integer >= 1")

    complex_input = np.iscomplexobj(values)
    plans_half = [_plan(b, half=True, dtype=work_dtype) for b in banks]
    plan_full = _plan(banks[0], half=False, dtype=work_dtype) if complex_input else None

    complex_dtype = np.result_type(work_dtype, np.complex64)
    input_energy = np.sum(np.abs(values) ** 2, axis=1)
    acc = _Accumulator(batch, depth)
    acc.propagated[:, 0] = input_energy
    acc.paths[:, 0] = 1

    stack: list[_Block] = []
    for start in range(0, batch, block_size):
        rows = slice(start, min(batch, start + block_size))
        chunk = values[rows].astype(complex_dtype if complex_input else work_dtype)
        spectra = (
            scipy.fft.fft(chunk, axis=-1, workers=fft_workers)
            if complex_input
            else scipy.fft.rfft(chunk, axis=-1, workers=fft_workers)
        )
        owner = np.arange(rows.start, rows.stop, dtype=np.int64)
        root = _Block(
            0,
            spectra,
            owner,
            np.ones(owner.size, np.int64),
            energy_budget * input_energy[owner],
            half=not complex_input,
        )
        _expand_energies(root, plans_half[0] if root.half else plan_full, depth, acc)
        stack.append(root)
        while stack:
            top = stack[-1]
            if top.pending == 0:
                stack.pop()
                continue
            plan = plans_half[top.layer] if top.half else plan_full
            child = _children(top, plan, block_size, fft_workers)
            _expand_energies(child, plans_half[child.layer], depth, acc)
            stack.append(child)

    return _to_dataset(acc, input_energy, signal_coords, banks, depth, energy_budget, work_dtype)


def _expand_energies(block: _Block, plan: _LayerPlan, depth: int, acc: _Accumulator) -> None:
    r"""Record :math:`F_n` of a block and the energies of its children; choose the children to keep.

    :math:`\|u * \chi\|^2 = \frac1N\sum_\omega |\hat u|^2 |\hat\chi|^2` and
    :math:`\|U[\lambda] u\|^2 = \|u * g_\lambda\|^2 = \frac1N\sum_\omega |\hat u|^2|\hat g_\lambda|^2`
    (Parseval, modulus preserves the norm), evaluated on the block's grid (THEORY.md §2).
    """
    n = block.layer
    power = np.abs(block.spectra).astype(np.float64) ** 2
    scale = 1.0 / plan.length
    acc.add(acc.feature, n, block.owner, block.weight * (power @ plan.lowpass_power) * scale)
    child_weight = block.weight[:, None] * plan.multiplicity[None, :]
    child_energy = (power @ plan.filter_power.T) * scale
    child_energy *= child_weight.astype(np.float64)
    if n + 1 == depth:
        live = child_energy > 0
        acc.add(acc.propagated, depth, block.owner, child_energy.sum(axis=1))
        acc.add(acc.paths, depth, block.owner, np.sum(child_weight * live, axis=1))
        return
    keep, child_budget, dropped = _prune(child_energy, block.budget, spend=1.0 / (depth - n - 1))
    acc.pruned[:, n + 1 :] += np.bincount(block.owner, weights=dropped, minlength=acc.batch)[
        :, None
    ]
    row, col = np.nonzero(keep)
    acc.add(acc.propagated, n + 1, block.owner[row], child_energy[row, col])
    acc.add(acc.paths, n + 1, block.owner[row], child_weight[row, col])
    block.child_row, block.child_filter, block.cursor = row, col, 0
    block.child_budget = child_budget[row, col]


def _prune(
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


def _children(block: _Block, plan: _LayerPlan, block_size: int, workers: int) -> _Block:
    r"""Next block of children :math:`\widehat{|u * g_\lambda|}`: one inverse FFT and one rfft each."""
    take = slice(block.cursor, min(block.cursor + block_size, block.child_row.size))
    block.cursor = take.stop
    row = block.child_row[take]
    col = block.child_filter[take]
    if block.half:
        product = _half_times_filters(block.spectra, row, col, plan)
    else:
        product = block.spectra[row] * plan.filters[col]
    modulus = np.abs(scipy.fft.ifft(product, axis=-1, workers=workers, overwrite_x=True))
    spectra = scipy.fft.rfft(modulus, axis=-1, workers=workers)
    return _Block(
        block.layer + 1,
        spectra,
        block.owner[row],
        block.weight[row] * plan.multiplicity[col],
        block.child_budget[take],
        half=True,
    )


def _half_times_filters(
    half: NDArray[np.complexfloating],
    row: NDArray[np.int64],
    col: NDArray[np.int64],
    plan: _LayerPlan,
) -> NDArray[np.complexfloating]:
    r"""Full DFT :math:`\hat u\,\hat g` of real parents given by their rfft halves.

    Bins 0..N/2 are :math:`H_j \hat g_j`; bins j > N/2 are :math:`\overline{H_{N-j}}\,\hat g_j`
    (Hermitian symmetry of a real u), skipped when every filter vanishes there (analytic).
    """
    length, width = plan.length, half.shape[1]
    product = np.zeros((row.size, length), dtype=half.dtype)
    np.multiply(half[row], plan.filters[col, :width], out=product[:, :width])
    if not plan.positive_only:
        mirrored = np.conj(half[row, 1 : length - width + 1][:, ::-1])
        np.multiply(mirrored, plan.filters[col, width:], out=product[:, width:])
    return product


def _as_signal_array(signals: ArrayLike | xr.DataArray) -> tuple[NDArray, dict]:
    coords: dict = {}
    if isinstance(signals, xr.DataArray):
        if signals.ndim != 2 or signals.dims[0] != "signal":
            raise InvalidSignalError(
                "signals",
                f"DataArray with dims {signals.dims}",
                "must have dims ('signal', <time>)",
            )
        coords = {
            name: (("signal",), coord.values)
            for name, coord in signals.coords.items()
            if coord.dims == ("signal",)
        }
        signals = signals.values
    try:
        values = np.asarray(signals)
    except (TypeError, ValueError) as error:
        raise InvalidSignalError("signals", type(signals).__name__, "must be an array") from error
    if values.dtype.kind not in "biufc":
        raise InvalidSignalError("signals", f"dtype {values.dtype}", "must be numeric")
    if values.ndim != 2:
        raise InvalidSignalError(
            "signals",
            f"array of shape {values.shape}",
            "must be 2-D (batch, N); wrap one signal as x[None, :]",
        )
    if values.shape[0] == 0:
        raise InvalidSignalError(
            "signals", f"array of shape {values.shape}", "must hold at least one signal"
        )
    if not np.all(np.isfinite(values)):
        bad = np.argwhere(~np.isfinite(values))[0]
        raise InvalidSignalError(
            "signals",
            f"non-finite sample at (signal {bad[0]}, t={bad[1]})",
            "every sample must be finite (no NaN or Inf)",
        )
    if values.dtype.kind in "biu":
        values = values.astype(np.float64)
    return values, coords


def _as_banks(bank: FilterBank | Sequence[FilterBank], depth: int, length: int) -> list[FilterBank]:
    if isinstance(depth, bool) or not isinstance(depth, int | np.integer) or depth < 1:
        raise InvalidParameterError("depth", depth, "must be an integer >= 1")
    depth = int(depth)
    if isinstance(bank, FilterBank):
        banks = [bank] * depth
    else:
        banks = list(bank)
        if len(banks) != depth or not all(isinstance(b, FilterBank) for b in banks):
            raise InvalidParameterError(
                "bank",
                f"sequence of {len(banks)} items",
                f"must be one FilterBank or a sequence of depth={depth} FilterBanks",
            )
    for b in banks:
        if b.shape != (length,):
            raise InvalidParameterError(
                "bank",
                f"'{b.family}' bank on grid {b.shape}",
                f"must be a 1-D bank on the signals' grid ({length},)",
            )
    return banks


def _as_budget(energy_budget: float) -> float:
    try:
        budget = float(energy_budget)
    except (TypeError, ValueError):
        raise InvalidParameterError("energy_budget", energy_budget, "must be a number") from None
    if not math.isfinite(budget) or budget < 0 or budget >= 1:
        raise InvalidParameterError(
            "energy_budget", energy_budget, "must lie in [0, 1) (a fraction of ||f||^2)"
        )
    return budget


def _as_dtype(dtype: type | np.dtype) -> np.dtype:
    try:
        resolved = np.dtype(dtype)
    except TypeError:
        resolved = None
    if resolved not in (np.dtype(np.float64), np.dtype(np.float32)):
        raise InvalidParameterError("dtype", dtype, "must be float64 or float32")
    return resolved


def _to_dataset(
    acc: _Accumulator,
    input_energy: NDArray[np.float64],
    signal_coords: dict,
    banks: list[FilterBank],
    depth: int,
    energy_budget: float,
    dtype: np.dtype,
) -> xr.Dataset:
    dims = ("signal", "layer")
    data = {
        "propagated_energy": (dims, acc.propagated),
        "feature_energy": (dims, acc.feature),
        "pruned_slack": (dims, acc.pruned),
        "paths": (dims, acc.paths),
        "input_energy": (("signal",), input_energy),
    }
    coords = {"signal": np.arange(acc.batch), "layer": np.arange(depth + 1), **signal_coords}
    dataset = xr.Dataset(data, coords=coords)
    for name, attrs in VARIABLE_ATTRS.items():
        dataset[name].attrs.update(attrs)
    dataset["layer"].attrs["long_name"] = "layer n (path length)"
    families = sorted({b.family for b in banks})
    dataset.attrs.update(
        depth=depth,
        energy_budget=energy_budget,
        dtype=str(dtype),
        bank_family=", ".join(families),
        bank_params=repr(banks[0].params) if len(families) == 1 else "per layer",
        reference=PAPER_REFERENCE,
        package_version=__version__,
    )
    return dataset
