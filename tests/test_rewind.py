"""Rewind in the dashboard (issue 14): the keys, what every panel shows at a past step, the
status bar's "step 37 of 412", the loss plot's cursor, forks (space, n, live changes) with
their marks, history and command, and keys that arrive in a burst."""

import csv

import numpy as np
import pytest
from textual import events

from softmax_tui.engine import RunState
from softmax_tui.tui.app import SoftmaxApp
from softmax_tui.tui.keys import KEYS
from softmax_tui.tui.options import parse_options
from softmax_tui.tui.rewind import MOVES, Coalesced, rewind_target
from softmax_tui.tui.screens import dashboard as dashboard_module
from softmax_tui.tui.screens.command import CommandScreen
from softmax_tui.tui.session import build_session
from softmax_tui.tui.widgets.loss import CURSOR_MARK
from softmax_tui.tui.widgets.status import StatusBar

SIZE = (100, 30)


def make_app(*argv: str) -> SoftmaxApp:
    return SoftmaxApp(build_session(parse_options(["--paused", *argv])))


def status_text(app: SoftmaxApp) -> str:
    return str(app.dashboard.query_one(StatusBar).render())


async def steps(pilot, n: int) -> list:
    """``n`` presses of n, and the runner's snapshot after each (the stored run: index = step)."""
    stored = [pilot.app.dashboard.runner.snapshot]
    for _ in range(n):
        await pilot.press("n")
        stored.append(pilot.app.dashboard.runner.snapshot)
    assert [snap.step for snap in stored] == list(range(n + 1))
    return stored


async def settled(pilot) -> None:
    """Until the step asked for is recomputed (here or by the rewind worker) and drawn."""
    d = pilot.app.dashboard
    for _ in range(500):
        await pilot.pause()
        busy = any(w.group == "rewind" and not w.is_finished for w in pilot.app.workers)
        if not busy and (d.rewound is None or (d.past is not None and d.past.step == d.rewound)):
            await pilot.pause()
            return
        await pilot.pause(0.01)
    raise AssertionError("the step asked for was not shown")


def assert_shows(app: SoftmaxApp, snap) -> None:
    """Every panel shows ``snap``: the parameters bit for bit, the Jacobian's z from them, and
    the status bar's numbers."""
    d = app.dashboard
    assert d.past.step == snap.step and np.array_equal(d.past.W, snap.W) and np.array_equal(d.past.b, snap.b)
    assert np.array_equal(d.parameters._W, snap.W) and np.array_equal(d.parameters._b, snap.b)
    explanation = d.jacobian._subject.explanation
    np.testing.assert_array_equal(explanation.z, snap.W @ explanation.x + snap.b)
    assert f"step {snap.step} of {d.runner.snapshot.step}" in status_text(app)
    assert f"loss {snap.loss:.4g}" in status_text(app)


def test_each_move_goes_to_its_step_within_the_run():
    assert [rewind_target(move, 37, 412) for move in MOVES] == [36, 38, 0, 412, 37 - 41, 37 + 41][:4] + [0, 78]
    assert rewind_target("back", 0, 412) == 0 and rewind_target("forward", 412, 412) == 412
    assert rewind_target("page_forward", 400, 412) == 412
    assert rewind_target("page_back", 5, 7) == 4  # a page is at least one step
    with pytest.raises(ValueError, match="no rewind move 'up'"):
        rewind_target("up", 1, 2)


def test_requests_before_the_call_coalesce_into_one_and_later_ones_call_again():
    queued, calls = [], []
    coalesced = Coalesced(queued.append, lambda: calls.append(len(calls)))
    for _ in range(5):  # a burst of keys, handled before the scheduled call
        coalesced.request()
    assert len(queued) == 1 and calls == []
    queued.pop(0)()
    assert calls == [0]
    coalesced.request()  # after the call: a new one
    assert len(queued) == 1
    queued.pop(0)()
    assert calls == [0, 1]


def test_every_rewind_key_is_in_the_one_table():
    keys = {key.keys: key.action for key in KEYS}
    assert {keys[k] for k in ("left", "right", "home", "end", "pageup", "pagedown")} == {
        f"rewind('{move}')" for move in MOVES}
    assert keys["shift+left"] == "cursor(-1, 0)" and keys["shift+up"] == "cursor(0, -1)"
    assert keys["shift+pageup"] == "scroll_jacobian(False)" and keys["shift+pagedown"] == "scroll_jacobian(True)"
    footer = [key for key in KEYS if key.group is not None and key.group.description == "rewind"]
    assert [key.keys for key in footer] == ["left", "right"] and all(key.footer for key in footer)


async def test_rewinding_shows_the_stored_run_bit_for_bit():
    app = make_app("--dataset", "iris", "--optimizer", "adam")
    async with app.run_test(size=SIZE) as pilot:
        stored = await steps(pilot, 12)
        await pilot.press("left")
        await settled(pilot)
        assert app.dashboard.rewound == 11
        assert_shows(app, stored[11])
        await pilot.press("left", "left", "left")
        await settled(pilot)
        assert_shows(app, stored[8])
        await pilot.press("right")
        await settled(pilot)
        assert_shows(app, stored[9])
        assert app.dashboard.runner.snapshot.step == 12 and app.session.trainer.snapshot.step == 12  # only looked


async def test_home_end_and_page_keys():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        stored = await steps(pilot, 20)
        await pilot.press("home")
        await settled(pilot)
        assert_shows(app, stored[0])
        await pilot.press("pagedown")
        await settled(pilot)
        assert_shows(app, stored[2])  # a tenth of 20
        await pilot.press("pagedown", "pageup", "pageup")
        await settled(pilot)
        assert_shows(app, stored[0])
        await pilot.press("end")
        await pilot.pause()
        d = app.dashboard
        assert d.rewound is None and d.past is None
        assert np.array_equal(d.parameters._W, stored[20].W)
        assert "step 20 │" in status_text(app) and " of " not in status_text(app)


async def test_forward_at_the_latest_step_is_live_again():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await steps(pilot, 5)
        await pilot.press("left", "right")
        await pilot.pause()
        assert app.dashboard.rewound is None and "step 5 │" in status_text(app)
        await pilot.press("right")  # at the latest step already: stays live
        assert app.dashboard.rewound is None and app.dashboard.runner.snapshot.step == 5


async def test_a_rewind_key_pauses_a_running_run_first():
    app = SoftmaxApp(build_session(parse_options([])), speed=float("inf"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause(0.2)
        await pilot.press("left")
        runner = app.dashboard.runner
        assert runner.state is RunState.PAUSED
        await settled(pilot)
        with runner._control():
            latest = runner.snapshot.step
        # one step back from where the run stopped, not from the last step published while it
        # ran (at max speed the chunk in progress runs hundreds of steps past it)
        assert app.dashboard.rewound == latest - 1
        assert f"step {latest - 1} of {latest}" in status_text(app)


async def test_the_loss_plot_shows_the_whole_run_with_a_cursor_at_the_step():
    app = make_app("--dataset", "iris")
    async with app.run_test(size=(120, 40)) as pilot:
        await steps(pilot, 40)
        for _ in range(15):
            await pilot.press("left")
        await settled(pilot)
        plot = app.dashboard.loss
        assert plot.shown.step == 40 and plot.shown.cursor == 25 and plot.last_step == 40
        text = [line.text for line in plot._lines]
        assert sum(line.count(CURSOR_MARK) for line in text) == 1
        assert str(plot.border_subtitle).startswith("at 25: ")
        await pilot.press("end")
        await pilot.pause()
        assert plot.shown.cursor is None and not any(CURSOR_MARK in line.text for line in plot._lines)


async def test_step_37_of_412_shows_at_80_columns():
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await steps(pilot, 12)
        await pilot.press("left")
        await settled(pilot)
        assert "step 11 of 12" in status_text(app)


async def test_n_from_a_past_step_forks_and_equals_the_stored_next_step():
    """The same settings give the same future: the fork's first step is the stored one."""
    app = make_app("--dataset", "iris", "--optimizer", "momentum")
    async with app.run_test(size=SIZE) as pilot:
        stored = await steps(pilot, 10)
        await pilot.press("left", "left", "left", "left")
        await settled(pilot)
        await pilot.press("n")
        runner = app.dashboard.runner
        assert app.dashboard.rewound is None and runner.forks == [6] and runner.marks == [(6, "fork")]
        assert runner.snapshot.step == 7 and app.session.trainer.snapshot.step == 7
        assert np.array_equal(runner.snapshot.W, stored[7].W) and np.array_equal(runner.snapshot.b, stored[7].b)
        await pilot.pause()
        assert app.dashboard.loss.shown.switches == ((6, "fork"),) and app.dashboard.loss.shown.cursor is None
        await pilot.press("r")
        assert runner.forks == [] and runner.snapshot.step == 0


async def test_space_from_a_past_step_resumes_a_new_future_there():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await steps(pilot, 8)
        await pilot.press("home")
        await settled(pilot)
        await pilot.press("space")
        runner = app.dashboard.runner
        assert runner.state is RunState.RUNNING and runner.forks == [0]
        await pilot.pause(0.3)
        await pilot.press("space")
        assert app.dashboard.rewound is None


async def test_a_fork_drops_the_live_changes_after_it(live):
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        stored = await steps(pilot, 4)
        await pilot.press("o")  # sgd from step 4 on
        await steps_more(pilot, 4)
        runner = app.dashboard.runner
        assert runner.changed_at == [4] and runner.optimizer == "sgd"
        for _ in range(6):
            await pilot.press("left")
        await settled(pilot)
        assert_shows(app, stored[2])
        assert "│ gd │ lr 1 " in status_text(app)  # what trained step 2 (the run goes on with sgd)
        await pilot.press("n")
        assert runner.changes == [] and runner.optimizer == "gd" and runner.config.optimizer == "gd"
        assert app.session.config.optimizer == "gd" and app.session.trainer.optimizer.name == "gd"
        assert np.array_equal(runner.snapshot.W, stored[3].W)


async def steps_more(pilot, n: int) -> None:
    for _ in range(n):
        await pilot.press("n")


async def test_a_live_change_at_a_past_step_forks_there():
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await steps(pilot, 6)
        await pilot.press("left", "left")
        await settled(pilot)
        await pilot.press("o")
        runner = app.dashboard.runner
        assert runner.forks == [4] and runner.changed_at == [4] and runner.optimizer == "sgd"
        assert runner.snapshot.step == 4 and app.dashboard.rewound is None


async def test_the_command_goes_to_the_step_on_screen():
    app = make_app("--dataset", "iris")
    async with app.run_test(size=SIZE) as pilot:
        await steps(pilot, 6)
        await pilot.press("left", "left")
        await settled(pilot)
        await pilot.press("c")
        await pilot.pause()
        screen = app.screen
        assert isinstance(screen, CommandScreen) and screen.step == 4
        assert screen.commands["headless"].line == "softmax-tui --dataset=iris --steps=4 --headless"


async def test_a_fork_cuts_the_history_back(tmp_path):
    path = tmp_path / "h.csv"
    app = make_app("--history", str(path))
    async with app.run_test(size=SIZE) as pilot:
        await steps(pilot, 10)  # gd on rgb20: an epoch per step, a row each
        for _ in range(6):
            await pilot.press("left")
        await settled(pilot)
        await pilot.press("n")
        await pilot.press("n")
    rows = list(csv.reader(path.open()))
    assert [int(row[0]) for row in rows[1:]] == [1, 2, 3, 4, 5, 6]


async def test_keys_in_a_burst_coalesce_into_one_recomputation(monkeypatch):
    """Fifty ←s read at once (a held key) ask for one step: one recomputation, of the last."""
    monkeypatch.setattr(dashboard_module, "QUICK_REWIND", 0.0)  # always the worker
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await steps(pilot, 60)
        runner = app.dashboard.runner
        asked = []
        original = runner.snapshot_at

        def counting(step, progress=None):
            asked.append(step)
            return original(step, progress)

        monkeypatch.setattr(runner, "snapshot_at", counting)
        for _ in range(50):
            app._driver.process_message(events.Key("left", None))
        await pilot.pause()
        await settled(pilot)
        assert asked == [10] and app.dashboard.past.step == 10 and "step 10 of 60" in status_text(app)


async def test_a_slow_recomputation_shows_its_progress(monkeypatch):
    monkeypatch.setattr(dashboard_module, "QUICK_REWIND", 0.0)
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await steps(pilot, 30)
        runner = app.dashboard.runner
        seen = []
        original = runner.snapshot_at

        def reporting(step, progress=None):
            snap = original(step, progress)
            progress(1, 4)
            app.call_from_thread(lambda: seen.append(status_text(app)))
            return snap

        monkeypatch.setattr(runner, "snapshot_at", reporting)
        await pilot.press("left")
        await settled(pilot)
        assert any("step 29 of 30 · rewinding 25%" in text for text in seen)
        # the numbers of the step shown before (30) are not shown beside the step asked for
        assert not any("loss" in text or "epoch" in text for text in seen if "rewinding" in text), seen
        assert "rewinding" not in status_text(app) and app.dashboard.past.step == 29
        assert f"loss {app.dashboard.past.loss:.4g}" in status_text(app)


async def test_a_finished_run_can_be_rewound_and_forked():
    app = make_app("--steps", "5")
    async with app.run_test(size=SIZE) as pilot:
        await steps(pilot, 5)
        runner = app.dashboard.runner
        assert runner.state.finished
        assert status_text(app).startswith("DONE")
        await pilot.press("left", "left")
        await settled(pilot)
        assert app.dashboard.check_action("step", ()) is True
        # the step shown is not finished (and has no reason): it reads as a paused run
        assert status_text(app).startswith("PAUSED") and "step 3 of 5" in status_text(app)
        assert "press r" not in status_text(app)
        await pilot.press("n")
        assert runner.forks == [3] and runner.snapshot.step == 4


async def test_the_cursor_shows_on_the_log_scale_too():
    app = make_app("--dataset", "iris")
    async with app.run_test(size=(120, 40)) as pilot:
        await steps(pilot, 20)
        await pilot.press("l", "pageup")
        await settled(pilot)
        plot = app.dashboard.loss
        assert plot.shown.log and plot.shown.cursor == 18
        assert sum(line.text.count(CURSOR_MARK) for line in plot._lines) == 1


async def test_a_fork_at_a_live_change_keeps_it_and_reruns_the_same_future():
    """A change made at step 4 acts from step 5: forking at 4 keeps it, and the next step is
    the stored step 5 (sgd's shuffle included), bit for bit."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        await steps(pilot, 4)
        await pilot.press("o")  # sgd from step 4 on
        runner = app.dashboard.runner
        stored = [runner.snapshot]
        for _ in range(4):
            await pilot.press("n")
            stored.append(runner.snapshot)
        await pilot.press("left", "left", "left", "left")
        await settled(pilot)
        assert_shows(app, stored[0])
        await pilot.press("n")
        assert runner.changed_at == [4] and runner.optimizer == "sgd" and runner.forks == [4]
        assert runner.snapshot.step == 5 and np.array_equal(runner.snapshot.W, stored[1].W)


async def test_the_model_saved_while_rewound_is_the_latest_step():
    """Rewinding only looks: --save-model (saved from the session on quitting) holds the run's
    latest step until a fork makes the past step the latest."""
    app = make_app()
    async with app.run_test(size=SIZE) as pilot:
        stored = await steps(pilot, 6)
        await pilot.press("left", "left", "left")
        await settled(pilot)
        saved = app.session.saved_model()
        assert np.array_equal(saved.W, stored[6].W) and saved.config["trained"]["step"] == 6
        await pilot.press("n")
        saved = app.session.saved_model()
        assert np.array_equal(saved.W, stored[4].W) and saved.config["trained"]["step"] == 4


@pytest.mark.parametrize("block", [16, 100, 1 << 16])  # rows longer than a block, a few per block, all in one
def test_the_history_file_is_cut_back_to_a_step(tmp_path, monkeypatch, block):
    from softmax_tui.engine import Snapshot
    from softmax_tui.tui import history

    monkeypatch.setattr(history, "CUT_BLOCK", block)
    path = tmp_path / "h.csv"
    file = history.HistoryFile(str(path))

    def row(step: int) -> Snapshot:
        return Snapshot(step, step, np.zeros((1, 1)), np.zeros(1), 1 / step, 0.5, None, None, 0.1, 1.0,
                        RunState.PAUSED)

    for step in range(1, 41):
        file.write(row(step))
    file.flush()
    file.cut(17)
    assert file.last_step == 17
    file.write(row(18))
    file.flush()
    lines = path.read_text().splitlines()
    assert lines[0] == ",".join(history.HISTORY_COLUMNS)
    assert [int(line.split(",")[0]) for line in lines[1:]] == list(range(1, 19))
    assert lines[-2].split(",")[2] == repr(1 / 17)
    file.cut(0)
    assert path.read_text() == ",".join(history.HISTORY_COLUMNS) + "\n" and file.last_step == 0
    file.close()


async def test_the_settings_form_at_a_past_step_opens_on_that_steps_settings_and_forks_there():
    """lr 1 to step 6, then 3 (`+`): the form opened at step 4 shows lr 1, and an l2 typed there
    forks the run at 4 with lr 1 and that l2 (the later lr 3 does not come back)."""
    from softmax_tui.tui.screens.settings import SettingsScreen
    from tests.test_settings import open_settings, type_into

    app = make_app("--dataset", "iris", "--lr", "1")
    async with app.run_test(size=SIZE) as pilot:
        await steps(pilot, 6)
        await pilot.press("plus")
        await steps_more(pilot, 3)
        runner = app.dashboard.runner
        assert runner.config.lr == 3
        await pilot.press("left", "left", "left", "left", "left")
        await settled(pilot)
        assert app.dashboard.rewound == 4
        screen = await open_settings(pilot)
        assert screen.query_one("#field-lr").value in ("1", "1.0")
        await type_into(pilot, screen, "l2", "0.01")
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.pause()
        assert not isinstance(app.screen, SettingsScreen)
        await settled(pilot)
        assert app.dashboard.rewound is None and runner.snapshot.step == 4
        assert (runner.config.lr, runner.config.l2) == (1, 0.01)
        assert runner.trainer.lr == 1 and runner.trainer.l2 == 0.01

