"""Draw the frequency tiling of every registered 1-D filter family (docs/figures/tilings.png).

For each family, on a grid of N = 256 samples: the squared modulus of every propagation filter
(the analytic ones and their mirror images), of the low-pass, and their Littlewood-Paley sum
:math:`|\\hat\\chi|^2 + \\sum_\\lambda |\\hat g_\\lambda|^2`, which is 1 in every bin for a
Parseval bank (docs/theory.md §2, §3).

Run from the repository root::

    python docs/figures/make_tilings.py [--length 256] [--out docs/figures/tilings.png]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from pipeline.filters import families, make_bank


def draw(length: int, out: Path) -> None:
    """One panel per registered family; frequencies in cycles/sample on the DFT grid."""
    names = families(ndim=1)
    freq = np.fft.fftshift(np.fft.fftfreq(length))
    fig, axes = plt.subplots(len(names), 1, figsize=(9, 2.1 * len(names)), sharex=True)
    for ax, name in zip(np.atleast_1d(axes), names, strict=True):
        bank = make_bank(name, length)
        report = bank.check()
        for spectrum in bank.filters:
            ax.plot(freq, np.fft.fftshift(np.abs(spectrum) ** 2), lw=0.8)
        ax.fill_between(
            freq, np.fft.fftshift(np.abs(bank.lowpass) ** 2), color="0.6", alpha=0.5, lw=0
        )
        ax.plot(freq, np.fft.fftshift(bank.littlewood_paley), color="k", lw=1.4, ls="--")
        ax.set_ylim(-0.05, 1.25)
        ax.set_ylabel(r"$|\hat g_\lambda|^2$")
        ax.set_title(
            f"{name}: {bank.n_filters} filters, Littlewood–Paley sum in "
            f"[{report.littlewood_paley_min:.3f}, {report.littlewood_paley_max:.3f}], "
            f"high-pass δ = {report.high_pass_delta:.4f}",
            fontsize=9,
            loc="left",
        )
    np.atleast_1d(axes)[-1].set_xlabel("frequency ω (cycles/sample)")
    fig.suptitle(
        f"Frequency tilings on N = {length}: filters (colours), low-pass (grey), "
        "Littlewood–Paley sum (dashed)",
        fontsize=10,
    )
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=110)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--length", type=int, default=256, help="grid length N (default 256)")
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).with_name("tilings.png"),
        help="output PNG (default: tilings.png beside this script)",
    )
    args = parser.parse_args()
    draw(args.length, args.out)
    print(args.out)


if __name__ == "__main__":
    main()
