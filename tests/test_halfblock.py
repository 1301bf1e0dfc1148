"""The half-block renderer alone, without a widget or a model: pixels, marks and glyphs on a
small grid, in each colour mode, and the picture's lines and changed rows."""

import numpy as np
from rich.style import Style

from softmax_tui.tui import palette
from softmax_tui.tui.widgets.halfblock import (
    CURSOR,
    FAINT_DOT,
    LINE_DOT,
    ColourPainter,
    MonoPainter,
    Picture,
    glyph,
    marked,
    put,
)

GLYPHS = (("A", "B"), ("a", "b"))  # filled, hollow
RED, BLUE, WHITE = [200, 30, 30], [20, 20, 160], [250, 250, 250]
#: Two cells by two: four pixels by two, in three colours.
PIXELS = np.array([[RED, BLUE], [RED, WHITE], [BLUE, BLUE], [WHITE, RED]], dtype=np.uint8)
GLYPH_COLOURS = np.array([RED, WHITE], dtype=np.uint8)


def rgb(color) -> list[int]:
    return list(color.triplet)


def test_truecolor_cells_are_half_blocks_marks_and_glyphs():
    painter = ColourPainter.truecolor(PIXELS, GLYPH_COLOURS, GLYPHS, {})
    assert painter.keys.shape == (2, 2)
    for row in range(2):
        for col in range(2):
            text, style = painter.cell(int(painter.keys[row, col]))
            assert text == "▀"
            assert rgb(style.color) == PIXELS[2 * row, col].tolist()
            assert rgb(style.bgcolor) == PIXELS[2 * row + 1, col].tolist()
    text, style = painter.cell(int(marked(LINE_DOT, painter.keys[1, 1])))  # blue over red
    mean = (np.array(BLUE) + RED) // 2
    assert text == "•" and rgb(style.bgcolor) == mean.tolist() and not style.bold
    assert rgb(style.color) == palette.contrast_color(mean.astype(np.uint8)).tolist()
    text, style = painter.cell(int(marked(CURSOR, painter.keys[0, 0])))
    assert text == "+" and style.bold
    text, style = painter.cell(int(glyph(0)))
    assert text == "A" and rgb(style.bgcolor) == RED and rgb(style.color) == [255, 255, 255] and style.bold
    assert not style.underline
    text, style = painter.cell(int(glyph(1, wrong=True)))
    assert text == "B" and rgb(style.color) == WHITE and rgb(style.bgcolor) == [0, 0, 0] and style.underline
    text, style = painter.cell(int(glyph(0, hollow=True)))
    assert text == "a" and rgb(style.bgcolor) == RED and not style.underline
    text, style = painter.cell(int(glyph(1, wrong=True, hollow=True)))
    assert text == "b" and rgb(style.color) == WHITE and style.underline


def test_sixteen_colours_are_ansi_numbers():
    pixels = np.array([[1, 9], [4, 15]])
    painter = ColourPainter.ansi16(pixels, np.array([9, 10]), GLYPHS, {})
    text, style = painter.cell(int(painter.keys[0, 1]))
    assert text == "▀" and rgb(style.color) == palette.ANSI_RGB[9].tolist()
    assert rgb(style.bgcolor) == palette.ANSI_RGB[15].tolist()
    text, style = painter.cell(int(marked(FAINT_DOT, painter.keys[0, 0])))  # on the upper pixel: dark red
    assert text == "·" and rgb(style.bgcolor) == palette.ANSI_RGB[1].tolist()
    assert rgb(style.color) == palette.ANSI_RGB[15].tolist()
    _, style = painter.cell(int(glyph(1)))
    assert rgb(style.bgcolor) == palette.ANSI_RGB[10].tolist() and rgb(style.color) == [0, 0, 0]


def test_without_colour_cells_are_fills():
    base = Style(color="white")
    painter = MonoPainter(np.array([[0, 1], [1, 0]]), (".", "#"), GLYPHS, {}, base)
    assert [painter.cell(int(k))[0] for k in painter.keys.ravel()] == [".", "#", "#", "."]
    assert painter.cell(int(painter.keys[0, 0]))[1] == base
    correct, wrong = painter.cell(int(glyph(0)))[1], painter.cell(int(glyph(1, True)))[1]
    assert correct.bold and not correct.underline and not correct.reverse
    assert wrong.reverse and wrong.underline
    assert painter.cell(int(glyph(1, True, True))) == ("b", wrong)


def test_put_keeps_the_last_value_of_a_repeated_cell():
    keys = np.zeros((2, 3), dtype=np.int64)
    put(keys, np.array([0, 2, 0]), np.array([1, 0, 1]), np.array([5, 6, 7]))
    np.testing.assert_array_equal(keys, [[0, 0, 6], [7, 0, 0]])


def test_picture_lines_are_runs_with_a_gutter_and_an_axis():
    keys = np.array([[1, 1, 1, 2], [3, 3, 3, 3]])
    cells = {1: ("a", Style(bold=True)), 2: ("b", Style()), 3: ("c", Style(italic=True))}
    picture = Picture(keys, cells.__getitem__, Style(), 6, ("layout", 0), gutter=["1 ", "0 "], axis="  x   ")
    assert [(s.text, s.style) for s in picture.line(0)] == [("1 ", Style()), ("aaa", Style(bold=True)), ("b", Style())]
    assert len(list(picture.line(1))) == 2  # the gutter and one run
    assert picture.line(2).text == "  x   " and picture.line(3).text == " " * 6
    assert all(picture.line(y).cell_length == 6 for y in range(4))

    again = Picture(keys.copy(), cells.__getitem__, Style(), 6, ("layout", 0))
    np.testing.assert_array_equal(again.changed_rows(picture), [])
    assert again.line(0) is picture.line(0)  # taken over, not drawn again
    moved = keys.copy()
    moved[1, 0] = 2
    changed = Picture(moved, cells.__getitem__, Style(), 6, ("layout", 0))
    np.testing.assert_array_equal(changed.changed_rows(picture), [1])
    assert changed.line(0) is picture.line(0) and changed.line(1) is not picture.line(1)
    assert Picture(keys, cells.__getitem__, Style(), 6, ("other layout", 0)).changed_rows(picture) is None
