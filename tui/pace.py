"""The pace of a dashboard run: its speed limit at each step, with a warm-up first.

**Why a warm-up.** Unthrottled, seed 000 (the default run: rgb20, gd at lr 1) goes from 45%
to 100% training accuracy in its first step, and its first eight steps take 9 ms. At the
default 30 steps/s, measured with Textual's pilot at 100×30: the first frame
on screen showed step 12, every step after it stayed on screen about 50 ms (one frame), and
about one step in three was never drawn; the boundaries had formed before anyone could see
them. A newcomer has to see them form, so the first :data:`WARMUP_STEPS` steps go at
:data:`WARMUP_SPEED` steps/s: each stays on screen 0.2 s, four frames, twice the 0.1 s a
step must be seen for, so a frame that comes late still leaves it there long enough; then
the run goes on at the chosen speed (30 steps/s by default), about 4 s in.

A warm-up rather than a paused start with a one-line prompt: the first run trains at once
with nothing to learn first (README: "opens the dashboard ... and starts training"), the
status bar says why it is slow (``speed 5/s to step 20``), and anyone who finds it slow
presses ``]``, which takes over at once. ``--paused`` keeps the paused start for those who
want one.

The pace is a pure function of the step (:meth:`Pace.limit`). After the warm-up the runner's
token bucket spends at the limit; in the warm-up each step waits until the step before it has
been on screen 1 / limit seconds, timed from the refresh that showed it
(:meth:`~.runner.Runner.shown`), so a busy machine whose frames come late slows the warm-up
instead of skipping steps.
"""

from __future__ import annotations

from dataclasses import dataclass

from .ladder import DEFAULT_SPEED, SPEEDS, next_rung

#: The warm-up covers the steps that make steps 0 to ``WARMUP_STEPS``...
WARMUP_STEPS = 20
#: ... at this many steps per second: each of them on screen 1 / WARMUP_SPEED = 0.2 s.
WARMUP_SPEED = 5.0


@dataclass(frozen=True)
class Pace:
    """A run's speed limit: ``speed`` steps/s (``math.inf``: unthrottled), but with ``warmup``
    at most :data:`WARMUP_SPEED` up to step :data:`WARMUP_STEPS`."""

    speed: float = DEFAULT_SPEED
    warmup: bool = False

    def warming(self, step: int) -> bool:
        """Whether the warm-up slows the step after ``step`` (it does up to step
        :data:`WARMUP_STEPS`, so that that step too stays on screen its 0.2 s)."""
        return self.warmup and step <= WARMUP_STEPS and self.speed > WARMUP_SPEED

    def limit(self, step: int) -> float:
        """Steps per second allowed for the step after ``step``."""
        return WARMUP_SPEED if self.warming(step) else self.speed

    def changed(self, up: bool, step: int) -> Pace:
        """One rung up or down the speed ladder from the limit at ``step`` (as the status bar
        shows it), the warm-up over: ``]`` at 5/s in the warm-up is 10/s, ``[`` 3/s."""
        return Pace(next_rung(SPEEDS, self.limit(step), up))
