"""Issue 6, robustness: a failing save never corrupts an existing file, and never loses the work.

``--save-model`` writes a temporary file beside the target and renames it over (see
tui/modelfile.py; tests/test_modelfile.py covers write_json_atomically itself: a failing
encode, a failing rename, Ctrl+C during the write). Here the command line is run end to end
with the write failing at each stage (half the JSON written and then the disk full, fsync
failing, the rename failing): exit status 2, one line on stderr, the previous model file
byte for byte, no temporary file left, and the done event still printed, so that W and b are
not lost. The dashboard's save when it closes fails the same way.

``--history`` is streamed while training runs (a row per progress line, flushed, so that a
crash loses no row), so it replaces an earlier file when training starts: what is checked is
that nothing touches an existing history before training starts (a failing check of another
output, a bad dataset), and that a write failing mid-run (a full disk) leaves a valid CSV of
every row before it, keeps the model, and ends with one line and exit status 2.

A real full disk is a tiny tmpfs mounted in a private mount namespace (``unshare``), used
when this machine allows it (as root, say); the other tests make the failures with
monkeypatch. Permission tests prove nothing when the tests run as root, as they do here, so
there are none.
"""

import csv
import errno
import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from softmax_tui.tui import app as app_module
from softmax_tui.tui import history as history_module
from softmax_tui.tui import modelfile
from softmax_tui.tui.cli import main

EXE = Path(sys.executable).with_name("softmax-tui")
OLD = b'{"format": "softmax-tui-model", "note": "the previous model, which must survive"}\n'
FULL = OSError(errno.ENOSPC, "No space left on device")


def files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def one_error_line(err: str) -> str:
    assert err.startswith("softmax-tui: error: ") and err.count("\n") == 1 and err.endswith("\n"), err
    assert "Traceback" not in err
    return err.removeprefix("softmax-tui: error: ").rstrip("\n")


def half_then_full(obj, f, **kwargs):
    """json.dump that gets half the model onto the disk, then finds it full."""
    text = json.dumps(obj, **kwargs)
    f.write(text[: len(text) // 2])
    f.flush()
    raise OSError(errno.ENOSPC, "No space left on device")


def raise_(error):
    def fail(*args, **kwargs):
        raise error
    return fail


FAILURES = {
    "disk full while writing": ("json.dump", half_then_full, "No space left on device"),
    "fsync fails": ("os.fsync", raise_(OSError(errno.EIO, "Input/output error")), "Input/output error"),
    "rename fails": ("os.replace", raise_(FULL), "No space left on device"),
}


@pytest.fixture(params=list(FAILURES))
def failing_save(request, monkeypatch):
    target, replacement, reason = FAILURES[request.param]
    module, name = target.split(".")
    monkeypatch.setattr(getattr(modelfile, module), name, replacement)
    return reason


def test_headless_failing_save_keeps_the_old_model_and_prints_the_done_event(capsys, tmp_path, failing_save):
    model = tmp_path / "m.json"
    model.write_bytes(OLD)
    status = main(["--headless", "--epochs", "5", "--save-model", str(model)])
    out, err = capsys.readouterr()
    assert status == 2
    assert one_error_line(err) == f"{model}: could not be written ({failing_save}); any previous file is unchanged"
    assert model.read_bytes() == OLD and files(tmp_path) == ["m.json"]
    events = [json.loads(line) for line in out.splitlines()]
    done = events[-1]
    assert done["event"] == "done" and done["status"] == "max_epochs" and done["step"] == 5
    assert len(done["W"]) == 3 and len(done["b"]) == 3  # the work is on stdout


@pytest.fixture
def two_steps_then_quit(monkeypatch):
    """The dashboard run headless: pause (it starts running), two steps, q. The apps it ran."""
    ran = []
    run = app_module.SoftmaxApp.run

    async def keys(pilot):
        await pilot.press("space", "n", "n", "q")

    def run_headless(self, **kwargs):
        ran.append(self)
        return run(self, headless=True, size=(100, 30), auto_pilot=keys)

    monkeypatch.setattr(app_module.SoftmaxApp, "run", run_headless)
    return ran


def test_dashboard_failing_save_on_quit_keeps_the_old_model(capsys, tmp_path, two_steps_then_quit, failing_save):
    """``softmax-tui --save-model FILE``: the dashboard (run headless here, two steps, then q)
    closes, the save fails: one line, exit status 2, the old file untouched."""
    model = tmp_path / "m.json"
    model.write_bytes(OLD)
    status = main(["--save-model", str(model)])
    out, err = capsys.readouterr()
    assert two_steps_then_quit and status == 2
    assert one_error_line(err) == f"{model}: could not be written ({failing_save}); any previous file is unchanged"
    assert model.read_bytes() == OLD and files(tmp_path) == ["m.json"]


def test_dashboard_save_on_quit_when_nothing_fails(capsys, tmp_path, two_steps_then_quit):
    """The same quit without a failure saves the two steps, so the test above saw a real save fail."""
    model = tmp_path / "m.json"
    model.write_bytes(OLD)
    assert main(["--save-model", str(model)]) == 0
    assert two_steps_then_quit
    assert capsys.readouterr().err == f"softmax-tui: model saved to {model}\n"
    assert json.loads(model.read_text())["config"]["trained"]["step"] >= 2 and files(tmp_path) == ["m.json"]


# -- --history ---------------------------------------------------------------------------------

@pytest.mark.parametrize("other", ["a bad --save-model folder", "a bad dataset"])
def test_an_existing_history_is_untouched_when_the_run_cannot_start(capsys, tmp_path, other):
    history = tmp_path / "h.csv"
    history.write_bytes(b"step,epoch,loss\n1,1,0.5\n")
    args = ["--headless", "--history", str(history)]
    if other == "a bad --save-model folder":
        args += ["--save-model", str(tmp_path / "missing" / "m.json")]
    else:
        args += ["--dataset", str(tmp_path / "missing.csv")]
    assert main(args) == 2
    one_error_line(capsys.readouterr().err)
    assert history.read_bytes() == b"step,epoch,loss\n1,1,0.5\n" and files(tmp_path) == ["h.csv"]


def test_history_write_failing_mid_run_keeps_complete_rows_and_the_model(capsys, tmp_path, monkeypatch):
    """The sixth row finds the disk full after half of it is written: the file is cut back to
    the five complete rows (and the header), the model is saved, one line says where it
    stopped, exit status 2."""
    history, model = tmp_path / "h.csv", tmp_path / "m.json"
    real_writer = csv.writer

    class DiskFullAfterFiveRows:
        def __init__(self, f, **kwargs):
            self.f, self.csv, self.rows = f, real_writer(f, **kwargs), 0

        def writerow(self, row):
            self.rows += 1
            if self.rows == 7:  # the header, five rows, then half of the sixth
                self.f.write("6,6,0.12")
                self.f.flush()
                raise OSError(errno.ENOSPC, "No space left on device")
            self.csv.writerow(row)

    monkeypatch.setattr(history_module.csv, "writer", DiskFullAfterFiveRows)
    status = main(["--headless", "--epochs", "50", "--history", str(history), "--save-model", str(model)])
    out, err = capsys.readouterr()
    assert status == 2
    assert one_error_line(err) == (f"{history}: could not write the history (No space left on device) at step 6 "
                                   f"(epoch 6); training stopped, model saved to {model}")
    progress = [json.loads(line) for line in out.splitlines()]
    assert [e["step"] for e in progress] == [1, 2, 3, 4, 5] and all(e["event"] == "progress" for e in progress)
    rows = list(csv.reader(history.read_text().splitlines()))
    assert rows[0] == ["step", "epoch", "loss", "train_accuracy", "val_loss", "val_accuracy"]
    assert [(int(r[0]), float(r[2])) for r in rows[1:]] == [(e["step"], e["loss"]) for e in progress]
    assert history.read_text().endswith("\n")
    assert json.loads(model.read_text())["config"]["trained"]["step"] == 6
    assert files(tmp_path) == ["h.csv", "m.json"]


# -- a real full disk --------------------------------------------------------------------------

FULL_DISK = textwrap.dedent("""
    import json, os, subprocess, sys
    exe, folder, spare = sys.argv[1], sys.argv[2], sys.argv[3]
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", folder], check=True)
    model = os.path.join(folder, "m.json")
    with open(model, "wb") as f:
        f.write(%r)
    filler = os.open(os.path.join(folder, "filler"), os.O_WRONLY | os.O_CREAT)
    try:  # the whole disk
        while True:
            os.write(filler, b"x" * 4096)
    except OSError:
        pass
    report = {}
    def run(*args):
        done = subprocess.run([exe, "--headless", *args], capture_output=True, text=True, timeout=60)
        return {"status": done.returncode, "out": done.stdout, "err": done.stderr}
    # the model: its temporary file can be created (the check before training passes), not written
    report["model"] = run("--epochs", "3", "--save-model", model)
    report["model_bytes"] = open(model, "rb").read().decode()
    report["files"] = sorted(os.listdir(folder))
    # the history, streamed until one page given back is used up, on a long sgd run; the model elsewhere
    os.ftruncate(filler, os.fstat(filler).st_size - 4096)
    os.close(filler)
    history = os.path.join(folder, "h.csv")
    report["history"] = run("--dataset", "blobs", "--optimizer", "sgd", "--every", "1", "--epochs", "50",
                            "--history", history, "--save-model", os.path.join(spare, "m.json"))
    report["history_text"] = open(history).read()
    print(json.dumps(report))
""") % OLD


def test_a_real_full_disk(tmp_path):
    unshare = shutil.which("unshare")
    if unshare is None or subprocess.run([unshare, "--mount", "true"], capture_output=True).returncode != 0:
        pytest.skip("no private mount namespace here (unshare --mount needs root or CAP_SYS_ADMIN)")
    folder, spare = tmp_path / "disk", tmp_path / "spare"
    folder.mkdir()
    spare.mkdir()
    done = subprocess.run([unshare, "--mount", "--propagation", "private", sys.executable, "-c", FULL_DISK,
                           str(EXE), str(folder), str(spare)], capture_output=True, text=True, timeout=120)
    if done.returncode != 0 and "mount" in done.stderr:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip().splitlines()[-1]}")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    model = report["model"]
    assert model["status"] == 2
    assert one_error_line(model["err"]).startswith(f"{folder / 'm.json'}: could not be written (No space left on device)")
    assert report["model_bytes"].encode() == OLD and report["files"] == ["filler", "m.json"]
    assert json.loads(model["out"].splitlines()[-1])["event"] == "done"
    history = report["history"]
    assert history["status"] == 2
    message = one_error_line(history["err"])
    assert message.startswith(f"{folder / 'h.csv'}: could not write the history (No space left on device) at step ")
    assert message.endswith(f"; training stopped, model saved to {spare / 'm.json'}")
    progress = [json.loads(line) for line in history["out"].splitlines()]
    rows = list(csv.reader(report["history_text"].splitlines()))
    assert len(rows) == len(progress) + 1 > 10 and report["history_text"].endswith("\n")
    assert [(int(r[0]), float(r[2])) for r in rows[1:]] == [(e["step"], e["loss"]) for e in progress]
    assert json.loads((spare / "m.json").read_text())["config"]["trained"]["step"] == progress[-1]["step"] + 1
