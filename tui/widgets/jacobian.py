"""The Jacobian panel: the forward and backward pass of softmax regression at one point, live.

For a training point (with its true class y): x, z = W x + b, a = softmax(z), the K x K
Jacobian J = diag(a) - a aᵀ, dL/da = -y/a, the chain rule J·dL/da beside the fused a - y
with a check mark where they agree, and the per-sample gradient (a - y) xᵀ. At a free
location there is no label, so only x, z, a and J. Every number is the engine's
(:func:`softmax_tui.engine.explain_point`). When the model does not read the raw row itself
(standardization, feature transforms), the raw row (``raw``: the data's columns, before any
transform) is shown beside x, or under it, column under column, when the two do not fit on a line.

The panel lays them out in columns measured in terminal cells, every number after a space
(numbers never run together, whatever their size), as blocks that sit side by side while
they fit the width and stack below when not; a matrix wider than the panel is shown in
ranges of its columns. It shows everything when it can: with three decimals, else two,
else with class names cut (never fewer than ``NAME_FLOOR`` cells, never two alike). When
even that is too tall it gives the names all the room they have, takes the decimals that
leave the fewest lines, and scrolls: the subtitle says how many lines are in view
(``9/17 ↕``, and once scrolled which: ``9–17/17 ↕``); the wheel and the page keys scroll.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np
from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.strip import Strip

from softmax_tui.engine import PointExplanation

from ..cells import MIN_CUT_CELLS, distinct_names
from ..numbers import fixed
from .lines import SUBTITLE_MARGIN, LinesView

DECIMALS = (3, 2)  # digits after the point, the most first; fewer when that makes everything fit
NAME_FLOOR = 4  # class names are cut to no fewer cells than this to make everything fit
MAX_COLUMNS = 8  # x and (a - y) xᵀ show this many features, then say how many there are
GAP = 2
AGREE, DISAGREE, UNDEFINED = "✓", "✗", "·"
NOT_A_NUMBER = "—"  # a cell float64 cannot hold (see JacobianPanel._backward)
HIGHLIGHT = Style(reverse=True, underline=True)  # the true class's label
HEADING = Style(bold=True)


@dataclass(frozen=True, eq=False)
class Subject:
    """What the panel explains: the engine's explanation plus the words around it."""

    explanation: PointExplanation
    title: str  # "point 1/20" or "cursor (x1, x2) = (+0.10, -0.40)"
    #: The raw row x came from (the data's columns, before feature transforms and
    #: standardization), or None when the model reads the raw row itself.
    raw: np.ndarray | None = None


Line = list[Segment]  # one line of the body, in styles to put over the panel's base style
Names = tuple[str, ...] | None  # class names as shown (None: the class numbers alone)


def shortest(value: float) -> int:
    """The fewest characters :func:`fixed` writes ``value`` in: with no decimals, in fixed
    point or scientific notation, whichever is shorter (``+2696``, ``-1e+150``)."""
    return min(len(f"{value:+.0f}"), len(f"{value:+.0e}"))


def widest(values) -> int:
    """:func:`shortest` of the largest finite number of ``values`` (0 when there is none)."""
    magnitudes = np.abs(np.asarray(values, dtype=np.float64)).ravel()
    return shortest(float(magnitudes[np.isfinite(magnitudes)].max(initial=0.0)))


def magnitudes(e: PointExplanation) -> tuple[int, ...]:
    """:func:`widest` of each group of ``e``'s numbers that share a column width (x, z, L,
    the backward pass, the gradient; J is at most 1), or less when every column holds it:
    the layout depends on the values through these alone."""
    groups = [e.x, e.z]
    if e.label is not None:
        groups += [[e.loss], [e.dL_da, e.dL_dz_chain, e.dL_dz], e.dL_dW]
    narrowest = Digits(min(DECIMALS)).number - 1
    return tuple(max(widest(group), narrowest) for group in groups)


@dataclass(frozen=True)
class Digits:
    """The number columns at ``decimals`` digits after the point, wide enough for a number
    of ``widest`` characters (:meth:`fitting`); every width counts the space in front."""

    decimals: int
    widest: int = 0

    def fitting(self, values) -> Digits:
        """These digits in columns wide enough for every one of ``values``."""
        return replace(self, widest=widest(values))

    @property
    def number(self) -> int:
        return max(self.decimals + 4, self.widest + 1)  # " +6.699"

    @property
    def probability(self) -> int:
        return self.decimals + 3  # " 0.992"

    @property
    def loss(self) -> int:
        return max(self.decimals + 5, self.widest + 1)  # " +0.0262": the loss has one decimal more

    def value(self, value: float, width: int | None = None, decimals: int | None = None) -> str:
        """``value`` in ``width`` cells (a number column's by default) after at least one space."""
        width = self.number if width is None else width
        return " " + fixed(value, width - 1, self.decimals if decimals is None else decimals)

    def values(self, values: Sequence[float]) -> str:
        return "".join(self.value(v) for v in values)


@dataclass(frozen=True)
class Block:
    """A titled column group of ``K`` (or so) rows, all padded to one width."""

    title: str
    rows: list[Line]

    @cached_property
    def width(self) -> int:
        return max([cell_len(self.title), *(Segment.get_line_length(row) for row in self.rows)])

    def line(self, i: int) -> Line:
        """Line ``i`` (0 is the title) padded to the block's width."""
        line = [Segment(self.title, HEADING)] if i == 0 else self.rows[i - 1] if i - 1 < len(self.rows) else []
        pad = self.width - Segment.get_line_length(line)
        return [*line, Segment(" " * pad)] if pad else line


def column(title: str, digits: Digits) -> int:
    """The width of a number column headed ``title``: a number's, or the title's after a space."""
    return max(digits.number, cell_len(title) + 1)


def column_ranges(count: int, per_line: int) -> list[range]:
    """``count`` columns in as few ranges of at most ``per_line`` as it takes, evenly."""
    parts = math.ceil(count / max(per_line, 1))
    size = math.ceil(count / parts)
    return [range(start, min(start + size, count)) for start in range(0, count, size)]


def matrix(title: str, values: np.ndarray, total: int, digits: Digits, width: int) -> list[Block]:
    """``values`` (rows of numbers, the first of ``total`` columns) under ``title``; split
    into ranges of columns ("columns 1–5") when the rows are wider than ``width``."""
    digits = digits.fitting(values)
    ranges = column_ranges(values.shape[1], width // digits.number)
    blocks = []
    for columns in ranges:
        heading = title
        if len(ranges) > 1 or total > values.shape[1]:
            heading += f", columns {columns.start + 1}–{columns.stop}" + (f" of {total}" if total > values.shape[1] else "")
        blocks.append(Block(heading, [[Segment(digits.values(row[columns.start:columns.stop]))] for row in values]))
    return blocks


def underflowed(e: PointExplanation) -> bool:
    """dL/da or J·dL/da is not a float64 number (see :meth:`JacobianPanel._backward`)."""
    return e.label is not None and not (np.isfinite(e.dL_da).all() and np.isfinite(e.dL_dz_chain).all())


def flow(blocks: list[Block], width: int) -> list[Line]:
    """Blocks left to right while they fit in ``width``, then on a new band below."""
    bands: list[list[Block]] = [[]]
    used = 0
    for block in blocks:
        need = block.width + (GAP if bands[-1] else 0)
        if bands[-1] and used + need > width:
            bands.append([])
            used, need = 0, block.width
        bands[-1].append(block)
        used += need
    lines = []
    gap = Segment(" " * GAP)
    for band in bands:
        height = 1 + max(len(block.rows) for block in band)
        for i in range(height):
            line: Line = []
            for j, block in enumerate(band):
                if j:
                    line.append(gap)
                line += block.line(i)
            lines.append(line)
    return lines


class JacobianPanel(LinesView):
    """Shows a :class:`Subject` handed over by :meth:`show`; never trains."""

    #: What the panel shows, for explain mode (``e``).
    EXPLAIN = (
        "x: the model's input, standardized, (raw - mean) / scale; raw: the data's columns "
        "(before transforms such as x1^2). z = W x + b, a = softmax(z), L = -log a_y (y, the "
        "true class, highlighted). J = diag(a) - a aᵀ = da/dz; J·dL/da = a - y (✓). "
        "dL/dW = (a - y) xᵀ: this point's gradient."
    )

    COMPONENT_CLASSES = {"jacobian--agrees", "jacobian--disagrees"}

    DEFAULT_CSS = """
    JacobianPanel {
        & > .jacobian--agrees { color: $success; text-style: bold; }
        & > .jacobian--disagrees { color: $error; text-style: bold; }
    }
    """

    def __init__(self, class_names: Sequence[str], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = "Jacobian"
        self.class_names = tuple(class_names)
        self._subject: Subject | None = None
        self._layout: tuple[tuple, tuple[Digits, Names]] | None = None  # the last shape and its layout

    def show(self, subject: Subject) -> None:
        self._subject = subject
        self.rebuild()

    def rebuild(self) -> None:
        region = self.scrollable_content_region
        if self._subject is None or region.width <= 0:
            return
        base = self.base_style
        self.set_lines([Strip([Segment(text, base + style) for text, style, _ in line])
                        for line in self.body(self._subject, region.width, region.height)])
        self.set_subtitle(self.subtitle(self._subject))

    # -- content -----------------------------------------------------------------------------

    def body(self, subject: Subject, width: int, height: int) -> list[Line]:
        """The lines of ``subject`` for a ``width`` x ``height`` panel, laid out as
        :meth:`_choose` says (which it says again only when the size or the shape changes:
        the numbers' widths depend on their values through :func:`magnitudes` alone)."""
        e = subject.explanation
        raw = subject.raw
        shape = (width, height, e.label is None, len(e.x), underflowed(e), magnitudes(e),
                 None if raw is None else (len(raw), widest(raw[:MAX_COLUMNS])))
        if self._layout is None or self._layout[0] != shape:
            self._layout = (shape, self._choose(e, raw, width, height))
        digits, names = self._layout[1]
        return self._arrange(e, digits, names, self._blocks(e, raw, digits, width), width)

    def _choose(self, e: PointExplanation, raw: np.ndarray | None, width: int, height: int) -> tuple[Digits, Names]:
        """The digits and class names of the first layout (the most legible first) that shows
        everything within ``width`` x ``height``; else, with names in all the room they
        have, the digits that scroll the fewest lines (the most when that is a tie)."""
        shortest: tuple[int, Digits, Names] | None = None
        for digits in map(Digits, DECIMALS):
            blocks = self._blocks(e, raw, digits, width)
            choices = self._name_choices(e, digits, width, shrink=digits.decimals == DECIMALS[-1])
            for cut, names in enumerate(choices):
                lines = self._arrange(e, digits, names, blocks, width)
                if len(lines) <= height and max(map(Segment.get_line_length, lines)) <= width:
                    return digits, names
                if not cut and (shortest is None or len(lines) < shortest[0]):
                    shortest = (len(lines), digits, names)
        return shortest[1:]

    def _blocks(self, e: PointExplanation, raw: np.ndarray | None, digits: Digits,
                width: int) -> tuple[list[Line], list[Block]]:
        """The lines of x (and the raw row), and every block after the forward pass's (which
        holds the names)."""
        blocks = self._jacobian(e, digits, width)
        if e.label is not None:
            blocks += [self._backward(e, digits)] + self._gradient(e, digits, width)
        return self._inputs(e.x, raw, digits, width), blocks

    def _arrange(self, e: PointExplanation, digits: Digits, names: Names, blocks: tuple[list[Line], list[Block]],
               width: int) -> list[Line]:
        x, others = blocks
        return x + flow([self._forward(e, digits, names), *others], width)

    def subtitle(self, subject: Subject) -> Text:
        """Which lines are in view when the panel scrolls, the point and its true class."""
        e = subject.explanation
        cue = self.scroll_cue()
        words = Text(f"{cue} · " if cue else "")
        if e.label is None:
            return words.append(f"{subject.title} · no label here")
        words.append(f"{subject.title} · y = ")
        return words.append(self._subtitle_name(e.label, self.size.width - SUBTITLE_MARGIN - words.cell_len),
                            self.class_style(e.label))

    def _subtitle_name(self, label: int, room: int) -> str:
        """Class ``label``'s name in the ``room`` cells the subtitle has left: whole, or cut
        so that it reads like no other class's name (:func:`distinct_names`), or, with no
        room for that, the class's number."""
        name = self.class_names[label]
        if cell_len(name) <= room:
            return name
        names = distinct_names(self.class_names, room) if room >= MIN_CUT_CELLS else None
        return names[label] if names else str(label + 1)

    def _name_choices(self, e: PointExplanation, digits: Digits, width: int, *, shrink: bool) -> Iterator[Names]:
        """The class names as the forward block shows them: in all the room it has alone in
        ``width`` (None: no room, the class numbers only), then, if ``shrink``, cut shorter
        and shorter down to ``NAME_FLOOR`` cells."""
        z, loss = self._forward_digits(e, digits)
        room = width - len(str(len(self.class_names))) - 1 - z.number - digits.probability - (loss.loss if loss else 0)
        cells = min(room, max(map(cell_len, self.class_names), default=0))
        yield distinct_names(self.class_names, cells) if cells > 0 else None
        if shrink:
            for cells in range(cells - 1, NAME_FLOOR - 1, -1):
                if (names := distinct_names(self.class_names, cells)) is not None:
                    yield names

    def _inputs(self, x: np.ndarray, raw: np.ndarray | None, digits: Digits, width: int) -> list[Line]:
        """The model input x, and the ``raw`` row it came from (when there is one): on one
        line side by side when both fit there (``x = -0.90 +1.02  raw = +5.10 +3.50``), else
        x's lines above raw's, their labels right-aligned (and, for as many columns, their
        numbers in columns of one width, so that each raw value is under its x)."""
        x_digits = digits.fitting(x[:MAX_COLUMNS])
        if raw is None:
            return [[Segment(line)] for line in self._row("x =", x, x_digits, width)]
        raw_digits = digits.fitting(raw[:MAX_COLUMNS])
        x_line, raw_line = self._row("x =", x, x_digits, width), self._row("raw =", raw, raw_digits, width)
        if len(x_line) == len(raw_line) == 1 and cell_len(x_line[0]) + GAP + cell_len(raw_line[0]) <= width:
            return [[Segment(x_line[0] + " " * GAP + raw_line[0])]]
        if len(x) == len(raw):
            x_digits = raw_digits = digits.fitting(np.concatenate([x[:MAX_COLUMNS], raw[:MAX_COLUMNS]]))
        lines = self._row("  x =", x, x_digits, width) + self._row("raw =", raw, raw_digits, width)
        return [[Segment(line)] for line in lines]

    @staticmethod
    def _row(label: str, x: np.ndarray, digits: Digits, width: int) -> list[str]:
        """``label`` and the first ``MAX_COLUMNS`` values of ``x`` in ``digits``' columns, on
        as many lines as ``width`` takes, then how many more there are."""
        shown = x[:MAX_COLUMNS]
        indent = " " * cell_len(label)
        ranges = column_ranges(len(shown), (width - len(indent)) // digits.number) if len(shown) else [range(0)]
        lines = [(label if i == 0 else indent) + digits.values(shown[r.start:r.stop]) for i, r in enumerate(ranges)]
        if len(x) > MAX_COLUMNS:
            more = f"  … {len(x) - MAX_COLUMNS} more"
            if cell_len(lines[-1] + more) <= width:
                lines[-1] += more
            else:
                lines.append(indent + more)
        return lines

    @staticmethod
    def _forward_digits(e: PointExplanation, digits: Digits) -> tuple[Digits, Digits | None]:
        """The digits of the z column and of the loss's (None without a label)."""
        return digits.fitting(e.z), None if e.label is None else digits.fitting([e.loss])

    def _forward(self, e: PointExplanation, digits: Digits, names: Names) -> Block:
        """z and a per class, after its number and name (in ``names``' cells); the true
        class's label is shown inverted, and its row ends with the loss L = -log a_y."""
        z, loss = self._forward_digits(e, digits)
        number_cells = len(str(len(e.z)))
        name_cells = max(map(cell_len, names)) if names else 0
        rows = []
        for k in range(len(e.z)):
            label = f"{k + 1:>{number_cells}}" + (" " + set_cell_size(names[k], name_cells) if name_cells else "")
            style = self.class_style(k) + (HIGHLIGHT if k == e.label else Style())
            values = z.value(e.z[k]) + f"{e.a[k]:{digits.probability}.{digits.decimals}f}"
            if k == e.label:
                values += loss.value(e.loss, loss.loss, digits.decimals + 1)
            rows.append([Segment(label, style), Segment(values)])
        title = set_cell_size("k", number_cells + (1 + name_cells if name_cells else 0))
        title += "z".rjust(z.number) + "a".rjust(digits.probability)
        return Block(title + ("L".rjust(loss.loss) if loss else ""), rows)

    @staticmethod
    def _jacobian(e: PointExplanation, digits: Digits, width: int) -> list[Block]:
        return matrix("J = diag(a) - a aᵀ", e.jacobian, len(e.z), digits, width)

    def _backward(self, e: PointExplanation, digits: Digits) -> Block:
        """dL/da, the chain rule J·dL/da and the fused a - y, with a mark where they agree.

        When the true class's probability underflows to 0 (logits some 1e300 apart),
        dL/da = -y/a is -inf and J·dL/da is 0·inf: not float64 numbers. Those cells read
        "—", the mark "·", and a last row says why; a - y stays exact."""
        digits = digits.fitting([e.dL_da, e.dL_dz_chain, e.dL_dz])
        titles = ("dL/da", "J·dL/da", "a - y")
        widths = [column(title, digits) for title in titles]
        agree = np.isclose(e.dL_dz_chain, e.dL_dz, rtol=1e-9, atol=1e-12)
        agrees, disagrees = self.component_style("jacobian--agrees"), self.component_style("jacobian--disagrees")
        defined = np.isfinite(e.dL_dz_chain)

        def cell(value: float, width: int) -> str:
            return digits.value(value, width) if np.isfinite(value) else NOT_A_NUMBER.rjust(width)

        rows = []
        for k in range(len(e.z)):
            values = cell(e.dL_da[k], widths[0]) + cell(e.dL_dz_chain[k], widths[1]) + digits.value(e.dL_dz[k], widths[2])
            if not defined[k]:
                mark = Segment(f" {UNDEFINED}")
            else:
                mark = Segment(f" {AGREE}", agrees) if agree[k] else Segment(f" {DISAGREE}", disagrees)
            rows.append([Segment(values), mark])
        if underflowed(e):
            rows.append([Segment(f"{NOT_A_NUMBER} a_y underflowed to 0")])
        return Block("".join(title.rjust(width) for title, width in zip(titles, widths)), rows)

    @staticmethod
    def _gradient(e: PointExplanation, digits: Digits, width: int) -> list[Block]:
        return matrix("dL/dW = (a - y) xᵀ", e.dL_dW[:, :MAX_COLUMNS], e.dL_dW.shape[1], digits, width)
