"""The command line, run for real in a temporary folder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import xarray as xr
from typer.testing import CliRunner

from pipeline.cli import app

runner = CliRunner()


def test_demo_writes_a_store_and_a_figure(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    result = runner.invoke(app, ["demo", "--out", str(out), "--depth", "3"])
    assert result.exit_code == 0, result.output
    assert "energies.zarr" in result.output
    assert (out / "decay.png").stat().st_size > 10_000
    stored = xr.open_zarr(out / "energies.zarr")
    assert list(stored.family.values) == ["morlet", "meyer", "gabor"]
    assert list(stored.signal_class.values) == ["ecg", "white_noise"]
    total = (
        stored.feature_energy.isel(layer=slice(0, 3)).sum("layer")
        + stored.propagated_energy.isel(layer=3)
        + stored.pruned_slack.isel(layer=3)
    )
    np.testing.assert_allclose(total, stored.input_energy.broadcast_like(total), rtol=1e-12)


def test_bad_budget_is_one_line_and_exit_code_two(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    result = runner.invoke(app, ["demo", "--out", str(out), "--budget", "-1"])
    assert result.exit_code == 2
    assert "energy_budget = -1.0" in result.output
    assert not out.exists()  # nothing half-written


def test_banks_lists_every_family() -> None:
    result = runner.invoke(app, ["banks", "--length", "256"])
    assert result.exit_code == 0, result.output
    for family in ("gabor", "meyer", "morlet", "random", "real_wavelet"):
        assert family in result.output
