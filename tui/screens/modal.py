"""Modal screens dismissed at most once."""

from __future__ import annotations

from typing import TypeVar

from textual.await_complete import AwaitComplete
from textual.screen import ModalScreen

ResultType = TypeVar("ResultType")


class OnceModal(ModalScreen[ResultType]):
    """A modal screen that dismisses itself once: events queued behind the first dismissal
    (a second Enter, Escape then Enter, a paste) find it closing and do nothing, instead of
    popping the screen under it (Textual's ScreenStackError)."""

    DEFAULT_CSS = """
    /* as on the dashboard (dashboard.tcss): toasts over a dialog leave the status bar below in sight */
    OnceModal ToastRack {
        margin-bottom: 2;
    }
    /* a screen of class -dialog centres its box of class dialog (the help screen, the run's command) */
    OnceModal.-dialog {
        align: center middle;
    }
    OnceModal .dialog {
        width: 90%;
        height: auto;
        max-height: 90%;
        border: round $primary;
        background: $surface;
        padding: 0 1;
    }
    /* a list to choose from (the dataset and slice choosers), centred */
    OnceModal.-chooser {
        align: center middle;
    }
    OnceModal.-chooser OptionList {
        width: 90%;
        max-width: 100;
        height: auto;
        max-height: 80%;
        border: round $primary;
    }
    """

    _dismissed = False

    def dismiss(self, result: ResultType | None = None) -> AwaitComplete:
        if self._dismissed:
            return AwaitComplete.nothing()
        self._dismissed = True
        return super().dismiss(result)
