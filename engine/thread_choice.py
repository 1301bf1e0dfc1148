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

Each count's time is the mean of its last few times without the slowest. The mean, not the
median: beside a busy process the second of two threads is now and then descheduled, and
its evaluation then takes twice as long; the median of five such times says two threads win
whenever most of the five were lucky, though on average they lose (a simulated 20% of
evaluations at 2.5x made the median choose the slower count and cost 8.2% more time, the
trimmed mean 2.8%; ``benchmarks/thread_choice.py``, 100 seeds). Without the slowest: a
single pause (a page fault, the collector, the dashboard's frame) must not unseat a count
that is faster. Two pauses among five times still do, and pausing is what the median
handles better: with a 4x pause in 5% of evaluations the trimmed mean cost 3.6%, the median
0.9%.
"""

from __future__ import annotations

import collections
from collections.abc import Callable, Sequence


class ThreadChoice:
    """Chooses among ``candidates`` (thread counts) by the wall-clock seconds of evaluations.

    Call :meth:`next` before an evaluation that should be timed and :meth:`record` after it.
    The first ``samples`` evaluations per candidate try each in turn; after that each
    evaluation uses :attr:`chosen` (the least ``estimate`` of each candidate's last
    ``samples`` times: :func:`typical` unless given), except for rechecks, which time
    another candidate again (in turn): one ``first_recheck`` evaluations after the choice
    was made or changed, then at intervals doubling up to ``longest_recheck``, so that a
    choice made on noisy first times is mended early and a change in the machine's load is
    followed within a few rechecks, while rechecks cost at most ``1/longest_recheck`` of the
    difference later on (at the default 32: 1% of the time when the other count is 1.3x
    slower, 2.7% when it is 1.85x slower, as one thread is at (60000, 784, 10) with a core
    free; at 16 that was 5%, the whole of the objective's allowance, and simulated load
    changes every 60 or 300 evaluations were followed no better: ``benchmarks/thread_choice.py``). Not locked: under the GIL concurrent callers only mix their
    samples (a rewind's private copy of a trainer shares its objectives, and evaluates
    only while the trainer is paused).
    """

    def __init__(self, candidates: tuple[int, ...], *, samples: int = 5, first_recheck: int = 4,
                 longest_recheck: int = 32, estimate: Callable[[Sequence[float]], float] | None = None) -> None:
        if len(candidates) < 2 or len(set(candidates)) != len(candidates):
            raise ValueError(f"candidates must be two or more distinct thread counts, got {candidates!r}")
        if min(samples, first_recheck, longest_recheck) < 1:
            raise ValueError("samples, first_recheck and longest_recheck must be at least 1")
        self.candidates = candidates
        self._estimate = estimate or typical
        self._times = {c: collections.deque(maxlen=samples) for c in candidates}
        self._first_recheck, self._longest_recheck = first_recheck, longest_recheck
        self._count = 0  # timed evaluations asked for
        self._rechecks = 0
        self._interval = first_recheck
        self._due = 0  # the count at which the next recheck is made
        self._last_chosen: int | None = None

    @property
    def chosen(self) -> int:
        """The candidate with the least estimated time so far (the first one before any
        time)."""
        timed = [c for c in self.candidates if self._times[c]]
        if not timed:
            return self.candidates[0]
        return min(timed, key=lambda c: self._estimate(self._times[c]))

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


def typical(times: Sequence[float]) -> float:
    """The mean of ``times`` (seconds, not empty) without the slowest one, when there are
    several."""
    if len(times) == 1:
        return times[0]
    return (sum(times) - max(times)) / (len(times) - 1)
