"""The command line, run for real in a temporary folder."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from rich.console import Console
from typer.testing import CliRunner

from flows.cli import app
from flows.cli.progress import ProgressBar
from pipeline.store import clear_unit

runner = CliRunner()


@pytest.fixture(scope="module")
def demo_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's store at depth 3 (made once for the module)."""
    out = tmp_path_factory.mktemp("demo") / "demo"
    result = runner.invoke(app, ["demo", "--out", str(out), "--depth", "3"])
    assert result.exit_code == 0, result.output
    assert (out / "decay.png").stat().st_size > 10_000
    return out / "energies.zarr"


def test_demo_writes_a_sweep_store_that_show_verify_fit_and_report_accept(
    demo_store: Path,
) -> None:
    stored = xr.open_zarr(demo_store)
    assert list(stored.family.values) == ["morlet", "meyer", "gabor"]
    assert list(stored.signal_class.values) == ["ecg", "white_noise"]
    total = (
        stored.feature_energy.isel(layer=slice(0, 3)).sum("layer")
        + stored.propagated_energy.isel(layer=3)
        + stored.pruned_slack.isel(layer=3)
    )
    np.testing.assert_allclose(total, stored.input_energy.broadcast_like(total), rtol=1e-12)
    shown = runner.invoke(app, ["show", str(demo_store)])
    assert shown.exit_code == 0, shown.output
    assert "units: 3 of 3 done (complete)" in shown.output
    assert runner.invoke(app, ["verify", str(demo_store)]).exit_code == 0
    # what `fit` runs inside its flow, without Prefect; then the report of the fitted store
    from pipeline.analysis import aggregate_results
    from pipeline.store import open_results, write_fits

    write_fits(demo_store, aggregate_results(open_results(demo_store), replicates=20))
    reported = runner.invoke(app, ["report", str(demo_store)])
    assert reported.exit_code == 0, reported.output
    assert "warning" not in reported.output
    assert "fits: present" in runner.invoke(app, ["show", str(demo_store)]).output


def test_the_demo_replaces_its_own_store_and_nothing_else(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    (out / "energies.zarr").mkdir(parents=True)
    (out / "energies.zarr" / "precious.txt").write_text("not a store")
    result = runner.invoke(app, ["demo", "--out", str(out), "--depth", "2"])
    assert result.exit_code == 2, result.output
    assert (out / "energies.zarr" / "precious.txt").exists()


def test_show_tells_the_state_of_an_incomplete_store_and_how_to_open_it(
    demo_store: Path, tmp_path: Path
) -> None:
    store = tmp_path / "copy.zarr"
    shutil.copytree(demo_store, store)
    shutil.rmtree(store / "fits", ignore_errors=True)
    # unit (bank 1, chunk 0) loses its record: not run; unit (bank 2, chunk 0) a chunk file: bad
    clear_unit(store, 1, 0)
    (store / "propagated_energy" / "c" / "0" / "2" / "0").unlink()
    result = runner.invoke(app, ["show", str(store)])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "units: 1 of 3 done (INCOMPLETE: 1 not run, 1 bad)" in out, out
    assert "bad unit (bank=2, chunk=0): chunk file propagated_energy/c/0/2/0 missing" in out
    assert f"fits: none yet (energy-sweep fit {store})" in out
    assert "families: morlet (1), meyer (1), gabor (1)" in out
    assert "signal classes: ecg (1), white_noise (1)" in out
    assert "cascade: depth " in out and "path_rule all, sampling exact" in out
    # the lines of Python it prints run as they are, and print the slice
    code = out.split("open and slice it in Python:\n", 1)[1]
    code = "\n".join(line.strip() for line in code.splitlines())
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().startswith("[")
    reported = runner.invoke(app, ["report", str(store)])
    assert f"warning: {store} holds 1 of 3 units: the report covers only those" in (
        reported.output.replace("\n", " ")
    )


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


def test_the_time_left_comes_from_unit_costs_and_counts_down() -> None:
    """Three cheap units then a dear one: after the cheap ones the time left is the dear one's
    share, not the mean rate's (what rich's estimate would say: 1 s)."""
    bar = ProgressBar("units", Console(file=io.StringIO()), unit_costs=[1, 1, 1, 9])
    assert bar._estimate(3, 4, elapsed=3.0) == pytest.approx(9.0)
    assert ProgressBar("units", Console(file=io.StringIO()))._estimate(3, 4, 3.0) == 1.0
    assert bar._estimate(0, 4, elapsed=1.0) is None
    expected = ProgressBar("u", Console(file=io.StringIO()), expected_seconds=10.0)
    assert expected._estimate(0, 4, elapsed=4.0) == pytest.approx(6.0)
    log = io.StringIO()
    with ProgressBar("units", Console(file=log), unit_costs=[1, 1, 1, 9], log_every=0) as bar:
        bar(0, 4)
        bar(3, 4)
        assert bar.time_left().startswith("~0:00:")
        bar._left = (0.5, bar._left[1] - 1.0)  # the estimate ran out a while ago
        assert bar.time_left() == "finishing"
        bar(4, 4)
    lines = log.getvalue().splitlines()
    assert lines[0] == "units: 0/4, 0:00:00 elapsed, time left unknown"
    assert lines[-1].startswith("units: 4/4 done in 0:00:")


def test_output_to_a_pipe_never_wraps_a_formula_or_a_command(tmp_path: Path) -> None:
    """`plan ... | cat`: the header's formulas and the table's caption stay on their lines."""
    done = subprocess.run(
        "energy-sweep plan --family meyer --epsilon 0.01 --bandwidth 0.1 | cat",
        shell=True,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"},
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert any("N with sum_{n<=N} F_n >= (1-eps)||f||^2" in line for line in lines), done.stdout
    assert any(
        "worst exp: Theorem B with derived a = " in line and "n/a: a hypothesis fails" in line
        for line in lines
    ), done.stdout
    assert "\x1b[" not in done.stdout  # no terminal codes in a log


def _small_config(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "sweep.yaml"
    config.write_text(
        "name: small\nlength: 256\ndepth: 3\nenergy_budget: 1.0e-6\nchunk: 2\n"
        "store: small.zarr\nsignals:\n- {kind: white_noise, count: 4, seed: 0}\n"
        "banks:\n- {family: meyer}\ncluster: {kind: local, workers: 1}\n"
    )
    return config


def test_run_refuses_a_cost_above_the_limit_in_one_line_before_anything_starts(
    tmp_path: Path,
) -> None:
    config = _small_config(tmp_path / "sweep")
    result = runner.invoke(app, ["run", str(config)], env={"ENERGY_SWEEP_MAX_HOURS": "1e-9"})
    assert result.exit_code == 2, result.output
    (line,) = result.output.strip().splitlines()
    assert line.startswith("error: estimated cost estimate for 2 unit(s): ~"), line
    assert "above the limit of 1e-09 h (ENERGY_SWEEP_MAX_HOURS): pass --yes" in line
    assert not (tmp_path / "sweep" / "small.zarr").exists()
    bad = runner.invoke(app, ["run", str(config)], env={"ENERGY_SWEEP_MAX_MEMORY": "lots"})
    assert bad.exit_code == 2
    assert bad.output.strip() == (
        "error: ENERGY_SWEEP_MAX_MEMORY = 'lots': must be a size with a unit, e.g. 16GB"
    )


def test_yes_lets_a_run_above_the_limit_through(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.cli.running import estimate_before_run
    from flows.clusters import cluster_spec
    from pipeline.errors import ConfigError
    from pipeline.sweep import load_config

    spec = load_config(_small_config(tmp_path / "sweep"))
    monkeypatch.setenv("ENERGY_SWEEP_MAX_HOURS", "1e-9")
    with pytest.raises(ConfigError):
        estimate_before_run(spec, set(), cluster_spec(spec.cluster), yes=False)
    estimate = estimate_before_run(spec, {(0, 0)}, cluster_spec(spec.cluster), yes=True)
    assert estimate.units == 1 and estimate.threads == 1


def test_prefect_output_is_quiet_by_default_and_restores_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import logging

    from flows.cli.running import prefect_output

    for name in ("DO_NOT_TRACK", "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL"):
        monkeypatch.delenv(name, raising=False)
    with prefect_output(verbose=False):
        assert os.environ["DO_NOT_TRACK"] == "1"  # no analytics notice from Prefect's client
        assert os.environ["PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL"] == "WARNING"
        assert logging.getLogger("distributed").level == logging.ERROR
    assert "DO_NOT_TRACK" not in os.environ
    with prefect_output(verbose=True):
        assert "PREFECT_LOGGING_HANDLERS_CONSOLE_LEVEL" not in os.environ
    monkeypatch.setenv("DO_NOT_TRACK", "0")  # the user's own setting wins
    with prefect_output(verbose=False):
        assert os.environ["DO_NOT_TRACK"] == "0"


def test_the_dashboard_link_is_announced_once_and_only_when_there_is_a_client() -> None:
    from flows.cli.running import announcing_dashboard, dashboard_link

    assert dashboard_link() is None  # no Dask client in this process
    calls: list[tuple[int, int]] = []
    progress = announcing_dashboard(lambda done, total: calls.append((done, total)))
    progress(0, 2)
    progress(2, 2)
    assert calls == [(0, 2), (2, 2)]
