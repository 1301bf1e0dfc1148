"""A race's runs (``--compare``): one session per member on the same data, an engine
:class:`~softmax_tui.engine.Race` over their trainers, and :class:`RaceRunner`, the driver
that advances them in lockstep in one thread for the dashboard.

No Textual here.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial
from dataclasses import dataclass, replace

from softmax_tui.datasets import Dataset
from softmax_tui.engine import Milestones, Race, RunState, Snapshot

from .compare import Member
from .ladder import DEFAULT_SPEED
from .options import Options
from .runner import Loop, Runner
from .session import Session, build_session


@dataclass
class Entrants:
    """The members of a race (in the order ``--compare`` lists them), their sessions and the
    engine's race over their trainers."""

    members: tuple[Member, ...]
    sessions: tuple[Session, ...]
    race: Race

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(member.label for member in self.members)


def build_entrants(options: Options, dataset: Dataset | None = None) -> Entrants:
    """A session per ``--compare`` member, the data read once (a pipe can be read only once;
    ``dataset``, when given, is it, already read) and prepared alike for each, so that every
    member starts from the same parameters on the same data; a user mistake is a
    UserError/DatasetError, as for one run."""
    members = options.members()
    alone = replace(options, compare=None, race_loss=None)  # each member's session is one run's
    first = build_session(replace(alone, run=members[0].config), dataset)
    sessions = (first, *(build_session(replace(alone, run=m.config), first.dataset) for m in members[1:]))
    return Entrants(members, sessions, Race([s.trainer for s in sessions], options.loss_threshold))


class RaceRunner(Loop):
    """Runs a race's members in lockstep in one thread (:meth:`train`), with the protocol of
    :class:`~.runner.Runner` (controls at once or queued, frames that park the loop, chunks
    sized by time within one speed limit for all): each member is a :class:`Runner` on this
    loop (:attr:`members`), which keeps its own snapshots, live changes and curves, and a
    turn advances every member that runs by the same steps (:meth:`Race.advance`).

    Pause, step, reset and the speed act on every member (a finished member stays
    finished); the learning rate and the optimizer are each member's own
    (``members[i].change_lr``, ``.next_optimizer``)."""

    def __init__(self, entrants: Entrants, *, speed: float = DEFAULT_SPEED,
                 on_change: Callable[[], None] = lambda: None, clock: Callable[[], float] = time.perf_counter) -> None:
        super().__init__(speed=speed, warmup=False, clock=clock)
        self.entrants = entrants
        self.race = entrants.race
        self._on_change = on_change
        self.members = tuple(Runner(session, speed=speed, clock=clock, loop=self) for session in entrants.sessions)
        self._restart_clocks()

    @property
    def state(self) -> RunState:
        """RUNNING while a member runs (or will, once a queued resume has run), else PAUSED
        while one is paused, else (all finished) the first member's state."""
        states = [member.state for member in self.members]
        for state in (RunState.RUNNING, RunState.PAUSED):
            if state in states:
                return state
        return states[0]

    @property
    def milestones(self) -> tuple[Milestones, ...]:
        return self.race.milestones

    def milestones_at(self, step: int) -> tuple[Milestones, ...]:
        """Every run's milestones as they were after step ``step`` (:meth:`Race.milestones_at`),
        once the chunk in progress has ended."""
        with self._control():
            return self.race.milestones_at(step)

    def toggle(self) -> RunState:
        """Pause every running member, or resume every paused one (the finished stay finished).
        A pause stops each member after its step in progress; the loop then brings those
        that were behind to the furthest one's step, so that they pause in lockstep."""
        if self.state is RunState.RUNNING:
            for member in self.members:
                member._pause()
            self._submit(lambda: self._lockstep(0))
        else:
            for member in self.members:
                if member.state is RunState.PAUSED:
                    member.toggle()
            self._submit(self._restart_clocks)
        return self.state

    def step(self) -> None:
        """Pause, then every member that has not finished one step past the furthest of them."""
        for member in self.members:
            member._pause()
        self._submit(lambda: self._lockstep(1))

    def reset(self) -> None:
        """Every member at step 0, paused (shown at once), and the milestones forgotten."""
        for member in self.members:
            member.reset()
        self._submit(self.race.restart)

    def fork(self, step: int) -> None:
        """Pause, then every run back to step ``step`` (rewind: a run that finished before it
        stays at its last step), its future dropped, so that the race goes on from there
        (:meth:`Race.fork`); each run's live changes after it are forgotten, and its
        configuration is the one it had for the step after it."""
        for member in self.members:
            member._pause()
            member._config = member.config_at(min(step, member.snapshot.step) + 1)
        self._submit(partial(self._fork, step))

    def snapshots_at(self, step: int) -> tuple[Snapshot, ...]:
        """Every run as it was after step ``step`` (:meth:`Race.snapshots_at`), once the chunk
        in progress has ended (call it while the race is paused: at once)."""
        with self._control():
            return self.race.snapshots_at(step)

    def _fork(self, step: int) -> None:
        for member, snap in zip(self.members, self.race.fork(step)):
            member._forked(snap)

    def close(self) -> None:
        """End :meth:`train` after the chunk in progress; controls submitted later are dropped."""
        with self._control():
            self._closed = True
            for member in self.members:
                member._closed = True
        self._wakeup.set()

    @property
    def last_step(self) -> int:
        """The furthest run's step."""
        return max(member.snapshot.step for member in self.members)

    @property
    def _position(self) -> int:
        return self.last_step

    @property
    def _advancing(self) -> bool:
        return any(member.trainer.state is RunState.RUNNING for member in self.members)

    @property
    def _stochastic(self) -> bool:
        return any(member.trainer.steps_per_epoch > 1 for member in self.members)

    def _advance(self, n: int) -> int:
        return self._lockstep(n, [member._generation for member in self.members])

    def _lockstep(self, n: int, generations: list[int | None] | None = None) -> int:
        """Every member ``n`` steps past the furthest (:meth:`Race.advance`), each snapshot
        published unless its member was reset since ``generations`` were read (None: a
        control, which runs in order with the resets); returns the most steps a member took."""
        generations = generations or [None] * len(self.members)
        before = [member.trainer.snapshot.step for member in self.members]
        snaps = self.race.advance(n)
        now = self._clock()
        for member, generation, snap, start in zip(self.members, generations, snaps, before):
            member._publish(snap, generation)
            member._count(snap.step - start, now)
        return max(snap.step - start for snap, start in zip(snaps, before))
