"""What a sweep is, as text and hashes: the canonical YAML, the computation hash, unit hashes.

- :func:`canonical_text`: the resolved spec as YAML (keys sorted, every field explicit, counts
  resolved), stored in the store's attributes and read back by :meth:`SweepConfig.from_yaml`;
- :func:`computation_hash`: sha256 of everything that determines the sweep's numbers;
- :func:`unit_hash`: a 63-bit hash of everything that determines one work unit's numbers, so a
  rerun recomputes exactly the units whose inputs changed;
- :func:`rows_digest`: a 63-bit digest of the content of a range of signal rows (their sources,
  file rows by their data), stored per chunk so that a store grows only if the rows it holds
  are unchanged.

Numbers are normalised before hashing (``2`` and ``2.0`` hash alike); ``name``, ``store`` and
``cluster`` never enter a hash.
"""

from __future__ import annotations

import hashlib
import math
from typing import TYPE_CHECKING, Any

import yaml

import pipeline
from pipeline.cascade.critical import CRITICAL_SCHEME
from pipeline.signals.streams import canonical_json, normalised

from .banks import MODE_DEFAULTS, bank_modes, entry_payload
from .units import WorkUnit

if TYPE_CHECKING:
    from .plan import SweepPlan
    from .sources import SignalSource

__all__ = ["canonical_text", "computation_hash", "rows_digest", "unit_hash"]

_INT63_MASK = 0x7FFF_FFFF_FFFF_FFFF

#: Bytes of float64 samples hashed per read of a file group.
_DIGEST_BLOCK = 2**25


def canonical_text(plan: SweepPlan) -> str:
    """The spec as YAML, keys sorted, every field explicit (defaults and resolved counts).

    :meth:`SweepConfig.from_yaml` reads it back into an equal spec with the same hashes.
    """
    data = plan.spec.model_dump(mode="json")
    for source, group in zip(plan.sources, data["signals"], strict=True):
        group["count"] = source.count
    # the cascade modes only where they are not the defaults: a sweep that does not use them
    # reads as it did before they existed
    for name, default in MODE_DEFAULTS.items():
        if data.get(name) == default:
            del data[name]
        for bank in data["banks"]:
            if bank.get(name) is None:
                bank.pop(name, None)
    return yaml.safe_dump(data, sort_keys=True, default_flow_style=False)


def computation_hash(plan: SweepPlan) -> str:
    """sha256 (hex) over the canonical JSON of ``shape``, the signal groups (with a digest of
    the data of file groups), the expanded banks, ``depth``, ``energy_budget``, ``dtype``,
    ``chunk`` and the cascade modes that differ from their defaults (:func:`mode_payload`)."""
    spec = plan.spec
    payload = {
        "shape": list(spec.shape),
        "signals": [_group_payload(plan, source) for source in plan.sources],
        "banks": [entry_payload(e) for e in plan.banks],
        "depth": spec.depth,
        "energy_budget": float(spec.energy_budget),
        "dtype": spec.dtype,
        "chunk": spec.chunk,
        **mode_payload(plan),
    }
    return _sha256(canonical_json(payload))


def mode_payload(plan: SweepPlan) -> dict[str, Any]:
    """The sweep's ``path_rule``, ``sampling`` and ``oversampling`` where they differ from
    their defaults (so the hashes of sweeps that do not use them are unchanged, and stores of
    different modes never mix)."""
    return {
        name: normalised(getattr(plan.spec, name))
        for name, default in MODE_DEFAULTS.items()
        if getattr(plan.spec, name) != default
    }


def unit_hash(plan: SweepPlan, unit: WorkUnit) -> int:
    """A positive 63-bit hash of everything that determines the numbers of one work unit.

    It covers the bank entry, the rows' sources (for each group met: kind, parameters, seed and
    the row range in the group; record segments by position; file rows by a digest of their
    data), ``shape``, ``depth``, ``energy_budget``, ``dtype``, the cascade modes that are not
    the defaults (:func:`mode_payload`), the package version and, where the unit's bank runs in
    critical mode, the critical-sampling scheme (:data:`pipeline.cascade.critical.CRITICAL_SCHEME`):
    the first 8 bytes of a sha256, masked to ``[0, 2**63)``. Rows outside the unit do not
    enter, so changing one group leaves the other groups' units alone.
    """
    spec = plan.spec
    critical = bank_modes(plan.banks[unit.bank], plan.spec_modes())["sampling"] == "critical"
    payload = {
        "version": pipeline.__version__,
        "shape": list(spec.shape),
        "depth": spec.depth,
        "energy_budget": float(spec.energy_budget),
        "dtype": spec.dtype,
        **mode_payload(plan),
        "bank": entry_payload(plan.banks[unit.bank]),
        "rows": [
            _rows_payload(plan, source, first, last)
            for source, first, last in plan.segments(unit.start, unit.stop)
        ],
        **({"critical_scheme": CRITICAL_SCHEME} if critical else {}),
    }
    digest = hashlib.sha256(canonical_json(payload).encode()).digest()
    return int.from_bytes(digest[:8], "big") & _INT63_MASK


def rows_digest(plan: SweepPlan, start: int, stop: int) -> int:
    """A 63-bit digest, in ``[1, 2**63)``, of signal rows ``[start, stop)``: for each group they
    meet, the rows' sources as :func:`unit_hash` sees them (kind, parameters, seed, rows;
    record segments by position; file rows by a digest of their data), without the bank, the
    depth or the package version. Equal digests mean the same rows."""
    payload = [
        _rows_payload(plan, source, first, last)
        for source, first, last in plan.segments(start, stop)
    ]
    digest = hashlib.sha256(canonical_json(payload).encode()).digest()
    return (int.from_bytes(digest[:8], "big") & _INT63_MASK) or 1


def _group_payload(plan: SweepPlan, source: SignalSource) -> dict[str, Any]:
    group = source.group
    payload: dict[str, Any] = {
        "kind": group.kind,
        "count": source.count,
        "seed": group.seed,
        "params": normalised(source.params),
        "path": group.path,
        "variable": group.variable,
    }
    if source.mode == "file":
        payload["data"] = file_digest(plan, source, 0, source.count)
    return payload


def _rows_payload(plan: SweepPlan, source: SignalSource, first: int, last: int) -> dict[str, Any]:
    group = source.group
    if source.mode == "random":
        return {
            "kind": group.kind,
            "params": normalised(source.params),
            "seed": group.seed,
            "first": first,
            "rows": last - first,
        }
    if source.mode == "record":
        return {"kind": group.kind, "first": first, "rows": last - first}
    return {
        "kind": group.kind,
        "path": group.path,
        "variable": group.variable,
        "first": first,
        "rows": last - first,
        "data": file_digest(plan, source, first, last),
    }


def file_digest(plan: SweepPlan, source: SignalSource, first: int, last: int) -> str:
    """sha256 of the float64 samples of file rows ``[first, last)`` (cached in the plan)."""
    key = (source.index, first, last)
    if key not in plan.file_digests:
        digest = hashlib.sha256()
        row_bytes = 8 * math.prod(plan.spec.shape)
        step = max(1, min(plan.spec.chunk, _DIGEST_BLOCK // row_bytes))
        for a in range(first, last, step):
            rows, _ = source.rows(plan.spec.shape, a, min(last, a + step))
            digest.update(rows.astype("<f8", copy=False).tobytes())
        plan.file_digests[key] = digest.hexdigest()
    return plan.file_digests[key]


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
