"""One run at a time per store: an exclusive lock beside the store, naming its holder.

A run that creates, grows, replaces or fills a store holds ``<store>.lock`` (an advisory
``flock`` through the `filelock <https://py-filelock.readthedocs.io>`_ library) for as long as
it runs. Beside it, ``<store>.lock.json`` names the holder: host, pid, start time (UTC) and
command. A second run on the same store is refused at once with
:class:`~pipeline.errors.StoreLockedError`, one line naming the holder, and ``--overwrite`` is
refused the same way: two runs never write one store, and a store is never replaced under a
running sweep.

The lock lives beside the store, not inside it, because ``--overwrite`` and growth replace the
store's directory by a rename: a lock inside it would be replaced with it.

The kernel releases a ``flock`` when its holder dies (even by SIGKILL), so a lock is never
stale: a run whose predecessor died takes the lock over, and :attr:`StoreLock.note` says whose
holder file it found (host, pid, start, command). Within one process the lock is re-entrant
(the command line takes it before Prefect starts, the flow again inside), across threads too.

Locks are for one machine's local disks. On NFS, ``flock`` is emulated with POSIX byte-range
locks (Linux >= 2.6.12, NFSv4 or a running ``lockd``); on a mount without lock support filelock
falls back to a lock file that a killed run leaves behind. Keep a store that several machines
write on a file system with working locks, or run one sweep per store at a time.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock, Timeout

from ..errors import StoreError, StoreLockedError
from ..processes import pid_alive
from ._util import one_line
from .layout import StorePath

__all__ = ["StoreLock", "holder_of", "lock_paths", "store_lock"]

_registry_guard = threading.Lock()
#: Locks this process holds: resolved store path -> (lock, how many times entered).
_held: dict[Path, list] = {}


@dataclass(frozen=True)
class StoreLock:
    """A held store lock: who holds it, and what was found when it was taken."""

    store: str
    holder: dict[str, object]
    note: str | None = None  # a dead predecessor's holder file, taken over


def lock_paths(path: StorePath) -> tuple[Path, Path]:
    """The lock file and the holder file of the store at ``path`` (its siblings)."""
    store = Path(os.path.abspath(os.fspath(path)))
    return store.with_name(store.name + ".lock"), store.with_name(store.name + ".lock.json")


def holder_of(path: StorePath) -> dict[str, object] | None:
    """The holder record beside the store (``host``, ``pid``, ``started``, ``command``), or None
    if there is none or it cannot be read. A record may outlive a holder that was killed."""
    try:
        record = json.loads(lock_paths(path)[1].read_text())
    except (OSError, ValueError):
        return None
    return record if isinstance(record, dict) else None


def describe_holder(record: dict[str, object] | None) -> str:
    """``host h, pid p, started t, command `c``` (or that nothing is known)."""
    if not record:
        return "holder unknown (no readable holder file)"
    command = " ".join(str(record.get("command", "?")).split())
    if len(command) > 120:
        command = command[:117] + "..."
    return (
        f"host {record.get('host', '?')}, pid {record.get('pid', '?')}, "
        f"started {record.get('started', '?')}, command `{command}`"
    )


def _this_holder(command: str | None) -> dict[str, object]:
    return {
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "command": command if command is not None else " ".join(sys.argv),
    }


@contextmanager
def store_lock(path: StorePath, *, command: str | None = None) -> Iterator[StoreLock]:
    """Hold the store's lock for the duration of the ``with`` block (module docstring).

    Parameters
    ----------
    path
        the store (it need not exist yet; its parent folder is created).
    command
        what to name in the holder file; default: this process's command line.

    Raises
    ------
    StoreLockedError
        at once, if another process holds the lock: one line naming the store and the holder.
    StoreError
        if the lock file cannot be created (an unwritable folder, a file where the folder
        should be).
    """
    lock_file, holder_file = lock_paths(path)
    key = lock_file
    with _registry_guard:
        entry = _held.get(key)
        if entry is not None:  # this process holds it already: re-enter
            entry[1] += 1
    if entry is not None:
        try:
            yield entry[2]
        finally:
            _leave(key)
        return
    try:
        lock_file.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(lock_file, thread_local=False)
        lock.acquire(timeout=0)
    except Timeout:
        found = holder_of(path)
        gone = ""
        if found and found.get("host") == socket.gethostname() and not pid_alive(found["pid"]):
            gone = " (that pid is gone: a process it started may still hold the lock)"
        raise StoreLockedError(
            f"store {os.fspath(path)} is in use by another run ({describe_holder(found)}){gone}: "
            "wait for it to finish or stop it, then rerun"
        ) from None
    except OSError as error:
        raise StoreError(
            f"cannot lock store {os.fspath(path)} ({lock_file}): {one_line(error)}"
        ) from error
    try:
        previous = holder_of(path)
        note = None
        if previous is not None:
            note = (
                f"took over the lock of store {os.fspath(path)} from a run that ended without "
                f"releasing it ({describe_holder(previous)})"
            )
        holder = _this_holder(command)
        staging = holder_file.with_name(f"{holder_file.name}.{os.getpid()}.tmp")
        try:
            staging.write_text(json.dumps(holder))
            os.replace(staging, holder_file)
        except OSError as error:
            staging.unlink(missing_ok=True)
            raise StoreError(
                f"cannot lock store {os.fspath(path)} ({holder_file}): {one_line(error)}"
            ) from error
    except BaseException:
        lock.release()
        raise
    held = StoreLock(os.fspath(path), holder, note)
    with _registry_guard:
        _held[key] = [lock, 1, held, holder_file]
    try:
        yield held
    finally:
        _leave(key)


def _leave(key: Path) -> None:
    """Leave one ``with`` of the lock ``key``; the last one removes the holder file, then
    releases the lock."""
    with _registry_guard:
        entry = _held[key]
        entry[1] -= 1
        if entry[1] > 0:
            return
        del _held[key]
    lock, _, _, holder_file = entry
    try:
        holder_file.unlink(missing_ok=True)
    finally:
        lock.release()
