"""Rows "fft-rate": the cascade's FFT throughput against raw batched ``scipy.fft``.

Ours: one ``propagate`` call (bank ``meyer`` on N samples, depth 2, exact), timed. Its FFTs are
recorded by a ``scipy.fft`` backend that only counts (function, shape, dtype, keywords) and hands
every call on to scipy's own implementation. Raw: exactly those transforms replayed through
``scipy.fft`` on preallocated arrays of the same shapes and dtypes, timed. Both rates are samples
transformed per second; the ratio is our rate / raw rate = raw time / cascade time (target
>= 0.7, issue 11): the share of the cascade's time that runs at the FFT library's rate.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import scipy.fft

from .common import Row, Target, best_of

GROUP = "fft-rate"
DEPTH = 2
TARGET = Target(0.7)


class _Recorder:
    """A ``scipy.fft`` backend (uarray protocol) that records each call and declines it, so
    scipy's own backend computes it."""

    __ua_domain__ = "numpy.scipy.fft"

    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[int, ...], np.dtype, dict]] = []

    def __ua_function__(self, method, args, kwargs):
        data = args[0]
        self.calls.append((method.__name__, np.shape(data), np.asarray(data).dtype, dict(kwargs)))
        return NotImplemented


def _replay(calls, arrays) -> None:
    for name, shape, dtype, kwargs in calls:
        getattr(scipy.fft, name)(arrays[shape, dtype], **kwargs)


def row(length: int, batch: int, repeats: int) -> Row:
    from pipeline.cascade import propagate
    from pipeline.filters import make_bank

    bank = make_bank("meyer", length)
    signals = np.random.default_rng(0).standard_normal((batch, length))
    recorder = _Recorder()
    with scipy.fft.set_backend(recorder):
        propagate(signals, bank, DEPTH)
    calls = recorder.calls
    case = f"meyer N={length} batch={batch} depth {DEPTH} ({bank.n_filters} filters)"
    if not calls:
        return Row(
            GROUP,
            case,
            None,
            None,
            None,
            "our rate / raw rate",
            note="no scipy.fft calls recorded (the cascade uses another FFT)",
        )
    rng = np.random.default_rng(1)
    arrays = {}
    for _, shape, dtype, _ in calls:
        if (shape, dtype) not in arrays:
            values = rng.standard_normal(shape)
            if np.issubdtype(dtype, np.complexfloating):
                values = values + 1j * rng.standard_normal(shape)
            arrays[shape, dtype] = values.astype(dtype)
    samples = sum(int(np.prod(shape)) for _, shape, _, _ in calls)
    t_ours = best_of(repeats, lambda: propagate(signals, bank, DEPTH))
    t_raw = best_of(repeats, lambda: _replay(calls, arrays))
    kinds = Counter(name for name, *_ in calls)
    note = (
        f"{len(calls)} scipy.fft calls ({', '.join(f'{k} x{v}' for k, v in sorted(kinds.items()))}), "
        f"{samples:.3g} samples; rates: ours {samples / t_ours:.3g}/s, raw {samples / t_raw:.3g}/s"
    )
    return Row(
        GROUP,
        case,
        t_ours,
        t_raw,
        t_raw / t_ours,
        "our rate / raw rate",
        target=TARGET,
        note=note,
        extra={"samples": samples, "calls": len(calls)},
    )
