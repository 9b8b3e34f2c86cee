"""The sweep: its spec, resolved plan, work units, identities, unit computation and store
attributes, one module per job.

- :mod:`~pipeline.sweep.spec`: the pydantic models (:class:`SweepConfig`), pure validation;
- :mod:`~pipeline.sweep.load`: :func:`load_config` (YAML, overrides);
- :mod:`~pipeline.sweep.messages`: pydantic and library errors as one-line ``ConfigError``;
- :mod:`~pipeline.sweep.plan`: :func:`resolve` and :class:`SweepPlan`, the explicit step that
  reads files and builds banks;
- :mod:`~pipeline.sweep.sources` and :mod:`~pipeline.sweep.readers`: signal groups as rows
  (generators, records, files by suffix);
- :mod:`~pipeline.sweep.banks`: bank grids expanded, the ``bank`` coordinates;
- :mod:`~pipeline.sweep.units`: :class:`WorkUnit` and the cut into units;
- :mod:`~pipeline.sweep.identity`: canonical text, computation and unit hashes;
- :mod:`~pipeline.sweep.unit`: the Prefect-free computation of one unit;
- :mod:`~pipeline.sweep.attrs`: the store's attributes and schema.

No module here imports Prefect or Dask's distributed scheduler.
"""

from .attrs import create_sweep_store, store_attributes, variable_attributes
from .banks import BankEntry
from .load import load_config
from .plan import SweepPlan, resolve
from .spec import BankGrid, SignalGroup, SweepConfig
from .unit import bank_for, compute_unit
from .units import WorkUnit

__all__ = [
    "BankEntry",
    "BankGrid",
    "SignalGroup",
    "SweepConfig",
    "SweepPlan",
    "WorkUnit",
    "bank_for",
    "compute_unit",
    "create_sweep_store",
    "load_config",
    "resolve",
    "store_attributes",
    "variable_attributes",
]
