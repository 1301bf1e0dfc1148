"""The status bar: run state, data, optimizer and the run's numbers on one line.

``RUNNING``, ``PAUSED``, ``DONE`` (max epochs, converged or early stopped) or ``DIVERGED``,
then the dataset, optimizer, learning rate, ``step <N>``, ``epoch <E>``, loss, accuracies,
``<R> steps/s`` and the speed limit. When the line is too long for the terminal the least
important items go first (never the state, step, epoch, loss or rate). A finished run adds
a second line: which rule stopped it and why, and how to start again.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.strip import Strip

from softmax_tui.engine import RunState

from ..ladder import speed_text
from .lines import LinesView

WORDS = {
    RunState.RUNNING: "RUNNING",
    RunState.PAUSED: "PAUSED",
    RunState.MAX_EPOCHS: "DONE",
    RunState.CONVERGED: "DONE",
    RunState.EARLY_STOPPED: "DONE",
    RunState.DIVERGED: "DIVERGED",
}
WHY = {
    RunState.MAX_EPOCHS: "max epochs",
    RunState.CONVERGED: "converged",
    RunState.EARLY_STOPPED: "early stopped",
    RunState.DIVERGED: "diverged",
}
SEPARATOR = "  "


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


def percent(x: float) -> str:
    return f"{100 * x:.1f}%"


def items(status: Status) -> list[tuple[int, str, str]]:
    """``(priority, text, style class)`` for each item in display order; higher stays longer."""
    accuracy = f"acc {percent(status.train_accuracy)}"
    if status.val_accuracy is not None:
        accuracy += f" val {percent(status.val_accuracy)}"
    return [
        (9, WORDS[status.state], f"state-{WORDS[status.state].lower()}"),
        (5, status.dataset, "dataset"),
        (4, status.optimizer, ""),
        (6, f"lr {status.lr:g}", ""),
        (9, f"step {status.step}", ""),
        (9, f"epoch {status.epoch}", ""),
        (8, f"loss {status.loss:.4g}", ""),
        (7, accuracy, ""),
        (9, f"{status.steps_per_second:.0f} steps/s", ""),
        (3, f"speed {speed_text(status.speed)}", "muted"),
    ]


def fit(entries: list[tuple[int, str, str]], width: int) -> list[tuple[int, str, str]]:
    """Drop the lowest-priority items (later ones first among equals) until the line fits."""
    entries = list(entries)
    while len(entries) > 1 and sum(len(t) for _, t, _ in entries) + len(SEPARATOR) * (len(entries) - 1) > width:
        lowest = min(range(len(entries)), key=lambda i: (entries[i][0], -i))
        del entries[lowest]
    return entries


class StatusBar(LinesView):
    """Shows a :class:`Status` handed over by :meth:`show`; :meth:`render` is its text."""

    COMPONENT_CLASSES = {
        "status--state-running", "status--state-paused", "status--state-done", "status--state-diverged",
        "status--dataset", "status--muted",
    }

    DEFAULT_CSS = """
    StatusBar {
        height: auto;
        padding: 0 1;
        overflow: hidden hidden;
        background: $panel;
        & > .status--state-running { color: $success; text-style: bold; }
        & > .status--state-paused { color: $warning; text-style: bold; }
        & > .status--state-done { color: $primary; text-style: bold; }
        & > .status--state-diverged { color: $error; text-style: bold reverse; }
        & > .status--dataset { text-style: bold; }
        & > .status--muted { color: $foreground-muted; }
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._shown: tuple[Status, int] | None = None
        self._text = Text()
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
        line = Text()
        for i, (_, text, style) in enumerate(fit(items(self.status), width)):
            if i:
                line.append(SEPARATOR)
            line.append(text, self._style(style))
        if self.status.state.finished:
            line.append(f"\n{WHY[self.status.state]}: {self.status.reason} · press r to start again", "bold")
        self._text = line
        console, base = self.app.console, self.base_style
        lines = [Strip(Segment.apply_style(text.render(console, end=""), base)) for text in line.split("\n")]
        height = len(self._lines)
        self.set_lines(lines)
        if len(lines) != height:
            self.refresh(layout=True)  # the bar's height follows its lines

    def _style(self, name: str) -> Style | str:
        """A component style by its short name."""
        return self.component_style(f"status--{name}") if name else ""
