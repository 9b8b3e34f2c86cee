"""Draw the frequency tiling of every registered 2-D filter family (docs/figures/tiling-<family>.png).

For each family, on a square grid (default 128 x 128), frequencies centred (``fftshift``):

- left: the tiling, each bin coloured by the filter that carries most of its energy, shaded by
  that filter's share :math:`|\\hat g_\\lambda|^2` (grey: the low-pass); the analytic
  representatives in saturated colours, their point-reflected mirrors paler;
- middle: :math:`|\\hat g_\\lambda|^2` of a few single filters (one per scale), each with its
  mirror, to show the shape of a tile;
- right: the Littlewood–Paley sum :math:`|\\hat\\chi|^2 + \\sum_\\lambda |\\hat g_\\lambda|^2`
  (1 everywhere for a Parseval bank; docs/theory.md §14).

Run from the repository root::

    python docs/figures/make_tilings_2d.py [--size 128] [--out-dir docs/figures]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import hsv_to_rgb

from pipeline.filters import FilterBank, families, make_bank

#: Parameters drawn per family (defaults where absent); small counts keep the tiles legible.
DRAWN: dict[str, dict] = {
    "directional": {"scales": 3, "orientations": 6},
    "curvelet": {"scales": 4, "alpha": 0.5, "coarsest_wedges": 4},
    "ridgelet": {"scales": 3, "directions": 6},
    "shearlet": {"scales": 3},
    "weyl_heisenberg_2d": {"spacing": 1 / 8},
    "morlet_2d": {"scales": 3, "orientations": 6},
}


def tiling_image(bank: FilterBank) -> np.ndarray:
    """RGB image: hue per filter (mirrors share the hue, paler), value = its share of the bin."""
    power = np.abs(bank.filters) ** 2
    low = np.abs(bank.lowpass) ** 2
    winner = np.argmax(power, axis=0)
    share = np.take_along_axis(power, winner[None], axis=0)[0]
    indices, _ = bank.representatives
    hue_of = np.zeros(bank.n_filters)
    mirror_of = bank.mirror_index
    golden = 0.618033988749895
    representative = np.zeros(bank.n_filters, dtype=bool)
    for rank, k in enumerate(indices):
        hue_of[k] = (rank * golden) % 1.0
        representative[k] = True
        if mirror_of[k] >= 0:
            hue_of[mirror_of[k]] = hue_of[k]
    hue = hue_of[winner]
    saturation = np.where(representative[winner], 0.85, 0.35)
    value = np.clip(share, 0.0, 1.0) ** 0.5
    rgb = hsv_to_rgb(np.stack([hue, saturation, value], axis=-1))
    lowpass_wins = low >= share
    rgb[lowpass_wins] = 0.55 + 0.4 * (1 - np.clip(low[lowpass_wins], 0, 1))[:, None]
    return np.fft.fftshift(rgb, axes=(0, 1))


def sample_filters(bank: FilterBank, count: int = 4) -> np.ndarray:
    """Sum of |g|^2 of ``count`` representatives spread over the bank, with their mirrors."""
    indices, _ = bank.representatives
    chosen = indices[np.linspace(0, indices.size - 1, count).round().astype(int)]
    mirror_of = bank.mirror_index
    picked = list(chosen) + [mirror_of[k] for k in chosen if mirror_of[k] >= 0]
    return np.fft.fftshift(np.sum(np.abs(bank.filters[picked]) ** 2, axis=0))


def draw(family: str, size: int, out: Path) -> None:
    """One figure, three panels, for ``family`` on a size x size grid."""
    bank = make_bank(family, (size, size), **DRAWN.get(family, {}))
    report = bank.check()
    extent = (-0.5, 0.5, -0.5, 0.5)
    fig, axes = plt.subplots(1, 3, figsize=(13.5, 4.8))
    axes[0].imshow(tiling_image(bank), origin="lower", extent=extent, interpolation="nearest")
    axes[0].set_title(
        "tiling: strongest filter per bin (pale: mirrors, grey: low-pass)", fontsize=9
    )
    image = axes[1].imshow(
        sample_filters(bank), origin="lower", extent=extent, cmap="magma", interpolation="nearest"
    )
    fig.colorbar(image, ax=axes[1], fraction=0.046)
    axes[1].set_title(r"$|\hat g_\lambda|^2$ of a few filters and their mirrors", fontsize=9)
    lp = np.fft.fftshift(bank.littlewood_paley)
    spread = max(float(np.abs(lp - 1).max()), 1e-15)
    image = axes[2].imshow(
        lp - 1.0, origin="lower", extent=extent, cmap="RdBu_r", vmin=-spread, vmax=spread
    )
    fig.colorbar(image, ax=axes[2], fraction=0.046)
    axes[2].set_title("Littlewood–Paley sum − 1", fontsize=9)
    for ax in axes:
        ax.set_xlabel(r"$\omega_x$ (cycles/sample)")
    axes[0].set_ylabel(r"$\omega_y$ (cycles/sample)")
    params = ", ".join(
        f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}" for k, v in bank.params.items()
    )
    fig.suptitle(
        f"{family} ({params}) on {size}x{size}: {bank.n_filters} filters; LP sum in "
        f"[{report.littlewood_paley_min:.3g}, {report.littlewood_paley_max:.3g}]; "
        f"max quarter-plane defect {float(np.max(report.analyticity_defect)):.2g}; "
        f"high-pass δ = {report.high_pass_delta:.4f}",
        fontsize=10,
    )
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=90)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=128, help="grid side (default 128)")
    parser.add_argument(
        "--out-dir", type=Path, default=Path(__file__).parent, help="default: beside this script"
    )
    args = parser.parse_args()
    for family in families(ndim=2):
        out = args.out_dir / f"tiling-{family}.png"
        draw(family, args.size, out)
        print(out)


if __name__ == "__main__":
    main()
