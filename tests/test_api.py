"""The Python API (issue 16, item 1): ``train`` against ``--headless`` bit for bit, ``watch``
through the pilot on a DataFrame, data read as a data file is, settings checked as flags are,
every mistake one exception with the command line's message, and README's example, run."""

import csv
import json
import re
import signal
import subprocess
import sys
from dataclasses import fields as dataclass_fields
from dataclasses import replace
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from pyarrow import parquet as pq
from textual.app import App
from textual.widgets import Select

import softmax_tui
from softmax_tui import Progress, SoftmaxTuiError, TrainResult, train, watch
from softmax_tui.datasets import DatasetError, load_table
from softmax_tui.engine import softmax
from softmax_tui.run import _app_for
from softmax_tui.tui.app import SoftmaxApp
from softmax_tui.tui.cli import main
from softmax_tui.tui.config import RunConfig
from softmax_tui.tui.errors import UserError
from softmax_tui.tui.screens.command import CommandScreen
from softmax_tui.tui.screens.dataset import DatasetScreen
from softmax_tui.tui.screens.settings import SettingsScreen
from softmax_tui.tui.widgets.status import StatusBar
from tests.test_settings import screen_of

README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
SIZE = (100, 30)


def three_blobs(n: int = 90, seed: int = 4) -> tuple[np.ndarray, np.ndarray]:
    """n points in 3-D around three centres, labelled by words (not in sorted order)."""
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0, 2.0, -1.0], [2.0, -1.0, 0.5], [-2.0, -1.0, 1.0]])
    k = np.arange(n) % 3
    X = centres[k] + rng.normal(0, 1.1, (n, 3)) * np.array([1.0, 30.0, 0.01])
    return X, np.array(["wolf", "bear", "deer"])[k]


def write_csv(path: Path, X: np.ndarray, y, header: list[str]) -> None:
    with open(path, "w", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(header)
        writer.writerows([*map(repr, map(float, row)), label] for row, label in zip(X, y))


def headless(capture, argv: list[str]) -> tuple[int, list[dict], str]:
    """The command line's exit status, JSON lines and stderr (``capture``: capsys or capfd)."""
    status = main(argv)
    out, err = capture.readouterr()
    return status, [json.loads(line) for line in out.splitlines()], err


SETTINGS = [
    dict(optimizer="momentum", lr=0.05, l2=0.01, val_fraction=0.2, epochs=40, seed=7),
    dict(optimizer="minibatch", batch_size=8, l1=0.002, epochs=6, every=5, seed=3, init="normal"),
    dict(optimizer="lbfgs", l2=0.001, steps=12, standardize=False, data_seed=2, val_fraction=0.3),
]


@pytest.mark.parametrize("settings", SETTINGS, ids=["momentum", "minibatch-every", "lbfgs"])
def test_train_equals_headless_bit_for_bit(tmp_path, capfd, settings):
    X, y = three_blobs()
    capfd.readouterr()
    result = train(X, y, **settings)
    assert capfd.readouterr() == ("", "")  # printing nothing, not even on the file descriptors

    data, model = tmp_path / "blobs.csv", tmp_path / "model.json"
    write_csv(data, X, y, ["x1", "x2", "x3", "label"])
    flags = [f"--{key.replace('_', '-')}" + ("" if value is False else f"={value}") for key, value in settings.items()]
    flags = [flag.replace("--standardize", "--no-standardize") for flag in flags]
    status, events, err = headless(capfd, ["--headless", "--dataset", str(data), *flags, "--save-model", str(model)])
    assert status == 0 and err == ""
    *progress, done = events
    assert [vars(row) for row in result.history] == [{k: v for k, v in e.items() if k != "event"} for e in progress]
    assert len(result.history) >= 5
    assert (result.status, result.reason, result.step, result.epoch) == (done["status"], done["reason"], done["step"],
                                                                         done["epoch"])
    assert result.W.tolist() == done["W"] and result.b.tolist() == done["b"]
    assert result.pipeline.mean.tolist() == done["preprocessing"]["mean"]
    assert result.pipeline.scale.tolist() == done["preprocessing"]["scale"]
    assert list(result.class_names) == done["classes"] == ["bear", "deer", "wolf"]
    assert list(result.feature_names) == done["features"] == ["x1", "x2", "x3"]
    saved = json.loads(model.read_text())
    assert saved["W"] == done["W"] and saved["b"] == done["b"]


def test_train_reads_a_dataframe_and_predicts_its_labels():
    pd = pytest.importorskip("pandas")
    X, y = three_blobs()
    frame = pd.DataFrame(X, columns=["height", "weight", "age"])
    result = train(frame, pd.Series(y, name="animal"), val_fraction=0.2, epochs=30)
    assert isinstance(result, TrainResult) and isinstance(result.history[0], Progress)
    assert result.feature_names == result.columns == ("height", "weight", "age")
    assert result.class_names == ("bear", "deer", "wolf") and list(result.classes) == ["bear", "deer", "wolf"]
    assert result.W.shape == (3, 3) and result.b.shape == (3,)
    assert not result.W.flags.writeable

    z = (X - result.pipeline.mean) / result.pipeline.scale
    expected = softmax(result.W @ z.T + result.b[:, None], axis=0).T
    assert np.array_equal(result.predict_proba(frame), expected)
    assert np.array_equal(result.predict_proba(X[0]), expected[:1])  # one row, 1-D
    predicted = result.predict(frame)
    assert list(predicted) == [result.class_names[k] for k in expected.argmax(axis=1)]
    assert np.mean(predicted == y) == pytest.approx(result.history[-1].train_accuracy, abs=0.1)
    with pytest.raises(SoftmaxTuiError, match=r"^X: the columns are weight, height, age; the model reads height, "
                                              r"weight, age$"):
        result.predict(frame[["weight", "height", "age"]])
    with pytest.raises(SoftmaxTuiError, match=r"^X: row 2, column 'weight': missing value \(NaN\)$"):
        result.predict([[1, 2, 3], [1, np.nan, 3]])


def test_labels_are_named_and_ordered_as_the_csv_loader_names_them(tmp_path):
    X = np.arange(16.0).reshape(8, 2)
    y = [10, 2, 2.0, 10, 2, 10, 2, 10]  # 2 and 2.0 one class; 2 before 10 by value, not as text
    result = train(X, y, epochs=1)
    path = tmp_path / "t.csv"
    write_csv(path, X, y, ["x1", "x2", "y"])
    from_file = load_table(path)
    assert result.class_names == from_file.class_names == ("2", "10")
    assert list(result.classes) == [2, 10]
    z = (X - result.pipeline.mean) / result.pipeline.scale
    assert list(result.predict(X)) == [[2, 10][k] for k in (z @ result.W.T + result.b).argmax(axis=1)]
    indices = train(X, [1, 0, 0, 1, 0, 1, 0, 1], class_names=["short", "tall"], epochs=1)
    assert indices.class_names == ("short", "tall") and list(indices.classes) == [0, 1]


def test_class_names_name_class_indices_and_a_class_without_rows_is_left_out():
    X = np.arange(12.0).reshape(6, 2)
    result = train(X, [0, 2, 0, 2, 2, 0], class_names=["a", "b", "c"], epochs=1)
    assert result.class_names == ("a", "c") and list(result.classes) == [0, 2]


@pytest.mark.parametrize(("X", "y", "message"), [
    ([1.0, 2.0], [0, 1], r"X must be 2-D, one row per sample, got shape \(2,\) \(one feature: X.reshape\(-1, 1\)\)"),
    ([[1.0, 2.0], [3.0, 4.0]], [0], "X has 2 rows but y has 1 labels"),
    ([[1.0, 2.0], [3.0, 4.0]], [[0], [1]], r"y must be 1-D \(one label per row\), got shape \(2, 1\)"),
    ([[1.0, "big"], [3.0, 4.0]], [0, 1],
     r"row 1, column 'x2': 'big' is not a number \(feature columns must be numeric\)"),
    ([[1.0, None], [3.0, 4.0]], [0, 1], r"row 1, column 'x2': missing value \(None\)"),
])
def test_data_mistakes_are_one_line(X, y, message):
    with pytest.raises(SoftmaxTuiError, match=f"^<array>: {message}$") as caught:
        train(X, y)
    assert isinstance(caught.value.original, DatasetError) and caught.value.__cause__ is None


@pytest.mark.parametrize(("cell", "labels"), [
    (np.nan, ["a", "b", "a"]), (np.inf, ["a", "b", "a"]), (1.0, [1.0, np.nan, 2.0]), (1.0, [1, 0.5, 1]),
    (1.0, ["b", "b", "b"]),
], ids=["nan", "inf", "missing-label", "continuous", "one-class"])
def test_data_mistakes_say_what_the_command_line_says_for_the_same_table(tmp_path, capsys, cell, labels):
    """The arrays and a Parquet file of the same table (which names rows, as arrays have no
    lines) give the same message after the data's name."""
    X, y = np.array([[1.0, 2.0], [3.0, cell], [5.0, 6.0]]), np.array(labels)
    path = tmp_path / "t.parquet"
    pq.write_table(pa.table({"x1": X[:, 0], "x2": X[:, 1], "y": y}), path)
    status, _, err = headless(capsys, ["--headless", "--dataset", str(path)])
    assert status == 2
    expected = err.removeprefix(f"softmax-tui: error: {path}: ").rstrip("\n")
    with pytest.raises(SoftmaxTuiError) as caught:
        train(X, y)
    # the flag the command line names is the keyword here
    assert str(caught.value) == f"<array>: {expected}".replace("--categorical-target", "categorical_target=True")


def test_drop_missing_drops_the_rows_and_says_how_many():
    result = train([[1.0, 2.0], [np.nan, 1.0], [3.0, 1.0], [0.0, 5.0]], ["a", "a", "b", "b"], drop_missing=True,
                   epochs=1)
    assert result.dropped_rows == 1 and result.pipeline.mean.tolist() == [4 / 3, 8 / 3]


@pytest.mark.parametrize(("settings", "flags"), [
    (dict(lr=-1), ["--lr=-1"]),
    (dict(batch_size=0, optimizer="adam"), ["--batch-size=0", "--optimizer=adam"]),
    (dict(val_fraction=1.5), ["--val-fraction=1.5"]),
    (dict(seed="x"), ["--seed=x"]),
    (dict(epochs=2.5), ["--epochs=2.5"]),
])
def test_a_bad_value_is_refused_by_its_flags_converter(capsys, rgb20, settings, flags):
    status, _, err = headless(capsys, ["--headless", *flags])
    flag = flags[0].split("=")[0]
    requirement = re.fullmatch(rf"softmax-tui: error: argument {flag}: (.*) \(see --help\)\n", err).group(1)
    with pytest.raises(SoftmaxTuiError) as caught:
        train(*rgb20, **settings)
    assert status == 2 and str(caught.value) == f"{flag.removeprefix('--').replace('-', '_')}: {requirement}"
    assert isinstance(caught.value.original, UserError) and caught.value.__cause__ is None


@pytest.mark.parametrize(("settings", "flags", "message"), [
    (dict(patience=3), ["--patience=3"], "patience needs a validation split: add val_fraction (e.g. 0.2)"),
    (dict(batch_size=8), ["--batch-size=8"],
     "batch_size does not apply to optimizer='gd' (use minibatch, momentum, nesterov or adam)"),
    (dict(optimizer="newton", l1=0.1), ["--optimizer=newton", "--l1=0.1"],
     "optimizer='newton' needs a smooth objective and cannot be used with l1=0.1 (use l1=0, or a first-order "
     "optimizer for L1)"),
    (dict(features="x1,x9"), ["--features=x1,x9"],
     "unknown feature 'x9'; choose from x1, x2, x1^2, x2^2, x1*x2, sin(x1), sin(x2)"),
    (dict(load_model="m.json", standardize=False), ["--load-model=m.json", "--no-standardize"],
     "load_model uses the model's own preprocessing; drop features and standardize=False"),
])
def test_rules_between_settings_are_the_command_lines_with_settings_named_as_keywords(capsys, rgb20, settings,
                                                                                      flags, message):
    """The command line's rule, its flags named as the keywords that set them (issue 16's probe)."""
    status, _, err = headless(capsys, ["--headless", *flags])
    with pytest.raises(SoftmaxTuiError) as caught:
        train(*rgb20, **settings)
    assert str(caught.value) == message
    assert status == 2 and err.startswith(f"softmax-tui: error: {caught.value.original}")


def test_a_continuous_target_names_the_keyword_that_accepts_it():
    with pytest.raises(SoftmaxTuiError) as caught:
        train([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], [0.5, 1.0, 0.5])
    assert str(caught.value) == ("<array>: column 'y' holds non-integer numbers such as '0.5': a continuous target "
                                 "(a measurement to regress), not classes; pass categorical_target=True if each "
                                 "distinct value really is a class")


def test_settings_by_python_name_are_the_flags_values(rgb20):
    result = train(*rgb20, optimizer="adam", lr="0.05", standardize=np.bool_(False), features=["x1", "x2", "x1*x2"],
                   steps=np.int64(3))
    assert result.config == replace(result.config, optimizer="adam", lr=0.05, standardize=False,
                                    features="x1,x2,x1*x2", steps=3)
    assert result.feature_names == ("x1", "x2", "x1*x2") and result.step == 3


@pytest.mark.parametrize(("settings", "message"), [
    (dict(lrr=0.1), "unknown setting 'lrr'; did you mean 'lr'?"),
    (dict(zzz=1), "unknown setting 'zzz'; the settings are drop_missing, categorical_target, data_seed, features, "
                  "standardize, val_fraction, optimizer, lr, batch_size, l2, l1, momentum, beta1, beta2, eps, epochs, "
                  "steps, patience, init, seed, load_model, every, paused"),
    (dict(datset=1), "unknown setting 'datset'; did you mean 'data_seed'?"),
    (dict(optimizer="sgdd"), "optimizer: invalid choice: 'sgdd' (choose from gd, sgd, minibatch, "),
    (dict(standardize="no"), "standardize: must be True or False, got 'no'"),
    (dict(dataset="iris"), "dataset: the data are X and y"),
    (dict(samples=10), "samples: applies to generated datasets only, not to X and y"),
    (dict(target="y"), "target: applies to data files only, not to X and y"),
    (dict(save_model="m.json"), "save_model: the result holds W, b and the preprocessing"),
    (dict(history="h.csv"), "history: the result's history holds the progress events"),
    (dict(headless=True), "headless: train() is the headless run and watch() the dashboard"),
    (dict(compare="gd,adam"), "compare: races are the command line's"),
    (dict(paused=True), "paused applies to watch() only"),
])
def test_unknown_and_refused_settings(rgb20, settings, message):
    with pytest.raises(SoftmaxTuiError) as caught:
        train(*rgb20, **settings)
    assert str(caught.value).startswith(message)


def test_every_is_train_only():
    with pytest.raises(SoftmaxTuiError) as caught:
        _app_for([[1.0, 2.0], [3.0, 4.0]], [0, 1], every=2)
    assert str(caught.value) == "every applies to train() only"


SMALL = ([[0.0, 1.0], [1.0, 0.0], [2.0, 2.0], [3.0, 1.0]], [0, 1, 0, 1])


@pytest.mark.parametrize(("call", "message"), [
    (lambda: train([[1, 2], [3]], [0, 1]), "<array>: X has rows of unequal length"),
    (lambda: train(SMALL[0], [[0], [1, 2], [1], [0]]), "<array>: y has rows of unequal length"),
    (lambda: train(*SMALL, epochs=1).predict([[1, 2], [3]]), "X: X has rows of unequal length"),
    (lambda: train(*SMALL, feature_names=5), "<array>: feature_names must be a sequence of names, not a value of "
                                             "type int"),
    (lambda: train(*SMALL, class_names=5), "<array>: class_names must be a sequence of names, not a value of "
                                           "type int"),
    (lambda: train(*SMALL, feature_names="ab"), "<array>: feature_names must be a sequence of names, not one string"),
    (lambda: train(*SMALL, feature_names=["a", None]), "<array>: feature_names[1] must be a non-empty string, "
                                                       "got None"),
    (lambda: train(*SMALL, feature_names=["a", 2]), "<array>: feature_names[1] must be a non-empty string, got 2"),
    (lambda: train(*SMALL, optimizer=np.array(["adam", "sgd"])),
     "optimizer: must be one of gd, sgd, minibatch, momentum, nesterov, adam, newton, lbfgs as a str, got a value "
     "of type ndarray"),
    (lambda: train(*SMALL, init=np.array(["zeros"])),
     "init: must be one of uniform, normal, zeros as a str, got a value of type ndarray"),
    (lambda: train(*SMALL, load_model=True), "load_model: must be a path (a str or os.PathLike), got True"),
    (lambda: train(*SMALL, load_model=0), "load_model: must be a path (a str or os.PathLike), got 0"),
    (lambda: train(*SMALL, load_model=1.5), "load_model: must be a path (a str or os.PathLike), got 1.5"),
    (lambda: train(*SMALL, lr=[0.1]), "lr: must be a number or its text, got a value of type list"),
    (lambda: train(*SMALL, features=[1]), "features: must be a str, got a value of type list"),
    (lambda: train(np.ma.masked_array(SMALL[0], mask=np.eye(4, 2)), SMALL[1]),
     "<array>: X is a masked array with masked values; fill them (X.filled(np.nan) makes them missing values)"),
    (lambda: train(SMALL[0], np.ma.masked_array(SMALL[1], mask=[0, 0, 1, 0])),
     "<array>: y is a masked array with masked values; fill them (y.filled(np.nan) makes them missing values)"),
], ids=["ragged-X", "ragged-y", "ragged-predict", "feature-names-int", "class-names-int", "feature-names-str",
        "feature-name-None", "feature-name-int", "optimizer-array", "init-array", "path-True", "path-0",
        "path-float", "lr-list", "features-ints", "masked-X", "masked-y"])
def test_inputs_of_the_wrong_shape_or_type_are_one_line(call, message):
    with pytest.raises(SoftmaxTuiError) as caught:
        call()
    assert str(caught.value) == message


def test_a_column_named_like_a_flag_keeps_its_name():
    pd = pytest.importorskip("pandas")
    with pytest.raises(SoftmaxTuiError) as caught:
        train(pd.DataFrame({"--lr": [1.0, None], "b": [1.0, 2.0]}), [0, 1])
    assert str(caught.value) == "<DataFrame>: row 2, column '--lr': missing value (NaN)"


def test_a_choice_may_be_a_numpy_str_and_is_kept_as_a_str():
    config = train(*SMALL, optimizer=np.str_("adam"), init=np.str_("zeros"), epochs=1).config
    assert (config.optimizer, config.init) == ("adam", "zeros") and type(config.init) is str


def test_a_path_setting_may_be_a_path(tmp_path):
    with pytest.raises(SoftmaxTuiError) as caught:
        train(*SMALL, load_model=tmp_path / "none.json")
    assert str(caught.value) == f"{tmp_path / 'none.json'}: no such model file"


def test_a_masked_array_without_a_masked_value_is_its_data():
    masked = train(np.ma.masked_array(SMALL[0], mask=False), SMALL[1], epochs=2)
    assert np.array_equal(masked.W, train(*SMALL, epochs=2).W)


def test_pandas_nullable_integers_keep_integer_classes_and_name_na():
    pd = pytest.importorskip("pandas")
    y = pd.Series([0, 1, 2, None, 1, 0, 2], dtype="Int64")
    X = np.arange(14.0).reshape(7, 2)
    result = train(X, y, drop_missing=True, epochs=1)
    assert result.classes.tolist() == [0, 1, 2] and result.classes.dtype == np.int64 and result.dropped_rows == 1
    with pytest.raises(SoftmaxTuiError) as caught:
        train(X, y)
    assert str(caught.value) == "<array>: row 4, column 'y': missing label ('<NA>')"


ODD_VALUES = {"None": None, "True": True, "float64": np.float64(1), "array": np.array([1, 2]), "list": [1],
              "dict": {}, "object": object(), "bytes": b"x", "nan": float("nan")}


@pytest.mark.parametrize("value", ODD_VALUES.values(), ids=ODD_VALUES)
@pytest.mark.parametrize("key", [f.name for f in dataclass_fields(RunConfig)] + ["every", "paused"])
def test_every_setting_takes_any_value_or_refuses_it_in_one_line(key, value):
    """Each setting and odd value either trains or is a SoftmaxTuiError of one line (issue 16's
    sweep): no NumPy or Python error escapes."""
    try:
        train(*SMALL, **{key: value, **({} if key in ("epochs", "steps") else {"steps": 1})})
    except SoftmaxTuiError as e:
        assert "\n" not in str(e) and str(e)


def test_an_uncaught_error_prints_one_traceback_ending_in_its_line():
    code = "from softmax_tui import train; train([[1,2],[3,4]],[0,1],lr=-1)"
    err = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stderr
    assert err.count("Traceback") == 1 and "direct cause" not in err
    assert err.endswith("\nsoftmax_tui.errors.SoftmaxTuiError: lr: must be a finite number > 0, got '-1'\n")


def test_train_on_arrays_never_imports_pandas():
    code = ("import sys; from softmax_tui import train; "
            "r = train([[0.0, 1.0], [1.0, 0.0], [2.0, 2.0]], ['a', 'b', 'a'], epochs=2); r.predict([[1.0, 1.0]]); "
            "print('pandas' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "False\n"


def test_the_exception_is_a_value_error_and_public():
    assert issubclass(SoftmaxTuiError, ValueError)
    assert {"train", "watch", "TrainResult", "Progress", "SoftmaxTuiError"} <= set(softmax_tui.__all__)


def test_a_diverged_run_returns_with_its_status_as_headless_ends(capsys, rgb20):
    result = train(*rgb20, lr=1e10)
    status, events, err = headless(capsys, ["--headless", "--lr=1e10"])
    done = events[-1]
    assert status == 3 and err.startswith("softmax-tui: training diverged: ")
    assert (result.status, result.reason, result.step) == (done["status"], done["reason"], done["step"]) \
        == ("diverged", "the loss exploded to 1.18e+08 at step 1 (lr 1e+10)", 0)
    assert result.W.tolist() == done["W"] and len(result.history) == len(events) - 1


async def test_watch_shows_a_dataframe_and_steps_with_n(live):
    pd = pytest.importorskip("pandas")
    X, y = three_blobs()
    frame = pd.DataFrame(X[:, :2], columns=["height", "weight"])
    app, data = _app_for(frame, pd.Series(y), paused=True)
    async with app.run_test(size=SIZE) as pilot:
        dashboard = app.dashboard
        assert app.session.dataset is data.dataset and dashboard.runner.snapshot.step == 0
        text = live.screen_text(app)  # the decision map's axes are the columns, its legend the labels
        assert re.search(r"│weight ", text) and re.search(r"-?\d+\.\d+ +height +-?\d+\.\d+│", text)
        assert "● bear ▲ deer ■ wolf" in text
        await pilot.press("n", "n")
        assert dashboard.runner.snapshot.step == 2
        assert "step 2 " in str(dashboard.query_one(StatusBar).render()) and "<DataFrame>" in live.screen_text(app)
        await pilot.press("c")
        command = await screen_of(pilot, CommandScreen)
        assert "<DataFrame> stands for the X and y given to watch()" in live.screen_text(app)
        command.dismiss()


async def test_watch_restarts_and_returns_to_its_data_without_reading_it_again(live):
    X, y = three_blobs()
    app, data = _app_for(X, y, paused=True)
    async with app.run_test(size=SIZE) as pilot:
        dashboard = app.dashboard
        dashboard.apply_settings(replace(dashboard.runner.config, seed=5))  # a restart field: a new run
        await live.drain(app)
        assert app.session.dataset is data.dataset and app.session.config.seed == 5
        await pilot.press("d")
        chooser = await screen_of(pilot, DatasetScreen)
        assert "<array>" in live.screen_text(app) and "the data given to watch()" in live.screen_text(app)
        chooser.dismiss("iris")
        await live.drain(app)
        assert app.session.dataset.name == "iris"
        await pilot.press("d")
        (await screen_of(pilot, DatasetScreen)).dismiss("<array>")
        await live.drain(app)
        assert app.session.dataset is data.dataset and app.session.config.seed == 5
        await pilot.press("s")  # the settings panel opens on the data given to watch()
        settings = await screen_of(pilot, SettingsScreen)
        assert settings.query_one("#field-dataset", Select).value == "<array>"


def test_watch_runs_the_dashboard_and_returns_the_run_at_quit(monkeypatch):
    pd = pytest.importorskip("pandas")
    X, y = three_blobs()
    previous = signal.getsignal(signal.SIGTERM)
    quit_after_steps(monkeypatch, "n", "n", "n")
    result = watch(pd.DataFrame(X, columns=["a", "b", "c"]), y, paused=True, optimizer="adam")
    assert isinstance(result, TrainResult) and result.step == 3 and result.status == "paused"
    assert result.columns == ("a", "b", "c") and result.config.optimizer == "adam"
    assert [row.step for row in result.history] == [3]
    assert result.W.tolist() == train(X, y, optimizer="adam", steps=3).W.tolist()
    assert signal.getsignal(signal.SIGTERM) is previous  # the app's own handler is gone


def test_watch_refuses_more_classes_than_it_draws():
    X = np.arange(24.0).reshape(12, 2)
    with pytest.raises(SoftmaxTuiError, match=r"^<array> has 12 classes; the dashboard shows at most 10"):
        watch(X, list(range(12)))


def test_the_readme_example_runs_as_written(monkeypatch, capsys):
    pytest.importorskip("pandas")
    section = README[README.index("## From Python"):README.index("## Dashboard")]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    quit_after_steps(monkeypatch)
    exec(compile(code, "README.md", "exec"), {})
    printed = capsys.readouterr().out.splitlines()
    said = [re.search(r"# (.*)$", line).group(1) for line in code.splitlines() if "print(" in line]
    assert printed == said


def quit_after_steps(monkeypatch, *keys: str) -> None:
    """The dashboard runs headless in a test: press ``keys``, then q."""

    async def pilot(pilot) -> None:
        await pilot.pause(0.1)
        await pilot.press(*keys, "q")

    def run(self, **_) -> None:
        App.run(self, headless=True, size=SIZE, auto_pilot=pilot)

    monkeypatch.setattr(SoftmaxApp, "run", run)
