r"""A small search for the signal that a bank lets decay slowest: :math:`\sup_f W_{n+1}/W_n`.

Section (i) of the report: for Weyl–Heisenberg (``gabor``) banks the decay is exponential
*uniformly over signals* (Czaja & Li, docs/theory.md §9): there is :math:`\theta < 1`, set by
the frame alone, with :math:`W_{n+1}(f) \le \theta\, W_n(f)` for every f. The sweep's signals
give a lower estimate of :math:`\theta` (``max_retention`` of the fits group); this module looks
for worse signals on purpose.

**The objective.** For a real signal f and the exact cascade (budget 0, every path kept),

.. math::
    J(f) = \max_{1 \le n < N} \frac{W_{n+1}(f)}{W_n(f)},

the largest per-layer retention from layer 1 on (the step from :math:`W_0 = \|f\|^2` to
:math:`W_1` depends only on the input spectrum, docs/theory.md §13). :math:`J` is invariant
under scaling f, so the search runs over shapes only.

**The search space.** Sums of at most :data:`PACKETS` Gaussian wave packets, each given by
its centre frequency :math:`c_k \in (0, 1/2)` (cycles/sample), its width :math:`\sigma_k`
(cycles/sample), amplitude :math:`\alpha_k \ge 0` and phase :math:`\varphi_k`:

.. math::
    \hat f(\omega) = \sum_k \alpha_k e^{i\varphi_k}
        \exp\Bigl(-\frac{(\omega - c_k)^2}{2\sigma_k^2}\Bigr), \quad \omega \ge 0,

Hermitian-symmetrised by ``irfft``. Pure tones (:math:`\sigma_k \to 0`), narrow packets and
broadband noise-like spectra are all in reach; beats between packets in one band are the
mechanism that keeps energy away from the low-pass.

**The method.** An elitist evolutionary search, deterministic given ``seed``: a random first
population (white noise rows are evaluated too, as the reference a sweep would give), then
``steps`` generations in which the ``keep`` best shapes survive and each spawns mutants
(centres moved by a Gaussian step, widths and amplitudes scaled by log-normal factors, phases
shifted). It proves nothing about the supremum: it reports the largest :math:`J` it found, a
lower bound on :math:`\sup_f J(f)`, next to the white-noise value.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from ..cascade import propagate
from ..filters import FilterBank
from .local_rates import FIRST_LOCAL_LAYER, local_rates

__all__ = ["PACKETS", "SearchResult", "packet_signals", "retention", "worst_case_search"]

#: Largest number of wave packets in one candidate signal.
PACKETS = 3
#: Narrowest and widest packet (cycles/sample; the narrowest is about a DFT bin at N = 1024).
WIDTH_RANGE = (5e-4, 0.05)
#: Lowest and highest packet centre (cycles/sample).
CENTRE_RANGE = (0.005, 0.495)


@dataclass(frozen=True)
class SearchResult:
    """What :func:`worst_case_search` found.

    Attributes
    ----------
    best
        the largest :math:`J(f)` found (a lower bound on the supremum over signals).
    best_retention
        :math:`W_{n+1}/W_n` of the best signal per layer n = 1 .. depth-1.
    best_packets
        (packets, 4): centre, width, amplitude, phase of the best signal's packets.
    white_noise
        the largest :math:`J` over the white-noise rows evaluated with the first population.
    history
        the best :math:`J` after each generation (0: the first population).
    evaluations
        how many signals went through the cascade.
    """

    best: float
    best_retention: NDArray[np.float64]
    best_packets: NDArray[np.float64]
    white_noise: float
    history: NDArray[np.float64]
    evaluations: int


def packet_signals(packets: NDArray[np.float64], length: int) -> NDArray[np.float64]:
    r"""(batch, packets, 4) parameters (centre, width, amplitude, phase) -> (batch, N) real
    signals with the spectrum of the module docstring, normalised to unit energy."""
    freq = np.arange(length // 2 + 1) / length
    centre, width, amplitude, phase = (packets[..., i, np.newaxis] for i in range(4))
    bumps = np.exp(-0.5 * ((freq - centre) / width) ** 2)
    spectra = (amplitude * np.exp(1j * phase) * bumps).sum(axis=1)
    signals = np.fft.irfft(spectra, length, axis=-1)
    return signals / np.linalg.norm(signals, axis=-1, keepdims=True)


def retention(signals: NDArray[np.float64], bank: FilterBank, depth: int) -> NDArray[np.float64]:
    r""":math:`W_{n+1}/W_n = e^{-r_n}` for n = 1 .. depth-1 of each row, exact cascade:
    (batch, depth-1); NaN where :math:`W_n` or :math:`W_{n+1}` is below the relative round-off
    floor (:func:`pipeline.analysis.local_rates.local_rates`, docs/theory.md §10)."""
    energies = propagate(signals, bank, depth)
    energies.attrs["grid_shape"] = list(bank.shape)
    return np.exp(-local_rates(energies).local_rate.values[:, FIRST_LOCAL_LAYER:depth])


def _score(scores: NDArray[np.float64]) -> NDArray[np.float64]:
    """J per row: the largest resolved retention (-inf for a row with none resolved)."""
    return np.max(np.where(np.isfinite(scores), scores, -np.inf), axis=1)


def _random_packets(count: int, rng: np.random.Generator) -> NDArray[np.float64]:
    """``count`` random candidates: 1..PACKETS active packets (others at zero amplitude)."""
    packets = np.empty((count, PACKETS, 4))
    packets[..., 0] = rng.uniform(*CENTRE_RANGE, size=(count, PACKETS))
    packets[..., 1] = np.exp(rng.uniform(*np.log(WIDTH_RANGE), size=(count, PACKETS)))
    active = np.arange(PACKETS) < rng.integers(1, PACKETS + 1, size=(count, 1))
    packets[..., 2] = np.where(active, rng.uniform(0.2, 1.0, size=(count, PACKETS)), 0.0)
    packets[..., 3] = rng.uniform(0, 2 * np.pi, size=(count, PACKETS))
    return packets


def _mutants(
    parents: NDArray[np.float64], children: int, scale: float, rng: np.random.Generator
) -> NDArray[np.float64]:
    """``children`` mutants of each parent; ``scale`` shrinks the steps over the generations."""
    packets = np.repeat(parents, children, axis=0)
    shape = packets.shape[:2]
    packets[..., 0] = np.clip(
        packets[..., 0] + scale * 0.02 * rng.standard_normal(shape), *CENTRE_RANGE
    )
    packets[..., 1] = np.clip(
        packets[..., 1] * np.exp(scale * 0.5 * rng.standard_normal(shape)), *WIDTH_RANGE
    )
    packets[..., 2] *= np.exp(scale * 0.3 * rng.standard_normal(shape))
    packets[..., 3] += scale * rng.standard_normal(shape)
    return packets


def worst_case_search(
    bank: FilterBank,
    depth: int = 3,
    *,
    population: int = 24,
    keep: int = 6,
    steps: int = 12,
    seed: int = 0,
) -> SearchResult:
    r"""Search for the signal with the largest per-layer retention :math:`J(f)` (module
    docstring) through ``bank`` (1-D), exact cascade to ``depth`` (>= 2).

    Cost: ``population * (steps + 1)`` cascades of depth ``depth``, plus ``population``
    white-noise rows.
    """
    if depth < 2:
        raise ValueError("depth must be >= 2: J needs W_1 and W_2")
    (length,) = bank.shape
    rng = np.random.default_rng(seed)
    noise = rng.standard_normal((population, length))
    white = float(_score(retention(noise, bank, depth)).max())
    packets = _random_packets(population, rng)
    scores = retention(packet_signals(packets, length), bank, depth)
    score = _score(scores)
    history = [float(score.max())]
    evaluations = 2 * population
    children = max(1, population // keep)
    for step in range(steps):
        order = np.argsort(-score)[:keep]
        parents, parent_scores, parent_score = packets[order], scores[order], score[order]
        offspring = _mutants(parents, children, scale=0.7**step, rng=rng)
        offspring_scores = retention(packet_signals(offspring, length), bank, depth)
        evaluations += offspring.shape[0]
        packets = np.concatenate([parents, offspring])
        scores = np.concatenate([parent_scores, offspring_scores])
        score = np.concatenate([parent_score, _score(offspring_scores)])
        history.append(float(score.max()))
    best = int(np.argmax(score))
    return SearchResult(
        best=float(score[best]),
        best_retention=scores[best],
        best_packets=packets[best],
        white_noise=white,
        history=np.asarray(history),
        evaluations=evaluations,
    )
