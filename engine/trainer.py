"""The trainer: one optimizer step at a time, with run state, stopping rules and history.

A step draws the next batch (the whole training set for full-batch optimizers, else the
next slice of a permutation reshuffled every epoch), computes the gradient of the
objective on it and applies the update rule. The trainer then *evaluates* the objective on
the full training set (and the validation set) at the new parameters. For full-batch
optimizers that evaluation is also the next step's gradient, so each step costs one forward
and one backward pass. Stochastic optimizers are evaluated at every epoch end and whenever
a snapshot is taken, so a long run of cheap steps is not slowed by full passes. newton and
lbfgs (:mod:`.second_order`) take one full-batch iteration per step, their line search
evaluating trial points; the accepted point's evaluation is the trainer's, so they too cost
no pass beyond the line search's (and refuse ``l1 > 0``: a ValueError).

The objective is mean cross-entropy + (l2/2) ||W||^2 + l1 ||W||_1 (:mod:`.objective`); the
L1 term is handled by the optimizer's proximal step (:mod:`.optimizers`). ``lr``, ``l1``,
``l2`` and the optimizer can change between steps. A new ``l1`` or ``l2`` is a new
objective: the trainer evaluates it at once at the current parameters (the snapshot's loss
and gradient norm are the new objective's, recorded in the history at the same step) and
forgets what it measured under the old one: the blow-up limit is set afresh from the new
loss, and early stopping's best validation loss and count of epochs without improvement
start over (the validation loss includes the penalty, so the old best is not comparable).
The optimizer's state is kept: its velocities and moments are averages of gradients the
next steps soon outweigh. A finished run stays finished.

Stopping rules, checked at epoch ends so that a run does not depend on how it is chunked:
``max_epochs`` reached; the norm of the full-batch gradient (with L1, of the minimum-norm
subgradient, which is zero exactly at a minimum) below ``tol`` (converged); validation loss
not improving for ``patience`` epochs (early stopped). ``max_steps`` is checked after every
step (it counts optimizer steps, which chunking does not change either), after the epoch-end
rules when both apply. A non-finite parameter or loss, or a
loss that explodes past ``BLOWUP_FACTOR`` times its starting value (the steps overshoot so
far that only float64's range stops them), ends the run as diverged and restores the last
good snapshot; nothing raises.

Any past step can be shown again exactly (:meth:`Trainer.snapshot_at`) and made the present
(:meth:`Trainer.fork`): the trainer records checkpoints of its whole state as it advances
(:mod:`.timeline`) and recomputes the steps from the nearest one on a private copy of itself.
A run that is never rewound keeps none (``Trainer(..., checkpoints=False)``: headless).
"""

from __future__ import annotations

import copy
import math
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from .history import History
from .model import SoftmaxRegression, as_labels
from .objective import Evaluation, Objective, batch_gradient
from .optimizers import Optimizer
from .trajectory import Trajectory, trajectory_capacity

if TYPE_CHECKING:
    from .timeline import Checkpoint, Timeline


#: The training loss may never exceed this multiple of ``max(1, initial loss)``. Cross-entropy
#: starts near log K and falls; a million-fold rise means the steps are overshooting.
BLOWUP_FACTOR = 1e6
#: A replay with a progress callback reports after pieces of about this many seconds.
REPLAY_PIECE_SECONDS = 0.05
#: Comparisons in a run's reason show values to at least this many significant digits.
REASON_DIGITS = 3


def distinct_texts(value: float, bound: float, digits: int = REASON_DIGITS) -> tuple[str, str]:
    """``value`` and ``bound`` as text with the fewest significant digits (at least
    ``digits``) that tell them apart, so that a comparison of the two reads true
    ("9.9999e-07 < 1e-06", not "1e-06 < 1e-06"): rounding keeps order, so texts that differ
    compare as the numbers do. Equal numbers give equal texts of ``digits`` digits."""
    places = digits
    if value != bound:
        while f"{value:.{places}g}" == f"{bound:.{places}g}":  # at 17 digits any two differ
            places += 1
    return f"{value:.{places}g}", f"{bound:.{places}g}"


def _count(n: int, noun: str) -> str:
    """"1 epoch", "2 epochs"."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


class RunState(str, Enum):
    RUNNING = "running"
    PAUSED = "paused"
    MAX_EPOCHS = "max_epochs"
    MAX_STEPS = "max_steps"
    CONVERGED = "converged"
    EARLY_STOPPED = "early_stopped"
    DIVERGED = "diverged"
    STALLED = "stalled"  # a second-order method's line search found no decrease

    @property
    def finished(self) -> bool:
        return self not in (RunState.RUNNING, RunState.PAUSED)


@dataclass(frozen=True)
class Snapshot:
    """The run at the end of one step. Arrays are read-only copies."""

    step: int
    epoch: int  # completed passes over the training set
    W: np.ndarray
    b: np.ndarray
    loss: float  # objective on the training set: mean CE + (l2/2) ||W||^2 + l1 ||W||_1
    train_accuracy: float
    val_loss: float | None
    val_accuracy: float | None
    grad_norm: float  # norm of the full-batch minimum-norm subgradient of the objective (the gradient when l1 = 0)
    lr: float
    state: RunState
    reason: str = ""  # why the run finished, in words


def _penalty(name: str, value: float) -> float:
    """A penalty weight as a float; a ValueError unless it is finite and >= 0."""
    if not (value >= 0 and math.isfinite(value)):
        raise ValueError(f"{name} must be a finite number >= 0, got {value}")
    return float(value)


def _learning_rate(value: float) -> float:
    if not (value > 0 and math.isfinite(value)):
        raise ValueError(f"learning rate must be a positive finite number, got {value}")
    return float(value)


def _frozen(a: np.ndarray) -> np.ndarray:
    a = a.copy()
    a.flags.writeable = False
    return a


class _Evaluated(NamedTuple):
    """The last parameters that evaluated to a finite loss, with their evaluation.

    A named tuple, immutable as a frozen dataclass is, built in a third of the time at every
    evaluation (0.18 against 0.58 µs) and created at import with no code generated (the
    dataclass cost 3 million instructions of every start)."""

    step: int
    epoch: int
    W: np.ndarray  # read-only copies
    b: np.ndarray
    train: Evaluation
    val: Evaluation | None
    lr: float


#: The gradient norm below which a run has converged, unless a trainer is given another.
TOL = 1e-6


class Trainer:
    """Owns a model, an optimizer, the data, the run state and the history."""

    def __init__(
        self,
        model: SoftmaxRegression,
        optimizer: Optimizer,
        X_train: np.ndarray,
        y_train: np.ndarray,
        X_val: np.ndarray | None = None,
        y_val: np.ndarray | None = None,
        *,
        lr: float = 0.1,
        l2: float = 0.0,
        l1: float = 0.0,
        max_epochs: int | None = None,
        max_steps: int | None = None,
        patience: int | None = None,
        tol: float = TOL,
        seed: int | Sequence[int] = 0,
        history_capacity: int = 2048,
        paused: bool = False,
        checkpoints: bool = True,
    ) -> None:
        K = model.n_classes
        self.X = np.ascontiguousarray(X_train, dtype=np.float64)
        self.y = as_labels(y_train, K)
        if X_val is not None and len(X_val):
            self.X_val = np.ascontiguousarray(X_val, dtype=np.float64)
            self.y_val = as_labels(y_val, K)
        else:
            self.X_val = self.y_val = None
        if self.X.shape[1] != model.n_features:
            raise ValueError(f"the model has {model.n_features} features, the data {self.X.shape[1]}")
        if patience is not None and self.X_val is None:
            raise ValueError("early stopping (patience) needs a validation split")
        self._train_objective = Objective(self.X, self.y, K)
        self._val_objective = Objective(self.X_val, self.y_val, K) if self.X_val is not None else None
        self.model = model
        self.optimizer = optimizer
        self._l2 = _penalty("l2", l2)
        self._l1 = _penalty("l1", l1)
        optimizer.check_penalty(self._l1)
        self.max_epochs = max_epochs
        self.max_steps = max_steps
        self.patience = patience
        self.tol = tol
        self.seed = seed
        self.history = History(history_capacity)
        #: The parameters at every evaluated step, thinned to bounded memory (:mod:`.trajectory`).
        self.trajectory = Trajectory(trajectory_capacity(K, model.n_features))
        #: Called with the snapshot at the end of every completed epoch (after the stopping
        #: rules), in the thread that advances; a log of every epoch (``--history``) without
        #: chunking a run at epoch ends.
        self.on_epoch_end: Callable[[Snapshot], None] | None = None
        #: Called with ``(step, loss, train_accuracy)`` at every evaluated step, as the history
        #: records it (cheap: no snapshot is built); a race times its milestones with it.
        self.on_evaluated: Callable[[int, float, float], None] | None = None
        #: Checkpoints of the whole state, from which any past step is recomputed exactly
        #: (:mod:`.timeline`, :meth:`snapshot_at`, :meth:`fork`); None in a private replay copy
        #: and in a run built with ``checkpoints=False``, one that is never rewound (headless
        #: sessions and races, :func:`softmax_tui.train`, the estimator).
        self.timeline: Timeline | None = None
        if checkpoints:
            from .timeline import Timeline  # only where checkpoints are kept: not on headless runs' path

            self.timeline = Timeline()
        self._initial = (model.W.copy(), model.b.copy())
        self._lr = _learning_rate(lr)
        self._restart(RunState.PAUSED if paused else RunState.RUNNING)

    # -- public controls ---------------------------------------------------------------

    @property
    def lr(self) -> float:
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        """From the next step; a ValueError unless a positive finite number."""
        value = _learning_rate(value)
        if value != self._lr:
            self._lr = value
            self._pin()

    @property
    def l2(self) -> float:
        """The L2 penalty's weight: ``(l2/2) ||W||^2``. Setting it changes the objective
        from the next step (module docstring); a ValueError unless finite and >= 0."""
        return self._l2

    @l2.setter
    def l2(self, value: float) -> None:
        self.set_penalties(self._l1, value)

    @property
    def l1(self) -> float:
        """The L1 penalty's weight: ``l1 ||W||_1``. Setting it changes the objective from
        the next step (module docstring); a ValueError unless finite and >= 0."""
        return self._l1

    @l1.setter
    def l1(self, value: float) -> None:
        self.set_penalties(value, self._l2)

    def set_penalties(self, l1: float, l2: float) -> None:
        """Both penalties at once, evaluated once; from the next step (module docstring).
        Nothing changes when they are the ones in use. A ValueError unless both are finite
        and >= 0 (and then neither changes)."""
        l1, l2 = _penalty("l1", l1), _penalty("l2", l2)
        self.optimizer.check_penalty(l1)
        if (l1, l2) != (self._l1, self._l2):
            self._l1, self._l2 = l1, l2
            self._change_objective()
            self._pin()

    @property
    def state(self) -> RunState:
        """The live run state."""
        return self._state

    @property
    def snapshot(self) -> Snapshot:
        """The run after the last evaluated step (built on demand, then kept until the next)."""
        if self._snapshot is None:
            g = self._good
            self._snapshot = Snapshot(
                step=g.step, epoch=g.epoch, W=g.W, b=g.b, loss=g.train.loss,
                train_accuracy=g.train.accuracy,
                val_loss=None if g.val is None else g.val.loss,
                val_accuracy=None if g.val is None else g.val.accuracy,
                grad_norm=g.train.grad_norm, lr=g.lr, state=self._state, reason=self._reason,
            )
        return self._snapshot

    @property
    def n_train(self) -> int:
        return self.X.shape[0]

    @property
    def steps_per_epoch(self) -> int:
        batch = self.optimizer.batch_size
        return 1 if batch is None else -(-self.n_train // batch)

    def pause(self) -> None:
        if self._state is RunState.RUNNING:
            self._set_state(RunState.PAUSED)

    def resume(self) -> None:
        if self._state is RunState.PAUSED:
            self._set_state(RunState.RUNNING)

    def reset(self) -> Snapshot:
        """Back to step 0: the exact initial parameters, fresh optimizer state, paused."""
        self._restart(RunState.PAUSED)
        return self.snapshot

    def set_optimizer(self, optimizer: Optimizer) -> None:
        """Continue from the current parameters with another optimizer (fresh state). A
        ValueError (and no change) for newton or lbfgs while ``l1 > 0``."""
        optimizer.check_penalty(self._l1)
        self.optimizer = optimizer
        self._order = None
        self._pos = 0
        self._cached = None
        self._pin()

    # -- stepping ----------------------------------------------------------------------

    def step(self) -> Snapshot:
        """Exactly one optimizer step (a no-op once the run has finished)."""
        return self.advance(1)

    def advance(self, steps: int, *, until_epoch_end: bool = False) -> Snapshot:
        """Up to ``steps`` steps, stopping early when the run finishes, when another
        thread pauses a running run (after the step in progress), or, with
        ``until_epoch_end``, when an epoch completes. Returns the snapshot after the last step.

        Floating-point overflow is expected on the way to divergence and is detected
        explicitly, so numpy's warnings are silenced here."""
        timeline = self.timeline
        if timeline is not None:
            timeline.started()
        try:
            with np.errstate(over="ignore", invalid="ignore"):
                return self._advance(steps, until_epoch_end)
        finally:
            if timeline is not None:
                timeline.stopped()

    def _advance(self, steps: int, until_epoch_end: bool) -> Snapshot:
        if self._state.finished:
            return self.snapshot
        running = self._state is RunState.RUNNING
        timeline = self.timeline
        for i in range(steps):
            epoch_ended = self._step()
            if not self._params_finite():
                self._diverge("a parameter became non-finite")
                return self.snapshot
            # a pause from another thread ends a running chunk after the current step
            last = i == steps - 1 or (running and self._state is not RunState.RUNNING)
            stop = False
            if epoch_ended or last or self._at_max_steps:  # a full-batch step always ends an epoch
                finished = self._evaluate_and_check(epoch_ended)
                if finished and self._state is RunState.DIVERGED:
                    return self.snapshot
                stop = finished or last or (until_epoch_end and epoch_ended)
            if timeline is not None and timeline.due(self._step_count):
                timeline.add(self.checkpoint())
            if stop:
                return self.snapshot
        return self.snapshot

    # -- any past step (the timeline) ---------------------------------------------------------

    def checkpoint(self) -> Checkpoint:
        """The whole state after the current step (:class:`.timeline.Checkpoint`): what
        :meth:`restore` needs to go on exactly as this run would."""
        from .timeline import OVERHEAD_BYTES, Checkpoint

        W, b, optimizer = _frozen(self.model.W), _frozen(self.model.b), copy.deepcopy(self.optimizer)
        order_drawn = self._order is not None
        rng_state = self._order_rng_state if order_drawn else self._shuffle_rng.bit_generator.state
        nbytes = OVERHEAD_BYTES + 3 * (W.nbytes + b.nbytes) + _array_bytes(optimizer) + _array_bytes(self._cached)
        return Checkpoint(
            step=self._step_count, epoch=self._epoch, W=W, b=b, optimizer=optimizer, lr=self._lr,
            l1=self._l1, l2=self._l2, rng_state=rng_state, order_drawn=order_drawn, pos=self._pos,
            cached=self._cached, good=self._good, loss_limit=self._loss_limit, best_val=self._best_val,
            bad_epochs=self._bad_epochs, stall=self._stall, state=self._state, reason=self._reason, nbytes=nbytes,
        )

    def restore(self, checkpoint: Checkpoint) -> None:
        """Put this trainer in the state ``checkpoint`` holds (taken from this trainer or one
        on the same data and settings); its history, trajectory and timeline are not touched.
        The epoch's permutation is drawn again from the generator's state before it, so a
        checkpoint holds no O(n) array."""
        cp = checkpoint
        self.model.W, self.model.b = cp.W.copy(), cp.b.copy()
        self.optimizer = copy.deepcopy(cp.optimizer)
        self._lr, self._l1, self._l2 = cp.lr, cp.l1, cp.l2
        self._shuffle_rng = np.random.default_rng(0)
        self._shuffle_rng.bit_generator.state = cp.rng_state
        self._order, self._order_rng_state = None, None
        if cp.order_drawn:
            self._order_rng_state = cp.rng_state
            self._draw_order()
        self._pos, self._step_count, self._epoch = cp.pos, cp.step, cp.epoch
        self._cached, self._good, self._loss_limit = cp.cached, cp.good, cp.loss_limit
        self._best_val, self._bad_epochs, self._stall = cp.best_val, cp.bad_epochs, cp.stall
        self._set_state(cp.state, cp.reason)

    def snapshot_at(self, step: int, progress: Callable[[int, int], bool] | None = None) -> Snapshot | None:
        """The run as it was after step ``step`` (0 <= step <= the current step), bit for bit:
        recomputed on a private copy of this trainer from the nearest checkpoint at or before
        it (the live trainer is not touched; call it while the trainer does not advance, from
        any thread). Its state is PAUSED for a step before the current one. ``progress(done,
        total)`` is called between pieces of about 50 ms of recomputing; when it returns False
        the recompute stops and None is returned. A ValueError for a step outside the run, or
        before the current one when the trainer keeps no checkpoints (``timeline`` None)."""
        if step == self._good.step:
            return self.snapshot
        replay = self._replay(step, progress)
        return None if replay is None else replay.snapshot

    def fork(self, step: int, progress: Callable[[int, int], bool] | None = None) -> Snapshot | None:
        """Go back to step ``step`` and make it the present: the whole state as it was then
        (:meth:`snapshot_at`), paused; the history, trajectory and checkpoints after it are
        dropped, so training on starts a new future from there. None (and no change) when
        ``progress`` cancels. A ValueError for a step outside the run, or before the current
        one when the trainer keeps no checkpoints."""
        if step == self._good.step:
            self.pause()
            return self.snapshot
        replay = self._replay(step, progress)
        if replay is None:
            return None
        self.restore(replay.checkpoint())
        self.history.truncate(step)
        self.trajectory.truncate(step)
        self.timeline.truncate(step)
        g = self._good
        if self.history.last_step != step:
            self._record(g.train, g.val)
        self._pin()
        return self.snapshot

    def _replay(self, step: int, progress: Callable[[int, int], bool] | None) -> Trainer | None:
        """A private copy of this trainer advanced from the nearest checkpoint to ``step``,
        paused; None when ``progress`` cancels."""
        if not 0 <= step <= self._good.step:
            raise ValueError(f"step {step} is outside the run (0 to {self._good.step})")
        if self.timeline is None:
            raise ValueError(f"step {step} cannot be recomputed: this run keeps no checkpoints")
        checkpoint = self.timeline.nearest(step)
        replay = copy.copy(self)  # shares the data and objectives (their workspaces are per thread)
        replay.model = copy.copy(self.model)
        replay.history, replay.trajectory, replay.timeline = History(2), Trajectory(2), None
        replay.on_epoch_end = replay.on_evaluated = None
        replay.restore(checkpoint)
        if not replay.state.finished:
            replay._set_state(RunState.PAUSED)
        total, piece = step - checkpoint.step, 1
        while replay._step_count < step:
            n = step - replay._step_count if progress is None else min(piece, step - replay._step_count)
            start = time.perf_counter()
            before = replay._step_count
            replay.advance(n)
            if replay._step_count != before + n:
                raise RuntimeError(f"the replay of step {step} stopped at step {replay._step_count} "
                                   f"({replay.state.value}): the run is not deterministic")
            seconds = time.perf_counter() - start
            if progress is not None and replay._step_count < step:
                if progress(replay._step_count - checkpoint.step, total) is False:
                    return None
                piece = max(1, min(2 * piece, math.floor(n * REPLAY_PIECE_SECONDS / max(seconds, 1e-9))))
        if replay._good.step != step:  # a stochastic run's checkpoint between two evaluations
            replay._evaluate_and_check(epoch_ended=False)
        return replay

    def _pin(self) -> None:
        """A live change took effect here: a checkpoint that no thinning drops, so that no
        change falls between a checkpoint and a step recomputed from it."""
        if self.timeline is not None:
            self.timeline.add(self.checkpoint(), pinned=True)

    # -- internals ---------------------------------------------------------------------

    @property
    def _full_batch(self) -> bool:
        return self.optimizer.batch_size is None or self.optimizer.batch_size >= self.n_train

    def _restart(self, state: RunState) -> None:
        self.model.W = self._initial[0].copy()
        self.model.b = self._initial[1].copy()
        self.optimizer.reset()
        self._shuffle_rng = np.random.default_rng(self.seed)
        self._order: np.ndarray | None = None
        self._pos = 0
        self._step_count = 0
        self._epoch = 0
        self._order_rng_state: dict | None = None
        self.history.clear()
        self.trajectory.clear()
        self._good: _Evaluated | None = None
        self._set_state(state)
        self._change_objective()
        if self.timeline is not None:
            self.timeline.clear()
            self._pin()

    def _change_objective(self) -> None:
        """A new run or new penalties: evaluate the objective here, forgetting what was
        measured before (the cached gradient, the blow-up limit, early stopping's best)."""
        self._cached: Evaluation | None = None
        self._stall = ""
        self._loss_limit: float | None = None
        self._best_val, self._bad_epochs = math.inf, 0
        self._evaluate_and_check(epoch_ended=False)

    @property
    def _at_max_steps(self) -> bool:
        return self.max_steps is not None and self._step_count >= self.max_steps

    def _params_finite(self) -> bool:
        # a sum is non-finite iff an entry is (or the total overflows, far past any sane run)
        return math.isfinite(self.model.W.sum() + self.model.b.sum())

    def _step(self) -> bool:
        """One update; returns whether it completed an epoch."""
        W, b = self.model.W, self.model.b
        if self.optimizer.second_order:  # the line search's last evaluation is the new point's
            ev = self._cached or self._train_objective.evaluate(W, b, self._l2, self._l1)
            self._cached = self.optimizer.iterate(self._train_objective, [W, b], ev, self._l2)
            self._stall = self.optimizer.stall
            self._step_count += 1
            self._epoch += 1
            return True
        if self._full_batch:
            ev = self._cached or self._train_objective.evaluate(W, b, self._l2, self._l1)
            dW, db = ev.dW, ev.db
            epoch_ended = True
        else:
            if self._order is None:
                self._order_rng_state = self._shuffle_rng.bit_generator.state
                self._draw_order()
            idx = self._order[self._pos : self._pos + self.optimizer.batch_size]
            self._pos += len(idx)
            dW, db = batch_gradient(W, b, self.X[idx], self.y[idx], self._l2)
            epoch_ended = self._pos >= self.n_train
            if epoch_ended:
                self._order, self._pos = None, 0
        self.optimizer.apply([W, b], [dW, db], self._lr, self._l1)
        self._cached = None
        self._step_count += 1
        self._epoch += epoch_ended
        return epoch_ended

    def _draw_order(self) -> None:
        """The next epoch's permutation of the training set."""
        self._order = self._shuffle_rng.permutation(self.n_train)

    @np.errstate(over="ignore", invalid="ignore")  # as in advance: overflow is detected, not printed
    def _evaluate_and_check(self, epoch_ended: bool) -> bool:
        """Evaluate at the current parameters, record, apply the stopping rules.
        Returns whether the run finished."""
        W, b = self.model.W, self.model.b
        ev = self._cached or self._train_objective.evaluate(W, b, self._l2, self._l1)
        val = self._val_objective.evaluate(W, b, self._l2, self._l1, gradient=False) if self._val_objective else None
        if not (math.isfinite(ev.loss) and (val is None or math.isfinite(val.loss))):
            self._diverge("the loss became non-finite")
            return True
        if self._loss_limit is None:
            self._loss_limit = BLOWUP_FACTOR * max(1.0, ev.loss)
        elif ev.loss > self._loss_limit:
            self._diverge(f"the loss exploded to {ev.loss:.3g}")
            return True
        self._cached = ev
        if epoch_ended:
            self._apply_stopping_rules(ev, val)
        if not self._state.finished and self._stall:
            self._set_state(RunState.STALLED, f"{self._stall} at step {self._step_count} (gradient norm "
                            f"{ev.grad_norm:.3g}): badly scaled features? standardize them, or use gd")
        if not self._state.finished and self._at_max_steps:
            self._set_state(RunState.MAX_STEPS, f"reached {_count(self.max_steps, 'step')}")
        self._good = _Evaluated(self._step_count, self._epoch, _frozen(W), _frozen(b), ev, val, self._lr)
        self._snapshot = None
        self._record(ev, val)
        if epoch_ended and self.on_epoch_end is not None:
            self.on_epoch_end(self.snapshot)
        return self._state.finished

    def _record(self, ev: Evaluation, val: Evaluation | None) -> None:
        """The current step's parameters and metrics into the trajectory and the history."""
        self.trajectory.append(self._step_count, self.model.W, self.model.b)
        self.history.append(self._step_count, ev.loss, ev.accuracy,
                            None if val is None else val.loss, None if val is None else val.accuracy)
        if self.on_evaluated is not None:
            self.on_evaluated(self._step_count, ev.loss, ev.accuracy)

    def _apply_stopping_rules(self, ev: Evaluation, val: Evaluation | None) -> None:
        if ev.grad_norm < self.tol:
            norm, tol = distinct_texts(ev.grad_norm, self.tol)
            self._set_state(RunState.CONVERGED, f"gradient norm {norm} < tol {tol}")
        elif val is not None and self.patience is not None and val.loss >= self._best_val:
            self._bad_epochs += 1
            if self._bad_epochs >= self.patience:
                self._set_state(RunState.EARLY_STOPPED, "validation loss has not improved on "
                                f"{self._best_val:.6g} for {self.patience} epochs")
        elif val is not None:
            self._best_val, self._bad_epochs = val.loss, 0
        if not self._state.finished and self.max_epochs is not None and self._epoch >= self.max_epochs:
            self._set_state(RunState.MAX_EPOCHS, f"reached {_count(self.max_epochs, 'epoch')}")

    def _set_state(self, state: RunState, reason: str = "") -> None:
        self._state, self._reason = state, reason
        self._snapshot = None

    def _diverge(self, what: str) -> None:
        """Stop as diverged, back at the last parameters with a finite loss."""
        reason = f"{what} at step {self._step_count} (lr {self._lr:g})"
        last = self._good
        if last is None:  # the initial parameters themselves give a non-finite loss
            raise ValueError(f"the initial parameters give a non-finite loss: {reason}")
        self.model.W, self.model.b = last.W.copy(), last.b.copy()
        self._step_count, self._epoch = last.step, last.epoch
        self._cached = None
        self._set_state(RunState.DIVERGED, reason)
        if self.timeline is not None:
            self.timeline.truncate(last.step)


def _array_bytes(obj) -> int:
    """About how many bytes of arrays ``obj`` holds: an array, or the arrays among the
    attributes, list items and tuple fields of an optimizer or an evaluation (a checkpoint's
    size for the timeline's budget)."""
    if isinstance(obj, np.ndarray):
        return obj.nbytes
    if isinstance(obj, (list, tuple, deque)):
        return sum(_array_bytes(item) for item in obj)
    fields = getattr(obj, "__dict__", None)
    if fields is None and hasattr(obj, "__slots__"):
        fields = {name: getattr(obj, name, None) for name in obj.__slots__}
    return sum(_array_bytes(value) for value in (fields or {}).values())
