"""Filter banks on the DFT grid, one module per family, each registering itself.

``make_bank(family, shape, **params)`` builds a registered family's Parseval bank;
``FilterBank.from_arrays`` takes a user's own filters.
"""

from . import gabor, meyer, morlet, random_bank, real_wavelet  # noqa: F401  (registration)
from ._bank import BankReport, FilterBank
from ._registry import families, family_parameters, make_bank, register

__all__ = [
    "BankReport",
    "FilterBank",
    "families",
    "family_parameters",
    "make_bank",
    "register",
]
