"""Signal files picked up by a pattern: ``{kind: file, files: data/*.npy}``.

A ``files`` group is expanded at validation into one ``path`` group per match, sorted, relative
to the config file's folder; the spec, its canonical text and its hashes are then exactly those
of the same files listed by hand, so a new file adds signals after the existing ones.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.errors import ConfigError
from pipeline.store import completed_units, open_results
from pipeline.sweep import SweepConfig, compute_unit, create_sweep_store, load_config

LENGTH = 64


def config(tmp_path: Path, signals: list[dict[str, Any]], name: str = "sweep.yaml") -> Path:
    """A small sweep config file in ``tmp_path`` with these signal groups."""
    data = {
        "name": "files",
        "length": LENGTH,
        "signals": signals,
        "banks": [{"family": "meyer"}],
        "depth": 2,
        "chunk": 2,
        "store": "out.zarr",
    }
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def rows(path: Path, count: int, seed: int) -> np.ndarray:
    """Save ``count`` random rows of LENGTH samples to ``path``; return them."""
    path.parent.mkdir(parents=True, exist_ok=True)
    values = np.random.default_rng(seed).standard_normal((count, LENGTH))
    np.save(path, values)
    return values


def test_pattern_expands_to_sorted_path_groups_relative_to_the_config(tmp_path: Path) -> None:
    rows(tmp_path / "data" / "b.npy", 2, 1)
    rows(tmp_path / "data" / "a.npy", 3, 0)
    (tmp_path / "data" / "notes.txt").write_text("not a match")
    spec = load_config(config(tmp_path, [{"kind": "file", "files": "data/*.npy"}]))
    assert [g.path for g in spec.signals] == [
        str(tmp_path / "data" / "a.npy"),
        str(tmp_path / "data" / "b.npy"),
    ]
    assert all(g.files is None for g in spec.signals)
    assert spec.n_signals == 5
    canonical = yaml.safe_load(spec.canonical_text())  # the text pins the matched files
    assert [sorted(group) for group in canonical["signals"]] == [
        ["count", "kind", "params", "path", "seed", "variable"]
    ] * 2
    coords = spec.signal_coords()
    assert (
        list(coords["dataset"])
        == [str(tmp_path / "data" / "a.npy")] * 3 + [str(tmp_path / "data" / "b.npy")] * 2
    )
    assert list(coords["file_row"]) == [0, 1, 2, 0, 1]


def test_pattern_equals_the_files_listed_by_hand(tmp_path: Path) -> None:
    first = rows(tmp_path / "data" / "2026-12-01.npy", 3, 0)
    second = rows(tmp_path / "data" / "2026-12-02.npy", 2, 1)
    by_pattern = load_config(
        config(tmp_path, [{"kind": "white_noise", "seed": 0}, {"kind": "file", "files": "data/*"}])
    )
    listed = [{"kind": "file", "path": f"data/2026-12-0{day}.npy"} for day in (1, 2)]
    by_hand = load_config(config(tmp_path, [{"kind": "white_noise", "seed": 0}, *listed], "b.yaml"))
    assert by_pattern == by_hand
    assert by_pattern.canonical_text() == by_hand.canonical_text()
    assert by_pattern.computation_hash() == by_hand.computation_hash()
    units = by_pattern.work_units()
    assert [by_pattern.unit_hash(u) for u in units] == [by_hand.unit_hash(u) for u in units]
    loaded = by_pattern.load_signals(1, 6).values
    np.testing.assert_array_equal(loaded, np.concatenate([first, second]))
    again = SweepConfig.from_yaml(by_pattern.canonical_text())
    assert again.computation_hash() == by_pattern.computation_hash()  # (counts now explicit)


def test_a_new_file_adds_rows_after_the_existing_ones(tmp_path: Path) -> None:
    rows(tmp_path / "data" / "001.npy", 4, 0)
    path = config(tmp_path, [{"kind": "file", "files": "data/*.npy"}])
    before = load_config(path)
    rows(tmp_path / "data" / "002.npy", 2, 1)
    after = load_config(path)
    assert (before.n_signals, after.n_signals) == (4, 6)
    old = before.signal_coords()
    new = after.signal_coords()
    for name, values in old.items():
        np.testing.assert_array_equal(new[name][:4], values)
    # the units of the old rows keep their hashes: a store that grows keeps them
    assert [before.unit_hash(u) for u in before.work_units()] == [
        after.unit_hash(u) for u in after.work_units()[:2]
    ]


def test_a_fresh_store_from_a_pattern(tmp_path: Path) -> None:
    values = np.concatenate(
        [rows(tmp_path / "in" / f"part-{i}.npy", count, i) for i, count in enumerate((3, 1, 2))]
    )
    spec = load_config(config(tmp_path, [{"kind": "file", "files": "in/part-*.npy"}]))
    store = create_sweep_store(spec)
    text = spec.canonical_text()
    expected = {}
    for unit in spec.work_units():
        expected[(unit.bank, unit.chunk)] = spec.unit_hash(unit)
        compute_unit(text, store, unit, expected[(unit.bank, unit.chunk)])
    assert completed_units(store, expected) == set(expected)
    results = open_results(store)
    np.testing.assert_allclose(results.input_energy.values, np.sum(values**2, axis=1), rtol=1e-12)
    assert [Path(d).name for d in results.dataset.values] == ["part-0.npy"] * 3 + ["part-1.npy"] + [
        "part-2.npy"
    ] * 2
    assert set(results.signal_class.values) == {"file"}


@pytest.mark.parametrize(
    ("group", "field", "allowed"),
    [
        ({"kind": "file", "files": "data/none-*.npy"}, "signals[1].files", "matches no file"),
        (
            {"kind": "file", "files": "data/*.npy", "path": "data/a.npy"},
            "signals[1].path",
            "must be omitted when files is given",
        ),
        (
            {"kind": "file", "files": "data/*.npy", "count": 2},
            "signals[1].count",
            "must be omitted when files is given",
        ),
        (
            {"kind": "file", "files": "data/*.npy", "seed": 2},
            "signals[1].seed",
            "must be omitted for kind 'file'",
        ),
        (
            {"kind": "white_noise", "seed": 0, "files": "data/*.npy"},
            "signals[1].files",
            "only allowed for kind 'file'",
        ),
        ({"kind": "file"}, "signals[1].path", "or files: a glob pattern"),
    ],
)
def test_pattern_errors_name_the_field_of_the_yaml(
    tmp_path: Path, group: dict[str, Any], field: str, allowed: str
) -> None:
    rows(tmp_path / "data" / "a.npy", 2, 0)
    signals = [{"kind": "file", "files": "data/*.npy"}, group, {"kind": "white_noise", "seed": 0}]
    with pytest.raises(ConfigError) as caught:
        load_config(config(tmp_path, signals))
    message = str(caught.value)
    assert message.startswith(field) and allowed in message and "\n" not in message


def test_a_bad_file_among_the_matches_is_named(tmp_path: Path) -> None:
    rows(tmp_path / "data" / "a.npy", 2, 0)
    np.save(tmp_path / "data" / "b.npy", np.zeros((2, LENGTH + 1)))
    with pytest.raises(ConfigError, match=r"b\.npy.*rows have 65 samples"):
        load_config(config(tmp_path, [{"kind": "file", "files": "data/*.npy"}]))


def test_later_groups_keep_their_yaml_index_in_messages(tmp_path: Path) -> None:
    for name in ("a", "b", "c"):
        rows(tmp_path / "data" / f"{name}.npy", 1, 0)
    signals = [{"kind": "file", "files": "data/*.npy"}, {"kind": "bogus"}]
    with pytest.raises(ConfigError, match=r"^signals\[1\]\.kind = 'bogus'"):
        load_config(config(tmp_path, signals))


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    names=st.lists(
        st.text(alphabet="abcxyz019-_", min_size=1, max_size=6), min_size=1, max_size=5, unique=True
    ),
    counts=st.lists(st.integers(1, 3), min_size=5, max_size=5),
)
def test_rows_follow_the_sorted_file_names(
    tmp_path_factory: pytest.TempPathFactory, names: list[str], counts: list[int]
) -> None:
    folder = tmp_path_factory.mktemp("pattern")
    saved = {name: rows(folder / "d" / f"{name}.npy", c, i) for i, (name, c) in
             enumerate(zip(names, counts, strict=False))}  # fmt: skip
    spec = load_config(config(folder, [{"kind": "file", "files": "d/*.npy"}]))
    order = sorted(saved, key=lambda name: f"{name}.npy")  # the paths' order, suffix included
    expected = np.concatenate([saved[name] for name in order])
    np.testing.assert_array_equal(spec.load_signals(0, spec.n_signals).values, expected)
