r"""Layer counts of docs/theory.md §8: the worst-case sufficient N and the empirical N.

The worst case for band-limited inputs (supp :math:`\hat f \subseteq B_L(0)`):

.. math::
    x = \frac{L/\delta}{1 - (1-\varepsilon)^{1/(2l)}}, \qquad
    N_A = \lceil x^{1/\alpha} - 1 \rceil \ \text{(Theorem A)}, \qquad
    N_B = \lceil \log_a x \rceil \ \text{(Theorem B)},

suffice for :math:`\sum_{n=0}^{N} |||\Phi^n(f)|||^2 \ge (1-\varepsilon)\|f\|^2` (counting feature
layers n = 0..N) on banks that meet the hypotheses (:class:`pipeline.theory.BankFacts`). The
formulas are the kernels :func:`~pipeline.theory.kernels.window_ratio`,
:func:`~pipeline.theory.kernels.layers_general` and
:func:`~pipeline.theory.kernels.layers_exponential`; here they are checked and labelled.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
import xarray as xr
from numpy.typing import ArrayLike, NDArray

from ..errors import InvalidParameterError
from . import _checks, kernels

#: Decay base of Theorem B for wavelets with supp psi-hat in [1/2, 2] (docs/theory.md §6,
#: recalled [R]; equals ``decay_base_from_band_ratio(4)``, derived [D]).
WAVELET_DECAY_BASE = 5.0 / 3.0
#: Decay base of Theorem B for Weyl-Heisenberg filters (docs/theory.md §6, recalled [R]).
WEYL_HEISENBERG_DECAY_BASE = 1.5
#: Energy fractions 1 - epsilon of the paper's Table I (docs/theory.md §8).
TABLE_ENERGY_FRACTIONS = (0.25, 0.5, 0.75, 0.9, 0.95, 0.99)


def _as_count(values: NDArray[np.float64]) -> NDArray[np.int64] | int:
    counts = values.astype(np.int64)
    return int(counts) if counts.ndim == 0 else counts


def _ratio(epsilon: ArrayLike, bandwidth_over_delta: float, l: float) -> NDArray:  # noqa: E741
    eps = _checks.epsilons(epsilon)
    ratio = _checks.positive("bandwidth_over_delta", bandwidth_over_delta)
    return kernels.window_ratio(eps, ratio, _checks.window_order(l))


def layers_needed_general(
    epsilon: ArrayLike,
    bandwidth_over_delta: float,
    *,
    l: float = 1,  # noqa: E741
    d: int = 1,
) -> NDArray[np.int64] | int:
    r"""Sufficient N of Theorem A, :math:`\lceil x^{1/\alpha(d)} - 1 \rceil` (docs/theory.md §8).

    Parameters
    ----------
    epsilon
        :math:`\varepsilon \in (0, 1)`, scalar or array.
    bandwidth_over_delta
        :math:`L/\delta > 0`.
    l
        window order >= 1.
    d
        dimension, sets :math:`\alpha(d)`.

    Returns
    -------
    int or numpy.ndarray
        N (feature layers n = 0..N), clipped at 0; same shape as ``epsilon``.
    """
    d = _checks.dimension(d)
    return _as_count(kernels.layers_general(_ratio(epsilon, bandwidth_over_delta, l), d))


def layers_needed_exponential(
    epsilon: ArrayLike,
    bandwidth_over_delta: float,
    *,
    a: float,
    l: float = 1,  # noqa: E741
) -> NDArray[np.int64] | int:
    r"""Sufficient N of Theorem B, :math:`\lceil \log_a x \rceil` (docs/theory.md §8).

    Parameters as :func:`layers_needed_general`, with decay base a > 1 (5/3 wavelets, 3/2 WH,
    recalled [R]; derived from a bank by :func:`pipeline.theory.bank_facts`). Clipped at 0.
    """
    x = _ratio(epsilon, bandwidth_over_delta, l)
    return _as_count(kernels.layers_exponential(x, _checks.decay_base(a)))


class WorstCaseLayers(NamedTuple):
    """The two worst-case counts of docs/theory.md §8, by name (Theorem A, Theorem B)."""

    general: xr.DataArray
    exponential: xr.DataArray


def worst_case_layers(
    bandwidth: ArrayLike | xr.DataArray,
    delta: ArrayLike | xr.DataArray,
    decay_base: ArrayLike | xr.DataArray,
    epsilon: ArrayLike | xr.DataArray,
    *,
    guaranteed: ArrayLike | xr.DataArray = True,
    l: float = 1,  # noqa: E741
    d: int = 1,
) -> WorstCaseLayers:
    r"""The §8 counts broadcast over xarray (or numpy) inputs, as float arrays.

    ``general`` = :math:`\lceil x^{1/\alpha} - 1 \rceil`, ``exponential`` =
    :math:`\lceil \log_a x \rceil` with :math:`x = (L/\delta)/(1 - (1-\varepsilon)^{1/(2l)})`
    (docs/theory.md §8), clipped at 0. NaN where they are not guaranteed: where ``guaranteed``
    is False (the bank fails a hypothesis, :attr:`BankFacts.worst_case_applies`), where
    :math:`\delta` is not in :math:`(0, \infty)`, and (exponential) where a is not > 1.

    Plain arrays broadcast as numpy does; DataArrays by dimension name (pass ``epsilon`` with
    its own dim).
    """
    order = _checks.window_order(l, d)
    width, gap, base, eps, ok = (
        value if isinstance(value, xr.DataArray) else xr.DataArray(np.asarray(value))
        for value in (bandwidth, delta, decay_base, epsilon, guaranteed)
    )
    gap = gap.astype(np.float64)
    valid = ok & (gap > 0) & np.isfinite(gap)
    lazy = {"dask": "parallelized", "output_dtypes": [np.float64]}
    with np.errstate(divide="ignore", invalid="ignore"):
        x = xr.apply_ufunc(kernels.window_ratio, eps, width / gap, kwargs={"l": order}, **lazy)
    general = xr.apply_ufunc(kernels.layers_general, x, kwargs={"d": d}, **lazy).where(valid)
    exponential = xr.apply_ufunc(kernels.layers_exponential, x, base, **lazy)
    return WorstCaseLayers(general, exponential.where(valid & (base > 1)))


def layers_table(l: float = 1, bandwidth_over_delta: float = 1.0) -> xr.DataArray:  # noqa: E741
    r"""docs/theory.md §8 / the paper's Table I: sufficient layers per filter class.

    Rows (``filters``): ``wavelets`` (a = 5/3), ``weyl_heisenberg`` (a = 3/2), ``general``
    (:math:`\alpha = 1`), all d = 1; columns (``energy_fraction``) :math:`1-\varepsilon \in`
    {0.25, 0.5, 0.75, 0.9, 0.95, 0.99}. With l = 1, L = :math:`\delta`: wavelets 2 3 4 6 8 11,
    WH 2 4 5 8 10 14, general 1 3 7 19 39 199. The recalled bases are parameters of the
    formula; pass others to :func:`layers_needed_exponential`.
    """
    fractions = np.asarray(TABLE_ENERGY_FRACTIONS)
    eps = 1.0 - fractions
    rows = {
        "wavelets": layers_needed_exponential(eps, bandwidth_over_delta, a=WAVELET_DECAY_BASE, l=l),
        "weyl_heisenberg": layers_needed_exponential(
            eps, bandwidth_over_delta, a=WEYL_HEISENBERG_DECAY_BASE, l=l
        ),
        "general": layers_needed_general(eps, bandwidth_over_delta, l=l, d=1),
    }
    return xr.DataArray(
        np.stack([np.asarray(v) for v in rows.values()]),
        dims=("filters", "energy_fraction"),
        coords={
            "filters": list(rows),
            "energy_fraction": fractions,
            "decay_base": ("filters", [WAVELET_DECAY_BASE, WEYL_HEISENBERG_DECAY_BASE, np.nan]),
        },
        name="layers_needed",
        attrs={
            "l": float(l),
            "bandwidth_over_delta": float(bandwidth_over_delta),
            "description": "sufficient N with sum_{n=0}^{N} F_n >= (1 - epsilon) ||f||^2 "
            "(docs/theory.md §8)",
        },
    )


def empirical_layers_needed(result: xr.Dataset, epsilon: float | Sequence[float]) -> xr.DataArray:
    r"""Smallest N with :math:`\sum_{n \le N} F_n \ge (1-\varepsilon)\|f\|^2`, per signal.

    Parameters
    ----------
    result
        a :func:`pipeline.cascade.propagate` result (or a store slice): ``feature_energy`` over
        ``layer`` (plus ``signal``, ``bank``, ...) and ``input_energy``.
    epsilon
        :math:`\varepsilon \in (0, 1)`, scalar or 1-D (adds an ``epsilon`` dimension).

    Returns
    -------
    xarray.DataArray
        float N (layers n = 0..N, as the worst-case counts), over every dim of
        ``feature_energy`` except ``layer``; **NaN where the fraction is not reached within the
        computed feature layers** (n < depth).

    Notes
    -----
    Uses only ``feature_energy``, a lower bound on the true :math:`F_n` under pruning, so the
    returned N is an upper bound on the true count when ``pruned_slack`` > 0 (exact for
    ``energy_budget=0``). Compare with the sufficient worst-case counts of docs/theory.md §8.
    """
    eps = _checks.epsilons(epsilon)
    if eps.ndim > 1:
        raise InvalidParameterError("epsilon", epsilon, "must be a scalar or 1-D")
    for name in ("feature_energy", "input_energy"):
        if name not in result:
            raise InvalidParameterError("result", list(result.data_vars), f"must hold {name!r}")
    captured = result["feature_energy"].fillna(0.0).cumsum("layer")
    target = (1.0 - xr.DataArray(eps, dims=("epsilon",) if eps.ndim else ())) * result[
        "input_energy"
    ]
    reached = captured >= target
    layer = result["layer"]
    if not np.array_equal(layer.values, layer.values[0] + np.arange(layer.size)):
        raise InvalidParameterError("result.layer", layer.values, "must be consecutive integers")
    # the captured energy only grows with N (F_n >= 0), so the first layer reached is the
    # number of layers not reached; counting avoids all-NaN reductions
    not_reached = (~reached).sum("layer")
    first = (layer.values[0] + not_reached).where(not_reached < layer.size)  # NaN: never
    if eps.ndim:
        first = first.assign_coords(epsilon=eps)
    first.name = "layers_needed"
    first.attrs = {
        "description": "smallest N with sum_{n<=N} feature_energy_n >= (1 - epsilon) "
        "input_energy; NaN if not reached within the depth (docs/theory.md §8)",
    }
    return first
