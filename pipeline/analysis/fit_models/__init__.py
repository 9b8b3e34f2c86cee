"""Decay models of the fits, one module each, registering themselves on import.

Every public module of this package is a model (see :mod:`._registry`): adding a model is adding
a module and its test.
"""

import importlib
import pkgutil

from ._registry import (
    UNRESOLVED,
    FitModel,
    fit_model,
    fit_models,
    flag_attributes,
    model_name,
    register_fit_model,
)

for _module in pkgutil.iter_modules(__path__):
    if not _module.name.startswith("_"):
        importlib.import_module(f"{__name__}.{_module.name}")

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
