r"""What the theorems need from a bank, and one rule per hypothesis (docs/theory.md §3, §6).

:class:`BankFacts` holds what :meth:`pipeline.filters.FilterBank.check` measures — frame bounds,
analyticity defect, high-pass :math:`\delta`, band ratio :math:`\rho` — with the derived decay
base :math:`a = (\rho+1)/(\rho-1)`, and decides each hypothesis of Theorems A and B with one
tolerance, :data:`HYPOTHESIS_TOLERANCE`. ``energy-sweep plan``, the fits group and the report all
use it, so they agree on every bank.

The rule for a bank that fails a hypothesis is the same everywhere: its measured values —
including the derived a, e.g. 1.78 for ``real_wavelet`` at N = 1024 — are reported, the failing
hypotheses are named (:attr:`BankFacts.hypotheses_failed`), and the worst-case counts of §8,
which need every hypothesis, are NaN (not guaranteed). Bounds (A)/(B) are still evaluated; a
measurement above them on such a bank is explained by the failing hypothesis.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import xarray as xr

from ..filters import FilterBank
from . import kernels

#: A bank is Parseval when max |LP sum - 1| <= this, analytic when every filter's analyticity
#: defect is <= this.
HYPOTHESIS_TOLERANCE = 1e-12

#: Names of the hypotheses of Theorems A and B (docs/theory.md §3), as reported.
PARSEVAL, ANALYTIC, HIGH_PASS = "Parseval", "analyticity", "high-pass"

#: The per-bank variables of :func:`bank_facts_dataset` and their descriptions.
BANK_VARIABLES = {
    "frame_lower": "Littlewood-Paley minimum over bins, the lower frame bound A (docs/theory.md §2)",
    "frame_upper": "Littlewood-Paley maximum over bins, the upper frame bound B (docs/theory.md §2)",
    "analyticity_defect": "largest fraction of a filter's energy off its half-line (§3)",
    "high_pass_delta": "largest delta with no filter energy at |omega| < delta, cycles/sample (§3)",
    "band_ratio": "largest upper/lower band-edge ratio rho of a filter (§6)",
    "decay_base": "derived a = (rho + 1)/(rho - 1) of bound (B), reported whether or not the "
    "bank meets the hypotheses (docs/theory.md §6 [D]); NaN where rho is not in (1, inf)",
    "meets_parseval": f"frame bounds A = B = 1 within {HYPOTHESIS_TOLERANCE:g}",
    "meets_analyticity": f"every filter analytic within {HYPOTHESIS_TOLERANCE:g}",
    "meets_high_pass": "0 < high_pass_delta < inf",
    "hypotheses_failed": "hypotheses of Theorems A and B the bank fails, comma-separated ('' if "
    "none): where not empty the worst-case layer counts are NaN (not guaranteed)",
}


@dataclass(frozen=True)
class BankFacts:
    r"""A bank's measured facts and its hypotheses (docs/theory.md §2, §3, §6).

    Attributes
    ----------
    family, params, shape
        the bank: family, parameters with defaults resolved, grid shape.
    frame_lower, frame_upper
        min and max of the Littlewood-Paley sum: the frame bounds (A, B).
    analyticity_defect
        largest fraction of a filter's energy on its lighter half-line (0 analytic, 1/2 real);
        0 without filters, NaN where not measured (d >= 2).
    delta
        high-pass radius :math:`\delta`, cycles/sample (inf if no filter has support).
    band_ratio
        :math:`\rho`, largest upper/lower band-edge ratio; NaN if no filter has support, inf if
        a band reaches :math:`\omega = 0`.
    decay_base
        derived :math:`a = (\rho + 1)/(\rho - 1)` whenever :math:`1 < \rho < \infty` — also for a
        bank that fails a hypothesis (then bound (B) is not guaranteed); NaN otherwise, with
        :attr:`decay_base_note` saying why.
    """

    family: str
    params: dict[str, Any] = field(hash=False)
    shape: tuple[int, ...]
    frame_lower: float
    frame_upper: float
    analyticity_defect: float
    delta: float
    band_ratio: float
    decay_base: float

    @property
    def meets_parseval(self) -> bool:
        """Frame bounds A = B = 1 within :data:`HYPOTHESIS_TOLERANCE`."""
        deviation = max(abs(self.frame_lower - 1.0), abs(self.frame_upper - 1.0))
        return bool(deviation <= HYPOTHESIS_TOLERANCE)

    @property
    def meets_analyticity(self) -> bool:
        """Every filter on one half-line within :data:`HYPOTHESIS_TOLERANCE` (NaN: not met)."""
        return bool(self.analyticity_defect <= HYPOTHESIS_TOLERANCE)

    @property
    def meets_high_pass(self) -> bool:
        r""":math:`0 < \delta < \infty`: the propagation filters vanish on :math:`B_\delta(0)`."""
        return bool(math.isfinite(self.delta) and self.delta > 0)

    @property
    def hypotheses_failed(self) -> list[str]:
        """Names of the hypotheses of Theorems A and B the bank fails, in a fixed order."""
        met = (
            (PARSEVAL, self.meets_parseval),
            (ANALYTIC, self.meets_analyticity),
            (HIGH_PASS, self.meets_high_pass),
        )
        return [name for name, ok in met if not ok]

    @property
    def worst_case_applies(self) -> bool:
        """Whether the worst-case counts of docs/theory.md §8 are guaranteed for this bank."""
        return not self.hypotheses_failed

    @property
    def decay_base_note(self) -> str:
        """Why :attr:`decay_base` is NaN, or "" when it is derived."""
        if math.isnan(self.band_ratio):
            return "not derived: no propagation filter has support"
        if math.isinf(self.band_ratio):
            return "not derived: a band reaches omega = 0 (rho infinite)"
        if self.band_ratio <= 1:
            return f"not derived: rho = {self.band_ratio:g} <= 1"
        return ""

    @property
    def length(self) -> int:
        """Samples of a 1-D grid (``shape[0]``)."""
        return int(self.shape[0])


def _max_defect(defect: np.ndarray) -> float:
    if defect.size == 0:
        return 0.0
    finite = defect[np.isfinite(defect)]
    return float(finite.max()) if finite.size else math.nan


def bank_facts(bank: FilterBank) -> BankFacts:
    r"""Measure a bank's frame bounds, defect, :math:`\delta`, :math:`\rho` and derived a."""
    report = bank.check()
    rho = kernels.band_ratio(report.band_edges)
    return BankFacts(
        family=bank.family,
        params=dict(bank.params),
        shape=tuple(int(n) for n in bank.shape),
        frame_lower=float(report.littlewood_paley_min),
        frame_upper=float(report.littlewood_paley_max),
        analyticity_defect=_max_defect(np.asarray(report.analyticity_defect, dtype=np.float64)),
        delta=float(report.high_pass_delta),
        band_ratio=rho,
        decay_base=float(kernels.decay_base(rho)),
    )


def bank_facts_dataset(facts: Sequence[BankFacts]) -> xr.Dataset:
    """The facts of several banks as a Dataset over ``bank`` (:data:`BANK_VARIABLES`)."""
    columns: dict[str, list[Any]] = {name: [] for name in BANK_VARIABLES}
    for fact in facts:
        columns["frame_lower"].append(fact.frame_lower)
        columns["frame_upper"].append(fact.frame_upper)
        columns["analyticity_defect"].append(fact.analyticity_defect)
        columns["high_pass_delta"].append(fact.delta)
        columns["band_ratio"].append(fact.band_ratio)
        columns["decay_base"].append(fact.decay_base)
        columns["meets_parseval"].append(fact.meets_parseval)
        columns["meets_analyticity"].append(fact.meets_analyticity)
        columns["meets_high_pass"].append(fact.meets_high_pass)
        columns["hypotheses_failed"].append(", ".join(fact.hypotheses_failed))
    data = {
        name: xr.Variable(
            ("bank",),
            np.array(values, dtype=object if name == "hypotheses_failed" else None),
            {"description": BANK_VARIABLES[name]},
        )
        for name, values in columns.items()
    }
    return xr.Dataset(data, coords={"bank": np.arange(len(facts))})
