"""The report of a real (small) sweep store: the page, its tables' numbers, its figures, errors, CLI.

One fitted store and one report, built once for the module (:func:`built`): the store as the
sweep flow builds it (its schema task's plain function and every work unit, no Prefect server),
fitted with :func:`pipeline.analysis.aggregate_results`, and reported through the CLI, the way a
user does it. Every test reads that page or recomputes a table from the same store; the tables'
behaviour on hand-made summaries is in ``test_report_tables.py``.
"""

from __future__ import annotations

import base64
import html
import shutil
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
from conftest import build_store
from typer.testing import CliRunner

import pipeline.report.build as build_module
from flows.cli import app
from pipeline.analysis import aggregate_results, bank_labels
from pipeline.analysis.pooled import ALL_SIGNALS
from pipeline.report import (
    COUNT_QUANTILE_METHOD,
    FIGURE_FILES,
    HTML_FILE,
    FitsMissingError,
    ReportError,
    build_report,
    default_report_dir,
)
from pipeline.report.page import write_report_files
from pipeline.report.summaries import bank_info, pooled_summary
from pipeline.report.tables import bank_table
from pipeline.store import StoreError, open_results, write_fits

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
#: The real_wavelet bank: fails analyticity and decays slowest, so some signals miss 1 - eps.
SLOW_BANK = 3


@dataclass(frozen=True)
class Built:
    """The module's fitted store, a copy of it made before the fits, its report and the CLI's
    output while writing it."""

    store: Path
    unfitted: Path
    page: Path
    output: str

    def text(self) -> str:
        return self.page.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Built:

    folder = tmp_path_factory.mktemp("report")
    config = folder / "sweep.yaml"
    config.write_text(CONFIG.format(store=folder / "sweep.zarr"))
    store = Path(build_store(config))
    unfitted = folder / "unfitted.zarr"
    shutil.copytree(store, unfitted)
    write_fits(store, aggregate_results(open_results(store), replicates=50))
    result = CliRunner().invoke(app, ["report", str(store)])
    assert result.exit_code == 0, result.output
    page = default_report_dir(store) / HTML_FILE
    return Built(store=store, unfitted=unfitted, page=page, output=result.output)


@pytest.fixture(scope="module")
def dataset(built: Built) -> xr.Dataset:
    return open_results(built.store).load()


class _Tables(HTMLParser):
    """Cell texts of every ``<table id=...>`` of a page, row by row: ``(tag, text, classes)``."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[tuple[str, str, str]]]] = {}
        self._table: str | None = None
        self._cell: list[str] | None = None
        self._tag = ""
        self._classes = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "table":
            self._table = values.get("id") or f"table{len(self.tables)}"
            self.tables[self._table] = []
        elif tag == "tr" and self._table is not None:
            self.tables[self._table].append([])
        elif tag in ("td", "th") and self._table is not None:
            self._cell, self._tag, self._classes = [], tag, values.get("class") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self._table = None
        elif tag in ("td", "th") and self._cell is not None and self._table is not None:
            text = " ".join("".join(self._cell).split())
            self.tables[self._table][-1].append((self._tag, text, self._classes))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _tables(page: str) -> dict[str, list[list[tuple[str, str, str]]]]:
    parser = _Tables()
    parser.feed(page)
    return parser.tables


def _data_rows(table: list[list[tuple[str, str, str]]]) -> list[list[str]]:
    """The ``<td>`` texts of each body row (header rows have none)."""
    rows = [[text for tag, text, _ in row if tag == "td"] for row in table]
    return [row for row in rows if row]


def _header(table: list[list[tuple[str, str, str]]]) -> list[str]:
    """The column headings of a table with one header row (blank index cells dropped)."""
    return [text for tag, text, _ in table[0] if tag == "th" and text.strip("\xa0 ")]


def _fixed(value: float, spec: str) -> str:
    return format(value, spec) if np.isfinite(value) else "n/a"


# --------------------------------------------------------------------------------------------
# the page


def test_page_embeds_every_figure_and_names_banks_and_provenance(
    built: Built, dataset: xr.Dataset
) -> None:
    assert built.page.name == HTML_FILE and built.page.is_file()
    page = built.text()
    assert page.count("data:image/png;base64,") == len(FIGURE_FILES)
    for name in FIGURE_FILES:
        data = (built.page.parent / name).read_bytes()
        assert data.startswith(PNG_SIGNATURE)
        assert len(data) > 20_000  # drawn, not blank
        assert f"data:image/png;base64,{base64.b64encode(data).decode('ascii')}" in page
    for label in bank_labels(dataset):
        assert html.escape(label) in page
    provenance = {row[0][1]: row[1][1] for row in _tables(page)["T_provenance"] if len(row) == 2}
    assert provenance["computation hash"] == dataset.attrs["computation_hash"]
    assert provenance["fit: bootstrap replicates"] == "50"
    assert provenance["curves"] == f"{8 * 4} of {8 * 4} (signal, bank) curves computed"
    assert "<details><summary>config (YAML)</summary>" in page
    assert html.escape(dataset.attrs["config"]) in page
    # self-contained: nothing fetched from elsewhere; captions cite the project's own docs
    assert "<link" not in page and 'src="http' not in page and "<script" not in page
    assert "THEORY.md" not in page and "docs/theory.md §8" in page
    assert not list(built.page.parent.glob(".*tmp*"))  # no staging files left behind


def test_cli_prints_the_page_and_every_figure(built: Built) -> None:
    assert f"report: {built.page}" in built.output
    for name in FIGURE_FILES:
        assert f"figure: {built.page.parent / name}" in built.output


def test_bank_table_holds_the_fits_numbers(built: Built, dataset: xr.Dataset) -> None:
    everything = dataset.sel(pool=ALL_SIGNALS)
    # the table's values are the fits group's numbers, not a re-rounding of them
    frame = bank_table(pooled_summary(dataset), bank_info(dataset), dataset.sizes["signal"]).data
    for column, values in (
        ("δ", dataset["high_pass_delta"]),
        ("ρ", dataset["band_ratio"]),
        ("a = (ρ+1)/(ρ−1)", dataset["decay_base"]),
        ("pooled log a", everything["pooled_exp_rate"]),
        ("log a: lower", everything["pooled_exp_rate_lower"]),
        ("pooled β", everything["pooled_poly_exponent"]),
        ("β: upper", everything["pooled_poly_exponent_upper"]),
        ("curves used", everything["pooled_curves"]),
    ):
        np.testing.assert_array_equal(frame[column].to_numpy(), values.values, err_msg=column)
    # and the page shows them
    table = _tables(built.text())["T_banks"]
    header = _header(table)
    rows = _data_rows(table)
    assert len(rows) == dataset.sizes["bank"]
    for b, row in enumerate(rows):
        cells = dict(zip(header, row, strict=True))
        assert cells["bank"] == bank_labels(dataset)[b]
        assert cells["a = (ρ+1)/(ρ−1)"] == _fixed(float(dataset["decay_base"][b]), ".4g")
        assert cells["pooled log a"] == _fixed(float(everything["pooled_exp_rate"][b]), ".3f")
        assert cells["β: lower"] == _fixed(
            float(everything["pooled_poly_exponent_lower"][b]), ".3f"
        )
        assert cells["curves used"] == str(int(everything["pooled_curves"][b]))
        met = all(bool(dataset[name][b]) for name in ("meets_analyticity", "meets_parseval"))
        assert cells["bounds that hold (§3, §6)"].startswith("(A) and (B), a = ") == (
            met and bool(dataset["meets_high_pass"][b])
        )
    assert (
        rows[SLOW_BANK][header.index("bounds that hold (§3, §6)")]
        == "fails analyticity: no bound guaranteed"
    )


def test_layers_needed_table_matches_the_dataset(built: Built, dataset: xr.Dataset) -> None:
    depth = dataset.sizes["layer"] - 1
    table = _tables(built.text())["T_layers"]
    rows = _data_rows(table)
    n_eps = dataset.sizes["epsilon"]
    assert len(rows) == dataset.sizes["bank"] * n_eps
    # the slow bank's group is labelled with the hypothesis it fails
    labels = [text for row in table for tag, text, _ in row if tag == "th"]
    slow = bank_labels(dataset)[SLOW_BANK]
    assert f"{slow} — fails analyticity: worst cases not guaranteed" in labels
    missed_anywhere = False
    for b in range(dataset.sizes["bank"]):
        chosen = dataset.isel(bank=b)
        for k, eps in enumerate(dataset["epsilon"].values):
            needed = chosen["layers_needed"].isel(epsilon=k).values
            counted = np.where(np.isnan(needed), np.inf, needed)
            missed = int(np.isnan(needed).sum())
            missed_anywhere |= missed > 0

            def shown(value: float) -> str:
                if np.isnan(value):
                    return "n/a"
                return f"≥{depth} (not reached)" if np.isinf(value) else str(int(value))

            worst = [
                np.nanmax(chosen[name].isel(epsilon=k).values)
                if np.isfinite(chosen[name].isel(epsilon=k).values).any()
                else np.nan
                for name in ("layers_needed_general_bound", "layers_needed_exponential_bound")
            ]
            expected = [
                *[shown(value) for value in worst],
                *[
                    shown(np.quantile(counted, q, method=COUNT_QUANTILE_METHOD))
                    for q in (0.5, 0.9, 1.0)
                ],
                str(missed),
                str(needed.size),
            ]
            assert rows[b * n_eps + k] == expected, (b, eps)
            assert f"ε = {eps:g} (keep {100 * (1 - eps):g} %)" in labels
    assert missed_anywhere  # "not reached" rows are shown, not dropped


def test_violation_table_counts_the_flags(built: Built, dataset: xr.Dataset) -> None:
    table = _tables(built.text())["T_violations"]
    header = _header(table)
    for b, row in enumerate(_data_rows(table)):
        cells = dict(zip(header, row, strict=True))
        chosen = dataset.isel(bank=b)
        assert cells["curves"] == str(dataset.sizes["signal"])
        assert cells["curves over (A)"] == str(int(chosen["violates_bound_general"].sum()))
        assert cells["curves over (B)"] == str(int(chosen["violates_bound_exponential"].sum()))
        assert cells["unexplained violations"] == str(int(chosen["unexplained_violation"].sum()))
        ratio = chosen["bound_general_ratio"].values
        largest = np.max(ratio[ratio > 0]) if (ratio > 0).any() else np.nan
        assert cells["max ratio (A)"] == _fixed(largest, ".6g")


# --------------------------------------------------------------------------------------------
# errors and failures


def test_store_without_fits_is_one_line_and_writes_nothing(built: Built, tmp_path: Path) -> None:
    out = tmp_path / "out"
    with pytest.raises(FitsMissingError) as caught:
        build_report(built.unfitted, out)
    message = str(caught.value)
    assert "\n" not in message and f"energy-sweep fit {built.unfitted}" in message
    assert not out.exists()


def test_a_path_that_is_not_a_store_is_a_store_error(tmp_path: Path) -> None:
    with pytest.raises(StoreError):
        build_report(tmp_path / "missing.zarr", tmp_path / "out")


def test_a_failing_figure_writes_nothing(
    built: Built, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("figure failed")

    monkeypatch.setattr(build_module, "plot_decay", broken)
    out = tmp_path / "out"
    with pytest.raises(RuntimeError, match="figure failed"):
        build_report(built.store, out)
    assert not out.exists()


def test_a_failing_write_leaves_no_page_and_no_staging_files(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (out / "exponents.png").mkdir(parents=True)  # a folder in the way of the third figure
    (out / "exponents.png" / "keep").write_text("x")
    images = {name: PNG_SIGNATURE + name.encode() for name in FIGURE_FILES}
    with pytest.raises(ReportError, match=str(out)):
        write_report_files(out, images, b"<html></html>")
    assert not (out / HTML_FILE).exists()
    assert sorted(p.name for p in out.iterdir()) == [
        "decay.png",
        "exponents.png",
        "local_rates.png",
    ]


def test_an_unwritable_folder_is_a_report_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(ReportError, match="cannot write the report"):
        write_report_files(blocker / "out", {}, b"<html></html>")


def test_default_folder_sits_beside_the_store() -> None:
    assert default_report_dir("runs/sweep.zarr") == Path("runs/sweep_report")
    assert default_report_dir(Path("runs/sweep.zarr/")) == Path("runs/sweep_report")
    assert default_report_dir("plain") == Path("plain_report")


def test_cli_report_of_a_store_without_fits_is_one_line_exit_two(
    built: Built, tmp_path: Path
) -> None:

    result = CliRunner().invoke(app, ["report", str(built.unfitted), "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0
    assert "energy-sweep fit" in result.output


def test_cli_report_of_a_missing_store_is_one_line_exit_two(tmp_path: Path) -> None:

    result = CliRunner().invoke(app, ["report", str(tmp_path / "missing.zarr")])
    assert result.exit_code == 2
    assert result.output.strip().count("\n") == 0
    assert "not an energy-sweep store" in result.output


def test_cli_report_with_scans_adds_sections_i_and_iv_and_their_figures(
    built: Built, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import functools

    import pipeline.report.n_scaling_section as scaling
    import pipeline.report.worst_case_section as worst
    from pipeline.analysis.n_scaling import SCALING_BANKS, SCALING_KINDS, n_scaling
    from pipeline.analysis.worst_case_search import worst_case_search

    # the same code paths, smaller: two small N, a short search
    lengths = (128, 256)
    monkeypatch.setattr(scaling, "n_scaling", functools.partial(n_scaling, lengths=lengths))
    short = functools.partial(worst_case_search, population=4, keep=2, steps=1)
    monkeypatch.setattr(worst, "worst_case_search", short)
    out = tmp_path / "with_scans"
    result = CliRunner().invoke(app, ["report", str(built.store), "--out", str(out), "--scans"])
    assert result.exit_code == 0, result.output
    page = (out / HTML_FILE).read_text(encoding="utf-8")
    for title, name in (
        (worst.TITLE, worst.WORST_CASE_FIGURE),
        (scaling.N_SCALING_TITLE, scaling.N_SCALING_FIGURE),
    ):
        assert title in html.unescape(page)
        figure = (out / name).read_bytes()
        assert figure.startswith(PNG_SIGNATURE)
        assert base64.b64encode(figure).decode("ascii") in page
    tables = _tables(page)
    rows = _data_rows(tables["T_n_scaling"])
    assert len(rows) == len(SCALING_BANKS) * len(SCALING_KINDS) * len(lengths)
    assert {row[2] for row in rows} == {str(n) for n in lengths}
    assert len(_data_rows(tables["T_worst_case"])) == len(worst.SEARCH_BANKS)


def test_section_iii_table_is_the_mean_local_rate_and_derived_log_a(
    built: Built, dataset: xr.Dataset
) -> None:
    from pipeline.analysis.resolution import FIRST_FIT_LAYER

    rows = _data_rows(_tables(built.text())["T_derived_rates"])
    assert len(rows) == dataset.sizes["bank"]
    every = dataset.sel(pool=ALL_SIGNALS)
    deep = every.layer >= FIRST_FIT_LAYER
    measured = every.pooled_local_rate.where(deep).mean("layer").values
    base = dataset.decay_base.values
    for b, row in enumerate(rows):
        derived = np.log(base[b]) if base[b] > 1 else np.nan
        assert row[4] == _fixed(derived, ".3f")
        assert row[5] == _fixed(measured[b], ".3f")
        if np.isfinite(measured[b]):
            # the mean lies inside the range over signals and layers
            assert float(row[6]) <= measured[b] + 5e-4 and measured[b] - 5e-4 <= float(row[7])


def test_every_missing_fitted_rate_in_the_regime_tables_says_why(built: Built) -> None:
    tables = _tables(built.text())
    for name in ("T_regimes", "T_classes"):
        header = _header(tables[name])
        fitted, why = header.index("fitted log a"), header.index("why n/a")
        rows = _data_rows(tables[name])
        assert rows
        for row in rows:
            if row[fitted] == "n/a":
                assert row[why], row
