"""Class colours, glyphs and fills for the decision map, in truecolor, 16 colours and no colour.

The ten class colours are Paul Tol's *muted* qualitative scheme (nine colours) plus his pale
grey, from P. Tol, "Colour Schemes", SRON technical note SRON/EPS/TN/09-002, issue 3.2
(2021), https://personal.sron.nl/~pault/ . The scheme is designed to stay distinct under the
common forms of colour blindness; ``tests/test_palette.py`` checks that every pair is still
at least 15 CIELAB units apart under simulated deuteranopia and protanopia.

The order is Tol's, except that rose, green and indigo come first, so that classes 0, 1 and 2
read as red, green and blue: seed 000's three-class picture, where a probability vector is
shown as a colour (``[0.98, 0.01, 0.01]`` nearly pure red, red and blue mixing to purple).
"""

from __future__ import annotations

from enum import Enum
from functools import cache

import numpy as np
from rich.style import Style

MAX_CLASSES = 10

#: name and RGB of each class colour (rose, green, indigo first: "red, green, blue").
COLOR_NAMES: tuple[str, ...] = (
    "rose", "green", "indigo", "sand", "cyan", "wine", "teal", "olive", "purple", "pale grey",
)  # fmt: skip
COLORS = np.array(
    [
        [0xCC, 0x66, 0x77], [0x11, 0x77, 0x33], [0x33, 0x22, 0x88], [0xDD, 0xCC, 0x77],
        [0x88, 0xCC, 0xEE], [0x88, 0x22, 0x55], [0x44, 0xAA, 0x99], [0x99, 0x99, 0x33],
        [0xAA, 0x44, 0x99], [0xDD, 0xDD, 0xDD],
    ],
    dtype=np.uint8,
)  # fmt: skip
COLORS.flags.writeable = False

#: A point's marker, one per class; all single-cell characters.
GLYPHS: tuple[str, ...] = ("●", "▲", "■", "◆", "▼", "★", "✚", "◀", "▶", "✱")
#: The same in ASCII, for fonts without those shapes.
ASCII_GLYPHS: tuple[str, ...] = ("o", "^", "#", "*", "v", "%", "@", "&", "$", "<")

#: 16-colour terminals: the nearest ANSI hue of each class colour. Only six hues are usable
#: on a map (black is the background, white is class 9's grey), so classes 6-8 repeat the
#: hues of 4, 3 and 5; their points still differ by glyph.
ANSI_HUES: tuple[str, ...] = (
    "red", "green", "blue", "yellow", "cyan", "magenta", "cyan", "yellow", "magenta", "white",
)  # fmt: skip
_ANSI_NUMBERS = {
    "black": 0, "red": 1, "green": 2, "yellow": 3, "blue": 4, "magenta": 5, "cyan": 6, "white": 7,
}  # fmt: skip
#: The RGB Rich assumes for ANSI colours 0-15 when it downgrades truecolor to 16 colours
#: (``rich._palettes.STANDARD_PALETTE``). Drawing ANSI colours as these exact RGB values
#: makes the downgrade give back the same ANSI number, which the terminal then shows in its
#: own palette; Textual would otherwise first re-map ANSI colours through its theme.
ANSI_RGB = np.array(
    [
        [0, 0, 0], [170, 0, 0], [0, 170, 0], [170, 85, 0], [0, 0, 170], [170, 0, 170], [0, 170, 170],
        [170, 170, 170], [85, 85, 85], [255, 85, 85], [85, 255, 85], [255, 255, 85], [85, 85, 255],
        [255, 85, 255], [85, 255, 255], [255, 255, 255],
    ],
    dtype=np.uint8,
)  # fmt: skip
ANSI_RGB.flags.writeable = False
#: A 16-colour region is drawn in the bright variant of its hue where the winning
#: probability reaches this, in the normal (darker) variant nearer the boundaries.
CONFIDENT = 0.75

#: Without colour, a cell is filled with its most probable class's character.
MONO_FILLS: tuple[str, ...] = (" ", "░", "▒", "▓", ":", "-", "=", "'", "~", '"')


class ColorMode(Enum):
    """How the map is coloured: blended RGB, ANSI colour of the winning class, or none."""

    TRUECOLOR = "truecolor"
    ANSI16 = "ansi16"
    MONO = "mono"


def color_mode(color_system: str | None, no_color: bool) -> ColorMode:
    """The mode for a Rich colour system ("truecolor", "256", "standard", "windows" or None)
    and Textual's ``App.no_color`` (set by the ``NO_COLOR`` environment variable).

    256 colours blend well enough (Rich maps each RGB to the nearest of the 6x6x6 cube);
    16 colours do not, so they show the winning class instead.
    """
    if no_color or color_system is None:
        return ColorMode.MONO
    if color_system in ("standard", "windows"):
        return ColorMode.ANSI16
    return ColorMode.TRUECOLOR


def hex_color(rgb) -> str:
    """An RGB triple as ``#rrggbb``."""
    r, g, b = (int(x) for x in rgb)
    return f"#{r:02x}{g:02x}{b:02x}"


@cache
def class_style(k: int) -> Style:
    """Class ``k``'s colour in bold: how the panels name a class."""
    return Style(color=hex_color(COLORS[k % len(COLORS)]), bold=True)


def blend(P, colors: np.ndarray = COLORS) -> np.ndarray:
    """The colour of probability vectors ``P`` (..., K): ``P @ colors[:K]``, as (..., 3) uint8.

    A one-hot vector gives its class colour exactly; ``[0.98, 0.01, 0.01]`` is 98% class 0.
    """
    P = np.asarray(P, dtype=np.float64)
    mixed = P @ np.asarray(colors[: P.shape[-1]], dtype=np.float64)
    return np.clip(np.rint(mixed), 0, 255).astype(np.uint8)


#: The map shows probabilities rounded to multiples of 1/LEVELS before blending: invisible
#: in a terminal cell, and it turns smooth gradients into runs of equal cells, which Textual
#: draws as one segment each. Confident regions keep their exact class colour.
LEVELS = 32


def map_colors(P, levels: int = LEVELS) -> np.ndarray:
    """The colours drawn on the map for probability vectors ``P``: ``blend`` of ``P`` rounded
    to multiples of ``1 / levels`` (at most ``K * 255 / (2 levels)`` off the exact blend)."""
    return blend(np.rint(np.asarray(P, dtype=np.float64) * levels) / levels)


def luminance(rgb) -> np.ndarray:
    """WCAG relative luminance in [0, 1] of sRGB colours (..., 3) uint8."""
    c = np.asarray(rgb, dtype=np.float64) / 255.0
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return linear @ np.array([0.2126, 0.7152, 0.0722])


def contrast_color(rgb) -> np.ndarray:
    """Black or white (..., 3) uint8, whichever reads better on ``rgb``: black where the
    luminance exceeds 0.179, where both have the same WCAG contrast ratio."""
    light = luminance(rgb) > 0.179
    return np.repeat(np.where(light, 0, 255)[..., None], 3, axis=-1).astype(np.uint8)


def ansi_number(k, confident) -> np.ndarray:
    """ANSI colour numbers (0-15) of classes ``k``: bright where ``confident``, else normal."""
    normal = np.array([_ANSI_NUMBERS[h] for h in ANSI_HUES])[np.asarray(k)]
    return normal + 8 * np.asarray(confident, dtype=np.int64)


def ansi_contrast(number) -> np.ndarray:
    """Black (0) or bright white (15) for text on ANSI colours ``number``: black on the
    bright colours and on normal green, yellow, cyan and white; white on the rest."""
    number = np.asarray(number)
    dark = np.isin(number, [0, 1, 4, 5, 8])
    return np.where(dark, 15, 0)
