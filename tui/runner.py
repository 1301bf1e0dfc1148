"""The driver between the dashboard and the trainer: the only code that touches the trainer.

Two threads meet here: the training loop (:meth:`Runner.train`, run in a worker thread) and
the UI thread (keys and frames). Whoever touches the trainer holds one lock; the loop holds
it while it advances a chunk.

**Keys never wait for the loop.** A pause takes effect at once: the engine ends a running
chunk after the step in progress. Every other control that needs the trainer runs at once
when the loop is idle, and otherwise is queued, in order, for the loop to run as soon as the
chunk in progress ends (at most one step when the key also pauses: up to 100 ms on a million
points). What the status bar shows changes at once all the same: the run's configuration and
speed are the ones the run uses from its next step on (:attr:`config`, with :attr:`lr` and
:attr:`optimizer`; :attr:`speed`), a queued resume already reads as running, and a reset
shows step 0 at once (the initial snapshot is kept, and what the step in progress produces
is dropped). When the loop has run queued controls it calls ``on_change``, so the UI draws
the result at once; the session's ``config`` follows the trainer, changed as each control runs.

**Chunks** are sized by time, about 15 ms of steps each, so that per-chunk costs stay small.
A stochastic optimizer's chunk ends with an evaluation on the full training set (the engine
evaluates at every chunk end); when that alone is slow (a million points) chunks grow, up to
90 ms, so it stays under a quarter of the time.

**Speed**: with a limit of S steps per second the loop spends tokens from a bucket refilled at
S per second and holding at most a tenth of a second's worth, so a stall never turns into
a burst. At ``math.inf`` ("max") it never waits. The limit is the :class:`~.pace.Pace`'s at
the step the run is at.

**Warm-up** (the dashboard's first steps, see :mod:`.pace`): each step waits until the step
before it has been on screen for 1 / limit seconds, timed from when the UI says it showed it
(:meth:`shown`, after the refresh that put it there). A frame that comes late (a busy
machine) makes the warm-up slower, never skips a step. A runner with a warm-up therefore
needs a UI that calls :meth:`shown`.

**Live changes** (:meth:`apply`) are recorded with the step after which they took effect
(:attr:`changes`, cleared by a reset): the loss curve marks the optimizer switches and the
penalty changes, and the run's command line (``c``) says from which steps the run it
reproduces differs.

**Rewind** (:meth:`snapshot_at`, :meth:`fork`): the engine recomputes any past step exactly
from its checkpoints; the runner asks it once the loop is idle (the run is paused while the
dashboard shows a past step). A fork is a control like the others: the run goes back to that
step, its future dropped with the live changes recorded after it (the configuration becomes
the one in use at that step), the history file cut back to it, and the loss curve marks the
fork (:attr:`forks`).

**Frames**: Python runs one thread at a time (the GIL), and a loop that never lets go makes
every small step of the UI wait for it, so a frame takes many times its own cost (and on a
million points the engine's threads fill both cores). The UI therefore draws a frame while
the loop is parked (:meth:`hold`, :meth:`release`): at once when the loop is between chunks,
else right after the chunk in progress, which the loop says by calling back; the app spaces
frames so that drawing takes at most a quarter of the time.

**History** (``--history``): the engine reports every completed epoch, which becomes a CSV
row, flushed after every chunk; a reset starts the file again, and :meth:`close` adds the
latest snapshot if it is not a row yet (as headless does when it is stopped) and closes it.

The latest snapshot and the one before the last advance are published together as one
tuple, so the UI reads a consistent pair without taking the lock.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import partial

import numpy as np

from softmax_tui.engine import OPTIMIZERS, SECOND_ORDER_OPTIMIZERS, RunState, Snapshot

from .config import DEFAULT_LR, OPTIMIZER_SETTINGS, RunConfig
from .errors import HistoryError
from .history import HistoryFile
from .ladder import DEFAULT_SPEED, LEARNING_RATES, next_rung
from .pace import Pace
from .session import Session

CHUNK_SECONDS = 0.015
MAX_CHUNK_SECONDS = 0.09
BURST_SECONDS = 0.1
MAX_HOLD_SECONDS = 0.03  # a parked loop goes on by itself after this, released or not
WAITER_SECONDS = 0.001  # how often the loop looks whether a waiting thread has the trainer
IDLE_SECONDS = 1.0  # a paused loop looks again this often (a control wakes it at once)


def optimizer_after(current: str, l1: float) -> tuple[str, tuple[str, ...]]:
    """The optimizer the ``o`` cycle (:data:`OPTIMIZERS`' order, round) goes to from
    ``current``, and those it passes over: newton and lbfgs while ``l1 > 0`` (they need a
    smooth objective)."""
    after = OPTIMIZERS.index(current) + 1
    order = OPTIMIZERS[after:] + OPTIMIZERS[:after]
    name = next(name for name in order if not (l1 and name in SECOND_ORDER_OPTIMIZERS))
    return name, order[:order.index(name)]

class RateMeter:
    """Steps per second over the last ``window`` seconds, from (time, total steps) marks."""

    def __init__(self, window: float = 1.0) -> None:
        self.window = window
        self._marks: deque[tuple[float, int]] = deque()

    def clear(self) -> None:
        self._marks.clear()

    def add(self, t: float, total: int) -> float:
        """Record a mark and return the rate over the window it closes."""
        self._marks.append((t, total))
        while len(self._marks) > 2 and self._marks[1][0] <= t - self.window:
            self._marks.popleft()
        (t0, s0), (t1, s1) = self._marks[0], self._marks[-1]
        return (s1 - s0) / (t1 - t0) if t1 > t0 else 0.0


@dataclass(frozen=True)
class LiveChange:
    """Live fields changed mid-run: ``fields`` (names of :class:`RunConfig` fields) took the
    values of ``config`` from the step after ``step`` on."""

    step: int
    fields: tuple[str, ...]
    config: RunConfig

    @property
    def switches_optimizer(self) -> bool:
        """A new optimizer, batch size or hyperparameter: a fresh optimizer state."""
        return any(name == "optimizer" or name in OPTIMIZER_SETTINGS for name in self.fields)

    @property
    def changes_penalties(self) -> bool:
        """New ``l1`` or ``l2``: a new objective."""
        return "l1" in self.fields or "l2" in self.fields

    @property
    def mark(self) -> str | None:
        """What the loss curve writes where this change took effect: the new optimizer, or
        the new penalties ("l1 0.01, l2 0"), or None (a new learning rate alone)."""
        if self.switches_optimizer:
            return self.config.optimizer
        if self.changes_penalties:
            return f"l1 {self.config.l1:g}, l2 {self.config.l2:g}"
        return None


class Loop:
    """The training loop's protocol (module docstring), for a subclass that says what one turn
    advances: one trainer (:class:`Runner`) or several in lockstep (a race). Controls run at
    once when the loop is idle, else queued in order for it; frames park it; chunks are sized
    by time within the speed limit. A loop built with ``loop=`` shares that loop's lock, queue
    and wake-up: its controls run on the other's thread, which never runs its own."""

    def __init__(self, *, speed: float, warmup: bool, clock: Callable[[], float], loop: Loop | None = None) -> None:
        self.pace = Pace(speed, warmup)
        self._clock = clock
        shared = loop or self
        if loop is None:
            self._lock = threading.RLock()  # whoever touches the trainer
            self._small = threading.Lock()  # short decisions shared with the loop, never held long
            self._wakeup = threading.Event()
            self._controls: deque[Callable[[], None]] = deque()
        else:
            self._lock, self._small, self._wakeup, self._controls = (shared._lock, shared._small, shared._wakeup,
                                                                     shared._controls)
        self._closed = False
        self._waiting = 0  # threads waiting in _control
        self._held_until = 0.0
        self._on_parked: Callable[[], None] | None = None  # the UI waits for the loop to park
        self._meter = RateMeter()
        self._worker_steps = 0
        self._rate = 0.0
        self._on_screen: tuple[int, float] | None = None  # (step, since when) as the UI last said

    # -- what a subclass says -----------------------------------------------------------------

    @property
    def state(self) -> RunState:
        """The run state, a queued resume counted as done."""
        raise NotImplementedError

    @property
    def _position(self) -> int:
        """The step the speed limit and the warm-up go by."""
        raise NotImplementedError

    @property
    def _advancing(self) -> bool:
        """Whether a turn advances (a trainer runs)."""
        raise NotImplementedError

    @property
    def _stochastic(self) -> bool:
        """Whether a chunk ends with a full evaluation that costs beyond its steps."""
        raise NotImplementedError

    def _advance(self, n: int) -> int:
        """One chunk of ``n`` steps, published; returns how many steps it took."""
        raise NotImplementedError

    # -- what the UI reads (no lock) ------------------------------------------------------------

    @property
    def speed(self) -> float:
        """The speed limit now, steps/s (``math.inf``: max): the pace's at the latest step."""
        return self.pace.limit(self._position)

    @property
    def warming(self) -> bool:
        """Whether the warm-up slows the run now (see :mod:`.pace`)."""
        return self.pace.warming(self._position)

    @property
    def steps_per_second(self) -> float:
        """Measured over the last second; 0 unless the run is running."""
        return self._rate if self.state is RunState.RUNNING else 0.0


    # -- controls (UI thread) ---------------------------------------------------------------

    def change_speed(self, up: bool) -> float:
        """One rung up or down the speed ladder (steps per second, ``inf`` = max) from the
        limit now; a warm-up is over. Returns the new limit."""
        self.pace = self.pace.changed(up, self._position)
        self._submit(self._restart_clocks)
        return self.speed

    def shown(self, step: int) -> None:
        """The UI has put step ``step`` on screen (call it after the refresh that shows it):
        in the warm-up the next step waits until it has been there its time."""
        if self._on_screen is None or self._on_screen[0] != step:
            self._on_screen = (step, self._clock())
            self._wakeup.set()

    def hold(self, seconds: float = MAX_HOLD_SECONDS, on_parked: Callable[[], None] | None = None) -> bool:
        """Park the training loop until :meth:`release` (or for ``seconds`` at most), so that
        the UI draws a frame without fighting it for the GIL and the cores. Returns True when
        the loop is parked at once (it was between chunks); otherwise it parks when its chunk
        in progress ends and then calls ``on_parked`` (if given) from its thread."""
        if self._lock.acquire(blocking=False):
            self._held_until = self._clock() + seconds
            self._lock.release()
            return True
        self._on_parked = lambda: self._park(seconds, on_parked)
        return False

    def release(self) -> None:
        """End a :meth:`hold` (or call off one that waits for the chunk in progress)."""
        self._on_parked = None
        self._held_until = 0.0
        self._wakeup.set()


    # -- the training loop (a worker thread) ------------------------------------------------


    def train(self, cancelled: Callable[[], bool] = lambda: False) -> None:
        """Run queued controls, and advance the trainer while it runs, until closed
        or ``cancelled()``."""
        while not (self._closed or cancelled()):
            if self._waiting:  # a thread waits for the trainer (see _control)
                time.sleep(WAITER_SECONDS)
                continue
            self._wakeup.clear()
            with self._lock:
                wait = 0.0 if self._closed else self._turn()
            if wait > 0:
                self._wakeup.wait(wait)

    def _turn(self) -> float:
        """One turn of the loop, holding the lock: the queued controls, else (unless the UI
        holds the loop) a chunk. Returns how long to wait before the next turn (a control or
        a release ends the wait early)."""
        if self._controls:
            self._run_controls()
            self._on_change()
            return 0.0
        if self._on_parked is not None:
            park, self._on_parked = self._on_parked, None
            park()
        held = self._held_until - self._clock()
        if held > 0:
            return held
        if not self._advancing:
            return IDLE_SECONDS
        step = self._position
        limit = self.pace.limit(step)
        if self.pace.warming(step):
            return self._warm_up_turn(step, limit)
        n = self._affordable_steps(limit)
        if n < 1:
            return (1 - self._tokens) / limit
        self._run_chunk(n)
        return 0.0

    def _warm_up_turn(self, step: int, limit: float) -> float:
        """One step once step ``step`` has been on screen 1 / ``limit`` seconds; returns how
        long to wait (:meth:`shown` ends the wait for a step not on screen yet). The bucket
        starts empty after it, so the speed after the warm-up begins with no burst."""
        on_screen = self._on_screen
        if on_screen is None or on_screen[0] != step:
            return IDLE_SECONDS
        wait = on_screen[1] + 1 / limit - self._clock()
        if wait > 0:
            return wait
        self._run_chunk(1)
        self._tokens, self._refilled = 0.0, self._clock()
        return 0.0

    def _run_chunk(self, n: int) -> None:
        start = self._clock()
        done = self._advance(n)
        now = self._clock()
        self._tokens -= done
        self._count(done, now)
        self._tune(n, now - start)

    def _count(self, steps: int, now: float) -> None:
        """``steps`` more taken by ``now``: the rate over the last second."""
        self._worker_steps += steps
        self._rate = self._meter.add(now, self._worker_steps)

    def _affordable_steps(self, limit: float) -> int:
        """Steps the next chunk may take: the time-sized chunk, within the tokens of a bucket
        refilled at ``limit`` steps/s."""
        if math.isinf(limit):
            return self._chunk
        now = self._clock()
        capacity = max(1.0, limit * BURST_SECONDS)
        self._tokens = min(capacity, self._tokens + (now - self._refilled) * limit)
        self._refilled = now
        return min(self._chunk, math.floor(self._tokens))

    def _tune(self, n: int, seconds: float) -> None:
        """Size the next chunk to take about the target time, changing it by at most 2x.

        Full batch: every step costs the same, so the size scales with the time. Stochastic:
        a chunk also pays one full evaluation, taken as the fastest chunk seen; the target
        grows to 4x that cost (up to 90 ms, or 1.5x the cost if it is slower still) and
        only the time beyond it scales with the number of steps."""
        if n != self._chunk:  # a chunk cut short by the speed limit says little
            return
        fixed, target = 0.0, CHUNK_SECONDS
        if self._stochastic:
            self._fastest = fixed = min(self._fastest, seconds)
            target = min(max(target, 4 * fixed), max(MAX_CHUNK_SECONDS, 1.5 * fixed))
        ratio = min(2.0, max(0.5, (target - fixed) / max(seconds - fixed, 1e-9)))
        scaled = n * ratio
        self._chunk = max(1, math.ceil(scaled) if ratio > 1 else math.floor(scaled))


    # -- internals --------------------------------------------------------------------------


    def settle(self) -> None:
        """Wait until the chunk in progress has ended and the queued controls have run (at
        most one chunk: about 15 ms, up to a step of a million points), so that a run just
        paused shows the step it stopped at, not the last one published while it ran."""
        with self._control():
            pass

    @contextmanager
    def _control(self) -> Iterator[None]:
        """The trainer to oneself, once the chunk in progress has ended and the queued
        controls have run. The loop steps aside for a thread that waits here (Python's locks
        are not fair: a busy loop would otherwise take the lock back at once)."""
        with self._small:
            self._waiting += 1
        self._lock.acquire()
        with self._small:
            self._waiting -= 1
        try:
            self._run_controls()
            yield
        finally:
            self._lock.release()

    def _submit(self, control: Callable[[], None]) -> None:
        """Run ``control`` now if the loop is idle, else queue it for the loop (in order)."""
        if self._closed:
            return
        self._controls.append(control)
        if self._lock.acquire(blocking=False):
            try:
                self._run_controls()
            finally:
                self._lock.release()
        self._wakeup.set()  # the loop looks again: to run it, or because it changed the run

    def _run_controls(self) -> None:
        while self._controls:
            self._controls.popleft()()

    def _park(self, seconds: float, on_parked: Callable[[], None] | None) -> None:
        self._held_until = self._clock() + seconds
        if on_parked is not None:
            on_parked()

    def _restart_clocks(self) -> None:
        """Fresh speed budget, rate window and chunk size (on resume, speed or optimizer change)."""
        self._tokens = 1.0
        self._refilled = self._clock()
        self._meter.clear()
        self._meter.add(self._refilled, self._worker_steps)
        self._rate = 0.0
        self._chunk = 1
        self._fastest = math.inf




class Runner(Loop):
    """Runs a session's trainer in chunks at a chosen speed; every control may be called from
    the UI thread and returns at once."""

    def __init__(self, session: Session, *, speed: float = DEFAULT_SPEED, warmup: bool = False,
                 history: HistoryFile | None = None, on_change: Callable[[], None] = lambda: None,
                 on_error: Callable[[str], None] = lambda message: None,
                 clock: Callable[[], float] = time.perf_counter, loop: Loop | None = None) -> None:
        super().__init__(speed=speed, warmup=warmup, clock=clock, loop=loop)
        self.session = session
        self.trainer = trainer = session.trainer
        self._history = history
        self._on_change = on_change
        self._on_error = on_error
        self.changes: list[LiveChange] = []  # since step 0, in order
        self.forks: list[int] = []  # the steps the run forked at (rewound, then went on), in order
        self._base = session.config  # the configuration at step 0, before the live changes
        # What the UI shows: the configuration as it is once the queued controls have run.
        self._config = session.config
        self._resuming = False
        self._initial = trainer.snapshot
        self._generation = 0  # a reset drops whatever a chunk of an older generation produces
        self._latest: tuple[Snapshot | None, Snapshot] = (None, self._initial)
        self._history_read = self._history_curves()  # the loss history as last read (see curves)
        if history is not None:
            trainer.on_epoch_end = self._record
        self._restart_clocks()

    # -- what the UI reads (no lock: single attribute reads of immutable values) ------------

    @property
    def snapshot(self) -> Snapshot:
        return self._latest[1]

    @property
    def previous(self) -> Snapshot | None:
        """The snapshot before the last advance (one step, or one chunk while running)."""
        return self._latest[0]

    @property
    def latest(self) -> tuple[Snapshot | None, Snapshot]:
        """``(previous, snapshot)`` as one consistent pair."""
        return self._latest

    @property
    def state(self) -> RunState:
        """The run state, a queued resume counted as done."""
        state = self.trainer.state
        return RunState.RUNNING if self._resuming and state is RunState.PAUSED else state

    @property
    def config(self) -> RunConfig:
        """The run's configuration as the run uses it from its next step on: the session's,
        with the live changes still queued (:meth:`apply`). Its ``lr`` is never None."""
        return self._config

    @property
    def lr(self) -> float:
        return self._config.lr

    @property
    def optimizer(self) -> str:
        return self._config.optimizer

    @property
    def switches(self) -> list[tuple[int, str]]:
        """``(step, what)`` where the optimizer (or its batch size or hyperparameters) changed,
        named by the optimizer, or the penalties, named "l1 F, l2 F", in order: the loss
        curve's marks."""
        return [(change.step, change.mark) for change in self.changes if change.mark is not None]

    @property
    def marks(self) -> list[tuple[int, str]]:
        """What the loss curve marks: :attr:`switches`, and ``(step, "fork")`` where the run
        forked, by step."""
        return sorted(self.switches + [(step, "fork") for step in self.forks], key=lambda mark: mark[0])

    def config_at(self, step: int) -> RunConfig:
        """The configuration the run trained step ``step`` with: the one at step 0 with the
        live changes made before it (a change at step s applies from step s + 1)."""
        config = self._base
        for change in self.changes:
            if change.step < step:
                config = change.config
        return config

    def changed_before(self, step: int) -> list[int]:
        """:attr:`changed_at` up to ``step``: the live changes the run had made by then."""
        return [s for s in self.changed_at if s < step]

    @property
    def changed_at(self) -> list[int]:
        """The steps after which live changes took effect, in order, once each: where the run
        parts from one trained with :attr:`config` from step 0 (a change at step 0 does not)."""
        return sorted({change.step for change in self.changes if change.step > 0})

    @property
    def _position(self) -> int:
        return self.snapshot.step

    @property
    def _advancing(self) -> bool:
        return self.trainer.state is RunState.RUNNING

    @property
    def _stochastic(self) -> bool:
        return self.trainer.steps_per_epoch > 1

    def _advance(self, n: int) -> int:
        generation = self._generation
        before = self.trainer.snapshot.step
        snap = self.trainer.advance(n)
        self._publish(snap, generation)
        self._flush_history()
        return snap.step - before

    # -- controls (UI thread) ---------------------------------------------------------------

    def toggle(self) -> RunState:
        """Pause a running run, resume a paused one; a finished run stays finished. Returns
        the state the run is now in (or will be once the loop resumes it)."""
        state = self.state
        if state is RunState.RUNNING:
            self._pause()
        elif state is RunState.PAUSED:
            self.resume()
        return self.state

    def resume(self) -> None:
        """Resume once the queued controls have run (after a :meth:`fork`, the forked run)."""
        self._resuming = True
        self._submit(self._resume)

    def step(self) -> None:
        """Pause at once, then exactly one optimizer step."""
        self._pause()
        self._submit(self._step)

    def reset(self) -> None:
        """Step 0 with the initial parameters, paused: shown at once, even while the step in
        progress finishes (its result is dropped)."""
        self._pause()
        with self._small:
            self._generation += 1
            self._latest = (None, replace(self._initial, lr=self._config.lr, state=RunState.PAUSED, reason=""))
        self._submit(self._reset)

    def fork(self, step: int) -> None:
        """Pause at once, then take the run back to ``step`` (0 up to the latest step) exactly,
        paused (the engine's :meth:`~softmax_tui.engine.Trainer.fork`): a new future starts
        there, with the configuration the run had for the step after it (the live changes made
        at ``step`` kept, as the engine keeps their state). The steps after it, the live
        changes made after it and the history rows after it are dropped, and :attr:`forks`
        marks it. Controls queued after it act on the forked run."""
        self._pause()
        with self._small:
            self._generation += 1  # what a chunk in progress produces is not the new future
        self._config = self.config_at(step + 1)
        self._submit(partial(self._fork, step))

    def snapshot_at(self, step: int, progress: Callable[[int, int], bool] | None = None) -> Snapshot | None:
        """The run's exact snapshot at ``step`` (0 up to the latest), recomputed by the engine
        from its nearest checkpoint once the chunk in progress has ended (it waits: off the UI
        thread, unless :meth:`idle`). ``progress(done, total)`` is called now and then; when it
        returns False the recomputation stops and this returns None. A ValueError for a step
        outside the run."""
        with self._control():
            return self.trainer.snapshot_at(step, progress)

    def idle(self) -> bool:
        """Whether the trainer is free now (the loop is not in a chunk and no control is queued),
        so that :meth:`snapshot_at` does not wait for it."""
        if not self._lock.acquire(blocking=False):
            return False
        self._lock.release()
        return not self._controls

    def apply(self, config: RunConfig) -> None:
        """Go on with ``config`` from the next step: its live fields (learning rate, optimizer,
        batch size, the optimizer's hyperparameters, l1, l2) replace the run's, the parameters
        kept; a new optimizer, batch size or hyperparameter starts a fresh optimizer state,
        and new penalties a new objective (its loss shown at once), each marked on the loss
        curve (:attr:`switches`). An
        ``lr`` of None is the optimizer's default. A ValueError names the fields that differ
        but need a new run (``apply="restart"``), and nothing changes."""
        if restart := self._config.needs_restart(config):
            raise ValueError(f"{', '.join(restart)} cannot change while the run goes on; start a new run")
        self._config = config = replace(config, lr=config.learning_rate)
        self._submit(partial(self._apply, config))

    def change_lr(self, up: bool) -> float:
        """One rung up or down the 1-3-10 learning-rate ladder; returns the new rate."""
        self.apply(replace(self._config, lr=next_rung(LEARNING_RATES, self._config.lr, up)))
        return self._config.lr

    def next_optimizer(self) -> str:
        """Continue from the current parameters with the next optimizer, at its default rate
        (:func:`optimizer_after`: newton and lbfgs are passed over while l1 > 0)."""
        name, _ = optimizer_after(self._config.optimizer, self._config.l1)
        self.apply(replace(self._config, optimizer=name, lr=DEFAULT_LR[name]))
        return name

    def curves(self, until: Snapshot) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """The loss curves to draw for snapshot ``until``: "loss", and "val_loss" when there
        is a split, each the decimated history before ``until``'s step and then ``until``'s
        own value, so that they end at its step whatever the loop did since (a reset shown
        before it ran, a chunk after it). Never waits: the history is read when the loop is
        between chunks (always so while it is parked for a frame); in the middle of one (a
        frame right after a key) the last history read serves, and the curve runs straight
        from its end to ``until`` until the next frame."""
        if self._lock.acquire(blocking=False):
            try:
                self._history_read = self._history_curves()
            finally:
                self._lock.release()
        return {name: _ending_at(*curve, until.step, getattr(until, name)) for name, curve in self._history_read.items()}

    def landscape_inputs(self, until: int) -> tuple[np.ndarray, float, float]:
        """The trajectory's points (m, K, d+1) up to step ``until`` and the penalties ``l2``,
        ``l1`` in use, read once the chunk in progress ends (it waits: call it off the UI
        thread)."""
        with self._control():
            return self.trainer.trajectory.points(until)[1], self.trainer.l2, self.trainer.l1

    def _history_curves(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """The trainer's decimated history of the losses (the caller holds the trainer)."""
        history = self.trainer.history
        names = ["loss"] + (["val_loss"] if self.trainer.X_val is not None else [])
        return {name: history.curve(name) for name in names}

    def close(self) -> None:
        """End :meth:`train` (after the chunk in progress), run the queued controls, and
        finish the history file."""
        with self._control():
            self._closed = True
            if self._history is not None:
                self._finish_history(self._history)
        self._wakeup.set()

    # -- the training loop (a worker thread) ------------------------------------------------
    # -- what the controls do, holding the lock ---------------------------------------------

    def _pause(self) -> None:
        """At once, without the lock: the engine ends a running chunk after the step in
        progress. A queued resume is called off."""
        with self._small:
            self._resuming = False
            self.trainer.pause()

    def _resume(self) -> None:
        with self._small:
            if self._resuming:  # not called off by a pause since
                self._resuming = False
                self.trainer.resume()
                self._restart_clocks()

    def _step(self) -> None:
        self._publish(self.trainer.step())
        self._flush_history()

    def _reset(self) -> None:
        snap = self.trainer.reset()
        self.changes.clear()
        self.forks.clear()
        self._base = self.session.config
        if self._history is not None:
            self._guard_history(self._history.restart)
        with self._small:
            self._latest = (None, snap)

    def _fork(self, step: int) -> None:
        self._forked(self.trainer.fork(step))

    def _forked(self, snap: Snapshot) -> None:
        """What the runner keeps follows the trainer, forked at ``snap``'s step (by
        :meth:`_fork`, or by a race forking its members together)."""
        step = snap.step
        self.changes = [change for change in self.changes if change.step <= step]
        self.forks = [s for s in self.forks if s < step] + [step]
        self.session.config = self.config_at(step + 1)
        if self._history is not None:
            self._guard_history(self._history.cut, step)
        with self._small:
            self._latest = (None, snap)

    def _apply(self, config: RunConfig) -> None:
        before, self.session.config = self.session.config, config
        changed = tuple(f.name for f in before.differences(config))
        if not changed:
            return
        change = LiveChange(self.trainer.snapshot.step, changed, config)
        self.changes.append(change)
        if change.switches_optimizer:
            self.trainer.set_optimizer(config.make_optimizer())
            self._restart_clocks()
        self.trainer.lr = config.lr
        if change.changes_penalties:
            self.trainer.set_penalties(config.l1, config.l2)
            self._publish(self.trainer.snapshot)

    # -- internals --------------------------------------------------------------------------
    def _record(self, snap: Snapshot) -> None:
        """A completed epoch (the engine's ``on_epoch_end``): a history row."""
        self._guard_history(self._history.write, snap)

    def _flush_history(self) -> None:
        if self._history is not None:
            self._guard_history(self._history.flush)

    def _guard_history(self, write: Callable, *args) -> None:
        """``write(*args)`` on the history file; when that fails (a full disk) the run goes
        on without a history and ``on_error`` says so."""
        try:
            write(*args)
        except HistoryError as e:
            self._stop_history()
            self._on_error(f"{e}; training goes on without it")

    def _finish_history(self, history: HistoryFile) -> None:
        """The latest snapshot as a last row if it is not one yet; the file closed."""
        snap = self.trainer.snapshot
        if snap.step not in (0, history.last_step):
            self._record(snap)
        self._flush_history()
        history.close()  # a file that failed is closed already
        self._stop_history()

    def _stop_history(self) -> None:
        self._history = None
        self.trainer.on_epoch_end = None

    def _publish(self, snap: Snapshot, generation: int | None = None) -> None:
        """Make ``snap`` the latest, unless it comes from a chunk that began before a reset."""
        with self._small:
            if generation is None or generation == self._generation:
                self._latest = (self._latest[1], snap)



def _ending_at(steps: np.ndarray, values: np.ndarray, step: int, value: float) -> tuple[np.ndarray, np.ndarray]:
    """The curve's points before ``step``, then ``(step, value)``."""
    before = steps < step
    return np.append(steps[before], step), np.append(values[before], value)
