"""What ``energy-sweep fit`` computes from a store: decay fits (a registry of models), pooled
fits, and the paper's bounds and layer counts beside the measurements.

- :mod:`~pipeline.analysis.fit_models`: the decay models, one module each, self-registering;
- :mod:`~pipeline.analysis.local_rates`: layer-by-layer rates log(W_n/W_(n+1)), the primary
  quantity; :mod:`~pipeline.analysis.resolution`: which layers are resolved (slack, round-off);
- :mod:`~pipeline.analysis.fit`: per-curve fits; :mod:`~pipeline.analysis.pooled`: pooled fits
  with bootstrap intervals (:mod:`~pipeline.analysis.bootstrap`);
- :mod:`~pipeline.analysis.bounds`: bounds (A)/(B), violations and layer counts from the store;
- :mod:`~pipeline.analysis.stored_banks`: a store's banks rebuilt from its coordinates;
- :mod:`~pipeline.analysis.aggregate`: all of it as one lazy Dataset (the ``fits`` group);
- :mod:`~pipeline.analysis.labels`: readable bank labels and which bounds hold.
"""

from .aggregate import aggregate_results
from .bounds import EPSILONS, compare_bounds
from .fit import fit_decay
from .fit_models import (
    EXPONENTIAL,
    POLYNOMIAL,
    UNRESOLVED,
    FitModel,
    fit_model,
    fit_models,
    model_name,
    register_fit_model,
)
from .labels import bank_labels, theorem_statement
from .local_rates import local_rates
from .pooled import pool_fits

__all__ = [
    "EPSILONS",
    "EXPONENTIAL",
    "POLYNOMIAL",
    "UNRESOLVED",
    "FitModel",
    "aggregate_results",
    "bank_labels",
    "compare_bounds",
    "fit_decay",
    "fit_model",
    "fit_models",
    "local_rates",
    "model_name",
    "pool_fits",
    "register_fit_model",
    "theorem_statement",
]
