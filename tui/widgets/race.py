"""A race's own panels: the status line of every run (:class:`RaceBar`) and the table of how
many steps each took to the loss threshold and to 100% (or its best) accuracy
(:class:`RaceTable`). Both draw what :meth:`show` gives them; the runs' labels are text as
typed (never markup).

The bar is one line at any width: each run's marker, label, loss and accuracy (its step
too when the runs are not all at one step, a finished run's state), shortened in steps
(:data:`RUN_FORMS`: fewer digits, then the labels cut with "…"), and when even the shortest
form is too long, cut at the end with "…", so that a cut always shows.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.widget import Widget
from textual.widgets import Static

from softmax_tui.engine import Milestones, RunState

from .status import WORDS, ellipsized

#: Each run's marker on the loss plot, the bar and the table (one each, so that the runs
#: differ without colour; not the map's class glyphs ● ▲ ■ …), and their colours: Paul Tol's muted scheme after the three the
#: map's first classes use (sand, cyan, wine, teal, olive, purple; see :mod:`..palette`).
RUN_MARKERS = ("o", "x", "+", "*", "#", "%")
RUN_COLORS = ((0xDD, 0xCC, 0x77), (0x88, 0xCC, 0xEE), (0x88, 0x22, 0x55), (0x44, 0xAA, 0x99),
              (0x99, 0x99, 0x33), (0xAA, 0x44, 0x99))
#: A finished run's state in the bar, long and short.
FINISHED = {RunState.DIVERGED: ("diverged", "div"), RunState.STALLED: ("stalled", "stall")}
SEPARATOR, TIGHT_SEPARATOR = " │ ", "│"


@dataclass(frozen=True)
class RunLine:
    """One run as the bar shows it."""

    label: str
    marker: str
    color: str | None  # a hex colour, or None (no colour)
    state: RunState
    step: int
    loss: float
    train_accuracy: float
    selected: bool = False


def _finished(run: RunLine, short: bool) -> str:
    if not run.state.finished:
        return ""
    return " " + FINISHED.get(run.state, ("done", "done"))[short]


#: The forms of one run, longest first: (label cells or None for whole, loss digits,
#: accuracy decimals, short finished word).
RUN_FORMS = ((None, 4, 1, False), (None, 3, 0, True), (8, 3, 0, True), (4, 2, 0, True))


def run_text(run: RunLine, form: tuple, with_step: bool) -> str:
    """One run's text in ``form`` (:data:`RUN_FORMS`): "● gd 0.2312 96.7%"."""
    label_cells, digits, decimals, short = form
    label = run.label if label_cells is None else ellipsized(run.label, label_cells)
    step = f" @{run.step}" if with_step else ""
    return f"{run.marker} {label}{step} {run.loss:.{digits}g} {100 * run.train_accuracy:.{decimals}f}%" \
           + _finished(run, short)


def race_line(state: RunState, runs: list[RunLine], width: int, of: int | None = None) -> Text:
    """The bar's line in at most ``width`` cells: the race's state and step ("RUNNING step
    40", the furthest run's; "PAUSED step 37 of 412" when rewound to a step ``of`` the last),
    then each run (:func:`run_text`), in the longest forms that fit; the selected run bold
    and underlined; the end cut with "…" when nothing fits."""
    steps = {run.step for run in runs}
    head = f"{WORDS[state]} step {max(steps)}" + ("" if of is None else f" of {of}")
    for form in RUN_FORMS:
        for separator in (SEPARATOR, TIGHT_SEPARATOR):
            texts = [run_text(run, form, len(steps) > 1) for run in runs]
            if cell_len(head) + sum(cell_len(separator) + cell_len(t) for t in texts) <= width:
                break
        else:
            continue
        break
    line = Text(head, style="bold", no_wrap=True, overflow="ellipsis")
    for run, text in zip(runs, texts):
        line.append(separator)
        line.append(text, style=Style(color=run.color, bold=run.selected, underline=run.selected))
    line.truncate(width, overflow="ellipsis")  # "…" marks the cut
    return line


class RaceBar(Widget):
    """The race's status line (:func:`race_line`), one row."""

    DEFAULT_CSS = """
    RaceBar {
        height: 1;
        width: 1fr;
        background: $panel;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._shown: tuple[RunState, list[RunLine], int | None] | None = None

    def show(self, state: RunState, runs: list[RunLine], of: int | None = None) -> None:
        if (state, runs, of) != self._shown:
            self._shown = (state, runs, of)
            self.refresh()

    def render(self) -> Text:
        if self._shown is None:
            return Text()
        state, runs, of = self._shown
        return race_line(state, runs, self.size.width, of)


@dataclass(frozen=True)
class TableRow:
    """One run's milestones as the table shows them."""

    label: str
    marker: str
    color: str | None
    milestones: Milestones
    finished: bool


def milestone_cells(row: TableRow) -> tuple[str, str]:
    """The table's two cells for a run: the step its loss first went below the threshold
    ("step 34", "not yet", "never" once it finished), and the step it reached 100% accuracy
    ("step 12") or its best accuracy so far and the first step at it ("96.7% @ 99")."""
    m = row.milestones
    loss = f"step {m.loss_step}" if m.loss_step is not None else "never" if row.finished else "not yet"
    accuracy = f"step {m.accuracy_step}" if m.perfect else f"{100 * m.best_accuracy:.1f}% @ {m.accuracy_step}"
    return loss, accuracy


class RaceTable(Static):
    """How many steps each run took to the loss threshold and to 100% (or best) accuracy."""

    DEFAULT_CSS = """
    RaceTable {
        height: auto;
        padding: 0 1;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = "Steps to"
        self._shown: tuple[float, list[TableRow]] | None = None

    def show(self, threshold: float, rows: list[TableRow]) -> None:
        if (threshold, rows) == self._shown:
            return
        self._shown = (threshold, rows)
        table = Table(box=None, padding=(0, 1, 0, 0), show_edge=False, expand=False)
        table.add_column("run", no_wrap=True, overflow="ellipsis", max_width=16)
        table.add_column(f"loss < {threshold:g}", no_wrap=True)
        table.add_column("100% (best)", no_wrap=True)
        for row in rows:
            loss, accuracy = milestone_cells(row)
            table.add_row(Text(f"{row.marker} {row.label}", style=Style(color=row.color)), Text(loss), Text(accuracy))
        self.update(table)
