r"""Plan a network: how many layers keep :math:`(1-\varepsilon)` of the energy (THEORY.md §8).

DESIGN.md, "Plan a network": *how many layers do I need so that 99% of my data's energy is in
the features, with this filter bank?* Two answers, side by side:

- the paper's **worst case** for band-limited inputs (supp :math:`\hat f \subseteq B_L(0)`,
  THEORY.md §8), sufficient numbers N with
  :math:`\sum_{n=0}^{N} |||\Phi^n(f)|||^2 \ge (1-\varepsilon)\|f\|^2`:

  .. math::
      x = \frac{L/\delta}{1 - (1-\varepsilon)^{1/(2l)}}, \qquad
      N_{\exp} = \lceil \log_a x \rceil \ \text{(Theorem B)}, \qquad
      N_{\text{gen}} = \lceil x^{1/\alpha} - 1 \rceil \ \text{(Theorem A, d = 1: } \alpha = 1),

  with :math:`\delta` the bank's high-pass radius and the decay base **derived** from the bank,
  :math:`a = (\rho + 1)/(\rho - 1)`, :math:`\rho` its largest band-edge ratio (THEORY.md §6,
  [D]). The paper's recalled constants (a = 5/3 wavelets, 3/2 Weyl-Heisenberg, [R]) are
  reported apart, as labelled extra information. The counts hold only for Parseval, analytic,
  high-pass banks (THEORY.md §3); where a bank fails one of these they are NaN, never a number;
- the **empirical** count of a sweep's signals, read from its store when it holds the same bank,
  otherwise computed with :func:`pipeline.cascade.propagate`
  (:func:`pipeline.theory.empirical_layers_needed`).

Counting is the same everywhere: N means feature layers n = 0..N. Frequencies are in cycles per
sample. Pure library code: no Prefect, no printing; the CLI (``energy-sweep plan``) prints.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from numbers import Real
from typing import Any

import numpy as np
import xarray as xr
from numpy.typing import NDArray

from .bounds import worst_case_layers as stored_worst_case_layers
from .cascade import propagate
from .errors import InvalidParameterError
from .filters import FilterBank, family_info, make_bank
from .store import StoreError, open_results
from .sweep import SweepConfig
from .theory import (
    band_ratio,
    decay_base_from_band_ratio,
    empirical_layers_needed,
    signal_bandwidth,
)

__all__ = [
    "DEFAULT_LENGTH",
    "BankFacts",
    "bank_facts",
    "format_count",
    "parse_epsilons",
    "parse_params",
    "plan_header",
    "plan_layers",
    "summarise",
    "worst_case_layers",
]

#: Grid length of the bank when neither ``length`` nor a store is given.
DEFAULT_LENGTH = 1024

#: Largest bandwidth on a 1-D grid, cycles/sample.
NYQUIST = 0.5

#: Quantile rule of the empirical summaries: an observed count, the upper one at a tie.
QUANTILE_METHOD = "higher"

ProgressCallback = Callable[[int, int], None]


# --------------------------------------------------------------------------------------------
# parsing helpers (the CLI's strings)


def _parse_value(text: str) -> int | float | str:
    """``"2"`` -> 2, ``"1.5"`` -> 1.5, anything else stays a string."""
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            continue
    return text


def parse_params(items: Sequence[str]) -> dict[str, int | float | str]:
    """Family parameters from ``name=value`` strings; values as int, else float, else str.

    Raises
    ------
    InvalidParameterError
        for an item without ``=``, an empty name, or a name given twice.
    """
    params: dict[str, int | float | str] = {}
    for item in items:
        name, sep, value = str(item).partition("=")
        name = name.strip()
        if not sep or not name:
            raise InvalidParameterError("--param", item, "must be name=value")
        if name in params:
            raise InvalidParameterError("--param", item, f"gives {name!r} twice")
        params[name] = _parse_value(value.strip())
    return params


def parse_epsilons(values: Sequence[object] | object) -> NDArray[np.float64]:
    r"""Energy fractions :math:`\varepsilon \in (0, 1)` left out, in order, duplicates dropped.

    Accepts numbers or numeric strings (the CLI's), a scalar or a sequence.

    Raises
    ------
    InvalidParameterError
        for no value, or a value that is not a number in (0, 1).
    """
    allowed = "must be a number in (0, 1)"
    if isinstance(values, str) or not isinstance(values, Sequence | np.ndarray):
        items = [values]
    else:
        items = list(np.ravel(values)) if isinstance(values, np.ndarray) else list(values)
    if not items:
        raise InvalidParameterError("epsilon", [], "needs at least one value in (0, 1)")
    parsed: list[float] = []
    for item in items:
        if isinstance(item, str):
            try:
                number = float(item)
            except ValueError:
                raise InvalidParameterError("epsilon", item, allowed) from None
        elif isinstance(item, bool | np.bool_) or not isinstance(item, Real):
            raise InvalidParameterError("epsilon", item, allowed)
        else:
            number = float(item)
        if not (math.isfinite(number) and 0 < number < 1):
            raise InvalidParameterError("epsilon", number, allowed)
        if number not in parsed:
            parsed.append(number)
    return np.asarray(parsed, dtype=np.float64)


def _window_order(value: object) -> float:
    allowed = "must be a finite number >= 1 (d = 1)"
    if isinstance(value, bool | np.bool_) or not isinstance(value, Real):
        raise InvalidParameterError("l", value, allowed)
    number = float(value)
    if not (math.isfinite(number) and number >= 1):
        raise InvalidParameterError("l", value, allowed)
    return number


def _length(value: object) -> int:
    if isinstance(value, bool | np.bool_) or not isinstance(value, int | np.integer) or value < 4:
        raise InvalidParameterError("length", value, "must be an integer >= 4")
    return int(value)


def _bandwidth(value: object) -> float:
    allowed = f"must be a number in (0, {NYQUIST}] cycles/sample"
    if isinstance(value, bool | np.bool_) or not isinstance(value, Real):
        raise InvalidParameterError("bandwidth", value, allowed)
    number = float(value)
    if not (math.isfinite(number) and 0 < number <= NYQUIST):
        raise InvalidParameterError("bandwidth", value, allowed)
    return number


# --------------------------------------------------------------------------------------------
# the bank's facts and the worst case


@dataclass(frozen=True)
class BankFacts:
    r"""What the worst-case counts need from a bank (THEORY.md §3, §6), measured on its grid.

    Attributes
    ----------
    family, params, length
        the bank: family, parameters with defaults resolved, grid length.
    delta
        high-pass radius :math:`\delta` (``bank.check().high_pass_delta``), cycles/sample.
    band_ratio
        :math:`\rho`, largest upper/lower band-edge ratio (:func:`pipeline.theory.band_ratio`);
        NaN if no filter has support, inf if a band reaches :math:`\omega = 0`.
    decay_base
        derived :math:`a = (\rho + 1)/(\rho - 1)`, NaN when not derivable (see
        ``decay_base_note``).
    decay_base_note
        why ``decay_base`` is NaN ("" when it is derived).
    is_parseval, is_analytic
        Littlewood-Paley sum 1 in every bin (to 1e-12); every filter on one half-line.
    analyticity_defect
        largest fraction of a filter's energy on its lighter half-line (0 analytic, 1/2 real).
    littlewood_paley
        (min, max) of the Littlewood-Paley sum: the frame bounds (A, B).
    """

    family: str
    params: dict[str, Any]
    length: int
    delta: float
    band_ratio: float
    decay_base: float
    decay_base_note: str
    is_parseval: bool
    is_analytic: bool
    analyticity_defect: float
    littlewood_paley: tuple[float, float]

    @property
    def has_high_pass(self) -> bool:
        r"""Whether :math:`0 < \delta < \infty` (propagation filters vanish on :math:`B_\delta`)."""
        return math.isfinite(self.delta) and self.delta > 0

    @property
    def hypotheses_failed(self) -> list[str]:
        """Names of the hypotheses of Theorems A and B (THEORY.md §3) that the bank fails."""
        failed = []
        if not self.is_parseval:
            failed.append("Parseval")
        if not self.is_analytic:
            failed.append("analytic")
        if not self.has_high_pass:
            failed.append("high-pass delta > 0")
        return failed

    @property
    def worst_case_applies(self) -> bool:
        """Whether the worst-case counts of THEORY.md §8 hold for this bank."""
        return not self.hypotheses_failed


def bank_facts(bank: FilterBank) -> BankFacts:
    r"""Measure :math:`\delta`, :math:`\rho`, the derived decay base and the hypotheses of a bank.

    The decay base :math:`a = (\rho+1)/(\rho-1)` (THEORY.md §6, [D]) is derived only for an
    analytic bank (the demodulation argument needs every band on one half-line) with
    :math:`1 < \rho < \infty`; otherwise it is NaN and ``decay_base_note`` says why.
    """
    report = bank.check()
    defect = report.analyticity_defect
    max_defect = float(np.nanmax(defect)) if defect.size and np.any(np.isfinite(defect)) else 0.0
    try:
        rho = band_ratio(bank)
    except InvalidParameterError:
        rho = math.nan
    note = ""
    decay_base = math.nan
    if not report.is_analytic:
        note = "not derived: the bank is not analytic"
    elif not math.isfinite(rho):
        note = (
            "not derived: no propagation filter has support"
            if math.isnan(rho)
            else "not derived: a band reaches omega = 0 (rho infinite)"
        )
    elif rho <= 1:
        note = f"not derived: rho = {rho:g} <= 1"
    else:
        decay_base = decay_base_from_band_ratio(rho)
    return BankFacts(
        family=bank.family,
        params=dict(bank.params),
        length=int(bank.shape[0]),
        delta=float(report.high_pass_delta),
        band_ratio=float(rho),
        decay_base=float(decay_base),
        decay_base_note=note,
        is_parseval=bool(report.is_parseval),
        is_analytic=bool(report.is_analytic),
        analyticity_defect=max_defect,
        littlewood_paley=(float(report.littlewood_paley_min), float(report.littlewood_paley_max)),
    )


def worst_case_layers(
    epsilon: NDArray[np.float64],
    bandwidth: NDArray[np.float64] | float,
    *,
    delta: float,
    decay_base: float,
    l: float = 1,  # noqa: E741
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    r"""Sufficient layer counts of THEORY.md §8 for each bandwidth and :math:`\varepsilon`.

    .. math::
        x = \frac{L/\delta}{1 - (1-\varepsilon)^{1/(2l)}}, \qquad
        N_{\exp} = \lceil \log_a x \rceil, \qquad N_{\text{gen}} = \lceil x - 1 \rceil \ (d = 1),

    as :func:`pipeline.bounds.worst_case_layers` computes them for a store (the same numbers as
    :func:`pipeline.theory.layers_needed_exponential` / ``layers_needed_general``), clipped at 0. L = 0 (all energy at
    :math:`\omega = 0`) gives 0, the formulas' limit.

    Parameters
    ----------
    epsilon
        1-D :math:`\varepsilon \in (0, 1)`.
    bandwidth
        L in cycles/sample, scalar or 1-D (one per signal).
    delta
        the bank's high-pass :math:`\delta > 0`.
    decay_base
        a > 1 for the exponential count; NaN gives NaN counts.
    l
        window order >= 1.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray)
        exponential and general counts as floats, shape ``bandwidth.shape + epsilon.shape``.
    """
    eps = xr.DataArray(np.asarray(epsilon, dtype=np.float64), dims=("epsilon",))
    widths = np.asarray(bandwidth, dtype=np.float64)
    general, exponential = stored_worst_case_layers(
        xr.DataArray(widths, dims=("signal",) if widths.ndim else ()),
        xr.DataArray(float(delta)),
        xr.DataArray(float(decay_base)),
        eps,
        l=l,
    )
    return exponential.values, general.values


# --------------------------------------------------------------------------------------------
# the plan


def plan_layers(
    family: str,
    params: Mapping[str, object],
    epsilon: Sequence[float] | float,
    *,
    length: int | None = None,
    bandwidth: float | None = None,
    data: str | os.PathLike[str] | None = None,
    l: float = 1,  # noqa: E741
    progress: ProgressCallback | None = None,
) -> xr.Dataset:
    r"""Layers needed for :math:`(1-\varepsilon)` of the energy: worst case; empirical with data.

    Worst case (THEORY.md §8, band-limited f, Parseval analytic high-pass banks): for each
    :math:`\varepsilon` and bandwidth L,

    .. math::
        x = \frac{L/\delta}{1 - (1-\varepsilon)^{1/(2l)}}, \quad
        N_{\exp} = \lceil \log_a x \rceil, \ a = \frac{\rho+1}{\rho-1}\ \text{(derived)}, \quad
        N_{\text{gen}} = \lceil x - 1 \rceil,

    sufficient for :math:`\sum_{n=0}^{N} |||\Phi^n(f)|||^2 \ge (1-\varepsilon)\|f\|^2`.
    Empirical: the smallest N with :math:`\sum_{n \le N} F_n \ge (1-\varepsilon)\|f\|^2` per
    signal (:func:`pipeline.theory.empirical_layers_needed`).

    Parameters
    ----------
    family, params
        the bank: ``make_bank(family, length, **params)``.
    epsilon
        :math:`\varepsilon \in (0, 1)`, one or more (duplicates dropped).
    length
        grid length of the bank; default :data:`DEFAULT_LENGTH`, or the store's ``length`` with
        ``data`` (a different value is an error).
    bandwidth
        L in (0, 0.5] cycles/sample, the inputs' band limit (supp :math:`\hat f \subseteq B_L`).
    data
        a sweep's store: its signals are regenerated from its ``config`` attribute, chunk by
        chunk; L per signal is their essential bandwidth
        (:func:`pipeline.theory.signal_bandwidth`, tolerance 1e-12). If the store holds the same
        bank (family and resolved parameters), its energies are read (completed units only);
        otherwise the signals are propagated through the bank with the store's depth, pruning
        budget and dtype.
        Exactly one of ``bandwidth`` and ``data``.
    l
        window order of the bounds, >= 1 (THEORY.md §3; l = 1 is the sharpest in d = 1).
    progress
        called as ``progress(done, total)`` after each signal chunk (``data`` only).

    Returns
    -------
    xarray.Dataset
        dims ``epsilon`` (coordinate ``energy_fraction`` = 1 - epsilon) and, with ``data``,
        ``signal`` (with the store's ``dataset``, ``signal_class`` and ``seed`` coordinates):

        - ``bandwidth``: L, scalar or ``(signal,)``;
        - ``worst_case_exponential``, ``worst_case_general``: ``([signal,] epsilon)`` floats,
          NaN where the bank fails a hypothesis (exponential also where a is not derived);
        - ``worst_case_recalled``: the same with the paper's recalled a (families of
          :attr:`FamilyInfo.recalled_decay_base` only; extra information, [R]);
        - with ``data``: ``empirical_layers`` ``(signal, epsilon)``, NaN where
          :math:`(1-\varepsilon)` is not reached within the stored feature layers
          0..depth-1, or where the signal was not computed; ``computed`` ``(signal,)``: whether
          the signal's energies exist (False for units missing from the store).

        attrs: ``family``, ``params``, ``length``, ``l``, ``delta``, ``band_ratio``,
        ``decay_base`` (derived, NaN if not), ``decay_base_note``, ``is_parseval``,
        ``is_analytic``, ``analyticity_defect``, ``has_high_pass``, ``hypotheses_failed``
        (list), ``worst_case_applies``; with ``data`` also ``store``, ``source`` (``"store bank
        k"`` or ``"computed"``), ``depth``, ``energy_budget``.

    Raises
    ------
    InvalidParameterError
        (or a subclass) for a bad family, parameter, epsilon, bandwidth, length or l, for
        both or neither of ``bandwidth`` and ``data``, or a ``length`` that differs from the
        store's.
    StoreError
        for a missing store, or one without a ``config`` attribute.
    ConfigError
        if the store's config no longer validates (e.g. a signal file has moved).

    Notes
    -----
    Under pruning (``energy_budget`` > 0) the stored :math:`F_n` are lower bounds, so the
    empirical N is an **upper bound** on the true count (see
    :func:`pipeline.theory.empirical_layers_needed`); exact for ``energy_budget = 0``.
    The worst-case counts are sufficient, not necessary: they are far above what networks
    need (THEORY.md §8).
    """
    eps = parse_epsilons(epsilon)
    order = _window_order(l)
    if not isinstance(family, str):
        raise InvalidParameterError("family", family, "must be a family name (a string)")
    if (bandwidth is None) == (data is None):
        raise InvalidParameterError(
            "--bandwidth/--data",
            "both" if bandwidth is not None else "neither",
            "give exactly one of them",
        )
    if data is None:
        width = _bandwidth(bandwidth)
        grid = DEFAULT_LENGTH if length is None else _length(length)
        bank = make_bank(family, grid, **dict(params))
        facts = bank_facts(bank)
        plan = _worst_case_dataset(eps, np.float64(width), facts, order, dims=())
        return plan
    return _plan_from_store(family, params, eps, data, length, order, progress)


def _worst_case_dataset(
    eps: NDArray[np.float64],
    widths: NDArray[np.float64],
    facts: BankFacts,
    order: float,
    *,
    dims: tuple[str, ...],
) -> xr.Dataset:
    """The worst-case variables over ``dims + ("epsilon",)``, with the bank's facts as attrs."""
    applies = facts.worst_case_applies
    if applies:
        exponential, general = worst_case_layers(
            eps, widths, delta=facts.delta, decay_base=facts.decay_base, l=order
        )
    else:
        shape = (*np.shape(widths), eps.size)
        exponential, general = np.full(shape, np.nan), np.full(shape, np.nan)
    count_dims = (*dims, "epsilon")
    description = "sufficient N (layers n = 0..N) with sum_n F_n >= (1 - epsilon) ||f||^2"
    plan = xr.Dataset(
        {
            "bandwidth": xr.Variable(
                dims,
                widths,
                attrs={"units": "cycles/sample", "long_name": "band limit L"},
            ),
            "worst_case_exponential": xr.Variable(
                count_dims,
                exponential,
                attrs={
                    "long_name": "worst case, Theorem B, derived a",
                    "description": f"{description}: ceil(log_a x), x = (L/delta) / "
                    "(1 - (1-epsilon)^(1/(2l))), a = (rho+1)/(rho-1) derived from the bank "
                    "(THEORY.md §6, §8); NaN where a hypothesis fails or a is not derived",
                    "decay_base": facts.decay_base,
                },
            ),
            "worst_case_general": xr.Variable(
                count_dims,
                general,
                attrs={
                    "long_name": "worst case, Theorem A (alpha = 1)",
                    "description": f"{description}: ceil(x - 1) (THEORY.md §4, §8); NaN where "
                    "a hypothesis fails",
                },
            ),
        },
        coords={"epsilon": eps, "energy_fraction": ("epsilon", 1.0 - eps)},
    )
    recalled = family_info(facts.family).recalled_decay_base
    if recalled is not None:
        name, base = recalled.filter_class, recalled.value
        if applies:
            values, _ = worst_case_layers(eps, widths, delta=facts.delta, decay_base=base, l=order)
        else:
            values = np.full_like(exponential, np.nan)
        plan["worst_case_recalled"] = xr.Variable(
            count_dims,
            values,
            attrs={
                "long_name": f"worst case with the paper's recalled a = {base:.6g} ({name})",
                "description": "extra information only: the recalled constant (THEORY.md §6, "
                "[R], unverified) belongs to the paper's construction and is not derived from "
                "this bank; NaN where a hypothesis fails",
                "decay_base": base,
                "filter_class": name,
            },
        )
    plan.attrs = {
        "family": facts.family,
        "params": dict(facts.params),
        "length": facts.length,
        "l": order,
        "delta": facts.delta,
        "band_ratio": facts.band_ratio,
        "decay_base": facts.decay_base,
        "decay_base_note": facts.decay_base_note,
        "is_parseval": facts.is_parseval,
        "is_analytic": facts.is_analytic,
        "analyticity_defect": facts.analyticity_defect,
        "littlewood_paley": list(facts.littlewood_paley),
        "has_high_pass": facts.has_high_pass,
        "hypotheses_failed": facts.hypotheses_failed,
        "worst_case_applies": applies,
        "description": "layers needed for (1 - epsilon) of the energy (THEORY.md §8)",
    }
    return plan


def _plan_from_store(
    family: str,
    params: Mapping[str, object],
    eps: NDArray[np.float64],
    data: str | os.PathLike[str],
    length: int | None,
    order: float,
    progress: ProgressCallback | None,
) -> xr.Dataset:
    store = os.fspath(data)
    stored = open_results(store, completion=True)  # StoreError if missing / not a store
    text = stored.attrs.get("config")
    if not isinstance(text, str):
        raise StoreError(f"store {store} has no 'config' attribute: cannot regenerate its signals")
    config = SweepConfig.from_yaml(text, source=f"{store} (attribute 'config')")
    if length is not None and _length(length) != config.length:
        raise InvalidParameterError(
            "length", length, f"must equal the store's length {config.length} (or be omitted)"
        )
    bank = make_bank(family, config.length, **dict(params))
    facts = bank_facts(bank)
    match = _matching_bank(config, bank)
    n_signals, depth = config.n_signals, config.depth

    widths = np.empty(n_signals)
    input_energy = np.empty(n_signals)
    features = np.full((n_signals, depth + 1), np.nan)
    computed = np.ones(n_signals, dtype=bool)
    if match is not None:
        selected = stored.isel(bank=match)
        features = np.asarray(selected["feature_energy"].transpose("signal", "layer").values)
        computed = np.asarray(selected["completed"].values, dtype=bool)
        computed &= np.all(np.isfinite(features[:, :depth]), axis=1)
    chunks = config.signal_chunks()
    if progress is not None:
        progress(0, len(chunks))
    for done, (start, stop) in enumerate(chunks, start=1):
        signals = config.load_signals(start, stop)
        widths[start:stop] = signal_bandwidth(signals).values
        if match is None:
            result = propagate(
                signals,
                bank,
                depth,
                energy_budget=config.energy_budget,
                dtype=np.dtype(config.dtype),
            )
            features[start:stop] = result["feature_energy"].transpose("signal", "layer").values
            input_energy[start:stop] = result["input_energy"].values
        else:
            # what propagate computes; the store's own values replace it below where written
            values = np.asarray(signals.values)
            input_energy[start:stop] = np.sum(np.abs(values) ** 2, axis=1)
        if progress is not None:
            progress(done, len(chunks))
    if match is not None:
        written = np.asarray(stored["input_energy"].values)
        input_energy = np.where(np.isfinite(written), written, input_energy)

    energies = xr.Dataset(
        {
            "feature_energy": (("signal", "layer"), features),
            "input_energy": (("signal",), input_energy),
        },
        coords={"layer": np.arange(depth + 1)},
    )
    empirical = empirical_layers_needed(energies, eps).transpose("signal", "epsilon").values
    empirical = np.where(computed[:, None], empirical, np.nan)

    plan = _worst_case_dataset(eps, widths, facts, order, dims=("signal",))
    plan["empirical_layers"] = xr.Variable(
        ("signal", "epsilon"),
        empirical,
        attrs={
            "long_name": "empirical layers needed",
            "description": "smallest N with sum_{n<=N} F_n >= (1 - epsilon) ||f||^2 "
            f"(layers n = 0..N); NaN: not reached within layers 0..{depth - 1} (N >= {depth}), "
            "or not computed (see 'computed'). An upper bound on the true N when pruned "
            "(energy_budget > 0).",
        },
    )
    plan["computed"] = xr.Variable(
        ("signal",),
        computed,
        attrs={"description": "whether the signal's energies exist for this bank"},
    )
    signal_coords = config.signal_coords()
    plan = plan.assign_coords(
        signal=np.arange(n_signals),
        **{
            name: ("signal", np.asarray(signal_coords[name]))
            for name in ("dataset", "signal_class", "seed")
            if name in signal_coords
        },
    )
    plan.attrs.update(
        {
            "store": store,
            "source": "computed" if match is None else f"store bank {match}",
            "depth": depth,
            "energy_budget": float(config.energy_budget),
            "dtype": config.dtype,
        }
    )
    return plan


def _same_value(a: object, b: object) -> bool:
    numbers = (int, float, np.integer, np.floating)
    if isinstance(a, numbers) and isinstance(b, numbers):
        if isinstance(a, bool | np.bool_) or isinstance(b, bool | np.bool_):
            return a == b
        return float(a) == float(b) or (math.isnan(float(a)) and math.isnan(float(b)))
    return a == b


def _matching_bank(config: SweepConfig, bank: FilterBank) -> int | None:
    """Index of the store's bank entry with the same family and resolved parameters, or None."""
    for index, entry in enumerate(config.bank_table()):
        if entry.family != bank.family or set(entry.params) != set(bank.params):
            continue
        if all(_same_value(entry.params[name], bank.params[name]) for name in bank.params):
            return index
    return None


# --------------------------------------------------------------------------------------------
# summaries for printing


def _quantile(values: NDArray[np.float64], q: float) -> float:
    """Quantile of counts with NaN (not reached) as +inf; an observed value (``higher``)."""
    return float(np.quantile(np.where(np.isnan(values), np.inf, values), q, method=QUANTILE_METHOD))


def _max_or_nan(values: NDArray[np.float64]) -> float:
    return math.nan if values.size == 0 or np.any(np.isnan(values)) else float(np.max(values))


def summarise(plan: xr.Dataset) -> list[dict[str, Any]]:
    r"""One row per :math:`\varepsilon` of a :func:`plan_layers` result, for printing.

    Returns
    -------
    list of dict
        ``epsilon``, ``energy_fraction``; ``bandwidth`` (L, or its max over signals) and
        ``bandwidth_median``; ``worst_case_exponential``, ``worst_case_general`` and, if
        present, ``worst_case_recalled`` (max over signals; NaN where the hypotheses fail) with
        ``*_median``; with data: ``signals`` (computed), ``not_computed``,
        ``empirical_median``, ``empirical_p90``, ``empirical_max`` (inf where the quantile
        falls on a signal that does not reach :math:`1-\varepsilon` within the depth; quantiles
        are observed counts, method ``"higher"``), ``not_reached`` (count), and
        ``exceeds_worst_case``: signals whose empirical N is above the smaller worst-case
        count (known N above it, or not reached although the worst case lies within the
        depth) — a theorem violation for an exact cascade, possibly pruning for
        ``energy_budget > 0``. Without data the empirical entries are None.
    """
    per_signal = "signal" in plan.dims
    rows: list[dict[str, Any]] = []
    widths = np.atleast_1d(np.asarray(plan["bandwidth"].values, dtype=float))
    names = ["worst_case_exponential", "worst_case_general"]
    if "worst_case_recalled" in plan:
        names.append("worst_case_recalled")
    computed = (
        np.asarray(plan["computed"].values, dtype=bool)
        if "computed" in plan
        else np.ones(widths.size, bool)
    )
    for k, eps in enumerate(plan["epsilon"].values):
        row: dict[str, Any] = {
            "epsilon": float(eps),
            "energy_fraction": float(1.0 - eps),
            "bandwidth": float(np.max(widths)),
            "bandwidth_median": float(np.quantile(widths, 0.5, method=QUANTILE_METHOD)),
        }
        for name in names:
            values = np.atleast_1d(np.asarray(plan[name].isel(epsilon=k).values, dtype=float))
            row[name] = _max_or_nan(values)
            row[f"{name}_median"] = (
                math.nan
                if np.any(np.isnan(values))
                else float(np.quantile(values, 0.5, method=QUANTILE_METHOD))
            )
        row.update(
            {
                key: None
                for key in (
                    "signals",
                    "not_computed",
                    "empirical_median",
                    "empirical_p90",
                    "empirical_max",
                    "not_reached",
                    "exceeds_worst_case",
                )
            }
        )
        if "empirical_layers" in plan:
            empirical = np.asarray(plan["empirical_layers"].isel(epsilon=k).values, dtype=float)
            empirical = empirical[computed]
            row["signals"] = int(computed.sum())
            row["not_computed"] = int((~computed).sum())
            row["not_reached"] = int(np.isnan(empirical).sum())
            if empirical.size:
                row["empirical_median"] = _quantile(empirical, 0.5)
                row["empirical_p90"] = _quantile(empirical, 0.9)
                row["empirical_max"] = _quantile(empirical, 1.0)
            row["exceeds_worst_case"] = _exceeds(plan, k, computed, empirical)
        rows.append(row)
    if not per_signal:
        for row in rows:
            row.pop("bandwidth_median")
    return rows


def _exceeds(
    plan: xr.Dataset, k: int, computed: NDArray[np.bool_], empirical: NDArray[np.float64]
) -> int:
    """Signals whose empirical N exceeds the smaller of the two worst-case counts."""
    exponential = np.asarray(plan["worst_case_exponential"].isel(epsilon=k).values, dtype=float)
    general = np.asarray(plan["worst_case_general"].isel(epsilon=k).values, dtype=float)
    bound = np.fmin(exponential, general)[computed]  # NaN only where both are NaN
    depth = int(plan.attrs["depth"])
    known = np.isfinite(bound)
    reached = np.isfinite(empirical)
    above = known & reached & (empirical > bound)
    missed = known & ~reached & (bound <= depth - 1)
    return int(np.sum(above | missed))


def format_count(value: float | None, depth: int | None = None) -> str:
    """A layer count for printing: ``n/a`` for NaN/None, ``>=depth`` for inf, else an integer."""
    if value is None or math.isnan(value):
        return "n/a"
    if math.isinf(value):
        return f">={depth}" if depth is not None else "inf"
    return str(int(value))


def _yes(flag: bool) -> str:
    return "yes" if flag else "NO"


def plan_header(plan: xr.Dataset) -> list[str]:
    """Lines that state a plan's bank facts, hypotheses, data source and caveats, for printing."""
    attrs = plan.attrs
    params = ", ".join(f"{name}={value:.6g}" if isinstance(value, float) else f"{name}={value}"
                       for name, value in attrs["params"].items())  # fmt: skip
    if math.isfinite(attrs["decay_base"]):
        derived = f"derived a = (rho+1)/(rho-1) = {attrs['decay_base']:.6g}"
    else:
        derived = f"derived a: n/a ({attrs['decay_base_note']})"
    lp_min, lp_max = attrs["littlewood_paley"]
    deviation = max(abs(lp_min - 1), abs(lp_max - 1))
    lines = [
        f"bank {attrs['family']} ({params or 'defaults'}) on N = {attrs['length']}: "
        f"delta = {attrs['delta']:.6g} cycles/sample, rho = {attrs['band_ratio']:.6g}, {derived}",
        f"hypotheses (THEORY.md §3): Parseval {_yes(attrs['is_parseval'])} (max |LP sum - 1| "
        f"= {deviation:.1e}), analytic {_yes(attrs['is_analytic'])} (max "
        f"defect {attrs['analyticity_defect']:.3g}), high-pass delta > 0 "
        f"{_yes(attrs['has_high_pass'])}",
    ]
    if attrs["worst_case_applies"]:
        lines.append(
            f"worst case (THEORY.md §8, l = {attrs['l']:g}, d = 1): sufficient N for inputs "
            "band-limited to L; actual networks need far fewer layers"
        )
    else:
        lines.append(
            f"the bank fails: {', '.join(attrs['hypotheses_failed'])} -> the worst-case counts "
            "of THEORY.md §8 do not apply (shown as n/a)"
        )
    if "worst_case_recalled" in plan:
        recalled = plan["worst_case_recalled"].attrs
        lines.append(
            f"recalled [R, unverified]: a = {recalled['decay_base']:.6g}, the paper's constant "
            f"for {recalled['filter_class']}, not derived from this bank: extra column only"
        )
    if "store" in attrs:
        widths = np.asarray(plan["bandwidth"].values, dtype=float)
        computed = np.asarray(plan["computed"].values, dtype=bool)
        lines.append(
            f"data: {attrs['store']}, {widths.size} signals; L per signal = essential bandwidth "
            f"(tolerance 1e-12) in [{widths.min():.6g}, {widths.max():.6g}] cycles/sample"
        )
        if attrs["source"] == "computed":
            lines.append(
                f"empirical: computed (bank not in the store): propagate, depth {attrs['depth']}, "
                f"energy budget {attrs['energy_budget']:g}, {attrs['dtype']}"
            )
        else:
            lines.append(
                f"empirical: read from the store ({attrs['source']}), depth {attrs['depth']}, "
                f"energy budget {attrs['energy_budget']:g}"
            )
        if attrs["energy_budget"] > 0:
            lines.append(
                "pruned cascade (energy budget > 0): the empirical N is an upper bound on the "
                "true count"
            )
        if not computed.all():
            lines.append(
                f"{int((~computed).sum())} of {computed.size} signals not computed in the store "
                "for this bank (units missing, energies NaN): left out of the empirical columns"
            )
    return lines
