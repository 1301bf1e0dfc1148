"""The decision map's palette: distinct class colours (also for colour-blind viewers), exact
blends, glyphs and the 16-colour and no-colour fallbacks."""

import itertools
import unicodedata

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.color import Color as RichColor
from rich.color import ColorSystem

from softmax_tui.datasets.builtin import MAX_CLASSES
from softmax_tui.tui import palette
from softmax_tui.tui.palette import ColorMode

# Machado, Oliveira & Fernandes (2009), "A physiologically-based model for simulation of
# color vision deficiency", severity 1.0, applied to linear RGB.
DEUTERANOPIA = np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                         [-0.011820, 0.042940, 0.968881]])
PROTANOPIA = np.array([[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                       [-0.003882, -0.048116, 1.051998]])
TRITANOPIA = np.array([[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602],
                       [0.004733, 0.691367, 0.303900]])


def _linear(rgb):
    c = np.asarray(rgb, dtype=np.float64) / 255
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def _lab(linear):
    """CIELAB (D65) of linear-RGB colours."""
    to_xyz = np.array([[0.4124564, 0.3575761, 0.1804375], [0.2126729, 0.7151522, 0.0721750],
                       [0.0193339, 0.1191920, 0.9503041]])
    xyz = linear @ to_xyz.T / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 216 / 24389, np.cbrt(xyz), (24389 / 27 * xyz + 16) / 116)
    return np.column_stack([116 * f[:, 1] - 16, 500 * (f[:, 0] - f[:, 1]), 200 * (f[:, 1] - f[:, 2])])


def _min_distance(linear):
    lab = _lab(np.clip(linear, 0, 1))
    return min(np.linalg.norm(lab[i] - lab[j]) for i, j in itertools.combinations(range(len(lab)), 2))


def test_ten_distinct_colours_cover_every_dataset():
    assert palette.COLORS.shape == (palette.MAX_CLASSES, 3) and palette.COLORS.dtype == np.uint8
    assert palette.MAX_CLASSES == MAX_CLASSES == 10
    assert len({tuple(c) for c in palette.COLORS.tolist()}) == 10
    assert len(palette.COLOR_NAMES) == 10


def test_colours_stay_distinct_under_colour_blindness():
    """Every pair at least 20 CIELAB units apart for normal vision and 15 under simulated
    deuteranopia, protanopia and tritanopia: 15 is about three times the difference at which
    two flat patches next to each other are told apart, so classes differ at a glance."""
    linear = _linear(palette.COLORS)
    assert _min_distance(linear) >= 20
    for simulation in (DEUTERANOPIA, PROTANOPIA, TRITANOPIA):
        assert _min_distance(linear @ simulation.T) >= 15


def test_first_three_classes_read_red_green_blue():
    """Seed 000's red, green and blue points keep their colours."""
    red, green, blue = palette.COLORS[:3].astype(int)
    assert red.argmax() == 0 and green.argmax() == 1 and blue.argmax() == 2


def test_nearly_one_hot_vector_is_nearly_the_class_colour():
    mixed = palette.blend([0.98, 0.01, 0.01])
    assert np.abs(mixed.astype(int) - palette.COLORS[0]).max() <= 0.02 * 255


@pytest.mark.parametrize("k", range(1, 11))
def test_one_hot_blends_are_the_class_colours_exactly(k):
    np.testing.assert_array_equal(palette.blend(np.eye(k)), palette.COLORS[:k])
    np.testing.assert_array_equal(palette.map_colors(np.eye(k)), palette.COLORS[:k])


def test_red_and_blue_mix_to_purple():
    r, g, b = palette.blend([0.45, 0.1, 0.45]).astype(int)
    assert r > g and b > g


def test_blend_is_vectorized_over_a_grid():
    P = np.random.default_rng(0).dirichlet(np.ones(4), size=(5, 7))
    colours = palette.blend(P)
    assert colours.shape == (5, 7, 3) and colours.dtype == np.uint8
    np.testing.assert_array_equal(colours[3, 2], palette.blend(P[3, 2]))
    np.testing.assert_allclose(colours, P @ palette.COLORS[:4].astype(float), atol=0.5)


def test_map_colours_round_probabilities_to_levels():
    P = np.random.default_rng(1).dirichlet(np.ones(3), size=500)
    error = np.abs(palette.map_colors(P).astype(int) - palette.blend(P).astype(int))
    assert error.max() <= 3 * 255 / (2 * palette.LEVELS) + 1
    assert len(np.unique(palette.map_colors(P), axis=0)) < len(np.unique(palette.blend(P), axis=0))


def test_glyphs_are_distinct_single_cells_and_differ_from_fills_and_marks():
    sets = ((palette.GLYPHS, palette.HOLLOW_GLYPHS), (palette.ASCII_GLYPHS, palette.ASCII_HOLLOW_GLYPHS))
    for filled, hollow in sets:
        for glyphs in (filled, hollow):
            assert len(glyphs) == len(set(glyphs)) == 10
            assert all(cell_len(g) == 1 and len(g) == 1 for g in glyphs)
            assert not set(glyphs) & (set(palette.MONO_FILLS) | set("•·+[]"))
        assert not set(filled) & set(hollow)  # a validation point never reads as a training point
    assert all(g.isascii() for g in palette.ASCII_GLYPHS + palette.ASCII_HOLLOW_GLYPHS)
    # the outline of each filled shape: the Unicode names say so ("BLACK" / "WHITE" shapes)
    for k in (0, 1, 2, 3, 4, 5, 7, 8):
        filled, hollow = unicodedata.name(palette.GLYPHS[k]), unicodedata.name(palette.HOLLOW_GLYPHS[k])
        assert filled.startswith("BLACK ") and hollow == filled.replace("BLACK ", "WHITE ")
    names = [unicodedata.name(g) for g in palette.HOLLOW_GLYPHS[6::3]]  # the cross and the asterisk
    assert names == ["OUTLINED GREEK CROSS", "OPEN CENTRE ASTERISK"]
    assert len(set(palette.MONO_FILLS)) == 10 and all(cell_len(f) == 1 for f in palette.MONO_FILLS)


@pytest.mark.parametrize(
    ("system", "no_color", "mode"),
    [("truecolor", False, ColorMode.TRUECOLOR), ("256", False, ColorMode.TRUECOLOR),
     ("standard", False, ColorMode.ANSI16), ("windows", False, ColorMode.ANSI16),
     (None, False, ColorMode.MONO), ("truecolor", True, ColorMode.MONO)],
)
def test_colour_mode_follows_the_terminal(system, no_color, mode):
    assert palette.color_mode(system, no_color) is mode


def test_ansi_rgb_downgrades_back_to_its_number():
    """Rich maps these RGB values to exactly their ANSI number on a 16-colour terminal."""
    for number, rgb in enumerate(palette.ANSI_RGB.tolist()):
        assert RichColor.from_rgb(*rgb).downgrade(ColorSystem.STANDARD).number == number


def test_ansi_colours_brighten_with_confidence():
    # bright red, green and blue; then the normal ones
    np.testing.assert_array_equal(palette.ansi_number([0, 1, 2], True), [9, 10, 12])
    np.testing.assert_array_equal(palette.ansi_number([0, 1, 2], False), [1, 2, 4])
    assert palette.ansi_contrast(4) == 15 and palette.ansi_contrast(11) == 0


def test_contrast_text_is_black_on_light_and_white_on_dark():
    np.testing.assert_array_equal(palette.contrast_color(palette.COLORS[9]), [0, 0, 0])  # pale grey
    np.testing.assert_array_equal(palette.contrast_color(palette.COLORS[2]), [255, 255, 255])  # indigo
    assert palette.contrast_color(palette.COLORS).shape == (10, 3)
    assert palette.hex_color(palette.COLORS[0]) == "#cc6677"


def test_wcag_contrast_ratio():
    assert palette.contrast_ratio(palette.BLACK, palette.WHITE) == pytest.approx(21)
    assert palette.contrast_ratio([0x76] * 3, palette.WHITE) == pytest.approx(4.54, abs=0.005)  # WebAIM
    assert palette.contrast_ratio(palette.COLORS, palette.COLORS).tolist() == [1] * 10


def test_text_on_any_ansi_colour_reads():
    """Black or bright white on each of the 16 colours reaches AA (black on bright blue, the
    16-colour class 2's glyph, was 4.1:1)."""
    numbers = np.arange(16)
    text = palette.ANSI_RGB[palette.ansi_contrast(numbers)]
    assert (palette.contrast_ratio(text, palette.ANSI_RGB) >= palette.MIN_CONTRAST).all()
    assert palette.ansi_contrast(12) == 15


TERMINALS = [palette.Terminal(system, no_color) for system in ("truecolor", "256", "standard", None)
             for no_color in (False, True)]
channels = st.integers(0, 255)
colours = st.tuples(channels, channels, channels)


@given(colour=colours, background=colours, terminal=st.sampled_from(TERMINALS))
def test_readable_colours_reach_aa_as_the_terminal_shows_them(colour, background, terminal):
    readable = terminal.readable(colour, background)
    assert terminal.contrast(readable, background) >= palette.MIN_CONTRAST
    if terminal.contrast(colour, background) >= palette.MIN_CONTRAST:
        assert tuple(readable) == colour  # already readable: unchanged


@given(background=colours, terminal=st.sampled_from(TERMINALS), k=st.integers(0, 9))
def test_class_names_read_in_their_hue(background, terminal, k):
    """A class name's style reads on ``background`` (and so does its reverse, the
    highlight); its colour is the class's on the map: in 16 colours one of the two ANSI
    colours of its hue, in truecolor Tol's colour or a mix of it with black or white."""
    mode = terminal.mode
    style = terminal.class_text(mode, k, background)
    assert style.bold
    if mode is ColorMode.MONO:
        assert style.color is None and style.bgcolor is None
        return
    fg = style.color.triplet
    bg = background if style.bgcolor is None else style.bgcolor.triplet
    assert terminal.contrast(fg, bg) >= palette.MIN_CONTRAST
    colour = np.array(fg if style.bgcolor is None else bg)
    if mode is ColorMode.ANSI16:
        hues = palette.ANSI_RGB[palette.ansi_number(k, np.array([True, False]))]
        assert (hues == colour).all(axis=1).any()
    else:
        tol = palette.COLORS[k].astype(float)
        extreme = terminal.text_color(background).astype(float)
        t = np.dot(colour - tol, extreme - tol) / max(np.dot(extreme - tol, extreme - tol), 1)
        assert np.abs(tol + t * (extreme - tol) - colour).max() <= 1  # on the line from Tol's colour


def test_class_names_keep_their_colour_where_it_reads():
    dark, light = [18, 18, 18], [224, 224, 224]
    truecolor, sixteen = palette.Terminal("truecolor"), palette.Terminal("standard")
    assert truecolor.class_text(ColorMode.TRUECOLOR, 0, dark).color.name == "#cc6677"  # rose reads on black
    assert truecolor.class_text(ColorMode.TRUECOLOR, 2, dark).color.name != "#332288"  # indigo does not
    assert sixteen.class_text(ColorMode.ANSI16, 1, dark).color.name == "#55ff55"  # bright green
    blue = sixteen.class_text(ColorMode.ANSI16, 2, dark)  # no blue reads on black: a tag
    assert blue.bgcolor.name == "#5555ff" and blue.color.name == "#ffffff"
    assert sixteen.class_text(ColorMode.ANSI16, 0, light).color.name == "#aa0000"  # normal red on white
