"""SVG snapshots of the dashboard: paused after ten steps, on rgb20, iris and a 10-class set, at
80x24 and 120x40, in truecolor, 16 colours and NO_COLOR; explain mode over iris and the
stability readout (a rate over its limit, λmax and κ shown) at both sizes; the loss landscape;
digits' weights drawn as 8 x 8 images; rewind (iris, 40 steps then 15 back) at both sizes.

Deterministic: the run starts paused (so the rate reads 0 steps/s), the theme is fixed in the
app, the terminal is the one named (TERM, COLORTERM, NO_COLOR) whatever runs the tests, and the screenshot waits until
the loss plot (built in a worker thread) shows step 10.
Update on purpose only: ``pytest tests/test_snapshots.py --snapshot-update``, then look at them.
"""

import pytest

from softmax_tui.tui.app import SoftmaxApp
from softmax_tui.tui.options import parse_options
from softmax_tui.tui.session import build_session

STEPS = 10


#: The terminals the dashboard is drawn for: truecolor, 16 colours (TERM=xterm without
#: COLORTERM: the map shows the winning class's ANSI colour) and NO_COLOR (fill characters).
TERMINALS = {
    "truecolor": {"TERM": "xterm-256color", "COLORTERM": "truecolor"},
    "16colours": {"TERM": "xterm"},
    "no_color": {"TERM": "xterm-256color", "COLORTERM": "truecolor", "NO_COLOR": "1"},
}
#: Two, three and ten classes (the most the dashboard shows).
DATASETS = {"rgb20": ["--dataset", "rgb20"], "iris": ["--dataset", "iris"],
            "blobs10": ["--dataset", "blobs", "--classes", "10"]}


def use_terminal(monkeypatch, terminal: str) -> None:
    """The same colours whatever terminal runs the tests (the map follows the colour system)."""
    for name in ("TERM", "COLORTERM", "NO_COLOR"):
        monkeypatch.delenv(name, raising=False)
    for name, value in TERMINALS[terminal].items():
        monkeypatch.setenv(name, value)


@pytest.fixture(params=list(TERMINALS))
def terminal(request, monkeypatch):
    use_terminal(monkeypatch, request.param)
    return request.param


@pytest.mark.parametrize("dataset", list(DATASETS))
@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_dashboard(snap_compare, live, terminal, dataset, size):
    async def ten_steps(pilot) -> None:
        for _ in range(STEPS):
            await pilot.press("n")
        await live.loss_plot_caught_up(pilot)

    app = SoftmaxApp(build_session(parse_options(["--paused", *DATASETS[dataset]])))
    assert snap_compare(app, terminal_size=size, run_before=ten_steps)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_settings_panel(snap_compare, live, monkeypatch, size):
    """The settings panel over blobs after three steps, in truecolor, with the learning rate
    (live) and the noise (a new run) changed but not applied: both marks and the line that says
    what Apply does."""
    use_terminal(monkeypatch, "truecolor")

    async def edit(pilot) -> None:
        for _ in range(3):
            await pilot.press("n")
        await live.loss_plot_caught_up(pilot)
        await pilot.press("s")
        await pilot.pause()
        screen = pilot.app.screen
        screen.query_one("#field-lr").value = "0.3"
        screen.query_one("#field-noise").value = "0.1"
        await pilot.pause()

    app = SoftmaxApp(build_session(parse_options(["--paused", "--dataset", "blobs"])))
    assert snap_compare(app, terminal_size=size, run_before=edit)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_explain_mode(snap_compare, live, monkeypatch, size):
    """Explain mode (e) over iris after ten steps, in truecolor: a note over every panel."""
    use_terminal(monkeypatch, "truecolor")

    async def ten_steps_then_explain(pilot) -> None:
        for _ in range(STEPS):
            await pilot.press("n")
        await live.loss_plot_caught_up(pilot)
        await pilot.press("e")
        await pilot.pause()
        await pilot.pause()  # the notes placed over the panels' regions

    app = SoftmaxApp(build_session(parse_options(["--paused", *DATASETS["iris"]])))
    assert snap_compare(app, terminal_size=size, run_before=ten_steps_then_explain)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_stability_readout(snap_compare, live, monkeypatch, size):
    """iris at lr 3 with l2 = 0.1 after ten steps, λmax and κ shown (k), in truecolor: the
    rate is over GD's limit there (2.3), so the status bar's rate item warns, and the loss
    curve has turned up and zigzags."""
    use_terminal(monkeypatch, "truecolor")

    async def ten_steps(pilot) -> None:
        await pilot.press("k")
        for _ in range(STEPS):
            await pilot.press("n")
        await live.loss_plot_caught_up(pilot)

    app = SoftmaxApp(build_session(parse_options(["--paused", "--dataset", "iris", "--lr", "3", "--l2", "0.1"])))
    assert snap_compare(app, terminal_size=size, run_before=ten_steps)


@pytest.mark.parametrize("terminal_name, size", [("truecolor", (120, 40)), ("truecolor", (80, 24)),
                                                 ("16colours", (120, 40)), ("no_color", (120, 40))],
                         ids=["truecolor-120x40", "truecolor-80x24", "16colours-120x40", "no_color-120x40"])
def test_loss_landscape(snap_compare, live, monkeypatch, terminal_name, size):
    """The loss landscape (m) in the map's place over iris after ten steps: the slice along the
    top two Hessian eigenvectors, its level lines, the path and the current point, waited for
    until the worker has drawn step 10."""
    use_terminal(monkeypatch, terminal_name)

    async def ten_steps_then_landscape(pilot) -> None:
        from softmax_tui.tui.widgets.landscape import LossLandscape

        for _ in range(STEPS):
            await pilot.press("n")
        await live.loss_plot_caught_up(pilot)
        await pilot.press("m")
        landscape = pilot.app.dashboard.query_one(LossLandscape)
        for _ in range(500):
            if landscape.frame is not None and landscape.frame.step == STEPS:
                break
            await pilot.pause(0.02)
        await pilot.pause()

    app = SoftmaxApp(build_session(parse_options(["--paused", *DATASETS["iris"]])))
    assert snap_compare(app, terminal_size=size, run_before=ten_steps_then_landscape)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_rewind(snap_compare, live, monkeypatch, size):
    """Rewind mid-run over iris, in truecolor: 40 steps, then 15 back (←): every panel at step
    25, the loss plot the whole run with its cursor (a line under ▼) at 25, and the status bar
    `step 25 of 40`."""
    use_terminal(monkeypatch, "truecolor")

    async def forty_steps_then_fifteen_back(pilot) -> None:
        for _ in range(40):
            await pilot.press("n")
        for _ in range(15):
            await pilot.press("left")
        screen = pilot.app.dashboard
        for _ in range(500):
            if screen.past is not None and screen.past.step == 25:
                break
            await pilot.pause(0.02)
        await live.loss_plot_caught_up(pilot)
        assert pilot.app.dashboard.loss.shown.cursor == 25

    app = SoftmaxApp(build_session(parse_options(["--paused", *DATASETS["iris"]])))
    assert snap_compare(app, terminal_size=size, run_before=forty_steps_then_fifteen_back)


@pytest.mark.parametrize("terminal_name, size", [("truecolor", (120, 40)), ("no_color", (80, 24))],
                         ids=["truecolor-120x40", "no_color-80x24"])
def test_digits_templates(snap_compare, live, monkeypatch, terminal_name, size):
    """digits after ten lbfgs steps from zero weights with l2 = 0.01: the Parameters panel
    draws each digit's weights as an 8 x 8 image (positive where ink raises the digit's
    logit), in diverging colours, or in = - + # without colour."""
    use_terminal(monkeypatch, terminal_name)

    async def ten_steps(pilot) -> None:
        for _ in range(STEPS):
            await pilot.press("n")
        await live.loss_plot_caught_up(pilot)

    app = SoftmaxApp(build_session(parse_options(["--paused", "--dataset", "digits", "--optimizer", "lbfgs",
                                                  "--init", "zeros", "--l2", "0.01"])))
    assert snap_compare(app, terminal_size=size, run_before=ten_steps)


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_race(snap_compare, monkeypatch, size):
    """A three-way race (gd, momentum, adam) on iris paused after ten steps, in truecolor: the
    overlaid losses with their markers and legend, the table of steps, the status line of the
    three runs, and the map of gd (80x24) or every run's map (120x40)."""
    from softmax_tui.tui.race import build_entrants
    from softmax_tui.tui.widgets.loss import LossPlot

    use_terminal(monkeypatch, "truecolor")

    async def ten_steps(pilot) -> None:
        for _ in range(STEPS):
            await pilot.press("n")
        screen = pilot.app.main_screen
        with screen.runner._control():
            pass
        screen.draw_frame(now=True)
        await pilot.pause()
        assert screen.query_one(LossPlot).shown.step == STEPS

    entrants = build_entrants(parse_options(["--paused", "--compare", "gd,momentum,adam", *DATASETS["iris"]]))
    app = SoftmaxApp(entrants.sessions[0], entrants=entrants)
    assert snap_compare(app, terminal_size=size, run_before=ten_steps)
