"""The store's attribute contract, assembled in the library (flows only call it).

Global attributes (``title``, the paper ``reference``, the ``config`` as YAML and its
``computation_hash``, ``package_version``, ``created`` time, ``energy_units``, ``depth``,
``energy_budget``, ``dtype``, ``grid_shape``, the cascade's ``path_rule``, ``sampling`` and
``oversampling``; a bank's own modes are coordinates on ``bank``), and per variable a ``long_name``, a
``description`` with its formula and ``units`` (docs/design.md, "The store contract"). :func:`create_sweep_store`
writes the whole schema of a sweep's store from them.
"""

from __future__ import annotations

import time
from typing import Any

import pipeline
from pipeline.cascade import MODE_VARIABLE_ATTRS, VARIABLE_ATTRS
from pipeline.spectra import frequency_radii
from pipeline.store import create_store

from .banks import MODE_DEFAULTS, bank_modes
from .spec import SweepConfig

__all__ = [
    "RADIAL_POWER_ATTRS",
    "create_sweep_store",
    "store_attributes",
    "variable_attributes",
]

#: Attributes of the ``radial_power`` variable (signal, frequency_radius).
RADIAL_POWER_ATTRS: dict[str, str] = {
    "long_name": "radial power spectrum of the input signal",
    "description": (
        "P[k] = (1/M) sum over DFT bins w with |w| = frequency_radius[k] of |fft(f)(w)|^2, "
        "M grid points, |w| the Euclidean norm of the fftfreq frequencies; sum_k P[k] = "
        "||f||^2 = input_energy (pipeline.spectra.radial_power)"
    ),
    "units": "sum of squared samples",
}

#: Attributes of the ``frequency_radius`` coordinate.
FREQUENCY_RADIUS_ATTRS: dict[str, str] = {
    "long_name": "frequency radius |w|",
    "description": "distinct Euclidean norms of the DFT grid's fftfreq frequencies, ascending",
    "units": "cycles per sample",
}


def store_attributes(config: SweepConfig, *, created: float | None = None) -> dict[str, Any]:
    """The global attributes of a sweep's store.

    Parameters
    ----------
    config
        The resolved spec.
    created
        Creation time (seconds since the epoch); now when omitted.
    """
    stamp = time.gmtime(created) if created is not None else time.gmtime()
    return {
        "title": f"energy-sweep: {config.name}",
        "reference": pipeline.PAPER_REFERENCE,
        "config": config.canonical_text(),
        "computation_hash": config.computation_hash(),
        "package_version": pipeline.__version__,
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", stamp),
        "energy_units": "sum of squared samples",
        "depth": config.depth,
        "energy_budget": config.energy_budget,
        "dtype": config.dtype,
        "grid_shape": list(config.shape),
        "path_rule": config.path_rule,
        "sampling": config.sampling,
        "oversampling": config.oversampling,
        # the slack only when not the default: stores made before it existed stay the same
        **({"slack": config.slack} if config.slack != MODE_DEFAULTS["slack"] else {}),
    }


def variable_attributes() -> dict[str, dict[str, str]]:
    """``long_name``, ``description`` and ``units`` of every variable and coordinate that
    carries them: the cascade's energies, ``radial_power`` and ``frequency_radius``."""
    return {
        **VARIABLE_ATTRS,
        **MODE_VARIABLE_ATTRS,
        "radial_power": RADIAL_POWER_ATTRS,
        "frequency_radius": FREQUENCY_RADIUS_ATTRS,
    }


def uses_modes(config: SweepConfig) -> bool:
    """Whether any bank of the sweep runs with a path rule, critical sampling or the modulus
    slack (then the store holds ``rule_slack``, ``sampling_error``, ``slack_bound``
    and ``dropped_energy``)."""
    return any(
        bank_modes(entry, config.plan.spec_modes()) != MODE_DEFAULTS
        for entry in config.bank_table()
    )


def create_sweep_store(config: SweepConfig, *, overwrite: bool = False) -> str:
    """Create the sweep's store with its whole schema (or check that an existing one matches).

    Returns
    -------
    str
        The store's path (``config.store``).

    Raises
    ------
    pipeline.store.StoreMismatchError
        If ``config.store`` holds a store made with other settings and ``overwrite`` is false.
    """
    radii, _ = frequency_radii(tuple(config.shape))
    create_store(
        config.store,
        n_signals=config.n_signals,
        chunk=config.chunk,
        depth=config.depth,
        bank_coords=config.bank_coords(),
        signal_coords=config.signal_coords(),
        attrs=store_attributes(config),
        variable_attrs=variable_attributes(),
        frequency_radius=radii,
        overwrite=overwrite,
        rows_digest=config.plan.rows_digest,
        mode_variables=uses_modes(config),
    )
    return config.store
