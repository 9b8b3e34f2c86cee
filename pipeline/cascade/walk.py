"""The depth-first walk of the cascade: :func:`propagate`."""

from __future__ import annotations

from collections.abc import Sequence

import array_api_compat
import numpy as np
import xarray as xr
from numpy.typing import ArrayLike

from ..filters import FilterBank
from .critical import critical_children, group_by_size
from .inputs import as_banks, as_block_size, as_budget, as_dtype, as_modes, as_signal_array
from .kernels import Block, children, expand_energies, release_large_workspace, workspace
from .modulus_slack import ModulusPlan, check_frame, modulus_plan
from .namespace import (
    as_device_signals,
    check_modes,
    complex_dtype,
    device_children,
    input_energy,
    is_complex,
    namespace_of,
    real_dtype,
    transform,
)
from .output import Accumulator, to_dataset
from .plan import LayerPlan
from .plan_cache import bank_plan, bank_windows
from .threads import limit_blas_threads

#: Default samples per block (block_size = BLOCK_SAMPLES // grid size): 2**16 complex samples,
#: 1 MiB, stays in cache. Measured on morlet, N=1024, depth 9: 6.4 s at 2**16 against 9.6 s at
#: 2**22 (which also kept a second core busy in BLAS); meyer N=4096 0.55 s against 0.98 s.
BLOCK_SAMPLES = 2**16
#: The same for a non-numpy namespace (a GPU): 2**22 complex samples per block (64 MiB in
#: complex128), large batched transforms instead of many small ones; not measured yet (no GPU
#: was available where this was written), see benchmarks/harness/gpu.py.
DEVICE_BLOCK_SAMPLES = 2**22
#: The same for ``sampling="critical"``: 2**20 samples of the N-grid per block (the coarse
#: blocks are smaller), so that a block of children is tens to hundreds of short transforms in one
#: call rather than a few. Measured with Kymatio's filters (J=6, Q=8 and Q=1, N=2^13, batch 16;
#: J=8, Q=8, N=2^16), best of 5, quiet 2-core machine: against 2**16, float32 0.173 -> 0.122 s,
#: 0.070 -> 0.040 s and 1.93 -> 1.32 s; float64 0.217 -> 0.232 s, 0.083 -> 0.073 s and
#: 2.27 -> 2.20 s (docs/theory.md §16).
CRITICAL_BLOCK_SAMPLES = 2**20


def propagate(
    signals: ArrayLike | xr.DataArray,
    bank: FilterBank | Sequence[FilterBank],
    depth: int,
    energy_budget: float = 0.0,
    dtype: type | np.dtype = np.float64,
    *,
    block_size: int | None = None,
    fft_workers: int = 1,
    path_rule: str = "all",
    sampling: str = "exact",
    oversampling: float = 2,
    slack: str = "energy",
) -> xr.Dataset:
    r"""Energies of the propagated signals and feature maps of a scattering network, per layer.

    Parameters
    ----------
    signals
        ``(batch, *grid.shape)`` real or complex samples on the banks' grid: ``(batch, N)`` in
        1-D, ``(batch, N1, N2)`` in 2-D. A ``DataArray`` has dims ``("signal", "time")`` in 1-D,
        ``("signal", "y", "x")`` in 2-D (:attr:`pipeline.grid.Grid.signal_dims`) and keeps its
        ``signal`` coordinates. A torch or CuPy array (any array-API array) is transformed in
        its own namespace, on its device (:mod:`.namespace`; ``sampling="exact"`` only); the
        returned energies are numpy.
    bank
        one filter bank used in every layer, or a sequence of ``depth`` banks on one grid,
        ``bank[n]`` being the module :math:`\Psi_{n+1}` applied to the layer-n signals.
    depth
        N >= 1: layers 0..N are reported.
    energy_budget
        total energy that pruning may drop, as a fraction of :math:`\|f\|^2`, per signal; 0 is
        exact (only paths of zero energy are dropped).
    dtype
        working precision, ``float64`` (default) or ``float32``. Sums are kept in float64.
    block_size
        spectra transformed together (default: about ``BLOCK_SAMPLES`` / grid size,
        ``CRITICAL_BLOCK_SAMPLES`` / grid size with ``sampling="critical"``, or
        ``DEVICE_BLOCK_SAMPLES`` / grid size for non-numpy input); results do not depend on it
        (pruning decisions are local to each path, see ``kernels.prune``; in critical mode each
        filter's coarse size is fixed by the bank, :mod:`.critical`).
    fft_workers
        ``workers`` for ``scipy.fft``, and the BLAS threads of the energy products while the
        call runs (:mod:`.threads`).
    path_rule
        ``"all"`` (every filter: the frame) or ``"frequency_decreasing"`` (a child filter is
        followed only if its scale index is coarser than its parent's,
        :attr:`FilterBank.scale_index`; layer 1 keeps every filter). What the rule drops is
        exact energy, added to ``pruned_slack`` and reported as ``rule_slack``
        (:mod:`.rules`, docs/theory.md §15).
    sampling
        ``"exact"`` (every modulus on the N-grid) or ``"critical"`` (1-D: each path's modulus
        on a grid of about ``oversampling`` x its filter's support width, :mod:`.critical`,
        docs/theory.md §16); energy is conserved in both, the split among the next layer's
        filters is approximate in critical mode, with an estimate in ``sampling_error``.
    oversampling
        coarse grid size over support width, >= 1 (critical mode only).
    slack
        ``"energy"`` (default: a dropped path counts its whole energy in every deeper layer,
        ``pruned_slack``) or ``"modulus"``: also report ``slack_bound``, where a path dropped
        at layer n+1 counts its energy e at n+1 and, deeper, only the part
        :math:`T \le e` that its modulus can pass beyond the next low-pass
        (:mod:`.modulus_slack`, docs/theory.md §17; banks with upper frame bound <= 1 only).

    Returns
    -------
    xarray.Dataset
        over ``(signal, layer)``: ``propagated_energy`` :math:`W_n` (:math:`W_0 = \|f\|^2`),
        ``feature_energy`` :math:`F_n` for n < depth (NaN at n = depth), ``pruned_slack``,
        ``rule_slack``, ``sampling_error``, ``paths``, with ``slack="modulus"`` ``slack_bound``
        and ``dropped_energy``;
        ``input_energy`` over ``signal``; attributes include ``path_rule``, ``sampling``,
        ``oversampling``, ``slack``. Energies are sums of squares of samples
        (:math:`\|u\|^2 = \sum_t |u[t]|^2`, t over the grid).

    Notes
    -----
    Guarantees, for every layer n and signal (docs/theory.md §2, Parseval banks):

    .. math::
        W_n^{\text{true}} \in [W_n, W_n + s_n], \quad F_n^{\text{true}} \in [F_n, F_n + s_n],
        \quad \|f\|^2 = \sum_{n<N} F_n + W_N + s_N, \quad s_N \le \text{budget}\cdot\|f\|^2,

    with :math:`s_n` = ``pruned_slack``; the two sandwiches also hold with ``slack_bound``
    :math:`b_n \le s_n` in place of :math:`s_n` (not the identity), and
    :math:`W_n^{\text{true}} \ge W_n + d_n` with :math:`d_n` = ``dropped_energy``. For a
    bank with frame bounds A, B (not Parseval) the identity becomes
    :math:`A'^N\|f\|^2 \le \sum_{n<N} F_n + W_N + s_N \le B'^N\|f\|^2`,
    :math:`A' = \min(1, A)`, :math:`B' = \max(1, B)`.
    """
    banks = as_banks(bank, depth)
    grid = banks[0].grid
    xp = namespace_of(signals)
    if xp is None:
        values, signal_coords = as_signal_array(signals, grid)
    else:
        values, signal_coords = as_device_signals(xp, signals, grid), {}
    energy_budget = as_budget(energy_budget)
    work_dtype = as_dtype(dtype)
    modes = as_modes(path_rule, sampling, oversampling, grid, slack)
    check_modes(xp, modes["sampling"], slack)
    critical = modes["sampling"] == "critical"
    default_samples = (
        DEVICE_BLOCK_SAMPLES
        if xp is not None
        else CRITICAL_BLOCK_SAMPLES
        if critical
        else BLOCK_SAMPLES
    )
    block_size = as_block_size(block_size, grid, default_samples)
    batch = values.shape[0]

    complex_input = is_complex(xp, values)
    device = None if xp is None else array_api_compat.device(values)  # plans go there, once
    kept = {"dtype": work_dtype, "xp": xp, "device": device}
    plans_half = [bank_plan(b, half=True, **kept) for b in banks]
    plan_full = bank_plan(banks[0], half=False, **kept) if complex_input else None
    windows = {}
    if critical:  # numpy only (check_modes)
        for b, p in [*zip(banks, plans_half, strict=True), (banks[0], plan_full)]:
            if p is not None:
                windows[id(p)] = bank_windows(
                    b, p, dtype=work_dtype, oversampling=modes["oversampling"]
                )
    modulus = slack == "modulus"  # numpy only (check_modes)
    if modulus:
        check_frame(banks)
    made: dict[tuple[int, int], ModulusPlan] = {}  # per (plan, next bank), made on first use

    def bound(plan: LayerPlan, layer: int) -> ModulusPlan | None:
        """slack = modulus: the tails of the children of a layer's block (none at the last)."""
        if not modulus or layer + 1 >= depth:
            return None
        key = (id(plan), id(banks[layer + 1]))
        if key not in made:
            made[key] = modulus_plan(plan, banks[layer + 1])
        return made[key]

    energy = input_energy(xp, values, grid)
    acc = Accumulator(batch, depth, bound=modulus)
    acc.propagated[:, 0] = energy
    acc.paths[:, 0] = 1

    scratch = workspace(grid.shape, work_dtype)
    stack: list[Block] = []
    blas = limit_blas_threads(fft_workers)  # restored in finally (.threads)
    try:
        for start in range(0, batch, block_size):
            rows = slice(start, min(batch, start + block_size))
            spectra = root_spectra(
                xp, values[rows, ...], grid, work_dtype, complex_input, fft_workers
            )
            owner = np.arange(rows.start, rows.stop, dtype=np.int64)
            root = Block(
                0,
                spectra,
                owner,
                np.ones(owner.size, np.int64),
                energy_budget * energy[owner],
                half=not complex_input,
            )
            root_plan = plans_half[0] if root.half else plan_full
            expand_energies(
                root,
                root_plan,
                depth,
                acc,
                path_rule=modes["path_rule"],
                modulus=bound(root_plan, 0),
            )
            if critical:
                group_by_size(root, windows[id(root_plan)])
            stack.append(root)
            while stack:
                top = stack[-1]
                if top.pending == 0:
                    stack.pop()
                    continue
                plan = plans_half[top.layer] if top.half else plan_full
                if critical:
                    child, tail = critical_children(
                        top, plan, windows[id(plan)], block_size * grid.size, fft_workers
                    )
                    acc.sampling[:, child.layer :] += np.bincount(
                        child.owner, weights=tail, minlength=batch
                    )[:, None]
                elif xp is not None:
                    child = device_children(top, plan, block_size)
                else:
                    child = children(top, plan, block_size, fft_workers, scratch)
                next_plan = plans_half[child.layer]
                expand_energies(
                    child,
                    next_plan,
                    depth,
                    acc,
                    path_rule=modes["path_rule"],
                    modulus=bound(next_plan, child.layer),
                )
                if critical and child.pending:
                    group_by_size(child, windows[id(next_plan)])
                stack.append(child)
    finally:
        blas.restore_original_limits()
        release_large_workspace()

    return to_dataset(acc, energy, signal_coords, banks, depth, energy_budget, work_dtype, modes)


def root_spectra(xp, chunk, grid, work_dtype: np.dtype, complex_input: bool, workers: int):
    """Spectra of a chunk of input signals in the working precision: the full DFT of complex
    input, the real-FFT half-space of real input; ``scipy.fft`` for numpy (``xp`` None), else
    ``xp.fft`` on the chunk's device."""
    if xp is None:
        chunk = chunk.astype(
            np.result_type(work_dtype, np.complex64) if complex_input else work_dtype
        )
        return (
            grid.fft(chunk, workers=workers) if complex_input else grid.rfft(chunk, workers=workers)
        )
    dtype = (complex_dtype if complex_input else real_dtype)(xp, work_dtype)
    return transform(xp, xp.astype(chunk, dtype), grid, real=not complex_input)
