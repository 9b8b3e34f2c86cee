"""The sweep's Zarr store: schema round trip, region writes, completion records, resume rules.

Every test writes a real Zarr store under ``tmp_path`` and reads it back (xarray's round-trip
style); nothing is mocked.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import xarray as xr
import zarr

from pipeline.cascade import VARIABLE_ATTRS, propagate
from pipeline.errors import EnergySweepError, InvalidParameterError
from pipeline.filters import make_bank
from pipeline.store import (
    StoreError,
    StoreMismatchError,
    clear_unit,
    completed_units,
    create_store,
    describe,
    open_results,
    write_unit,
)
from pipeline.store.schema import _install

N_SIGNALS, CHUNK, DEPTH = 10, 4, 3  # chunks [0, 4), [4, 8), [8, 10): the last one is short
N_CHUNKS = 3
LENGTH = 64

BANK_COORDS: dict[str, Any] = {
    "family": np.array(["meyer", "gabor", "morlet"]),
    "spacing": np.array([np.nan, 0.125, np.nan]),  # NaN where a family lacks the parameter
    "octaves": np.array([np.nan, np.nan, 3.0]),
    "bank_hash": ["b0", "b1", "b2"],
}
N_BANKS = 3
SIGNAL_COORDS: dict[str, Any] = {
    "dataset": np.array(["synthetic"] * 6 + ["ecg"] * 4),
    "signal_class": ["white_noise"] * 6 + ["record"] * 4,
    "seed": np.arange(100, 100 + N_SIGNALS),
    "amplitude": np.linspace(0.5, 2.0, N_SIGNALS),
}
ATTRS: dict[str, Any] = {
    "title": "energy-sweep: test",
    "config": "name: test\ndepth: 3\n",
    "computation_hash": "c0ffee",
    "package_version": "0.1.0",
    "created": "2026-01-01T00:00:00Z",
    "energy_units": "sum of squared samples",
    "depth": DEPTH,
}


def make_store(path: Path, **changes: Any) -> Path:
    """A store with the module's schema, ``changes`` overriding create_store's arguments."""
    arguments: dict[str, Any] = {
        "n_signals": N_SIGNALS,
        "chunk": CHUNK,
        "depth": DEPTH,
        "bank_coords": BANK_COORDS,
        "signal_coords": SIGNAL_COORDS,
        "attrs": ATTRS,
        "variable_attrs": VARIABLE_ATTRS,
    }
    arguments.update(changes)
    create_store(path, **arguments)
    return path


def chunk_range(chunk_index: int) -> tuple[int, int]:
    return chunk_index * CHUNK, min((chunk_index + 1) * CHUNK, N_SIGNALS)


def synthetic_result(n_signals: int, *, depth: int = DEPTH, offset: float = 0.0) -> xr.Dataset:
    """A result laid out like propagate's output, with values that identify each cell."""
    values = offset + np.arange(n_signals * (depth + 1), dtype=float).reshape(n_signals, -1)
    dims = ("signal", "layer")
    return xr.Dataset(
        {
            "propagated_energy": (dims, values + 0.25),
            "feature_energy": (dims, values + 0.5),
            "pruned_slack": (dims, values * 1e-9),
            "paths": (dims, (values + 1).astype(np.int64)),
            "input_energy": (("signal",), offset + np.arange(n_signals, dtype=float) + 0.75),
        },
        coords={"signal": np.arange(n_signals), "layer": np.arange(depth + 1)},
    )


def unit_result(bank: int, chunk_index: int) -> xr.Dataset:
    """The synthetic result of one unit, distinct for every unit (and bank-independent input)."""
    start, stop = chunk_range(chunk_index)
    result = synthetic_result(stop - start, offset=1000.0 * bank + 100.0 * chunk_index)
    result["input_energy"] = ("signal", np.arange(start, stop, dtype=float) + 0.75)
    return result


def write(path: Path, bank: int, chunk_index: int, unit_hash: int = 7, **changes: Any) -> None:
    start, stop = chunk_range(chunk_index)
    arguments: dict[str, Any] = {
        "bank": bank,
        "chunk_index": chunk_index,
        "start": start,
        "stop": stop,
        "result": unit_result(bank, chunk_index),
        "unit_hash": unit_hash,
    }
    arguments.update(changes)
    write_unit(path, **arguments)


def file_bytes(path: Path) -> dict[str, bytes]:
    """Every file of a store and its content."""
    return {
        os.path.relpath(f, path): f.read_bytes() for f in sorted(path.rglob("*")) if f.is_file()
    }


def load(path: Path) -> xr.Dataset:
    return xr.open_zarr(path).load()


def test_create_round_trip(tmp_path: Path) -> None:
    path = make_store(tmp_path / "sweep.zarr")
    stored = xr.open_zarr(path)

    assert dict(stored.sizes) == {"signal": N_SIGNALS, "bank": N_BANKS, "layer": DEPTH + 1}
    assert set(stored.data_vars) == {
        "propagated_energy",
        "feature_energy",
        "pruned_slack",
        "paths",
        "input_energy",
    }
    for name in ("propagated_energy", "feature_energy", "pruned_slack", "paths"):
        assert stored[name].dims == ("signal", "bank", "layer")
        assert stored[name].chunks == ((4, 4, 2), (1, 1, 1), (DEPTH + 1,))
        assert stored[name].attrs == VARIABLE_ATTRS[name]
    assert stored.input_energy.dims == ("signal",)
    assert stored.input_energy.chunks == ((4, 4, 2),)
    assert stored.input_energy.attrs == VARIABLE_ATTRS["input_energy"]
    assert {name: stored[name].dtype for name in stored.data_vars} == {
        "propagated_energy": np.float64,
        "feature_energy": np.float64,
        "pruned_slack": np.float64,
        "paths": np.int64,
        "input_energy": np.float64,
    }
    assert {key: stored.attrs[key] for key in ATTRS} == ATTRS
    assert set(stored.attrs) == {*ATTRS, "store_id", "provenance"}
    [created] = stored.attrs["provenance"]
    assert created["action"] == "created" and created["computation_hash"] == "c0ffee"
    assert (created["signals"], created["banks"], created["layers"]) == ([0, 10], [0, 3], [0, 4])

    shape = (N_SIGNALS, N_BANKS, DEPTH + 1)
    dims = ("signal", "bank", "layer")
    expected = xr.Dataset(
        {
            "propagated_energy": (dims, np.full(shape, np.nan)),
            "feature_energy": (dims, np.full(shape, np.nan)),
            "pruned_slack": (dims, np.full(shape, np.nan)),
            "paths": (dims, np.zeros(shape, dtype=np.int64)),
            "input_energy": ("signal", np.full(N_SIGNALS, np.nan)),
        },
        coords={
            "signal": np.arange(N_SIGNALS),
            "bank": np.arange(N_BANKS),
            "layer": ("layer", np.arange(DEPTH + 1), {"long_name": "layer n (path length)"}),
            **{name: ("bank", np.asarray(v)) for name, v in BANK_COORDS.items()},
            **{name: ("signal", np.asarray(v)) for name, v in SIGNAL_COORDS.items()},
        },
        attrs=dict(stored.attrs),
    )
    for name, attrs in VARIABLE_ATTRS.items():
        expected[name].attrs.update(attrs)
    xr.testing.assert_identical(stored.load(), expected)
    # text is stored as variable-length strings, NaN padding survives
    assert stored.family.values.tolist() == ["meyer", "gabor", "morlet"]
    assert stored.bank_hash.values.tolist() == ["b0", "b1", "b2"]
    np.testing.assert_array_equal(stored.spacing.values, [np.nan, 0.125, np.nan])
    assert stored.dataset.values.tolist()[-1] == "ecg"


def test_unwritten_store_reads_fill_values(tmp_path: Path) -> None:
    path = make_store(tmp_path / "sweep.zarr")
    stored = load(path)
    for name in ("propagated_energy", "feature_energy", "pruned_slack", "input_energy"):
        assert np.isnan(stored[name].values).all()
    assert (stored.paths.values == 0).all()
    assert completed_units(path) == set()
    assert describe(path)["units_done"] == 0


def test_units_fill_exactly_their_region(tmp_path: Path) -> None:
    path = make_store(tmp_path / "sweep.zarr")
    write(path, bank=1, chunk_index=0)
    write(path, bank=0, chunk_index=2)  # the short last chunk

    stored = load(path)
    written = np.zeros((N_SIGNALS, N_BANKS), dtype=bool)
    for bank, chunk_index in [(1, 0), (0, 2)]:
        start, stop = chunk_range(chunk_index)
        written[start:stop, bank] = True
        region = stored.isel(signal=slice(start, stop), bank=bank)
        result = unit_result(bank, chunk_index)
        for name in ("propagated_energy", "feature_energy", "pruned_slack", "paths"):
            np.testing.assert_array_equal(region[name].values, result[name].values)
    for name in ("propagated_energy", "feature_energy", "pruned_slack"):
        assert np.isnan(stored[name].values[~written]).all()
        assert not np.isnan(stored[name].values[written]).any()
    assert (stored.paths.values[~written] == 0).all()
    # input_energy: written by the unit of bank 0 only
    np.testing.assert_array_equal(stored.input_energy.values[8:], [8.75, 9.75])
    assert np.isnan(stored.input_energy.values[:8]).all()
    assert completed_units(path) == {(1, 0), (0, 2)}


def test_propagate_result_round_trip(tmp_path: Path) -> None:
    """A real cascade result, written by region, reads back identical (values, dtypes)."""
    path = make_store(tmp_path / "sweep.zarr")
    bank = make_bank("meyer", LENGTH)
    signals = np.random.default_rng(0).standard_normal((N_SIGNALS, LENGTH))
    for chunk_index in range(N_CHUNKS):
        start, stop = chunk_range(chunk_index)
        result = propagate(signals[start:stop], bank, DEPTH, energy_budget=1e-6)
        write_unit(
            path,
            bank=0,
            chunk_index=chunk_index,
            start=start,
            stop=stop,
            result=result,
            unit_hash=11,
        )
    whole = propagate(signals, bank, DEPTH, energy_budget=1e-6)

    stored = open_results(path).isel(bank=0).load()
    names = ["propagated_energy", "feature_energy", "pruned_slack", "paths", "input_energy"]
    xr.testing.assert_allclose(
        stored[names].drop_vars(list(stored.coords)),
        whole[names].drop_vars(list(whole.coords)),
        rtol=1e-12,
    )
    assert stored.paths.dtype == np.int64


def test_files_written_by_a_unit_are_its_own_chunks(tmp_path: Path) -> None:
    """No metadata and no other unit's chunk is touched: the basis of concurrent safety."""
    path = make_store(tmp_path / "sweep.zarr")
    before = file_bytes(path)
    write(path, bank=2, chunk_index=1)
    after = file_bytes(path)

    assert set(before) <= set(after)
    changed = {name for name in after if before.get(name) != after[name]}
    assert changed == {
        "propagated_energy/c/1/2/0",
        "feature_energy/c/1/2/0",
        "pruned_slack/c/1/2/0",
        "paths/c/1/2/0",
        "units/data_digest/c/2/1",
        "units/unit_hash/c/2/1",
    }


def test_record_is_written_only_after_the_data(tmp_path: Path) -> None:
    path = make_store(tmp_path / "sweep.zarr")
    # the data step fails for real: a file sits where the chunk's directory must go
    blocker = path / "propagated_energy" / "c" / "1"
    blocker.parent.mkdir(parents=True, exist_ok=True)
    blocker.write_bytes(b"not a directory")
    with pytest.raises(StoreError, match=r"unit \(bank=0, chunk=1\).*write failed"):
        write(path, bank=0, chunk_index=1, unit_hash=5)
    assert completed_units(path) == set()

    blocker.unlink()
    write(path, bank=0, chunk_index=1, unit_hash=5)
    assert completed_units(path) == {(0, 1)}


def test_failed_rewrite_under_new_settings_leaves_no_record(tmp_path: Path) -> None:
    """A record of other settings is reset before the data: it never vouches for mixed data."""
    path = make_store(tmp_path / "sweep.zarr")
    write(path, bank=0, chunk_index=1, unit_hash=5)
    chunk_dir = path / "paths" / "c" / "1" / "0"
    for child in chunk_dir.iterdir():  # replace the chunk's directory by a file
        child.unlink()
    chunk_dir.rmdir()
    chunk_dir.write_bytes(b"not a directory")
    with pytest.raises(StoreError, match="write failed"):
        write(path, bank=0, chunk_index=1, unit_hash=6)
    assert completed_units(path) == set()


def test_wrong_result_sizes_leave_no_record(tmp_path: Path) -> None:
    path = make_store(tmp_path / "sweep.zarr")
    before = file_bytes(path)
    with pytest.raises(StoreError, match=r"unit \(bank=1, chunk=0\).*signal=3.*signal=4"):
        write(path, bank=1, chunk_index=0, result=synthetic_result(3))
    with pytest.raises(StoreError, match=r"layer=5.*layer=4"):
        write(path, bank=1, chunk_index=0, result=synthetic_result(4, depth=4))
    with pytest.raises(StoreError, match="lacks the variables paths"):
        write(path, bank=1, chunk_index=0, result=synthetic_result(4).drop_vars("paths"))
    assert completed_units(path) == set()
    assert file_bytes(path) == before


@pytest.mark.parametrize(
    ("chunk_index", "start", "stop"),
    [
        (1, 2, 6),  # straddles two chunks
        (1, 4, 7),  # short of the chunk's end
        (1, 0, 4),  # chunk 0's region under chunk 1's name
        (2, 8, 12),  # past the end of the store
    ],
)
def test_misaligned_region_refused(tmp_path: Path, chunk_index: int, start: int, stop: int) -> None:
    path = make_store(tmp_path / "sweep.zarr")
    before = file_bytes(path)
    with pytest.raises(StoreError, match=r"is not chunk .*regions must match the store's chunks"):
        write_unit(
            path,
            bank=0,
            chunk_index=chunk_index,
            start=start,
            stop=stop,
            result=synthetic_result(stop - start),
            unit_hash=3,
        )
    assert file_bytes(path) == before


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"bank": 3}, "bank = 3: store .* has bank 0..2"),
        ({"bank": -1}, "bank = -1"),
        ({"chunk_index": 3}, "chunk_index = 3: store .* has chunk_index 0..2"),
        ({"unit_hash": 0}, r"unit_hash = 0: must be in \[1, 2\*\*63 - 1\]"),
        ({"unit_hash": 2**63}, "unit_hash"),
        ({"unit_hash": "abc"}, "must be an integer"),
        ({"unit_hash": True}, "unit_hash = True: must be an integer"),
        ({"bank": True}, r"unit \(bank=True, chunk=0\): bank = True: must be an integer"),
        ({"chunk_index": 1.0}, "chunk_index = 1.0: must be an integer"),
    ],
)
def test_bad_unit_refused(tmp_path: Path, changes: dict[str, Any], message: str) -> None:
    path = make_store(tmp_path / "sweep.zarr")
    before = file_bytes(path)
    arguments: dict[str, Any] = {
        "bank": 0,
        "chunk_index": 0,
        "start": 0,
        "stop": 4,
        "result": synthetic_result(4),
        "unit_hash": 1,
        **changes,
    }
    with pytest.raises(StoreError, match=message):
        write_unit(path, **arguments)
    assert file_bytes(path) == before


def test_a_unit_refuses_a_store_replaced_by_another_computation(tmp_path: Path) -> None:
    """Issue 12: a unit of run A never lands in (or is recorded by) run B's store."""
    path = make_store(tmp_path / "s.zarr")
    ours = ATTRS["computation_hash"]
    write(path, 0, 0, computation_hash=ours)  # its own store: written and recorded
    assert completed_units(path) == {(0, 0)}
    with pytest.raises(StoreMismatchError, match=r"now holds computation c0ffee, not this run"):
        write(path, 0, 1, computation_hash="another-run")
    assert completed_units(path) == {(0, 0)}
    assert np.isnan(open_results(path).propagated_energy.isel(bank=0, signal=CHUNK).values).all()


def test_a_store_replaced_during_the_write_keeps_no_record_of_the_unit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The store changes hands between the data write and the record: the record is reset."""
    path = make_store(tmp_path / "s.zarr")
    ours = ATTRS["computation_hash"]
    write(path, 0, 0, computation_hash=ours)
    real_to_zarr = xr.Dataset.to_zarr

    def then_replaced(self: xr.Dataset, *args: Any, **kwargs: Any) -> Any:
        written = real_to_zarr(self, *args, **kwargs)  # the real write, then another run's swap
        zarr.open_group(str(path), mode="r+").attrs["computation_hash"] = "another-run"
        return written

    monkeypatch.setattr(xr.Dataset, "to_zarr", then_replaced)
    with pytest.raises(StoreMismatchError, match="was not recorded"):
        write(path, 0, 0, computation_hash=ours)
    assert completed_units(path) == set()


def test_double_write_is_idempotent(tmp_path: Path) -> None:
    path = make_store(tmp_path / "sweep.zarr")
    write(path, bank=0, chunk_index=0, unit_hash=9)
    once = file_bytes(path)
    write(path, bank=0, chunk_index=0, unit_hash=9)
    assert file_bytes(path) == once
    assert completed_units(path, {(0, 0): 9}) == {(0, 0)}


def test_completed_units_with_expected_hashes(tmp_path: Path) -> None:
    path = make_store(tmp_path / "sweep.zarr")
    write(path, bank=0, chunk_index=0, unit_hash=1)
    write(path, bank=1, chunk_index=1, unit_hash=2)
    write(path, bank=2, chunk_index=2, unit_hash=2**63 - 1)
    assert completed_units(path) == {(0, 0), (1, 1), (2, 2)}
    expected = {(0, 0): 1, (1, 1): 99, (2, 2): 2**63 - 1, (0, 1): 4}
    # (1, 1) was computed under other settings; (0, 1) was never written
    assert completed_units(path, expected) == {(0, 0), (2, 2)}
    assert completed_units(path, {}) == set()


def test_rewrite_under_new_hash_replaces_record(tmp_path: Path) -> None:
    path = make_store(tmp_path / "sweep.zarr")
    write(path, bank=0, chunk_index=0, unit_hash=1)
    write(path, bank=0, chunk_index=0, unit_hash=2)
    assert completed_units(path, {(0, 0): 2}) == {(0, 0)}
    assert completed_units(path, {(0, 0): 1}) == set()


def test_clear_unit(tmp_path: Path) -> None:
    path = make_store(tmp_path / "sweep.zarr")
    write(path, bank=0, chunk_index=0)
    write(path, bank=1, chunk_index=0)
    clear_unit(path, 0, 0)
    assert completed_units(path) == {(1, 0)}
    # the data stays: only the record says what is done
    assert not np.isnan(load(path).propagated_energy.values[:4, 0]).any()
    clear_unit(path, 0, 0)  # clearing twice is harmless
    with pytest.raises(StoreError, match="chunk_index = 5"):
        clear_unit(path, 0, 5)


def test_create_on_compatible_store_resumes(tmp_path: Path) -> None:
    path = make_store(tmp_path / "sweep.zarr")
    write(path, bank=1, chunk_index=2, unit_hash=4)
    before = file_bytes(path)
    # same schema; only the creation time differs (it is not part of the schema)
    make_store(path, attrs={**ATTRS, "created": "2026-02-02T00:00:00Z"})
    assert file_bytes(path) == before
    assert completed_units(path) == {(1, 2)}
    assert load(path).attrs["created"] == ATTRS["created"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"chunk": 5}, r"chunk=4 \(asked 5\)"),
        (
            {"bank_coords": {**BANK_COORDS, "family": np.array(["meyer", "meyer", "morlet"])}},
            "bank coordinate 'family' differs .first at bank 1: 'gabor' vs asked 'meyer'",
        ),
        (
            {"bank_coords": {**BANK_COORDS, "spacing": np.array([np.nan, 0.25, np.nan])}},
            "bank coordinate 'spacing' differs",
        ),
        (
            {"bank_coords": {**BANK_COORDS, "sigma": np.ones(N_BANKS)}},
            "bank coordinate 'sigma' is new but set on the store's banks .first at bank 0",
        ),
        (
            {"signal_coords": {**SIGNAL_COORDS, "seed": np.arange(N_SIGNALS)}},
            "signal coordinate 'seed' differs .first at signal 0: 100 vs asked 0",
        ),
        (
            {"bank_coords": {k: v[:2] for k, v in BANK_COORDS.items()}},
            r"n_banks=3 \(asked 2\): a store never shrinks",
        ),
        ({"depth": 2}, r"depth=3 \(asked 2\): a store never shrinks"),
    ],
)
def test_incompatible_store_refused_untouched(
    tmp_path: Path, changes: dict[str, Any], message: str
) -> None:
    path = make_store(tmp_path / "sweep.zarr")
    write(path, bank=0, chunk_index=0)
    before = file_bytes(path)
    with pytest.raises(StoreMismatchError, match=message) as caught:
        make_store(path, **changes, attrs={**ATTRS, "computation_hash": "beef"})
    text = str(caught.value)
    assert "\n" not in text
    assert text.startswith(f"store {path} cannot grow into this sweep")
    assert text.endswith("use a new --store or --overwrite")
    assert file_bytes(path) == before


def test_a_store_of_the_same_computation_with_other_coordinates_is_refused(
    tmp_path: Path,
) -> None:
    path = make_store(tmp_path / "sweep.zarr")
    with pytest.raises(StoreMismatchError, match="was made with other settings: signal coord"):
        make_store(path, signal_coords={**SIGNAL_COORDS, "seed": np.arange(N_SIGNALS)})


@pytest.mark.parametrize(
    ("changes", "added", "kept"),
    [
        ({"depth": 4}, {"signals": [10, 10], "banks": [3, 3], "layers": [4, 5]}, set()),
        (
            {
                "n_signals": 12,
                "signal_coords": {k: np.resize(v, 12) for k, v in SIGNAL_COORDS.items()},
            },
            {"signals": [10, 12], "banks": [3, 3], "layers": [4, 4]},
            {(0, 0)},  # chunk 2 was short ([8, 10)) and is now [8, 12): its units rerun
        ),
        (
            {"bank_coords": {k: [*v, v[0]] for k, v in BANK_COORDS.items()}},
            {"signals": [10, 10], "banks": [3, 4], "layers": [4, 4]},
            {(0, 0), (1, 2)},
        ),
        ({}, {"signals": [10, 10], "banks": [3, 3], "layers": [4, 4]}, {(0, 0), (1, 2)}),
    ],
    ids=["deeper", "more signals", "more banks", "same schema"],
)
def test_another_computation_that_extends_the_store_grows_it(
    tmp_path: Path, changes: dict[str, Any], added: dict[str, list[int]], kept: set
) -> None:
    path = make_store(tmp_path / "sweep.zarr")
    write(path, bank=0, chunk_index=0)
    write(path, bank=1, chunk_index=2)
    identity = load(path).attrs["store_id"]
    make_store(path, **changes, attrs={**ATTRS, "computation_hash": "beef"})
    stored = load(path)
    assert stored.attrs["computation_hash"] == "beef"
    assert stored.attrs["store_id"] == identity
    assert stored.attrs["provenance"][-1] == {
        **stored.attrs["provenance"][-1],
        "action": "grown",
        "computation_hash": "beef",
        **added,
    }
    assert completed_units(path) == kept
    assert {name: stored.sizes[dim] for name, dim in (("s", "signal"), ("b", "bank"))} == {
        "s": changes.get("n_signals", N_SIGNALS),
        "b": len(changes.get("bank_coords", BANK_COORDS)["family"]),
    }
    for bank, chunk in kept:
        start, stop = chunk_range(chunk)
        np.testing.assert_array_equal(
            stored.propagated_energy.values[start:stop, bank],
            unit_result(bank, chunk).propagated_energy.values + 0.0,
        )


def test_overwrite_recreates(tmp_path: Path) -> None:
    path = make_store(tmp_path / "sweep.zarr")
    write(path, bank=0, chunk_index=0)
    make_store(path, depth=5, overwrite=True)

    stored = load(path)
    assert stored.sizes["layer"] == 6
    assert np.isnan(stored.propagated_energy.values).all()
    assert completed_units(path) == set()
    # no staging left (the lock file stays beside the store)
    assert sorted(p.name for p in tmp_path.iterdir()) in (
        ["sweep.zarr"],
        ["sweep.zarr", "sweep.zarr.lock"],
    )


def test_overwrite_refuses_a_directory_that_is_not_a_store(tmp_path: Path) -> None:
    precious = tmp_path / "results"
    precious.mkdir()
    (precious / "notes.txt").write_text("keep me")
    with pytest.raises(StoreError, match="is not an energy-sweep store: refusing to overwrite"):
        make_store(precious, overwrite=True)
    assert (precious / "notes.txt").read_text() == "keep me"


def test_overwrite_refuses_a_zarr_store_that_is_not_an_energy_sweep_store(tmp_path: Path) -> None:
    """--overwrite replaces an energy-sweep store, never someone else's Zarr data (issue 12)."""
    theirs = tmp_path / "theirs.zarr"
    group = zarr.open_group(str(theirs), mode="w")
    group.create_array("precious", shape=(3,), dtype="f8")[:] = [1.0, 2.0, 3.0]
    with pytest.raises(StoreError, match="is not an energy-sweep store: refusing to overwrite"):
        make_store(theirs, overwrite=True)
    assert zarr.open_group(str(theirs), mode="r")["precious"][:].tolist() == [1.0, 2.0, 3.0]


def test_create_in_an_empty_directory(tmp_path: Path) -> None:
    path = tmp_path / "made-by-a-scheduler"
    path.mkdir()
    make_store(path)
    assert describe(path)["units_total"] == N_BANKS * N_CHUNKS


def test_concurrent_writes_of_distinct_units(tmp_path: Path) -> None:
    path = make_store(tmp_path / "sweep.zarr")
    units = [(bank, chunk_index) for bank in range(N_BANKS) for chunk_index in range(N_CHUNKS)]
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda u: write(path, *u, unit_hash=100 + u[0]), units))

    assert completed_units(path, {u: 100 + u[0] for u in units}) == set(units)
    stored = load(path)
    for bank, chunk_index in units:
        start, stop = chunk_range(chunk_index)
        np.testing.assert_array_equal(
            stored.propagated_energy.values[start:stop, bank],
            unit_result(bank, chunk_index).propagated_energy.values,
        )
    np.testing.assert_array_equal(stored.input_energy.values, np.arange(N_SIGNALS) + 0.75)


def test_open_results_with_completion(tmp_path: Path) -> None:
    path = make_store(tmp_path / "sweep.zarr")
    write(path, bank=2, chunk_index=1)
    opened = open_results(path, completion=True)
    expected = np.zeros((N_SIGNALS, N_BANKS), dtype=bool)
    expected[4:8, 2] = True
    np.testing.assert_array_equal(opened.completed.values, expected)
    plain = xr.open_zarr(path)
    opened = open_results(path)
    xr.testing.assert_identical(opened.drop_indexes(["family", "signal_class"]), plain)
    selected = opened.sel(family=["meyer", "morlet"])  # indexed for .sel
    assert selected.family.values.tolist() == ["meyer", "morlet"]


def test_open_results_refuses_what_is_not_a_store(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "file.zarr").write_text("text")
    xr.Dataset({"x": ("t", np.arange(3.0))}).to_zarr(
        tmp_path / "other.zarr", consolidated=False, zarr_format=3
    )
    for name in ("missing.zarr", "empty", "file.zarr", "other.zarr"):
        with pytest.raises(StoreError, match="is not an energy-sweep store") as caught:
            open_results(tmp_path / name)
        assert "\n" not in str(caught.value)
        assert isinstance(caught.value, EnergySweepError)


def test_create_refuses_an_existing_foreign_store(tmp_path: Path) -> None:
    other = tmp_path / "other.zarr"
    xr.Dataset({"x": ("t", np.arange(3.0))}).to_zarr(other, consolidated=False, zarr_format=3)
    with pytest.raises(StoreMismatchError, match=r"not an energy-sweep store.*--overwrite"):
        make_store(other)


def test_describe(tmp_path: Path) -> None:
    path = make_store(tmp_path / "sweep.zarr")
    write(path, bank=0, chunk_index=0)
    write(path, bank=1, chunk_index=2)
    summary = describe(path)
    assert summary["dims"] == {"signal": N_SIGNALS, "bank": N_BANKS, "layer": DEPTH + 1}
    assert summary["families"] == {"meyer": 1, "gabor": 1, "morlet": 1}
    assert (summary["units_done"], summary["units_total"]) == (2, N_BANKS * N_CHUNKS)
    assert (summary["depth"], summary["chunk"]) == (DEPTH, CHUNK)
    assert summary["computation_hash"] == "c0ffee"
    assert summary["created"] == ATTRS["created"]
    assert summary["package_version"] == "0.1.0"
    assert summary["size_bytes"] == sum(len(b) for b in file_bytes(path).values())


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"n_signals": 0}, "n_signals = 0: must be an integer >= 1"),
        ({"chunk": 2.5}, "chunk = 2.5"),
        ({"depth": True}, "depth = True"),
        ({"bank_coords": {}}, "bank_coords = {}: needs at least one"),
        ({"bank_coords": {"family": ["a", "b"], "x": [1.0]}}, r"bank_coords\['x'\].*length 2"),
        ({"signal_coords": {"seed": np.arange(3)}}, r"signal_coords\['seed'\].*length 10"),
        ({"signal_coords": {"grid": np.zeros((10, 2))}}, "non-empty 1-D array"),
        ({"signal_coords": {"mixed": [1, "a"] * 5}}, "numbers or strings"),
        ({"bank_coords": {"paths": [1, 2, 3]}}, "names must be strings other than"),
        ({"signal_coords": {"bank": np.arange(10)}}, "names must be strings other than"),
    ],
)
def test_create_refuses_bad_arguments(
    tmp_path: Path, changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidParameterError, match=message):
        make_store(tmp_path / "sweep.zarr", **changes)
    assert not (tmp_path / "sweep.zarr").exists()


def test_failed_creation_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="cannot create store"):
        make_store(tmp_path / "sweep.zarr", attrs={**ATTRS, "bad": object()})
    # nothing but the (empty, released) lock file beside where the store would be
    assert [p.name for p in tmp_path.iterdir()] == ["sweep.zarr.lock"]
    assert (tmp_path / "sweep.zarr.lock").stat().st_size == 0


def test_losing_a_creation_race_keeps_the_winner(tmp_path: Path) -> None:
    """Two sweeps creating one store: the second rename fails and leaves the first in place."""
    winner = make_store(tmp_path / "sweep.zarr")
    write(winner, bank=0, chunk_index=0)
    before = file_bytes(winner)
    loser = make_store(tmp_path / "staging.zarr")
    assert _install(loser, winner, replace=False) is False
    assert file_bytes(winner) == before


def test_chunk_larger_than_the_signals(tmp_path: Path) -> None:
    path = make_store(tmp_path / "sweep.zarr", chunk=16)
    assert describe(path)["chunk"] == 16
    write_unit(
        path, bank=1, chunk_index=0, start=0, stop=10, result=synthetic_result(10), unit_hash=2
    )
    make_store(path, chunk=16)  # resumes: the stored chunk is 16, not 10
    assert completed_units(path) == {(1, 0)}
    assert not np.isnan(load(path).propagated_energy.values[:, 1]).any()
