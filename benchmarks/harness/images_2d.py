"""Rows "2d": our directional bank and 2-D cascade against Kymatio 0.3 ``Scattering2D``.

- Bank build: ours ``make_bank("directional", (M, M), scales=J, orientations=L)`` built cold
  (the family's build cache cleared before each run); Kymatio's
  ``Scattering2D(J, shape=(M, M), L)`` constructor (numpy frontend), which builds its Morlet
  filters on its padded grid.
- Cascade: ours ``propagate(images, bank, depth=3)``, exact, all paths: the energies F_0, F_1,
  F_2 of the order 0-2 coefficients and W_1..W_3; Kymatio's forward pass: the order 0-2
  coefficients, averaged and subsampled by 2^J, over its pairs with j2 > j1.

Ratios are Kymatio time / our time.
"""

from __future__ import annotations

import numpy as np

from .common import Row, best_of, has_kymatio

GROUP = "2d"


def rows(size: int, scales: int, orientations: int, batch: int, repeats: int) -> list[Row]:
    from pipeline.cascade import propagate
    from pipeline.filters import family_info, make_bank

    shape = (size, size)
    params = {"scales": scales, "orientations": orientations}
    case = f"{size}x{size} J={scales} L={orientations}"
    builder = family_info("directional").builder

    def cold_build():
        builder.cache_clear()
        return make_bank("directional", shape, **params)

    t_bank = best_of(repeats, cold_build)
    bank = make_bank("directional", shape, **params)
    images = np.random.default_rng(0).standard_normal((batch, *shape))
    propagate(images, bank, 3)  # first call: plans
    t_cascade = best_of(repeats, lambda: propagate(images, bank, 3))
    if not has_kymatio():  # our times alone
        return [
            Row(
                GROUP,
                f"{case}: bank build",
                t_bank,
                None,
                None,
                "Kymatio/ours",
                note="kymatio not installed",
            ),
            Row(
                GROUP,
                f"{case}: cascade, batch {batch}",
                t_cascade,
                None,
                None,
                "Kymatio/ours",
                note="kymatio not installed",
            ),
        ]
    # kymatio.numpy imports the 3-D frontend too, which needs scipy.special.sph_harm (gone)
    from kymatio.scattering2d.frontend.numpy_frontend import ScatteringNumPy2D

    def kymatio_build():
        return ScatteringNumPy2D(J=scales, shape=shape, L=orientations)

    t_their_bank = best_of(repeats, kymatio_build)
    scattering = kymatio_build()
    t_forward = best_of(repeats, lambda: scattering.scattering(images))
    return [
        Row(
            GROUP,
            f"{case}: bank build",
            t_bank,
            t_their_bank,
            t_their_bank / t_bank,
            "Kymatio/ours",
            note=f"ours: directional, {bank.n_filters} filters, cold; Kymatio: constructor",
        ),
        Row(
            GROUP,
            f"{case}: cascade, batch {batch}",
            t_cascade,
            t_forward,
            t_forward / t_cascade,
            "Kymatio/ours",
            note="ours: exact, all paths, depth 3 (F_0..F_2); Kymatio: order 0-2, subsampled",
        ),
    ]
