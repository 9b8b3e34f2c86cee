"""Decay fits recover known rates from exact and noisy curves, pick the right model, use dask."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.analysis import (
    EXPONENTIAL,
    POLYNOMIAL,
    UNRESOLVED,
    FitModel,
    fit_decay,
    fit_models,
    model_name,
    pool_fits,
    register_fit_model,
)
from pipeline.analysis.fit_models import _registry
from pipeline.analysis.resolution import round_off_floor
from pipeline.cascade import propagate
from pipeline.filters import make_bank

LAYERS = np.arange(13)


def _curves(values: np.ndarray, slack: np.ndarray | None = None) -> xr.Dataset:
    """A (signal, layer) Dataset shaped like propagate's output, W_0 = ||f||^2 = 1."""
    values = np.atleast_2d(values)
    slack = np.zeros_like(values) if slack is None else np.atleast_2d(slack)
    return xr.Dataset(
        {
            "propagated_energy": (("signal", "layer"), values),
            "pruned_slack": (("signal", "layer"), slack),
            "input_energy": (("signal",), np.ones(values.shape[0])),
        },
        coords={"layer": LAYERS},
    )


@pytest.mark.parametrize("base", [1.5, 5 / 3, 2.0, 10.0])
def test_exact_exponentials_give_their_base_and_choose_the_exponential_model(base: float) -> None:
    w = base ** (-LAYERS.astype(float))
    fit = fit_decay(_curves(w)).isel(signal=0)
    assert float(fit.exp_rate) == pytest.approx(np.log(base), rel=1e-12)
    assert int(fit.preferred_model) == EXPONENTIAL
    assert float(fit.aic_difference) > 2  # decided, not a tie
    # no slack: the budget bracket is the rate itself
    assert float(fit.exp_rate_budget_lower) == pytest.approx(np.log(base), rel=1e-12)
    assert float(fit.exp_rate_budget_upper) == pytest.approx(np.log(base), rel=1e-12)


@pytest.mark.parametrize("beta", [0.5, 1.0, 3.0, 8.0])
def test_exact_power_laws_give_their_exponent_and_choose_the_polynomial_model(beta: float) -> None:
    w = np.r_[1.0, np.arange(1, 13, dtype=float) ** -beta]
    fit = fit_decay(_curves(w)).isel(signal=0)
    assert float(fit.poly_exponent) == pytest.approx(beta, rel=1e-12)
    assert int(fit.preferred_model) == POLYNOMIAL
    assert float(fit.aic_difference) > 2
    assert int(fit.layers_used) == 11  # layers 2..12: layer 1 is never fitted


def test_noisy_curves_recover_rates_within_their_standard_errors() -> None:
    rng = np.random.default_rng(0)
    n = LAYERS.astype(float)
    noise = np.exp(rng.normal(0.0, 0.05, size=(200, LAYERS.size)))  # 5% multiplicative noise
    exponential = _curves(2.0**-n * noise)
    power = _curves(np.maximum(n, 1.0) ** -1.5 * noise)
    fit_e, fit_p = fit_decay(exponential), fit_decay(power)
    # unbiased: the mean estimate lies within 3 standard errors of the mean (tolerance stated)
    assert abs(float(fit_e.exp_rate.mean()) - np.log(2.0)) < 3 * float(
        fit_e.exp_rate_se.mean()
    ) / np.sqrt(200)
    assert abs(float(fit_p.poly_exponent.mean()) - 1.5) < 3 * float(
        fit_p.poly_exponent_se.mean()
    ) / np.sqrt(200)
    # and the reported standard error matches the spread of the estimates within 20%
    assert float(fit_e.exp_rate.std()) == pytest.approx(float(fit_e.exp_rate_se.mean()), rel=0.2)
    assert np.mean(fit_e.preferred_model.values == EXPONENTIAL) > 0.95
    assert np.mean(fit_p.preferred_model.values == POLYNOMIAL) > 0.95


def test_layers_below_slack_or_the_round_off_floor_and_layer_1_are_not_fitted() -> None:
    w = 2.0 ** -LAYERS.astype(float)
    w[10:] = 1e-25  # below the round-off floor (about 1e-19 here): ignored
    slack = np.where(LAYERS >= 8, 5e-4, 0.0)  # W_8 = 3.9e-3 < 10 * slack: ignored from layer 8
    fit = fit_decay(_curves(w, slack)).isel(signal=0)
    assert int(fit.layers_used) == 6  # layers 2..7
    assert float(fit.exp_rate) == pytest.approx(np.log(2.0), rel=1e-12)
    too_few = fit_decay(_curves(np.r_[1.0, 0.5, 0.25, 0.125, 0.0625, 1e-25 * np.ones(8)]))
    assert int(too_few.layers_used.item()) == 3  # layers 2..4: fewer than MIN_LAYERS
    assert np.isnan(float(too_few.exp_rate.item()))
    assert int(too_few.preferred_model.item()) == UNRESOLVED


def test_the_round_off_floor_is_relative_not_absolute() -> None:
    """W_n down to 1e-18 ||f||^2 is resolved in float64 (docs/theory.md §10); the floor of a
    float32 computation is far higher."""
    w = 100.0 ** -LAYERS.astype(float)  # W_9 = 1e-18, W_10 = 1e-20 (near the floor), ...
    fit = fit_decay(_curves(w).assign_attrs(grid_shape=[1024], dtype="float64")).isel(signal=0)
    assert int(fit.layers_used) in (8, 9)  # 2..9, perhaps 10: nothing below ~1e-20
    assert float(fit.exp_rate) == pytest.approx(np.log(100.0), rel=1e-12)
    single = fit_decay(_curves(w).assign_attrs(grid_shape=[1024], dtype="float32"))
    assert int(single.layers_used.item()) == 0  # W_2 = 1e-8 is round-off in float32
    floor = round_off_floor(w, np.zeros_like(w), log2_m=10, u=2.0**-53)
    assert 1e-21 < floor[-1] < 1e-19


@settings(max_examples=40, deadline=None)
@given(
    rate=st.floats(0.2, 2.5),
    budget=st.floats(1e-6, 0.09),
    seed=st.integers(0, 2**32 - 1),
)
def test_every_curve_inside_the_slack_band_has_a_rate_inside_the_budget_bracket(
    rate: float, budget: float, seed: int
) -> None:
    """The bracket is the exact range of the OLS rate over the box [W_n, W_n + s_n]."""
    rng = np.random.default_rng(seed)
    n = LAYERS
    kept = np.exp(-rate * n + rng.normal(0, 0.3, n.size))
    slack = budget * kept * rng.uniform(0, 1, n.size)  # W_n > 10 s_n everywhere
    fit = fit_decay(_curves(kept, slack)).isel(signal=0)
    lower, upper = float(fit.exp_rate_budget_lower), float(fit.exp_rate_budget_upper)
    assert lower <= float(fit.exp_rate) <= upper
    truths = kept + slack * rng.uniform(0, 1, (50, n.size))
    corners = kept + slack * rng.integers(0, 2, (50, n.size))
    exact = fit_decay(_curves(np.vstack([truths, corners])))
    assert (exact.layers_used == fit.layers_used).all()
    assert np.all(exact.exp_rate.values >= lower - 1e-12)
    assert np.all(exact.exp_rate.values <= upper + 1e-12)


def test_dask_chunks_give_the_eager_answer_on_a_real_cascade() -> None:
    bank = make_bank("meyer", 256)
    x = np.random.default_rng(1).standard_normal((6, 256))
    energies = propagate(x, bank, 6)
    eager = fit_decay(energies)
    lazy = fit_decay(energies.chunk({"signal": 2}))
    assert lazy.exp_rate.chunks is not None
    xr.testing.assert_allclose(lazy.compute(), eager)
    # a Parseval Meyer bank decays exponentially on white noise (docs/theory.md §6)
    assert np.all(eager.preferred_model.values == EXPONENTIAL)
    assert np.all(eager.exp_rate > 0)


# --- the model registry --------------------------------------------------------------------------


def test_built_in_models_keep_their_stored_names_and_flags() -> None:
    names = {m.name: (m.code, m.rate, m.key) for m in fit_models()}
    assert names == {
        "exponential": (1, "exp_rate", "exp"),
        "polynomial": (2, "poly_exponent", "poly"),
    }
    fit = fit_decay(_curves(2.0 ** (-LAYERS.astype(float))))
    assert fit.preferred_model.attrs["flag_meanings"] == "unresolved exponential polynomial"
    assert fit.preferred_model.attrs["flag_values"].tolist() == [
        UNRESOLVED,
        EXPONENTIAL,
        POLYNOMIAL,
    ]
    assert model_name(POLYNOMIAL) == "polynomial" and model_name(UNRESOLVED) == "unresolved"


def test_a_registered_model_is_fitted_stored_and_preferred_where_it_fits_best() -> None:
    """Adding a model is one module: here W_n ~ C exp(-s sqrt(n)), registered for this test."""
    model = FitModel(
        name="stretched",
        code=3,
        key="stretched",
        rate="stretched_rate",
        abscissa=lambda layers: np.sqrt(np.asarray(layers, dtype=np.float64)),
        rate_description="s in W_n ~ C exp(-s sqrt(n))",
        pooled_description="s of W_n ~ C_i exp(-s sqrt(n))",
    )
    register_fit_model(model)
    try:
        curves = _curves(np.exp(-0.7 * np.sqrt(LAYERS.astype(float))))
        fit = fit_decay(curves).isel(signal=0)
        assert float(fit.stretched_rate) == pytest.approx(0.7, rel=1e-12)
        assert int(fit.preferred_model) == 3
        assert {"aic_stretched", "stretched_log_intercept", "exp_rate"} <= set(fit.data_vars)
        pooled = pool_fits(curves.expand_dims(bank=[0]), replicates=10)
        assert float(pooled.pooled_stretched_rate.sel(pool="all", bank=0)) == pytest.approx(0.7)
        assert int(pooled.pooled_preferred_model.sel(pool="all", bank=0)) == 3
        with pytest.raises(ValueError, match="code 3 is already used"):
            register_fit_model(FitModel("other", 3, "o", "o_rate", np.sqrt, "", ""))
    finally:
        _registry._MODELS.pop("stretched")
    assert "stretched_rate" not in fit_decay(curves)
