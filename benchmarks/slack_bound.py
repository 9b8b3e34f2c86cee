"""The modulus slack against the energy slack on the paper sweep's budgeted banks.

    python benchmarks/slack_bound.py                      # every budgeted bank, every signal
    python benchmarks/slack_bound.py --signals 8 --optimal

For each budgeted bank of ``configs/paper_sweep.yaml`` (its own depth and budget) and the
sweep's signals, ``propagate`` runs with ``slack="modulus"`` and 1, 3 (the default) and 6 shifts
per filter (:data:`pipeline.cascade.modulus_slack.SHIFTS`), and an exact run (budget 0) gives
the true :math:`W_n`. With ``--optimal`` also the bound maximised over every shift (a circular
correlation per dropped child, one FFT each: a reference, not a mode of the cascade; it
replaces ``modulus_plan`` in the walk for that run). Printed per layer, summed over signals and
divided by their total energy: the energy slack ``pruned_slack``, each ``slack_bound``, the true
gap :math:`W^{\\text{true}}_n - W_n`; and the number of resolved layers (:math:`W_n > 10\\,s_n`,
the fits' rule) under each slack, summed over signals. Also checks the sandwich
:math:`W_n \\le W^{\\text{true}}_n \\le W_n + \\text{slack\\_bound}_n` on every row.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

import pipeline.cascade.walk as walk
from pipeline.cascade import propagate
from pipeline.cascade.modulus_slack import ModulusPlan, fejer_spectrum, modulus_plan
from pipeline.cascade.plan import LayerPlan
from pipeline.filters import FilterBank, make_bank
from pipeline.sweep import load_config

CONFIG = Path(__file__).resolve().parents[1] / "configs" / "paper_sweep.yaml"
RESOLVED_FACTOR = 10.0  # pipeline.analysis.resolution.SLACK_FACTOR


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
        full = (
            grid.full_from_half(power.reshape(-1, *grid.half_shape))
            if self.plan.half
            else (power.reshape(-1, *grid.shape))
        )
        filters = np.abs(self.plan.filters) ** 2
        axes = tuple(range(-grid.ndim, 0))
        captured = np.empty_like(child_energy)
        for k in range(filters.shape[0]):
            q = np.fft.fftn(full * filters[k], axes=axes)
            corr = np.fft.ifftn(q * np.conj(self.kernel_spectrum), axes=axes).real
            captured[:, k] = corr.reshape(corr.shape[0], -1).max(axis=1)
        captured *= scale * child_weight
        return np.clip(child_energy - captured, 0.0, child_energy)


def run(x: np.ndarray, bank: FilterBank, depth: int, budget: float, plan_maker) -> object:
    """propagate with slack = modulus, its modulus plans made by ``plan_maker``."""
    original = walk.modulus_plan
    walk.modulus_plan = plan_maker
    try:
        return propagate(x, bank, depth, budget, slack="modulus")
    finally:
        walk.modulus_plan = original


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--signals", type=int, default=None, help="first N signals only")
    parser.add_argument("--optimal", action="store_true", help="also the all-shift maximum")
    args = parser.parse_args()
    config = load_config(CONFIG)
    count = config.plan.n_signals if args.signals is None else args.signals
    x = config.load_signals(0, count).values
    energy = float(np.sum(x**2))
    for entry in config.bank_table():
        budget = config.energy_budget if entry.energy_budget is None else entry.energy_budget
        if budget == 0:
            continue
        depth = config.depth if entry.depth is None else entry.depth
        bank = make_bank(entry.family, config.shape, **entry.params)
        start = time.perf_counter()
        exact = propagate(x, bank, depth)
        exact_s = time.perf_counter() - start
        makers = {f"{s} shift": (lambda p, b, s=s: modulus_plan(p, b, s)) for s in (1, 3, 6)}
        if args.optimal:
            makers["optimal"] = OptimalPlan
        rows, times, resolved = {}, {}, {}
        truth = exact.propagated_energy.values
        for name, maker in makers.items():
            start = time.perf_counter()
            out = run(x, bank, depth, budget, maker)
            times[name] = time.perf_counter() - start
            w, b = out.propagated_energy.values, out.slack_bound.values
            tol = 1e-12 * out.input_energy.values[:, None]
            assert np.all(truth >= w - tol) and np.all(truth <= w + b + tol), name
            rows[name] = b.sum(axis=0) / energy
            resolved[name] = int(np.sum(w > RESOLVED_FACTOR * b))
        s = out.pruned_slack.values
        print(f"\n{entry.family} {entry.params} depth {depth} budget {budget:g}, {count} signals")
        print("layer  " + "  ".join(f"{n:>9d}" for n in range(depth + 1)))
        print("energy " + "  ".join(f"{v:9.2e}" for v in s.sum(axis=0) / energy))
        for name, row in rows.items():
            print(f"{name:7.7s}" + "  ".join(f"{v:9.2e}" for v in row))
        print("truegap" + "  ".join(f"{v:9.2e}" for v in (truth - w).sum(axis=0) / energy))
        print(
            f"resolved (signal, layer) pairs: energy {int(np.sum(w > RESOLVED_FACTOR * s))}, "
            + ", ".join(f"{k} {v}" for k, v in resolved.items())
        )
        print(
            f"time: exact {exact_s:.2f} s, "
            + ", ".join(f"{k} {v:.2f} s" for k, v in times.items())
            + " (machine shared, inflated)"
        )


if __name__ == "__main__":
    main()
