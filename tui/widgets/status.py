"""The status bar: run state, data, optimizer and the run's numbers on one line.

``RUNNING``, ``PAUSED``, ``DONE`` (max epochs, max steps, converged or early stopped) or ``DIVERGED``;
for a finished run which rule stopped it and why; then the dataset (a data file's name),
optimizer, learning rate with its stability limit (:mod:`..stability`; a warning style at or
above it), λmax and κ when asked for (``k``), ``step <N>`` (``step <N> of <M>`` at a past step, see ``←``),
``epoch <E>``, loss, accuracies,
``<R> steps/s`` and the speed limit, each between separators. The bar is one line at any size: a line too long
for it shrinks by :data:`SHRINK`'s steps in order (the least important items shorter or left
out, then the reason and the dataset's name cut with "…", then tighter separators), so the
state, dataset, optimizer, rate, step and loss are there at 64 columns and more. The bar's
tooltip holds what it may cut, whole: the reason and the dataset's name.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.content import Content
from textual.strip import Strip

from softmax_tui.engine import RunState

from .. import cells
from ..ladder import speed_text
from ..stability import Stability, curvature_forms, lr_forms
from .lines import LinesView

WORDS = {
    RunState.RUNNING: "RUNNING",
    RunState.PAUSED: "PAUSED",
    RunState.MAX_EPOCHS: "DONE",
    RunState.MAX_STEPS: "DONE",
    RunState.CONVERGED: "DONE",
    RunState.EARLY_STOPPED: "DONE",
    RunState.DIVERGED: "DIVERGED",
    RunState.STALLED: "STALLED",
}
#: The rule that finished a run, before its reason (a diverged run's state says it).
WHY = {
    RunState.MAX_EPOCHS: "max epochs",
    RunState.MAX_STEPS: "max steps",
    RunState.CONVERGED: "converged",
    RunState.EARLY_STOPPED: "early stopped",
}
RESTART = "press r to start again"
SEPARATOR, TIGHT_SEPARATOR = " │ ", "│"
#: The fewest cells a cut reason and a cut dataset name keep ("…" included).
REASON_CELLS, DATASET_CELLS = 12, 8

SHORTER, CUT, TIGHTEN = "shorter", "cut", "tighten"
#: How a line too long for the bar shrinks, one step at a time until it fits: an item's next
#: shorter form (the last leaves it out; the speed has up to three), an item cut with "…", or the tighter separator.
SHRINK: tuple[tuple[str, str], ...] = (
    ("rate", SHORTER), ("speed", SHORTER), ("speed", SHORTER), ("accuracy", SHORTER), ("epoch", SHORTER),
    ("lr", SHORTER), ("curvature", SHORTER), ("accuracy", SHORTER), ("curvature", SHORTER),
    ("reason", SHORTER), ("reason", CUT), ("dataset", CUT), ("lr", SHORTER), ("", TIGHTEN), ("reason", SHORTER),
    ("step", SHORTER),
)


@dataclass(frozen=True)
class Status:
    """The numbers the bar shows, all read from the runner and its latest snapshot."""

    state: RunState
    reason: str
    dataset: str
    optimizer: str
    lr: float
    step: int
    epoch: int
    loss: float
    train_accuracy: float
    val_accuracy: float | None
    steps_per_second: float
    speed: float
    warmup_to: int | None = None  # the speed is the warm-up's up to this step (see tui/pace.py)
    lr_limit: float | None = None  # the optimizer's stability limit here (None: unknown, or none)
    stability: Stability | None = None  # the curvature, shown when ``curvature_shown`` (k)
    curvature_shown: bool = False
    latest: int | None = None  # the run's latest step, when ``step`` is a past one (rewind)
    rewinding: float | None = None  # the part done (0..1) of recomputing a step asked for, while it runs;
    # the epoch, loss and accuracy at hand are then another step's and are left out


@dataclass(frozen=True)
class Item:
    """One item of the line: its forms, longest first ("" leaves it out), its style (a
    component class's short name), and the fewest cells it may be cut to with "…"."""

    forms: tuple[str, ...]
    style: str = ""
    cells: int = 0


def percent(x: float) -> str:
    return f"{100 * x:.1f}%"


def reason(status: Status) -> str:
    """Which rule finished the run, and why."""
    why = WHY.get(status.state)
    return f"{why}: {status.reason}" if why else status.reason


def speed_forms(status: Status) -> tuple[str, ...]:
    """The speed limit's forms: "speed 30/s"; in the warm-up "speed 5/s to step 20" first."""
    speed = f"speed {speed_text(status.speed)}"
    warmup = () if status.warmup_to is None else (f"{speed} to step {status.warmup_to}",)
    return (*warmup, speed, "")


def step_forms(status: Status) -> tuple[str, ...]:
    """The step's forms: "step 37"; at a past step "step 37 of 412", and while that step is
    recomputed "step 37 of 412 · rewinding 40%" first."""
    step = f"step {status.step}" if status.latest is None else f"step {status.step} of {status.latest}"
    rewinding = () if status.rewinding is None else (f"{step} · rewinding {100 * status.rewinding:.0f}%",)
    return (*rewinding, step)


def items(status: Status) -> dict[str, Item]:
    """The line's items by name, in display order."""
    word = WORDS[status.state]
    line = {"state": Item((word,), f"state-{word.lower()}")}
    if status.state.finished:
        why = reason(status)
        line["reason"] = Item((f"{why} · {RESTART}", why, ""), "reason", REASON_CELLS)
    accuracy = f"acc {percent(status.train_accuracy)}"
    val = "" if status.val_accuracy is None else f" val {percent(status.val_accuracy)}"
    rate, warns = lr_forms(status.lr, status.optimizer, status.lr_limit)
    line.update(
        dataset=Item((status.dataset,), "dataset", DATASET_CELLS),
        optimizer=Item((status.optimizer,)),
        lr=Item(rate, "warning" if warns else ""),
    )
    if status.curvature_shown and status.stability is not None:
        line["curvature"] = Item((*curvature_forms(status.stability), ""))
    line["step"] = Item(step_forms(status))
    if status.rewinding is None:  # while a step is recomputed, the numbers at hand are another step's
        line.update(
            epoch=Item((f"epoch {status.epoch}", "")),
            loss=Item((f"loss {status.loss:.4g}",)),
            accuracy=Item((accuracy + val, accuracy, "")),
        )
    line.update(
        rate=Item((f"{status.steps_per_second:.0f} steps/s", "")),
        speed=Item(speed_forms(status), "muted"),
    )
    return line


@dataclass
class Fitting:
    """A line being shrunk: each item's form, the items cut, the separator."""

    line: dict[str, Item]
    forms: dict[str, int]
    cut: set[str]
    separator: str = SEPARATOR

    def text(self, name: str) -> str:
        return self.line[name].forms[self.forms[name]]

    def cells(self, name: str, *, whole: bool = False) -> int:
        """Item ``name``'s cells, at its fewest if it is cut (unless ``whole``)."""
        cells = cell_len(self.text(name))
        return min(cells, self.line[name].cells) if name in self.cut and not whole else cells

    def width(self, *, whole: bool = False) -> int:
        """The line's cells, the cut items at their fewest (or ``whole``)."""
        shown = [name for name in self.line if self.text(name)]
        return sum(self.cells(name, whole=whole) for name in shown) + cell_len(self.separator) * (len(shown) - 1)

    def shrink(self, width: int) -> None:
        """Take :data:`SHRINK`'s steps until the line fits ``width`` cells, then undo those
        it fits without (the last taken, the more important, first), a cut item whole."""
        taken = []
        for name, how in SHRINK:
            if self.width() <= width:
                break
            if self.take(name, how, +1):
                taken.append((name, how))
        for name, how in reversed(taken):
            self.take(name, how, -1)
            if self.width(whole=True) > width:
                self.take(name, how, +1)

    def take(self, name: str, how: str, direction: int) -> bool:
        """Take one of :data:`SHRINK`'s steps (``direction`` +1) or undo it (-1); False if
        there is nothing to take."""
        if how == TIGHTEN:
            self.separator = TIGHT_SEPARATOR if direction > 0 else SEPARATOR
        elif name not in self.line:
            return False
        elif how == SHORTER:
            form = self.forms[name] + direction
            if form == len(self.line[name].forms):
                return False
            self.forms[name] = form
        elif direction > 0:
            self.cut.add(name)
        else:
            self.cut.discard(name)
        return True


def ellipsized(text: str, width: int) -> str:
    """``text`` cut to at most ``width`` terminal cells, "…" marking the cut (a wide
    character that would be split is left out whole, an accent kept on its letter)."""
    if cell_len(text) <= width:
        return text
    return cells.head(text, width - 1).rstrip(" ") + cells.ELLIPSIS


def fit(line: dict[str, Item], width: int) -> tuple[list[tuple[str, str]], str]:
    """The ``(text, style)`` of the items shown and the separator: ``line`` shrunk to
    ``width`` cells (as near as :data:`SHRINK` gets); the items cut get back the room left,
    the one cut last (the more important) first."""
    fitting = Fitting(line, dict.fromkeys(line, 0), set())
    fitting.shrink(width)
    texts = {name: fitting.text(name) for name in line}
    room = width - fitting.width()
    for name in reversed([name for name, how in SHRINK if how == CUT and name in fitting.cut]):
        least = fitting.cells(name)
        kept = min(cell_len(texts[name]), least + max(room, 0))
        texts[name] = ellipsized(texts[name], kept)
        room -= kept - least
    return [(text, line[name].style) for name, text in texts.items() if text], fitting.separator


def whole(line: dict[str, Item]) -> str:
    """The items of ``line`` the bar may cut, whole: its tooltip (which changes only when
    they do, not at every step)."""
    return SEPARATOR.join(line[name].forms[0] for name in ("state", "reason", "dataset") if name in line)


class StatusBar(LinesView):
    """Shows a :class:`Status` handed over by :meth:`show`; :meth:`render` is its text."""

    #: What the bar shows, for explain mode (``e``): short, the note over it has few lines.
    EXPLAIN = (
        "state │ dataset │ optimizer │ lr: learning rate < its stable limit (! above) │ step: updates │ "
        "epoch: passes over the data │ loss: the objective │ acc: accuracy (val: held out) │ steps/s │ "
        "speed: the limit"
    )

    COMPONENT_CLASSES = {
        "status--state-running", "status--state-paused", "status--state-done", "status--state-diverged",
        "status--state-stalled",
        "status--reason", "status--dataset", "status--muted", "status--warning",
    }

    DEFAULT_CSS = """
    StatusBar {
        height: 1;
        padding: 0 1;
        overflow: hidden hidden;
        background: $panel;
        & > .status--state-running { color: $success; text-style: bold; }
        & > .status--state-paused { color: $warning; text-style: bold; }
        & > .status--state-done { color: $primary; text-style: bold; }
        & > .status--state-diverged { color: $error; text-style: bold reverse; }
        & > .status--state-stalled { color: $warning; text-style: bold reverse; }
        & > .status--reason { text-style: bold; }
        & > .status--dataset { text-style: bold; }
        & > .status--muted { color: $foreground-muted; }
        & > .status--warning { color: $warning; text-style: bold; }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._shown: tuple[Status, int] | None = None
        self._text = Text()
        self._tooltip = ""
        self.status: Status | None = None

    def show(self, status: Status) -> None:
        self.status = status
        self.rebuild()

    def render(self) -> Text:
        return self._text

    def notify_style_update(self) -> None:
        self._shown = None  # the same status, drawn again in the new styles
        super().notify_style_update()

    def rebuild(self) -> None:
        width = self.scrollable_content_region.width or self.app.size.width
        if self.status is None or self._shown == (self.status, width):
            return
        self._shown = (self.status, width)
        shown = items(self.status)
        texts, separator = fit(shown, width)
        line = Text(separator, self._style("muted")).join(Text(text, self._style(style)) for text, style in texts)
        self._text = line
        self.set_lines([Strip(Segment.apply_style(line.render(self.app.console, end=""), self.base_style))])
        tooltip = whole(shown)
        if tooltip != self._tooltip:
            self._tooltip = tooltip
            self.tooltip = Content(tooltip)  # data, not markup

    def _style(self, name: str) -> Style | str:
        """A component style by its short name."""
        return self.component_style(f"status--{name}") if name else ""
