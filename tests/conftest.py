"""Shared fixtures: small banks of every family and a reference cascade written the naive way."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from pipeline.filters import FilterBank, families, make_bank
from pipeline.filters._profiles import partition_of_unity
from pipeline.grid import Grid

#: Small banks (N = 64) of every family, cheap enough for the per-path reference cascade.
SMALL_BANK_PARAMS: dict[str, dict] = {
    "meyer": {},
    "gabor": {"spacing": 1 / 8},
    "morlet": {"octaves": 3},
    "random": {"filters": 4, "delta": 1 / 16, "seed": 3},
    "real_wavelet": {},
}


@pytest.fixture(scope="session", autouse=True)
def allowed_roots(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Configs of tests may point anywhere in pytest's temporary folders (a config's paths are
    confined to allowed roots, pipeline.sweep.load)."""
    os.environ["ENERGY_SWEEP_ALLOWED_ROOTS"] = str(tmp_path_factory.getbasetemp())
    # and a persistent Prefect server of the tests' own (flows/server.py), never the user's
    os.environ["ENERGY_SWEEP_DATA_DIR"] = str(tmp_path_factory.getbasetemp() / "data")


@pytest.fixture(params=families(ndim=1))
def small_bank(request: pytest.FixtureRequest) -> FilterBank:
    """A Parseval bank of every registered 1-D family on N = 64 (its defaults if not listed above)."""
    return make_bank(request.param, 64, **SMALL_BANK_PARAMS.get(request.param, {}))


def naive_cascade(
    signal: np.ndarray, banks: list[FilterBank], depth: int
) -> tuple[np.ndarray, np.ndarray]:
    """Reference W_n (n = 0..depth) and F_n (n < depth) for one signal, one path at a time.

    ``signal`` has the banks' grid shape, (N,) or (N1, N2). Every explicit filter of each bank
    (mirrors included), full complex n-d FFTs (``fftn``/``ifftn``), features through an inverse
    transform in the signal domain: none of the cascade's shortcuts (no Parseval energies, no
    mirror multiplicity, no batching, no real-FFT half-space).
    """
    layer = [np.asarray(signal, dtype=complex)]
    propagated = [float(np.sum(np.abs(signal) ** 2))]
    features = []
    for n in range(depth):
        bank = banks[n]
        features.append(
            sum(
                float(np.sum(np.abs(np.fft.ifftn(np.fft.fftn(u) * bank.lowpass)) ** 2))
                for u in layer
            )
        )
        children = []
        for u in layer:
            spectrum = np.fft.fftn(u)
            children.extend(np.abs(np.fft.ifftn(spectrum * g)) for g in bank.filters)
        layer = children
        propagated.append(sum(float(np.sum(v**2)) for v in layer))
    return np.array(propagated), np.array(features)


@pytest.fixture(scope="session")
def prefect_harness():
    """Prefect's test harness (a temporary API and database), started once per test session,
    in the environment the command line gives flows."""
    from flows.cli.environment import prefect_environment

    with prefect_environment():
        from prefect.testing.utilities import prefect_test_harness

        with prefect_test_harness(server_startup_timeout=180):
            yield


@pytest.fixture(scope="session")
def prefect_api_url(prefect_harness: None) -> str:
    """The API URL of the session's Prefect server (:func:`prefect_harness`), for a subprocess's
    ``PREFECT_API_URL`` where the run, not the start of its temporary server, is what is tested."""
    from prefect.settings import PREFECT_API_URL

    return str(PREFECT_API_URL.value())


def on_prefect_server(api_url: str) -> dict[str, str]:
    """This process's environment with ``PREFECT_API_URL=api_url``: a command run in it uses
    that Prefect server instead of starting a temporary one."""
    return {**os.environ, "PREFECT_API_URL": api_url}


def energy_sweep_run(config: Path, cwd: Path, api_url: str) -> subprocess.CompletedProcess[str]:
    """``energy-sweep run CONFIG`` as a user types it, in ``cwd``, reaching the Prefect server
    at ``api_url`` (for tests of what the run does, not of a temporary server's start)."""
    command = [str(Path(sys.executable).with_name("energy-sweep")), "run", str(config)]
    return subprocess.run(
        command,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=480,
        check=False,
        env=on_prefect_server(api_url),
    )


@pytest.fixture(scope="session")
def dask_cluster():
    """One ``distributed.LocalCluster`` (2 worker processes, 1 thread each) for the session.

    Flow tests reach it through the ``address`` backend where a fresh cluster is not the point
    of the test. No client is made the default, so dask's threaded scheduler stays the default.
    """
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as cluster:
        yield cluster


def build_store(config_path) -> str:
    """A real sweep store from a config file, built in this process without a Prefect server:
    the flow's own schema task (its plain function) and every work unit, as the flow runs them."""
    from flows.sweep import prepare_store
    from pipeline.sweep import compute_unit, load_config

    config = load_config(config_path)
    prepare_store.fn(config, overwrite=True)
    for unit in config.work_units():
        compute_unit(config.canonical_text(), config.store, unit, config.unit_hash(unit))
    return config.store


#: Every synthetic signal class, two signals each (docs/theory.md's hypotheses hold for all of them).
SYNTHETIC_SIGNAL_GROUPS = [
    {"kind": "white_noise", "count": 2, "seed": 0},
    {"kind": "band_limited", "count": 2, "seed": 1, "params": {"bandwidth": 0.1}},
    {"kind": "sobolev", "count": 2, "seed": 2, "params": {"s": 1.0}},
    {"kind": "chirp", "count": 2, "seed": 3, "params": {"f0": 0.01, "f1": 0.3}},
    {"kind": "piecewise_constant", "count": 2, "seed": 4, "params": {"jumps": 5}},
    {"kind": "lacunary", "count": 2, "seed": 5, "params": {"octaves": 4}},
]


def sector_bank(shape: tuple[int, int], offset: float, *, normalise: bool = True) -> FilterBank:
    """2-D test bank: two radial bands x two quarter-plane sectors starting at ``offset - pi/2``,
    random phases, their point-reflected mirrors, a radial low-pass."""
    grid = Grid(shape)
    profiles = partition_of_unity(np.array([0.12, 0.25, 0.38]), grid.radius)
    # Nyquist coordinates read +1/2 here, so that the filters or their mirrors carry those bins
    omega_y, omega_x = (np.where(f == -0.5, 0.5, f) for f in grid.frequency_mesh)
    turn = np.mod(np.arctan2(omega_y, omega_x) - (offset - np.pi / 2), 2 * np.pi)
    sectors = [turn <= np.pi / 2, (turn > np.pi / 2) & (turn <= np.pi)]
    phase = np.exp(2j * np.pi * np.random.default_rng(0).uniform(size=(4, *shape)))
    halves = np.stack([np.sqrt(p) * s for p in profiles[1:3] for s in sectors]) * phase
    filters = np.concatenate([halves, grid.mirror(halves)])
    return FilterBank.from_arrays(np.sqrt(profiles[0]), filters, normalise=normalise)


def assert_same_store(got, expected) -> None:
    """Every variable and coordinate of the store and of its ``units`` group equal (NaN where
    NaN), and every attribute but the creation time and the config's text (its cluster section
    differs; the computation hash must not)."""
    import xarray as xr

    for group in (None, "units"):
        a = xr.open_zarr(got, group=group).load()
        b = xr.open_zarr(expected, group=group).load()
        assert sorted(a.variables) == sorted(b.variables), group
        for name in a.variables:
            left, right = a[name].values, b[name].values
            assert a[name].dims == b[name].dims, name
            assert a[name].attrs == b[name].attrs, name
            nan = left.dtype.kind in "fc"
            assert np.array_equal(left, right, equal_nan=nan), f"{group or '/'}:{name} differs"
        skip = {"created", "config", "store_id", "provenance"}
        assert {k: v for k, v in a.attrs.items() if k not in skip} == {
            k: v for k, v in b.attrs.items() if k not in skip
        }, group
