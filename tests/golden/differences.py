"""Print the largest relative difference between today's outputs and the golden files.

    python tests/golden/differences.py

The comparisons of ``tests/test_regression.py``, reporting the worst relative difference per
output instead of asserting (0.0: bit for bit). The worst-case layer counts that the redesign
sets to NaN on banks failing a hypothesis (issue 8, one rule) are left out of the fits.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np
import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))


def main() -> None:
    from conftest import build_store
    from golden.generate import (
        BUDGETS,
        DEPTH,
        EPSILONS,
        FAMILY_PARAMS,
        LENGTH,
        PLAN_FAMILIES,
        sweep_spec,
    )
    from golden_io import compare

    from pipeline.analysis import aggregate_results
    from pipeline.cascade import propagate
    from pipeline.filters import make_bank
    from pipeline.planning import plan_layers
    from pipeline.store import open_results

    golden = HERE / "v0"
    worst: dict[str, float] = {}

    def note(name: str, differences: dict[str, float]) -> None:
        worst[name] = max([worst.get(name, 0.0), *differences.values()])

    signals = np.load(golden / "signals.npy")
    for family, params in FAMILY_PARAMS.items():
        bank = make_bank(family, LENGTH, **params)
        for budget in BUDGETS:
            real = propagate(signals, bank, depth=DEPTH, energy_budget=budget)
            note("propagate", compare(golden / f"propagate_{family}_{budget:g}", real))
            row = (signals[3] + 1j * signals[4])[None]
            cplx = propagate(row, bank, depth=DEPTH, energy_budget=budget)
            note("propagate", compare(golden / f"propagate_complex_{family}_{budget:g}", cplx))
    with tempfile.TemporaryDirectory() as folder:
        spec = sweep_spec(golden / "signals.npy", Path(folder) / "golden.zarr")
        (Path(folder) / "sweep.yaml").write_text(yaml.safe_dump(spec))
        store = build_store(Path(folder) / "sweep.yaml")
        note("store", compare(golden / "store", open_results(store).load()))
        fits = aggregate_results(open_results(store), replicates=200, seed=7).load()
        skip = ("layers_needed_general_bound", "layers_needed_exponential_bound")
        note("fits", compare(golden / "fits", fits, skip=skip))
        plan = plan_layers("meyer", {"dilation": 2}, EPSILONS, data=store, length=LENGTH)
        note("plan --data", compare(golden / "plan_data_meyer", plan))
    for family in PLAN_FAMILIES:
        plan = plan_layers(family, {}, EPSILONS, bandwidth=0.1)
        note("plan --bandwidth", compare(golden / f"plan_{family}", plan))
    for name, value in worst.items():
        print(f"{name:18s} largest relative difference {value:.3g}")


if __name__ == "__main__":
    main()
