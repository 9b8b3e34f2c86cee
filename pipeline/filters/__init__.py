"""Filter banks on the DFT grid, one module per family, each registering itself.

``make_bank(family, shape, **params)`` builds a registered family's Parseval bank;
``FilterBank.from_arrays`` takes a user's own filters.
"""

from pipeline.plugins import import_modules

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
import_modules(__name__, __path__)

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
