"""Critical sampling's window gathers (pipeline/cascade/critical.py): the contiguous-run gather
``parent_windows`` returns exactly the values of the bin-by-bin ``parent_bins``, or None where a
window of a band-limited spectrum wraps into its negative bins (then the caller uses
``parent_bins``)."""

from __future__ import annotations

import numpy as np
import pytest

from pipeline.cascade.critical import Windows, parent_bins, parent_windows
from pipeline.cascade.kernels import Block

N = 64


def _block(spectra: np.ndarray, half: bool) -> Block:
    rows = spectra.shape[0]
    ones = np.ones(rows, np.int64)
    return Block(1, spectra, np.arange(rows), ones, np.zeros(rows), half=half)


@pytest.mark.parametrize(("half", "width"), [(True, N // 2 + 1), (True, 9), (True, 20), (False, N)])
def test_window_gather_equals_the_bin_by_bin_gather(half: bool, width: int) -> None:
    rng = np.random.default_rng(width)
    spectra = rng.standard_normal((5, width)) + 1j * rng.standard_normal((5, width))
    coarse = 12
    start = np.arange(N)  # every window start, wrapping ones included
    row = rng.integers(0, 5, start.size)
    bins = (start[:, None] + np.arange(coarse)) % N
    expected = parent_bins(_block(spectra, half), row, bins, N)
    got = parent_windows(_block(spectra, half), row, start, coarse, N, coarse)
    if got is not None:
        np.testing.assert_array_equal(got, expected)
    lower = min(width, N - width + 1)
    signed = np.where(start >= N - lower + 1, start - N, start)
    safe = signed + coarse - 1 < N - lower + 1  # windows that do not wrap into negative bins
    band_limited = lower - 1 + width < N  # else the layout is a whole period: runs may wrap
    assert (got is None) == (half and band_limited and not np.all(safe))
    if got is None:  # the windows that do not wrap are gathered as runs on their own
        block = _block(spectra, half)
        runs = parent_windows(block, row[safe], start[safe], coarse, N, 2 * coarse)
        np.testing.assert_array_equal(runs, expected[safe])
        # and the layout kept for the larger size serves a smaller one too
        smaller = parent_windows(block, row[safe], start[safe], coarse // 2, N, coarse // 2)
        np.testing.assert_array_equal(smaller, expected[safe][:, : coarse // 2])


def test_filter_tables_are_the_filters_on_their_windows() -> None:
    rng = np.random.default_rng(0)
    filters = rng.standard_normal((4, N)) + 1j * rng.standard_normal((4, N))
    windows = Windows(np.array([0, 30, 60, 5]), np.full(4, 8))
    col = np.array([2, 2, 0])
    table = windows.filter_table(filters, 8, col)
    for k in (0, 2):
        np.testing.assert_array_equal(table[k], filters[k, (windows.start[k] + np.arange(8)) % N])
    again = windows.filter_table(filters, 8, np.array([3]))  # filled on demand, same table
    assert again is table
    np.testing.assert_array_equal(table[3], filters[3, 5:13])
