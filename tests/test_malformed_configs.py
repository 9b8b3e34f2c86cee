"""A corpus of malformed sweep configs: each refused before anything runs, in one line naming its
field, and no store created.

Each case is a YAML text (a mutation of one valid spec, or a text of its own) with the field its
message must name and a regex the message must match. Every case goes through
:func:`pipeline.sweep.load_config` (and :func:`flows.clusters.cluster_spec` for ``cluster:``
sections, as ``energy-sweep run`` does); a few go through the CLI itself (exit 2, one line).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from flows.cli import app
from flows.clusters import cluster_spec
from pipeline.errors import ConfigError, EnergySweepError
from pipeline.sweep import load_config

#: A valid spec: every case below changes one thing. ``store`` is relative, so it lands beside
#: the config file (the test checks it was never made).
VALID: dict[str, Any] = {
    "name": "corpus",
    "length": 256,
    "signals": [
        {"kind": "white_noise", "count": 4, "seed": 0},
        {"kind": "file", "path": "rows.npy"},
    ],
    "banks": [{"family": "meyer"}, {"family": "morlet", "params": {"octaves": 3}}],
    "depth": 3,
    "energy_budget": 1.0e-6,
    "chunk": 4,
    "store": "out.zarr",
    "cluster": {"kind": "local", "workers": 1},
}


def mutate(change: Callable[[dict[str, Any]], object]) -> str:
    """YAML of VALID after ``change`` edits a deep copy of it in place."""
    data = json.loads(json.dumps(VALID))
    change(data)
    return yaml.safe_dump(data, sort_keys=False)


def top(**fields: Any) -> str:
    """YAML of VALID with top-level fields replaced."""
    return mutate(lambda d: d.update(fields))


def without(name: str) -> str:
    return mutate(lambda d: d.pop(name))


def group(index: int, **fields: Any) -> str:
    """YAML of VALID with fields of ``signals[index]`` replaced (``None`` removes one)."""

    def change(d: dict[str, Any]) -> None:
        d["signals"][index].update(fields)
        d["signals"][index] = {k: v for k, v in d["signals"][index].items() if v is not None}

    return mutate(change)


def bank(index: int, **fields: Any) -> str:
    return mutate(lambda d: d["banks"][index].update(fields))


def cluster(**fields: Any) -> str:
    return mutate(lambda d: d.__setitem__("cluster", fields))


VALID_TEXT = yaml.safe_dump(VALID, sort_keys=False)

ALIAS_BOMB = (
    "".join(
        [f"a0: &a0 [{', '.join(['x'] * 9)}]\n"]
        + [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 9)]
    )
    + VALID_TEXT
)


class Case(NamedTuple):
    text: str | bytes
    field: str  # the field the message names (as it appears in the message)
    pattern: str  # a regex searched in the message
    files: dict[str, np.ndarray] | None = None  # signal files beside the config


def rows(n: int = 6, length: int = 256, bad: tuple[int, int, float] | None = None) -> np.ndarray:
    values = np.random.default_rng(0).normal(size=(n, length))
    if bad is not None:
        values[bad[0], bad[1]] = bad[2]
    return values


CASES: dict[str, Case] = {
    # ---- YAML itself
    "duplicate top-level key": Case(
        VALID_TEXT + "depth: 4\n",
        "depth",
        r"duplicate key 'depth' at line \d+ \(first at line \d+\)",
    ),
    "duplicate key in a flow mapping": Case(
        top(signals=[]).replace(
            "signals: []", "signals:\n- {kind: white_noise, count: 2, count: 3, seed: 0}"
        ),
        "count",
        r"duplicate key 'count' at line \d+",
    ),
    "duplicate key in a bank's params": Case(
        top(banks=[]).replace(
            "banks: []", "banks:\n- family: meyer\n  params:\n    dilation: 2\n    dilation: 3"
        ),
        "dilation",
        r"duplicate key 'dilation' at line \d+ \(first at line \d+\)",
    ),
    "alias bomb": Case(ALIAS_BOMB, "aliases", r"aliases \(\*name\) expand to more than 100000"),
    "nested too deep": Case(
        VALID_TEXT + "x: " + "[" * 200 + "]" * 200 + "\n", "nested", r"nested deeper than 64"
    ),
    "file over 1 MiB": Case(
        VALID_TEXT + ("#" * 1023 + "\n") * 1100, "config", r"is \d+ bytes; .* at most 1048576"
    ),
    "YAML syntax error": Case(VALID_TEXT + "depth: [1, 2\n", "YAML", r"YAML syntax error at line"),
    "tab indentation": Case(VALID_TEXT + "cluster:\n\tworkers: 2\n", "YAML", r"YAML syntax error"),
    "a list, not a mapping": Case("- 1\n- 2\n", "config", r"must hold a YAML mapping .* not list"),
    "empty file": Case("", "config", r"must hold a YAML mapping .* not NoneType"),
    "not UTF-8": Case(b"name: \xff\xfe\n", "config", r"cannot be read"),
    "unknown top-level key": Case(
        top(depht=3), "depht", r"^depht = 3: unknown key; allowed: length, name"
    ),
    # ---- the grid
    "length below 4": Case(top(length=3), "length", r"^length = 3: must be an integer >= 4"),
    "length a boolean": Case(top(length=True), "length", r"^length = True: must be an integer"),
    "length over 2**20": Case(
        top(length=2**21), "length", r"^length = 2097152: .* at most 1048576 samples on a 1-D"
    ),
    "shape over 2**22 points": Case(
        mutate(lambda d: (d.pop("length"), d.update(shape=[4096, 4096]))),
        "shape",
        r"^shape = \[4096, 4096\]: .* at most 4194304 samples on a 2-D",
    ),
    "shape with three dims": Case(
        mutate(lambda d: (d.pop("length"), d.update(shape=[8, 8, 8]))),
        "shape",
        r"^shape = .*: must hold at most 2 item",
    ),
    "length and shape": Case(top(shape=[256]), "length", r"^length = 256: must be omitted when"),
    # ---- depth, budget, chunk, dtype, name, store
    "depth 0": Case(top(depth=0), "depth", r"^depth = 0: must be >= 1"),
    "depth 65": Case(top(depth=65), "depth", r"^depth = 65: must be <= 64"),
    "depth 10**100": Case(top(depth=10**100), "depth", r"^depth = 1000.*: must be <= 64"),
    "exact depth 20": Case(
        top(depth=20, energy_budget=0.0),
        "depth",
        r"^depth = 20: must be <= 16 with energy_budget = 0: .*\(filters/2\)\*\*depth; set "
        r"energy_budget > 0",
    ),
    "depth a string": Case(top(depth="deep"), "depth", r"^depth = 'deep': must be an integer"),
    "depth a huge list": Case(
        top(depth=list(range(100_000))), "depth", r"^depth = \[0, 1, 2, .*\.\.\.: must be an"
    ),
    "budget 1": Case(top(energy_budget=1.0), "energy_budget", r"^energy_budget = 1.0: must be < 1"),
    "budget negative": Case(
        top(energy_budget=-0.1), "energy_budget", r"^energy_budget = -0.1: must be >= 0"
    ),
    "budget NaN": Case(
        VALID_TEXT.replace("energy_budget: 1.0e-06", "energy_budget: .nan"),
        "energy_budget",
        r"^energy_budget = nan: must be a finite number",
    ),
    "chunk 0": Case(top(chunk=0), "chunk", r"^chunk = 0: must be >= 1"),
    "chunk over 2**16": Case(top(chunk=2**17), "chunk", r"^chunk = 131072: must be <= 65536"),
    "chunk x samples over 2**24": Case(
        top(length=2**20, chunk=64, banks=[{"family": "meyer"}], signals=[VALID["signals"][0]]),
        "chunk",
        r"^chunk = 64: a unit of 64 signals of 1048576 samples .* use chunk <= 16",
    ),
    "dtype float16": Case(top(dtype="float16"), "dtype", r"^dtype = 'float16': must be "),
    "empty name": Case(top(name=""), "name", r"^name = '': must not be empty"),
    "empty store": Case(top(store=""), "store", r"^store = '': must not be empty"),
    "store a number": Case(top(store=3), "store", r"^store = 3: must be a string"),
    "missing banks": Case(without("banks"), "banks", r"^banks: is required but missing"),
    # ---- signals
    "no signals": Case(top(signals=[]), "signals", r"^signals = \[\]: must hold at least 1"),
    "count 10**9": Case(
        group(0, count=10**9), "signals[0].count", r"at most 10000000 signals in all"
    ),
    "count 0": Case(group(0, count=0), "signals[0].count", r"^signals\[0\].count = 0: must be >="),
    "count 2.5": Case(group(0, count=2.5), "signals[0].count", r"must be an integer"),
    "negative seed": Case(group(0, seed=-1), "signals[0].seed", r"= -1: must be >= 0"),
    "random kind without seed": Case(
        group(0, seed=None), "signals[0].seed", r"is required by 'white_noise'"
    ),
    "seed on a record": Case(
        group(0, kind="ecg", count=1), "signals[0].seed", r"must be omitted for 'ecg'"
    ),
    "unknown signal kind": Case(
        group(0, kind="pink_noise"), "signals[0].kind", r"= 'pink_noise': must be one of"
    ),
    "unknown signal parameter": Case(
        group(0, params={"colour": 1}), "signals[0].params.colour", r"is not a parameter of"
    ),
    "bandwidth out of range": Case(
        group(0, kind="band_limited", params={"bandwidth": 0.9}),
        "signals[0].params.bandwidth",
        r"= 0.9: must be",
    ),
    "too many work units": Case(
        top(
            signals=[{"kind": "white_noise", "count": 5_000_000, "seed": 0}],
            chunk=1,
            banks=[{"family": "meyer"}],
        ),
        "chunk",
        r"make 5000000 work units; at most 1048576 .* use chunk >= 5",
    ),
    # ---- files
    "missing file": Case(
        group(1, path="nowhere.npy"), "signals[1].path", r"/nowhere.npy': file not found"
    ),
    "file with NaN": Case(
        VALID_TEXT,
        "signals[1].path",
        r"/rows.npy': row 3 of the file \(signal 7 of the sweep\) holds NaN at sample 10; "
        "every sample must be finite",
        {"rows.npy": rows(bad=(3, 10, np.nan))},
    ),
    "file with Inf": Case(
        VALID_TEXT,
        "signals[1].path",
        r"row 5 of the file \(signal 9 of the sweep\) holds -Inf at sample 0",
        {"rows.npy": rows(bad=(5, 0, -np.inf))},
    ),
    "file rows of the wrong length": Case(
        VALID_TEXT,
        "signals[1].path",
        r"rows have 100 samples; they must have length = 256",
        {"rows.npy": rows(length=100)},
    ),
    "file of an unknown format": Case(
        group(1, path="rows.csv"), "signals[1].path", r"/rows.csv': must end in one of .npy"
    ),
    "file count over its rows": Case(
        group(1, count=7), "signals[1].count", r"^signals\[1\].count = 7: must be <= 6 \(rows in"
    ),
    "path on a generator": Case(
        group(0, path="x.npy"), "signals[0].path", r"/x.npy': is only allowed for kind 'file'"
    ),
    # ---- paths confined to the config's folder, the working directory and
    # ENERGY_SWEEP_ALLOWED_ROOTS (pipeline.sweep.load.confine_paths)
    "store outside the allowed folders": Case(
        top(store="/energy-sweep-elsewhere/out.zarr"),
        "store",
        r"^store = '/energy-sweep-elsewhere/out.zarr': resolves to /energy-sweep-elsewhere/out"
        r"\.zarr, outside the allowed folders \(.*\); put it under the config's folder",
    ),
    "store climbing out with ..": Case(
        top(store="../" * 40 + "energy-sweep-elsewhere.zarr"),
        "store",
        r"resolves to /energy-sweep-elsewhere.zarr, outside the allowed folders",
    ),
    "signal file outside the allowed folders": Case(
        group(1, path="/etc/hostname.npy"),
        "signals[1].path",
        r"^signals\[1\].path = '/etc/hostname.npy': resolves to /etc/hostname.npy, outside the "
        r"allowed folders .* ENERGY_SWEEP_ALLOWED_ROOTS$",
    ),
    "file pattern climbing out with ..": Case(
        group(1, path=None, files="../" * 40 + "etc/*.npy"),
        "signals[1].files",
        r"^signals\[1\].files = '.*': resolves to /etc/\*.npy, outside the allowed folders",
    ),
    "signal file climbing out with ..": Case(
        group(1, path="../" * 40 + "etc/hostname.npy"),
        "signals[1].path",
        r"resolves to /etc/hostname.npy, outside the allowed folders",
    ),
    # ---- banks
    "no banks": Case(top(banks=[]), "banks", r"^banks = \[\]: must hold at least 1"),
    "unknown family": Case(bank(0, family="haar"), "banks[0].family", r"= 'haar': must be one of"),
    "unknown bank parameter": Case(
        bank(0, params={"wobble": 1}), "banks[0].params.wobble", r"is not a parameter of family"
    ),
    "bad dilation": Case(
        bank(0, params={"dilation": [1.5, 0.5]}), "banks[0].params.dilation[1]", r"= 0.5: must"
    ),
    "grid of 2000 banks": Case(
        bank(0, params={"dilation": [1.5 + i / 1000 for i in range(2000)]}),
        "banks[0].params",
        r"at most 1024 banks in all \(this one brings them to 2000\)",
    ),
    "banks x samples over 2**24": Case(
        top(
            length=2**20,
            chunk=1,
            signals=[VALID["signals"][0]],
            banks=[{"family": "meyer", "params": {"dilation": [1.5 + i / 10 for i in range(17)]}}],
        ),
        "banks",
        r"banks x samples must be <= 16777216 .* use at most 16 banks",
    ),
    "the same bank twice": Case(
        top(banks=[{"family": "meyer"}, {"family": "meyer"}]), "banks[1].params", r"again"
    ),
    # ---- cluster (checked by flows.clusters.cluster_spec, as `run` does before starting)
    "memory_limit banana": Case(
        cluster(memory_limit="banana"),
        "cluster.memory_limit",
        r"^cluster.memory_limit = 'banana': must be 'auto' or a size with a unit",
    ),
    "memory_limit 1MB": Case(
        cluster(memory_limit="1MB"), "cluster.memory_limit", r"is 1000000 bytes; must be"
    ),
    "workers 1000": Case(
        cluster(workers=1000), "cluster.workers", r"^cluster.workers = 1000: must be <= \d+ \(4 x"
    ),
    "workers 0": Case(cluster(workers=0), "cluster.workers", r"^cluster.workers = 0: must be >= 1"),
    "unknown cluster key": Case(cluster(gpus=1), "cluster.gpus", r"= 1: unknown key; allowed"),
    "unknown cluster kind": Case(
        cluster(kind="pbs"), "cluster.kind", r"^cluster.kind = 'pbs': must be one of"
    ),
    "cluster not a mapping": Case(top(cluster=[1]), "cluster", r"^cluster = \[1\]: must be a"),
    "slurm walltime": Case(
        cluster(kind="slurm", cores=2, memory="8GB", walltime="forever", jobs=2),
        "cluster.walltime",
        r"= 'forever': must be a SLURM time",
    ),
    "slurm memory auto": Case(
        cluster(kind="slurm", cores=2, memory="auto", walltime="60", jobs=2),
        "cluster.memory",
        r"= 'auto': must be a size with a unit",
    ),
    "scheduler over http": Case(
        cluster(kind="address", address="http://h:8786"),
        "cluster.address",
        r"must be a scheduler address",
    ),
    "scheduler port 99999": Case(
        cluster(kind="address", address="tcp://h:99999"), "cluster.address", r"port 99999"
    ),
}


def _folder(tmp_path: Path, case: Case) -> Path:
    """The config (and its signal files) in a folder of their own."""
    folder = tmp_path / "sweep"
    folder.mkdir()
    for name, values in (case.files or {"rows.npy": rows()}).items():
        np.save(folder / name, values)
    config = folder / "config.yaml"
    if isinstance(case.text, bytes):
        config.write_bytes(case.text)
    else:
        config.write_text(case.text)
    return config


def _refusal(config: Path) -> str:
    """The one-line ConfigError of loading ``config`` and checking its cluster section."""
    with pytest.raises(ConfigError) as caught:
        spec = load_config(config)
        cluster_spec(spec.cluster)
    assert isinstance(caught.value, EnergySweepError)
    return str(caught.value)


def test_the_corpus_is_large_and_the_valid_spec_loads(tmp_path: Path) -> None:
    assert len(CASES) >= 50
    folder = tmp_path / "ok"
    folder.mkdir()
    np.save(folder / "rows.npy", rows())
    (folder / "config.yaml").write_text(VALID_TEXT)
    spec = load_config(folder / "config.yaml")
    assert spec.n_signals == 10 and spec.store == str(folder / "out.zarr")
    cluster_spec(spec.cluster)


@pytest.mark.parametrize("name", list(CASES))
def test_a_malformed_config_is_refused_in_one_line_naming_its_field(
    tmp_path: Path, name: str
) -> None:
    case = CASES[name]
    config = _folder(tmp_path, case)
    before = sorted(p.name for p in config.parent.iterdir())
    message = _refusal(config)
    assert "\n" not in message and len(message) < 600, message
    assert case.field in message, message
    assert re.search(case.pattern, message), message
    assert sorted(p.name for p in config.parent.iterdir()) == before  # no store, nothing new
    assert not (Path.cwd() / "out.zarr").exists()


def test_a_link_out_of_the_config_folder_is_refused_and_a_listed_root_allows_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Links are resolved before the check: a link in the config's folder to a folder outside
    is outside; listing that folder in ENERGY_SWEEP_ALLOWED_ROOTS allows it."""
    elsewhere = Path("/tmp") / f"energy-sweep-elsewhere-{tmp_path.name}"
    elsewhere.mkdir(exist_ok=True)
    try:
        config = _folder(tmp_path, Case(top(store="linked/out.zarr"), "", ""))
        (config.parent / "linked").symlink_to(elsewhere)
        monkeypatch.chdir(tmp_path)
        monkeypatch.delenv("ENERGY_SWEEP_ALLOWED_ROOTS", raising=False)
        message = _refusal(config)
        assert message.startswith("store = '"), message
        assert f"resolves to {elsewhere / 'out.zarr'}, outside the allowed" in message, message
        monkeypatch.setenv("ENERGY_SWEEP_ALLOWED_ROOTS", f"/nowhere:{elsewhere}")
        assert load_config(config).store == str(config.parent / "linked" / "out.zarr")
    finally:
        elsewhere.rmdir()


def test_the_working_directory_is_an_allowed_root_and_store_overrides_are_not_confined(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ENERGY_SWEEP_ALLOWED_ROOTS", raising=False)
    config = _folder(tmp_path, Case(top(store="../beside.zarr"), "", ""))
    monkeypatch.chdir(tmp_path)  # the config's parent: ../beside.zarr lies in it
    assert load_config(config).store == str(tmp_path / "beside.zarr")
    monkeypatch.chdir(config.parent)
    assert "outside the allowed folders" in _refusal(config)
    # a --store given on the command line is the user's own choice
    assert load_config(config, store="/energy-sweep-elsewhere.zarr").store == (
        "/energy-sweep-elsewhere.zarr"
    )


CLI_CASES = [
    "store outside the allowed folders",
    "duplicate top-level key",
    "alias bomb",
    "exact depth 20",
    "count 10**9",
    "file with NaN",
    "memory_limit banana",
    "workers 1000",
    "length over 2**20",
]


@pytest.mark.parametrize("name", CLI_CASES)
def test_run_refuses_a_malformed_config_with_exit_2_and_one_line(tmp_path: Path, name: str) -> None:
    case = CASES[name]
    config = _folder(tmp_path, case)
    before = sorted(p.name for p in config.parent.iterdir())
    result = CliRunner().invoke(app, ["run", str(config)])
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert case.field in lines[0] and re.search(case.pattern.lstrip("^"), lines[0]), lines[0]
    assert sorted(p.name for p in config.parent.iterdir()) == before
