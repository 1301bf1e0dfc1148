"""The landscape's slice chooser (``a``): the top two Hessian eigenvectors, or two parameters
picked one after the other (the first along the horizontal axis), all with the keys."""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from ..landscapeview import EIGENVECTORS, SliceChoice
from .modal import OnceModal

FIRST = "Slice: the top two Hessian eigenvectors, or a parameter for the horizontal axis (escape cancels)"
SECOND = "Second parameter, for the vertical axis (escape cancels)"
_EIGEN_ID = "eigenvectors"


class SliceScreen(OnceModal[SliceChoice | None]):
    """Offers the eigenvector slice and every parameter by its ``names`` (``w[class,
    feature]``, ``b[class]``, flat order; data, never markup), ``current`` highlighted; returns
    the chosen slice, or None when dismissed with escape."""

    BINDINGS = [Binding("escape,q", "dismiss(None)", "Cancel", priority=True)]

    DEFAULT_CLASSES = "-chooser"  # OnceModal's centred list

    def __init__(self, names: Sequence[str], current: SliceChoice) -> None:
        super().__init__()
        self.names = tuple(names)
        self.current = current
        self._first: int | None = None  # the parameter picked for the horizontal axis

    def compose(self) -> ComposeResult:
        options = [Option(Text("top two Hessian eigenvectors (the default)"), id=_EIGEN_ID)]
        options += [Option(Text(name), id=str(i)) for i, name in enumerate(self.names)]
        chooser = OptionList(*options, id="slice")
        chooser.border_title = FIRST
        yield chooser

    def on_mount(self) -> None:
        chooser = self.query_one(OptionList)
        if self.current.parameters is not None:
            chooser.highlighted = self.current.parameters[0] + 1
        chooser.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        chooser = self.query_one(OptionList)
        if event.option.id == _EIGEN_ID:
            self.dismiss(EIGENVECTORS)
        elif self._first is None:
            self._first = int(event.option.id)
            chooser.remove_option(_EIGEN_ID)
            chooser.disable_option(event.option.id)
            chooser.border_title = SECOND
            second = None if self.current.parameters is None else self.current.parameters[1]
            chooser.highlighted = second if second not in (None, self._first) else (self._first + 1) % len(self.names)
        else:
            self.dismiss(SliceChoice((self._first, int(event.option.id))))
