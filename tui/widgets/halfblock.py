"""Half-block pictures: a grid of pixels drawn two to a terminal cell, with marks on top.

Each cell is an upper half block "▀" whose foreground is the upper pixel's colour and whose
background is the lower pixel's, so a picture has twice as many rows of pixels as of cells.
The decision map draws its probabilities this way, and the loss landscape is meant to draw
its surface the same way. Nothing here knows what the pixels mean: the caller gives a
:class:`Painter` the pixels' colours (RGB, or ANSI numbers for 16 colours) or, without
colour, one fill character per cell; it puts marks (line dots, a cursor, brackets, glyphs)
on the painter's cell keys with numpy assignments; and a :class:`Picture` turns the keys
into strips, redrawing only the rows whose keys changed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial

import numpy as np
from rich.color import Color as RichColor
from rich.color import ColorType
from rich.color_triplet import ColorTriplet
from rich.segment import Segment
from rich.style import Style
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

from .. import palette
from .lines import runs

#: Black or white (RGB) for text on a colour (RGB).
TextColor = Callable[[np.ndarray], np.ndarray]

HALF_BLOCK = "▀"
BOLD = Style(bold=True)
#: Without colour, a misclassified point: reversed and underlined (see ``decision_map``).
MISCLASSIFIED = Style(bold=True, reverse=True, underline=True)


def pack(rgb: np.ndarray) -> np.ndarray:
    """uint8 RGB (..., 3) as 24-bit integers."""
    rgb = rgb.astype(np.int64)
    return (rgb[..., 0] << 16) | (rgb[..., 1] << 8) | rgb[..., 2]


ANSI_PACKED = pack(palette.ANSI_RGB)
_ANSI_NUMBER = {packed: number for number, packed in enumerate(ANSI_PACKED.tolist())}

#: A cell is drawn from one integer key. Its low 48 bits are the cell's colours (the upper
#: pixel's 24-bit RGB above the lower one's; without colour: the index of the cell's fill);
#: the bits above say what is drawn on it: the plain half block, a line dot or a mark on the
#: cell's colours, or glyph ``k``, filled or hollow, misclassified or not (whose colour bits
#: are 0: a glyph's style is its own).
#: Equal keys draw equal cells, so marks are numpy assignments and a row of the picture is a
#: run-length encoding of its keys.
MARK_SHIFT = 48
COLOURS = (1 << MARK_SHIFT) - 1
PLAIN, LINE_DOT, FAINT_DOT, CURSOR, LEFT_BRACKET, RIGHT_BRACKET = range(6)
GLYPH = 8  # + 4 * k + (2 if hollow) + (1 if misclassified)
MARKS = {LINE_DOT: "•", FAINT_DOT: "·", CURSOR: "+", LEFT_BRACKET: "[", RIGHT_BRACKET: "]"}
BOLD_MARKS = (CURSOR, LEFT_BRACKET, RIGHT_BRACKET)


def marked(mark, colours=0):
    """Keys with ``mark`` on cells of ``colours`` (scalars or arrays)."""
    return (np.asarray(mark, dtype=np.int64) << MARK_SHIFT) | colours


def glyph(k, wrong=False, hollow=False):
    """Keys of glyph ``k``, drawn as misclassified where ``wrong`` and from the hollow set
    where ``hollow`` (scalars or arrays)."""
    return marked(GLYPH + 4 * np.asarray(k, dtype=np.int64) + 2 * np.asarray(hollow, dtype=np.int64) + wrong)


def put(keys: np.ndarray, cols: np.ndarray, rows: np.ndarray, values: np.ndarray) -> None:
    """``keys[rows, cols] = values`` where, if a cell repeats, the last value wins."""
    cells = rows * keys.shape[1] + cols
    _, first_from_end = np.unique(cells[::-1], return_index=True)
    last = len(cells) - 1 - first_from_end
    keys.flat[cells[last]] = values[last]


class Painter:
    """The text and style of every cell key (see ``MARK_SHIFT``) for one colour mode;
    ``keys`` are the picture's plain cells and ``glyphs`` the characters of the glyph marks,
    filled and hollow (``(filled, hollow)``, one of each per class).
    Keys recur from picture to picture, so their cells are kept in ``cache`` (the caller
    shares it between the pictures of one colour mode and style)."""

    def __init__(self, keys: np.ndarray, glyphs: tuple[Sequence[str], Sequence[str]], cache: dict) -> None:
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
        if mark >= GLYPH:
            k, variant = divmod(mark - GLYPH, 4)
            hollow, wrong = divmod(variant, 2)
            return self._glyphs[hollow][k], self._glyph(k, bool(wrong))
        return MARKS[mark], self._on_cell(colours, mark in BOLD_MARKS)

    def _plain(self, colours: int) -> tuple[str, Style]:
        raise NotImplementedError

    def _on_cell(self, colours: int, bold: bool) -> Style:
        raise NotImplementedError

    def _glyph(self, k: int, wrong: bool) -> Style:
        raise NotImplementedError


class ColourPainter(Painter):
    """Truecolor or 16 colours: a plain cell is "▀" in its upper pixel's colour on its lower
    pixel's; a line dot or mark is black or white on the cell's colour (``on_cell``); glyph
    ``k`` is a contrasting character on its colour, and when misclassified a character in
    its colour on the contrasting one, underlined."""

    def __init__(self, pixels: np.ndarray, glyphs: tuple[Sequence[str], Sequence[str]], cache: dict,
                 on_cell: Callable[[int], tuple[int, int]], glyph_colours: list[tuple[int, int]]) -> None:
        """``pixels`` (2 rows, cols) packed RGB; ``glyph_colours``: each glyph's packed
        colour and contrasting colour."""
        super().__init__((pixels[0::2] << 24) | pixels[1::2], glyphs, cache)
        self._on_cell_colours = on_cell
        self._glyph_colours = glyph_colours

    @classmethod
    def truecolor(cls, pixels: np.ndarray, glyph_colours: np.ndarray, glyphs: tuple[Sequence[str], Sequence[str]],
                  cache: dict, text_color: TextColor = palette.contrast_color) -> ColourPainter:
        """``pixels`` (2 rows, cols, 3) and ``glyph_colours`` (k, 3) uint8 RGB; text on a
        cell's mean colour, in the ``text_color`` of that colour (black or white, whichever
        reads better where the terminal shows fewer colours: :meth:`Terminal.text_color`)."""
        contrasts = np.array([text_color(colour) for colour in glyph_colours]).reshape(-1, 3)
        colours = list(zip(pack(glyph_colours).tolist(), pack(contrasts).tolist()))
        return cls(pack(pixels), glyphs, cache, partial(_on_mean_colour, text_color), colours)

    @classmethod
    def ansi16(cls, pixels: np.ndarray, glyph_colours: np.ndarray, glyphs: tuple[Sequence[str], Sequence[str]],
               cache: dict) -> ColourPainter:
        """``pixels`` (2 rows, cols) and ``glyph_colours`` (k,) ANSI colour numbers (0-15);
        text on a cell's upper pixel's colour."""
        contrasts = palette.ansi_contrast(glyph_colours)
        colours = list(zip(ANSI_PACKED[glyph_colours].tolist(), ANSI_PACKED[contrasts].tolist()))
        return cls(ANSI_PACKED[pixels], glyphs, cache, _on_upper_ansi, colours)

    def _plain(self, colours: int) -> tuple[str, Style]:
        return HALF_BLOCK, Style.from_color(_rich_color(colours >> 24), _rich_color(colours & 0xFFFFFF))

    def _on_cell(self, colours: int, bold: bool) -> Style:
        text, back = self._on_cell_colours(colours)
        return Style(color=_rich_color(text), bgcolor=_rich_color(back), bold=bold)

    def _glyph(self, k: int, wrong: bool) -> Style:
        colour, contrast = self._glyph_colours[k]
        fg, bg = (colour, contrast) if wrong else (contrast, colour)
        return Style(color=_rich_color(fg), bgcolor=_rich_color(bg), bold=True, underline=wrong or None)


class MonoPainter(Painter):
    """No colour: cell ``(row, col)`` is filled with ``fill_chars[fills[row, col]]``, marks
    and glyphs in bold, misclassified glyphs in reverse video and underlined."""

    def __init__(self, fills: np.ndarray, fill_chars: Sequence[str], glyphs: tuple[Sequence[str], Sequence[str]],
                 cache: dict, base: Style) -> None:
        super().__init__(fills.astype(np.int64), glyphs, cache)
        self._fill_chars = fill_chars
        self._base = base

    def _plain(self, colours: int) -> tuple[str, Style]:
        return self._fill_chars[colours], self._base

    def _on_cell(self, colours: int, bold: bool) -> Style:
        return self._base + BOLD if bold else self._base

    def _glyph(self, k: int, wrong: bool) -> Style:
        return self._base + (MISCLASSIFIED if wrong else BOLD)


def _rich_color(packed: int) -> RichColor:
    triplet = ColorTriplet(packed >> 16, (packed >> 8) & 0xFF, packed & 0xFF)
    return RichColor(f"#{packed:06x}", ColorType.TRUECOLOR, triplet=triplet)


def _on_mean_colour(text_color: TextColor, colours: int) -> tuple[int, int]:
    """Truecolor: ``text_color`` (black or white) on the mean of the cell's two pixels."""
    pixels = np.array([[colours >> 40, (colours >> 32) & 0xFF, (colours >> 24) & 0xFF],
                       [(colours >> 16) & 0xFF, (colours >> 8) & 0xFF, colours & 0xFF]])
    mean = (pixels.sum(axis=0) // 2).astype(np.uint8)
    return int(pack(np.asarray(text_color(mean)))), int(pack(mean))


def _on_upper_ansi(colours: int) -> tuple[int, int]:
    """16 colours: black or bright white on the upper pixel's ANSI colour."""
    upper = colours >> 24
    return int(ANSI_PACKED[palette.ansi_contrast(_ANSI_NUMBER[upper])]), upper


class Picture:
    """Cell ``keys`` (rows, cols), turned into strips ``width`` cells wide line by line on
    demand; ``cell`` gives a key's text and style (:meth:`Painter.cell`). Runs of equal keys
    in a row become one segment, so a uniform region is a single segment. ``gutter`` (text
    left of each row) and ``axis`` (the line under the rows), if given, are in ``base``.

    ``context`` (the caller's layout and cell cache generation, say) says when equal keys
    mean equal lines: then only rows whose keys changed need drawing again.
    """

    def __init__(self, keys: np.ndarray, cell: Callable[[int], tuple[str, Style]], base: Style, width: int,
                 context: tuple, gutter: Sequence[str] | None = None, axis: str | None = None) -> None:
        self.keys = keys
        self.context = context
        self._cell = cell
        self._base = base
        self._width = width
        self._gutter = gutter
        self._axis = axis
        self._strips: dict[int, Strip] = {}

    def changed_rows(self, before: Picture) -> np.ndarray | None:
        """The rows that differ from ``before`` (None: everything may differ); the strips of
        the other rows are taken over."""
        if self.context != before.context:
            return None
        changed = np.any(self.keys != before.keys, axis=1)
        self._strips = {y: strip for y, strip in before._strips.items() if y >= len(changed) or not changed[y]}
        return np.flatnonzero(changed)

    def repaint(self, widget: Widget, before: Picture | None) -> Picture:
        """Refresh what ``widget``, which showed ``before``, must redraw to show this picture:
        everything (no ``before``, or another context), else only the changed rows. Returns
        this picture, the one the widget now shows."""
        changed = None if before is None else self.changed_rows(before)
        if changed is None:
            widget.refresh()
        elif len(changed):
            widget.refresh(*(Region(0, int(y), self._width, 1) for y in changed))
        return self

    def line(self, y: int) -> Strip:
        strip = self._strips.get(y)
        if strip is None:
            strip = self._strips[y] = self._render(y)
        return strip

    def _render(self, y: int) -> Strip:
        rows = self.keys.shape[0]
        if y >= rows:
            if self._axis is not None and y == rows:
                return Strip([Segment(self._axis, self._base)], self._width)
            return Strip.blank(self._width, self._base)
        row = self.keys[y]
        starts, lengths = runs(row)
        cell = self._cell
        segments = [Segment(self._gutter[y], self._base)] if self._gutter else []
        for key, n in zip(row[starts].tolist(), lengths):
            text, style = cell(key)
            segments.append(Segment(text * n, style))
        return Strip(segments, self._width)
