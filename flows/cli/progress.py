"""Progress bars of long commands: a callback ``(done, total)`` that library code and flows call.

The bar appears at the first report, so that input refused before any work prints nothing but
the error, and goes away (or stays, when ``transient`` is false) when the ``with`` block ends.
"""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)


class ProgressBar:
    """A rich progress bar on stderr, advanced by calling it with ``(done, total)``.

    Examples
    --------
    >>> import io
    >>> with ProgressBar("units", Console(file=io.StringIO())) as advance:
    ...     advance(1, 2)
    ...     advance(2, 2)
    """

    def __init__(self, label: str, console: Console, *, transient: bool = True) -> None:
        self._label = label
        self._bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=console,
            transient=transient,
        )
        self._task: TaskID | None = None

    def __call__(self, done: int, total: int) -> None:
        if self._task is None:
            self._bar.start()
            self._task = self._bar.add_task(self._label, total=total)
        self._bar.update(self._task, completed=done, total=total)

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._task is not None:
            self._bar.stop()
