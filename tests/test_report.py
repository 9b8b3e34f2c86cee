"""The report of a real (small) sweep store: figures, the self-contained page, tables, errors, CLI.

The store is built as the sweep flow builds it (its schema task's plain function and every work
unit, no Prefect server) and fitted with :func:`pipeline.aggregate.aggregate_results`.
"""

from __future__ import annotations

import base64
import html
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from conftest import build_store
from typer.testing import CliRunner

import pipeline.report as report_module
from flows.cli import app
from pipeline.aggregate import aggregate_results, bank_labels
from pipeline.report import (
    COUNT_QUANTILE_METHOD,
    FIGURE_FILES,
    HTML_FILE,
    FitsMissingError,
    build_report,
    default_report_dir,
)
from pipeline.store import StoreError, open_results, write_fits

runner = CliRunner()

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

CONFIG = """\
name: report-test
length: 128
depth: 4
energy_budget: 1.0e-10
chunk: 4
store: {store}
signals:
  - {{kind: white_noise, count: 4, seed: 0}}
  - {{kind: band_limited, count: 2, seed: 1, params: {{bandwidth: 0.1}}}}
  - {{kind: chirp, count: 2, seed: 2, params: {{f0: 0.01, f1: 0.3}}}}
banks:
  - {{family: meyer, params: {{dilation: [2.0, 3.0]}}}}
  - {{family: gabor}}
  - {{family: real_wavelet}}
cluster: {{kind: local, workers: 1}}
"""


@dataclass(frozen=True)
class Built:
    """A fitted store, a copy of it made before the fits, and its report."""

    store: Path
    unfitted: Path
    page: Path


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:
    folder = tmp_path_factory.mktemp("report")
    config = folder / "sweep.yaml"
    config.write_text(CONFIG.format(store=folder / "sweep.zarr"))
    store = Path(build_store(config))
    unfitted = folder / "unfitted.zarr"
    shutil.copytree(store, unfitted)
    write_fits(store, aggregate_results(open_results(store), replicates=100))
    page = build_report(store, folder / "out")
    return Built(store=store, unfitted=unfitted, page=page)


def _table_rows(page: str, heading: str) -> list[list[str]]:
    """Cell texts of the rows of the first table after ``<h2>{heading}</h2>``."""
    section = page.split(f"<h2>{heading}</h2>", 1)[1]
    table = section.split("</table>", 1)[0]
    rows = []
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, flags=re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)
        if cells:
            rows.append([html.unescape(re.sub(r"<[^>]+>", " ", c)).strip() for c in cells])
    return rows


def test_page_embeds_every_figure_and_names_banks_and_provenance(built: Built) -> None:
    assert built.page.name == HTML_FILE and built.page.is_file()
    page = built.page.read_text(encoding="utf-8")
    for name in FIGURE_FILES:
        data = (built.page.parent / name).read_bytes()
        assert data.startswith(PNG_SIGNATURE)
        assert len(data) > 20_000
        assert f"data:image/png;base64,{base64.b64encode(data).decode('ascii')}" in page
    dataset = open_results(built.store)
    for label in bank_labels(dataset):
        assert html.escape(label) in page
    assert dataset.attrs["computation_hash"] in page
    assert "<details><summary>config (YAML)</summary>" in page
    assert "bootstrap replicates" in page
    # self-contained: nothing fetched from elsewhere
    assert "<link" not in page and 'src="http' not in page and "<script" not in page
    assert not list(built.page.parent.glob(".*tmp*"))  # no staging files left behind


def test_layers_needed_table_matches_the_dataset(built: Built) -> None:
    dataset = open_results(built.store).load()
    depth = dataset.sizes["layer"] - 1
    rows = _table_rows(built.page.read_text(encoding="utf-8"), "Layers needed")
    assert len(rows) == dataset.sizes["bank"] * dataset.sizes["epsilon"]
    bank = 3  # real_wavelet: fails analyticity, the slowest decay here
    label = bank_labels(dataset)[bank]
    first = next(i for i, row in enumerate(rows) if row[0].startswith(label))
    chosen = dataset.isel(bank=bank)
    missed_anywhere = False
    for k, eps in enumerate(dataset["epsilon"].values):
        row = rows[first + k]
        needed = chosen["layers_needed"].isel(epsilon=k).values
        counted = np.where(np.isnan(needed), np.inf, needed)
        missed = int(np.isnan(needed).sum())
        missed_anywhere |= missed > 0

        def shown(value: float) -> str:
            return f"≥{depth} (not reached)" if np.isinf(value) else str(int(value))

        worst_a = np.nanmax(chosen["layers_needed_general_bound"].isel(epsilon=k).values)
        worst_b = np.nanmax(chosen["layers_needed_exponential_bound"].isel(epsilon=k).values)
        expected = [
            f"{eps:g}",
            f"{100 * (1 - eps):g} %",
            str(int(worst_a)),
            str(int(worst_b)),
            *[
                shown(np.quantile(counted, q, method=COUNT_QUANTILE_METHOD))
                for q in (0.5, 0.9, 1.0)
            ],
            f"{missed}/{needed.size}",
        ]
        assert row[1:] == expected, (eps, row)
    assert missed_anywhere  # "not reached" rows are shown, not dropped


def test_store_without_fits_is_one_line_and_writes_nothing(built: Built, tmp_path: Path) -> None:
    out = tmp_path / "out"
    with pytest.raises(FitsMissingError) as caught:
        build_report(built.unfitted, out)
    message = str(caught.value)
    assert "\n" not in message and "energy-sweep fit" in message
    assert not out.exists()


def test_a_path_that_is_not_a_store_is_a_store_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError):
        build_report(tmp_path / "missing.zarr", tmp_path / "out")


def test_a_failure_leaves_no_partial_page(
    built: Built, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("figure failed")

    monkeypatch.setattr(report_module, "plot_exponents", broken)
    out = tmp_path / "out"
    with pytest.raises(RuntimeError, match="figure failed"):
        build_report(built.store, out)
    assert not (out / HTML_FILE).exists()


def test_default_folder_sits_beside_the_store() -> None:
    assert default_report_dir("runs/sweep.zarr") == Path("runs/sweep_report")
    assert default_report_dir(Path("runs/sweep.zarr/")) == Path("runs/sweep_report")
    assert default_report_dir("plain") == Path("plain_report")


def test_cli_report_prints_the_page_and_figures(built: Built) -> None:
    result = runner.invoke(app, ["report", str(built.store)])
    assert result.exit_code == 0, result.output
    page = default_report_dir(built.store) / HTML_FILE
    assert str(page) in result.output
    for name in FIGURE_FILES:
        assert str(page.parent / name) in result.output
    assert page.is_file()


def test_cli_report_of_a_missing_store_is_one_line_exit_two(tmp_path: Path) -> None:
    result = runner.invoke(app, ["report", str(tmp_path / "missing.zarr")])
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0
    assert "not an energy-sweep store" in result.output
