"""Decay models of the fits, one module each, registering themselves on import.

Every public module of this package is a model (see :mod:`._registry`): adding a model is adding
a module and its test.
"""

from pipeline.plugins import import_modules

from ._registry import (
    UNRESOLVED,
    FitModel,
    fit_model,
    fit_models,
    flag_attributes,
    model_name,
    register_fit_model,
)

import_modules(__name__, __path__)

#: Flag values of the two built-in models (kept for readers of ``preferred_model``).
EXPONENTIAL = fit_model("exponential").code
POLYNOMIAL = fit_model("polynomial").code

__all__ = [
    "EXPONENTIAL",
    "POLYNOMIAL",
    "UNRESOLVED",
    "FitModel",
    "fit_model",
    "fit_models",
    "flag_attributes",
    "model_name",
    "register_fit_model",
]
