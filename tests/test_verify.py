"""Integrity of a sweep's store: checksums, data digests, ``verify_store`` and ``verify``.

Each test corrupts a copy of one real sweep store (built by the flow's own unit code, as the
regression store is) for real on disk, checks that :func:`pipeline.store.verify_store` names
exactly the damaged units, that planning treats them as not done, and that recomputing them
brings back a store that verifies clean and equals the clean store in every variable.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
import yaml
import zarr
from conftest import build_store
from golden.generate import sweep_spec
from typer.testing import CliRunner

from flows.cli import app
from flows.sweep import plan_units
from pipeline.store import (
    StoreError,
    completed_units,
    open_results,
    verify_store,
    write_unit,
)
from pipeline.store.digest import unit_digest
from pipeline.sweep import SweepConfig, compute_unit, load_config
from pipeline.sweep.unit import unit_result

GOLDEN_SIGNALS = Path(__file__).parent / "golden" / "v0" / "signals.npy"
runner = CliRunner()


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(config file, clean store): 6 banks x 3 signal chunks, every unit done."""
    folder = tmp_path_factory.mktemp("clean")
    spec = sweep_spec(GOLDEN_SIGNALS, folder / "clean.zarr")
    spec["chunk"] = 3  # 8 signals: chunks [0, 3), [3, 6), [6, 8)
    config_path = folder / "sweep.yaml"
    config_path.write_text(yaml.safe_dump(spec))
    return config_path, Path(build_store(config_path))


@pytest.fixture
def copy(clean: tuple[Path, Path], tmp_path: Path) -> tuple[SweepConfig, Path]:
    """A fresh copy of the clean store and the config pointing at it."""
    config_path, store = clean
    target = tmp_path / "copy.zarr"
    shutil.copytree(store, target)
    return load_config(config_path, store=str(target)), target


def flip_bytes(path: Path, count: int = 16) -> None:
    data = bytearray(path.read_bytes())
    for i in range(count):
        data[(len(data) // 3 + 7 * i) % len(data)] ^= 0xA5
    path.write_bytes(bytes(data))


def delete_chunk(store: Path) -> set[tuple[int, int]]:
    (store / "feature_energy" / "c" / "1" / "2" / "0").unlink()
    return {(2, 1)}


def flip_chunk(store: Path) -> set[tuple[int, int]]:
    flip_bytes(store / "propagated_energy" / "c" / "0" / "3" / "0")
    return {(3, 0)}


def copy_other_banks_chunk(store: Path) -> set[tuple[int, int]]:
    """A valid chunk (its checksum holds) of bank 1 copied over bank 4's."""
    shutil.copyfile(
        store / "paths" / "c" / "2" / "1" / "0", store / "paths" / "c" / "2" / "4" / "0"
    )
    return {(4, 2)}


def change_digest(store: Path) -> set[tuple[int, int]]:
    digests = zarr.open_array(store=os.fspath(store), path="units/data_digest", mode="r+")
    digests[5, 1] = np.uint64(int(digests[5, 1]) ^ 1)
    return {(5, 1)}


def flip_input_energy(store: Path) -> set[tuple[int, int]]:
    """input_energy belongs to the units of bank 0."""
    flip_bytes(store / "input_energy" / "c" / "2")
    return {(0, 2)}


def flip_record(store: Path) -> set[tuple[int, int]]:
    flip_bytes(store / "units" / "unit_hash" / "c" / "1" / "0", count=2)
    return {(1, 0)}


def two_faults(store: Path) -> set[tuple[int, int]]:
    return delete_chunk(store) | copy_other_banks_chunk(store)


CORRUPTIONS: dict[str, Callable[[Path], set[tuple[int, int]]]] = {
    "deleted chunk": delete_chunk,
    "flipped bytes": flip_chunk,
    "other bank's chunk": copy_other_banks_chunk,
    "digest mismatch": change_digest,
    "flipped input_energy": flip_input_energy,
    "flipped record": flip_record,
    "two faults": two_faults,
}

REASONS = {
    "deleted chunk": "chunk file feature_energy/c/1/2/0 missing",
    "flipped bytes": "chunk propagated_energy/c/0/3/0 unreadable: fails its crc32c checksum",
    "other bank's chunk": "data does not match its recorded digest",
    "digest mismatch": "data does not match its recorded digest",
    "flipped input_energy": "chunk input_energy/c/2 unreadable: fails its crc32c checksum",
    "flipped record": "completion record unreadable: fails its crc32c checksum",
}


def test_clean_store_verifies_clean(clean: tuple[Path, Path]) -> None:
    report = verify_store(clean[1])
    assert report.ok, report.lines()
    assert (report.units_total, report.units_recorded) == (18, 18)
    assert report.lines() == []
    assert "clean: 18 of 18 recorded units verified" in report.summary()


def test_every_array_carries_a_checksum(clean: tuple[Path, Path]) -> None:
    root = zarr.open_group(os.fspath(clean[1]), mode="r", use_consolidated=False)
    arrays = [*root.arrays(), *root["units"].arrays()]
    assert len(arrays) > 10
    for name, array in arrays:
        assert any(type(c).__name__ == "Crc32cCodec" for c in array.compressors), name


@pytest.mark.parametrize("fault", sorted(CORRUPTIONS))
def test_verify_names_exactly_the_bad_units_and_a_rerun_repairs_them(
    fault: str, copy: tuple[SweepConfig, Path], clean: tuple[Path, Path]
) -> None:
    config, store = copy
    damaged = CORRUPTIONS[fault](store)

    report = verify_store(store)
    assert report.bad == damaged
    assert not report.problems
    if fault in REASONS:
        (bad,) = report.bad_units
        assert REASONS[fault] in bad.line()

    pending, done = plan_units.fn(config)
    assert {(unit.bank, unit.chunk) for unit in pending} == damaged
    assert done == 18 - len(damaged)
    for unit, unit_hash in pending.items():
        compute_unit(config.canonical_text(), str(store), unit, unit_hash)

    assert verify_store(store).ok
    assert plan_units.fn(config)[0] == {}
    xr.testing.assert_identical(open_results(store).load(), open_results(clean[1]).load())


def test_energy_identity_is_checked(copy: tuple[SweepConfig, Path]) -> None:
    """Data written whole, with its digest, that breaks ||f||^2 = sum F_n + W_N + slack_N."""
    config, store = copy
    unit = next(u for u in config.work_units() if (u.bank, u.chunk) == (2, 2))
    result = unit_result(config, unit)
    result["feature_energy"][1, 0] = result["feature_energy"][1, 0] * 1.001
    write_unit(
        store,
        bank=2,
        chunk_index=2,
        start=unit.start,
        stop=unit.stop,
        result=result,
        unit_hash=config.unit_hash(unit),
        computation_hash=config.computation_hash(),
    )
    report = verify_store(store)
    assert report.bad == {(2, 2)}
    assert "energy identity" in report.bad_units[0].line()
    assert f"at signal {unit.start + 1}" in report.bad_units[0].line()


def test_nan_in_recorded_data_is_bad(copy: tuple[SweepConfig, Path]) -> None:
    config, store = copy
    unit = next(u for u in config.work_units() if (u.bank, u.chunk) == (1, 1))
    result = unit_result(config, unit)
    result["pruned_slack"][0, 2] = np.nan
    write_unit(
        store,
        bank=1,
        chunk_index=1,
        start=unit.start,
        stop=unit.stop,
        result=result,
        unit_hash=config.unit_hash(unit),
    )
    report = verify_store(store)
    assert report.bad == {(1, 1)}
    assert "NaN in pruned_slack" in report.bad_units[0].line()


def test_unrecorded_units_are_not_checked(copy: tuple[SweepConfig, Path]) -> None:
    """A unit that is not recorded as done is missing, not bad: verify does not flag it."""
    _config, store = copy
    records = zarr.open_array(store=os.fspath(store), path="units/unit_hash", mode="r+")
    records[3, 0] = 0
    (store / "propagated_energy" / "c" / "0" / "3" / "0").unlink()
    report = verify_store(store)
    assert report.ok
    assert report.units_recorded == 17
    assert (3, 0) not in completed_units(store)


def test_a_record_without_digest_is_bad(copy: tuple[SweepConfig, Path]) -> None:
    _config, store = copy
    digests = zarr.open_array(store=os.fspath(store), path="units/data_digest", mode="r+")
    digests[0, 0] = np.uint64(0)
    assert verify_store(store).bad == {(0, 0)}
    assert "without a data digest" in verify_store(store).bad_units[0].line()


def test_digest_is_of_the_data_as_written(clean: tuple[Path, Path]) -> None:
    """The recorded digest is unit_digest of the region read back from the store."""
    store = clean[1]
    digests = zarr.open_array(store=os.fspath(store), path="units/data_digest", mode="r")
    root = zarr.open_group(os.fspath(store), mode="r", use_consolidated=False)
    arrays = {
        name: np.asarray(root[name][3:6, 3])
        for name in ("propagated_energy", "feature_energy", "pruned_slack", "paths")
    }
    assert unit_digest(arrays) == int(digests[3, 1])
    arrays["paths"] = arrays["paths"] + 1
    assert unit_digest(arrays) != int(digests[3, 1])


def test_verify_command(copy: tuple[SweepConfig, Path], tmp_path: Path) -> None:
    _config, store = copy
    result = runner.invoke(app, ["verify", str(store)])
    assert result.exit_code == 0, result.output
    assert result.output.count("\n") == 1 and "clean" in result.output

    two_faults(store)
    result = runner.invoke(app, ["verify", str(store)])
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert len(lines) == 3
    assert "2 bad" in lines[0]
    assert lines[1].startswith("unit (bank=2, chunk=1): chunk file feature_energy/c/1/2/0 missing")
    assert lines[2].startswith("unit (bank=4, chunk=2): data does not match")

    (tmp_path / "plain").mkdir()
    result = runner.invoke(app, ["verify", str(tmp_path / "plain")])
    assert result.exit_code == 2
    assert "is not an energy-sweep store" in result.output


def test_verify_refuses_what_is_not_a_store(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="not an energy-sweep store"):
        verify_store(tmp_path / "nothing.zarr")


def test_loading_a_corrupted_chunk_fails_in_one_line_naming_the_unit(
    copy: tuple[SweepConfig, Path],
) -> None:
    _config, store = copy
    flip_chunk(store)
    results = open_results(store)
    with pytest.raises(StoreError) as caught:
        results.load()
    message = str(caught.value)
    assert "\n" not in message
    assert "propagated_energy of unit (bank=3, chunk=0) is unreadable" in message
    assert "crc32c checksum" in message
    # what does not touch the bad chunk still reads
    assert results.propagated_energy.isel(bank=2).load().notnull().all()


def test_fit_refuses_bad_units_and_warns_on_an_incomplete_store(
    copy: tuple[SweepConfig, Path], prefect_harness: None
) -> None:
    """Issue 12, defect 8: fit says what it fits. Bad units: refused before Prefect starts, one
    line naming the first bad unit. Incomplete: fitted, with one warning line counting units."""
    _config, store = copy
    records = zarr.open_array(store=os.fspath(store), path="units/unit_hash", mode="r+")
    records[3, 0] = 0  # one unit not done: incomplete, not bad
    result = runner.invoke(app, ["fit", str(store), "--replicates", "20"])
    assert result.exit_code == 0, result.output
    assert "holds 17 of 18 units: the fits cover only those" in result.output
    assert "pooled_exp_rate" in open_results(store).data_vars

    delete_chunk(store)  # unit (2, 1) recorded over a missing chunk: bad
    result = runner.invoke(app, ["fit", str(store)])
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "1 bad unit(s), first unit (bank=2, chunk=1)" in lines[0]
