"""Tests of pipeline.sweep: the bundled specs, pure validation and the explicit resolve step,
expansion into banks and work units, signal loading by range, n-d shapes, the hashes that decide
what is stale, overrides, files as signals, and one-line errors."""

from __future__ import annotations

import itertools
import json
import pickle
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import xarray as xr
import yaml

import pipeline
from pipeline.errors import ConfigError, EnergySweepError
from pipeline.signals import make_signals
from pipeline.sweep import BankEntry, SweepConfig, WorkUnit, load_config, resolve
from pipeline.sweep.sources import resolve_source

CONFIGS = Path(__file__).resolve().parent.parent / "configs"

#: A small valid spec; tests copy and modify it.
BASE: dict[str, Any] = {
    "name": "small",
    "length": 256,
    "signals": [
        {"kind": "ecg", "count": 2},
        {"kind": "white_noise", "count": 5, "seed": 0},
        {"kind": "band_limited", "count": 4, "seed": 100, "params": {"bandwidth": 0.1}},
        {"kind": "sobolev", "count": 3, "seed": 200, "params": {"s": 1.0}},
    ],
    "banks": [
        {"family": "meyer", "params": {"dilation": [1.5, 2.0]}},
        {"family": "random", "params": {"seed": [0, 1], "filters": 6}},
        {"family": "morlet", "params": {"octaves": 3}},
    ],
    "depth": 3,
    "energy_budget": 1e-6,
    "chunk": 4,
    "store": "results/small.zarr",
}


def spec(**changes: Any) -> dict[str, Any]:
    """A deep copy of BASE with top-level fields replaced."""
    data = json.loads(json.dumps(BASE))
    data.update(changes)
    return data


def write(tmp_path: Path, data: dict[str, Any] | str, name: str = "sweep.yaml") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False))
    return path


@pytest.fixture
def small(tmp_path: Path) -> SweepConfig:
    return load_config(write(tmp_path, spec()))


# --------------------------------------------------------------------------------------------
# the bundled specs


def test_quickstart_validates() -> None:
    cfg = load_config(CONFIGS / "quickstart.yaml")
    assert cfg.length == 1024 and cfg.shape == (1024,)
    assert cfg.store == str(
        (CONFIGS / ".." / "results" / "quickstart.zarr").resolve()
    )  # from the file
    assert cfg.cluster == {"kind": "local", "workers": 2, "threads_per_worker": 1}
    assert [e.family for e in cfg.bank_table()] == [
        "meyer",
        "gabor",
        "morlet",
        "random",
        "real_wavelet",
    ]
    assert {g.kind for g in cfg.signals} == {"ecg", "white_noise", "band_limited", "sobolev"}
    assert cfg.n_signals == 32
    assert len(cfg.work_units()) == 5 * 4
    assert cfg.chunk == 8 and cfg.energy_budget == 1e-6


def test_paper_sweep_validates() -> None:
    """The paper sweep of issue 9: exact Gabor and random banks at the depths that matter, the
    wavelets pruned, the non-analytic bank included, classes per parameter value."""
    cfg = load_config(CONFIGS / "paper_sweep.yaml")
    assert cfg.store == str((CONFIGS / ".." / "results" / "paper_sweep.zarr").resolve())
    table = cfg.bank_table()
    families = [e.family for e in table]
    assert families.count("meyer") == 3 and families.count("gabor") == 4
    # section (iii): gabor banks of one spacing whose high-pass delta (so delta/R) varies
    deltas = {e.params.get("delta") for e in table if e.family == "gabor"}
    assert {0.015625, 0.03125} <= deltas
    assert families.count("random") == 2 and families.count("real_wavelet") == 1
    coords = cfg.bank_coords()
    exact = coords["energy_budget_per_bank"] == 0
    assert all(exact[i] for i, f in enumerate(families) if f in ("gabor", "random"))
    assert (coords["depth_per_bank"] <= cfg.depth).all()
    classes = set(cfg.signal_coords()["signal_class"])
    assert classes >= {"white_noise", "band_limited", "sobolev", "chirp", "lacunary", "ecg"}
    assert "ecg_bitalino" in classes  # a second real ECG record (issue 9)
    assert len({g.params.get("s") for g in cfg.signals if g.kind == "sobolev"}) == 3
    assert np.unique(coords["bank_hash"]).size == len(families)
    long = load_config(CONFIGS / "paper_sweep_long.yaml")
    assert long.n_signals >= 200 and long.cluster["kind"] == "slurm"


def test_validation_is_pure_and_resolve_is_explicit(tmp_path: Path) -> None:
    """model_validate reads no file and builds no bank; resolve does both, once."""
    group = {"kind": "file", "path": str(tmp_path / "later.npy")}
    spec_only = SweepConfig.model_validate(spec(signals=[group]))  # the file does not exist yet
    assert spec_only.signals[0].count is None  # nothing resolved into the model
    with pytest.raises(ConfigError, match=r"^signals\[0\]\.path = .*: file not found"):
        resolve(spec_only)
    np.save(tmp_path / "later.npy", np.ones((3, 256)))
    plan = resolve(spec_only)
    assert plan.n_signals == 3 and plan.sources[0].count == 3
    assert spec_only.signals[0].count is None  # resolve does not change the spec
    assert spec_only.plan.n_signals == 3  # the spec resolves on first use


def test_spec_is_frozen(small: SweepConfig) -> None:
    with pytest.raises(ValueError, match="frozen"):
        small.depth = 9  # type: ignore[misc]


# --------------------------------------------------------------------------------------------
# banks


def test_product_expansion_count_and_order(tmp_path: Path) -> None:
    banks = [
        {"family": "meyer", "params": {"scales": [3, 4], "dilation": [1.5, 2.0, 3.0]}},
        {"family": "gabor", "params": {"spacing": [0.0625, 0.125]}},
        {"family": "real_wavelet"},
    ]
    cfg = load_config(write(tmp_path, spec(banks=banks)))
    table = cfg.bank_table()
    assert len(table) == 3 * 2 + 2 + 1
    # names sorted (dilation before scales), the last varying fastest
    assert [(e.params["dilation"], e.params["scales"]) for e in table[:6]] == [
        (1.5, 3),
        (1.5, 4),
        (2.0, 3),
        (2.0, 4),
        (3.0, 3),
        (3.0, 4),
    ]
    assert [e.params["spacing"] for e in table[6:8]] == [0.0625, 0.125]
    assert all(isinstance(e, BankEntry) for e in table)


def test_bank_table_resolves_defaults(small: SweepConfig) -> None:
    table = small.bank_table()
    assert table[0] == BankEntry("meyer", {"dilation": 1.5, "scales": table[0].params["scales"]})
    assert isinstance(table[0].params["scales"], int)
    assert table[2].params == {"filters": 6, "delta": 1 / 64, "seed": 0}
    assert table[4].params == {"octaves": 3, "per_octave": 1}
    # the table is a copy: editing it leaves the spec alone
    table[0].params["dilation"] = 9.0
    assert small.bank_table()[0].params["dilation"] == 1.5


def test_bank_coords_nan_layout(small: SweepConfig) -> None:
    coords = small.bank_coords()
    assert coords["family"].tolist() == ["meyer", "meyer", "random", "random", "morlet"]
    assert set(coords) == {
        "family",
        "bank_dilation",
        "bank_scales",
        "bank_filters",
        "bank_delta",
        "bank_seed",
        "bank_octaves",
        "bank_per_octave",
        "bank_hash",
        "depth_per_bank",
        "energy_budget_per_bank",
    }
    for name, column in coords.items():
        assert column.shape == (5,)
        if name not in ("family", "bank_hash", "depth_per_bank"):
            assert column.dtype == np.float64
    assert coords["depth_per_bank"].tolist() == [small.depth] * 5  # no entry sets its own
    nan = np.nan
    np.testing.assert_array_equal(coords["bank_dilation"], [1.5, 2.0, nan, nan, nan])
    np.testing.assert_array_equal(coords["bank_seed"], [nan, nan, 0.0, 1.0, nan])
    np.testing.assert_array_equal(coords["bank_octaves"], [nan, nan, nan, nan, 3.0])
    assert np.isnan(coords["bank_filters"][[0, 1, 4]]).all()
    assert coords["bank_hash"].dtype.kind == "U"
    assert len(set(coords["bank_hash"].tolist())) == 5


def test_bank_coords_do_not_collide_with_signal_coords(small: SweepConfig) -> None:
    # random banks have a `seed` and signals have a `seed`: one dataset must hold both
    assert not set(small.bank_coords()) & set(small.signal_coords())


def test_integral_floats_and_ints_are_the_same_bank(tmp_path: Path) -> None:
    a = load_config(write(tmp_path, spec(banks=[{"family": "meyer", "params": {"dilation": 2}}])))
    b = load_config(
        write(tmp_path, spec(banks=[{"family": "meyer", "params": {"dilation": 2.0}}]), "b.yaml")
    )
    assert a.bank_coords()["bank_hash"].tolist() == b.bank_coords()["bank_hash"].tolist()
    assert a.computation_hash() == b.computation_hash()


# --------------------------------------------------------------------------------------------
# chunks, units and signals


@pytest.mark.parametrize("chunk", [1, 3, 4, 13, 14, 100])
def test_chunks_cover_the_signal_axis(tmp_path: Path, chunk: int) -> None:
    cfg = load_config(write(tmp_path, spec(chunk=chunk)))
    chunks = cfg.signal_chunks()
    assert cfg.n_signals == 14
    assert chunks[0][0] == 0 and chunks[-1][1] == cfg.n_signals
    for (_, stop), (start, _) in itertools.pairwise(chunks):
        assert stop == start
    assert all(stop - start == chunk for start, stop in chunks[:-1])
    assert 1 <= chunks[-1][1] - chunks[-1][0] <= chunk
    units = cfg.work_units()
    assert len(units) == len(cfg.bank_table()) * len(chunks)
    assert units[0] == WorkUnit(0, 0, *chunks[0], (256,))
    assert {(u.bank, u.chunk) for u in units} == {
        (b, c) for b in range(len(cfg.bank_table())) for c in range(len(chunks))
    }
    assert all((u.start, u.stop) == chunks[u.chunk] for u in units)


def test_load_signals_range_equals_full_load(small: SweepConfig) -> None:
    full = small.load_signals(0, small.n_signals)
    assert full.dims == ("signal", "time")
    assert full.shape == (14, 256)
    assert full.dtype == np.float64
    np.testing.assert_array_equal(full.signal.values, np.arange(14))
    for start, stop in [*small.signal_chunks(), (1, 3), (5, 12), (13, 14), (0, 1)]:
        part = small.load_signals(start, stop)
        np.testing.assert_array_equal(part.values, full.values[start:stop])  # bit for bit
        assert part.equals(full.isel(signal=slice(start, stop)))
        assert list(part.coords) == list(full.coords)
    again = small.load_signals(0, small.n_signals)
    assert again.identical(full)


def test_load_signals_matches_the_generators(small: SweepConfig) -> None:
    full = small.load_signals(0, small.n_signals)
    np.testing.assert_array_equal(full.values[:2], make_signals("ecg", count=2, length=256).values)
    white = make_signals("white_noise", count=5, length=256, seed=0)
    np.testing.assert_array_equal(full.values[2:7], white.values)
    sob = make_signals("sobolev", count=3, length=256, seed=200, s=1.0)
    np.testing.assert_array_equal(full.values[11:14], sob.values)
    assert full.seed.values.tolist() == [-1, -1, 0, 0, 0, 0, 0, 100, 100, 100, 100, 200, 200, 200]
    assert full.seed_row.values.tolist() == [-1, -1, 0, 1, 2, 3, 4, 0, 1, 2, 3, 0, 1, 2]


def test_signal_coords_match_load_signals(small: SweepConfig) -> None:
    coords = small.signal_coords()
    full = small.load_signals(0, small.n_signals)
    signal_coords = [n for n, c in full.coords.items() if c.dims == ("signal",)]
    assert list(coords) == signal_coords
    for name, values in coords.items():
        assert values.shape == (small.n_signals,)
        np.testing.assert_array_equal(values, full[name].values, err_msg=name)
        assert values.dtype.kind == full[name].values.dtype.kind
    assert coords["seed"].dtype == np.int64
    assert np.isnan(coords["bandwidth"][:7]).all() and (coords["bandwidth"][7:11] == 0.1).all()
    np.testing.assert_array_equal(coords["record_offset"][:2], [0.0, 256.0])
    # every chunk carries the same coordinates, NaN where absent
    for start, stop in small.signal_chunks():
        part = small.load_signals(start, stop)
        for name, values in coords.items():
            np.testing.assert_array_equal(part[name].values, values[start:stop])


def test_load_signals_rejects_bad_ranges(small: SweepConfig) -> None:
    for start, stop in [(-1, 2), (0, 0), (3, 2), (0, 15), (14, 15)]:
        with pytest.raises(EnergySweepError):
            small.load_signals(start, stop)


def test_spec_survives_pickling(small: SweepConfig) -> None:
    clone = pickle.loads(pickle.dumps(small))
    assert clone.computation_hash() == small.computation_hash()
    assert clone.load_signals(3, 9).identical(small.load_signals(3, 9))
    assert clone.bank_table() == small.bank_table()


def test_length_is_the_1d_shape(tmp_path: Path) -> None:
    """``length: N`` and ``shape: [N]`` are one spec: same rows, units and hashes."""
    by_length = load_config(write(tmp_path, spec(), "a.yaml"))
    by_shape = load_config(write(tmp_path, _shaped([256]), "b.yaml"))
    assert by_length == by_shape and by_shape.length == 256 and by_shape.ndim == 1
    assert by_length.computation_hash() == by_shape.computation_hash()
    assert by_length.work_units() == by_shape.work_units()
    assert all(unit.shape == (256,) for unit in by_shape.work_units())
    assert by_length.load_signals(0, 14).identical(by_shape.load_signals(0, 14))
    assert "shape:\n- 256\n" in by_length.canonical_text()


def test_two_dimensional_sources(tmp_path: Path) -> None:
    """A 2-D spec validates; its generator and file groups give (rows, N1, N2) arrays."""
    images = np.random.default_rng(4).standard_normal((5, 16, 12))
    np.save(tmp_path / "images.npy", images)
    signals = [
        {"kind": "white_noise", "count": 3, "seed": 0},
        {"kind": "file", "path": str(tmp_path / "images.npy"), "count": 4},
    ]
    two_d = SweepConfig.model_validate(_shaped([16, 12], signals=signals))
    assert two_d.shape == (16, 12) and two_d.ndim == 2
    with pytest.raises(EnergySweepError, match="undefined for shape"):
        two_d.length  # noqa: B018
    sources = [
        resolve_source(i, group, two_d.shape, offset)
        for i, (group, offset) in enumerate(zip(two_d.signals, (0, 3), strict=True))
    ]
    noise, noise_coords = sources[0].rows(two_d.shape, 1, 3)
    assert noise.shape == (2, 16, 12)
    np.testing.assert_array_equal(
        noise, make_signals("white_noise", count=3, shape=(16, 12), seed=0).values[1:]
    )
    assert noise_coords["seed_row"].tolist() == [1, 2]
    rows, coords = sources[1].rows(two_d.shape, 1, 4)
    np.testing.assert_array_equal(rows, images[1:4])
    assert coords["file_row"].tolist() == [1.0, 2.0, 3.0]
    # the 1-D families refuse the grid at resolve, in one line
    message = _error(tmp_path, _shaped([16, 12], signals=signals))
    assert message.startswith("shape = (16, 12): family 'meyer' is defined on 1-D grids only")
    assert message.endswith("(in banks[0])")


def test_file_groups_must_match_the_grid(tmp_path: Path) -> None:
    np.save(tmp_path / "images.npy", np.zeros((3, 16, 8)))
    group = {"kind": "file", "path": str(tmp_path / "images.npy")}
    message = _error(tmp_path, _shaped([16, 12], signals=[group]))
    assert "rows have shape [16, 8]; they must have shape [16, 12]" in message
    message = _error(tmp_path, _signals(group))
    assert "must hold a 2-D array (rows, length), not shape (3, 16, 8)" in message
    np.save(tmp_path / "rows.npy", np.zeros((3, 16)))
    message = _error(
        tmp_path, _shaped([16, 12], signals=[{**group, "path": str(tmp_path / "rows.npy")}])
    )
    assert "must hold a 3-D array (rows, N1, N2), not shape (3, 16)" in message


# --------------------------------------------------------------------------------------------
# hashes


def test_hashes_are_stable_across_loads(tmp_path: Path) -> None:
    a = load_config(write(tmp_path, spec(), "a.yaml"))
    b = load_config(write(tmp_path, spec(), "b.yaml"))
    assert a.computation_hash() == b.computation_hash()
    assert len(a.computation_hash()) == 64
    for unit in a.work_units():
        h = a.unit_hash(unit)
        assert isinstance(h, int) and 0 <= h < 2**63
        assert h == b.unit_hash(unit)
    hashes = {a.unit_hash(u) for u in a.work_units()}
    assert len(hashes) == len(a.work_units())


def test_canonical_text_round_trips(small: SweepConfig) -> None:
    text = small.canonical_text()
    assert yaml.safe_load(text)["depth"] == 3
    assert text.index("banks:") < text.index("depth:") < text.index("signals:")  # sorted keys
    again = SweepConfig.from_yaml(text)
    assert again == small
    assert again.computation_hash() == small.computation_hash()
    assert [again.unit_hash(u) for u in again.work_units()] == [
        small.unit_hash(u) for u in small.work_units()
    ]


def test_computation_hash_ignores_name_store_cluster(tmp_path: Path) -> None:
    a = load_config(write(tmp_path, spec()))
    b = load_config(
        write(
            tmp_path,
            spec(name="other", store="x.zarr", cluster={"kind": "address", "address": "tcp://h:1"}),
            "b.yaml",
        )
    )
    assert a.computation_hash() == b.computation_hash()
    assert [a.unit_hash(u) for u in a.work_units()] == [b.unit_hash(u) for u in b.work_units()]


def _changed(tmp_path: Path, name: str, **changes: Any) -> SweepConfig:
    return load_config(write(tmp_path, spec(**changes), f"{name}.yaml"))


@pytest.mark.parametrize(
    "changes",
    [
        {"depth": 4},
        {"energy_budget": 1e-4},
        {"dtype": "float32"},
        {"length": 512},
    ],
    ids=["depth", "energy_budget", "dtype", "length"],
)
def test_hashes_change_with_the_computation(tmp_path: Path, changes: dict) -> None:
    base = _changed(tmp_path, "base")
    other = _changed(tmp_path, "other", **changes)
    assert other.computation_hash() != base.computation_hash()
    for unit in base.work_units():
        assert other.unit_hash(unit._replace(shape=other.shape)) != base.unit_hash(unit)


def test_chunk_changes_computation_hash_only(tmp_path: Path) -> None:
    base = _changed(tmp_path, "base")
    other = _changed(tmp_path, "other", chunk=7)
    assert other.computation_hash() != base.computation_hash()
    unit = WorkUnit(0, 0, 0, 4, (256,))  # the same rows and bank: the same numbers
    assert other.unit_hash(unit) == base.unit_hash(unit)


def test_bank_param_changes_only_that_banks_units(tmp_path: Path) -> None:
    base = _changed(tmp_path, "base")
    banks = spec()["banks"]
    banks[0]["params"]["dilation"] = [1.5, 3.0]  # second meyer bank changes
    other = _changed(tmp_path, "other", banks=banks)
    assert other.computation_hash() != base.computation_hash()
    for unit in base.work_units():
        same = base.unit_hash(unit) == other.unit_hash(unit)
        assert same == (unit.bank != 1), unit


def test_seed_change_touches_only_that_groups_rows(tmp_path: Path) -> None:
    base = _changed(tmp_path, "base")
    signals = spec()["signals"]
    signals[2]["seed"] = 101  # band_limited: rows 7..10
    other = _changed(tmp_path, "other", signals=signals)
    assert other.computation_hash() != base.computation_hash()
    touched = []
    for unit in base.work_units():
        overlaps = unit.start < 11 and unit.stop > 7
        assert (base.unit_hash(unit) != other.unit_hash(unit)) == overlaps, unit
        touched.append(overlaps)
    assert any(touched) and not all(touched)


def test_appending_rows_keeps_the_earlier_units(tmp_path: Path) -> None:
    base = _changed(tmp_path, "base")
    signals = spec()["signals"]
    signals[3]["count"] = 9  # sobolev grows: 14 -> 20 rows
    other = _changed(tmp_path, "other", signals=signals)
    assert other.n_signals == 20
    for unit in base.work_units():
        if unit.stop <= 12:  # full chunks before the last one
            assert other.unit_hash(unit) == base.unit_hash(unit)


def test_unit_hash_includes_the_package_version(
    small: SweepConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    unit = small.work_units()[0]
    before = small.unit_hash(unit)
    monkeypatch.setattr(pipeline, "__version__", "999.0")
    assert small.unit_hash(unit) != before
    assert len(small.computation_hash()) == 64


# --------------------------------------------------------------------------------------------
# overrides


def test_overrides(tmp_path: Path) -> None:
    path = write(tmp_path, spec())
    cfg = load_config(path, store="elsewhere.zarr", workers=6)
    assert cfg.store == "elsewhere.zarr"
    assert cfg.cluster == {"kind": "local", "workers": 6}
    cfg = load_config(path, scheduler="tcp://127.0.0.1:8786")
    assert cfg.cluster == {"kind": "address", "address": "tcp://127.0.0.1:8786"}
    cfg = load_config(path, depth=5, chunk=2, store=None, workers=None)
    assert (cfg.depth, cfg.chunk, cfg.store) == (5, 2, str(tmp_path / "results" / "small.zarr"))
    assert load_config(path).cluster == {"kind": "local"}
    assert load_config(path, length=128).shape == (128,)


def test_workers_override_per_cluster_kind(tmp_path: Path) -> None:
    slurm = {"kind": "slurm", "cores": 4, "memory": "8GB", "walltime": "01:00:00", "jobs": 2}
    cfg = load_config(write(tmp_path, spec(cluster=slurm)), workers=10)
    assert cfg.cluster == {**slurm, "jobs": 10}
    kube = {"kind": "kubernetes", "image": "energy-sweep:latest", "workers": 3}
    cfg = load_config(write(tmp_path, spec(cluster=kube), "k.yaml"), workers=8)
    assert cfg.cluster == {**kube, "workers": 8}
    address = {"kind": "address", "address": "tcp://h:8786"}
    with pytest.raises(ConfigError, match=r"^workers = 4: "):
        load_config(write(tmp_path, spec(cluster=address), "a.yaml"), workers=4)
    with pytest.raises(ConfigError, match=r"^workers = 4: "):
        load_config(write(tmp_path, spec(), "b.yaml"), workers=4, scheduler="tcp://h:1")
    with pytest.raises(ConfigError, match=r"^signals = "):
        load_config(write(tmp_path, spec(), "c.yaml"), signals=[])
    with pytest.raises(ConfigError, match=r"^depth = 0: "):
        load_config(write(tmp_path, spec(), "d.yaml"), depth=0)


def test_cluster_is_a_mapping_without_kind_local(tmp_path: Path) -> None:
    """Only ``kind`` is checked here; the backends (flows.clusters) check their own fields."""
    cfg = load_config(write(tmp_path, spec(cluster={"workers": 3, "memory_limit": "2GiB"})))
    assert cfg.cluster == {"kind": "local", "workers": 3, "memory_limit": "2GiB"}
    other = load_config(write(tmp_path, spec(cluster={"kind": "pbs", "queue": "q"}), "b.yaml"))
    assert other.cluster["kind"] == "pbs"
    assert other.computation_hash() == cfg.computation_hash()


def test_yaml_exponent_without_dot_is_a_number(tmp_path: Path) -> None:
    # YAML 1.1 (yaml.safe_load) reads `1e-6` as a string
    text = yaml.safe_dump(spec()).replace("energy_budget: 1.0e-06", "energy_budget: 1e-6")
    assert "energy_budget: 1e-6" in text
    cfg = load_config(write(tmp_path, text))
    assert cfg.energy_budget == 1e-6


# --------------------------------------------------------------------------------------------
# files as signals


def test_npy_group(tmp_path: Path) -> None:
    rows = np.random.default_rng(5).standard_normal((6, 256))
    np.save(tmp_path / "rows.npy", rows)
    signals = [
        {"kind": "white_noise", "count": 3, "seed": 0},
        {"kind": "file", "path": str(tmp_path / "rows.npy")},
    ]
    cfg = load_config(write(tmp_path, spec(signals=signals)))
    assert cfg.signals[1].count is None  # the spec is as written
    assert cfg.plan.sources[1].count == 6  # resolved: every row
    assert cfg.n_signals == 9
    full = cfg.load_signals(0, 9)
    np.testing.assert_array_equal(full.values[3:], rows)
    np.testing.assert_array_equal(cfg.load_signals(4, 7).values, rows[1:4])
    assert full.signal_class.values[3:].tolist() == ["file"] * 6
    np.testing.assert_array_equal(full.file_row.values[3:], np.arange(6.0))
    assert np.isnan(full.file_row.values[:3]).all()
    coords = cfg.signal_coords()
    for name, values in coords.items():
        np.testing.assert_array_equal(values, full[name].values, err_msg=name)
    assert "count: 6" in cfg.canonical_text()

    hashes = [cfg.unit_hash(u) for u in cfg.work_units()]
    before = cfg.computation_hash()
    changed = rows.copy()
    changed[5, 0] += 1.0  # last file row: chunk [8, 9) only (chunk = 4)
    np.save(tmp_path / "rows.npy", changed)
    again = load_config(write(tmp_path, spec(signals=signals), "again.yaml"))
    assert again.computation_hash() != before
    for unit, h in zip(again.work_units(), hashes, strict=True):
        assert (again.unit_hash(unit) != h) == (unit.start <= 8 < unit.stop), unit


def test_npy_group_count(tmp_path: Path) -> None:
    np.save(tmp_path / "rows.npy", np.ones((6, 256)))
    group = {"kind": "file", "path": str(tmp_path / "rows.npy"), "count": 2}
    cfg = load_config(write(tmp_path, spec(signals=[group])))
    assert cfg.n_signals == 2
    group["count"] = 7
    with pytest.raises(ConfigError, match=r"^signals\[0\]\.count = 7: must be <= 6"):
        load_config(write(tmp_path, spec(signals=[group]), "b.yaml"))


def test_netcdf_group(tmp_path: Path) -> None:
    rows = np.random.default_rng(1).standard_normal((5, 256))
    dataset = xr.Dataset({"sst": (("record", "t"), rows), "other": (("record",), np.arange(5.0))})
    dataset.to_netcdf(tmp_path / "rows.nc")
    group = {"kind": "file", "path": str(tmp_path / "rows.nc"), "variable": "sst", "count": 4}
    cfg = load_config(write(tmp_path, spec(signals=[group])))
    np.testing.assert_array_equal(cfg.load_signals(1, 4).values, rows[1:4])
    del group["variable"]
    with pytest.raises(
        ConfigError, match=r"^signals\[0\]\.variable = None: must name one of sst, other"
    ):
        load_config(write(tmp_path, spec(signals=[group]), "b.yaml"))


def test_zarr_group(tmp_path: Path) -> None:
    rows = np.random.default_rng(2).standard_normal((3, 256))
    xr.Dataset({"x": (("row", "t"), rows)}).to_zarr(tmp_path / "rows.zarr", consolidated=False)
    group = {"kind": "file", "path": str(tmp_path / "rows.zarr")}
    cfg = load_config(write(tmp_path, spec(signals=[group])))
    assert cfg.n_signals == 3
    np.testing.assert_array_equal(cfg.load_signals(0, 3).values, rows)


# --------------------------------------------------------------------------------------------
# errors


def _error(tmp_path: Path, data: dict[str, Any] | str) -> str:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, data))
    message = str(caught.value)
    assert "\n" not in message
    assert isinstance(caught.value, EnergySweepError)
    return message


def _signals(*groups: dict) -> dict[str, Any]:
    return spec(signals=list(groups))


def _banks(*grids: dict) -> dict[str, Any]:
    return spec(banks=list(grids))


def _shaped(shape: list[int], **changes: Any) -> dict[str, Any]:
    """BASE on the grid ``shape`` (``shape:`` instead of ``length:``)."""
    data = spec(**changes)
    del data["length"]
    return {**data, "shape": shape}


BAD: dict[str, tuple[dict[str, Any], str]] = {
    "unknown top-level key": (spec(layers=3), "layers = 3: unknown key; allowed: length, name,"),
    "missing field": ({k: v for k, v in BASE.items() if k != "depth"}, "depth: is required"),
    "unknown group key": (
        _signals({"kind": "white_noise", "seed": 0, "colour": "red"}),
        "signals[0].colour = 'red': unknown key",
    ),
    "unknown bank key": (_banks({"family": "meyer", "size": 3}), "banks[0].size = 3: unknown key"),
    "cluster not a mapping": (spec(cluster="local"), "cluster = 'local': must be a mapping"),
    "cluster kind not a string": (
        spec(cluster={"kind": 3}),
        "cluster.kind = 3: must be the name of a cluster backend",
    ),
    "unknown signal kind": (
        _signals({"kind": "pink_noise", "seed": 0}),
        "signals[0].kind = 'pink_noise': must be one of astronaut, band_limited, band_limited_image,",
    ),
    "unknown generator param": (
        _signals({"kind": "white_noise", "seed": 0, "params": {"bandwidth": 0.1}}),
        "signals[0].params.bandwidth = 0.1: is not a parameter of 'white_noise'; allowed: none",
    ),
    "missing generator param": (
        _signals({"kind": "band_limited", "seed": 0}),
        "signals[0].params.bandwidth: is required by 'band_limited'",
    ),
    "bad generator value": (
        _signals(
            {"kind": "white_noise", "seed": 0},
            {"kind": "band_limited", "seed": 0, "params": {"bandwidth": 0.7}},
        ),
        "signals[1].params.bandwidth = 0.7: must be a finite number in (0, 0.5]",
    ),
    "generator value of the wrong type": (
        _signals({"kind": "piecewise_constant", "seed": 0, "params": {"jumps": 2.5}}),
        "signals[0].params.jumps = 2.5: must be an integer",
    ),
    "non-numeric generator value": (
        _signals({"kind": "sobolev", "seed": 0, "params": {"s": "smooth"}}),
        "signals[0].params.s = 'smooth': must be a number",
    ),
    "too many octaves for the length": (
        _signals({"kind": "lacunary", "seed": 0, "params": {"octaves": 9}}),
        "signals[0].params.octaves = 9: must be an integer in [1, 5] for length = 256",
    ),
    "random group without seed": (
        _signals({"kind": "white_noise", "count": 2}),
        "signals[0].seed = None: is required by 'white_noise'",
    ),
    "negative seed": (_signals({"kind": "white_noise", "seed": -1}), "signals[0].seed = -1:"),
    "record with seed": (
        _signals({"kind": "ecg", "seed": 3}),
        "signals[0].seed = 3: must be omitted for 'ecg'",
    ),
    "record too short for length": (
        {**_signals({"kind": "nino"}), "length": 512},
        "signals[0].kind = 'nino': the record has 264 samples, fewer than length = 512",
    ),
    "record group longer than the record": (
        _signals({"kind": "ecg", "count": 5}),
        "signals[0].count = 5: must be <= 4 (the 'ecg' record has 1024 samples",
    ),
    "path on a generator": (
        _signals({"kind": "white_noise", "seed": 0, "path": "x.npy"}),
        "/x.npy': is only allowed for kind 'file'",
    ),
    "file without path": (_signals({"kind": "file"}), "signals[0].path = None: is required"),
    "missing file": (
        _signals({"kind": "file", "path": "no/such/file.npy"}),
        "/no/such/file.npy': file not found",
    ),
    "file of unknown format": (
        _signals({"kind": "file", "path": "rows.csv"}),
        "/rows.csv': must end in one of .npy",
    ),
    "count zero": (
        _signals({"kind": "white_noise", "seed": 0, "count": 0}),
        "signals[0].count = 0",
    ),
    "no signals": (spec(signals=[]), "signals = []: must hold at least 1"),
    "no banks": (spec(banks=[]), "banks = []: must hold at least 1"),
    "unknown family": (
        _banks({"family": "meyer"}, {"family": "haar"}),
        "banks[1].family = 'haar': must be one of curvelet, directional, gabor, meyer, morlet, "
        "morlet_2d, random, real_wavelet, ridgelet, shearlet, weyl_heisenberg_2d",
    ),
    "unknown family param": (
        _banks({"family": "morlet", "params": {"dilation": 2.0}}),
        "banks[0].params.dilation = 2.0: is not a parameter of family 'morlet'; allowed: octaves,",
    ),
    "bad family value in a grid": (
        _banks({"family": "meyer", "params": {"dilation": [2.0, 0.5]}}),
        "banks[0].params.dilation[1] = 0.5: must lie in (1,",
    ),
    "bank with a hole": (
        _banks({"family": "meyer", "params": {"scales": 40}}),
        "banks[0].params.scales = 40:",
    ),
    "empty grid list": (
        _banks({"family": "meyer", "params": {"dilation": []}}),
        "banks[0].params.dilation = []: must be a non-empty list",
    ),
    "boolean bank value": (
        _banks({"family": "meyer", "params": {"dilation": [1.5, True]}}),
        "banks[0].params.dilation[1] = True: must be a number, a string or null",
    ),
    "duplicate bank": (
        _banks({"family": "meyer", "params": {"dilation": [2.0, 3.0]}}, {"family": "meyer"}),
        "banks[1].params = {}: gives bank meyer",
    ),
    "depth zero": (spec(depth=0), "depth = 0: must be >= 1"),
    "depth not an integer": (spec(depth=2.5), "depth = 2.5: must be an integer"),
    "chunk zero": (spec(chunk=0), "chunk = 0: must be >= 1"),
    "budget one": (spec(energy_budget=1.0), "energy_budget = 1.0: must be < 1"),
    "negative budget": (spec(energy_budget=-0.1), "energy_budget = -0.1: must be >= 0"),
    "budget not a number": (
        spec(energy_budget="small"),
        "energy_budget = 'small': must be a number",
    ),
    "unknown dtype": (spec(dtype="float16"), "dtype = 'float16': must be 'float64' or 'float32'"),
    "length too short": (spec(length=2), "length = 2: must be an integer >= 4"),
    "length not an integer": (spec(length=256.0), "length = 256.0: must be an integer >= 4"),
    "length and shape": (spec(shape=[256]), "length = 256: must be omitted when shape is given"),
    "shape of three dims": (
        _shaped([8, 8, 8]),
        "shape = [8, 8, 8]: must hold at most 2 item(s)",
    ),
    "shape too small": (
        _shaped([64, 2]),
        "shape[1] = 2: must be >= 4",
    ),
    "1-D kind on a 2-D grid": (
        _shaped([32, 32], signals=[{"kind": "sobolev", "seed": 0, "params": {"s": 1.0}}]),
        "signals[0].kind = 'sobolev': supports grids of 1 dimension(s), not shape [32, 32]; "
        "kinds for 2-D: astronaut, band_limited_image, brick, camera, cartoon, chelsea, coffee, "
        "coins, faces, grass, gravel, hubble, moon, sobolev_image, white_noise, file",
    ),
    "not a mapping": ("- 1\n- 2\n", "must hold a YAML mapping"),
}


def test_paths_are_relative_to_the_config_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "configs"
    folder.mkdir()
    (tmp_path / "data").mkdir()
    np.save(tmp_path / "data" / "rows.npy", np.ones((3, 256)))
    data = _signals({"kind": "file", "path": "../data/rows.npy"})
    data["store"] = "out/s.zarr"
    monkeypatch.chdir(tmp_path / "data")  # the working directory plays no part
    cfg = load_config(write(folder, data))
    assert cfg.store == str(folder / "out" / "s.zarr")
    assert cfg.signals[0].path == str(tmp_path / "data" / "rows.npy")
    assert cfg.n_signals == 3
    data["signals"][0]["path"] = "rows.npy"  # beside the config: not there
    message = _error(folder, data)
    assert message == f"signals[0].path = {str(folder / 'rows.npy')!r}: file not found"


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_input_raises_one_line_config_error(tmp_path: Path, case: str) -> None:
    data, expected = BAD[case]
    message = _error(tmp_path, data)
    assert expected in message, message


def test_file_rows_of_the_wrong_length(tmp_path: Path) -> None:
    np.save(tmp_path / "rows.npy", np.zeros((4, 100)))
    message = _error(tmp_path, _signals({"kind": "file", "path": str(tmp_path / "rows.npy")}))
    assert message.startswith("signals[0].path = ")
    assert "rows have 100 samples; they must have length = 256" in message


def test_file_of_the_wrong_rank(tmp_path: Path) -> None:
    np.save(tmp_path / "rows.npy", np.zeros(256))
    message = _error(tmp_path, _signals({"kind": "file", "path": str(tmp_path / "rows.npy")}))
    assert "must hold a 2-D array (rows, length)" in message


def test_missing_config_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^config = '.*nowhere\.yaml': file not found$"):
        load_config(tmp_path / "nowhere.yaml")


def test_yaml_syntax_error_gives_the_line(tmp_path: Path) -> None:
    text = "name: x\nlength: 256\nsignals: [\n  {kind: ecg\nbanks: []\n"
    message = _error(tmp_path, text)
    assert "YAML syntax error at line" in message
    assert str(tmp_path / "sweep.yaml") in message
    text = "name: x\nlength: 256\n  depth: 3\n"
    assert "at line 3" in _error(tmp_path, text)


def test_yaml_is_read_safely(tmp_path: Path) -> None:
    text = "name: !!python/object/apply:os.system ['true']\n"
    assert "YAML syntax error" in _error(tmp_path, text)


def test_config_error_for_field() -> None:
    error = ConfigError.for_field("banks[0].family", "haar", "must be one of meyer")
    assert str(error) == "banks[0].family = 'haar': must be one of meyer"
    assert error.field == "banks[0].family"
    assert str(ConfigError("two\nlines")) == "two lines"


# --------------------------------------------------------------------------------------------
# bounded reprs, file digests taken while scanning


@pytest.mark.parametrize(
    "value",
    [0, -2.5, "abc", "q\"uo'te", [1, [2, (3,)]], {"b": 1, "a": [None, True]}, set(), {1}, (), b"x"],
)
def test_short_repr_is_repr_for_small_values(value: object) -> None:
    from pipeline.errors import _short_repr

    assert _short_repr(value) == repr(value)


def test_short_repr_of_huge_values_is_cut_without_a_full_repr() -> None:
    import time

    from pipeline.errors import _short_repr

    huge = [{"k": "v" * 10**6}] * 10**6  # a full repr would be ~10**12 characters
    start = time.perf_counter()
    text = _short_repr(huge)
    assert time.perf_counter() - start < 0.1
    assert len(text) == 80 and text.startswith("[{'k': 'vvv") and text.endswith("...")
    assert _short_repr(10**20000) == "<integer of 66439 bits>"


def test_file_digest_taken_at_resolve_equals_a_fresh_one(tmp_path: Path) -> None:
    np.save(tmp_path / "rows.npy", np.random.default_rng(1).normal(size=(9, 256)))
    cfg = load_config(write(tmp_path, _signals({"kind": "file", "path": "rows.npy"})))
    assert cfg.plan.file_digests  # kept from the finiteness scan
    kept = cfg.computation_hash()
    cfg.plan.file_digests.clear()
    assert cfg.computation_hash() == kept
