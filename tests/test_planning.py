"""``energy-sweep plan``: worst-case layer counts (docs/theory.md §8) beside empirical ones.

The stores are real: made with the pipeline's own functions (``create_store``, ``compute_unit``),
no Prefect, and read back through ``plan_layers``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from conftest import build_store as build_sweep_store
from typer.testing import CliRunner

from flows.cli import app
from pipeline import theory
from pipeline.analysis.stored_banks import stored_bank_facts
from pipeline.cascade import propagate
from pipeline.errors import InvalidParameterError, UnknownFamilyError
from pipeline.filters import make_bank
from pipeline.planning import (
    format_count,
    parse_epsilons,
    parse_params,
    plan_header,
    plan_layers,
    summarise,
)
from pipeline.store import StoreError, clear_unit
from pipeline.sweep import SweepConfig
from pipeline.theory import bank_facts, bank_facts_dataset

runner = CliRunner()
#: wide enough that rich never wraps an error line (one line means one logical line)
WIDE = {"COLUMNS": "400"}

SPEC = """
name: plan-test
length: 256
signals:
  - {{kind: band_limited, count: 8, seed: 1, params: {{bandwidth: 0.1}}}}
  - {{kind: white_noise, count: 8, seed: 100}}
banks:
{banks}
depth: 5
energy_budget: 1.0e-8
chunk: 8
store: {store}
"""


def build_store(path: Path, banks: list[str]) -> str:
    """A complete sweep store: the schema as the flow writes it, then every work unit."""
    text = SPEC.format(banks="\n".join(f"  - {{family: {b}}}" for b in banks), store=path)
    config_path = path.with_suffix(".yaml")
    config_path.write_text(text)
    return build_sweep_store(config_path)


@pytest.fixture(scope="module")
def stores(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Two stores of the same signals: one holds meyer and gabor, the other gabor only."""
    root = tmp_path_factory.mktemp("plan")
    return {
        "both": build_store(root / "both.zarr", ["meyer", "gabor"]),
        "gabor": build_store(root / "gabor.zarr", ["gabor"]),
    }


EPSILONS = [0.01, 0.1, 0.5]


# --------------------------------------------------------------------------------------------
# worst case from a bandwidth


def test_worst_case_equals_theory_by_hand() -> None:
    plan = plan_layers("meyer", {"dilation": 2}, EPSILONS, bandwidth=0.1)
    bank = make_bank("meyer", 1024, dilation=2)
    delta = bank.check().high_pass_delta
    a = theory.decay_base_from_band_ratio(theory.band_ratio(bank))
    expected_exp = theory.layers_needed_exponential(EPSILONS, 0.1 / delta, a=a, l=1)
    expected_gen = theory.layers_needed_general(EPSILONS, 0.1 / delta, l=1, d=1)
    expected_recalled = theory.layers_needed_exponential(
        EPSILONS, 0.1 / delta, a=theory.WAVELET_DECAY_BASE, l=1
    )
    np.testing.assert_array_equal(plan.worst_case_exponential.values, expected_exp)
    np.testing.assert_array_equal(plan.worst_case_general.values, expected_gen)
    np.testing.assert_array_equal(plan.worst_case_recalled.values, expected_recalled)
    assert plan.attrs["delta"] == delta and plan.attrs["decay_base"] == a
    assert plan.attrs["worst_case_applies"] and plan.attrs["hypotheses_failed"] == []
    assert plan.attrs["meets_parseval"] and plan.attrs["meets_analyticity"]
    assert plan.worst_case_recalled.attrs["decay_base"] == theory.WAVELET_DECAY_BASE
    np.testing.assert_allclose(plan.energy_fraction, 1 - np.asarray(EPSILONS))
    # the numbers of docs/theory.md §8 at N = 1024, L = 0.1: x = (L/delta)/(1 - sqrt(1 - eps))
    assert list(plan.worst_case_exponential.values[:2]) == [18, 13]
    assert list(plan.worst_case_general.values[:2]) == [6809, 665]


def test_window_order_and_length_reach_the_formulas() -> None:
    plan = plan_layers("gabor", {}, [0.05], bandwidth=0.2, length=512, l=2)
    bank = make_bank("gabor", 512)
    facts = bank_facts(bank)
    ratio = 0.2 / facts.delta
    assert plan.attrs["length"] == 512 and plan.attrs["l"] == 2
    assert plan.worst_case_exponential.item() == theory.layers_needed_exponential(
        0.05, ratio, a=facts.decay_base, l=2
    )
    assert plan.worst_case_general.item() == theory.layers_needed_general(0.05, ratio, l=2)
    recalled = plan.worst_case_recalled
    assert recalled.attrs["decay_base"] == theory.WEYL_HEISENBERG_DECAY_BASE
    assert recalled.item() == theory.layers_needed_exponential(0.05, ratio, a=1.5, l=2)


def test_family_without_recalled_constant_has_no_recalled_column() -> None:
    plan = plan_layers("random", {"seed": 1}, [0.1], bandwidth=0.1)
    assert "worst_case_recalled" not in plan
    assert plan.attrs["params"]["seed"] == 1


def test_non_analytic_bank_reports_the_failure_and_no_number() -> None:
    plan = plan_layers("real_wavelet", {}, [0.01, 0.1], bandwidth=0.1)
    assert plan.attrs["hypotheses_failed"] == ["analyticity"]
    assert not plan.attrs["worst_case_applies"] and not plan.attrs["meets_analyticity"]
    assert plan.attrs["analyticity_defect"] == pytest.approx(0.5)
    # one rule with the fits group: the derived a is reported, the counts are not guaranteed
    assert plan.attrs["decay_base"] == bank_facts(make_bank("real_wavelet", 1024)).decay_base
    assert plan.attrs["decay_base"] > 1
    for name in ("worst_case_exponential", "worst_case_general", "worst_case_recalled"):
        assert np.all(np.isnan(plan[name].values)), name
    header = "\n".join(plan_header(plan))
    assert "fails: analyticity" in header and "do not apply" in header
    assert all(format_count(row["worst_case_exponential"]) == "n/a" for row in summarise(plan))


def test_plan_and_the_fits_group_agree_on_every_bank_of_the_paper_sweep() -> None:
    """Decay base and hypotheses of each bank of configs/paper_sweep.yaml: plan's (built from
    family and parameters) equal the fits group's (rebuilt from the store's bank coordinates)."""
    config = SweepConfig.from_yaml(
        (Path(__file__).parents[1] / "configs" / "paper_sweep.yaml").read_text()
    )
    coords = config.bank_coords()
    stand_in = xr.Dataset(  # the bank axis of the sweep's store, without running the sweep
        coords={name: ("bank", values) for name, values in coords.items()},
        attrs={"config": config.canonical_text(), "grid_shape": list(config.shape)},
    )
    fits = bank_facts_dataset(stored_bank_facts(stand_in))
    assert fits.sizes["bank"] == len(config.bank_table()) == 10
    for index, entry in enumerate(config.bank_table()):
        plan = plan_layers(entry.family, entry.params, [0.1], bandwidth=0.1, length=config.length)
        row = fits.isel(bank=index)
        assert plan.attrs["params"] == entry.params
        np.testing.assert_equal(plan.attrs["decay_base"], float(row.decay_base))
        np.testing.assert_equal(plan.attrs["band_ratio"], float(row.band_ratio))
        assert plan.attrs["delta"] == float(row.high_pass_delta)
        for name in ("meets_parseval", "meets_analyticity", "meets_high_pass"):
            assert plan.attrs[name] == bool(row[name]), (entry, name)
        assert ", ".join(plan.attrs["hypotheses_failed"]) == str(row.hypotheses_failed.values)


def test_parsing_helpers() -> None:
    assert parse_params(["dilation=2", "scales = 6", "kind=x", "w=1.5e-1"]) == {
        "dilation": 2,
        "scales": 6,
        "kind": "x",
        "w": 0.15,
    }
    with pytest.raises(InvalidParameterError, match="name=value"):
        parse_params(["dilation"])
    np.testing.assert_array_equal(parse_epsilons(["0.1", 0.01, 0.1]), [0.1, 0.01])
    for bad in ([], [0.0], [1.0], ["x"], [True], [float("nan")]):
        with pytest.raises(InvalidParameterError, match="epsilon"):
            parse_epsilons(bad)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"bandwidth": 0.1, "data": "x.zarr"}, InvalidParameterError, "exactly one"),
        ({}, InvalidParameterError, "exactly one"),
        ({"bandwidth": 0.0}, InvalidParameterError, "bandwidth"),
        ({"bandwidth": 0.6}, InvalidParameterError, "bandwidth"),
        ({"bandwidth": 0.1, "l": 0.5}, InvalidParameterError, "l = 0.5"),
        ({"bandwidth": 0.1, "length": 2}, InvalidParameterError, "length"),
        ({"data": "/no/such/store.zarr"}, StoreError, "not an energy-sweep store"),
    ],
)
def test_bad_input_raises_typed_errors(kwargs: dict, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        plan_layers("meyer", {}, [0.1], **kwargs)


def test_bad_family_and_parameter() -> None:
    with pytest.raises(UnknownFamilyError):
        plan_layers("nope", {}, [0.1], bandwidth=0.1)
    with pytest.raises(InvalidParameterError, match="not a parameter"):
        plan_layers("meyer", {"spacing": 2}, [0.1], bandwidth=0.1)


# --------------------------------------------------------------------------------------------
# with a store


def test_stored_bank_equals_fresh_propagation(stores: dict[str, str]) -> None:
    calls: list[tuple[int, int]] = []
    stored = plan_layers(
        "meyer", {"dilation": 2}, EPSILONS, data=stores["both"], progress=lambda *c: calls.append(c)
    )
    fresh = plan_layers("meyer", {}, EPSILONS, data=stores["gabor"])
    assert stored.attrs["source"] == "store bank 0"
    assert fresh.attrs["source"] == "computed"
    assert calls == [(0, 2), (1, 2), (2, 2)]
    for name in ("empirical_layers", "worst_case_exponential", "worst_case_general", "bandwidth"):
        xr.testing.assert_identical(stored[name], fresh[name])
    assert stored.computed.all()
    assert dict(stored.sizes) == {"signal": 16, "epsilon": 3}
    assert list(np.unique(stored.signal_class.values)) == ["band_limited", "white_noise"]
    # the store's gabor bank is read from either store, and is bank 1 / bank 0 there
    assert plan_layers("gabor", {}, [0.1], data=stores["both"]).attrs["source"] == "store bank 1"
    assert plan_layers("gabor", {}, [0.1], data=stores["gabor"]).attrs["source"] == "store bank 0"


def test_bank_not_in_store_is_computed_like_propagate(stores: dict[str, str]) -> None:
    plan = plan_layers("random", {"seed": 2}, [0.01, 0.1], data=stores["both"])
    assert plan.attrs["source"] == "computed"
    config = SweepConfig.from_yaml(xr.open_zarr(stores["both"]).attrs["config"])
    signals = config.load_signals(0, config.n_signals)
    result = propagate(
        signals,
        make_bank("random", 256, seed=2),
        config.depth,
        energy_budget=config.energy_budget,
    )
    expected = theory.empirical_layers_needed(result, [0.01, 0.1]).transpose("signal", "epsilon")
    np.testing.assert_array_equal(plan.empirical_layers.values, expected.values)
    np.testing.assert_array_equal(plan.bandwidth.values, theory.signal_bandwidth(signals).values)


def test_empirical_is_below_the_worst_case_for_band_limited_signals(
    stores: dict[str, str],
) -> None:
    plan = plan_layers("meyer", {}, [0.1, 0.01], data=stores["both"])
    band_limited = plan.where(plan.signal_class == "band_limited", drop=True)
    assert band_limited.sizes["signal"] == 8
    assert float(band_limited.bandwidth.max()) <= 0.1
    empirical = band_limited.empirical_layers
    assert not empirical.isnull().any()  # reached within the depth
    for name in ("worst_case_exponential", "worst_case_general"):
        assert (empirical <= band_limited[name]).all()  # docs/theory.md §8, per signal
        assert (empirical.median("signal") <= band_limited[name].median("signal")).all()
    for row in summarise(plan):
        assert row["exceeds_worst_case"] == 0
        assert row["signals"] == 16 and row["not_computed"] == 0 and row["not_reached"] == 0
        assert row["empirical_median"] <= row["empirical_p90"] <= row["empirical_max"]
        assert row["empirical_max"] < row["worst_case_exponential"]


def test_missing_units_are_not_counted_and_said(stores: dict[str, str], tmp_path: Path) -> None:
    copy = tmp_path / "partial.zarr"
    shutil.copytree(stores["both"], copy)
    clear_unit(copy, bank=0, chunk_index=1)  # signals 8..15 of meyer: no longer recorded
    plan = plan_layers("meyer", {}, [0.1], data=copy)
    assert plan.attrs["source"] == "store bank 0"
    assert plan.computed.values.tolist() == [True] * 8 + [False] * 8
    assert plan.empirical_layers.isel(signal=slice(8, None)).isnull().all()
    (row,) = summarise(plan)
    assert row["signals"] == 8 and row["not_computed"] == 8 and row["not_reached"] == 0
    assert any("8 of 16 signals not computed" in line for line in plan_header(plan))


def test_not_reached_is_counted_never_hidden(stores: dict[str, str]) -> None:
    plan = plan_layers("meyer", {}, [1e-12], data=stores["both"])  # within depth 5: impossible
    (row,) = summarise(plan)
    assert row["not_reached"] == 16
    assert np.isinf(row["empirical_median"]) and format_count(row["empirical_max"], 5) == ">=5"


def test_store_length_is_used_and_a_conflict_refused(stores: dict[str, str]) -> None:
    assert plan_layers("meyer", {}, [0.1], data=stores["both"], length=256).attrs["length"] == 256
    with pytest.raises(InvalidParameterError, match="store's length 256"):
        plan_layers("meyer", {}, [0.1], data=stores["both"], length=1024)


# --------------------------------------------------------------------------------------------
# command line


def test_cli_prints_the_table() -> None:
    result = runner.invoke(
        app,
        "plan --family meyer --epsilon 0.01 --epsilon 0.1 --bandwidth 0.1".split(),
        env=WIDE,
    )
    assert result.exit_code == 0, result.output
    for text in ("delta = 0.00292969", "derived a = (rho+1)/(rho-1) = 1.67363", "6809", "665"):
        assert text in result.output
    assert "[R]" in result.output and "recalled" in result.output


def test_cli_with_data_and_a_failing_bank(stores: dict[str, str]) -> None:
    result = runner.invoke(
        app,
        ["plan", "--family", "real_wavelet", "--epsilon", "0.1", "--data", stores["both"]],
        env=WIDE,
    )
    assert result.exit_code == 0, result.output
    assert "analytic NO" in result.output and "do not apply" in result.output
    assert "n/a" in result.output and "computed" in result.output
    assert "upper bound" in result.output  # the store was pruned (energy_budget 1e-8)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--family", "meyer", "--epsilon", "1.5", "--bandwidth", "0.1"], "epsilon = 1.5"),
        (["--family", "meyer", "--epsilon", "0.1", "--bandwidth", "0.1", "--data", "x.zarr"],
         "exactly one"),
        (["--family", "meyer", "--epsilon", "0.1"], "exactly one"),
        (["--family", "nope", "--epsilon", "0.1", "--bandwidth", "0.1"], "family = 'nope'"),
        (["--family", "meyer", "--param", "scales", "--epsilon", "0.1", "--bandwidth", "0.1"],
         "name=value"),
        (["--family", "meyer", "--epsilon", "0.1", "--data", "/no/such.zarr"],
         "not an energy-sweep store"),
    ],
)  # fmt: skip
def test_cli_errors_are_one_line_exit_two(arguments: list[str], message: str) -> None:
    result = runner.invoke(app, ["plan", *arguments], env=WIDE)
    assert result.exit_code == 2, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:"), result.output
    assert message in lines[0]
