"""Images as signals: scikit-image's bundled images and the synthetic 2-D classes."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from pipeline.errors import InvalidParameterError
from pipeline.grid import Grid
from pipeline.signals import make_signals, signal_kind, signal_kinds
from pipeline.signals.kinds.images import IMAGES, _resized, grey_image, normalised

SYNTHETIC = {
    "band_limited_image": {"bandwidth": 0.1},
    "sobolev_image": {"s": 1.0},
    "cartoon": {"shapes": 4},
}
EVERY_IMAGE_KIND = [*IMAGES, "faces", *SYNTHETIC]


def test_image_kinds_are_registered_for_2d_grids_only() -> None:
    assert set(EVERY_IMAGE_KIND) <= set(signal_kinds())
    for name in EVERY_IMAGE_KIND:
        assert signal_kind(name).dims == (2,)
    assert signal_kind("camera").dataset == "scikit-image"
    assert signal_kind("cartoon").dataset == "synthetic"


@pytest.mark.parametrize("kind", EVERY_IMAGE_KIND)
def test_image_rows_are_real_zero_mean_and_normalised(kind: str) -> None:
    x = make_signals(kind, count=3, shape=(40, 28), seed=1, **SYNTHETIC.get(kind, {}))
    assert x.dims == ("signal", "y", "x") and x.shape == (3, 40, 28)
    values = x.values
    assert np.isrealobj(values) and np.all(np.isfinite(values))
    np.testing.assert_allclose(values.mean(axis=(1, 2)), 0.0, atol=1e-12)
    np.testing.assert_allclose(np.sum(values**2, axis=(1, 2)), 40 * 28, rtol=1e-12)


@pytest.mark.parametrize("kind", ["camera", "faces", "cartoon", "sobolev_image"])
def test_image_rows_depend_on_their_own_stream_only(kind: str) -> None:
    # (at zoom 1 a square grid holds the whole square camera: every row is the same)
    params = SYNTHETIC.get(kind, {"zoom": 2.0} if kind == "camera" else {})
    few = make_signals(kind, count=2, shape=(32, 32), seed=5, **params)
    many = make_signals(kind, count=5, shape=(32, 32), seed=5, **params)
    np.testing.assert_array_equal(few.values, many.values[:2])
    again = make_signals(kind, count=2, shape=(32, 32), seed=5, **params)
    np.testing.assert_array_equal(few.values, again.values)
    other = make_signals(kind, count=2, shape=(32, 32), seed=6, **params)
    assert not np.array_equal(few.values, other.values)


def test_a_zoomed_image_row_is_a_window_of_the_resized_image() -> None:
    whole = make_signals("camera", count=1, shape=(64, 64), seed=0).values[0]
    zoomed = make_signals("camera", count=4, shape=(64, 64), seed=0, zoom=4.0)
    assert zoomed.image_zoom.values.tolist() == [4.0] * 4
    # windows at different offsets of the camera resized to 4 x 64
    assert len({row.tobytes() for row in zoomed.values}) == 4
    resized = _resized("camera", (64, 64), 4.0)
    assert resized.shape == (256, 256)
    top_left = normalised(resized[None, :64, :64])[0]
    assert not np.allclose(top_left, whole)


def test_images_come_from_the_installed_package() -> None:
    image = grey_image("astronaut")
    assert image.shape == (512, 512) and 0.0 <= image.min() < image.max() <= 1.0


def test_band_limited_images_live_in_their_disc() -> None:
    x = make_signals("band_limited_image", count=2, shape=(48, 40), seed=0, bandwidth=0.12)
    grid = Grid((48, 40))
    power = np.abs(grid.fft(x.values)) ** 2
    assert np.all(power[:, grid.radius > 0.12] < 1e-20 * power.max())
    assert np.all(power[:, (grid.radius > 0) & (grid.radius <= 0.12)].mean(axis=1) > 0)


def test_sobolev_images_have_the_promised_spectral_slope() -> None:
    s, size = 1.5, 128
    x = make_signals("sobolev_image", count=16, shape=(size, size), seed=0, s=s)
    grid = Grid((size, size))
    power = np.mean(np.abs(grid.fft(x.values)) ** 2, axis=0)
    cycles = grid.radius * size
    bands = np.geomspace(4, 48, 8)
    means = [power[(cycles >= lo) & (cycles < hi)].mean() for lo, hi in itertools.pairwise(bands)]
    centres = np.sqrt(bands[1:] * bands[:-1])
    slope = np.polyfit(np.log(centres), np.log(means), 1)[0]
    assert slope == pytest.approx(-2 * s - 2, abs=0.25)


def test_cartoons_are_piecewise_flat_with_smooth_edges() -> None:
    x = make_signals("cartoon", count=1, shape=(64, 64), seed=3, shapes=3, edge_width=2.0).values[0]
    steps = np.abs(np.diff(x, axis=1))
    # most of the image is flat; the edges are spread over about edge_width pixels
    assert np.mean(steps < 1e-12) > 0.5
    assert steps.max() < 0.9 * (x.max() - x.min())


@pytest.mark.parametrize(
    ("kind", "params", "argument"),
    [
        ("camera", {"zoom": 0.5}, "zoom"),
        ("band_limited_image", {"bandwidth": 0.0}, "bandwidth"),
        ("sobolev_image", {"s": -1.0}, "s"),
        ("cartoon", {"shapes": 0}, "shapes"),
        ("cartoon", {"edge_width": 0}, "edge_width"),
    ],
)
def test_bad_image_parameters_name_the_argument(kind, params, argument) -> None:
    with pytest.raises(InvalidParameterError, match=f"^{argument} = "):
        make_signals(kind, count=1, shape=(16, 16), seed=0, **params)


@pytest.mark.slow
def test_a_sweep_over_images_is_stored_fitted_and_reported(tmp_path) -> None:
    import yaml
    from conftest import build_store

    from pipeline.analysis import aggregate_results
    from pipeline.report import build_report
    from pipeline.report.images_section import FIGURE_FILE
    from pipeline.store import open_results, write_fits

    config = {
        "name": "images-test",
        "shape": [24, 20],
        "depth": 3,
        "energy_budget": 1e-4,
        "chunk": 2,
        "store": str(tmp_path / "s.zarr"),
        "signals": [
            {"kind": "camera", "count": 2, "seed": 0, "params": {"zoom": 2.0}},
            {"kind": "cartoon", "count": 2, "seed": 0},
        ],
        "banks": [
            {"family": "directional", "params": {"scales": 2, "orientations": 4}},
            {"family": "curvelet", "params": {"scales": 2, "alpha": [0.0, 1.0]}},
        ],
    }
    (tmp_path / "sweep.yaml").write_text(yaml.safe_dump(config))
    store = build_store(tmp_path / "sweep.yaml")
    results = open_results(store)
    assert results.attrs["grid_shape"] == [24, 20]
    assert results.propagated_energy.shape == (4, 3, 4)
    fits = aggregate_results(results, replicates=20).load()
    # bound (A) in d = 2: alpha(2), window order (d + 1)/2, never exceeded; no bound (B) in 2-D
    assert fits.attrs["bound_window_order"] == 1.5
    assert not fits.violates_bound_general.any()
    assert fits.meets_analyticity.all() and fits.meets_parseval.all()
    assert np.isnan(fits.bound_exponential).all()
    write_fits(store, fits)
    page = build_report(store, tmp_path / "report")
    text = page.read_text()
    assert "Images: the 2-D families compared" in text and "curvelet alpha=0" in text
    # which theorem applies in d = 2, said in the section
    assert "α(d) = log<sub>2</sub>(√d/(√d − ½)) = 0.6294" in text
    assert "Bound (B), the exponential decay, is stated for d = 1 only" in text
    # the table: local rates over every signal as the fits group holds them, bound (A) checked
    from pipeline.report.images_section import family_table, layers_needed_median
    from pipeline.report.summaries import bank_info, open_report_data

    data = open_report_data(store)
    table = family_table(data, bank_info(data))
    rates = data.pooled_local_rate.sel(pool="all").compute()
    for index in range(3):
        mean = float(rates.isel(bank=index, layer=1))
        assert table["log(W1/W2)"][index].startswith(f"{mean:.3g} [")
    assert (table["bound (A) exceeded"] == "0/4").all()
    assert "exp rate (all)" not in table  # depth 3: no per-curve fits, said in the text
    assert "no per-curve model fits" in text
    # a signal that does not reach 1 - eps counts as not reached, not as left out
    needed = data.layers_needed.copy(data=np.full(data.layers_needed.shape, np.nan))
    needed[0] = 1.0
    median = layers_needed_median(data.assign(layers_needed=needed))
    assert np.isinf(median).all()
    assert (tmp_path / "report" / FIGURE_FILE).stat().st_size > 1000
