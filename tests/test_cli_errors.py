"""Every user mistake: one line ``softmax-tui: error: ...`` on stderr, exit status 2, no traceback.

Most cases run ``main`` in-process; the last tests run the installed ``softmax-tui`` in a
subprocess for real exit statuses, Ctrl+C and a closed pipe.
"""

import json
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from softmax_tui.tui.cli import main

EXE = Path(sys.executable).with_name("softmax-tui")


def fails(capsys, *args) -> str:
    """Run the CLI, expect a user error before any output; return the message after the prefix."""
    status = main(list(args))
    out, err = capsys.readouterr()
    assert status == 2
    assert out == ""
    assert err.startswith("softmax-tui: error: ") and err.endswith("\n") and err.count("\n") == 1, err
    assert "Traceback" not in err
    return err.removeprefix("softmax-tui: error: ").rstrip("\n")


def csv_file(tmp_path, text: str, name: str = "data.csv") -> str:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return str(path)


# -- issue 3: every CSV error through the command line --------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("", "the file is empty"),
    ("a,b,label\n", "has a header but no data rows"),
    ("a,b,label\n1,2,x\n3,oops,y\n", "line 3, column 'b': 'oops' is not a number"),
    ("a,b,label\n1,,x\n3,4,y\n", "line 2, column 'b': missing value (empty cell)"),
    ("a,b,label\n1,2,x\n3,4,\n", "line 3, column 'label': missing label (empty cell)"),
    ("a,b,label\nnan,2,x\n3,4,y\n", "line 2, column 'a': missing value ('nan')"),
    ("a,b,label\n1,2,x\n3,-inf,y\n", "line 3, column 'b': infinite value '-inf'"),
    ("a,b,label\n1,2,x\n3,4,5,y\n", "line 3 has 4 fields; the header has 3"),
    ("a,b,label\n1,2,x\n3,y\n", "line 3 has 2 fields; the header has 3"),
    ("a,b,label\n1,2,x\n3,4,x\n", "column 'label' has only one class ('x'); a classifier needs at least two"),
])
def test_csv_errors(capsys, tmp_path, text, expected):
    path = csv_file(tmp_path, text)
    assert fails(capsys, "--headless", "--dataset", path).startswith(f"{path}: {expected}")


def test_csv_missing_file(capsys, tmp_path):
    path = str(tmp_path / "absent.csv")
    assert fails(capsys, "--headless", "--dataset", path) == f"{path}: no such file"


def test_csv_unreadable_path(capsys, tmp_path):
    path = tmp_path / "folder.csv"
    path.mkdir()
    assert fails(capsys, "--headless", "--dataset", str(path)) == f"{path}: is a directory, not a data file"


def test_csv_not_text(capsys, tmp_path):
    path = tmp_path / "binary.csv"
    path.write_bytes(b"a,b,label\n1,2,\xff\n")
    assert fails(capsys, "--headless", "--dataset", str(path)) == f"{path}: line 2: not UTF-8 text (byte 0xff)"


def test_csv_unknown_target_column(capsys, tmp_path):
    path = csv_file(tmp_path, "a,b,label\n1,2,x\n3,4,y\n")
    message = fails(capsys, "--headless", "--dataset", path, "--target", "species")
    assert message == f"{path}: no column named 'species'; the columns are: a, b, label"


def test_csv_errors_reach_the_dashboard_path_too(capsys, tmp_path):
    path = csv_file(tmp_path, "a,b,label\n1,2,x\n3,4,x\n")
    assert "only one class" in fails(capsys, "--dataset", path)


def test_a_good_csv_trains(capsys, tmp_path):
    path = csv_file(tmp_path, "a,b,label\n1,2,x\n3,4,y\n2,1,x\n4,3,y\n")
    assert main(["--headless", "--dataset", path, "--target", "label", "--epochs", "5"]) == 0
    done = json.loads(capsys.readouterr().out.splitlines()[-1])
    assert done["classes"] == ["x", "y"] and done["features"] == ["a", "b"] and done["train_accuracy"] == 1.0


# -- flags and datasets ------------------------------------------------------------------

@pytest.mark.parametrize("args, expected", [
    (["--lr", "0"], "argument --lr: must be a finite number > 0, got '0' (see --help)"),
    (["--lr", "nan"], "argument --lr: must be a finite number > 0, got 'nan' (see --help)"),
    (["--epochs", "1.5"], "argument --epochs: must be a positive integer, got '1.5' (see --help)"),
    (["--seed", "-1"], "argument --seed: must be an integer >= 0, got '-1' (see --help)"),
    (["--val-fraction", "1"], "argument --val-fraction: must be a fraction in [0, 1), got '1' (see --help)"),
    (["--l1", "-0.1"], "argument --l1: must be a finite number >= 0, got '-0.1' (see --help)"),
    (["--momentum", "1"], "argument --momentum: must be a fraction in [0, 1), got '1' (see --help)"),
    (["--beta2", "-0.5"], "argument --beta2: must be a fraction in [0, 1), got '-0.5' (see --help)"),
    (["--eps", "0"], "argument --eps: must be a finite number > 0, got '0' (see --help)"),
    (["--optimizer", "rmsprop"], "argument --optimizer: invalid choice: 'rmsprop' (choose from "),
    (["--frobnicate"], "unrecognized arguments: --frobnicate (see --help)"),
    (["--patience", "3"], "--patience needs a validation split: add --val-fraction (e.g. 0.2) (see --help)"),
    (["--optimizer", "sgd", "--batch-size", "8"], "--batch-size does not apply to --optimizer sgd "
                                                  "(use minibatch, momentum, nesterov or adam) (see --help)"),
    (["--paused"], "--paused applies to the dashboard only, not to --headless (see --help)"),
    (["--load-model", "m.json", "--features", "x1"],
     "--load-model uses the model's own preprocessing; drop --features and --no-standardize (see --help)"),
    (["--history", "same.json", "--save-model", "./same.json"],
     "--history and --save-model name the same file (same.json) (see --help)"),
    (["--history", "m.json", "--load-model", "m.json"], "--history and --load-model name the same file (m.json)"),
])
def test_bad_flags(capsys, args, expected):
    message = fails(capsys, "--headless", *args)
    assert message.startswith(expected) and message.endswith(" (see --help)")


@pytest.mark.parametrize("flag", ["--history", "--save-model"])
def test_outputs_never_overwrite_the_data(capsys, tmp_path, flag):
    path = csv_file(tmp_path, "a,b,label\n1,2,x\n3,4,y\n")
    message = fails(capsys, "--headless", "--dataset", path, flag, path)
    assert message == f"{flag} and --dataset name the same file ({path}) (see --help)"
    assert Path(path).read_text() == "a,b,label\n1,2,x\n3,4,y\n"


def test_save_model_may_update_the_loaded_model(capsys, iris_model):
    assert main(["--headless", "--dataset", "iris", "--epochs", "1", "--load-model", iris_model,
                 "--save-model", iris_model]) == 0
    assert json.loads(Path(iris_model).read_text())["config"]["load_model"] == iris_model


def test_headless_only_flags(capsys):
    assert fails(capsys, "--every", "5") == "--every applies to --headless only (see --help)"


def test_an_unwritable_history_fails_before_the_dashboard_starts(capsys, tmp_path):
    missing = tmp_path / "no" / "such" / "folder" / "h.csv"
    assert fails(capsys, "--history", str(missing)).startswith(f"{missing}: cannot write the history there (")


@pytest.mark.parametrize("args, expected", [
    (["--dataset", "moons"], "unknown dataset 'moons'; choose one of rgb20, iris, wine, digits, blobs, circle, xor, "
                             "gauss, spiral, or give a path to a data file"),
    (["--dataset", "rgb20", "--samples", "50"], "--samples does not apply to rgb20 (a fixed dataset)"),
    (["--dataset", "blobs", "--classes", "11"], "--classes must be between 2 and 10, got 11"),
    (["--dataset", "iris", "--features", "x1^2"], "feature transforms (x1^2) need 2-D data; "
                                                  "this dataset has 4 features"),
    (["--features", "x3"], "unknown feature 'x3'; choose from x1, x2, x1^2, x2^2, x1*x2, sin(x1), sin(x2)"),
])
def test_dataset_errors(capsys, args, expected):
    assert fails(capsys, "--headless", *args).startswith(expected)


# -- model files ---------------------------------------------------------------------------

@pytest.fixture
def iris_model(tmp_path, capsys) -> str:
    path = str(tmp_path / "iris.json")
    assert main(["--headless", "--dataset", "iris", "--epochs", "2", "--save-model", path]) == 0
    capsys.readouterr()
    return path


def test_model_with_other_class_names(capsys, iris_model, tmp_path):
    """Issue 12 item 20: as many classes, other names: the names that differ, each side's."""
    message = fails(capsys, "--headless", "--dataset", "blobs", "--load-model", iris_model)
    assert message == (f"{iris_model}: the model and blobs both have 3 classes, but the model's setosa, "
                       "versicolor, virginica are not blobs's, which has blob 0, blob 1, blob 2 instead")
    rows = ["a,b,c,d,species", "5.1,3.5,1.4,0.2,setosa", "7.0,3.2,4.7,1.4,versicolor", "6.3,3.3,6.0,2.5,virginia"]
    data = csv_file(tmp_path, "\n".join(rows) + "\n")
    message = fails(capsys, "--headless", "--dataset", data, "--load-model", iris_model)
    assert message == (f"{iris_model}: the model and {data} both have 3 classes, but the model's virginica is "
                       f"not {data}'s, which has virginia instead")


def saved_model(capsys, tmp_path, dataset: str) -> str:
    """The path of a model trained one epoch on built-in ``dataset``."""
    path = str(tmp_path / f"{dataset}.json")
    assert main(["--headless", "--dataset", dataset, "--epochs", "1", "--save-model", path]) == 0
    capsys.readouterr()
    return path


def test_model_with_the_classes_in_another_order(capsys, tmp_path):
    path = saved_model(capsys, tmp_path, "rgb20")
    data = csv_file(tmp_path, "x1,x2,label\n0,1,red\n1,0,green\n1,1,blue\n")  # classes in code point order
    message = fails(capsys, "--headless", "--dataset", data, "--load-model", path)
    assert message == (f"{path}: the model has {data}'s 3 classes in another order: red, green, blue (the model), "
                       f"blue, green, red ({data})")


def test_model_with_other_class_count(capsys, tmp_path):
    path = saved_model(capsys, tmp_path, "blobs")
    message = fails(capsys, "--headless", "--dataset", "blobs", "--classes", "4", "--load-model", path)
    assert message == f"{path}: the model has 3 classes (blob 0, blob 1, blob 2) but blobs has 4 (blob 0, blob 1, blob 2, blob 3)"


def test_model_with_other_column_count(capsys, tmp_path, iris_model):
    rows = ["sepal_length,sepal_width,petal_length,species", "5.1,3.5,1.4,setosa", "7.0,3.2,4.7,versicolor",
            "6.3,3.3,6.0,virginica"]
    data = csv_file(tmp_path, "\n".join(rows) + "\n")
    message = fails(capsys, "--headless", "--dataset", data, "--load-model", iris_model)
    assert message == (f"{iris_model}: the model reads 4 data columns (sepal_length, sepal_width, "
                       f"petal_length, petal_width) but {data} has 3 (sepal_length, sepal_width, petal_length)")


def test_model_with_other_feature_names(capsys, tmp_path, iris_model):
    rows = ["a,b,c,d,species", "5.1,3.5,1.4,0.2,setosa", "7.0,3.2,4.7,1.4,versicolor", "6.3,3.3,6.0,2.5,virginica"]
    data = csv_file(tmp_path, "\n".join(rows) + "\n")
    message = fails(capsys, "--headless", "--dataset", data, "--load-model", iris_model)
    assert message == (f"{iris_model}: the model expects features sepal_length, sepal_width, petal_length, "
                       f"petal_width but {data} gives a, b, c, d")


@pytest.mark.parametrize("text, expected", [
    ("{", "not a model file (invalid JSON at line 1, column 2)"),
    ("[1, 2]", "not a softmax-tui model file (written by --save-model)"),
    ('{"format": "softmax-tui-model"}', "malformed model file (no 'W' entry)"),
])
def test_malformed_model_files(capsys, tmp_path, text, expected):
    path = csv_file(tmp_path, text, "model.json")
    assert fails(capsys, "--headless", "--load-model", path) == f"{path}: {expected}"


def test_missing_model_file(capsys, tmp_path):
    path = str(tmp_path / "none.json")
    assert fails(capsys, "--headless", "--load-model", path) == f"{path}: no such model file"


def test_unwritable_outputs_fail_before_training(capsys, tmp_path):
    missing = tmp_path / "no" / "such" / "folder"
    message = fails(capsys, "--headless", "--save-model", str(missing / "m.json"))
    assert message.startswith(f"{missing / 'm.json'}: cannot write there (")
    assert fails(capsys, "--headless", "--save-model", str(tmp_path)) == f"{tmp_path}: is a directory"
    message = fails(capsys, "--headless", "--history", str(missing / "h.csv"))
    assert message.startswith(f"{missing / 'h.csv'}: cannot write the history there (")
    assert list(tmp_path.iterdir()) == []


# -- the real executable -------------------------------------------------------------------

def cli(*args, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([str(EXE), *args], capture_output=True, text=True, timeout=60, **kwargs)


def test_exit_statuses_of_the_executable(tmp_path):
    ok = cli("--headless", "--epochs", "3")
    assert ok.returncode == 0 and ok.stderr == "" and len(ok.stdout.splitlines()) == 4
    bad_csv = cli("--headless", "--dataset", csv_file(tmp_path, "a,b,label\n1,q,x\n2,3,y\n"))
    assert bad_csv.returncode == 2 and bad_csv.stdout == ""
    assert bad_csv.stderr.startswith("softmax-tui: error: ") and bad_csv.stderr.count("\n") == 1
    bad_flag = cli("--headless", "--init", "ones")
    assert bad_flag.returncode == 2 and bad_flag.stderr.count("\n") == 1
    diverged = cli("--headless", "--lr", "1e308")
    assert diverged.returncode == 3 and json.loads(diverged.stdout.splitlines()[-1])["status"] == "diverged"
    assert all("Traceback" not in p.stderr for p in (ok, bad_csv, bad_flag, diverged))


def test_headless_never_imports_textual():
    code = ("import sys; from softmax_tui.tui.cli import main; status = main(['--headless', '--epochs', '1']); "
            "assert 'textual' not in sys.modules and 'rich' not in sys.modules; sys.exit(status)")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=60).returncode == 0


def without_times(stdout: str) -> str:
    return re.sub(r'"elapsed_seconds": [0-9.e-]+', '"elapsed_seconds": T', stdout)


def test_python_m_runs_the_same_command(tmp_path):
    """``python -m softmax_tui.tui`` (what a server starts) is ``softmax-tui``: the same output,
    the same exit status, for a run, a mistake and --version."""
    for args in (["--headless", "--epochs", "2", "--dataset", "iris", "--val-fraction", "0.2"],
                 ["--headless", "--lr", "-1"], ["--version"]):
        script = cli(*args)
        module = subprocess.run([sys.executable, "-m", "softmax_tui.tui", *args], capture_output=True, text=True,
                                timeout=60)
        assert (module.returncode, without_times(module.stdout), module.stderr) == (
            script.returncode, without_times(script.stdout), script.stderr)
        assert script.stdout or script.stderr
    assert cli("--headless", "--lr", "-1").returncode == 2


def long_run(tmp_path, *extra) -> subprocess.Popen:
    """A headless run far too long to finish, with Ctrl+C delivered as it is in a terminal."""
    args = [str(EXE), "--headless", "--dataset", "blobs", "--optimizer", "sgd", "--epochs", "100000",
            "--history", str(tmp_path / "h.csv"), "--save-model", str(tmp_path / "m.json"), *extra]
    return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def test_ctrl_c_keeps_the_work(tmp_path):
    proc = long_run(tmp_path)
    lines = [proc.stdout.readline() for _ in range(2)]
    proc.send_signal(signal.SIGINT)
    rest, err = proc.communicate(timeout=60)
    assert proc.returncode == 130
    events = [json.loads(line) for line in lines + rest.splitlines()]
    assert all(e["event"] == "progress" for e in events)  # no done event: the run did not end
    last = events[-1]
    assert err == (f"softmax-tui: interrupted at step {last['step']} (epoch {last['epoch']}), "
                   f"loss {last['loss']:.6g}; history in {tmp_path / 'h.csv'}, model saved to {tmp_path / 'm.json'}\n")
    history = (tmp_path / "h.csv").read_text().splitlines()
    assert len(history) == len(events) + 1 and history[-1].startswith(f"{last['step']},{last['epoch']},")
    model = json.loads((tmp_path / "m.json").read_text())
    assert model["config"]["trained"]["step"] == last["step"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["h.csv", "m.json"]


def test_closed_output_stops_quietly(tmp_path):
    proc = long_run(tmp_path)
    proc.stdout.readline()
    proc.stdout.close()
    err = proc.stderr.read()
    assert proc.wait(timeout=60) == 141
    assert err.startswith("softmax-tui: stopped: the output was closed at step ") and err.count("\n") == 1
    assert json.loads((tmp_path / "m.json").read_text())["format"] == "softmax-tui-model"
    assert os.path.getsize(tmp_path / "h.csv") > 0


def test_sigterm_keeps_the_work_too(tmp_path):
    proc = long_run(tmp_path)
    proc.stdout.readline()
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + signal.SIGTERM
    assert err.startswith("softmax-tui: stopped by SIGTERM at step ") and err.count("\n") == 1
    step = int(err.split(" at step ")[1].split()[0])
    assert json.loads((tmp_path / "m.json").read_text())["config"]["trained"]["step"] == step
