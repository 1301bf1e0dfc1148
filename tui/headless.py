"""``--headless``: train without a screen and print one JSON object per line on stdout.

A progress event every epoch (or every N optimizer steps with ``--every N``, plus one where
the run stops off that grid), then a done event, always last, holding the final parameters
and the preprocessing they act on. ``--history`` streams one CSV row per progress event.
Nothing per step is kept in memory, so a run of any length uses the same memory.

JSON is strict (a missing or non-finite number is ``null``) and floats are printed with
``repr``, which round-trips, so the done event reproduces every prediction exactly.
"""

from __future__ import annotations

import contextlib
import errno
import json
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, TextIO

from softmax_tui.engine import SECOND_ORDER_OPTIMIZERS, RunState, Snapshot, Trainer

from .errors import HistoryError, UserError
from .entry import EXIT_INTERRUPTED
from .numbers import finite
from .safe_text import visible
from .signals import Stopped, stop_signals_raise
from .session import Session

if TYPE_CHECKING:
    from .history import HistoryFile

EXIT_OK, EXIT_USER_ERROR, EXIT_DIVERGED, EXIT_PIPE_CLOSED = 0, 2, 3, 141


class OutputFailed(Exception):
    """Standard output could not be written: closed by its reader (EPIPE), closed before the
    run (``>&-``), or full (``> /dev/full``, a full disk)."""

    def __init__(self, error: OSError) -> None:
        super().__init__(error)
        self.error = error

    @property
    def closed_pipe(self) -> bool:
        return isinstance(self.error, BrokenPipeError)

    @property
    def what(self) -> str:
        if self.closed_pipe:
            return "stopped: the output was closed"
        return f"stopped: the output could not be written ({self.error.strerror or self.error})"

    @property
    def exit_status(self) -> int:
        """141 for a closed pipe, as a shell reports one; 2 for an output the user must fix."""
        return EXIT_PIPE_CLOSED if self.closed_pipe else EXIT_USER_ERROR


class ClosedOutput:
    """Standard output when the process started without one (``>&-``: sys.stdout is None)."""

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, "standard output is closed")

    def flush(self) -> None:
        raise OSError(errno.EBADF, "standard output is closed")


def _metrics(snap: Snapshot) -> dict:
    """Where the run is and how it does: the fields progress and done events share."""
    return {
        "step": snap.step,
        "epoch": snap.epoch,
        "loss": finite(snap.loss),
        "train_accuracy": finite(snap.train_accuracy),
        "val_loss": finite(snap.val_loss),
        "val_accuracy": finite(snap.val_accuracy),
    }


def progress_event(snap: Snapshot) -> dict:
    return {"event": "progress", **_metrics(snap), "grad_norm": finite(snap.grad_norm), "lr": finite(snap.lr)}


def done_event(session: Session, snap: Snapshot, elapsed: float) -> dict:
    """The final event: status and why (the reason in words), metrics, and W, b acting on
    ``(features - mean) / scale``."""
    pipeline = session.pipeline
    return {
        "event": "done",
        "status": snap.state.value,
        "reason": snap.reason,
        **_metrics(snap),
        "elapsed_seconds": elapsed,
        "W": snap.W.tolist(),
        "b": snap.b.tolist(),
        "classes": list(session.class_names),
        "features": list(session.feature_names),
        "preprocessing": {"mean": pipeline.mean.tolist(), "scale": pipeline.scale.tolist()},
    }


def progress_snapshots(trainer: Trainer, every: int | None) -> Iterator[Snapshot]:
    """Train to the end, yielding the snapshot of each progress event: at every epoch's end,
    or every ``every`` optimizer steps, and where the run stops off that grid (each step at
    most once). A headless session's trainer keeps no checkpoints (``checkpoints=False``:
    :func:`~.session.build_session`; 2048 of them, 3.6 MB, on 10 million sgd steps of blobs)."""
    reported = trainer.snapshot.step
    while not trainer.state.finished:
        if every:
            snap = trainer.advance(every)
        else:
            snap = trainer.advance(trainer.steps_per_epoch, until_epoch_end=True)
        if snap.step != reported:
            reported = snap.step
            yield snap


def to_json(event: dict) -> str:
    return json.dumps(event, allow_nan=False)


class _Run:
    """One headless run: the training loop and what it emits."""

    def __init__(self, session: Session, out: TextIO, history: HistoryFile | None) -> None:
        self.session = session
        self.out = out
        self.history = history
        self.emitted_step = session.trainer.snapshot.step

    def emit(self, snap: Snapshot) -> None:
        """A history row and a progress line for ``snap`` (once per step)."""
        self.emitted_step = snap.step
        if self.history:
            self.history.write(snap)
            self.history.flush()  # every row in the file at once: a crash loses none
        self.print(to_json(progress_event(snap)))

    def print(self, line: str) -> None:
        """``line`` on the output, flushed; a failure is :class:`OutputFailed`."""
        try:
            self.out.write(line + "\n")
            self.out.flush()
        except OSError as e:
            raise OutputFailed(e) from None

    def train(self) -> None:
        for snap in progress_snapshots(self.session.trainer, self.session.options.every):
            self.emit(snap)

    def catch_up(self) -> None:
        """After an interruption: emit the latest snapshot if it was not yet (stdout may be gone)."""
        snap = self.session.trainer.snapshot
        if snap.step != self.emitted_step:
            with contextlib.suppress(OutputFailed):
                self.emit(snap)


def run_headless(session: Session, out: TextIO, err: TextIO) -> int:
    """Train to the end, printing JSON lines on ``out``; returns the exit status.

    0 when the run finishes (max epochs, converged, early stopped), 3 when it diverged
    (after the done event; a line on ``err`` says why). Stopped from outside, by Ctrl+C
    (130), SIGTERM (143), SIGHUP (129) or a closed ``out`` (141), the history is complete up
    to the last snapshot, the model is saved if asked, and one line on ``err`` says where
    training stopped; there is no done event. The output files are checked (the history is
    opened) before any training.
    """
    options = session.options
    if options.save_model:
        from .modelfile import check_writable  # model files are written on request only

        check_writable(options.save_model)
    history = None
    if options.history:
        from .history import HistoryFile  # only with --history: it imports csv

        history = HistoryFile(options.history)
    try:
        return _run(_Run(session, out, history), err)
    finally:
        if history:
            history.close()


def _run(run: _Run, err: TextIO) -> int:
    session, options = run.session, run.session.options
    start = time.perf_counter()
    try:
        with stop_signals_raise():
            run.train()
    except KeyboardInterrupt:
        return _stopped(run, err, "interrupted", EXIT_INTERRUPTED)
    except Stopped as e:
        return _stopped(run, err, f"stopped by {e.name}", e.exit_status)
    except OutputFailed as e:
        return _stopped(run, err, e.what, e.exit_status)
    except HistoryError as e:  # keep the work, as after Ctrl+C, but it is an error (status 2)
        snap = session.trainer.snapshot
        saved = _keep_model(session)
        raise HistoryError(f"{e} at step {snap.step} (epoch {snap.epoch}); training stopped"
                           + (f", {saved}" if saved else "")) from None
    elapsed = time.perf_counter() - start
    snap = session.trainer.snapshot
    unsaved = None
    try:
        _keep_model(session)
    except UserError as e:  # a full disk, say: the done event below still holds W and b
        unsaved = e
    try:
        run.print(to_json(done_event(session, snap, elapsed)))
    except OutputFailed as e:
        if unsaved is None:  # a lost done event is said, with what was kept (a closed pipe: silently)
            return EXIT_PIPE_CLOSED if e.closed_pipe else _stopped(run, err, e.what, e.exit_status)
    if unsaved is not None:
        raise unsaved
    if snap.state is RunState.DIVERGED:
        hint = "" if options.run.optimizer in SECOND_ORDER_OPTIMIZERS else "; try a smaller --lr"
        err.write(f"softmax-tui: training diverged: {visible(snap.reason)}{hint}\n")
        return EXIT_DIVERGED
    if snap.state is RunState.STALLED:
        err.write(f"softmax-tui: training stalled: {visible(snap.reason)}\n")
        return EXIT_DIVERGED
    return EXIT_OK


def _keep_model(session: Session) -> str:
    """Save the model of a run that cannot go on (if asked); the note that says so ("" if not)."""
    path = session.options.save_model
    if not path:
        return ""
    from .modelfile import save_model  # model files are written on request only

    save_model(path, session.saved_model())
    return f"model saved to {path}"


def _stopped(run: _Run, err: TextIO, what: str, status: int) -> int:
    """Keep the work of a run stopped from outside, and say where it stopped."""
    session, options = run.session, run.session.options
    run.catch_up()
    notes = [f"history in {options.history}"] if options.history else []
    if saved := _keep_model(session):
        notes.append(saved)
    snap = session.trainer.snapshot
    with contextlib.suppress(OSError):  # after SIGHUP the terminal may be gone
        err.write(visible(f"softmax-tui: {what} at step {snap.step} (epoch {snap.epoch}), "
                          f"loss {snap.loss:.6g}" + ("; " + ", ".join(notes) if notes else "")) + "\n")
    return status
