"""The report's figures, one module each; every ``plot_*`` returns a matplotlib ``Figure``.

Figures are built with :class:`matplotlib.figure.Figure` directly (no pyplot state), so rendering
is thread-safe and needs no display.
"""

from __future__ import annotations

from ._style import DPI, png_bytes
from .bound_ratios import plot_bound_ratios
from .decay import plot_decay
from .exponents import plot_exponents
from .layers_needed import plot_layers_needed

__all__ = [
    "DPI",
    "plot_bound_ratios",
    "plot_decay",
    "plot_exponents",
    "plot_layers_needed",
    "png_bytes",
]
