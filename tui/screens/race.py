"""The race view: 2 to 6 runs in lockstep on one screen (``--compare``, or ``R`` from the
dashboard).

The screen owns a :class:`~softmax_tui.tui.race.RaceRunner`, which advances every run in
one worker thread; a :class:`~softmax_tui.tui.frames.FrameClock` hands the latest snapshots
to the panels up to ``FRAMES_PER_SECOND`` times a second. The loss plot overlays every run's
curve (one colour and one marker each, named in the legend), the table says how many steps
each took to the loss threshold and to 100% (or its best) accuracy, the map shows the
selected run (``tab`` cycles), or every run's map side by side when the screen has
:data:`MULTIPLES_SIZE`, and the status bar each run's loss and accuracy. Pause, step, reset
and the speed act on every run; ``o``, ``+`` and ``-`` on the selected one. While paused,
``←``/``→``, ``home``/``end`` and ``pgup``/``pgdn`` show every run as it was at an earlier
step (:meth:`Race.snapshots_at`, exact), and going on from there (space, ``n``, ``o``,
``+``, ``-``) forks every run at it. ``R`` leaves the race: the selected run goes on alone
in the dashboard. """

from __future__ import annotations

from rich.markup import escape
from textual import on, work
from textual.app import ComposeResult
from textual.color import Color
from textual.containers import Grid, Horizontal, Vertical
from textual.events import Resize
from textual.geometry import Size
from textual.reactive import var
from textual.screen import Screen
from textual.widgets import Footer
from textual.worker import get_current_worker

from softmax_tui.engine import SECOND_ORDER_OPTIMIZERS, Milestones, Snapshot

from ..frames import FRAMES_PER_SECOND, FrameClock
from ..keys import RACE, bindings
from ..ladder import DEFAULT_SPEED
from ..mapview import MapView, Selection
from ..messages import Parked, RunChanged
from ..race import Entrants, RaceRunner
from ..rewind import Coalesced, pause_to_rewind, rewind_target
from ..runner import Runner
from ..safe_text import visible
from ..widgets.decision_map import DecisionMap
from ..widgets.loss import LossPlot, PlotRequest
from ..widgets.race import RUN_COLORS, RUN_MARKERS, RaceBar, RaceTable, RunLine, TableRow
from .too_small import TooSmallScreen

#: The screen size from which every run's map is shown (small multiples).
MULTIPLES_SIZE = Size(120, 40)


class RaceScreen(Screen[None]):
    """Races ``entrants``' runs and shows them; ``speed`` is the starting limit in steps/s
    (None: the default)."""

    CSS_PATH = "race.tcss"
    BINDINGS = bindings(app=False, view=RACE)

    log_scale: var[bool] = var(False)
    boundaries: var[bool] = var(True)

    def __init__(self, entrants: Entrants, *, speed: float | None = None) -> None:
        super().__init__()
        self.entrants = entrants
        self.labels = tuple(visible(label) for label in entrants.labels)
        self.runner = RaceRunner(entrants, speed=DEFAULT_SPEED if speed is None else speed,
                                 on_change=lambda: self.post_message(RunChanged()))
        self.frames = FrameClock([self.runner], draw=self._hand_over, can_draw=self._can_draw,
                                 after_refresh=self.call_after_refresh,
                                 post_parked=lambda runner: self.post_message(Parked(runner)))
        self.map_view = MapView.of_session(entrants.sessions[0])
        self.selected = 0
        self._drawn: list[tuple | None] = [None] * len(self.labels)
        #: Rewound (while paused): the step shown and every run's snapshot at it; None: the present.
        #: The past step shown, every run's snapshot and milestones then (None: live).
        self.rewound: tuple[int, tuple[Snapshot, ...], tuple[Milestones, ...]] | None = None
        self._wanted: int | None = None  # the step the rewind keys queued now go to
        self._show_later = Coalesced(self.call_later, self._show_wanted)  # once, after those keys

    @property
    def member(self) -> Runner:
        """The selected run's runner."""
        return self.runner.members[self.selected]

    def compose(self) -> ComposeResult:
        self.loss = LossPlot(id="loss")
        self.loss.border_title = "Loss"
        self.table = RaceTable(id="race-table")
        self.maps = [DecisionMap(self.map_view, title=(f"Map of {label}", label), id=f"map-{i}")
                     for i, label in enumerate(self.labels)]
        self.bar = RaceBar(id="race-bar")
        with Horizontal(id="race"):
            with Vertical(id="race-left"):
                yield self.loss
                yield self.table
            with Grid(id="race-maps"):
                yield from self.maps
        yield self.bar
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self._show_maps(self.app.size)
        self.set_interval(1 / FRAMES_PER_SECOND, self.draw_frame)
        self._train(self.runner)
        self.draw_frame()

    @work(thread=True, exclusive=True, group="train")
    def _train(self, runner: RaceRunner) -> None:
        worker = get_current_worker()
        runner.train(lambda: worker.is_cancelled)

    def on_unmount(self) -> None:
        self.runner.close()

    def on_resize(self, event: Resize) -> None:
        self._show_maps(event.size)

    def _show_maps(self, size: Size) -> None:
        """Every run's map when the screen has room, else the selected run's."""
        multiples = size.width >= MULTIPLES_SIZE.width and size.height >= MULTIPLES_SIZE.height
        self.set_class(multiples, "-multiples")
        for i, decision_map in enumerate(self.maps):
            decision_map.display = multiples or i == self.selected

    # -- drawing -----------------------------------------------------------------------------

    def draw_frame(self, *, now: bool = False) -> None:
        self.frames.tick(now=now)

    @on(RunChanged)
    def show_run_changed(self) -> None:
        self.draw_frame(now=True)

    @on(Parked)
    def draw_parked_frame(self, message: Parked) -> None:
        self.frames.parked(message.runner)

    def _can_draw(self) -> bool:
        app = self.app
        return app.is_running and self in app.screen_stack and not isinstance(app.screen, TooSmallScreen)

    def _colors(self) -> list[Color]:
        """Each run's colour, readable on the loss plot."""
        return [self.loss.line_color(rgb) for rgb in RUN_COLORS[:len(self.labels)]]

    def _hand_over(self) -> None:
        members = self.runner.members
        snaps = list(self.rewound[1]) if self.rewound else [member.snapshot for member in members]
        colors = self._colors()
        self._draw_loss(colors)
        for i, (decision_map, snap) in enumerate(zip(self.maps, snaps)):
            drawn, view = self._drawn[i], (self.boundaries, decision_map.viewport)
            if decision_map.display and (drawn is None or drawn[0] is not snap or drawn[1:] != view):
                self._drawn[i] = (snap, *view)
                decision_map.show(self.map_view.frame(snap.W, snap.b, decision_map.viewport,
                                                      Selection.point(int(self.map_view.drawn[0])),
                                                      boundaries=self.boundaries))
        hexes = [color.hex for color in colors]
        self.bar.show(self.runner.state, [
            RunLine(label, marker, color, member.state, snap.step, snap.loss, snap.train_accuracy, i == self.selected)
            for i, (label, marker, color, member, snap) in enumerate(zip(self.labels, RUN_MARKERS, hexes, members,
                                                                           snaps))],
            of=self.runner.last_step if self.rewound else None)
        # rewound: the milestones as they were then, a run finished only if it was by then
        milestones = self.rewound[2] if self.rewound else self.runner.milestones
        self.table.show(self.runner.race.loss_threshold, [
            TableRow(label, marker, color, reached, member.state.finished and member.snapshot.step == snap.step)
            for label, marker, color, reached, member, snap in zip(self.labels, RUN_MARKERS, hexes, milestones,
                                                                    members, snaps)])

    def _draw_loss(self, colors: list[Color]) -> None:
        """Every run's loss curve to its latest step; rewound, a cursor at the step shown."""
        plot = self.loss
        width, height = plot.content_size
        if width < 2 or height < 2:
            return
        members = self.runner.members
        live = [member.snapshot for member in members]
        legend = "  ".join(f"[{color.hex}]{marker} {escape(label)}[/]"
                           for marker, label, color in zip(RUN_MARKERS, self.labels, colors))
        switches = tuple(switch for member in members for switch in member.marks)
        request = PlotRequest(step=max(snap.step for snap in live), log=self.log_scale, width=width, height=height,
                              theme=self.app.theme,
                              colors=tuple(color.rgb for color in colors), switches=switches,
                              legend=legend + ("  log" if self.log_scale else ""),
                              markers=RUN_MARKERS[:len(members)],
                              cursor=self.rewound[0] if self.rewound else None, cursor_color=plot.cursor_color().rgb)
        plot.show(lambda: {label: member.curves(snap)["loss"]
                           for label, member, snap in zip(self.labels, members, live)}, request)

    def _after_key(self) -> None:
        self.draw_frame(now=True)

    # -- actions (the keys; see keys.py) -----------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Pause and step cannot act once every run has finished (r starts them again)."""
        if action in ("toggle_pause", "step") and self.runner.state.finished:
            return None
        return True

    def action_toggle_pause(self) -> None:
        self._go_on_from_here()
        self.runner.toggle()
        self._after_key()

    def action_step(self) -> None:
        self._go_on_from_here()
        self.runner.step()
        self._after_key()

    def _go_on_from_here(self) -> None:
        """Rewound: every run goes back to the step shown (a new future from there)."""
        step = self._wanted if self._wanted is not None else self.rewound[0] if self.rewound else None
        self._wanted = self.rewound = None  # a rewind key just before this one counts, not recomputed
        if step is not None and step != self.runner.last_step:
            self.runner.fork(step)

    def action_rewind(self, move: str) -> None:
        """Every run as it was at the step ``move`` goes to (:func:`~..rewind.rewind_target`),
        pausing the race first; at the last step the race is live again. Keys in a burst (a
        held ←) move the step asked for, and only the last one is recomputed."""
        pause_to_rewind(self.runner)  # the runs stop in lockstep, past the steps last published
        last = self.runner.last_step
        shown = self._wanted if self._wanted is not None else self.rewound[0] if self.rewound else last
        self._wanted = rewind_target(move, shown, last)
        self._show_later.request()

    def _show_wanted(self) -> None:
        step, self._wanted = self._wanted, None
        if step is None:
            return
        last = self.runner.last_step
        self.rewound = None if step == last else (step, self.runner.snapshots_at(step),
                                                  self.runner.milestones_at(step))
        self._drawn = [None] * len(self.labels)
        self._after_key()

    def action_reset(self) -> None:
        self._wanted = self.rewound = None
        self.runner.reset()
        self.refresh_bindings()
        self._after_key()

    def action_speed(self, up: bool) -> None:
        self.runner.change_speed(up)
        self._after_key()

    def action_next_run(self) -> None:
        self.selected = (self.selected + 1) % len(self.labels)
        self._show_maps(self.app.size)
        self._after_key()

    def action_lr(self, up: bool) -> None:
        """The selected run's learning rate one rung up or down."""
        self._go_on_from_here()
        member, label = self.member, self.labels[self.selected]
        if member.optimizer in SECOND_ORDER_OPTIMIZERS:
            self.notify(f"{label}: {member.optimizer} chooses each step's length by a line search; + and - "
                        "change nothing", title="Learning rate")
            return
        lr = member.change_lr(up)
        self.notify(f"{label}: lr {lr:g} from step {member.snapshot.step} on", title="Learning rate", timeout=4)
        self._after_key()

    def action_next_optimizer(self) -> None:
        """The selected run's next optimizer, from its current parameters."""
        self._go_on_from_here()
        name = self.member.next_optimizer()
        self.notify(f"{self.labels[self.selected]} goes on with {name} from step {self.member.snapshot.step}",
                    title="Optimizer")
        self._after_key()

    def watch_log_scale(self) -> None:
        self._after_key()

    def watch_boundaries(self) -> None:
        self._after_key()

    def action_help(self) -> None:
        from .help import HelpScreen

        self.app.push_screen(HelpScreen(RACE))

    def action_leave_race(self) -> None:
        """The selected run goes on alone in the dashboard (paused, where it is)."""
        self._go_on_from_here()
        with self.runner._control():  # the fork, if any, has run
            pass
        self.member._pause()
        self.app.leave_race(self.entrants.sessions[self.selected])

    @on(DecisionMap.ViewportChanged)
    def draw_for_new_size(self) -> None:
        self.draw_frame()
