"""Issue 12, items 4 and 5: the status bar on the rendered screen.

Item 4: at every width from 64 columns the bar shows the state, the dataset (a data file's
name, never its folders), the optimizer, the rate, the step and the loss, each between
separators, measured in cells (a CJK file name too). Item 5: a finished run (DONE, DIVERGED)
keeps the bar one line, so no panel moves, and its toasts leave the bar in sight.
"""

import pytest
from rich.cells import cell_len
from textual.widgets import Footer
from textual.widgets._toast import Toast

from softmax_tui.engine import RunState
from softmax_tui.tui.app import SoftmaxApp
from softmax_tui.tui.options import parse_options
from softmax_tui.tui.session import build_session
from softmax_tui.tui.stability import limit_text, lr_forms
from softmax_tui.tui.widgets.status import WHY, StatusBar

FOLDERS = ("results of the spring measurement campaign", "raw exports")
NAMES = ("measurements of the second experiment, final.csv", "測定データ_実験結果の一覧表.csv")


def make_app(*argv: str) -> SoftmaxApp:
    return SoftmaxApp(build_session(parse_options(["--paused", *argv])))


def data_file(tmp_path, name: str) -> str:
    folder = tmp_path.joinpath(*FOLDERS)
    folder.mkdir(parents=True)
    rows = [f"{(i * 7) % 11 - 5},{(i * 5) % 13 - 6},{'abc'[i % 3]}" for i in range(30)]
    (folder / name).write_text("x1,x2,label\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return str(folder / name)


def status_line(app, live) -> str:
    """The status bar's row of the rendered screen (above the footer)."""
    return live.screen_text(app).split("\n")[app.dashboard.status.region.y]


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("width", [64, 80, 100, 120, 200])
async def test_the_status_bar_keeps_the_essentials_and_shows_a_file_by_its_name(tmp_path, live, name, width):
    path = data_file(tmp_path, name)
    app = make_app("--dataset", path, "--optimizer", "minibatch", "--lr", "0.0003", "--val-fraction", "0.2")
    async with app.run_test(size=(width, 24)) as pilot:
        await pilot.press("n")
        snap = app.dashboard.runner.snapshot
        line = status_line(app, live)
        assert cell_len(line.rstrip()) <= width - 1  # the bar's padding: one cell each side
        texts = [text.strip() for text in line.split("│")]
        # the rate with minibatch's (full-batch GD's) limit, measured at step 1, in one of its forms
        limit = app.dashboard.lr_limit()
        assert limit == pytest.approx(2 / app.dashboard.stability.latest.lambda_max) and limit > 0.0003
        assert app.dashboard.stability.latest.step == 1
        rate_forms, warns = lr_forms(0.0003, "minibatch", limit)
        assert not warns and rate_forms[0] == f"lr 0.0003 · full-batch limit {limit_text(limit, 0.0003)}"
        rate = next(text for text in texts if text in rate_forms)
        essentials = ["minibatch", rate, "step 1", f"loss {snap.loss:.4g}"]
        assert texts[0] == "PAUSED" and [text for text in texts if text in essentials] == essentials, texts
        shown = texts[1]
        assert shown == name or (shown.endswith("…") and name.startswith(shown[:-1]) and cell_len(shown) >= 7)
        if width >= 120:
            assert shown == name
        assert not any(folder in line for folder in FOLDERS)
        # every item between separators: each is one of the forms the bar has, nothing run together
        optional = {f"epoch {snap.epoch}", f"acc {100 * snap.train_accuracy:.1f}%",
                    f"acc {100 * snap.train_accuracy:.1f}% val {100 * snap.val_accuracy:.1f}%",
                    "0 steps/s", "speed 5/s to step 20", "speed 5/s"}  # the warm-up's (tui/pace.py)
        assert set(texts[2:]) <= set(essentials) | optional, texts
        if width == 200:
            assert rate == rate_forms[0]
            assert set(texts[2:]) == set(essentials) | optional - {f"acc {100 * snap.train_accuracy:.1f}%",
                                                                   "speed 5/s"}


def layout(app) -> dict[str, object]:
    """Where the panels, the status bar and the footer are."""
    screen = app.dashboard
    widgets = (screen.parameters, screen.loss, screen.decision_map, screen.jacobian, screen.status,
               screen.query_one(Footer))
    return {widget.id or type(widget).__name__: widget.region for widget in widgets}


async def finish(pilot, state: RunState) -> None:
    """``n`` until the run is in ``state`` (at most 30 steps)."""
    for _ in range(30):
        await pilot.press("n")
        if pilot.app.dashboard.runner.state is state:
            break
    assert pilot.app.dashboard.runner.state is state


@pytest.mark.parametrize("argv, state", [
    (("--epochs", "3"), RunState.MAX_EPOCHS),
    (("--lr", "1e8", "--dataset", "iris"), RunState.DIVERGED),
])
@pytest.mark.parametrize("size", [(80, 24), (100, 30)])
async def test_a_finished_run_moves_nothing_and_its_toast_leaves_the_status_in_sight(live, argv, state, size):
    app = make_app(*argv)
    async with app.run_test(size=size, notifications=True) as pilot:
        await pilot.pause()
        before = layout(app)
        await finish(pilot, state)
        for _ in range(50):
            if app.screen.query(Toast):
                break
            await pilot.pause(0.01)
        await pilot.pause()
        assert layout(app) == before
        status = app.dashboard.status
        reason = app.dashboard.runner.snapshot.reason
        why = f"{WHY[state]}: {reason}" if state in WHY else reason
        line = status_line(app, live)
        word = "DIVERGED" if state is RunState.DIVERGED else "DONE"
        assert line.split("│")[0].strip() == word
        shown = line.split("│")[1].strip()  # the reason, cut with "…" where the line needs it
        assert why.startswith(shown.removesuffix("…")) and len(shown) >= 8, line
        assert why in str(status.tooltip) and any(reason in n.message for n in app._notifications)
        toasts = list(app.screen.query(Toast))
        assert toasts
        for toast in toasts:
            where = app.screen.find_widget(toast)
            shown_at = where.region.intersection(where.clip)  # what is on screen of it
            assert shown_at and not shown_at.overlaps(status.region), (shown_at, status.region)
        assert status.region.height == 1 and isinstance(status, StatusBar)
