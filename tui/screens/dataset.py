"""The dataset chooser (``d``): the built-in datasets and the command line's file; choosing
one starts a new run on it."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from .modal import OnceModal


class DatasetScreen(OnceModal[str | None]):
    """Offers ``choices`` (name, one-line label) with ``current`` highlighted; returns the
    chosen dataset's name, or None when dismissed with escape."""

    BINDINGS = [Binding("escape,q", "dismiss(None)", "Cancel", priority=True)]

    DEFAULT_CLASSES = "-chooser"  # OnceModal's centred list

    def __init__(self, current: str, choices: list[tuple[str, str]]) -> None:
        super().__init__()
        self.current = current
        self.choices = choices

    def compose(self) -> ComposeResult:
        options = [Option(Text(label), id=name) for name, label in self.choices]  # data, not markup
        chooser = OptionList(*options, id="datasets")
        chooser.border_title = "Dataset: enter starts a new run on it, escape cancels"
        yield chooser

    def on_mount(self) -> None:
        chooser = self.query_one(OptionList)
        names = [option.id for option in chooser.options]
        if self.current in names:
            chooser.highlighted = names.index(self.current)
        chooser.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)
