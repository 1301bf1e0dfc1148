"""SIGTERM and SIGHUP as exceptions, so that work in progress is kept or cleaned up."""

from __future__ import annotations

import contextlib
import signal
import threading

#: Signals that stop a run like Ctrl+C does: a CI job's timeout, a closed SSH session.
STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)


class Stopped(Exception):
    """Raised where a :data:`STOP_SIGNALS` signal arrives, inside :func:`stop_signals_raise`."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum

    @property
    def exit_status(self) -> int:
        """128 + the signal's number, as a shell reports a process it killed (143, 129)."""
        return 128 + self.signum

    @property
    def name(self) -> str:
        return signal.Signals(self.signum).name


@contextlib.contextmanager
def _handling(handler):
    """Within it, :data:`STOP_SIGNALS` go to ``handler`` (in the main thread only: other
    threads cannot set signal handlers); the previous handlers are restored after it."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.signal(s, handler) for s in STOP_SIGNALS}
    try:
        yield
    finally:
        for s, before in previous.items():
            signal.signal(s, before)


@contextlib.contextmanager
def stop_signals_raise():
    """Within it, SIGTERM and SIGHUP raise :class:`Stopped` (in the main thread only)."""

    def stop(signum, frame):
        raise Stopped(signum)

    with _handling(stop):
        yield


@contextlib.contextmanager
def stop_signals_deferred():
    """Within it, SIGTERM and SIGHUP are only noted (work that must not be cut, such as the
    rename that saves a model, finishes); after it, the first one noted raises
    :class:`Stopped`. In the main thread only."""
    noted: list[int] = []
    with _handling(lambda signum, frame: noted.append(signum)):
        yield
    if noted:
        raise Stopped(noted[0])
