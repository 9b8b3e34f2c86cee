"""The aggregation flow: fits, pooled fits, bounds and layer counts into a store's ``fits`` group."""

from __future__ import annotations

import time
from contextlib import nullcontext
from typing import Any

import numpy as np
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows.clusters import dask_client
from pipeline.analysis import (
    EXPONENTIAL,
    POLYNOMIAL,
    aggregate_results,
    bank_labels,
    theorem_statement,
)
from pipeline.grid import stored_dimension
from pipeline.store import FITS_GROUP, open_results, write_fits

_MODELS = {EXPONENTIAL: "exponential", POLYNOMIAL: "polynomial"}


@task(name="fit-store", cache_policy=NO_CACHE)
def fit_store(store: str, replicates: int, seed: int) -> None:
    """Compute every aggregate of the store chunk by chunk and write the ``fits`` group."""
    energies = open_results(store)
    write_fits(store, aggregate_results(energies, replicates=replicates, seed=seed))


@task(name="summarise-fits", cache_policy=NO_CACHE)
def summarise(store: str) -> list[dict[str, Any]]:
    """One row per bank, read back from the written store (never from memory)."""
    results = open_results(store)
    per_bank = (
        results[
            [
                "pooled_exp_rate",
                "pooled_exp_rate_lower",
                "pooled_exp_rate_upper",
                "pooled_poly_exponent",
                "pooled_preferred_model",
                "pooled_curves",
                "meets_parseval",
                "meets_analyticity",
                "meets_high_pass",
                "decay_base",
            ]
        ]
        .sel(pool="all")
        .load()
    )
    local = results[["pooled_local_rate", "pooled_local_rate_min", "pooled_local_rate_max"]]
    local = local.sel(pool="all").load()
    d = stored_dimension(results.attrs)
    flags = (
        results[["violates_bound_general", "violates_bound_exponential", "unexplained_violation"]]
        .sum("signal")
        .load()
    )
    rows = []
    for index, label in enumerate(bank_labels(results)):
        bank = per_bank.isel(bank=index)
        failed = [
            name
            for name, met in (
                ("frame bounds", bank.meets_parseval),
                ("analyticity", bank.meets_analyticity),
                ("high-pass", bank.meets_high_pass),
            )
            if not bool(met)
        ]
        rows.append(
            {
                "bank": label,
                "exp_rate": float(bank.pooled_exp_rate),
                "exp_rate_lower": float(bank.pooled_exp_rate_lower),
                "exp_rate_upper": float(bank.pooled_exp_rate_upper),
                "poly_exponent": float(bank.pooled_poly_exponent),
                "model": _MODELS.get(int(bank.pooled_preferred_model), "unresolved"),
                "curves": int(bank.pooled_curves),
                "signals": int(results.sizes["signal"]),
                "violations_general": int(flags.violates_bound_general[index]),
                "violations_exponential": int(flags.violates_bound_exponential[index]),
                "unexplained": int(flags.unexplained_violation[index]),
                "hypotheses_failed": failed,
                "theorem": theorem_statement(failed, float(bank.decay_base), d),
                "local_rate": _deepest_local_rate(local.isel(bank=index)),
            }
        )
    return rows


def _deepest_local_rate(local: Any) -> tuple[int, float, float, float] | None:
    """(n, mean, smallest, largest over the signals) of the deepest resolved local rate
    log(W_n/W_(n+1)) of one bank, or None where no layer has one."""
    rates = local.pooled_local_rate.values
    resolved = np.flatnonzero(np.isfinite(rates))
    if resolved.size == 0:
        return None
    n = int(resolved[-1])
    return (
        int(local.layer.values[n]),
        float(rates[n]),
        float(local.pooled_local_rate_min.values[n]),
        float(local.pooled_local_rate_max.values[n]),
    )


@flow(name="energy-sweep-fit")
def aggregate(
    store: str, replicates: int = 1000, seed: int = 0, scheduler: str | None = None
) -> list[dict[str, Any]]:
    """Fit a sweep's store, pool per bank with bootstrap intervals, check the paper's bounds.

    The chunked computation runs on dask's threaded scheduler in this process, or, given the
    ``scheduler`` address of a running Dask cluster, on its workers (the same numbers). Returns
    one summary row per bank. A bound exceeded on a bank that meets every hypothesis is logged as
    an error (it is a bug to chase, see pipeline/bounds.py).
    """
    logger = get_run_logger()
    started = time.perf_counter()
    cluster = dask_client({"kind": "address", "address": scheduler}) if scheduler else nullcontext()
    with cluster:
        fit_store(store, replicates, seed)
    rows = summarise(store)
    logger.info("fits written to %s/%s in %.1f s", store, FITS_GROUP, time.perf_counter() - started)
    unexplained = int(np.sum([row["unexplained"] for row in rows]))
    if unexplained:
        logger.error(
            "%d (signal, bank) curves exceed a bound on banks that meet its hypotheses: "
            "see variable unexplained_violation",
            unexplained,
        )
    return rows


@flow(name="energy-sweep-fit-report")
def fit_and_report(
    store: str,
    replicates: int = 1000,
    seed: int = 0,
    report_dir: str | None = None,
    scheduler: str | None = None,
) -> str:
    """The aggregation after a sweep: :func:`aggregate` (the ``fits`` group), then the report
    (PNG figures and ``report.html``, in ``report_dir``, default ``<store>_report``).

    Returns the path of the HTML page. The deployment ``aggregate`` of ``deploy/prefect.yaml``
    runs this flow after each sweep.
    """
    from pipeline.report import build_report, default_report_dir

    aggregate(store, replicates=replicates, seed=seed, scheduler=scheduler)
    page = build_report(store, report_dir or default_report_dir(store))
    get_run_logger().info("report written to %s", page)
    return str(page)
