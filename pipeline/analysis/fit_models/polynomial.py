r"""Polynomial decay :math:`W_n \approx C n^{-\beta}`: :math:`\log W_n = c - \beta \log n`
(docs/theory.md §4–§5, Theorem A)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ._registry import FitModel, register_fit_model


def log_layer(layers: NDArray[np.int64]) -> NDArray[np.float64]:
    """:math:`x(n) = \\log n` (n = 0 is never used; mapped to 0)."""
    return np.log(np.maximum(layers, 1).astype(np.float64))


MODEL = register_fit_model(
    FitModel(
        name="polynomial",
        code=2,
        key="poly",
        rate="poly_exponent",
        abscissa=log_layer,
        rate_description="beta in W_n ~ C n^(-beta)",
        pooled_description="beta of W_n ~ C_i n^(-beta), one beta per bank",
    )
)
