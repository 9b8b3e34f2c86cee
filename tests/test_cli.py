"""The command line, run for real in a temporary folder."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import xarray as xr
from rich.console import Console
from typer.testing import CliRunner

from flows.cli import app
from flows.cli.progress import ProgressBar

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


def test_help_lists_every_command() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0, result.output
    for command in ("demo", "banks", "show", "report", "plan", "run", "fit"):
        assert command in result.output


def test_the_installed_entry_point_is_the_flows_cli() -> None:
    from importlib.metadata import entry_points

    (script,) = entry_points(group="console_scripts", name="energy-sweep")
    assert script.value == "flows.cli:app"
    done = subprocess.run(
        [sys.executable, "-m", "flows.cli", "banks", "--length", "128"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "real_wavelet" in done.stdout


def test_show_refuses_what_is_not_a_store_in_one_line(tmp_path: Path) -> None:
    result = runner.invoke(app, ["show", str(tmp_path / "nothing.zarr")])
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1
    assert "nothing.zarr" in result.output


def test_a_progress_bar_shows_only_once_work_is_reported() -> None:
    quiet = io.StringIO()
    with ProgressBar("units", Console(file=quiet, force_terminal=True)):
        pass
    assert quiet.getvalue() == ""
    shown = io.StringIO()
    with ProgressBar("units", Console(file=shown, force_terminal=True), transient=False) as bar:
        bar(0, 3)
        bar(3, 3)
    assert "units" in shown.getvalue() and "3/3" in shown.getvalue()
