"""Work units: the sweep cut into (bank, chunk of signals) pairs, each computed alone."""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["WorkUnit", "signal_chunks", "work_units"]


class WorkUnit(NamedTuple):
    """One task: bank ``bank`` (index into the bank table) on rows ``[start, stop)`` of the
    concatenated signal axis, which form chunk ``chunk``, each row on the grid ``shape``."""

    bank: int
    chunk: int
    start: int
    stop: int
    shape: tuple[int, ...]


def signal_chunks(n_signals: int, chunk: int) -> list[tuple[int, int]]:
    """``[start, stop)`` of each chunk of ``chunk`` rows over ``[0, n_signals)`` (last may be
    short): consecutive ranges covering the signal axis exactly.

    Examples
    --------
    >>> signal_chunks(10, 4)
    [(0, 4), (4, 8), (8, 10)]
    """
    return [(start, min(start + chunk, n_signals)) for start in range(0, n_signals, chunk)]


def work_units(n_banks: int, n_signals: int, chunk: int, shape: tuple[int, ...]) -> list[WorkUnit]:
    """Every (bank, chunk) pair, bank-major (all chunks of bank 0 first).

    Examples
    --------
    >>> [tuple(u) for u in work_units(2, 5, 4, (64,))]
    [(0, 0, 0, 4, (64,)), (0, 1, 4, 5, (64,)), (1, 0, 0, 4, (64,)), (1, 1, 4, 5, (64,))]
    """
    chunks = signal_chunks(n_signals, chunk)
    return [
        WorkUnit(bank, index, start, stop, tuple(shape))
        for bank in range(n_banks)
        for index, (start, stop) in enumerate(chunks)
    ]
