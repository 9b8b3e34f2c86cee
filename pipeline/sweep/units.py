"""Work units: the sweep cut into (bank, chunk of signals) pairs, each computed alone."""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["WorkUnit", "signal_chunks", "work_units"]


class WorkUnit(NamedTuple):
    """One task: bank ``bank`` (index into the bank table) on rows ``[start, stop)`` of the
    concatenated signal axis, which form chunk ``chunk``. The grid is the sweep's ``shape``."""

    bank: int
    chunk: int
    start: int
    stop: int


def signal_chunks(n_signals: int, chunk: int) -> list[tuple[int, int]]:
    """``[start, stop)`` of each chunk of ``chunk`` rows over ``[0, n_signals)`` (last may be
    short): consecutive ranges covering the signal axis exactly.

    Examples
    --------
    >>> signal_chunks(10, 4)
    [(0, 4), (4, 8), (8, 10)]
    """
    return [(start, min(start + chunk, n_signals)) for start in range(0, n_signals, chunk)]


def work_units(n_banks: int, n_signals: int, chunk: int) -> list[WorkUnit]:
    """Every (bank, chunk) pair, bank-major (all chunks of bank 0 first).

    Examples
    --------
    >>> work_units(2, 5, 4)
    [WorkUnit(bank=0, chunk=0, start=0, stop=4), WorkUnit(bank=0, chunk=1, start=4, stop=5), \
WorkUnit(bank=1, chunk=0, start=0, stop=4), WorkUnit(bank=1, chunk=1, start=4, stop=5)]
    """
    chunks = signal_chunks(n_signals, chunk)
    return [
        WorkUnit(bank, index, start, stop)
        for bank in range(n_banks)
        for index, (start, stop) in enumerate(chunks)
    ]
