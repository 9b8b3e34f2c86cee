"""Error of the cascade's fast modes against exact mode, per family, signal class and depth.

    python benchmarks/sampling_error.py [--length 256] [--depth 12] [--count 4] [--budget 1e-6]

For every 1-D family (and a Kymatio-like bank made with ``FilterBank.from_arrays``) and every
1-D signal class, runs :func:`pipeline.cascade.propagate` in exact mode and in
``sampling="critical"`` (``--oversampling``, default 2), and in ``float32``, and prints a
markdown table of the largest errors over signals and layers 0..depth:

- ``dW``, ``dF``: max_n |W_n - W_n^exact| / ||f||^2 and the same for F_n (critical mode);
- ``dW/W``: max_n |W_n - W_n^exact| / W_n^exact over the layers with W_n^exact > 1e-9 ||f||^2;
- ``est``: max_n sampling_error_n / ||f||^2 (the reported estimate);
- ``ratio``: max over layers and signals of max(|dW_n|, |dF_n|) / (sampling_error_n + the two
  runs' pruned_slack_n) (pruning decisions differ between the runs); <= 1: the estimate covers
  the error;
- ``f32``: max_n |W_n - W_n^exact| / ||f||^2 and |F_n - F_n^exact| / ||f||^2 in float32.

``--budget`` prunes both runs (depth 12 of a frame is out of reach otherwise); both runs'
``pruned_slack`` are therefore part of the comparison, as stated.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from pipeline.cascade import propagate
from pipeline.filters import FilterBank, make_bank
from pipeline.signals import make_signals

FAMILIES = ("meyer", "gabor", "morlet", "random", "real_wavelet", "kymatio_like")
CLASSES = ("white_noise", "band_limited", "sobolev", "lacunary", "chirp", "ecg")
#: Each class's parameters, as in configs/paper_sweep.yaml.
CLASS_PARAMS = {
    "band_limited": {"bandwidth": 0.1},
    "sobolev": {"s": 1.0},
    "lacunary": {"octaves": 4},
    "chirp": {"f0": 0.01, "f1": 0.45},
}


def kymatio_like(length: int, q: int = 8, octaves: int = 5) -> FilterBank:
    """Analytic Gaussian (Morlet-like) filters, Q per octave from 0.35 cycles/sample down, and
    a Gaussian low-pass, not normalised (analytic: no negative frequencies, as Kymatio's);
    scales = octave index (Kymatio's j)."""
    omega = np.fft.fftfreq(length)
    centres = 0.35 * 2.0 ** (-np.arange(q * octaves) / q)
    widths = centres * (1 - 2.0 ** (-1 / q)) * 1.5
    filters = np.exp(-0.5 * ((omega[None, :] - centres[:, None]) / widths[:, None]) ** 2)
    low = np.exp(-0.5 * (omega / (0.35 * 2.0 ** (-octaves))) ** 2)
    scales = np.arange(q * octaves) // q
    return FilterBank.from_arrays(
        low, filters, family="kymatio_like", scales=scales, normalise=False
    )


def bank(family: str, length: int) -> FilterBank:
    return kymatio_like(length) if family == "kymatio_like" else make_bank(family, length)


def row(family: str, kind: str, args: argparse.Namespace) -> str:
    filters = bank(family, args.length)
    seeded = {} if kind == "ecg" else {"seed": 7}  # ecg is a recording: no seed
    params = {**seeded, **CLASS_PARAMS.get(kind, {})}
    x = make_signals(kind, count=args.count, length=args.length, **params).values
    common = dict(energy_budget=args.budget)
    started = time.perf_counter()
    exact = propagate(x, filters, args.depth, **common)
    t_exact = time.perf_counter() - started
    started = time.perf_counter()
    fast = propagate(
        x, filters, args.depth, sampling="critical", oversampling=args.oversampling, **common
    )
    t_fast = time.perf_counter() - started
    single = propagate(x, filters, args.depth, dtype=np.float32, **common)
    norm = exact.input_energy.values[:, None]
    w0, f0 = exact.propagated_energy.values, exact.feature_energy.values[:, :-1]
    dw = np.abs(fast.propagated_energy.values - w0)
    df = np.abs(fast.feature_energy.values[:, :-1] - f0)
    est = fast.sampling_error.values
    slack = fast.pruned_slack.values + exact.pruned_slack.values
    allowed = est + slack + 1e-13 * norm
    ratio = max(float(np.max(dw / allowed)), float(np.max(df / allowed[:, :-1])))
    alive = w0 > 1e-9 * norm
    rel_w = float(np.max(np.where(alive, dw / np.where(alive, w0, 1), 0)))
    f32 = max(
        float(np.max(np.abs(single.propagated_energy.values - w0) / norm)),
        float(np.max(np.abs(single.feature_energy.values[:, :-1] - f0) / norm)),
    )
    return (
        f"| {family} | {kind} | {float(np.max(dw / norm)):.1e} | {float(np.max(df / norm)):.1e} "
        f"| {rel_w:.1e} | {float(np.max(est / norm)):.1e} | {ratio:.2f} "
        f"| {f32:.1e} | {t_exact:.2f} / {t_fast:.2f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--length", type=int, default=256)
    parser.add_argument("--depth", type=int, default=12)
    parser.add_argument("--count", type=int, default=4)
    parser.add_argument("--budget", type=float, default=1e-6)
    parser.add_argument("--oversampling", type=float, default=2.0)
    parser.add_argument("--families", nargs="*", default=FAMILIES)
    parser.add_argument("--classes", nargs="*", default=CLASSES)
    args = parser.parse_args()
    print(
        f"N = {args.length}, depth {args.depth}, {args.count} signals per class, budget "
        f"{args.budget:g}, oversampling {args.oversampling:g}"
    )
    print("| family | signals | dW | dF | dW/W | est | ratio | f32 | s exact / critical |")
    print("|---|---|---|---|---|---|---|---|---|")
    for family in args.families:
        for kind in args.classes:
            print(row(family, kind, args), flush=True)


if __name__ == "__main__":
    main()
