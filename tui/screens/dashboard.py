"""The dashboard: four panels, a status bar and the keys, around one training run.

The screen owns a :class:`~softmax_tui.tui.runner.Runner`, which drives the trainer in a
worker thread; keys call the runner, and a :class:`~softmax_tui.tui.frames.FrameClock` draws
the latest snapshot up to ``FRAMES_PER_SECOND`` times a second. The panels only draw what they
are given.
A new run (``d``: another dataset) is a new screen, which the app switches to.

**Rewind** (``←`` ``→`` ``home`` ``end`` ``pgup`` ``pgdn``, which pause first): the panels show
the run's snapshot at a past step, recomputed exactly by the engine (:meth:`Runner.snapshot_at`),
and the loss plot the whole run with a cursor at it. A recomputation that took under
:data:`QUICK_REWIND` seconds last time is done at once in the UI thread; otherwise a worker
does it while the status bar says how far it is (``rewinding 40%``). Keys that arrive in a
burst (a held ``←``) coalesce: each only moves the step asked for, a recomputation already
under way for an older one is cancelled, and one recomputation serves them all. Moving to the
latest step is live again. From a past step, space, ``n`` and the live changes (``+`` ``-``
``o``, settings) fork the run there (:meth:`Runner.fork`): its future is dropped.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace

import numpy as np
from textual import on, work
from textual.app import ComposeResult
from textual.color import Color
from textual.containers import Grid
from textual.reactive import var
from textual.screen import Screen
from textual.widgets import Footer
from textual.worker import Worker, get_current_worker

from softmax_tui.datasets import DatasetError, generated_set, is_builtin
from softmax_tui.engine import SECOND_ORDER_OPTIMIZERS, RunState, Snapshot, explain_point

from ..config import RunConfig
from ..errors import UserError
from ..frames import FRAMES_PER_SECOND, FrameClock
from ..history import HistoryFile
from ..keys import bindings
from ..landscapeview import EIGENVECTORS, LandscapeView, SliceChoice
from ..ladder import DEFAULT_SPEED, LEARNING_RATES
from ..mapview import MapView, Selection
from ..messages import CurvatureMeasured, LandscapeReady, Parked, PastReady, RewindProgress, RunChanged, RunProblem
from ..options import check_options
from ..pace import WARMUP_STEPS
from ..race import build_entrants
from ..recompute import Recompute
from ..rewind import Coalesced, pause_to_rewind, rewind_target
from ..runner import Runner, optimizer_after
from ..safe_text import visible, visible_all
from ..session import Session, build_session
from ..settings import DatasetChoice, changes, dataset_choices, rebase
from ..stability import StabilityWatch, ladder_line, measure
from ..widgets.decision_map import DecisionMap
from ..widgets.jacobian import JacobianPanel, Subject
from ..widgets.landscape import LossLandscape
from ..widgets.loss import LossPlot, PlotRequest
from ..widgets.parameters import ParameterBars
from ..widgets.status import Status, StatusBar
from .too_small import TooSmallScreen

# The modal screens (help, explain, command, dataset, settings, slice) are imported when their
# key opens them: the settings form's inputs and selects cost the first frame about 30 ms.

@dataclass(frozen=True)
class View:
    """How a run is looked at, kept when a new run replaces it (``d``)."""

    #: The loss axis on a log scale (``l``).
    log_scale: bool = False
    #: Decision-boundary lines drawn on the map (``b``).
    boundaries: bool = True
    #: Validation points drawn on the map, when the run holds some out (``v``).
    validation: bool = True
    #: λmax and κ in the status bar (``k``).
    curvature: bool = False
    #: The loss landscape in the map's place (``m``).
    landscape: bool = False


#: Below this width the right-hand column (loss, Jacobian) gets the extra width the
#: Jacobian's two blocks per band need (the ``-narrow`` class).
NARROW_WIDTH = 100
#: The race ``R`` starts: a first-order method, its accelerated form and an adaptive one.
DEFAULT_RACE = "gd,momentum,adam"
#: While the run runs, the landscape is computed again at most this often (seconds).
LANDSCAPE_INTERVAL = 0.5
#: A past step is recomputed in the UI thread when the last one took less than this (seconds).
QUICK_REWIND = 0.01


class DashboardScreen(Screen[None]):
    """Trains ``session``'s run and shows it as ``view`` (``log_scale``, ``boundaries`` and
    ``validation`` follow the keys); ``speed`` is the starting limit in steps/s (None: the
    default, after a warm-up, see :mod:`..pace`), and ``history`` the open ``--history`` file
    (or None)."""

    CSS_PATH = "dashboard.tcss"
    BINDINGS = bindings(app=False)
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (NARROW_WIDTH, "-wide")]

    log_scale: var[bool] = var(View.log_scale)  # see View
    boundaries: var[bool] = var(View.boundaries)
    validation: var[bool] = var(View.validation)
    curvature: var[bool] = var(View.curvature)
    landscape: var[bool] = var(View.landscape)

    def __init__(self, session: Session, history: HistoryFile | None = None, *, speed: float | None = None,
                 view: View = View()) -> None:
        super().__init__()
        self.set_reactive(DashboardScreen.log_scale, view.log_scale)
        self.set_reactive(DashboardScreen.boundaries, view.boundaries)
        self.set_reactive(DashboardScreen.validation, view.validation)
        self.set_reactive(DashboardScreen.curvature, view.curvature)
        self.set_reactive(DashboardScreen.landscape, view.landscape)
        self.session = session
        self.runner = Runner(session, speed=DEFAULT_SPEED if speed is None else speed, warmup=speed is None,
                             history=history,
                             on_change=lambda: self.post_message(RunChanged()),
                             on_error=lambda text: self.post_message(RunProblem(text)))
        self.frames = FrameClock([self.runner], draw=self._hand_over, can_draw=self._can_draw,
                                 after_refresh=self.call_after_refresh,
                                 post_parked=lambda runner: self.post_message(Parked(runner)))
        prepared = session.prepared
        self.map_view = MapView.of_session(session)
        self.selection = Selection.point(int(self.map_view.drawn[0]))
        self._cursor_input: tuple[Selection, np.ndarray, np.ndarray | None] | None = None
        self._drawn: tuple | None = None
        self._announced = session.trainer.state
        self.stability = StabilityWatch(prepared.X_train, len(session.class_names))
        self.landscape_view = LandscapeView(session.trainer.X, session.trainer.y, visible_all(session.class_names),
                                            visible_all(session.feature_names))
        self.slice: SliceChoice = EIGENVECTORS
        self._landscape_schedule = Recompute()  # keyed by (snapshot, slice, grid size)
        self._landscape_worker: Worker | None = None
        # Rewind: the past step asked for (None: live), the snapshot of the last one recomputed,
        # how far the worker is with it, and a generation that a reset, fork or return to the
        # live run moves on, so that a worker's late result for an older one is dropped.
        self.rewound: int | None = None
        self.past: Snapshot | None = None
        self._rewinding: float | None = None
        self._rewind_generation = 0
        self._rewind_seconds = float("inf")  # the last recomputation's time (none yet: use the worker)
        self._recomputation = Coalesced(self.call_later, self._recompute)  # one after the keys queued now

    def compose(self) -> ComposeResult:
        self.parameters = ParameterBars(visible_all(self.session.feature_names),
                                        class_names=visible_all(self.session.class_names),
                                        image_shape=self.session.dataset.image_shape, id="parameters")
        self.loss = LossPlot(id="loss")
        self.decision_map = DecisionMap(self.map_view, id="map")
        self.loss_landscape = LossLandscape(id="landscape")
        self.decision_map.display, self.loss_landscape.display = not self.landscape, self.landscape
        self.jacobian = JacobianPanel(visible_all(self.session.class_names), id="jacobian")
        self.status = StatusBar(id="status")
        with Grid(id="dashboard"):
            yield self.parameters
            yield self.loss
            yield self.decision_map
            yield self.loss_landscape
            yield self.jacobian
        yield self.status
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.set_interval(1 / FRAMES_PER_SECOND, self.draw_frame)
        self._train(self.runner)
        self.draw_frame()

    @work(thread=True, exclusive=True, group="train")
    def _train(self, runner: Runner) -> None:
        worker = get_current_worker()
        runner.train(lambda: worker.is_cancelled)

    def on_unmount(self) -> None:
        self.runner.close()

    # -- drawing -----------------------------------------------------------------------------

    def draw_frame(self, *, now: bool = False) -> None:
        """Hand the latest snapshot to every panel when it is time (see :class:`FrameClock`);
        ``now`` (after a key) draws at once."""
        self.frames.tick(now=now)

    @on(RunChanged)
    def show_run_changed(self) -> None:
        self.draw_frame(now=True)

    @on(Parked)
    def draw_parked_frame(self, message: Parked) -> None:
        self.frames.parked(message.runner)

    @on(RunProblem)
    def report_run_problem(self, message: RunProblem) -> None:
        self.notify(message.text, title="History", severity="error", timeout=10)

    def _can_draw(self) -> bool:
        """The panels are on screen: this screen is current or under a modal (not replaced by
        a new run's, not under the too-small notice), and the app is not closing."""
        app = self.app
        return app.is_running and self in app.screen_stack and not isinstance(app.screen, TooSmallScreen)

    def _hand_over(self) -> None:
        previous, live = self.runner.latest
        snap = live
        if self.past is not None:  # set only at a rewound step, cleared with it
            previous, snap = None, self.past  # a past step: no last update to show the direction of
        self._draw_loss(live, snap)  # first: it reads the trainer's history, at once while the loop is parked
        drawn, viewport = self._drawn, self.decision_map.viewport
        view = (self.selection, self.boundaries, self.validation, viewport)
        if drawn is None or drawn[0] is not snap or drawn[1:] != view:
            self._drawn = (snap, *view)
            before = None if previous is None else (previous.W, previous.b)
            self.parameters.show(snap.W, snap.b, before)
            self.decision_map.show(self.map_view.frame(snap.W, snap.b, viewport, self.selection,
                                                       boundaries=self.boundaries, validation=self.validation))
            self.jacobian.show(self.subject(snap))
        self._measure_curvature(snap)
        self.status.show(self._status(snap))
        self._announce(live)
        self._update_landscape(snap)
        self.call_after_refresh(self.runner.shown, live.step)

    def _measure_curvature(self, snap: Snapshot) -> None:
        """Measure the curvature at ``snap`` when it is due (:class:`StabilityWatch`): here when
        that is cheap, else in a worker whose result redraws the status bar."""
        watch, runner = self.stability, self.runner
        if watch.due(snap, runner.config.l2, runner.state is RunState.RUNNING, time.monotonic()):
            if watch.inline:
                watch.measured(measure(snap, watch.X, runner.config.l2))
            else:
                watch.busy = True
                self._measure_in_background(snap, runner.config.l2)

    @work(thread=True, exclusive=True, group="curvature")
    def _measure_in_background(self, snap: Snapshot, l2: float) -> None:
        self.post_message(CurvatureMeasured(measure(snap, self.stability.X, l2)))

    @on(CurvatureMeasured)
    def show_curvature(self, message: CurvatureMeasured) -> None:
        self.stability.measured(message.stability)
        self.status.show(self._status(self.shown_snapshot))

    @property
    def shown_snapshot(self) -> Snapshot:
        """The snapshot the panels show: the past one when rewound, else the latest."""
        return self.past if self.past is not None else self.runner.snapshot

    @property
    def shown_config(self) -> RunConfig:
        """The configuration of the step shown: the one that trained the past step when rewound
        (:meth:`Runner.config_at`), else the run's."""
        return self.runner.config if self.rewound is None else self.runner.config_at(self.rewound)

    def lr_limit(self) -> float | None:
        """The optimizer's stability limit at the last measured parameters (None: not measured
        yet, or the optimizer has none), for the optimizer of the step shown."""
        latest, config = self.stability.latest, self.shown_config
        return None if latest is None else latest.limit(config.optimizer, config.momentum)

    def _draw_loss(self, live: Snapshot, shown: Snapshot) -> None:
        """The loss curves up to the ``live`` snapshot, with their values at the ``shown`` one
        in the legend and, when that is a past step, a cursor at the step asked for."""
        plot = self.loss
        width, height = plot.content_size
        if width < 2 or height < 2:
            return
        train, val = self._line_colors()
        at = "" if self.rewound is None else f"at {shown.step}: "
        legend = f"{at}[{train.hex}]━ train {shown.loss:.4g}[/]"
        if shown.val_loss is not None:
            legend += f"  [{val.hex}]• val {shown.val_loss:.4g}[/]"
        request = PlotRequest(step=live.step, log=self.log_scale, width=width, height=height,
                              theme=self.app.theme, colors=(train.rgb, val.rgb),
                              switches=tuple(self.runner.marks), legend=legend + ("  log" if self.log_scale else ""),
                              cursor=self.rewound, cursor_color=plot.cursor_color().rgb)
        plot.show(lambda: self.runner.curves(live), request)

    def _line_colors(self) -> tuple[Color, Color]:
        """The training and validation curves' colours, which their legend is written in: the
        theme's primary and accent, made readable on the plot (:meth:`LossPlot.line_color`)."""
        variables = self.app.theme_variables
        return self.loss.line_color(variables["primary"]), self.loss.line_color(variables["accent"])

    def subject(self, snap: Snapshot) -> Subject:
        """The engine's explanation of the selection at ``snap``: a training or validation point
        (with its label) or the free cursor's location on the map (without); with the raw row it
        came from when the model does not read the raw row itself."""
        selection, prepared = self.selection, self.session.prepared
        identity = self.session.pipeline.is_identity
        if selection.index is not None:
            i, X, y, rows, title = selection.index, prepared.X_train, prepared.y_train, prepared.train_index, "point"
            if self.map_view.is_validation(i):
                i, X, y, rows, title = (i - self.map_view.n_train, prepared.X_val, prepared.y_val, prepared.val_index,
                                        "validation point")
            raw = None if identity else self.session.dataset.X[rows[i]]
            return Subject(explain_point(snap.W, snap.b, X[i], int(y[i])), f"{title} {i + 1}/{len(y)}", raw)
        s, t = selection.location
        if self._cursor_input is None or self._cursor_input[0] != selection:
            raw = None if identity else self.map_view.raw_input_at(s, t)
            self._cursor_input = (selection, self.map_view.model_input_at(s, t), raw)
        names = ", ".join(self.map_view.labels)
        _, x, raw = self._cursor_input
        return Subject(explain_point(snap.W, snap.b, x), f"cursor ({names}) = ({s:+.2f}, {t:+.2f})", raw)

    def _status(self, snap: Snapshot) -> Status:
        """The status bar's numbers at ``snap``; when rewound, the step asked for "of" the
        latest, how far its recomputation is, and the optimizer and rate that trained it."""
        runner, config = self.runner, self.shown_config
        rewound = self.rewound is not None
        # while the step asked for is recomputed, ``snap`` is still another step's
        rewinding = self._rewinding
        if rewinding is None and rewound and snap.step != self.rewound:
            rewinding = 0.0
        # a past step of a finished run is not finished: space and n go on from it (a fork)
        state = RunState.PAUSED if rewound else runner.state
        return Status(state=state, reason=snap.reason, dataset=visible(self.session.dataset.short_name), optimizer=config.optimizer,
                      lr=config.lr, step=self.rewound if rewound else snap.step, epoch=snap.epoch, loss=snap.loss,
                      train_accuracy=snap.train_accuracy, val_accuracy=snap.val_accuracy,
                      steps_per_second=runner.steps_per_second, speed=runner.speed,
                      warmup_to=WARMUP_STEPS if runner.warming else None, lr_limit=self.lr_limit(),
                      stability=self.stability.latest, curvature_shown=self.curvature,
                      latest=runner.snapshot.step if rewound else None, rewinding=rewinding)

    def _announce(self, snap: Snapshot) -> None:
        """A notification when the run finishes (once per finish); the keys that cannot act
        on a finished run grey out (:meth:`check_action`)."""
        state = self.runner.state
        if state is self._announced:
            return
        finished_before = self._announced.finished
        self._announced = state
        if state.finished != finished_before:
            self.refresh_bindings()
        if state is RunState.DIVERGED:
            self.notify(f"{snap.reason}. Press r to start again (perhaps after - to lower the rate).",
                        title="DIVERGED", severity="error", timeout=8)
        elif state is RunState.STALLED:
            self.notify(f"{snap.reason}. Press r to start again.", title="STALLED", severity="warning", timeout=8)
        elif state.finished:
            self.notify(f"{snap.reason}. Press r to start again.", title=f"DONE ({state.value.replace('_', ' ')})")

    def _after_key(self) -> None:
        self.draw_frame(now=True)

    # -- actions (the keys; see keys.py) -----------------------------------------------------

    def action_toggle_pause(self) -> None:
        """Pause or resume; from a past step, resume a new future forked there."""
        if self.fork_here():
            self.runner.resume()
        else:
            self.runner.toggle()
        self._after_key()

    def action_step(self) -> None:
        """One step; from a past step, the first of a new future forked there."""
        self.fork_here()
        self.runner.step()
        self._after_key()

    def action_reset(self) -> None:
        self._go_live()
        self.runner.reset()
        if self._announced.finished:
            self.refresh_bindings()
        self._announced = self.runner.state
        self._after_key()

    def action_lr(self, up: bool) -> None:
        """One rung up or down the ladder; a notification shows the ladder around the new rate
        with the stability limit marked, and warns at or above it. newton and lbfgs have no
        rate to change, which a notification says."""
        if self.runner.optimizer in SECOND_ORDER_OPTIMIZERS:
            self.notify(f"{self.runner.optimizer} chooses each step's length by a line search: it uses no "
                        "learning rate, so + and - change nothing", title="Learning rate")
            return
        self.fork_here()
        lr = self.runner.change_lr(up)
        limit = self.lr_limit()
        above = limit is not None and lr >= limit
        said = f"lr {lr:g} from step {self.runner.snapshot.step} on:  {ladder_line(LEARNING_RATES, lr, limit)}"
        if above:
            said += f".  At or above {self.runner.optimizer}'s limit here: the steps will oscillate and grow."
        self.notify(said, title="Learning rate", severity="warning" if above else "information", timeout=4,
                    markup=False)
        self._after_key()

    def action_speed(self, up: bool) -> None:
        self.runner.change_speed(up)
        self._after_key()

    def action_next_optimizer(self) -> None:
        """The next optimizer of the cycle, from the current parameters; with l1 > 0 a second
        notification says which optimizers the cycle passed over."""
        self.fork_here()
        _, skipped = optimizer_after(self.runner.optimizer, self.runner.config.l1)
        name = self.runner.next_optimizer()
        rate = "with a line search" if name in SECOND_ORDER_OPTIMIZERS else f"at lr {self.runner.lr:g}"
        self.notify(f"{name} {rate}, from step {self.runner.snapshot.step} on "
                    "(r restarts from step 0 with it)", title="Optimizer")
        if skipped:
            self.notify(f"Skipped {' and '.join(skipped)}: they need l1 0 (the L1 term is not smooth)",
                        title="Optimizer")
        self._after_key()

    def action_point(self, delta: int) -> None:
        """The next (``delta`` 1) or previous (-1) drawn training point; from a free location
        or a validation point, the training point nearest to it."""
        drawn = self.map_view.drawn
        if self.selection.index is None or self.map_view.is_validation(self.selection.index):
            index = self.map_view.nearest_point(*self.map_view.location_of(self.selection))
        else:
            position = int(np.searchsorted(drawn, self.selection.index))
            exact = position < len(drawn) and drawn[position] == self.selection.index
            index = int(drawn[(position + delta) % len(drawn)] if exact or delta > 0 else drawn[(position - 1) % len(drawn)])
        self._select(Selection.point(index))

    def action_cursor(self, dcol: int, drow: int) -> None:
        """A free cursor ``dcol`` cells right and ``drow`` down of the selection on the map
        (shift and the arrow keys): stepped from the selection as it is now, so that every press counts,
        however many arrive together."""
        location = self.map_view.location_of(self.selection)
        self._select(Selection.at(*self.decision_map.viewport.step(*location, dcol, drow)))

    def action_scroll_jacobian(self, down: bool) -> None:
        """The Jacobian panel a page down (or up), when its lines do not fit."""
        jacobian = self.jacobian
        (jacobian.scroll_page_down if down else jacobian.scroll_page_up)(animate=False)

    @on(DecisionMap.PointSelected)
    @on(DecisionMap.LocationSelected)
    def explain_selection(self, message: DecisionMap.PointSelected | DecisionMap.LocationSelected) -> None:
        self._select(message.selection)

    @on(DecisionMap.ViewportChanged)
    def draw_for_new_size(self) -> None:
        self.draw_frame()  # at once while paused; while training, the next frame is for the new size

    def _select(self, selection: Selection) -> None:
        """Explain ``selection`` in the Jacobian panel (and mark it on the map)."""
        self.selection = selection
        self._after_key()

    def watch_log_scale(self) -> None:
        self._after_key()

    def watch_boundaries(self) -> None:
        self._after_key()

    def watch_curvature(self) -> None:
        self._after_key()

    def watch_validation(self) -> None:
        """Validation points on the map or not (``v``); a run without them says so. A selected
        validation point stays selected (and drawn, as a selection always is) when they hide."""
        if not self.map_view.n_validation:
            self.notify("This run holds out no validation rows (--val-fraction sets how many).",
                        title="No validation points", markup=False)
        self._after_key()

    def action_help(self) -> None:
        from .help import HelpScreen

        self.app.push_screen(HelpScreen())

    def action_explain(self) -> None:
        """Explain mode on (a note over every panel), or off when it is on (from the palette)."""
        from .explain import ExplainScreen

        top = self.app.screen
        if isinstance(top, ExplainScreen):
            top.dismiss()
        else:
            self.app.push_screen(ExplainScreen(self))

    def action_run_command(self) -> None:
        """The command line that reproduces the run (:class:`CommandScreen`) to the step on
        screen: its configuration with the live changes made so far (at a past step, those
        made before it)."""
        from .command import CommandScreen

        runner, step = self.runner, self.rewound
        if step is None:
            self.app.push_screen(CommandScreen(runner.config, runner.snapshot.step, runner.changed_at))
        else:
            self.app.push_screen(CommandScreen(runner.config_at(step), step, runner.changed_before(step)))

    def action_choose_dataset(self) -> None:
        from .dataset import DatasetScreen

        choices = [(choice.name, f"{choice.label:<7} {choice.summary}") for choice in self._dataset_choices()]
        self.app.push_screen(DatasetScreen(self.session.dataset.name, choices), self._switch_dataset)

    def _switch_dataset(self, name: str | None) -> None:
        """A new run on dataset ``name`` with this run's settings (optimizer and rate as they
        are now); the settings that described the old data (samples, features, ...) go back
        to their defaults, or to the command line's for the command line's file."""
        if name is not None:
            config = self.runner.config.for_dataset(name, self.app.command_line)
            self._restart(config, f"{visible(name)}: a new run from step 0", problem=self._say_problem)

    def action_settings(self, problem: str = "", start: RunConfig | None = None) -> None:
        """The settings panel on this run's configuration (``start``: the form's values, when
        a refused attempt is shown again with its ``problem``). Only what the form changed is
        applied, to the run as it is then (:func:`~..settings.rebase`). At a past step the form
        opens on the configuration the run had from the step after it, and live changes fork
        the run there first, so that changes made after that step do not come back."""
        from .settings import SettingsScreen

        rewound = self.rewound
        base = self.runner.config if rewound is None else self.runner.config_at(rewound + 1)

        def apply(edited: RunConfig | None) -> None:
            if edited is None:
                return
            if self.rewound is not None and self.rewound == rewound and not base.needs_restart(edited):
                self.fork_here()  # the run's configuration is then the one at the step after it
            self.apply_settings(rebase(edited, base, self.runner.config))

        self.app.push_screen(SettingsScreen(base, self._dataset_choices(), self._check,
                                            described=self.app.command_line, problem=problem, start=start), apply)

    def apply_settings(self, config: RunConfig) -> None:
        """Go on with ``config``: live changes from the next step, the parameters kept (the run
        stays at its step); any other change is a new run from step 0. A notification says
        which happened and what changed; a new run that cannot start (the generator refuses
        the numbers, say) reopens the panel with the edits and the reason."""
        before = self.runner.config
        said = ", ".join(changes(before, config))
        if not said:
            return
        if before.needs_restart(config):
            self._restart(config, f"New run from step 0: {said}",
                          problem=lambda problem: self.action_settings(problem, start=config))
            return
        self.fork_here()
        step = self.runner.snapshot.step
        self.runner.apply(config)
        self.notify(f"From step {step} on: {said}", title="Settings")
        self._after_key()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Pause, resume and step cannot act on a finished run (r starts it again) unless it
        is rewound to a past step (they fork it there), and only generated data can be
        regenerated: their keys grey out in the footer and do nothing."""
        if action in ("toggle_pause", "step") and self.runner.state.finished and self.rewound is None:
            return None
        if action == "regenerate" and generated_set(self.runner.config.dataset) is None:
            return None
        return True

    def action_race(self) -> None:
        """Race :data:`DEFAULT_RACE` from this run's step 0 (its settings shared, each
        optimizer at its default rate), in place of this run."""
        config = replace(self.runner.config, optimizer=RunConfig.optimizer, lr=None, batch_size=None)
        options = replace(self.session.options, run=config, compare=DEFAULT_RACE, paused=self.runner.state is not RunState.RUNNING)
        try:
            check_options(options)
            entrants = build_entrants(options, self.session.dataset)
        except (UserError, DatasetError) as e:
            self._say_problem(str(e))
            return
        self.runner.close()
        self.app.start_race(entrants)
        self.notify(f"Racing {DEFAULT_RACE.replace(',', ', ')} from step 0; tab selects a run, R leaves the race",
                    title="Race")

    def action_regenerate(self) -> None:
        """New points from the same generator: the data seed one up, a new run from step 0."""
        config = self.runner.config
        config = replace(config, data_seed=config.data_rng_seed + 1)
        self._restart(config, f"New points (data seed {config.data_seed}): a new run from step 0",
                      problem=self._say_problem)

    def _say_problem(self, problem: str) -> None:
        self.notify(problem, title="Cannot start the new run", severity="error")

    def _check(self, config: RunConfig) -> str | None:
        """What is wrong with ``config`` as a whole (the command line's rules between flags), or None."""
        try:
            check_options(replace(self.session.options, run=config))
        except UserError as e:
            return str(e)
        return None

    def _dataset_choices(self) -> list[DatasetChoice]:
        """The built-in datasets and the command line's file (or the data given to watch())."""
        command_line = self.app.command_line.dataset
        given = [] if is_builtin(command_line) else [(command_line, self.app.command_line_data.n_features)]
        return dataset_choices(given)

    def _restart(self, config: RunConfig, said: str, *, problem) -> None:
        """A new run of ``config`` from step 0, in place of this one (running if this one
        runs), and a notification ``said``; ``problem`` is called with the reason when the
        new run cannot start (this one then goes on)."""
        options = replace(self.session.options, run=config, paused=self.runner.state is not RunState.RUNNING)
        command_line = self.app.command_line
        read = (config.dataset, config.table) == (command_line.dataset, command_line.table) and not is_builtin(
            config.dataset)
        try:
            session = build_session(options, self.app.command_line_data if read else None)
        except (UserError, DatasetError) as e:
            problem(str(e))
            return
        self.runner.close()  # the history file is finished before the new run starts it again
        self.app.start_run(session, View(self.log_scale, self.boundaries, self.validation, self.curvature, self.landscape))
        self.notify(said, title="Settings")

    # -- rewind (← → home end pgup pgdn) -----------------------------------------------------

    def action_rewind(self, move: str) -> None:
        """Show the run at the step ``move`` goes to (:func:`rewind_target`) from the step on
        screen, pausing a running run first; the latest step is the live run again."""
        pause_to_rewind(self.runner)
        latest = self.runner.snapshot.step
        self.show_step(rewind_target(move, latest if self.rewound is None else self.rewound, latest))

    def show_step(self, step: int) -> None:
        """Show the run at ``step`` (0 up to the latest step; the latest is the live run), of a
        run that is not running: recomputed once the keys queued now are handled."""
        if step == self.runner.snapshot.step:
            self._go_live()
        else:
            self.rewound = step
            self._recomputation.request()
        if self.runner.state.finished:
            self.refresh_bindings()  # space and n fork a rewound finished run
        self._after_key()

    def fork_here(self) -> bool:
        """When a past step is on screen, fork the run there (:meth:`Runner.fork`) and be live
        again: True if it did."""
        step = self.rewound
        if step is None:
            return False
        self._go_live()
        self.runner.fork(step)
        self.refresh_bindings()
        return True

    def _go_live(self) -> None:
        """Back to the latest step: a recomputation under way is cancelled, a late one dropped."""
        self.rewound = self.past = self._rewinding = None
        self._rewind_generation += 1
        self.workers.cancel_group(self, "rewind")

    def _recompute(self) -> None:
        """Recompute the step asked for: here when the last recomputation was quick and the
        trainer is free, else in a worker (which cancels one still at work on an older step)."""
        step = self.rewound
        if step is None or (self.past is not None and self.past.step == step):
            return
        if self._rewind_seconds < QUICK_REWIND and self.runner.idle():
            start = time.perf_counter()
            self._show_past(self.runner.snapshot_at(step), time.perf_counter() - start)
        else:
            self._recompute_in_background(self._rewind_generation, step)

    @work(thread=True, exclusive=True, group="rewind")
    def _recompute_in_background(self, generation: int, step: int) -> None:
        """Recompute ``step``, posting how far it is; it stops when it is cancelled or another
        step is asked for."""
        worker = get_current_worker()
        said = -1

        def progress(done: int, total: int) -> bool:
            nonlocal said
            if worker.is_cancelled or self.rewound != step:
                return False
            percent = 100 * done // max(total, 1)
            if percent != said:
                said = percent
                self.post_message(RewindProgress(generation, step, done / max(total, 1)))
            return True

        start = time.perf_counter()
        snap = self.runner.snapshot_at(step, progress)
        if snap is not None:
            self.post_message(PastReady(generation, snap, time.perf_counter() - start))

    @on(RewindProgress)
    def show_rewind_progress(self, message: RewindProgress) -> None:
        if message.generation == self._rewind_generation and message.step == self.rewound:
            self._rewinding = message.part
            self.status.show(self._status(self.shown_snapshot))

    @on(PastReady)
    def show_past_ready(self, message: PastReady) -> None:
        if message.generation == self._rewind_generation:
            self._show_past(message.snapshot, message.seconds)

    def _show_past(self, snap: Snapshot, seconds: float) -> None:
        """Draw ``snap`` if it is still the step asked for (a newer one is on its way)."""
        self._rewind_seconds = seconds
        if snap.step == self.rewound:
            self.past, self._rewinding = snap, None
            self._after_key()

    # -- the loss landscape (m, a) -----------------------------------------------------------

    @property
    def map_panel(self) -> DecisionMap | LossLandscape:
        """The panel in the map's place: the decision map, or the landscape (``m``)."""
        return self.loss_landscape if self.landscape else self.decision_map

    def watch_landscape(self, on: bool) -> None:
        self.decision_map.display, self.loss_landscape.display = not on, on
        self._update_landscape(force=True)
        self._after_key()

    def action_choose_slice(self) -> None:
        """The slice chooser (:class:`SliceScreen`); the landscape shows the chosen slice."""
        from .slice import SliceScreen

        def chosen(choice: SliceChoice | None) -> None:
            if choice is not None:
                self.slice = choice
                self.landscape = True
                self._update_landscape(force=True)

        self.app.push_screen(SliceScreen([self.landscape_view.parameter_name(i)
                                          for i in range(self.landscape_view.n_parameters)], self.slice), chosen)

    @on(LossLandscape.Resized)
    def landscape_resized(self) -> None:
        self._update_landscape(force=True)

    def _update_landscape(self, snap: Snapshot | None = None, *, force: bool = False) -> None:
        """Compute the landscape again when it is shown and the parameters, the slice or the
        panel's size changed since the last computation: at once for a new slice or size
        (``force``: the one in progress is dropped), else once the last one is done and, while
        the run runs, at most every ``LANDSCAPE_INTERVAL`` seconds (never once per frame)."""
        if not self.landscape or not self.is_mounted:
            return
        snap = self.runner.snapshot if snap is None else snap
        asked = (snap, self.slice, self.loss_landscape.grid_size)
        schedule, worker = self._landscape_schedule, self._landscape_worker
        schedule.busy = worker is not None and not worker.is_finished
        if not schedule.due(asked, running=self.runner.state is RunState.RUNNING, now=time.perf_counter(),
                            spacing=LANDSCAPE_INTERVAL, force=force):
            return
        self._landscape_worker = self._build_landscape(snap, self.slice, *asked[2])

    @work(thread=True, exclusive=True, group="landscape")
    def _build_landscape(self, snap: Snapshot, choice: SliceChoice, cols: int, rows: int) -> None:
        """Build the landscape frame for ``snap`` (off the UI thread: a grid of objective
        evaluations) and post it."""
        worker = get_current_worker()
        trajectory, l2, l1 = self.runner.landscape_inputs(snap.step)
        frame = self.landscape_view.frame(snap.W, snap.b, snap.step, l2, l1, trajectory, choice, cols, rows)
        if not worker.is_cancelled:
            self.post_message(LandscapeReady(frame))

    @on(LandscapeReady)
    def show_landscape(self, message: LandscapeReady) -> None:
        if message.frame.choice == self.slice:
            self.loss_landscape.show(message.frame)
