"""One run per store: the lock beside the store, its holder file, and the store id.

The holder is a real second process (``python -c``), killed for real; stores are real Zarr
stores under ``tmp_path``. Nothing is mocked.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import yaml
from test_store import make_store, write
from typer.testing import CliRunner

from flows.cli import app
from pipeline.errors import StoreError, StoreLockedError, StoreMismatchError
from pipeline.store import holder_of, store_id, store_lock
from pipeline.store.lock import lock_paths

HOLD = """
import sys, time
from pipeline.store import store_lock
with store_lock(sys.argv[1], command="holder-test --long"):
    print("held", flush=True)
    time.sleep(120)
"""


@pytest.fixture
def holder(tmp_path: Path):
    """A second process holding the lock of ``tmp_path / 'store.zarr'`` (killed at the end)."""
    store = tmp_path / "store.zarr"
    process = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(store)], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None and process.stdout.readline().strip() == "held"
    yield store, process
    if process.poll() is None:
        process.kill()
    process.wait()


def test_a_second_process_is_refused_naming_the_holder(holder) -> None:
    store, process = holder
    started = time.monotonic()
    with pytest.raises(StoreLockedError) as refused, store_lock(store):
        pass
    assert time.monotonic() - started < 2  # refused at once, not after a wait
    message = str(refused.value)
    assert "\n" not in message
    assert f"store {store} is in use by another run" in message
    assert f"host {socket.gethostname()}, pid {process.pid}, started 20" in message
    assert "command `holder-test --long`" in message
    assert holder_of(store)["pid"] == process.pid


def test_creating_or_overwriting_a_locked_store_is_refused_and_touches_nothing(holder) -> None:
    store, _ = holder
    with pytest.raises(StoreLockedError):
        make_store(store)
    assert not store.exists()
    with pytest.raises(StoreLockedError):
        make_store(store, overwrite=True)
    assert not store.exists()


def test_a_killed_holder_is_taken_over_with_a_note(holder) -> None:
    store, process = holder
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    with store_lock(store, command="next") as held:
        assert held.note is not None
        assert "ended without releasing it" in held.note
        assert f"pid {process.pid}" in held.note
        assert holder_of(store)["command"] == "next"
        assert holder_of(store)["pid"] == os.getpid()
    assert holder_of(store) is None  # released: the holder file is gone
    with store_lock(store) as held:
        assert held.note is None


def test_the_lock_is_reentrant_within_a_process_across_threads(tmp_path: Path) -> None:
    store = tmp_path / "store.zarr"
    entered = []

    def enter_in_a_thread() -> None:
        with store_lock(store) as held:
            entered.append(held)

    with store_lock(store) as outer:
        with store_lock(store) as inner:
            assert inner is outer
        thread = threading.Thread(target=enter_in_a_thread)
        thread.start()
        thread.join()
        assert entered == [outer]
        make_store(store)  # create_store takes it too
        assert holder_of(store)["pid"] == os.getpid()
    assert holder_of(store) is None


def test_the_lock_lives_beside_the_store(tmp_path: Path) -> None:
    store = tmp_path / "store.zarr"
    with store_lock(store):
        make_store(store)
        assert lock_paths(store) == (
            tmp_path / "store.zarr.lock",
            tmp_path / "store.zarr.lock.json",
        )
        assert lock_paths(store)[1].is_file()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name != "store.zarr.lock") == [
        "store.zarr"
    ]


def test_an_unlockable_folder_is_refused_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(StoreError) as refused, store_lock(tmp_path / "file" / "store.zarr"):
        pass
    assert "cannot lock store" in str(refused.value) and "\n" not in str(refused.value)


def test_each_store_has_its_own_id_and_writes_check_it(tmp_path: Path) -> None:
    first = make_store(tmp_path / "a.zarr")
    identity = store_id(first)
    assert isinstance(identity, str) and len(identity) == 32
    assert store_id(make_store(tmp_path / "b.zarr")) != identity
    assert store_id(make_store(first)) == identity  # resumed: the same store
    write(first, 0, 0, store_id=identity)
    # the same config made again at the same path (another run's --overwrite): another store
    make_store(first, overwrite=True)
    assert store_id(first) != identity
    with pytest.raises(StoreMismatchError, match="this run planned for"):
        write(first, 0, 1, store_id=identity)
    records = np.asarray(__import__("zarr").open_array(str(first / "units" / "unit_hash"))[...])
    assert not records.any()


def test_cli_run_on_a_locked_store_exits_2_naming_the_holder(holder, tmp_path: Path) -> None:
    store, process = holder
    config = tmp_path / "sweep.yaml"
    config.write_text(
        yaml.safe_dump(
            {
                "name": "locked",
                "length": 64,
                "depth": 2,
                "chunk": 2,
                "store": str(store),
                "signals": [{"kind": "white_noise", "count": 2, "seed": 0}],
                "banks": [{"family": "meyer"}],
            }
        )
    )
    for extra in ([], ["--overwrite"]):
        started = time.monotonic()
        result = CliRunner().invoke(app, ["run", str(config), *extra])
        assert result.exit_code == 2, result.output
        assert time.monotonic() - started < 10  # before Prefect starts
        lines = result.output.strip().splitlines()
        assert len(lines) == 1, result.output
        assert f"pid {process.pid}" in lines[0] and "in use by another run" in lines[0]
    assert not store.exists()
