"""The report's tables, page and scale axes on hand-made summaries: no store, no figures.

What a real store gives is checked in ``test_report.py``; here the corner cases a small sweep may
not hit: text that needs escaping, NaN ("n/a") and +inf ("not reached") cells, the CSS marks of
failed hypotheses and unexplained violations, a family's declared scale parameter.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
import xarray as xr

from pipeline.analysis.fit import EXPONENTIAL
from pipeline.analysis.pooled import ALL_SIGNALS
from pipeline.report.page import render_html
from pipeline.report.summaries import RATIO_QUANTILES, BankInfo, scale_axes
from pipeline.report.tables import (
    bank_table,
    layers_needed_table,
    provenance_table,
    violation_table,
)

HOSTILE = '<script>alert("x")</script> & co'
BANKS = BankInfo(
    labels=[HOSTILE, "plain"], families=["meyer", "gabor"], failed=[[], ["analyticity"]]
)
DEPTH = 4


def _pooled() -> xr.Dataset:
    pools = [ALL_SIGNALS, "white_noise"]
    values = np.array([[1.25, np.nan], [2.0, 3.0]])
    per_pool = {
        name: (("pool", "bank"), values + shift)
        for shift, name in enumerate(["pooled_exp_rate", "pooled_poly_exponent"])
    }
    for name in ("pooled_exp_rate", "pooled_poly_exponent"):
        per_pool[f"{name}_lower"] = (("pool", "bank"), per_pool[name][1] - 0.5)
        per_pool[f"{name}_upper"] = (("pool", "bank"), per_pool[name][1] + 0.5)
    return xr.Dataset(
        {
            **per_pool,
            "pooled_preferred_model": (("pool", "bank"), np.array([[EXPONENTIAL, -1], [0, 0]])),
            "pooled_curves": (("pool", "bank"), np.array([[7, 1], [3, 0]])),
            "high_pass_delta": ("bank", [0.0234375, np.nan]),
            "band_ratio": ("bank", [3.765, 2.2]),
            "decay_base": ("bank", [1.7229, np.inf]),
        },
        coords={"pool": pools},
    )


def _cells(html: str, table: str) -> list[str]:
    """The ``<td>`` texts of a rendered table, in order."""
    return re.findall(rf'<td id="T_{table}_row\d+_col\d+" class="([^"]*)" >(.*?)</td>', html)


def test_bank_table_keeps_the_numbers_and_escapes_the_labels() -> None:
    styler = bank_table(_pooled(), BANKS, n_signals=8)
    frame = styler.data
    assert frame["pooled log a"].tolist()[0] == 1.25
    assert np.isnan(frame["pooled log a"].tolist()[1])
    assert frame["e^(log a)"].tolist()[0] == pytest.approx(np.exp(1.25))
    assert frame["preferred model"].tolist() == ["exponential", "unresolved"]
    html = styler.to_html()
    assert (
        HOSTILE not in html and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; co" in html
    )
    cells = _cells(html, "banks")
    width = frame.shape[1]
    first, second = cells[:width], cells[width:]
    assert first[1] == ("data row0 col1 ok", "(A) and (B), a = 1.72")
    assert second[1] == ("data row1 col1 bad", "fails analyticity: no bound guaranteed")
    assert first[2][1] == "0.023438" and second[2][1] == "n/a"  # δ: NaN is "n/a"
    assert second[4][1] == "n/a"  # a: +inf (no finite decay base) is "n/a"
    assert first[5][1] == "1.250" and second[5][1] == "n/a"
    assert all("num" in css for css, _ in first[2:12])


def _layers() -> xr.Dataset:
    shape = ("bank", "epsilon")
    return xr.Dataset(
        {
            "worst_general": (shape, [[12.0, 30.0], [np.nan, np.nan]]),
            "worst_exponential": (shape, [[3.0, 5.0], [4.0, np.nan]]),
            "median": (shape, [[1.0, 2.0], [3.0, np.inf]]),
            "p90": (shape, [[1.0, 3.0], [np.inf, np.inf]]),
            "max": (shape, [[2.0, 3.0], [np.inf, np.inf]]),
            "not_reached": (shape, [[0, 0], [2, 5]]),
            "signals": ("bank", [8, 8]),
        },
        coords={"epsilon": [0.1, 0.01]},
    )


def test_layers_table_shows_not_reached_and_not_applicable() -> None:
    styler = layers_needed_table(_layers(), BANKS, DEPTH)
    assert styler.data.loc[("plain — fails analyticity: worst cases not guaranteed", 0.01)][
        "measured median"
    ] == pytest.approx(np.inf)
    html = styler.to_html()
    cells = _cells(html, "layers")
    rows = [cells[i : i + 7] for i in range(0, len(cells), 7)]
    assert [text for _, text in rows[0]] == ["12", "3", "1", "1", "2", "0", "8"]
    assert [text for _, text in rows[3]] == [
        "n/a",
        "n/a",
        *["≥4 (not reached)"] * 3,
        "5",
        "8",
    ]
    assert all("bad" in css for css, _ in rows[3][2:6])
    assert not any("bad" in css for css, _ in rows[0])
    assert "ε = 0.01 (keep 99 %)" in html
    assert "&lt;script&gt;" in html and "<script>" not in html
    # the failing bank's label is red (through the Styler's own CSS)
    assert "#T_layers_level0_row2" in html and "color: #c00" in html


def test_violation_table_marks_unexplained_violations() -> None:
    quantile = list(RATIO_QUANTILES)
    ratios = np.linspace(0.1, 1.5, len(quantile))[:, None] * np.array([1.0, 2.0])
    summary = xr.Dataset(
        {
            "general": (("quantile", "bank"), ratios),
            "exponential": (("quantile", "bank"), ratios / 2),
            "signals": ("bank", [8, 8]),
            "over_general": ("bank", [1, 3]),
            "over_exponential": ("bank", [0, 2]),
            "unexplained": ("bank", [1, 0]),
        },
        coords={"quantile": quantile},
    )
    styler = violation_table(summary, BANKS)
    assert styler.data["max ratio (A)"].tolist() == [1.5, 3.0]
    rows = _cells(styler.to_html(), "violations")
    assert [text for _, text in rows[:8]][2:] == ["8", "1", "0", "1.5", "0.75", "1"]
    assert "bad" in rows[7][0] and "bad" not in rows[15][0]  # unexplained: bank 0 only
    assert rows[9] == ("data row1 col1 bad", "fails analyticity")


def test_provenance_and_page_escape_what_the_store_holds() -> None:
    provenance = {
        "store": "/tmp/a<b>.zarr",
        "title": "<i>sweep</i>",
        "depth": 4,
        "curves": "8 of 8",
        "reference": "paper",
        "energy_budget": 1e-10,
        "fits": {"bootstrap_replicates": 50},
        "config": "name: <x>\n",
    }
    styler = provenance_table(provenance)
    assert styler.data.loc["fit: bootstrap replicates", "value"] == "50"
    tables = {"banks": bank_table(_pooled(), BANKS, 8), "provenance": styler}
    tables |= {"layers": layers_needed_table(_layers(), BANKS, DEPTH)}
    tables |= {"violations": provenance_table({})}
    page = render_html({"decay.png": b"\x89PNG"}, tables, provenance, unexplained=2)
    assert "<i>" not in page and "&lt;i&gt;sweep&lt;/i&gt;" in page
    assert "/tmp/a&lt;b&gt;.zarr" in page and "name: &lt;x&gt;" in page
    assert page.count("data:image/png;base64,") == 1
    assert '<p class="bad">2 curve(s) exceed bound (A) or (B)' in page
    assert "<script" not in page


def test_scale_axes_take_the_family_declared_parameter() -> None:
    # meyer declares (dilation, scales): dilation varies, so it is the axis even though
    # scales varies too; gabor has one bank, so it joins the categorical panel
    dataset = xr.Dataset(
        coords={
            "family": ("bank", ["meyer", "meyer", "gabor"]),
            "bank_scales": ("bank", [4.0, 2.0, np.nan]),
            "bank_dilation": ("bank", [2.0, 3.0, np.nan]),
            "bank_seed": ("bank", [1.0, 2.0, 3.0]),
        }
    )
    banks = BankInfo(
        labels=["m2", "m3", "g"], families=["meyer", "meyer", "gabor"], failed=[[]] * 3
    )
    panels = scale_axes(dataset, banks)
    assert [(p.title, p.parameter, p.banks) for p in panels] == [
        ("meyer", "dilation", [0, 1]),
        ("other banks", None, [2]),
    ]
    np.testing.assert_array_equal(panels[0].values, [2.0, 3.0])


def test_scale_axes_never_put_two_banks_at_one_x() -> None:
    # the paper sweep's gabor banks: spacing and delta both repeat, so no single parameter
    # separates them (they were drawn on top of each other against spacing); meyer twice at
    # dilation 2 (budgeted and exact) likewise; each family gets its own categorical panel
    dataset = xr.Dataset(
        coords={
            "family": ("bank", ["meyer", "meyer", "meyer", "gabor", "gabor", "gabor", "gabor"]),
            "bank_dilation": ("bank", [2.0, 3.0, 2.0, *[np.nan] * 4]),
            "bank_spacing": ("bank", [*[np.nan] * 3, 1 / 16, 1 / 32, 1 / 16, 1 / 16]),
            "bank_delta": ("bank", [*[np.nan] * 3, 1 / 16, 1 / 32, 1 / 64, 1 / 32]),
        }
    )
    labels = ["m2", "m3", "m2 exact", "g16", "g32", "g16 d64", "g16 d32"]
    families = [str(f) for f in dataset["family"].values]
    panels = scale_axes(dataset, BankInfo(labels=labels, families=families, failed=[[]] * 7))
    assert [(p.title, p.parameter, p.banks) for p in panels] == [
        ("meyer", None, [0, 1, 2]),
        ("gabor", None, [3, 4, 5, 6]),
    ]
    # with distinct spacings, gabor is drawn against spacing again
    dataset = dataset.isel(bank=[3, 4])
    panels = scale_axes(
        dataset, BankInfo(labels=["g16", "g32"], families=["gabor"] * 2, failed=[[]] * 2)
    )
    assert [(p.title, p.parameter, p.banks) for p in panels] == [("gabor", "spacing", [0, 1])]
