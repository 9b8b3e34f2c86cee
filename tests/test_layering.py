"""The layers: ``pipeline`` (the library) imports neither Prefect nor ``flows``; the command line
imports Prefect only in the commands that run flows; no module sets the environment at import."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _run(code: str) -> subprocess.CompletedProcess[str]:
    """``python -c code`` in a fresh interpreter (nothing imported by this test session)."""
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300
    )


def _imported_roots(path: Path) -> set[str]:
    """Top-level names of every module a file imports, at any depth of its code."""
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


LIBRARY_FILES = sorted((ROOT / "pipeline").rglob("*.py"))


def test_the_library_has_modules() -> None:
    assert len(LIBRARY_FILES) > 10  # the walk below sees the package


@pytest.mark.parametrize("path", LIBRARY_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_library_module_imports_prefect_or_flows(path: Path) -> None:
    assert not _imported_roots(path) & {"prefect", "flows"}


def test_the_static_check_sees_nested_imports(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from prefect import flow\n    import flows.sweep as s\n")
    assert _imported_roots(sample) == {"prefect", "flows"}


def test_importing_the_library_does_not_import_prefect() -> None:
    done = _run(
        "import pipeline, pipeline.cascade, pipeline.store; import sys; "
        "assert 'prefect' not in sys.modules; assert 'flows' not in sys.modules"
    )
    assert done.returncode == 0, done.stderr


def test_the_command_line_imports_prefect_only_to_run_flows() -> None:
    done = _run(
        "import sys\n"
        "import flows.cli\n"
        "assert 'prefect' not in sys.modules, 'import flows.cli'\n"
        "assert 'distributed' not in sys.modules, 'import flows.cli'\n"
        "from typer.testing import CliRunner\n"
        "result = CliRunner().invoke(flows.cli.app, ['banks', '--length', '256'])\n"
        "assert result.exit_code == 0, result.output\n"
        "assert 'prefect' not in sys.modules, 'energy-sweep banks'\n"
        "result = CliRunner().invoke(flows.cli.app, ['report', '--help'])\n"
        "assert result.exit_code == 0, result.output\n"
        "assert 'prefect' not in sys.modules, 'energy-sweep report --help'\n"
    )
    assert done.returncode == 0, done.stderr


def test_validating_a_cluster_section_starts_nothing() -> None:
    done = _run(
        "import sys\n"
        "from flows.clusters import cluster_spec\n"
        "cluster_spec({'kind': 'slurm', 'cores': 2, 'memory': '1GB', 'walltime': '1:00:00',"
        " 'jobs': 1})\n"
        "assert 'distributed' not in sys.modules and 'prefect' not in sys.modules\n"
    )
    assert done.returncode == 0, done.stderr


def test_importing_the_flows_sets_no_environment_variable() -> None:
    done = _run(
        "import os\n"
        "before = dict(os.environ)\n"
        "import flows.sweep, flows.aggregate, flows.cli, flows.clusters\n"
        "changed = {k for k in set(before) | set(os.environ) if before.get(k) != os.environ.get(k)}\n"
        "assert not changed, changed\n"
    )
    assert done.returncode == 0, done.stderr


def test_prefect_environment_sets_defaults_for_the_block_only() -> None:
    from flows.cli.environment import PREFECT_DEFAULTS, prefect_environment

    name = "PREFECT_SERVER_ANALYTICS_ENABLED"
    saved = os.environ.pop(name, None)
    try:
        with prefect_environment():
            assert os.environ[name] == PREFECT_DEFAULTS[name]
        assert name not in os.environ
        os.environ[name] = "true"  # the user's own value wins
        with prefect_environment():
            assert os.environ[name] == "true"
        assert os.environ[name] == "true"
    finally:
        os.environ.pop(name, None)
        if saved is not None:
            os.environ[name] = saved
