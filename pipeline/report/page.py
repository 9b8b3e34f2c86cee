"""The report page: one self-contained HTML file, and the atomic writing of the report's files.

The page is a Jinja2 template with autoescaping (every value from the store is escaped by Jinja2;
the tables come already rendered and escaped by pandas' ``Styler``, :mod:`pipeline.report.tables`),
inline CSS and the PNGs embedded as base64 data URIs: nothing is fetched from elsewhere.
"""

from __future__ import annotations

import base64
import os
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup
from pandas.io.formats.style import Styler

from ..errors import ReportError

__all__ = ["CAPTIONS", "FIGURE_FILES", "HTML_FILE", "render_html", "write_report_files"]

#: The page, and the figures written beside it (also embedded in it), in page order.
HTML_FILE = "report.html"
FIGURE_FILES = (
    "decay.png",
    "local_rates.png",
    "exponents.png",
    "layers_needed.png",
    "bound_ratios.png",
    "rate_vs_a.png",
)

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif;
       max-width: 1200px; margin: 1.5em auto; padding: 0 1em; color: #222; line-height: 1.4; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; } h2 { margin-top: 1.8em; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.6em 0; font-size: 0.9em; }
th, td { border: 1px solid #ccc; padding: 0.25em 0.6em; vertical-align: top; }
thead th { background: #f3f3f3; text-align: left; } tbody th { text-align: left; font-weight: normal; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
#T_provenance td { font-family: ui-monospace, monospace; font-size: 0.95em; }
.bad { color: #c00; font-weight: 600; } .ok { color: #276221; } .muted { color: #777; }
figure { margin: 1em 0 2em 0; } figure img { max-width: 100%; border: 1px solid #ddd; }
figcaption { font-size: 0.9em; color: #444; max-width: 60em; }
pre { background: #f7f7f7; padding: 0.8em; overflow-x: auto; font-size: 0.85em; }
code { font-size: 0.9em; } .note { max-width: 60em; }
"""

#: The caption of each figure (HTML: sub- and superscripts).
CAPTIONS = {
    "decay.png": Markup(
        "Energy still propagating after layer n, W<sub>n</sub>/‖f‖², per bank: the median over "
        "signals (line) with the 10–90 % band at layers where the median is resolved "
        "(W<sub>n</sub> > 10 s<sub>n</sub>). Where pruning leaves a layer unresolved the true "
        "median lies in [W<sub>n</sub>, W<sub>n</sub> + s<sub>n</sub>] (docs/theory.md §2): "
        "drawn as a pale bar up to a cap at W<sub>n</sub> + s<sub>n</sub>, with the kept value "
        "(a lower bound only) as an open triangle. Bounds (A) and (B) are near 1 at these "
        "depths; bound_ratios.png compares them with W<sub>N</sub> + s<sub>N</sub>."
    ),
    "local_rates.png": Markup(
        "Layer-by-layer decay rate log(W<sub>n</sub>/W<sub>n+1</sub>) per bank (natural log; "
        "x: layer n of the step from W<sub>n</sub> to W<sub>n+1</sub>): mean over all signals "
        "where both layers are resolved (line), smallest to largest over the signals with the "
        "slack included (band), and log a of the derived base a = (ρ+1)/(ρ−1) dashed (the rate "
        "bound (B) guarantees, docs/theory.md §6). A constant rate is exponential decay, a rate "
        "falling to 0 a power law, a rising rate neither."
    ),
    "exponents.png": Markup(
        "Pooled decay per bank (mean over the signals fitted in every bank of each curve's "
        "least-squares rate on layers n ≥ 2): log a of "
        "W<sub>n</sub> ~ C<sub>i</sub> a<sup>−n</sup> (top) and β of W<sub>n</sub> ~ "
        "C<sub>i</sub> n<sup>−β</sup> (bottom), against the family's scale parameter. Black: "
        "all signals with the bootstrap interval (filled where that model is preferred); "
        "faded: the pool of each signal class; grey bar: the rate bound (B) guarantees, "
        "log((ρ+1)/(ρ−1)) (docs/theory.md §6), drawn for banks that meet the hypotheses."
    ),
    "layers_needed.png": Markup(
        "Smallest N with Σ<sub>n≤N</sub> F<sub>n</sub> ≥ (1−ε)‖f‖² per bank and ε (feature "
        "layers n = 0..N): bar width = share of signals that need exactly N, outlined black "
        "the median; red bar in the row ≥depth: signals that do not get there within the depth, "
        "with their count; ▼ and ▲: the largest worst-case sufficient N over the signals of "
        "Theorem A and Theorem B (docs/theory.md §8, L = the signal's essential bandwidth). "
        "Symlog axis: linear up to just past the depth, logarithmic above."
    ),
    "bound_ratios.png": Markup(
        "Measured energy over the bounds, distribution over signals per bank, bound (A) plain, "
        "(B) hatched. Left: the stored max<sub>N≥1</sub> W<sub>N</sub>/bound<sub>N</sub>; above "
        "the dashed line at 1 a curve exceeds the bound. It is reached at N = 1, where both "
        "windows are the high-pass ball and the bounds are nearly tight: a violation check, not "
        "a measure of decay. Right: (W<sub>N</sub> + s<sub>N</sub>)/bound<sub>N</sub> at each "
        "bank's deepest computed layer — the true W<sub>N</sub> is at most W<sub>N</sub> + "
        "s<sub>N</sub>, so this is how much room the bounds leave there whatever was pruned. "
        "Banks that fail a hypothesis of docs/theory.md §3 are labelled in red (their bounds are "
        "not guaranteed); the counts of curves flagged over each bound are on the right."
    ),
    "rate_vs_a.png": Markup(
        "Section (iii): per bank, x the derived log a with a = (ρ+1)/(ρ−1) (docs/theory.md §6), "
        "y the measured local rate log(W<sub>n</sub>/W<sub>n+1</sub>), mean over all signals "
        "and resolved layers n ≥ 2, the bar from the smallest lower to the largest upper end "
        "over signals and layers (slack included). Dashed: y = x, the rate bound (B) "
        "guarantees for band-limited inputs. Hollow: the bank fails a hypothesis."
    ),
}

_TEMPLATE = """\
<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>{{ title }}</title><style>{{ css }}</style></head><body>
<h1>{{ title }}</h1>
<p class="muted">Energy propagation in deep scattering networks — {{ p.reference }}</p>
<p>Store <code>{{ p.store }}</code>: {{ p.curves }}; depth {{ p.depth }}, energy budget \
{{ p.energy_budget }}.</p>
{% if unexplained %}<p class="bad">{{ unexplained }} curve(s) exceed bound (A) or (B) on banks \
that meet every hypothesis: this is a bug (see Violations).</p>
{% endif %}
<h2>Banks</h2>
{{ tables.banks }}
<p class="note muted">Bounds that hold: a bank meeting every hypothesis of docs/theory.md §3 has \
(A) and (B); on a finite grid every analytic high-pass Parseval bank has ρ ≤ 1/(2δ), so (B) with \
the derived a = (ρ+1)/(ρ−1) > 1 applies to the random (“general”) banks too, and polynomial and \
exponential guarantees differ only in how they scale with N (docs/theory.md §13). δ: high-pass \
radius (cycles/sample); ρ: largest band-edge ratio. Pooled rates: the mean over the signals \
fitted in every bank of each curve's least-squares rate on resolved layers n ≥ 2, with a \
bootstrap interval that also holds the pruning budget's effect (lower, upper); preferred model: \
smaller summed AIC; curves used: signals in the pool.</p>
{% for section in sections %}
<h2>{{ section.title }}</h2>
<p class="note">{{ section.text }}</p>
{{ section.table }}
{% if section.figure is defined %}<figure id="{{ section.figure.name }}"><img \
alt="{{ section.figure.name }}" src="data:image/png;base64,{{ section.figure.data }}">\
<figcaption><b>{{ section.figure.name }}</b>: {{ section.figure.caption }}</figcaption>\
</figure>{% endif %}
{% endfor %}
<h2>Figures</h2>
{% for figure in figures %}
<figure id="{{ figure.name }}"><img alt="{{ figure.name }}" \
src="data:image/png;base64,{{ figure.data }}"><figcaption><b>{{ figure.name }}</b>: \
{{ figure.caption }}</figcaption></figure>
{% endfor %}
<h2>Layers needed</h2>
<p class="note">N with Σ<sub>n≤N</sub> F<sub>n</sub> ≥ (1−ε)‖f‖² (feature layers n = 0..N). Worst \
cases: the largest sufficient N over the signals of Theorem A and B (docs/theory.md §8, L = the \
signal's essential bandwidth; n/a where a bank has no δ or no finite a). Measured: observed \
quantiles over the signals; “≥{{ p.depth }} (not reached)” where the quantile falls on signals \
that do not reach 1−ε within the depth, counted in the column “not reached”.</p>
{{ tables.layers }}
<h2>Violations</h2>
<p class="note{% if unexplained %} bad{% endif %}">A curve violates a bound when its measured \
W<sub>N</sub> exceeds it beyond round-off at some N ≥ 1. On a bank that fails a hypothesis this \
only says which hypothesis matters; an <b>unexplained violation</b> — a flag on a bank that meets \
every hypothesis (Parseval, analyticity, high-pass) — is a bug in the cascade, the bounds or the \
bank checks, never a finding.</p>
{{ tables.violations }}
<h2>Provenance</h2>
{{ tables.provenance }}
<details><summary>config (YAML)</summary><pre>{{ p.config }}</pre></details>
</body></html>
"""

_ENVIRONMENT = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)


def render_html(
    images: Mapping[str, bytes],
    tables: Mapping[str, Styler],
    provenance: Mapping[str, Any],
    unexplained: int,
    sections: Sequence[Mapping[str, Any]] = (),
) -> str:
    """The self-contained page: inline CSS, the PNGs as base64 data URIs, escaped text.

    Parameters
    ----------
    images
        PNG bytes by file name, shown in :data:`FIGURE_FILES` order.
    tables
        ``banks``, ``layers``, ``violations``, ``provenance``: the Stylers of
        :mod:`pipeline.report.tables` (their HTML escapes every text cell).
    provenance
        :func:`pipeline.report.summaries.provenance` (its text is escaped here).
    unexplained
        flagged violations on banks that meet every hypothesis (a warning heads the page).
    sections
        extra sections after the bank table, in order: ``title`` and ``text`` (escaped, or
        ``Markup``) and ``table`` (a Styler), e.g. :data:`pipeline.report.build.SECTIONS`;
        optionally ``figure``, the name of a PNG of ``images`` shown under the table (and then
        not again among the figures).
    """
    shown_in_sections = {section["figure"] for section in sections if "figure" in section}
    figures = [
        {
            "name": name,
            "data": base64.b64encode(images[name]).decode("ascii"),
            "caption": CAPTIONS.get(name, ""),
        }
        for name in FIGURE_FILES
        if name in images and name not in shown_in_sections
    ]
    return _ENVIRONMENT.from_string(_TEMPLATE).render(
        title=str(provenance.get("title") or "energy-sweep report"),
        css=Markup(_CSS),
        p=provenance,
        unexplained=unexplained,
        figures=figures,
        tables={name: Markup(styler.to_html()) for name, styler in tables.items()},
        sections=[_section(section, images) for section in sections],
    )


def _section(section: Mapping[str, Any], images: Mapping[str, bytes]) -> dict[str, Any]:
    """A section for the template: its table as HTML, its figure (if any) as base64."""
    shown = {**section, "table": Markup(section["table"].to_html())}
    if "figure" in section:
        name = section["figure"]
        data = base64.b64encode(images[name]).decode("ascii")
        shown["figure"] = {"name": name, "data": data, "caption": CAPTIONS.get(name, "")}
    return shown


def write_report_files(out_dir: Path, images: Mapping[str, bytes], page: bytes) -> Path:
    """Write the PNGs, then the page, each under a temporary name renamed into place.

    Returns
    -------
    pathlib.Path
        the page, ``out_dir / HTML_FILE``.

    Raises
    ------
    ReportError
        when a file cannot be written; a folder this call created is removed again if empty.
    """
    created = not out_dir.exists()
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        for name, data in [*images.items(), (HTML_FILE, page)]:
            target = out_dir / name
            staging = out_dir / f".{name}.tmp-{uuid.uuid4().hex[:12]}"
            try:
                staging.write_bytes(data)
                os.replace(staging, target)
            finally:
                staging.unlink(missing_ok=True)
    except OSError as error:
        if created and out_dir.is_dir() and not any(out_dir.iterdir()):
            out_dir.rmdir()
        raise ReportError(
            f"cannot write the report to {out_dir}: {type(error).__name__}: {error}"
        ) from error
    return out_dir / HTML_FILE
