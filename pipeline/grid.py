r"""The periodic sampling grid of a signal, and its DFT grid: the one place that knows 1-D from 2-D.

A signal lives on a periodic grid of shape :math:`(N_1, \dots, N_d)` (d = 1: a length N; d = 2:
an image :math:`N_1 \times N_2`, rows ``y`` then columns ``x``). Its DFT lives on the grid of
frequencies :math:`\omega = (k_1/N_1, \dots, k_d/N_d)` in cycles per sample, ordered as
``numpy.fft.fftfreq`` orders them (docs/theory.md §1).

What everything above works with:

- **Parseval**: :math:`\sum_t |u[t]|^2 = \frac1{N_1\cdots N_d}\sum_\omega |\hat u(\omega)|^2`.
- **The real-FFT half-space**: for a real u, :math:`\hat u(-\omega) = \overline{\hat u(\omega)}`,
  so the bins whose last index j lies in :math:`0..\lfloor N_d/2\rfloor` (``scipy.fft.rfftn``)
  carry everything. A bin with :math:`0 < j < N_d - j` stands for itself and its point-reflected
  partner :math:`-\omega` (which lies outside the half-space): multiplicity 2. A bin on the planes
  j = 0 or :math:`j = N_d/2` (N_d even) has its partner inside the half-space: multiplicity 1.
- **Folding**: sums :math:`\sum_\omega |\hat u(\omega)|^2 a(\omega)` over the full grid become
  sums over the half-space with :math:`a` folded, :math:`h(\omega) = a(\omega) + a(-\omega)` on the
  multiplicity-2 bins.
- **Point reflection** :math:`\omega \mapsto -\omega` (index :math:`k \mapsto (-k) \bmod N` on
  every axis): the mirror image of a filter is :math:`\hat g^-(\omega) = \overline{\hat
  g(-\omega)}` (in time, the complex conjugate of g).

Arrays of values on the grid may carry leading (stack) axes: the grid's axes are always the
trailing ``ndim`` axes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import scipy.fft
from numpy.typing import ArrayLike, NDArray

from .errors import InvalidParameterError

#: Names of the sample axes of a signal, by number of dimensions (the last axis varies fastest).
SIGNAL_DIMS: dict[int, tuple[str, ...]] = {1: ("time",), 2: ("y", "x"), 3: ("z", "y", "x")}


def stored_dimension(attrs: Mapping[str, Any]) -> int:
    """The dimension d of a store's grid (or of a dataset read from one): the number of axes of
    its ``grid_shape`` attribute, 1 where the attribute is missing."""
    return len(attrs.get("grid_shape", (1,)))


def _read_only(array: NDArray) -> NDArray:
    array.flags.writeable = False
    return array


@dataclass(frozen=True)
class Grid:
    r"""A periodic grid of shape :math:`(N_1, \dots, N_d)`, and the DFT grid over it.

    Parameters
    ----------
    shape
        number of samples along each axis, every one >= 1 (an int is a 1-D grid).

    Examples
    --------
    >>> grid = Grid((4, 6))
    >>> grid.ndim, grid.size, grid.half_shape, grid.signal_dims
    (2, 24, (4, 4), ('y', 'x'))
    >>> grid.half_weights[0].tolist()
    [1.0, 2.0, 2.0, 1.0]
    """

    shape: tuple[int, ...]

    def __post_init__(self) -> None:
        shape = self.shape
        if isinstance(shape, int | np.integer) and not isinstance(shape, bool):
            shape = (shape,)
        try:
            dims = tuple(shape)
        except TypeError:
            dims = None
        if (
            not dims
            or any(isinstance(n, bool) or not isinstance(n, int | np.integer) for n in dims)
            or any(n < 1 for n in dims)
        ):
            raise InvalidParameterError(
                "shape", self.shape, "must be a non-empty tuple of integers >= 1"
            )
        object.__setattr__(self, "shape", tuple(int(n) for n in dims))

    # ---- sizes and names -------------------------------------------------------------------

    @property
    def ndim(self) -> int:
        """Number d of axes."""
        return len(self.shape)

    @property
    def size(self) -> int:
        r"""Number of samples (and of DFT bins), :math:`N_1 \cdots N_d`."""
        return int(np.prod(self.shape))

    @property
    def axes(self) -> tuple[int, ...]:
        """The grid's axes of an array of values, counted from the end: ``(-d, ..., -1)``."""
        return tuple(range(-self.ndim, 0))

    @property
    def signal_dims(self) -> tuple[str, ...]:
        """xarray dims of a signal on this grid: ``("time",)`` in 1-D, ``("y", "x")`` in 2-D."""
        return SIGNAL_DIMS.get(self.ndim) or tuple(f"axis_{i}" for i in range(self.ndim))

    # ---- frequencies ---------------------------------------------------------------------------

    @cached_property
    def frequencies(self) -> tuple[NDArray[np.float64], ...]:
        r"""Per axis, the DFT frequencies :math:`k/N_i` in cycles/sample (``numpy.fft.fftfreq``).

        The Nyquist bin of an even axis reads :math:`-1/2`.
        """
        return tuple(_read_only(np.fft.fftfreq(n)) for n in self.shape)

    @cached_property
    def frequency_mesh(self) -> tuple[NDArray[np.float64], ...]:
        r"""The d coordinates :math:`\omega_i` of every bin, each an array of the grid's shape."""
        mesh = np.meshgrid(*self.frequencies, indexing="ij")
        return tuple(_read_only(m) for m in mesh)

    @cached_property
    def radius(self) -> NDArray[np.float64]:
        r"""Euclidean :math:`|\omega| = (\sum_i \omega_i^2)^{1/2}` of every bin (Nyquist at +1/2)."""
        if self.ndim == 1:
            return _read_only(np.abs(self.frequencies[0]))
        return _read_only(np.sqrt(sum(m**2 for m in self.frequency_mesh)))

    @cached_property
    def angle(self) -> NDArray[np.float64]:
        r"""d = 2 only: the polar angle :math:`\operatorname{atan2}(\omega_y, \omega_x)` in
        :math:`(-\pi, \pi]` of every bin (0 at the origin), axis 0 being y and axis 1 being x.
        """
        if self.ndim != 2:
            raise InvalidParameterError("grid", self.shape, "has an angle only in 2-D (two axes)")
        omega_y, omega_x = self.frequency_mesh
        return _read_only(np.arctan2(omega_y, omega_x))

    # ---- the real-FFT half-space ---------------------------------------------------------------

    @property
    def half_shape(self) -> tuple[int, ...]:
        r"""Shape of ``rfftn`` spectra: :math:`(N_1, \dots, N_{d-1}, \lfloor N_d/2\rfloor + 1)`."""
        return (*self.shape[:-1], self.shape[-1] // 2 + 1)

    @cached_property
    def _interior(self) -> slice:
        """Last-axis indices j of the half-space with 0 < j < N_d - j (multiplicity 2)."""
        last = self.shape[-1]
        return slice(1, (last - 1) // 2 + 1)

    @cached_property
    def half_weights(self) -> NDArray[np.float64]:
        r"""Multiplicity of each half-space bin, array of ``half_shape``.

        2 where :math:`0 < j < N_d - j` (the partner :math:`-\omega` lies outside the
        half-space), 1 on the planes j = 0 and :math:`j = N_d/2`. For every real u,

        .. math::
            \sum_{\omega} |\hat u(\omega)|^2 = \sum_{\omega \in \text{half}} m(\omega)\,
            |\hat u(\omega)|^2 .
        """
        weights = np.ones(self.half_shape)
        weights[..., self._interior] = 2.0
        return _read_only(weights)

    def fold(self, values: ArrayLike) -> NDArray:
        r"""Fold values on the full grid onto the half-space: :math:`h(\omega) = a(\omega) +
        a(-\omega)` on the multiplicity-2 bins, :math:`h = a` on the planes j = 0, :math:`N_d/2`.

        For a real u (Hermitian :math:`\hat u`) and any a,
        :math:`\sum_\omega |\hat u(\omega)|^2 a(\omega) = \sum_{\omega\in\text{half}}
        |\hat u(\omega)|^2 h(\omega)`; ``fold(ones) == half_weights``. ``values`` has shape
        ``(..., *shape)``; the result ``(..., *half_shape)``.
        """
        values = np.asarray(values)
        width = self.half_shape[-1]
        half = values[..., :width].copy()
        interior = self._interior
        count = interior.stop - interior.start
        if count > 0:
            # partners of j = 1..count are N - j = N - 1..N - count; the other axes reflect k -> -k
            last = self.shape[-1]
            partners = values[..., last - count :][..., ::-1]
            half[..., interior] += self._reflect_axes(partners, self.axes[:-1])
        return half

    def hermitian_upper(self, half: ArrayLike, out: NDArray | None = None) -> NDArray:
        r"""The full-spectrum bins outside the half-space (last index :math:`j > N_d/2`) of real
        signals given by their half spectra: :math:`\hat u(\omega) = \overline{\hat u(-\omega)}`.

        ``half`` has shape ``(..., *half_shape)``; the result ``(..., N_1, ..., N_{d-1}, N_d - W)``
        with :math:`W = \lfloor N_d/2\rfloor + 1`, so that concatenating it after ``half`` along
        the last axis gives the full spectrum. Written into ``out`` if given.
        """
        half = np.asarray(half)
        last = self.shape[-1]
        width = self.half_shape[-1]
        # bin j >= W pairs with N - j in 1..N - W, walked backwards; the other axes reflect k -> -k
        upper = half[..., 1 : last - width + 1][..., ::-1]
        return np.conjugate(self._reflect_axes(upper, self.axes[:-1]), out=out)

    def full_from_half(self, half: ArrayLike) -> NDArray:
        """The full DFT of real signals from their ``rfftn`` half spectra (Hermitian extension)."""
        half = np.asarray(half)
        return np.concatenate([half, self.hermitian_upper(half)], axis=-1)

    def supported_in_half(self, values: ArrayLike) -> NDArray[np.bool_]:
        r"""Per stacked array, whether it vanishes on every bin outside the half-space (j > N_d/2).

        ``values`` ``(..., *shape)``; returns a bool array of the leading shape.
        """
        values = np.asarray(values)
        width = self.half_shape[-1]
        outside = values[..., width:]
        return ~np.any(outside.reshape(*outside.shape[: -self.ndim], -1) != 0, axis=-1)

    # ---- point reflection ------------------------------------------------------------------

    @cached_property
    def point_reflection(self) -> NDArray[np.int64]:
        r"""Index map of :math:`\omega \mapsto -\omega` on the flattened grid: ``flat[p[i]]`` is the
        value at minus the frequency of bin i (index :math:`k \mapsto (-k) \bmod N_i` per axis).
        An involution.
        """
        index = np.arange(self.size).reshape(self.shape)
        return _read_only(self.reflect(index).ravel())

    def reflect(self, values: ArrayLike) -> NDArray:
        r"""Values at :math:`-\omega`: ``out[..., k] = values[..., (-k) mod N]`` on every grid axis."""
        return self._reflect_axes(np.asarray(values), self.axes)

    def mirror(self, spectra: ArrayLike) -> NDArray:
        r"""Mirror image :math:`\hat g^-(\omega) = \overline{\hat g(-\omega)}` (in time:
        :math:`g^- = \bar g`). For a real u, :math:`u * g^- = \overline{u * g}`, so
        :math:`|u * g^-| = |u * g|`.
        """
        return np.conj(self.reflect(spectra))

    @staticmethod
    def _reflect_axes(values: NDArray, axes: tuple[int, ...]) -> NDArray:
        if not axes:
            return values
        return np.roll(np.flip(values, axis=axes), 1, axis=axes)

    # ---- transforms ----------------------------------------------------------------------------

    def fft(self, values: ArrayLike, *, workers: int = 1) -> NDArray[np.complexfloating]:
        r""":math:`\hat u(\omega) = \sum_t u[t] e^{-2\pi i\,\omega\cdot t}` over the grid's axes."""
        return scipy.fft.fftn(values, axes=self.axes, workers=workers)

    def ifft(
        self, spectra: ArrayLike, *, workers: int = 1, overwrite_x: bool = False
    ) -> NDArray[np.complexfloating]:
        r"""Inverse of :meth:`fft`: :math:`u[t] = \frac1{N_1\cdots N_d}\sum_\omega \hat u(\omega)
        e^{2\pi i\,\omega\cdot t}`."""
        return scipy.fft.ifftn(spectra, axes=self.axes, workers=workers, overwrite_x=overwrite_x)

    def rfft(self, values: ArrayLike, *, workers: int = 1) -> NDArray[np.complexfloating]:
        """:meth:`fft` of real values on the half-space only (``scipy.fft.rfftn``)."""
        return scipy.fft.rfftn(values, axes=self.axes, workers=workers)

    def irfft(self, half: ArrayLike, *, workers: int = 1) -> NDArray[np.floating]:
        """The real values whose half spectrum is ``half`` (``scipy.fft.irfftn``)."""
        return scipy.fft.irfftn(half, s=self.shape, axes=self.axes, workers=workers)
