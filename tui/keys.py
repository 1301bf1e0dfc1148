"""Every key of the dashboard in one table: the bindings, the help screen and the command
palette are all made from it, so they cannot disagree."""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding

#: A footer group: the two keys of a pair share one footer item ("+-lr").
LR_GROUP = Binding.Group("lr", compact=True)
#: The views a key acts in: the dashboard of one run, and the race (``--compare``, ``R``).
DASHBOARD, RACE = "dashboard", "race"
#: The rewind keys' footer item ("←→rewind").
REWIND_GROUP = Binding.Group("rewind", compact=True)


@dataclass(frozen=True)
class Key:
    id: str  # the binding's id, unique: what a keymap would name
    keys: str  # Textual key names, comma-separated
    display: str  # how the help screen and the footer write the key
    action: str
    label: str  # short, for the footer and the command palette's title
    help: str  # one sentence, for the help screen, the palette and the footer's tooltip
    footer: bool = True
    priority: bool = False  # before focused widgets (tab would otherwise move the focus)
    palette: bool = True  # offered as a command (cursor moves are not: they need a direction)
    footer_label: str = ""  # the footer's label when it differs from ``label``
    group: Binding.Group | None = None
    app: bool = False  # bound on the app, so it also acts over the too-small notice (quit)
    views: tuple[str, ...] = (DASHBOARD,)  # the views whose screen binds it (app keys: every view)

    @property
    def action_name(self) -> str:
        """The action without its arguments (``lr`` of ``lr(True)``), as ``check_action`` gets it."""
        return self.action.split("(", 1)[0]


KEYS: tuple[Key, ...] = (
    Key("help", "question_mark", "?", "help", "keys", "This list of keys.", views=(DASHBOARD, RACE)),
    Key("explain", "e", "e", "explain", "explain",
        "Explain mode: a note over every panel says what it shows and what its symbols mean, with "
        "live numbers (escape or e closes it; the run goes on as it was)."),
    Key("toggle-pause", "space", "space", "toggle_pause", "pause", "Pause a running run or resume a paused one.", views=(DASHBOARD, RACE)),
    Key("step", "n", "n", "step", "step", "Exactly one optimizer step (pauses first if running).", views=(DASHBOARD, RACE)),
    Key("reset", "r", "r", "reset", "reset", "Back to step 0 with the same initial parameters, paused.", views=(DASHBOARD, RACE)),
    Key("lr-up", "plus,equals_sign", "+", "lr(True)", "lr up", "Learning rate one rung up the 1-3-10 ladder.",
        group=LR_GROUP, views=(DASHBOARD, RACE)),
    Key("lr-down", "minus", "-", "lr(False)", "lr down", "Learning rate one rung down the 1-3-10 ladder.",
        group=LR_GROUP, views=(DASHBOARD, RACE)),
    # not in the footer, which at 80 columns has room for quit only without them (d neither): the status bar
    # shows the speed limit, and the help screen and the palette these keys
    Key("speed-down", "left_square_bracket", "[", "speed(False)", "slower", "Speed limit one rung down.",
        footer=False, views=(DASHBOARD, RACE)),
    Key("speed-up", "right_square_bracket", "]", "speed(True)", "faster",
        "Speed limit one rung up: 1, 3, 10, ... 10000 steps/s, then max (unthrottled).", footer=False, views=(DASHBOARD, RACE)),
    Key("next-point", "tab", "tab", "point(1)", "next point", "Explain the next training point in the Jacobian panel.",
        footer=False, priority=True),
    Key("previous-point", "shift+tab", "shift+tab", "point(-1)", "previous point", "Explain the previous training point.",
        footer=False, priority=True),
    Key("rewind-back", "left", "←", "rewind('back')", "rewind",
        "Rewind one step back (pausing first): every panel shows the run at that step (step 37 of 412), "
        "in a race every run (one that finished earlier at its last step); space or n from there starts a "
        "new future (the old one is dropped; the loss plot marks the fork).",
        group=REWIND_GROUP, views=(DASHBOARD, RACE)),
    Key("rewind-forward", "right", "→", "rewind('forward')", "rewind",
        "Rewind: one step forward; at the latest step the run is live again.", group=REWIND_GROUP,
        views=(DASHBOARD, RACE)),
    Key("rewind-start", "home", "home", "rewind('start')", "rewind to step 0", "Rewind to step 0.", footer=False,
        views=(DASHBOARD, RACE)),
    Key("rewind-end", "end", "end", "rewind('end')", "rewind to the latest step",
        "To the latest step: the run live again.", footer=False, views=(DASHBOARD, RACE)),
    Key("rewind-page-back", "pageup", "pgup", "rewind('page_back')", "rewind a tenth back",
        "Rewind about a tenth of the run back.", footer=False, views=(DASHBOARD, RACE)),
    Key("rewind-page-forward", "pagedown", "pgdn", "rewind('page_forward')", "rewind a tenth forward",
        "Rewind about a tenth of the run forward.", footer=False, views=(DASHBOARD, RACE)),
    Key("cursor-left", "shift+left", "shift+←", "cursor(-1, 0)", "cursor left",
        "Move a free cursor on the map (explained without a label).", footer=False, palette=False),
    Key("cursor-right", "shift+right", "shift+→", "cursor(1, 0)", "cursor right", "Move the free cursor right.",
        footer=False, palette=False),
    Key("cursor-up", "shift+up", "shift+↑", "cursor(0, -1)", "cursor up", "Move the free cursor up.", footer=False,
        palette=False),
    Key("cursor-down", "shift+down", "shift+↓", "cursor(0, 1)", "cursor down", "Move the free cursor down.",
        footer=False, palette=False),
    Key("jacobian-page-up", "shift+pageup", "shift+pgup", "scroll_jacobian(False)", "Jacobian up",
        "Scroll the Jacobian panel a page up when it does not fit (its subtitle says which lines are in "
        "view; the mouse wheel scrolls a panel too).", footer=False),
    Key("jacobian-page-down", "shift+pagedown", "shift+pgdn", "scroll_jacobian(True)", "Jacobian down",
        "Scroll the Jacobian panel a page down.", footer=False),
    Key("log-scale", "l", "l", "toggle('log_scale')", "log loss", "Loss axis: linear or log scale.", footer=False, views=(DASHBOARD, RACE)),
    Key("boundaries", "b", "b", "toggle('boundaries')", "boundaries", "Decision-boundary lines on the map: on or off.",
        footer=False, views=(DASHBOARD, RACE)),
    Key("validation", "v", "v", "toggle('validation')", "validation points",
        "Validation points on the map: on or off (hollow ○ △ □ …; training points are filled ● ▲ ■ …; "
        "an underlined point is misclassified).", footer=False),
    Key("curvature", "k", "k", "toggle('curvature')", "curvature: Hessian λmax, condition number κ",
        "λmax and κ in the status bar: the Hessian's largest eigenvalue (the sharpest curvature; GD's "
        "learning rate is stable below 2/λmax) and its condition number λmax/λmin (how much slower the "
        "flattest direction converges), measured at the current parameters.", footer=False),
    Key("landscape", "m", "m", "toggle('landscape')", "map ↔ landscape",
        "The loss landscape in the decision map's place, or the map again: the objective on a slice "
        "through the current parameters [+], with the run's path (•) and level lines (·).", footer=False),
    Key("landscape-slice", "a", "a", "choose_slice", "landscape slice",
        "Choose the landscape's slice: the top two Hessian eigenvectors (the default) or two parameters.",
        footer=False),
    Key("next-optimizer", "o", "o", "next_optimizer", "optimizer",
        "Next optimizer (gd, sgd, minibatch, momentum, nesterov, adam, newton, lbfgs) at its default "
        "learning rate (newton and lbfgs choose each step by a line search; skipped while l1 > 0), "
        "continuing from the current parameters.", footer_label="optim", views=(DASHBOARD, RACE)),
    Key("settings", "s", "s", "settings", "settings",
        "Every setting of the run in one form: data, features, validation, penalties, optimizer, learning "
        "rate, initialization, seeds. Live ones apply from the next step; the others start a new run.",
        footer_label="set"),
    Key("regenerate", "g", "g", "regenerate", "regenerate",
        "New points from the same generator (the data seed plus one): a new run from step 0.", footer=False),
    Key("choose-dataset", "d", "d", "choose_dataset", "dataset",
        "Choose another dataset (a new run with the same settings).", footer=False),
    Key("run-command", "c", "c", "run_command", "run as command",
        "The command line that reproduces this run from step 0 (and its headless form to the step on "
        "screen), copied to the clipboard.", footer=False),
    Key("race", "R", "R", "race", "race",
        "Race gd, momentum and adam from this run's step 0 on the same data, in lockstep (the command "
        "line's --compare races any 2 to 6 runs).", footer=False),
    Key("next-run", "tab", "tab", "next_run", "next run",
        "In a race: the next run, whose map is shown and which o, + and - change.", priority=True,
        footer_label="run", views=(RACE,)),
    Key("leave-race", "R", "R", "leave_race", "one run",
        "In a race: leave it; the selected run goes on alone in the dashboard.", footer=False, views=(RACE,)),
    Key("quit", "q", "q", "quit", "quit", "Quit (ctrl+c too).", app=True),
    Key("quit-ctrl-c", "ctrl+c", "ctrl+c", "quit", "quit", "Quit.", footer=False, priority=True, palette=False,
        app=True),
)


def view_keys(view: str) -> list[Key]:
    """The keys that act in ``view`` (DASHBOARD or RACE): its own and the app's (quit)."""
    return [key for key in KEYS if key.app or view in key.views]


def bindings(*, app: bool, view: str = DASHBOARD) -> list[Binding]:
    """The app's bindings (``app=True``: quit) or a view's screen's (its other keys)."""
    return [Binding(k.keys, k.action, k.footer_label or k.label, show=k.footer, key_display=k.display,
                    priority=k.priority, tooltip=k.help, id=k.id, group=k.group)
            for k in view_keys(view) if k.app == app]
