"""The benchmark harness (benchmarks/run.py) runs and reports finite numbers.

Nothing here times anything: ``--quick`` runs every group on tiny sizes in a child process, and
the test checks that each group's markdown table is printed and that every number in the JSON
rows is finite, or that a row without numbers says why (e.g. "kymatio not installed").
The ``sweep`` group is left out: it starts a Prefect server (about half a minute), and the flow
it times is tested in tests/test_sweep_flow.py.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
GROUPS = ["kymatio-1d", "fft-rate", "deep", "2d"]


@pytest.mark.slow
def test_quick_run_prints_every_table_with_finite_numbers(tmp_path):
    out = tmp_path / "results.json"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "run.py"),
            "--quick",
            "--only",
            ",".join(GROUPS),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    for group in GROUPS:
        assert f"### {group}\n" in done.stdout
    assert "Load average at start" in done.stdout and "Load average at end" in done.stdout
    payload = json.loads(out.read_text())
    rows = payload["rows"]
    assert {row["group"] for row in rows} == set(GROUPS)
    # the groups that need no peer and no other branch always measure
    assert all(row["ratio"] is not None for row in rows if row["group"] in ("fft-rate", "deep"))
    for row in rows:
        values = [row["ours"], row["peer"], row["ratio"]]
        # what was measured is a finite positive number; what was not is None, and the row
        # says why (e.g. "kymatio not installed", "no GPU: not measured")
        assert all(
            v is None or (isinstance(v, float) and math.isfinite(v) and v > 0) for v in values
        ), row
        if row["ratio"] is None:
            assert row["note"], row
        elif row["target"] is not None:
            assert row["verdict"] in ("met", "MISSED") or row["verdict"].startswith("MISSED ("), row
    assert payload["machine"]["cores"] >= 1
    assert all(math.isfinite(x) for x in payload["load_average_start"])
