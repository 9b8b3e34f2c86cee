"""The FilterBank type: a low-pass and propagation filters on the DFT grid, with their checks."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..errors import BankCoverageError, InvalidParameterError
from ._grid import mirror

#: A bin whose Littlewood-Paley sum is at most this fraction of the largest one counts as a hole.
COVERAGE_TOLERANCE = 1e-10
#: Relative level below which a filter's squared modulus counts as outside its support.
SUPPORT_TOLERANCE = 1e-14
#: Relative max-abs difference under which two filters count as mirror images of each other.
MIRROR_TOLERANCE = 1e-12


@dataclass(frozen=True)
class BankReport:
    """What ``FilterBank.check()`` measures; all frequencies in cycles/sample.

    Attributes
    ----------
    littlewood_paley_min, littlewood_paley_max
        min and max over bins of :math:`|\\hat\\chi|^2 + \\sum_k |\\hat g_k|^2`; these are the
        frame bounds A and B of THEORY.md §2.
    analyticity_defect
        per filter, the fraction of its energy off its dominant half-line (0 for an analytic
        filter, 1/2 for a real one); THEORY.md §3. The DC and Nyquist bins lie on both
        half-lines and are left out of both parts. NaN for d >= 2 (orthants not checked yet).
    high_pass_delta
        the largest :math:`\\delta` with :math:`\\sum_k |\\hat g_k|^2 \\le` ``SUPPORT_TOLERANCE``
        (relative) on every bin with :math:`|\\omega| < \\delta`; THEORY.md §3.
    band_edges
        per filter, (min, max) of :math:`|\\omega|` over its numerical support.
    """

    littlewood_paley_min: float
    littlewood_paley_max: float
    analyticity_defect: NDArray[np.float64]
    high_pass_delta: float
    band_edges: NDArray[np.float64]

    @property
    def frame_bounds(self) -> tuple[float, float]:
        """(A, B) of the frame inequality, THEORY.md §2."""
        return self.littlewood_paley_min, self.littlewood_paley_max

    @property
    def is_parseval(self) -> bool:
        """Whether A = B = 1 to 1e-12."""
        return (
            abs(self.littlewood_paley_min - 1.0) <= 1e-12
            and abs(self.littlewood_paley_max - 1.0) <= 1e-12
        )

    @property
    def is_analytic(self) -> bool:
        """Whether every filter lives on one half-line (defect <= 1e-12)."""
        defect = self.analyticity_defect
        return bool(defect.size == 0 or np.nanmax(defect) <= 1e-12)

    def __str__(self) -> str:
        defect = float(np.nanmax(self.analyticity_defect)) if self.analyticity_defect.size else 0.0
        return (
            f"Littlewood-Paley sum in [{self.littlewood_paley_min:.15g}, "
            f"{self.littlewood_paley_max:.15g}]; max analyticity defect {defect:.3g}; "
            f"high-pass delta {self.high_pass_delta:.6g} cycles/sample"
        )


@dataclass(frozen=True, eq=False)
class FilterBank:
    r"""A filter bank on the DFT grid: low-pass :math:`\hat\chi` and propagation filters :math:`\hat g_k`.

    Attributes
    ----------
    lowpass
        DFT of the output-generating atom :math:`\chi`, array of ``shape``.
    filters
        DFTs of every propagation filter, mirrored ones included, array ``(K, *shape)``.
    family
        the family name (``"custom"`` for banks made with :meth:`from_arrays`).
    params
        the family's parameters, defaults resolved.

    Notes
    -----
    Families return Parseval banks, :math:`|\hat\chi|^2 + \sum_k |\hat g_k|^2 = 1` in every bin
    (THEORY.md §2), for which the cascade conserves energy exactly.
    """

    lowpass: NDArray[np.complex128]
    filters: NDArray[np.complex128]
    family: str
    params: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.filters.ndim != self.lowpass.ndim + 1 or self.filters.shape[1:] != self.shape:
            raise InvalidParameterError(
                "filters",
                self.filters.shape,
                f"must have shape (K, *{self.shape}) to match the low-pass",
            )

    @property
    def shape(self) -> tuple[int, ...]:
        """Grid shape of every filter."""
        return tuple(self.lowpass.shape)

    @property
    def n_filters(self) -> int:
        """Number K of propagation filters."""
        return int(self.filters.shape[0])

    @cached_property
    def littlewood_paley(self) -> NDArray[np.float64]:
        r""":math:`|\hat\chi(\omega)|^2 + \sum_k |\hat g_k(\omega)|^2` in every bin."""
        return np.abs(self.lowpass) ** 2 + np.sum(np.abs(self.filters) ** 2, axis=0)

    @cached_property
    def mirror_index(self) -> NDArray[np.int64]:
        r"""For each filter k, the index m(k) of its mirror :math:`\overline{\hat g_k(-\omega)}`, or -1.

        ``m(k) == k`` for a filter that is real in time. The relation is an involution.
        """
        return _mirror_pairs(self.filters, len(self.shape))

    @cached_property
    def representatives(self) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """Filters to compute for a real input, and the multiplicity each carries.

        For a real u, :math:`|u * g^-| = |u * g|` (DESIGN.md, real signals and analytic filters),
        so one filter of each mirror pair is computed and counted twice. Returns
        ``(indices, multiplicities)``.
        """
        mirror_of = self.mirror_index
        # of each pair, compute the member with more energy on bins 0..N/2 along the last axis
        # (the cascade's fast path for analytic filters needs nothing above N/2)
        power = np.abs(self.filters) ** 2
        last = self.shape[-1]
        low_side = power[..., : last // 2 + 1].reshape(self.n_filters, -1).sum(axis=1)
        keep, weight = [], []
        for k, m in enumerate(mirror_of):
            if m < 0 or m == k:
                keep.append(k)
                weight.append(1)
            elif low_side[k] > low_side[m] or (low_side[k] == low_side[m] and k < m):
                keep.append(k)
                weight.append(2)
        return np.asarray(keep, dtype=np.int64), np.asarray(weight, dtype=np.int64)

    def check(self) -> BankReport:
        """Measure the Littlewood-Paley bounds, analyticity, the high-pass delta and band edges."""
        radius = _radius(self.shape)
        power = np.abs(self.filters) ** 2
        total = np.sum(power, axis=0)
        level = SUPPORT_TOLERANCE * max(float(total.max(initial=0.0)), np.finfo(float).tiny)
        covered = radius[total > level]
        delta = float(covered.min()) if covered.size else float("inf")
        edges = np.full((self.n_filters, 2), np.nan)
        for k in range(self.n_filters):
            support = radius[power[k] > SUPPORT_TOLERANCE * power[k].max(initial=0.0)]
            if support.size:
                edges[k] = support.min(), support.max()
        return BankReport(
            littlewood_paley_min=float(self.littlewood_paley.min()),
            littlewood_paley_max=float(self.littlewood_paley.max()),
            analyticity_defect=_analyticity_defect(power),
            high_pass_delta=delta,
            band_edges=edges,
        )

    @classmethod
    def from_arrays(
        cls,
        lowpass: ArrayLike,
        filters: ArrayLike,
        *,
        normalise: bool = True,
        family: str = "custom",
        params: dict[str, Any] | None = None,
    ) -> FilterBank:
        r"""A bank from user-supplied DFT arrays (a published bank, learned filters, ...).

        Parameters
        ----------
        lowpass
            DFT of the low-pass, array of the grid shape.
        filters
            DFTs of the propagation filters, ``(K, *shape)``; include mirror images explicitly.
        normalise
            if True, divide every filter by :math:`\sqrt{S(\omega)}` with
            :math:`S = |\hat\chi|^2 + \sum_k |\hat g_k|^2`, making the bank Parseval; if False,
            keep the arrays: the cascade then obeys the frame-bound sandwich of THEORY.md §2,
            :math:`A^N \|f\|^2 \le \sum_{n<N} F_n + W_N \le B^N \|f\|^2`.

        Raises
        ------
        BankCoverageError
            if :math:`S(\omega)` vanishes (relative to its maximum, ``COVERAGE_TOLERANCE``) in some
            bin, for ``normalise=True``; a bank with a hole cannot be made Parseval.
        """
        low = np.asarray(lowpass, dtype=np.complex128)
        bank = np.asarray(filters, dtype=np.complex128)
        if low.ndim < 1:
            raise InvalidParameterError("lowpass", low.shape, "must have at least one dimension")
        if bank.ndim == low.ndim:  # a single filter
            bank = bank[np.newaxis]
        for name, arr in (("lowpass", low), ("filters", bank)):
            if not np.all(np.isfinite(arr)):
                raise InvalidParameterError(name, "array with NaN/Inf", "must be finite")
        candidate = cls(low, bank, family, dict(params or {}))
        if normalise:
            candidate = candidate.normalised()
        return candidate

    def normalised(self) -> FilterBank:
        r"""This bank divided by :math:`\sqrt{S(\omega)}`: an exact Parseval frame on the grid.

        Notes
        -----
        :math:`\hat\chi \leftarrow \hat\chi/\sqrt S`, :math:`\hat g_k \leftarrow \hat g_k/\sqrt S`
        with :math:`S = |\hat\chi|^2 + \sum_k |\hat g_k|^2`, so the Littlewood-Paley sum becomes 1
        in every bin (THEORY.md §2, Parseval). Refuses a bank with an uncovered bin.
        """
        lp = self.littlewood_paley
        peak = float(lp.max())
        holes = lp <= COVERAGE_TOLERANCE * peak
        if peak <= 0 or np.any(holes):
            where = np.argwhere(holes)[0] if peak > 0 else np.zeros(len(self.shape), int)
            freq = tuple(
                round(float(i) / n if i <= n // 2 else float(i) / n - 1, 6)
                for i, n in zip(where, self.shape, strict=True)
            )
            raise BankCoverageError(
                f"filter bank '{self.family}' leaves {int(holes.sum())} frequency bin(s) uncovered "
                f"(first at {freq} cycles/sample): the Littlewood-Paley sum must be positive in "
                "every bin; widen or add filters"
            )
        scale = 1.0 / np.sqrt(lp)
        return FilterBank(self.lowpass * scale, self.filters * scale, self.family, self.params)


def _radius(shape: tuple[int, ...]) -> NDArray[np.float64]:
    """|omega| of every bin (Euclidean norm over axes), Nyquist counted as +1/2."""
    grids = np.meshgrid(*[np.abs(np.fft.fftfreq(n)) for n in shape], indexing="ij")
    return np.sqrt(sum(g**2 for g in grids))


def _analyticity_defect(power: NDArray[np.float64]) -> NDArray[np.float64]:
    """Fraction of each 1-D filter's energy strictly on its lighter half-line (DC and Nyquist excluded)."""
    if power.ndim != 2:
        return np.full(power.shape[0], np.nan)
    length = power.shape[1]
    freq = np.fft.fftfreq(length)
    nyquist = np.arange(length) == length // 2 if length % 2 == 0 else np.zeros(length, bool)
    positive = np.sum(power[:, (freq > 0) & ~nyquist], axis=1)
    negative = np.sum(power[:, (freq < 0) & ~nyquist], axis=1)
    total = positive + negative
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, np.minimum(positive, negative) / total, 0.0)


def _mirror_pairs(filters: NDArray[np.complex128], ndim: int) -> NDArray[np.int64]:
    """Index of each filter's mirror image within the stack, -1 where it has none."""
    n_filters = filters.shape[0]
    flat = filters.reshape(n_filters, -1)
    mirrored = mirror(filters, axes=tuple(range(1, ndim + 1))).reshape(n_filters, -1)
    scale = np.abs(flat).max(axis=1)
    # squared distances |M_k - F_j|^2 through inner products: one matrix product, no K^2 loop
    norms_m = np.sum(np.abs(mirrored) ** 2, axis=1)
    norms_f = np.sum(np.abs(flat) ** 2, axis=1)
    gram = np.real(mirrored @ flat.conj().T)
    distance = norms_m[:, None] + norms_f[None, :] - 2.0 * gram
    result = np.full(n_filters, -1, dtype=np.int64)
    for k in range(n_filters):
        j = int(np.argmin(distance[k]))
        tol = MIRROR_TOLERANCE * max(scale[k], scale[j])
        if scale[k] > 0 and np.max(np.abs(mirrored[k] - flat[j])) <= tol:
            result[k] = j
    # keep only involutive pairs
    for k in range(n_filters):
        j = result[k]
        if j >= 0 and result[j] != k:
            result[k] = -1
    return result
