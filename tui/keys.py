"""Every key of the dashboard in one table: the bindings, the help screen and the command
palette are all made from it, so they cannot disagree."""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding


@dataclass(frozen=True)
class Key:
    keys: str  # Textual key names, comma-separated
    display: str  # how the help screen and the footer write the key
    action: str
    label: str  # short, for the footer and the command palette's title
    help: str  # one sentence, for the help screen and the palette
    footer: bool = True
    priority: bool = False  # before focused widgets (tab would otherwise move the focus)
    palette: bool = True  # offered as a command (cursor moves are not: they need a direction)
    footer_display: str = ""  # the footer's key text when it differs from ``display``
    footer_label: str = ""  # the footer's label when it differs from ``label``


KEYS: tuple[Key, ...] = (
    Key("question_mark", "?", "help", "keys", "This list of keys."),
    Key("space", "space", "toggle_pause", "pause", "Pause a running run or resume a paused one."),
    Key("n", "n", "step", "step", "Exactly one optimizer step (pauses first if running)."),
    Key("r", "r", "reset", "reset", "Back to step 0 with the same initial parameters, paused."),
    Key("plus,equals_sign", "+", "lr(True)", "lr up", "Learning rate one rung up the 1-3-10 ladder.",
        footer_display="+/-", footer_label="lr"),
    Key("minus", "-", "lr(False)", "lr down", "Learning rate one rung down the 1-3-10 ladder.", footer=False),
    Key("right_square_bracket", "]", "speed(True)", "faster",
        "Speed limit one rung up: 1, 3, 10, ... 10000 steps/s, then max (unthrottled).",
        footer_display="[/]", footer_label="speed"),
    Key("left_square_bracket", "[", "speed(False)", "slower", "Speed limit one rung down.", footer=False),
    Key("tab", "tab", "point(1)", "next point", "Explain the next training point in the Jacobian panel.",
        footer=False, priority=True),
    Key("shift+tab", "shift+tab", "point(-1)", "previous point", "Explain the previous training point.",
        footer=False, priority=True),
    Key("left", "←", "cursor(-1, 0)", "cursor left", "Move a free cursor on the map (explained without a label).",
        footer=False, palette=False),
    Key("right", "→", "cursor(1, 0)", "cursor right", "Move the free cursor right.", footer=False, palette=False),
    Key("up", "↑", "cursor(0, -1)", "cursor up", "Move the free cursor up.", footer=False, palette=False),
    Key("down", "↓", "cursor(0, 1)", "cursor down", "Move the free cursor down.", footer=False, palette=False),
    Key("l", "l", "toggle_log", "log loss", "Loss axis: linear or log scale.", footer=False),
    Key("b", "b", "toggle_boundaries", "boundaries", "Decision-boundary lines on the map: on or off.", footer=False),
    Key("o", "o", "next_optimizer", "optimizer",
        "Next optimizer (gd, sgd, minibatch, momentum, nesterov, adam) at its default learning rate, "
        "continuing from the current parameters.", footer_label="optim"),
    Key("d", "d", "choose_dataset", "dataset", "Choose another dataset (a new run with the same settings).",
        footer_label="data"),
    Key("q", "q", "quit", "quit", "Quit (ctrl+c too)."),
    Key("ctrl+c", "ctrl+c", "quit", "quit", "Quit.", footer=False, priority=True, palette=False),
)


def bindings() -> list[Binding]:
    return [Binding(k.keys, k.action, k.footer_label or k.label, show=k.footer,
                    key_display=k.footer_display or k.display, priority=k.priority) for k in KEYS]
