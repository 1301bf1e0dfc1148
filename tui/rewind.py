"""Which step a rewind key goes to (``←`` ``→`` ``home`` ``end`` ``pgup`` ``pgdn``; see the
dashboard): the dashboard asks the runner for the run's snapshot at it and draws that."""

from __future__ import annotations

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
