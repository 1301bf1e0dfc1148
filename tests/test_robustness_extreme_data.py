"""Issue 6, robustness: extreme data, through ``--headless`` and through the dashboard.

Values near 1e300 and near 1e-300 (with and without ``--no-standardize``), a column of each,
values at the edge of float64 (1.79e308), a constant column, all-duplicate points, one sample
per class (2 and 10 classes), a single feature column, and a 30-class target. Each case is
either a clear one-line error with exit status 2, or a correct run: its numbers are checked
(the done event's loss is the engine's loss at the done event's W and b on the preprocessed
data; standardized extreme data trains exactly like the same data at unit scale; a model that
can only learn the class frequencies ends at their entropy), and the dashboard shows no NaN or
infinity unless it also shows DIVERGED.

Bugs these found: standardizing values near 1e300 squared them to infinity (headless crashed
with a traceback writing the done event; the dashboard silently trained on zeros), values near
1e-300 standardized to NaN (a misleading "cannot train" error), a transform that overflows
(``x1^2`` of 1e300) gave the same misleading error; more than ten classes crashed the dashboard.
"""

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from softmax_tui.datasets import Pipeline, load_dataset
from softmax_tui.engine import RunState, evaluate
from softmax_tui.tui.app import SoftmaxApp
from softmax_tui.tui.cli import main
from softmax_tui.tui.options import parse_options
from softmax_tui.tui.session import build_session

SIZE = (100, 30)
EXE = Path(sys.executable).with_name("softmax-tui")
EPOCHS = "60"
#: what the status bar calls each state (a finished run that did not diverge: DONE)
STATE_WORDS = {RunState.RUNNING: "RUNNING", RunState.PAUSED: "PAUSED", RunState.DIVERGED: "DIVERGED"}


# -- data ----------------------------------------------------------------------------------

def unit_data() -> tuple[np.ndarray, np.ndarray]:
    """40 points in 2-D, three overlapping classes (no line separates them)."""
    rng = np.random.default_rng(11)
    X = rng.normal(size=(40, 2))
    y = np.argmax(np.column_stack([X[:, 0], X[:, 1], -X[:, 0] - X[:, 1]]) + rng.normal(0, 0.7, (40, 3)), axis=1)
    return X, y


def write_csv(path, X: np.ndarray, y, names=None) -> str:
    names = names or [f"x{j + 1}" for j in range(X.shape[1])]
    lines = [",".join([*names, "label"])]
    lines += [",".join([*(repr(float(v)) for v in row), f"c{int(label)}"]) for row, label in zip(X, y)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


#: name -> column factors applied to the unit data (the last: the largest |value| is 1.79e308)
SCALED = {
    "huge": (1e300, 1e300),
    "tiny": (1e-300, 1e-300),
    "mixed": (1e300, 1e-300),
    "float-max": (None, 1.0),
}


def scaled_csv(tmp_path, name: str) -> str:
    X, y = unit_data()
    factors = SCALED[name]
    X = X.copy()
    for j, factor in enumerate(factors):
        X[:, j] *= 1.79e308 / np.abs(X[:, j]).max() if factor is None else factor
    return write_csv(tmp_path / f"{name}.csv", X, y)


# -- running the command line ----------------------------------------------------------------

def headless(capsys, *args) -> tuple[int, list[dict], str]:
    status = main(["--headless", "--epochs", EPOCHS, *args])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return status, [json.loads(line) for line in out.splitlines()], err


def one_line_error(capsys, *args) -> str:
    status, events, err = headless(capsys, *args)
    assert status == 2 and events == [], (status, err)
    assert err.startswith("softmax-tui: error: ") and err.count("\n") == 1 and err.endswith("\n"), err
    return err.removeprefix("softmax-tui: error: ").rstrip("\n")


def check_done(done: dict, path: str, l2: float = 0.0) -> None:
    """Every number in the done event is finite, and its loss and accuracy are the engine's at its
    W and b on the data as its preprocessing maps it."""
    dataset = load_dataset(path)
    W, b = np.array(done["W"]), np.array(done["b"])
    mean, scale = np.array(done["preprocessing"]["mean"]), np.array(done["preprocessing"]["scale"])
    assert np.isfinite(W).all() and np.isfinite(b).all() and np.isfinite(mean).all() and (scale > 0).all()
    assert np.isfinite(scale).all()
    X = Pipeline(None, mean, scale, tuple(done["features"])).transform(dataset.X)
    assert np.isfinite(X).all()
    engine = evaluate(W, b, X, dataset.y, l2, gradient=False)
    assert math.isfinite(done["loss"]) and done["loss"] == pytest.approx(engine.loss, rel=1e-12)
    assert done["train_accuracy"] == engine.accuracy


def entropy_of_classes(y) -> float:
    p = np.bincount(y) / len(y)
    return float(-(p * np.log(p)).sum())


# -- the fixes, where they are: datasets and engine ------------------------------------------

@pytest.mark.parametrize("factor", [1e300, 1e-300, 1e150, 1e-150, None])
def test_standardization_of_extreme_columns_is_the_unit_one(factor):
    """Pipeline.fit divides a column of huge or tiny values by its largest magnitude before
    squaring; the result is the standardization of the same column at unit scale."""
    X, _ = unit_data()
    factor = 1.79e308 / np.abs(X).max() if factor is None else factor
    extreme, unit = Pipeline.fit(X * factor, ("a", "b")), Pipeline.fit(X, ("a", "b"))
    np.testing.assert_allclose(extreme.mean, unit.mean * factor, rtol=1e-12)
    np.testing.assert_allclose(extreme.scale, unit.scale * factor, rtol=1e-12)
    np.testing.assert_allclose(extreme.transform(X * factor), unit.transform(X), rtol=1e-10, atol=1e-12)


def test_standardization_of_ordinary_columns_is_numpys_own():
    X, _ = unit_data()
    for column in (X * 1e-90, X, X * 1e90):  # within 1e-100 .. 1e100: untouched, to the bit
        p = Pipeline.fit(column, ("a", "b"))
        assert p.mean.tobytes() == column.mean(axis=0).tobytes() and p.scale.tobytes() == column.std(axis=0).tobytes()


def test_the_trainer_is_silent_about_overflow_from_its_first_evaluation():
    """A gradient of 1e300 overflows the gradient norm at step 0: detected, never printed."""
    import warnings

    from softmax_tui.engine import Optimizer, SoftmaxRegression, Trainer

    X, y = unit_data()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        trainer = Trainer(SoftmaxRegression(np.ones((3, 2)), np.zeros(3)), Optimizer("gd"), X * 1e300, y, lr=1.0)
        trainer.reset()
        snap = trainer.advance(3)
    assert math.isfinite(snap.loss) and snap.state is RunState.DIVERGED and snap.step == 0


# -- headless --------------------------------------------------------------------------------

@pytest.mark.parametrize("name", list(SCALED))
def test_standardized_extreme_values_train_like_unit_values(capsys, tmp_path, name):
    X, y = unit_data()
    unit = write_csv(tmp_path / "unit.csv", X, y)
    extreme = scaled_csv(tmp_path, name)
    status, events, err = headless(capsys, "--dataset", extreme)
    assert status == 0 and err == "", err
    done = events[-1]
    check_done(done, extreme)
    status, unit_events, _ = headless(capsys, "--dataset", unit)
    reference = unit_events[-1]
    assert done["status"] == reference["status"] == "max_epochs"
    np.testing.assert_allclose(done["W"], reference["W"], rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(done["b"], reference["b"], rtol=1e-9, atol=1e-12)
    assert done["loss"] == pytest.approx(reference["loss"], rel=1e-9)
    assert done["train_accuracy"] == reference["train_accuracy"] > 0.6
    assert [e["loss"] for e in events[:-1]] == pytest.approx([e["loss"] for e in unit_events[:-1]], rel=1e-9)


@pytest.mark.parametrize("name", ["huge", "mixed"])
def test_raw_huge_values_diverge_cleanly(capsys, tmp_path, name):
    """Unstandardized, a step of lr 1 along a gradient of 1e300 overflows: DIVERGED, exit 3, the
    last finite parameters in the done event (strict JSON), and one line saying what to do."""
    path = scaled_csv(tmp_path, name)
    status, events, err = headless(capsys, "--dataset", path, "--no-standardize")
    assert status == 3
    done = events[-1]
    assert done["event"] == "done" and done["status"] == "diverged" and done["step"] == 0
    check_done(done, path)
    assert err.startswith("softmax-tui: training diverged: ") and err.endswith("; try a smaller --lr\n")
    assert err.count("\n") == 1


def test_raw_huge_values_print_nothing_but_the_one_line(tmp_path):
    """The real executable: NumPy's overflow warnings never reach the terminal (they did, from the
    trainer's first evaluation, before it silenced them as it does for every step)."""
    run = subprocess.run([str(EXE), "--headless", "--epochs", "3", "--dataset", scaled_csv(tmp_path, "huge"),
                          "--no-standardize"], capture_output=True, text=True, timeout=60)
    assert run.returncode == 3
    assert run.stderr == ("softmax-tui: training diverged: the loss became non-finite at step 1 (lr 1); "
                          "try a smaller --lr\n")
    assert json.loads(run.stdout.splitlines()[-1])["status"] == "diverged"


def test_raw_tiny_values_leave_only_the_class_frequencies(capsys, tmp_path):
    """Features of 1e-300 move no logit: the model learns the bias alone, whose best loss is the
    entropy of the class frequencies, and stops there as converged."""
    path = scaled_csv(tmp_path, "tiny")
    status, events, err = headless(capsys, "--dataset", path, "--no-standardize")
    done = events[-1]
    assert status == 0 and done["status"] == "converged" and err == ""
    check_done(done, path)
    assert done["loss"] == pytest.approx(entropy_of_classes(unit_data()[1]), abs=1e-9)


def test_raw_values_at_the_float_limit_are_a_clear_error(capsys, tmp_path):
    path = scaled_csv(tmp_path, "float-max")
    message = one_line_error(capsys, "--dataset", path, "--no-standardize")
    assert message.startswith(f"{path}: cannot train on this data: the initial parameters give a non-finite loss")


def test_a_transform_that_overflows_is_a_clear_error(capsys, tmp_path):
    path = scaled_csv(tmp_path, "huge")
    message = one_line_error(capsys, "--dataset", path, "--features", "x1,x1^2")
    assert message.startswith("feature 'x1^2' overflows on this data (values up to ")
    assert message.endswith("); choose other --features")


@pytest.mark.parametrize("raw", [False, True])
def test_a_constant_column(capsys, tmp_path, raw):
    X, y = unit_data()
    path = write_csv(tmp_path / "constant.csv", np.column_stack([X[:, 0], np.full(len(y), 3.0), X[:, 1]]), y)
    status, events, err = headless(capsys, "--dataset", path, *(["--no-standardize"] if raw else []))
    assert status == 0 and err == ""
    done = events[-1]
    check_done(done, path)
    assert done["loss"] < events[0]["loss"]
    if raw:  # the constant column of 3s acts as a second bias
        return
    # standardized, the column is all zeros (its scale is 1): its weights never move
    assert done["preprocessing"]["mean"][1] == 3.0 and done["preprocessing"]["scale"][1] == 1.0
    initial = build_session(parse_options(["--headless", "--dataset", path])).trainer.model.W
    assert np.array_equal(np.array(done["W"])[:, 1], initial[:, 1])


@pytest.mark.parametrize("raw", [False, True])
def test_all_points_the_same(capsys, tmp_path, raw):
    """Every point at (1, 2) with labels 20/12/8: no feature tells the classes apart."""
    y = np.repeat([0, 1, 2], [20, 12, 8])
    path = write_csv(tmp_path / "same.csv", np.tile([1.0, 2.0], (len(y), 1)), y)
    status, events, err = headless(capsys, "--dataset", path, *(["--no-standardize"] if raw else []),
                                   "--epochs", "300")
    assert status == 0 and err == ""
    done = events[-1]
    check_done(done, path)
    if raw:
        # (1, 2) and the bias: the curvature is up to (1 + 1 + 4) / 2 = 3, so lr 1 overshoots (2/L = 0.67)
        # and the loss does not settle; it is still the engine's, finite, and not DIVERGED
        assert done["status"] == "max_epochs"
        return
    # standardized, the features are zeros: the bias alone, which ends at the class frequencies
    assert done["status"] == "converged" and done["train_accuracy"] == 0.5  # the largest class
    assert done["loss"] == pytest.approx(entropy_of_classes(y), abs=1e-9)


def circle(k: int) -> tuple[np.ndarray, np.ndarray]:
    angle = 2 * np.pi * np.arange(k) / k
    return np.column_stack([np.cos(angle), np.sin(angle)]), np.arange(k)


@pytest.mark.parametrize("k", [2, 10])
def test_one_sample_per_class(capsys, tmp_path, k):
    """k points on a circle, one per class: each is a vertex, so a linear model separates them.
    A validation split cannot take a class's only sample, so asking for one is a clear error."""
    X, y = circle(k)
    path = write_csv(tmp_path / f"one-per-class-{k}.csv", X, y)
    status, events, err = headless(capsys, "--dataset", path, "--epochs", "300")
    assert status == 0 and err == ""
    done = events[-1]
    check_done(done, path)
    assert done["train_accuracy"] == 1.0 and done["loss"] < events[0]["loss"]
    assert done["val_loss"] is None and len(done["classes"]) == k
    status, events, err = headless(capsys, "--dataset", path, "--val-fraction", "0.5")
    assert status == 2 and events == []
    assert err == (f"softmax-tui: error: {path}: --val-fraction 0.5 holds out no rows "
                   "(every class is too small to give one to validation)\n")


def test_a_single_feature_column(capsys, tmp_path):
    X, y = unit_data()
    path = write_csv(tmp_path / "one-feature.csv", X[:, :1], y)
    status, events, err = headless(capsys, "--dataset", path)
    assert status == 0 and err == ""
    done = events[-1]
    check_done(done, path)
    assert np.array(done["W"]).shape == (3, 1) and done["features"] == ["x1"]


def thirty_classes(tmp_path) -> str:
    rng = np.random.default_rng(3)
    y = np.arange(90) % 30
    angle = 2 * np.pi * y / 30
    X = 3 * np.column_stack([np.cos(angle), np.sin(angle)]) + rng.normal(0, 0.3, (90, 2))
    return write_csv(tmp_path / "thirty.csv", X, y)


def test_thirty_classes_train_headless(capsys, tmp_path):
    path = thirty_classes(tmp_path)
    status, events, err = headless(capsys, "--dataset", path, "--epochs", "200")
    assert status == 0 and err == ""
    done = events[-1]
    check_done(done, path)
    assert np.array(done["W"]).shape == (30, 2) and len(done["classes"]) == 30
    assert done["loss"] < events[0]["loss"] < math.log(30) + 3


def test_thirty_classes_are_a_clear_error_for_the_dashboard(capsys, tmp_path):
    """The dashboard has ten class colours and markers: more classes are refused before the
    screen opens (drawn, classes would share colours, and the map's legend raised IndexError)."""
    path = thirty_classes(tmp_path)
    assert main(["--dataset", path]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err == (f"softmax-tui: error: {path} has 30 classes; the dashboard shows at most 10 "
                                 "(one colour each): train it with --headless\n")


# -- the dashboard -----------------------------------------------------------------------------

def dashboard_cases(tmp_path) -> dict[str, list[str]]:
    X, y = unit_data()
    k10, y10 = circle(10)
    return {
        **{f"{name} standardized": ["--dataset", scaled_csv(tmp_path, name)] for name in SCALED},
        "huge raw": ["--dataset", scaled_csv(tmp_path, "huge"), "--no-standardize"],
        "tiny raw": ["--dataset", scaled_csv(tmp_path, "tiny"), "--no-standardize"],
        "constant column": ["--dataset", write_csv(tmp_path / "c.csv", np.column_stack([X, np.ones(40)]), y)],
        "all the same": ["--dataset", write_csv(tmp_path / "s.csv", np.ones((40, 2)), y)],
        "one per class, 2": ["--dataset", write_csv(tmp_path / "o2.csv", *circle(2))],
        "one per class, 10": ["--dataset", write_csv(tmp_path / "o10.csv", k10, y10)],
        "one feature": ["--dataset", write_csv(tmp_path / "f.csv", X[:, :1], y)],
    }


async def test_the_dashboard_on_extreme_data(tmp_path, live):
    """Each case opens, steps, runs and pauses; after each, the status bar has the runner's step
    and state, and the screen shows no nan or inf unless it shows DIVERGED. (For the step-0 Jacobian see the
    test below.)"""
    seen = {}
    for name, argv in dashboard_cases(tmp_path).items():
        app = SoftmaxApp(build_session(parse_options([*argv, "--paused"])))
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("n", "n", "n")
            for phase in ("three steps", "running"):
                if phase == "running":
                    await pilot.press(*["right_square_bracket"] * 6, "space")  # 30 steps/s -> max
                    await pilot.pause(0.2)
                    await pilot.press("space")
                app.dashboard.draw_frame(now=True)
                await pilot.pause()
                snap, state = app.dashboard.runner.snapshot, app.dashboard.runner.state
                text = live.screen_text(app)
                where = f"{name}, {phase}"
                assert app._exception is None, where
                word = STATE_WORDS.get(state, "DONE")  # the status bar's first word
                assert f"step {snap.step} " in text and f"{word} " in text, f"{where}: no {word!r}:\n{text}"
                assert math.isfinite(snap.loss), where
                if live.NON_FINITE.search(text):
                    assert "DIVERGED" in text, f"{where}: nan/inf on the screen without DIVERGED:\n{text}"
            seen[name] = state
    assert seen["huge raw"] is RunState.DIVERGED  # the first step overflows, as headless
    assert seen["all the same"] is RunState.CONVERGED
    assert all(state in (RunState.PAUSED, RunState.CONVERGED) for name, state in seen.items() if name != "huge raw")


async def test_no_nan_on_screen_at_step_0_with_raw_huge_values(tmp_path, live):
    app = SoftmaxApp(build_session(parse_options(["--dataset", scaled_csv(tmp_path, "huge"), "--no-standardize",
                                                  "--paused"])))
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(40):  # tab to a point the initial model gets wrong by a margin of ~1e300
            if not np.isfinite(app.dashboard.jacobian._subject.explanation.dL_da).all():
                break
            await pilot.press("tab")
        else:
            raise AssertionError("no point with an underflowing probability")
        app.dashboard.draw_frame(now=True)
        await pilot.pause()
        text = live.screen_text(app)
        assert app.dashboard.runner.state is RunState.PAUSED and math.isfinite(app.dashboard.runner.snapshot.loss)
        assert "PAUSED" in text and not live.NON_FINITE.search(text), text
        assert "— a_y underflowed to 0" in text and "✗" not in text, text  # said, not flagged as a bug


async def test_the_map_of_values_at_the_float_limit(tmp_path, live):
    app = SoftmaxApp(build_session(parse_options(["--dataset", scaled_csv(tmp_path, "float-max"), "--paused"])))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        app.dashboard.draw_frame(now=True)
        await pilot.pause()
        text = live.screen_text(app)
        assert "PAUSED" in text and math.isfinite(app.dashboard.runner.snapshot.loss)
        assert not live.NON_FINITE.search(text), text
