"""Save and compare xarray Datasets as plain ``.npz`` + ``.json`` (no pickles), for golden files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import xarray as xr


def _plain(value: object) -> object:
    """An attribute value as JSON: numbers, strings, lists; anything else as its str."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()]
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, bool | int | float | str) or value is None:
        return value
    return str(value)


def _array(values: np.ndarray) -> np.ndarray:
    if values.dtype.kind in "OTU":
        return np.asarray([str(v) for v in values.ravel()], dtype=str).reshape(values.shape)
    return values


def save_dataset(dataset: xr.Dataset, stem: Path) -> None:
    """``stem.npz`` holds every variable and coordinate; ``stem.json`` their dims and the attrs."""
    arrays = {}
    meta: dict[str, object] = {"attrs": _plain(dict(dataset.attrs)), "variables": {}}
    for name, variable in dataset.variables.items():
        arrays[str(name)] = _array(np.asarray(variable.values))
        meta["variables"][str(name)] = {  # type: ignore[index]
            "dims": list(variable.dims),
            "attrs": _plain(dict(variable.attrs)),
        }
    np.savez_compressed(stem.with_suffix(".npz"), **arrays)
    stem.with_suffix(".json").write_text(json.dumps(meta, indent=1, sort_keys=True))


def load_golden(stem: Path) -> tuple[dict[str, tuple[list[str], np.ndarray]], dict]:
    """``{name: (dims, values)}`` and the dataset attributes saved by :func:`save_dataset`."""
    meta = json.loads(stem.with_suffix(".json").read_text())
    with np.load(stem.with_suffix(".npz"), allow_pickle=False) as data:
        arrays = {name: (info["dims"], data[name]) for name, info in meta["variables"].items()}
    return arrays, meta["attrs"]


def compare(
    stem: Path, dataset: xr.Dataset, *, rtol: float = 1e-12, skip: tuple[str, ...] = ()
) -> dict[str, float]:
    """Assert every golden variable of ``stem`` equals ``dataset``'s (dims matched by name).

    Numbers to ``rtol`` (NaN where NaN), strings and integers exactly. Returns the largest
    relative difference per float variable (0.0 where bit for bit).
    """
    golden, _ = load_golden(stem)
    worst: dict[str, float] = {}
    for name, (dims, want) in golden.items():
        if name in skip:
            continue
        assert name in dataset.variables, f"{stem.name}: {name} is missing"
        have_var = dataset.variables[name]
        assert set(have_var.dims) == set(dims), (
            f"{stem.name}: {name} dims {have_var.dims} != {dims}"
        )
        have = _array(np.asarray(have_var.transpose(*dims).values))
        assert have.shape == want.shape, f"{stem.name}: {name} shape {have.shape} != {want.shape}"
        if want.dtype.kind in "fc":
            np.testing.assert_allclose(
                have, want, rtol=rtol, atol=0, equal_nan=True, err_msg=f"{stem.name}: {name}"
            )
            both = np.isfinite(want) & (want != 0)
            diff = np.abs(have[both] - want[both]) / np.abs(want[both])
            worst[name] = float(diff.max()) if diff.size else 0.0
        else:
            np.testing.assert_array_equal(have, want, err_msg=f"{stem.name}: {name}")
    return worst
