"""When the dashboard draws a frame of one or several runs (no Textual here).

Python runs one thread at a time, so a frame drawn while a training loop advances a chunk
waits for it and costs many times its own work (see :mod:`softmax_tui.tui.runner`). The
clock therefore draws while every running loop is parked (:meth:`Runner.hold`): at once when
each loop is between chunks, else as soon as the last chunk in progress ends, which its
loop says by calling back from its thread (the screen turns that into a message and hands
it to :meth:`FrameClock.parked`). Frames are spaced so that drawing takes at most
``UI_SHARE`` of the time: ``FRAMES_PER_SECOND`` when a frame is cheap, fewer on a slow
machine, so that the screen never eats the training. A frame after a key (``now``) is drawn
at once, parked or not. When no run is running, a frame is drawn whenever asked.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from softmax_tui.engine import RunState

from .runner import Runner

#: 15, not 20: chosen when a frame at 120x40 cost about 10 ms (plotext's loss plot half of it),
#: and at 20 a second training ran at 0.72x its headless speed on rgb20 and 0.74x on a million
#: points, at 15 0.76x and 0.86x. With the loss plot of :mod:`.lineplot` a frame costs 5.5-7 ms
#: and at 15 a second training runs at 0.87-0.88x and 0.82-0.83x (benchmarks/ui.py,
#: 2026-11-30, a quiet machine; 20 a second not measured again)
FRAMES_PER_SECOND = 15
UI_SHARE = 0.25  # at most this share of the time goes to drawing while training runs


class FrameClock:
    """Decides when ``draw`` hands the latest snapshots of ``runners`` to the panels.

    ``draw()`` updates the panels; ``can_draw()`` says whether they are on screen;
    ``after_refresh(callback, *args)`` calls back once the screen shows what was drawn
    (Textual's ``call_after_refresh``); ``post_parked(runner)`` is called from ``runner``'s
    training thread when its loop parks for a frame that waits for it, and must lead to
    :meth:`parked` on the UI thread. Times are seconds of ``clock``."""

    def __init__(self, runners: Sequence[Runner], *, draw: Callable[[], None], can_draw: Callable[[], bool],
                 after_refresh: Callable[..., object], post_parked: Callable[[Runner], None],
                 clock: Callable[[], float] = time.perf_counter) -> None:
        self.runners = tuple(runners)
        self._draw = draw
        self._can_draw = can_draw
        self._after_refresh = after_refresh
        self._post_parked = post_parked
        self._clock = clock
        self._next_frame = 0.0
        self._parking: set[Runner] = set()  # loops a frame waits for

    def tick(self, *, now: bool = False) -> None:
        """Draw a frame if it is time (the timer), or at once (``now``, after a key)."""
        if not self._can_draw():
            return
        running = [runner for runner in self.runners if runner.state is RunState.RUNNING]
        if not running:
            self._draw()
            return
        if not now and (self._parking or self._clock() < self._next_frame):
            return
        waiting = {runner for runner in running if not runner.hold(on_parked=lambda r=runner: self._post_parked(r))}
        if waiting and not now:
            self._parking = waiting
            return
        self._frame()

    def parked(self, runner: Runner) -> None:
        """``runner``'s loop has parked for the frame that waits for it (on the UI thread)."""
        self._parking.discard(runner)
        if self._parking:
            return
        if not self._can_draw():
            self._release()
            return
        self._frame()

    def _frame(self) -> None:
        self._after_refresh(self._drawn, self._clock())
        self._draw()

    def _drawn(self, started: float) -> None:
        """The screen is updated: let training go on, and space the next frame by its cost."""
        self._release()
        cost = self._clock() - started
        self._next_frame = started + max(1 / FRAMES_PER_SECOND, cost / UI_SHARE) - 0.5 / FRAMES_PER_SECOND

    def _release(self) -> None:
        self._parking = set()
        for runner in self.runners:
            runner.release()
