r"""What grows with N: local decay rates of fixed banks and signal classes at N = 2^8 … 2^14.

On one finite grid every analytic high-pass Parseval bank has bound (B) with a derived base
:math:`a = (\rho+1)/(\rho-1) > 1` (:math:`\rho \le 1/(2\delta)`, docs/theory.md §6, §13), so the
polynomial regime of bound (A) and the slow decay of Führ & Getter (docs/theory.md §9) can only
show as a rate that *degrades as N grows*. This module measures that with a small computation
that anyone can rerun (``energy-sweep report STORE --scans``):

- banks (:data:`SCALING_BANKS`): ``meyer`` dilation 2, whose band ratio :math:`\rho = 4` is the
  same at every N while its number of octaves grows with :math:`\log_2 N`; and a two-band
  ``random`` bank (one analytic high-pass band and its mirror) with :math:`\delta = 2/N`, whose
  :math:`\rho` grows with N, so its derived :math:`\log a \to 0`;
- signals (:data:`SCALING_KINDS`): white noise (flat spectrum, the same class at every N) and
  ``lacunary`` sums with one equal-energy packet per octave over :math:`\log_2 N - 3` octaves
  (energy spread over more octaves as N grows, the Führ–Getter construction of §9);
- per (bank, signal kind, N): the local rates :math:`r_n = \log(W_n/W_{n+1})` of
  :mod:`pipeline.analysis.local_rates` (resolved layers only: :math:`W_n > 10 s_n` and above the
  relative round-off floor of docs/theory.md §10), their mean, smallest lower end and largest
  upper end over the signals (slack included), and the bank's measured :math:`\rho` and derived
  :math:`\log a`.

Every number comes from :func:`pipeline.cascade.propagate` on signals of the registered kinds
with fixed seeds; nothing is fitted or assumed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import xarray as xr

from ..cascade import propagate
from ..filters import make_bank
from ..signals.registry import make_signals
from ..theory import bank_facts
from .local_rates import local_rates
from .resolution import FIRST_FIT_LAYER

__all__ = [
    "SCALING_BANKS",
    "SCALING_KINDS",
    "SCALING_LENGTHS",
    "ScalingBank",
    "ScalingKind",
    "mean_rate_from",
    "n_scaling",
]

#: Grid lengths N of the scan (2^8 … 2^14).
SCALING_LENGTHS = (256, 1024, 4096, 16384)
#: Signals per kind and length (seed 0: rows 0 .. count-1 of each group).
SCALING_COUNT = 2


@dataclass(frozen=True)
class ScalingBank:
    """One bank of the scan: family, parameters as a function of N, depth and pruning budget."""

    label: str
    family: str
    params: Callable[[int], dict[str, Any]]
    depth: int
    energy_budget: float


@dataclass(frozen=True)
class ScalingKind:
    """One signal kind of the scan: registered kind and its parameters as a function of N."""

    label: str
    kind: str
    params: Callable[[int], dict[str, Any]]


SCALING_BANKS = (
    ScalingBank(
        "meyer dilation 2 (ρ = 4 at every N)", "meyer", lambda n: {"dilation": 2.0}, 5, 1e-7
    ),
    ScalingBank(
        "random two-band, δ = 2/N (ρ grows with N)",
        "random",
        lambda n: {"filters": 1, "delta": 2.0 / n, "seed": 0},
        5,
        0.0,
    ),
)

SCALING_KINDS = (
    ScalingKind("white noise", "white_noise", lambda n: {}),
    ScalingKind(
        "lacunary, log2(N) - 3 octaves", "lacunary", lambda n: {"octaves": int(math.log2(n)) - 3}
    ),
)


def _one(bank: ScalingBank, kind: ScalingKind, length: int, count: int) -> xr.Dataset:
    """Local rates of ``count`` signals of ``kind`` through ``bank`` at length N, pooled."""
    filters = make_bank(bank.family, length, **bank.params(length))
    signals = make_signals(kind.kind, count=count, length=length, seed=0, **kind.params(length))
    energies = propagate(signals, filters, bank.depth, bank.energy_budget)
    energies.attrs["grid_shape"] = [length]
    rates = local_rates(energies)
    return xr.Dataset(
        {
            "rate": rates.local_rate.mean("signal"),
            "rate_min": rates.local_rate_lower.min("signal"),
            "rate_max": rates.local_rate_upper.max("signal"),
            "signals_resolved": rates.local_rate.count("signal"),
        }
    ).reset_coords(drop=True)


def n_scaling(
    lengths: Sequence[int] = SCALING_LENGTHS,
    banks: Sequence[ScalingBank] = SCALING_BANKS,
    kinds: Sequence[ScalingKind] = SCALING_KINDS,
    count: int = SCALING_COUNT,
) -> xr.Dataset:
    r"""The scan: local rates over (bank, kind, length, layer), :math:`\rho` and derived
    :math:`\log a` over (bank, length).

    Returns
    -------
    xarray.Dataset
        ``rate`` (mean over the signals of :math:`\log(W_n/W_{n+1})` where resolved, NaN
        elsewhere), ``rate_min``, ``rate_max`` (smallest lower and largest upper end inside the
        slack), ``signals_resolved``; ``band_ratio`` and ``derived_log_a``
        (:math:`\log\frac{\rho+1}{\rho-1}`, docs/theory.md §6). Layers 0..max depth; a bank of
        smaller depth has NaN beyond it.
    """
    depth = max(b.depth for b in banks)
    layers = np.arange(depth + 1)
    parts = []
    ratios = np.full((len(banks), len(lengths)), np.nan)
    for b, bank in enumerate(banks):
        for i, length in enumerate(lengths):
            ratios[b, i] = bank_facts(
                make_bank(bank.family, length, **bank.params(length))
            ).band_ratio
            for kind in kinds:
                part = _one(bank, kind, length, count).reindex(layer=layers)
                parts.append(
                    part.expand_dims(bank=[bank.label], kind=[kind.label], length=[length])
                )
    data = xr.combine_by_coords(parts)
    data["band_ratio"] = (("bank", "length"), ratios)
    with np.errstate(divide="ignore", invalid="ignore"):
        data["derived_log_a"] = np.log((data.band_ratio + 1) / (data.band_ratio - 1))
    data.attrs["signals_per_kind"] = count
    data.attrs["seed"] = 0
    data.attrs["depths"] = ", ".join(f"{b.label}: {b.depth}" for b in banks)
    data.attrs["energy_budgets"] = ", ".join(f"{b.label}: {b.energy_budget:g}" for b in banks)
    return data


def mean_rate_from(data: xr.Dataset, first: int = FIRST_FIT_LAYER) -> xr.DataArray:
    r"""Mean over the resolved layers :math:`n \ge` ``first`` of the scan's mean local rate."""
    return data.rate.where(data.layer >= first).mean("layer")
