"""The shipped signal kinds, one module each; every module registers its kind on import.

Adding a kind is adding a module here (and its test): the package imports every module it holds.
"""

import importlib
import pkgutil

for _module in pkgutil.iter_modules(__path__):
    if not _module.name.startswith("_"):
        importlib.import_module(f"{__name__}.{_module.name}")
