"""Each class's weights as an image (tui/widgets/weight_images.py): digits' templates."""

import numpy as np
import pytest
from rich.color import Color
from rich.style import Style

from softmax_tui.tui.palette import ANSI_RGB, ColorMode
from softmax_tui.tui.widgets.weight_images import colour_scale, weight_images, zoom

BLUE, ORANGE, BLACK = np.array([0, 0, 255]), np.array([255, 128, 0]), np.array([0.0, 0.0, 0.0])
# two classes of 2 x 3 images: class a rises left to right, class b is its negative
W = np.array([[-1.0, 0.0, 1.0, -0.5, 0.25, 0.5], [1.0, 0.0, -1.0, 0.5, -0.25, -0.5]])
B = np.array([0.5, -1.25])


def ansi(n):
    return Color.from_rgb(*ANSI_RGB[n].tolist())


def draw(mode, width=20, z=1, names=("a", "b"), colours=(BLUE, ORANGE, BLACK)):
    return weight_images(W, B, 1.0, (2, 3), z, names, width, mode, Style(), colours, [Style()] * 2)


def test_without_colour_a_pixel_is_a_character_by_its_value():
    lines = draw(ColorMode.MONO, colours=None, width=7)
    # a's rows -1 0 1 and -0.5 0.25 0.5 in five bands of [-1, 1] ("=" below -0.75, "-", " " within
    # 0.25 of zero, "+", "#" above 0.75); b the opposite. 3 cells per image and a gap: two side by
    # side need 7 cells; "a +0.50" does not fit in 3, so the name alone
    assert [line.text for line in lines] == ["a   b  ", "= # # =", "- + + -"]


def test_images_wrap_to_the_width():
    lines = draw(ColorMode.MONO, colours=None, width=6)
    assert [line.text for line in lines] == ["a  ", "= #", "- +", "b  ", "# =", "+ -"]


def test_a_label_holds_the_bias_when_it_fits():
    lines = draw(ColorMode.TRUECOLOR, width=20, z=3)
    # zoomed 3x: 9 cells across, 3 lines of two pixel rows each (6 rows)
    assert lines[0].text == "a   +0.50 b   -1.25"
    assert lines[1].text == "▀" * 9 + " " + "▀" * 9
    assert len(lines) == 1 + 3


def test_truecolor_blends_from_the_background_to_each_sign():
    upper = list(draw(ColorMode.TRUECOLOR)[1])[:3]
    assert [segment.text for segment in upper] == ["▀"] * 3
    assert upper[0].style.color == Color.from_rgb(255, 128, 0)  # -1: full negative colour
    assert upper[1].style.color == Color.from_rgb(0, 0, 0)  # 0: the background
    assert upper[2].style.color == Color.from_rgb(0, 0, 255)  # +1: full positive colour
    assert upper[0].style.bgcolor == Color.from_rgb(128, 64, 0)  # -0.5 below it: halfway


def test_sixteen_colours_weak_strong_and_background():
    cells = list(draw(ColorMode.ANSI16)[1])[:3]
    # -1 over -0.5: strong over weak negative; 0 over 0.25: blank; 1 over 0.5: strong over weak positive
    assert (cells[0].text, cells[0].style.color, cells[0].style.bgcolor) == ("▀", ansi(11), ansi(3))
    assert cells[1].text == " "
    assert (cells[2].text, cells[2].style.color, cells[2].style.bgcolor) == ("▀", ansi(12), ansi(4))


def test_a_pixel_at_the_background_over_a_coloured_one_is_a_lower_half_block():
    lines = weight_images(np.array([[0.0, 1.0]]), np.zeros(1), 1.0, (2, 1), 1, ["c"], 5, ColorMode.ANSI16,
                          Style(), None, [Style()])
    cell = list(lines[1])[0]
    assert (cell.text, cell.style.color) == ("▄", ansi(12))


def test_zoom_is_the_largest_that_fits():
    # digits: ten 8 x 8 images; at zoom z an image is 8z cells across and 4z + 1 lines with its label
    colour = ColorMode.TRUECOLOR
    assert zoom((8, 8), 10, 70, 17, colour) == 1  # 2x: 4 per row, 3 rows of 9 lines = 27 > 17
    assert zoom((8, 8), 10, 100, 40, colour) == 3  # 3x: 4 per row, 3 rows of 13 lines = 39
    assert zoom((8, 8), 10, 100, 38, colour) == 2  # 2x: 5 per row, 2 rows of 9 lines = 18
    assert zoom((8, 8), 10, 200, 40, colour) == 4  # 4x: 6 per row, 2 rows of 17 lines = 34
    # without colour a pixel row is a line: 2x needs 2 rows of 17 lines
    assert zoom((8, 8), 10, 100, 38, ColorMode.MONO) == 2 and zoom((8, 8), 10, 100, 33, ColorMode.MONO) == 1


def test_the_colour_scale_ignores_a_few_outliers():
    weights = np.full((10, 64), 0.1)
    weights[0, 0] = 50.0
    assert colour_scale(weights) == pytest.approx(0.1)
    assert colour_scale(np.zeros((2, 4))) == 0.0


def test_weights_that_are_not_an_image_are_refused():
    with pytest.raises(ValueError, match="5 weights per class are not 2 x 3 pixels"):
        weight_images(np.zeros((2, 5)), B, 1.0, (2, 3), 1, ("a", "b"), 20, ColorMode.MONO, Style(), None, [Style()] * 2)
