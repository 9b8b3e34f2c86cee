"""Cascade speed, side by side with its peers in one process; reports ratios.

Peers:
- Kymatio 0.3 ``Scattering1D`` (numpy frontend, unaveraged, no subsampling: ``oversampling=J``),
  on its own Morlet filters. Both sides produce the energies of order 1 and order 2; Kymatio
  computes the order-2 moduli of the 87 paths with j2 > j1, we compute W_2 over all 38 x 7 = 266
  order-2 paths from spectra (the last layer needs no modulus), W_1 and F_0, F_1.
- The per-path reference cascade of the tests (``tests/conftest.py::naive_cascade``): same
  results as ours to 1e-10, no batching, no mirror multiplicity.

Run: ``python benchmarks/cascade_vs_peers.py`` (prints a table; nothing is asserted).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from conftest import naive_cascade

from pipeline.cascade import propagate
from pipeline.filters import FilterBank, make_bank


def best_of(repeats: int, func) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return min(times)


def versus_kymatio(batch: int = 16) -> tuple[float, float]:
    import kymatio

    j, q, length = 6, 8, 2**9 + 1
    scattering = kymatio.Scattering1D(
        j, length, q, T=0, frontend="numpy", oversampling=j, out_type="list"
    )
    x = np.random.default_rng(0).standard_normal((batch, length))
    z = np.concatenate([x, x[:, -2:0:-1]], axis=1)  # Kymatio's reflect padding, one period
    phi = scattering.phi_f["levels"][0]
    psi1 = np.stack([p["levels"][0] for p in scattering.psi1_f])
    psi2 = np.stack([p["levels"][0] for p in scattering.psi2_f])
    banks = [
        FilterBank.from_arrays(phi, psi1, normalise=False),
        FilterBank.from_arrays(phi, psi2, normalise=False),
    ]
    ours = best_of(3, lambda: propagate(z, banks, 2))
    theirs = best_of(3, lambda: scattering.scattering(x))
    return ours, theirs


def versus_naive(depth: int = 4) -> tuple[float, float]:
    bank = make_bank("meyer", 256)
    x = np.random.default_rng(1).standard_normal((2, 256))
    ours = best_of(3, lambda: propagate(x, bank, depth))
    naive = best_of(1, lambda: [naive_cascade(row, [bank] * depth, depth) for row in x])
    return ours, naive


def main() -> None:
    rows = []
    ours, theirs = versus_kymatio()
    rows.append(("Kymatio Scattering1D, J=6 Q=8, 16 signals x 1024", ours, theirs))
    ours, naive = versus_naive()
    rows.append(("per-path reference, meyer N=256, depth 4, 2 signals", ours, naive))
    print(f"{'comparison':55s} {'ours [s]':>10s} {'peer [s]':>10s} {'peer/ours':>10s}")
    for name, a, b in rows:
        print(f"{name:55s} {a:10.4f} {b:10.4f} {b / a:10.1f}")


if __name__ == "__main__":
    main()
