"""The run as a command (``c``): the command line that reproduces the run, copied.

Shows ``softmax-tui`` and the run's flags (:mod:`..command`) wrapped to the width, copies it
to the clipboard at once with OSC 52 (Textual's ``copy_to_clipboard``; many terminals allow
it, some ask first, some ignore it), and under it the headless form that stops at the step on
screen, whose done event holds the same W and b. Everything shown is data, never markup.
"""

from __future__ import annotations

import math

from rich.cells import cell_len
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widget import Widget
from textual.widgets import Static

from ..command import OUTPUT_FLAGS, command_words, data_note, headless_argv, provenance, run_argv, wrapped
from ..config import RunConfig
from .modal import OnceModal

WHAT = {"run": "The command", "headless": "The headless command"}


def copied(which: str) -> str:
    """The line that says what was copied."""
    return f"{WHAT[which]} was copied to the clipboard (if your terminal allows OSC 52)."


def headless_intro(step: int, changed: bool) -> str:
    """The line above the headless form: it reproduces step ``step``, or after live changes
    (``changed``) trains the current settings to it."""
    if changed:
        return f"The current settings headless, from step 0 to step {step}:"
    return f"To reproduce step {step} headless (its done event holds this W and b):"


class CommandText(Widget):
    """A command's words as lines to paste into a shell (:func:`..command.wrapped`), re-wrapped
    to the widget's width."""

    DEFAULT_CSS = """
    CommandText {
        height: auto;
        color: $text-accent;
    }
    """

    def __init__(self, words: list[str], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.words = words

    @property
    def line(self) -> str:
        """The command on one line: what is copied."""
        return " ".join(self.words)

    def get_content_height(self, container, viewport, width: int) -> int:
        return sum(max(1, math.ceil(cell_len(line) / max(width, 1))) for line in wrapped(self.words, width))

    def render(self) -> Text:
        return Text("\n".join(wrapped(self.words, self.content_size.width)), overflow="fold")


class CommandScreen(OnceModal[None]):
    """The command of a run with configuration ``config`` (the runner's), at ``step``, whose
    settings changed live after the steps ``changed_at``; c copies the command again, h the
    headless one, escape closes."""

    DEFAULT_CLASSES = "-dialog"  # centred, as OnceModal styles a dialog
    DEFAULT_CSS = """
    #command {
        max-width: 110;
    }
    #command > Static {
        margin-top: 1;
    }
    #command > .note {
        color: $foreground-muted;
    }
    """
    BINDINGS = [
        Binding("escape", "dismiss", "Close", priority=True),
        Binding("c", "copy('run')", "Copy"),
        Binding("h", "copy('headless')", "Copy headless"),
    ]

    def __init__(self, config: RunConfig, step: int, changed_at: list[int]) -> None:
        super().__init__()
        self.step = step
        self.changed_at = changed_at
        self.data_note = data_note(config.dataset)
        self.commands = {"run": CommandText(command_words(run_argv(config)), id="run")}
        if step > 0:
            self.commands["headless"] = CommandText(command_words(headless_argv(config, step)), id="headless")

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="command", classes="dialog"):
            yield Static(provenance(self.changed_at), id="provenance", markup=False)
            yield self.commands["run"]
            if "headless" in self.commands:
                yield Static(headless_intro(self.step, bool(self.changed_at)), markup=False)
                yield self.commands["headless"]
            yield Static(f"Left out: the outputs ({', '.join(OUTPUT_FLAGS)}), which are not part of the run.",
                         classes="note", markup=False)
            if self.data_note:
                yield Static(self.data_note, id="data-note", classes="note", markup=False)
            yield Static(copied("run"), id="copied", markup=False)
            keys = "c copies it again, h the headless one, " if "headless" in self.commands else "c copies it again, "
            yield Static(keys + "escape closes this", classes="note", markup=False)

    def on_mount(self) -> None:
        self.query_one("#command").border_title = "The run as a command"
        self.action_copy("run")

    def action_copy(self, which: str) -> None:
        """Copy the command (``which`` "run") or its headless form ("headless") to the
        clipboard, and say which."""
        command = self.commands.get(which)
        if command is None:
            return
        self.app.copy_to_clipboard(command.line)
        self.query_one("#copied", Static).update(Text(copied(which)))
