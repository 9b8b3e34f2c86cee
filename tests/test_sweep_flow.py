"""The sweep end to end: real Prefect flow, real Dask clusters (worker processes), real Zarr store.

Most flows run on the session's Dask cluster (fixture ``dask_cluster``) through the ``address``
backend; a fresh cluster is started where that is the point: the ``local`` backend (through the
command line) and a scheduler and worker started as separate processes."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import xarray as xr
import yaml
from typer.testing import CliRunner

from flows.cli import app
from pipeline.cascade import propagate
from pipeline.store import clear_unit, completed_units
from pipeline.sweep import bank_for, create_sweep_store, load_config

pytestmark = pytest.mark.slow


def _write_config(path: Path, store: Path, **cluster: object) -> Path:
    """The test sweep (10 signals, 3 banks, 9 units) on ``cluster`` (default: local, 2 workers)."""
    spec = {
        "name": "flow-test",
        "length": 256,
        "signals": [
            {"kind": "white_noise", "count": 5, "seed": 0},
            {"kind": "ecg", "count": 2},
            {"kind": "sobolev", "count": 3, "seed": 4, "params": {"s": 1.0}},
        ],
        "banks": [
            {"family": "meyer", "params": {"dilation": [2.0, 3.0]}},
            {"family": "gabor", "params": {"spacing": 0.0625}},
        ],
        "depth": 4,
        "energy_budget": 1e-8,
        "chunk": 4,
        "store": str(store),
        "cluster": cluster or {"kind": "local", "workers": 2, "threads_per_worker": 1},
    }
    path.write_text(yaml.safe_dump(spec))
    return path


def _on(cluster: Any) -> dict[str, str]:
    """The ``cluster:`` section that reaches a running ``distributed`` cluster."""
    return {"kind": "address", "address": cluster.scheduler_address}


@pytest.fixture(scope="module")
def swept(
    tmp_path_factory: pytest.TempPathFactory, prefect_harness: None, dask_cluster: Any
) -> dict:
    """One real sweep on the session's cluster of 2 worker processes, shared by the tests below;
    its progress reports recorded."""
    from flows.sweep import sweep

    folder = tmp_path_factory.mktemp("sweep")
    config_path = _write_config(folder / "sweep.yaml", folder / "store.zarr", **_on(dask_cluster))
    reports: list[tuple[int, int]] = []
    summary = sweep(str(config_path), progress=lambda done, total: reports.append((done, total)))
    return {
        "config_path": config_path,
        "summary": summary,
        "store": folder / "store.zarr",
        "progress": reports,
    }


def test_every_unit_lands_and_equals_a_direct_propagate(swept: dict) -> None:
    config = load_config(swept["config_path"])
    summary = swept["summary"]
    assert summary["failed"] == []
    assert summary["done"] == len(config.work_units()) == 3 * 3  # 3 banks x 3 chunks of 4, 4, 2
    stored = xr.open_zarr(swept["store"])
    # frequency_radius: the distinct |k/256| of radial_power, k = 0..128
    assert dict(stored.sizes) == {"signal": 10, "bank": 3, "layer": 5, "frequency_radius": 129}
    signals = config.load_signals(0, config.n_signals)
    for b in range(3):
        direct = propagate(
            signals, bank_for(config, b), config.depth, energy_budget=config.energy_budget
        )
        # same numbers; a unit's blocks hold other rows than one whole run, so sums may be
        # accumulated in another order: equal to round-off, paths exactly
        for name in ("propagated_energy", "feature_energy", "pruned_slack"):
            np.testing.assert_allclose(
                stored[name].isel(bank=b).values, direct[name].values, rtol=1e-13, atol=0
            )
        np.testing.assert_array_equal(stored.paths.isel(bank=b).values, direct.paths.values)
        np.testing.assert_array_equal(stored.input_energy.values, direct.input_energy.values)
    assert list(stored.family.values) == ["meyer", "meyer", "gabor"]
    assert stored.attrs["computation_hash"] == config.computation_hash()


def test_the_flow_reports_progress_per_unit(swept: dict) -> None:
    assert swept["progress"] == [(done, 9) for done in range(10)]


def test_a_rerun_skips_every_unit(swept: dict) -> None:
    from flows.sweep import sweep

    again = sweep(str(swept["config_path"]))
    assert again["done"] == 0
    assert again["skipped"] == swept["summary"]["done"]


def test_removing_one_record_recomputes_only_that_unit(swept: dict) -> None:
    from flows.sweep import sweep

    before = xr.open_zarr(swept["store"]).load()
    clear_unit(swept["store"], 1, 2)
    assert (1, 2) not in completed_units(swept["store"])
    again = sweep(str(swept["config_path"]))
    assert again["done"] == 1
    assert again["skipped"] == swept["summary"]["done"] - 1
    xr.testing.assert_identical(xr.open_zarr(swept["store"]).load(), before)


@pytest.fixture
def external_cluster(tmp_path: Path) -> Iterator[str]:
    """A ``dask scheduler`` and a ``dask worker`` started as separate processes on 127.0.0.1."""
    dask = str(Path(sys.executable).parent / "dask")
    scheduler_file = tmp_path / "scheduler.json"
    scheduler = subprocess.Popen(
        [dask, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
         "--scheduler-file", str(scheduler_file)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    worker = None
    try:
        deadline = time.monotonic() + 60
        while not scheduler_file.exists():
            assert time.monotonic() < deadline, "dask scheduler did not start"
            time.sleep(0.2)
        time.sleep(0.5)
        address = yaml.safe_load(scheduler_file.read_text())["address"]
        worker = subprocess.Popen(
            [dask, "worker", address, "--nworkers", "1", "--nthreads", "1", "--no-dashboard"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        yield address
    finally:
        for process in (worker, scheduler):
            if process is not None:
                process.terminate()
                process.wait(timeout=30)


def test_a_sweep_on_separately_started_scheduler_and_worker(
    tmp_path: Path, external_cluster: str, prefect_harness: None
) -> None:
    from flows.sweep import sweep

    config_path = _write_config(
        tmp_path / "sweep.yaml", tmp_path / "store.zarr", kind="address", address=external_cluster
    )
    summary = sweep(str(config_path))
    assert summary["failed"] == []
    assert summary["done"] == 9
    stored = xr.open_zarr(tmp_path / "store.zarr")
    assert not np.any(np.isnan(stored.propagated_energy.values))


def test_cli_refuses_a_bad_config_with_one_line_and_touches_nothing(tmp_path: Path) -> None:
    config_path = _write_config(tmp_path / "sweep.yaml", tmp_path / "store.zarr")
    spec = yaml.safe_load(config_path.read_text())
    spec["depth"] = 0
    config_path.write_text(yaml.safe_dump(spec))
    result = CliRunner().invoke(app, ["run", str(config_path)])
    assert result.exit_code == 2
    assert "depth" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "store.zarr").exists()


def test_cli_run_then_show(tmp_path: Path, prefect_harness: None) -> None:
    """The ``local`` backend: worker processes started for the sweep and stopped after it."""
    config_path = _write_config(
        tmp_path / "sweep.yaml",
        tmp_path / "store.zarr",
        kind="local",
        workers=1,
        threads_per_worker=2,
    )
    runner = CliRunner()
    result = runner.invoke(app, ["run", str(config_path)])
    assert result.exit_code == 0, result.output
    assert "9 done, 0 skipped, 0 failed" in result.output
    assert str(tmp_path / "store.zarr") in result.output
    shown = runner.invoke(app, ["show", str(tmp_path / "store.zarr")])
    assert shown.exit_code == 0, shown.output
    assert "9" in shown.output


def _failing_config(folder: Path, cluster: dict[str, Any]) -> Path:
    """8 rows in 2 chunks of 4, one bank, its store made; the data chunk of unit (0, 1) is a
    folder where its file should be: that unit's write fails (a StoreError) every time."""
    spec = {
        "name": "failing",
        "length": 256,
        "signals": [{"kind": "white_noise", "count": 8, "seed": 0}],
        "banks": [{"family": "meyer"}],
        "depth": 3,
        "chunk": 4,
        "store": str(folder / "store.zarr"),
        "cluster": cluster,
    }
    (folder / "sweep.yaml").write_text(yaml.safe_dump(spec))
    create_sweep_store(load_config(folder / "sweep.yaml"))
    (folder / "store.zarr" / "propagated_energy" / "c" / "1" / "0" / "0").mkdir(parents=True)
    return folder / "sweep.yaml"


def test_a_failing_unit_fails_the_flow_run_is_not_retried_and_the_others_land(
    tmp_path: Path, prefect_harness: None, dask_cluster: Any
) -> None:
    from flows.sweep import sweep

    config_path = _failing_config(tmp_path, _on(dask_cluster))
    state = sweep(str(config_path), return_state=True)
    assert state.is_failed()
    assert "1 failed" in state.message
    summary = state.result(raise_on_failure=False)
    assert summary["done"] == 1
    [failure] = summary["failed"]
    assert (failure["bank"], failure["chunk"], failure["start"], failure["stop"]) == (0, 1, 4, 8)
    assert failure["attempts"] == 1  # bad input: never retried
    assert failure["error"].startswith("StoreError: unit (bank=0, chunk=1) of store ")
    assert completed_units(tmp_path / "store.zarr") == {(0, 0)}
    stored = xr.open_zarr(tmp_path / "store.zarr")  # still a valid store
    assert not np.any(np.isnan(stored.propagated_energy.isel(signal=slice(0, 4)).values))
    assert np.all(np.isnan(stored.propagated_energy.isel(signal=slice(4, 8)).values))


def test_cli_a_failing_unit_exits_1_with_one_line_naming_its_rows(
    tmp_path: Path, prefect_harness: None, dask_cluster: Any
) -> None:
    config_path = _failing_config(tmp_path, _on(dask_cluster))
    result = CliRunner().invoke(app, ["run", str(config_path)])
    assert result.exit_code == 1, result.output
    assert "1 done, 0 skipped, 1 failed (of 2)" in result.output
    lines = [line for line in result.output.splitlines() if line.strip().startswith("unit ")]
    assert len(lines) == 1, result.output
    assert (
        lines[0]
        .strip()
        .startswith("unit bank=0 chunk=1 (signals 4..7) failed after 1 run(s): StoreError:")
    )
    assert "Traceback" not in result.output


def test_the_fit_flow_writes_fits_that_open_results_merges(swept: dict) -> None:
    from flows.aggregate import aggregate
    from pipeline.analysis import EXPONENTIAL, fit_decay, pool_fits
    from pipeline.store import open_results

    rows = aggregate(str(swept["store"]), replicates=200)
    labels = ["meyer dilation=2 scales=5", "meyer dilation=3 scales=2", "gabor"]
    assert [row["bank"] for row in rows] == labels
    results = open_results(swept["store"]).load()
    assert results.exp_rate.dims == ("signal", "bank")
    assert results.preferred_model.attrs["flag_meanings"] == "unresolved exponential polynomial"
    direct = fit_decay(xr.open_zarr(swept["store"]).load())
    np.testing.assert_array_equal(results.exp_rate.values, direct.exp_rate.values)
    # the Parseval Meyer banks decay exponentially on every resolved curve (docs/theory.md §6)
    meyer = results.preferred_model.isel(bank=[0, 1]).values
    assert np.all((meyer == EXPONENTIAL) | (results.layers_used.isel(bank=[0, 1]).values < 4))
    # pooled fits: the same numbers as pool_fits on the loaded store, "all" then each class
    assert list(results.pool.values) == ["all", "ecg", "sobolev", "white_noise"]
    pooled = pool_fits(xr.open_zarr(swept["store"]).load(), replicates=200)
    np.testing.assert_allclose(results.pooled_exp_rate, pooled.pooled_exp_rate, rtol=1e-12)
    every = results.sel(pool="all")
    lower, upper = every.pooled_exp_rate_lower, every.pooled_exp_rate_upper
    shown = np.isfinite(lower.values)  # no interval: NaN with its reason (issue 9)
    inside = (lower <= every.pooled_exp_rate) & (every.pooled_exp_rate <= upper)
    assert np.all(inside.values[shown])
    assert all(every.pooled_note.values[~shown])
    if np.isfinite(rows[0]["exp_rate_lower"]):
        assert rows[0]["exp_rate_lower"] <= rows[0]["exp_rate"] <= rows[0]["exp_rate_upper"]
    # the bounds: every bank here meets the hypotheses, and no curve exceeds (A) or (B)
    assert bool(results.meets_parseval.all() and results.meets_analyticity.all())
    assert not bool(results.unexplained_violation.any())
    assert all(row["violations_general"] == row["violations_exponential"] == 0 for row in rows)
    assert float(results.bound_general_ratio.max()) <= 1 + 1e-9
    assert results.bound_exponential.dims == ("signal", "bank", "layer")
    assert results.layers_needed.dims == ("signal", "bank", "epsilon")


def test_the_fit_flow_on_a_dask_cluster_writes_the_same_numbers(
    swept: dict, dask_cluster: Any
) -> None:
    from flows.aggregate import aggregate
    from pipeline.store import open_fits

    store = str(swept["store"])
    threaded_rows = aggregate(store, replicates=100)
    threaded = open_fits(store).load()
    cluster_rows = aggregate(store, replicates=100, scheduler=dask_cluster.scheduler_address)
    distributed = open_fits(store).load()
    xr.testing.assert_allclose(threaded, distributed, rtol=1e-12)
    assert [row["bank"] for row in threaded_rows] == [row["bank"] for row in cluster_rows]
