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

from dataclasses import dataclass
from enum import Enum

import numpy as np
from rich.color import Color as RichColor
from rich.color import ColorSystem
from rich.style import Style
from rich.terminal_theme import TerminalTheme

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

#: A training point's marker, one per class; all single-cell characters.
GLYPHS: tuple[str, ...] = ("●", "▲", "■", "◆", "▼", "★", "✚", "◀", "▶", "✱")
#: A validation point's marker: the outline of its class's training glyph, so the shape
#: tells the class and the filling tells the set, in every colour mode.
HOLLOW_GLYPHS: tuple[str, ...] = ("○", "△", "□", "◇", "▽", "☆", "✙", "◁", "▷", "✲")
#: The same in ASCII, for fonts without those shapes: training, then validation (capitals
#: and letters, none of them a training glyph; the legend pairs them by class).
ASCII_GLYPHS: tuple[str, ...] = ("o", "^", "#", "*", "v", "%", "@", "&", "$", "<")
ASCII_HOLLOW_GLYPHS: tuple[str, ...] = ("O", "A", "H", "X", "V", "Z", "Q", "E", "S", "(")

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
    """WCAG 2.x relative luminance in [0, 1] of sRGB colours (..., 3) uint8
    (https://www.w3.org/TR/WCAG21/#dfn-relative-luminance)."""
    c = np.asarray(rgb, dtype=np.float64) / 255.0
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return linear @ np.array([0.2126, 0.7152, 0.0722])


#: The least contrast ratio of text to its background: WCAG 2.x level AA for normal text
#: (success criterion 1.4.3, https://www.w3.org/TR/WCAG21/#contrast-minimum).
MIN_CONTRAST = 4.5
#: :meth:`Terminal.readable` tries mixes in steps of 1/MIX_STEPS.
MIX_STEPS = 20


def contrast_ratio(a, b) -> np.ndarray:
    """The WCAG 2.x contrast ratio (L1 + 0.05) / (L2 + 0.05) of sRGB colours ``a`` and ``b``,
    L1 the lighter one's relative luminance (https://www.w3.org/TR/WCAG21/#dfn-contrast-ratio):
    1 for equal colours, 21 for black and white."""
    la, lb = luminance(a), luminance(b)
    return (np.maximum(la, lb) + 0.05) / (np.minimum(la, lb) + 0.05)


BLACK = np.array([0, 0, 0], dtype=np.uint8)
WHITE = np.array([255, 255, 255], dtype=np.uint8)


def contrast_color(rgb) -> np.ndarray:
    """Black or white (..., 3) uint8, whichever reads better on ``rgb``: black where the
    luminance exceeds 0.179, where both have the same WCAG contrast ratio (at least 4.58,
    the square root of 21, so text in it always reaches ``MIN_CONTRAST``)."""
    light = luminance(rgb) > 0.179
    return np.repeat(np.where(light, 0, 255)[..., None], 3, axis=-1).astype(np.uint8)


def ansi_number(k, confident) -> np.ndarray:
    """ANSI colour numbers (0-15) of classes ``k``: bright where ``confident``, else normal."""
    normal = np.array([_ANSI_NUMBERS[h] for h in ANSI_HUES])[np.asarray(k)]
    return normal + 8 * np.asarray(confident, dtype=np.int64)


def ansi_contrast(number) -> np.ndarray:
    """Black (0) or bright white (15) for text on ANSI colours ``number``, by
    :func:`contrast_color` of their RGB: white on black, red, yellow, blue, magenta, grey and
    bright blue, black on the rest."""
    return np.where(contrast_color(ANSI_RGB[np.asarray(number)])[..., 0] == 0, 0, 15)


def class_ansi(n: int = MAX_CLASSES) -> np.ndarray:
    """The ANSI colour numbers (n,) of the first ``n`` classes' points in 16 colours: the
    bright variant of each class's hue."""
    return ansi_number(np.arange(n), True)


def class_colors(mode: ColorMode, n: int = MAX_CLASSES) -> np.ndarray:
    """The colour (n, 3) uint8 of each of the first ``n`` classes' points on the map, and so
    of their legend and names: Tol's colours, or in 16 colours :func:`class_ansi` (as the RGB
    Rich downgrades back to its number). Without colour (``MONO``) nothing is drawn in them."""
    if mode is ColorMode.ANSI16:
        return ANSI_RGB[class_ansi(n)]
    return COLORS[:n]


#: Rich's standard palette as a terminal theme, to read back the RGB of a downgraded colour.
_ANSI_THEME = TerminalTheme((0, 0, 0), (255, 255, 255), ANSI_RGB[:8].tolist(), ANSI_RGB[8:].tolist())
_COLOR_SYSTEMS = {"truecolor": ColorSystem.TRUECOLOR, "256": ColorSystem.EIGHT_BIT,
                  "standard": ColorSystem.STANDARD, "windows": ColorSystem.WINDOWS}


@dataclass(frozen=True)
class Terminal:
    """How the terminal shows the colours Textual draws: Rich's colour system ("truecolor",
    "256", "standard", "windows", or None: Rich sends no colour) and ``no_color``
    (``NO_COLOR``: Textual greys every colour). Its colours for text keep a contrast of at
    least ``MIN_CONTRAST`` to their background as the terminal shows both."""

    color_system: str | None
    no_color: bool = False

    @classmethod
    def of(cls, app) -> Terminal:
        """The terminal of a Textual app."""
        return cls(app.console.color_system, app.no_color)

    @property
    def mode(self) -> ColorMode:
        """How the map is coloured here (see :func:`color_mode`)."""
        return color_mode(self.color_system, self.no_color)

    def shown(self, rgb) -> np.ndarray:
        """The RGB (3,) uint8 the terminal shows for ``rgb``: grey as Textual's ``NO_COLOR``
        filter makes it (``Color.monochrome``), then the nearest colour Rich can send (16
        colours read in Rich's standard palette, the one ``ANSI_RGB`` holds)."""
        r, g, b = (int(x) for x in rgb)
        if self.no_color:
            r = g = b = round(r * 0.2126 + g * 0.7152 + b * 0.0722)
        system = _COLOR_SYSTEMS.get(self.color_system, ColorSystem.TRUECOLOR)
        shown = RichColor.from_rgb(r, g, b).downgrade(system).get_truecolor(_ANSI_THEME)
        return np.array(tuple(shown), dtype=np.uint8)

    def contrast(self, a, b) -> float:
        """The contrast ratio of colours ``a`` and ``b`` as the terminal shows them."""
        return float(contrast_ratio(self.shown(a), self.shown(b)))

    def text_color(self, background) -> np.ndarray:
        """Black or white, whichever reads better on ``background`` as it is shown."""
        return contrast_color(self.shown(background))

    def readable(self, rgb, background) -> np.ndarray:
        """``rgb``, or the least mix of it with black or white (towards the one that reads on
        ``background``) that reaches ``MIN_CONTRAST`` on it: the same hue, lighter on a dark
        background and darker on a light one. Pure black or white always reaches it."""
        rgb = np.asarray(rgb, dtype=np.float64)
        target = self.text_color(background)
        for t in np.linspace(0, 1, MIX_STEPS + 1):
            mixed = np.rint(rgb + t * (target - rgb)).astype(np.uint8)
            if self.contrast(mixed, background) >= MIN_CONTRAST:
                return mixed
        return target

    def class_text(self, mode: ColorMode, k: int, background) -> Style:
        """How text naming class ``k`` is drawn on ``background`` (RGB) for a map coloured in
        ``mode``: bold, in the class's colour on the map (:func:`class_colors`) where that
        reads. Where it does not, truecolor and 256 colours lighten or darken it
        (:meth:`readable`); 16 colours take the normal variant of its hue, or else (blue on
        black, say) draw a tag: black or white on the class's colour. Without colour: bold.
        The reverse of each style, the highlight, reads as well (contrast is symmetric)."""
        if mode is ColorMode.MONO:
            return Style(bold=True)
        color = class_colors(mode, k + 1)[k]
        if mode is ColorMode.TRUECOLOR:
            return Style(color=hex_color(self.readable(color, background)), bold=True)
        for number in ansi_number(k, [True, False]).tolist():
            if self.contrast(ANSI_RGB[number], background) >= MIN_CONTRAST:
                return Style(color=hex_color(ANSI_RGB[number]), bold=True)
        return Style(color=hex_color(self.text_color(color)), bgcolor=hex_color(color), bold=True)
