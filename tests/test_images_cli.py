"""``energy-sweep banks`` and ``energy-sweep plan`` on 2-D grids: the families of
configs/images.yaml on its grid, and a plan read from a real (cut-down) images store.

In d = 2 both follow the rule of ``energy-sweep fit``: Theorem A with alpha(2) = 0.6294 and the
window order (d + 1)/2 = 1.5, no Theorem B (docs/theory.md §4, §6, §14).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import yaml
from conftest import build_store
from typer.testing import CliRunner

from flows.cli import app
from pipeline.errors import InvalidParameterError
from pipeline.filters import families, make_bank
from pipeline.planning import plan_layers
from pipeline.store import open_results
from pipeline.theory import bank_facts, empirical_layers_needed, layers_needed_general

REPO = Path(__file__).resolve().parents[1]
runner = CliRunner()


def images_config() -> dict:
    return yaml.safe_load((REPO / "configs" / "images.yaml").read_text())


@pytest.fixture(scope="module")
def images_store(tmp_path_factory: pytest.TempPathFactory) -> str:
    """configs/images.yaml cut down: its grid, two image groups (one row each), two banks of its
    own (curvelet alpha = 1/2 and ridgelet), depth 3, exact."""
    root = tmp_path_factory.mktemp("images-plan")
    config = images_config()
    config["signals"] = [
        dict(g, count=1) for g in config["signals"] if g["kind"] in ("camera", "cartoon")
    ]
    config["banks"] = [
        {"family": "curvelet", "params": {"scales": 3, "alpha": 0.5}},
        {"family": "ridgelet", "params": {"scales": 3, "directions": 4}},
    ]
    config.update(depth=3, energy_budget=0.0, chunk=2, store=str(root / "images.zarr"))
    path = root / "images.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return build_store(path)


def test_banks_lists_the_2d_families_on_the_images_grid() -> None:
    n1, n2 = images_config()["shape"]
    result = runner.invoke(app, ["banks", "--shape", f"{n1}x{n2}"])
    assert result.exit_code == 0, result.output
    assert f"filter banks on {n1} x {n2}" in result.output
    rows = {line.split("│")[1].strip(): line for line in result.output.splitlines() if "│" in line}
    assert set(rows) == set(families(ndim=2))
    for family, row in rows.items():
        cells = [cell.strip() for cell in row.split("│")[1:-1]]
        bank = make_bank(family, (n1, n2))
        assert int(cells[1]) == bank.n_filters
        deviation = float(cells[3])
        if family == "morlet_2d":  # Kymatio's bank, not tight (docs/theory.md §14)
            assert deviation > 0.1 and cells[4] == "no"
        else:
            assert deviation <= 1e-12 and cells[4] == "yes", family
        assert float(cells[5]) == pytest.approx(bank.check().high_pass_delta, abs=5e-6)


@pytest.mark.parametrize(
    "arguments, message",
    [
        (["--shape", "3x32"], "shape = '3x32'"),
        (["--shape", "32x32x32"], "shape = '32x32x32'"),
        (["--shape", "32x32", "--length", "64"], "--length/--shape"),
    ],
)
def test_banks_refuses_a_bad_grid_in_one_line(arguments: list[str], message: str) -> None:
    result = runner.invoke(app, ["banks", *arguments])
    assert result.exit_code == 2
    assert message in result.output and len(result.output.strip().splitlines()) == 1


def test_plan_on_a_2d_grid_uses_alpha_of_d_and_no_theorem_b() -> None:
    result = runner.invoke(
        app,
        ["plan", "--family", "curvelet", "--param", "alpha=0.5", "--shape", "64x64",
         "--epsilon", "0.01", "--epsilon", "0.1", "--bandwidth", "0.2"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "on 64 x 64" in result.output and "l = 1.5, d = 2" in result.output
    assert "alpha(d) = log2(sqrt(d)/(sqrt(d) - 1/2)) = 0.6294" in result.output
    delta = bank_facts(make_bank("curvelet", (64, 64), alpha=0.5)).delta
    for eps in (0.01, 0.1):
        expected = layers_needed_general(eps, 0.2 / delta, l=1.5, d=2)
        row = re.search(rf"^\s*{eps:g}\s+{1 - eps:g}\s+0\.2\s+n/a\s+(\d+)\s*$", result.output, re.M)
        assert row is not None, result.output
        assert int(row.group(1)) == expected


def test_plan_takes_bandwidths_up_to_the_grid_corner() -> None:
    plan = plan_layers("directional", {}, [0.1], bandwidth=0.7, shape=(32, 32))
    assert plan.attrs["d"] == 2 and float(plan.bandwidth) == 0.7
    with pytest.raises(InvalidParameterError, match=r"^bandwidth = 0.71: .*\(0, 0.707107\]"):
        plan_layers("directional", {}, [0.1], bandwidth=0.71, shape=(32, 32))
    with pytest.raises(InvalidParameterError, match=r"^bandwidth = 0.7: .*\(0, 0.5\]"):
        plan_layers("meyer", {}, [0.1], bandwidth=0.7)


@pytest.mark.slow
def test_plan_with_an_images_store(images_store: str) -> None:
    stored = open_results(images_store)
    # a bank the store holds: its energies are read; one it does not hold: computed
    for family, params, source in (
        ("curvelet", {"scales": 3, "alpha": 0.5}, "store bank 0"),
        ("directional", {"scales": 3, "orientations": 6}, "computed"),
    ):
        plan = plan_layers(family, params, [0.01, 0.1], data=images_store)
        assert plan.attrs["source"] == source and plan.attrs["grid_shape"] == [32, 32]
        assert plan.attrs["d"] == 2 and plan.attrs["l"] == 1.5
        assert np.isnan(plan.worst_case_exponential).all()
        assert np.isfinite(plan.worst_case_general).all()
        assert plan.computed.all()
        if source != "computed":
            expected = empirical_layers_needed(stored.isel(bank=0), np.array([0.01, 0.1]))
            np.testing.assert_array_equal(
                plan.empirical_layers.values, expected.transpose("signal", "epsilon").values
            )
    result = runner.invoke(
        app, ["plan", "--family", "ridgelet", "--param", "scales=3", "--param", "directions=4",
              "--epsilon", "0.01", "--data", images_store]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "on 32 x 32" in result.output and "store bank 1" in result.output
    wrong = runner.invoke(
        app, ["plan", "--family", "ridgelet", "--epsilon", "0.1", "--data", images_store,
              "--shape", "64x64"]
    )  # fmt: skip
    assert wrong.exit_code == 2 and "grid shape [32, 32]" in wrong.output


@pytest.mark.slow
def test_fit_summary_of_an_images_store_names_theorem_a_and_a_local_rate(images_store: str) -> None:
    """What `energy-sweep fit` prints per bank (the flow's summary rows) on a 2-D store: only
    (A) with alpha(2) is claimed, and the deepest local rate with its range over signals."""
    from flows.aggregate import summarise
    from flows.cli.running import fits_table
    from pipeline.analysis import aggregate_results
    from pipeline.store import write_fits

    write_fits(images_store, aggregate_results(open_results(images_store), replicates=20))
    rows = summarise.fn(images_store)
    fitted = open_results(images_store)
    local = fitted.pooled_local_rate.sel(pool="all").load()
    for index, row in enumerate(rows):
        assert row["theorem"] == "(A) with alpha(2) = 0.6294; (B) is d = 1 only"
        n, mean, lowest, highest = row["local_rate"]
        assert n == 2  # depth 3: log(W_2/W_3) is the deepest local rate
        assert mean == float(local.isel(bank=index).sel(layer=2))
        assert lowest <= mean <= highest
    console_text = str(fits_table(Path(images_store), rows).columns[6].header)
    assert console_text == "local rate"
