"""A real single-node SLURM (slurmctld + slurmd on localhost, started by deploy/slurm/start-slurm.sh):
Dask workers run as SLURM jobs through dask-jobqueue, and a sweep run there through
``energy-sweep run`` writes the same store as on a local cluster, every variable."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import assert_same_store, energy_sweep_run

from flows.clusters import ClusterUnavailableError, cluster_spec, dask_client
from flows.clusters._worker_env import (
    WORKER_MALLOC_MMAP_THRESHOLD,
    WORKER_MALLOC_TRIM_THRESHOLD,
)
from flows.clusters.slurm import SlurmCluster, jobqueue_cluster

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "deploy" / "slurm"
EXAMPLE = ROOT / "deploy" / "slurm.yaml"

#: Seconds start-slurm.sh gets (a fresh machine installs four Debian packages first: ~40 s).
START_SECONDS = 240

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]  # 219 s measured at load 20 on 2 cores


def _slurm_running() -> bool:
    """slurmctld answers and slurmd runs (the PID files start-slurm.sh's daemons write)."""

    def alive(pid_file: str, name: str) -> bool:
        try:
            pid = Path(pid_file).read_text().strip()
            return Path(f"/proc/{pid}/comm").read_text().strip() == name
        except OSError:
            return False

    return alive("/run/slurm/slurmctld.pid", "slurmctld") and alive(
        "/run/slurm/slurmd.pid", "slurmd"
    )


@pytest.fixture(scope="session")
def slurm() -> Iterator[None]:
    """SLURM on this machine for the session: started by deploy/slurm/start-slurm.sh (idempotent,
    bounded), stopped by stop-slurm.sh afterwards if this fixture started it. Skipped only where
    it cannot start: not root, or neither SLURM nor apt-get installed."""
    if os.geteuid() != 0:
        pytest.skip(f"SLURM tests start slurmctld and slurmd as root; uid is {os.geteuid()}")
    if shutil.which("slurmctld") is None and shutil.which("apt-get") is None:
        pytest.skip("SLURM tests need slurmctld installed, or apt-get to install it")
    started_here = not _slurm_running()
    result = subprocess.run(
        ["bash", str(SCRIPTS / "start-slurm.sh")],
        capture_output=True,
        text=True,
        timeout=START_SECONDS + 30,
        env={**os.environ, "SLURM_START_TIMEOUT": str(START_SECONDS)},
    )
    if result.returncode != 0:
        pytest.fail(f"start-slurm.sh: {(result.stderr or result.stdout).strip()}")
    # worker jobs left queued by an earlier client that died would take the node's CPUs
    subprocess.run(["scancel", "--name", "dask-worker"], check=False, timeout=30)
    try:
        yield
    finally:
        if started_here:
            subprocess.run(["bash", str(SCRIPTS / "stop-slurm.sh")], check=False, timeout=120)


def _queued() -> dict[str, str]:
    """SLURM job id -> state of every queued or running job named dask-worker."""
    out = subprocess.run(
        ["squeue", "-h", "--name", "dask-worker", "-o", "%i %T"],
        capture_output=True,
        text=True,
        timeout=30,
    ).stdout
    return dict(line.split() for line in out.splitlines() if line.strip())


def _section(log_directory: Path, **changes: Any) -> dict[str, Any]:
    """The example config's cluster section, on this machine's partition, logs in a temp dir."""
    section = yaml.safe_load(EXAMPLE.read_text())["cluster"]
    return {**section, "walltime": "00:10:00", "log_directory": str(log_directory), **changes}


def test_workers_run_as_slurm_jobs_on_this_machine_only(
    slurm: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # sbatch exports this process's environment, whose MALLOC_TRIM_THRESHOLD_ (left by earlier
    # tests' local nannies) would win over the job's Dask setting, as a user's own export does
    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_", raising=False)
    monkeypatch.delenv("MALLOC_MMAP_THRESHOLD_", raising=False)
    section = _section(tmp_path / "logs", jobs=2)
    submitted = time.perf_counter()
    with dask_client(section) as client:
        client.wait_for_workers(1, timeout=120)
        first = time.perf_counter() - submitted
        client.wait_for_workers(2, timeout=120)
        both = time.perf_counter() - submitted
        print(f"SLURM job start latency: first worker {first:.2f} s, both {both:.2f} s")
        job_ids = client.run(os.getenv, "SLURM_JOB_ID")  # by reference: read there
        trim = client.run(os.getenv, "MALLOC_TRIM_THRESHOLD_")
        mmap = client.run(os.getenv, "MALLOC_MMAP_THRESHOLD_")
        queued = _queued()
        assert client.scheduler.address.startswith("tcp://127.0.0.1:")
        assert client.dashboard_link.startswith("http://127.0.0.1:")
        assert all(address.startswith("tcp://127.0.0.1:") for address in job_ids)
    assert len(set(job_ids.values())) == 2 and None not in job_ids.values(), job_ids
    assert {queued[job] for job in job_ids.values()} == {"RUNNING"}
    assert set(trim.values()) == {str(WORKER_MALLOC_TRIM_THRESHOLD)}  # not Dask's 65536
    assert set(mmap.values()) == {str(WORKER_MALLOC_MMAP_THRESHOLD)}
    assert first < 60  # measured here: about 2 s from scale() to a connected worker
    for job in job_ids.values():
        assert (tmp_path / "logs" / f"dask-worker-{job}.err").exists()
    deadline = time.monotonic() + 30
    while set(job_ids.values()) & set(_queued()) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not set(job_ids.values()) & set(_queued()), "the jobs outlived their cluster"


def test_a_job_script_slurm_refuses_is_one_line_before_any_job(slurm: None, tmp_path: Path) -> None:
    section = _section(tmp_path / "logs", queue="no-such-partition")
    with pytest.raises(ClusterUnavailableError) as caught:
        with dask_client(section):
            pass
    message = str(caught.value)
    assert message.startswith("cluster.kind = 'slurm': sbatch refuses the worker job script: ")
    assert "Invalid partition" in message and "\n" not in message
    assert not _queued()


#: A small sweep (6 units of a fraction of a second each): the example's cluster section runs it.
SMALL = {
    "length": 256,
    "depth": 3,
    "chunk": 4,
    "signals": [
        {"kind": "white_noise", "count": 8, "seed": 0},
        {"kind": "band_limited", "count": 4, "seed": 0, "params": {"bandwidth": 0.1}},
    ],
}


def _config(tmp_path: Path, name: str, cluster: dict[str, Any]) -> Path:
    """The example config, made small, with its store in ``tmp_path`` and the given cluster."""
    config = yaml.safe_load(EXAMPLE.read_text())
    config |= {**SMALL, "store": str(tmp_path / f"{name}.zarr"), "cluster": cluster}
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def _on_a_local_cluster(config_path: Path) -> None:
    """The config's store written by its units on a local Dask cluster, as the sweep flow
    submits them (plain Dask tasks), without Prefect."""
    from flows.sweep import prepare_store
    from pipeline.sweep import compute_unit, load_config

    config = load_config(config_path)
    prepare_store.fn(config, overwrite=True)
    text = config.canonical_text()
    with dask_client(config.cluster) as client:
        futures = [
            client.submit(compute_unit, text, config.store, unit, config.unit_hash(unit))
            for unit in config.work_units()
        ]
        client.gather(futures)


def test_a_sweep_on_slurm_writes_the_local_clusters_store(
    slurm: None, tmp_path: Path, prefect_api_url: str
) -> None:
    local = _config(tmp_path, "local", {"kind": "local", "workers": 2})
    on_slurm = _config(tmp_path, "slurm", _section(tmp_path / "logs"))
    assert isinstance(cluster_spec(yaml.safe_load(on_slurm.read_text())["cluster"]), SlurmCluster)

    seen: dict[str, set[str]] = {}
    done = threading.Event()

    def watch() -> None:  # squeue during the run: the workers are SLURM jobs
        while not done.is_set():
            for job, state in _queued().items():
                seen.setdefault(job, set()).add(state)
            time.sleep(0.3)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    try:
        result = energy_sweep_run(on_slurm, tmp_path, prefect_api_url)
    finally:
        done.set()
        watcher.join(timeout=10)
    assert result.returncode == 0, result.stdout + result.stderr
    running = {job for job, states in seen.items() if "RUNNING" in states}
    assert len(running) >= 1, seen
    logs = {path.name for path in (tmp_path / "logs").iterdir()}
    assert {f"dask-worker-{job}.err" for job in running} <= logs, (running, logs)
    assert not running & set(_queued()), "worker jobs left behind"

    _on_a_local_cluster(local)
    assert_same_store(tmp_path / "slurm.zarr", tmp_path / "local.zarr")


def test_the_job_script_runs_this_python_against_a_local_scheduler(tmp_path: Path) -> None:
    """The rendered job script (no SLURM needed): directives from the section, this Python, a
    scheduler and a dashboard on 127.0.0.1."""
    pytest.importorskip("dask_jobqueue")
    section = _section(tmp_path / "logs", job_extra_directives=["--exclusive"])
    section["job_script_prologue"] = ["source /opt/venv/bin/activate"]
    with jobqueue_cluster(cluster_spec(section)) as cluster:
        script = cluster.job_script()
        address = cluster.scheduler_address
        dashboard = {s.getsockname()[0] for s in cluster.scheduler.http_server._sockets.values()}
    assert dashboard == {"127.0.0.1"}  # the dashboard's sockets: this machine only
    lines = script.splitlines()
    for directive in ("-p debug", "--cpus-per-task=1", "-t 00:10:00", "--exclusive"):
        assert f"#SBATCH {directive}" in lines, script
    assert f"#SBATCH -e {tmp_path / 'logs'}/dask-worker-%J.err" in lines
    assert address.startswith("tcp://127.0.0.1:")
    command = lines[-1].split()
    assert command[:3] == [sys.executable, "-m", "distributed.cli.dask_worker"]
    assert command[3] == address
    assert lines.index("source /opt/venv/bin/activate") < len(lines) - 1
