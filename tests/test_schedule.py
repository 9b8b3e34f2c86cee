"""Scheduled reruns: ``deploy/prefect.yaml`` names real flows, and a served schedule fires by itself.

The slow test runs a real ``prefect server start`` (SQLite in a temporary folder, analytics
off, the scheduler's loop at 1 s) and ``energy-sweep serve`` with a short interval, as separate
processes, and stops both by PID however it ends. Prefect's test harness would not do: its
temporary server never turns schedules into runs.
"""

from __future__ import annotations

import datetime
import importlib.util
import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.request import Request, urlopen

import numpy as np
import pytest
import yaml

from flows.cli.environment import stop_process_group
from flows.server import DATA_DIR_VARIABLE, ServerInfo, start_server, stop_server
from pipeline.sweep import load_config

ROOT = Path(__file__).resolve().parents[1]
PREFECT_YAML = ROOT / "deploy" / "prefect.yaml"

#: Seconds the scheduled runs get to land on a loaded 2-core machine.
RUN_SECONDS = 480


# --------------------------------------------------------------------------------------------
# deploy/prefect.yaml


def deployments() -> list[dict[str, Any]]:
    return yaml.safe_load(PREFECT_YAML.read_text())["deployments"]


@pytest.mark.parametrize("deployment", deployments(), ids=lambda d: d["name"])
def test_prefect_yaml_names_real_flows_and_valid_parameters(deployment: dict[str, Any]) -> None:
    from prefect import Flow

    path, function = deployment["entrypoint"].split(":")
    assert (ROOT / path).is_file(), path
    module = importlib.import_module(path.removesuffix(".py").replace("/", "."))
    flow = getattr(module, function)
    assert isinstance(flow, Flow)
    flow.validate_parameters(deployment["parameters"])  # names, types, required ones
    assert deployment["work_pool"]["name"] == "energy-sweep"
    for schedule in deployment.get("schedules", []):
        from prefect.schedules import Cron

        Cron(schedule["cron"], timezone=schedule["timezone"])
    for trigger in deployment.get("triggers", []):
        from prefect.events import DeploymentEventTrigger

        DeploymentEventTrigger.model_validate(trigger)


def test_prefect_yaml_sweep_and_aggregate_name_the_same_store() -> None:
    by_name = {d["name"]: d for d in deployments()}
    config = load_config(ROOT / by_name["sweep"]["parameters"]["config_path"])
    assert config.store == str(ROOT / by_name["aggregate"]["parameters"]["store"])
    assert by_name["sweep"]["schedules"][0]["cron"] == "0 2 * * *"  # the nightly rerun
    trigger = by_name["aggregate"]["triggers"][0]
    assert trigger["match_related"]["prefect.resource.name"] == "sweep"


# --------------------------------------------------------------------------------------------
# the rerun flow itself (Prefect's test harness: no schedule needed)


@pytest.mark.slow
def test_a_rerun_fits_and_reports_only_when_something_was_computed(
    tmp_path: Path, prefect_harness: None, dask_cluster: Any
) -> None:
    from flows.deployments import sweep_and_aggregate

    (tmp_path / "incoming").mkdir()
    np.save(tmp_path / "incoming" / "0001.npy", np.random.default_rng(1).standard_normal((4, 64)))
    config = tmp_path / "rerun.yaml"
    config.write_text(
        "name: rerun\nlength: 64\ndepth: 3\nchunk: 2\nstore: rerun.zarr\n"
        "signals: [{kind: file, files: incoming/*.npy}]\nbanks: [{family: meyer}]\n"
        f"cluster: {{kind: address, address: '{dask_cluster.scheduler_address}'}}\n"
    )
    first = sweep_and_aggregate(str(config), replicates=20)
    assert (first["done"], first["skipped"], first["aggregated"]) == (2, 0, True)
    assert Path(first["report"]).name == "report.html" and Path(first["report"]).is_file()
    assert (tmp_path / "rerun.zarr" / "fits").is_dir()
    again = sweep_and_aggregate(str(config), replicates=20)
    assert (again["done"], again["skipped"], again["aggregated"], again["report"]) == (
        0,
        2,
        False,
        None,
    )


# --------------------------------------------------------------------------------------------
# a served schedule, for real


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def scheduling_server(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[ServerInfo, Path]]:
    """A real server whose scheduler looks for due runs every second; stopped by PID. One for
    the module's tests (each counts only the runs of its own deployments)."""
    data = tmp_path_factory.mktemp("scheduling") / "data"
    folder = data / "prefect-server"
    fast = {
        "PREFECT_SERVER_SERVICES_SCHEDULER_LOOP_SECONDS": "1",
        "PREFECT_SERVER_SERVICES_LATE_RUNS_ENABLED": "false",  # fewer writers on SQLite
    }
    try:
        info, _ = start_server(free_port(), folder, extra_environment=fast)
        yield info, data
    finally:
        stop_server(folder)


def api(info: ServerInfo, route: str, body: dict[str, Any] | None = None) -> Any:
    request = Request(
        f"{info.api_url}/{route}",
        data=None if body is None else json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="GET" if body is None else "POST",
    )
    with urlopen(request, timeout=10) as answer:
        return json.load(answer)


def completed_runs(info: ServerInfo, deployments: tuple[str, ...]) -> list[dict[str, Any]]:
    """Flow runs of the named deployments that completed, oldest first."""
    runs = api(
        info,
        "flow_runs/filter",
        {
            "sort": "EXPECTED_START_TIME_ASC",
            "limit": 50,
            "deployments": {"name": {"any_": list(deployments)}},
        },
    )
    return [r for r in runs if r["deployment_id"] and r["state_type"] == "COMPLETED"]


def wait_for(predicate: Any, what: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + RUN_SECONDS
    while time.monotonic() < deadline:
        if predicate():
            return
        if process.poll() is not None:
            pytest.fail(f"serve exited ({process.returncode}): {log.read_text()[-3000:]}")
        time.sleep(1)
    pytest.fail(f"no {what} within {RUN_SECONDS} s: {log.read_text()[-3000:]}")


#: What a unit writes: its data variables and its completion record (coordinates and whole-axis
#: arrays are rewritten when a store grows).
UNIT_OUTPUTS = ("propagated_energy", "feature_energy", "pruned_slack", "paths", "input_energy",
                "radial_power", "units/unit_hash", "units/data_digest")  # fmt: skip


def chunk_files(store: Path) -> dict[str, bytes]:
    """Every chunk file that the units wrote (:data:`UNIT_OUTPUTS`), by key."""
    return {
        key: path.read_bytes()
        for path in store.rglob("*")
        if path.is_file()
        and (key := path.relative_to(store).as_posix()).startswith(
            tuple(f"{name}/c/" for name in UNIT_OUTPUTS)
        )
    }


def fitted_signals(store: Path) -> int:
    """Signals with an essential bandwidth in the store's fits (0 while they are rewritten)."""
    from pipeline.store import open_results

    try:
        return int(open_results(store).essential_bandwidth.notnull().sum())
    except Exception:
        return 0


def seconds(timestamp: str) -> float:
    return datetime.datetime.fromisoformat(timestamp.replace("Z", "+00:00")).timestamp()


@pytest.mark.slow
def test_a_served_schedule_fills_a_store_then_grows_it_with_a_new_file(
    scheduling_server: tuple[ServerInfo, Path], tmp_path: Path
) -> None:
    info, data = scheduling_server
    rows = np.random.default_rng(0).standard_normal((4, 64))
    (tmp_path / "incoming").mkdir()
    np.save(tmp_path / "incoming" / "0001.npy", rows)
    config = tmp_path / "watched.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "name": "watched",
                "length": 64,
                "signals": [{"kind": "file", "files": "incoming/*.npy"}],
                "banks": [{"family": "meyer"}],
                "depth": 2,
                "chunk": 2,
                "store": "watched.zarr",
                "cluster": {"kind": "local", "workers": 1, "threads_per_worker": 1},
            }
        )
    )
    store = tmp_path / "watched.zarr"
    environment = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    environment.update(
        {
            DATA_DIR_VARIABLE: str(data),
            "PREFECT_PROFILES_PATH": str(data / "no-profiles.toml"),  # our server, not a profile's
            "PREFECT_RUNNER_POLL_FREQUENCY": "1",
        }
    )
    log = tmp_path / "serve.log"
    with log.open("wb") as output:
        serving = subprocess.Popen(
            [sys.executable, "-m", "flows.cli", "serve", str(config), "--interval", "15",
             "--no-report", "--replicates", "20", "--name", "test"],
            env=environment, stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        wait_for(lambda: len(completed_runs(info, ("test",))) >= 1, "completed run", serving, log)
        first = completed_runs(info, ("test",))[0]
        assert (store / "fits").is_dir()
        from pipeline.store import open_results

        results = open_results(store)
        np.testing.assert_allclose(results.input_energy.values, np.sum(rows**2, axis=1))
        assert int(results.essential_bandwidth.notnull().sum()) == 4  # fits of every signal
        latency = seconds(first["start_time"]) - seconds(first["expected_start_time"])
        print(
            f"\nschedule tick -> run start: {latency:.1f} s; run took {first['total_run_time']:.1f} s"
        )
        assert latency < 60
        fits_written = (store / "fits" / "zarr.json").stat().st_mtime_ns

        # the next tick: nothing new, so no unit runs and the fits stay as they are
        wait_for(
            lambda: len(completed_runs(info, ("test",))) >= 2, "second completed run", serving, log
        )
        assert (store / "fits" / "zarr.json").stat().st_mtime_ns == fits_written

        # a new file: the next run appends its rows, computes only its unit, refreshes the fits
        kept = chunk_files(store)
        assert len(kept) == 2 * len(UNIT_OUTPUTS)  # two units, each its chunk of every output
        new_rows = np.random.default_rng(1).standard_normal((2, 64))
        np.save(tmp_path / "incoming" / "0002.npy", new_rows)
        wait_for(lambda: fitted_signals(store) == 6, "fits of the grown store", serving, log)
        grown = open_results(store)
        np.testing.assert_allclose(
            grown.input_energy.values, np.sum(np.concatenate([rows, new_rows]) ** 2, axis=1)
        )
        assert [Path(d).name for d in grown.dataset.values] == ["0001.npy"] * 4 + ["0002.npy"] * 2
        after = chunk_files(store)
        assert {key: after[key] for key in kept} == kept  # the old units' chunks, byte for byte
    finally:
        stop_process_group(serving, grace=30)  # serve and its flow runs: SIGTERM, then SIGKILL


@pytest.mark.slow
def test_deployed_sweep_triggers_its_aggregation(
    scheduling_server: tuple[ServerInfo, Path], tmp_path: Path
) -> None:
    """``prefect deploy`` of ``deploy/prefect.yaml`` (its parameters pointed at a tiny sweep)
    and a process worker: a run of ``sweep`` completes, and its trigger runs ``aggregate``,
    which writes the fits and the report."""
    info, data = scheduling_server
    config = tmp_path / "tiny.yaml"
    config.write_text(
        "name: tiny\nlength: 64\ndepth: 2\nchunk: 2\nstore: tiny.zarr\n"
        "signals: [{kind: white_noise, count: 4, seed: 0}]\nbanks: [{family: meyer}]\n"
        "cluster: {kind: local, workers: 1, threads_per_worker: 1}\n"
    )
    project = yaml.safe_load(PREFECT_YAML.read_text())
    by_name = {d["name"]: d for d in project["deployments"]}
    by_name["sweep"]["parameters"] = {"config_path": str(config)}
    by_name["aggregate"]["parameters"] = {"store": str(tmp_path / "tiny.zarr")}
    prefect_file = tmp_path / "prefect.yaml"
    prefect_file.write_text(yaml.safe_dump(project, sort_keys=False))
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    environment.update(
        {
            "PREFECT_API_URL": info.api_url,
            "PREFECT_PROFILES_PATH": str(data / "no-profiles.toml"),
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_WORKER_QUERY_SECONDS": "1",
        }
    )
    prefect = [str(Path(sys.executable).with_name("prefect"))]

    def prefect_command(*arguments: str) -> None:
        done = subprocess.run(
            [*prefect, *arguments], cwd=ROOT, env=environment, capture_output=True, text=True,
            timeout=RUN_SECONDS,
        )  # fmt: skip
        assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]

    prefect_command("work-pool", "create", "energy-sweep", "--type", "process")
    prefect_command("--no-prompt", "deploy", "--all", "--prefect-file", str(prefect_file))
    log = tmp_path / "worker.log"
    with log.open("wb") as output:
        worker = subprocess.Popen(
            [*prefect, "worker", "start", "--pool", "energy-sweep"], cwd=ROOT, env=environment,
            stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        prefect_command("deployment", "run", "energy-sweep/sweep")

        def both_completed() -> bool:
            flows = {f["id"]: f["name"] for f in api(info, "flows/filter", {})}
            deployed = completed_runs(info, ("sweep", "aggregate"))
            done = {flows.get(run["flow_id"]) for run in deployed}
            return {"energy-sweep", "energy-sweep-fit-report"} <= done

        wait_for(both_completed, "completed sweep and aggregation", worker, log)
        assert (tmp_path / "tiny.zarr" / "fits").is_dir()
        assert (tmp_path / "tiny_report" / "report.html").is_file()
    finally:
        stop_process_group(worker, grace=30)  # the worker and its flow runs
