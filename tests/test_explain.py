"""Explain mode (issue 13, item 5): a note over every panel, opened and closed with e or from the
palette, in place at every size, quoting the run's live numbers (the engine's explain_*).

Screens are read as text (``live.screen_text``); a note "is on screen" when its title and the
start of its panel's prose are in the note's own rows."""

import re

import pytest

from softmax_tui.engine import RunState, explain_loss, explain_weights
from softmax_tui.tui.app import SoftmaxApp
from softmax_tui.tui.options import parse_options
from softmax_tui.tui.screens.explain import KEEP_ROWS, ExplainScreen, Note
from softmax_tui.tui.session import build_session
from softmax_tui.tui.widgets.decision_map import DecisionMap

IRIS_FEATURES = ("sepal_length", "sepal_width", "petal_length", "petal_width")
SIZES = [(80, 24), (120, 40)]


def make_app(*argv: str, paused: bool = True) -> SoftmaxApp:
    return SoftmaxApp(build_session(parse_options([*(["--paused"] if paused else []), *argv])))


def rows_of(live, app, region) -> list[str]:
    """The screen's text inside ``region`` (cells; every character here is one cell wide)."""
    lines = live.screen_text(app).splitlines()
    return [line[region.x:region.right] for line in lines[region.y:region.bottom]]


def words(text: str) -> str:
    """``text`` with its runs of spaces and line breaks as one space (a note wraps)."""
    return " ".join(text.split())


async def opened(pilot) -> ExplainScreen:
    for _ in range(100):
        if isinstance(pilot.app.screen, ExplainScreen):
            await pilot.pause()
            await pilot.pause()  # placed after the layout
            return pilot.app.screen
        await pilot.pause(0.01)
    raise AssertionError("explain mode did not open")


@pytest.mark.parametrize("close", ["e", "escape"])
@pytest.mark.parametrize("paused", [True, False])
async def test_e_opens_the_notes_and_e_or_escape_closes_them_the_run_going_on_as_it_was(close, paused):
    app = make_app("--dataset", "rgb20", paused=paused)
    async with app.run_test(size=(100, 30)) as pilot:
        dashboard = app.dashboard
        state = dashboard.runner.state
        await pilot.press("e")
        screen = await opened(pilot)
        assert [note.id for note in screen.query(Note)] == [
            "parameters-note", "loss-note", "map-note", "jacobian-note", "status-note"]
        step = dashboard.runner.snapshot.step
        await pilot.pause(0.3)
        assert dashboard.runner.state is state
        if paused:
            assert dashboard.runner.snapshot.step == step
        else:  # training and drawing go on under the notes (at the first run's warm-up pace)
            for _ in range(100):
                if dashboard.runner.snapshot.step > step:
                    break
                await pilot.pause(0.05)
            assert dashboard.runner.snapshot.step > step
            for _ in range(100):
                if dashboard.status.status.step > step:
                    break
                await pilot.pause(0.05)
            assert dashboard.status.status.step > step
        await pilot.press(close)
        await pilot.pause()
        assert app.screen is dashboard and dashboard.runner.state is state


async def test_the_palette_opens_and_closes_explain_mode():
    app = make_app("--dataset", "rgb20")
    async with app.run_test(size=(100, 30)) as pilot:
        commands = {command.title for command in app.get_system_commands(app.screen)}
        assert "explain (e)" in commands
        for _ in range(2):
            await pilot.press("ctrl+p")
            await pilot.pause()
            await pilot.press(*"explain", "enter")
            await opened(pilot)
            # over the notes the palette offers the command again, and it closes them
            await pilot.press("ctrl+p")
            await pilot.pause()
            await pilot.press(*"explain", "enter")
            for _ in range(100):
                if app.screen is app.dashboard:
                    break
                await pilot.pause(0.01)
            assert app.screen is app.dashboard


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_every_panel_has_its_note_in_place_and_stays_in_sight(live, size):
    app = make_app("--dataset", "iris")
    async with app.run_test(size=size) as pilot:
        await pilot.press("n")
        await pilot.press("e")
        screen = await opened(pilot)
        d = app.dashboard
        regions = {note.id: note.region for note in screen.query(Note)}
        texts = {}
        for note_id, panel in screen.panels().items():
            note, where = regions[note_id], panel.region
            rows = rows_of(live, app, note)
            title, text = rows[0], words(" ".join(row[2:-1] for row in rows[1:]))
            texts[note_id] = text
            expected_title = {"status-note": "Status bar ↓", "map-note": "Decision map"}.get(note_id, panel.border_title)
            assert title.startswith(f"╭─ {expected_title}"), (note_id, title)
            assert text.startswith(" ".join(panel.EXPLAIN.split()[:5])), (note_id, text)
            note_widget = screen.query_one(f"#{note_id}", Note)
            if note_widget.virtual_size.height > note_widget.scrollable_content_region.height:
                assert re.search(r"\d+/\d+ ↕", title), (note_id, title)  # never cut without a sign
            else:
                assert "↕" not in title
            if note_id == "status-note":  # right above the bar, as wide
                assert (note.x, note.width, note.bottom) == (where.x, where.width, where.y)
                continue
            assert (note.x, note.y, note.width) == (where.x, where.y, where.width), note_id
            # the panel's last rows stay in sight: above its border, or above the status note
            below = min(where.bottom - 1, regions["status-note"].y)
            assert below - note.bottom >= KEEP_ROWS, (note_id, note, where)
        names = {region for region in regions.values()}
        assert len(names) == 5 and not any(a.overlaps(b) for a in names for b in names if a is not b)
        if size == (120, 40):  # the live lines, whole in their notes at this size
            assert "k: 1 setosa, 2 versicolor, 3 virginica" in texts["parameters-note"]
            assert "j: 1 sepal_length, 2 sepal_width, 3 petal_length, 4 petal_width" in texts["parameters-note"]
            e = d.subject(d.runner.snapshot).explanation
            probabilities = ", ".join(f"{name} {a:.2f}" for name, a in zip(d.map_view.class_names, e.a))
            assert f"[●] ({d.map_view.class_names[e.label]}): a = {probabilities}" in texts["map-note"]
            assert DecisionMap.EXPLAIN_WRONG in texts["map-note"] and "Underlined" in DecisionMap.EXPLAIN_WRONG
            assert f"Now: {d.runner.optimizer} at lr {d.runner.lr:g}" in texts["status-note"]


async def test_the_notes_follow_a_resize_and_the_too_small_notice(live):
    app = make_app("--dataset", "iris")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("e")
        screen = await opened(pilot)
        for size in [(80, 24), (40, 12), (100, 30)]:
            await pilot.resize_terminal(*size)
            for _ in range(5):
                await pilot.pause()
        assert app.screen is screen
        for note_id, panel in screen.panels().items():
            note = screen.query_one(f"#{note_id}", Note).region
            if note_id != "status-note":
                assert (note.x, note.y, note.width) == (panel.region.x, panel.region.y, panel.region.width)
        assert screen.query_one("#status-note", Note).region.bottom == app.dashboard.status.region.y


async def test_the_notes_quote_the_run_as_it_is_now(live):
    app = make_app("--dataset", "iris", "--l2", "0.01")
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(3):
            await pilot.press("n")
        await pilot.press("e")
        screen = await opened(pilot)
        await pilot.pause(0.3)  # a refresh of the live lines
        snap = app.dashboard.runner.snapshot
        k, j, value = explain_weights(snap.W)
        classes = app.dashboard.map_view.class_names
        terms = explain_loss(snap.loss, snap.W, 0.01)
        parameters = words(str(screen.query_one("#parameters-note", Note).text))
        assert f"Largest now: w[{k + 1},{j + 1}] = {value:+.3g}, {classes[k]} × {IRIS_FEATURES[j]}." in parameters
        loss = words(str(screen.query_one("#loss-note", Note).text))
        assert (f"Now: {snap.loss:.4g} = cross-entropy {terms.cross_entropy:.4g} + penalty {terms.penalty:.4g};"
                in loss) and "ln K = 1.099" in loss
        assert app.dashboard.runner.state is RunState.PAUSED


async def test_a_note_too_long_for_its_box_scrolls_by_keys_and_says_which_lines_are_in_view(live):
    app = make_app("--dataset", "iris")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("e")
        screen = await opened(pilot)
        await pilot.press("tab", "tab")  # from the parameters' note to the map's
        note = screen.query_one("#map-note", Note)
        assert screen.focused is note
        shown, total = note.scrollable_content_region.height, note.virtual_size.height
        assert total > shown
        assert rows_of(live, app, note.region)[0].startswith(f"╭─ Decision map · {shown}/{total} ↕")
        await pilot.press("down", "down")
        await pilot.pause()
        assert note.scroll_offset.y == 2
        assert rows_of(live, app, note.region)[0].startswith(f"╭─ Decision map · 3–{shown + 2}/{total} ↕")
        await pilot.press("end")
        await pilot.pause()
        last = words(" ".join(row[2:-1] for row in rows_of(live, app, note.region)[1:]))
        d = app.dashboard
        a = d.subject(d.runner.snapshot).explanation.a  # the untrained model's, at step 0
        assert last.endswith(f"the model says {d.map_view.class_names[int(a.argmax())]}.")


async def test_space_n_and_q_act_under_the_notes():
    """Found by trying it: reading the notes while training, space did not pause nor q quit."""
    app = make_app("--dataset", "rgb20", paused=True)
    async with app.run_test(size=(100, 30)) as pilot:
        dashboard = app.dashboard
        await pilot.press("e")
        screen = await opened(pilot)
        await pilot.press("n")
        await pilot.pause()
        assert dashboard.runner.snapshot.step == 1 and app.screen is screen
        await pilot.press("space")
        await pilot.pause()
        assert dashboard.runner.state is RunState.RUNNING
        await pilot.press("space")
        await pilot.pause()
        assert dashboard.runner.state is RunState.PAUSED
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running
