r"""The worst-case part of a plan: the bank's facts and the §8 counts as a Dataset.

Counts are :func:`pipeline.theory.worst_case_layers` with the bank's derived decay base, NaN where
the bank fails a hypothesis (:class:`pipeline.theory.BankFacts`, the same rule as the fits group).
"""

from __future__ import annotations

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from ..filters import family_info
from ..theory import BankFacts, worst_case_layers


def _counts(
    eps: NDArray[np.float64],
    widths: NDArray[np.float64],
    facts: BankFacts,
    decay_base: float,
    order: float,
    dims: tuple[str, ...],
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    counts = worst_case_layers(
        xr.DataArray(np.asarray(widths, dtype=np.float64), dims=dims),
        facts.delta,
        decay_base,
        xr.DataArray(eps, dims=("epsilon",)),
        guaranteed=facts.worst_case_applies,
        l=order,
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
    """The worst-case variables over ``dims + ("epsilon",)``, with the bank's facts as attrs."""
    general, exponential = _counts(eps, widths, facts, facts.decay_base, order, dims)
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
                    "long_name": "worst case, Theorem B, derived a",
                    "description": f"{description}: ceil(log_a x), x = (L/delta) / "
                    "(1 - (1-epsilon)^(1/(2l))), a = (rho+1)/(rho-1) derived from the bank "
                    "(docs/theory.md §6, §8); NaN where a hypothesis fails or a is not derived",
                    "decay_base": facts.decay_base,
                },
            ),
            "worst_case_general": xr.Variable(
                count_dims,
                general,
                attrs={
                    "long_name": "worst case, Theorem A (alpha = 1)",
                    "description": f"{description}: ceil(x - 1) (docs/theory.md §4, §8); NaN "
                    "where a hypothesis fails",
                },
            ),
        },
        coords={"epsilon": eps, "energy_fraction": ("epsilon", 1.0 - eps)},
    )
    recalled = family_info(facts.family).recalled_decay_base
    if recalled is not None:
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
        "description": "layers needed for (1 - epsilon) of the energy (docs/theory.md §8)",
    }
    return plan
