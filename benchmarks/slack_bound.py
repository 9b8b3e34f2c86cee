"""The modulus slack against the energy slack, on the paper sweep's signals.

    python benchmarks/slack_bound.py                      # every case below, every signal
    python benchmarks/slack_bound.py --signals 8 --optimal

Cases: the budgeted banks of ``configs/paper_sweep.yaml`` (meyer dilation 2 and 3, their depth
and budget), and the issue-9 Gabor case (spacing 1/16, depth 12, budget 1e-4), on the sweep's
signals. For each, ``propagate`` runs with ``slack="modulus"`` and 1, 3 and 6 (the default)
shifts per filter (:data:`pipeline.cascade.modulus_slack.SHIFTS`), and an exact run (budget 0,
to ``exact_depth``) gives the true :math:`W_n`. With ``--optimal`` also the bound maximised over
every shift (a circular correlation per dropped child, one FFT each: a reference, not a mode of
the cascade; it replaces ``modulus_plan`` in the walk for that run).

Printed per layer, summed over signals and divided by their total energy: the energy slack
``pruned_slack`` s, each ``slack_bound`` b, the width b - d of the sandwich
:math:`[W_n + d_n, W_n + b_n]` (d = ``dropped_energy``) that the fits use, and the true gap
:math:`W^{\\text{true}}_n - W_n`; then the (signal, layer) pairs resolved by the fits' rule
(lower end > 10 x width): with s, and with each modulus sandwich. Every row is checked:
:math:`W_n + d_n \\le W^{\\text{true}}_n \\le W_n + b_n` to round-off.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import NamedTuple

import numpy as np

import pipeline.cascade.walk as walk
from pipeline.cascade import propagate
from pipeline.cascade.modulus_slack import ModulusPlan, fejer_spectrum, modulus_plan
from pipeline.cascade.plan import LayerPlan
from pipeline.filters import FilterBank, make_bank
from pipeline.sweep import load_config

CONFIG = Path(__file__).resolve().parents[1] / "configs" / "paper_sweep.yaml"
RESOLVED_FACTOR = 10.0  # pipeline.analysis.resolution.SLACK_FACTOR


class Case(NamedTuple):
    family: str
    params: dict
    depth: int
    budget: float
    exact_depth: int


CASES = [
    Case("meyer", {"dilation": 2.0}, 6, 1e-7, 6),
    Case("meyer", {"dilation": 3.0}, 6, 1e-7, 6),
    Case("gabor", {"spacing": 1 / 16}, 12, 1e-4, 5),
]


class OptimalPlan(ModulusPlan):
    """The bound maximised over every shift: per dropped child, the circular correlation of
    :math:`|\\hat u|^2|\\hat g_k|^2` with :math:`|\\hat r|^2` (full grid), its maximum."""

    def __init__(self, plan: LayerPlan, next_bank: FilterBank) -> None:
        super().__init__(np.empty((0, 0, 0)))
        object.__setattr__(self, "plan", plan)
        kernel = fejer_spectrum(plan.grid, next_bank.lowpass) ** 2
        object.__setattr__(self, "kernel_spectrum", np.fft.fftn(kernel))

    def tail(self, power, child_energy, child_weight, scale):
        grid = self.plan.grid
        shape = grid.half_shape if self.plan.half else grid.shape
        full = power.reshape(-1, *shape)
        full = grid.full_from_half(full) if self.plan.half else full
        filters = np.abs(self.plan.filters) ** 2
        axes = tuple(range(-grid.ndim, 0))
        captured = np.empty_like(child_energy)
        for k in range(filters.shape[0]):
            q = np.fft.fftn(full * filters[k], axes=axes)
            corr = np.fft.ifftn(q * np.conj(self.kernel_spectrum), axes=axes).real
            captured[:, k] = corr.reshape(corr.shape[0], -1).max(axis=1)
        captured *= scale * child_weight
        return np.clip(child_energy - captured, 0.0, child_energy)


def run(x: np.ndarray, case: Case, bank: FilterBank, plan_maker) -> object:
    """propagate with slack = modulus, its modulus plans made by ``plan_maker``."""
    original = walk.modulus_plan
    walk.modulus_plan = plan_maker
    try:
        return propagate(x, bank, case.depth, case.budget, slack="modulus")
    finally:
        walk.modulus_plan = original


def row(name: str, values: np.ndarray) -> str:
    return f"{name:8.8s}" + " ".join(f"{v:8.1e}" for v in values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--signals", type=int, default=None, help="first N signals only")
    parser.add_argument("--optimal", action="store_true", help="also the all-shift maximum")
    args = parser.parse_args()
    config = load_config(CONFIG)
    count = config.plan.n_signals if args.signals is None else args.signals
    x = config.load_signals(0, count).values
    energy = float(np.sum(x**2))
    for case in CASES:
        bank = make_bank(case.family, config.shape, **case.params)
        start = time.perf_counter()
        exact = propagate(x, bank, case.exact_depth).propagated_energy.values
        exact_s = time.perf_counter() - start
        makers = {f"{s} shift": (lambda p, b, s=s: modulus_plan(p, b, s)) for s in (1, 3, 6)}
        if args.optimal:
            makers["optimal"] = OptimalPlan
        bounds, widths, times, resolved = {}, {}, {}, {}
        for name, maker in makers.items():
            start = time.perf_counter()
            out = run(x, case, bank, maker)
            times[name] = time.perf_counter() - start
            w, b = out.propagated_energy.values, out.slack_bound.values
            d = out.dropped_energy.values
            tol = 1e-12 * out.input_energy.values[:, None]
            known = slice(0, case.exact_depth + 1)
            assert np.all(exact >= w[:, known] + d[:, known] - tol), name
            assert np.all(exact <= w[:, known] + b[:, known] + tol), name
            bounds[name], widths[name] = b.sum(axis=0) / energy, (b - d).sum(axis=0) / energy
            resolved[name] = int(np.sum(w + d > RESOLVED_FACTOR * (b - d)))
        s = out.pruned_slack.values
        print(
            f"\n{case.family} {case.params} depth {case.depth} budget {case.budget:g}, "
            f"{count} signals; exact run to layer {case.exact_depth}"
        )
        print("layer   " + " ".join(f"{n:8d}" for n in range(case.depth + 1)))
        print(row("s", s.sum(axis=0) / energy))
        for name in makers:
            print(row(f"b {name}", bounds[name]))
        for name in makers:
            print(row(f"b-d {name}", widths[name]))
        print(row("true gap", (exact - w[:, known]).sum(axis=0) / energy))
        print(
            f"resolved (signal, layer) pairs of {w.size}: energy slack "
            f"{int(np.sum(w > RESOLVED_FACTOR * s))}, "
            + ", ".join(f"{k} {v}" for k, v in resolved.items())
        )
        print(
            f"time: exact {exact_s:.1f} s, "
            + ", ".join(f"{k} {v:.1f} s" for k, v in times.items())
            + " (shared 2-core machine under load: inflated)"
        )


if __name__ == "__main__":
    main()
