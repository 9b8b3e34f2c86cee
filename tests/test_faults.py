"""Faults done for real to ``energy-sweep run``, each followed by a rerun whose final store is
compared with a clean run's in every variable, coordinate, record and attribute (but
``store_id``, ``created`` and ``provenance``, which tell stores apart).

Here: a Dask worker killed mid-run (SIGKILL), a second run and an ``--overwrite`` started while
a run writes the store, a full disk (a tmpfs mounted for the test, root only), a file where the
store's folder should be. Elsewhere, with the same comparison: SIGKILL, SIGINT and SIGTERM of
the run itself (``test_interrupts.py``), every kind of corrupted chunk (``test_verify.py``), a
file where a chunk's folder should be (``test_sweep_flow.py``). docs/faults.md has the table.

The runs here reach the session's Prefect server (``PREFECT_API_URL``): what is tested is the
fault, not the start and stop of a temporary server (``test_interrupts.py`` checks those).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
import yaml
from conftest import build_store, on_prefect_server
from test_growth import assert_same_store
from test_interrupts import (
    COMMAND,
    _assert_nothing_left,
    _session_processes,
    _start_and_wait_for_a_unit,
    _write_config,
)
from typer.testing import CliRunner

from flows.cli import app
from pipeline.store import completed_units, verify_store

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def clean_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sweep's store computed unit by unit in this process, no fault."""
    folder = tmp_path_factory.mktemp("clean")
    return Path(build_store(_write_config(folder / "sweep.yaml", folder / "clean.zarr")))


def _finish(run: subprocess.Popen[bytes], seconds: float = 600) -> str:
    """The run's output once it exits (killed with its session if it does not in time)."""
    try:
        return run.communicate(timeout=seconds)[0].decode()
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
            run.wait()


def _workers(session: int) -> list[int]:
    """PIDs of the Dask worker processes of a run's session (spawned by multiprocessing)."""
    return [int(line.split()[0]) for line in _session_processes(session) if "spawn_main" in line]


def test_a_killed_dask_worker_is_replaced_and_the_run_completes(
    tmp_path: Path, clean_store: Path, prefect_api_url: str
) -> None:
    config = _write_config(tmp_path / "sweep.yaml", tmp_path / "store.zarr")
    run = _start_and_wait_for_a_unit(
        config, tmp_path / "store.zarr", on_prefect_server(prefect_api_url)
    )
    workers = _workers(run.pid)
    assert workers, _session_processes(run.pid)
    os.kill(workers[0], signal.SIGKILL)
    output = _finish(run)
    assert run.returncode == 0, output
    assert "0 failed (of 16)" in output, output
    _assert_nothing_left(run.pid)
    assert_same_store(tmp_path / "store.zarr", clean_store)


def test_a_second_run_and_an_overwrite_are_refused_while_a_run_writes(
    tmp_path: Path, clean_store: Path, prefect_api_url: str
) -> None:
    store = tmp_path / "store.zarr"
    config = _write_config(tmp_path / "sweep.yaml", store)
    other = yaml.safe_load(config.read_text())
    other["depth"] = 5
    (tmp_path / "other.yaml").write_text(yaml.safe_dump(other))
    run = _start_and_wait_for_a_unit(config, store, on_prefect_server(prefect_api_url))
    try:
        for command in (
            [COMMAND, "run", str(config)],
            [COMMAND, "run", str(tmp_path / "other.yaml"), "--overwrite"],
        ):
            refused = subprocess.run(command, capture_output=True, text=True, timeout=120)
            assert refused.returncode == 2, refused.stdout + refused.stderr
            lines = (refused.stdout + refused.stderr).strip().splitlines()
            assert len(lines) == 1, lines
            assert f"store {store} is in use by another run (host " in lines[0]
            assert f"pid {run.pid}, started 20" in lines[0] and "command `" in lines[0]
    finally:
        output = _finish(run)
    assert run.returncode == 0, output
    assert "0 failed (of 16)" in output, output
    assert_same_store(store, clean_store)


def _mount_tmpfs(folder: Path, size: str) -> None:
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs to fill: {mounted.stderr.strip()}")


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a tmpfs needs root")
def test_a_full_disk_fails_the_units_that_do_not_fit_and_a_rerun_completes(
    tmp_path: Path, clean_store: Path, prefect_api_url: str
) -> None:
    """A 320 KiB tmpfs holds the schema (about 200 KiB in 4 KiB pages) but not the 16 units
    (about 640 KiB): units fail on ENOSPC, each named, never retried, none recorded
    half-written; with room again, the same command completes the store."""
    disk = tmp_path / "disk"
    _mount_tmpfs(disk, "320k")
    try:
        store = disk / "store.zarr"
        config = _write_config(tmp_path / "sweep.yaml", store)
        full = subprocess.run(
            [COMMAND, "run", str(config)],
            capture_output=True,
            text=True,
            timeout=600,
            env=on_prefect_server(prefect_api_url),
        )
        output = full.stdout + full.stderr
        assert full.returncode == 1, output
        failed = [line for line in output.splitlines() if line.strip().startswith("unit bank=")]
        assert failed and all("No space left on device" in line for line in failed), output
        assert "Traceback" not in output, output
        recorded = completed_units(store)
        assert len(recorded) + len(failed) == 16
        assert verify_store(store).ok  # what is recorded is sound
        subprocess.run(["mount", "-o", "remount,size=8m", str(disk)], check=True)
        again = subprocess.run(
            [COMMAND, "run", str(config)],
            capture_output=True,
            text=True,
            timeout=600,
            env=on_prefect_server(prefect_api_url),
        )
        assert again.returncode == 0, again.stdout + again.stderr
        assert f"{len(failed)} done, {len(recorded)} skipped, 0 failed" in again.stdout
        assert_same_store(store, clean_store)
    finally:
        with contextlib.suppress(Exception):
            subprocess.run(["umount", "-l", str(disk)], check=False)


def test_a_file_where_the_store_folder_should_be_is_refused_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "results").write_text("a file, not a folder")
    config = _write_config(tmp_path / "sweep.yaml", tmp_path / "results" / "store.zarr")
    started = time.monotonic()
    result = CliRunner().invoke(app, ["run", str(config)])
    assert result.exit_code == 2, result.output
    assert len(result.output.strip().splitlines()) == 1, result.output
    assert "results" in result.output
    assert time.monotonic() - started < 30  # before Prefect starts
    assert (tmp_path / "results").read_text() == "a file, not a folder"
