"""Issue 13, item 1: the settings panel (``s``) changes every setting of the run, driven with keys
through the panel; a live setting goes on from the same step, any other starts a new run at
step 0, and a notification says which happened. The form's rules (tui/settings.py) without
Textual first."""

import argparse
import os
from dataclasses import fields

import numpy as np
import pytest
from textual.widgets import Checkbox, Input, Select

from softmax_tui.tui.app import SoftmaxApp
from softmax_tui.tui.config import RunConfig
from softmax_tui.tui.options import parse_options
from softmax_tui.tui.screens.dataset import DatasetScreen
from softmax_tui.tui.screens.settings import SettingsScreen
from softmax_tui.tui.session import build_session
from softmax_tui.tui.settings import (NOT_IN_PANEL, applies, changes, dataset_choices, features_value, is_live,
                                      panel_fields, rebase, value_of)

SIZE = (110, 40)
FIELD = {f.name: f for f in fields(RunConfig)}


def make_app(*argv: str) -> SoftmaxApp:
    return SoftmaxApp(build_session(parse_options(["--paused", *argv])))


async def screen_of(pilot, kind):
    """The app's screen once it is a ``kind`` (pushing a screen takes a few messages)."""
    for _ in range(100):
        if isinstance(pilot.app.screen, kind):
            return pilot.app.screen
        await pilot.pause(0.01)
    raise AssertionError(f"no {kind.__name__}")


# -- the form, without Textual ------------------------------------------------------------------

def test_the_panel_has_every_field_the_command_line_has_but_the_saved_model():
    assert [f.name for f in panel_fields()] == [f.name for f in fields(RunConfig) if f.name not in NOT_IN_PANEL]
    assert NOT_IN_PANEL == ("load_model",)


def test_each_dataset_has_the_rows_that_mean_something_for_it():
    choices = {c.name: c for c in dataset_choices([("runs/data.csv", 4), ("two.csv", 2)])}
    assert list(choices)[-2:] == ["runs/data.csv", "two.csv"]  # the command line's file stays a choice
    shown = {name: {f.name for f in panel_fields() if applies(f.name, choice, "gd")} for name, choice in choices.items()}
    table = {"target", "delimiter", "header", "drop_missing", "categorical_target"}
    assert shown["blobs"] & table == set() and {"samples", "classes", "noise", "features"} <= shown["blobs"]
    assert "classes" not in shown["circle"] and {"samples", "noise"} <= shown["circle"]  # always 2 classes
    assert shown["rgb20"] & {"samples", "classes", "noise"} == set() and "features" in shown["rgb20"]
    assert "features" not in shown["iris"]  # 4 columns: the transforms are of x1, x2
    assert table <= shown["runs/data.csv"] and "features" not in shown["runs/data.csv"]
    assert "features" in shown["two.csv"]


@pytest.mark.parametrize("optimizer, has", [
    ("gd", set()), ("sgd", set()), ("minibatch", {"batch_size"}), ("momentum", {"batch_size", "momentum"}),
    ("nesterov", {"batch_size", "momentum"}), ("adam", {"batch_size", "beta1", "beta2", "eps"})])
def test_each_optimizer_has_the_rows_of_what_it_reads(optimizer, has):
    blobs = next(choice for choice in dataset_choices() if choice.name == "blobs")
    hyper = {"batch_size", "momentum", "beta1", "beta2", "eps"}
    assert {name for name in hyper if applies(name, blobs, optimizer)} == has


def test_an_entry_takes_what_the_command_line_takes_with_its_words():
    assert value_of(FIELD["lr"], " 0.5 ") == 0.5
    assert value_of(FIELD["lr"], "") is None  # the optimizer's default
    assert value_of(FIELD["l2"], "") == 0.0
    assert value_of(FIELD["delimiter"], "tab") == "\t"
    with pytest.raises(ValueError) as refused:
        value_of(FIELD["lr"], "-1")
    with pytest.raises(SystemExit):
        parse_options(["--lr", "-1"])  # the same converter refuses it there
    assert str(refused.value) == "lr: must be a finite number > 0, got '-1'"
    with pytest.raises(ValueError, match="batch-size: must be a positive integer, got '1.5'"):
        value_of(FIELD["batch_size"], "1.5")
    assert isinstance(FIELD["lr"].metadata["parse"]("0.5"), float)
    with pytest.raises(argparse.ArgumentTypeError):
        FIELD["samples"].metadata["parse"]("0")


def test_features_are_the_checked_transforms_in_the_playgrounds_order():
    assert features_value(["x2", "x1"]) is None  # the default
    assert features_value(["x1*x2", "x1"]) == "x1,x1*x2"
    with pytest.raises(ValueError, match="choose at least one"):
        features_value([])


def test_a_change_is_said_field_by_field():
    before = RunConfig(lr=1.0)
    after = RunConfig(dataset="a\x1b]0;x\x07.csv", lr=0.5, noise=0.1)
    assert changes(before, after) == ["dataset rgb20 → a\\x1b]0;x\\x07.csv", "noise default → 0.1", "lr 1.0 → 0.5"]
    assert changes(before, before) == []


# -- the panel, driven with keys ----------------------------------------------------------------

async def open_settings(pilot) -> SettingsScreen:
    await pilot.press("s")
    return await screen_of(pilot, SettingsScreen)


async def type_into(pilot, screen: SettingsScreen, name: str, text: str) -> None:
    entry = screen.query_one(f"#field-{name}", Input)
    entry.focus()
    entry.clear()
    await pilot.press(*text)


async def choose(pilot, screen: SettingsScreen, name: str, value: str) -> None:
    """Open field ``name``'s list with enter and move to ``value`` with the arrow keys."""
    select = screen.query_one(f"#field-{name}", Select)
    values = [v for _, v in select._options]
    select.focus()
    await pilot.press("enter")
    moves = values.index(value) - values.index(select.value)
    await pilot.press(*(["down"] * moves if moves > 0 else ["up"] * -moves), "enter")
    await pilot.pause()
    assert select.value == value


async def toggle(pilot, screen: SettingsScreen, selector: str) -> None:
    screen.query_one(selector, Checkbox).focus()
    await pilot.press("space")


def raw_points(app) -> np.ndarray:
    return app.dashboard.session.dataset.X


#: (field, starting flags, how the panel changes it, what the new run or the run going on shows)
EDITS = [
    ("dataset", ["--dataset", "blobs"], ("choose", "iris"), lambda app: app.session.dataset.name == "iris"),
    ("samples", ["--dataset", "blobs"], ("type", "300"), lambda app: len(app.session.dataset.y) == 300),
    ("classes", ["--dataset", "blobs"], ("type", "4"), lambda app: app.session.dataset.n_classes == 4),
    ("noise", ["--dataset", "blobs"], ("type", "0.1"),
     lambda app: "noise 0.1," in app.session.dataset.description),
    ("data_seed", ["--dataset", "blobs"], ("type", "5"),
     lambda app: "seed 5" in app.session.dataset.description and app.session.config.seed == 0),
    ("features", ["--dataset", "circle"], ("toggle", "#feature-2"),  # x1^2
     lambda app: app.session.feature_names == ("x1", "x2", "x1^2")),
    ("standardize", ["--dataset", "blobs"], ("toggle", "#field-standardize"),
     lambda app: not app.session.config.standardize and not app.session.pipeline.mean.any()
     and (app.session.pipeline.scale == 1).all()),
    ("val_fraction", ["--dataset", "blobs"], ("type", "0.2"), lambda app: len(app.session.prepared.y_val) == 200),
    ("optimizer", ["--dataset", "blobs"], ("choose", "adam"),
     lambda app: app.session.trainer.optimizer.name == "adam" and app.session.trainer.lr == 0.1),
    ("lr", ["--dataset", "blobs"], ("type", "0.5"), lambda app: app.session.trainer.lr == 0.5),
    ("batch_size", ["--dataset", "blobs", "--optimizer", "minibatch"], ("type", "16"),
     lambda app: app.session.trainer.optimizer.batch_size == 16),
    ("l2", ["--dataset", "blobs"], ("type", "0.01"), lambda app: app.session.trainer.l2 == 0.01),
    ("l1", ["--dataset", "blobs"], ("type", "0.02"), lambda app: app.session.trainer.l1 == 0.02),
    ("momentum", ["--dataset", "blobs", "--optimizer", "nesterov"], ("type", "0.5"),
     lambda app: app.session.trainer.optimizer.rule.beta == 0.5),
    ("beta1", ["--dataset", "blobs", "--optimizer", "adam"], ("type", "0.8"),
     lambda app: app.session.trainer.optimizer.rule.beta1 == 0.8),
    ("beta2", ["--dataset", "blobs", "--optimizer", "adam"], ("type", "0.99"),
     lambda app: app.session.trainer.optimizer.rule.beta2 == 0.99),
    ("eps", ["--dataset", "blobs", "--optimizer", "adam"], ("type", "1e-6"),
     lambda app: app.session.trainer.optimizer.rule.eps == 1e-6),
    ("epochs", ["--dataset", "blobs"], ("type", "50"), lambda app: app.session.trainer.max_epochs == 50),
    ("steps", ["--dataset", "blobs"], ("type", "40"), lambda app: app.session.trainer.max_steps == 40),
    ("patience", ["--dataset", "blobs", "--val-fraction", "0.2"], ("type", "3"),
     lambda app: app.session.trainer.patience == 3),
    ("init", ["--dataset", "blobs"], ("choose", "zeros"), lambda app: not app.session.trainer._initial[0].any()),
    ("seed", ["--dataset", "blobs"], ("type", "7"), lambda app: app.session.config.seed == 7),
]


def test_every_field_the_panel_shows_is_driven_here():
    file_only = {"target", "delimiter", "header", "drop_missing", "categorical_target"}  # the file's tests below
    assert {name for name, *_ in EDITS} | file_only == {f.name for f in panel_fields()}


@pytest.mark.parametrize("name, argv, edit, shows", EDITS, ids=[e[0] for e in EDITS])
async def test_each_setting_through_the_panel(name, argv, edit, shows):
    app = make_app(*argv)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n", "n", "n")
        runner = app.dashboard.runner
        assert runner.snapshot.step == 3
        screen = await open_settings(pilot)
        how, value = edit
        if how == "type":
            await type_into(pilot, screen, name, value)
        elif how == "choose":
            await choose(pilot, screen, name, value)
        else:
            await toggle(pilot, screen, value)
        await pilot.pause()
        mark = str(screen.query_one(f"#mark-{name}").render())
        assert mark == ("live" if is_live(FIELD[name]) else "new run")
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.pause()
        assert not isinstance(app.screen, SettingsScreen)
        notice = list(app._notifications)[-1].message
        if is_live(FIELD[name]):
            assert app.dashboard.runner is runner and runner.snapshot.step == 3  # the same run goes on
            assert notice.startswith("From step 3 on: ")
            await pilot.press("n")
            assert runner.snapshot.step == 4
        else:
            assert app.dashboard.runner is not runner and app.dashboard.runner.snapshot.step == 0
            assert notice.startswith("New run from step 0: ")
        assert shows(app)


async def test_an_entry_that_is_not_a_value_is_refused_in_the_panel_with_the_command_lines_words():
    app = make_app("--dataset", "blobs")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_settings(pilot)
        await type_into(pilot, screen, "lr", "abc")
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is screen
        assert str(screen.query_one("#settings-problem").render()) == "lr: must be a finite number > 0, got 'abc'"
        assert "must be" not in str(screen.query_one("#settings-changes").render())  # said once
        await type_into(pilot, screen, "patience", "3")  # needs a validation split, as on the command line
        await type_into(pilot, screen, "lr", "0.5")
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen is screen
        assert str(screen.query_one("#settings-problem").render()).startswith("--patience needs a validation split")


async def test_a_new_run_that_cannot_start_reopens_the_panel_with_the_edits_and_the_reason():
    app = make_app("--dataset", "blobs")
    async with app.run_test(size=SIZE) as pilot:
        runner = app.dashboard.runner
        screen = await open_settings(pilot)
        await type_into(pilot, screen, "samples", "2")  # fewer points than blobs' 3 classes
        await pilot.press("ctrl+s")
        again = await screen_of(pilot, SettingsScreen)
        for _ in range(50):
            if again is not screen:
                break
            await pilot.pause(0.01)
            again = app.screen
        assert again is not screen and app.dashboard.runner is runner  # the run goes on as it was
        assert str(again.query_one("#settings-problem").render()) == \
            "--samples must be at least 3 for 3 classes, got 2"
        assert again.query_one("#field-samples", Input).value == "2"  # the edits are kept
        assert str(again.query_one("#mark-samples").render()) == "new run"


async def test_a_learning_rate_left_at_the_optimizers_default_follows_a_new_optimizer():
    app = make_app("--dataset", "blobs")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_settings(pilot)
        await choose(pilot, screen, "optimizer", "adam")
        assert screen.query_one("#field-lr", Input).value == "0.1"  # gd's 1.0 became adam's 0.1
        await type_into(pilot, screen, "lr", "0.03")
        await choose(pilot, screen, "optimizer", "momentum")
        assert screen.query_one("#field-lr", Input).value == "0.03"  # typed in: it stays


async def test_escape_cancels_and_nothing_changes():
    app = make_app("--dataset", "blobs")
    async with app.run_test(size=SIZE) as pilot:
        before = app.dashboard.runner.config
        screen = await open_settings(pilot)
        await type_into(pilot, screen, "lr", "0.5")
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, SettingsScreen) and app.dashboard.runner.config == before


async def test_the_panel_says_what_apply_will_do():
    app = make_app("--dataset", "blobs")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_settings(pilot)
        said = screen.query_one("#settings-changes")
        assert str(said.render()) == "No changes."
        await type_into(pilot, screen, "lr", "0.5")
        await pilot.pause()
        assert str(said.render()) == "Apply goes on from the next step: lr 1.0 → 0.5"
        await type_into(pilot, screen, "noise", "0.1")
        await pilot.pause()
        assert str(said.render()) == "Apply starts a new run at step 0: noise default → 0.1, lr 1.0 → 0.5"


async def test_the_focused_fields_help_is_its_command_line_help():
    app = make_app("--dataset", "blobs")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_settings(pilot)
        screen.query_one("#field-val_fraction").focus()
        await pilot.pause()
        assert str(screen.query_one("#settings-help").render()) == \
            f"val-fraction: {FIELD['val_fraction'].metadata['help']}"


# -- files, datasets and regenerating -----------------------------------------------------------

@pytest.fixture
def two_labellings(tmp_path):
    """A ;-separated file whose last column is one labelling (5 or 7) and ``alt`` another (0 or 1)."""
    rng = np.random.default_rng(3)
    rows = ["a;b;alt;kind"] + [f"{x:.3f};{y:.3f};{int(y > 0)};{5 if x > 0 else 7}" for x, y in rng.normal(size=(60, 2))]
    path = tmp_path / "two labellings.csv"
    path.write_text("\n".join(rows) + "\n")
    return str(path)


async def test_a_files_table_settings_are_changed_in_the_panel(two_labellings):
    app = make_app("--dataset", two_labellings, "--delimiter", ";")
    async with app.run_test(size=SIZE) as pilot:
        assert app.session.class_names == ("5", "7")
        screen = await open_settings(pilot)
        assert screen.query_one("#field-delimiter", Input).value == ";"
        assert not screen.query_one("#row-samples").display  # a file has no generator
        await type_into(pilot, screen, "target", "alt")
        await pilot.press("ctrl+s")
        await pilot.pause()
        await pilot.pause()
        assert app.session.class_names == ("0", "1") and app.session.config.target == "alt"


async def test_the_command_lines_file_stays_a_choice_and_is_read_as_the_command_line_said(two_labellings):
    app = make_app("--dataset", two_labellings, "--delimiter", ";", "--target", "alt")
    async with app.run_test(size=SIZE) as pilot:
        for name in ("iris", two_labellings):
            screen = await open_settings(pilot)
            await choose(pilot, screen, "dataset", name)
            await pilot.press("ctrl+s")
            for _ in range(50):
                await pilot.pause(0.01)
                if app.session.config.dataset == name:
                    break
        assert app.session.config.dataset == two_labellings
        assert app.session.class_names == ("0", "1")  # --target alt and --delimiter ; came back
        assert (app.session.config.delimiter, app.session.config.target) == (";", "alt")


async def test_regenerate_draws_new_points_from_the_same_generator():
    app = make_app("--dataset", "blobs")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        before = raw_points(app).copy()
        await pilot.press("g")
        await pilot.pause()
        assert app.dashboard.runner.snapshot.step == 0 and app.session.config.data_seed == 1
        assert raw_points(app).shape == before.shape and not np.array_equal(raw_points(app), before)
        assert app.session.config.seed == 0  # the initial weights' seed is not the data's
        await pilot.press("g")
        await pilot.pause()
        assert app.session.config.data_seed == 2


async def test_regenerate_is_greyed_out_for_a_fixed_dataset():
    app = make_app()  # rgb20
    async with app.run_test(size=SIZE) as pilot:
        assert app.dashboard.check_action("regenerate", ()) is None
        await pilot.press("g")
        await pilot.pause()
        assert app.dashboard.runner.snapshot.step == 0 and app.session.config.data_seed is None


async def test_a_checked_box_reads_checked_without_colour(live):
    app = make_app("--dataset", "blobs", "--features", "x1,x2,x1^2")
    async with app.run_test(size=SIZE) as pilot:
        await open_settings(pilot)
        text = live.screen_text(app)
        assert "▐X▌ x1^2" in text and "▐ ▌ x2^2" in text and "▐X▌ on" in text  # standardize
        await toggle(pilot, app.screen, "#field-standardize")
        await pilot.pause()
        assert "▐ ▌ off" in live.screen_text(app)


async def test_what_a_user_types_is_shown_as_typed_never_as_markup():
    """Found by the random keys: "0.3[" in the rate went through the changes line as markup."""
    app = make_app("--dataset", "blobs")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_settings(pilot)
        await type_into(pilot, screen, "lr", "0.3[b]x[/b]'")
        await pilot.pause()
        assert str(screen.query_one("#settings-problem").render()) == \
            "lr: must be a finite number > 0, got \"0.3[b]x[/b]'\""
        assert str(screen.query_one("#settings-changes").render()) == "Apply waits for the field above."
        await pilot.press("enter")
        await pilot.pause()
        assert str(screen.query_one("#settings-problem").render()) == \
            "lr: must be a finite number > 0, got \"0.3[b]x[/b]'\""
        assert app.is_running and app._exception is None


@pytest.mark.parametrize("key", ["question_mark", "e"])
async def test_a_new_run_started_from_the_palette_over_a_modal_replaces_the_old_run(key):
    """The palette acts on the dashboard under the help screen or explain mode: the new run
    must replace the old dashboard, not the screen on top (which left the old one below)."""
    app = make_app("--dataset", "blobs")
    async with app.run_test(size=SIZE) as pilot:
        old = app.dashboard
        await pilot.press(key)
        await pilot.pause()
        commands = {command.title: command for command in app.get_system_commands(app.screen)}
        await commands["regenerate (g)"].callback()
        for _ in range(50):
            await pilot.pause(0.01)
            if app.dashboard is not old:
                break
        await pilot.pause()
        assert app.dashboard is not old and old not in app.screen_stack
        assert app.screen is app.dashboard and len(app.screen_stack) == 2  # Textual's default screen under it
        assert app.session.config.data_seed == 1


def test_rebase_keeps_what_changed_outside_the_form():
    base = RunConfig(optimizer="gd", lr=1.0)
    current = RunConfig(optimizer="sgd", lr=0.01)  # o from the palette while the form was open
    edited = RunConfig(optimizer="gd", lr=1.0, l1=0.001)  # the form changed l1 only
    assert rebase(edited, base, current) == RunConfig(optimizer="sgd", lr=0.01, l1=0.001)
    assert rebase(base, base, current) == current


async def test_a_key_from_the_palette_while_the_form_is_open_is_not_undone_by_apply():
    """Found by trying it: o from the palette over the form, then Apply of l1 alone, put gd back."""
    app = make_app("--dataset", "circle")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_settings(pilot)
        commands = {command.title: command for command in app.get_system_commands(app.screen)}
        await commands["optimizer (o)"].callback()
        await pilot.pause()
        assert app.dashboard.runner.config.optimizer == "sgd"
        await type_into(pilot, screen, "l1", "0.001")
        await pilot.press("ctrl+s")
        await pilot.pause()
        config = app.dashboard.runner.config
        assert (config.optimizer, config.lr, config.l1) == ("sgd", 0.01, 0.001)
        assert list(app._notifications)[-1].message == "From step 0 on: l1 0.0 → 0.001"


async def test_the_command_lines_data_is_not_read_again(two_labellings):
    """A pipe (--dataset <(...)) can be read once: going back to the command line's data uses
    what was read (found by trying it: 'the file is empty'). Here the file is gone instead."""
    app = make_app("--dataset", two_labellings, "--delimiter", ";")
    async with app.run_test(size=SIZE) as pilot:
        first = app.session.dataset
        os.remove(two_labellings)
        for name in ("iris", two_labellings):
            await pilot.press("d")
            chooser = await screen_of(pilot, DatasetScreen)
            chooser.dismiss(name)
            for _ in range(50):
                await pilot.pause(0.01)
                if app.session.config.dataset == name:
                    break
        assert app.session.config.dataset == two_labellings and app.session.dataset is first
        assert app.dashboard.runner.snapshot.step == 0


@pytest.mark.parametrize("name, edit, shows", [
    ("drop_missing", ("toggle", "#field-drop_missing"), lambda app: app.session.config.drop_missing),
    ("categorical_target", ("toggle", "#field-categorical_target"),
     lambda app: app.session.config.categorical_target and app.session.class_names == ("5", "7")),
    ("header", ("toggle", "#field-header"), None),  # the header line read as data: refused
    ("delimiter", ("type", ","), None),  # a ;-separated file read at commas: refused
])
async def test_each_of_a_files_settings_through_the_panel(two_labellings, name, edit, shows):
    app = make_app("--dataset", two_labellings, "--delimiter", ";")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        runner = app.dashboard.runner
        screen = await open_settings(pilot)
        how, value = edit
        if how == "type":
            await type_into(pilot, screen, name, value)
        else:
            await toggle(pilot, screen, value)
        await pilot.pause()
        assert str(screen.query_one(f"#mark-{name}").render()) == "new run"
        await pilot.press("ctrl+s")
        for _ in range(50):
            await pilot.pause(0.01)
            if app.dashboard.runner is not runner or (app.screen is not screen and isinstance(app.screen,
                                                                                               SettingsScreen)):
                break
        if shows is not None:
            assert app.dashboard.runner is not runner and app.dashboard.runner.snapshot.step == 0 and shows(app)
        else:  # the run goes on; the form is back with the file's complaint and the edit
            again = app.screen
            assert isinstance(again, SettingsScreen) and again is not screen and app.dashboard.runner is runner
            assert str(again.query_one("#settings-problem").render()).startswith(two_labellings)
            assert str(again.query_one(f"#mark-{name}").render()) == "new run"
