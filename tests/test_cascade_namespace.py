"""The cascade through a second array namespace (array_api_strict; torch on CPU too where it is
installed) gives numpy's numbers to 1e-12 (pipeline/cascade/namespace.py, docs/design.md)."""

from __future__ import annotations

import importlib.util

import array_api_strict
import dask.array
import numpy as np
import pytest
from conftest import SMALL_BANK_PARAMS
from test_cascade import _identity_error
from test_cascade_2d import SMALL_2D

from pipeline.cascade import propagate
from pipeline.cascade.namespace import namespace_of, to_host
from pipeline.errors import InvalidParameterError, InvalidSignalError
from pipeline.filters import families, make_bank

#: Namespaces tried: array_api_strict always (a test dependency); torch on CPU where importable
#: (no extra installs it, so CI may run without it: it is then simply not in the list).
NAMESPACES = ["array_api_strict"] + (["torch"] * (importlib.util.find_spec("torch") is not None))
#: Agreement with numpy, relative to ||f||^2 (both sides in float64; the FFTs differ in rounding).
TOLERANCE = 1e-12
COMPARED = ("propagated_energy", "feature_energy", "pruned_slack", "rule_slack")


def _as_namespace(name: str, values: np.ndarray):
    if name == "torch":
        import torch

        return torch.from_numpy(values)
    # a device other than the default one: an array made without ``device=`` would not mix
    return array_api_strict.asarray(values, device=array_api_strict.Device("device1"))


def _assert_agree(got, expected) -> None:
    scale = expected.input_energy.values[:, None]
    np.testing.assert_allclose(got.input_energy, expected.input_energy, rtol=TOLERANCE)
    for name in COMPARED:
        difference = np.abs(got[name].values - expected[name].values) / scale
        assert np.nanmax(difference) <= TOLERANCE, (name, np.nanmax(difference))
        assert np.array_equal(np.isnan(got[name].values), np.isnan(expected[name].values))
    np.testing.assert_array_equal(got.paths, expected.paths)
    assert got.attrs == expected.attrs


@pytest.mark.parametrize("name", NAMESPACES)
@pytest.mark.parametrize("family", families(ndim=1))
@pytest.mark.parametrize("path_rule", ["all", "frequency_decreasing"])
def test_1d_agrees_with_numpy_on_every_family_and_path_rule(name, family, path_rule) -> None:
    bank = make_bank(family, 64, **SMALL_BANK_PARAMS.get(family, {}))
    x = np.random.default_rng(1).standard_normal((5, 64))
    expected = propagate(x, bank, 4, path_rule=path_rule, block_size=3)
    got = propagate(_as_namespace(name, x), bank, 4, path_rule=path_rule, block_size=3)
    _assert_agree(got, expected)
    assert _identity_error(got, 4).max() < TOLERANCE


@pytest.mark.parametrize("name", NAMESPACES)
@pytest.mark.parametrize("family", ["directional", "weyl_heisenberg_2d"])
@pytest.mark.parametrize("path_rule", ["all", "frequency_decreasing"])
def test_2d_agrees_with_numpy(name, family, path_rule) -> None:
    bank = make_bank(family, (24, 20), **SMALL_2D[family])
    x = np.random.default_rng(2).standard_normal((3, 24, 20))
    expected = propagate(x, bank, 3, path_rule=path_rule)
    got = propagate(_as_namespace(name, x), bank, 3, path_rule=path_rule)
    _assert_agree(got, expected)


@pytest.mark.parametrize("name", NAMESPACES)
def test_complex_input_pruning_and_float32_agree_with_numpy(name) -> None:
    bank = make_bank("morlet", 64, octaves=3)
    rng = np.random.default_rng(3)
    z = rng.standard_normal((4, 64)) + 1j * rng.standard_normal((4, 64))
    _assert_agree(propagate(_as_namespace(name, z), bank, 4), propagate(z, bank, 4))
    x = rng.standard_normal((4, 64))
    budget = propagate(_as_namespace(name, x), bank, 5, energy_budget=1e-3)
    _assert_agree(budget, propagate(x, bank, 5, energy_budget=1e-3))
    assert np.all(budget.pruned_slack.isel(layer=-1) > 0)  # pruning took place
    single = propagate(_as_namespace(name, x), bank, 3, dtype=np.float32)
    reference = propagate(x, bank, 3, dtype=np.float32)
    scale = reference.input_energy.values[:, None]
    difference = np.abs(single.propagated_energy - reference.propagated_energy).values / scale
    assert difference.max() < 1e-6  # float32 FFTs of two libraries: agreement to their rounding


def test_the_namespace_follows_the_input() -> None:
    x = np.ones((1, 8))
    assert namespace_of(x) is None and namespace_of(x.tolist()) is None
    assert namespace_of(dask.array.from_array(x)) is None  # computed into numpy, as before
    assert namespace_of(array_api_strict.asarray(x)) is array_api_strict
    np.testing.assert_array_equal(to_host(array_api_strict.asarray(x)), x)


def test_critical_sampling_of_a_non_numpy_namespace_is_a_one_line_error() -> None:
    bank = make_bank("morlet", 64, octaves=3)
    x = array_api_strict.asarray(np.ones((1, 64)))
    with pytest.raises(InvalidParameterError, match="numpy input only") as error:
        propagate(x, bank, 2, sampling="critical")
    assert "\n" not in str(error.value)


@pytest.mark.parametrize(
    ("values", "error", "message"),
    [
        (np.full((1, 64), np.nan), InvalidSignalError, "finite"),
        (np.ones((64,)), InvalidSignalError, "batch"),
        (np.ones((1, 32)), InvalidParameterError, "grid"),
        (np.ones((1, 64), dtype=bool), InvalidSignalError, "numeric"),
    ],
)
def test_bad_namespace_input_is_a_one_line_error(values, error, message) -> None:
    bank = make_bank("morlet", 64, octaves=3)
    with pytest.raises(error, match=message) as raised:
        propagate(array_api_strict.asarray(values), bank, 2)
    assert "\n" not in str(raised.value)


def test_integer_input_is_read_as_float64() -> None:
    bank = make_bank("meyer", 64)
    x = np.arange(128).reshape(2, 64) % 7
    _assert_agree(propagate(array_api_strict.asarray(x), bank, 3), propagate(x, bank, 3))


def test_the_modulus_slack_is_numpy_only_in_one_line() -> None:
    bank = make_bank("meyer", 64)
    signals = array_api_strict.asarray(np.random.default_rng(0).standard_normal((2, 64)))
    with pytest.raises(InvalidParameterError, match=r"^slack = 'modulus': .*numpy input only"):
        propagate(signals, bank, 3, 1e-3, slack="modulus")
