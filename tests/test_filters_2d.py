"""The 2-D families: exact Parseval frames, analyticity (quarter-planes), mirrors, high-pass delta,
their tilings, refusals, and the build cache (docs/theory.md §14)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from kymatio.scattering2d.filter_bank import filter_bank

from pipeline.errors import InvalidParameterError
from pipeline.filters import FilterBank, families, family_info, make_bank
from pipeline.filters._profiles_2d import angular_windows
from pipeline.filters.curvelet import wedge_counts
from pipeline.filters.shearlet import cone_windows, shear_counts
from pipeline.grid import Grid

#: Every 2-D family with tight (partition-of-unity) construction, and parameters for small grids.
TIGHT_2D: dict[str, dict] = {
    "directional": {"scales": 2, "orientations": 4},
    "curvelet": {"scales": 3, "alpha": 0.5},
    "ridgelet": {"scales": 2, "directions": 4},
    "shearlet": {"scales": 3},
    "weyl_heisenberg_2d": {"spacing": 1 / 6},
}
#: Shapes: square, odd and mixed (the Nyquist lines are the delicate bins).
SHAPES = [(32, 32), (24, 20), (27, 33)]


def test_the_2d_families_register_as_2d() -> None:
    assert set(TIGHT_2D) | {"morlet_2d"} == set(families(ndim=2))  # a new one: add it above
    assert not set(families(ndim=2)) & set(families(ndim=1))
    assert set(families()) == set(families(ndim=1)) | set(families(ndim=2))
    for name in families(ndim=2):
        assert family_info(name).ndim == 2


@pytest.mark.parametrize("family", sorted(TIGHT_2D))
@pytest.mark.parametrize("shape", SHAPES)
def test_2d_families_are_exact_parseval_frames(family: str, shape: tuple[int, int]) -> None:
    bank = make_bank(family, shape, **TIGHT_2D[family])
    np.testing.assert_allclose(bank.littlewood_paley, 1.0, rtol=0, atol=1e-12)
    assert bank.check().is_parseval
    assert bank.shape == shape and bank.filters.shape[1:] == shape


@pytest.mark.parametrize("family", sorted(TIGHT_2D))
@pytest.mark.parametrize("shape", SHAPES)
def test_2d_families_are_analytic_and_come_in_point_reflected_pairs(family, shape) -> None:
    bank = make_bank(family, shape, **TIGHT_2D[family])
    report = bank.check()
    # every filter in one closed quarter-plane (the orthant condition of docs/theory.md §3) ...
    assert report.is_analytic, report.analyticity_defect.max()
    np.testing.assert_array_less(report.analyticity_defect, 1e-12)
    # ... hence in a half-plane too
    np.testing.assert_array_less(report.half_space_defect, 1e-12)
    mirror_of = bank.mirror_index
    assert np.all(mirror_of >= 0)
    assert np.all(mirror_of[mirror_of] == np.arange(bank.n_filters))
    assert np.all(mirror_of != np.arange(bank.n_filters))
    np.testing.assert_allclose(bank.grid.mirror(bank.filters), bank.filters[mirror_of], atol=1e-15)
    indices, multiplicity = bank.representatives
    assert indices.size == bank.n_filters // 2 and multiplicity.sum() == bank.n_filters


@pytest.mark.parametrize(
    ("family", "params", "delta"),
    [
        ("directional", {"scales": 3}, 0.5 * 2.0**-4),
        ("curvelet", {"scales": 3, "alpha": 0.0}, 0.5 * 2.0**-4),
        ("ridgelet", {"scales": 3}, 0.5 * 2.0**-4),
        ("weyl_heisenberg_2d", {"spacing": 1 / 16, "delta": 0.1}, 0.1),
    ],
)
def test_high_pass_delta_is_the_inner_edge_and_the_lowpass_covers_the_disc(
    family, params, delta
) -> None:
    shape = (96, 80)
    bank = make_bank(family, shape, **params)
    measured = bank.check().high_pass_delta
    assert delta < measured <= delta + 3.0 / min(shape)
    inside = bank.grid.radius < measured
    np.testing.assert_allclose(np.abs(bank.lowpass[inside]) ** 2, 1.0, atol=1e-15)


def test_shearlet_delta_is_the_inner_square() -> None:
    bank = make_bank("shearlet", (64, 64), scales=3)
    t0 = 0.5 * 2.0**-4
    omega_y, omega_x = bank.grid.frequency_mesh
    square = np.maximum(np.abs(omega_y), np.abs(omega_x)) <= t0
    assert np.all(np.abs(bank.filters[:, square]) == 0)
    assert t0 < bank.check().high_pass_delta


@pytest.mark.parametrize("orientations", [4, 6, 8])
def test_directional_wedges_sit_where_they_are_told(orientations: int) -> None:
    bank = make_bank("directional", (64, 64), scales=2, orientations=orientations)
    assert bank.n_filters == 2 * 2 * orientations
    # filter l of the inner band (an annulus inside the disc) is centred at angle l pi / L
    angle = np.arctan2(*bank.grid.frequency_mesh)
    for wedge in range(orientations):
        power = np.abs(bank.filters[wedge]) ** 2
        mean = np.angle(np.sum(power * np.exp(1j * angle)))
        assert abs(np.angle(np.exp(1j * (mean - wedge * np.pi / orientations)))) < 0.02


@settings(max_examples=30, deadline=None)
@given(wedges=st.integers(1, 40), shift=st.floats(-np.pi, np.pi))
def test_angular_windows_sum_to_one_and_reflect(wedges: int, shift: float) -> None:
    angle = np.linspace(-np.pi, np.pi, 721) + shift
    windows = angular_windows(angle, wedges)
    np.testing.assert_allclose(windows.sum(axis=0), 1.0, atol=1e-14)
    np.testing.assert_allclose(
        windows[wedges:], angular_windows(angle + np.pi, wedges)[:wedges], atol=1e-14
    )


@pytest.mark.parametrize("alpha", [0.0, 0.25, 0.5, 0.75, 1.0])
def test_curvelet_wedges_grow_like_two_to_the_j_one_minus_alpha(alpha: float) -> None:
    counts = wedge_counts(5, alpha, 4)
    assert counts == [4 * 2 ** int(np.floor(j * (1 - alpha) + 1e-12)) for j in range(5)]
    bank = make_bank("curvelet", (128, 128), scales=5, alpha=alpha)
    assert bank.n_filters == 2 * sum(counts)
    assert bank.check().is_parseval


def test_curvelet_with_alpha_one_is_the_directional_bank() -> None:
    curvelet = make_bank("curvelet", (48, 40), scales=3, alpha=1.0, coarsest_wedges=6)
    directional = make_bank("directional", (48, 40), scales=3, orientations=6)
    np.testing.assert_allclose(curvelet.filters, directional.filters, atol=1e-15)
    np.testing.assert_allclose(curvelet.lowpass, directional.lowpass, atol=1e-15)


def test_shearlet_seams_join_the_cones_and_the_windows_sum_to_one() -> None:
    assert shear_counts(5, 1) == [1, 2, 2, 4, 4]
    grid = Grid((40, 40))
    for shears in (1, 2, 4):
        windows = cone_windows(grid, shears)
        assert windows.shape[0] == 4 * shears
        total = windows.sum(axis=0) + grid.reflect(windows).sum(axis=0)
        off_origin_and_nyquist = (grid.radius > 0) & (np.abs(grid.frequency_mesh[0]) < 0.5)
        off_origin_and_nyquist &= np.abs(grid.frequency_mesh[1]) < 0.5
        np.testing.assert_allclose(total[off_origin_and_nyquist], 1.0, atol=1e-14)
        # the 45° seam is continuous across the diagonal: 1 on it
        diagonal = np.arange(1, 20)
        np.testing.assert_allclose(windows[-2][diagonal, diagonal], 1.0)


def test_weyl_heisenberg_tiles_are_translates_of_one_prototype() -> None:
    bank = make_bank("weyl_heisenberg_2d", (64, 64), spacing=1 / 8)
    power = np.abs(bank.filters) ** 2
    # away from the low-pass disc and the Nyquist lines, a tile peaks at 1 on its lattice point
    peaks = power.reshape(bank.n_filters, -1).max(axis=1)
    assert np.max(peaks) == pytest.approx(1.0, abs=1e-14)
    assert np.sum(np.isclose(peaks, 1.0, atol=1e-3)) >= bank.n_filters // 2
    widths = (power > 1e-14).reshape(bank.n_filters, 64, 64).any(axis=1).sum(axis=1)
    assert widths.max() <= 2 * 64 // 8 + 1


def test_morlet_2d_reports_its_frame_bounds_and_normalises_on_request() -> None:
    raw = make_bank("morlet_2d", (64, 64), scales=3, orientations=8)
    lower, upper = raw.check().frame_bounds
    assert 0.0 < lower < 0.9 and upper > 1.0  # not tight, as Kymatio's bank is not
    tight = make_bank("morlet_2d", (64, 64), scales=3, orientations=8, normalise=True)
    assert tight.check().is_parseval
    np.testing.assert_array_equal(raw.mirror_index[raw.mirror_index], np.arange(raw.n_filters))


def test_banks_are_cached_and_read_only() -> None:
    first = make_bank("directional", (64, 64), scales=3)
    again = make_bank("directional", Grid((64, 64)), scales=3)
    assert first is again
    with pytest.raises(ValueError, match="read-only"):
        first.filters[0, 0, 0] = 1.0


@pytest.mark.parametrize(
    ("family", "params", "argument"),
    [
        ("directional", {"orientations": 0}, "orientations"),
        ("directional", {"dilation": 1.0}, "dilation"),
        ("directional", {"scales": 30}, "scales"),
        ("curvelet", {"alpha": 1.5}, "alpha"),
        ("curvelet", {"alpha": 0.0, "scales": 3, "coarsest_wedges": 64}, "alpha"),
        ("ridgelet", {"directions": 1}, "directions"),
        ("shearlet", {"coarsest_shears": 0}, "coarsest_shears"),
        ("weyl_heisenberg_2d", {"spacing": 1 / 8, "delta": 0.1}, "delta"),
        ("weyl_heisenberg_2d", {"spacing": 0.0}, "spacing"),
        ("morlet_2d", {"normalise": "yes"}, "normalise"),
    ],
)
def test_bad_2d_parameters_name_the_argument(family, params, argument) -> None:
    with pytest.raises(InvalidParameterError, match=f"^{argument} = ") as info:
        make_bank(family, (32, 32), **params)
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("family", [*sorted(TIGHT_2D), "morlet_2d"])
def test_2d_families_refuse_1d_grids(family: str) -> None:
    with pytest.raises(InvalidParameterError, match=r"^shape = \(64,\): .*2-D grids only"):
        make_bank(family, 64)


def test_morlet_2d_is_kymatios_bank_and_so_are_its_frame_bounds() -> None:
    size, scales, orientations = 32, 3, 4
    theirs = filter_bank(size, size, scales, L=orientations)
    ours = make_bank("morlet_2d", (size, size), scales=scales, orientations=orientations)
    arrays = np.zeros((scales * orientations, size, size))
    for psi in theirs["psi"]:
        # Kymatio's index t points along (axis 0, axis 1) = (cos, sin) of (L/2 - 1 - t) pi/L; our
        # angle atan2(omega_y, omega_x) is pi/2 minus theirs: our wedge L/2 - (L/2 - 1 - t) = 1 + t
        wedge = (1 + psi["theta"]) % (2 * orientations)
        row = psi["j"] * orientations + wedge % orientations
        spectrum = np.asarray(psi["levels"][0], dtype=float) / math.sqrt(2.0)
        arrays[row] = spectrum if wedge < orientations else Grid((size, size)).reflect(spectrum)
    # Kymatio's filters are float32
    np.testing.assert_allclose(ours.filters[: scales * orientations].real, arrays, atol=5e-5)
    np.testing.assert_allclose(ours.lowpass.real, theirs["phi"]["levels"][0], atol=5e-5)
    grid = Grid((size, size))
    kymatio_bank = FilterBank.from_arrays(
        theirs["phi"]["levels"][0], np.concatenate([arrays, grid.mirror(arrays)]), normalise=False
    )
    np.testing.assert_allclose(
        kymatio_bank.check().frame_bounds, ours.check().frame_bounds, atol=2e-4
    )
