"""Scheduled reruns: the sweep, then the aggregation, as one flow to serve or deploy.

:func:`sweep_and_aggregate` runs the sweep flow (:func:`flows.sweep.sweep`: only missing units
run) and then, if the sweep computed anything or the store has no fits yet, the aggregation
(:func:`flows.aggregate.fit_and_report`: fits and report). :func:`serve` runs it on a schedule
from this process (``flow.serve``: a Prefect runner polling a Prefect server);
``deploy/prefect.yaml`` declares the same flows as deployments for a process work pool.

Either needs a real Prefect server whose scheduler service turns schedules into runs
(``energy-sweep server start``, or any server named by ``PREFECT_API_URL``), not a temporary one.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Any

from prefect import State, flow, get_run_logger
from prefect.states import Failed

from flows.aggregate import fit_and_report
from flows.sweep import sweep
from pipeline.store import FITS_GROUP

__all__ = ["DEFAULT_CRON", "serve", "sweep_and_aggregate"]

#: The nightly rerun: every day at 02:00 (the server's time zone for cron is UTC unless given).
DEFAULT_CRON = "0 2 * * *"


@flow(name="energy-sweep-rerun")
def sweep_and_aggregate(
    config_path: str,
    store: str | None = None,
    replicates: int = 1000,
    seed: int = 0,
    report: bool = True,
) -> dict[str, Any] | State:
    """Rerun a sweep (new signals, banks or layers: only the missing units run), then refresh
    its fits and report if anything was computed (or the store has no fits yet).

    Returns the sweep's summary with ``aggregated`` (bool) and ``report`` (the HTML page or
    ``None``); a ``Failed`` state holding it if units failed (the fits then still cover every
    unit that landed). A sweep that cannot run (a store made for another config, bad input)
    fails the flow run with its one-line error.
    """
    logger = get_run_logger()
    # Parameters unvalidated: a served flow's run gets its code from a bundle that pickles the
    # project's modules by value (editable installs), without the names that only annotations
    # use (``Progress``), so pydantic could not build the sweep's parameter model.
    run_sweep = sweep.with_options(validate_parameters=False)
    state = run_sweep(config_path, store=store, return_state=True)
    summary = state.result(raise_on_failure=False)
    if isinstance(summary, BaseException):
        raise summary
    summary = dict(summary)
    has_fits = (Path(summary["store"]) / FITS_GROUP).exists()
    summary["aggregated"] = bool(summary["done"]) or not has_fits
    summary["report"] = None
    if summary["aggregated"]:
        if report:
            summary["report"] = fit_and_report(summary["store"], replicates=replicates, seed=seed)
        else:
            from flows.aggregate import aggregate

            aggregate(summary["store"], replicates=replicates, seed=seed)
    else:
        logger.info("nothing new in %s: fits left as they are", summary["store"])
    if summary["failed"]:
        return Failed(message=f"{len(summary['failed'])} unit(s) failed", data=summary)
    return summary


def serve(
    config_path: str,
    *,
    name: str = "nightly",
    cron: str | None = None,
    interval: float | None = None,
    store: str | None = None,
    replicates: int = 1000,
    report: bool = True,
) -> None:
    """Serve :func:`sweep_and_aggregate` of ``config_path`` on a schedule until interrupted.

    Parameters
    ----------
    config_path
        The sweep's YAML (absolute: the runs start in their own processes).
    name
        The deployment's name (``energy-sweep-rerun/<name>`` in the Prefect UI).
    cron, interval
        A cron string (default :data:`DEFAULT_CRON`) or an interval in seconds; not both.
    store, replicates, report
        Parameters of every run.
    """
    if cron is not None and interval is not None:
        raise ValueError("give cron or interval, not both")
    schedule: dict[str, Any] = (
        {"interval": datetime.timedelta(seconds=interval)}
        if interval is not None
        else {"cron": cron or DEFAULT_CRON}
    )
    sweep_and_aggregate.serve(
        name=name,
        parameters={
            "config_path": str(Path(config_path).absolute()),
            "store": store,
            "replicates": replicates,
            "report": report,
        },
        limit=1,  # one run at a time: a slow run is never overtaken by the next tick
        **schedule,
    )
