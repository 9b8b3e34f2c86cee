"""Small helpers shared by the store's modules: one-line error text, empty directories."""

from __future__ import annotations

from pathlib import Path


def one_line(error: BaseException, limit: int = 300) -> str:
    """``"Type: message"`` of ``error`` on one line, cut to ``limit`` characters.

    Examples
    --------
    >>> one_line(OSError("disk\\n  full"))
    'OSError: disk full'
    """
    text = " ".join(f"{type(error).__name__}: {error}".split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def is_empty_dir(path: Path) -> bool:
    """True if ``path`` is a directory with nothing in it."""
    return path.is_dir() and not any(path.iterdir())
