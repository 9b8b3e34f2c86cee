"""Everything ``energy-sweep fit`` stores for a sweep, as one lazy Dataset (the ``fits`` group).

:func:`aggregate_results` joins, over a store opened with :func:`pipeline.store.open_results`:

- per curve (signal, bank): the decay fits of :func:`pipeline.fit.fit_decay`;
- per (pool, bank): the pooled fits with bootstrap intervals of :func:`pipeline.pooled.pool_fits`
  (computed on the spot: a reduction over every signal);
- per bank, signal, (signal, bank[, layer | epsilon]): hypotheses, bounds (A) and (B), violation
  flags and layer counts of :func:`pipeline.bounds.compare_bounds`.

Per-curve variables stay lazy (dask, chunked like the store along ``signal``, whole along
``bank``), so writing them with :func:`pipeline.store.write_fits` streams chunk by chunk.
"""

from __future__ import annotations

from collections.abc import Sequence

import xarray as xr

from .bounds import EPSILONS, compare_bounds
from .fit import fit_decay
from .pooled import pool_fits

#: What the fits read from the store.
ENERGY_INPUTS = ("propagated_energy", "feature_energy", "pruned_slack", "input_energy")


def aggregate_results(
    energies: xr.Dataset,
    *,
    replicates: int = 1000,
    confidence: float = 0.95,
    seed: int = 0,
    epsilons: Sequence[float] = EPSILONS,
    l: float = 1,  # noqa: E741
) -> xr.Dataset:
    """Fits, pooled fits, bounds and layer counts of a sweep's store (see the module docstring).

    Parameters
    ----------
    energies
        :func:`pipeline.store.open_results` of a sweep's store (its ``config`` attribute
        regenerates the signals for the bounds).
    replicates, confidence, seed
        bootstrap of the pooled fits (:func:`pipeline.pooled.pool_fits`).
    epsilons
        energy losses of the layer counts.
    l
        window order of the bounds.

    Returns
    -------
    xarray.Dataset
        dims ``signal``, ``bank``, ``layer``, ``epsilon``, ``pool``; attributes of each part.
    """
    names = [name for name in ENERGY_INPUTS if name in energies]
    inputs = energies[names].chunk({"bank": -1, "layer": -1})
    fits = fit_decay(inputs)
    pooled = pool_fits(inputs, replicates=replicates, confidence=confidence, seed=seed)
    bounds = compare_bounds(inputs, epsilons=epsilons, l=l)
    merged = xr.merge(
        [fits, pooled, bounds.drop_vars([c for c in bounds.coords if c not in bounds.dims])],
        combine_attrs="no_conflicts",
        compat="override",
        join="exact",
    )
    merged.attrs.update(
        description="decay fits, pooled fits, the paper's bounds and layer counts of this "
        "sweep (energy-sweep fit; pipeline/aggregate.py)",
    )
    return merged


def bank_labels(dataset: xr.Dataset) -> list[str]:
    """One readable label per bank: its family and the parameters it has, e.g. ``meyer dilation=2``.

    Read from the store's ``family`` and ``bank_<name>`` coordinates (``bank_hash`` left out);
    parameters a family lacks (NaN or "") are skipped. Only the parameters that vary within a
    family are shown, so single banks stay short.
    """
    families = [str(value) for value in dataset["family"].values]
    names = [
        name
        for name in dataset.coords
        if str(name).startswith("bank_") and name != "bank_hash" and dataset[name].dims == ("bank",)
    ]
    values = {name: dataset[name].values for name in names}
    labels = []
    for index, family in enumerate(families):
        same = [i for i, other in enumerate(families) if other == family]
        parts = [family]
        for name in names:
            column = values[name]
            value = column[index]
            if _missing(value) or len({_key(column[i]) for i in same}) < 2:
                continue
            parts.append(f"{str(name)[5:]}={_format(value)}")
        labels.append(" ".join(parts))
    return labels


def _missing(value: object) -> bool:
    return value == "" or (isinstance(value, float) and value != value)


def _key(value: object) -> str:
    return "nan" if _missing(value) else repr(value)


def _format(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return f"{value:g}" if isinstance(value, float) else str(value)
