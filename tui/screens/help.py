"""The help screen (``?``): every key and what it does, from the one key table."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from ..keys import DASHBOARD, view_keys
from ..ladder import DEFAULT_SPEED, speed_text
from ..pace import WARMUP_SPEED, WARMUP_STEPS
from .modal import OnceModal

NOTES = (
    "Training runs in the background at the speed limit shown in the status bar "
    f"(default {speed_text(DEFAULT_SPEED)}, after the first {WARMUP_STEPS} steps at {speed_text(WARMUP_SPEED)}, "
    "slow enough to see each; ] up to max, which never waits). "
    "c shows the command line that reproduces the run and copies it. "
    "The Jacobian panel explains the selected point: tab through the points, click one on the map, "
    "or move a free cursor with shift and the arrow keys. "
    "← and → rewind through every step the run took (every panel shows that step; end is live again); "
    "space or n from a past step goes on from there, dropping the old future. "
    "o keeps the current parameters and history, so the loss curve shows the new optimizer take over "
    "(a grey line marks the switch); press r after o to compare optimizers from the same start. "
    "ctrl+p opens the command palette, where every key is also a command."
)


def key_table(view: str) -> Table:
    """Two columns, key and what it does, for every key of ``view``."""
    table = Table(box=None, show_header=False, padding=(0, 2, 0, 0))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    for key in view_keys(view):
        table.add_row(key.display, key.help)
    return table


class HelpScreen(OnceModal[None]):
    """Lists every key of the view it was opened from (each key once: tab and R mean other things
    in a race); escape, q or ? closes it."""

    DEFAULT_CLASSES = "-dialog"  # centred, as OnceModal styles a dialog
    DEFAULT_CSS = """
    #help {
        max-width: 100;
    }
    #help-notes {
        margin-top: 1;
        color: $foreground-muted;
    }
    #help-close {
        margin-top: 1;
        text-style: italic;
    }
    """
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close", priority=True)]

    def __init__(self, view: str = DASHBOARD) -> None:
        super().__init__()
        self.view = view

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help", classes="dialog"):
            yield Static(key_table(self.view))
            yield Static(NOTES, id="help-notes")
            yield Static("escape, q or ? closes this", id="help-close")

    def on_mount(self) -> None:
        self.query_one("#help").border_title = "Keys"
