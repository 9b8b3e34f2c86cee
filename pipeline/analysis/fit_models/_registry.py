r"""Registry of decay models: each model module registers itself on import.

A model is a straight line after a transform: :math:`\log W_n = c - s\,x(n)` with its own
abscissa :math:`x(n)` of the layer index (docs/theory.md §4–§6). Per-curve and pooled fits
(:mod:`pipeline.analysis.fit`, :mod:`pipeline.analysis.pooled`) fit every registered model the
same way and prefer the one with the smallest AIC; the stored variable names come from the
model (``<rate>``, ``<rate>_se``, ``<key>_log_intercept``, ``aic_<key>``, ``pooled_<rate>``).
Adding a model is one module in this package plus its test.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

#: Value of ``preferred_model`` where no model could be fitted (CF flag value).
UNRESOLVED = 0
#: Its CF flag meaning.
UNRESOLVED_NAME = "unresolved"


@dataclass(frozen=True)
class FitModel:
    r"""A decay model :math:`\log W_n = c - s\,x(n)`.

    Attributes
    ----------
    name
        its CF flag meaning in ``preferred_model`` (one word).
    code
        its CF flag value in ``preferred_model`` (an int8 >= 1, never reused).
    key
        short name in ``aic_<key>``, ``<key>_log_intercept`` and the pooled sums.
    rate
        name of the stored decay parameter s (e.g. ``exp_rate``).
    abscissa
        :math:`x(n)` of an integer array of layers n (only n >= 1 are used).
    rate_description
        what s means, for the variable's ``description``.
    pooled_description
        what the pooled s means (one s per bank, one intercept per curve).
    """

    name: str
    code: int
    key: str
    rate: str
    abscissa: Callable[[NDArray[np.int64]], NDArray[np.float64]]
    rate_description: str
    pooled_description: str


_MODELS: dict[str, FitModel] = {}


def register_fit_model(model: FitModel) -> FitModel:
    """Register a decay model; its name, code, key and rate must be new."""
    if model.name in _MODELS and _MODELS[model.name] == model:
        return model
    if not 1 <= model.code <= 127:
        raise ValueError(f"fit model {model.name!r}: code {model.code} must be in 1..127")
    for other in _MODELS.values():
        for attribute in ("name", "code", "key", "rate"):
            if getattr(other, attribute) == getattr(model, attribute):
                raise ValueError(
                    f"fit model {model.name!r}: {attribute} {getattr(model, attribute)!r} is "
                    f"already used by {other.name!r}"
                )
    _MODELS[model.name] = model
    return model


def fit_models() -> list[FitModel]:
    """The registered models, by code (the order of ties: the smaller code wins)."""
    return sorted(_MODELS.values(), key=lambda model: model.code)


def fit_model(name: str) -> FitModel:
    """A registered model by name."""
    try:
        return _MODELS[name]
    except KeyError:
        raise KeyError(
            f"fit model {name!r} is not registered; known: {', '.join(_MODELS)}"
        ) from None


def model_name(code: int) -> str:
    """The flag meaning of a ``preferred_model`` value (``unresolved`` for 0)."""
    if code == UNRESOLVED:
        return UNRESOLVED_NAME
    for model in _MODELS.values():
        if model.code == code:
            return model.name
    raise KeyError(f"no fit model has code {code}")


def flag_attributes() -> dict[str, object]:
    """CF ``flag_values`` and ``flag_meanings`` of ``preferred_model``."""
    models = fit_models()
    return {
        "flag_values": np.array([UNRESOLVED, *(m.code for m in models)], dtype=np.int8),
        "flag_meanings": " ".join([UNRESOLVED_NAME, *(m.name for m in models)]),
    }
