r"""The worst-case part of a plan: the bank's facts and the §8 counts as a Dataset.

Counts are :func:`pipeline.theory.worst_case_layers` with the bank's derived decay base, NaN where
the bank fails a hypothesis (:class:`pipeline.theory.BankFacts`, the same rule as the fits group).
On a d-dimensional grid, as in the fits group (:func:`pipeline.analysis.bounds.compare_bounds`):
Theorem A with :math:`\alpha(d)`, the window order at least :math:`(d+1)/2`, and no Theorem B
count for d > 1 (docs/theory.md §4, §6, §14).
"""

from __future__ import annotations

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from ..filters import family_info
from ..theory import BankFacts, alpha, worst_case_layers


def _counts(
    eps: NDArray[np.float64],
    widths: NDArray[np.float64],
    facts: BankFacts,
    decay_base: float,
    order: float,
    dims: tuple[str, ...],
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    d = len(facts.shape)
    counts = worst_case_layers(
        xr.DataArray(np.asarray(widths, dtype=np.float64), dims=dims),
        facts.delta,
        decay_base,
        xr.DataArray(eps, dims=("epsilon",)),
        guaranteed=facts.worst_case_applies,
        l=order,
        d=d,
    )
    order_dims = (*dims, "epsilon")
    return (
        counts.general.transpose(*order_dims).values,
        counts.exponential.transpose(*order_dims).values,
    )


def facts_attributes(facts: BankFacts) -> dict[str, object]:
    """A bank's facts as plan attributes (what ``plan_header`` prints)."""
    return {
        "family": facts.family,
        "params": dict(facts.params),
        "length": facts.length,
        "grid_shape": list(facts.shape),
        "delta": facts.delta,
        "band_ratio": facts.band_ratio,
        "decay_base": facts.decay_base,
        "decay_base_note": facts.decay_base_note,
        "frame_lower": facts.frame_lower,
        "frame_upper": facts.frame_upper,
        "analyticity_defect": facts.analyticity_defect,
        "meets_parseval": facts.meets_parseval,
        "meets_analyticity": facts.meets_analyticity,
        "meets_high_pass": facts.meets_high_pass,
        "hypotheses_failed": facts.hypotheses_failed,
        "worst_case_applies": facts.worst_case_applies,
    }


def worst_case_dataset(
    eps: NDArray[np.float64],
    widths: NDArray[np.float64],
    facts: BankFacts,
    order: float,
    *,
    dims: tuple[str, ...],
) -> xr.Dataset:
    """The worst-case variables over ``dims + ("epsilon",)``, with the bank's facts as attrs;
    ``order`` is raised to :math:`(d+1)/2` on a d-dimensional grid, and Theorem B (d = 1 only)
    gives NaN for d > 1."""
    d = len(facts.shape)
    order = max(float(order), (d + 1) / 2)
    base = facts.decay_base if d == 1 else np.nan
    general, exponential = _counts(eps, widths, facts, base, order, dims)
    count_dims = (*dims, "epsilon")
    description = "sufficient N (layers n = 0..N) with sum_n F_n >= (1 - epsilon) ||f||^2"
    plan = xr.Dataset(
        {
            "bandwidth": xr.Variable(
                dims, widths, attrs={"units": "cycles/sample", "long_name": "band limit L"}
            ),
            "worst_case_exponential": xr.Variable(
                count_dims,
                exponential,
                attrs={
                    "long_name": "worst case, Theorem B (d = 1), derived a",
                    "description": f"{description}: ceil(log_a x), x = (L/delta) / "
                    "(1 - (1-epsilon)^(1/(2l))), a = (rho+1)/(rho-1) derived from the bank "
                    "(docs/theory.md §6, §8); NaN where a hypothesis fails or a is not derived, "
                    "and for d > 1 (Theorem B is stated for d = 1)",
                    "decay_base": facts.decay_base,
                },
            ),
            "worst_case_general": xr.Variable(
                count_dims,
                general,
                attrs={
                    "long_name": f"worst case, Theorem A (alpha = {alpha(d):.4g})",
                    "description": f"{description}: ceil(x^(1/alpha(d)) - 1), d = {d} "
                    "(docs/theory.md §4, §8); NaN where a hypothesis fails",
                    "alpha": alpha(d),
                },
            ),
        },
        coords={"epsilon": eps, "energy_fraction": ("epsilon", 1.0 - eps)},
    )
    recalled = family_info(facts.family).recalled_decay_base
    if recalled is not None and d == 1:
        name, base = recalled.filter_class, recalled.value
        _, values = _counts(eps, widths, facts, base, order, dims)
        plan["worst_case_recalled"] = xr.Variable(
            count_dims,
            values,
            attrs={
                "long_name": f"worst case with the paper's recalled a = {base:.6g} ({name})",
                "description": "extra information only: the recalled constant (docs/theory.md "
                "§6, [R], unverified) belongs to the paper's construction and is not derived "
                "from this bank; NaN where a hypothesis fails",
                "decay_base": base,
                "filter_class": name,
            },
        )
    plan.attrs = {
        **facts_attributes(facts),
        "l": order,
        "d": d,
        "alpha": alpha(d),
        "description": "layers needed for (1 - epsilon) of the energy (docs/theory.md §8)",
    }
    return plan
