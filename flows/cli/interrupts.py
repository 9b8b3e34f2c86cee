"""Ctrl-C and SIGTERM during a command that runs a flow: stop in seconds, quietly, in order.

:func:`signals_interrupt` turns the first SIGINT or SIGTERM into an :class:`Interrupted`
exception raised in the main thread, wherever it is (starting Prefect, waiting for units), so
that every ``finally`` on the way out runs: the flow cancels its pending units and closes its
Dask cluster, the temporary Prefect server is stopped. From that moment Python logging and
warnings are silenced (the libraries' reports of the shutdown are not the user's business) and
later signals are ignored; a watchdog ends the process after ``grace`` seconds if the orderly
way out hangs, killing its child processes first.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
import threading
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import FrameType
from typing import Any

#: The signals a command stops on, and the exit status of each (128 + the signal's number).
SIGNALS: dict[int, int] = {signal.SIGINT: 130, signal.SIGTERM: 143}

#: Seconds the orderly way out may take before the watchdog ends the process.
GRACE_SECONDS = 15.0


class Interrupted(KeyboardInterrupt):
    """The command got SIGINT or SIGTERM (``signum``); ``exit_code`` is 130 or 143.

    A :class:`KeyboardInterrupt`, so that libraries treat it as one (Prefect marks the run
    Crashed and re-raises it rather than reporting a failure of the user's code).
    """

    def __init__(self, signum: int) -> None:
        self.signum = signum
        self.exit_code = SIGNALS.get(signum, 128 + signum)
        super().__init__(signal.Signals(signum).name)


@contextmanager
def signals_interrupt(
    last_words: Callable[[Interrupted], None], grace: float = GRACE_SECONDS
) -> Iterator[None]:
    """Within the block, the first SIGINT or SIGTERM raises :class:`Interrupted`.

    Parameters
    ----------
    last_words
        called with the exception by the watchdog if the process is still alive ``grace``
        seconds after the signal, just before it kills the process's children and exits with
        ``exit_code`` (say there what the orderly way out would have said).
    grace
        seconds allowed for the orderly way out.

    Only the main thread can install signal handlers; elsewhere the block runs unchanged.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[Interrupted] = []

    def handler(signum: int, frame: FrameType | None) -> None:
        if received:
            return  # already on the way out
        interrupted = Interrupted(signum)
        received.append(interrupted)
        logging.disable(logging.CRITICAL)
        warnings.simplefilter("ignore")
        watchdog = threading.Timer(grace, _give_up, (interrupted, last_words))
        watchdog.daemon = True
        watchdog.start()
        raise interrupted

    previous = {signum: signal.signal(signum, handler) for signum in SIGNALS}
    try:
        yield
    finally:
        if received:
            # the way out is done; later signals stay ignored until the process ends
            for signum in SIGNALS:
                signal.signal(signum, signal.SIG_IGN)
        else:
            for signum, action in previous.items():
                signal.signal(signum, action)


def _give_up(interrupted: Interrupted, last_words: Callable[[Interrupted], None]) -> None:
    """The watchdog: the orderly way out took too long; say the last words, kill the children,
    exit with the signal's status."""
    with contextlib.suppress(Exception):
        last_words(interrupted)
    with contextlib.suppress(Exception):
        sys.stdout.flush()
        sys.stderr.flush()
    kill_children()
    os._exit(interrupted.exit_code)


#: What Prefect logs when a run ends by a signal (``prefect.states``): the command says it in
#: its own line instead.
SIGNAL_CRASH_MESSAGES = (
    "Execution was aborted by an interrupt signal.",
    "Execution was aborted by a termination signal.",
)


class SignalCrashFilter(logging.Filter):
    """Drops Prefect's console reports of a run crashed by SIGINT or SIGTERM.

    Prefect catches SIGTERM itself during a flow run (it reports the run Crashed before the
    command's own handler runs); its API still records the crash, only the terminal is spared.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith("prefect"):
            return True
        text = record.getMessage()
        return not any(message in text for message in SIGNAL_CRASH_MESSAGES)


def quiet_signal_crashes() -> None:
    """Put :class:`SignalCrashFilter` on the console handlers of the root and Prefect loggers
    (after Prefect is imported: it installs them)."""
    loggers = [logging.getLogger()] + [
        logging.getLogger(name)
        for name in list(logging.root.manager.loggerDict)
        if name.startswith("prefect")
    ]
    for logger in loggers:
        for handler in getattr(logger, "handlers", []):
            if isinstance(handler, logging.StreamHandler) and not any(
                isinstance(existing, SignalCrashFilter) for existing in handler.filters
            ):
                handler.addFilter(SignalCrashFilter())


def reap_children(grace: float = 3.0) -> None:
    """Wait up to ``grace`` seconds for this process's descendants to end, then kill the rest:
    a command leaves nothing running behind it (worker processes of a cluster it closed may
    still be exiting when it returns). Python's ``multiprocessing`` resource tracker is left
    alone: it ends by itself when this process does, and cleans up after it."""
    with contextlib.suppress(Exception):
        import psutil

        children = [
            child
            for child in psutil.Process().children(recursive=True)
            if not _is_resource_tracker(child)
        ]
        _, alive = psutil.wait_procs(children, timeout=grace)
        for child in alive:
            with contextlib.suppress(psutil.Error):
                child.kill()
        psutil.wait_procs(alive, timeout=grace)


def _is_resource_tracker(process: Any) -> bool:
    """Whether ``process`` (a ``psutil.Process``) is ``multiprocessing``'s resource tracker."""
    try:
        return any("resource_tracker" in part for part in process.cmdline())
    except Exception:
        return False


def kill_children() -> None:
    """SIGKILL every process descended from this one (Dask workers, a temporary server)."""
    with contextlib.suppress(Exception):
        import psutil

        for child in psutil.Process().children(recursive=True):
            with contextlib.suppress(psutil.Error):
                child.kill()
