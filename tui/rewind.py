"""The rewind keys (``←`` ``→`` ``home`` ``end`` ``pgup`` ``pgdn``; see the dashboard and the
race): which step a key goes to, the pause before it, and one recomputation for a burst of
keys. The screen asks its runner for the run's snapshot at the step and draws that."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from softmax_tui.engine import RunState

if TYPE_CHECKING:
    from .runner import Loop

#: PageUp and PageDown move about this part of the run.
PAGE_FRACTION = 0.1
#: What each rewind key does: "back" and "forward" one step, "start" and "end" to step 0 and
#: the latest step, "page_back" and "page_forward" about :data:`PAGE_FRACTION` of the run.
MOVES = ("back", "forward", "start", "end", "page_back", "page_forward")


def rewind_target(move: str, shown: int, latest: int) -> int:
    """The step ``move`` (one of :data:`MOVES`) goes to from step ``shown`` of a run whose
    latest step is ``latest``, within 0..``latest``; a page is ``PAGE_FRACTION * latest``
    steps rounded, at least one. A ValueError for another move."""
    page = max(1, round(PAGE_FRACTION * latest))
    targets = {"back": shown - 1, "forward": shown + 1, "start": 0, "end": latest,
               "page_back": shown - page, "page_forward": shown + page}
    if move not in targets:
        raise ValueError(f"no rewind move {move!r}; one of {', '.join(MOVES)}")
    return min(max(targets[move], 0), latest)


def pause_to_rewind(loop: Loop) -> None:
    """Pause ``loop`` (a run, or a race's runs) if it is running and wait for the chunk in
    progress to end (:meth:`~softmax_tui.tui.runner.Loop.settle`): it ran on past the step
    last published, and a rewind key counts from the step the run stopped at."""
    if loop.state is RunState.RUNNING:
        loop.toggle()
        loop.settle()


class Coalesced:
    """``function`` called once after the events queued now (``call_later`` schedules it),
    however often it is asked for before then: the rewind keys of a burst (a held ``←``) each
    move the step asked for, and one recomputation serves them all."""

    def __init__(self, call_later: Callable[[Callable[[], None]], object], function: Callable[[], None]) -> None:
        self._call_later = call_later
        self._function = function
        self._due = False

    def request(self) -> None:
        """Have ``function`` called after the events queued now, unless that is arranged already."""
        if not self._due:
            self._due = True
            self._call_later(self._call)

    def _call(self) -> None:
        self._due = False
        self._function()
