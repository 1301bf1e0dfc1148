"""The driver between the dashboard and the trainer: the only code that touches the trainer.

Three threads meet here: the training loop (:meth:`Runner.train`, run in a worker thread),
the UI thread (keys) and the loss plot's builder (reading the history). Every access to the
trainer holds one lock. The training loop holds it while it advances a chunk and lets go
only while it waits; a control call announces itself first (``_pending``) so that the loop
steps aside at the end of its chunk instead of grabbing the lock again at once (Python's
locks are not fair, so without this a busy loop could starve the keys).

Chunks are sized by time, about 15 ms of steps each, so a key or a pause lands within a
frame while per-chunk costs stay small. A stochastic optimizer's chunk ends with an
evaluation on the full training set (the engine evaluates at every chunk end); when that
alone is slow (a million points) chunks grow, up to 90 ms, so it stays under a quarter of
the time.

Speed: with a limit of S steps per second the loop spends tokens from a bucket refilled at
S per second and holding at most a tenth of a second's worth, so a stall never turns into
a burst. At ``math.inf`` ("max") it never waits.

Frames: Python runs one thread at a time (the GIL), and a loop that never lets go makes
every small step of the UI wait for it, so a frame takes many times its own cost. The UI
therefore parks the loop for the length of a frame (:meth:`hold`, :meth:`release`): the frame
is drawn at full speed while training waits, and the app spaces frames so that drawing takes
at most a quarter of the time.

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

import numpy as np

from softmax_tui.engine import OPTIMIZERS, Optimizer, RunState, Snapshot, Trainer

from .ladder import DEFAULT_SPEED, LEARNING_RATES, SPEEDS, next_rung
from .options import DEFAULT_LR

CHUNK_SECONDS = 0.015
MAX_CHUNK_SECONDS = 0.09
BURST_SECONDS = 0.1
MAX_HOLD_SECONDS = 0.03
HOLD_WAIT_SECONDS = 0.02


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


class Runner:
    """Runs a trainer in chunks at a chosen speed; every control is thread-safe."""

    def __init__(self, trainer: Trainer, *, speed: float = DEFAULT_SPEED, batch_size: int | None = None,
                 clock: Callable[[], float] = time.perf_counter) -> None:
        self.trainer = trainer
        self.speed = speed
        self.batch_size = batch_size  # --batch-size, kept for the optimizers `o` switches to
        self._clock = clock
        self._cond = threading.Condition(threading.RLock())
        self._pending = 0
        self._pending_lock = threading.Lock()
        self._closed = False
        self._held_until = 0.0
        self._meter = RateMeter()
        self._worker_steps = 0
        self._rate = 0.0
        self.switches: list[tuple[int, str]] = []  # (step, optimizer) where `o` changed the optimizer
        self._latest: tuple[Snapshot | None, Snapshot] = (None, trainer.snapshot)
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
        return self.trainer.state

    @property
    def lr(self) -> float:
        return self.trainer.lr

    @property
    def optimizer(self) -> str:
        return self.trainer.optimizer.name

    @property
    def steps_per_second(self) -> float:
        """Measured over the last second; 0 unless the run is running."""
        return self._rate if self.trainer.state is RunState.RUNNING else 0.0

    # -- controls (any thread) --------------------------------------------------------------

    def toggle(self) -> RunState:
        """Pause a running run, resume a paused one; a finished run stays finished."""
        with self._control():
            if self.trainer.state is RunState.RUNNING:
                self.trainer.pause()
            elif self.trainer.state is RunState.PAUSED:
                self.trainer.resume()
                self._restart_clocks()
            return self.trainer.state

    def step(self) -> Snapshot:
        """Pause (waiting for a running chunk to end), then exactly one optimizer step."""
        with self._control():
            self.trainer.pause()
            self._publish(self.trainer.step())
            return self.snapshot

    def reset(self) -> Snapshot:
        """Step 0 with the initial parameters, paused."""
        with self._control():
            snap = self.trainer.reset()
            self.switches.clear()
            self._latest = (None, snap)
            return snap

    def change_lr(self, up: bool) -> float:
        """One rung up or down the 1-3-10 learning-rate ladder; returns the new rate."""
        with self._control():
            self.trainer.lr = next_rung(LEARNING_RATES, self.trainer.lr, up)
            return self.trainer.lr

    def change_speed(self, up: bool) -> float:
        """One rung up or down the speed ladder (steps per second, ``inf`` = max)."""
        with self._control():
            self.speed = next_rung(SPEEDS, self.speed, up)
            self._restart_clocks()
            return self.speed

    def next_optimizer(self) -> str:
        """Continue from the current parameters with the next optimizer, at its default rate."""
        with self._control():
            name = OPTIMIZERS[(OPTIMIZERS.index(self.trainer.optimizer.name) + 1) % len(OPTIMIZERS)]
            self.trainer.set_optimizer(Optimizer(name, self.batch_size))
            self.trainer.lr = DEFAULT_LR[name]
            self.switches.append((self.snapshot.step, name))
            self._restart_clocks()
            return name

    def curves(self) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """The decimated loss curves to draw: "loss", and "val_loss" when there is a split."""
        with self._control():
            curves = {"loss": self.trainer.history.curve("loss")}
            if self.trainer.X_val is not None:
                curves["val_loss"] = self.trainer.history.curve("val_loss")
            return curves

    def hold(self, seconds: float = MAX_HOLD_SECONDS) -> None:
        """Park the training loop until :meth:`release`, or for ``seconds`` at most, so that
        the UI draws a frame without fighting it for the GIL. Waits for a running chunk to
        end, but not longer than ``HOLD_WAIT_SECONDS`` (the loop then parks after it)."""
        with self._pending_lock:
            self._pending += 1
        parked = self._cond.acquire(timeout=HOLD_WAIT_SECONDS)
        with self._pending_lock:
            self._pending -= 1
        self._held_until = self._clock() + seconds
        if parked:
            self._cond.release()

    def release(self) -> None:
        """End a :meth:`hold` (waking the loop if it is parked; it is if the lock is free)."""
        self._held_until = 0.0
        if self._cond.acquire(blocking=False):
            try:
                self._cond.notify_all()
            finally:
                self._cond.release()

    def close(self) -> None:
        """End :meth:`train` soon (it returns after its current chunk)."""
        with self._control():
            self._closed = True

    # -- the training loop (a worker thread) ------------------------------------------------

    def train(self, cancelled: Callable[[], bool] = lambda: False) -> None:
        """Advance the trainer while it is running, until closed or ``cancelled()``."""
        with self._cond:
            while not (self._closed or cancelled()):
                if self._pending or self.trainer.state is not RunState.RUNNING:
                    self._cond.wait(0.1)
                    continue
                held = self._held_until - self._clock()
                if held > 0:
                    self._cond.wait(held)
                    continue
                n = self._affordable_steps()
                if n < 1:
                    self._cond.wait((1 - self._tokens) / self.speed)
                    continue
                self._run_chunk(n)

    def _run_chunk(self, n: int) -> None:
        before = self.snapshot.step
        start = self._clock()
        self._publish(self.trainer.advance(n))
        now = self._clock()
        done = self.snapshot.step - before
        self._tokens -= done
        self._worker_steps += done
        self._rate = self._meter.add(now, self._worker_steps)
        self._tune(n, now - start)

    def _affordable_steps(self) -> int:
        """Steps the next chunk may take: the time-sized chunk, within the speed's tokens."""
        if math.isinf(self.speed):
            return self._chunk
        now = self._clock()
        capacity = max(1.0, self.speed * BURST_SECONDS)
        self._tokens = min(capacity, self._tokens + (now - self._refilled) * self.speed)
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
        if self.trainer.steps_per_epoch > 1:
            self._fastest = fixed = min(self._fastest, seconds)
            target = min(max(target, 4 * fixed), max(MAX_CHUNK_SECONDS, 1.5 * fixed))
        ratio = min(2.0, max(0.5, (target - fixed) / max(seconds - fixed, 1e-9)))
        scaled = n * ratio
        self._chunk = max(1, math.ceil(scaled) if ratio > 1 else math.floor(scaled))

    # -- internals --------------------------------------------------------------------------

    @contextmanager
    def _control(self) -> Iterator[None]:
        with self._pending_lock:
            self._pending += 1
        with self._cond:
            with self._pending_lock:
                self._pending -= 1
            try:
                yield
            finally:
                self._cond.notify_all()

    def _publish(self, snap: Snapshot) -> None:
        self._latest = (self.snapshot, snap)

    def _restart_clocks(self) -> None:
        """Fresh speed budget, rate window and chunk size (on resume, speed or optimizer change)."""
        self._tokens = 1.0
        self._refilled = self._clock()
        self._meter.clear()
        self._meter.add(self._refilled, self._worker_steps)
        self._rate = 0.0
        self._chunk = 1
        self._fastest = math.inf
