"""``--headless --compare``: a race without a screen, one JSON object per line.

Every line carries ``"run"``, the member's label as ``--compare`` wrote it ("gd:lr=3"). The
progress events are each member's, exactly those its run alone would print (every epoch, or
every ``--every`` steps, plus one where it stops off that grid), interleaved as the race
advances in lockstep; then one done event per member, in ``--compare``'s order, each with
its status, reason and parameters, and ``"race"``: the loss threshold (``--race-loss``), the
first step below it (``loss_step``, null if never) and the best training accuracy with the
first step that reached it (:class:`~softmax_tui.engine.Milestones`). The exit status is the worst of the members': 3 when one
diverged or stalled (a line on stderr for each), else 0. Stopped from outside (Ctrl+C,
SIGTERM, SIGHUP, a closed output) there are no done events and one line on stderr says
where each run stopped, as for one run.
"""

from __future__ import annotations

import contextlib
import time
from typing import TextIO

from softmax_tui.engine import SECOND_ORDER_OPTIMIZERS, RunState, Snapshot

from .entry import EXIT_INTERRUPTED
from .headless import EXIT_DIVERGED, EXIT_OK, OutputFailed, done_event, progress_event, to_json
from .race import Entrants
from .safe_text import visible
from .signals import Stopped, stop_signals_raise


class _RaceOutput:
    """The lines of a race on ``out``: each member's progress once per step."""

    def __init__(self, entrants: Entrants, out: TextIO) -> None:
        self.entrants = entrants
        self.out = out
        self.emitted = [s.trainer.snapshot.step for s in entrants.sessions]

    def emit(self, i: int, snap: Snapshot) -> None:
        if snap.step != self.emitted[i]:
            self.emitted[i] = snap.step
            self.print({"run": self.entrants.labels[i], **progress_event(snap)})

    def print(self, event: dict) -> None:
        try:
            self.out.write(to_json(event) + "\n")
            self.out.flush()
        except OSError as e:
            raise OutputFailed(e) from None

    def train(self, every: int | None) -> None:
        """Advance the race to its end: ``every`` steps a turn with a line for each member
        moved, else a member's epoch ends give its lines (the engine reports them) and a turn
        is the longest epoch among the members still going."""
        race, trainers = self.entrants.race, self.entrants.race.trainers
        if not every:
            for i, trainer in enumerate(trainers):
                trainer.on_epoch_end = lambda snap, i=i: self.emit(i, snap)
        while not race.finished:
            turn = every or max(t.steps_per_epoch for t in trainers if not t.state.finished)
            snaps = race.advance(turn)
            for i, snap in enumerate(snaps):
                if every or snap.state.finished:
                    self.emit(i, snap)


def run_race_headless(entrants: Entrants, every: int | None, out: TextIO, err: TextIO) -> int:
    """Train every member to its end, printing JSON lines on ``out``; returns the exit
    status (see the module docstring)."""
    output = _RaceOutput(entrants, out)
    start = time.perf_counter()
    try:
        with stop_signals_raise():
            output.train(every)
    except KeyboardInterrupt:
        return _stopped(entrants, err, "interrupted", EXIT_INTERRUPTED)
    except Stopped as e:
        return _stopped(entrants, err, f"stopped by {e.name}", e.exit_status)
    except OutputFailed as e:
        return _stopped(entrants, err, e.what, e.exit_status)
    elapsed = time.perf_counter() - start
    try:
        race = entrants.race
        for label, session, reached in zip(entrants.labels, entrants.sessions, race.milestones):
            output.print({"run": label, **done_event(session, session.trainer.snapshot, elapsed),
                          "race": {"loss_threshold": race.loss_threshold, "loss_step": reached.loss_step,
                                   "best_accuracy": reached.best_accuracy, "accuracy_step": reached.accuracy_step}})
    except OutputFailed as e:
        return _stopped(entrants, err, e.what, e.exit_status)
    status = EXIT_OK
    for label, session in zip(entrants.labels, entrants.sessions):
        snap = session.trainer.snapshot
        if snap.state in (RunState.DIVERGED, RunState.STALLED):
            hint = ("; try a smaller lr" if snap.state is RunState.DIVERGED
                    and session.config.optimizer not in SECOND_ORDER_OPTIMIZERS else "")
            err.write(visible(f"softmax-tui: run {label}: training {snap.state.value}: {snap.reason}{hint}") + "\n")
            status = EXIT_DIVERGED
    return status


def _stopped(entrants: Entrants, err: TextIO, what: str, status: int) -> int:
    """Say where each run stopped, when stopped from outside."""
    where = "; ".join(f"{label} at step {s.trainer.snapshot.step}, loss {s.trainer.snapshot.loss:.6g}"
                      for label, s in zip(entrants.labels, entrants.sessions))
    with contextlib.suppress(OSError):  # after SIGHUP the terminal may be gone
        err.write(visible(f"softmax-tui: {what}: {where}") + "\n")
    return status
