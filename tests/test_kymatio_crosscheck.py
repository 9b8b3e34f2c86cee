"""Independent cross-check of the cascade's energies against Kymatio 0.3 (``Scattering1D``).

Configuration: ``Scattering1D(J=6, shape=513, Q=8, frontend="numpy", oversampling=6)``, with
``T=0`` (unaveraged moduli |x * psi|, ||x * psi1| * psi2|) and with the default ``T=2**J``
(averaged coefficients), ``out_type="list"``. ``oversampling >= J`` switches every subsampling
off, so every coefficient lives on the finest grid and the 2^-k scaling bug of Kymatio's
subsampled order-2 outputs (upstream #984) cannot enter. (``from kymatio.numpy import
Scattering1D`` breaks with scipy >= 1.17 because its 3-D module imports the removed
``sph_harm``; ``from kymatio import Scattering1D`` with ``frontend="numpy"`` does not.)

How the padding is matched. Kymatio reflect-pads (``np.pad(mode="reflect")``) the length-L
signal to P samples, convolves circularly on the P-grid with filters sampled on that grid
(``phi_f["levels"][0]``, ``psi1_f[k]["levels"][0]``, ``psi2_f[k]["levels"][0]``: real DFT
arrays on ``np.fft.fftfreq(P)``) and returns only the central L samples. Take L = 2**9 + 1:
Kymatio then picks P = 2 (L - 1) = 1024 (the padding is capped at ``floor(log2(3L - 2))``), and a
reflect padding of length P is exactly one period, rotated, of the *even periodic extension*
z = [x_0, ..., x_{L-1}, x_{L-2}, ..., x_1] (period 2 (L - 1)). So Kymatio computes the circular
convolutions of z, which we feed to ``propagate`` (built here without Kymatio's pad, and checked
to equal its rotated padding). Since Kymatio's filters have real DFTs, psi(-t) = conj(psi(t)),
hence (z * psi)(-t) = conj((z * psi)(t)) for the real even z: every modulus |z * psi|, and
every ||z * psi1| * psi2| and U * phi, is again even. The returned central part is the
samples 0..L-1 = 0..P/2 of one period of an even signal, so its full-period energy is
2 sum_t c_t^2 - c_0^2 - c_{L-1}^2 (``_period_energy``): no boundary effect is left, only
floating-point rounding.

Per-path energies through the public API: a list of single-filter banks
``[from_arrays(phi, psi1[n1]), from_arrays(phi, psi2[n2]), from_arrays(phi, psi2[0])]``
(``normalise=False``), depth 3, gives W_1 = ||z * psi1||^2, W_2 = || |z * psi1| * psi2 ||^2,
F_0 = ||z * phi||^2, F_1 = || |z * psi1| * phi ||^2 and F_2 = || U[psi1, psi2] z * phi ||^2.

Measured maximum relative differences (numpy 2 / scipy 1.17 pocketfft, float64), over both
signals (ECG, white noise) and all 38 order-1 and 87 order-2 paths:
    per-path order 1 (W_1): 2.2e-15, per-path order 2 (W_2): 1.6e-14,
    per-order sums: 2.4e-16 (order 1), 2.7e-16 (order 2),
    full Morlet bank W_1 vs the sum of Kymatio's order 1: 0 (identical to the last digit),
    full-bank F_0 vs Kymatio's averaged order 0: 2.3e-16, W_0 vs its order 0: 1.9e-16,
    averaged (feature) energies F_0, F_1, F_2 per path: 1.6e-14.
Tolerance: ``RTOL = 1e-11``. Both sides evaluate the same circular convolutions of the same
float64 samples with the same filter arrays on the same 1024-point grid; they differ only in
FFT rounding (~1e-16 * log2 P per transform, a few transforms per path) and in summation order,
hence ~1e-14 relative at worst. 1e-11 leaves three orders of magnitude for other FFT libraries
while still catching any real discrepancy (a wrong multiplicity, fold, normalisation or
padding changes the energies by O(1) factors, far beyond 1e-11).
"""

from __future__ import annotations

from collections.abc import Callable

import kymatio  # in the test extra: a missing install fails here, it is not skipped
import numpy as np
import pytest
import pywt.data

from pipeline.cascade import propagate
from pipeline.filters import FilterBank

J = 6
Q = 8
LENGTH = 2**9 + 1  # Kymatio pads it to 2 (LENGTH - 1) = 1024: one period of the even extension
RTOL = 1e-11  # FFT rounding only; see the module docstring (measured <= 1.6e-14)


def _period_energy(coef: np.ndarray) -> np.ndarray:
    """Energy over a full period of the even signal whose samples 0..P/2 are ``coef``."""
    power = np.abs(coef) ** 2
    return 2.0 * power.sum(axis=-1) - power[..., 0] - power[..., -1]


def _even_extension(x: np.ndarray) -> np.ndarray:
    """One period [x_0..x_{L-1}, x_{L-2}..x_1] of the even periodic extension of each row."""
    return np.concatenate([x, x[:, -2:0:-1]], axis=1)


def _by_path(coefficients: list[dict]) -> dict[tuple[int, ...], np.ndarray]:
    """Kymatio's ``out_type="list"`` output as {path (n1, ...): full-period energy per signal}."""
    return {tuple(c["n"]): _period_energy(c["coef"]) for c in coefficients}


@pytest.fixture(scope="module")
def setup() -> dict:
    ecg = pywt.data.ecg().astype(float)[:LENGTH]
    ecg -= ecg.mean()
    noise = np.random.default_rng(0).standard_normal(LENGTH)
    x = np.stack([ecg, noise])

    unaveraged = kymatio.Scattering1D(
        J, LENGTH, Q, T=0, frontend="numpy", oversampling=J, out_type="list"
    )
    averaged = kymatio.Scattering1D(J, LENGTH, Q, frontend="numpy", oversampling=J, out_type="list")
    assert not unaveraged.average and averaged.average

    phi = unaveraged.phi_f["levels"][0]
    psi1 = np.stack([p["levels"][0] for p in unaveraged.psi1_f])
    psi2 = np.stack([p["levels"][0] for p in unaveraged.psi2_f])
    return {
        "kymatio": unaveraged,
        "x": x,
        "z": _even_extension(x),
        "phi": phi,
        "psi1": psi1,
        "psi2": psi2,
        "moduli": _by_path(unaveraged.scattering(x)),
        "averages": _by_path(averaged.scattering(x)),
    }


@pytest.fixture(scope="module")
def ours(setup: dict) -> Callable[[int, int], object]:
    """Per-path energies of our cascade, depth 3, through single-filter banks (cached)."""
    phi = setup["phi"]
    single1 = [FilterBank.from_arrays(phi, g, normalise=False) for g in setup["psi1"]]
    single2 = [FilterBank.from_arrays(phi, g, normalise=False) for g in setup["psi2"]]
    cache: dict[tuple[int, int], object] = {}

    def path(n1: int, n2: int = 0) -> object:
        if (n1, n2) not in cache:
            banks = [single1[n1], single2[n2], single2[0]]
            cache[(n1, n2)] = propagate(setup["z"], banks, 3)
        return cache[(n1, n2)]

    return path


def test_kymatio_padding_is_one_period_of_the_even_extension(setup: dict) -> None:
    scattering, x, z = setup["kymatio"], setup["x"], setup["z"]
    period = 2 * (LENGTH - 1)
    assert setup["phi"].shape == (period,)
    assert setup["psi1"].shape[1:] == setup["psi2"].shape[1:] == (period,)
    assert scattering.pad_left + LENGTH + scattering.pad_right == period
    padded = np.pad(x, ((0, 0), (scattering.pad_left, scattering.pad_right)), mode="reflect")
    np.testing.assert_array_equal(np.roll(padded, -scattering.pad_left, axis=1), z)
    # real DFTs: psi(-t) = conj(psi(t)), which keeps every modulus of the even z even
    for filters in (setup["phi"][None], setup["psi1"], setup["psi2"]):
        assert np.isrealobj(filters)
    # unaveraged order 0 is x itself: its period energy is ||z||^2 = our W_0
    np.testing.assert_allclose(setup["moduli"][()], np.sum(z**2, axis=1), rtol=RTOL)
    assert len(setup["psi1"]) == 38 and len(setup["psi2"]) == 7


def test_per_path_energies_match_kymatio_moduli(setup: dict, ours: Callable) -> None:
    paths = {1: [], 2: []}
    for path, energy in setup["moduli"].items():
        if len(path) == 0:
            continue
        result = ours(*path).propagated_energy.sel(layer=len(path)).values
        np.testing.assert_allclose(result, energy, rtol=RTOL, err_msg=f"path {path}")
        assert np.all(energy > 0)
        paths[len(path)].append(path)
    # Kymatio computes every order-1 path and the order-2 paths with j2 > j1
    scattering = setup["kymatio"]
    j1 = [p["j"] for p in scattering.psi1_f]
    j2 = [p["j"] for p in scattering.psi2_f]
    assert paths[1] == [(n,) for n in range(len(j1))]
    expected = [(a, b) for a in range(len(j1)) for b in range(len(j2)) if j2[b] > j1[a]]
    assert sorted(paths[2]) == expected and len(expected) == 87


def test_per_path_feature_energies_match_kymatio_averages(setup: dict, ours: Callable) -> None:
    for path, energy in setup["averages"].items():
        # F_n of a path of length n: the order-n coefficient U[q] z * phi
        layer = len(path)
        result = ours(*(path or (0,))).feature_energy.sel(layer=layer).values
        np.testing.assert_allclose(result, energy, rtol=RTOL, err_msg=f"path {path}")


def test_per_order_sums_and_full_morlet_bank(setup: dict, ours: Callable) -> None:
    moduli = setup["moduli"]
    for order in (1, 2):
        theirs = sum(e for p, e in moduli.items() if len(p) == order)
        mine = sum(
            ours(*p).propagated_energy.sel(layer=order).values for p in moduli if len(p) == order
        )
        np.testing.assert_allclose(mine, theirs, rtol=RTOL, err_msg=f"order {order}")

    # the whole first-order Kymatio Morlet bank at once: no mirrors, 38 live paths
    bank = FilterBank.from_arrays(setup["phi"], setup["psi1"], normalise=False)
    result = propagate(setup["z"], bank, 1)
    order1 = sum(e for p, e in moduli.items() if len(p) == 1)
    np.testing.assert_allclose(result.propagated_energy.sel(layer=1).values, order1, rtol=RTOL)
    np.testing.assert_array_equal(result.paths.sel(layer=1).values, [38, 38])
    np.testing.assert_allclose(
        result.feature_energy.sel(layer=0).values, setup["averages"][()], rtol=RTOL
    )
