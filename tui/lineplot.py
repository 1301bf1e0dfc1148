"""A line plot in terminal cells: curves against step inside a frame with round ticks (no Textual here).

The loss panel draws the curves itself rather than through a plotting library: a plot is
rebuilt every frame while training runs. The loss panel's rebuild at 58 x 17 cells (a curve
of 50,000 points thinned to the width, the axis laid out, the plot drawn) took 4.0 ms with
plotext and takes 0.95 ms with this; benchmarks/ui.py's Loss row, the panel's whole share of
a frame, went from 5.6 to 1.8 ms of the frame's 10 and 5.5.

The layout is plotext's: the y labels right-aligned in a column on the left, each against a
``┤`` on the frame at its row; the frame (``┌┐└┘``) round the canvas; ``┬`` on the frame's
bottom at the x ticks, with their labels centred under them; the x label centred below
the canvas (or as near as the plot's width allows).
Vertical lines (``│``) join the frame with ``┬`` above and ``┴`` below, and lie under the
curves.

Coordinates: the canvas is ``columns x rows`` cells, each standing for one step and one value:
the cell column of ``step`` is the nearest to ``(step - first) / (end - first) * (columns - 1)``
(so that ``first`` and ``end`` are the first and last columns) and the cell row (from the
bottom) of ``value`` the nearest to ``(value - lo) / (hi - lo) * (rows - 1)``, as the y axis's
ticks are placed (:class:`..ticks.Axis`; ``log10(value)`` on a log axis, where a value must
be above zero), a half rounded up in both. A curve drawn in
braille places each point on one of its cell's 2 x 4 dots, the one nearest to where it lies
within the cell; a curve drawn with a character (``•``, ``o``, ...) fills the cell. Ticks and
vertical lines take their step's cell column. Consecutive points are joined by straight
lines of dots (or cells); a point that is not finite breaks the curve.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .ticks import Axis

#: A colour in a plot's cells: an RGB triple, or one of these.
AXES = "axes"  # the frame, ticks and labels: the theme's foreground
GRAY = "gray"  # the terminal's grey (ANSI colour 8)
Ink = tuple[int, int, int] | str | None  # None: nothing drawn there (the background)
#: The plot's rows: each a list of runs of text in one colour.
Rows = list[list[tuple[str, Ink]]]

BRAILLE = "braille"
BRAILLE_BASE = 0x2800
#: The bit of each dot of a braille cell, by (row from the top, column): Unicode's dots 1-8.
BRAILLE_BITS = np.array([[0x01, 0x08], [0x02, 0x10], [0x04, 0x20], [0x40, 0x80]])
#: Rows that are not the canvas: the frame's top and bottom, the x labels and the x label.
FRAME_ROWS = 4


@dataclass(frozen=True)
class Curve:
    """Points ``(steps[i], values[i])`` (1-D arrays of one length, steps increasing) drawn
    in ``color`` with ``marker``: ``"braille"`` or one character."""

    steps: np.ndarray
    values: np.ndarray
    color: tuple[int, int, int]
    marker: str = BRAILLE


@dataclass(frozen=True)
class VerticalLine:
    """A line across the canvas at ``step``, with ``top`` (a character, or "" for none) in
    its top cell."""

    step: int
    color: tuple[int, int, int] | str
    top: str = ""


def draw(curves: Sequence[Curve], lines: Sequence[VerticalLine], *, width: int, height: int, first: int, end: int,
         x_ticks: Sequence[int], x_label: str, y_axis: Axis) -> Rows:
    """The plot, ``width x height`` cells, of steps ``first`` to ``end`` (``end > first``)
    and, up the canvas, ``y_axis``'s range with its ticks (``y_axis.rows`` must be the
    canvas's rows, ``height - FRAME_ROWS``, and its labels leave at least two columns) and
    ``x_label`` (no wider than ``width``) under the x ticks; the curves over the vertical
    lines, which are left out where their step is outside ``[first, end]``."""
    label_width = max(map(len, y_axis.labels), default=0)
    columns, rows = width - label_width - 2, height - FRAME_ROWS
    lo, hi, log = y_axis.lo, y_axis.hi, y_axis.log
    canvas = _Canvas(columns, rows)
    line_columns = _nearest(_column(np.array([line.step for line in lines], dtype=float), first, end, columns))
    for line, column in zip(lines, line_columns.tolist()):
        if 0 <= column < columns:
            canvas.vertical(column, line.color)
    for curve in curves:
        values = np.log10(curve.values) if log else curve.values
        canvas.curve(curve.steps, values, first, end, lo, hi, curve.color, curve.marker)
    for line, column in zip(lines, line_columns.tolist()):  # the marks on top, over the curves
        if line.top and 0 <= column < columns:
            canvas.put(0, column, line.top, line.color)
    tick_rows = dict(zip(_nearest(np.array([y_axis.position(tick) for tick in y_axis.ticks])).tolist(),
                         y_axis.labels))
    joins = {c for c in line_columns.tolist() if 0 <= c < columns}  # where the lines meet the frame
    tick_columns = _nearest(_column(np.asarray(x_ticks, dtype=float), first, end, columns)).tolist()
    out: Rows = []
    top = "".join("┬" if c in joins else "─" for c in range(columns))
    out.append([(" " * label_width, None), ("┌" + top + "┐", AXES)])
    for r in range(rows):
        label = tick_rows.get(rows - 1 - r)
        runs = [(f"{label:>{label_width}}┤", AXES) if label is not None else (" " * label_width, None),
                ("│", AXES) if label is None else ("", None)]
        out.append([run for run in runs if run[0]] + canvas.row(r) + [("│", AXES)])
    bottom = ["─"] * columns
    for c in tick_columns:
        if 0 <= c < columns:
            bottom[c] = "┬"
    for c in joins:
        bottom[c] = "┴"
    out.append([(" " * label_width, None), ("└" + "".join(bottom) + "┘", AXES)])
    out.append(_labels_row([str(int(t)) for t in x_ticks], [label_width + 1 + c for c in tick_columns], width))
    start = min(label_width + 1 + max((columns - len(x_label)) // 2, 0), width - len(x_label))
    out.append([(" " * start, None), (x_label, AXES), (" " * (width - start - len(x_label)), None)])
    return [[run for run in row if run[0]] for row in out]


def _column(steps: np.ndarray, first: int, end: int, columns: int) -> np.ndarray:
    """Where ``steps`` lie across the canvas, in cell columns from the first (a whole number
    at a cell's centre)."""
    return (steps - first) / (end - first) * (columns - 1)


def _nearest(positions: np.ndarray) -> np.ndarray:
    """The whole number nearest to each of ``positions``, a half rounded up: the same rule for
    every mark, so that a point, a vertical line and a tick at one step share a column (and
    a braille point and a character at one value a row) even half way between two."""
    return np.floor(positions + 0.5).astype(np.int64)


def _labels_row(labels: list[str], centres: list[int], width: int) -> list[tuple[str, Ink]]:
    """A row of ``labels`` centred on ``centres`` (left of centre for an even length),
    each kept within the row and dropped where it would touch the one before."""
    runs: list[tuple[str, Ink]] = []
    end = 0  # where the row written so far ends
    for label, centre in zip(labels, centres):
        start = min(max(centre - len(label) // 2, 0), width - len(label))
        if start <= end and runs:  # touching the label before (the first may start at 0)
            continue
        runs += [(" " * (start - end), None), (label, AXES)]
        end = start + len(label)
    return runs + [(" " * (width - end), None)]


class _Canvas:
    """The canvas's cells: a character and its colour each."""

    def __init__(self, columns: int, rows: int) -> None:
        self.columns, self.rows = columns, rows
        self.chars = [[" "] * columns for _ in range(rows)]
        self.colors: list[list[Ink]] = [[None] * columns for _ in range(rows)]

    def put(self, row: int, column: int, char: str, color: Ink) -> None:
        self.chars[row][column] = char
        self.colors[row][column] = color

    def vertical(self, column: int, color: Ink) -> None:
        for r in range(self.rows):
            self.put(r, column, "│", color)

    def curve(self, steps: np.ndarray, values: np.ndarray, first: int, end: int, lo: float, hi: float,
              color: Ink, marker: str) -> None:
        """Draw the points joined by lines: braille dots, or ``marker`` in every cell passed."""
        braille = marker == BRAILLE
        across, up = (2, 4) if braille else (1, 1)
        keep = np.isfinite(values)
        column = _column(np.asarray(steps, dtype=float), first, end, self.columns)
        row = (np.where(keep, values, lo) - lo) / ((hi - lo) if hi > lo else 1.0) * (self.rows - 1)
        if braille:
            # the nearest dot: a cell's dots are at (i + 0.5) / across of a cell from its left
            # (bottom) edge. NumPy rounds a half to even: on a cell's edge (its last dot, odd,
            # or the next cell's first, even) to the next cell, as _nearest; in a cell's middle
            # to the left (upper) of the two middle dots
            x = np.rint(column * across + (across - 1) / 2).astype(np.int64)
            y = np.rint(row * up + (up - 1) / 2).astype(np.int64)
        else:
            x, y = _nearest(column), _nearest(row)
        xs, ys = _joined(x, y, keep)
        inside = (xs >= 0) & (xs < self.columns * across) & (ys >= 0) & (ys < self.rows * up)
        xs, ys = xs[inside], self.rows * up - 1 - ys[inside]  # rows from the top
        if braille:
            bits = np.zeros((self.rows, self.columns), dtype=np.int64)
            np.bitwise_or.at(bits, (ys // 4, xs // 2), BRAILLE_BITS[ys % 4, xs % 2])
            for r, c in zip(*np.nonzero(bits)):
                self.put(r, c, chr(BRAILLE_BASE + int(bits[r, c])), color)
        else:
            for r, c in zip(ys.tolist(), xs.tolist()):
                self.put(r, c, marker, color)

    def row(self, r: int) -> list[tuple[str, Ink]]:
        """Row ``r`` as runs of one colour."""
        chars, colors = self.chars[r], self.colors[r]
        runs, start = [], 0
        for c in range(1, self.columns + 1):
            if c == self.columns or colors[c] != colors[start]:
                runs.append(("".join(chars[start:c]), colors[start]))
                start = c
        return runs


def _joined(x: np.ndarray, y: np.ndarray, keep: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The cells of the straight lines from each kept point to the next kept one (a point not
    kept breaks the line), every cell on the way once per line: ``max(|dx|, |dy|) + 1``
    cells from one point to the next, evenly spaced along the longer direction."""
    joins = keep[:-1] & keep[1:]
    start_x, start_y = x[:-1][joins], y[:-1][joins]
    dx, dy = x[1:][joins] - start_x, y[1:][joins] - start_y
    n = np.maximum(np.abs(dx), np.abs(dy))
    length = np.maximum(n, 1)
    segment = np.repeat(np.arange(len(n)), length)
    k = np.arange(length.sum()) - np.repeat(np.cumsum(length) - length, length)
    fraction = k / length[segment]
    xs = start_x[segment] + np.rint(dx[segment] * fraction).astype(np.int64)
    ys = start_y[segment] + np.rint(dy[segment] * fraction).astype(np.int64)
    return np.concatenate([xs, x[keep]]), np.concatenate([ys, y[keep]])
