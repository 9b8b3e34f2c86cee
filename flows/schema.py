"""The JSON schema of a sweep config, ``configs/sweep.schema.json``, for editors and validators.

The spec's own schema (:class:`pipeline.sweep.SweepConfig`) with its ``cluster`` section
replaced by the union of the registered cluster backends' models (:mod:`flows.clusters`), told
apart by ``kind``. Regenerate the file with ``python -m flows.schema > configs/sweep.schema.json``.
"""

from __future__ import annotations

import json
from typing import Any

from flows.clusters import cluster_schema
from pipeline.sweep import SweepConfig
from pipeline.sweep.spec import MIN_GRID_SIZE


def config_schema() -> dict[str, Any]:
    """The JSON schema of a sweep config: the spec's, with the cluster backends' union.

    Examples
    --------
    >>> sorted(config_schema()["properties"]["cluster"]["discriminator"]["mapping"])
    ['address', 'kubernetes', 'local', 'slurm']
    """
    schema = SweepConfig.model_json_schema()
    union, definitions = cluster_schema()
    spec_cluster = schema["properties"]["cluster"]
    schema["properties"]["cluster"] = {
        "title": "Cluster",
        "description": "where the work runs: a cluster backend of flows.clusters, by kind "
        "(a mapping without kind is local)",
        **union,
    }
    # the spec's own cluster models (before the spec made ``cluster`` a plain mapping)
    for ref in spec_cluster.get("discriminator", {}).get("mapping", {}).values():
        schema["$defs"].pop(ref.rsplit("/", 1)[-1], None)
    # ``length: N`` is the YAML shorthand of ``shape: [N]``: exactly one of them
    schema["properties"]["length"] = {
        "title": "Length",
        "description": "samples N of a 1-D grid, the shorthand of shape: [N]",
        "type": "integer",
        "minimum": MIN_GRID_SIZE,
    }
    schema["required"] = [name for name in schema["required"] if name != "shape"]
    schema["oneOf"] = [{"required": ["shape"]}, {"required": ["length"]}]
    schema.setdefault("$defs", {}).update(definitions)
    schema["$defs"] = dict(sorted(schema["$defs"].items()))
    return schema


def schema_text() -> str:
    """The text of ``configs/sweep.schema.json``: :func:`config_schema`, indented, sorted keys."""
    return json.dumps(config_schema(), indent=2, sort_keys=True) + "\n"


if __name__ == "__main__":  # pragma: no cover
    print(schema_text(), end="")
