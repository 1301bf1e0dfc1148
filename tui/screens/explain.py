"""Explain mode (``e``): a note over every panel of the dashboard says what it shows.

The screen is an overlay (posting's ``JumpOverlay``): transparent, with one :class:`Note` at
each panel's region, laid out again whenever the screen is resized. A note covers the top of
its panel, its frame over the panel's, titled with the panel's name, as tall as its text
needs but never so tall that fewer than :data:`KEEP_ROWS` rows of the panel stay in sight;
the status bar's note sits over the bottom rows of the panels above the bar. A note whose
text is taller than its box scrolls (the wheel; tab to it, then the arrow and page keys), and
its title says which lines are in view (``1–5/9 ↕``), as the panels do.

A note's text is its panel's static ``EXPLAIN`` prose, then a few live lines about the run
as it is now (the explained point's probabilities, which class and feature a weight
belongs to, the loss's terms, the rate), refreshed :data:`REFRESH_PER_SECOND` times a
second from the engine's ``explain_*`` functions. The dashboard keeps training (or stays
paused) underneath; escape or e closes the notes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.events import Resize, ScreenResume
from textual.geometry import Region
from textual.widget import Widget
from textual.widgets import Footer, Static

from softmax_tui.datasets import Pipeline
from softmax_tui.engine import Snapshot, explain_loss, explain_weights

from ..ladder import speed_text
from ..safe_text import visible_all
from ..stability import Stability, kappa_text, limit_text
from ..widgets.decision_map import TITLE as MAP_TITLE, DecisionMap
from ..widgets.landscape import TITLE as LANDSCAPE_TITLE
from ..widgets.jacobian import Subject
from ..widgets.lines import scroll_cue
from .modal import OnceModal

if TYPE_CHECKING:
    from .dashboard import DashboardScreen

#: Content rows of a panel that its note leaves in sight, below the note.
KEEP_ROWS = 2
#: The status bar's note takes this share of the height of the panels right above the bar (at
#: least three rows: its border and two lines), or less when its text needs fewer.
STATUS_SHARE = 1 / 4
#: Live lines are brought up to date this many times a second.
REFRESH_PER_SECOND = 4
#: Cells a note's text loses to its frame (left and right) and padding.
NOTE_MARGIN = 3


class Note(VerticalScroll):
    """One panel's note: ``heading`` in the top border (with a scroll cue when the text is
    taller than the box) over the text handed to :meth:`say`."""

    def __init__(self, heading: str, *, id: str) -> None:
        super().__init__(id=id, classes="note")
        self.heading = heading
        self.text = Text()
        self.body = Static(self.text, classes="note-body")

    def compose(self) -> ComposeResult:
        yield self.body

    def say(self, text: Text) -> None:
        """Show ``text`` (redrawn only when it changed)."""
        if text != self.text:
            self.text = text
            self.body.update(text)
            self.call_after_refresh(self._show_cue)

    def on_mount(self) -> None:
        self.border_title = self.heading

    def on_resize(self) -> None:
        self._show_cue()

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        self._show_cue()

    def _show_cue(self) -> None:
        cue = scroll_cue(self)
        self.border_title = f"{self.heading} · {cue}" if cue else self.heading


class ExplainScreen(OnceModal[None]):
    """Notes over the panels of ``dashboard`` until escape or e."""

    DEFAULT_CSS = """
    ExplainScreen {
        background: transparent;
    }
    ExplainScreen .note {
        position: absolute;
        background: $surface;
        border: round $accent;
        border-bottom: none;
        border-title-color: $foreground;
        border-title-style: bold;
        padding: 0 0 0 1;
        scrollbar-size-vertical: 0;
    }
    ExplainScreen .note:focus {
        border: round $primary;
        border-bottom: none;
        background-tint: $foreground 5%;
    }
    """
    BINDINGS = [
        Binding("escape,e", "dismiss", "close", key_display="esc/e", priority=True),
        # the run's own pause and step, and quit, act under the notes too
        Binding("space", "on_run('toggle_pause')", "pause"),
        Binding("n", "on_run('step')", "step", show=False),
        Binding("q", "app.quit", "quit"),
        Binding("tab", "app.focus_next", "next note", show=True),
        Binding("shift+tab", "app.focus_previous", "previous note", show=False),
    ]

    def __init__(self, dashboard: DashboardScreen) -> None:
        super().__init__()
        self.dashboard = dashboard

    async def action_on_run(self, action: str) -> None:
        """A key of the run's (pause, step) acts on the run under the notes."""
        await self.dashboard.run_action(action)

    def panels(self) -> dict[str, Widget]:
        """The annotated panels by their notes' ids, in reading order."""
        d = self.dashboard
        return {"parameters-note": d.parameters, "loss-note": d.loss, "map-note": d.map_panel,
                "jacobian-note": d.jacobian, "status-note": d.status}

    def compose(self) -> ComposeResult:
        map_title = LANDSCAPE_TITLE if self.dashboard.landscape else MAP_TITLE  # without the counts, the step
        titles = {"status-note": "Status bar ↓", "map-note": map_title}
        for note_id, panel in self.panels().items():
            yield Note(titles.get(note_id, str(panel.border_title)), id=note_id)
        yield Footer(compact=True, show_command_palette=False)

    def on_mount(self) -> None:
        self.refresh_notes()
        self.set_interval(1 / REFRESH_PER_SECOND, self.refresh_notes)

    @on(Resize)
    @on(ScreenResume)
    def place_again(self) -> None:
        """The dashboard lays its panels out for the new size first (also while the too-small
        notice was over this screen): place the notes after."""
        self.call_after_refresh(self.place_notes)

    # -- layout ------------------------------------------------------------------------------

    def place_notes(self) -> None:
        """Each note over the top of its panel (see the module docstring)."""
        regions = {note_id: panel.region for note_id, panel in self.panels().items()}
        status = regions.pop("status-note")
        panels_bottom = status.y  # the panels above the bar end here
        lower_top = max(region.y for region in regions.values())
        rows = min(max(3, int((panels_bottom - lower_top) * STATUS_SHARE)), 1 + self._lines("status-note", status.width))
        status_note = Region(status.x, panels_bottom - rows, status.width, rows)
        self._put("status-note", status_note)
        for note_id, region in regions.items():
            bottom = region.bottom - 1 if region.bottom < status_note.y else status_note.y
            rows = max(2, bottom - region.y - KEEP_ROWS)
            self._put(note_id, Region(region.x, region.y, region.width,
                                      min(rows, 1 + self._lines(note_id, region.width))))

    def _lines(self, note_id: str, width: int) -> int:
        """How many lines the note's text takes in a box ``width`` cells wide."""
        note = self.query_one(f"#{note_id}", Note)
        return len(note.text.wrap(self.app.console, max(width - NOTE_MARGIN, 1)))

    def _put(self, note_id: str, region: Region) -> None:
        styles = self.query_one(f"#{note_id}", Note).styles
        styles.offset = (region.x, region.y)
        styles.width, styles.height = region.width, region.height

    # -- text --------------------------------------------------------------------------------

    def refresh_notes(self) -> None:
        """Every note's prose and live lines, for the snapshot the dashboard shows (the latest,
        or the past one it is rewound to)."""
        d = self.dashboard
        snap = d.shown_snapshot
        subject = d.subject(snap)
        session = d.session
        classes, features = d.map_view.class_names, d.parameters.feature_names
        raw_names = visible_all(session.dataset.feature_names)
        live = {
            "parameters-note": weight_lines(snap, classes, features),
            "loss-note": loss_lines(snap, session.config.l2, session.config.l1),
            "map-note": [] if d.landscape else [DecisionMap.EXPLAIN_WRONG, *point_lines(subject, classes)],
            "jacobian-note": input_lines(subject, session.pipeline, features, raw_names),
            "status-note": [f"Now: {d.runner.optimizer} at lr {d.runner.lr:g}"
                            f"{stability_text(d.stability.latest, d.lr_limit(), d.runner.lr)}, speed limit "
                            f"{speed_text(d.runner.speed)}."],
        }
        for note_id, panel in self.panels().items():
            text = Text(panel.EXPLAIN)
            for line in live[note_id]:
                text.append("\n" + line)
            self.query_one(f"#{note_id}", Note).say(text)
        self.place_notes()  # a live line may take another line than before


def weight_lines(snap: Snapshot, classes: Sequence[str], features: Sequence[str]) -> list[str]:
    """Which class each k and which feature each j of ``w[k,j]`` is, and the largest weight."""
    lines = ["k: " + ", ".join(f"{k} {name}" for k, name in enumerate(classes, 1)),
             "j: " + ", ".join(f"{j} {name}" for j, name in enumerate(features, 1))]
    if snap.W.size:
        k, j, value = explain_weights(snap.W)
        lines.append(f"Largest now: w[{k + 1},{j + 1}] = {value:+.3g}, {classes[k]} × {features[j]}.")
    return lines


def stability_text(stability: Stability | None, limit: float | None, lr: float) -> str:
    """The curvature behind the rate's limit, in brackets: " (stable below 2/λmax = 2.1;
    λmax 0.97, κ 37)"; "" before the first measurement."""
    if stability is None:
        return ""
    below = "" if limit is None else f"stable below {limit_text(limit, lr)}; "
    return f" ({below}λmax {stability.lambda_max:.3g}, κ {kappa_text(stability)})"


def loss_lines(snap: Snapshot, l2: float, l1: float) -> list[str]:
    """The latest loss in its terms, beside what a model that learned nothing would score."""
    terms = explain_loss(snap.loss, snap.W, l2, l1)
    penalty = f" + penalty {terms.penalty:.4g}" if l2 or l1 else ""
    return [f"Now: {snap.loss:.4g} = cross-entropy {terms.cross_entropy:.4g}{penalty}; knowing nothing "
            f"(a = 1/K) scores ln K = {terms.chance:.4g}."]


def point_lines(subject: Subject, classes: Sequence[str]) -> list[str]:
    """The explained point's probability vector: the colour the map blends there."""
    e = subject.explanation
    mark = "[+] here" if e.label is None else f"[●] ({classes[e.label]})"
    p = ", ".join(f"{name} {a:.2f}" for name, a in zip(classes, e.a.tolist()))
    return [f"{mark}: a = {p}; the model says {classes[int(np.argmax(e.a))]}."]


def input_lines(subject: Subject, pipeline: Pipeline, features: Sequence[str], raw_names: Sequence[str]) -> list[str]:
    """How the explained x came from the raw row, with the first feature's numbers."""
    raw = subject.raw
    if raw is None:
        return ["Here x is the raw row itself (no standardization, no transforms)."]
    x = subject.explanation.x
    if pipeline.features is not None:
        scaled = "standardized" if pipeline.standardizes else "not standardized"
        return [f"Here x holds {', '.join(features)} ({scaled}); raw holds the data's columns "
                f"{', '.join(raw_names)}."]
    mean = f"{pipeline.mean[0]:.4g}" if pipeline.mean[0] >= 0 else f"({pipeline.mean[0]:.4g})"  # not "- -0.08"
    return [f"Here x₁ = ({raw[0]:.4g} - {mean}) / {pipeline.scale[0]:.4g} = {x[0]:+.3f} "
            f"({features[0]})."]
