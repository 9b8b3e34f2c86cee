r"""The cascade on an array namespace: numpy by default, torch or CuPy (CPU or GPU) when the
input is one of their arrays (docs/design.md, "Array namespaces").

The namespace follows the input signals (``array_api_compat.array_namespace``). What runs where:

- **in the namespace, on the input's device**: the transforms (``xp.fft``), the products of
  spectra with filters, the moduli, and the Parseval energies of every block
  (:math:`\|u * h\|^2 = \frac1{|G|}\sum_{\omega\in\text{half}} |\hat u(\omega)|^2 P_h(\omega)`,
  a matrix product with the plan's folded powers, docs/theory.md §2);
- **on the host, with numpy**: the bookkeeping (:class:`.output.Accumulator`, ``bincount``,
  :func:`.kernels.prune`'s sort, the path rules), on the ``(rows, K)`` energies of a block
  moved across once per block, and the indices of the children chosen (moved back).

A plan's filters and folded powers are moved to the device once per call of ``propagate``
(:func:`device_plan`). Numpy input keeps today's code path (``scipy.fft``): its numbers are
unchanged, bit for bit. ``sampling="critical"`` is numpy-only.
"""

from __future__ import annotations

import dataclasses
from types import ModuleType
from typing import Any

import array_api_compat
import numpy as np
from numpy.typing import NDArray

from ..errors import InvalidParameterError, InvalidSignalError
from ..grid import Grid
from .plan import LayerPlan


def namespace_of(signals: Any) -> ModuleType | None:
    """The array namespace of ``signals`` when it is a non-numpy array (torch, CuPy,
    ``array_api_strict``, ...), else None (numpy, lists, DataArrays, and dask arrays, which
    are computed into numpy as before: today's numpy path)."""
    if (
        isinstance(signals, np.ndarray)
        or array_api_compat.is_dask_array(signals)
        or not array_api_compat.is_array_api_obj(signals)
    ):
        return None
    xp = array_api_compat.array_namespace(signals)
    return None if array_api_compat.is_numpy_namespace(xp) else xp


def check_modes(xp: ModuleType | None, sampling: str, slack: str = "energy") -> None:
    """A non-numpy namespace supports ``sampling="exact"`` and ``slack="energy"`` only."""
    if xp is None:
        return
    for name, value, supported in (("sampling", sampling, "exact"), ("slack", slack, "energy")):
        if value != supported:
            raise InvalidParameterError(
                name,
                value,
                f"is implemented for numpy input only (got {xp.__name__} arrays); use "
                f"{supported!r}",
            )


def to_host(values: Any) -> NDArray:
    """A numpy copy (or view) of an array of any namespace, from any device."""
    if isinstance(values, np.ndarray):
        return values
    if array_api_compat.is_torch_array(values):
        return values.detach().cpu().numpy()
    if array_api_compat.is_cupy_array(values):
        return values.get()
    return np.from_dlpack(values)


def to_device(xp: ModuleType, values: NDArray, device: Any) -> Any:
    """A host array as an array of ``xp`` on ``device``."""
    return xp.asarray(np.ascontiguousarray(values), device=device)


def real_dtype(xp: ModuleType, dtype: np.dtype) -> Any:
    """``xp``'s float32 or float64 for the working precision ``dtype``."""
    return xp.float32 if np.dtype(dtype) == np.float32 else xp.float64


def complex_dtype(xp: ModuleType, dtype: np.dtype) -> Any:
    """``xp``'s complex64 or complex128 for the working precision ``dtype``."""
    return xp.complex64 if np.dtype(dtype) == np.float32 else xp.complex128


def as_device_signals(xp: ModuleType, signals: Any, grid: Grid) -> Any:
    """Samples ``(batch, *grid.shape)`` of namespace ``xp`` checked like numpy input
    (:func:`.inputs.as_signal_array`): numeric, right shape, finite; ints as float64."""
    kinds = ("integral", "real floating", "complex floating")
    if not xp.isdtype(signals.dtype, kinds):
        raise InvalidSignalError("signals", f"dtype {signals.dtype}", "must be numeric")
    if signals.ndim != grid.ndim + 1 or signals.shape[0] == 0:
        raise InvalidSignalError(
            "signals",
            f"array of shape {tuple(signals.shape)}",
            f"must be (batch >= 1, *{grid.shape}) for the bank's grid",
        )
    if tuple(signals.shape[1:]) != grid.shape:
        raise InvalidParameterError(
            "bank",
            f"bank on grid {grid.shape}",
            f"must be a bank on the signals' grid {tuple(signals.shape[1:])}",
        )
    if xp.isdtype(signals.dtype, "integral"):
        signals = xp.astype(signals, xp.float64)
    if not bool(xp.all(xp.isfinite(signals))):
        raise InvalidSignalError(
            "signals", "non-finite sample", "every sample must be finite (no NaN or Inf)"
        )
    return signals


def is_complex(xp: ModuleType | None, values: Any) -> bool:
    """Whether the samples are complex."""
    if xp is None:
        return bool(np.iscomplexobj(values))
    return bool(xp.isdtype(values.dtype, "complex floating"))


def input_energy(xp: ModuleType | None, values: Any, grid: Grid) -> NDArray[np.float64]:
    r""":math:`\|f\|^2 = \sum_t |f[t]|^2` per signal, float64 on the host."""
    if xp is None:
        return np.sum(np.abs(values) ** 2, axis=grid.axes)
    return to_host(xp.sum(xp.abs(values) ** 2, axis=grid.axes)).astype(np.float64)


def device_plan(xp: ModuleType, plan: LayerPlan, device: Any) -> LayerPlan:
    """The plan with its filters and folded powers on ``device`` (the rest stays on the host)."""
    return dataclasses.replace(
        plan,
        lowpass_power=to_device(xp, plan.lowpass_power, device),
        filter_power=to_device(xp, plan.filter_power, device),
        filters=to_device(xp, plan.filters, device),
    )


def bin_power(spectra: NDArray[np.complexfloating]) -> NDArray[np.float64]:
    r""":math:`|\hat u(\omega)|^2` per row of a block of numpy spectra, ``(R, bins)`` in float64."""
    power = np.abs(spectra).astype(np.float64, copy=False)
    return np.square(power, out=power).reshape(spectra.shape[0], -1)


def spectral_energies(
    spectra: Any, plan: LayerPlan, power: NDArray[np.float64] | None = None
) -> tuple[NDArray, NDArray]:
    r"""Per row of a block of spectra ``(R, *spectral shape)``, the unnormalised Parseval sums
    :math:`\sum_\omega |\hat u(\omega)|^2 P_\chi(\omega)` ``(R,)`` and
    :math:`\sum_\omega |\hat u(\omega)|^2 P_{g_k}(\omega)` ``(R, K)``, float64 on the host
    (divide by :math:`|G|` for energies, docs/theory.md §2). A band-limited block (critical
    sampling: the first b half-space bins) uses the first b bins of the folded powers. Numpy
    spectra may come with their :func:`bin_power` already computed (``power``)."""
    lowpass_power, filter_power = plan.lowpass_power, plan.filter_power
    if isinstance(spectra, np.ndarray):
        power = bin_power(spectra) if power is None else power
        if power.shape[1] < lowpass_power.size:  # a band-limited block (sampling="critical")
            lowpass_power, filter_power = (
                lowpass_power[: power.shape[1]],
                filter_power[:, : power.shape[1]],
            )
        return power @ lowpass_power, power @ filter_power.T
    xp = array_api_compat.array_namespace(spectra)
    power = xp.astype(xp.abs(spectra), xp.float64)
    power = xp.reshape(power * power, (spectra.shape[0], -1))
    lowpass = xp.matmul(power, lowpass_power)
    filtered = xp.matmul(power, xp.permute_dims(filter_power, (1, 0)))
    return to_host(lowpass), to_host(filtered)


def transform(xp: ModuleType, chunk: Any, grid: Grid, *, real: bool) -> Any:
    """The spectra of a chunk of signals: ``rfftn`` (real, half-space) or ``fftn``."""
    return (xp.fft.rfftn if real else xp.fft.fftn)(chunk, axes=grid.axes)


def hermitian_upper(xp: ModuleType, half: Any, grid: Grid) -> Any:
    r""":meth:`pipeline.grid.Grid.hermitian_upper` in namespace ``xp``: the bins with last index
    :math:`j > N_d/2` of real signals, :math:`\hat u(\omega) = \overline{\hat u(-\omega)}`."""
    last, width = grid.shape[-1], grid.half_shape[-1]
    upper = xp.flip(half[..., 1 : last - width + 1], axis=-1)
    others = grid.axes[:-1]
    if others:
        upper = xp.roll(xp.flip(upper, axis=others), 1, axis=others)
    return xp.conj(upper)


def device_children(block: Any, plan: LayerPlan, block_size: int) -> Any:
    r"""Next block of children :math:`\widehat{|u * g_\lambda|}` of a block whose spectra live
    in a namespace (:func:`.kernels.children` for numpy): gather, product with the filters,
    inverse FFT, modulus and real FFT on the device; owners, weights and budgets on the host."""
    from .kernels import Block

    spectra = block.spectra
    xp = array_api_compat.array_namespace(spectra)
    device = array_api_compat.device(spectra)
    take = slice(block.cursor, min(block.cursor + block_size, block.child_row.size))
    block.cursor = take.stop
    row, col = block.child_row[take], block.child_filter[take]
    row_d, col_d = to_device(xp, row, device), to_device(xp, col, device)
    grid = plan.grid
    parents = xp.take(spectra, row_d, axis=0)
    filters = xp.take(plan.filters, col_d, axis=0)
    if block.half:
        width = grid.half_shape[-1]
        if plan.positive_only:
            lower = parents * filters[..., :width]
            upper_shape = (*lower.shape[:-1], grid.shape[-1] - width)
            zeros = xp.zeros(upper_shape, dtype=lower.dtype, device=device)
            product = xp.concat([lower, zeros], axis=-1)
        else:
            full = xp.concat([parents, hermitian_upper(xp, parents, grid)], axis=-1)
            product = full * filters
    else:
        product = parents * filters
    modulus = xp.abs(xp.fft.ifftn(product, axes=grid.axes))
    return Block(
        block.layer + 1,
        xp.fft.rfftn(modulus, axes=grid.axes),
        block.owner[row],
        block.weight[row] * plan.multiplicity[col],
        block.child_budget[take],
        half=True,
        scale=plan.scales[col],
    )
