r"""The paper's bounds and layer counts beside a sweep's measurements, read from the store only.

For every bank of a sweep this records its :class:`pipeline.theory.BankFacts` (frame bounds,
analyticity defect, high-pass :math:`\delta`, band ratio :math:`\rho`, derived decay base, the
hypotheses of docs/theory.md §3 it meets); for every signal its essential bandwidth L; and for
every (signal, bank, layer) the bounds (A) and (B), evaluated on the signal's radial power that
the sweep stored (variable ``radial_power``), chunk by chunk:

.. math::
    W_N(f) \le \sum_k P[k] \bigl(1 - \hat r_l(\rho_k / R_N)^2\bigr), \qquad
    R_N = N\delta \ \text{(A, d = 1)}, \quad R_N = a^{N-1}\delta \ \text{(B)},

with the derived base :math:`a = (\rho+1)/(\rho-1)` (docs/theory.md §6 [D]). A curve *violates*
a bound when, at some N >= 1, the measured (kept) :math:`W_N` — a lower bound on the true one
under pruning — exceeds it beyond round-off: :math:`W_N > B_N (1 + 10^{-9}) + 10^{-13}\|f\|^2`.
A violation on a bank that meets the hypotheses is a bug (``unexplained_violation``); on a bank
that fails them it says which hypothesis matters.

It also holds the layer counts of docs/theory.md §8 per (signal, bank, epsilon): the empirical
smallest N with :math:`\sum_{n\le N} F_n \ge (1-\varepsilon)\|f\|^2` and the worst-case sufficient
N of Theorems A and B with the signal's L — NaN on banks that fail a hypothesis (the rule of
:class:`~pipeline.theory.BankFacts`). Nothing here reads the signals or their sources.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from ..errors import StoreError
from ..grid import stored_dimension
from ..theory import (
    HYPOTHESIS_TOLERANCE,
    RADIUS_DIM,
    bank_facts_dataset,
    empirical_layers_needed,
    kernels,
    signal_bandwidth,
    worst_case_layers,
)
from .stored_banks import stored_bank_facts

#: Energy losses epsilon at which layer counts are stored.
EPSILONS = (0.5, 0.1, 0.05, 0.01, 0.001)
#: A measured W_N exceeds a bound only beyond this relative ...
RELATIVE_TOLERANCE = 1e-9
#: ... and this absolute (fraction of ||f||^2) round-off.
ABSOLUTE_TOLERANCE = 1e-13
#: The store's variable holding each signal's power per frequency radius.
RADIAL_POWER = "radial_power"


def stored_radial_power(energies: xr.Dataset) -> xr.DataArray:
    """The store's ``radial_power`` (signal, frequency_radius), whole along the radius.

    Raises
    ------
    StoreError
        if the store does not hold it (written by the sweep's work units).
    """
    if RADIAL_POWER not in energies:
        raise StoreError(
            f"the store has no {RADIAL_POWER!r} variable (each signal's power per frequency "
            "radius, written by the sweep's work units): re-run the sweep with this version"
        )
    power = energies[RADIAL_POWER]
    if power.chunks is not None:
        power = power.chunk({RADIUS_DIM: -1})
    return power


def _bounds_block(
    power: NDArray,
    radii: NDArray,
    deltas: NDArray,
    bases: NDArray,
    n_layers: int,
    l: float,  # noqa: E741
    d: int = 1,
) -> NDArray[np.float64]:
    """Bounds (A), (B) of a block of radial power (..., radius) -> (..., bank, layer, 2).

    NaN at layer 0, where :math:`\\delta` is not in (0, inf), and (B) where a is not derived.
    (A) with :math:`\\alpha(d)` for signals on d-dimensional grids (docs/theory.md §4).
    """
    out = np.full((*power.shape[:-1], len(deltas), n_layers, 2), np.nan)
    layers = np.arange(1, n_layers)
    if layers.size == 0:
        return out
    for bank, (delta, base) in enumerate(zip(deltas, bases, strict=True)):
        if not (np.isfinite(delta) and delta > 0):
            continue
        general = kernels.window_radii_general(layers, delta, d)
        out[..., bank, 1:, 0] = kernels.window_bound(radii, power, general, l)
        if np.isfinite(base):
            exponential = kernels.window_radii_exponential(layers, delta, base)
            out[..., bank, 1:, 1] = kernels.window_bound(radii, power, exponential, l)
    return out


def compare_bounds(
    energies: xr.Dataset,
    *,
    epsilons: Sequence[float] = EPSILONS,
    l: float = 1,  # noqa: E741
) -> xr.Dataset:
    """Bounds, violation flags and layer counts of a sweep's store (see the module docstring).

    Parameters
    ----------
    energies
        :func:`pipeline.store.open_results` of a store (dims ``signal``, ``bank``, ``layer``)
        holding ``radial_power``. Lazy: the bounds are computed chunk by chunk along ``signal``
        when the result is computed or written.
    epsilons
        energy losses for the layer counts.
    l
        window order of the bounds (docs/theory.md §3); on a d-dimensional grid (the store's
        ``grid_shape``) at least :math:`(d+1)/2`, to which a smaller one is raised.

    Returns
    -------
    xarray.Dataset
        bank variables :data:`pipeline.theory.BANK_VARIABLES`; ``essential_bandwidth``
        (signal); ``bound_general``, ``bound_exponential`` (signal, bank, layer);
        ``bound_general_ratio``, ``bound_exponential_ratio`` = max over N >= 1 of measured
        W_N / bound; ``violates_bound_general``, ``violates_bound_exponential``,
        ``unexplained_violation`` (signal, bank, bool); ``layers_needed``,
        ``layers_needed_general_bound``, ``layers_needed_exponential_bound`` (signal, bank,
        epsilon).
    """
    power = stored_radial_power(energies)
    facts = bank_facts_dataset(stored_bank_facts(energies)).assign_coords(bank=energies.bank.values)
    # images (d = 2): alpha(d) in (A), the window order raised to the smallest admissible one,
    # (d + 1)/2 (docs/theory.md §3), and no (B), which the theory states for d = 1 only (§6)
    d = stored_dimension(energies.attrs)
    l = max(float(l), (d + 1) / 2)  # noqa: E741
    bases = facts.decay_base if d == 1 else xr.full_like(facts.decay_base, np.nan)
    propagated = energies.propagated_energy.transpose("signal", "bank", "layer")
    n_layers = propagated.sizes["layer"]
    bounds = xr.apply_ufunc(
        _bounds_block,
        power.drop_vars([c for c in power.coords if c != "signal"]),
        input_core_dims=[[RADIUS_DIM]],
        output_core_dims=[["bank", "layer", "bound"]],
        kwargs={
            "radii": power[RADIUS_DIM].values,
            "deltas": facts.high_pass_delta.values,
            "bases": bases.values,
            "n_layers": n_layers,
            "l": float(l),
            "d": d,
        },
        dask="parallelized",
        output_dtypes=[np.float64],
        dask_gufunc_kwargs={
            "output_sizes": {"bank": facts.sizes["bank"], "layer": n_layers, "bound": 2}
        },
    )
    bounds = bounds.assign_coords(
        signal=energies.signal.values, bank=energies.bank.values, layer=energies.layer.values
    )
    result = facts.copy()
    for index, name, formula in (
        (
            0,
            "bound_general",
            "bound (A): sum |f^|^2 (1 - r_l(omega/(N delta))^2), docs/theory.md §4",
        ),
        (1, "bound_exponential", "bound (B): sum |f^|^2 (1 - r_l(omega/(a^(N-1) delta))^2), §6"),
    ):
        bound = bounds.isel(bound=index).transpose("signal", "bank", "layer")
        result[name] = bound.assign_attrs(description=formula, units="sum of squared samples", l=l)
        exceed = propagated > bound * (1 + RELATIVE_TOLERANCE) + (
            ABSOLUTE_TOLERANCE * energies.input_energy
        )
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = (propagated / bound).where(bound.notnull()).isel(layer=slice(1, None))
        worst = ratio.fillna(-np.inf).max("layer")  # no all-NaN reduction where no bound
        result[f"{name}_ratio"] = worst.where(worst > -np.inf).assign_attrs(
            description=f"max over N >= 1 of measured W_N / {name}_N (> 1: exceeded)"
        )
        result[f"violates_{name}"] = exceed.any("layer").assign_attrs(
            description=f"measured W_N > {name}_N (1 + {RELATIVE_TOLERANCE:g}) + "
            f"{ABSOLUTE_TOLERANCE:g} ||f||^2 at some N >= 1"
        )
    meets = facts.meets_parseval & facts.meets_analyticity & facts.meets_high_pass
    result["unexplained_violation"] = (
        (result.violates_bound_general | result.violates_bound_exponential) & meets
    ).assign_attrs(description="a bound exceeded on a bank that meets every hypothesis: a bug")
    bandwidth = signal_bandwidth(power).drop_vars(
        [c for c in power.coords if c != "signal"], errors="ignore"
    )
    result["essential_bandwidth"] = bandwidth.assign_coords(
        signal=energies.signal.values
    ).assign_attrs(
        units="cycles/sample", description="essential bandwidth L (energy beyond <= 1e-12 ||f||^2)"
    )
    eps = xr.DataArray(np.asarray(epsilons, dtype=np.float64), dims=("epsilon",))
    eps = eps.assign_coords(epsilon=eps.values)
    result["layers_needed"] = empirical_layers_needed(energies, eps.values)
    counts = worst_case_layers(
        result.essential_bandwidth,
        facts.high_pass_delta,
        bases,
        eps,
        guaranteed=meets,
        l=l,
        d=d,
    )
    not_guaranteed = "; NaN on banks that fail a hypothesis (see hypotheses_failed)"
    result["layers_needed_general_bound"] = counts.general.assign_attrs(
        description="sufficient N of Theorem A for band-limited f with L = essential_bandwidth "
        f"(docs/theory.md §8){not_guaranteed}"
    )
    result["layers_needed_exponential_bound"] = counts.exponential.assign_attrs(
        description="sufficient N of Theorem B, a = decay_base, L = essential_bandwidth "
        f"(§8){not_guaranteed}"
    )
    result.attrs.update(
        bound_window_order=float(l),
        bound_relative_tolerance=RELATIVE_TOLERANCE,
        bound_absolute_tolerance=ABSOLUTE_TOLERANCE,
        hypothesis_tolerance=HYPOTHESIS_TOLERANCE,
    )
    return result.transpose("signal", "bank", "layer", "epsilon", ...)
