"""The dashboard driven by Textual's pilot: every key's effect on the run, and the live app."""

import io
import re
import sys

import numpy as np
import pytest
from rich.console import Console
from rich.table import Table
from rich.text import Text
from textual import events
from textual.widgets import Footer, Static
from textual.widgets._footer import FooterKey, KeyGroup

from softmax_tui.datasets import DatasetError
from softmax_tui.engine import RunState
from softmax_tui.tui.screens import dashboard as dashboard_module
from softmax_tui.tui.app import SoftmaxApp
from softmax_tui.tui.cli import main
from softmax_tui.tui.keys import DASHBOARD, KEYS, RACE
from softmax_tui.tui.config import DEFAULT_LR
from softmax_tui.tui.mapview import MapView, PointCounts, Selection
from softmax_tui.tui.options import parse_options
from softmax_tui.tui.safe_text import visible
from softmax_tui.tui.screens.dashboard import DashboardScreen
from softmax_tui.tui.screens.dataset import DatasetScreen
from softmax_tui.tui.screens.race import RaceScreen
from softmax_tui.tui.screens.help import HelpScreen
from softmax_tui.tui.screens.too_small import TooSmallScreen
from softmax_tui.tui.session import build_session
from softmax_tui.tui.widgets.decision_map import DecisionMap
from softmax_tui.tui.widgets.jacobian import JacobianPanel
from softmax_tui.tui.widgets.loss import LossPlot
from softmax_tui.tui.widgets.parameters import ParameterBars
from softmax_tui.tui.widgets.status import StatusBar
from tests.test_settings import screen_of

SIZE = (100, 30)


def make_app(*argv: str, speed: float | None = None) -> SoftmaxApp:
    session = build_session(parse_options(["--paused", *argv]))
    return SoftmaxApp(session) if speed is None else SoftmaxApp(session, speed=speed)


def status_text(app: SoftmaxApp) -> str:
    return str(app.dashboard.query_one(StatusBar).render())


async def test_n_advances_exactly_one_step():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        assert app.dashboard.runner.snapshot.step == 0
        await pilot.press("n")
        assert app.dashboard.runner.snapshot.step == 1 and app.session.trainer.snapshot.step == 1
        assert "step 1 " in status_text(app) and "PAUSED" in status_text(app)
        await pilot.press("n", "n")
        assert app.dashboard.runner.snapshot.step == 3


async def test_n_while_running_pauses_first():
    app = make_app(speed=float("inf"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space")
        await pilot.pause(0.2)
        before = app.dashboard.runner.snapshot.step
        await pilot.press("n")
        assert app.dashboard.runner.state is RunState.PAUSED  # at once; the step follows the one in progress
        with app.dashboard.runner._control():
            assert app.dashboard.runner.snapshot.step == app.dashboard.runner.previous.step + 1 >= before + 1


async def test_r_returns_to_step_0_with_the_initial_parameters_paused():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        W0 = app.dashboard.runner.snapshot.W.copy()
        await pilot.press("n", "n", "n", "space")
        await pilot.press("r")
        assert app.dashboard.runner.state is RunState.PAUSED and app.dashboard.runner.snapshot.step == 0
        np.testing.assert_array_equal(app.dashboard.runner.snapshot.W, W0)
        assert "step 0 " in status_text(app)


async def test_space_toggles_running_and_paused():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        assert app.dashboard.runner.state is RunState.PAUSED
        await pilot.press("space")
        assert app.dashboard.runner.state is RunState.RUNNING and "RUNNING" in status_text(app)
        await pilot.press("space")
        assert app.dashboard.runner.state is RunState.PAUSED and "PAUSED" in status_text(app)


async def test_tab_moves_the_selection_and_the_jacobian():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        jacobian = app.dashboard.query_one(JacobianPanel)
        assert app.dashboard.selection == Selection.point(0)
        first = jacobian._subject.explanation
        await pilot.press("tab")
        assert app.dashboard.selection == Selection.point(1)
        second = jacobian._subject.explanation
        assert not np.array_equal(first.x, second.x)
        np.testing.assert_array_equal(second.x, app.session.prepared.X_train[1])
        assert second.label == app.session.prepared.y_train[1]
        await pilot.press("shift+tab", "shift+tab")
        assert app.dashboard.selection == Selection.point(19)


async def test_arrow_keys_that_arrive_together_each_move_the_cursor(live):
    """Issue 12 item 14: ten shift+Rights read at once (a held key, SSH batching, a paste) are ten
    key events queued before the first is handled; each moves the free cursor one cell."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("shift+right")  # a free cursor
        screen = app.dashboard
        viewport = screen.decision_map.viewport
        col, row = viewport.cell_of(*screen.selection.location)
        assert col + 10 < viewport.cols
        for _ in range(10):  # as the terminal driver hands over what one read parsed
            app._driver.process_message(events.Key("shift+right", None))
        await pilot.pause()
        s, t = viewport.cell_centre(col + 10, row)
        assert f"cursor (x1, x2) = ({s:+.2f}, {t:+.2f})" in live.screen_text(app)  # the Jacobian's subtitle
        start = screen.decision_map.map_layout().gutter + col + 10 - 1
        assert screen.decision_map.render_line(row).text[start:start + 3] == "[+]"


async def test_jacobian_follows_training():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        explanation = app.dashboard.query_one(JacobianPanel)._subject.explanation
        snap = app.dashboard.runner.snapshot
        np.testing.assert_allclose(explanation.z, snap.W @ explanation.x + snap.b)


async def test_arrows_move_a_free_cursor_without_a_label():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("shift+right")
        await pilot.pause()
        assert app.dashboard.selection.location is not None
        first = app.dashboard.selection.location
        await pilot.press("shift+up")
        await pilot.pause()
        assert app.dashboard.selection.location[1] > first[1]
        jacobian = app.dashboard.query_one(JacobianPanel)
        assert jacobian._subject.explanation.label is None
        assert "no label" in str(jacobian.border_subtitle)
        await pilot.press("tab")
        assert app.dashboard.selection.index is not None


async def test_click_on_the_map_selects_the_nearest_point():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        decision_map = app.dashboard.query_one(DecisionMap)
        layout = decision_map.map_layout()
        col, row = layout.viewport.cell_of(*app.dashboard.map_view.coords_of(7))
        await pilot.click(DecisionMap, offset=(1 + layout.gutter + col, 1 + row))
        await pilot.pause()
        assert app.dashboard.selection.index is not None
        chosen = app.dashboard.map_view.coords_of(app.dashboard.selection.index)
        assert layout.viewport.cell_of(*chosen) == (col, row)


async def test_learning_rate_and_speed_keys():
    app = make_app(speed=30.0)  # no warm-up (see test_speed_keys_end_the_warm_up_at_once)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("plus")
        assert app.dashboard.runner.lr == 3.0 and "lr 3 " in status_text(app)
        await pilot.press("minus", "minus")
        assert app.dashboard.runner.lr == 0.3
        await pilot.press("right_square_bracket")
        assert app.dashboard.runner.speed == 100.0
        await pilot.press("left_square_bracket", "left_square_bracket")
        assert app.dashboard.runner.speed == 10.0


async def test_speed_keys_end_the_warm_up_at_once():
    """The default pace starts with the warm-up (tui/pace.py), which the status bar says; ]
    goes one rung up from the 5/s shown, and the warm-up is over."""
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        assert app.dashboard.runner.speed == 5.0 and "speed 5/s to step 20" in status_text(app)
        await pilot.press("right_square_bracket")
        assert app.dashboard.runner.speed == 10.0 and not app.dashboard.runner.warming
        assert "speed 10/s" in status_text(app) and "to step" not in status_text(app)


async def test_o_switches_optimizer_and_keeps_the_parameters():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n", "n")
        W = app.dashboard.runner.snapshot.W.copy()
        await pilot.press("o")
        assert app.dashboard.runner.optimizer == "sgd" and app.dashboard.runner.lr == DEFAULT_LR["sgd"]
        np.testing.assert_array_equal(app.session.trainer.model.W, W)
        assert app.dashboard.runner.snapshot.step == 2 and " sgd " in status_text(app) and " lr 0.01 " in status_text(app)
        config = app.session.saved_model().config  # what --save-model writes
        assert (config["optimizer"], config["lr"], config["trained"]["step"]) == ("sgd", DEFAULT_LR["sgd"], 2)


async def test_o_while_running_then_quit_saves_the_new_optimizer():
    app = make_app(speed=float("inf"))
    async with app.run_test(size=SIZE) as pilot:
        for key, character in (("space", " "), ("o", "o"), ("plus", "+")):
            app.post_message(events.Key(key, character))  # without the pilot's wait for an idle CPU
            await pilot.pause(0.05)
        assert app.dashboard.runner.optimizer == "sgd" and app.dashboard.runner.lr == 0.03
    config = app.session.saved_model().config  # the app closed its runner: queued controls ran
    assert (config["optimizer"], config["lr"]) == ("sgd", 0.03)


async def test_l_and_b_toggle_log_scale_and_boundaries(live):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("l", "b")
        assert app.dashboard.log_scale and not app.dashboard.boundaries
        await live.loss_plot_caught_up(pilot)
        assert "log" in str(app.dashboard.query_one(LossPlot).border_subtitle)
        await pilot.press("l", "b")
        assert not app.dashboard.log_scale and app.dashboard.boundaries


async def test_v_toggles_the_validation_points_on_the_map(live):
    """iris with 30% held out: its 45 validation points are on the map as hollow glyphs; v
    hides them (the title says "0 of 45"), v again shows them; a clicked validation point is
    explained as one, and tab goes on from the training point nearest to it."""
    app = make_app("--dataset", "iris", "--val-fraction", "0.3")
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.dashboard
        await pilot.pause()
        frame = screen.decision_map.frame
        assert screen.validation and frame.validation and frame.held_out.sum() == 45
        assert frame.counts == PointCounts(105, 105, 45, 45)
        assert screen.decision_map.border_title == "Decision map"
        assert {c for y in range(20) for c in screen.decision_map.render_line(y).text} & set("○△□")
        await pilot.press("v")
        await pilot.pause()
        frame = screen.decision_map.frame
        assert not screen.validation and not frame.validation and not frame.held_out.any()
        assert screen.decision_map.border_title == "Decision map · 105 of 105 train, 0 of 45 val shown"
        assert not {c for y in range(20) for c in screen.decision_map.render_line(y).text} & set("○△□")
        await pilot.press("v")
        await pilot.pause()
        assert screen.validation and screen.decision_map.frame.held_out.sum() == 45

        index = int(screen.map_view.drawn_validation[4])
        layout = screen.decision_map.map_layout()
        col, row = layout.viewport.cell_of(*screen.map_view.coords_of(index))
        screen.decision_map.post_message(DecisionMap.PointSelected(screen.decision_map, index))
        await pilot.pause()
        await pilot.pause()
        i = index - 105
        expected = screen.session.class_names[screen.session.prepared.y_val[i]]
        subtitle = Text.from_markup(screen.jacobian.border_subtitle).plain
        assert subtitle == f"validation point {i + 1}/45 · y = {visible(expected)}"
        await pilot.press("tab")
        assert screen.selection == Selection.point(screen.map_view.nearest_point(*screen.map_view.coords_of(index)))
        assert screen.selection.index < 105


async def test_v_without_validation_rows_says_so():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("v")
        await pilot.pause()
        assert [n.title for n in app._notifications] == ["No validation points"]
        assert app.dashboard.decision_map.frame.counts.validation_total == 0


async def test_the_log_scale_runs_upwards_with_a_single_loss(live):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("l")  # at step 0: one loss value, 0.93
        await live.loss_plot_caught_up(pilot)
        app.dashboard.draw_frame(now=True)
        await pilot.pause()
        labels = [float(label) for label in re.findall(r"([0-9.e-]+)┤", live.screen_text(app))]
        assert len(labels) >= 2 and labels == sorted(labels, reverse=True), labels
        axis = app.dashboard.query_one(LossPlot).y_axis
        assert 10**axis.lo < app.dashboard.runner.snapshot.loss < 10**axis.hi


async def test_help_screen_lists_every_key():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        help_screen = await screen_of(pilot, HelpScreen)
        [table] = [s.content for s in help_screen.query(Static) if isinstance(s.content, Table)]
        console = Console(width=300, record=True, file=io.StringIO())  # wide: every row on one line
        console.print(table)
        rows = [line.strip() for line in console.export_text().splitlines()]
        for key in KEYS:
            listed = any(row.startswith(key.display) and row.endswith(key.help) for row in rows)
            assert listed == (key.app or DASHBOARD in key.views), (key, rows)
        assert len([row for row in rows if row.startswith("tab ")]) == 1  # the race's tab is not listed
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_every_key_is_in_the_command_palette_and_bound():
    app = make_app()
    async with app.run_test(size=SIZE):
        commands = {command.title: command for command in app.get_system_commands(app.screen)}
        left_out = {key.id for key in KEYS if key.palette and f"{key.label} ({key.display})" not in commands}
        race_only = {key.id for key in KEYS if key.views == (RACE,)}
        assert left_out == {"regenerate", *race_only}  # rgb20 is a fixed set: nothing to regenerate
        await commands["step (n)"].callback()
        assert app.dashboard.runner.snapshot.step == 1
    for screen, view in ((DashboardScreen, DASHBOARD), (RaceScreen, RACE)):
        bound = [*SoftmaxApp.BINDINGS, *screen.BINDINGS]
        mine = [key for key in KEYS if key.app or view in key.views]
        assert {binding.action for binding in bound} == {key.action for key in mine}
        assert sorted(binding.id for binding in bound) == sorted(key.id for key in mine)  # unique, for a keymap
    assert {key.id for key in KEYS} == {binding.id for binding in
                                        [*SoftmaxApp.BINDINGS, *DashboardScreen.BINDINGS, *RaceScreen.BINDINGS]}
    assert {binding.action for binding in SoftmaxApp.BINDINGS} == {"quit"}  # the rest act on a run


async def test_dataset_chooser_starts_a_new_session():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        old_runner = app.dashboard.runner
        await pilot.press("d")
        (await screen_of(pilot, DatasetScreen)).dismiss("iris")
        for _ in range(100):
            if app.session.dataset.name == "iris" and app.dashboard.is_mounted:
                break
            await pilot.pause(0.01)
        assert app.dashboard.runner is not old_runner and app.dashboard.decision_map.has_focus
        assert app.dashboard.runner.snapshot.W.shape == (3, 4)
        await pilot.press("n")
        assert app.dashboard.runner.snapshot.step == 1 and "iris" in status_text(app)


async def test_dataset_error_is_a_notification(monkeypatch):
    def refuse(options, dataset=None):
        raise DatasetError("no such thing")

    monkeypatch.setattr(dashboard_module, "build_session", refuse)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("d")
        (await screen_of(pilot, DatasetScreen)).dismiss("iris")
        for _ in range(100):
            if app._notifications:
                break
            await pilot.pause(0.01)
        assert app.session.dataset.name == "rgb20"
        assert any("no such thing" in n.message for n in app._notifications)


async def test_too_small_terminal_says_so_and_recovers():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space")
        for _ in range(3):
            await pilot.resize_terminal(40, 12)
            await pilot.pause()
            assert isinstance(app.screen, TooSmallScreen)
            assert "40×12" in str(app.screen.query_one("#too-small").render())
            await pilot.resize_terminal(*SIZE)
            await pilot.pause()
            assert not isinstance(app.screen, TooSmallScreen)


async def test_the_too_small_notice_is_read_whole_at_any_size(live):
    """Issue 12 item 6: the notice wraps between words, in the longest wording that fits,
    down to 10×4; the screen holds its words and nothing else, none cut."""
    full = "The terminal is {}. softmax-tui needs at least 64×20: enlarge the window (q quits)."
    expected = {(40, 12): full, (31, 10): full, (24, 6): full,
                (12, 5): "Too small: {}, needs 64×20 (q quits).", (10, 4): "Needs 64×20 (q quits)."}
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        for (width, height), words in expected.items():
            await pilot.resize_terminal(width, height)
            await screen_of(pilot, TooSmallScreen)
            await pilot.pause()
            assert live.screen_text(app).split() == words.format(f"{width}×{height}").split(), (width, height)


async def test_a_paused_map_is_drawn_again_after_a_resize_without_a_key(live, monkeypatch):
    """The map asks for a frame for its new size (ViewportChanged) and the app builds it at
    once, though the run is paused, no key is pressed and no timer draws; only the app builds
    map frames, the widget never does."""
    monkeypatch.setattr(dashboard_module, "FRAMES_PER_SECOND", 1e-3)  # no frame from the timer
    callers = []
    frame = MapView.frame

    def recorded(view, *args, **kwargs):
        callers.append(sys._getframe(1).f_code.co_name)
        return frame(view, *args, **kwargs)

    monkeypatch.setattr(MapView, "frame", recorded)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        for size in ((130, 40), (40, 12), (120, 36), SIZE):
            await pilot.resize_terminal(*size)
            await pilot.pause()
            if size == (40, 12):
                continue
            widget = app.dashboard.decision_map
            assert widget.frame.viewport == widget.viewport, size
            axis = widget.map_layout().axis_line(app.dashboard.map_view.labels[0])
            assert axis in live.screen_text(app), size
    assert callers and set(callers) == {"_hand_over"}


async def test_divergence_shows_diverged_and_r_recovers():
    app = make_app("--lr", "1e8", "--dataset", "iris")
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(30):
            await pilot.press("n")
            if app.dashboard.runner.state is RunState.DIVERGED:
                break
        assert app.dashboard.runner.state is RunState.DIVERGED
        text = status_text(app)
        assert text.startswith("DIVERGED │ the loss exploded")  # the reason, cut to the line
        assert app.dashboard.runner.snapshot.reason in str(app.dashboard.status.tooltip)
        await pilot.press("r")
        assert app.dashboard.runner.state is RunState.PAUSED and app.dashboard.runner.snapshot.step == 0


async def test_done_shows_which_rule_and_why():
    app = make_app("--epochs", "3")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n", "n", "n")
        text = status_text(app)
        assert "DONE" in text and "max epochs: reached 3 epochs" in text


def greyed(app) -> set[str]:
    """The actions whose footer keys are disabled."""
    return {key.action for key in app.dashboard.query(FooterKey) if key.has_class("-disabled")}


async def test_a_finished_run_greys_out_pause_and_step_until_reset():
    """check_action: space and n cannot act on a finished run; the footer shows them disabled,
    pressing them changes nothing, and r makes them act again."""
    app = make_app("--epochs", "3")
    async with app.run_test(size=SIZE) as pilot:
        assert not greyed(app) & {"toggle_pause", "step"}
        await pilot.press("n", "n", "n")
        await pilot.pause()
        assert app.dashboard.runner.state is RunState.MAX_EPOCHS
        assert greyed(app) == {"toggle_pause", "step"}
        await pilot.press("space", "n")
        assert app.dashboard.runner.state is RunState.MAX_EPOCHS and app.dashboard.runner.snapshot.step == 3
        await pilot.press("r")
        await pilot.pause()
        assert not greyed(app)
        await pilot.press("n")
        assert app.dashboard.runner.snapshot.step == 1


async def test_footer_groups_each_pair_of_keys_under_one_label():
    app = make_app()
    async with app.run_test(size=SIZE):
        items = list(app.dashboard.query_one(Footer).children)
        groups = [[key.key_display for key in item.query(FooterKey)] + [str(items[i + 1].render())]
                  for i, item in enumerate(items) if isinstance(item, KeyGroup)]
        assert groups == [["+", "-", "lr"], ["←", "→", "rewind"]]  # the speed keys are not in the footer (see keys.py)


async def test_the_footer_keeps_one_space_between_items(live):
    app = make_app()
    async with app.run_test(size=SIZE):
        footer = live.screen_text(app).splitlines()[-1]
        assert "r reset +- lr ←→ rewind o optim s set q quit" in footer


@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_the_footer_shows_quit_at_the_sizes_readme_promises(live, size):
    app = make_app()
    async with app.run_test(size=size):
        footer = live.screen_text(app).splitlines()[-1].rstrip()
        assert footer.startswith("? keys e explain space pause n step r reset") and footer.endswith("q quit")


async def test_a_new_run_keeps_the_log_scale_boundaries_and_validation_as_they_were(live):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("l", "b", "v", "d")
        (await screen_of(pilot, DatasetScreen)).dismiss("iris")
        for _ in range(100):
            if app.session.dataset.name == "iris" and app.dashboard.is_mounted:
                break
            await pilot.pause(0.01)
        assert (app.dashboard.log_scale, app.dashboard.boundaries, app.dashboard.validation) == (True, False, False)
        await pilot.press("n")
        await live.loss_plot_caught_up(pilot)
        assert "log" in str(app.dashboard.loss.border_subtitle)
        assert app.dashboard.decision_map.frame.boundaries is False


async def test_the_palette_offers_the_run_commands_over_the_help_screen_but_not_dead_ones():
    app = make_app("--epochs", "1")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        help_screen = await screen_of(pilot, HelpScreen)
        commands = {command.title: command for command in app.get_system_commands(help_screen)}
        await commands["step (n)"].callback()
        await pilot.pause()
        assert app.dashboard.runner.snapshot.step == 1 and app.dashboard.runner.state.finished
        titles = {command.title for command in app.get_system_commands(help_screen)}
        assert "step (n)" not in titles and "pause (space)" not in titles and "reset (r)" in titles


async def test_keys_do_not_reach_the_run_behind_the_too_small_notice():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.resize_terminal(40, 12)
        await screen_of(pilot, TooSmallScreen)
        await pilot.press("n", "space", "r", "o", "plus", "d", "question_mark")
        await pilot.pause()
        runner = app.dashboard.runner
        assert (runner.snapshot.step, runner.state, runner.optimizer, runner.lr) == (0, RunState.PAUSED, "gd", 1.0)
        assert isinstance(app.screen, TooSmallScreen)
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running


async def screenshot_from_the_palette(pilot) -> str:
    """Run the command palette's "Screenshot" and return the notification that follows."""
    app = pilot.app
    await pilot.press("ctrl+p")
    await pilot.press(*"screenshot", "enter")
    for _ in range(500):
        if app._notifications:
            break
        await pilot.pause(0.01)
    (notification,) = app._notifications
    assert notification.title == "Screenshot"
    await pilot.pause()  # the toast shown
    return notification.message


async def test_the_palette_screenshot_is_saved_in_the_working_directory(monkeypatch, tmp_path, live):
    """Issue 12 item 19: Textual saves to ~/Downloads, absent on a fresh server; the screenshot
    goes to the working directory, and the notification says where."""
    home, work = tmp_path / "home", tmp_path / "work"
    home.mkdir()
    work.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.chdir(work)
    app = make_app()
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        message = await screenshot_from_the_palette(pilot)
        (saved,) = work.iterdir()
        assert saved.suffix == ".svg" and "PAUSED" in saved.read_text()
        assert message == f"Saved to {saved}"
        assert saved.name in "".join(live.screen_text(app).split())  # the toast, wrapped as it may be
    assert not any(home.iterdir())


async def test_a_screenshot_that_cannot_be_saved_says_why(monkeypatch, tmp_path):
    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        message = await screenshot_from_the_palette(pilot)
        assert message.startswith("Not saved: [Errno 2] No such file or directory: 'softmax-tui_")


async def test_the_palette_does_not_open_over_the_too_small_notice():
    """ctrl+p over the notice would leave the notice under the palette once the terminal is
    big again, covering the dashboard until the next resize."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.resize_terminal(31, 10)
        await screen_of(pilot, TooSmallScreen)
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, TooSmallScreen)
        await pilot.resize_terminal(*SIZE)
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is app.dashboard
        await pilot.press("n")
        assert app.dashboard.runner.snapshot.step == 1


async def test_ctrl_c_quits():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+c")
        await pilot.pause()
        assert not app.is_running


async def test_live_app_trains_and_counts_steps():
    app = make_app(speed=float("inf"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("space")
        seen = []
        for _ in range(6):
            await pilot.pause(0.3)
            seen.append(app.dashboard.runner.snapshot.step)
        assert seen == sorted(seen) and seen[-1] > seen[0] > 0
        assert app.dashboard.runner.steps_per_second > 0
        app.dashboard.draw_frame(now=True)
        text = status_text(app)
        shown = int(re.search(r"step (\d+) ", text).group(1))
        assert text.startswith("RUNNING") and 0 < shown <= app.dashboard.runner.snapshot.step
        assert app.dashboard.query_one(ParameterBars).layout_name == "bars"


async def test_history_is_the_headless_csv_written_as_training_goes(tmp_path, capsys):
    headless = tmp_path / "headless.csv"
    assert main(["--headless", "--epochs", "5", "--history", str(headless)]) == 0
    capsys.readouterr()
    header, *rows = headless.read_text().splitlines(keepends=True)
    path = tmp_path / "dashboard.csv"
    app = make_app("--history", str(path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"nnnnn")  # gd: every step completes an epoch
        assert path.read_text() == header + "".join(rows)  # flushed at once
        await pilot.press("r")  # the file starts again with the run
        assert path.read_text() == header
        await pilot.press("n", "n")
    assert path.read_text() == header + "".join(rows[:2])


async def test_history_ends_with_the_last_step_when_it_ends_no_epoch(tmp_path):
    path = tmp_path / "h.csv"
    app = make_app("--optimizer", "sgd", "--history", str(path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"nnn")  # three of rgb20's twenty samples: no epoch completed
        assert len(path.read_text().splitlines()) == 1
        snap = app.dashboard.runner.snapshot
    last = path.read_text().splitlines()[-1].split(",")
    assert last[:3] == ["3", "0", repr(snap.loss)]
