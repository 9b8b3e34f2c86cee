r"""Synthetic image classes: band-limited and Sobolev-type random fields, cartoon images.

(2-D white noise is the ``white_noise`` kind on a 2-D grid.) Every row is drawn from its own
stream only, has mean 0 and :math:`\|f\|^2 = N_1 N_2` exactly.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from pipeline.grid import Grid
from pipeline.validation import check_integer, check_real

from ..registry import register_signal_kind
from .images import normalised


def _real_field(grid: Grid, amplitude: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    r"""Real part of the inverse DFT of :math:`A(\omega)\,Z(\omega)`, Z standard complex Gaussian.

    For an even A (:math:`A(-\omega) = A(\omega)`), the spectrum of the result,
    :math:`\tfrac12 A(\omega)(Z(\omega) + \overline{Z(-\omega)})`, vanishes where A does.
    """
    noise = rng.standard_normal((2, *grid.shape))
    return np.real(grid.ifft(amplitude * (noise[0] + 1j * noise[1])))


def _band_limited_image(
    streams: Sequence[np.random.Generator], shape: tuple[int, ...], *, bandwidth: float = 0.1
) -> np.ndarray:
    r"""Gaussian images whose spectrum lives in the disc :math:`|\omega| \le L` (``bandwidth``).

    Notes
    -----
    :math:`f = \operatorname{Re}\,\mathcal F^{-1}[\mathbb 1_{|\omega| \le L}\, Z]`, Z i.i.d.
    standard complex Gaussian per bin, DC set to 0, scaled to :math:`\|f\|^2 = N_1N_2`: the
    band-limited inputs of docs/theory.md §5 in d = 2 (:math:`W_N = O(N^{-\alpha(2)})`).
    """
    bandwidth = check_real("bandwidth", bandwidth, minimum=0.0, maximum=0.75, include_minimum=False)
    grid = Grid(shape)
    amplitude = (grid.radius <= bandwidth).astype(float)
    amplitude[(0,) * grid.ndim] = 0.0
    return normalised(np.stack([_real_field(grid, amplitude, rng) for rng in streams]))


def _sobolev_image(
    streams: Sequence[np.random.Generator], shape: tuple[int, ...], *, s: float = 1.0
) -> np.ndarray:
    r"""Gaussian images of critical Sobolev exponent s: :math:`|\hat f(k)|^2 \propto
    (1 + |k|^2)^{-s-1}`, k in cycles per image.

    Notes
    -----
    In d = 2, :math:`\sum_k |\hat f(k)|^2 (1 + |k|^2)^{s'}` stays bounded as the grid grows iff
    :math:`s' < s` (the annulus :math:`|k| \approx \kappa` holds :math:`\sim\kappa` bins), so s is
    the critical exponent of docs/theory.md §5 (:math:`W_N = O(N^{-\alpha(2)\,2s/(2s+1)})`).
    Amplitude :math:`(1 + |k|^2)^{-(s+1)/2}` times complex Gaussian noise, DC 0, real part,
    scaled to :math:`\|f\|^2 = N_1N_2`.
    """
    s = check_real("s", s, minimum=0.0, include_minimum=False)
    grid = Grid(shape)
    cycles = np.sqrt(sum((m * n) ** 2 for m, n in zip(grid.frequency_mesh, shape, strict=True)))
    amplitude = (1.0 + cycles**2) ** (-(s + 1.0) / 2.0)
    amplitude[(0,) * grid.ndim] = 0.0
    return normalised(np.stack([_real_field(grid, amplitude, rng) for rng in streams]))


def _cartoon(
    streams: Sequence[np.random.Generator],
    shape: tuple[int, ...],
    *,
    shapes: int = 6,
    edge_width: float = 1.5,
) -> np.ndarray:
    r"""Cartoon images: a sum of random ellipses of constant grey level with smooth edges.

    Notes
    -----
    Per ellipse e: centre uniform in the image, semi-axes :math:`a_e, b_e` uniform in
    [0.08, 0.4] of the shorter side, orientation uniform, level :math:`c_e` uniform in
    [-1, 1]; with :math:`\rho_e(x)` the ellipse's normalised radius and the distance to its
    edge approximated by :math:`d_e = (1 - \rho_e)\min(a_e, b_e)` pixels,

    .. math::
        f(x) = \sum_e c_e\, \nu\Bigl(\tfrac12 + \frac{d_e(x)}{w}\Bigr),

    ν the C^3 step of :func:`pipeline.filters._profiles.smooth_step` and w = ``edge_width``
    (pixels): piecewise smooth with edges along C^2 curves, the class on which curvelets and
    shearlets are near-optimal. Mean removed, :math:`\|f\|^2 = N_1N_2`.
    """
    from pipeline.filters._profiles import smooth_step

    shapes = check_integer("shapes", shapes, minimum=1)
    edge_width = check_real("edge_width", edge_width, minimum=0.0, include_minimum=False)
    rows_grid, cols_grid = np.meshgrid(*(np.arange(n, dtype=float) for n in shape), indexing="ij")
    side = float(min(shape))
    rows = []
    for rng in streams:
        image = np.zeros(shape)
        for _ in range(shapes):
            centre = rng.uniform(size=2) * np.array(shape)
            axes = rng.uniform(0.08, 0.4, size=2) * side
            turn = rng.uniform(0.0, np.pi)
            level = rng.uniform(-1.0, 1.0)
            dy, dx = rows_grid - centre[0], cols_grid - centre[1]
            along = dx * np.cos(turn) + dy * np.sin(turn)
            across = -dx * np.sin(turn) + dy * np.cos(turn)
            rho = np.sqrt((along / axes[0]) ** 2 + (across / axes[1]) ** 2)
            image += level * smooth_step(0.5 + (1.0 - rho) * axes.min() / edge_width)
        rows.append(image)
    return normalised(np.stack(rows))


register_signal_kind(
    "band_limited_image",
    _band_limited_image,
    random=True,
    dims=(2,),
    coordinates={"bandwidth": "image_bandwidth"},
    description="f = Re ifft2(1{|w| <= bandwidth} Z), Z ~ CN(0, 1) per bin, DC 0, mean 0, "
    "||f||^2 = N1 N2",
)
register_signal_kind(
    "sobolev_image",
    _sobolev_image,
    random=True,
    dims=(2,),
    coordinates={"s": "image_sobolev_s"},
    description="f = Re ifft2((1 + |k|^2)^(-(s+1)/2) Z), k in cycles/image, Z ~ CN(0, 1), DC 0, "
    "||f||^2 = N1 N2",
)
register_signal_kind(
    "cartoon",
    _cartoon,
    random=True,
    dims=(2,),
    coordinates={"shapes": "cartoon_shapes", "edge_width": "cartoon_edge_width"},
    description="sum over `shapes` random ellipses of level c ~ U[-1, 1] times "
    "nu(1/2 + distance to the edge / edge_width), mean 0, ||f||^2 = N1 N2",
)
