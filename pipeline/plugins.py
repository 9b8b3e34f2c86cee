"""Packages whose modules register themselves: import every public module of a package.

Filter families, signal kinds, fit models and cluster backends are each a package of modules
that call their registry's ``register`` on import. The package's ``__init__`` calls
:func:`import_modules` once, so adding an extension is adding a module (docs/extending.md).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable

__all__ = ["import_modules"]


def import_modules(package: str, path: Iterable[str]) -> list[str]:
    """Import the public modules (names not starting with ``_``) of ``package``, sorted by name.

    Parameters
    ----------
    package
        the package's ``__name__``.
    path
        the package's ``__path__``.

    Returns
    -------
    list of str
        the names of the modules imported, e.g. ``["gabor", "meyer", ...]``.

    Examples
    --------
    >>> import pipeline.filters
    >>> "meyer" in import_modules("pipeline.filters", pipeline.filters.__path__)
    True
    """
    names = sorted(m.name for m in pkgutil.iter_modules(list(path)) if not m.name.startswith("_"))
    for name in names:
        importlib.import_module(f"{package}.{name}")
    return names
