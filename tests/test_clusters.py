"""Cluster backends (flows.clusters): the registry, each backend's ``cluster:`` section with its
one-line errors, the launchers on real Dask clusters, and the sweep config's JSON schema."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

import jsonschema
import pytest
import yaml
from pydantic import BaseModel, ConfigDict
from typer.testing import CliRunner

from flows.cli import app
from flows.clusters import (
    ClusterUnavailableError,
    backend,
    backends,
    cluster_spec,
    dask_client,
    register,
)
from flows.clusters._worker_env import (
    WORKER_MALLOC_MMAP_THRESHOLD,
    WORKER_MALLOC_TRIM_THRESHOLD,
)
from flows.clusters.address import AddressCluster
from flows.clusters.kubernetes import KubernetesCluster
from flows.clusters.local import LocalCluster
from flows.clusters.local import launch as launch_local
from flows.clusters.slurm import SlurmCluster
from flows.schema import config_schema
from pipeline.errors import ConfigError, EnergySweepError
from pipeline.sweep import load_config

CONFIGS = Path(__file__).resolve().parent.parent / "configs"

SLURM = {"kind": "slurm", "cores": 4, "memory": "8GB", "walltime": "01:00:00", "jobs": 2}
KUBE = {"kind": "kubernetes", "image": "energy-sweep:latest", "workers": 3}

#: A small valid sweep spec; the cluster tests replace its ``cluster`` section.
SPEC: dict[str, Any] = {
    "name": "clusters",
    "length": 64,
    "signals": [{"kind": "white_noise", "count": 2, "seed": 0}],
    "banks": [{"family": "meyer"}],
    "depth": 2,
    "store": "results/clusters.zarr",
}


def write(tmp_path: Path, name: str = "sweep.yaml", **changes: Any) -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump({**SPEC, **changes}, sort_keys=False))
    return path


# --------------------------------------------------------------------------------------------
# the registry


def test_every_backend_module_registers_itself() -> None:
    assert backends() == ["address", "kubernetes", "local", "slurm"]
    models = {kind: backend(kind).model for kind in backends()}
    assert models == {
        "address": AddressCluster,
        "kubernetes": KubernetesCluster,
        "local": LocalCluster,
        "slurm": SlurmCluster,
    }


def test_a_backend_needs_a_kind_literal_and_forbids_unknown_keys() -> None:
    class NoKind(BaseModel):
        model_config = ConfigDict(extra="forbid")
        kind: str = "nokind"

    class Lenient(BaseModel):
        kind: Literal["lenient"]

    class OtherLocal(BaseModel):
        model_config = ConfigDict(extra="forbid")
        kind: Literal["local"]

    with pytest.raises(ValueError, match="kind: Literal"):
        register("nokind", NoKind, _inline_launch)
    with pytest.raises(ValueError, match="forbid unknown keys"):
        register("lenient", Lenient, _inline_launch)
    with pytest.raises(ValueError, match="already registered"):
        register("local", OtherLocal, _inline_launch)
    assert backends() == ["address", "kubernetes", "local", "slurm"]


class InlineCluster(BaseModel):
    """A backend defined in a test: what a new backend module holds (model, launcher, register)."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["inline"]
    address: str


@contextmanager
def _inline_launch(spec: InlineCluster) -> Iterator[Any]:
    from distributed import Client

    with Client(spec.address, timeout=60) as client:
        yield client


def test_a_registered_backend_is_validated_and_launched(dask_cluster: Any) -> None:
    from flows.clusters import _registry

    register("inline", InlineCluster, _inline_launch)
    try:
        assert "inline" in backends()
        with pytest.raises(ConfigError, match=r"^cluster.address: is required"):
            cluster_spec({"kind": "inline"})
        section = {"kind": "inline", "address": dask_cluster.scheduler_address}
        assert cluster_spec(section) == InlineCluster(**section)
        with dask_client(section) as client:
            assert client.submit(sum, [1, 2, 3]).result() == 6
        assert "inline" in config_schema()["properties"]["cluster"]["discriminator"]["mapping"]
    finally:
        del _registry._BACKENDS["inline"]


# --------------------------------------------------------------------------------------------
# sections


def test_a_section_without_kind_is_local() -> None:
    assert cluster_spec({"workers": 3, "memory_limit": "2GiB"}) == LocalCluster(
        workers=3, memory_limit="2GiB"
    )
    assert cluster_spec(None) == cluster_spec({}) == LocalCluster()
    assert cluster_spec({"kind": "local"}) == LocalCluster(workers=2, threads_per_worker=1)


def test_each_backend_reads_its_section() -> None:
    slurm = cluster_spec(SLURM)
    assert isinstance(slurm, SlurmCluster)
    assert (slurm.cores, slurm.jobs, slurm.queue, slurm.job_extra_directives) == (4, 2, None, [])
    kube = cluster_spec(KUBE)
    assert isinstance(kube, KubernetesCluster)
    assert (kube.workers, kube.namespace, kube.resources) == (3, "default", {})
    address = cluster_spec({"kind": "address", "address": "tcp://h:8786"})
    assert address == AddressCluster(kind="address", address="tcp://h:8786", timeout=30.0)
    assert cluster_spec(address) == address  # a model validates again to itself


def test_overrides_reach_the_backend(tmp_path: Path) -> None:
    path = write(tmp_path)
    assert cluster_spec(load_config(path, workers=6).cluster) == LocalCluster(workers=6)
    cfg = load_config(path, scheduler="tcp://127.0.0.1:8786")
    assert cluster_spec(cfg.cluster) == AddressCluster(
        kind="address", address="tcp://127.0.0.1:8786"
    )
    assert cluster_spec(load_config(path).cluster) == LocalCluster()


def test_workers_override_per_cluster_kind(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, cluster=SLURM), workers=10)
    slurm = cluster_spec(cfg.cluster)
    assert isinstance(slurm, SlurmCluster) and slurm.jobs == 10
    cfg = load_config(write(tmp_path, "k.yaml", cluster=KUBE), workers=8)
    kube = cluster_spec(cfg.cluster)
    assert isinstance(kube, KubernetesCluster) and kube.workers == 8
    assert kube.namespace == "default"
    address = {"kind": "address", "address": "tcp://h:8786"}
    with pytest.raises(ConfigError, match=r"^workers = 4: "):
        load_config(write(tmp_path, "a.yaml", cluster=address), workers=4)
    with pytest.raises(ConfigError, match=r"^workers = 4: "):
        load_config(write(tmp_path, "b.yaml"), workers=4, scheduler="tcp://h:1")


def test_a_config_cluster_without_kind_is_local(tmp_path: Path) -> None:
    cfg = load_config(write(tmp_path, cluster={"workers": 3, "memory_limit": "2GiB"}))
    assert cluster_spec(cfg.cluster) == LocalCluster(workers=3, memory_limit="2GiB")


BAD: dict[str, tuple[Any, str]] = {
    "unknown cluster key": (
        {"kind": "local", "gpus": 1},
        "cluster.gpus = 1: unknown key; allowed: kind, workers, threads_per_worker, memory_limit",
    ),
    "unknown cluster kind": (
        {"kind": "pbs"},
        "cluster.kind = 'pbs': must be one of address, kubernetes, local, slurm",
    ),
    "kind not a string": ({"kind": 3}, "cluster.kind = 3: must be one of address,"),
    "slurm without memory": (
        {"kind": "slurm", "cores": 2, "walltime": "1:00:00", "jobs": 1},
        "cluster.memory: is required but missing",
    ),
    "zero workers": ({"workers": 0}, "cluster.workers = 0: must be >= 1"),
    "boolean workers": ({"workers": True}, "cluster.workers = True: must be an integer"),
    "fractional threads": (
        {"threads_per_worker": 1.5},
        "cluster.threads_per_worker = 1.5: must be an integer",
    ),
    "empty address": ({"kind": "address", "address": ""}, "cluster.address = '': must not be"),
    "address without address": ({"kind": "address"}, "cluster.address: is required but missing"),
    "negative timeout": (
        {"kind": "address", "address": "tcp://h:1", "timeout": -1},
        "cluster.timeout = -1: must be > 0",
    ),
    "kubernetes resources not a mapping": (
        {**KUBE, "resources": 3},
        "cluster.resources = 3: must be a mapping",
    ),
    "slurm directive not a string": (
        {**SLURM, "job_extra_directives": [1]},
        "cluster.job_extra_directives[0] = 1: must be a string",
    ),
    "not a mapping": ([1, 2], "cluster = [1, 2]: must be a mapping"),
    "kubernetes name": (
        {**KUBE, "name": "Energy_Sweep"},
        "cluster.name = 'Energy_Sweep': must be a Kubernetes name",
    ),
    "kubernetes resources key": (
        {**KUBE, "resources": {"request": {"cpu": 1}}},
        "must be 'requests' or 'limits'",
    ),
    "kubernetes mount path": (
        {**KUBE, "shared_volume": {"claim_name": "results", "mount_path": "data"}},
        "cluster.shared_volume.mount_path = 'data': must be an absolute path",
    ),
    "slurm host and interface": (
        {**SLURM, "host": "10.0.0.1", "interface": "ib0"},
        "cluster.interface = 'ib0': give host or interface, not both",
    ),
    "tls file missing": (
        {"tls": {"ca_file": "/no/such/ca.pem", "cert": "/no/such/cert.pem"}},
        "cluster.tls.ca_file = '/no/such/ca.pem': no such file",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_section_is_one_line_naming_field_value_and_rule(case: str) -> None:
    section, expected = BAD[case]
    with pytest.raises(ConfigError) as caught:
        cluster_spec(section)
    message = str(caught.value)
    assert "\n" not in message
    assert isinstance(caught.value, EnergySweepError)
    assert expected in message, message


@pytest.mark.parametrize(
    ("section", "expected"),
    [
        ({"kind": "local", "gpus": 1}, "cluster.gpus = 1: unknown key"),
        ({"kind": "pbs"}, "cluster.kind = 'pbs': must be one of"),
        ({"kind": "slurm", "cores": 2, "walltime": "1:00:00", "jobs": 1}, "cluster.memory: is"),
    ],
)
def test_run_refuses_a_bad_cluster_in_one_line_before_anything_starts(
    tmp_path: Path, section: dict, expected: str
) -> None:
    store = tmp_path / "store.zarr"
    path = write(tmp_path, cluster=section, store=str(store))
    result = CliRunner().invoke(app, ["run", str(path)])
    assert result.exit_code == 2
    assert len(result.output.strip().splitlines()) == 1
    assert expected in result.output
    assert not store.exists()


# --------------------------------------------------------------------------------------------
# launchers


@pytest.mark.slow
def test_the_local_backend_starts_worker_processes_and_stops_them() -> None:
    with dask_client({"kind": "local", "workers": 1, "threads_per_worker": 2}) as client:
        assert sum(client.nthreads().values()) == 2
        assert client.submit(pow, 2, 10).result() == 1024
        cluster = client.cluster
    assert cluster.status.name == "closed"


def test_the_address_backend_reaches_a_running_scheduler(dask_cluster: Any) -> None:
    with dask_client({"kind": "address", "address": dask_cluster.scheduler_address}) as client:
        assert client.submit(pow, 3, 3).result() == 27
    assert dask_cluster.status.name == "running"  # a client leaves the cluster it reached


def test_the_address_backend_without_a_scheduler_is_one_line() -> None:
    section = {"kind": "address", "address": "tcp://127.0.0.1:9", "timeout": 1}
    with pytest.raises(ClusterUnavailableError, match=r"^cluster.address = 'tcp://127.0.0.1:9'"):
        with dask_client(section):
            pass


@pytest.mark.parametrize(
    ("section", "package", "extra"),
    [(SLURM, "dask_jobqueue", "slurm"), (KUBE, "dask_kubernetes", "kubernetes")],
)
def test_an_optional_backend_without_its_package_names_the_extra(
    section: dict, package: str, extra: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """CI installs the extras, so the package is made unimportable here (``None`` in
    ``sys.modules`` makes ``import`` raise ImportError), as on a machine without the extra."""
    for name in [m for m in sys.modules if m == package or m.startswith(package + ".")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, package, None)
    with pytest.raises(ClusterUnavailableError, match=rf"energy-sweep\[{extra}\]"):
        with dask_client(section):
            pass


def test_the_slurm_backend_off_a_login_node_is_one_line_before_anything_starts(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    pytest.importorskip("dask_jobqueue")
    monkeypatch.setenv("PATH", str(tmp_path))  # no sbatch here
    with pytest.raises(ClusterUnavailableError, match=r"^cluster.kind = 'slurm': sbatch is not"):
        with dask_client(SLURM):
            pass


# --------------------------------------------------------------------------------------------
# the config's JSON schema


def test_schema_file_is_current() -> None:
    on_disk = json.loads((CONFIGS / "sweep.schema.json").read_text())
    assert on_disk == config_schema(), (
        "configs/sweep.schema.json is stale; regenerate it with: "
        "python -m flows.schema > configs/sweep.schema.json"
    )


def test_schema_describes_the_spec() -> None:
    schema = config_schema()
    assert set(schema["required"]) == {"name", "signals", "banks", "depth", "store"}
    assert schema["oneOf"] == [{"required": ["shape"]}, {"required": ["length"]}]


@pytest.mark.parametrize("name", ["quickstart.yaml", "paper_sweep.yaml"])
def test_the_shipped_configs_validate_against_the_schema_file(name: str) -> None:
    schema = json.loads((CONFIGS / "sweep.schema.json").read_text())
    jsonschema.validate(yaml.safe_load((CONFIGS / name).read_text()), schema)
    bad = {**yaml.safe_load((CONFIGS / name).read_text()), "shape": [64]}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(bad, schema)  # length and shape together
    assert schema["additionalProperties"] is False


def test_schema_of_the_cluster_section_is_the_union_of_the_backends() -> None:
    schema = config_schema()
    cluster = schema["properties"]["cluster"]
    assert cluster["discriminator"]["propertyName"] == "kind"
    assert sorted(cluster["discriminator"]["mapping"]) == backends()
    for kind in backends():
        own = backend(kind).model.model_json_schema()
        nested = own.pop("$defs", {})  # the models of its sub-sections (tls), shared
        assert schema["$defs"][backend(kind).model.__name__] == own
        assert all(schema["$defs"][name] == part for name, part in nested.items())


@pytest.mark.slow
def test_the_local_backend_listens_on_this_machine_only_by_default() -> None:
    with dask_client({"kind": "local", "workers": 1}) as client:
        scheduler = client.cluster.scheduler
        assert client.scheduler.address.startswith("tcp://127.0.0.1:")
        assert all(a.startswith("tcp://127.0.0.1:") for a in client.scheduler_info()["workers"])
        bound = [sock.getsockname()[0] for sock in scheduler.http_server._sockets.values()]
        assert bound and set(bound) == {"127.0.0.1"}, bound  # the dashboard's sockets


def test_cluster_fields_that_expose_or_overload_are_refused_in_one_line() -> None:
    assert cluster_spec({}).host == "127.0.0.1"
    assert cluster_spec({}).dashboard_address == "127.0.0.1:0"
    assert cluster_spec({"dashboard_address": None}).dashboard_address is None
    assert cluster_spec({"memory_limit": "auto"}).memory_limit == "auto"
    assert cluster_spec({**SLURM, "walltime": "2-00:00:00"}).walltime == "2-00:00:00"
    assert cluster_spec({"kind": "address", "address": "[::1]:8786"}).address == "[::1]:8786"


def test_a_sweep_waits_worker_wait_seconds_for_its_first_worker_then_fails_in_one_line() -> None:
    from distributed import Client
    from distributed import LocalCluster as DaskLocalCluster

    from flows.sweep import _wait_for_first_worker

    section = {"kind": "address", "address": "tcp://127.0.0.1:8786", "worker_wait": 0.5}
    with (
        DaskLocalCluster(n_workers=0, processes=False, dashboard_address=None) as empty,
        Client(empty) as client,
    ):
        with pytest.raises(
            EnergySweepError, match=r"^no Dask worker joined within 0.5 s"
        ) as caught:
            _wait_for_first_worker(client, section)
        assert "\n" not in str(caught.value)
        empty.scale(1)
        _wait_for_first_worker(client, {**section, "worker_wait": 60})
        assert len(client.nthreads()) == 1
    # batch queues get longer by default than a scheduler that is already up
    assert cluster_spec(SLURM).worker_wait == 3600
    assert cluster_spec(KUBE).worker_wait == 600
    assert cluster_spec({"kind": "address", "address": "tcp://h:1"}).worker_wait == 120


def test_local_workers_keep_freed_memory_instead_of_dasks_trim_threshold(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Dask's nanny would set MALLOC_TRIM_THRESHOLD_=65536 (twice the cascade's time, measured).

    A variable already in this process's environment wins over Dask's configuration (Dask's
    rule), and every nanny writes its variables into its own process's environment, so an
    earlier test's cluster leaves 65536 here: removed first, as in a fresh ``energy-sweep run``.
    """
    import os

    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_", raising=False)
    monkeypatch.delenv("MALLOC_MMAP_THRESHOLD_", raising=False)

    import dask
    import distributed  # noqa: F401  (its configuration defaults)

    dask_default = dask.config.get("distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_")
    with launch_local(LocalCluster(workers=1, dashboard_address=None)) as client:
        trim = client.run(os.getenv, "MALLOC_TRIM_THRESHOLD_")
        mmap = client.run(os.getenv, "MALLOC_MMAP_THRESHOLD_")
        threads = client.run(os.getenv, "OMP_NUM_THREADS")
    assert set(trim.values()) == {str(WORKER_MALLOC_TRIM_THRESHOLD)}
    assert set(mmap.values()) == {str(WORKER_MALLOC_MMAP_THRESHOLD)}
    assert set(threads.values()) == {"1"}  # Dask's other pre-spawn variables stay
    after = dask.config.get("distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_")
    assert after == dask_default  # the setting lasts as long as the cluster, not longer
