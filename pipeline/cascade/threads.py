"""The BLAS threads of the cascade's energy products: as many as ``fft_workers``.

The Parseval energies of a block are one small matrix product, ``(rows x G) @ (G x K)``
(:func:`.namespace.spectral_energies`). OpenBLAS splits even a product that small over every
core and its threads spin while they wait; on a loaded machine that made the products cost
more than the FFTs. Measured (2 cores shared with other jobs, so inflated, ratios in one
process): Kymatio 0.3 ``Scattering1D(J=6, Q=8)`` batch 16, N = 2^13, against our
``sampling="critical"``, ``path_rule="frequency_decreasing"`` cascade: 2.61 s with 2 BLAS
threads against 0.73 s with 1, the energy products alone 2.0 s of a 3.7 s profile. So
``propagate`` limits the BLAS threads to ``fft_workers`` (default 1) while it runs, and restores
them after.
"""

from __future__ import annotations

from threadpoolctl import ThreadpoolController

_CONTROLLER: list[ThreadpoolController] = []  # one per process, made on first use (~5 ms)


def limit_blas_threads(threads: int):
    """Limit the BLAS libraries loaded in this process to ``threads`` threads; returns the
    limiter, whose ``restore_original_limits()`` undoes it. (The limit is process-wide: threads
    running ``propagate`` at once share it.)"""
    if not _CONTROLLER:
        _CONTROLLER.append(ThreadpoolController())
    return _CONTROLLER[0].limit(limits=threads, user_api="blas")
