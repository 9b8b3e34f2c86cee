r"""Exponential decay :math:`W_n \approx C a^{-n}`: :math:`\log W_n = c - n \log a`
(docs/theory.md §6, Theorem B)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from ._registry import FitModel, register_fit_model


def layer_index(layers: NDArray[np.int64]) -> NDArray[np.float64]:
    """:math:`x(n) = n`."""
    return np.asarray(layers).astype(np.float64)


MODEL = register_fit_model(
    FitModel(
        name="exponential",
        code=1,
        key="exp",
        rate="exp_rate",
        abscissa=layer_index,
        rate_description="log a in W_n ~ C a^(-n) (natural log per layer); decay base a = "
        "exp(exp_rate)",
        pooled_description="log a of W_n ~ C_i a^(-n), one a per bank",
    )
)
