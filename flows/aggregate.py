"""The aggregation flow: decay fits over a sweep's store, written to its ``fits`` group."""

from __future__ import annotations

import os
import time
from typing import Any

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "180")

import numpy as np
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from pipeline.fit import EXPONENTIAL, POLYNOMIAL, UNRESOLVED, fit_decay
from pipeline.store import open_results, write_fits


@task(name="fit-decay", cache_policy=NO_CACHE)
def fit_store(store: str) -> dict[str, Any]:
    """Fit every (signal, bank) curve of the store chunk by chunk and write the fits group."""
    energies = open_results(store)
    energy_names = ["propagated_energy", "pruned_slack", "input_energy"]
    fits = fit_decay(energies[energy_names])
    write_fits(store, fits)
    written = open_results(store)[["exp_rate", "poly_exponent", "preferred_model"]].load()
    families = written.family.values
    summary: dict[str, Any] = {}
    for family in dict.fromkeys(families):
        selected = written.isel(bank=np.flatnonzero(families == family))
        model = selected.preferred_model.values.ravel()
        summary[str(family)] = {
            "banks": int(selected.sizes["bank"]),
            "median_exp_rate": _median(selected.exp_rate.values),
            "median_poly_exponent": _median(selected.poly_exponent.values),
            "exponential": int(np.sum(model == EXPONENTIAL)),
            "polynomial": int(np.sum(model == POLYNOMIAL)),
            "unresolved": int(np.sum(model == UNRESOLVED)),
        }
    return summary


def _median(values: np.ndarray) -> float:
    """Median of the finite values, NaN when there are none (no all-NaN warning)."""
    finite = values[np.isfinite(values)]
    return float(np.median(finite)) if finite.size else float("nan")


@flow(name="energy-sweep-fit")
def aggregate(store: str) -> dict[str, Any]:
    """Fit decay exponents for a sweep's store; returns a per-family summary."""
    started = time.perf_counter()
    summary = fit_store(store)
    get_run_logger().info("fits written to %s/fits in %.1f s", store, time.perf_counter() - started)
    return summary
