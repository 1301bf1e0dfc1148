"""The Parameters panel: every weight and bias, as seed 000's bar chart, kept readable at any size.

For data whose rows are images (digits) each class's weights are an image
(:mod:`.weight_images`). Otherwise three layouts: bars when they fit (or scroll, up to 64 parameters, when the matrix does not
fit either), else the matrix, else the strip:

``bars``
    One row per parameter, ``w[k,j]`` then ``b[k]`` (1-based, seed 000's w₁,₁ … b₃): a bar
    centred on zero (right and blue for positive, left and orange for negative) on a scale
    shared by every bar (shown in the subtitle), the value, and ▲/▼ for the direction of the
    last update.
``matrix``
    ``[W | b]`` as a K x (d+1) table of values with the same arrows, a row per class, under
    the feature names (cut to the column, never two alike; the numbers when they cannot be).
``strip``
    A heat strip, one cell per parameter (shade = magnitude, colour = sign), a row per class
    wrapped to the width, the biases last; the panel scrolls when even that does not fit.

An exact zero (what an L1 penalty's proximal step makes) reads as zero in every layout: no
bar cell, a plain muted ``0`` for its value, a muted ``·`` in the strip; a nonzero value too
small for the scale still gets the smallest mark (a half cell, ``░``) and its signed value
(``+0.000``).

Nothing is ever cut silently: the subtitle names the layout, the scale, and how many rows
are out of view when the panel scrolls.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from .. import cells
from ..palette import ColorMode
from ..numbers import fixed, nice_scale
from .lines import LinesView, runs
from .weight_images import colour_scale, layout_fits, weight_images, zoom

UP, DOWN, SAME = "▲", "▼", " "
FULL, HALF_LEFT, HALF_RIGHT = "█", "▌", "▐"
AXIS = "│"
SHADES = "░▒▓█"
ZERO_CELL = "·"  # an exact zero in the strip
VALUE_WIDTH = 7  # "+12.345"
CELL_WIDTH = 7  # " +1.23▲" in the matrix
MIN_BAR = 5  # bar cells (each side of the axis at least 2)
MAX_SCROLLED_BARS = 64  # more parameters than this, and more than fit, make a heat strip


def parameter_labels(K: int, d: int) -> list[str]:
    """``w[1,1] … w[K,d], b[1] … b[K]``: the order of :func:`parameter_vector`."""
    return [f"w[{k},{j}]" for k in range(1, K + 1) for j in range(1, d + 1)] + [f"b[{k}]" for k in range(1, K + 1)]


def label_width(K: int, d: int) -> int:
    """The length of the longest of :func:`parameter_labels`: ``w[K,d]``'s (``b[K]``'s for
    ``d = 0``), without making them all."""
    return len(f"w[{K},{d}]") if d else len(f"b[{K}]")


def parameter_vector(W: np.ndarray, b: np.ndarray) -> np.ndarray:
    """W row by row, then b: seed 000's order."""
    return np.concatenate([np.asarray(W).ravel(), np.asarray(b).ravel()])


def directions(current: np.ndarray, previous: np.ndarray | None) -> list[str]:
    """▲ where a parameter went up in the last update, ▼ where it went down."""
    if previous is None or previous.shape != current.shape:
        return [SAME] * len(current)
    delta = current - previous
    return [UP if x > 0 else DOWN if x < 0 else SAME for x in delta.tolist()]


def value_text(value: float, width: int, decimals: int = 3) -> str:
    """``value`` in ``width`` characters as :func:`~..numbers.fixed` writes it, except an
    exact zero, which is a plain ``0`` (a tiny value reads ``+0.000``)."""
    return "0".rjust(width) if value == 0 else fixed(value, width, decimals)


def bar_cells(value: float, scale: float, half: int) -> tuple[str, str]:
    """The two halves of a bar of ``half`` cells each side of the axis, in half-cell steps:
    ``(left, right)``; a negative value fills the left half from the axis outwards. An exact
    zero has no cell; any other value at least a half cell."""
    halves = min(2 * half, max(int(round(abs(value) / scale * 2 * half)), int(value != 0))) if scale > 0 else 0
    body = FULL * (halves // 2)
    if value >= 0:
        right = body + (HALF_LEFT if halves % 2 else "")
        return " " * half, right.ljust(half)
    left = (HALF_RIGHT if halves % 2 else "") + body
    return left.rjust(half), " " * half


class ParameterBars(LinesView):
    """Shows parameters ``(W, b)`` handed over by :meth:`show`; never trains."""

    #: What the panel shows, for explain mode (``e``).
    EXPLAIN = (
        "w[k,j] = W[class k, feature j]: how much feature j of x raises class k's logit in "
        "z = W x + b; b[k] is class k's bias. The bars share one scale (± in the subtitle): right "
        "of the axis positive, left negative; ▲▼ the last step's direction. Too many for bars: "
        "a matrix (a row per class) or a heat strip."
    )

    COMPONENT_CLASSES = {
        "parameter-bars--positive",
        "parameter-bars--negative",
        "parameter-bars--axis",
        "parameter-bars--label",
    }

    DEFAULT_CSS = """
    ParameterBars {
        & > .parameter-bars--positive { color: $primary; }
        & > .parameter-bars--negative { color: $warning; }
        & > .parameter-bars--axis { color: $foreground-muted; }
        & > .parameter-bars--label { color: $foreground-muted; }
    }
    """

    def __init__(self, feature_names: Sequence[str] = (), *, class_names: Sequence[str] = (),
                 image_shape: tuple[int, int] | None = None, id: str | None = None,
                 classes: str | None = None) -> None:
        """``feature_names`` head the matrix's columns (shown as they are: the caller makes
        names from files safe with ``safe_text.visible``); without them, their numbers.
        ``image_shape`` (h, w): the features are an image's pixels, and each class's weights
        are drawn as an image (:mod:`.weight_images`) under its name from ``class_names``."""
        super().__init__(id=id, classes=classes)
        self.border_title = "Parameters"
        self.feature_names = tuple(feature_names)
        self.class_names = tuple(class_names)
        self.image_shape = image_shape
        self._W: np.ndarray | None = None
        self._b: np.ndarray | None = None
        self._previous: tuple[np.ndarray, np.ndarray] | None = None  # (W, b) before the last update
        self.layout_name = ""

    def show(self, W: np.ndarray, b: np.ndarray, previous: tuple[np.ndarray, np.ndarray] | None) -> None:
        """New parameters, and the ones before the last update (for the arrows)."""
        self._W, self._b = W, b
        self._previous = previous
        self.rebuild()

    # -- layouts -----------------------------------------------------------------------------

    def rebuild(self) -> None:
        size = self.scrollable_content_region.size
        if self._W is None or not size:
            return
        if self._images_fit(size.width):  # the bar values are not needed: the pixels are W's
            scale = nice_scale(colour_scale(self._W))
            self.layout_name, lines = "images", self._images(scale, size.width, size.height)
        else:
            self.layout_name, scale, lines = self._values_layout(size.width, size.height)
        self.set_lines(lines)
        shown = "" if self.layout_name == "bars" else f"{self.layout_name} · "
        if cue := self.scroll_cue():
            shown += f"{cue} · "
        if self.layout_name == "images":  # no arrows: the pixels' colours are the values
            self.set_subtitle(f"{shown}W as {self.image_shape[0]}×{self.image_shape[1]} · ±{scale:g}")
        elif self._previous is None:  # step 0, or a past step shown (rewind): no arrows drawn
            self.set_subtitle(f"{shown}±{scale:g}")
        else:
            self.set_subtitle(f"{shown}±{scale:g} · ▲▼ last step")

    def _values_layout(self, width: int, height: int) -> tuple[str, float, list[Strip]]:
        """The layout of the parameter values that fits the panel (``width`` x ``height``
        cells): bars, the matrix or the strip (see the module docstring), as its name, the
        values' shared scale and its lines."""
        K, d = self._W.shape
        values = parameter_vector(self._W, self._b)
        scale = nice_scale(float(np.abs(values).max(initial=0.0)))
        bars_fit = width >= label_width(K, d) + 2 + MIN_BAR + 1 + VALUE_WIDTH
        matrix_fits = 3 + (d + 1) * CELL_WIDTH <= width and K + 1 <= height
        if bars_fit and (len(values) <= height or (not matrix_fits and len(values) <= MAX_SCROLLED_BARS)):
            return "bars", scale, self._bars(values, scale, width)
        if matrix_fits:
            return "matrix", scale, self._matrix(values, scale, K, d)
        return "strip", scale, self._strip(values, scale, K, d, width)

    def _styles(self) -> tuple[Style, Style, Style, Style]:
        """Positive, negative, axis and label styles over the base style."""
        base = self.base_style
        names = ("positive", "negative", "axis", "label")
        return tuple(base + self.component_style(f"parameter-bars--{name}") for name in names)

    def _bars(self, values: np.ndarray, scale: float, width: int) -> list[Strip]:
        positive, negative, axis, label_style = self._styles()
        K, d = self._W.shape
        labels = parameter_labels(K, d)
        width_of_labels = label_width(K, d)
        room = width - width_of_labels - 2 - 1 - 1 - VALUE_WIDTH
        half = max(2, room // 2)
        value_width = VALUE_WIDTH + 1 + max(0, room - 2 * half)  # the line exactly as wide as the panel
        lines = []
        for label, value, arrow in zip(labels, values.tolist(), self._directions(values)):
            sign = _signed(value, positive, negative, axis)
            left, right = bar_cells(value, scale, half)
            lines.append(Strip([
                Segment(label.ljust(width_of_labels), label_style),
                Segment(f" {arrow}", sign),
                Segment(left, negative),
                Segment(AXIS, axis),
                Segment(right, positive),
                Segment(value_text(value, VALUE_WIDTH).rjust(value_width), sign),
            ]))
        return lines

    def _directions(self, values: np.ndarray) -> list[str]:
        """The arrows of the parameter vector ``values``: :func:`directions` since the last
        update's parameters (none at step 0 or at a past step)."""
        return directions(values, None if self._previous is None else parameter_vector(*self._previous))

    def _images_fit(self, width: int) -> bool:
        shape = self.image_shape
        return (shape is not None and self._W.shape[1] == shape[0] * shape[1]
                and len(self.class_names) == self._W.shape[0] and layout_fits(shape, width))

    def _images(self, scale: float, width: int, height: int) -> list[Strip]:
        positive, negative, _, _ = self._styles()
        mode = self.color_mode
        colours = None if mode is ColorMode.MONO else (
            np.array(positive.color.get_truecolor()), np.array(negative.color.get_truecolor()),
            self.background_rgb.astype(np.float64))
        labels = [self.base_style + self.class_style(k) for k in range(self._W.shape[0])]
        z = zoom(self.image_shape, len(labels), width, height, mode)
        return weight_images(self._W, self._b, scale, self.image_shape, z, self.class_names, width, mode,
                             self.base_style, colours, labels)

    def _matrix(self, values: np.ndarray, scale: float, K: int, d: int) -> list[Strip]:
        positive, negative, axis, label_style = self._styles()
        header = "k\\j" + "".join(" " + cells.rjust(name, CELL_WIDTH - 1) for name in self._column_names(d))
        header += "b[k]".rjust(CELL_WIDTH)
        lines = [Strip([Segment(header, label_style)])]
        W, b = values[: K * d].reshape(K, d), values[K * d :]
        arrows = self._directions(values)
        arrows_w = np.array(arrows[: K * d]).reshape(K, d)
        arrows_b = arrows[K * d :]
        for k in range(K):
            segments = [Segment(f"{k + 1:<3}", self.base_style + self.class_style(k))]
            row = list(zip(W[k].tolist(), arrows_w[k].tolist())) + [(float(b[k]), arrows_b[k])]
            for value, arrow in row:
                segments.append(Segment(" " + value_text(value, CELL_WIDTH - 2, 2) + arrow,
                                        _signed(value, positive, negative, axis)))
            lines.append(Strip(segments))
        return lines

    def _column_names(self, d: int) -> tuple[str, ...]:
        """The matrix's headings of W's ``d`` columns: the feature names in a column's
        ``CELL_WIDTH - 1`` cells, cut so that no two read the same
        (:func:`~softmax_tui.tui.cells.distinct_names`), or the numbers 1 … d."""
        names = cells.distinct_names(self.feature_names, CELL_WIDTH - 1) if len(self.feature_names) == d else None
        return names or tuple(str(j) for j in range(1, d + 1))

    def _strip(self, values: np.ndarray, scale: float, K: int, d: int, width: int) -> list[Strip]:
        positive, negative, axis, label_style = self._styles()
        label_width = max(len(f"w[{K},·]"), 4)
        cells_per_line = max(1, width - label_width - 1)
        lines = [Strip([Segment(f"{SHADES} |value| to {scale:g} ", label_style), Segment("+", positive),
                        Segment(" ", label_style), Segment("-", negative), Segment(f" {ZERO_CELL}", axis),
                        Segment(" 0", label_style)])]
        rows = [(f"w[{k + 1},·]", values[k * d : (k + 1) * d]) for k in range(K)] + [("b[·]", values[K * d :])]
        for label, row in rows:
            for start in range(0, len(row), cells_per_line):
                chunk = row[start : start + cells_per_line]
                head = (label if start == 0 else "").ljust(label_width) + " "
                lines.append(Strip([Segment(head, label_style),
                                    *self._shade_segments(chunk, scale, positive, negative, axis)]))
        return lines

    @staticmethod
    def _shade_segments(row: np.ndarray, scale: float, positive: Style, negative: Style,
                        zero: Style) -> list[Segment]:
        """Runs of equal cells as single segments (a 784-pixel row is a few dozen segments);
        an exact zero is :data:`ZERO_CELL`."""
        shades = ZERO_CELL + SHADES
        level = np.where(row == 0, 0, 1 + np.minimum(len(SHADES) - 1, (np.abs(row) / scale * len(SHADES)).astype(int)))
        negative_cell = row < 0
        starts, lengths = runs(2 * level + negative_cell)
        return [Segment(shades[shade] * n, zero if shade == 0 else negative if below else positive)
                for shade, below, n in zip(level[starts].tolist(), negative_cell[starts].tolist(), lengths)]



def _signed(value: float, positive: Style, negative: Style, zero: Style) -> Style:
    """The style of a parameter's value: by its sign, an exact zero apart."""
    return zero if value == 0 else positive if value > 0 else negative
