"""Rows "sweep": the project's sweep flow (Prefect + Dask) against a plain loop over its units.

Same config, same units, same library code (:func:`pipeline.sweep.compute_unit`), three stores
in a temporary folder:

- plain loop: ``create_sweep_store`` then ``compute_unit`` on every unit, one after the other,
  in a fresh (spawned) process, as a user's script would run and as each Dask worker starts:
  both sides pay the library's imports and first calls (the loop in the harness's own process,
  warmed by the groups before it, ran its units 20 % faster than a fresh worker's);
- flow with 1 and with 2 local Dask worker processes (1 thread each): ``flows.sweep.sweep``
  under the temporary Prefect server the command line would start (started once, not timed).

Reported: the whole flow (store schema, planning, cluster start, units, summary: what a user
waits for once Prefect is up) and its units phase (first submit to last result, as the flow
measures it) against the loop's whole time and its units; then 2 workers against 1. Targets
(issue 11): overhead <= 10 % (flow / loop <= 1.1); 2 workers >= 1.8x one.
"""

from __future__ import annotations

import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import yaml

from .common import Row, Target

GROUP = "sweep"
OVERHEAD_TARGET = Target(1.1, at_least=False)
SPEEDUP_TARGET = Target(1.8)


def _config(folder: Path, length: int, signals: int, chunk: int, depth: int) -> Path:
    spec = {
        "name": "bench-sweep",
        "length": length,
        "depth": depth,
        "energy_budget": 1.0e-6,
        "dtype": "float64",
        "chunk": chunk,
        "store": "loop.zarr",
        "signals": [{"kind": "white_noise", "count": signals, "seed": 0}],
        "banks": [{"family": "meyer"}, {"family": "gabor"}, {"family": "morlet"}],
        "cluster": {"kind": "local", "workers": 1, "threads_per_worker": 1},
    }
    path = folder / "sweep.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return path


def _plain_loop(config_path: Path) -> tuple[float, float, int]:
    """Whole time (the library's imports included), units' time, number of units of the loop
    over every unit; run in a fresh process (:func:`_in_fresh_process`)."""
    started = time.perf_counter()
    from pipeline.store import store_id
    from pipeline.sweep import compute_unit, create_sweep_store, load_config

    config = load_config(config_path)
    create_sweep_store(config)
    identity = store_id(config.store)
    text = config.canonical_text()
    units = {unit: config.unit_hash(unit) for unit in config.work_units()}
    begun = time.perf_counter()
    for unit, unit_hash in units.items():
        compute_unit(text, config.store, unit, unit_hash, identity)
    ended = time.perf_counter()
    return ended - started, ended - begun, len(units)


def _in_fresh_process(config_path: Path) -> tuple[float, float, int]:
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        return pool.submit(_plain_loop, config_path).result()


def _flows(config_path: Path, folder: Path) -> dict[int, dict]:
    """The flow's summaries with 1 and 2 workers, each into its own store."""
    from flows.cli.environment import prefect_environment, prefect_server

    summaries = {}
    with prefect_environment(), prefect_server():
        from flows.sweep import sweep

        for workers in (1, 2):
            summaries[workers] = sweep(
                str(config_path), store=str(folder / f"flow{workers}.zarr"), workers=workers
            )
    return summaries


def rows(length: int, signals: int, chunk: int, depth: int) -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="bench-sweep-") as tmp:
        folder = Path(tmp)
        config_path = _config(folder, length, signals, chunk, depth)
        loop_whole, loop_units, n_units = _in_fresh_process(config_path)
        flows = _flows(config_path, folder)
    one, two = flows[1], flows[2]
    case = f"{n_units} units (3 banks x {signals // chunk} chunks of {chunk}), N={length}, depth {depth}"
    note = (
        f"flow, 1 worker: cluster start {one['cluster_seconds']:.2f} s, the units' own compute "
        f"and write time {one['unit_seconds']:.2f} s (loop: {loop_units:.2f} s), busy fraction "
        f"{one['efficiency']:.2f}; 2 workers: cluster start {two['cluster_seconds']:.2f} s, busy "
        f"fraction {two['efficiency']:.2f}. The units phase includes each fresh worker's imports"
    )
    return [
        Row(
            GROUP,
            f"{case}: flow (1 worker) / plain loop, whole",
            one["flow_seconds"],
            loop_whole,
            one["flow_seconds"] / loop_whole,
            "flow / loop",
            target=OVERHEAD_TARGET,
            note=note,
        ),
        Row(
            GROUP,
            f"{case}: flow (1 worker) / plain loop, units phase",
            one["wall_seconds"],
            loop_units,
            one["wall_seconds"] / loop_units,
            "flow / loop",
            target=OVERHEAD_TARGET,
        ),
        Row(
            GROUP,
            f"{case}: 2 workers / 1 worker, units phase",
            two["wall_seconds"],
            one["wall_seconds"],
            one["wall_seconds"] / two["wall_seconds"],
            "speed-up",
            target=SPEEDUP_TARGET,
        ),
        Row(
            GROUP,
            f"{case}: 2 workers / 1 worker, whole flow",
            two["flow_seconds"],
            one["flow_seconds"],
            one["flow_seconds"] / two["flow_seconds"],
            "speed-up",
        ),
    ]
