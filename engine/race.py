"""A race: several trainers on the same data from the same initial parameters, advanced in
lockstep, each step by step.

The members differ in what the trainer lets differ between runs on the same data (the
optimizer, its learning rate, batch size and hyperparameters); each is an ordinary
:class:`~.trainer.Trainer`, so a member's run is, bit for bit, the run it would make alone
(a trainer's parameters do not depend on how its steps are chunked).

**Lockstep.** :meth:`Race.advance` brings every member that has not finished to the same
step, ``steps`` beyond the furthest of them, one member after the other in the calling
thread (one thread round-robins the trainers: Python runs one thread at a time, so N
threads would only take turns, with the switching on top). A member that finishes stops
there while the others go on. A member paused from another thread while the race advances
is passed over (after its step in progress, as :meth:`Trainer.advance` ends a chunk), and
catches up at the next advance, which starts from the furthest member's step.

**Milestones** (:class:`Milestones`), per member: the first step at which the training loss
fell below ``loss_threshold``, and the best training accuracy with the first step that
reached it (100% when the member separates the training set). They are exact at every step
the trainer evaluates: every step for full-batch optimizers (gd, momentum, nesterov, adam
with the full batch, newton, lbfgs), and for stochastic ones every epoch end and every chunk
end: the trainer reports each (``on_evaluated``). :meth:`Race.fork` takes every
member back to a step (rewind, then a new future), the milestones rebuilt from the
histories; :meth:`Race.snapshots_at` shows the members at a past step.

No terminal code here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .history import History
from .trainer import RunState, Snapshot, Trainer

#: The fewest and the most members of a race.
MIN_MEMBERS, MAX_MEMBERS = 2, 6


@dataclass(frozen=True)
class Milestones:
    """How soon one member got where: ``loss_step``, the first evaluated step whose training
    loss was below the race's threshold (None: not yet); ``best_accuracy``, the highest
    training accuracy so far, first reached at ``accuracy_step``."""

    loss_step: int | None
    best_accuracy: float
    accuracy_step: int

    @property
    def perfect(self) -> bool:
        """Every training point classified correctly (100% accuracy)."""
        return self.best_accuracy == 1.0


def milestones_in(history: History, threshold: float, until: int) -> Milestones:
    """The milestones a history shows up to step ``until`` (at least one record there): exact
    while the history holds every evaluated step (its capacity); beyond, the best accuracy
    still is (a bucket keeps its maximum and where), the loss's step is the first of the
    bucket's lowest values below ``threshold``."""
    steps, losses = history.curve("loss")
    acc_steps, accuracies = history.curve("train_accuracy")
    below = steps[(losses < threshold) & (steps <= until)]
    upto = acc_steps <= until
    best = int(np.argmax(accuracies[upto]))  # the first of equal maxima, in step order
    return Milestones(int(below[0]) if len(below) else None, float(accuracies[upto][best]), int(acc_steps[upto][best]))


class _Tracker:
    """One member's milestones, updated from every snapshot it is shown."""

    def __init__(self, threshold: float, snap: Snapshot) -> None:
        self.threshold = threshold
        self.start(snap)

    def start(self, snap: Snapshot) -> None:
        """Milestones from ``snap`` on, forgetting any before."""
        self.last = snap.step
        self.milestones = Milestones(snap.step if snap.loss < self.threshold else None, snap.train_accuracy,
                                     snap.step)

    def rebuild(self, trainer: Trainer) -> None:
        """Milestones again from ``trainer``'s history (after it went back: a fork or a
        reset): exact while the history holds every evaluated step (its capacity); beyond,
        the best accuracy still is (a bucket keeps its maximum and where), the loss's step
        is the first of the bucket's lowest values below the threshold."""
        self.last = trainer.snapshot.step
        self.milestones = milestones_in(trainer.history, self.threshold, self.last)

    def observe(self, step: int, loss: float, accuracy: float) -> None:
        """The trainer evaluated ``step`` (its ``on_evaluated``); a step before the last one
        seen means it went back: what came after that step is forgotten."""
        m = self.milestones
        if step < self.last:
            if m.accuracy_step > step:
                m = Milestones(m.loss_step if m.loss_step is not None and m.loss_step <= step else None,
                               accuracy, step)
            elif m.loss_step is not None and m.loss_step > step:
                m = Milestones(None, m.best_accuracy, m.accuracy_step)
        self.last = step
        if m.loss_step is None and loss < self.threshold:
            m = Milestones(step, m.best_accuracy, m.accuracy_step)
        if accuracy > m.best_accuracy:
            m = Milestones(m.loss_step, accuracy, step)
        self.milestones = m


class Race:
    """``trainers`` (2 to 6) on the same training data from the same initial parameters, all
    at step 0, advanced in lockstep; ``loss_threshold`` is the loss :class:`Milestones` time.

    A ValueError when there are fewer than :data:`MIN_MEMBERS` or more than
    :data:`MAX_MEMBERS` trainers, when their training data or initial parameters differ, or
    when one is not at step 0. The race takes each trainer's ``on_evaluated``."""

    def __init__(self, trainers: Sequence[Trainer], loss_threshold: float) -> None:
        if not MIN_MEMBERS <= len(trainers) <= MAX_MEMBERS:
            raise ValueError(f"a race has {MIN_MEMBERS} to {MAX_MEMBERS} members, got {len(trainers)}")
        if not loss_threshold > 0:
            raise ValueError(f"the loss threshold must be a number > 0, got {loss_threshold}")
        first = trainers[0]
        for i, trainer in enumerate(trainers):
            snap = trainer.snapshot
            if snap.step != 0:
                raise ValueError(f"member {i} is at step {snap.step}, not 0")
            if not (np.array_equal(trainer.X, first.X) and np.array_equal(trainer.y, first.y)):
                raise ValueError(f"member {i} trains on other data than member 0")
            if not (np.array_equal(snap.W, first.snapshot.W) and np.array_equal(snap.b, first.snapshot.b)):
                raise ValueError(f"member {i} starts from other parameters than member 0")
        self.trainers = tuple(trainers)
        self.loss_threshold = float(loss_threshold)
        self._trackers = [_Tracker(self.loss_threshold, t.snapshot) for t in self.trainers]
        for trainer, tracker in zip(self.trainers, self._trackers):
            trainer.on_evaluated = tracker.observe

    @property
    def snapshots(self) -> tuple[Snapshot, ...]:
        """Each member's latest snapshot, in order."""
        return tuple(t.snapshot for t in self.trainers)

    @property
    def milestones(self) -> tuple[Milestones, ...]:
        """Each member's milestones so far, in order."""
        return tuple(tracker.milestones for tracker in self._trackers)

    def milestones_at(self, step: int) -> tuple[Milestones, ...]:
        """Each member's milestones as they were after step ``step`` (rewind): those reached by
        then as they are, the others from its history up to that step (:func:`milestones_in`)."""
        return tuple(m if m.accuracy_step <= step and (m.loss_step is None or m.loss_step <= step)
                     else milestones_in(trainer.history, tracker.threshold, step)
                     for m, tracker, trainer in zip(self.milestones, self._trackers, self.trainers))

    @property
    def finished(self) -> bool:
        """Every member has finished."""
        return all(t.state.finished for t in self.trainers)

    def advance(self, steps: int) -> tuple[Snapshot, ...]:
        """Every member that has not finished to step ``s + steps``, where ``s`` is the
        furthest such member's step, one after the other (each stops early when it
        finishes). While any of them runs, a member found paused (from another thread) is
        passed over. Returns every member's snapshot."""
        live = [i for i, t in enumerate(self.trainers) if not t.state.finished]
        if not live:
            return self.snapshots
        running = any(self.trainers[i].state is RunState.RUNNING for i in live)
        target = max(self.trainers[i].snapshot.step for i in live) + steps
        for i in live:
            trainer = self.trainers[i]
            if running and trainer.state is not RunState.RUNNING:
                continue
            behind = target - trainer.snapshot.step
            if behind > 0:
                trainer.advance(behind)
        return self.snapshots

    def reset(self) -> tuple[Snapshot, ...]:
        """Every member back to step 0 (paused) and the milestones forgotten."""
        for trainer in self.trainers:
            trainer.reset()
        return self.restart()

    def restart(self) -> tuple[Snapshot, ...]:
        """Forget the milestones and start them again from each member's snapshot now (after
        the members were reset elsewhere). Returns every member's snapshot."""
        for trainer, tracker in zip(self.trainers, self._trackers):
            tracker.start(trainer.snapshot)
        return self.snapshots

    def fork(self, step: int) -> tuple[Snapshot, ...]:
        """Every member back to step ``step`` (one that finished before it: to its last
        step), paused, its future dropped (:meth:`Trainer.fork`), and the milestones as they
        were then (from the history, see the module docstring). Returns every member's
        snapshot."""
        for trainer, tracker in zip(self.trainers, self._trackers):
            trainer.fork(min(step, trainer.snapshot.step))
            tracker.rebuild(trainer)
        return self.snapshots

    def snapshots_at(self, step: int) -> tuple[Snapshot, ...]:
        """Every member as it was after step ``step`` (one that finished before it: its last
        step), bit for bit (:meth:`Trainer.snapshot_at`); the members are not touched (call
        it while they do not advance)."""
        return tuple(t.snapshot_at(min(step, t.snapshot.step)) for t in self.trainers)
