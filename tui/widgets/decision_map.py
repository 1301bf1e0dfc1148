"""The Decision map panel: the model's probabilities over a plane, the training points on top.

Each cell is an upper half block "▀" whose foreground is the upper pixel's colour and whose
background is the lower pixel's, so the map has twice as many rows of pixels as of cells.
A pixel's colour is its probability vector blended over the class colours (truecolor and 256
colours), the winning class's ANSI colour, bright where it is confident (16 colours), or, with
no colour at all, the winning class's fill character (see :mod:`softmax_tui.tui.palette`).

Over the probabilities: the tie lines between classes ("•" where a line is a decision
boundary, "·" where it is not), the training points as class glyphs (on their class colour;
misclassified ones inverted), and the selection between brackets ("[●]", or "[+]" for a free
location).

The widget draws the state it is given by :meth:`DecisionMap.show` and never trains. It
posts :class:`DecisionMap.PointSelected` or :class:`DecisionMap.LocationSelected` when the
user clicks or moves the cursor; the app decides what is selected and shows it again.
Widget-intrinsic styles (the border) are in ``DEFAULT_CSS``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from rich.color import Color as RichColor
from rich.color import ColorType
from rich.color_triplet import ColorTriplet
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding
from textual.content import Content
from textual.geometry import Region, Size
from textual.message import Message
from textual.strip import Strip

from .. import palette
from ..mapview import BoundaryTrace, MapFrame, MapView, Selection, Viewport
from ..palette import ColorMode
from .lines import BaseStyle, runs

HALF_BLOCK = "▀"
ACTIVE_LINE, INACTIVE_LINE = "•", "·"
CURSOR = "+"
#: Axes (ticks and labels) are drawn when the content is at least this big.
MIN_AXES_SIZE = Size(16, 5)
#: The y-axis label is wrapped into the gutter, which is at most this wide.
MAX_GUTTER = 12
#: A click selects the nearest drawn point when it is at most this many cells away.
CLICK_RADIUS = 1
#: The style cache is emptied when it grows beyond this many entries.
STYLE_CACHE_SIZE = 20_000

#: The legend in the border subtitle, from the longest to the shortest: how much of each class
#: name is shown (None: all, 0: none, the glyph alone), the gap between classes, the note on
#: misclassified points and the one on curved boundaries. The first that fits is shown (a cut
#: that would make two class names alike is skipped).
LEGENDS: tuple[tuple[int | None, str, str, str], ...] = (
    (None, "  ", "│ inverse: misclassified", "boundaries: curved (nonlinear features) │ "),
    (None, "  ", "│ inverse: wrong", "curved boundaries │ "),
    (None, " ", "│ inverse: wrong", "curved │ "),
    (6, " ", "│ inverse: wrong", "curved │ "),
    (3, " ", "│ inv: wrong", "curved │ "),
    (0, " ", "│ inv: wrong", "curved │ "),
)
#: Border cells around a subtitle: the two corners and Textual's padding beside them.
LEGEND_MARGIN = 6

BOLD = Style(bold=True)
INVERTED = Style(bold=True, reverse=True)


def _tick(value: float) -> str:
    return f"{value:.3g}"


def _pack(rgb: np.ndarray) -> np.ndarray:
    """uint8 RGB (..., 3) as 24-bit integers."""
    rgb = rgb.astype(np.int64)
    return (rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2]


ANSI_PACKED = _pack(palette.ANSI_RGB)
_ANSI_NUMBER = {packed: number for number, packed in enumerate(ANSI_PACKED.tolist())}


@dataclass(frozen=True)
class _Layout:
    """Where the map and the axes go in a content area of ``size``."""

    size: Size
    gutter: int  # columns left of the map: the t ticks and the y label
    viewport: Viewport
    axes: bool

    @classmethod
    def fit(cls, map_view: MapView, size: Size) -> _Layout:
        width, height = size
        if width < MIN_AXES_SIZE.width or height < MIN_AXES_SIZE.height:
            return cls(size, 0, map_view.viewport(max(width, 1), max(height, 1)), False)
        rows = height - 1
        widest_word = max((len(w) for w in map_view.labels[1].split()), default=0)
        gutter = min(widest_word, MAX_GUTTER - 1) + 1
        # Ticks depend on the extent, which depends on the map width: widen until they fit.
        while True:
            viewport = map_view.viewport(width - gutter, rows)
            _, _, t0, t1 = viewport.extent
            need = max(len(_tick(t0)), len(_tick(t1))) + 1
            if need <= gutter:
                return cls(size, gutter, viewport, True)
            gutter = need

    def gutter_lines(self, label: str) -> list[str]:
        """The gutter's text, one string per map row: ticks at the top and bottom, the y
        label wrapped (words longer than the gutter cut with "…") in the middle."""
        width, rows = self.gutter - 1, self.viewport.rows
        _, _, t0, t1 = self.viewport.extent
        wrapped: list[str] = []
        for word in label.split():
            word = word if len(word) <= width else word[: width - 1] + "…"
            if wrapped and len(wrapped[-1]) + 1 + len(word) <= width:
                wrapped[-1] += " " + word
            else:
                wrapped.append(word)
        wrapped = wrapped[: max(rows - 2, 0)]
        lines = [""] * rows
        first = 1 + (rows - 2 - len(wrapped)) // 2
        for k, text in enumerate(wrapped):
            lines[first + k] = text.center(width).rstrip()
        lines[0], lines[-1] = _tick(t1), _tick(t0)
        return [line.rjust(width) + " " for line in lines]

    def axis_line(self, label: str) -> str:
        """The row under the map: ``s_min`` at its left edge, the x label, ``s_max`` at the right."""
        s0, s1, _, _ = self.viewport.extent
        left, right = _tick(s0), _tick(s1)
        span = self.viewport.cols - len(left) - len(right)
        middle = label.center(span) if len(label) + 2 <= span else " " * max(span, 0)
        return (" " * self.gutter + left + middle + right)[: self.size.width].ljust(self.size.width)


#: A cell is drawn from one integer key. Its low 48 bits are the cell's colours (truecolor and
#: 16 colours: the upper pixel's 24-bit RGB above the lower one's; without colour: the winning
#: class); the bits above say what is drawn on it: the plain half block, a line dot or a
#: selection mark on the cell's colours, or a point (whose colour bits are 0: a point's style
#: is its class's). Equal keys draw equal cells, so overlays are numpy assignments and a row
#: of the map is a run-length encoding of its keys.
MARK_SHIFT = 48
COLOURS = (1 << MARK_SHIFT) - 1
PLAIN, ACTIVE_DOT, INACTIVE_DOT, CURSOR_MARK, LEFT_BRACKET, RIGHT_BRACKET = range(6)
POINT = 8  # + 2 * class + (1 if misclassified)
MARKS = {ACTIVE_DOT: ACTIVE_LINE, INACTIVE_DOT: INACTIVE_LINE, CURSOR_MARK: CURSOR, LEFT_BRACKET: "[",
         RIGHT_BRACKET: "]"}
BOLD_MARKS = (CURSOR_MARK, LEFT_BRACKET, RIGHT_BRACKET)


def _marked(mark, colours=0):
    """Keys with ``mark`` on cells of ``colours`` (scalars or arrays)."""
    return (np.asarray(mark, dtype=np.int64) << MARK_SHIFT) | colours


class _Painter:
    """The text and style of every cell key (see ``MARK_SHIFT``) for one colour mode;
    ``keys`` are the frame's plain cells. Keys recur from frame to frame while training, so
    their cells are kept in ``cache`` (shared by the frames of one colour mode and style)."""

    def __init__(self, keys: np.ndarray, glyphs: tuple[str, ...], cache: dict) -> None:
        self.keys = keys
        self._glyphs = glyphs
        self._cache = cache

    def cell(self, key: int) -> tuple[str, Style]:
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = self._cell(key)
        return found

    def _cell(self, key: int) -> tuple[str, Style]:
        mark, colours = key >> MARK_SHIFT, key & COLOURS
        if mark == PLAIN:
            return self._plain(colours)
        if mark >= POINT:
            label, wrong = divmod(mark - POINT, 2)
            return self._glyphs[label], self._point(label, bool(wrong))
        return MARKS[mark], self._on_cell(colours, mark in BOLD_MARKS)

    def _plain(self, colours: int) -> tuple[str, Style]:
        raise NotImplementedError

    def _on_cell(self, colours: int, bold: bool) -> Style:
        raise NotImplementedError

    def _point(self, label: int, wrong: bool) -> Style:
        raise NotImplementedError


class _ColourPainter(_Painter):
    """Truecolor or 16 colours: a plain cell is "▀" in its upper pixel's colour on its lower
    pixel's; a line dot or mark is black or white on the cell's colour (``on_cell``); a point
    is a contrasting glyph on its class colour, inverted when misclassified."""

    def __init__(self, keys: np.ndarray, glyphs: tuple[str, ...], cache: dict,
                 on_cell: Callable[[int], tuple[int, int]], points: list[tuple[int, int]]) -> None:
        super().__init__(keys, glyphs, cache)
        self._on_cell_colours = on_cell
        self._points = points

    @classmethod
    def truecolor(cls, frame: MapFrame, glyphs: tuple[str, ...], cache: dict) -> _ColourPainter:
        """Pixels blended from the probabilities; text on a cell's mean colour."""
        pixels = _pack(palette.map_colors(frame.proba))
        classes = palette.COLORS[: frame.proba.shape[-1]]
        points = zip(_pack(classes).tolist(), _pack(palette.contrast_color(classes)).tolist())
        return cls((pixels[0::2] << 24) | pixels[1::2], glyphs, cache, _on_mean_colour, list(points))

    @classmethod
    def ansi16(cls, frame: MapFrame, glyphs: tuple[str, ...], cache: dict) -> _ColourPainter:
        """Pixels in the winning class's ANSI colour, bright where confident; a cell's
        characters on its upper pixel's colour."""
        confident = frame.proba.max(axis=-1) >= palette.CONFIDENT
        pixels = ANSI_PACKED[palette.ansi_number(frame.proba.argmax(axis=-1), confident)]
        bright = palette.ansi_number(np.arange(frame.proba.shape[-1]), True)
        points = zip(ANSI_PACKED[bright].tolist(), ANSI_PACKED[palette.ansi_contrast(bright)].tolist())
        return cls((pixels[0::2] << 24) | pixels[1::2], glyphs, cache, _on_upper_ansi, list(points))

    def _plain(self, colours: int) -> tuple[str, Style]:
        return HALF_BLOCK, Style.from_color(_rich_color(colours >> 24), _rich_color(colours & 0xFFFFFF))

    def _on_cell(self, colours: int, bold: bool) -> Style:
        text, back = self._on_cell_colours(colours)
        return Style(color=_rich_color(text), bgcolor=_rich_color(back), bold=bold)

    def _point(self, label: int, wrong: bool) -> Style:
        color, contrast = self._points[label]
        fg, bg = (color, contrast) if wrong else (contrast, color)
        return Style(color=_rich_color(fg), bgcolor=_rich_color(bg), bold=True)


class _MonoPainter(_Painter):
    """No colour: each cell filled with its winning class's character (``MONO_FILLS``),
    marks and points in bold, misclassified points in reverse video."""

    def __init__(self, frame: MapFrame, glyphs: tuple[str, ...], cache: dict, base: Style) -> None:
        keys = (frame.proba[0::2] + frame.proba[1::2]).argmax(axis=-1).astype(np.int64)
        super().__init__(keys, glyphs, cache)
        self._base = base

    def _plain(self, colours: int) -> tuple[str, Style]:
        return palette.MONO_FILLS[colours], self._base

    def _on_cell(self, colours: int, bold: bool) -> Style:
        return self._base + BOLD if bold else self._base

    def _point(self, label: int, wrong: bool) -> Style:
        return self._base + (INVERTED if wrong else BOLD)


def _rich_color(packed: int) -> RichColor:
    triplet = ColorTriplet(packed >> 16, (packed >> 8) & 0xFF, packed & 0xFF)
    return RichColor(f"#{packed:06x}", ColorType.TRUECOLOR, triplet=triplet)


def _on_mean_colour(colours: int) -> tuple[int, int]:
    """Truecolor: black or white on the mean of the cell's two pixels."""
    pixels = np.array([[colours >> 40, (colours >> 32) & 0xFF, (colours >> 24) & 0xFF],
                       [(colours >> 16) & 0xFF, (colours >> 8) & 0xFF, colours & 0xFF]])
    mean = (pixels.sum(axis=0) // 2).astype(np.uint8)
    return int(_pack(palette.contrast_color(mean))), int(_pack(mean))


def _on_upper_ansi(colours: int) -> tuple[int, int]:
    """16 colours: black or bright white on the upper pixel's ANSI colour."""
    upper = colours >> 24
    return int(ANSI_PACKED[palette.ansi_contrast(_ANSI_NUMBER[upper])]), upper


def _put(keys: np.ndarray, cols: np.ndarray, rows: np.ndarray, values: np.ndarray) -> None:
    """``keys[rows, cols] = values`` where, if a cell repeats, the last value wins."""
    cells = rows * keys.shape[1] + cols
    _, first_from_end = np.unique(cells[::-1], return_index=True)
    last = len(cells) - 1 - first_from_end
    keys.flat[cells[last]] = values[last]


class _Picture:
    """One drawn state, turned into strips line by line on demand. Runs of equal keys in a
    row become one segment, so a uniform region is a single segment.

    ``context`` (the layout and the cell cache's generation, which a new colour mode or base
    style starts) says when equal keys mean equal lines: then only rows whose keys changed
    need drawing again.
    """

    def __init__(self, layout: _Layout, context: tuple, keys: np.ndarray,
                 cell: Callable[[int], tuple[str, Style]], base: Style, labels: tuple[str, str]) -> None:
        self.layout = layout
        self.context = context
        self.keys = keys
        self._cell = cell
        self._base = base
        self._gutter = layout.gutter_lines(labels[1]) if layout.axes else None
        self._axis = layout.axis_line(labels[0]) if layout.axes else None
        self._strips: dict[int, Strip] = {}

    def changed_rows(self, before: _Picture) -> np.ndarray | None:
        """The map rows that differ from ``before`` (None: everything may differ); the
        strips of the other rows are taken over."""
        if self.context != before.context:
            return None
        changed = np.any(self.keys != before.keys, axis=1)
        self._strips = {y: strip for y, strip in before._strips.items() if y >= len(changed) or not changed[y]}
        return np.flatnonzero(changed)

    def line(self, y: int) -> Strip:
        strip = self._strips.get(y)
        if strip is None:
            strip = self._strips[y] = self._render(y)
        return strip

    def _render(self, y: int) -> Strip:
        width = self.layout.size.width
        rows = self.keys.shape[0]
        if y >= rows:
            if self._axis is not None and y == rows:
                return Strip([Segment(self._axis, self._base)], width)
            return Strip.blank(width, self._base)
        row = self.keys[y]
        starts, lengths = runs(row)
        cell = self._cell
        segments = [Segment(self._gutter[y], self._base)] if self._gutter else []
        for key, n in zip(row[starts].tolist(), lengths):
            text, style = cell(key)
            segments.append(Segment(text * n, style))
        return Strip(segments, width)


class DecisionMap(BaseStyle, can_focus=True):
    """The decision map of a :class:`MapView`; call :meth:`show` with each new state."""

    DEFAULT_CSS = """
    DecisionMap {
        border: round $border-blurred;
        width: 1fr;
        height: 1fr;
        &:focus {
            border: round $border;
        }
    }
    """

    BINDINGS = [
        Binding("left", "move_cursor(-1, 0)", "Cursor left", show=False),
        Binding("right", "move_cursor(1, 0)", "Cursor right", show=False),
        Binding("up", "move_cursor(0, -1)", "Cursor up", show=False),
        Binding("down", "move_cursor(0, 1)", "Cursor down", show=False),
    ]

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

    def __init__(
        self,
        map_view: MapView,
        *,
        color_mode: ColorMode | None = None,
        ascii_glyphs: bool = False,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        """``color_mode`` None follows the terminal (see :func:`palette.color_mode`);
        ``ascii_glyphs`` draws points as ``o ^ # …`` instead of ``● ▲ ■ …``."""
        super().__init__(name=name, id=id, classes=classes)
        self.map_view = map_view
        self.border_title = "Decision map"
        self._forced_mode = color_mode
        self._glyphs = palette.ASCII_GLYPHS if ascii_glyphs else palette.GLYPHS
        self._W: np.ndarray | None = None
        self._b: np.ndarray | None = None
        self._selection: Selection | None = None
        self._boundaries = False
        self._layout: _Layout | None = None
        self._frame: MapFrame | None = None
        self._traces: list[BoundaryTrace] | None = None
        self._picture: _Picture | None = None
        # The cells of keys, kept while the colour mode and the style stay and the cache is
        # not too big; the generation counts the times it was emptied.
        self._cache: dict[int, tuple[str, Style]] = {}
        self._cache_for: tuple[ColorMode, Style] | None = None
        self._generation = 0
        self._legend_key: tuple[ColorMode, bool, int] | None = None

    # The state the app hands over.

    def show(self, W, b, selection: Selection | None = None, boundaries: bool = False) -> None:
        """Draw parameters ``(W, b)`` (K x d, K), the ``selection`` and, if ``boundaries``,
        the tie lines. Nothing is recomputed when all four are unchanged, and only the rows
        of cells that changed are redrawn."""
        same_params = self._W is not None and np.array_equal(W, self._W) and np.array_equal(b, self._b)
        if same_params and selection == self._selection and boundaries == self._boundaries:
            return
        if not same_params:
            self._W, self._b = np.array(W, dtype=np.float64), np.array(b, dtype=np.float64)
            self._frame = self._traces = None
        self._selection, self._boundaries = selection, boundaries
        before, self._picture = self._picture, None
        size = self.content_size
        if not self.is_mounted or size.width <= 0 or size.height <= 0:
            self.refresh()
            return
        self._update_legend()
        self._picture = self._draw()
        changed = None if before is None else self._picture.changed_rows(before)
        if changed is None:
            self.refresh()
        elif len(changed):
            self.refresh(*(Region(0, int(y), size.width, 1) for y in changed))

    def notify_style_update(self) -> None:
        """The CSS changed (a new theme, say): the next lines are drawn with the new style."""
        super().notify_style_update()
        self._picture = None

    @property
    def frame(self) -> MapFrame | None:
        """The frame on screen (None until drawn)."""
        return self._frame

    @property
    def traces(self) -> list[BoundaryTrace] | None:
        """The boundary lines on screen: None when hidden, or when curved (nonlinear features)."""
        return self._traces if self._boundaries else None

    @property
    def color_mode(self) -> ColorMode:
        if self._forced_mode is not None:
            return self._forced_mode
        return palette.color_mode(self.app.console.color_system, self.app.no_color)

    def map_layout(self) -> _Layout:
        """Where the map is in the content area at the current size."""
        return self._layout_for(self.content_size)

    def _layout_for(self, size: Size) -> _Layout:
        if self._layout is None or self._layout.size != size:
            self._layout = _Layout.fit(self.map_view, size)
            self._frame = self._traces = self._picture = None
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
        index = self.map_view.nearest_point(s, t, layout.viewport)
        point_col, point_row = layout.viewport.cell_of(*self.map_view.coords_of(index))
        if max(abs(point_col - col), abs(point_row - row)) <= CLICK_RADIUS:
            self.post_message(self.PointSelected(self, index))
        else:
            self.post_message(self.LocationSelected(self, s, t))

    def action_move_cursor(self, dcol: int, drow: int) -> None:
        """Move a free cursor one cell from the selection (from the map's centre if there is
        none) and post :class:`LocationSelected`."""
        viewport = self.map_layout().viewport
        if self._selection is None:
            s, t = viewport.cell_centre(viewport.cols // 2, viewport.rows // 2)
        else:
            s, t = viewport.step(*self._selected_coords(), dcol, drow)
        self.post_message(self.LocationSelected(self, s, t))

    def move_cursor(self, dcol: int, drow: int) -> None:
        """For app-level key bindings: the same as the widget's own arrow keys."""
        self.action_move_cursor(dcol, drow)

    # Rendering.

    def on_mount(self) -> None:
        self._update_legend()

    def render_line(self, y: int) -> Strip:
        size = self.content_size
        if self._W is None or size.width <= 0 or size.height <= 0:
            return Strip.blank(size.width, self.base_style)
        if self._picture is None or self._picture.layout is not self._layout_for(size):
            self._picture = self._draw()
        return self._picture.line(y)

    def _selected_coords(self) -> tuple[float, float]:
        if self._selection.index is not None:
            return self.map_view.coords_of(self._selection.index)
        return self._selection.location

    def _draw(self) -> _Picture:
        layout = self.map_layout()
        viewport = layout.viewport
        if self._frame is None:
            self._frame = self.map_view.frame(self._W, self._b, viewport)
        if self._boundaries and self._traces is None:
            self._traces = self.map_view.boundaries(self._W, self._b, viewport)
        frame, base, mode = self._frame, self.base_style, self.color_mode
        if (mode, base) != self._cache_for or len(self._cache) > STYLE_CACHE_SIZE:
            self._cache.clear()
            self._cache_for = (mode, base)
            self._generation += 1
        if mode is ColorMode.MONO:
            painter = _MonoPainter(frame, self._glyphs, self._cache, base)
        elif mode is ColorMode.ANSI16:
            painter = _ColourPainter.ansi16(frame, self._glyphs, self._cache)
        else:
            painter = _ColourPainter.truecolor(frame, self._glyphs, self._cache)

        keys = painter.keys.copy()
        if self.traces:
            cols = np.concatenate([trace.cols for trace in self.traces])
            rows = np.concatenate([trace.rows for trace in self.traces])
            active = np.concatenate([trace.active for trace in self.traces])
            _put(keys, cols, rows, _marked(np.where(active, ACTIVE_DOT, INACTIVE_DOT), painter.keys[rows, cols]))
        _put(keys, frame.cols, frame.rows, _marked(POINT + 2 * frame.label + frame.wrong))
        if self._selection is not None:
            self._mark(keys, painter.keys, viewport)
        context = (layout, self._generation)
        return _Picture(layout, context, keys, painter.cell, base, self.map_view.labels)

    def _mark(self, keys: np.ndarray, plain: np.ndarray, viewport: Viewport) -> None:
        """Brackets around the selected cell, with the selected point's glyph inside (drawn
        even when the point is not among the shown ones), or "+" at a free location; marks
        are drawn on the map's colours (``plain``), even over a point."""
        col, row = viewport.cell_of(*self._selected_coords())
        if not viewport.contains(col, row):
            return
        index = self._selection.index
        if index is None:
            keys[row, col] = _marked(CURSOR_MARK, plain[row, col])
        else:
            label, wrong = self._point_state(index)
            keys[row, col] = _marked(POINT + 2 * label + wrong)
        for dcol, bracket in ((-1, LEFT_BRACKET), (1, RIGHT_BRACKET)):
            if 0 <= col + dcol < viewport.cols:
                keys[row, col + dcol] = _marked(bracket, plain[row, col + dcol])

    def _point_state(self, index: int) -> tuple[int, bool]:
        """The class of point ``index`` and whether the model gets it wrong (from the frame
        when the point is shown)."""
        frame = self._frame
        at = np.flatnonzero(frame.index == index)
        if len(at):
            return int(frame.label[at[0]]), bool(frame.wrong[at[0]])
        return self.map_view.point(self._W, self._b, index)

    def on_resize(self) -> None:
        self._update_legend()

    def _update_legend(self) -> None:
        """The border subtitle: each class's glyph and colour (or fill, without colour), how
        misclassified points look, and a note when boundaries are asked for but are curves;
        in the longest of ``LEGENDS`` that fits the border, so nothing is cut off."""
        mode = self.color_mode
        curved = self._boundaries and not self.map_view.pipeline.is_affine
        room = self.size.width - LEGEND_MARGIN
        key = (mode, curved, room)
        if key == self._legend_key:
            return
        self._legend_key = key
        names = self.map_view.class_names
        for legend in LEGENDS:
            cut = legend[0]
            if cut and len({name[:cut] for name in names}) < len(names):
                continue  # cut that short, two classes would read the same
            content = self._legend(mode, curved, *legend)
            if content.cell_length <= room:
                break
        self.border_subtitle = content

    def _legend(self, mode: ColorMode, curved: bool, name_width: int | None, gap: str, note: str,
                curved_note: str) -> Content:
        parts: list[str | tuple[str, str]] = [curved_note] if curved else []
        for k, name in enumerate(self.map_view.class_names):
            item = self._glyphs[k] + (f" {name[:name_width]}" if name_width != 0 else "")
            if mode is ColorMode.MONO:
                parts.append(f"{item}[{palette.MONO_FILLS[k]}]" if name_width == 0 else f"{item} [{palette.MONO_FILLS[k]}]")
            elif mode is ColorMode.TRUECOLOR:
                parts.append((item, f"bold {palette.hex_color(palette.COLORS[k])}"))
            else:
                parts.append((item, f"bold {palette.hex_color(palette.ANSI_RGB[palette.ansi_number(k, True)])}"))
            parts.append(gap)
        parts.append(note)
        return Content.assemble(*parts)
