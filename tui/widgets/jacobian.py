"""The Jacobian panel: the forward and backward pass of softmax regression at one point, live.

For a training point (with its true class y): x, z = W x + b, a = softmax(z), the K x K
Jacobian J = diag(a) - a aᵀ, dL/da = -y/a, the chain rule J·dL/da beside the fused a - y
with a check mark where they agree, and the per-sample gradient (a - y) xᵀ. At a free
location there is no label, so only x, z, a and J. Every number is the engine's
(:func:`softmax_tui.engine.explain_point`); the panel lays them out in fixed-width columns,
as blocks that sit side by side when the panel is wide and stack (and scroll) when not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.strip import Strip

from softmax_tui.engine import PointExplanation

from ..numbers import fixed
from .lines import LinesView

NUMBER = 7  # width of one number column: " +6.699"
PROBABILITY = 6  # " 0.992"
LOSS = 8  # " +0.0262"
NAME = 6  # class names are cut to this
MAX_COLUMNS = 8  # x and (a - y) xᵀ show this many features, then say how many more
GAP = 2
AGREE, DISAGREE, UNDEFINED = "✓", "✗", "·"
NOT_A_NUMBER = "—"  # a cell float64 cannot hold (see JacobianPanel._backward)
HIGHLIGHT = Style(reverse=True, underline=True)  # the true class's label


@dataclass(frozen=True, eq=False)
class Subject:
    """What the panel explains: the engine's explanation plus the words around it."""

    explanation: PointExplanation
    title: str  # "point 1/20" or "cursor (x1, x2) = (+0.10, -0.40)"


Line = list[Segment]  # one line of the body, in styles to put over the panel's base style
HEADING = Style(bold=True)


@dataclass(frozen=True)
class Block:
    """A titled column group of ``K`` (or so) rows, all padded to one width."""

    title: str
    rows: list[Line]

    @cached_property
    def width(self) -> int:
        return max([len(self.title), *(Segment.get_line_length(row) for row in self.rows)])

    def line(self, i: int) -> Line:
        """Line ``i`` (0 is the title) padded to the block's width."""
        line = [Segment(self.title, HEADING)] if i == 0 else self.rows[i - 1] if i - 1 < len(self.rows) else []
        pad = self.width - Segment.get_line_length(line)
        return [*line, Segment(" " * pad)] if pad else line


def numbers(values: Sequence[float], width: int = NUMBER) -> str:
    return "".join(fixed(v, width) for v in values)


def cell(value: float, width: int) -> str:
    """``value`` in ``width`` characters, or "—" when it is not a finite number."""
    return fixed(value, width) if np.isfinite(value) else NOT_A_NUMBER.rjust(width)


def clipped(values: np.ndarray) -> tuple[np.ndarray, str]:
    """At most ``MAX_COLUMNS`` values, and a note on how many are left out."""
    if len(values) <= MAX_COLUMNS:
        return values, ""
    return values[:MAX_COLUMNS], f"  … {len(values) - MAX_COLUMNS} more"


class JacobianPanel(LinesView):
    """Shows a :class:`Subject` handed over by :meth:`show`; never trains."""

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
        width = min(NAME, max((len(name) for name in self.class_names), default=0))
        self._class_labels = [f"{k + 1} {name[:width]:<{width}}" for k, name in enumerate(self.class_names)]
        self._subject: Subject | None = None

    def show(self, subject: Subject) -> None:
        self._subject = subject
        self.rebuild()

    def rebuild(self) -> None:
        width = self.scrollable_content_region.width
        if self._subject is None or width <= 0:
            return
        self.set_subtitle(self.subtitle(self._subject))
        base = self.base_style
        self.set_lines([Strip([Segment(text, base + style) for text, style, _ in line])
                        for line in self.body(self._subject, width)])

    # -- content -----------------------------------------------------------------------------

    def class_label(self, k: int) -> Segment:
        """Class ``k``'s number and name (cut to ``NAME``), in its colour."""
        return Segment(self._class_labels[k], self.class_style(k))

    def body(self, subject: Subject, width: int) -> list[Line]:
        """``x`` on the first line, then the blocks; the subtitle names the point."""
        e = subject.explanation
        x, more = clipped(e.x)
        lines = [[Segment(f"x ={numbers(x)}{more}")]]
        blocks = [self._forward(e), self._jacobian(e)]
        if e.label is not None:
            blocks += [self._backward(e), self._gradient(e)]
        return lines + self._flow(blocks, width)

    def subtitle(self, subject: Subject) -> Text:
        """The point and its true class (which changes only with the selection, so the
        border is not redrawn while training runs)."""
        e = subject.explanation
        if e.label is None:
            return Text(f"{subject.title} · no label here")
        name = self.class_names[e.label]
        return Text.assemble(f"{subject.title} · y = ", (name, self.class_label(e.label).style))

    def _forward(self, e: PointExplanation) -> Block:
        """z and a per class; the true class's label is shown inverted, and its row ends
        with the loss L = -log a_y."""
        rows = []
        for k in range(len(e.z)):
            label = self.class_label(k)
            values = " " + numbers([e.z[k]]) + f"{e.a[k]:{PROBABILITY}.3f}"
            if k == e.label:
                label = Segment(label.text, label.style + HIGHLIGHT)
                values += fixed(e.loss, LOSS, 4)
            rows.append([label, Segment(values)])
        title = f"{'k':<{len(self.class_label(0).text) + 1}}{'z':>{NUMBER}}{'a':>{PROBABILITY}}"
        return Block(title + (f"{'L':>{LOSS}}" if e.label is not None else ""), rows)

    def _jacobian(self, e: PointExplanation) -> Block:
        return Block("J = diag(a) - a aᵀ", [[Segment(numbers(row))] for row in e.jacobian])

    def _backward(self, e: PointExplanation) -> Block:
        """dL/da, the chain rule J·dL/da and the fused a - y, with a mark where they agree.

        When the true class's probability underflows to 0 (logits some 1e300 apart),
        dL/da = -y/a is -inf and J·dL/da is 0·inf: not float64 numbers. Those cells read
        "—", the mark "·", and a last row says why; a - y stays exact."""
        agree = np.isclose(e.dL_dz_chain, e.dL_dz, rtol=1e-9, atol=1e-12)
        agrees, disagrees = self.component_style("jacobian--agrees"), self.component_style("jacobian--disagrees")
        defined = np.isfinite(e.dL_dz_chain)
        rows = []
        for k in range(len(e.z)):
            values = cell(e.dL_da[k], NUMBER) + cell(e.dL_dz_chain[k], NUMBER + 1) + fixed(e.dL_dz[k], NUMBER)
            if not defined[k]:
                mark = Segment(f" {UNDEFINED}")
            else:
                mark = Segment(f" {AGREE}", agrees) if agree[k] else Segment(f" {DISAGREE}", disagrees)
            rows.append([Segment(values), mark])
        if not (defined.all() and np.isfinite(e.dL_da).all()):
            rows.append([Segment(f"{NOT_A_NUMBER} a_y underflowed to 0")])
        return Block(f"{'dL/da':>{NUMBER}}{'J·dL/da':>{NUMBER + 1}}{'a - y':>{NUMBER}}", rows)

    def _gradient(self, e: PointExplanation) -> Block:
        rows = []
        for row in e.dL_dW:
            shown, more = clipped(row)
            rows.append([Segment(numbers(shown) + more)])
        return Block("dL/dW = (a - y) xᵀ", rows)

    @staticmethod
    def _flow(blocks: list[Block], width: int) -> list[Line]:
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
