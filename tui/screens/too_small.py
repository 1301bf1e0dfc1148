"""Shown instead of the dashboard while the terminal is below the minimum size."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Center, Middle
from textual.geometry import Size
from textual.screen import Screen
from textual.widgets import Static


class TooSmallScreen(Screen[None]):
    """Says how big the terminal is and must be (the app pops it once the terminal is big enough)."""

    DEFAULT_CSS = """
    TooSmallScreen #too-small {
        width: auto;
        text-align: center;
        text-style: bold;
    }
    """

    def __init__(self, minimum: Size) -> None:
        super().__init__()
        self.minimum = minimum

    def compose(self) -> ComposeResult:
        with Middle():
            with Center():
                yield Static(id="too-small")

    def on_mount(self) -> None:
        self.say(self.app.size)

    def say(self, size: Size) -> None:
        self.query_one("#too-small", Static).update(
            f"The terminal is {size.width}×{size.height}.\n"
            f"softmax-tui needs at least {self.minimum.width}×{self.minimum.height}:\n"
            "enlarge the window (q quits)."
        )
