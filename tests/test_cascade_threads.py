"""propagate limits the BLAS threads to fft_workers while it runs and restores them after
(pipeline/cascade/threads.py)."""

from __future__ import annotations

import numpy as np
import threadpoolctl

from pipeline.cascade import propagate
from pipeline.cascade.threads import limit_blas_threads
from pipeline.filters import make_bank


def _blas_threads() -> list[int]:
    return [
        info["num_threads"]
        for info in threadpoolctl.threadpool_info()
        if info["user_api"] == "blas"
    ]


def test_the_limit_applies_and_is_restored() -> None:
    before = _blas_threads()
    limiter = limit_blas_threads(1)
    try:
        assert _blas_threads() == [1] * len(before)
    finally:
        limiter.restore_original_limits()
    assert _blas_threads() == before
    propagate(np.ones((2, 64)), make_bank("meyer", 64), 2)
    assert _blas_threads() == before
