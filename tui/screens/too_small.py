"""Shown instead of the dashboard while the terminal is below the minimum size.

The notice is wrapped to the terminal, words kept whole, in the longest of its wordings
that fits (:func:`notice`), so that it is read whole down to 10×4.
"""

from __future__ import annotations

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.containers import Center, Middle
from textual.geometry import Size
from textual.screen import Screen
from textual.widgets import Static


def wordings(size: Size, minimum: Size) -> list[str]:
    """What the notice can say, longest first (a line break starts a paragraph)."""
    have, need = f"{size.width}×{size.height}", f"{minimum.width}×{minimum.height}"
    return [
        f"The terminal is {have}.\nsoftmax-tui needs at least {need}:\nenlarge the window (q quits).",
        f"Too small: {have}, needs {need} (q quits).",
        f"Needs {need} (q quits).",
    ]


def wrap(text: str, width: int) -> list[str] | None:
    """``text``'s paragraphs wrapped into lines of at most ``width`` cells, breaking only
    between words; None when a word is wider than that."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split():
            if cell_len(word) > width:
                return None
            if line and cell_len(line) + 1 + cell_len(word) > width:
                lines.append(line)
                line = word
            else:
                line = f"{line} {word}" if line else word
        lines.append(line)
    return lines


def notice(size: Size, minimum: Size) -> str:
    """The notice's lines for a terminal of ``size``: the longest wording that fits it
    wrapped (the shortest, cut by the screen, when none does)."""
    options = wordings(size, minimum)
    for text in options:
        lines = wrap(text, size.width)
        if lines is not None and len(lines) <= size.height:
            return "\n".join(lines)
    return options[-1]


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
        self.query_one("#too-small", Static).update(notice(size, self.minimum))
