"""The cascade on images: every 2-D family against the naive per-path reference, the energy
identity on real images, and bound (A) with d = 2 (docs/theory.md §4, §14)."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import naive_cascade

from pipeline.cascade import propagate
from pipeline.filters import families, make_bank
from pipeline.signals import make_signals
from pipeline.theory import alpha, bank_facts, bound_general

#: Small banks of every 2-D family for the naive reference on a 24 x 20 grid (K^3 paths each).
SMALL_2D: dict[str, dict] = {
    "directional": {"scales": 2, "orientations": 4},
    "curvelet": {"scales": 2, "alpha": 0.0},
    "ridgelet": {"scales": 2, "directions": 4},
    "shearlet": {"scales": 2},
    "weyl_heisenberg_2d": {"spacing": 1 / 5},
    "morlet_2d": {"scales": 2, "orientations": 4},
}
#: Parseval banks meeting the hypotheses of bound (A) (analytic, high-pass) on 32 x 32.
HYPOTHESES_2D: dict[str, dict] = {
    "directional": {"scales": 2, "orientations": 4},
    "curvelet": {"scales": 2, "alpha": 0.0},
    "ridgelet": {"scales": 2, "directions": 4},
    "shearlet": {"scales": 2},
    "weyl_heisenberg_2d": {"spacing": 1 / 6},
}
SHAPE = (24, 20)


def _identity_error(result, depth: int) -> np.ndarray:
    kept = result.feature_energy.isel(layer=slice(0, depth)).sum("layer")
    kept = kept + result.propagated_energy.isel(layer=depth) + result.pruned_slack.isel(layer=depth)
    return np.abs(kept - result.input_energy).values / result.input_energy.values


def test_every_2d_family_has_a_small_bank_here() -> None:
    assert sorted(SMALL_2D) == families(ndim=2)


#: (family, parameters) for the reference: every 2-D family, and Kymatio's bank raw and normalised.
REFERENCE_BANKS = [
    # 48 filters: 48^3 paths one at a time in the reference
    pytest.param(f, SMALL_2D[f], marks=pytest.mark.slow)
    if f == "weyl_heisenberg_2d"
    else (f, SMALL_2D[f])
    for f in sorted(SMALL_2D)
] + [("morlet_2d", {**SMALL_2D["morlet_2d"], "normalise": True})]


@pytest.mark.parametrize(("family", "params"), REFERENCE_BANKS)
def test_propagate_equals_the_naive_per_path_reference(family: str, params: dict) -> None:
    bank = make_bank(family, SHAPE, **params)
    x = make_signals("cartoon", count=1, shape=SHAPE, seed=4).values
    depth = 3
    result = propagate(x, bank, depth)
    propagated, features = naive_cascade(x[0], [bank] * depth, depth)
    scale = float(result.input_energy[0])
    np.testing.assert_allclose(result.propagated_energy[0], propagated, rtol=0, atol=1e-12 * scale)
    np.testing.assert_allclose(
        result.feature_energy[0, :depth], features, rtol=0, atol=1e-12 * scale
    )
    # complex input takes the path without mirror multiplicity: the same numbers
    complex_result = propagate(x.astype(complex), bank, depth)
    np.testing.assert_allclose(
        complex_result.propagated_energy, result.propagated_energy, rtol=0, atol=1e-12 * scale
    )


@pytest.mark.parametrize("family", sorted(HYPOTHESES_2D))
def test_the_energy_identity_holds_on_real_images(family: str) -> None:
    shape, depth = (32, 32), 3
    bank = make_bank(family, shape, **HYPOTHESES_2D[family])
    images = np.concatenate(
        [
            make_signals(kind, count=1, shape=shape, seed=0).values
            for kind in ("camera", "astronaut", "brick", "faces")
        ]
    )
    result = propagate(images, bank, depth)
    assert _identity_error(result, depth).max() < 1e-12
    # and with pruning, the slack closes the identity
    pruned = propagate(images, bank, depth + 1, energy_budget=1e-3)
    assert _identity_error(pruned, depth + 1).max() < 1e-12


def test_alpha_in_two_dimensions() -> None:
    assert alpha(2) == pytest.approx(np.log2(np.sqrt(2) / (np.sqrt(2) - 0.5)), rel=1e-15)
    assert alpha(2) == pytest.approx(0.6294, abs=5e-5)


@pytest.mark.parametrize("family", sorted(HYPOTHESES_2D))
def test_bound_a_with_d_2_is_never_exceeded(family: str) -> None:
    shape, depth = (32, 32), 4
    bank = make_bank(family, shape, **HYPOTHESES_2D[family])
    facts = bank_facts(bank)
    assert facts.meets_parseval and facts.meets_analyticity and facts.meets_high_pass
    signals = np.concatenate(
        [
            make_signals("camera", count=1, shape=shape, seed=0).values,
            make_signals("cartoon", count=1, shape=shape, seed=1).values,
            make_signals("white_noise", count=1, shape=shape, seed=2).values,
            make_signals("band_limited_image", count=1, shape=shape, seed=3, bandwidth=0.1).values,
        ]
    )
    # pruned: W_N <= (W_N kept) + slack, which must stay below the bound too
    result = propagate(signals, bank, depth, energy_budget=1e-3)
    layers = np.arange(1, depth + 1)
    # the sharpest admissible window in d = 2: l = (d + 1)/2 = 1.5 (docs/theory.md §3)
    bound = bound_general(signals, layers, delta=facts.delta, l=1.5)
    upper = (result.propagated_energy + result.pruned_slack).isel(layer=slice(1, None)).values
    assert np.all(upper <= bound.values * (1 + 1e-12))
