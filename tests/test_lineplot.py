"""The loss panel's line plot, drawn without Textual (tui/lineplot.py): the frame and its
ticks, where points land (each in the cell of its nearest row and column, as the axis's
ticks name them), lines without gaps, breaks at non-finite values, vertical lines."""

import math

import numpy as np
import pytest

from softmax_tui.tui.lineplot import AXES, BRAILLE_BASE, FRAME_ROWS, GRAY, Curve, VerticalLine, draw
from softmax_tui.tui.ticks import rows_axis

RED, BLUE = (200, 0, 0), (0, 0, 200)


def text(rows) -> list[str]:
    return ["".join(run for run, _ in row) for row in rows]


def cells(rows) -> list[list[tuple[str, object]]]:
    """Each row as (character, colour) per cell."""
    return [[(char, ink) for run, ink in row for char in run] for row in rows]


def plot(curves=(), lines=(), *, width=40, height=14, first=0, end=100, lo=0.0, hi=1.0, log=False, ticks=(0, 50, 100)):
    axis = rows_axis(lo, hi, height - FRAME_ROWS, log=log)
    return draw(list(curves), list(lines), width=width, height=height, first=first, end=end, x_ticks=list(ticks),
                x_label="step", y_axis=axis), axis


def canvas(rows, axis) -> list[list[tuple[str, object]]]:
    """The canvas's cells: inside the frame."""
    left = max(map(len, axis.labels), default=0) + 1
    return [row[left:-1] for row in cells(rows)[1:1 + axis.rows]]


def dots(char: str) -> int:
    return bin(ord(char) - BRAILLE_BASE).count("1") if BRAILLE_BASE <= ord(char) < BRAILLE_BASE + 256 else 0


@pytest.mark.parametrize("width,height", [(40, 14), (23, 9), (80, 30)])
def test_the_frame_ticks_and_labels_are_where_the_axis_puts_them(width, height):
    rows, axis = plot(width=width, height=height, ticks=(0, 50, 100))
    lines = text(rows)
    assert len(lines) == height and all(len(line) == width for line in lines)
    left = max(map(len, axis.labels))
    assert lines[0] == " " * left + "┌" + "─" * (width - left - 2) + "┐"
    bottom = lines[height - 3]
    assert bottom[left] == "└" and bottom[-1] == "┘"
    for tick, label in zip(axis.ticks, axis.labels):  # each y label on the row its value names
        r = 1 + (axis.rows - 1 - round(axis.position(tick)))
        assert lines[r].startswith(f"{label:>{left}}┤")
    untick = [line for line in lines[1:1 + axis.rows] if "┤" not in line]
    assert all(line[left] == "│" and line[-1] == "│" for line in untick)
    columns = width - left - 2
    tick_cells = [left + 1 + math.floor(step / 100 * (columns - 1) + 0.5) for step in (0, 50, 100)]  # a half up
    assert [i for i, char in enumerate(bottom) if char == "┬"] == tick_cells
    labels_row = lines[height - 2]
    for step, at in zip(("0", "50", "100"), tick_cells):
        start = min(at - len(step) // 2, width - len(step))
        assert labels_row[start:start + len(step)] == step
    assert lines[-1].strip() == "step"
    assert lines[-1].index("step") == left + 1 + (columns - 4) // 2


def test_points_land_in_the_cell_of_their_nearest_row_and_column():
    rows, axis = plot(width=40, height=14, lo=0.0, hi=1.0)
    columns = 40 - max(map(len, axis.labels)) - 2
    for step, value in [(0, axis.lo), (100, axis.hi), (50, 0.5), (37, 0.31), (63, 0.74)]:
        for marker in ("braille", "o"):
            drawn, _ = plot([Curve(np.array([step]), np.array([value]), RED, marker)])
            grid = canvas(drawn, axis)
            found = [(r, c) for r, row in enumerate(grid) for c, (char, _) in enumerate(row) if char not in " "]
            row = axis.rows - 1 - round(axis.position(value))
            assert found == [(row, round(step / 100 * (columns - 1)))], (step, value, marker)
            char, ink = grid[found[0][0]][found[0][1]]
            assert ink == RED and (dots(char) == 1 if marker == "braille" else char == "o")


def test_a_line_leaves_no_column_or_row_of_dots_empty_between_its_points():
    steps, values = np.array([0, 100]), np.array([0.0, 1.0])
    drawn, axis = plot([Curve(steps, values, RED)])
    grid = canvas(drawn, axis)
    bits = [[ord(char) - BRAILLE_BASE if char != " " else 0 for char, _ in row] for row in grid]
    columns = len(grid[0])
    dot_columns = {2 * c + (1 if b & 0xB8 else 0) for row in bits for c, b in enumerate(row) if b & 0xB8} | \
                  {2 * c for row in bits for c, b in enumerate(row) if b & 0x47}
    assert dot_columns == set(range(2 * columns - 1)) or dot_columns == set(range(2 * columns))
    top, bottom = (axis.rows - 1 - round(axis.position(v)) for v in (1.0, 0.0))
    assert all(any(char != " " for char, _ in row) for row in grid[top:bottom + 1])  # every row between crossed
    assert sum(dots(char) for row in grid for char, _ in row) >= 4 * len(grid)


def test_a_value_that_is_not_finite_breaks_the_curve():
    steps = np.array([0, 40, 60, 100])
    whole, axis = plot([Curve(steps, np.array([0.2, 0.2, 0.2, 0.2]), RED)])
    broken, _ = plot([Curve(steps, np.array([0.2, np.nan, 0.2, 0.2]), RED)])
    count = lambda rows: sum(dots(char) for row in canvas(rows, axis) for char, _ in row)
    assert count(broken) < count(whole)
    row = axis.rows - 1 - round(axis.position(0.2))
    gap = [char for char, _ in canvas(broken, axis)[row][2:12]]  # between step 0 and step 60
    assert set(gap) == {" "}


def test_vertical_lines_join_the_frame_and_lie_under_the_curves():
    flat = Curve(np.array([0, 100]), np.array([0.5, 0.5]), RED)
    rows, axis = plot([flat], [VerticalLine(50, GRAY), VerticalLine(80, BLUE, "▼"), VerticalLine(150, GRAY)])
    lines, grid = text(rows), canvas(rows, axis)
    left = max(map(len, axis.labels))
    columns = len(grid[0])
    at = {step: round(step / 100 * (columns - 1)) for step in (50, 80)}
    assert [i - left - 1 for i, char in enumerate(lines[0]) if char == "┬"] == [at[50], at[80]]  # 150 is off the plot
    assert [i - left - 1 for i, char in enumerate(lines[axis.rows + 1]) if char == "┴"] == [at[50], at[80]]
    curve_row = axis.rows - 1 - round(axis.position(0.5))
    for r, row in enumerate(grid):
        expect50 = RED if r == curve_row else GRAY
        assert row[at[50]][1] == expect50 and (row[at[50]][0] == "│") == (r != curve_row)
    assert grid[0][at[80]] == ("▼", BLUE) and grid[1][at[80]] == ("│", BLUE)


def test_colours_are_the_axes_the_curves_and_nothing_elsewhere():
    rows, axis = plot([Curve(np.array([0, 100]), np.array([0.1, 0.9]), RED, "•")])
    inks = {ink for row in rows for _, ink in row}
    assert inks == {AXES, RED, None}
    assert all(ink is None for row in rows for run, ink in row if not run.strip())


def test_x_labels_that_would_touch_are_left_out():
    rows, _ = plot(width=20, ticks=(0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100))
    labels = text(rows)[-2].split()  # labels that touched would read as one word here
    assert labels[0] == "0" and 2 <= len(labels) < 11
    assert all(label in {str(t) for t in range(0, 101, 10)} for label in labels), labels


def test_marks_of_one_step_or_value_share_a_cell_when_it_lies_half_way_between_two():
    """Found in review: a step half way between two columns (step 5 of 0-10 over 6 columns)
    put a braille point in the right column and its vertical line and tick in the left one
    (NumPy rounds halves to even); a value half way between two rows put a braille point and
    a marker in different rows. Every mark now takes the cell a half rounds up to."""
    axis = rows_axis(0.0, 1.0, 6)
    assert (axis.lo, axis.hi) == (0.0, 1.0)
    width = max(map(len, axis.labels)) + 2 + 6  # six columns: step s of 0-10 at column s / 2
    for step in range(11):
        value = step / 10  # at row s / 2 of the axis's 0, 0.2, ... 1: half way between two rows for odd s
        where = {}
        for marker in ("braille", "o"):
            rows = draw([Curve(np.array([step]), np.array([value]), RED, marker)], [VerticalLine(step, GRAY)],
                        width=width, height=6 + FRAME_ROWS, first=0, end=10, x_ticks=[step], x_label="",
                        y_axis=axis)
            grid = canvas(rows, axis)
            where[marker] = [(r, c) for r, row in enumerate(grid) for c, (_, ink) in enumerate(row) if ink == RED]
            line = {c for row in grid for c, (char, ink) in enumerate(row) if ink == GRAY}
            tick = {i - len(axis.labels[0]) - 1 for i, char in enumerate(text(rows)[-3]) if char in "┬┴"}
            assert where[marker] == [(5 - (step + 1) // 2, (step + 1) // 2)], (step, marker)
            assert line | tick == {(step + 1) // 2}, step
        assert where["braille"] == where["o"]
