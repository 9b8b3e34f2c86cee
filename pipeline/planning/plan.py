r"""Plan a network: how many layers keep :math:`(1-\varepsilon)` of the energy (docs/theory.md §8).

*How many layers do I need so that 99% of my data's energy is in the features, with this filter
bank?* Two answers, side by side:

- the paper's **worst case** for band-limited inputs (supp :math:`\hat f \subseteq B_L(0)`),
  sufficient numbers N with :math:`\sum_{n=0}^{N} |||\Phi^n(f)|||^2 \ge (1-\varepsilon)\|f\|^2`:

  .. math::
      x = \frac{L/\delta}{1 - (1-\varepsilon)^{1/(2l)}}, \qquad
      N_{\exp} = \lceil \log_a x \rceil \ \text{(Theorem B, d = 1)}, \qquad
      N_{\text{gen}} = \lceil x^{1/\alpha(d)} - 1 \rceil \ \text{(Theorem A)},

  with :math:`\delta` the bank's high-pass radius and the decay base **derived** from the bank,
  :math:`a = (\rho + 1)/(\rho - 1)` (docs/theory.md §6, [D]); the paper's recalled constants
  (5/3 wavelets, 3/2 Weyl-Heisenberg, [R]) are reported apart, as labelled extra information.
  On a grid of d dimensions (the 2-D families of docs/theory.md §14) the rule of ``energy-sweep
  fit`` applies: :math:`\alpha(d) = \log_2(\sqrt d/(\sqrt d - 1/2))` in Theorem A (0.6294 for
  d = 2), the window order raised to the smallest admissible :math:`(d+1)/2`, and no Theorem B
  count (stated for d = 1 only, §6), neither derived nor recalled;
  The bank's facts and hypotheses are :class:`pipeline.theory.BankFacts`, with its one rule:
  where the bank fails a hypothesis its values are still reported and the counts are NaN;
- the **empirical** count of a sweep's signals, read from its store
  (:mod:`pipeline.planning.from_store`).

Counting is the same everywhere: N means feature layers n = 0..N. Frequencies are in cycles per
sample. Pure library code: no Prefect, no printing.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import xarray as xr

from ..errors import InvalidParameterError
from ..filters import family_info, make_bank
from ..theory import bank_facts
from ..theory._checks import window_order
from ._inputs import check_bandwidth, check_length, check_shape, parse_epsilons
from .worst_case import worst_case_dataset

#: ``progress(done, total)`` after each signal chunk of a store.
ProgressCallback = Callable[[int, int], None]

#: Grid length of a 1-D bank when neither ``length``, ``shape`` nor a store is given.
DEFAULT_LENGTH = 1024
#: Grid shape of a 2-D bank when neither ``shape`` nor a store is given.
DEFAULT_SHAPE_2D = (256, 256)


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
    shape: object = None,
) -> xr.Dataset:
    r"""Layers needed for :math:`(1-\varepsilon)` of the energy: worst case; empirical with data.

    Parameters
    ----------
    family, params
        the bank: ``make_bank(family, shape, **params)``.
    epsilon
        :math:`\varepsilon \in (0, 1)`, one or more (duplicates dropped).
    length
        grid length of a 1-D bank; default :data:`DEFAULT_LENGTH`, or the store's with ``data``
        (a different value is an error).
    shape
        grid shape of the bank instead of ``length``, ``(N,)`` or ``(N1, N2)`` (or text
        ``"N1xN2"``); default: ``(length,)`` for a 1-D family, :data:`DEFAULT_SHAPE_2D` for a
        2-D one, or the store's with ``data`` (a different value is an error).
    bandwidth
        L in :math:`(0, \sqrt d/2]` cycles/sample, the inputs' band limit
        (supp :math:`\hat f \subseteq B_L`).
    data
        a sweep's store: L per signal is its essential bandwidth, from the store's
        ``radial_power`` (:func:`pipeline.theory.signal_bandwidth`, tolerance 1e-12). If the
        store holds the same bank (family and resolved parameters), its energies are read
        (completed units only); otherwise — the one case that needs the signal sources — the
        signals are regenerated from the store's config and propagated with its depth, pruning
        budget and dtype. Exactly one of ``bandwidth`` and ``data``.
    l
        window order of the bounds, >= 1 (docs/theory.md §3; l = 1 is the sharpest in d = 1);
        on a d-dimensional grid at least :math:`(d+1)/2`, to which a smaller one is raised.
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
          0..depth-1, or where the signal was not computed; ``computed`` ``(signal,)``.

        attrs: the bank's facts (``family``, ``params``, ``length``, ``delta``, ``band_ratio``,
        ``decay_base`` — derived, reported even where a hypothesis fails —, ``decay_base_note``,
        ``frame_lower``, ``frame_upper``, ``analyticity_defect``, ``meets_parseval``,
        ``meets_analyticity``, ``meets_high_pass``, ``hypotheses_failed``,
        ``worst_case_applies``), ``l``; with ``data`` also ``store``, ``source`` (``"store bank
        k"`` or ``"computed"``), ``depth``, ``energy_budget``, ``dtype``.

    Raises
    ------
    InvalidParameterError
        (or a subclass) for a bad family, parameter, epsilon, bandwidth, length or l, for
        both or neither of ``bandwidth`` and ``data``, or a ``length`` that differs from the
        store's.
    StoreError
        for a missing store, one without ``radial_power`` or without a ``config`` attribute.
    ConfigError
        for a bank not in the store whose signal sources no longer validate (e.g. a moved file).

    Notes
    -----
    Under pruning (``energy_budget`` > 0) the stored :math:`F_n` are lower bounds, so the
    empirical N is an **upper bound** on the true count (exact for ``energy_budget = 0``). The
    worst-case counts are sufficient, not necessary: far above what networks need (§8).
    """
    eps = parse_epsilons(epsilon)
    order = window_order(l)
    if not isinstance(family, str):
        raise InvalidParameterError("family", family, "must be a family name (a string)")
    if (bandwidth is None) == (data is None):
        raise InvalidParameterError(
            "--bandwidth/--data",
            "both" if bandwidth is not None else "neither",
            "give exactly one of them",
        )
    if length is not None and shape is not None:
        raise InvalidParameterError("--length/--shape", "both", "give at most one of them")
    grid = None if shape is None else check_shape(shape)
    if length is not None:
        grid = (check_length(length),)
    if data is None:
        if grid is None:
            grid = (DEFAULT_LENGTH,) if family_info(family).ndim == 1 else DEFAULT_SHAPE_2D
        width = check_bandwidth(bandwidth, len(grid))
        facts = bank_facts(make_bank(family, grid, **dict(params)))
        return worst_case_dataset(eps, np.float64(width), facts, order, dims=())
    # the store path needs dask, zarr and the sweep spec: imported only when a store is given
    from .from_store import plan_from_store

    return plan_from_store(family, params, eps, data, grid, order, progress)
