"""The shipped signal kinds, one module each; every module registers its kind on import.

Adding a kind is adding a module here (and its test): the package imports every module it holds.
"""

from pipeline.plugins import import_modules

import_modules(__name__, __path__)
