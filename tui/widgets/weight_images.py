"""Each class's weights drawn as an image, for data whose rows are images (digits: 8 x 8).

Softmax regression's weight row ``W[k]`` scores every pixel for class k, so laid out in the
image's shape it is a template of the class: positive where ink raises the class's logit,
negative where ink lowers it. Pixels are drawn two to a cell, as half blocks ("▀", the upper
pixel's colour over the lower one's), in diverging colours on one scale shared by every
class: towards the positive colour above zero, towards the negative colour below, the
background at zero. With 16 colours: the plain and bright ANSI colour of each sign, by
magnitude (a pixel within a third of the scale is the background); without colour: one
character per pixel (so twice as many rows), from ``=`` (strongly negative) through ``-``,
blank and ``+`` to ``#`` (strongly positive).

Above each image: the class's name and its bias ``b[k]``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from rich.cells import cell_len
from rich.color import Color
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from .. import cells
from ..palette import ANSI_RGB, ColorMode

HALF_BLOCK, LOWER_HALF_BLOCK = "▀", "▄"
#: Without colour, a cell's mean value from -scale to +scale in five even steps.
MONO_CELLS = "=- +#"
#: With 16 colours: (weak, strong) ANSI numbers of each sign, the panel's blue and yellow.
ANSI_POSITIVE, ANSI_NEGATIVE = (4, 12), (3, 11)
GAP = 1  # cells between two images


MAX_ZOOM = 4  # cells per pixel across, at most
#: The colour scale is this quantile of |W|: a few large weights (a pixel that is ink in one
#: class only) would otherwise leave every other pixel near the background. Beyond it, full colour.
SCALE_QUANTILE = 0.95


def layout_fits(image_shape: tuple[int, int], width: int) -> bool:
    """Whether one image and its label fit in ``width`` cells."""
    return width >= image_shape[1]


def colour_scale(W: np.ndarray) -> float:
    """The value drawn in full colour: :data:`SCALE_QUANTILE` of |W| (0 for all-zero weights)."""
    return float(np.quantile(np.abs(W), SCALE_QUANTILE)) if W.size else 0.0


def zoom(image_shape: tuple[int, int], K: int, width: int, height: int, mode: ColorMode) -> int:
    """The most cells per pixel across (1 to :data:`MAX_ZOOM`) at which the K images and their
    labels fit in ``width`` x ``height`` cells, two pixel rows to a line (one without colour);
    1 when even that does not fit (the panel scrolls)."""
    h, w = image_shape
    rows_per_line = 1 if mode is ColorMode.MONO else 2
    for z in range(MAX_ZOOM, 1, -1):
        per_row = (width + GAP) // (w * z + GAP)
        if per_row and -(-K // per_row) * (1 + -(-h * z // rows_per_line)) <= height:
            return z
    return 1


def weight_images(W: np.ndarray, b: np.ndarray, scale: float, image_shape: tuple[int, int], z: int,
                  class_names: Sequence[str], width: int, mode: ColorMode, base: Style,
                  colours: tuple[np.ndarray, np.ndarray, np.ndarray] | None, label_style: Sequence[Style]
                  ) -> list[Strip]:
    """The lines of ``W`` (K, h*w) drawn as K images of ``image_shape`` (h, w), as many side by
    side as fit in ``width`` cells, under labels "name b": ``scale`` > 0 is the value of full
    colour; ``colours`` (positive, negative, background) are RGB triples (None without colour); ``label_style[k]``
    names class k. A ValueError when W's columns are not h*w pixels."""
    h, w = image_shape
    K = W.shape[0]
    if W.shape[1] != h * w:
        raise ValueError(f"{W.shape[1]} weights per class are not {h} x {w} pixels")
    t = np.clip(np.asarray(W, dtype=np.float64) / scale if scale > 0 else np.zeros(W.shape), -1.0, 1.0)
    # rows repeated z times; across, each pixel's cell is drawn z cells wide (not computed z times)
    images = t.reshape(K, h, w).repeat(z, axis=1)
    per_row = max(1, (width + GAP) // (w * z + GAP))
    mono = mode is ColorMode.MONO
    if not mono and images.shape[1] % 2:  # an odd image gets a blank lower half row
        images = np.concatenate([images, np.zeros((K, 1, images.shape[2]))], axis=1)
    lines: list[Strip] = []
    for first in range(0, K, per_row):
        group = range(first, min(K, first + per_row))
        lines.append(Strip(_joined([[Segment(_label(class_names[k], float(b[k]), w * z), label_style[k])]
                                    for k in group], base)))
        for row in range(0, images.shape[1], 1 if mono else 2):
            if mono:
                cells_of = [[Segment(_mono(images[k, row], z), base)] for k in group]
            else:
                cells_of = [_cells(images[k, row], images[k, row + 1], z, mode, base, colours) for k in group]
            lines.append(Strip(_joined(cells_of, base)))
    return lines


def _label(name: str, bias: float, w: int) -> str:
    """``name`` and the bias in ``w`` cells: the bias to two decimals when both fit, else the
    name alone (cut visibly)."""
    value = f"{bias:+.2f}"
    if cell_len(name) + 1 + len(value) <= w:
        return name + " " * (w - cell_len(name) - len(value)) + value
    shown = cells.cut(name, w)
    return shown + " " * (w - cell_len(shown))


def _joined(images: list[list[Segment]], base: Style) -> list[Segment]:
    segments: list[Segment] = []
    for i, image in enumerate(images):
        if i:
            segments.append(Segment(" " * GAP, base))
        segments.extend(image)
    return segments


def _mono(pixels: np.ndarray, z: int) -> str:
    """One row of pixel values in [-1, 1] as :data:`MONO_CELLS` characters, ``z`` per pixel."""
    index = np.clip(np.round((pixels + 1) * 2).astype(int), 0, len(MONO_CELLS) - 1)
    return "".join(MONO_CELLS[i] * z for i in index.tolist())


def _cells(upper: np.ndarray, lower: np.ndarray, z: int, mode: ColorMode, base: Style,
           colours: tuple[np.ndarray, np.ndarray, np.ndarray]) -> list[Segment]:
    """One row of half-block cells from two rows of pixel values in [-1, 1], ``z`` cells
    across per pixel."""
    if mode is ColorMode.ANSI16:
        return [_ansi_cell(u, v, z, base) for u, v in zip(upper.tolist(), lower.tolist())]
    return [Segment(HALF_BLOCK * z, base + Style(color=_truecolor(u, colours), bgcolor=_truecolor(v, colours)))
            for u, v in zip(upper.tolist(), lower.tolist())]


def _truecolor(t: float, colours: tuple[np.ndarray, np.ndarray, np.ndarray]) -> Color:
    positive, negative, background = colours
    end = positive if t > 0 else negative
    rgb = background + abs(t) * (end.astype(np.float64) - background)
    return Color.from_rgb(*(int(round(x)) for x in rgb))


def _ansi(t: float) -> Color | None:
    """The weak or strong ANSI colour of the sign beyond a third of the scale; None (the
    background) within it."""
    if abs(t) < 1 / 3:
        return None
    weak, strong = ANSI_POSITIVE if t > 0 else ANSI_NEGATIVE
    # as the RGB of Rich's standard palette, which the 16-colour terminal's output maps back to
    # that very ANSI colour (an ANSI number itself would go through Textual's theme)
    return Color.from_rgb(*ANSI_RGB[strong if abs(t) >= 2 / 3 else weak].tolist())


def _ansi_cell(upper: float, lower: float, z: int, base: Style) -> Segment:
    """``z`` cells of two pixels in ANSI colours; a pixel of the background colour is left
    unpainted (the terminal's own background cannot be named as a foreground), so the cell is
    a lower half block, an upper one on the background, or blank."""
    top, bottom = _ansi(upper), _ansi(lower)
    if top is None and bottom is None:
        return Segment(" " * z, base)
    if top is None:
        return Segment(LOWER_HALF_BLOCK * z, base + Style(color=bottom))
    return Segment(HALF_BLOCK * z, base + Style(color=top, bgcolor=bottom))
