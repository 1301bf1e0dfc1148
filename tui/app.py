"""The app: global concerns around the dashboard screen that shows one run.

:class:`~softmax_tui.tui.screens.dashboard.DashboardScreen` owns a run's view and keys; the
app holds what outlives a run: the theme, quitting and stop signals, the too-small notice,
the command palette, and switching to a new run's screen (:meth:`SoftmaxApp.start_run`).
``app.session`` is the run on screen (after the app closes too: its model is what
``--save-model`` saves).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import Iterable

from textual import on
from textual.app import App, SystemCommand
from textual.color import Color
from textual.events import DeliveryComplete, DeliveryFailed, Resize
from textual.geometry import Size
from textual.notifications import SeverityLevel
from textual.screen import Screen

from .errors import UserError
from .history import HistoryFile
from .keys import DASHBOARD, KEYS, RACE, bindings
from .palette import Terminal, hex_color
from .safe_text import visible
from .race import Entrants
from .screens.dashboard import DashboardScreen, View
from .screens.race import RaceScreen
from .screens.too_small import TooSmallScreen
from .session import Session
from .signals import STOP_SIGNALS, Stopped

MINIMUM_SIZE = Size(64, 20)
THEME = "textual-dark"
#: Theme variables that Textual's own widgets on the dashboard draw text in, and the variable
#: of the background under that text: the footer's keys and their descriptions.
TEXT_ON_BACKGROUND = {
    "footer-key-foreground": "footer-background",
    "footer-description-foreground": "footer-background",
}


def working_directory() -> str:
    """The working directory's absolute path, or "." when it is gone (a file saved there
    then fails, and says why)."""
    try:
        return os.getcwd()
    except OSError:
        return "."


class SoftmaxApp(App[None]):
    """Trains ``session``'s run and shows it; ``speed`` is the starting limit in steps/s (None:
    the default, after a warm-up, see :mod:`.pace`)."""

    TITLE = "softmax-tui"
    BINDINGS = bindings(app=True)

    #: The signal that closed the dashboard (SIGTERM, SIGHUP), or None.
    stopped_by: int | None = None

    def __init__(self, session: Session, *, speed: float | None = None, entrants: Entrants | None = None) -> None:
        """With ``--history``, the file is opened here: a path that cannot be written is a
        :class:`UserError` before the app starts. With ``entrants`` (``--compare``) the app
        opens on their race, ``session`` being its first run's."""
        super().__init__()
        self._entrants = entrants
        self.theme = THEME
        self.session = session
        #: The command line's run and its data as read: its file (or the arrays given to
        #: ``softmax_tui.watch``) stays a choice (read as the command line said, and not
        #: again: a pipe can be read only once) after another dataset replaced it.
        self.command_line = session.options.run
        self.command_line_data = session.dataset
        self._speed = speed
        history = session.options.history
        self._history = HistoryFile(history) if history else None

    def get_css_variables(self) -> dict[str, str]:
        """The theme's variables, with the text colours of :data:`TEXT_ON_BACKGROUND` made
        readable on their backgrounds as this terminal shows them (:meth:`Terminal.readable`;
        textual-light's footer keys are #0178D4 on #D0D0D0, 2.9:1). The panels make their
        own colours readable (:class:`~softmax_tui.tui.widgets.lines.BaseStyle`)."""
        variables = super().get_css_variables()
        terminal = Terminal.of(self)
        for text, background in TEXT_ON_BACKGROUND.items():
            color, under = Color.parse(variables[text]), Color.parse(variables[background])
            if color.ansi is None and under.ansi is None:  # an ANSI theme's colours are the terminal's
                variables[text] = hex_color(terminal.readable(color.rgb, under.rgb))
        self.theme_variables = variables
        return variables

    @property
    def dashboard(self) -> DashboardScreen:
        """The dashboard screen (under any modal screen or notice)."""
        return next(screen for screen in reversed(self.screen_stack) if isinstance(screen, DashboardScreen))

    @property
    def main_screen(self) -> DashboardScreen | RaceScreen:
        """The view on screen: the dashboard or the race (under any modal screen or notice)."""
        return next(screen for screen in reversed(self.screen_stack) if isinstance(screen, (DashboardScreen, RaceScreen)))

    def start_race(self, entrants: Entrants) -> None:
        """Show ``entrants``' race in place of the dashboard (whose run must be closed)."""
        self.session = entrants.sessions[0]
        self._replace_main(RaceScreen(entrants, speed=self._speed))

    def leave_race(self, session: Session) -> None:
        """One run of the race on screen (its race is closed here) goes on alone in the dashboard."""
        self.main_screen.runner.close()
        self.start_run(session, View())

    def start_run(self, session: Session, view: View) -> None:
        """Show ``session`` on a new dashboard screen in place of the current one (whose run
        must be closed, so that ``--history`` starts again for the new run), seen as ``view``."""
        self.session = session
        self._replace_main(DashboardScreen(session, self._reopen_history(session.options.history), speed=self._speed,
                                           view=view))

    def _replace_main(self, screen: Screen) -> None:
        """``screen`` in place of the view on screen and any modal screen over it."""
        old = self.main_screen
        while self.screen is not old:  # the help screen or explain mode over the old run (the palette acted there)
            self.pop_screen()
        self.switch_screen(screen)  # which focuses the new map (the one focusable widget)

    def _reopen_history(self, path: str | None) -> HistoryFile | None:
        """The ``--history`` file started again for a new run (None, said in a notification,
        if it cannot be written any more)."""
        if path is None:
            return None
        try:
            return HistoryFile(path)
        except UserError as e:
            self.notify(str(e), title="History", severity="error", timeout=10)
            return None

    async def on_mount(self) -> None:
        if self._entrants is not None:
            await self.push_screen(RaceScreen(self._entrants, speed=self._speed))
        else:
            await self.push_screen(DashboardScreen(self.session, self._history, speed=self._speed))
        self._check_size(self.size)
        self._catch_stop_signals()

    def _catch_stop_signals(self) -> None:
        """SIGTERM and SIGHUP (the window closed, the SSH session dropped) close the dashboard
        as q does: the terminal restored, the history closed and the model saved, with exit
        status 128 + the signal's number (143, 129)."""
        loop = asyncio.get_running_loop()
        for signum in STOP_SIGNALS:
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):  # not the main thread
                loop.add_signal_handler(signum, self._stop_by, signum)

    def _stop_by(self, signum: int) -> None:
        self.stopped_by = signum
        self.exit(return_code=Stopped(signum).exit_status)

    def on_unmount(self) -> None:
        loop = asyncio.get_running_loop()
        for signum in STOP_SIGNALS:
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.remove_signal_handler(signum)  # which restores the default action: kill
                signal.signal(signum, self._note_stop)  # a second signal must not lose the save

    def _note_stop(self, signum: int, frame) -> None:
        self.stopped_by = self.stopped_by or signum

    def on_resize(self, event: Resize) -> None:
        self._check_size(event.size)

    def _check_size(self, size: Size) -> None:
        """The too-small notice instead of the dashboard below the minimum size."""
        small = size.width < MINIMUM_SIZE.width or size.height < MINIMUM_SIZE.height
        showing = isinstance(self.screen, TooSmallScreen)
        if small and showing:
            self.screen.say(size)
        elif small:
            self.push_screen(TooSmallScreen(MINIMUM_SIZE))
        elif showing:
            self.pop_screen()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Over the too-small notice only quitting acts: the command palette opened there
        would outlive the notice and keep it on screen once the terminal is big enough."""
        if isinstance(self.screen, TooSmallScreen) and action != "quit":
            return False
        return True

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = False) -> None:
        """Textual's notify, but the text is data: never parsed as markup (a path such as
        ``runs[test]/h.csv`` shows as it is), its control characters escaped."""
        super().notify(visible(message), title=visible(title), severity=severity, timeout=timeout,
                       markup=False)

    def deliver_screenshot(self, filename: str | None = None, path: str | None = None,
                           time_format: str | None = None) -> str | None:
        """Textual's screenshot (the palette's "Screenshot"), saved in the working directory
        unless ``path`` says where: Textual's default, ~/Downloads, is absent on a fresh server."""
        return super().deliver_screenshot(filename, path or working_directory(), time_format)

    @on(DeliveryComplete)
    def say_where_the_screenshot_is(self, event: DeliveryComplete) -> None:
        """The saved screenshot's path (in place of Textual's notice, which is markup)."""
        if event.name == "screenshot":
            event.prevent_default()
            self.notify(f"Saved to {event.path}" if event.path else "Saved", title="Screenshot")

    @on(DeliveryFailed)
    def say_why_the_screenshot_failed(self, event: DeliveryFailed) -> None:
        """Why the screenshot was not saved (Textual says only that it failed)."""
        if event.name == "screenshot":
            event.prevent_default()
            self.notify(f"Not saved: {event.exception}", title="Screenshot", severity="error", timeout=10)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Textual's commands, and every key's action that can act now as a command (over the
        help screen or the dataset chooser too, not over the too-small notice)."""
        yield from super().get_system_commands(screen)
        if isinstance(screen, TooSmallScreen):
            return
        main = self.main_screen
        view = RACE if isinstance(main, RaceScreen) else DASHBOARD
        for key in KEYS:
            target = self if key.app else main
            if key.palette and (key.app or view in key.views) and target.check_action(key.action_name, ()):
                yield SystemCommand(f"{key.label} ({key.display})", key.help,
                                    lambda action=key.action, on=target: on.run_action(action))
