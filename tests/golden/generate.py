"""Write the regression golden files from the library as it stands (run once, before a redesign).

    python tests/golden/generate.py

Produces ``tests/golden/v0/*.npz`` (+ ``.json`` of dims and attributes): the outputs of
``propagate`` on fixed arrays through every family, a small sweep store (file and record signals
only, so no seeded generator is involved) with its ``fits`` group, ``plan`` with a bandwidth and
with ``--data``, and the layer-count table. ``tests/test_regression.py`` recomputes all of them
with the current code and compares. The inputs are fixed arrays saved beside the outputs.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

import numpy as np
import xarray as xr
import yaml

HERE = Path(__file__).resolve().parent
OUT = HERE / "v0"
sys.path.insert(0, str(HERE.parent))

from golden_io import save_dataset  # noqa: E402

#: shared by the generator and the test: everything that determines the golden numbers
LENGTH = 256
DEPTH = 5
BUDGETS = (0.0, 1e-6)
FAMILY_PARAMS: dict[str, dict] = {
    "meyer": {},
    "gabor": {"spacing": 1 / 16},
    "morlet": {"octaves": 4},
    "random": {"seed": 2},
    "real_wavelet": {},
}
EPSILONS = (0.5, 0.1, 0.01)
PLAN_FAMILIES = ("meyer", "gabor", "morlet", "random", "real_wavelet")


def fixed_signals() -> np.ndarray:
    """Six fixed rows of length 256: a sum of tones, a step, a ramp and three noise rows."""
    t = np.arange(LENGTH)
    rng = np.random.default_rng(20261202)
    rows = [
        np.sin(2 * np.pi * 5 * t / LENGTH) + 0.3 * np.cos(2 * np.pi * 37 * t / LENGTH),
        (t > LENGTH // 3).astype(float),
        t / LENGTH,
        *rng.standard_normal((3, LENGTH)),
    ]
    return np.stack(rows)


def sweep_spec(signals_path: Path, store: Path) -> dict:
    """A small sweep over file and record signals only (no seeded generator)."""
    return {
        "name": "golden",
        "length": LENGTH,
        "depth": DEPTH,
        "energy_budget": 1e-8,
        "chunk": 4,
        "store": str(store),
        "signals": [
            {"kind": "ecg", "count": 2},
            {"kind": "file", "path": str(signals_path)},
        ],
        "banks": [
            {"family": "meyer", "params": {"dilation": [2, 3]}},
            {"family": "gabor", "params": {"spacing": 0.0625}},
            {"family": "morlet", "params": {"octaves": 4}},
            {"family": "random", "params": {"seed": 2}},
            {"family": "real_wavelet"},
        ],
        "cluster": {"kind": "local", "workers": 1},
    }


def main() -> None:
    from conftest import build_store

    from pipeline.analysis import aggregate_results
    from pipeline.cascade import propagate
    from pipeline.filters import make_bank
    from pipeline.planning import plan_layers
    from pipeline.store import open_results
    from pipeline.theory import layers_table

    OUT.mkdir(parents=True, exist_ok=True)
    signals = fixed_signals()
    np.save(OUT / "signals.npy", signals)
    complex_row = signals[3] + 1j * signals[4]

    for family, params in FAMILY_PARAMS.items():
        bank = make_bank(family, LENGTH, **params)
        for budget in BUDGETS:
            real = propagate(signals, bank, depth=DEPTH, energy_budget=budget)
            save_dataset(real, OUT / f"propagate_{family}_{budget:g}")
            cplx = propagate(complex_row[None], bank, depth=DEPTH, energy_budget=budget)
            save_dataset(cplx, OUT / f"propagate_complex_{family}_{budget:g}")

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        spec = sweep_spec(OUT / "signals.npy", folder / "golden.zarr")
        (folder / "sweep.yaml").write_text(yaml.safe_dump(spec))
        store = build_store(folder / "sweep.yaml")
        fits = aggregate_results(open_results(store), replicates=200, seed=7)
        save_dataset(open_results(store).load(), OUT / "store")
        save_dataset(fits.load(), OUT / "fits")
        for family in PLAN_FAMILIES:
            plan = plan_layers(family, {}, EPSILONS, bandwidth=0.1)
            save_dataset(plan, OUT / f"plan_{family}")
        plan_store = plan_layers("meyer", {"dilation": 2}, EPSILONS, data=store, length=LENGTH)
        save_dataset(plan_store, OUT / "plan_data_meyer")
        plan_computed = plan_layers("meyer", {"dilation": 1.5}, EPSILONS, data=store, length=LENGTH)
        save_dataset(plan_computed, OUT / "plan_data_meyer_computed")

    table = xr.Dataset({"layers_needed": layers_table()})
    save_dataset(table, OUT / "layers_table")
    save_dataset(
        xr.Dataset({"layers_needed": layers_table(l=2, bandwidth_over_delta=3.0)}),
        OUT / "layers_table_l2",
    )
    print(json.dumps(sorted(p.name for p in OUT.iterdir())))


if __name__ == "__main__":
    main()
