"""Stores that grow: a rerun whose config adds rows, a group, a bank or layers extends the store.

Each test builds a real store from a config, grows the config, reruns (the flow's own schema
step and planning, every pending unit computed as the flow computes it), and compares the grown
store with a store built in one go from the final config: every variable and coordinate, the
records and digests, and every attribute but the three that tell stores apart (``store_id``,
``created``, ``provenance``). Kept units keep their chunk files byte for byte; only new or
filled units run. What cannot grow is refused with what differs, the store untouched.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import xarray as xr
import yaml
import zarr

from flows.sweep import plan_units
from pipeline.errors import StoreMismatchError
from pipeline.store import LAYER_VARIABLES, store_id, verify_store
from pipeline.sweep import compute_unit, create_sweep_store, load_config

#: Attributes in which a grown store legitimately differs from one built in one go.
DIFFERING_ATTRS = ("store_id", "created", "provenance")

BASE: dict[str, Any] = {
    "name": "grow",
    "length": 64,
    "depth": 2,
    "energy_budget": 0.0,
    "chunk": 4,
    "signals": [{"kind": "white_noise", "count": 6, "seed": 0}],
    "banks": [{"family": "meyer"}],
}


def sweep(folder: Path, store: Path, spec: dict[str, Any]) -> set[tuple[int, int]]:
    """Run ``spec`` on ``store`` as the flow does (schema, planning, pending units); return the
    units computed."""
    path = folder / f"sweep-{len(list(folder.glob('sweep-*.yaml')))}.yaml"
    path.write_text(yaml.safe_dump({**spec, "store": str(store)}))
    config = load_config(path)
    create_sweep_store(config)
    pending, _ = plan_units.fn(config)
    identity = store_id(store)
    for unit, unit_hash in pending.items():
        compute_unit(config.canonical_text(), config.store, unit, unit_hash, identity)
    return {(unit.bank, unit.chunk) for unit in pending}


def chunk_files(store: Path) -> dict[str, bytes]:
    """Every chunk file of the data variables and records, by key."""
    return {
        str(path.relative_to(store)): path.read_bytes()
        for path in store.rglob("*")
        if path.is_file() and "/c/" in f"/{path.relative_to(store)}" and "fits" not in path.parts
    }


def assert_same_store(grown: Path, one_go: Path) -> None:
    """Every variable, coordinate and attribute equal, but :data:`DIFFERING_ATTRS`."""
    have, want = xr.open_zarr(grown).load(), xr.open_zarr(one_go).load()
    for dataset, path in ((have, grown), (want, one_go)):
        for name in DIFFERING_ATTRS:
            dataset.attrs.pop(name)
        # the config names its store's path: the same config but for that field
        config = yaml.safe_load(dataset.attrs["config"])
        assert config.pop("store") == str(path)
        dataset.attrs["config"] = config
    xr.testing.assert_identical(have, want)
    for name in ("unit_hash", "data_digest", "rows_digest"):
        np.testing.assert_array_equal(
            zarr.open_array(str(grown / "units" / name))[...],
            zarr.open_array(str(one_go / "units" / name))[...],
        )
    assert verify_store(grown).ok, verify_store(grown).lines()


def grow(spec: dict[str, Any], change) -> dict[str, Any]:
    grown = copy.deepcopy(spec)
    change(grown)
    return grown


def more_rows(spec: dict[str, Any]) -> None:
    spec["signals"][-1]["count"] = 10  # the short last chunk [4, 6) fills, chunk [8, 10) is new


def new_group(spec: dict[str, Any]) -> None:
    spec["signals"].append(
        {"kind": "band_limited", "count": 3, "seed": 1, "params": {"bandwidth": 0.2}}
    )


def new_bank(spec: dict[str, Any]) -> None:
    spec["banks"].append({"family": "gabor", "params": {"spacing": 0.125}})


def deeper(spec: dict[str, Any]) -> None:
    spec["depth"] = 3


def everything(spec: dict[str, Any]) -> None:
    for change in (more_rows, new_group, new_bank):
        change(spec)


GROWTHS = {
    "rows": (more_rows, {(0, 1), (0, 2)}),
    "group": (new_group, {(0, 1), (0, 2)}),  # 6 + 3 rows: chunk [4, 8) fills, [8, 9) is new
    "bank": (new_bank, {(1, 0), (1, 1)}),
    "depth": (deeper, {(0, 0), (0, 1)}),
    "rows, group and bank": (
        everything,
        {(0, 1), (0, 2), (0, 3), (1, 0), (1, 1), (1, 2), (1, 3)},
    ),
}


@pytest.mark.parametrize("growth", sorted(GROWTHS))
def test_a_grown_store_equals_one_built_in_one_go(tmp_path: Path, growth: str) -> None:
    change, new_units = GROWTHS[growth]
    store = tmp_path / "grown.zarr"
    assert sweep(tmp_path, store, BASE) == {(0, 0), (0, 1)}
    identity = store_id(store)
    before = chunk_files(store)

    final = grow(BASE, change)
    assert sweep(tmp_path, store, final) == new_units  # only new (or filled) units run
    assert sweep(tmp_path, tmp_path / "one-go.zarr", final)  # reference
    assert_same_store(store, tmp_path / "one-go.zarr")

    after = chunk_files(store)
    if growth != "depth":  # unit (0, 0) is kept: its chunk files unchanged, byte for byte
        unit_zero = [
            f"{name}/c/{key}"
            for name, key in [(v, "0/0/0") for v in LAYER_VARIABLES]
            + [("input_energy", "0"), ("radial_power", "0/0")]
        ]
        assert all(after[key] == before[key] for key in unit_zero)
    assert store_id(store) == identity  # the same store, grown
    assert sweep(tmp_path, store, final) == set()  # and complete


def test_provenance_says_which_run_added_what(tmp_path: Path) -> None:
    store = tmp_path / "grown.zarr"
    sweep(tmp_path, store, BASE)
    sweep(tmp_path, store, grow(BASE, new_bank))
    sweep(tmp_path, store, grow(grow(BASE, new_bank), deeper))
    provenance = xr.open_zarr(store).attrs["provenance"]
    assert [entry["action"] for entry in provenance] == ["created", "grown", "grown"]
    assert [entry["banks"] for entry in provenance] == [[0, 1], [1, 2], [2, 2]]
    assert [entry["layers"] for entry in provenance] == [[0, 3], [3, 3], [3, 4]]
    assert [entry["signals"] for entry in provenance] == [[0, 6], [6, 6], [6, 6]]
    assert len({entry["run"] for entry in provenance}) == 3
    assert provenance[-1]["computation_hash"] == xr.open_zarr(store).attrs["computation_hash"]
    assert all(entry["time"].endswith("Z") for entry in provenance)


def test_the_fits_group_is_not_carried(tmp_path: Path) -> None:
    store = tmp_path / "grown.zarr"
    sweep(tmp_path, store, BASE)
    zarr.open_group(str(store), mode="r+").create_group("fits")
    sweep(tmp_path, store, grow(BASE, new_bank))
    assert "fits" not in zarr.open_group(str(store), mode="r")


def write_rows(path: Path, seed: int, rows: int = 6) -> Path:
    np.save(path, np.random.default_rng(seed).standard_normal((rows, 64)))
    return path


def changed_budget(spec: dict[str, Any], folder: Path) -> str:
    spec["energy_budget"] = 1e-6
    return "energy_budget=0.0 (asked 1e-06)"


def changed_bank_parameter(spec: dict[str, Any], folder: Path) -> str:
    spec["banks"] = [{"family": "meyer", "params": {"dilation": 3}}]
    return "bank coordinate 'bank_dilation' differs (first at bank 0: 2.0 vs asked 3.0)"


def rows_before_the_end(spec: dict[str, Any], folder: Path) -> str:
    spec["signals"].insert(0, {"kind": "white_noise", "count": 2, "seed": 5})
    return "signal coordinate"


def changed_seed(spec: dict[str, Any], folder: Path) -> str:
    spec["signals"][0]["seed"] = 1
    return "signal coordinate 'seed' differs (first at signal 0: 0 vs asked 1)"


def fewer_rows(spec: dict[str, Any], folder: Path) -> str:
    spec["signals"][0]["count"] = 4
    return "n_signals=6 (asked 4): a store never shrinks"


def shallower(spec: dict[str, Any], folder: Path) -> str:
    spec["depth"] = 1
    return "depth=2 (asked 1): a store never shrinks"


def other_chunk(spec: dict[str, Any], folder: Path) -> str:
    spec["chunk"] = 3
    return "chunk=4 (asked 3)"


def rewritten_file(spec: dict[str, Any], folder: Path) -> str:
    write_rows(folder / "rows.npy", seed=99)  # same path, same shape, other numbers
    spec["signals"][-1]["count"] = 6  # and a harmless change, so the store would grow
    spec["banks"].append({"family": "gabor", "params": {"spacing": 0.125}})
    return "the content of 2 stored chunk(s) of signals changed, first rows 0..3"


REFUSALS = {
    "budget": changed_budget,
    "bank parameter": changed_bank_parameter,
    "rows before the end": rows_before_the_end,
    "seed": changed_seed,
    "fewer rows": fewer_rows,
    "shallower": shallower,
    "chunk": other_chunk,
    "file content": rewritten_file,
}


@pytest.mark.parametrize("refusal", sorted(REFUSALS))
def test_what_cannot_grow_is_refused_naming_it_and_untouched(tmp_path: Path, refusal: str) -> None:
    spec = copy.deepcopy(BASE)
    if refusal == "file content":
        spec["signals"] = [{"kind": "file", "path": str(write_rows(tmp_path / "rows.npy", 0))}]
    store = tmp_path / "store.zarr"
    sweep(tmp_path, store, spec)
    before = {str(p): p.read_bytes() for p in store.rglob("*") if p.is_file()}
    expected = REFUSALS[refusal](spec, tmp_path)
    with pytest.raises(StoreMismatchError) as refused:
        sweep(tmp_path, store, spec)
    message = str(refused.value)
    assert "\n" not in message
    assert message.startswith(f"store {store} cannot grow into this sweep: ")
    assert expected in message, message
    assert message.endswith("use a new --store or --overwrite")
    assert {str(p): p.read_bytes() for p in store.rglob("*") if p.is_file()} == before
    assert sorted(os.listdir(tmp_path)) == sorted(
        name for name in os.listdir(tmp_path) if not name.startswith(".")
    )  # no staging directory left behind


@pytest.mark.slow
def test_cli_run_grows_the_store_and_says_what_it_added(
    tmp_path: Path, prefect_harness: None
) -> None:
    from typer.testing import CliRunner

    from flows.cli import app

    store = tmp_path / "store.zarr"
    cluster = {"kind": "local", "workers": 1, "threads_per_worker": 2}
    runner = CliRunner()
    for spec, said in (
        (BASE, "2 done, 0 skipped, 0 failed (of 2)"),
        (grow(BASE, new_bank), "2 done, 2 skipped, 0 failed (of 4)"),
    ):
        config = tmp_path / "sweep.yaml"
        config.write_text(yaml.safe_dump({**spec, "store": str(store), "cluster": cluster}))
        result = runner.invoke(app, ["run", str(config)])
        assert result.exit_code == 0, result.output
        assert said in result.output, result.output
    assert "store grown: banks 1..1 added" in result.output
    assert [e["action"] for e in xr.open_zarr(store).attrs["provenance"]] == ["created", "grown"]
    assert verify_store(store).ok
