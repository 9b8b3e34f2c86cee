"""Decay fits recover known rates from exact and noisy curves, pick the right model, use dask."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

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
def test_exact_exponentials_give_their_base(base: float) -> None:
    w = base ** (-LAYERS.astype(float))
    fit = fit_decay(_curves(w)).isel(signal=0)
    assert float(fit.exp_rate) == pytest.approx(np.log(base), rel=1e-12)
    assert int(fit.preferred_model) == EXPONENTIAL


@pytest.mark.parametrize("beta", [0.5, 1.0, 3.0])
def test_exact_power_laws_give_their_exponent(beta: float) -> None:
    w = np.r_[1.0, np.arange(1, 13, dtype=float) ** -beta]
    fit = fit_decay(_curves(w)).isel(signal=0)
    assert float(fit.poly_exponent) == pytest.approx(beta, rel=1e-12)
    assert int(fit.preferred_model) == POLYNOMIAL


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


def test_layers_below_slack_or_round_off_are_not_fitted() -> None:
    w = 2.0 ** -LAYERS.astype(float)
    w[9:] = 1e-20  # round-off level: must be ignored
    slack = np.where(LAYERS >= 7, 1e-3, 0.0)  # W_7 = 7.8e-3 < 10 * slack: ignored from layer 7
    fit = fit_decay(_curves(w, slack)).isel(signal=0)
    assert int(fit.layers_used) == 6  # layers 1..6
    assert float(fit.exp_rate) == pytest.approx(np.log(2.0), rel=1e-12)
    unresolved = fit_decay(_curves(np.r_[1.0, 0.5, 1e-20 * np.ones(11)])).isel(signal=0)
    assert np.isnan(float(unresolved.exp_rate))
    assert int(unresolved.preferred_model) == UNRESOLVED


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
