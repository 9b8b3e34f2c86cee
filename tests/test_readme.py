"""The README runs as written: every ```bash and ```python block, in order, as a user types it.

The blocks run in a fresh folder holding a copy of the repository's ``configs/`` and
``deploy/``, as if it were the repository root, so that the README's relative paths (``configs/quickstart.yaml``,
``results/quickstart.zarr``) mean what they mean to a user. Three substitutions keep the test
within CI's time, and none changes a command:

- ``configs/quickstart.yaml`` and ``configs/images.yaml`` in that copy are cut down
  (:func:`small_config`: the same signal kinds, families and store path, fewer rows, fewer
  layers), so the README's ``energy-sweep run configs/quickstart.yaml`` makes a small store with
  everything the later blocks select (``white_noise`` signals, ``meyer`` banks, a ``fits``
  group);
- the install lines (``python3 -m venv .venv && . .venv/bin/activate && pip install -e ...``)
  are recognised and not run: this environment is already installed (the test runs in it, with
  its ``bin`` folder first on ``PATH``). Only lines that do nothing but make the environment and
  install this package (with extras) are skipped; what a line runs after them (``&& energy-sweep
  run ...``) is run;
- the first block that runs a sweep and the first that fits start their own temporary Prefect
  server, as a user's first commands do, and so do blocks that manage a server themselves
  (``energy-sweep server``); the later ones reach the test session's server through
  ``PREFECT_API_URL`` (:func:`own_server_blocks`), each 15-20 s sooner.

A block directly preceded by a line ``<!-- readme-test: skip (reason) -->`` is not run; the
reason must be given (commands that need a cluster, a server the test cannot start, or the test
suite itself). Every block is still syntax-checked (``bash -n``, ``compile``), skipped or not,
and every ``python`` block must print something when run as a script.

Each block is one test (they run in order and share the folder); a block after a failed one is
skipped, naming the failure.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"

#: The skip marker a block may carry on the line directly above its opening fence.
SKIP_MARKER = re.compile(r"^<!-- readme-test: skip \((?P<reason>[^)]+)\) -->$")

#: An install line: make the virtual environment, activate it, install this package (extras
#: allowed). Recognised as "already installed" and not run.
INSTALL_LINE = re.compile(
    r"^(python3 -m venv \.venv && \. \.venv/bin/activate && )?"
    r"pip install (-q )?-e (\.|'\.\[[a-z,]+\]')( && (?P<rest>.+))?$"
)


def small_config(name: str, rows: int, depth: int) -> dict:
    """configs/<name>.yaml cut down for the test: the same signal kinds, families, store path
    and cluster, at most ``rows`` rows per group in 2 chunks, at most ``depth`` layers."""
    data = yaml.safe_load((ROOT / "configs" / f"{name}.yaml").read_text(encoding="utf-8"))
    for group in data["signals"]:
        group["count"] = min(group["count"], rows)
    data["chunk"] = -(-sum(group["count"] for group in data["signals"]) // 2)
    data["depth"] = min(data["depth"], depth)
    return data


#: The configs the README runs, cut down (name -> rows per group, layers): the quickstart to 10
#: units, the images sweep to 16.
SMALL_CONFIGS = {"quickstart": (3, 4), "images": (1, 3)}


#: Seconds one block may take (a run or a fit starts Prefect's temporary server: ~20-40 s on
#: 2 free cores, minutes on a loaded machine); within pytest-timeout's 600 s per test.
BLOCK_TIMEOUT = 540


@dataclass(frozen=True)
class Block:
    """A fenced code block of the README: its language, text, first line number, skip reason."""

    language: str
    text: str
    line: int
    skip: str | None

    @property
    def name(self) -> str:
        first = next((ln for ln in self.text.splitlines() if ln.strip()), "")
        return f"L{self.line}-{self.language}-{first[:40]}"


def readme_blocks(text: str) -> list[Block]:
    """The ```bash and ```python blocks of a markdown text, in order, with their skip reasons.

    Examples
    --------
    >>> blocks = readme_blocks("a\\n```bash\\necho 1\\n```\\n<!-- readme-test: skip (x) -->\\n"
    ...                        "```python\\nprint(2)\\n```\\n")
    >>> [(b.language, b.text, b.line, b.skip) for b in blocks]
    [('bash', 'echo 1\\n', 3, None), ('python', 'print(2)\\n', 7, 'x')]
    """
    lines = text.splitlines()
    blocks = []
    index = 0
    while index < len(lines):
        fence = re.match(r"^(\s*)```(\w+)\s*$", lines[index])
        if fence is None:
            index += 1
            continue
        indent = len(fence.group(1))
        start = index
        index += 1
        body = []
        while index < len(lines) and lines[index].strip() != "```":
            body.append(lines[index][indent:] if lines[index][:indent].isspace() else lines[index])
            index += 1
        index += 1
        if fence.group(2) not in ("bash", "python"):
            continue
        marker = SKIP_MARKER.match(lines[start - 1].strip()) if start > 0 else None
        skip = marker.group("reason") if marker else None
        blocks.append(Block(fence.group(2), "\n".join(body) + "\n", start + 2, skip))
    return blocks


def runnable_bash(block: Block) -> str:
    """The block's text with its install lines left out (this environment is installed)."""
    lines = []
    for line in block.text.splitlines():
        install = INSTALL_LINE.match(line.strip())
        if install is None:
            lines.append(line + "\n")
        elif install.group("rest"):  # what the line runs after installing
            lines.append(install.group("rest") + "\n")
    return "".join(lines)


BLOCKS = readme_blocks(README.read_text(encoding="utf-8"))


def own_server_blocks(blocks: list[Block]) -> set[int]:
    """Lines of the blocks that run with no Prefect API given, so that each command starts its
    own temporary server: the first block that runs a sweep, the first that fits, and every
    block that manages a server (``energy-sweep server``). The others get the session's.

    Examples
    --------
    >>> blocks = readme_blocks("```bash\\nenergy-sweep run a.yaml\\n```\\n"
    ...                        "```bash\\nenergy-sweep run b.yaml\\nenergy-sweep fit b.zarr\\n```\\n"
    ...                        "```bash\\nenergy-sweep server start\\n```\\n")
    >>> sorted(own_server_blocks(blocks))
    [2, 5, 9]
    """
    own = {b.line for b in blocks if "energy-sweep server" in b.text}
    for command in ("energy-sweep run", "energy-sweep fit"):
        own.update(next(([b.line] for b in blocks if command in b.text), []))
    return own


OWN_SERVER_BLOCKS = own_server_blocks([b for b in BLOCKS if b.skip is None])


def test_the_readme_has_blocks_and_every_skip_names_its_reason() -> None:
    assert sum(b.language == "bash" for b in BLOCKS) >= 4
    assert sum(b.language == "python" for b in BLOCKS) >= 2
    text = README.read_text(encoding="utf-8")
    markers = [ln for ln in text.splitlines() if "readme-test" in ln]
    assert len(markers) == sum(b.skip is not None for b in BLOCKS), (
        "a readme-test marker that is not directly above a bash/python block, or malformed: "
        f"{markers}"
    )


def test_the_install_lines_are_recognised_and_nothing_else() -> None:
    assert INSTALL_LINE.match("python3 -m venv .venv && . .venv/bin/activate && pip install -e .")
    assert INSTALL_LINE.match("pip install -e '.[slurm]'")
    then = INSTALL_LINE.match("pip install -e . && energy-sweep run configs/quickstart.yaml")
    assert then and then.group("rest") == "energy-sweep run configs/quickstart.yaml"
    assert not INSTALL_LINE.match("pip install -e .; rm -rf results")
    assert not INSTALL_LINE.match("pip install requests")
    installs = [
        line
        for block in BLOCKS
        if block.language == "bash" and block.skip is None
        for line in block.text.splitlines()
        if INSTALL_LINE.match(line.strip())
    ]
    assert installs, "the README shows how to install"


@pytest.mark.parametrize("block", BLOCKS, ids=[b.name for b in BLOCKS])
def test_every_block_is_valid_syntax(block: Block) -> None:
    """Cheap, and catches a synopsis pasted as a command (``(--a | --b)``: a bash syntax error)."""
    if block.language == "python":
        compile(block.text, f"README.md:{block.line}", "exec")
        return
    checked = subprocess.run(
        ["bash", "-n"], input=block.text, capture_output=True, text=True, timeout=30
    )
    assert checked.returncode == 0, f"README.md:{block.line}: {checked.stderr}"
    for line in block.text.splitlines():
        assert not re.search(r"\[--|\(--|\|\s*--", line), f"a synopsis, not a command: {line}"


class Workspace:
    """The folder the blocks run in, and the first failure (later blocks are skipped)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.failed: str | None = None
        bin_dir = str(Path(sys.executable).parent)
        self.env = {
            **os.environ,
            "PATH": bin_dir + os.pathsep + os.environ.get("PATH", ""),
            "COLUMNS": "100",
        }


def run_in_own_group(
    command: list[str], workspace: Workspace, env: dict[str, str]
) -> subprocess.CompletedProcess:
    """Run ``command`` in the workspace, in ``env``, as its own process group; on timeout the
    whole group (the commands the block started, their Prefect servers and Dask workers) is
    killed."""
    pipes = {"stdout": subprocess.PIPE, "stderr": subprocess.PIPE}
    process = subprocess.Popen(
        command, cwd=workspace.folder, env=env, text=True, start_new_session=True, **pipes
    )
    try:
        stdout, stderr = process.communicate(timeout=BLOCK_TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        stdout, stderr = process.communicate()
        pytest.fail(
            f"timed out after {BLOCK_TIMEOUT} s: {command}\n{stdout[-2000:]}{stderr[-2000:]}"
        )
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Workspace:
    folder = tmp_path_factory.mktemp("readme")
    for name in ("configs", "deploy"):  # the configs the README names, and deploy/ examples
        shutil.copytree(ROOT / name, folder / name)
    for name, (rows, depth) in SMALL_CONFIGS.items():
        (folder / "configs" / f"{name}.yaml").write_text(
            yaml.safe_dump(small_config(name, rows, depth), sort_keys=False)
        )
    return Workspace(folder)


#: The blocks the test runs: all but those marked ``readme-test: skip (reason)``, which are
#: syntax-checked only (their own tests cover them: cluster, server and test-suite commands).
RUN_BLOCKS = [b for b in BLOCKS if b.skip is None]


@pytest.mark.slow
@pytest.mark.parametrize("block", RUN_BLOCKS, ids=[b.name for b in RUN_BLOCKS])
def test_the_readme_block_runs_as_written(
    workspace: Workspace, prefect_api_url: str, block: Block
) -> None:
    if workspace.failed is not None:
        pytest.skip(f"an earlier block failed: {workspace.failed}")
    workspace.failed = f"README.md:{block.line}"
    if block.language == "python":
        script = workspace.folder / f"readme_{block.line}.py"
        script.write_text(block.text)
        command = [sys.executable, str(script)]
    else:
        command = ["bash", "-e", "-o", "pipefail", "-c", runnable_bash(block)]
    env = workspace.env
    if block.line not in OWN_SERVER_BLOCKS:
        env = {**env, "PREFECT_API_URL": prefect_api_url}
    done = run_in_own_group(command, workspace, env)
    assert done.returncode == 0, (
        f"README.md:{block.line} exited {done.returncode}\n{block.text}\n"
        f"stdout:\n{done.stdout[-3000:]}\nstderr:\n{done.stderr[-3000:]}"
    )
    if block.language == "python":
        assert done.stdout.strip(), f"README.md:{block.line} prints nothing when run as a script"
    workspace.failed = None
