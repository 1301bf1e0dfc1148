"""The dashboard: four panels, a status bar and the keys, around one training run.

The app owns a :class:`~softmax_tui.tui.runner.Runner`, which drives the trainer in a worker
thread; keys call the runner, and a timer draws the latest snapshot about 20 times a second.
The panels only draw what they are given. ``app.session`` is the run on screen: ``d``
replaces it with a new session on another dataset.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from collections.abc import Iterable
from dataclasses import dataclass, replace

import numpy as np
from textual import work
from textual.app import App, ComposeResult, SystemCommand
from textual.color import Color
from textual.containers import Grid
from textual.events import Resize
from textual.geometry import Size
from textual.message import Message
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.widgets import Footer
from textual.worker import get_current_worker

from softmax_tui.datasets import DatasetError
from softmax_tui.engine import RunState, Snapshot, explain_point

from .errors import UserError
from .history import HistoryFile
from .keys import KEYS, bindings
from .ladder import DEFAULT_SPEED
from .mapview import MapView, Selection
from .runner import Runner
from .safe_text import visible, visible_all
from .screens.dataset import DatasetScreen
from .signals import STOP_SIGNALS
from .screens.help import HelpScreen
from .screens.too_small import TooSmallScreen
from .session import Session, build_session
from .widgets.decision_map import DecisionMap
from .widgets.jacobian import JacobianPanel, Subject
from .widgets.loss import LossPlot, PlotRequest
from .widgets.parameters import ParameterBars
from .widgets.status import Status, StatusBar

FRAMES_PER_SECOND = 20
UI_SHARE = 0.25  # at most this share of the time goes to drawing while training runs
MINIMUM_SIZE = Size(64, 20)
NARROW_WIDTH = 100
THEME = "textual-dark"


class SoftmaxApp(App[None]):
    """Trains ``session``'s run and shows it; ``speed`` is the starting limit in steps/s."""

    CSS_PATH = "app.tcss"
    TITLE = "softmax-tui"
    BINDINGS = bindings()

    class RunChanged(Message):
        """The training loop ran a queued control (posted from its thread)."""

    class Parked(Message):
        """The training loop has parked for the frame that waits for it (posted from its thread)."""

    @dataclass
    class RunProblem(Message):
        """Something the training loop could not do, in words (posted from its thread)."""

        text: str

    def __init__(self, session: Session, *, speed: float = DEFAULT_SPEED) -> None:
        """With ``--history``, the file is opened here: a path that cannot be written is a
        :class:`UserError` before the app starts."""
        super().__init__()
        self.theme = THEME
        self.log_scale = False
        self.boundaries = True
        self._speed = speed
        self._switching = False
        history = session.options.history
        self._use(session, HistoryFile(history) if history else None)

    def _use(self, session: Session, history: HistoryFile | None) -> None:
        """Make ``session`` the run on screen (the widgets follow on the next compose)."""
        self.session = session
        self.runner = Runner(session, speed=self._speed,
                             history=history, on_change=lambda: self.post_message(self.RunChanged()),
                             on_error=lambda text: self.post_message(self.RunProblem(text)))
        dataset, rows = session.dataset, session.prepared.train_index
        self.map_view = MapView(dataset.X[rows], dataset.y[rows], session.pipeline, dataset.feature_names,
                                visible_all(dataset.class_names))
        self.selection = Selection.point(int(self.map_view.drawn[0]))
        self._cursor_input: tuple[Selection, np.ndarray] | None = None
        self._drawn: tuple | None = None
        self._announced = session.trainer.state
        self._next_frame = 0.0
        self._parking = False  # a frame waits for the training loop to park

    # -- layout ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        self.parameters = ParameterBars(id="parameters")
        self.loss = LossPlot(id="loss")
        self.decision_map = DecisionMap(self.map_view, id="map")
        self.jacobian = JacobianPanel(visible_all(self.session.class_names), id="jacobian")
        self.status = StatusBar(id="status")
        self.dashboard = Grid(id="dashboard")
        with self.dashboard:
            yield self.parameters
            yield self.loss
            yield self.decision_map
            yield self.jacobian
        yield self.status
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.set_interval(1 / FRAMES_PER_SECOND, self.draw_frame)
        self._train(self.runner)
        self.draw_frame()
        self._check_size(self.size)
        self._catch_stop_signals()

    #: The signal that closed the dashboard (SIGTERM, SIGHUP), or None.
    stopped_by: int | None = None

    def _catch_stop_signals(self) -> None:
        """SIGTERM and SIGHUP (the window closed, the SSH session dropped) close the dashboard
        as q does: the terminal restored, the history closed and the model saved, with exit
        status 128 + the signal's number (143, 129)."""
        loop = asyncio.get_running_loop()
        for signum in STOP_SIGNALS:
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):  # not the main thread
                loop.add_signal_handler(signum, self._stop_by, signum)

    def _stop_by(self, signum: int) -> None:
        self.stopped_by = signum
        self.exit(return_code=128 + signum)

    def on_resize(self, event: Resize) -> None:
        self._check_size(event.size)

    def _check_size(self, size: Size) -> None:
        """The too-small notice instead of the dashboard below the minimum size, and the
        narrow column split below ``NARROW_WIDTH``."""
        self.dashboard.set_class(size.width < NARROW_WIDTH, "-narrow")
        small = size.width < MINIMUM_SIZE.width or size.height < MINIMUM_SIZE.height
        showing = isinstance(self.screen, TooSmallScreen)
        if small and showing:
            self.screen.say(size)
        elif small:
            self.push_screen(TooSmallScreen(MINIMUM_SIZE))
        elif showing:
            self.pop_screen()

    @work(thread=True, exclusive=True, group="train")
    def _train(self, runner: Runner) -> None:
        worker = get_current_worker()
        runner.train(lambda: worker.is_cancelled)

    def on_unmount(self) -> None:
        self.runner.close()
        loop = asyncio.get_running_loop()
        for signum in STOP_SIGNALS:
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.remove_signal_handler(signum)  # which restores the default action: kill
                signal.signal(signum, self._note_stop)  # a second signal must not lose the save

    def _note_stop(self, signum: int, frame) -> None:
        self.stopped_by = self.stopped_by or signum

    def on_softmax_app_run_changed(self) -> None:
        self.draw_frame(now=True)

    def on_softmax_app_run_problem(self, message: RunProblem) -> None:
        self.notify(message.text, title="History", severity="error", timeout=10)

    # -- drawing -----------------------------------------------------------------------------

    def draw_frame(self, *, now: bool = False) -> None:
        """Hand the latest snapshot to every panel (each redraws only what changed).

        While training runs, a frame is drawn while the training loop is parked (see
        :meth:`Runner.hold`): at once when the loop is between chunks, else as soon as its
        chunk in progress ends (:class:`Parked`). Frames are spaced so that drawing takes at
        most ``UI_SHARE`` of the time: 20 per second when a frame is cheap, fewer on a slow
        machine, so that the screen never eats the training. ``now`` (after a key) draws at
        once, parked or not."""
        if not self._can_draw():
            return
        if self.runner.state is RunState.RUNNING:
            if not now and (self._parking or time.perf_counter() < self._next_frame):
                return
            if not self.runner.hold(on_parked=lambda: self.post_message(self.Parked())) and not now:
                self._parking = True
                return
            self.call_after_refresh(self._frame_drawn, time.perf_counter())
        self._hand_over()

    def on_softmax_app_parked(self) -> None:
        self._parking = False
        if not self._can_draw():
            self.runner.release()
            return
        self.call_after_refresh(self._frame_drawn, time.perf_counter())
        self._hand_over()

    def _can_draw(self) -> bool:
        return not self._switching and self.is_running and bool(self.screen_stack) and not isinstance(
            self.screen, TooSmallScreen)

    def _hand_over(self) -> None:
        previous, snap = self.runner.latest
        drawn = self._drawn
        if drawn is None or drawn[0] is not snap or drawn[1:] != (self.selection, self.boundaries):
            self._drawn = (snap, self.selection, self.boundaries)
            before = None if previous is None else (previous.W, previous.b)
            self.parameters.show(snap.W, snap.b, before)
            self.decision_map.show(snap.W, snap.b, self.selection, self.boundaries)
            self.jacobian.show(self._subject(snap))
        self.status.show(self._status(snap))
        self._draw_loss(snap)
        self._announce(snap)

    def _frame_drawn(self, started: float) -> None:
        """The screen is updated: let training go on, and space the next frame by its cost."""
        self._parking = False
        self.runner.release()
        cost = time.perf_counter() - started
        self._next_frame = started + max(1 / FRAMES_PER_SECOND, cost / UI_SHARE) - 0.5 / FRAMES_PER_SECOND

    def _draw_loss(self, snap: Snapshot) -> None:
        plot = self.loss
        width, height = plot.content_size
        if width < 2 or height < 2:
            return
        train, val = self._line_colors()
        legend = f"[{train.hex}]━ train {snap.loss:.4g}[/]"
        if snap.val_loss is not None:
            legend += f"  [{val.hex}]• val {snap.val_loss:.4g}[/]"
        request = PlotRequest(version=snap.step, log=self.log_scale, width=width, height=height,
                              theme=plot._get_plotext_theme_name(self.theme), colors=(train.rgb, val.rgb),
                              switches=tuple(self.runner.switches), legend=legend + ("  log" if self.log_scale else ""))
        plot.show(self.runner.curves, request, throttle=self.runner.state is RunState.RUNNING,
                  run=self.runner.in_background)

    def _line_colors(self) -> tuple[Color, Color]:
        variables = self.theme_variables
        return Color.parse(variables["primary"]), Color.parse(variables["accent"])

    def _subject(self, snap: Snapshot) -> Subject:
        """The engine's explanation of the selection: a training point (with its label) or the
        free cursor's location on the map (without)."""
        selection, prepared = self.selection, self.session.prepared
        if selection.index is not None:
            x, label = prepared.X_train[selection.index], int(prepared.y_train[selection.index])
            title = f"point {selection.index + 1}/{len(prepared.y_train)}"
            return Subject(explain_point(snap.W, snap.b, x, label), title)
        s, t = selection.location
        if self._cursor_input is None or self._cursor_input[0] != selection:
            self._cursor_input = (selection, self.map_view.model_input_at(s, t))
        names = ", ".join(self.map_view.labels)
        return Subject(explain_point(snap.W, snap.b, self._cursor_input[1]), f"cursor ({names}) = ({s:+.2f}, {t:+.2f})")

    def _status(self, snap: Snapshot) -> Status:
        runner = self.runner
        state = runner.state
        return Status(state=state, reason=snap.reason, dataset=visible(self.session.dataset.name), optimizer=runner.optimizer,
                      lr=runner.lr, step=snap.step, epoch=snap.epoch, loss=snap.loss,
                      train_accuracy=snap.train_accuracy, val_accuracy=snap.val_accuracy,
                      steps_per_second=runner.steps_per_second, speed=runner.speed)

    def _announce(self, snap: Snapshot) -> None:
        """A notification when the run finishes (once per finish)."""
        state = self.runner.state
        if state is self._announced:
            return
        self._announced = state
        if state is RunState.DIVERGED:
            self.notify(f"{snap.reason}. Press r to start again (perhaps after - to lower the rate).",
                        title="DIVERGED", severity="error", timeout=8)
        elif state.finished:
            self.notify(f"{snap.reason}. Press r to start again.", title=f"DONE ({state.value.replace('_', ' ')})")

    def _after_key(self) -> None:
        self.draw_frame(now=True)

    # -- actions (the keys; see keys.py) -----------------------------------------------------

    def action_toggle_pause(self) -> None:
        if self.runner.toggle().finished:
            self._say_run_is_over()
        self._after_key()

    def action_step(self) -> None:
        if self.runner.state.finished:
            self._say_run_is_over()
        self.runner.step()
        self._after_key()

    def _say_run_is_over(self) -> None:
        self.notify(f"The run is over ({self.runner.snapshot.reason}); r starts again from step 0.")

    def action_reset(self) -> None:
        self.runner.reset()
        self._announced = self.runner.state
        self._after_key()

    def action_lr(self, up: bool) -> None:
        self.runner.change_lr(up)
        self._after_key()

    def action_speed(self, up: bool) -> None:
        self.runner.change_speed(up)
        self._after_key()

    def action_next_optimizer(self) -> None:
        name = self.runner.next_optimizer()
        self.notify(f"{name} at lr {self.runner.lr:g}, from step {self.runner.snapshot.step} on "
                    "(r restarts from step 0 with it)", title="Optimizer")
        self._after_key()

    def action_point(self, delta: int) -> None:
        """The next (``delta`` 1) or previous (-1) drawn training point."""
        drawn = self.map_view.drawn
        if self.selection.index is None:
            index = self.map_view.nearest_point(*self.selection.location)
        else:
            position = int(np.searchsorted(drawn, self.selection.index))
            exact = position < len(drawn) and drawn[position] == self.selection.index
            index = int(drawn[(position + delta) % len(drawn)] if exact or delta > 0 else drawn[(position - 1) % len(drawn)])
        self._select(Selection.point(index))

    def action_cursor(self, dcol: int, drow: int) -> None:
        self.decision_map.move_cursor(dcol, drow)

    def on_decision_map_point_selected(self, message: DecisionMap.PointSelected) -> None:
        self._select(message.selection)

    def on_decision_map_location_selected(self, message: DecisionMap.LocationSelected) -> None:
        self._select(message.selection)

    def _select(self, selection: Selection) -> None:
        """Explain ``selection`` in the Jacobian panel (and mark it on the map)."""
        self.selection = selection
        self._after_key()

    def action_toggle_log(self) -> None:
        self.log_scale = not self.log_scale
        self._after_key()

    def action_toggle_boundaries(self) -> None:
        self.boundaries = not self.boundaries
        self._after_key()

    def action_help(self) -> None:
        self.push_screen(HelpScreen())

    def action_choose_dataset(self) -> None:
        self.push_screen(DatasetScreen(visible(self.session.dataset.name)), self._switch_dataset)

    async def _switch_dataset(self, name: str | None) -> None:
        """A new run on dataset ``name`` with this run's settings (optimizer and rate as they
        are now); options that described the old data (samples, features, ...) are dropped."""
        if name is None:
            return
        options = replace(self.session.options, run=self.runner.config.for_dataset(name),
                          paused=self.runner.state is not RunState.RUNNING)
        try:
            session = build_session(options)
        except (UserError, DatasetError) as e:
            self.notify(str(e), title=f"Cannot open {name}", severity="error")
            return
        self.runner.close()
        self._switching = True  # no frames until the new panels are laid out (see _switched)
        try:
            self._use(session, self._reopen_history(options.history))
            await self.recompose()
        except BaseException:
            self._switching = False
            raise
        self.decision_map.focus()  # the old map, removed, would otherwise keep the focus
        self._check_size(self.size)
        self._train(self.runner)
        self.call_after_refresh(self._switched)

    def _switched(self) -> None:
        """The new run's panels are on screen: frames may draw again."""
        self._switching = False
        self.draw_frame()

    def _reopen_history(self, path: str | None) -> HistoryFile | None:
        """The ``--history`` file started again for a new run (None, said in a notification,
        if it cannot be written any more)."""
        if path is None:
            return None
        try:
            return HistoryFile(path)
        except UserError as e:
            self.notify(str(e), title="History", severity="error", timeout=10)
            return None

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = False) -> None:
        """Textual's notify, but the text is data: never parsed as markup (a path such as
        ``runs[test]/h.csv`` shows as it is), its control characters escaped."""
        super().notify(visible(message), title=visible(title), severity=severity, timeout=timeout,
                       markup=False)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for key in KEYS:
            if key.palette:
                yield SystemCommand(f"{key.label} ({key.display})", key.help,
                                    lambda action=key.action: self.run_action(action))
