"""The race view driven by Textual's pilot (issue 14): keys on every run or the selected one,
the panels, entering and leaving the race, and the status line's fitting."""

import math

import numpy as np
import pytest
from rich.cells import cell_len
from textual import events

from softmax_tui.engine import Milestones, RunState
from softmax_tui.tui.app import SoftmaxApp
from softmax_tui.tui.options import parse_options
from softmax_tui.tui.race import build_entrants
from softmax_tui.tui.screens.dashboard import DEFAULT_RACE, DashboardScreen
from softmax_tui.tui.screens.race import RaceScreen
from softmax_tui.tui.session import build_session
from softmax_tui.tui.widgets.loss import LossPlot
from softmax_tui.tui.widgets.race import RaceBar, RunLine, TableRow, milestone_cells, race_line

COMPARE = ["--compare", "gd,momentum,adam", "--dataset", "iris"]


def race_app(*argv: str, speed: float | None = None) -> SoftmaxApp:
    entrants = build_entrants(parse_options(["--paused", *argv]))
    return SoftmaxApp(entrants.sessions[0], entrants=entrants, speed=speed)


def steps(screen: RaceScreen) -> list[int]:
    return [member.snapshot.step for member in screen.runner.members]


async def settled(pilot, screen: RaceScreen) -> None:
    """The queued controls run and a frame drawn with their result."""
    with screen.runner._control():
        pass
    screen.draw_frame(now=True)
    await pilot.pause()


async def test_keys_act_on_every_run_and_the_panels_show_them():
    app = race_app(*COMPARE)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.main_screen
        assert isinstance(screen, RaceScreen)
        for _ in range(5):
            await pilot.press("n")
        await settled(pilot, screen)
        assert steps(screen) == [5, 5, 5]
        plot = screen.query_one(LossPlot)
        assert plot.shown.step == 5 and plot.shown.markers == ("o", "x", "+")
        assert "o gd" in plot.border_subtitle and "+ adam" in plot.border_subtitle
        line = screen.query_one(RaceBar).render().plain
        assert line.startswith("PAUSED step 5") and all(label in line for label in ("gd", "momentum", "adam"))
        await pilot.press("space")
        await pilot.pause(0.3)
        await pilot.press("space")
        await settled(pilot, screen)
        assert screen.runner.state is RunState.PAUSED
        assert len(set(steps(screen))) == 1 and steps(screen)[0] > 5  # paused in lockstep
        await pilot.press("r")
        await settled(pilot, screen)
        assert steps(screen) == [0, 0, 0]
        assert all(m.accuracy_step == 0 and m.loss_step is None for m in screen.runner.milestones)
        await pilot.press("l")
        await settled(pilot, screen)
        assert plot.shown.log


async def test_o_and_the_rate_change_the_selected_run_only():
    app = race_app(*COMPARE)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.main_screen
        await pilot.press("tab")
        await pilot.press("plus")
        await settled(pilot, screen)
        assert [m.config.lr for m in screen.runner.members] == [1.0, 1.0, 0.1]  # momentum 0.3 -> 1
        await pilot.press("o")
        await settled(pilot, screen)
        assert [m.trainer.optimizer.name for m in screen.runner.members] == ["gd", "nesterov", "adam"]
        await pilot.press("n")
        await settled(pilot, screen)
        assert steps(screen) == [1, 1, 1]


@pytest.mark.parametrize("size,shown", [((80, 24), [[True, False, False], [False, True, False]]),
                                        ((120, 40), [[True, True, True], [True, True, True]])])
async def test_the_map_shows_the_selected_run_or_every_run_when_there_is_room(size, shown):
    app = race_app(*COMPARE)
    async with app.run_test(size=size) as pilot:
        screen = app.main_screen
        assert [m.display for m in screen.maps] == shown[0]
        await pilot.press("tab")
        await pilot.pause()
        assert [m.display for m in screen.maps] == shown[1]
        assert "momentum" in screen.maps[1].border_title and "gd" not in screen.maps[1].border_title


async def test_each_run_in_the_race_equals_its_solo_run():
    """Run at full speed then paused, every member's parameters are those of the same
    settings run alone to the same step."""
    app = race_app(*COMPARE, "--l2", "0.01", speed=math.inf)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.main_screen
        await pilot.press("space")
        await pilot.pause(0.4)
        await pilot.press("space")
        await settled(pilot, screen)
        for member, optimizer in zip(screen.runner.members, ["gd", "momentum", "adam"]):
            solo = build_session(parse_options(["--dataset", "iris", "--l2", "0.01", "--optimizer", optimizer]))
            snap = solo.trainer.advance(member.snapshot.step)
            assert np.array_equal(snap.W, member.snapshot.W) and np.array_equal(snap.b, member.snapshot.b)


async def test_r_in_the_dashboard_races_and_shift_r_leaves_with_the_selected_run():
    app = SoftmaxApp(build_session(parse_options(["--paused", "--dataset", "iris", "--l2", "0.01"])))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("R")
        await pilot.pause()
        screen = app.main_screen
        assert isinstance(screen, RaceScreen) and screen.labels == tuple(DEFAULT_RACE.split(","))
        assert {m.session.config.l2 for m in screen.runner.members} == {0.01}  # the run's settings shared
        await pilot.press("n", "n", "tab", "tab")
        await settled(pilot, screen)
        adam = screen.runner.members[2].session
        await pilot.press("R")
        await pilot.pause()
        assert isinstance(app.main_screen, DashboardScreen)
        assert app.main_screen.session is adam and app.main_screen.runner.snapshot.step == 2


def test_the_palette_offers_the_race_keys_of_the_view_on_screen():
    from softmax_tui.tui.keys import KEYS, RACE

    race_only = {key.id for key in KEYS if key.views == (RACE,)}
    assert race_only == {"next-run", "leave-race"}
    assert all(RACE in key.views for key in KEYS if key.id in ("toggle-pause", "step", "reset", "lr-up",
                                                                 "next-optimizer", "log-scale", "rewind-back",
                                                                 "rewind-forward", "rewind-start", "rewind-end",
                                                                 "rewind-page-back", "rewind-page-forward"))


def run_lines(n: int, state=RunState.PAUSED, step=40) -> list[RunLine]:
    labels = ["gd", "momentum", "adam", "nesterov:momentum=0.5", "minibatch:batch-size=8", "lbfgs"]
    return [RunLine(labels[i], "ox+*#%"[i], None, state, step + (i if state is RunState.RUNNING else 0),
                    0.2312 + i, 0.967, i == 0) for i in range(n)]


@pytest.mark.parametrize("n", [2, 3, 6])
def test_the_race_line_fits_any_width_and_a_cut_shows(n):
    runs = run_lines(n)
    for width in range(10, 160):
        line = race_line(RunState.PAUSED, runs, width)
        assert line.cell_len <= width
        whole = all(f"{run.marker} " in line.plain for run in runs) and line.plain.endswith("%")
        assert whole or line.plain.endswith("…"), (width, line.plain)


def test_three_runs_fit_80_columns_whole():
    line = race_line(RunState.PAUSED, run_lines(3), 80).plain
    assert line == "PAUSED step 40 │ o gd 0.2312 96.7% │ x momentum 1.231 96.7% │ + adam 2.231 96.7%"
    assert cell_len(line) <= 80


def test_runs_at_different_steps_show_their_own():
    line = race_line(RunState.RUNNING, run_lines(2, RunState.RUNNING), 80).plain
    assert line.startswith("RUNNING step 41") and "o gd @40" in line and "x momentum @41" in line


@pytest.mark.parametrize("milestones,finished,cells", [
    (Milestones(34, 1.0, 12), False, ("step 34", "step 12")),
    (Milestones(None, 0.967, 99), False, ("not yet", "96.7% @ 99")),
    (Milestones(None, 0.5, 3), True, ("never", "50.0% @ 3")),
])
def test_milestone_cells(milestones, finished, cells):
    assert milestone_cells(TableRow("gd", "o", None, milestones, finished)) == cells


async def test_100_random_race_keys_at_full_speed_keep_the_runs_in_lockstep():
    """100 random race keys (all but leaving it and quitting) while the race trains unthrottled:
    no error, every run that has not finished at one step whenever the race is paused, the
    status line within the screen's width, and the table's milestones never after a run's
    step."""
    import random

    from softmax_tui.tui.keys import KEYS, RACE

    keys = sorted({name for key in KEYS if RACE in key.views and key.id != "leave-race"
                   for name in key.keys.split(",")})
    rng = random.Random(3)
    app = race_app("--compare", "gd,sgd,adam:lr=3", "--dataset", "blobs", speed=math.inf)
    async with app.run_test(size=(100, 30)) as pilot:
        screen = app.main_screen
        await pilot.press("space")
        seen = set()
        for n in range(100):
            key = rng.choice(keys)
            await pilot.press(key)
            if key == "question_mark":
                await pilot.press("escape")
            await settled(pilot, screen)
            assert app._exception is None and app.main_screen is screen, (n, key)
            with screen.runner._control():
                state = screen.runner.state
                live = [m.snapshot.step for m in screen.runner.members if not m.trainer.state.finished]
                milestones = screen.runner.milestones
                snaps = [m.snapshot for m in screen.runner.members]
            seen.add(state)
            if state is RunState.PAUSED:
                assert len(set(live)) <= 1, (n, key, live)
            assert all(m.accuracy_step <= s.step and (m.loss_step or 0) <= s.step for m, s in zip(milestones, snaps))
            assert screen.query_one(RaceBar).render().cell_len <= 100
        assert {RunState.RUNNING, RunState.PAUSED} <= seen


async def test_rewind_shows_every_run_at_a_past_step_and_going_on_forks_there():
    app = race_app(*COMPARE)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.main_screen
        for _ in range(20):
            await pilot.press("n")
        await settled(pilot, screen)
        live = [m.trainer for m in screen.runner.members]
        await pilot.press("left", "left", "pageup")  # 20 -> 19 -> 18 -> 16
        await settled(pilot, screen)
        step, snaps, _ = screen.rewound
        assert step == 16 and [s.step for s in snaps] == [16, 16, 16]
        assert all(np.array_equal(s.W, t.snapshot_at(16).W) for s, t in zip(snaps, live))
        assert screen.query_one(RaceBar).render().plain.startswith("PAUSED step 16 of 20")
        shown = screen.query_one(LossPlot).shown
        assert (shown.step, shown.cursor) == (20, 16)  # the whole race, a cursor at the step shown
        await pilot.press("end")
        assert screen.rewound is None
        await pilot.press("home", "right", "right", "right")
        assert screen.rewound[0] == 3
        await pilot.press("n")  # a new future from step 3
        await settled(pilot, screen)
        assert screen.rewound is None and steps(screen) == [4, 4, 4]
        assert all(member.marks == [(3, "fork")] for member in screen.runner.members)
        for member, optimizer in zip(screen.runner.members, ["gd", "momentum", "adam"]):
            solo = build_session(parse_options(["--dataset", "iris", "--optimizer", optimizer]))
            assert np.array_equal(solo.trainer.advance(4).W, member.snapshot.W)


async def test_rewind_keys_in_a_burst_are_recomputed_once():
    app = race_app(*COMPARE)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.main_screen
        for _ in range(30):
            await pilot.press("n")
        await settled(pilot, screen)
        calls = []
        snapshots_at = screen.runner.snapshots_at
        screen.runner.snapshots_at = lambda step: calls.append(step) or snapshots_at(step)
        for _ in range(20):  # read at once, as a held key's repeats are
            app._driver.process_message(events.Key("left", None))
        await pilot.pause()
        await settled(pilot, screen)
        assert calls == [10] and screen.rewound[0] == 10
        await pilot.press("left", "n")  # from step 9: a new future
        await settled(pilot, screen)
        assert steps(screen) == [10, 10, 10]
        assert all(member.marks == [(9, "fork")] for member in screen.runner.members)


async def test_the_help_screen_of_a_race_lists_the_race_keys_each_once():
    from softmax_tui.tui.keys import KEYS, RACE
    from softmax_tui.tui.screens.help import HelpScreen

    app = race_app(*COMPARE)
    async with app.run_test(size=(100, 40)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        [table] = [s.content for s in app.screen.query("Static") if hasattr(s.content, "columns")]
        keys = list(table.columns[0].cells)
        helps = list(table.columns[1].cells)
        expected = [key for key in KEYS if key.app or RACE in key.views]
        assert keys == [key.display for key in expected] and helps == [key.help for key in expected]
        assert keys.count("tab") == 1 and keys.count("R") == 1
        assert helps[keys.index("tab")].startswith("In a race: the next run")
