"""Planning and completion records at scale: 10^5 work units on a real store, timed.

What a rerun of a sweep does before it computes anything (``flows/sweep.py::plan_units``), at
``--units`` units (default 10^5: 10 banks x 10^4 chunks of one 64-sample signal):

1. load the config and list the units (``SweepConfig.work_units``) with their hashes
   (``SweepConfig.unit_hash``);
2. create the store's schema (``create_sweep_store``: metadata, coordinates, the per-chunk
   ``rows_digest``);
3. record every unit as done: ``units/unit_hash`` written in one assignment (one chunk file per
   unit, as the units' own writes leave it; a stand-in for 10^5 finished units, not their cost);
4. read the records back as a rerun does: ``pipeline.store.read_records`` (every record's chunk
   file, decoded directly: :mod:`pipeline.store.record_files`), the same through Zarr
   (``records[...]``, one asynchronous read per chunk: how ``read_records`` read them before),
   and ``completed_units(store, expected)`` (the records against the expected hashes).

``verify_store`` (the digests and energy identity of every recorded unit, which ``run`` adds to
step 4) reads every unit's data and is not timed here: its cost is that of reading the store.

Run: ``python benchmarks/planner_scale.py [--units 100000] [--keep DIR]`` (prints a table; the
store goes into a temporary folder unless ``--keep``).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml

from pipeline.store import completed_units
from pipeline.store.layout import open_records, read_records
from pipeline.sweep import create_sweep_store, load_config

BANKS = 10


def _config(folder: Path, units: int) -> Path:
    signals = units // BANKS
    spec = {
        "name": "planner-scale",
        "length": 64,
        "depth": 4,
        "energy_budget": 1.0e-6,
        "chunk": 1,
        "store": "scale.zarr",
        "signals": [{"kind": "white_noise", "count": signals, "seed": 0}],
        "banks": [{"family": "gabor", "params": {"spacing": [1 / (8 + k) for k in range(BANKS)]}}],
        "cluster": {"kind": "local", "workers": 1},
    }
    path = folder / "scale.yaml"
    path.write_text(yaml.safe_dump(spec, sort_keys=False), encoding="utf-8")
    return path


def _timed(label: str, rows: list[tuple[str, float]], func):
    start = time.perf_counter()
    value = func()
    rows.append((label, time.perf_counter() - start))
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--units", type=int, default=10**5, help="work units (multiple of 10)")
    parser.add_argument("--keep", type=Path, default=None, help="folder for the store (kept)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="planner-scale-") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        rows: list[tuple[str, float]] = []
        config = _timed("load the config", rows, lambda: load_config(_config(folder, args.units)))
        units = _timed("list the units", rows, config.work_units)
        hashes = _timed("hash every unit", rows, lambda: [config.unit_hash(u) for u in units])
        _timed("create the store's schema", rows, lambda: create_sweep_store(config))
        records = np.zeros(open_records(config.store, mode="r").shape, dtype=np.int64)
        for unit, value in zip(units, hashes, strict=True):
            records[unit.bank, unit.chunk] = value

        def record_all() -> None:
            open_records(config.store, mode="r+")[...] = records

        _timed("write every record (one assignment)", rows, record_all)
        files = sum(1 for _ in (Path(config.store) / "units" / "unit_hash").rglob("c/*/*"))
        read = _timed("read the records (read_records)", rows, lambda: read_records(config.store))
        through_zarr = _timed(
            "read the records through Zarr (records[...])",
            rows,
            lambda: np.asarray(open_records(config.store, mode="r")[...]),
        )
        expected = {(u.bank, u.chunk): v for u, v in zip(units, hashes, strict=True)}
        done = _timed(
            "completed_units(store, expected)",
            rows,
            lambda: completed_units(config.store, expected),
        )
    assert np.array_equal(read, records) and np.array_equal(through_zarr, records)
    assert len(done) == len(units)
    print(
        f"{len(units)} units ({BANKS} banks x {len(units) // BANKS} chunks), "
        f"{files} record chunk files"
    )
    print("| step | seconds | per unit [µs] |")
    print("|---|---|---|")
    for label, seconds in rows:
        print(f"| {label} | {seconds:.3f} | {seconds / len(units) * 1e6:.1f} |")


if __name__ == "__main__":
    main()
