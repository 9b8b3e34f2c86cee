r"""The paper's bounds and layer counts beside a sweep's measurements, per (signal, bank).

For every bank of a sweep this records what :meth:`FilterBank.check` measures (frame bounds,
analyticity defect, high-pass :math:`\delta`, band ratio :math:`\rho`) and which hypotheses of
THEORY.md §3 it meets; for every signal its essential bandwidth L; and for every (signal, bank,
layer) the bounds (A) and (B) of :mod:`pipeline.theory`, evaluated on the signal's spectrum
(signals are regenerated from the store's config, chunk by chunk):

.. math::
    W_N(f) \le \sum_\omega |\hat f(\omega)|^2
    \bigl(1 - \hat r_l(\omega / R_N)^2\bigr), \qquad
    R_N = N\delta \ \text{(A, d = 1)}, \quad R_N = a^{N-1}\delta \ \text{(B)},

with the derived base :math:`a = (\rho+1)/(\rho-1)` (THEORY.md §6 [D]). A curve *violates* a bound
when, at some N >= 1, the measured (kept) :math:`W_N` — a lower bound on the true one under
pruning — exceeds it beyond round-off: :math:`W_N > B_N (1 + 10^{-9}) + 10^{-13}\|f\|^2`. A
violation on a bank that meets the hypotheses is a bug (``unexplained_violation``); on a bank that
fails them it says which hypothesis matters.

It also holds the layer counts of THEORY.md §8 per (signal, bank, epsilon): the empirical
smallest N with :math:`\sum_{n\le N} F_n \ge (1-\varepsilon)\|f\|^2`
(:func:`pipeline.theory.empirical_layers_needed`) and the worst-case sufficient N of Theorems A and
B with the signal's L.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence

import dask.array as da
import numpy as np
import xarray as xr
from numpy.typing import NDArray

from .filters import make_bank
from .sweep import SweepConfig
from .theory import (
    alpha,
    band_ratio,
    bound_exponential,
    bound_general,
    decay_base_from_band_ratio,
    empirical_layers_needed,
    signal_bandwidth,
)

#: Energy losses epsilon at which layer counts are stored.
EPSILONS = (0.5, 0.1, 0.05, 0.01, 0.001)
#: A measured W_N exceeds a bound only beyond this relative ...
RELATIVE_TOLERANCE = 1e-9
#: ... and this absolute (fraction of ||f||^2) round-off.
ABSOLUTE_TOLERANCE = 1e-13
#: A bank is Parseval when max |LP - 1| <= this, analytic when every filter's defect is <= it.
HYPOTHESIS_TOLERANCE = 1e-12

BANK_VARIABLES = {
    "frame_lower": "Littlewood-Paley minimum over bins, the lower frame bound A (THEORY.md §2)",
    "frame_upper": "Littlewood-Paley maximum over bins, the upper frame bound B (THEORY.md §2)",
    "analyticity_defect": "largest fraction of a filter's energy off its half-line (§3)",
    "high_pass_delta": "largest delta with no filter energy at |omega| < delta, cycles/sample (§3)",
    "band_ratio": "largest upper/lower band-edge ratio rho of a filter (§6)",
    "decay_base": "derived a = (rho + 1)/(rho - 1) of bound (B) (THEORY.md §6 [D])",
    "meets_parseval": "frame bounds A = B = 1 within 1e-12",
    "meets_analyticity": "every filter analytic within 1e-12",
    "meets_high_pass": "high_pass_delta > 0",
}


@functools.lru_cache(maxsize=4)
def _config(text: str) -> SweepConfig:
    return SweepConfig.from_yaml(text, source="<store config>")


@functools.lru_cache(maxsize=8)
def _signals(text: str, start: int, stop: int) -> xr.DataArray:
    """Rows [start, stop) of the store's signals, regenerated (cached per process)."""
    return _config(text).load_signals(start, stop)


def bank_facts(config: SweepConfig) -> xr.Dataset:
    """What each bank of the sweep measures and which hypotheses it meets (:data:`BANK_VARIABLES`).

    Returns
    -------
    xarray.Dataset
        over ``bank`` (0..n_banks-1).
    """
    rows = []
    for entry in config.bank_table():
        bank = make_bank(entry.family, config.length, **entry.params)
        report = bank.check()
        rho = band_ratio(bank)
        analytic = bool(np.nanmax(report.analyticity_defect) <= HYPOTHESIS_TOLERANCE)
        delta = float(report.high_pass_delta)
        rows.append(
            {
                "frame_lower": report.littlewood_paley_min,
                "frame_upper": report.littlewood_paley_max,
                "analyticity_defect": float(np.nanmax(report.analyticity_defect)),
                "high_pass_delta": delta,
                "band_ratio": rho,
                "decay_base": decay_base_from_band_ratio(rho) if math.isfinite(rho) else np.nan,
                "meets_parseval": max(
                    abs(report.littlewood_paley_min - 1), abs(report.littlewood_paley_max - 1)
                )
                <= HYPOTHESIS_TOLERANCE,
                "meets_analyticity": analytic,
                "meets_high_pass": delta > 0,
            }
        )
    return xr.Dataset(
        {
            name: xr.Variable(("bank",), np.array([row[name] for row in rows]), {"description": d})
            for name, d in BANK_VARIABLES.items()
        },
        coords={"bank": np.arange(len(rows))},
    )


def _bounds_block(
    propagated: NDArray,
    config_text: str,
    deltas: NDArray,
    bases: NDArray,
    l: float,  # noqa: E741
    block_info: dict | None = None,
) -> NDArray[np.float64]:
    """Bounds (A), (B) of one signal chunk: (signal, bank, layer, 2); NaN at layer 0 or no a."""
    start, stop = block_info[0]["array-location"][0]
    signals = _signals(config_text, start, stop)
    n_layers = propagated.shape[2]
    out = np.full((stop - start, len(deltas), n_layers, 2), np.nan)
    if n_layers < 2:
        return out
    layers = np.arange(1, n_layers)
    for bank, (delta, base) in enumerate(zip(deltas, bases, strict=True)):
        if not delta > 0:
            continue
        out[:, bank, 1:, 0] = bound_general(signals.values, layers, delta=delta, l=l).values
        if np.isfinite(base):
            out[:, bank, 1:, 1] = bound_exponential(
                signals.values, layers, delta=delta, a=base, l=l
            ).values
    return out


def _bandwidth_block(input_energy: NDArray, config_text: str, block_info: dict | None = None):
    start, stop = block_info[0]["array-location"][0]
    return signal_bandwidth(_signals(config_text, start, stop).values).values


def worst_case_layers(
    bandwidth: xr.DataArray,
    delta: xr.DataArray,
    decay_base: xr.DataArray,
    epsilon: xr.DataArray,
    *,
    l: float = 1,  # noqa: E741
) -> tuple[xr.DataArray, xr.DataArray]:
    r"""THEORY.md §8's sufficient layer counts, broadcast over xarray inputs.

    .. math::
        x = \frac{L/\delta}{1 - (1-\varepsilon)^{1/(2l)}}, \qquad
        N_A = \lceil x^{1/\alpha} - 1 \rceil, \qquad N_B = \lceil \log_a x \rceil,

    clipped at 0 (d = 1, :math:`\alpha = 1`); the same numbers as
    :func:`pipeline.theory.layers_needed_general` / ``layers_needed_exponential`` (tested), for
    arrays of L, :math:`\delta`, a. NaN where :math:`\delta` or a is not a number.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        x = (bandwidth / delta) / (1.0 - (1.0 - epsilon) ** (1.0 / (2.0 * l)))
        general = np.maximum(np.ceil(x ** (1.0 / alpha(1)) - 1.0), 0.0)
        exponential = np.maximum(np.ceil(np.log(x) / np.log(decay_base)), 0.0)
    return general.where(delta > 0), exponential.where((delta > 0) & (decay_base > 1))


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
        :func:`pipeline.store.open_results` of a store whose ``config`` attribute generates its
        signals (dims ``signal``, ``bank``, ``layer``). Lazy: the bounds are computed chunk by
        chunk along ``signal`` when the result is computed or written.
    epsilons
        energy losses for the layer counts.
    l
        window order of the bounds (THEORY.md §3).

    Returns
    -------
    xarray.Dataset
        bank variables :data:`BANK_VARIABLES`; ``essential_bandwidth`` (signal); ``bound_general``,
        ``bound_exponential`` (signal, bank, layer); ``bound_general_ratio``,
        ``bound_exponential_ratio`` = max over N >= 1 of measured W_N / bound;
        ``violates_bound_general``, ``violates_bound_exponential``, ``unexplained_violation``
        (signal, bank, bool); ``layers_needed``, ``layers_needed_general_bound``,
        ``layers_needed_exponential_bound`` (signal, bank, epsilon).
    """
    config_text = energies.attrs["config"]
    config = _config(config_text)
    facts = bank_facts(config).assign_coords(bank=energies.bank.values)
    propagated = energies.propagated_energy.transpose("signal", "bank", "layer")
    data = propagated.data
    if not isinstance(data, da.Array):
        data = da.from_array(data, chunks=(config.chunk, -1, -1))
    data = data.rechunk({1: -1, 2: -1})
    bounds = da.map_blocks(
        _bounds_block,
        data,
        config_text=config_text,
        deltas=facts.high_pass_delta.values,
        bases=facts.decay_base.values,
        l=float(l),
        new_axis=3,
        chunks=(*data.chunks, (2,)),
        dtype=np.float64,
    )
    dims = ("signal", "bank", "layer")
    coords = {"signal": energies.signal.values, "bank": energies.bank.values}
    result = facts.copy()
    for index, name, formula in (
        (0, "bound_general", "bound (A): sum |f^|^2 (1 - r_l(omega/(N delta))^2), THEORY.md §4"),
        (1, "bound_exponential", "bound (B): sum |f^|^2 (1 - r_l(omega/(a^(N-1) delta))^2), §6"),
    ):
        bound = xr.DataArray(bounds[..., index], dims=dims, coords=coords)
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
    bandwidth = da.map_blocks(
        _bandwidth_block,
        energies.input_energy.data
        if isinstance(energies.input_energy.data, da.Array)
        else da.from_array(energies.input_energy.values, chunks=config.chunk),
        config_text=config_text,
        dtype=np.float64,
    )
    result["essential_bandwidth"] = xr.DataArray(
        bandwidth, dims=("signal",), coords={"signal": coords["signal"]}
    ).assign_attrs(
        units="cycles/sample", description="essential bandwidth L (energy beyond <= 1e-12 ||f||^2)"
    )
    eps = xr.DataArray(np.asarray(epsilons, dtype=np.float64), dims=("epsilon",))
    eps = eps.assign_coords(epsilon=eps.values)
    result["layers_needed"] = empirical_layers_needed(energies, eps.values)
    general, exponential = worst_case_layers(
        result.essential_bandwidth, facts.high_pass_delta, facts.decay_base, eps, l=l
    )
    result["layers_needed_general_bound"] = general.assign_attrs(
        description="sufficient N of Theorem A for band-limited f with L = essential_bandwidth (§8)"
    )
    result["layers_needed_exponential_bound"] = exponential.assign_attrs(
        description="sufficient N of Theorem B, a = decay_base, L = essential_bandwidth (§8)"
    )
    result.attrs.update(
        bound_window_order=float(l),
        bound_relative_tolerance=RELATIVE_TOLERANCE,
        bound_absolute_tolerance=ABSOLUTE_TOLERANCE,
        hypothesis_tolerance=HYPOTHESIS_TOLERANCE,
    )
    return result.transpose("signal", "bank", "layer", "epsilon", ...)
