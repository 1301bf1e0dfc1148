"""The Decision map panel: the model's probabilities over a plane, the data points on top.

The map is a half-block picture (see :mod:`.halfblock`): two pixels to a cell. A pixel's
colour is its probability vector blended over the class colours (truecolor and 256 colours),
the winning class's ANSI colour, bright where it is confident (16 colours), or, with no
colour at all, the winning class's fill character (see :mod:`softmax_tui.tui.palette`).

Over the probabilities: the tie lines between classes ("•" where a line is a decision
boundary, "·" where it is not), the points, and the selection between brackets ("[●]", or
"[+]" for a free location).

A point is its class's glyph: filled (``● ▲ ■ …``) for a training point, the same shape
hollow (``○ △ □ …``) for a validation point (``v`` hides them), so the shape tells the class
and the filling the set without colour. A correctly classified point is a black or white
glyph on its class colour (bold, without colour). A misclassified point is **underlined** and
drawn the other way round: the glyph in its class colour on a black or white marker (without
colour, in reverse video). The underline is what makes it unmistakable: the swapped colours
alone left a misclassified ■ on white looking much like a correct white ■ on blue, and reverse
video alone is no more than another pair of colours, where 16 colours or ``NO_COLOR`` leave
few. Underline is an attribute that every terminal draws (VT100 on, and ``NO_COLOR`` keeps
it), it changes the cell's shape rather than its colour, and it leaves the glyph, and so the
true class, as it was; the legend says "underlined: misclassified" with the word underlined.

When the map draws fewer points than the sets have (at most ``MAX_DRAWN_POINTS`` of them
are drawn, a viewport shows a share of those, validation points can be hidden), the border
title says how many of each set it draws: "249 of 700 training, 107 of 300 validation points
shown", or a shorter form that fits (see :func:`shown_texts`).

The widget paints the :class:`~softmax_tui.tui.mapview.MapFrame` it is given by
:meth:`DecisionMap.show` and computes nothing with the model: whoever owns the run builds
frames with :meth:`MapView.frame <softmax_tui.tui.mapview.MapView.frame>` for the widget's
:attr:`~DecisionMap.viewport`, and builds one again when the widget posts
:class:`DecisionMap.ViewportChanged` (it was resized). It posts
:class:`DecisionMap.PointSelected` or :class:`DecisionMap.LocationSelected` when the user
clicks; the owner decides what is selected and shows it again. The shift+arrow keys that move a
free cursor are the owner's too: it holds the selection, so each press steps from the one
before even when several arrive at once (``Viewport.step``).
Its border, like every panel's, is the dashboard screen's one panel rule (dashboard.tcss).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from rich.cells import cell_len, set_cell_size
from rich.style import Style
from textual import events
from textual.content import Content
from textual.geometry import Size
from textual.message import Message
from textual.strip import Strip

from .. import cells, palette
from ..mapview import MapFrame, MapView, PointCounts, Selection, Viewport
from ..palette import ColorMode
from .halfblock import (
    CURSOR,
    FAINT_DOT,
    LEFT_BRACKET,
    LINE_DOT,
    RIGHT_BRACKET,
    ColourPainter,
    MonoPainter,
    Painter,
    Picture,
    glyph,
    marked,
    put,
)
from .lines import SUBTITLE_MARGIN, BaseStyle

#: Axes (ticks and labels) are drawn when the content is at least this big.
MIN_AXES_SIZE = Size(16, 5)
#: The y-axis label is wrapped into the gutter, which is at most this wide.
MAX_GUTTER = 12
#: A click selects the nearest drawn point when it is at most this many cells away.
CLICK_RADIUS = 1
#: The style cache is emptied when it grows beyond this many entries.
STYLE_CACHE_SIZE = 20_000

#: How the legend writes a note: text, or (text, style) runs.
Note = tuple[str | tuple[str, str], ...]
_UNDERLINED = "underline"
#: The legend in the border subtitle, from the longest to the shortest: the gap between
#: classes, the note on misclassified points (its key word drawn as they are: underlined),
#: the one on curved boundaries and the word after the hollow glyphs of validation points
#: (when they are shown). The first that fits with the class names whole is shown; when none
#: does, the notes go (names matter more), then the names are cut as little as it takes (never
#: so that two read the same), then only the glyphs are left.
LEGENDS: tuple[tuple[str, Note, str, str], ...] = (
    ("  ", (("underlined", _UNDERLINED), ": misclassified"), "boundaries: curved (nonlinear features) │ ",
     "validation"),
    ("  ", (("underlined", _UNDERLINED), ": wrong"), "curved boundaries │ ", "validation"),
    (" ", (("underlined", _UNDERLINED), ": wrong"), "curved │ ", "val"),
    (" ", (("wrong", _UNDERLINED),), "curved │ ", "val"),
    (" ", (), "", "val"),
    (" ", (), "", ""),
)
#: The panel's name, first in its border title, and its short form for a narrow panel.
TITLE = "Decision map"
SHORT_TITLE = "Map"


def shown_texts(counts: PointCounts) -> list[str]:
    """What the border title says of ``counts`` when the map draws fewer points than the
    sets have, from the longest form to the shortest (none when it draws them all). The
    training and validation sets are counted apart ("249 of 700 training, 107 of 300
    validation points shown"), in the shortest forms together ("356/1,000"); numbers are
    exact, with thousands separators until the last form."""
    if counts.complete:
        return []
    t, total_t, v, total_v = counts.training, counts.training_total, counts.validation, counts.validation_total
    if total_v:
        forms = [f"{t:,} of {total_t:,} training, {v:,} of {total_v:,} validation points shown",
                 f"{t:,} of {total_t:,} train, {v:,} of {total_v:,} val shown",
                 f"{t:,}/{total_t:,} train, {v:,}/{total_v:,} val"]
    else:
        forms = [f"{t:,} of {total_t:,} points shown", f"{t:,} of {total_t:,} shown"]
    return [*forms, f"{t + v:,}/{total_t + total_v:,} shown", f"{t + v:,}/{total_t + total_v:,}",
            f"{t + v}/{total_t + total_v}"]


def fitting_title(counts: PointCounts, room: int, title: str = TITLE, short: str = SHORT_TITLE) -> str:
    """The border title in at most ``room`` cells where it can be: the panel's name and the
    longest form of :func:`shown_texts` with words that fits beside it, else the short name
    (``short``, "Map") and such a form, else either name and the bare numbers, else the numbers alone,
    else the shortest (wider than ``room``, Textual cuts it with an ellipsis, visibly). So a
    narrow map reads "Map · 60/150 shown" rather than "Decision map · 60/150"."""
    texts = shown_texts(counts)
    if not texts:
        return title
    worded, bare = texts[:-2], texts[-2:]
    candidates = [f"{name} · {text}" for group in (worded, bare) for name in (title, short) for text in group]
    for title in candidates + texts:
        if cell_len(title) <= room:
            return title
    return texts[-1]


def _tick(value: float) -> str:
    return f"{value:.3g}"


@dataclass(frozen=True)
class AxesLayout:
    """Where the map and the axes go in a content area of ``size``. A :attr:`MapView.flat`
    map has no ``t`` ticks (its ``t`` means nothing): its gutter holds the y label alone.
    Text here is measured in terminal cells (:mod:`..cells`)."""

    size: Size
    gutter: int  # columns left of the map: the t ticks and the y label
    viewport: Viewport
    axes: bool
    flat: bool = False

    @classmethod
    def fit(cls, map_view: MapView, size: Size) -> AxesLayout:
        width, height = size
        if width < MIN_AXES_SIZE.width or height < MIN_AXES_SIZE.height:
            return cls(size, 0, map_view.viewport(max(width, 1), max(height, 1)), False)
        rows, flat = height - 1, map_view.flat
        widest_word = max((cell_len(w) for w in map_view.labels[1].split()), default=0)
        gutter = min(widest_word, MAX_GUTTER - 1) + 1
        # Ticks depend on the extent, which depends on the map width: widen until they fit.
        while True:
            viewport = map_view.viewport(width - gutter, rows)
            _, _, t0, t1 = viewport.extent
            need = 0 if flat else max(len(_tick(t0)), len(_tick(t1))) + 1
            if need <= gutter:
                return cls(size, gutter, viewport, True, flat)
            gutter = need

    def gutter_lines(self, label: str) -> list[str]:
        """The gutter's text, one string of exactly :attr:`gutter` cells per map row: ticks
        at the top and bottom (none on a flat map), the y label wrapped (words longer than
        the gutter cut with "…") in the middle."""
        width, rows = self.gutter - 1, self.viewport.rows
        _, _, t0, t1 = self.viewport.extent
        ticks = 0 if self.flat else 2
        wrapped: list[str] = []
        for word in label.split():
            word = cells.cut(word, width)
            if wrapped and cell_len(wrapped[-1]) + 1 + cell_len(word) <= width:
                wrapped[-1] += " " + word
            else:
                wrapped.append(word)
        wrapped = wrapped[: max(rows - ticks, 0)]
        lines = [""] * rows
        first = ticks // 2 + (rows - ticks - len(wrapped)) // 2
        for k, text in enumerate(wrapped):
            lines[first + k] = cells.centre(text, width).rstrip()
        if ticks:
            lines[0], lines[-1] = _tick(t1), _tick(t0)
        return [cells.rjust(line, width) + " " for line in lines]

    def axis_line(self, label: str) -> str:
        """The row under the map, exactly as wide as the content: ``s_min`` at the map's
        left edge, the x label centred (if it fits), ``s_max`` at the right."""
        s0, s1, _, _ = self.viewport.extent
        left, right = _tick(s0), _tick(s1)
        span = self.viewport.cols - len(left) - len(right)
        middle = cells.centre(label, span) if cell_len(label) + 2 <= span else " " * max(span, 0)
        return set_cell_size(" " * self.gutter + left + middle + right, self.size.width)


class DecisionMap(BaseStyle, can_focus=True):
    """The decision map of a :class:`MapView`; call :meth:`show` with each new frame."""

    #: What the map shows, for explain mode (``e``); the marks of points the model gets
    #: wrong are one sentence of their own (:attr:`EXPLAIN_WRONG`).
    EXPLAIN = (
        "Colour: the probability vector blended over the class colours. • decision boundary "
        "(the two likeliest classes tie); · a tie line that is no boundary. Filled glyphs: training "
        "points; hollow ○△□: validation points (v hides them); [●] the explained point, [+] the free cursor. (16 colours: the likeliest "
        "class's colour; no colour: its fill character.)"
    )
    EXPLAIN_WRONG = "Underlined (and drawn the other way round): misclassified, its glyph still its true class."

    DEFAULT_CSS = """
    DecisionMap {
        width: 1fr;
        height: 1fr;
    }
    """

    @dataclass
    class PointSelected(Message):
        """The user picked data point ``index`` (the nearest shown one to a click)."""

        decision_map: DecisionMap
        index: int

        @property
        def control(self) -> DecisionMap:
            return self.decision_map

        @property
        def selection(self) -> Selection:
            return Selection.point(self.index)

    @dataclass
    class LocationSelected(Message):
        """The user picked the free location ``(s, t)`` in map coordinates."""

        decision_map: DecisionMap
        s: float
        t: float

        @property
        def control(self) -> DecisionMap:
            return self.decision_map

        @property
        def selection(self) -> Selection:
            return Selection.at(self.s, self.t)

    @dataclass
    class ViewportChanged(Message):
        """The map was resized and shows ``viewport`` now: it needs a frame built for it
        (until then it keeps its last picture, cut to the new size)."""

        decision_map: DecisionMap
        viewport: Viewport

        @property
        def control(self) -> DecisionMap:
            return self.decision_map

    def __init__(
        self,
        map_view: MapView,
        *,
        color_mode: ColorMode | None = None,
        ascii_glyphs: bool = False,
        title: tuple[str, str] = (TITLE, SHORT_TITLE),
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        """``color_mode`` None follows the terminal (see :func:`palette.color_mode`);
        ``ascii_glyphs`` draws points as ``o ^ # …`` (validation ``O A H …``) instead of
        ``● ▲ ■ …`` (``○ △ □ …``); ``title`` is the panel's name, long and short (a race's
        maps name their runs)."""
        super().__init__(name=name, id=id, classes=classes)
        self.map_view = map_view
        self.map_title = title
        self.border_title = title[0]
        self._forced_mode = color_mode
        self._glyphs = ((palette.ASCII_GLYPHS, palette.ASCII_HOLLOW_GLYPHS) if ascii_glyphs
                        else (palette.GLYPHS, palette.HOLLOW_GLYPHS))
        self._frame: MapFrame | None = None
        self._layout: AxesLayout | None = None
        self._picture: Picture | None = None
        # The cells of keys, kept while the colour mode and the style stay and the cache is
        # not too big; the generation counts the times it was emptied.
        self._cache: dict[int, tuple[str, Style]] = {}
        self._cache_for: tuple[ColorMode, Style] | None = None
        self._generation = 0
        self._legend_key: tuple[ColorMode, bool, bool, int] | None = None
        self._title_key: tuple[PointCounts, int] | None = None
        self._axes_for: tuple[AxesLayout, list[str] | None, str | None] | None = None

    # The frame the owner hands over.

    def show(self, frame: MapFrame) -> None:
        """Paint ``frame``, built for :attr:`viewport`; only the rows of cells that changed
        are redrawn. A frame for another viewport (the map was resized since it was built)
        is not painted."""
        if frame is self._frame:
            return
        self._frame = frame
        size = self.content_size
        if not self.is_mounted or size.width <= 0 or size.height <= 0:
            return
        self._update_legend()
        self._update_title()
        layout = self.map_layout()
        if frame.viewport != layout.viewport:
            return
        self._picture = self._draw(layout).repaint(self, self._picture)

    def notify_style_update(self) -> None:
        """The CSS changed (a new theme, say): the next lines are drawn with the new style,
        and the legend once the component styles are updated too (see :class:`BaseStyle`)."""
        super().notify_style_update()
        self._picture = None
        self._legend_key = None
        if self.is_mounted:
            self.call_next(self._update_legend)  # in the new theme's colours

    @property
    def frame(self) -> MapFrame | None:
        """The last frame shown (None until one is)."""
        return self._frame

    @property
    def viewport(self) -> Viewport:
        """What the map shows at its current size: the viewport to build frames for."""
        return self.map_layout().viewport

    @property
    def color_mode(self) -> ColorMode:
        """The mode given to the constructor, else the terminal's."""
        return self._forced_mode if self._forced_mode is not None else super().color_mode

    def map_layout(self) -> AxesLayout:
        """Where the map is in the content area at the current size."""
        return self._layout_for(self.content_size)

    def _layout_for(self, size: Size) -> AxesLayout:
        if self._layout is None or self._layout.size != size:
            self._layout = AxesLayout.fit(self.map_view, size)
        return self._layout

    # Input.

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        layout = self.map_layout()
        col, row = offset.x - layout.gutter, offset.y
        if not layout.viewport.contains(col, row):
            return
        s, t = layout.viewport.cell_centre(col, row)
        validation = self._frame is not None and self._frame.validation
        index = self.map_view.nearest_point(s, t, layout.viewport, validation=validation)
        point_col, point_row = layout.viewport.cell_of(*self.map_view.coords_of(index))
        if max(abs(point_col - col), abs(point_row - row)) <= CLICK_RADIUS:
            self.post_message(self.PointSelected(self, index))
        else:
            self.post_message(self.LocationSelected(self, s, t))

    # Rendering.

    def on_mount(self) -> None:
        self._update_legend()

    def on_resize(self) -> None:
        self._update_legend()
        self._update_title()
        viewport = self.viewport
        if self._frame is None or self._frame.viewport != viewport:
            self.post_message(self.ViewportChanged(self, viewport))

    def render_line(self, y: int) -> Strip:
        size = self.content_size
        picture = self._picture_for(self._layout_for(size)) if size.width > 0 and size.height > 0 else None
        if picture is None:
            return Strip.blank(size.width, self.base_style)
        line = picture.line(y)
        return line if line.cell_length == size.width else line.crop_extend(0, size.width, self.base_style)

    def _picture_for(self, layout: AxesLayout) -> Picture | None:
        """The picture to paint in ``layout``: drawn from the frame if that was built for this
        viewport, else the last one (cut or padded to the new size when painted)."""
        current = self._picture is not None and self._picture.context[0] is layout  # see _draw
        if not current and self._frame is not None and self._frame.viewport == layout.viewport:
            self._picture = self._draw(layout)
        return self._picture

    def _draw(self, layout: AxesLayout) -> Picture:
        frame, base, mode = self._frame, self.base_style, self.color_mode
        if (mode, base) != self._cache_for or len(self._cache) > STYLE_CACHE_SIZE:
            self._cache.clear()
            self._cache_for = (mode, base)
            self._generation += 1
        painter = self._painter(frame, mode, base)
        keys = painter.keys.copy()
        if frame.traces:
            cols = np.concatenate([trace.cols for trace in frame.traces])
            rows = np.concatenate([trace.rows for trace in frame.traces])
            active = np.concatenate([trace.active for trace in frame.traces])
            put(keys, cols, rows, marked(np.where(active, LINE_DOT, FAINT_DOT), painter.keys[rows, cols]))
        put(keys, frame.cols, frame.rows, glyph(frame.label, frame.wrong, frame.held_out))
        if frame.selection is not None:
            self._mark(keys, painter.keys, frame)
        gutter, axis = self._axes_text(layout)
        return Picture(keys, painter.cell, base, layout.size.width, (layout, self._generation), gutter, axis)

    def _axes_text(self, layout: AxesLayout) -> tuple[list[str] | None, str | None]:
        """The gutter's lines and the axis line for ``layout`` (None without axes), laid out
        once per layout: they depend on its size and the plane's labels only."""
        if self._axes_for is None or self._axes_for[0] is not layout:
            x_label, y_label = self.map_view.labels
            self._axes_for = (layout, layout.gutter_lines(y_label) if layout.axes else None,
                              layout.axis_line(x_label) if layout.axes else None)
        return self._axes_for[1], self._axes_for[2]

    def _painter(self, frame: MapFrame, mode: ColorMode, base: Style) -> Painter:
        """The pixels' colours from the probabilities, for ``mode`` (see the module docstring)."""
        proba, n_classes = frame.proba, frame.proba.shape[-1]
        if mode is ColorMode.MONO:
            winner = (proba[0::2] + proba[1::2]).argmax(axis=-1)
            return MonoPainter(winner, palette.MONO_FILLS, self._glyphs, self._cache, base)
        if mode is ColorMode.ANSI16:
            confident = proba.max(axis=-1) >= palette.CONFIDENT
            pixels = palette.ansi_number(proba.argmax(axis=-1), confident)
            return ColourPainter.ansi16(pixels, palette.class_ansi(n_classes), self._glyphs, self._cache)
        return ColourPainter.truecolor(palette.map_colors(proba), palette.class_colors(mode, n_classes),
                                       self._glyphs, self._cache, self.terminal.text_color)

    def _mark(self, keys: np.ndarray, plain: np.ndarray, frame: MapFrame) -> None:
        """Brackets around the selected cell, with the selected point's glyph inside (drawn
        even when the point is not among the shown ones), or "+" at a free location; marks
        are drawn on the map's colours (``plain``), even over a point."""
        viewport = frame.viewport
        col, row = viewport.cell_of(*self.map_view.location_of(frame.selection))
        if not viewport.contains(col, row):
            return
        if frame.selected is None:
            keys[row, col] = marked(CURSOR, plain[row, col])
        else:
            keys[row, col] = glyph(*frame.selected)
        for dcol, bracket in ((-1, LEFT_BRACKET), (1, RIGHT_BRACKET)):
            if 0 <= col + dcol < viewport.cols:
                keys[row, col + dcol] = marked(bracket, plain[row, col + dcol])

    def _update_title(self) -> None:
        """The border title: the panel's name and, when the frame draws fewer points than the
        sets have, how many of each it draws (see :func:`fitting_title`)."""
        if self._frame is None:
            return
        key = (self._frame.counts, self.size.width - SUBTITLE_MARGIN)
        if key != self._title_key:
            self._title_key = key
            self.border_title = fitting_title(*key, *self.map_title)

    def _update_legend(self) -> None:
        """The border subtitle: each class's glyph and colour (or fill, without colour) and
        name, how misclassified points look, the hollow glyphs of validation points when
        they are shown, and a note when boundaries are asked for but are curves; as much of
        it as fits the border (see ``LEGENDS``), so nothing is cut off by the border."""
        mode = self.color_mode
        frame = self._frame
        curved = frame is not None and frame.curved
        validation = frame is not None and frame.validation and self.map_view.n_validation > 0
        room = self.size.width - SUBTITLE_MARGIN
        key = (mode, curved, validation, room)
        if key == self._legend_key:
            return
        self._legend_key = key
        self.border_subtitle = self._fitting_legend(mode, curved, validation, room)

    def _fitting_legend(self, mode: ColorMode, curved: bool, validation: bool, room: int) -> Content:
        """The longest legend that takes at most ``room`` cells (glyphs alone if none does)."""
        names = list(self.map_view.class_names)
        for gap, note, curved_note, validation_note in LEGENDS:
            legend = self._legend(mode, names, gap, note, curved_note if curved else "",
                                  validation_note if validation else "")
            if legend.cell_length <= room:
                return legend
        for width in range(max(map(cell_len, names)) - 1, cells.MIN_CUT_CELLS - 1, -1):
            cut = cells.distinct_names(names, width)
            legend = None if cut is None else self._legend(mode, cut, " ")
            if legend is not None and legend.cell_length <= room:
                return legend
        return self._legend(mode, None, " ")

    def _legend(self, mode: ColorMode, names: list[str] | None, gap: str, note: Note = (),
                curved_note: str = "", validation_note: str = "") -> Content:
        """Each class's glyph and ``names`` (None: the glyphs alone) ``gap`` apart, between
        the notes; with a ``validation_note``, the hollow glyphs in class order before it."""
        parts: list[str | tuple[str, str]] = [curved_note] if curved_note else []
        filled, hollow = self._glyphs
        for k in range(len(self.map_view.class_names)):
            if k:
                parts.append(gap)
            item = filled[k] if names is None else f"{filled[k]} {names[k]}"
            if mode is ColorMode.MONO:
                item += f"[{palette.MONO_FILLS[k]}]" if names is None else f" [{palette.MONO_FILLS[k]}]"
            parts.append((item, str(self.class_style(k))))
        if validation_note:
            parts += [gap, "│ "]
            parts += [(hollow[k], str(self.class_style(k))) for k in range(len(self.map_view.class_names))]
            parts.append(f" {validation_note}")
        if note:
            parts += [gap, "│ ", *note]
        return Content.assemble(*parts)
