"""Issue 11: text from files and paths stays data: no control byte reaches the terminal, no
markup is parsed, every error stays one line; modal screens survive repeated keys."""

import json
import os
import signal
import stat
import subprocess
import sys

import pytest
from textual.widgets import OptionList

from softmax_tui.tui.app import SoftmaxApp
from softmax_tui.tui.options import parse_options
from softmax_tui.tui.safe_text import visible
from softmax_tui.tui.screens.dataset import DatasetScreen
from softmax_tui.tui.screens.explain import ExplainScreen, Note
from softmax_tui.tui.screens.help import HelpScreen
from softmax_tui.tui.session import build_session

CLI = [sys.executable, "-c", "import sys; from softmax_tui.tui.cli import main; sys.exit(main())"]
TITLE = "\x1b]0;PWNED\x07"  # retitles the terminal
CLEAR = "\x1b[2J"  # clears the screen
CLIPBOARD = "\x1b]52;c;cHduZWQ=\x1b\\"  # writes "pwned" into the clipboard
HOSTILE = (TITLE, CLEAR, CLIPBOARD)
#: Every byte a terminal acts on, but for the line end that ends a message.
CONTROL_BYTES = set(range(0x20)) - {0x0A} | {0x7F} | set(range(0x80, 0xA0))


def hostile_csv(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text(f'"x{CLEAR}",x2,label\n1,2,"a{TITLE}"\n2,3,"b{CLIPBOARD}"\n3,1,"a{TITLE}"\n')
    return path


def test_visible_escapes_every_c0_c1_and_del_character():
    assert visible("a\x1b]0;t\x07b\nc\x7f\x9b") == "a\\x1b]0;t\\x07b\\x0ac\\x7f\\x9b"
    assert visible("plain é ü 中") == "plain é ü 中"
    assert all(ord(c) not in CONTROL_BYTES for c in visible("".join(map(chr, range(0x200)))))


def run_cli(*args, cwd=None):
    return subprocess.run([*CLI, *args], capture_output=True, timeout=60, cwd=cwd)


def assert_one_clean_line(stderr: bytes):
    assert stderr.count(b"\n") == 1 and stderr.endswith(b"\n"), stderr
    assert not CONTROL_BYTES & set(stderr[:-1]), stderr


def test_error_lines_with_hostile_names_are_one_line_without_control_bytes(tmp_path):
    data = hostile_csv(tmp_path)
    cases = [
        ("--headless", "--dataset", str(data), "--target", f"no{TITLE}such"),  # "the columns are: ..."
        ("--headless", "--dataset", str(data), "--target", "x2"),  # features: a text column
    ]
    for args in cases:
        done = run_cli(*args)
        assert done.returncode == 2
        assert_one_clean_line(done.stderr)
        assert b"\\x1b" in done.stderr


@pytest.mark.parametrize("name", ["a\nsoftmax-tui: error: forged", f"d{TITLE}", f"e{CLEAR}"])
def test_error_lines_with_hostile_paths_are_one_line(tmp_path, name):
    folder = tmp_path / name
    folder.mkdir()
    for args in (("--headless", "--dataset", str(folder / "x.csv")),
                 ("--headless", "--save-model", str(folder / "no" / "m.json")),
                 ("--headless", "--history", str(folder), "--epochs", "1")):
        done = run_cli(*args)
        assert done.returncode == 2, done.stderr
        assert_one_clean_line(done.stderr)


async def test_the_dashboard_never_sends_control_bytes_from_data(tmp_path):
    session = build_session(parse_options(["--paused", "--dataset", str(hostile_csv(tmp_path))]))
    app = SoftmaxApp(session)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        app.notify(f"history {TITLE} failed")
        await pilot.press("d")  # the chooser names the current dataset
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        svg = app.export_screenshot()
    for payload in HOSTILE:
        assert payload not in svg
    assert "\\x1b]0;PWNED\\x07" in svg  # the class name, shown escaped


async def test_explain_mode_shows_names_from_data_escaped_and_never_as_markup(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text(f'"x{CLEAR}","[bold]y[/bold]",label\n1,2,"a{TITLE}"\n2,3,"b{CLIPBOARD}"\n3,1,"a{TITLE}"\n')
    app = SoftmaxApp(build_session(parse_options(["--paused", "--dataset", str(path)])))
    async with app.run_test(size=(120, 40)) as pilot:
        await open_modal(pilot, "e", ExplainScreen)
        await pilot.pause(0.3)
        notes = {note.id: str(note.text) for note in app.screen.query(Note)}
        svg = app.export_screenshot()
    for payload in HOSTILE:
        assert payload not in svg and all(payload not in text for text in notes.values())
    assert "j: 1 x\\x1b[2J, 2 [bold]y[/bold]" in notes["parameters-note"]  # escaped, brackets and all
    assert "k: 1 a\\x1b]0;PWNED\\x07, 2 b\\x1b]52;c;cHduZWQ=\\x1b\\" in notes["parameters-note"]


@pytest.mark.parametrize("text", ["runs[test]/h.csv", "x[@click=app.quit]y", "a[/]b", "[bold]x[/bold]"])
async def test_notifications_are_not_markup(text):
    app = SoftmaxApp(build_session(parse_options(["--paused"])))
    async with app.run_test(size=(120, 40)) as pilot:
        app.notify(f"{text}: could not write the history", title=f"History {text}")
        await pilot.pause()
        (notification,) = app._notifications
        assert not notification.markup  # Textual shows it as Content(message): brackets and all
        assert notification.message == f"{text}: could not write the history"
        assert notification.title == f"History {text}"


async def open_modal(pilot, key, kind):
    await pilot.press(key)
    for _ in range(100):
        if isinstance(pilot.app.screen, kind):
            return pilot.app.screen
        await pilot.pause(0.01)
    raise AssertionError(f"no {kind.__name__}")


@pytest.mark.parametrize("times", [2, 5])
async def test_the_dataset_chooser_survives_enter_pressed_again_before_it_closes(times):
    app = SoftmaxApp(build_session(parse_options(["--paused"])))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_modal(pilot, "d", DatasetScreen)
        for _ in range(times):  # each Enter posts a selection before the first is handled
            screen.query_one(OptionList).action_select()
        await pilot.pause(0.3)
        assert app.is_running and not isinstance(app.screen, DatasetScreen)


@pytest.mark.parametrize("key, kind", [("d", DatasetScreen), ("question_mark", HelpScreen), ("e", ExplainScreen)])
async def test_modal_screens_dismissed_twice_close_once(key, kind):
    app = SoftmaxApp(build_session(parse_options(["--paused"])))
    async with app.run_test(size=(100, 30)) as pilot:
        screen = await open_modal(pilot, key, kind)
        screen.dismiss(None)  # Escape, then Enter or Escape again before the screen is gone
        screen.dismiss(None)
        await pilot.pause(0.3)
        assert app.is_running and not isinstance(app.screen, kind)
        assert app.screen is app.dashboard and len(app.screen_stack) == 2  # the blank base and the dashboard


def test_paths_print_escaped_when_a_model_is_saved(tmp_path):
    folder = tmp_path / f"m{TITLE}"
    folder.mkdir()
    done = run_cli("--headless", "--epochs", "1", "--save-model", str(folder / "m.json"))
    assert done.returncode == 0
    assert os.path.exists(folder / "m.json")


# --- file safety ------------------------------------------------------------------------------


def test_save_model_writes_through_a_symlink_and_keeps_the_mode(tmp_path):
    target, link = tmp_path / "real.json", tmp_path / "link.json"
    target.write_text("{}")
    target.chmod(0o600)
    link.symlink_to(target)
    assert run_cli("--headless", "--epochs", "1", "--save-model", str(link)).returncode == 0
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert json.loads(target.read_text())["format"] == "softmax-tui-model"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600


def test_save_model_refuses_a_fifo_before_training(tmp_path):
    path = str(tmp_path / "fifo")
    os.mkfifo(path)
    done = run_cli("--headless", "--epochs", "1", "--save-model", path)
    assert done.returncode == 2 and done.stdout == b""  # nothing trained
    assert done.stderr.decode() == (f"softmax-tui: error: {path}: is not a regular file (a device or a "
                                    "pipe, say); --save-model replaces only regular files\n")
    assert stat.S_ISFIFO(os.stat(path).st_mode)


def test_save_model_refuses_a_device():
    """Checked without running a save: before the fix, a save as root replaced /dev/null."""
    from softmax_tui.tui.errors import UserError
    from softmax_tui.tui.modelfile import check_writable, write_json_atomically

    for write in (check_writable, lambda path: write_json_atomically(path, {})):
        with pytest.raises(UserError, match="^/dev/null: is not a regular file"):
            write("/dev/null")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_outputs_are_compared_with_inputs_by_identity(tmp_path):
    data = tmp_path / "data.csv"
    data.write_text("a,y\n1,x\n2,z\n")
    os.link(data, tmp_path / "hard.csv")
    (tmp_path / "soft.csv").symlink_to(data)
    for name in ("hard.csv", "soft.csv"):
        alias = str(tmp_path / name)
        for flag in ("--history", "--save-model"):
            done = run_cli("--headless", "--dataset", str(data), flag, alias)
            assert done.returncode == 2
            assert f"name the same file ({alias})".encode() in done.stderr
    assert data.read_text() == "a,y\n1,x\n2,z\n"


@pytest.mark.parametrize("flag", ["--save-model", "--history", "--load-model", "--features", "--dataset", "--target"])
def test_empty_values_are_refused(flag):
    done = run_cli("--headless", flag, "")
    assert done.returncode == 2
    assert done.stderr.startswith(f"softmax-tui: error: argument {flag}: must be a ".encode())


@pytest.mark.parametrize("signals", [[signal.SIGTERM], [signal.SIGHUP, signal.SIGTERM]])
def test_signals_during_the_save_wait_for_it_and_leave_no_temporary_file(tmp_path, monkeypatch, capsys, signals):
    from softmax_tui.tui import cli, modelfile

    model = tmp_path / "m.json"
    model.write_text("old")
    dump = modelfile.json.dump

    def dump_then_signal(*args, **kwargs):
        dump(*args, **kwargs)
        for signum in signals:  # one or two, while the file is half written
            os.kill(os.getpid(), signum)

    monkeypatch.setattr(modelfile.json, "dump", dump_then_signal)
    assert cli.main(["--headless", "--epochs", "1", "--save-model", str(model)]) == 128 + signals[0]
    assert capsys.readouterr().err == f"softmax-tui: stopped by {signal.Signals(signals[0]).name}\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.json"]
    assert json.loads(model.read_text())["format"] == "softmax-tui-model"  # the finished model is kept


# --- limits and start-up ----------------------------------------------------------------------


@pytest.mark.parametrize("samples", ["100000000000", "12345678901234567890"])
def test_huge_sample_counts_are_refused_with_the_limit(samples):
    done = run_cli("--headless", "--dataset", "blobs", "--samples", samples)
    assert done.returncode == 2
    assert done.stderr.decode() == (f"softmax-tui: error: argument --samples: must be a positive integer "
                                    f"up to 10000000, got '{samples}' (see --help)\n")


def test_ctrl_c_while_the_modules_import_exits_130_quietly():
    script = """
import sys
class Interrupt:  # Ctrl+C arrives while the command line's modules import
    def find_spec(self, name, path, target=None):
        if name == "softmax_tui.tui.cli":
            raise KeyboardInterrupt
sys.meta_path.insert(0, Interrupt())
from softmax_tui.tui.entry import main
sys.exit(main())
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60)
    assert done.returncode == 130 and done.stderr == b"softmax-tui: interrupted\n"


# --- model files --------------------------------------------------------------------------------


MODEL = ('{{"format": "softmax-tui-model", "W": [[{w}]], "b": [0], "classes": ["a"], "features": ["x"], '
         '"preprocessing": {{"features": null, "mean": [0], "scale": [1], "feature_names": ["x"]}}}}')


@pytest.mark.parametrize("content, message", [
    (MODEL.format(w="9" * 400), "malformed model file (int too large to convert to float)"),
    (MODEL.format(w="9" * 5000), "not a model file (an integer of more than 4300 digits)"),
    ("[" * 100_000 + "]" * 100_000, "not a model file (its JSON is nested too deeply)"),
    (b"\0\0\0", "not a model file (binary data)"),
], ids=["400 digits", "5000 digits", "100000 nested", "binary"])  # fmt: skip
def test_hostile_model_files_are_one_line_errors(tmp_path, content, message):
    path = tmp_path / "m.json"
    (path.write_bytes if isinstance(content, bytes) else path.write_text)(content)
    done = run_cli("--headless", "--epochs", "1", "--load-model", str(path))
    assert done.returncode == 2
    assert done.stderr.decode() == f"softmax-tui: error: {path}: {message}\n"


def test_model_files_are_read_with_a_bound(tmp_path, monkeypatch):
    from softmax_tui.tui import modelfile
    from softmax_tui.tui.errors import UserError

    monkeypatch.setattr(modelfile, "MAX_MODEL_BYTES", 10)
    path = tmp_path / "m.json"
    path.write_text(" " * 11)
    with pytest.raises(UserError, match=r"not a model file \(larger than 0 MiB\)"):
        modelfile.load_model(str(path))
    with pytest.raises(UserError, match=r"^/dev/zero: not a model file \(binary data\)$"):
        modelfile.load_model("/dev/zero")


# --- standard output that fails -------------------------------------------------------------------


@pytest.mark.parametrize("output, reason", [("full", "No space left on device"),
                                            ("closed", "standard output is closed")])
def test_a_failing_standard_output_keeps_the_work(tmp_path, output, reason):
    history, model = tmp_path / "h.csv", tmp_path / "m.json"
    args = [*CLI, "--headless", "--epochs", "5", "--history", str(history), "--save-model", str(model)]
    if output == "full":
        with open("/dev/full", "w") as full:
            done = subprocess.run(args, stdout=full, stderr=subprocess.PIPE, timeout=60)
    else:
        done = subprocess.run(args, stderr=subprocess.PIPE, timeout=60, preexec_fn=lambda: os.close(1))
    assert done.returncode == 2
    stderr = done.stderr.decode()
    assert stderr == (f"softmax-tui: stopped: the output could not be written ({reason}) at step 1 "
                      f"(epoch 1), loss 0.635885; history in {history}, model saved to {model}\n"), stderr
    assert json.loads(model.read_text())["config"]["trained"]["step"] == 1
    assert history.read_text().splitlines()[1].startswith("1,1,")


def test_more_outputs_that_are_not_files(tmp_path):
    done = run_cli("--headless", "--epochs", "1", "--save-model", str(tmp_path / "existing.txt") + "/")
    assert done.returncode == 2 and done.stdout == b""
    assert done.stderr.endswith(b"existing.txt/: names a folder; --save-model needs a file name\n")
    fifo = tmp_path / "d.csv"
    os.mkfifo(fifo)
    done = run_cli("--headless", "--dataset", str(fifo), "--history", str(fifo))  # would block for ever
    assert done.returncode == 2 and b"--history and --dataset name the same file" in done.stderr


def test_a_built_in_name_is_not_a_file_of_that_name(tmp_path):
    (tmp_path / "iris").write_text("not the data")
    done = run_cli("--headless", "--epochs", "1", "--dataset", "iris", "--history", "iris", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "iris").read_text().startswith("step,epoch,")


def test_a_save_keeps_permission_bits_only(tmp_path):
    model = tmp_path / "m.json"
    model.write_text("{}")
    model.chmod(0o4755)
    assert run_cli("--headless", "--epochs", "1", "--save-model", str(model)).returncode == 0
    assert stat.S_IMODE(model.stat().st_mode) == 0o755


def test_list_datasets_to_a_full_output():
    with open("/dev/full", "w") as full:
        done = subprocess.run([*CLI, "--list-datasets"], stdout=full, stderr=subprocess.PIPE, timeout=60)
    assert done.returncode == 2
    assert done.stderr == b"softmax-tui: error: standard output: No space left on device\n"


def test_ctrl_c_inside_numpys_imports_exits_130_quietly():
    script = """
import sys
class Interrupt:  # NumPy turns a Ctrl+C during its C imports into an ImportError
    def find_spec(self, name, path, target=None):
        if name == "softmax_tui.tui.cli":
            try:
                raise KeyboardInterrupt
            except KeyboardInterrupt:
                raise ImportError("PyCapsule_Import could not import module 'datetime'")
sys.meta_path.insert(0, Interrupt())
from softmax_tui.tui.entry import main
sys.exit(main())
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60)
    assert done.returncode == 130 and done.stderr == b"softmax-tui: interrupted\n"
