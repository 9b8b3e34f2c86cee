"""The cascade's modes in a sweep: config, hashes, store variables and coordinates, verify."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import yaml
from conftest import build_store

from flows.cli.library import store_summary
from pipeline.cascade import propagate
from pipeline.errors import ConfigError
from pipeline.store import open_results, verify_store
from pipeline.sweep import SweepConfig, load_config
from pipeline.sweep.unit import bank_for


def _spec(store: Path, **extra: object) -> dict:
    return {
        "name": "modes",
        "length": 64,
        "signals": [{"kind": "white_noise", "count": 4, "seed": 0}],
        "banks": [{"family": "meyer"}, {"family": "morlet", "params": {"octaves": 3}}],
        "depth": 3,
        "chunk": 2,
        "store": str(store),
        **extra,
    }


def _config(tmp_path: Path, **extra: object) -> SweepConfig:
    return SweepConfig.from_mapping(_spec(tmp_path / "s.zarr", **extra))


def test_default_modes_leave_the_text_and_hashes_as_before(tmp_path: Path) -> None:
    plain = _config(tmp_path)
    explicit = _config(tmp_path, path_rule="all", sampling="exact", oversampling=2)
    assert "path_rule" not in plain.canonical_text()
    assert "sampling" not in plain.canonical_text()
    assert explicit.computation_hash() == plain.computation_hash()
    unit = plain.work_units()[0]
    assert explicit.unit_hash(unit) == plain.unit_hash(unit)
    assert "path_rule_per_bank" not in plain.bank_coords()
    ruled = _config(tmp_path, path_rule="frequency_decreasing")
    critical = _config(tmp_path, sampling="critical")
    finer = _config(tmp_path, sampling="critical", oversampling=4)
    hashes = {c.computation_hash() for c in (plain, ruled, critical, finer)}
    assert len(hashes) == 4
    assert SweepConfig.from_yaml(ruled.canonical_text()) == ruled


def test_the_critical_scheme_enters_only_critical_units_hashes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a store computed by an earlier way of choosing the coarse grids is recomputed on a rerun,
    # never mixed; exact-mode units keep their hashes
    import pipeline.sweep.identity as identity

    spec = _spec(tmp_path / "s.zarr")
    spec["banks"][1]["sampling"] = "critical"
    config = SweepConfig.from_mapping(spec)
    units = config.work_units()
    before = {unit: config.unit_hash(unit) for unit in units}
    monkeypatch.setattr(identity, "CRITICAL_SCHEME", identity.CRITICAL_SCHEME - 1)
    for unit in units:
        changed = config.unit_hash(unit) != before[unit]
        assert changed == (unit.bank == 1), unit


def test_a_bank_may_override_the_modes(tmp_path: Path) -> None:
    spec = _spec(tmp_path / "s.zarr")
    spec["banks"][1]["path_rule"] = "frequency_decreasing"
    config = SweepConfig.from_mapping(spec)
    coords = config.bank_coords()
    assert list(coords["path_rule_per_bank"]) == ["all", "frequency_decreasing"]
    assert list(coords["sampling_per_bank"]) == ["exact", "exact"]
    assert SweepConfig.from_yaml(config.canonical_text()) == config


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"path_rule": "kymatio"}, "path_rule"),
        ({"sampling": "fast"}, "sampling"),
        ({"oversampling": 0.5}, "oversampling"),
        ({"sampling": "critical", "shape": [16, 16]}, "sampling"),
    ],
)
def test_bad_modes_are_one_line_config_errors(tmp_path: Path, extra: dict, field: str) -> None:
    spec = _spec(tmp_path / "s.zarr", **extra)
    if "shape" in extra:
        del spec["length"]
        spec["banks"] = [{"family": "morlet_2d"}]
    with pytest.raises(ConfigError) as caught:
        SweepConfig.from_mapping(spec)
    assert field in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.slow
def test_a_sweep_with_modes_stores_and_verifies_its_slack_and_error(tmp_path: Path) -> None:
    spec = _spec(tmp_path / "modes.zarr", path_rule="frequency_decreasing", sampling="critical")
    config_path = tmp_path / "sweep.yaml"
    config_path.write_text(yaml.safe_dump(spec))
    store = build_store(config_path)
    assert verify_store(store).ok
    stored = open_results(store)
    assert stored.attrs["path_rule"] == "frequency_decreasing"
    assert stored.attrs["sampling"] == "critical"
    config = load_config(config_path)
    signals = config.load_signals(0, 4)
    for bank in range(2):
        direct = propagate(
            signals,
            bank_for(config, bank),
            3,
            path_rule="frequency_decreasing",
            sampling="critical",
        )
        for name in ("propagated_energy", "pruned_slack", "rule_slack", "sampling_error"):
            np.testing.assert_array_equal(stored[name].isel(bank=bank).values, direct[name].values)
    assert float(stored.rule_slack.isel(layer=2).min()) > 0
    assert float(stored.sampling_error.isel(layer=2).max()) > 0
    # `show` says how the cascade ran
    (cascade,) = [line for line in store_summary(Path(store)) if "cascade:" in line]
    assert "path_rule frequency_decreasing, sampling critical, oversampling 2" in cascade
