"""Filter banks on the DFT grid, one module per family, each registering itself.

``make_bank(family, shape, **params)`` builds a registered family's Parseval bank;
``FilterBank.from_arrays`` takes a user's own filters.
"""

import importlib
import pkgutil

from ._bank import BankReport, FilterBank
from ._registry import (
    FamilyInfo,
    RecalledDecayBase,
    families,
    family_info,
    family_parameters,
    make_bank,
    register,
)

# Every public module of this package is a family that registers itself on import: adding a
# family is adding a module (docs/extending.md).
for _module in pkgutil.iter_modules(__path__):
    if not _module.name.startswith("_"):
        importlib.import_module(f"{__name__}.{_module.name}")

__all__ = [
    "BankReport",
    "FamilyInfo",
    "FilterBank",
    "RecalledDecayBase",
    "families",
    "family_info",
    "family_parameters",
    "make_bank",
    "register",
]
