"""The sweep flow: config -> store schema -> missing units fanned out to Dask -> summary.

Prefect orchestrates (flow, tasks, retries, logs); the units themselves run as plain Dask tasks
(:func:`pipeline.sweep.compute_unit`), so Dask workers never need a Prefect API: a Prefect task
inside a worker process would cost 0.3-0.6 s each and, in serverless mode, a temporary server per
worker. Measured here: raw Dask work costs 5-9 ms per unit.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any

from distributed import Client, Future, as_completed
from prefect import State, flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE
from prefect.states import Failed

from flows.clusters import cluster_spec, dask_client
from flows.worker_logging import QuietFailedUnits
from pipeline.errors import EnergySweepError
from pipeline.store import growth_line, provenance, sound_units, store_id, store_lock
from pipeline.sweep import SweepConfig, WorkUnit, compute_unit, create_sweep_store, load_config

#: Times a unit that raised is submitted again before it is reported as failed (never for an
#: :class:`~pipeline.errors.EnergySweepError`: bad input fails the same way every time).
UNIT_RETRIES = 2

#: Seconds a sweep on a cluster without a ``worker_wait`` field (local processes) waits for its
#: first worker.
FIRST_WORKER_WAIT = 120.0

#: ``progress(done, total)``: called with 0 when the units are submitted, then after each unit.
Progress = Callable[[int, int], None]


@task(name="prepare-store", cache_policy=NO_CACHE)
def prepare_store(config: SweepConfig, overwrite: bool = False) -> str:
    """Create the store's whole schema once, check that an existing one matches, or grow it
    (new signals, banks or layers: logged)."""
    before = len(provenance(config.store))
    create_sweep_store(config, overwrite=overwrite)
    for entry in provenance(config.store)[before:]:
        if entry["action"] == "grown":
            try:
                logger = get_run_logger()
            except Exception:  # called outside a flow run (its plain function)
                logger = logging.getLogger(__name__)
            logger.info("%s", growth_line(entry))
    return config.store


@task(name="plan-units", cache_policy=NO_CACHE)
def plan_units(config: SweepConfig, recompute: bool = False) -> tuple[dict[WorkUnit, int], int]:
    """Units still to compute (missing, recorded under other settings, or bad: their data fails
    :func:`pipeline.store.verify_store`) with their hashes, and how many are done."""
    hashes = {unit: config.unit_hash(unit) for unit in config.work_units()}
    expected = {(unit.bank, unit.chunk): value for unit, value in hashes.items()}
    done: set[tuple[int, int]] = set()
    if not recompute:
        done = sound_units(config.store, expected)
    pending = {unit: value for unit, value in hashes.items() if (unit.bank, unit.chunk) not in done}
    return pending, len(done)


@task(name="compute-units", cache_policy=NO_CACHE)
def compute_units(
    config: SweepConfig, units: dict[WorkUnit, int], progress: Progress | None = None
) -> dict[str, Any]:
    """Fan the units (with their hashes) out to the configured Dask cluster; collect statistics
    and failures, reporting each finished unit to ``progress``.

    A unit that raises is submitted again up to :data:`UNIT_RETRIES` times, unless its error is
    an :class:`~pipeline.errors.EnergySweepError` (bad input, a store that is not the run's: the
    same again). If the flow is interrupted (Ctrl-C, SIGTERM turned into an exception), every
    unit not yet finished is cancelled before the cluster closes; units already written keep
    their records, and a unit cut short has no record.
    """
    logger = get_run_logger()
    text = config.canonical_text()
    identity = store_id(config.store)  # every unit writes only into this store
    outcomes: list[dict[str, Any]] = []
    failures: list[dict[str, Any]] = []
    opened = time.perf_counter()
    with _spawned_ignoring_sigint(dask_client(config.cluster)) as client:
        if config.cluster.get("kind", "local") == "local":
            # our own workers: a failed unit is reported by this flow in one line, not also by
            # each worker with its traceback
            client.register_plugin(QuietFailedUnits(), name="energy-sweep-quiet-failed-units")
        _wait_for_first_worker(client, config.cluster)
        threads = sum(client.nthreads().values())
        started = time.perf_counter()
        logger.info("%d units on %d Dask threads (%s)", len(units), threads, client.dashboard_link)

        def submit(unit: WorkUnit, attempt: int) -> Future:
            unit_hash = units[unit]
            return client.submit(
                compute_unit,
                text,
                config.store,
                unit,
                unit_hash,
                identity,
                key=f"unit-b{unit.bank}-c{unit.chunk}-{unit_hash:x}-a{attempt}",
                pure=False,
            )

        futures = {submit(unit, 0): (unit, 0) for unit in units}
        pending = as_completed(futures)
        finished = 0
        if progress is not None:
            progress(finished, len(units))
        try:
            for future in pending:
                unit, attempt = futures.pop(future)
                if future.status == "finished":
                    outcomes.append(future.result())
                else:
                    error = future.exception()
                    if attempt < UNIT_RETRIES and not isinstance(error, EnergySweepError):
                        future.release()
                        retry = submit(unit, attempt + 1)
                        futures[retry] = (unit, attempt + 1)
                        pending.add(retry)
                        continue
                    failures.append(_failure(unit, error, attempt + 1))
                    logger.error("%s", _failure_line(failures[-1]))
                future.release()
                finished += 1
                if progress is not None:
                    progress(finished, len(units))
        except BaseException:
            if config.cluster.get("kind", "local") == "local":
                # our own workers: their reports of the cancelled units are noise now
                with contextlib.suppress(Exception):
                    client.run(logging.disable, logging.CRITICAL)
            client.cancel(list(futures), force=True)
            raise
        wall = time.perf_counter() - started
    compute = sum(o["compute_seconds"] + o["write_seconds"] for o in outcomes)
    return {
        "done": len(outcomes),
        "failed": failures,
        "cluster_seconds": started - opened,
        "wall_seconds": wall,
        "unit_seconds": compute,
        "threads": threads,
        # busy fraction of the Dask threads from first submit to last result: 1 - this is
        # orchestration overhead plus load imbalance at the tail (cluster start-up excluded)
        "efficiency": compute / (wall * threads) if wall > 0 and threads else float("nan"),
    }


def _wait_for_first_worker(client: Client, cluster: dict[str, Any]) -> None:
    """Wait for one worker, up to the cluster's ``worker_wait`` seconds (batch jobs may queue for
    hours; local processes start in seconds: :data:`FIRST_WORKER_WAIT`); then fail in one line."""
    seconds = float(getattr(cluster_spec(cluster), "worker_wait", FIRST_WORKER_WAIT))
    try:
        client.wait_for_workers(1, timeout=seconds)
    except TimeoutError:
        raise EnergySweepError(
            f"no Dask worker joined within {seconds:g} s (cluster.worker_wait): check that the "
            "cluster's jobs or pods started (squeue, kubectl get pods)"
        ) from None


@contextmanager
def _spawned_ignoring_sigint(context: AbstractContextManager[Client]) -> Iterator[Client]:
    """Enter ``context`` (start the cluster) with SIGINT ignored, so that the worker processes it
    spawns inherit that: a Ctrl-C at the terminal reaches the whole process group, and the
    workers should leave it to this process (which cancels the units and closes the cluster)
    rather than die printing tracebacks. A SIGINT sent while the cluster starts is lost."""
    if threading.current_thread() is not threading.main_thread():
        with context as client:
            yield client
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        client = context.__enter__()
    finally:
        signal.signal(signal.SIGINT, previous)
    with contextlib.ExitStack() as stack:
        stack.push(context)
        yield client


def _failure(unit: WorkUnit, error: BaseException | None, attempts: int) -> dict[str, Any]:
    """A failed unit as the summary lists it: bank, chunk, its rows of the signal axis
    ``[start, stop)``, the first line of the error, and how many times it ran."""
    message = f"{type(error).__name__}: {error}".splitlines()[0]
    return {
        "bank": unit.bank,
        "chunk": unit.chunk,
        "start": unit.start,
        "stop": unit.stop,
        "error": message,
        "attempts": attempts,
    }


def _failure_line(failure: dict[str, Any]) -> str:
    """One line naming a failed unit: bank, chunk, global signal rows, runs, error."""
    return (
        f"unit bank={failure['bank']} chunk={failure['chunk']} "
        f"(signals {failure['start']}..{failure['stop'] - 1}) failed "
        f"after {failure['attempts']} run(s): {failure['error']}"
    )


@flow(name="energy-sweep")
def sweep(
    config_path: str,
    store: str | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    recompute: bool = False,
    overwrite: bool = False,
    progress: Progress | None = None,
) -> dict[str, Any] | State:
    """Run a sweep: every (bank, signal chunk) unit of the config not yet in its store.

    Parameters are references, not data: the config file's path and overrides of its store,
    local worker count or scheduler address. Rerunning computes only the missing units.
    ``progress(done, total)`` hears of each finished unit (the command line draws a bar with it).

    Returns the summary; if any unit failed, a ``Failed`` state holding it instead (the flow run
    is Failed once every other unit has landed): call with ``return_state=True`` and read it
    with ``state.result(raise_on_failure=False)``.
    """
    started = time.perf_counter()
    config = load_config(config_path, store=store, workers=workers, scheduler=scheduler)
    logger = get_run_logger()
    # one run per store: refused at once, naming the holder, if another run holds it (the
    # command line took it already: re-entered)
    with store_lock(config.store) as lock:
        if lock.note:
            logger.warning("%s", lock.note)
        prepare_store(config, overwrite=overwrite)
        pending, already = plan_units(config, recompute=recompute)
        stats: dict[str, Any] = {"done": 0, "failed": [], "unit_seconds": 0.0, "efficiency": None}
        if pending:
            stats = compute_units(config, pending, progress=progress)
    summary = {
        "store": config.store,
        "units": len(config.work_units()),
        "skipped": already,
        **stats,
        "flow_seconds": time.perf_counter() - started,
    }
    line = (
        f"units: {summary['done']} done, {summary['skipped']} skipped, "
        f"{len(summary['failed'])} failed; store {summary['store']}"
    )
    logger.info("%s", line)
    if summary["failed"]:
        # the flow run is Failed; the summary is the state's data (no traceback to log)
        return Failed(message=line, data=summary)
    return summary
