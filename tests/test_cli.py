"""The command-line contract of ``softmax-tui --headless`` (issue 4), run in-process through ``main``."""

import csv
import json
import sys
import types
from importlib.resources import files

import numpy as np
import pytest

from softmax_tui.tui.cli import main
from softmax_tui.tui.config import DEFAULT_LR
from softmax_tui.tui.modelfile import load_model
from softmax_tui.tui.options import package_version, parse_options
from softmax_tui.tui.session import build_session

PROGRESS_KEYS = ["event", "step", "epoch", "loss", "train_accuracy", "val_loss", "val_accuracy", "grad_norm", "lr"]
DONE_KEYS = ["event", "status", "reason", "step", "epoch", "loss", "train_accuracy", "val_loss", "val_accuracy",
             "elapsed_seconds", "W", "b", "classes", "features", "preprocessing"]


def run(capsys, *args):
    """``softmax-tui --headless ARGS`` in-process: (exit status, progress events, done event, stderr)."""
    status = main(["--headless", *args])
    out, err = capsys.readouterr()
    events = [json.loads(line) for line in out.splitlines()]
    assert events, err
    *progress, done = events
    assert all(e["event"] == "progress" for e in progress)
    assert done["event"] == "done"
    return status, progress, done, err


def iris_raw():
    """Iris as a reader of the output would have it: raw measurements and species names."""
    with (files("softmax_tui.datasets") / "data" / "iris.csv").open(encoding="utf-8") as f:
        rows = list(csv.reader(f))[1:]
    return np.array([[float(v) for v in r[:4]] for r in rows]), [r[4] for r in rows]


def test_seed_000_replayed(capsys):
    status, progress, done, err = run(capsys, "--dataset", "rgb20", "--optimizer", "gd", "--lr", "2.0",
                                      "--epochs", "40", "--init", "uniform")
    assert status == 0 and err == ""
    assert len(progress) == 40
    assert [e["step"] for e in progress] == list(range(1, 41)) == [e["epoch"] for e in progress]
    assert all(list(e) == PROGRESS_KEYS for e in progress)
    assert all(e["val_loss"] is None and e["val_accuracy"] is None and e["lr"] == 2.0 for e in progress)
    losses = [e["loss"] for e in progress]
    assert all(a > b for a, b in zip(losses, losses[1:]))  # full-batch gd at a stable rate
    assert list(done) == DONE_KEYS
    assert done["status"] == "max_epochs" and done["step"] == 40
    assert progress[-1]["train_accuracy"] == done["train_accuracy"] == 1.0
    assert done["classes"] == ["red", "green", "blue"] and done["features"] == ["x1", "x2"]
    assert np.shape(done["W"]) == (3, 2) and np.shape(done["b"]) == (3,)


@pytest.mark.parametrize("args", [
    ("--optimizer", "minibatch"),  # seed 001: minibatches on standardized iris, 0.94
    ("--optimizer", "sgd", "--lr", "0.01", "--epochs", "100"),  # seed 002: one sample at a time, 100 epochs at 0.01
])
def test_seeds_001_002_iris(capsys, args):
    status, progress, done, _ = run(capsys, "--dataset", "iris", *args)
    assert status == 0 and done["status"] == "max_epochs" and len(progress) == 100
    assert done["train_accuracy"] >= 0.94
    assert done["loss"] < 0.15  # seed 002: "loss falling to about 0.1"
    assert done["features"] == ["sepal_length", "sepal_width", "petal_length", "petal_width"]


def test_seed_003_blobs_stop_early(capsys):
    status, progress, done, _ = run(capsys, "--dataset", "blobs", "--val-fraction", "0.2", "--l2", "0.1",
                                    "--patience", "10", "--init", "normal", "--epochs", "1000")
    assert status == 0 and done["status"] == "early_stopped"
    assert 10 < done["epoch"] < 1000
    # seed 003: training 0.815, validation 0.805 on 800/200 points
    assert 0.78 <= done["train_accuracy"] <= 0.84 and 0.77 <= done["val_accuracy"] <= 0.85
    assert all(e["val_loss"] is not None for e in progress)
    assert done["val_loss"] == progress[-1]["val_loss"]


def test_done_event_reproduces_predictions_and_loss(capsys):
    status, _, done, _ = run(capsys, "--dataset", "iris", "--l2", "0.01", "--epochs", "30")
    assert status == 0
    X, species = iris_raw()
    pre = done["preprocessing"]
    Z = ((X - pre["mean"]) / pre["scale"]) @ np.array(done["W"]).T + done["b"]
    truth = np.array([done["classes"].index(s) for s in species])
    assert np.mean(Z.argmax(axis=1) == truth) == done["train_accuracy"]
    Z -= Z.max(axis=1, keepdims=True)
    ce = np.log(np.exp(Z).sum(axis=1)) - Z[np.arange(len(truth)), truth]
    objective = ce.mean() + 0.01 / 2 * np.sum(np.square(done["W"]))
    assert objective == pytest.approx(done["loss"], rel=1e-12)


def test_feature_transforms_solve_circle_and_reproduce(capsys):
    from softmax_tui.datasets import load_dataset

    status, _, done, _ = run(capsys, "--dataset", "circle", "--features", "x1^2,x2^2")
    assert status == 0 and done["train_accuracy"] >= 0.95
    assert done["features"] == ["x1^2", "x2^2"]
    data = load_dataset("circle")
    F = data.X**2
    Z = ((F - done["preprocessing"]["mean"]) / done["preprocessing"]["scale"]) @ np.array(done["W"]).T + done["b"]
    assert np.mean(Z.argmax(axis=1) == data.y) == done["train_accuracy"]


def test_absurd_learning_rate_diverges_with_exit_3(capsys):
    status, progress, done, err = run(capsys, "--lr", "1e308")
    assert status == 3 and done["status"] == "diverged"
    assert np.isfinite(done["W"]).all() and np.isfinite(done["loss"])  # the last finite parameters
    assert err.count("\n") == 1 and err.startswith("softmax-tui: training diverged:") and "--lr" in err


@pytest.mark.parametrize("args", [(), ("--optimizer", "sgd", "--every", "3")])
def test_divergence_mid_run_ends_at_the_last_finite_progress(capsys, args):
    # the penalty's own update W -= lr * l2 * W doubles W every step when lr * l2 = 3
    status, progress, done, _ = run(capsys, "--l2", "1", "--lr", "3", *args)
    assert status == 3 and done["status"] == "diverged"
    assert len(progress) >= 3 and all(np.isfinite(e["loss"]) for e in progress)
    assert progress[-1]["loss"] > 1000 * progress[0]["loss"]
    assert (done["step"], done["loss"]) == (progress[-1]["step"], progress[-1]["loss"])


def strip_elapsed(text: str) -> str:
    lines = [json.loads(line) for line in text.splitlines()]
    lines[-1].pop("elapsed_seconds")
    return json.dumps(lines)


def test_same_command_same_output(capsys):
    args = ["--headless", "--dataset", "blobs", "--optimizer", "sgd", "--epochs", "2", "--every", "250",
            "--val-fraction", "0.3", "--seed", "7", "--init", "normal"]
    outputs = []
    for _ in range(2):
        assert main(args) == 0
        outputs.append(capsys.readouterr().out)
    assert outputs[0] != outputs[1]  # elapsed_seconds differs ...
    assert strip_elapsed(outputs[0]) == strip_elapsed(outputs[1])  # ... and nothing else
    assert main([*args[:-2], "--seed", "8"]) == 0
    assert strip_elapsed(capsys.readouterr().out) != strip_elapsed(outputs[0])


def test_every_n_steps_with_sgd(capsys):
    # rgb20 has 20 samples: sgd makes 20 steps an epoch
    status, progress, done, _ = run(capsys, "--optimizer", "sgd", "--epochs", "2", "--every", "7")
    assert status == 0
    assert [(e["step"], e["epoch"]) for e in progress] == [(7, 0), (14, 0), (21, 1), (28, 1), (35, 1), (40, 2)]
    assert (done["step"], done["epoch"]) == (40, 2)


def test_every_n_steps_with_gd_counts_epochs(capsys):
    status, progress, done, _ = run(capsys, "--epochs", "10", "--every", "4")
    assert [e["step"] for e in progress] == [4, 8, 10] and done["step"] == 10


def test_early_stop_mid_grid_gets_its_own_progress_line(capsys):
    _, progress, done, _ = run(capsys, "--dataset", "blobs", "--val-fraction", "0.2", "--l2", "0.1",
                               "--patience", "10", "--init", "normal", "--every", "1000")
    assert done["status"] == "early_stopped" and done["step"] < 1000
    assert [e["step"] for e in progress] == [done["step"]]


def test_minibatch_progress_every_epoch(capsys):
    _, progress, done, _ = run(capsys, "--dataset", "iris", "--optimizer", "minibatch", "--epochs", "3")
    # 150 samples in batches of 32: 5 steps an epoch, one progress line per epoch
    assert [(e["step"], e["epoch"]) for e in progress] == [(5, 1), (10, 2), (15, 3)]


def test_history_csv_matches_progress_lines(capsys, tmp_path):
    path = tmp_path / "history.csv"
    _, progress, _, _ = run(capsys, "--dataset", "iris", "--epochs", "12", "--val-fraction", "0.2",
                            "--history", str(path))
    with path.open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["step", "epoch", "loss", "train_accuracy", "val_loss", "val_accuracy"]
    assert len(rows) == len(progress) == 12
    for row, event in zip(rows, progress):
        assert {k: float(v) for k, v in row.items()} == {k: event[k] for k in row}


def test_history_without_validation_has_empty_cells(capsys, tmp_path):
    path = tmp_path / "h.csv"
    run(capsys, "--epochs", "3", "--history", str(path))
    lines = path.read_text().splitlines()
    assert len(lines) == 4 and all(line.endswith(",,") for line in lines[1:])


def test_save_then_load_continues_the_run_exactly(capsys, tmp_path):
    model = tmp_path / "model.json"
    common = ["--dataset", "iris", "--val-fraction", "0.2", "--optimizer", "gd"]
    _, _, ten, _ = run(capsys, *common, "--epochs", "10")
    _, _, five, _ = run(capsys, *common, "--epochs", "5", "--save-model", str(model))
    saved = json.loads(model.read_text())
    assert saved["W"] == five["W"] and saved["b"] == five["b"]
    assert saved["preprocessing"]["mean"] == five["preprocessing"]["mean"]
    assert saved["config"]["lr"] == DEFAULT_LR["gd"] and saved["config"]["trained"]["step"] == 5
    _, _, more, _ = run(capsys, *common, "--epochs", "5", "--load-model", str(model))
    assert (more["W"], more["b"], more["val_loss"]) == (ten["W"], ten["b"], ten["val_loss"])


def test_load_keeps_the_saved_preprocessing(capsys, tmp_path):
    model = tmp_path / "model.json"
    _, _, first, _ = run(capsys, "--dataset", "iris", "--epochs", "3", "--save-model", str(model))
    # a validation split changes the training rows, so a refit would change mean and scale
    _, _, again, _ = run(capsys, "--dataset", "iris", "--epochs", "3", "--val-fraction", "0.3",
                         "--load-model", str(model))
    assert again["preprocessing"] == first["preprocessing"]


def test_save_model_replaces_an_existing_file(capsys, tmp_path):
    model = tmp_path / "model.json"
    model.write_text("old")
    _, _, done, _ = run(capsys, "--epochs", "2", "--save-model", str(model))
    assert json.loads(model.read_text())["W"] == done["W"]
    assert [p.name for p in tmp_path.iterdir()] == ["model.json"]  # no temporary file left


def test_list_datasets(capsys):
    assert main(["--list-datasets"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == ["rgb20", "iris", "wine", "digits", "blobs", "circle", "xor", "gauss",
                                                   "spiral"]


def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"softmax-tui {package_version()}\n"


def test_help_lists_every_flag_of_the_contract(capsys):
    assert main(["--help"]) == 0
    text = capsys.readouterr().out
    for flag in ["--dataset", "--target", "--samples", "--classes", "--noise", "--features", "--no-standardize",
                 "--val-fraction", "--optimizer", "--lr", "--batch-size", "--l2", "--epochs", "--patience",
                 "--init", "--seed", "--load-model", "--save-model", "--history", "--headless", "--every",
                 "--paused", "--list-datasets", "--version"]:
        assert flag in text
    assert "(default: gd)" in text and "gd 1, sgd 0.01" in text and "(default: 100 with --headless" in text


class FakeDashboard:
    """Stands in for SoftmaxApp: the user switches to iris and trains three steps."""

    opened: list["FakeDashboard"] = []

    def __init__(self, session, entrants=None):
        self.session = session
        self.started_paused = session.trainer.state.value == "paused"
        self.return_code = None
        self.stopped_by = None  # closed by q, not by a signal
        self.opened.append(self)

    def run(self):
        self.session = build_session(parse_options(["--dataset", "iris"]))
        self.session.trainer.advance(3)


def test_dashboard_saves_the_session_it_closes_with(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(FakeDashboard, "opened", [])
    app_module = types.ModuleType("softmax_tui.tui.app")
    app_module.SoftmaxApp = FakeDashboard
    monkeypatch.setitem(sys.modules, "softmax_tui.tui.app", app_module)
    path = tmp_path / "m.json"
    assert main(["--paused", "--save-model", str(path)]) == 0
    [opened] = FakeDashboard.opened
    assert opened.started_paused
    saved = load_model(str(path))
    assert saved.classes == ("setosa", "versicolor", "virginica")
    assert saved.config["dataset"] == "iris" and saved.config["trained"]["step"] == 3
    assert np.array_equal(saved.W, opened.session.trainer.snapshot.W)
    assert capsys.readouterr().err == f"softmax-tui: model saved to {path}\n"


def test_dashboard_checks_the_save_path_before_opening(capsys, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "softmax_tui.tui.app", None)  # importing it would fail
    assert main(["--save-model", str(tmp_path / "missing" / "m.json")]) == 2
    assert "cannot write there" in capsys.readouterr().err
