"""The Loss panel: training (and validation) loss against step, drawn by :mod:`..lineplot`.

Every frame the dashboard hands the panel a :class:`PlotRequest` for the step its other
panels show, and the curves up to that step (:meth:`Runner.curves`: the engine's decimated
history before it, then the snapshot's own values), so the plot ends where the status bar
is (when the panels show a past step, rewound with ``←``, the whole run with a cursor at that
step): :meth:`LossPlot.show` rebuilds it there and then when the request changed. A rebuild
takes about 0.5 ms at 58 x 17 cells (:mod:`..lineplot`); frames are drawn while the training loop is
parked and spaced by their cost (see :mod:`..frames`). The curves are thinned once more to
two points per plot column, min and max, so the shape of a long run survives at any width
and nothing is drawn that is not seen; the legend (the current
values, in the subtitle) changes with the plot, and a new plot redraws only the rows that
changed.

The y axis is laid out for round ticks (1, 2 or 5 times a power of ten; decades on the log
scale) on the rows whose value they are (see :mod:`..ticks`); the x ticks are round steps.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from rich.color import Color as RichColor
from rich.segment import Segment
from rich.style import Style
from textual.color import Color
from textual.strip import Strip
from textual.widget import Widget

from ..lineplot import AXES, BRAILLE, FRAME_ROWS, GRAY, Curve, Ink, Rows, VerticalLine, draw
from ..ticks import Axis, round_ticks, rows_axis
from .lines import BaseStyle, QuietSubtitle

LOG_FLOOR = 1e-12  # on the log scale a loss below this is drawn at it
#: A loss above this is drawn at it: arithmetic on the plot's range near float64's limit (a
#: loss of 1e308, with --l2 1e308) overflows. The legend and the status bar give the value.
PLOT_CEILING = 1e300
#: Columns per x tick label at most (a label and the room around it).
X_TICK_CELLS = 10
#: The character over the rewind cursor's line.
CURSOR_MARK = "▼"
Curves = dict[str, tuple[np.ndarray, np.ndarray]]


def envelope(steps: np.ndarray, values: np.ndarray, bins: int) -> tuple[np.ndarray, np.ndarray]:
    """The minimum and maximum of ``values`` in each of ``bins`` equal step ranges, in step
    order, and the last point: a curve of at most ``2 * bins + 1`` points with the same
    envelope that ends where the curve does."""
    if len(steps) <= 2 * bins:
        return steps, values
    span = steps[-1] - steps[0] + 1
    which = (steps - steps[0]) * bins // span
    order = np.lexsort((values, which))  # by bin, then by value within the bin
    first = np.flatnonzero(np.r_[True, which[order][1:] != which[order][:-1]])
    last = np.r_[first[1:] - 1, len(order) - 1]
    keep = np.unique(np.concatenate([order[first], order[last], [len(steps) - 1]]))  # back in step order
    return steps[keep], values[keep]


@dataclass(frozen=True)
class PlotRequest:
    """Everything a plot depends on; equal requests give equal plots."""

    step: int  # the step the curves end at: the step the frame shows
    log: bool
    width: int
    height: int
    theme: str  # the app's theme: the plot's background and axes are its surface and foreground
    colors: tuple[tuple[int, int, int], ...]  # each curve's: train, validation (a race: each run's)
    switches: tuple[tuple[int, str], ...]  # (step, what) where the optimizer or the penalties changed, or the run forked
    legend: str  # the subtitle: the current values (markup), shown with the plot they end
    #: Each curve's marker (a race: one per run, so that they differ without colour); empty:
    #: braille for the training loss, dots for the validation loss.
    markers: tuple[str, ...] = ()
    cursor: int | None = None  # the past step the other panels show (rewind), marked by a line and ▼
    cursor_color: tuple[int, int, int] = (255, 255, 255)


class LossPlot(QuietSubtitle, BaseStyle, Widget, can_focus=False):
    """Shows the loss curves up to the step of the last :meth:`show`; call it every frame."""

    DEFAULT_CSS = """
    LossPlot {
        width: 1fr;
        height: 1fr;
    }
    """

    #: What the panel shows, for explain mode (``e``).
    EXPLAIN = (
        "Solid: the objective the optimizer minimizes, the mean cross-entropy -log a_y over the "
        "training set (+ (l2/2)‖W‖² + l1‖W‖₁ with --l2, --l1); dotted: the validation set's. A "
        "grey vertical line: the optimizer (o, or its settings) or the penalties changed there, or the run "
        "forked from a past step; a line under ▼: the step shown (← →); l: log scale."
    )

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = "Loss"
        #: The request of the plot on screen, the last step its curves reach, and its y axis.
        self.shown: PlotRequest | None = None
        self.last_step: int | None = None
        self.y_axis: Axis | None = None
        self._lines: list[Strip] = []

    def show(self, source: Callable[[], Curves], request: PlotRequest) -> None:
        """Show the plot of ``request`` of the curves ``source()`` (which must end at
        ``request.step``), built now unless it is the one on screen."""
        if request == self.shown:
            return
        old, self._lines = self._lines, self._build(source(), request)
        self.shown = request
        self.set_subtitle(request.legend)
        self.refresh_changed(old, self._lines)

    @property
    def canvas_rgb(self) -> tuple[int, int, int]:
        """The plot's background: the theme's surface."""
        return Color.parse(self.app.theme_variables["surface"]).rgb

    def line_color(self, color: str | tuple[int, int, int]) -> Color:
        """A line's colour ``color`` (RGB, or a colour's text such as a theme variable's)
        made readable on the plot's canvas (the theme's surface), then on the panel's
        background under the legend: the two are both dark or both light, so the second
        step keeps the first one's contrast."""
        rgb = Color.parse(color).rgb if isinstance(color, str) else color
        on_canvas = Color.parse(self.readable(rgb, self.canvas_rgb))
        return Color.parse(self.readable(on_canvas.rgb))

    def cursor_color(self) -> Color:
        """The rewind cursor's colour: the theme's warning colour, readable on the plot
        (:meth:`line_color`); worked out once per theme (and style change)."""
        return self._cached("cursor", lambda: self.line_color(self.app.theme_variables["warning"]))

    def render_line(self, y: int) -> Strip:
        """The plot's lines, ready-made (a new subtitle does not re-render them)."""
        width = self.content_size.width
        if y < len(self._lines):
            return self._lines[y].crop_extend(0, width, self.base_style)
        return Strip.blank(width, self.base_style)

    def _build(self, curves: Curves, request: PlotRequest) -> list[Strip]:
        """The plot's lines: the curves and the optimizer and penalty switches, on round axes
        (none when the panel, less the y labels, is too small for a canvas of 2 x 2 cells, or
        when no value is finite)."""
        self.y_axis = None
        if request.height - FRAME_ROWS < 2:
            return []
        drawn, lo, hi, first = self._thinned(curves, request)
        if lo > hi:  # not a finite value to draw
            return []
        axis = rows_axis(lo, hi, request.height - FRAME_ROWS, log=request.log)
        if request.width - max(map(len, axis.labels), default=0) - 2 < 2:
            return []
        self.y_axis = axis
        end = max(request.step, first + 1)  # one step's room for the single point of step 0
        lines = [VerticalLine(step, GRAY) for step, _ in request.switches]
        if request.cursor is not None:
            lines.append(VerticalLine(request.cursor, request.cursor_color, CURSOR_MARK))
        ticks = round_ticks(first, end, max(request.width // X_TICK_CELLS, 2), whole=True)
        rows = draw(drawn, lines, width=request.width, height=request.height, first=first, end=end,
                    x_ticks=[int(t) for t in ticks], x_label="step", y_axis=self.y_axis)
        return self._strips(rows, request.width)

    def _thinned(self, curves: Curves, request: PlotRequest) -> tuple[list[Curve], float, float, int]:
        """Each curve thinned to the plot's width (floored on the log scale, capped at
        :data:`PLOT_CEILING`), the lowest and highest value drawn (NaN is not drawn; both
        infinite when nothing is) and the first step."""
        lo, hi, first = np.inf, -np.inf, request.step
        markers = request.markers or [BRAILLE if name == "loss" else "•" for name in curves]
        drawn = []
        for (steps, values), color, marker in zip(curves.values(), request.colors, markers):
            steps, values = envelope(steps, values, max(request.width, 2))
            values = np.clip(values, LOG_FLOOR if request.log else -np.inf, PLOT_CEILING)
            finite = values[np.isfinite(values)]  # NaN: no point there (it breaks the curve)
            if len(finite):
                lo, hi = min(lo, finite.min()), max(hi, finite.max())
            first = min(first, int(steps[0]))
            drawn.append(Curve(steps, values, color, marker))
        self.last_step = int(max(steps[-1] for steps, _ in curves.values()))
        return drawn, lo, hi, first

    def _strips(self, rows: Rows, width: int) -> list[Strip]:
        """The plot's rows as strips, each colour on the theme's surface."""
        return [Strip([Segment(text, self._ink_style(ink)) for text, ink in row], width) for row in rows]

    def _ink_style(self, ink: Ink) -> Style:
        """The style of ``ink`` on the theme's surface, made once per theme (and style change)."""
        return self._cached(("ink", ink), lambda: self._make_ink_style(ink))

    def _make_ink_style(self, ink: Ink) -> Style:
        background = RichColor.from_rgb(*self.canvas_rgb)
        if ink is None:
            return Style(bgcolor=background)
        if ink == AXES:
            color = RichColor.from_rgb(*Color.parse(self.app.theme_variables["foreground"]).rgb)
        elif ink == GRAY:
            color = RichColor.from_ansi(8)
        else:
            color = RichColor.from_rgb(*ink)
        return Style(color=color, bgcolor=background)
