"""The process environment Prefect needs, set by the commands that run a flow, never at import.

- :func:`prefect_environment`: Prefect settings the commands default (analytics off, start-up
  time), set for the block.
- :func:`prefect_server`: the Prefect API of a command: a configured ``PREFECT_API_URL``, else the
  persistent server of ``energy-sweep server start`` when it is up (:mod:`flows.server`), else
  a temporary server. Prefect would start a temporary one itself (a ``uvicorn`` child in the
  command's process group, stopped only by an ``atexit`` hook), which a Ctrl-C at the terminal
  kills first, so that the interrupted flow then retries its API calls for minutes, and which
  SIGTERM or SIGKILL of the command leaves running. Started here instead, it lives in its own
  process group (a terminal's Ctrl-C does not reach it), is stopped by the block's ``finally``
  after Prefect has flushed its logs and events, and on Linux dies with the command
  (``PR_SET_PDEATHSIG``) even when the command is killed with SIGKILL.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

#: Prefect settings the commands default (a value already in the environment wins): no usage
#: analytics from the temporary API server, and time for it to start on a loaded machine.
PREFECT_DEFAULTS: dict[str, str] = {
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
}

#: Seconds the temporary server gets to stop after SIGTERM before its group is killed.
SERVER_STOP_SECONDS = 5.0


@contextmanager
def prefect_environment() -> Iterator[None]:
    """Set :data:`PREFECT_DEFAULTS` where unset for the block (import Prefect inside it); restore
    the environment on exit.

    Examples
    --------
    >>> with prefect_environment():
    ...     os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] in ("false", "true", "0", "1")
    True
    """
    added = [name for name in PREFECT_DEFAULTS if name not in os.environ]
    for name in added:
        os.environ[name] = PREFECT_DEFAULTS[name]
    try:
        yield
    finally:
        for name in added:
            os.environ.pop(name, None)


@contextmanager
def prefect_server() -> Iterator[str | None]:
    """The Prefect API of the block: a configured one, our persistent server, or a temporary one.

    In this order:

    1. ``PREFECT_API_URL`` is set, in the environment or in the active Prefect profile
       (:func:`configured_api_url`), or Prefect was imported before (its settings are read at
       import, so the server it already knows is used and left alone): that one; yields ``None``.
    2. The persistent server of ``energy-sweep server start`` is up (its PID file names a live
       process that answers its health check, :func:`flows.server.running_server`):
       ``PREFECT_API_URL`` points to it for the block, and on exit the links to the flow runs the
       block made are printed on stderr (they stay in the Prefect UI). Yields its API URL.
    3. Otherwise a temporary server, started here and stopped on exit. Yields its API URL.

    Prefect must be imported inside the block (its settings are read at import). On exit, however
    the block ends (an exception, a signal turned into one), Prefect's log and event queues are
    flushed, then a temporary server's process group gets SIGTERM and, after
    :data:`SERVER_STOP_SECONDS`, SIGKILL; the environment is restored.
    """
    if configured_api_url() or "prefect" in sys.modules:
        # configured, or Prefect already read its settings here (a test harness, say): its own
        yield None
        return
    from flows.server import running_server

    persistent = running_server()
    if persistent is not None:
        os.environ["PREFECT_API_URL"] = persistent.api_url
        since = time.time()
        try:
            yield persistent.api_url
        finally:
            try:
                _flush_prefect()
                for link in flow_run_links(persistent.url, since):
                    print(f"Prefect flow run: {link}", file=sys.stderr)
            finally:
                os.environ.pop("PREFECT_API_URL", None)
        return
    server = _start_server()
    url = f"http://127.0.0.1:{server.port}/api"  # type: ignore[attr-defined]
    os.environ["PREFECT_API_URL"] = url
    try:
        _wait_healthy(server, url)
        yield url
    finally:
        try:
            _flush_prefect()
        finally:
            stop_process_group(server)
            os.environ.pop("PREFECT_API_URL", None)


def configured_api_url() -> str | None:
    """``PREFECT_API_URL`` from the environment, else from the active profile of Prefect's
    ``profiles.toml`` (``$PREFECT_PROFILES_PATH``, else ``$PREFECT_HOME/profiles.toml``, else
    ``~/.prefect/profiles.toml``; profile ``$PREFECT_PROFILE`` or the file's ``active``), as
    ``prefect config set PREFECT_API_URL=...`` writes it; read without importing Prefect."""
    if os.environ.get("PREFECT_API_URL"):
        return os.environ["PREFECT_API_URL"]
    import tomllib

    home = Path(os.environ.get("PREFECT_HOME") or "~/.prefect").expanduser()
    path = Path(os.environ.get("PREFECT_PROFILES_PATH") or home / "profiles.toml").expanduser()
    try:
        profiles = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    active = os.environ.get("PREFECT_PROFILE") or profiles.get("active", "ephemeral")
    url = profiles.get("profiles", {}).get(active, {}).get("PREFECT_API_URL")
    return str(url) if url else None


def flow_run_links(ui_url: str, since: float, limit: int = 5) -> list[str]:
    """UI links of the flow runs created on the server at ``ui_url`` since ``since`` (epoch
    seconds), oldest first; none if Prefect was not imported or the server does not answer."""
    if "prefect" not in sys.modules:
        return []
    import datetime

    with contextlib.suppress(Exception):
        from prefect.client.orchestration import get_client
        from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterExpectedStartTime
        from prefect.client.schemas.sorting import FlowRunSort

        after = datetime.datetime.fromtimestamp(since - 1.0, tz=datetime.UTC)
        with get_client(sync_client=True) as client:
            runs = client.read_flow_runs(
                flow_run_filter=FlowRunFilter(
                    expected_start_time=FlowRunFilterExpectedStartTime(after_=after)
                ),
                sort=FlowRunSort.EXPECTED_START_TIME_ASC,
                limit=limit,
            )
        return [f"{ui_url}/runs/flow-run/{run.id}" for run in runs]
    return []


def stop_process_group(
    process: subprocess.Popen[bytes], grace: float = SERVER_STOP_SECONDS
) -> None:
    """SIGTERM to the process group led by ``process``, SIGKILL after ``grace`` seconds; reaped."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        pass
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)  # the leader's children too, if any are left
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=grace)


def _start_server() -> subprocess.Popen[bytes]:
    """``uvicorn`` serving Prefect's API on a free port of 127.0.0.1, as Prefect's own temporary
    server does (``prefect.server.api.server.SubprocessASGIServer``), in its own process group."""
    # found, not imported: importing prefect reads its settings, PREFECT_API_URL included
    spec = importlib.util.find_spec("prefect")
    if spec is None or spec.origin is None:
        raise RuntimeError("prefect is not installed")
    port = _free_port()
    app_dir = Path(spec.origin).parent.parent
    command = [
        sys.executable, "-m", "uvicorn", "--app-dir", str(app_dir), "--factory",
        "prefect.server.api.server:create_app", "--host", "127.0.0.1", "--port", str(port),
        "--log-level", "error", "--lifespan", "on",
    ]  # fmt: skip
    environment = {
        **os.environ,
        "PREFECT_UI_ENABLED": "0",
        "PREFECT__SERVER_EPHEMERAL": "1",
        "PREFECT__SERVER_FINAL": "1",
    }
    process = subprocess.Popen(
        command, env=environment, stdin=subprocess.DEVNULL, preexec_fn=_detach_and_die_with_parent
    )
    process.port = port  # type: ignore[attr-defined]
    return process


def _detach_and_die_with_parent() -> None:
    """In the server's process, before exec: its own process group (a terminal's Ctrl-C goes to
    the command, which then stops the server in order); on Linux, SIGKILL when the command dies."""
    os.setpgid(0, 0)
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)


def _free_port() -> int:
    """A TCP port of 127.0.0.1 free at the time of asking."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_healthy(server: subprocess.Popen[bytes], url: str) -> None:
    """Until ``url/health`` answers 200; ``RuntimeError`` if the server exits or does not answer
    within ``PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS``."""
    limit = float(os.environ.get("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180"))
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(
                f"the temporary Prefect server exited with status {server.returncode} at start"
            )
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=2) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the temporary Prefect server did not answer within {limit:.0f} s")


def _flush_prefect(timeout: float = 5.0) -> None:
    """Send what Prefect still queues (logs, events) while its server is up, if it was imported."""
    if "prefect" not in sys.modules:
        return
    with contextlib.suppress(Exception):
        from prefect._internal.concurrency.services import QueueService

        QueueService.drain_all(timeout=timeout)
