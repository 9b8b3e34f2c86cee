"""Interrupting ``energy-sweep run`` for real, and rerunning it: a subprocess in its own session
gets SIGINT (to its whole process group, as a terminal's Ctrl-C) or SIGTERM (to the command
alone, as ``kill``) once some units have landed. It must stop within seconds with one line and
status 130 / 143, leave no process of its session behind (Dask workers, the temporary Prefect
server), and a store that a rerun completes into exactly the numbers of an uninterrupted run.
A rerun with nothing to do must say so without starting Prefect.

The interrupted runs start their own temporary Prefect server (that it stops with them is
checked); the reruns reach the session's server (``PREFECT_API_URL``,
``conftest.on_prefect_server``) instead of spending 15-20 s each starting one more."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import xarray as xr
import yaml
from conftest import build_store, on_prefect_server

from pipeline.store import DATA_VARIABLES, completed_units
from pipeline.sweep import load_config

pytestmark = pytest.mark.slow

COMMAND = str(Path(sys.executable).parent / "energy-sweep")

#: Seconds from the signal to the command's exit that the tests allow (a loaded machine).
EXIT_SECONDS = 12.0


#: Layers of the interrupted sweep: 16 units of 0.1-0.6 s (in one process; more in a Dask
#: worker), seconds of work left when the first has landed and the signal is sent.
DEPTH = 6


@pytest.fixture(scope="module")
def clean_store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The interrupted sweep's store (depth :data:`DEPTH`), built in this process, never
    interrupted (overrides conftest's, of ``test_faults.py``'s deeper sweep)."""
    folder = tmp_path_factory.mktemp("clean")
    config = _write_config(folder / "sweep.yaml", folder / "clean.zarr", depth=DEPTH)
    return Path(build_store(config))


def _write_config(path: Path, store: Path, depth: int = 7) -> Path:
    """16 units on 2 local workers, each 0.2-2 s at depth 7 (``test_faults.py``'s sizes), about
    half that at depth 6: long enough to interrupt, short to rerun."""
    spec = {
        "name": "interrupt-test",
        "length": 512,
        "depth": depth,
        "energy_budget": 1e-6,
        "chunk": 2,
        "store": str(store),
        "signals": [{"kind": "white_noise", "count": 16, "seed": 0}],
        "banks": [{"family": "meyer"}, {"family": "morlet"}],
        "cluster": {"kind": "local", "workers": 2, "threads_per_worker": 1},
    }
    path.write_text(yaml.safe_dump(spec))
    return path


def _session_processes(session: int) -> list[str]:
    """Live (not zombie) processes of session ``session``: ``"pid state cmdline"``."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ")
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[3]) == session and fields[0] != "Z":
            found.append(f"{entry} {fields[0]} {cmdline.decode(errors='replace')[:120]}")
    return found


def _assert_nothing_left(session: int, seconds: float = 5.0) -> None:
    """No live process of the session after at most ``seconds`` (one may still be exiting)."""
    deadline = time.monotonic() + seconds
    while (left := _session_processes(session)) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert left == [], left


def _assert_same_numbers(store: Path, clean: Path) -> None:
    """Every data variable and the completion records equal the clean run's."""
    got, want = xr.open_zarr(store).load(), xr.open_zarr(clean).load()
    for name in (*DATA_VARIABLES, "radial_power"):
        xr.testing.assert_identical(got[name], want[name])
    assert completed_units(store) == completed_units(clean)


def _start_and_wait_for_a_unit(
    config: Path, store: Path, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """``energy-sweep run config`` in a session of its own (in ``env``, default this process's
    environment: a temporary Prefect server), once a unit has landed in ``store``."""
    run = subprocess.Popen(
        [COMMAND, "run", str(config)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
        env=env,
    )
    deadline = time.monotonic() + 300
    landed: set[tuple[int, int]] = set()
    while not landed:
        if run.poll() is not None or time.monotonic() > deadline:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(run.pid, signal.SIGKILL)
            raise AssertionError(f"no unit landed: {run.communicate()[0].decode()}")
        time.sleep(0.2)
        try:
            landed = completed_units(store)
        except Exception:  # the store is not made yet
            landed = set()
    return run


@pytest.mark.parametrize(
    ("signum", "to_group", "status"),
    [(signal.SIGINT, True, 130), (signal.SIGTERM, False, 143)],
    ids=["ctrl-c", "sigterm"],
)
def test_an_interrupted_run_stops_quietly_and_a_rerun_completes_it(
    tmp_path: Path,
    clean_store: Path,
    prefect_api_url: str,
    signum: int,
    to_group: bool,
    status: int,
) -> None:
    config = _write_config(tmp_path / "sweep.yaml", tmp_path / "store.zarr", depth=DEPTH)
    total = len(load_config(config).work_units())
    run = _start_and_wait_for_a_unit(config, tmp_path / "store.zarr")
    try:
        sent = time.monotonic()
        (os.killpg if to_group else os.kill)(run.pid, signum)
        output = run.communicate(timeout=60)[0].decode()
        took = time.monotonic() - sent
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
            run.wait()
    assert run.returncode == status, output
    assert took < EXIT_SECONDS, (took, output)
    assert "Traceback" not in output, output
    said = [line for line in output.splitlines() if "rerun" in line]
    assert len(said) == 1, output
    assert f"of {total} units landed in {tmp_path / 'store.zarr'}" in said[0]
    assert said[0].startswith(f"interrupted ({signal.Signals(signum).name}): ")
    assert "Aborted" not in output
    _assert_nothing_left(run.pid)

    # the store is valid: what is recorded holds the clean run's numbers
    recorded = completed_units(tmp_path / "store.zarr")
    assert len(recorded) >= 1
    assert int(said[0].split(": ")[1].split()[0]) == len(recorded)
    got, want = xr.open_zarr(tmp_path / "store.zarr").load(), xr.open_zarr(clean_store).load()
    config_units = {(u.bank, u.chunk): u for u in load_config(config).work_units()}
    for bank, chunk in recorded:
        unit = config_units[(bank, chunk)]
        rows = {"bank": bank, "signal": slice(unit.start, unit.stop)}
        xr.testing.assert_identical(got.propagated_energy[rows], want.propagated_energy[rows])

    # the same command resumes and completes it
    again = subprocess.run(
        [COMMAND, "run", str(config)],
        capture_output=True,
        text=True,
        timeout=600,
        env=on_prefect_server(prefect_api_url),
    )
    assert again.returncode == 0, again.stdout + again.stderr
    assert f"{total - len(recorded)} done, {len(recorded)} skipped, 0 failed" in again.stdout
    _assert_same_numbers(tmp_path / "store.zarr", clean_store)


def test_a_rerun_with_nothing_to_do_says_so_without_prefect(
    tmp_path: Path, clean_store: Path
) -> None:
    config = _write_config(tmp_path / "sweep.yaml", clean_store, depth=DEPTH)
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "flows.cli", "run", str(config)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    took = time.monotonic() - started
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == f"nothing to do: 16 of 16 units done in {clean_store}"
    imported = [line.split("|")[-1].strip() for line in result.stderr.splitlines()]
    assert not [name for name in imported if name.split(".")[0] in ("prefect", "distributed")]
    assert took < 15, took  # Prefect's temporary server alone takes 15-20 s to start


def test_finished_units_counts_only_a_store_of_this_config(
    tmp_path: Path, clean_store: Path
) -> None:
    """The no-op check: no store, or a store of another config, is never 'all done'."""
    from flows.cli.running import finished_units, unit_hashes

    def finished(spec):
        return finished_units(spec, unit_hashes(spec))

    config = _write_config(tmp_path / "sweep.yaml", tmp_path / "absent.zarr", depth=DEPTH)

    assert finished(load_config(config)) is None
    assert finished(load_config(config, store=str(clean_store))) == completed_units(clean_store)
    other = yaml.safe_load(config.read_text())
    other["depth"] = DEPTH - 1
    (tmp_path / "other.yaml").write_text(yaml.safe_dump(other))
    assert finished(load_config(tmp_path / "other.yaml", store=str(clean_store))) is None


def test_a_killed_run_leaves_nothing_running_and_a_rerun_completes_it(
    tmp_path: Path, clean_store: Path, prefect_api_url: str
) -> None:
    """SIGKILL cannot be caught: the temporary Prefect server dies with the command
    (PR_SET_PDEATHSIG), the Dask workers with their parent; records never vouch for a unit
    cut short, so the rerun recomputes exactly what is missing."""
    config = _write_config(tmp_path / "sweep.yaml", tmp_path / "store.zarr", depth=DEPTH)
    run = _start_and_wait_for_a_unit(config, tmp_path / "store.zarr")
    os.kill(run.pid, signal.SIGKILL)
    run.communicate(timeout=60)
    assert run.returncode == -signal.SIGKILL
    _assert_nothing_left(run.pid, seconds=10)
    recorded = completed_units(tmp_path / "store.zarr")
    again = subprocess.run(
        [COMMAND, "run", str(config)],
        capture_output=True,
        text=True,
        timeout=600,
        env=on_prefect_server(prefect_api_url),
    )
    assert again.returncode == 0, again.stdout + again.stderr
    assert f"{len(recorded)} skipped, 0 failed" in again.stdout
    _assert_same_numbers(tmp_path / "store.zarr", clean_store)
