"""Everything ``energy-sweep fit`` stores for a sweep, as one lazy Dataset (the ``fits`` group).

:func:`aggregate_results` joins, over a store opened with :func:`pipeline.store.open_results`:

- per curve (signal, bank): the decay fits of :func:`pipeline.analysis.fit.fit_decay`, and
  per (signal, bank, layer) the local rates of :func:`pipeline.analysis.local_rates.local_rates`
  with their spread per (pool, bank, layer);
- per (pool, bank): the pooled fits with bootstrap intervals of
  :func:`pipeline.analysis.pooled.pool_fits` (computed on the spot: a reduction over every
  signal);
- per bank, signal, (signal, bank[, layer | epsilon]): hypotheses, bounds (A) and (B), violation
  flags and layer counts of :func:`pipeline.analysis.bounds.compare_bounds`.

It reads the store only (energies, ``radial_power``, bank coordinates): a store copied to another
machine without its signal files fits to the same numbers.

Per-curve variables stay lazy (dask, chunked like the store along ``signal``, whole along
``bank``), so writing them with :func:`pipeline.store.write_fits` streams chunk by chunk.
"""

from __future__ import annotations

from collections.abc import Sequence

import xarray as xr

from ..cascade import DROPPED_ENERGY, SLACK_BOUND
from .bounds import EPSILONS, RADIAL_POWER, compare_bounds
from .fit import fit_decay
from .local_rates import local_rates, pooled_local_rates
from .pooled import pool_fits, signal_pools

#: What the fits read from the store.
ENERGY_INPUTS = (
    "propagated_energy",
    "feature_energy",
    "pruned_slack",
    SLACK_BOUND,  # in stores with the modes (analysis.resolution.sandwich takes them)
    DROPPED_ENERGY,
    "input_energy",
)
#: ... and the spectral quantities the bounds read.
SPECTRAL_INPUTS = (RADIAL_POWER,)


def aggregate_results(
    energies: xr.Dataset,
    *,
    replicates: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
    epsilons: Sequence[float] = EPSILONS,
    l: float = 1,  # noqa: E741
    last_layer: int | None = None,
) -> xr.Dataset:
    """Fits, pooled fits, bounds and layer counts of a sweep's store (see the module docstring).

    Parameters
    ----------
    energies
        :func:`pipeline.store.open_results` of a sweep's store.
    replicates, confidence, seed
        bootstrap of the pooled fits (:func:`pipeline.pooled.pool_fits`).
    epsilons
        energy losses of the layer counts.
    l
        window order of the bounds.
    last_layer
        deepest layer the decay models are fitted on (None: every resolved layer).

    Returns
    -------
    xarray.Dataset
        dims ``signal``, ``bank``, ``layer``, ``epsilon``, ``pool``; attributes of each part.
    """
    names = [name for name in ENERGY_INPUTS if name in energies]
    inputs = energies[names].chunk({"bank": -1, "layer": -1})
    inputs.attrs = dict(energies.attrs)
    fits = fit_decay(inputs, last_layer=last_layer)
    pooled = pool_fits(
        inputs, replicates=replicates, confidence=confidence, seed=seed, last_layer=last_layer
    )
    rates = local_rates(inputs)
    pool_names, codes = signal_pools(inputs, pooled.attrs.get("pool_by") or None)
    spread = pooled_local_rates(rates, pool_names, codes)
    spectral = [name for name in SPECTRAL_INPUTS if name in energies]
    bounds = compare_bounds(xr.merge([inputs, energies[spectral]]), epsilons=epsilons, l=l)
    merged = xr.merge(
        [
            fits,
            rates,
            pooled,
            spread,
            bounds.drop_vars([c for c in bounds.coords if c not in bounds.dims]),
        ],
        combine_attrs="no_conflicts",
        compat="override",
        join="exact",
    )
    merged.attrs.update(
        description="decay fits, pooled fits, the paper's bounds and layer counts of this "
        "sweep (energy-sweep fit; pipeline/analysis/aggregate.py)",
    )
    return merged
