"""Aggregate a store of 10^6 (signal, bank) curves: time and peak memory, chunked vs in memory.

    python benchmarks/aggregate_scale.py                 # 10^5 and 10^6 curves
    python benchmarks/aggregate_scale.py --curves 100000 # one size

What runs is what ``energy-sweep fit STORE`` runs (without Prefect's server):
``write_fits(store, aggregate_results(open_results(store)))`` — per-curve fits, pooled fits with
1000 Poisson-bootstrap replicates, bounds (A)/(B) from every signal's spectrum (signals are
regenerated from the store's config), violation flags and layer counts — streamed chunk by chunk
(dask's threaded scheduler). The peer, side by side in the same script, is the obvious
alternative: ``open_results(store).load()`` first, then the same aggregation in memory.

Each measurement runs in a fresh subprocess; its peak resident memory is the child's
``ru_maxrss``. The store is made for the benchmark: a real config (its signals are real
generator output, and ``input_energy`` is their true ||f||^2), with synthetic decay curves
W_n = ||f||^2 exp(-r_b n + noise) per bank instead of cascades (10^6 cascades would take hours; the
aggregation only reads the curves). Synthetic curves are not cascades, so their bound flags mean
nothing; the benchmark reports time and memory only.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import xarray as xr
import yaml

ROOT = Path(__file__).resolve().parents[1]
BANKS = [
    {"family": "meyer", "params": {"dilation": [1.5, 2.0, 2.5, 3.0, 4.0]}},
    {"family": "gabor", "params": {"spacing": [0.0625, 0.09375, 0.125, 0.15625, 0.1875]}},
]
N_BANKS = 10
LENGTH = 64
DEPTH = 8
CHUNK = 5000


def make_store(folder: Path, n_signals: int) -> Path:
    """A store of ``n_signals`` x 10 banks, depth 8, written unit by unit with synthetic curves."""
    from flows.sweep import prepare_store
    from pipeline.store import write_unit
    from pipeline.sweep import load_config

    quarter = n_signals // 4
    spec = {
        "name": f"aggregate-benchmark-{n_signals}",
        "length": LENGTH,
        "depth": DEPTH,
        "energy_budget": 1e-8,
        "chunk": CHUNK,
        "store": str(folder / f"bench_{n_signals}.zarr"),
        "signals": [
            {"kind": "white_noise", "count": quarter, "seed": 0},
            {"kind": "band_limited", "count": quarter, "seed": 1, "params": {"bandwidth": 0.1}},
            {"kind": "sobolev", "count": quarter, "seed": 2, "params": {"s": 1.0}},
            {
                "kind": "chirp",
                "count": n_signals - 3 * quarter,
                "seed": 3,
                "params": {"f0": 0.01, "f1": 0.3},
            },
        ],
        "banks": BANKS,
    }
    (folder / f"bench_{n_signals}.yaml").write_text(yaml.safe_dump(spec))
    config = load_config(folder / f"bench_{n_signals}.yaml")
    prepare_store.fn(config, overwrite=True)
    rng = np.random.default_rng(0)
    rates = np.linspace(0.5, 3.0, N_BANKS)
    layers = np.arange(DEPTH + 1)
    for unit in config.work_units():
        signals = config.load_signals(unit.start, unit.stop)
        energy = (signals.values**2).sum(axis=1)
        count = unit.stop - unit.start
        noise = rng.normal(0, 0.05, (count, DEPTH + 1))
        noise[:, 0] = 0
        propagated = energy[:, None] * np.exp(-rates[unit.bank] * layers + noise)
        features = np.full_like(propagated, np.nan)
        features[:, :-1] = propagated[:, :-1] - propagated[:, 1:]
        dims = ("signal", "layer")
        result = xr.Dataset(
            {
                "propagated_energy": (dims, propagated),
                "feature_energy": (dims, features),
                "pruned_slack": (dims, np.zeros_like(propagated)),
                "paths": (dims, np.ones(propagated.shape, dtype=np.int64)),
                "input_energy": (("signal",), energy),
            },
            coords={"signal": np.arange(unit.start, unit.stop), "layer": layers},
        )
        write_unit(
            config.store,
            bank=unit.bank,
            chunk_index=unit.chunk,
            start=unit.start,
            stop=unit.stop,
            result=result,
            unit_hash=config.unit_hash(unit),
        )
    return Path(config.store)


def aggregate(store: str, mode: str) -> dict:
    """One measurement (run in a child process): aggregate the store and write its fits group."""
    from pipeline.analysis import aggregate_results
    from pipeline.store import open_results, write_fits

    started = time.perf_counter()
    energies = open_results(store)
    if mode == "in-memory":
        energies = energies.load()
    write_fits(store, aggregate_results(energies))
    seconds = time.perf_counter() - started
    written = xr.open_zarr(store, group="fits")
    return {
        "seconds": seconds,
        "curves": int(written.sizes["signal"] * written.sizes["bank"]),
        "pooled_exp_rate": written.pooled_exp_rate.sel(pool="all").values.round(4).tolist(),
    }


def measure(store: Path, mode: str) -> dict:
    """Run :func:`aggregate` in a fresh interpreter; add its peak RSS (MiB)."""
    here = str(Path(__file__).parent)
    code = (
        f"import json, sys; sys.path.insert(0, {here!r}); from aggregate_scale import aggregate; "
        f"print(json.dumps(aggregate({str(store)!r}, {mode!r})))"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, cwd=ROOT, text=True
    )
    _, status, usage = os.wait4(process.pid, 0)
    output = process.stdout.read()
    if status != 0:
        raise RuntimeError(f"{mode} aggregation failed (status {status})")
    result = json.loads(output.strip().splitlines()[-1])
    result["peak_rss_mib"] = usage.ru_maxrss / 1024  # Linux: KiB
    result["mode"] = mode
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--curves", type=int, nargs="*", default=[100_000, 1_000_000])
    parser.add_argument("--folder", type=Path, default=None, help="where the stores go")
    parser.add_argument("--json", type=Path, default=None, help="also write the numbers here")
    args = parser.parse_args()
    folder = args.folder or Path(tempfile.mkdtemp(prefix="aggregate-benchmark-"))
    folder.mkdir(parents=True, exist_ok=True)
    rows = []
    for curves in args.curves:
        started = time.perf_counter()
        store = make_store(folder, curves // N_BANKS)
        made = time.perf_counter() - started
        print(f"{curves:>9,} curves: store made in {made:.1f} s at {store}", flush=True)
        for mode in ("chunked", "in-memory"):
            row = measure(store, mode) | {"store_curves": curves}
            rows.append(row)
            print(
                f"  {mode:>9}: {row['seconds']:7.1f} s, peak RSS {row['peak_rss_mib']:7.0f} MiB",
                flush=True,
            )
    print(
        f"\nmachine: {os.cpu_count()} cores; resource limit {resource.getrlimit(resource.RLIMIT_AS)}"
    )
    by = {(row["store_curves"], row["mode"]): row for row in rows}
    for curves in args.curves:
        chunked, memory = by[(curves, "chunked")], by[(curves, "in-memory")]
        print(
            f"{curves:>9,} curves: in-memory / chunked time {memory['seconds'] / chunked['seconds']:.2f}x, "
            f"peak memory {memory['peak_rss_mib'] / chunked['peak_rss_mib']:.2f}x"
        )
    if len(args.curves) > 1:
        small, large = min(args.curves), max(args.curves)
        for mode in ("chunked", "in-memory"):
            growth = by[(large, mode)]["peak_rss_mib"] / by[(small, mode)]["peak_rss_mib"]
            print(f"{mode:>9}: peak memory grows {growth:.2f}x for {large / small:.0f}x the curves")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
