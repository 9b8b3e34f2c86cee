"""The sweep flow: config -> store schema -> missing units fanned out to Dask -> summary.

Prefect orchestrates (flow, tasks, retries, logs); the units themselves run as plain Dask tasks
(:func:`pipeline.sweep.compute_unit`), so Dask workers never need a Prefect API: a Prefect task
inside a worker process would cost 0.3-0.6 s each and, in serverless mode, a temporary server per
worker. Measured here: raw Dask work costs 5-9 ms per unit.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from distributed import as_completed
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows.clusters import dask_client
from pipeline.store import completed_units, verify_store
from pipeline.sweep import SweepConfig, WorkUnit, compute_unit, create_sweep_store, load_config

#: Times Dask re-runs a unit that raised before it is reported as failed.
UNIT_RETRIES = 2

#: ``progress(done, total)``: called with 0 when the units are submitted, then after each unit.
Progress = Callable[[int, int], None]


@task(name="prepare-store", cache_policy=NO_CACHE)
def prepare_store(config: SweepConfig, overwrite: bool = False) -> str:
    """Create the store's whole schema once (or check that an existing one matches)."""
    return create_sweep_store(config, overwrite=overwrite)


@task(name="plan-units", cache_policy=NO_CACHE)
def plan_units(config: SweepConfig, recompute: bool = False) -> tuple[dict[WorkUnit, int], int]:
    """Units still to compute (missing, recorded under other settings, or bad: their data fails
    :func:`pipeline.store.verify_store`) with their hashes, and how many are done."""
    hashes = {unit: config.unit_hash(unit) for unit in config.work_units()}
    expected = {(unit.bank, unit.chunk): value for unit, value in hashes.items()}
    done: set[tuple[int, int]] = set()
    if not recompute:
        done = completed_units(config.store, expected) - verify_store(config.store).bad
    pending = {unit: value for unit, value in hashes.items() if (unit.bank, unit.chunk) not in done}
    return pending, len(done)


@task(name="compute-units", cache_policy=NO_CACHE)
def compute_units(
    config: SweepConfig, units: dict[WorkUnit, int], progress: Progress | None = None
) -> dict[str, Any]:
    """Fan the units (with their hashes) out to the configured Dask cluster; collect statistics
    and failures, reporting each finished unit to ``progress``."""
    logger = get_run_logger()
    text = config.canonical_text()
    outcomes: list[dict[str, Any]] = []
    failures: list[dict[str, Any]] = []
    opened = time.perf_counter()
    with dask_client(config.cluster) as client:
        client.wait_for_workers(1, timeout=120)
        threads = sum(client.nthreads().values())
        started = time.perf_counter()
        logger.info("%d units on %d Dask threads (%s)", len(units), threads, client.dashboard_link)
        futures = {}
        for unit, unit_hash in units.items():
            future = client.submit(
                compute_unit,
                text,
                config.store,
                unit,
                unit_hash,
                key=f"unit-b{unit.bank}-c{unit.chunk}-{unit_hash:x}",
                retries=UNIT_RETRIES,
                pure=False,
            )
            futures[future] = unit
        finished = 0
        if progress is not None:
            progress(finished, len(units))
        for future in as_completed(futures):
            unit = futures[future]
            if future.status == "finished":
                outcomes.append(future.result())
            else:
                error = future.exception()
                message = f"{type(error).__name__}: {error}".splitlines()[0]
                failures.append({"bank": unit.bank, "chunk": unit.chunk, "error": message})
                logger.error("unit bank=%d chunk=%d failed: %s", unit.bank, unit.chunk, message)
            future.release()
            finished += 1
            if progress is not None:
                progress(finished, len(units))
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


@flow(name="energy-sweep")
def sweep(
    config_path: str,
    store: str | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    recompute: bool = False,
    overwrite: bool = False,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Run a sweep: every (bank, signal chunk) unit of the config not yet in its store.

    Parameters are references, not data: the config file's path and overrides of its store,
    local worker count or scheduler address. Rerunning computes only the missing units.
    ``progress(done, total)`` hears of each finished unit (the command line draws a bar with it).
    """
    started = time.perf_counter()
    config = load_config(config_path, store=store, workers=workers, scheduler=scheduler)
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
    get_run_logger().info(
        "units: %d done, %d skipped, %d failed; store %s",
        summary["done"],
        summary["skipped"],
        len(summary["failed"]),
        summary["store"],
    )
    return summary
