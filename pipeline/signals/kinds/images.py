r"""Real images shipped with scikit-image, as 2-D signals: resized, cropped, normalised; offline.

Each image is a random kind: row i is a window of the grid's shape cut from the image, resized
so that the grid fits ``zoom`` times over, at an offset drawn from the row's own stream (with
``zoom = 1`` and a square grid on a square image, every row is the whole image). The bundled
face subset (``faces``, 200 faces of 25 x 25 pixels from LFW) draws a face per row instead.
Mean removed, scaled to :math:`\|f\|^2 = N_1 N_2`. Nothing is downloaded: only images in
scikit-image's wheel are used (``skimage/data``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache

import numpy as np

from pipeline.validation import check_real

from ..registry import register_signal_kind

#: Name -> scikit-image loader (``skimage.data`` attribute), all in the wheel (no download).
IMAGES: dict[str, str] = {
    "camera": "camera",
    "astronaut": "astronaut",
    "brick": "brick",
    "grass": "grass",
    "gravel": "gravel",
    "coins": "coins",
    "moon": "moon",
    "chelsea": "chelsea",
    "coffee": "coffee",
    "hubble": "hubble_deep_field",
}

#: Images kept resized per (name, target shape) by :func:`_resized`.
CACHE_SIZE = 32


def grey_image(name: str) -> np.ndarray:
    """The scikit-image ``name`` as float64 grey levels in [0, 1] (colour: ``rgb2gray``)."""
    import skimage.color
    import skimage.data
    import skimage.util

    image = getattr(skimage.data, IMAGES[name])()
    if image.ndim == 3:
        image = skimage.color.rgb2gray(image[..., :3])
    return skimage.util.img_as_float64(image)


@lru_cache(maxsize=CACHE_SIZE)
def _resized(name: str, shape: tuple[int, int], zoom: float) -> np.ndarray:
    r"""The image resized by :math:`z\max(N_1/H, N_2/W)` (bilinear, anti-aliased): read-only."""
    import skimage.transform

    image = grey_image(name)
    scale = zoom * max(shape[0] / image.shape[0], shape[1] / image.shape[1])
    target = tuple(max(n, round(m * scale)) for n, m in zip(shape, image.shape, strict=True))
    resized = skimage.transform.resize(image, target, order=1, anti_aliasing=True)
    resized.flags.writeable = False
    return resized


def normalised(rows: np.ndarray) -> np.ndarray:
    r"""Rows with their mean removed and scaled to :math:`\|f\|^2 = N` (N samples per row);
    a constant row stays 0."""
    rows = rows - rows.mean(axis=(-2, -1), keepdims=True)
    energy = np.sum(rows**2, axis=(-2, -1), keepdims=True)
    size = rows.shape[-2] * rows.shape[-1]
    return np.where(energy > 0, rows * np.sqrt(size / np.where(energy > 0, energy, 1.0)), 0.0)


def _image_kind(name: str) -> Callable[..., np.ndarray]:
    def generate(
        streams: Sequence[np.random.Generator], shape: tuple[int, ...], *, zoom: float = 1.0
    ) -> np.ndarray:
        zoom = check_real("zoom", zoom, minimum=1.0, maximum=16.0)
        if len(shape) != 2:  # the registry refuses other grids before this is called
            raise ValueError("images are 2-D")
        image = _resized(name, (int(shape[0]), int(shape[1])), zoom)
        spare = np.array(image.shape) - np.array(shape)
        rows = []
        for rng in streams:
            top, left = np.floor(rng.uniform(size=2) * (spare + 1)).astype(int)
            rows.append(image[top : top + shape[0], left : left + shape[1]])
        return normalised(np.stack(rows))

    generate.__name__ = f"_{name}"
    generate.__doc__ = (
        f"Windows of scikit-image's '{IMAGES[name]}' (grey), resized so that the grid fits "
        "``zoom`` times, at offsets uniform on the spare rows and columns; mean 0, ||f||^2 = N."
    )
    return generate


@lru_cache(maxsize=CACHE_SIZE)
def _faces_resized(shape: tuple[int, int]) -> np.ndarray:
    import skimage.data
    import skimage.transform

    faces = skimage.data.lfw_subset()
    resized = np.stack(
        [skimage.transform.resize(face, shape, order=1, anti_aliasing=True) for face in faces]
    )
    resized.flags.writeable = False
    return resized


def _faces(streams: Sequence[np.random.Generator], shape: tuple[int, ...]) -> np.ndarray:
    """One of the 200 LFW faces bundled with scikit-image per row (uniform from the row's
    stream), resized to the grid (bilinear); mean 0, ||f||^2 = N."""
    if len(shape) != 2:
        raise ValueError("images are 2-D")
    faces = _faces_resized((int(shape[0]), int(shape[1])))
    return normalised(np.stack([faces[rng.integers(faces.shape[0])] for rng in streams]))


for _name in IMAGES:
    register_signal_kind(
        _name,
        _image_kind(_name),
        random=True,
        dims=(2,),
        dataset="scikit-image",
        coordinates={"zoom": "image_zoom"},
        description=(
            f"grey '{IMAGES[_name]}' of skimage.data resized by zoom * max(N1/H, N2/W) "
            "(bilinear, anti-aliased), an N1 x N2 window at a uniform random offset, "
            "mean removed, ||f||^2 = N1 N2"
        ),
    )

register_signal_kind(
    "faces",
    _faces,
    random=True,
    dims=(2,),
    dataset="scikit-image",
    description=(
        "one of the 200 LFW faces of skimage.data.lfw_subset (uniform per row) resized to "
        "N1 x N2 (bilinear, anti-aliased), mean removed, ||f||^2 = N1 N2"
    ),
)
