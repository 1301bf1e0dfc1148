"""Which thread count makes an evaluation faster, found by timing evaluations as they run.

No fixed rule can say: on a 2-core machine, at (20000, 100, 10) two threads took 0.56x the
time of one with the machine idle and 1.09x beside one CPU-bound process; at (20000, 128, 3)
0.77x and 1.08x (``benchmarks/engine.py --evaluation --compete``). What is free changes while
a run goes on (another process, the dashboard drawing, a second run), so the choice is made
from the run's own evaluations and made again as they go: a bandit that tries each count a
few times, then uses the fastest and times the others again now and then (more often just
after a choice, when it rests on only a few times). The result of an
evaluation does not depend on its thread count (the blocks' sums are added in block order),
so the choice only ever changes the time.
"""

from __future__ import annotations

import collections


class ThreadChoice:
    """Chooses among ``candidates`` (thread counts) by the wall-clock seconds of evaluations.

    Call :meth:`next` before an evaluation that should be timed and :meth:`record` after it.
    The first ``samples`` evaluations per candidate try each in turn; after that each
    evaluation uses :attr:`chosen` (least median of each candidate's last ``samples``
    times), except for rechecks, which time another candidate again (in turn): one
    ``first_recheck`` evaluations after the choice was made or changed, then at intervals
    doubling up to ``longest_recheck``, so that a choice made on noisy first times is
    mended early and a change in the machine's load is followed within a few rechecks,
    while rechecks cost at most ``1/longest_recheck`` of the difference later on (at the
    default 16: 2% of the time when the other count is 1.3x slower, 5% when it is 1.85x
    slower, as one thread is at (60000, 784, 10) with a core free). Not locked: under the GIL concurrent callers only mix their
    samples (a rewind's private copy of a trainer shares its objectives, and evaluates
    only while the trainer is paused).
    """

    def __init__(self, candidates: tuple[int, ...], *, samples: int = 5, first_recheck: int = 4,
                 longest_recheck: int = 16) -> None:
        if len(candidates) < 2 or len(set(candidates)) != len(candidates):
            raise ValueError(f"candidates must be two or more distinct thread counts, got {candidates!r}")
        if min(samples, first_recheck, longest_recheck) < 1:
            raise ValueError("samples, first_recheck and longest_recheck must be at least 1")
        self.candidates = candidates
        self._times = {c: collections.deque(maxlen=samples) for c in candidates}
        self._first_recheck, self._longest_recheck = first_recheck, longest_recheck
        self._count = 0  # timed evaluations asked for
        self._rechecks = 0
        self._interval = first_recheck
        self._due = 0  # the count at which the next recheck is made
        self._last_chosen: int | None = None

    @property
    def chosen(self) -> int:
        """The candidate with the least median time so far (the first one before any time)."""
        timed = [c for c in self.candidates if self._times[c]]
        if not timed:
            return self.candidates[0]
        return min(timed, key=lambda c: _median(self._times[c]))

    def next(self) -> int:
        """The thread count for the next timed evaluation."""
        self._count += 1
        fewest = min(self.candidates, key=lambda c: len(self._times[c]))
        if len(self._times[fewest]) < self._times[fewest].maxlen:
            return fewest
        chosen = self.chosen
        if chosen != self._last_chosen:  # a new choice: recheck it soon
            self._last_chosen, self._interval = chosen, self._first_recheck
            self._due = self._count + self._interval
        if self._count < self._due:
            return chosen
        self._interval = min(2 * self._interval, self._longest_recheck)
        self._due = self._count + self._interval
        others = [c for c in self.candidates if c != chosen]
        self._rechecks += 1
        return others[self._rechecks % len(others)]

    def record(self, threads: int, seconds: float) -> None:
        """One evaluation on ``threads`` threads took ``seconds`` (wall clock)."""
        self._times[threads].append(seconds)


def _median(times) -> float:
    """The middle of ``times`` (the upper of the two middle ones for an even count; the
    ``statistics`` module costs every start 3 ms)."""
    return sorted(times)[len(times) // 2]
