"""Banks rebuilt from a store (``pipeline.analysis.stored_banks``): every family's parameters,
with their types, through a real store's ``bank`` coordinates and back.

The stores are real: the sweep flow's own schema step (``prepare_store``) writes the bank
coordinates exactly as ``energy-sweep run`` does.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml

from flows.sweep import prepare_store
from pipeline.analysis.stored_banks import stored_bank_table, stored_banks
from pipeline.filters import FilterBank, _registry, families, family_info, make_bank
from pipeline.grid import Grid
from pipeline.store import open_results
from pipeline.sweep import load_config

#: Non-default values for every shipped family, 1-D on N = 256 and 2-D on 32 x 32.
PARAMS: dict[str, dict[str, Any]] = {
    "meyer": {"dilation": 1.5},
    "gabor": {"spacing": 0.0625},
    "morlet": {"octaves": 4, "per_octave": 2},
    "random": {"filters": 8, "seed": 3},
    "real_wavelet": {"scales": 4},
    "curvelet": {"alpha": 0.25, "scales": 2, "coarsest_wedges": 4},
    "directional": {"scales": 2, "orientations": 6},
    "ridgelet": {"scales": 2, "directions": 4},
    "shearlet": {"scales": 2, "coarsest_shears": 2},
    "weyl_heisenberg_2d": {"spacing": 0.125, "delta": 0.2},
    "morlet_2d": {"scales": 2, "orientations": 4, "normalise": 1},
}


def make_flagged(
    grid: Grid, *, dilation: float = 2.0, exact: bool = True, profile: str = "smooth"
) -> FilterBank:
    """A plugin family with a boolean and a text parameter: the meyer bank, renamed."""
    meyer = make_bank("meyer", grid, dilation=dilation)
    params = {"dilation": dilation, "exact": exact, "profile": profile}
    return dataclasses.replace(meyer, family="flagged", params=params)


@pytest.fixture
def flagged_family(monkeypatch: pytest.MonkeyPatch) -> str:
    """``flagged`` registered for one test: in a copy of the registry, restored afterwards."""
    monkeypatch.setattr(_registry, "_FAMILIES", dict(_registry._FAMILIES))
    _registry.register("flagged", make_flagged, scale_parameters=("dilation",))
    return "flagged"


def schema_store(tmp_path: Path, shape: list[int], banks: list[dict[str, Any]]) -> str:
    """A real store's schema (bank coordinates included) from a config with these banks."""
    config = {
        "name": "stored-banks",
        "shape": shape,
        "depth": 2,
        "energy_budget": 0.0,
        "chunk": 2,
        "store": "banks.zarr",
        "signals": [{"kind": "white_noise", "count": 2, "seed": 0}],
        "banks": banks,
    }
    path = tmp_path / "banks.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    loaded = load_config(path)
    prepare_store.fn(loaded, overwrite=True)
    return loaded.store


def assert_round_trip(store: str, expected: list[FilterBank]) -> None:
    """The store's table gives every bank's resolved parameters back with their types, and the
    rebuilt banks are the banks (bit for bit)."""
    stored = open_results(store)
    table = stored_bank_table(stored)
    assert [family for family, _ in table] == [bank.family for bank in expected]
    for (family, params), bank in zip(table, expected, strict=True):
        assert params == bank.params, family
        for name, value in params.items():
            assert type(value) is type(bank.params[name]), (family, name, value)
    for rebuilt, bank in zip(stored_banks(stored), expected, strict=True):
        assert rebuilt.params == bank.params
        np.testing.assert_array_equal(rebuilt.filters, bank.filters)
        np.testing.assert_array_equal(rebuilt.lowpass, bank.lowpass)


@pytest.mark.parametrize("ndim", [1, 2])
def test_every_family_round_trips_through_a_store(tmp_path: Path, ndim: int) -> None:
    shape = [256] if ndim == 1 else [32, 32]
    names = families(ndim=ndim)
    assert set(names) <= set(PARAMS), "a new family needs its parameters in PARAMS"
    # each family twice: its defaults and other values, so every column has several types
    banks = [{"family": n} for n in names] + [{"family": n, "params": PARAMS[n]} for n in names]
    expected = [make_bank(b["family"], tuple(shape), **b.get("params", {})) for b in banks]
    assert_round_trip(schema_store(tmp_path, shape, banks), expected)


def test_boolean_and_text_parameters_round_trip(tmp_path: Path, flagged_family: str) -> None:
    """A family whose resolved parameters hold a bool and a text (stored as text) beside one
    that lacks them (stored as ""): both come back as they were, not as strings."""
    assert family_info(flagged_family).ndim == 1
    banks = [
        {"family": flagged_family},
        {"family": flagged_family, "params": {"dilation": 1.5, "profile": "sharp"}},
        {"family": "meyer"},
    ]
    expected = [make_bank(b["family"], 256, **b.get("params", {})) for b in banks]
    assert expected[0].params["exact"] is True
    store = schema_store(tmp_path, [256], banks)
    assert open_results(store)["bank_exact"].values.tolist() == ["True", "True", ""]
    assert_round_trip(store, expected)
