"""A persistent local Prefect server: ``prefect server start`` on 127.0.0.1, kept by PID file.

Every ``energy-sweep`` command that runs a flow needs a Prefect API. Without one it starts a
temporary server (:func:`flows.cli.environment.prefect_server`, seconds per command, its database
gone afterwards). This module starts a real ``prefect server start`` once, detached in its own
session and process group, with its SQLite database, log and PID file in one folder
(:func:`server_folder`: ``platformdirs.user_data_dir("energy-sweep")/prefect-server``, or
``$ENERGY_SWEEP_DATA_DIR/prefect-server``); commands then find it (:func:`running_server`) and
their flow runs, logs and failures stay visible in the Prefect UI.

Nothing here imports Prefect: the server is a child process, spoken to over HTTP.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path

from pipeline.processes import pid_alive

__all__ = [
    "DATA_DIR_VARIABLE",
    "DEFAULT_PORT",
    "ServerError",
    "ServerInfo",
    "running_server",
    "server_folder",
    "server_status",
    "start_server",
    "stop_server",
]

#: Environment variable that replaces the user's data folder (tests, shared machines).
DATA_DIR_VARIABLE = "ENERGY_SWEEP_DATA_DIR"

#: Port tried first (Prefect's own default); a free port of 127.0.0.1 if it is taken.
DEFAULT_PORT = 4200

#: Loopback only: the Prefect API has no authentication by default.
HOST = "127.0.0.1"

#: Seconds a server gets to answer its health check after start (SQLite migrations on first
#: start take ~10 s on a loaded 2-core machine).
START_SECONDS = 120.0

#: Seconds the server gets after SIGTERM before its process group is killed.
STOP_SECONDS = 10.0

#: Seconds a health check waits for an answer.
HEALTH_SECONDS = 1.0


class ServerError(RuntimeError):
    """The persistent server could not be started or stopped (the message says why, in a line)."""


@dataclass(frozen=True)
class ServerInfo:
    """What the PID file records about a started server.

    Attributes
    ----------
    pid
        The ``prefect server start`` process, leader of its own process group.
    port
        Its TCP port on 127.0.0.1.
    folder
        Its folder (database ``prefect.db``, ``server.log``, ``server.json``).
    started
        UTC time of the start, ISO 8601.
    """

    pid: int
    port: int
    folder: str
    started: str

    @property
    def url(self) -> str:
        """The Prefect UI, ``http://127.0.0.1:<port>``."""
        return f"http://{HOST}:{self.port}"

    @property
    def api_url(self) -> str:
        """The value for ``PREFECT_API_URL``."""
        return f"{self.url}/api"


def server_folder() -> Path:
    """The server's folder: ``$ENERGY_SWEEP_DATA_DIR/prefect-server`` if the variable is set,
    else ``platformdirs.user_data_dir("energy-sweep")/prefect-server``."""
    base = os.environ.get(DATA_DIR_VARIABLE)
    if not base:
        import platformdirs

        base = platformdirs.user_data_dir("energy-sweep", appauthor=False)
    return Path(base).expanduser().absolute() / "prefect-server"


def _pid_file(folder: Path) -> Path:
    return folder / "server.json"


def _read_info(folder: Path) -> ServerInfo | None:
    """The PID file's record, or ``None`` if there is none or it is unreadable."""
    try:
        return ServerInfo(**json.loads(_pid_file(folder).read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        return None


def _write_info(info: ServerInfo) -> None:
    """Write the PID file under a temporary name, then rename it (never half a file)."""
    path = _pid_file(Path(info.folder))
    partial = path.with_suffix(".json.partial")
    partial.write_text(json.dumps(asdict(info), indent=1), encoding="utf-8")
    partial.replace(path)


def healthy(api_url: str, timeout: float = HEALTH_SECONDS) -> bool:
    """Whether ``api_url/health`` answers 200 within ``timeout`` seconds."""
    try:
        with urllib.request.urlopen(f"{api_url}/health", timeout=timeout) as answer:
            return bool(answer.status == 200)
    except (urllib.error.URLError, OSError, ValueError):
        return False


def running_server(folder: Path | None = None) -> ServerInfo | None:
    """Our persistent server if its PID file names a live process that answers its health check
    on 127.0.0.1, else ``None`` (a stale PID file is left for :func:`start_server` to replace)."""
    info = _read_info(folder or server_folder())
    if info is None or not pid_alive(info.pid) or not healthy(info.api_url):
        return None
    return info


def server_status(folder: Path | None = None) -> tuple[ServerInfo | None, str]:
    """The PID file's record and one word for its state: ``up`` (live and healthy),
    ``starting`` (live, not answering yet), ``stale`` (the process is gone) or ``absent``."""
    info = _read_info(folder or server_folder())
    if info is None:
        return None, "absent"
    if not pid_alive(info.pid):
        return info, "stale"
    return info, "up" if healthy(info.api_url) else "starting"


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((HOST, port))
        except OSError:
            return False
        return True


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def server_command(port: int) -> list[str]:
    """``prefect server start`` on 127.0.0.1:``port``, analytics off, in the foreground of its
    own process (this module detaches it)."""
    prefect = Path(sys.executable).with_name("prefect")
    program = [str(prefect)] if prefect.exists() else [sys.executable, "-m", "prefect"]
    return [*program, "server", "start", "--host", HOST, "--port", str(port), "--analytics-off"]


def server_environment(folder: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """The server's environment: ours, without a ``PREFECT_API_URL`` (the server is its own),
    with ``PREFECT_HOME`` = ``folder`` (its SQLite database ``prefect.db`` lives there) and
    analytics off; ``extra`` on top (e.g. a faster scheduler loop in tests)."""
    environment = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    environment.update(
        {
            "PREFECT_HOME": str(folder),
            "PREFECT_SERVER_DATABASE_CONNECTION_URL": f"sqlite+aiosqlite:///{folder}/prefect.db",
            "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "PREFECT_SERVER_API_HOST": HOST,
            "PREFECT_CLI_PROMPT": "false",
            "PREFECT_LOGGING_LEVEL": "WARNING",
        }
    )
    environment.pop("PREFECT_API_DATABASE_CONNECTION_URL", None)
    environment.update(extra or {})
    return environment


def start_server(
    port: int | None = None,
    folder: Path | None = None,
    *,
    timeout: float = START_SECONDS,
    extra_environment: dict[str, str] | None = None,
) -> tuple[ServerInfo, bool]:
    """Start the persistent server, or find it already up.

    Parameters
    ----------
    port
        TCP port on 127.0.0.1; default :data:`DEFAULT_PORT` if free, else any free port. A
        given port that is taken is refused.
    folder
        Default :func:`server_folder`.
    timeout
        Seconds to wait for its health check.
    extra_environment
        Variables for the server's process on top of :func:`server_environment`.

    Returns
    -------
    (ServerInfo, bool)
        The server and whether this call started it (``False``: it was already up).

    Raises
    ------
    ServerError
        If the port is taken, or the server exits or does not answer in time (the last lines of
        its log are in the message; the process group is stopped, the PID file removed).
    """
    folder = folder or server_folder()
    info, state = server_status(folder)
    if info is not None and state == "up":
        return info, False
    if info is not None and state == "starting":
        _stop_group(info.pid)
    folder.mkdir(parents=True, exist_ok=True)
    if port is None:
        port = DEFAULT_PORT if _port_free(DEFAULT_PORT) else _free_port()
    elif not _port_free(port):
        raise ServerError(f"port = {port}: 127.0.0.1:{port} is in use; choose a free port")
    log = folder / "server.log"
    with log.open("ab") as output:
        process = subprocess.Popen(
            server_command(port),
            env=server_environment(folder, extra_environment),
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # own session and process group: no terminal signal reaches it
            cwd=folder,
        )
    info = ServerInfo(
        pid=process.pid,
        port=port,
        folder=str(folder),
        started=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    )
    _write_info(info)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            _pid_file(folder).unlink(missing_ok=True)
            raise ServerError(
                f"prefect server start exited with status {process.returncode}: "
                f"{_log_tail(log)} (log: {log})"
            )
        if healthy(info.api_url):
            return info, True
        time.sleep(0.2)
    _stop_group(process.pid)
    _pid_file(folder).unlink(missing_ok=True)
    raise ServerError(
        f"prefect server start did not answer within {timeout:.0f} s: {_log_tail(log)} (log: {log})"
    )


def stop_server(folder: Path | None = None) -> ServerInfo | None:
    """Stop the persistent server by its PID file: SIGTERM to its process group, SIGKILL after
    :data:`STOP_SECONDS`; the PID file is removed. Returns what it stopped (``None`` if no server
    was recorded; a stale record is just removed)."""
    folder = folder or server_folder()
    info = _read_info(folder)
    if info is None:
        return None
    if pid_alive(info.pid) and _is_prefect_server(info.pid):
        _stop_group(info.pid)
    _pid_file(folder).unlink(missing_ok=True)
    return info


def _is_prefect_server(pid: int) -> bool:
    """Whether ``pid`` still runs ``prefect server start`` (not a process that reused the PID);
    ``True`` where the command line cannot be read."""
    try:
        arguments = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return True
    return b"server" in arguments and any(b"prefect" in a for a in arguments)


def _stop_group(pid: int, grace: float = STOP_SECONDS) -> None:
    """SIGTERM to the process group led by ``pid``; SIGKILL to it once ``pid`` is gone or after
    ``grace`` seconds (uvicorn's children too); reaped if it is our child."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline and pid_alive(pid):
        with contextlib.suppress(ChildProcessError):
            if os.waitpid(pid, os.WNOHANG)[0] == pid:
                break
        time.sleep(0.1)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, 0)


def _log_tail(log: Path, lines: int = 3) -> str:
    """The last non-empty lines of the server's log, joined into one line."""
    try:
        text = log.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "(no log)"
    tail = [line.strip() for line in text.splitlines() if line.strip()][-lines:]
    return " | ".join(tail) or "(empty log)"
