"""Checkpoints of one run, so that any past step can be recomputed exactly.

A run is a deterministic function of its settings, its seed and the live changes made to it
(reset replays it bit for bit), so the state at step t is the state of the nearest checkpoint
at or before t, advanced t - c steps with the same code. A :class:`Checkpoint` holds the
whole trainer state at one step (:meth:`.Trainer.checkpoint`): parameters, the optimizer's
state, the shuffle generator and position, the stopping rules' state, the learning rate and
penalties. A live change (learning rate, optimizer, penalties) *pins* a checkpoint at the
step where it took effect, so no change ever falls between a checkpoint and a step recomputed
from it.

Spacing adapts to the cost of a step: the next checkpoint comes once the steps since the
last one took about ``recompute_seconds`` of training time (measured), so recomputing any step
costs about that much, whether a step takes 10 microseconds (20 points) or 100 ms (a million).
Memory is bounded: when the checkpoints exceed ``capacity`` or ``budget_bytes``, the spacing
doubles and the checkpoints closer than that to the one before are dropped (as
:mod:`.history` merges pairs), so a run of any length holds O(capacity) checkpoints and a
recompute grows at most by the doublings.
"""

from __future__ import annotations

import bisect
import time
from dataclasses import dataclass
from typing import Any

import numpy as np

#: Recomputing from the nearest checkpoint should take about this long (seconds).
RECOMPUTE_SECONDS = 0.02
#: At most this many checkpoints, and about this many bytes of them (parameters, optimizer
#: state, evaluations) per run.
CAPACITY = 2048
BUDGET_BYTES = 32 << 20
#: Python's share of a checkpoint beyond its arrays (objects, the generator's state), bytes.
OVERHEAD_BYTES = 2048


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """The whole state of a trainer after step ``step`` (built by :meth:`.Trainer.checkpoint`,
    read by :meth:`.Trainer.restore`). Arrays are read-only; ``optimizer`` is a private copy
    that is copied again on restore; evaluations are immutable and shared."""

    step: int
    epoch: int
    W: np.ndarray
    b: np.ndarray
    optimizer: Any  # an engine Optimizer (its update rule's velocities, moments, curvature pairs)
    lr: float
    l1: float
    l2: float
    rng_state: dict  # the shuffle generator's state; before the current permutation was drawn when there is one
    order_drawn: bool  # whether an epoch's permutation is in use (redrawn from rng_state on restore)
    pos: int  # position in that permutation
    cached: Any  # the Evaluation at these parameters the next full-batch step uses, or None
    good: Any  # the last evaluated step (the snapshot's source, and where a divergence goes back to)
    loss_limit: float | None
    best_val: float
    bad_epochs: int
    stall: str
    state: Any  # RunState
    reason: str
    nbytes: int  # about what it holds in memory

    def __post_init__(self) -> None:
        if self.step < 0:
            raise ValueError(f"a checkpoint's step must be >= 0, got {self.step}")


class Timeline:
    """A run's checkpoints in step order (module docstring). Not thread-safe for writers:
    the trainer adds while it advances; readers (:meth:`nearest`) may run in another thread
    (each mutation replaces or appends to the list as one operation)."""

    def __init__(self, capacity: int = CAPACITY, budget_bytes: int = BUDGET_BYTES,
                 recompute_seconds: float = RECOMPUTE_SECONDS, clock=time.perf_counter) -> None:
        if capacity < 4:
            raise ValueError(f"capacity must be at least 4, got {capacity}")
        self.capacity = capacity
        self.budget_bytes = budget_bytes
        self.recompute_seconds = recompute_seconds
        self._clock = clock
        self.clear()

    def clear(self) -> None:
        self._checkpoints: list[Checkpoint] = []
        self._pinned: list[bool] = []
        self.nbytes = 0
        self.spacing = 1  # steps between checkpoints now
        self._min_spacing = 1  # raised by every thinning
        self.next_step = 0  # the step at which the next checkpoint is due
        self._busy = 0.0  # training seconds since the last checkpoint
        self._since: float | None = None  # when the current stretch of training began

    def __len__(self) -> int:
        return len(self._checkpoints)

    @property
    def steps(self) -> list[int]:
        """The steps that have checkpoints, ascending (a copy)."""
        return [cp.step for cp in self._checkpoints]

    # -- the training clock (the trainer brackets each advance) ------------------------------

    def started(self) -> None:
        """Training time begins to count (the trainer starts advancing)."""
        self._since = self._clock()

    def stopped(self) -> None:
        """Training time stops counting (the trainer stops advancing)."""
        if self._since is not None:
            self._busy += self._clock() - self._since
            self._since = None

    def due(self, step: int) -> bool:
        """Whether a checkpoint is due after step ``step``."""
        return step >= self.next_step

    # -- writing -------------------------------------------------------------------------------

    def add(self, checkpoint: Checkpoint, *, pinned: bool = False) -> None:
        """Keep ``checkpoint``, the latest state: it replaces one at the same step (a live
        change after a periodic checkpoint), pinned if either is. Sets the spacing to the next
        one from the training time the steps since the previous checkpoint took; thins the
        checkpoints when over capacity or budget. A ValueError for a step before the last
        checkpoint's (:meth:`truncate` first)."""
        now = self._clock()
        busy = self._busy + (now - self._since if self._since is not None else 0.0)
        self._busy = 0.0
        if self._since is not None:
            self._since = now
        last = self._checkpoints[-1].step if self._checkpoints else None
        if last is not None and checkpoint.step < last:
            raise ValueError(f"checkpoint at step {checkpoint.step} after one at step {last}")
        if checkpoint.step == last:
            self.nbytes -= self._checkpoints[-1].nbytes
            self._checkpoints[-1] = checkpoint
            self._pinned[-1] = self._pinned[-1] or pinned
        else:
            steps = 0 if last is None else checkpoint.step - last
            self._checkpoints.append(checkpoint)
            self._pinned.append(pinned)
            if steps > 0 and busy > 0:
                fit = round(self.recompute_seconds * steps / busy)
                self.spacing = max(self._min_spacing, min(2 * self.spacing, max(1, fit)))
        self.nbytes += checkpoint.nbytes
        while len(self._checkpoints) > self.capacity or (self.nbytes > self.budget_bytes and self._thinnable()):
            self._thin()
        self.next_step = checkpoint.step + self.spacing

    def truncate(self, step: int) -> None:
        """Forget the checkpoints after step ``step`` (the run went back there)."""
        keep = bisect.bisect_right(self._checkpoints, step, key=_step_of)
        self.nbytes -= sum(cp.nbytes for cp in self._checkpoints[keep:])
        self._checkpoints = self._checkpoints[:keep]
        self._pinned = self._pinned[:keep]
        self.next_step = min(self.next_step, step + self.spacing)
        self._busy = 0.0

    def _thinnable(self) -> bool:
        return sum(not p for p in self._pinned) > 1

    def _thin(self) -> None:
        """Double the spacing and keep, walking up the steps, a checkpoint when it is pinned or
        at least the new spacing after the last one kept (the first always): dense stretches
        (taken while steps were slow) lose checkpoints, sparse ones keep theirs, so no gap grows
        past the new spacing plus an old gap. With only pinned checkpoints left to drop, the
        capacity doubles instead (their number is the number of live changes)."""
        self.spacing = self._min_spacing = 2 * self.spacing
        keep: list[int] = []
        last: int | None = None
        for i, (checkpoint, pinned) in enumerate(zip(self._checkpoints, self._pinned)):
            if pinned or last is None or checkpoint.step - last >= self.spacing:
                keep.append(i)
                last = checkpoint.step
        if len(keep) == len(self._checkpoints):
            if not self._thinnable():
                self.capacity = 2 * self.capacity
            return
        self.nbytes = sum(self._checkpoints[i].nbytes for i in keep)
        self._checkpoints = [self._checkpoints[i] for i in keep]
        self._pinned = [self._pinned[i] for i in keep]

    # -- reading -------------------------------------------------------------------------------

    def nearest(self, step: int) -> Checkpoint:
        """The checkpoint with the largest step at or before ``step``. A ValueError when there
        is none (no checkpoint yet, or ``step`` before the first)."""
        checkpoints = self._checkpoints  # one read: a writer replaces the list, never shrinks it in place
        i = bisect.bisect_right(checkpoints, step, key=_step_of) - 1
        if i < 0:
            raise ValueError(f"no checkpoint at or before step {step}")
        return checkpoints[i]


def _step_of(checkpoint: Checkpoint) -> int:
    return checkpoint.step
