r"""Figures and tables of a fitted sweep: PNGs and one self-contained HTML page.

``energy-sweep report STORE`` reads a store after ``energy-sweep fit STORE``
(:func:`pipeline.store.open_results`) and writes, into one folder:

- ``decay.png``: per family, the median over signals of :math:`W_n/\|f\|^2` against the layer n
  with its 10–90 % band, the bounds (A) (docs/theory.md §4) and (B) (§6) normalised the same way,
  and the median pruning slack :math:`s_n/\|f\|^2` (the true :math:`W_n` lies in
  :math:`[W_n, W_n + s_n]`);
- ``exponents.png``: the pooled decay rate :math:`\log a` of :math:`W_n \sim C_i a^{-n}` and the
  pooled exponent :math:`\beta` of :math:`W_n \sim C_i n^{-\beta}` per bank
  (:mod:`pipeline.analysis.pooled`), with bootstrap intervals, against the family's scale parameter
  (:attr:`pipeline.filters.FamilyInfo.scale_parameters`);
- ``layers_needed.png``: per bank and :math:`\varepsilon`, the distribution over signals of the
  smallest N with :math:`\sum_{n\le N} F_n \ge (1-\varepsilon)\|f\|^2`, beside the worst-case
  sufficient N of Theorems A and B (docs/theory.md §8);
- ``bound_ratios.png``: per bank the distribution over signals of
  :math:`\max_{N\ge1} W_N / \text{bound}_N` for (A) and (B);
- ``report.html``: the four figures embedded as data URIs, the tables (banks, layers needed,
  violations, provenance) and the config, in one file with inline CSS.

The package has one module per job: :mod:`~pipeline.report.summaries` (lazy reductions of the
store to small Datasets), :mod:`~pipeline.report.figures` (one module per figure),
:mod:`~pipeline.report.tables` (pandas DataFrames rendered by ``Styler``),
:mod:`~pipeline.report.page` (the HTML page and the atomic writes) and
:mod:`~pipeline.report.build` (the entry point that strings them together). The parts are
imported from their modules; this package exports what the CLI uses.
"""

from __future__ import annotations

from ..errors import FitsMissingError, ReportError
from .build import build_report, default_report_dir
from .page import FIGURE_FILES, HTML_FILE
from .summaries import COUNT_QUANTILE_METHOD

__all__ = [
    "COUNT_QUANTILE_METHOD",
    "FIGURE_FILES",
    "HTML_FILE",
    "FitsMissingError",
    "ReportError",
    "build_report",
    "default_report_dir",
]
