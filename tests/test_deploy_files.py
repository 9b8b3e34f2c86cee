"""The files of deploy/: the Dockerfile, the compose file and the example cluster configs parse,
and every command they name is a real command of the package, of ``prefect`` or of ``dask``,
with options those commands accept (parsed by the commands' own parsers, nothing run)."""

from __future__ import annotations

import json
import os
import re
import shlex
import tomllib
from collections.abc import Sequence
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest
import yaml

from flows.clusters import cluster_spec
from flows.clusters._worker_env import worker_environ_variable
from pipeline.sweep import load_config

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())

#: Where deploy/Dockerfile puts the repository (its WORKDIR before COPY).
IMAGE_SOURCE = "/opt/energy-sweep"


# --------------------------------------------------------------------------------------------
# commands, checked by their own parsers


def assert_real_command(argv: Sequence[str]) -> None:
    """``argv`` is a command the image has and its options parse: ``energy-sweep ...`` (the
    package's typer app), ``dask scheduler|worker ...`` (distributed's click commands) or
    ``prefect ...`` (Prefect's cyclopts app)."""
    program, *args = argv
    scripts = {e.name: e.value for e in entry_points(group="console_scripts")}
    assert program in scripts, f"{program} is not an installed command"
    if program == "energy-sweep":
        import typer.main

        from flows.cli import app

        command = typer.main.get_command(app)
        name, *rest = args
        assert name in command.commands, f"energy-sweep has no command {name}"  # type: ignore[attr-defined]
        command.commands[name].make_context(name, list(rest))  # type: ignore[attr-defined]
    elif program == "dask":
        name, *rest = args
        commands = {e.name: e for e in entry_points(group="dask_cli")}
        assert name in commands, f"dask has no command {name}"
        commands[name].load().make_context(f"dask {name}", list(rest))
    elif program == "prefect":
        from prefect.cli._app import _app

        _app.parse_args(list(args), exit_on_error=False, print_error=False)
    else:
        pytest.fail(f"no parser known for {program}")


def test_the_command_check_refuses_what_does_not_exist() -> None:
    import click
    from cyclopts import CycloptsError

    with pytest.raises(AssertionError):
        assert_real_command(["dask-worker", "tcp://h:8786"])  # gone from distributed
    with pytest.raises(AssertionError):
        assert_real_command(["energy-sweep", "launch", "x.yaml"])
    with pytest.raises(click.UsageError):
        assert_real_command(["dask", "worker", "tcp://h:8786", "--threads", "1"])
    with pytest.raises(CycloptsError):
        assert_real_command(["prefect", "server", "start", "--hots", "0.0.0.0"])


# --------------------------------------------------------------------------------------------
# the Dockerfile


def dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of a Dockerfile: comments dropped, continuation lines joined."""
    joined = re.sub(
        r"\\\n",
        " ",
        "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#")),
    )
    instructions = []
    for line in joined.splitlines():
        if line.strip():
            keyword, _, arguments = line.strip().partition(" ")
            instructions.append((keyword.upper(), " ".join(arguments.split())))
    return instructions


@pytest.fixture(scope="module")
def dockerfile() -> list[tuple[str, str]]:
    return dockerfile_instructions((DEPLOY / "Dockerfile").read_text())


def test_the_image_is_python_slim_of_a_version_the_package_supports(dockerfile: list) -> None:
    assert dockerfile[0][0] == "FROM"
    image = dockerfile[0][1]
    match = re.fullmatch(r"python:(\d+)\.(\d+)-slim", image)
    assert match, image
    lowest = re.fullmatch(r">=(\d+)\.(\d+)", PYPROJECT["project"]["requires-python"])
    assert lowest is not None
    assert tuple(map(int, match.groups())) >= tuple(map(int, lowest.groups()))


def test_the_image_runs_as_a_user_that_is_not_root(dockerfile: list) -> None:
    users = [arguments for keyword, arguments in dockerfile if keyword == "USER"]
    assert users, "no USER: the container would run as root"
    assert users[-1].split(":")[0] not in ("root", "0")
    created = " ".join(arguments for keyword, arguments in dockerfile if keyword == "RUN")
    assert re.search(rf"useradd .*\b{re.escape(users[-1])}\b", created)


def test_the_image_installs_the_project_with_an_extra_it_declares(dockerfile: list) -> None:
    copies = [arguments.split() for keyword, arguments in dockerfile if keyword == "COPY"]
    for *sources, _ in copies:
        for source in sources:
            assert (ROOT / source).exists(), f"COPY {source}: not in the repository"
    copied = {source for *sources, _ in copies for source in sources}
    assert {"pyproject.toml", "pipeline", "flows"} <= copied
    runs = " ".join(arguments for keyword, arguments in dockerfile if keyword == "RUN")
    extras = re.findall(r"pip install '\.\[([a-z,]+)\]'", runs)
    assert extras, runs
    for extra in extras[0].split(","):
        assert extra in PYPROJECT["project"]["optional-dependencies"], extra


def test_the_entrypoint_is_the_packages_command(dockerfile: list) -> None:
    entrypoint = [json.loads(a) for k, a in dockerfile if k == "ENTRYPOINT"][-1]
    command = [json.loads(a) for k, a in dockerfile if k == "CMD"][-1]
    assert entrypoint == ["energy-sweep"]
    assert "energy-sweep" in PYPROJECT["project"]["scripts"]
    assert command == ["--help"]


# --------------------------------------------------------------------------------------------
# the compose file


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def _argv(service: dict[str, Any]) -> list[str]:
    """What a service's container runs: its entrypoint (or the image's), then its command."""
    entrypoint = service.get("entrypoint", ["energy-sweep"])
    command = service.get("command", [])
    as_list = lambda v: shlex.split(v) if isinstance(v, str) else list(v)  # noqa: E731
    return as_list(entrypoint) + as_list(command)


def test_compose_has_the_four_services_of_one_image(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert set(services) == {"prefect-server", "dask-scheduler", "dask-worker", "sweep"}
    for service in services.values():
        assert service["image"] == "energy-sweep:0.1.0"
        assert service["build"]["dockerfile"] == "deploy/Dockerfile"
        assert (DEPLOY / service["build"]["context"] / service["build"]["dockerfile"]).is_file()


def test_compose_services_run_real_commands(compose: dict[str, Any]) -> None:
    services = compose["services"]
    argvs = {name: _argv(service) for name, service in services.items()}
    assert argvs["prefect-server"][:3] == ["prefect", "server", "start"]
    assert argvs["dask-scheduler"][:2] == ["dask", "scheduler"]
    assert argvs["dask-worker"][:3] == ["dask", "worker", "tcp://dask-scheduler:8786"]
    assert argvs["sweep"][:2] == ["energy-sweep", "run"]
    for argv in argvs.values():
        assert_real_command(argv)
    config = argvs["sweep"][2]
    assert config.startswith(IMAGE_SOURCE + "/")
    assert (ROOT / config.removeprefix(IMAGE_SOURCE + "/")).is_file(), config


def test_compose_publishes_on_this_machine_only_and_shares_the_store(
    compose: dict[str, Any],
) -> None:
    services = compose["services"]
    for name, service in services.items():
        for port in service.get("ports", []):
            assert str(port).startswith("127.0.0.1:"), (name, port)
    assert "ports" not in services["dask-worker"]
    # the flow run and the workers see the store at the same path
    store = _argv(services["sweep"])[_argv(services["sweep"]).index("--store") + 1]
    for name in ("sweep", "dask-worker"):
        mounts = dict(volume.split(":")[::-1] for volume in services[name]["volumes"])
        assert any(store.startswith(path + "/") for path in mounts), (name, mounts)
        assert set(mounts.values()) <= set(compose["volumes"])


def test_compose_prefect_server_requires_a_login_the_flow_run_gives(
    compose: dict[str, Any],
) -> None:
    services = compose["services"]
    server = services["prefect-server"]["environment"]
    client = services["sweep"]["environment"]
    assert server["PREFECT_SERVER_API_AUTH_STRING"].startswith("${PREFECT_AUTH_STRING:?")
    assert client["PREFECT_API_AUTH_STRING"] == server["PREFECT_SERVER_API_AUTH_STRING"]
    assert client["PREFECT_API_URL"] == "http://prefect-server:4200/api"
    depends = services["sweep"]["depends_on"]
    assert depends["prefect-server"]["condition"] == "service_healthy"


def test_the_prefect_auth_settings_exist_in_this_prefect(monkeypatch: pytest.MonkeyPatch) -> None:
    """The variables compose sets are Prefect's: the server's login and the client's."""
    from prefect.settings import Settings

    monkeypatch.setenv("PREFECT_SERVER_API_AUTH_STRING", "admin:secret")
    monkeypatch.setenv("PREFECT_API_AUTH_STRING", "admin:secret")
    settings = Settings()
    assert settings.server.api.auth_string.get_secret_value() == "admin:secret"
    assert settings.api.auth_string.get_secret_value() == "admin:secret"


# --------------------------------------------------------------------------------------------
# the example cluster configs


@pytest.fixture(autouse=True)
def shared_volume_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    """deploy/kubernetes.yaml keeps its store on the shared volume, /data/results: a folder its
    user allows (a config's paths are confined, pipeline.sweep.load), as the README shows."""
    roots = [os.environ.get("ENERGY_SWEEP_ALLOWED_ROOTS", ""), "/data/results"]
    monkeypatch.setenv("ENERGY_SWEEP_ALLOWED_ROOTS", os.pathsep.join(r for r in roots if r))


@pytest.mark.parametrize(
    ("name", "kind"), [("slurm.yaml", "slurm"), ("kubernetes.yaml", "kubernetes")]
)
def test_the_example_configs_validate(name: str, kind: str) -> None:
    config = load_config(DEPLOY / name)
    assert cluster_spec(config.cluster).kind == kind
    assert config.work_units()


def test_the_kubernetes_example_renders_the_operators_resource_offline() -> None:
    pytest.importorskip("dask_kubernetes")
    from flows.clusters.kubernetes import dask_cluster_resource

    section = cluster_spec(load_config(DEPLOY / "kubernetes.yaml").cluster)
    resource = dask_cluster_resource(section)
    assert (resource["apiVersion"], resource["kind"]) == ("kubernetes.dask.org/v1", "DaskCluster")
    assert resource["metadata"]["name"] == "energy-sweep"
    spec = resource["spec"]
    assert spec["worker"]["replicas"] == 4
    assert spec["scheduler"]["service"]["type"] == "ClusterIP"
    for role in ("scheduler", "worker"):
        pod = spec[role]["spec"]
        assert pod["volumes"] == [
            {"name": "store", "persistentVolumeClaim": {"claimName": "energy-sweep-results"}}
        ]
        (container,) = pod["containers"]
        assert container["image"] == "registry.example.org/energy-sweep:0.1.0"
        assert container["resources"] == {
            "requests": {"cpu": "1", "memory": "2Gi"},
            "limits": {"memory": "2Gi"},
        }
        assert {"name": "OMP_NUM_THREADS", "value": "1"} in container["env"]
        name, value = worker_environ_variable()
        assert {"name": name, "value": value} in container["env"]
        assert container["volumeMounts"] == [{"name": "store", "mountPath": "/data/results"}]
        assert "args" not in container  # the image's entrypoint is energy-sweep: command, not args
        assert container["command"][:2] == ["dask", role]
        # the operator fills $(DASK_WORKER_NAME) and DASK_SCHEDULER_ADDRESS in the pod
        assert_real_command(
            [a.replace("$(DASK_WORKER_NAME)", "w-0") for a in container["command"]]
            + (["tcp://energy-sweep-scheduler:8786"] if role == "worker" else [])
        )
    store = load_config(DEPLOY / "kubernetes.yaml").store
    assert store.startswith("/data/results/")


@pytest.mark.slow
def test_a_prefect_server_with_the_auth_string_refuses_a_client_without_it(
    compose: dict[str, Any], tmp_path: Path
) -> None:
    """A real ``prefect server start`` with ``PREFECT_SERVER_API_AUTH_STRING`` (SQLite in a
    temporary folder, analytics off, 127.0.0.1): the API refuses a request without the login,
    answers one with it, and compose's healthcheck command passes against it."""
    import base64
    import os
    import signal
    import socket
    import subprocess
    import sys
    import time
    import urllib.error
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    login = "admin:test-password"
    environment = {
        **os.environ,
        "PREFECT_HOME": str(tmp_path / "prefect"),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_SERVER_API_AUTH_STRING": login,
        "PREFECT_UI_ENABLED": "false",
    }
    environment.pop("PREFECT_API_URL", None)
    prefect = str(Path(sys.executable).with_name("prefect"))
    command = [prefect, "server", "start", "--host", "127.0.0.1", "--port", str(port)]
    server = subprocess.Popen(
        command,
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/api"
    token = base64.b64encode(login.encode()).decode()

    def status(path: str, authorization: str | None) -> int:
        headers = {"Authorization": authorization} if authorization else {}
        try:
            with urllib.request.urlopen(
                urllib.request.Request(url + path, headers=headers), timeout=5
            ) as answer:
                return answer.status
        except urllib.error.HTTPError as error:
            return error.code

    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                if status("/health", f"Basic {token}") == 200:
                    break
            except OSError:
                pass
            assert server.poll() is None, "prefect server start exited"
            assert time.monotonic() < deadline, "prefect server did not answer in 180 s"
            time.sleep(1)
        assert status("/flows/filter", None) == 401
        assert status("/flows/filter", f"Basic {token}") != 401  # (405: it wants a POST)
        assert status("/flows/filter", "Basic " + base64.b64encode(b"admin:wrong").decode()) == 401
        healthcheck = compose["services"]["prefect-server"]["healthcheck"]["test"]
        assert healthcheck[:3] == ["CMD", "python", "-c"]
        probe = healthcheck[3].replace("127.0.0.1:4200", f"127.0.0.1:{port}")
        checked = subprocess.run(
            [sys.executable, "-c", probe], env=environment, capture_output=True, timeout=60
        )
        assert checked.returncode == 0, checked.stderr
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=20)
