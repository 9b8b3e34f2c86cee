"""The persistent local Prefect server (``energy-sweep server start|stop|status``) and its detection.

The slow tests start a real ``prefect server start`` on a free port of 127.0.0.1, with its SQLite
database in a temporary folder and analytics off, and stop it by PID however the test ends.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from flows.cli import app
from flows.server import (
    DATA_DIR_VARIABLE,
    ServerError,
    ServerInfo,
    running_server,
    server_folder,
    server_status,
    start_server,
    stop_server,
)

runner = CliRunner()

#: Seconds one command of the command line may take on a loaded 2-core machine.
COMMAND_SECONDS = 400


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def command_environment(data: Path) -> dict[str, str]:
    """The environment of a command that should find the server of ``data`` (no configured API)."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API_URL")}
    environment[DATA_DIR_VARIABLE] = str(data)
    environment["PREFECT_PROFILES_PATH"] = str(data / "no-profiles.toml")
    environment["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    return environment


def tiny_config(folder: Path, store: str = "tiny.zarr") -> Path:
    """A sweep of 4 white-noise rows, one bank, one local worker: seconds of work."""
    path = folder / "tiny.yaml"
    path.write_text(
        "name: tiny\nlength: 64\ndepth: 2\nchunk: 2\n"
        f"store: {store}\n"
        "signals: [{kind: white_noise, count: 4, seed: 0}]\n"
        "banks: [{family: meyer}]\n"
        "cluster: {kind: local, workers: 1, threads_per_worker: 1}\n"
    )
    return path


# --------------------------------------------------------------------------------------------
# without a server


def test_the_data_folder_is_overridable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DATA_DIR_VARIABLE, str(tmp_path))
    assert server_folder() == tmp_path / "prefect-server"
    monkeypatch.delenv(DATA_DIR_VARIABLE)
    assert server_folder().name == "prefect-server"
    assert "energy-sweep" in str(server_folder())


def test_status_of_no_server_and_of_a_stale_pid_file(tmp_path: Path) -> None:
    folder = tmp_path / "prefect-server"
    assert server_status(folder) == (None, "absent")
    assert stop_server(folder) is None
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    folder.mkdir()
    record = ServerInfo(pid=dead.pid, port=free_port(), folder=str(folder), started="x")
    (folder / "server.json").write_text(json.dumps(record.__dict__))
    assert server_status(folder) == (record, "stale")
    assert running_server(folder) is None
    assert stop_server(folder) == record  # a stale record is removed, nothing is killed
    assert not (folder / "server.json").exists()


def cli_environment(data: Path) -> dict[str, str | None]:
    """For ``CliRunner.invoke``: the data folder set, ``PREFECT_API_URL`` removed."""
    return {
        DATA_DIR_VARIABLE: str(data),
        "PREFECT_API_URL": None,
        "PREFECT_PROFILES_PATH": str(data / "no-profiles.toml"),  # nor one from a profile
    }


def test_cli_status_without_a_server(tmp_path: Path) -> None:
    result = runner.invoke(app, ["server", "status"], env=cli_environment(tmp_path))
    assert result.exit_code == 0, result.output
    assert "not started" in result.output and "energy-sweep server start" in result.output
    result = runner.invoke(app, ["server", "stop"], env=cli_environment(tmp_path))
    assert result.exit_code == 0 and "nothing to stop" in result.output


def test_a_configured_api_wins_from_the_environment_or_the_active_profile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.cli.environment import configured_api_url

    profiles = tmp_path / "profiles.toml"
    profiles.write_text(
        'active = "team"\n[profiles.ephemeral]\n'
        '[profiles.team]\nPREFECT_API_URL = "http://prefect.example:4200/api"\n'
    )
    monkeypatch.delenv("PREFECT_API_URL", raising=False)
    monkeypatch.delenv("PREFECT_PROFILE", raising=False)
    monkeypatch.setenv("PREFECT_PROFILES_PATH", str(profiles))
    assert configured_api_url() == "http://prefect.example:4200/api"
    monkeypatch.setenv("PREFECT_PROFILE", "ephemeral")
    assert configured_api_url() is None
    monkeypatch.setenv("PREFECT_API_URL", "http://127.0.0.1:9/api")
    assert configured_api_url() == "http://127.0.0.1:9/api"
    monkeypatch.setenv("PREFECT_PROFILES_PATH", str(tmp_path / "absent.toml"))
    monkeypatch.delenv("PREFECT_API_URL")
    assert configured_api_url() is None


def test_serve_refuses_without_a_server(tmp_path: Path) -> None:
    config = tiny_config(tmp_path)
    result = runner.invoke(
        app, ["serve", str(config), "--interval", "5"], env=cli_environment(tmp_path)
    )
    assert result.exit_code == 2
    assert "energy-sweep server start" in result.output


def test_a_taken_port_is_refused(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ServerError, match=f"port = {port}: .* in use"):
            start_server(port, tmp_path / "prefect-server")
    assert not (tmp_path / "prefect-server" / "server.json").exists()


# --------------------------------------------------------------------------------------------
# a real server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ServerInfo, Path]]:
    """``prefect server start`` on a free port, data in a temporary folder; stopped by PID."""
    data = tmp_path_factory.mktemp("data")
    folder = data / "prefect-server"
    try:
        info, started = start_server(free_port(), folder)
        assert started
        yield info, data
    finally:
        stop_server(folder)


@pytest.mark.slow
def test_start_is_idempotent_and_status_says_up(server: tuple[ServerInfo, Path]) -> None:
    info, data = server
    folder = data / "prefect-server"
    assert start_server(None, folder) == (info, False)
    assert server_status(folder) == (info, "up")
    assert running_server(folder) == info
    assert (folder / "prefect.db").exists()
    result = runner.invoke(app, ["server", "status"], env=cli_environment(data))
    assert f"up, {info.url} (pid {info.pid}" in result.output


@pytest.mark.slow
def test_commands_use_the_running_server(server: tuple[ServerInfo, Path], tmp_path: Path) -> None:
    """``run`` and ``fit`` find the server, print links to their flow runs, and the runs are
    in the server's database afterwards (the temporary server's would be gone)."""
    info, data = server
    config = tiny_config(tmp_path)
    links = []
    for command in (
        ["run", str(config)],
        ["fit", str(tmp_path / "tiny.zarr"), "--replicates", "20"],
    ):
        done = subprocess.run(
            [sys.executable, "-m", "flows.cli", *command],
            env=command_environment(data),
            capture_output=True,
            text=True,
            timeout=COMMAND_SECONDS,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        found = re.findall(
            rf"Prefect flow run: {re.escape(info.url)}/runs/flow-run/(\S+)", done.stderr
        )
        assert len(found) == 1, done.stderr[-2000:]
        links.append(found[0])
    from urllib.request import Request, urlopen

    for run_id in links:
        with urlopen(Request(f"{info.api_url}/flow_runs/{run_id}"), timeout=10) as answer:
            flow_run = json.load(answer)
        assert flow_run["state_type"] == "COMPLETED"


@pytest.mark.slow
def test_stop_ends_the_process_group(tmp_path: Path) -> None:
    folder = tmp_path / "prefect-server"
    info, _ = start_server(free_port(), folder)
    try:
        children = subprocess.run(
            ["pgrep", "-g", str(info.pid)], capture_output=True, text=True
        ).stdout.split()
        assert str(info.pid) in children
    finally:
        assert stop_server(folder) == info
    assert server_status(folder) == (None, "absent")
    assert not subprocess.run(["pgrep", "-g", str(info.pid)], capture_output=True).stdout
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TIME_WAIT is no listener
        probe.bind(("127.0.0.1", info.port))  # the port is free again
