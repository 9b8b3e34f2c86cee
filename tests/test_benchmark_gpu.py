"""The harness's ``gpu`` group (benchmarks/harness/gpu.py): without a CUDA device it measures
nothing and says so in one row; with torch it measures finite times and our torch result agrees
with our numpy one."""

from __future__ import annotations

import importlib.util
import math
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))

from harness import gpu
from harness.kymatio_1d import Case

#: Devices the measuring path is run on here: torch's CPU where torch is installed (no extra
#: installs it, so CI may not have it: the list is then empty), and CUDA where present.
DEVICES = (["cpu"] if importlib.util.find_spec("torch") else []) + (
    ["cuda"] if gpu.cuda_device() else []
)


def test_without_a_gpu_the_group_says_so_in_one_row(capsys) -> None:
    if gpu.cuda_device() is not None:
        rows = gpu.rows([Case(2**9, 4, 1, 2)], 1)
        assert all(row.ratio is not None and row.ratio > 0 for row in rows)
        return
    rows = gpu.rows([Case(2**9, 4, 1, 2)], 1)
    assert capsys.readouterr().out.splitlines() == [gpu.NO_GPU]
    assert len(rows) == 1
    assert (rows[0].ours, rows[0].peer, rows[0].ratio) == (None, None, None)
    assert "not measured" in rows[0].case and "0.15 s" in rows[0].note


if DEVICES:  # defined only where a device exists: an empty parametrisation reads as a skip

    @pytest.mark.slow
    @pytest.mark.parametrize("device", DEVICES)
    def test_the_measuring_path_runs_and_agrees_with_numpy(device: str) -> None:
        (row,) = gpu.rows([Case(2**9, 4, 1, 2)], 1, device=device)
        assert all(math.isfinite(v) and v > 0 for v in (row.ours, row.peer, row.ratio))
        assert row.extra["energy_error_vs_numpy"] < 1e-6  # float32 on the device
        assert "quoted, not measured" in row.note
