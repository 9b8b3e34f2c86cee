"""Pooled rates per bank: the same signals in every bank, equal weights, bootstrap intervals
that hold the budget (pipeline/analysis/pooled.py)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import xarray as xr
import yaml
from conftest import build_store
from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.analysis import EXPONENTIAL, POLYNOMIAL, UNRESOLVED, bank_labels
from pipeline.analysis.pooled import ALL_SIGNALS, poisson_weights, pool_fits
from pipeline.cascade import propagate
from pipeline.errors import InvalidParameterError
from pipeline.filters import make_bank
from pipeline.planning import plan_layers
from pipeline.store import open_results, verify_store

LAYERS = np.arange(11)


def curves(
    log_w: np.ndarray, classes: np.ndarray | None = None, slack: np.ndarray | None = None
) -> xr.Dataset:
    """An energies Dataset (signal, bank, layer) from log W_n (W_0 is replaced by ||f||^2 = 1)."""
    propagated = np.exp(log_w)
    propagated[..., 0] = 1.0
    coords: dict = {"layer": LAYERS[: log_w.shape[-1]]}
    if classes is not None:
        coords["signal_class"] = ("signal", classes)
    return xr.Dataset(
        {
            "propagated_energy": (("signal", "bank", "layer"), propagated),
            "pruned_slack": (
                ("signal", "bank", "layer"),
                np.zeros_like(propagated) if slack is None else slack,
            ),
            "input_energy": (("signal",), np.ones(log_w.shape[0])),
        },
        coords=coords,
    )


def exponential_curves(rates: np.ndarray, intercepts: np.ndarray) -> np.ndarray:
    return intercepts[:, None, None] - rates[None, :, None] * LAYERS


def test_exact_exponentials_and_power_laws_are_recovered_with_one_intercept_per_signal() -> None:
    rng = np.random.default_rng(1)
    intercepts = rng.uniform(-8, -1, 30)
    rates = np.array([0.3, 1.0, 2.0])  # W_10 >= e^-28, above the round-off floor
    pooled = pool_fits(curves(exponential_curves(rates, intercepts)), replicates=50)
    np.testing.assert_allclose(pooled.pooled_exp_rate.sel(pool=ALL_SIGNALS), rates, rtol=1e-12)
    assert (pooled.pooled_preferred_model == EXPONENTIAL).all()
    assert pooled.pooled_exp_rate_se.max() < 1e-6  # a perfect fit
    assert (pooled.pooled_curves == 30).all() and (pooled.pooled_layers == 30 * 9).all()

    betas = np.array([1.5, 4.0])
    log_n = np.log(np.maximum(LAYERS, 1))
    power = intercepts[:, None, None] - betas[None, :, None] * log_n
    pooled = pool_fits(curves(power), replicates=50)
    np.testing.assert_allclose(pooled.pooled_poly_exponent.sel(pool=ALL_SIGNALS), betas, rtol=1e-12)
    assert (pooled.pooled_preferred_model == POLYNOMIAL).all()


def test_noisy_curves_intervals_cover_the_true_rate_and_se_matches_the_spread() -> None:
    """200 independent banks of 40 noisy curves each (5% multiplicative noise) at rate 0.8."""
    rng = np.random.default_rng(7)
    n_signals, n_banks, rate = 40, 200, 0.8
    intercepts = rng.uniform(-3, 0, n_signals)
    log_w = exponential_curves(np.full(n_banks, rate), intercepts)
    log_w = log_w + rng.normal(0, 0.05, log_w.shape)
    pooled = pool_fits(curves(log_w), replicates=400, seed=3).sel(pool=ALL_SIGNALS)
    estimates = pooled.pooled_exp_rate.values
    assert abs(estimates.mean() - rate) < 3 * estimates.std() / np.sqrt(n_banks)
    assert pooled.pooled_exp_rate_se.mean() == pytest.approx(estimates.std(), rel=0.2)
    covered = (pooled.pooled_exp_rate_lower <= rate) & (rate <= pooled.pooled_exp_rate_upper)
    assert 0.88 <= float(covered.mean()) <= 0.99
    width = (pooled.pooled_exp_rate_upper - pooled.pooled_exp_rate_lower).mean()
    assert float(width) == pytest.approx(2 * 1.96 * estimates.std(), rel=0.25)


def test_class_pools_equal_pooling_each_class_alone() -> None:
    rng = np.random.default_rng(2)
    classes = np.array(["chirp", "noise", "chirp", "ecg", "noise", "chirp", "noise", "ecg"])
    log_w = exponential_curves(np.array([1.0, 2.0]), rng.uniform(-3, 0, 8))
    log_w += rng.normal(0, 0.1, log_w.shape)
    pooled = pool_fits(curves(log_w, classes), replicates=50)
    assert pooled.pool.values.tolist() == [ALL_SIGNALS, "chirp", "ecg", "noise"]
    for name in ("chirp", "ecg", "noise"):
        alone = pool_fits(curves(log_w[classes == name]), replicates=50, pool_by=None)
        for variable in ("pooled_exp_rate", "pooled_exp_rate_se", "pooled_poly_exponent"):
            np.testing.assert_allclose(
                pooled[variable].sel(pool=name), alone[variable].sel(pool=ALL_SIGNALS), rtol=1e-12
            )
        assert (pooled.pooled_curves.sel(pool=name) == (classes == name).sum()).all()


def test_dask_chunks_give_the_same_pool_as_one_block() -> None:
    rng = np.random.default_rng(3)
    log_w = exponential_curves(np.array([0.5, 1.5]), rng.uniform(-3, 0, 50))
    log_w += rng.normal(0, 0.1, log_w.shape)
    energies = curves(log_w, np.where(np.arange(50) % 3, "a", "b"))
    eager = pool_fits(energies, replicates=100, seed=5)
    lazy = pool_fits(energies.chunk(signal=7, bank=1), replicates=100, seed=5)
    xr.testing.assert_allclose(eager, lazy, rtol=1e-12)
    other_seed = pool_fits(energies, replicates=100, seed=6)
    assert not np.allclose(eager.pooled_exp_rate_lower, other_seed.pooled_exp_rate_lower)


def test_pools_hold_the_same_signals_in_every_bank_and_an_empty_pool_is_nan() -> None:
    """A signal not fitted in one bank leaves every bank's pool; a bank that fits no signal at
    all gets NaN pools with the reason and does not empty the others'."""
    intercepts = np.zeros(6)
    log_w = exponential_curves(np.array([1.0, 0.5, 1.0]), intercepts)
    slack = np.zeros(log_w.shape)
    slack[:2, 0, 4:] = 1.0  # two curves of bank 0 keep 2 resolved layers: out of every bank
    slack[:, 2, 2:] = 1.0  # every curve of bank 2 is unresolved
    pooled = pool_fits(curves(log_w[:, :2], slack=slack[:, :2]), replicates=50)
    every = pooled.sel(pool=ALL_SIGNALS)
    assert every.pooled_curves.values.tolist() == [4, 4]
    assert every.pooled_signals_left_out.values.tolist() == [2, 2]
    np.testing.assert_allclose(every.pooled_exp_rate.values, [1.0, 0.5], rtol=1e-12)
    assert every.pooled_preferred_model.values.tolist() == [EXPONENTIAL, EXPONENTIAL]
    three = pool_fits(curves(log_w, slack=slack), replicates=50).sel(pool=ALL_SIGNALS)
    assert three.pooled_curves.values.tolist() == [4, 4, 0]
    np.testing.assert_array_equal(three.pooled_exp_rate.values[:2], every.pooled_exp_rate.values)
    assert np.isnan(three.pooled_exp_rate.values[2])
    assert np.isnan(three.pooled_exp_rate_lower.values[2])
    assert three.pooled_preferred_model.values.tolist() == [EXPONENTIAL, EXPONENTIAL, UNRESOLVED]
    assert "in this bank" in str(three.pooled_note.values[2])
    assert three.pooled_note.values[0] == ""


def test_a_pool_of_one_signal_has_a_rate_but_no_interval() -> None:
    rng = np.random.default_rng(4)
    log_w = exponential_curves(np.array([1.0]), rng.uniform(-3, 0, 4)) + rng.normal(
        0, 0.1, (4, 1, LAYERS.size)
    )
    classes = np.array(["alone", "many", "many", "many"])
    pooled = pool_fits(curves(log_w, classes), replicates=50)
    alone = pooled.sel(pool="alone", bank=0)
    assert np.isfinite(float(alone.pooled_exp_rate))
    assert np.isnan(float(alone.pooled_exp_rate_lower)) and np.isnan(
        float(alone.pooled_exp_rate_se)
    )
    assert str(alone.pooled_note.values) == "one signal: no interval"
    many = pooled.sel(pool="many", bank=0)
    assert float(many.pooled_exp_rate_lower) < float(many.pooled_exp_rate_upper)
    assert str(many.pooled_note.values) == ""


def test_slowly_decaying_curves_weigh_no_more_than_fast_ones() -> None:
    """A pooled rate is the mean of per-curve rates, whatever each curve's resolved layers."""
    log_w = exponential_curves(np.array([1.0]), np.zeros(2))
    log_w[1] = -4.0 * LAYERS  # decays fast ...
    slack = np.zeros(log_w.shape)
    slack[1, 0, 6:] = 1.0  # ... and keeps layers 2..5 only; the slow one keeps 2..10
    pooled = pool_fits(curves(log_w, slack=slack), replicates=50).sel(pool=ALL_SIGNALS, bank=0)
    assert float(pooled.pooled_exp_rate) == pytest.approx(2.5, rel=1e-12)
    assert int(pooled.pooled_layers) == 9 + 4


def test_a_budgeted_run_and_an_exact_run_of_the_same_signals_give_overlapping_intervals() -> None:
    """Real cascades: meyer on 12 white-noise signals, exact and at energy budget 1e-6, fitted
    on the same layers 2..5 (the budgeted run resolves those)."""
    bank = make_bank("meyer", 256)
    x = np.random.default_rng(11).standard_normal((12, 256))
    runs = [propagate(x, bank, 6, energy_budget=b).expand_dims(bank=[0]) for b in (0.0, 1e-6)]
    exact, budgeted = (
        pool_fits(run, replicates=200, last_layer=5).sel(pool=ALL_SIGNALS, bank=0) for run in runs
    )
    assert int(budgeted.pooled_curves) == int(exact.pooled_curves) == 12
    assert float(budgeted.pooled_exp_rate_lower) <= float(exact.pooled_exp_rate_upper)
    assert float(exact.pooled_exp_rate_lower) <= float(budgeted.pooled_exp_rate_upper)
    assert (
        float(budgeted.pooled_exp_rate_lower)
        <= float(exact.pooled_exp_rate)
        <= float(budgeted.pooled_exp_rate_upper)
    )
    assert float(exact.pooled_exp_rate_budget_lower) == pytest.approx(
        float(exact.pooled_exp_rate), rel=1e-12
    )
    # local rates rise with n: the exact run fitted on every layer (2..6) gives a larger rate,
    # which is why two runs are compared on one window (docs/theory.md §13)
    deeper = pool_fits(runs[0], replicates=200).sel(pool=ALL_SIGNALS, bank=0)
    assert float(deeper.pooled_exp_rate) > float(budgeted.pooled_exp_rate_upper)


@settings(max_examples=40, deadline=None)
@given(
    seed=st.integers(0, 2**32),
    start=st.integers(0, 10_000),
    length=st.integers(1, 50),
    cut=st.integers(0, 50),
)
def test_bootstrap_weights_do_not_depend_on_the_chunking(
    seed: int, start: int, length: int, cut: int
) -> None:
    cut = min(cut, length)
    whole = poisson_weights(seed, start, start + length, 17)
    parts = np.concatenate(
        [
            poisson_weights(seed, start, start + cut, 17),
            poisson_weights(seed, start + cut, start + length, 17),
        ]
    )
    np.testing.assert_array_equal(whole, parts)


def test_bootstrap_weights_are_poisson_one() -> None:
    weights = poisson_weights(0, 0, 200_000, 5)
    assert weights.mean() == pytest.approx(1.0, abs=0.005)
    assert weights.var() == pytest.approx(1.0, abs=0.01)
    observed = np.bincount(weights.astype(int).ravel(), minlength=5)[:5] / weights.size
    expected = np.exp(-1) / np.array([1, 1, 2, 6, 24])
    np.testing.assert_allclose(observed, expected, atol=0.003)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"replicates": 5}, "replicates = 5"),
        ({"confidence": 1.5}, "confidence = 1.5"),
        ({"seed": -1}, "seed = -1"),
    ],
)
def test_bad_arguments_are_refused_in_one_line(arguments: dict, message: str) -> None:
    energies = curves(exponential_curves(np.array([1.0]), np.zeros(3)))
    with pytest.raises(InvalidParameterError, match=message):
        pool_fits(energies, **arguments)


def test_one_store_holds_an_exact_and_a_budgeted_bank_whose_intervals_overlap(
    tmp_path: Path,
) -> None:
    """Per-bank depth and budget (banks[i].depth, banks[i].energy_budget): a real store with the
    same meyer bank exact at depth 6 and at budget 1e-6 at the sweep's depth 7, and a gabor bank
    exact at depth 4. The store records each bank's own values, verifies clean (NaN beyond a
    bank's depth), and the budgeted and exact pooled intervals overlap on the same layers."""
    spec = {
        "name": "per-bank",
        "length": 256,
        "signals": [{"kind": "white_noise", "count": 8, "seed": 3}],
        "banks": [
            {"family": "meyer", "depth": 6, "energy_budget": 0.0},
            {"family": "meyer", "energy_budget": 1e-6},
            {"family": "gabor", "params": {"spacing": 0.0625}, "depth": 4, "energy_budget": 0},
        ],
        "depth": 7,
        "energy_budget": 1e-4,
        "chunk": 4,
        "store": str(tmp_path / "per_bank.zarr"),
        "cluster": {"kind": "local", "workers": 1},
    }
    (tmp_path / "sweep.yaml").write_text(yaml.safe_dump(spec))
    store = build_store(tmp_path / "sweep.yaml")
    assert not verify_store(store).bad
    stored = open_results(store).load()
    assert stored.depth_per_bank.values.tolist() == [6, 7, 4]
    assert stored.energy_budget_per_bank.values.tolist() == [0.0, 1e-6, 0.0]
    w = stored.propagated_energy.transpose("signal", "bank", "layer").values
    assert np.isnan(w[:, 0, 7]).all() and np.isfinite(w[:, 0, :7]).all()
    assert np.isnan(w[:, 2, 5:]).all() and (stored.paths.values[:, 2, 5:] == 0).all()
    assert (stored.pruned_slack.values[:, 0, :7] == 0).all()
    pooled = pool_fits(stored, replicates=200, last_layer=5).sel(pool=ALL_SIGNALS)
    exact, budgeted = pooled.isel(bank=0), pooled.isel(bank=1)
    assert int(exact.pooled_curves) == int(budgeted.pooled_curves) == 8
    assert float(budgeted.pooled_exp_rate_lower) <= float(exact.pooled_exp_rate_upper)
    assert float(exact.pooled_exp_rate_lower) <= float(budgeted.pooled_exp_rate_upper)
    # gabor at depth 4 has 3 layers n >= 2: not fitted, and it does not empty the others' pools
    assert int(pooled.isel(bank=2).pooled_curves) == 0
    assert "in this bank" in str(pooled.isel(bank=2).pooled_note.values)
    labels = bank_labels(stored)
    assert len(set(labels)) == 3 and "depth=6" in labels[0] and "budget=1e-06" in labels[1]
    # plan --data reads the bank's own depth and budget
    plan = plan_layers("gabor", {"spacing": 0.0625}, (0.01,), data=store)
    assert plan.attrs["depth"] == 4 and plan.attrs["energy_budget"] == 0.0
    assert bool(plan.computed.all()) and np.isfinite(plan.empirical_layers).all()


def test_classes_are_pooled_per_parameter_value() -> None:
    """Sobolev signals of two orders s form two pools; a class with one value stays one pool."""
    rng = np.random.default_rng(5)
    log_w = exponential_curves(np.array([1.0]), rng.uniform(-3, 0, 6))
    log_w += rng.normal(0, 0.05, log_w.shape)
    energies = curves(log_w, np.array(["sobolev"] * 4 + ["white_noise"] * 2)).assign_coords(
        sobolev_s=("signal", [0.5, 0.5, 2.0, 2.0, np.nan, np.nan])
    )
    pooled = pool_fits(energies, replicates=50)
    assert pooled.pool.values.tolist() == [
        ALL_SIGNALS,
        "sobolev s=0.5",
        "sobolev s=2",
        "white_noise",
    ]
    assert pooled.pooled_curves.sel(bank=0).values.tolist() == [6, 2, 2, 2]


@pytest.mark.parametrize(
    ("bank", "message"),
    [
        ({"family": "meyer", "depth": 21}, r"banks\[0\].depth = 21: must be <= the sweep's depth"),
        ({"family": "gabor", "energy_budget": 0.0}, r"depth = 20: must be <= 16 for banks\[0\]"),
        ({"family": "gabor", "energy_budget": 1.5}, r"banks\[0\].energy_budget"),
    ],
)
def test_a_bank_s_own_depth_and_budget_are_checked_in_one_line(bank: dict, message: str) -> None:
    from pipeline.errors import ConfigError
    from pipeline.sweep import SweepConfig

    spec = {
        "name": "x",
        "length": 64,
        "signals": [{"kind": "white_noise", "count": 1, "seed": 0}],
        "banks": [bank],
        "depth": 20,
        "energy_budget": 1e-4,
        "store": "x.zarr",
    }
    with pytest.raises(ConfigError, match=message):
        SweepConfig.from_mapping(spec)
