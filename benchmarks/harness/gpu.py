"""Rows "gpu": Kymatio 0.3 ``Scattering1D`` (torch frontend) against our cascade on torch
tensors, both on a CUDA device and in float32 (Kymatio's torch precision), when one is
present; otherwise one row "no GPU: not measured" (and that line printed).

What each side computes, per signal (as in :mod:`.kymatio_1d`): Kymatio default, the order 0, 1,
2 scattering coefficients subsampled to their bandwidth over its j2 > j1 pairs; ours,
``propagate(z, [psi1, psi2, psi2], depth=3, path_rule="frequency_decreasing",
dtype=float32)`` on a torch tensor on the same device (sums in float64; ``sampling="exact"``:
critical sampling is numpy-only), the energies F_0..F_2 of the same coefficients at full
resolution, on Kymatio's own padded filters. Our device result is checked against our float64
numpy result (relative error of F_0..F_2, first signals).

Kymatio's published GPU figure (batch 64 x 65536 on a V100: 0.15 s, issue 11) is quoted in each
row's note as text; it is not a measurement of this harness.
"""

from __future__ import annotations

import importlib.util

import numpy as np

from .common import Row, best_of, has_kymatio, unavailable
from .kymatio_1d import Case, _kymatio_banks, _relative_energy_error

GROUP = "gpu"
NO_GPU = "no GPU: not measured"
PUBLISHED = (
    "Kymatio's published GPU figure: batch 64 x 65536 on a V100, 0.15 s (quoted, not measured)"
)
#: Signals of a case checked against our numpy cascade (the CPU side is the slow one).
CHECKED_SIGNALS = 2


def cuda_device() -> str | None:
    """``"cuda"`` when torch is installed and sees a CUDA device, else None."""
    if importlib.util.find_spec("torch") is None:
        return None
    import torch

    return "cuda" if torch.cuda.is_available() else None


def rows(cases: list[Case], repeats: int, device: str | None = None) -> list[Row]:
    """The rows of every case on ``device`` (default: the CUDA device, if any); without one,
    a single row saying so, and the line printed."""
    device = device or cuda_device()
    if device is None:
        print(NO_GPU)
        return [unavailable(GROUP, NO_GPU, f"torch with CUDA not available; {PUBLISHED}")]
    if not has_kymatio():
        return [unavailable(GROUP, case.label(), "kymatio not installed") for case in cases]
    return [row_for(case, repeats, device) for case in cases]


def row_for(case: Case, repeats: int, device: str) -> Row:
    """Kymatio default (torch) against our exact frequency-decreasing cascade, one device."""
    import kymatio
    import torch

    from pipeline.cascade import propagate

    kymatio_args = (case.scales, case.length, case.per_octave)
    reference = kymatio.Scattering1D(*kymatio_args, frontend="numpy")  # filters and padding
    scattering = kymatio.Scattering1D(*kymatio_args, frontend="torch").to(device)
    x = np.random.default_rng(0).standard_normal((case.batch, case.length))
    z = np.pad(x, ((0, 0), (reference.pad_left, reference.pad_right)), mode="reflect")
    banks = _kymatio_banks(reference)
    x_device = torch.from_numpy(x.astype(np.float32)).to(device)
    z_device = torch.from_numpy(z).to(device)
    rule = {"path_rule": "frequency_decreasing"}
    single = {"dtype": np.float32, **rule}

    def kymatio_run() -> None:
        scattering(x_device)
        if device.startswith("cuda"):
            torch.cuda.synchronize()

    def ours_run():
        return propagate(z_device, banks, 3, **single)  # energies come back to the host

    kymatio_run()  # first calls (untimed): kernels, plans, caches
    ours = ours_run()
    t_kymatio = best_of(repeats, kymatio_run)
    t_ours = best_of(repeats, ours_run)
    checked = slice(0, CHECKED_SIGNALS)
    on_host = propagate(z[checked], banks, 3, **rule)
    error = _relative_energy_error(ours.isel(signal=checked), on_host)
    note = (
        f"both on {device} (torch {torch.__version__}), float32; ours exact, "
        f"frequency_decreasing, {int(ours.paths.isel(layer=2).max())} order-2 paths; "
        f"ours against our float64 numpy cascade: {error:.1e} relative (F_0..F_2); {PUBLISHED}"
    )
    return Row(
        GROUP,
        f"{case.label()}: Kymatio default (torch) / ours exact (torch)",
        t_ours,
        t_kymatio,
        t_kymatio / t_ours,
        "Kymatio/ours",
        note=note,
        extra={"energy_error_vs_numpy": error, "device": device},
    )
