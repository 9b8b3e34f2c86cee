"""Progress of long commands: a callback ``(done, total)`` that library code and flows call.

On a terminal it draws a rich bar; in a log (stderr not a terminal) it prints a plain line now and
then instead, which never wraps and never redraws. The bar appears at the first report, so that
input refused before any work prints nothing but the error, and goes away (or stays, when
``transient`` is false) when the ``with`` block ends.

The time left is estimated from unit costs, not from the recent rate of finished units (rich's
default, which sits still while the last and slowest units run): given the predicted cost of each
unit in the order they were submitted (:attr:`pipeline.sweep.estimate.CostEstimate.unit_seconds`),
after ``k`` units in ``t`` seconds the rate is ``C_k / t`` (``C_k`` the predicted cost of the
first ``k``: units start in the order submitted) and the time left ``(C - C_k) / rate``. Between
reports it counts down; before the first report it counts down from ``expected_seconds``.
Without costs every unit counts the same.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Sequence
from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)
from rich.text import Text

#: Seconds between two plain progress lines in a log.
LOG_EVERY_SECONDS = 10.0


class ProgressBar:
    """Progress on ``console``, advanced by calling it with ``(done, total)``.

    Parameters
    ----------
    label
        what is counted (``units``).
    console
        where to draw (stderr): a bar on a terminal, plain lines otherwise.
    transient
        remove the bar when done (terminal only).
    unit_costs
        predicted seconds of each unit, in the order the units were submitted.
    expected_seconds
        predicted wall time of the whole, for the time left before the first unit finishes.
    log_every
        seconds between plain lines in a log.

    Examples
    --------
    >>> import io
    >>> log = io.StringIO()
    >>> with ProgressBar("units", Console(file=log), unit_costs=[1, 1, 2]) as advance:
    ...     advance(0, 3)
    ...     advance(3, 3)
    >>> log.getvalue().splitlines()[-1].startswith("units: 3/3 done in ")
    True
    """

    def __init__(
        self,
        label: str,
        console: Console,
        *,
        transient: bool = True,
        unit_costs: Sequence[float] | None = None,
        expected_seconds: float | None = None,
        log_every: float = LOG_EVERY_SECONDS,
    ) -> None:
        self._label = label
        self._console = console
        self._costs = list(itertools.accumulate(unit_costs)) if unit_costs else None
        self._expected = expected_seconds
        self._log_every = log_every
        self._started: float | None = None
        self._logged = -float("inf")
        # time left as estimated at the last report, and when that was
        self._left: tuple[float, float] | None = None
        self._last: tuple[int, int] = (0, 0)
        self._bar: Progress | None = None
        if console.is_terminal:
            self._bar = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                _TimeLeftColumn(self),
                console=console,
                transient=transient,
            )
        self._task: TaskID | None = None

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if self._started is None:
            self._started = now
            if self._bar is not None:
                self._bar.start()
                self._task = self._bar.add_task(self._label, total=total)
        self._last = (done, total)
        left = self._estimate(done, total, now - self._started)
        self._left = None if left is None else (left, now)
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, completed=done, total=total)
        elif now - self._logged >= self._log_every or done == total:
            self._logged = now
            self._console.print(self.line(), highlight=False, markup=False, soft_wrap=True)

    def line(self) -> str:
        """``units: 4/20, 0:00:12 elapsed, ~0:01:05 left`` (or ``... done in 0:01:17``)."""
        done, total = self._last
        elapsed = _clock(time.monotonic() - (self._started or time.monotonic()))
        if total and done >= total:
            return f"{self._label}: {done}/{total} done in {elapsed}"
        return f"{self._label}: {done}/{total}, {elapsed} elapsed, {self.time_left()}"

    def time_left(self) -> str:
        """``~0:01:05 left``, counting down since the last report; ``finishing`` once the
        estimate has run out; ``time left unknown`` before anything is known."""
        if self._left is None:
            return "time left unknown"
        left, at = self._left
        remaining = left - (time.monotonic() - at)
        if remaining <= 0:
            return "finishing"
        return f"~{_clock(remaining)} left"

    def _estimate(self, done: int, total: int, elapsed: float) -> float | None:
        """Seconds left after ``done`` of ``total`` units in ``elapsed`` seconds (module doc)."""
        if done >= total:
            return 0.0
        if done == 0:
            return None if self._expected is None else max(self._expected - elapsed, 0.0)
        costs = self._costs
        if costs is None or len(costs) != total:
            costs = list(range(1, total + 1))  # every unit the same
        finished, whole = costs[done - 1], costs[-1]
        if finished <= 0 or elapsed <= 0:
            return None
        return (whole - finished) * elapsed / finished

    def __enter__(self) -> ProgressBar:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._bar is not None and self._task is not None:
            self._bar.stop()


class _TimeLeftColumn(ProgressColumn):
    """The bar's estimate of the time left (:meth:`ProgressBar.time_left`), redrawn every refresh
    so that it counts down between reports."""

    def __init__(self, bar: ProgressBar) -> None:
        super().__init__()
        self._owner = bar

    def render(self, task: Task) -> Text:
        if task.finished:
            return Text("")
        return Text(self._owner.time_left(), style="progress.remaining")


def _clock(seconds: float) -> str:
    """``H:MM:SS``."""
    whole = max(round(seconds), 0)
    return f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"
