"""The FilterBank type: a low-pass and propagation filters on the DFT grid, with their checks."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ..errors import BankCoverageError, InvalidParameterError
from ..grid import Grid

#: A bin whose Littlewood-Paley sum is at most this fraction of the largest one counts as a hole.
COVERAGE_TOLERANCE = 1e-10
#: Relative level below which a filter's squared modulus counts as outside its support.
SUPPORT_TOLERANCE = 1e-14
#: Relative max-abs difference under which two filters count as mirror images of each other.
MIRROR_TOLERANCE = 1e-12


@dataclass(frozen=True)
class BankReport:
    r"""What ``FilterBank.check()`` measures; all frequencies in cycles/sample.

    Attributes
    ----------
    littlewood_paley_min, littlewood_paley_max
        min and max over bins of :math:`|\hat\chi|^2 + \sum_k |\hat g_k|^2`; these are the
        frame bounds A and B of docs/theory.md §2.
    analyticity_defect
        per filter, the fraction of its energy outside the closed orthant that holds the most
        of it (0 for a filter that meets the analyticity condition, 1/2 for a real 1-D one);
        docs/theory.md §3. d = 1: the orthants are the half-lines, and the defect is
        :math:`\min(E_+, E_-)/(E_+ + E_-)`. d = 2: the orthants are the closed quarter-planes
        :math:`\{\omega : \arg\omega \in [\theta, \theta + \pi/2]\}` at every rotation θ (the
        images of the positive quadrant under O(2)). The DC bin and, for an even size, the
        bins with a Nyquist coordinate (:math:`\pm 1/2` are the same bin, so their side is
        undefined) are left out of every part. NaN for d >= 3 (not implemented).
    half_space_defect
        per filter, the same with closed half-spaces in place of orthants (d = 2: half-planes
        :math:`\arg\omega \in [\theta, \theta + \pi]`); equal to ``analyticity_defect`` in
        d = 1. A filter with zero half-space defect has a point-reflected mirror with which it
        shares no bin off the boundary line.
    high_pass_delta
        the largest :math:`\delta` with :math:`\sum_k |\hat g_k|^2 \le` ``SUPPORT_TOLERANCE``
        (relative) on every bin with :math:`|\omega| < \delta`; docs/theory.md §3.
    band_edges
        per filter, (min, max) of :math:`|\omega|` over its numerical support.
    """

    littlewood_paley_min: float
    littlewood_paley_max: float
    analyticity_defect: NDArray[np.float64]
    high_pass_delta: float
    band_edges: NDArray[np.float64]
    half_space_defect: NDArray[np.float64] = field(
        default_factory=lambda: np.empty(0, dtype=np.float64)
    )

    @property
    def frame_bounds(self) -> tuple[float, float]:
        """(A, B) of the frame inequality, docs/theory.md §2."""
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
    scales
        optional integer scale index of every filter, ``(K,)`` (larger = coarser), used by the
        cascade's ``path_rule="frequency_decreasing"``; None derives it from the filters'
        centre frequencies (:attr:`scale_index`).

    Notes
    -----
    Families return Parseval banks, :math:`|\hat\chi|^2 + \sum_k |\hat g_k|^2 = 1` in every bin
    (docs/theory.md §2), for which the cascade conserves energy exactly.
    """

    lowpass: NDArray[np.complex128]
    filters: NDArray[np.complex128]
    family: str
    params: dict[str, Any] = field(default_factory=dict)
    scales: NDArray[np.int64] | None = None

    def __post_init__(self) -> None:
        if self.scales is not None:
            scales = np.asarray(self.scales)
            numeric = scales.dtype.kind in "iuf" and np.all(np.isfinite(scales))
            if scales.shape != (self.filters.shape[0],) or not (
                numeric and np.all(scales == np.round(scales))
            ):
                raise InvalidParameterError(
                    "scales",
                    scales.shape,
                    f"must be {self.filters.shape[0]} integers, one a filter",
                )
            object.__setattr__(self, "scales", scales.astype(np.int64))
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

    @cached_property
    def grid(self) -> Grid:
        """The DFT grid the filters are sampled on (:class:`pipeline.grid.Grid`)."""
        return Grid(self.shape)

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
        return _mirror_pairs(self.filters, self.grid)

    @cached_property
    def representatives(self) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """Filters to compute for a real input, and the multiplicity each carries.

        For a real u, :math:`|u * g^-| = |u * g|` (docs/theory.md §2, real signals and mirror filters),
        so one filter of each mirror pair is computed and counted twice. Returns
        ``(indices, multiplicities)``.
        """
        mirror_of = self.mirror_index
        # of each pair, compute the member with more energy on the real-FFT half-space (the
        # cascade's fast path for filters supported there needs nothing outside it)
        power = np.abs(self.filters) ** 2
        width = self.grid.half_shape[-1]
        low_side = power[..., :width].reshape(self.n_filters, -1).sum(axis=1)
        keep, weight = [], []
        for k, m in enumerate(mirror_of):
            if m < 0 or m == k:
                keep.append(k)
                weight.append(1)
            elif low_side[k] > low_side[m] or (low_side[k] == low_side[m] and k < m):
                keep.append(k)
                weight.append(2)
        return np.asarray(keep, dtype=np.int64), np.asarray(weight, dtype=np.int64)

    @cached_property
    def centre_frequency(self) -> NDArray[np.float64]:
        r"""Per filter, the power-weighted mean radius :math:`\xi_k = \sum_\omega |\omega|
        |\hat g_k(\omega)|^2 / \sum_\omega |\hat g_k(\omega)|^2` (cycles/sample; 0 for a zero
        filter)."""
        power = np.abs(self.filters.reshape(self.n_filters, -1)) ** 2
        total = power.sum(axis=1)
        weighted = power @ self.grid.radius.reshape(-1)
        return np.divide(weighted, total, out=np.zeros_like(total), where=total > 0)

    @cached_property
    def scale_index(self) -> NDArray[np.int64]:
        r"""Per filter, its integer scale index j (larger = coarser): ``scales`` if given, else
        the octave index

        .. math::
            j_k = \lfloor \log_2(\xi_{\max} / \xi_k) \rfloor,

        :math:`\xi_k` = :attr:`centre_frequency`, :math:`\xi_{\max} = \max_k \xi_k`: every
        filter whose centre lies in the octave :math:`(\xi_{\max}/2^{j+1}, \xi_{\max}/2^j]`
        gets index j, whatever the number Q of filters per octave (docs/theory.md §15). A filter
        centred at 0 gets the coarsest index of the bank plus one.
        """
        if self.scales is not None:
            return self.scales
        xi = self.centre_frequency
        if xi.size == 0:
            return np.zeros(0, dtype=np.int64)
        positive = xi > 0
        index = np.zeros(xi.size, dtype=np.int64)
        if np.any(positive):
            ratio = xi.max() / xi[positive]
            # 1e-9: a centre that is a power of two below the largest rounds to its own octave
            index[positive] = np.floor(np.log2(ratio) + 1e-9).astype(np.int64)
        index[~positive] = index[positive].max(initial=-1) + 1
        return index

    def check(self) -> BankReport:
        """Measure the Littlewood-Paley bounds, analyticity, the high-pass delta and band edges."""
        radius = self.grid.radius
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
            analyticity_defect=_orthant_defect(power, self.grid, half_space=False),
            high_pass_delta=delta,
            band_edges=edges,
            half_space_defect=_orthant_defect(power, self.grid, half_space=True),
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
        scales: ArrayLike | None = None,
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
            keep the arrays: the cascade then obeys the frame-bound sandwich of docs/theory.md §2,
            :math:`A^N \|f\|^2 \le \sum_{n<N} F_n + W_N \le B^N \|f\|^2`.
        scales
            optional integer scale index per filter (larger = coarser), e.g. Kymatio's ``j``;
            default: :attr:`scale_index` from the centre frequencies.

        Raises
        ------
        BankCoverageError
            if :math:`S(\omega)` vanishes (relative to its maximum, ``COVERAGE_TOLERANCE``) in some
            bin, for ``normalise=True``; a bank with a hole cannot be made Parseval.
        """
        low = np.array(lowpass, dtype=np.complex128)  # copies: the bank's arrays are its own
        bank = np.array(filters, dtype=np.complex128)
        if low.ndim < 1:
            raise InvalidParameterError("lowpass", low.shape, "must have at least one dimension")
        if bank.ndim == low.ndim:  # a single filter
            bank = bank[np.newaxis]
        for name, arr in (("lowpass", low), ("filters", bank)):
            if not np.all(np.isfinite(arr)):
                raise InvalidParameterError(name, "array with NaN/Inf", "must be finite")
        candidate = cls(
            low, bank, family, dict(params or {}), None if scales is None else np.asarray(scales)
        )
        if normalise:
            return candidate.normalised()
        return _read_only(candidate)

    def normalised(self) -> FilterBank:
        r"""This bank divided by :math:`\sqrt{S(\omega)}`: an exact Parseval frame on the grid.

        Notes
        -----
        :math:`\hat\chi \leftarrow \hat\chi/\sqrt S`, :math:`\hat g_k \leftarrow \hat g_k/\sqrt S`
        with :math:`S = |\hat\chi|^2 + \sum_k |\hat g_k|^2`, so the Littlewood-Paley sum becomes 1
        in every bin (docs/theory.md §2, Parseval). Refuses a bank with an uncovered bin.
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
        return _read_only(
            FilterBank(
                self.lowpass * scale, self.filters * scale, self.family, self.params, self.scales
            )
        )


def _read_only(bank: FilterBank) -> FilterBank:
    """``bank`` with its arrays (its own, never the caller's) made read-only, so that
    ``propagate`` may keep its plans between calls (pipeline/cascade/plan_cache.py)."""
    bank.lowpass.flags.writeable = False
    bank.filters.flags.writeable = False
    return bank


#: Angular slack (radians) when deciding whether a bin lies on a sector's closed boundary: far
#: above the rounding of ``arctan2`` (~1e-16), far below the angle between two bin directions.
ANGLE_TOLERANCE = 1e-12


def _orthant_defect(
    power: NDArray[np.float64], grid: Grid, *, half_space: bool
) -> NDArray[np.float64]:
    r"""Per filter, the fraction of its energy outside its best closed orthant (or half-space).

    .. math::
        D_k = \min_{H} \frac{\sum_{\omega \notin H} |\hat g_k(\omega)|^2}
                            {\sum_{\omega} |\hat g_k(\omega)|^2},

    H over the closed orthants :math:`A\,\mathbb R_{\ge 0}^d`, :math:`A \in O(d)`
    (docs/theory.md §3), or over the closed half-spaces; sums over the bins off DC and off the Nyquist planes.
    d = 1: :math:`\min(E_+, E_-)/(E_+ + E_-)`. d = 2: H is the sector
    :math:`\arg\omega \in [\theta, \theta + \alpha]`, α = π/2 (orthant) or π (half-plane);
    the best θ puts the sector's first edge on some bin, so the minimum is exact over the bins'
    angles (one sorted sweep with cumulative sums). 0 for a filter without energy; NaN for d >= 3.
    """
    n_filters = power.shape[0]
    flat = power.reshape(n_filters, -1)
    valid = np.ones(grid.shape, dtype=bool)
    valid[(0,) * grid.ndim] = False  # DC lies on every boundary
    for axis, size in enumerate(grid.shape):
        if size % 2 == 0:  # +1/2 and -1/2 are one bin: its side is undefined
            index = [slice(None)] * grid.ndim
            index[axis] = size // 2
            valid[tuple(index)] = False
    flat = flat[:, valid.ravel()]
    total = flat.sum(axis=1)
    if grid.ndim == 1:
        positive = grid.frequencies[0][valid] > 0
        plus = np.sum(flat[:, positive], axis=1)
        minus = np.sum(flat[:, ~positive], axis=1)
        outside = np.minimum(plus, minus)
        total = plus + minus
    elif grid.ndim == 2:
        opening = np.pi if half_space else 0.5 * np.pi
        angles = grid.angle[valid]
        order = np.argsort(angles, kind="stable")
        angles = angles[order]
        count = angles.size
        around = np.concatenate([angles, angles + 2.0 * np.pi])
        cumulative = np.zeros((n_filters, 2 * count + 1))
        np.cumsum(np.concatenate([flat[:, order]] * 2, axis=1), axis=1, out=cumulative[:, 1:])
        start = np.searchsorted(around, angles - ANGLE_TOLERANCE, side="left")
        stop = np.searchsorted(around, angles + opening + ANGLE_TOLERANCE, side="right")
        # energy on the open arc (theta + opening, theta + 2 pi): exactly 0 where nothing lives
        arcs = cumulative[:, start + count] - cumulative[:, stop]
        outside = np.clip(arcs.min(axis=1), 0.0, None) if count else np.zeros(n_filters)
    else:
        return np.full(n_filters, np.nan)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, outside / total, 0.0)


def _mirror_pairs(filters: NDArray[np.complex128], grid: Grid) -> NDArray[np.int64]:
    r"""Index of each filter's mirror image :math:`\overline{\hat g(-\omega)}` in the stack, or -1."""
    n_filters = filters.shape[0]
    flat = filters.reshape(n_filters, -1)
    mirrored = grid.mirror(filters).reshape(n_filters, -1)
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
