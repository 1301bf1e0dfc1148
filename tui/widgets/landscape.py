"""The Loss landscape panel: the objective on a 2-D slice of parameter space, with the run's path.

Drawn in half blocks (see :mod:`.halfblock`), two pixels to a cell. A pixel's colour is its
band: which of the ``LEVELS`` equal-area bands between the level lines its objective value is
in (:func:`softmax_tui.engine.landscape.level_values`), on a sequential scale from low (dark)
to high (light): eight steps of viridis in truecolor and 256 colours, blue, cyan, green and
yellow (normal, then bright) in 16 colours, and without colour the fill characters
``" ░▒▓"`` (two bands each). Shapes carry the rest in every mode: "·" where a level line
crosses a cell (without colour, every other line: those between two fills), "•" the run's path projected onto the slice, "[+]" the current parameters
(the slice's centre). Axis labels say what the axes are (``eigvec 1 (λ=0.84)``, or
``w[setosa, petal length]``), in parameter units from the current point.

The widget paints the :class:`~softmax_tui.tui.landscapeview.LandscapeFrame` it is given by
:meth:`LossLandscape.show` and computes nothing: whoever owns the run builds frames (in a
worker thread, they cost a grid of objective evaluations) for :attr:`LossLandscape.grid_size`
and builds one again when the widget posts :class:`LossLandscape.Resized`. Until the first
frame it says that it is computing.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual.content import Content
from textual.geometry import Size
from textual.message import Message
from textual.strip import Strip

from softmax_tui.engine.trainer import distinct_texts

from .. import cells, palette
from ..landscapeview import LEVELS, LandscapeFrame
from ..mapview import Viewport
from ..palette import ColorMode
from .decision_map import MIN_AXES_SIZE, STYLE_CACHE_SIZE, AxesLayout, _tick
from .halfblock import CURSOR, FAINT_DOT, LEFT_BRACKET, LINE_DOT, RIGHT_BRACKET, ColourPainter, MonoPainter, \
    Painter, Picture, marked
from .lines import SUBTITLE_MARGIN, BaseStyle

#: Columns left of the picture: the beta ticks (``.3g``, at most 9 cells) and the wrapped label.
GUTTER = 10
#: Low to high: eight samples of the sequential colour map "viridis" (van der Walt & Smith, matplotlib
#: 1.5, 2015), perceptually uniform and readable under the common colour blindnesses.
VIRIDIS = np.array([[0x44, 0x01, 0x54], [0x46, 0x32, 0x7E], [0x36, 0x5C, 0x8D], [0x27, 0x7F, 0x8E],
                    [0x1F, 0xA1, 0x87], [0x4A, 0xC1, 0x6D], [0xA0, 0xDA, 0x39], [0xFD, 0xE7, 0x25]], dtype=np.uint8)
#: 16 colours, low to high: blue, cyan, green, yellow, each normal then bright.
ANSI_BANDS = np.array([4, 12, 6, 14, 2, 10, 3, 11])
#: No colour, low to high: two bands to a fill.
MONO_FILLS = (" ", "░", "▒", "▓")
TITLE = "Loss landscape"
SHORT_TITLE = "Landscape"
COMPUTING = "computing the loss landscape…"
_NO_GLYPHS: tuple[tuple[str, ...], tuple[str, ...]] = ((), ())


def fitting_title(frame: LandscapeFrame | None, room: int) -> str:
    """The border title in at most ``room`` cells where it can be: the panel's name, the
    step and how far the path strays off the slice; shorter forms for a narrow panel."""
    if frame is None:
        return TITLE
    off = f"path ≤{frame.off_plane:.2g} off the slice"
    for title in (f"{TITLE} · step {frame.step} · {off}", f"{TITLE} · step {frame.step}",
                  f"{SHORT_TITLE} · step {frame.step}", SHORT_TITLE):
        if cell_len(title) <= room:
            return title
    return SHORT_TITLE


class LossLandscape(BaseStyle):
    """The loss landscape; call :meth:`show` with each new frame."""

    EXPLAIN = (
        "The objective on a 2-D slice through the current parameters [+]: along the top two Hessian "
        "eigenvectors (a to choose two parameters), in parameter units. Dark is low, light is high; · level "
        "lines at equal-area steps; • the run's path projected onto the slice."
    )

    DEFAULT_CSS = """
    LossLandscape {
        width: 1fr;
        height: 1fr;
    }
    """

    @dataclass
    class Resized(Message):
        """The panel now holds ``cols x rows`` cells of picture: it needs a frame for them."""

        landscape: LossLandscape
        cols: int
        rows: int

        @property
        def control(self) -> LossLandscape:
            return self.landscape

    def __init__(self, *, color_mode: ColorMode | None = None, name: str | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.border_title = TITLE
        self._forced_mode = color_mode
        self._frame: LandscapeFrame | None = None
        self._picture: Picture | None = None
        self._cache: dict[int, tuple[str, Style]] = {}
        self._cache_for: tuple[ColorMode, Style] | None = None
        self._generation = 0

    @property
    def frame(self) -> LandscapeFrame | None:
        """The last frame shown (None until one is)."""
        return self._frame

    @property
    def color_mode(self) -> ColorMode:
        return self._forced_mode if self._forced_mode is not None else super().color_mode

    @property
    def grid_size(self) -> tuple[int, int]:
        """``(cols, rows)`` cells of picture at the current size: what frames are built for."""
        return self._grid_size(self.content_size)

    @staticmethod
    def _axes(size: Size) -> bool:
        return size.width >= MIN_AXES_SIZE.width and size.height >= MIN_AXES_SIZE.height

    def _grid_size(self, size: Size) -> tuple[int, int]:
        if self._axes(size):
            return size.width - GUTTER, size.height - 1
        return max(size.width, 1), max(size.height, 1)

    def show(self, frame: LandscapeFrame) -> None:
        """Paint ``frame`` (built for :attr:`grid_size`; one for another size is kept until a
        frame for this one comes, and not painted)."""
        if frame is self._frame:
            return
        self._frame = frame
        self._update_borders()
        size = self.content_size
        if not self.is_mounted or size.width <= 0 or size.height <= 0:
            return
        if (frame.viewport.cols, frame.viewport.rows) != self.grid_size:
            return
        self._picture = self._draw(size).repaint(self, self._picture)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._picture = None
        if self.is_mounted:
            self.call_next(self._update_borders)

    def on_resize(self) -> None:
        self._update_borders()
        cols, rows = self.grid_size
        if self._frame is None or (self._frame.viewport.cols, self._frame.viewport.rows) != (cols, rows):
            self.post_message(self.Resized(self, cols, rows))

    def render_line(self, y: int) -> Strip:
        size = self.content_size
        if size.width <= 0 or size.height <= 0:
            return Strip.blank(max(size.width, 0), self.base_style)
        frame = self._frame
        fits = frame is not None and (frame.viewport.cols, frame.viewport.rows) == self._grid_size(size)
        current = self._picture is not None and self._picture.context[0] == size
        if fits and not current:
            self._picture = self._draw(size)
        if self._picture is None:
            text = COMPUTING if y == size.height // 2 else ""
            return Strip([Segment(text.center(size.width)[: size.width], self.base_style)], size.width)
        line = self._picture.line(y)
        return line if line.cell_length == size.width else line.crop_extend(0, size.width, self.base_style)

    # Drawing.

    def _draw(self, size: Size) -> Picture:
        frame, base, mode = self._frame, self.base_style, self.color_mode
        if (mode, base) != self._cache_for or len(self._cache) > STYLE_CACHE_SIZE:
            self._cache.clear()
            self._cache_for = (mode, base)
            self._generation += 1
        painter = self._painter(frame.band, mode, base)
        plain = painter.keys
        keys = plain.copy()
        # without colour a fill holds two bands: lines between fills only, or they would cover the picture
        lines = _level_cells(np.minimum(frame.band, LEVELS - 1) // 2 if mode is ColorMode.MONO else frame.band)
        keys[lines] = marked(FAINT_DOT, plain[lines])
        rows, cols = frame.path_rows, frame.path_cols
        keys[rows, cols] = marked(LINE_DOT, plain[rows, cols])
        _mark_current(keys, plain, frame.viewport, *frame.current)
        gutter = axis = None
        if self._axes(size):
            layout = AxesLayout(size, GUTTER, frame.viewport, True)
            gutter, axis = layout.gutter_lines(frame.labels[1]), layout.axis_line(_x_label(frame))
        # equal keys draw equal rows only with the same axes text too (its labels and ticks)
        context = (size, self._generation, frame.labels, frame.viewport.extent)
        return Picture(keys, painter.cell, base, size.width, context, gutter, axis)

    def _painter(self, band: np.ndarray, mode: ColorMode, base: Style) -> Painter:
        """Each pixel's colour from its band, for ``mode`` (module docstring)."""
        band = np.minimum(band, LEVELS - 1)
        if mode is ColorMode.MONO:
            fills = (band[0::2] + band[1::2]) * len(MONO_FILLS) // (2 * LEVELS)
            return MonoPainter(fills, MONO_FILLS, _NO_GLYPHS, self._cache, base)
        if mode is ColorMode.ANSI16:
            return ColourPainter.ansi16(ANSI_BANDS[band], np.empty(0, dtype=np.int64), _NO_GLYPHS, self._cache)
        return ColourPainter.truecolor(VIRIDIS[band], np.empty((0, 3), dtype=np.uint8), _NO_GLYPHS, self._cache,
                                       self.terminal.text_color)

    def _update_borders(self) -> None:
        room = self.size.width - SUBTITLE_MARGIN
        self.border_title = fitting_title(self._frame, room)
        self.border_subtitle = self._fitting_legend(room) if self._frame is not None else ""

    def _fitting_legend(self, room: int) -> Content:
        """The colour scale between the lowest and highest value shown, then what the marks
        mean: as much as fits in ``room`` cells."""
        lo, hi = distinct_texts(*self._frame.value_range)  # never two equal ends for a nearly flat slice
        scale = [f"{lo} ", *self._swatches(), f" {hi}"]
        for notes in (("  · level  • path  [+] now",), ("  · level • path",), ()):
            legend = Content.assemble(*scale, *notes)
            if legend.cell_length <= room:
                return legend
        return Content.assemble(*self._swatches())

    def _swatches(self) -> list[tuple[str, str] | str]:
        """The bands from low to high, as the picture draws them."""
        mode = self.color_mode
        if mode is ColorMode.MONO:
            return ["[" + "".join(MONO_FILLS) + "]"]
        colours = palette.ANSI_RGB[ANSI_BANDS] if mode is ColorMode.ANSI16 else VIRIDIS
        return [("█", palette.hex_color(colour)) for colour in colours]


def _x_label(frame: LandscapeFrame) -> str:
    """The horizontal axis's label as it fits between the ticks (``AxesLayout.axis_line``
    centres it when it does): whole, else without its parenthesis (``eigvec 1``), else cut."""
    s0, s1, _, _ = frame.viewport.extent
    room = frame.viewport.cols - len(_tick(s0)) - len(_tick(s1)) - 2
    label = frame.labels[0]
    if cell_len(label) > room:
        label = label.split(" (", 1)[0]
    return label if cell_len(label) <= room else cells.cut(label, max(room, 0))


def _level_cells(band: np.ndarray) -> np.ndarray:
    """Cells (rows, cols) a level line crosses: where the band changes between the cell's two
    pixels, or from the cell to its right or lower neighbour."""
    upper, lower = band[0::2], band[1::2]
    cross = upper != lower
    cross[:, :-1] |= (upper[:, :-1] != upper[:, 1:]) | (lower[:, :-1] != lower[:, 1:])
    cross[:-1] |= lower[:-1] != upper[1:]
    return cross


def _mark_current(keys: np.ndarray, plain: np.ndarray, viewport: Viewport, col: int, row: int) -> None:
    """"[+]" at the current parameters' cell, on the picture's colours."""
    if not viewport.contains(col, row):
        return
    keys[row, col] = marked(CURSOR, plain[row, col])
    for dcol, bracket in ((-1, LEFT_BRACKET), (1, RIGHT_BRACKET)):
        if 0 <= col + dcol < viewport.cols:
            keys[row, col + dcol] = marked(bracket, plain[row, col + dcol])
