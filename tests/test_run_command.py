"""The run as a command (``c``, issue 13 item 4): the command line that reproduces the run from
step 0, run headless, gives the dashboard's W and b bit for bit; paths are quoted so that a
shell reads them back exactly; live changes show in the command and the modal says where."""

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from softmax_tui.engine import OPTIMIZERS, SECOND_ORDER_OPTIMIZERS, RunState
from softmax_tui.tui.app import SoftmaxApp
from softmax_tui.tui.command import (PROGRAM, command_words, headless_argv, provenance, run_argv, shell_word,
                                     wrapped)
from softmax_tui.tui.config import RunConfig
from softmax_tui.tui.options import parse_options
from softmax_tui.tui.screens.command import CommandScreen
from softmax_tui.tui.session import build_session
from textual.widgets import Static

SIZE = (100, 30)
BIN = str(Path(sys.executable).parent)  # where the venv installed softmax-tui


def shell(command: str) -> subprocess.CompletedProcess:
    """``command`` as a user pastes it: read by bash, softmax-tui found on the PATH."""
    env = {**os.environ, "PATH": BIN + os.pathsep + os.environ.get("PATH", "")}
    return subprocess.run(["bash", "-c", command], capture_output=True, text=True, env=env, timeout=120)


def words_read_by_bash(text: str) -> list[str]:
    """The words bash reads from ``text`` (a command whose first word is the program)."""
    program, rest = text.split(" ", 1)
    assert program == PROGRAM
    out = subprocess.run(["bash", "-c", "printf '%s\\0' " + rest], capture_output=True, check=True).stdout
    return [PROGRAM, *(word.decode() for word in out.split(b"\0")[:-1])]


async def export(pilot, key: str = "h") -> str:
    """Open the command modal (``c``) and copy the command (``c``) or its headless form (``h``):
    what the clipboard got."""
    await pilot.press("c")
    await pilot.pause()
    assert isinstance(pilot.app.screen, CommandScreen)
    await pilot.press(key)
    command = pilot.app.clipboard
    await pilot.press("escape")
    return command


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
async def test_the_exported_command_run_headless_reproduces_w_and_b_bit_for_bit(optimizer):
    app = SoftmaxApp(build_session(parse_options(["--paused", "--dataset", "iris", "--val-fraction", "0.2",
                                                  "--optimizer", optimizer, "--seed", "3"])), speed=300.0)
    async with app.run_test(size=SIZE) as pilot:
        if optimizer in SECOND_ORDER_OPTIMIZERS:  # they converge within the running stretch below
            await pilot.press("n", "n", "n", "n")
        else:
            await pilot.press("n", "n", "space")  # steps, then running, then paused mid-epoch (sgd, minibatch)
            await pilot.pause(0.15)
            await pilot.press("space", "n")
        runner = app.dashboard.runner
        with runner._control():  # the step of n has run
            snap = runner.snapshot
        assert snap.step > 3 and runner.state is RunState.PAUSED and not runner.changed_at
        command = await export(pilot)
    assert command.startswith(f"{PROGRAM} --dataset=iris --val-fraction=0.2 ") and command.endswith(
        f" --steps={snap.step} --seed=3 --headless")
    done = shell(command)
    assert done.returncode == 0, done.stderr
    event = json.loads(done.stdout.splitlines()[-1])
    assert (event["event"], event["status"], event["reason"], event["step"]) == (
        "done", "max_steps", f"reached {snap.step} steps", snap.step)
    assert np.array_equal(np.array(event["W"]), snap.W) and np.array_equal(np.array(event["b"]), snap.b)


async def test_after_o_and_r_the_command_reproduces_the_run_again():
    """A live change is named with its step; r restarts the run with the current settings,
    which the command then reproduces from step 0, bit for bit."""
    app = SoftmaxApp(build_session(parse_options(["--paused", "--dataset", "iris"])))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n", "n", "o", "n", "c")
        await pilot.pause()
        assert app.screen.query_one("#provenance", Static).content == provenance([2])
        await pilot.press("escape", "r", "n", "n", "n")
        snap = app.dashboard.runner.snapshot
        await pilot.press("c")
        await pilot.pause()
        assert app.screen.query_one("#provenance", Static).content == "Reproduces this run from step 0."
        await pilot.press("escape")
        command = await export(pilot)
    assert snap.step == 3 and command == f"{PROGRAM} --dataset=iris --optimizer=sgd --steps=3 --headless"
    event = json.loads(shell(command).stdout.splitlines()[-1])
    assert np.array_equal(np.array(event["W"]), snap.W) and np.array_equal(np.array(event["b"]), snap.b)


async def test_a_learning_rate_changed_with_plus_is_in_the_command_and_the_modal_says_where():
    app = SoftmaxApp(build_session(parse_options(["--paused"])))
    async with app.run_test(size=SIZE) as pilot:
        assert await export(pilot, "c") == PROGRAM  # the default run: no flags
        await pilot.press("n", "n", "n", "plus")
        assert await export(pilot, "c") == f"{PROGRAM} --lr=3.0"
        await pilot.press("c")
        await pilot.pause()
        texts = [str(widget.content) for widget in app.screen.query(Static)]
        assert texts[0] == provenance([3]) and "The current settings headless, from step 0 to step 3:" in texts


def test_provenance_names_the_steps_where_the_settings_changed():
    assert provenance([]) == "Reproduces this run from step 0."
    assert provenance([37]).startswith("The settings changed at step 37: this trains the current settings")
    assert provenance([12, 37, 52]).startswith("The settings changed at steps 12, 37 and 52: ")


def make_csv(folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    rows = ["x1,x2,label"] + [f"{i % 5}.5,{(i * 7) % 11}.25,{'ab'[i % 2]}" for i in range(12)]
    path.write_text("\n".join(rows) + "\n")
    return path


def test_a_file_path_with_spaces_and_quotes_round_trips_through_the_shell(tmp_path):
    path = make_csv(tmp_path / "my data", "it's \"quoted\" $HOME `x`.csv")
    config = build_session(parse_options(["--paused", "--dataset", str(path), "--lr", "0.5"])).config
    words = command_words(run_argv(config))
    line = " ".join(words)
    assert shlex.split(line) == [PROGRAM, f"--dataset={path}", "--lr=0.5"]
    assert words_read_by_bash(line) == shlex.split(line)
    assert parse_options(shlex.split(line)[1:]).run == config.as_given()


def test_control_characters_are_visible_and_read_back_exactly_by_bash():
    tricky = "data\x1b[31m\nred\t\x7f\x85 'q' \\.csv"
    word = shell_word(f"--dataset={tricky}")
    assert word == "$'--dataset=data\\x1b[31m\\x0ared\\x09\\x7f\\u0085 \\'q\\' \\\\.csv'"
    assert word.isprintable()
    assert words_read_by_bash(f"{PROGRAM} {word}") == [PROGRAM, f"--dataset={tricky}"]


@pytest.mark.parametrize("width", [20, 40, 64, 100])
def test_a_wrapped_command_fits_the_width_and_is_the_same_words_to_bash(width):
    config = RunConfig(dataset="/tmp/a folder/with a long name/data file.csv", optimizer="adam", lr=0.03,
                       batch_size=16, val_fraction=0.25, l2=0.001, seed=7)
    words = command_words(headless_argv(config, 37))
    lines = wrapped(words, width)
    for line in lines:  # within the width, or one word too long for any line
        assert len(line) <= width or len(shlex.split(line.removesuffix(" \\"))) == 1
    assert all(line.endswith(" \\") for line in lines[:-1]) and not lines[-1].endswith("\\")
    assert len(lines) > 1 and words_read_by_bash("\n".join(lines)) == [
        PROGRAM, "--dataset=/tmp/a folder/with a long name/data file.csv", "--val-fraction=0.25", "--optimizer=adam",
        "--lr=0.03", "--batch-size=16", "--l2=0.001", "--steps=37", "--seed=7", "--headless"]


def test_the_command_leaves_out_resolved_defaults_and_the_outputs():
    options = parse_options(["--optimizer", "minibatch", "--save-model", "m.json", "--history", "h.csv"])
    config = build_session(options).config
    assert config.lr == 0.3 and run_argv(config) == ["--optimizer=minibatch"]
    switched = RunConfig(optimizer="gd", batch_size=8, lr=1.0)  # o from minibatch (8) round to gd
    assert run_argv(switched) == []  # gd draws the full batch: --batch-size would be refused
    assert parse_options(run_argv(RunConfig(optimizer="adam", batch_size=8, lr=0.3))).run == RunConfig(
        optimizer="adam", batch_size=8, lr=0.3)
