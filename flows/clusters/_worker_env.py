"""The environment Dask's nanny gives each worker process it spawns, for every backend.

Dask's nanny sets ``MALLOC_TRIM_THRESHOLD_=65536`` in each worker it starts
(``distributed.nanny.pre-spawn-environ``), so that freed memory goes back to the system at once.
Setting that variable also fixes glibc's mmap threshold at 128 KiB, so every large array the
cascade frees is unmapped and the next block page-faults it in again: measured on the benchmark
sweep's units (meyer, gabor, morlet, N = 1024, depth 6, budget 1e-6; ``benchmarks/RESULTS.md``),
the same work took 12–26 s with 65536 against 6–9 s with the variable unset and 7–19 s with
2^28 (one process each, on a loaded 2-core machine). :data:`WORKER_MALLOC_TRIM_THRESHOLD`
= 256 MiB keeps what a unit frees for the next unit while still returning memory past that.

That alone was not enough where the work runs, in a worker's task thread (its own malloc arena):
with the mmap threshold still pinned at 128 KiB the same 24 units took 19.2 s in a Dask worker
against 12.5 s with no variable set and 12.3 s in one plain process (quiet 2-core machine,
2026-12-02). :data:`WORKER_MALLOC_MMAP_THRESHOLD` = 32 MiB, the ceiling glibc's own dynamic
threshold reaches, serves the cascade's block arrays from the heap again: 12.3 s in the worker.
"""

from __future__ import annotations

import dask

#: Bytes of freed heap a worker keeps before glibc returns memory to the system.
WORKER_MALLOC_TRIM_THRESHOLD = 2**28
#: Allocations of at least this many bytes are mapped (and unmapped when freed) on their own.
WORKER_MALLOC_MMAP_THRESHOLD = 2**25

#: The variables each worker gets (those of glibc's ``mallopt`` read from the environment).
WORKER_MALLOC_ENVIRON = {
    "MALLOC_TRIM_THRESHOLD_": WORKER_MALLOC_TRIM_THRESHOLD,
    "MALLOC_MMAP_THRESHOLD_": WORKER_MALLOC_MMAP_THRESHOLD,
}

#: Dask's configuration key of the variables the nanny sets in each worker it spawns.
PRE_SPAWN_ENVIRON = "distributed.nanny.pre-spawn-environ"

#: The environment variable through which a worker started by a job (Slurm, Kubernetes) reads
#: that key (Dask merges it into its defaults, so the other variables stay).
PRE_SPAWN_ENVIRON_VARIABLE = "DASK_DISTRIBUTED__NANNY__PRE_SPAWN_ENVIRON"


def worker_environ() -> dict[str, object]:
    """Dask's pre-spawn environment with the trim and mmap thresholds raised."""
    environ = dict(dask.config.get(PRE_SPAWN_ENVIRON, default={}) or {})
    environ.update(WORKER_MALLOC_ENVIRON)
    return environ


def worker_environ_config() -> dict[str, object]:
    """For ``dask.config.set`` around a cluster whose nannies run in this process."""
    return {PRE_SPAWN_ENVIRON: worker_environ()}


def worker_environ_variable() -> tuple[str, str]:
    """``(name, value)`` of the variable a worker's job exports before ``dask worker`` starts.

    >>> name, value = worker_environ_variable()
    >>> name
    'DASK_DISTRIBUTED__NANNY__PRE_SPAWN_ENVIRON'
    >>> value
    "{'MALLOC_TRIM_THRESHOLD_': 268435456, 'MALLOC_MMAP_THRESHOLD_': 33554432}"
    """
    return PRE_SPAWN_ENVIRON_VARIABLE, repr(WORKER_MALLOC_ENVIRON)
