"""softmax_tui.SoftmaxRegressionClassifier: scikit-learn's own estimator checks, the same
optimum as LogisticRegression under the documented l2 <-> C mapping, the command line's run,
and its errors and warnings."""

import os
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

import softmax_tui
from softmax_tui import SoftmaxRegressionClassifier
from softmax_tui.datasets import load_dataset
from softmax_tui.tui.options import parse_options
from softmax_tui.tui.session import build_session

README = Path(__file__).parent.parent / "README.md"

#: The configurations scikit-learn's checks run on: the default (lbfgs), Newton's method, and a
#: stochastic optimizer with its own shuffling stream.
CHECKED = [SoftmaxRegressionClassifier(), SoftmaxRegressionClassifier(optimizer="newton"),
           SoftmaxRegressionClassifier(optimizer="minibatch", random_state=3)]


# The checks fit on small made-up sets where 100 epochs need not meet tol (minibatch's constant
# step never does); convergence is what the tests below check, on real data.
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@parametrize_with_checks(CHECKED)
def test_scikit_learn_estimator_checks(estimator, check):
    """Every check passes; none is expected to fail. check_array_api_input skips here (it needs
    SCIPY_ARRAY_API set before SciPy is imported) and runs in the next test."""
    check(estimator)


def test_the_array_api_check_passes_with_scipy_array_api_set():
    code = ("from sklearn.utils.estimator_checks import check_array_api_input\n"
            "from softmax_tui import SoftmaxRegressionClassifier as S\n"
            "for e in (S(), S(optimizer='newton'), S(optimizer='minibatch', random_state=3)):\n"
            "    check_array_api_input('S', e, array_namespace='numpy', expect_only_array_outputs=False)\n"
            "print('passed')\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                          env={**os.environ, "SCIPY_ARRAY_API": "1"})
    assert done.returncode == 0, done.stderr
    assert done.stdout == "passed\n"


def _standardized(name: str, classes: tuple[int, ...] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """A built-in dataset's features standardized, and its labels; only ``classes``' rows if given."""
    dataset = load_dataset(name)
    rows = np.isin(dataset.y, classes) if classes else slice(None)
    return StandardScaler().fit_transform(dataset.X[rows]), dataset.y[rows]


def _reference(X, y, l2: float) -> LogisticRegression:
    """LogisticRegression at the optimum of our objective with weight ``l2``: ``C = 1 / (n l2)``,
    ``2 / (n l2)`` for two classes (api/estimator.py). Its newton-cholesky solver, converged to
    a gradient of 1e-15: its lbfgs stops once the objective changes by less than 64 eps
    relative (SciPy's ftol), at a gradient near 1e-7, up to 1e-5 from the optimum on iris."""
    binary = len(np.unique(y)) == 2
    return LogisticRegression(C=(2 if binary else 1) / (len(y) * l2), solver="newton-cholesky", tol=1e-12,
                              max_iter=1000).fit(X, y)


def _assert_same_model(ours: SoftmaxRegressionClassifier, theirs: LogisticRegression, X) -> None:
    assert ours.coef_.shape == theirs.coef_.shape and ours.intercept_.shape == theirs.intercept_.shape
    assert_allclose(ours.coef_, theirs.coef_, rtol=0, atol=1e-6)
    assert_allclose(ours.intercept_, theirs.intercept_, rtol=0, atol=1e-6)
    assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), rtol=0, atol=1e-6)
    assert_allclose(ours.decision_function(X), theirs.decision_function(X), rtol=0, atol=1e-6)
    assert_array_equal(ours.classes_, theirs.classes_)


# (name, classes): iris and wine with their 3 classes; iris's versicolor and virginica, which
# no line separates, as a binary problem
PROBLEMS = {"iris": ("iris", None), "wine": ("wine", None), "iris-binary": ("iris", (1, 2))}


@pytest.mark.filterwarnings("error::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("l2", [1e-2, 1e-3])
@pytest.mark.parametrize("problem", list(PROBLEMS))
def test_newton_reaches_logistic_regressions_optimum(problem, l2):
    """In no more Newton steps than scikit-learn's newton-cholesky from the same start (zero)
    on the same objective: its stop, a largest gradient component of 1e-12, is the stricter
    (our gradient norm is below 1e-10 once the p parameters' largest is below 1e-10 / sqrt(p),
    for p up to 10^4). Both converge quadratically (7 to 10 steps here)."""
    X, y = _standardized(*PROBLEMS[problem])
    ours = SoftmaxRegressionClassifier(optimizer="newton", l2=l2, tol=1e-10).fit(X, y)
    theirs = _reference(X, y, l2)
    _assert_same_model(ours, theirs, X)
    assert 1 <= ours.n_iter_[0] <= theirs.n_iter_[0]


@pytest.mark.filterwarnings("error::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("problem", list(PROBLEMS))
def test_lbfgs_reaches_logistic_regressions_optimum(problem):
    """tol 3e-9: L-BFGS's line search finds no lower point once the objective's rounding hides
    the decrease it predicts, here at a gradient near 1e-9 (Newton's steps go below 1e-14)."""
    X, y = _standardized(*PROBLEMS[problem])
    ours = SoftmaxRegressionClassifier(optimizer="lbfgs", l2=1e-2, tol=3e-9, max_iter=200).fit(X, y)
    _assert_same_model(ours, _reference(X, y, 1e-2), X)


@pytest.mark.filterwarnings("error::sklearn.exceptions.ConvergenceWarning")
def test_gd_run_to_convergence_reaches_logistic_regressions_optimum():
    """Strongly convex (l2 0.1) on standardized iris: gd at its default rate converges linearly."""
    X, y = _standardized("iris")
    ours = SoftmaxRegressionClassifier(optimizer="gd", l2=0.1, tol=1e-9, max_iter=2000).fit(X, y)
    _assert_same_model(ours, _reference(X, y, 0.1), X)
    assert ours.n_iter_[0] > 1  # max_iter was not reached: that would have warned


def test_a_fit_is_the_command_lines_run_with_that_seed():
    """random_state is --seed: minibatch's initial weights and shuffling, bit for bit."""
    argv = ["--dataset", "iris", "--no-standardize", "--optimizer", "minibatch", "--lr", "0.05",
            "--init", "uniform", "--seed", "7", "--epochs", "3"]
    trainer = build_session(parse_options(argv)).trainer
    snapshot = trainer.advance(10**6)
    dataset = load_dataset("iris")
    with pytest.warns(ConvergenceWarning, match="reached 3 epochs"):
        ours = SoftmaxRegressionClassifier(optimizer="minibatch", lr=0.05, l2=0.0, init="uniform", random_state=7,
                                           max_iter=3).fit(dataset.X, dataset.y)
    assert snapshot.epoch == 3 and snapshot.step == 3 * 5  # batches of 32 from 150 rows
    assert_array_equal(ours.coef_, snapshot.W)
    assert_array_equal(ours.intercept_, snapshot.b)
    assert_array_equal(ours.n_iter_, np.array([3], dtype=np.int32))
    assert ours.n_iter_.dtype == np.int32


def test_a_fit_keeps_no_checkpoints(monkeypatch):
    """A fit is never rewound: its trainer is built without the timeline's checkpoints
    (``checkpoints=False``), which the test above shows change no number."""
    from softmax_tui import estimator

    built, make_trainer = [], estimator.make_trainer

    def noted(*args, **kwargs):
        built.append(make_trainer(*args, **kwargs))
        return built[-1]

    monkeypatch.setattr(estimator, "make_trainer", noted)
    dataset = load_dataset("iris")
    SoftmaxRegressionClassifier(optimizer="newton", l2=1e-2).fit(dataset.X, dataset.y)
    assert len(built) == 1 and built[0].timeline is None


def test_labels_of_any_kind_and_dataframe_feature_names():
    dataset = load_dataset("iris")
    names = np.array(dataset.class_names)[dataset.y]
    frame = pd.DataFrame(dataset.X, columns=list(dataset.feature_names))
    ours = SoftmaxRegressionClassifier(optimizer="newton", l2=1e-2).fit(frame, names)
    by_number = SoftmaxRegressionClassifier(optimizer="newton", l2=1e-2).fit(dataset.X, dataset.y)
    assert list(ours.classes_) == ["setosa", "versicolor", "virginica"]
    assert list(ours.feature_names_in_) == list(dataset.feature_names) and ours.n_features_in_ == 4
    assert_array_equal(ours.predict(frame), np.array(dataset.class_names)[by_number.predict(dataset.X)])
    assert_array_equal(ours.coef_, by_number.coef_)
    # LogisticRegression's accuracy at the same objective's optimum: no row is within 0.05 of a
    # tie between two classes there, and our stop (tol 1e-4) moves no logit by a tenth of that.
    accuracy = _reference(dataset.X, dataset.y, 1e-2).score(dataset.X, dataset.y)
    assert ours.score(frame, names) == by_number.score(dataset.X, dataset.y) == accuracy
    with pytest.raises(ValueError, match="feature names"):
        ours.predict(frame[frame.columns[::-1]])


def test_log_probabilities_stay_finite_where_probabilities_underflow():
    X, y = _standardized("iris")
    ours = SoftmaxRegressionClassifier(optimizer="newton", l2=1e-3).fit(X, y)
    far = 1e3 * X[[0, 75, 149]]
    assert np.any(ours.predict_proba(far) == 0)
    log_proba = ours.predict_log_proba(far)
    logits = ours.decision_function(far)
    assert np.all(np.isfinite(log_proba))
    assert_allclose(log_proba, logits - logits.max(axis=1, keepdims=True), rtol=1e-12)  # the top class's is ~0


@pytest.mark.parametrize("settings, message", [
    ({"optimizer": "rmsprop"}, "unknown optimizer 'rmsprop'"),
    ({"optimizer": "newton", "l1": 0.01}, r"^optimizer='newton' needs a smooth objective and cannot be used with "
                                          r"l1=0.01 \(use l1=0, or a first-order optimizer for L1\)$"),
    ({"optimizer": "gd", "lr": -1.0}, "learning rate must be a positive finite number"),
    ({"l2": -1.0}, "l2 must be a finite number >= 0"),
    ({"optimizer": "minibatch", "batch_size": 0}, "batch_size must be an integer >= 1"),
    ({"optimizer": "minibatch", "batch_size": 2.5}, "batch_size must be an integer >= 1"),
    ({"optimizer": "adam", "beta1": 1.0}, r"beta1 must be in \[0, 1\)"),
    ({"max_iter": 0}, "max_iter must be an integer >= 1"),
    ({"max_iter": 2.5}, "max_iter must be an integer >= 1"),
    ({"tol": -1e-4}, "tol must be a finite number >= 0"),
    ({"init": "ones"}, "unknown init 'ones'"),
    ({"random_state": -1}, "random_state must be an integer >= 0"),
])
def test_settings_are_checked_when_fitting(settings, message):
    estimator = SoftmaxRegressionClassifier(**settings)  # scikit-learn's rule: nothing checked here
    with pytest.raises(ValueError, match=message):
        estimator.fit(*_standardized("iris"))


@pytest.mark.parametrize("settings", [
    {"lr": "abc"}, {"lr": "0.1"}, {"lr": True}, {"lr": [0.1]}, {"l2": None}, {"l2": "x"}, {"l2": True}, {"l1": None},
    {"momentum": None}, {"beta1": None}, {"beta2": None}, {"eps": None}, {"tol": None}, {"tol": True},
    {"random_state": True}, {"optimizer": np.array(["adam"])}, {"init": None},
], ids=lambda settings: "-".join(f"{k}={v!r}" for k, v in settings.items()))
def test_a_parameter_of_the_wrong_type_is_a_value_error_naming_it(settings):
    """scikit-learn's convention: ValueError at fit, not a TypeError from inside nor True taken as 1."""
    (name, value), = settings.items()
    with pytest.raises(ValueError) as caught:
        SoftmaxRegressionClassifier(**settings).fit(*_standardized("iris"))
    assert str(caught.value).startswith(f"{name} must be ") and str(caught.value).endswith(f"got {value!r}")


@pytest.mark.parametrize("optimizer", ["gd", "sgd", "newton", "lbfgs"])
def test_batch_size_is_refused_where_the_command_line_refuses_it(capsys, optimizer):
    """The command line's rule (its check, its words with the parameters' names), not ignored."""
    with pytest.raises(ValueError) as caught:
        SoftmaxRegressionClassifier(optimizer=optimizer, batch_size=8).fit(*_standardized("iris"))
    assert str(caught.value) == (f"batch_size does not apply to optimizer={optimizer!r} "
                                 "(use minibatch, momentum, nesterov or adam)")
    with pytest.raises(SystemExit):
        parse_options(["--headless", f"--optimizer={optimizer}", "--batch-size=8"])
    assert f"--batch-size does not apply to --optimizer {optimizer} " in capsys.readouterr().err


def test_one_class_is_refused():
    with pytest.raises(ValueError, match="at least 2 classes, but the data has one class: 'a'"):
        SoftmaxRegressionClassifier().fit(np.eye(3), ["a", "a", "a"])


def test_a_diverging_run_raises_and_one_that_stops_early_warns():
    dataset = load_dataset("wine")  # raw: proline is in the thousands
    with pytest.raises(ValueError, match=r"diverged: the loss exploded .* \(lr 1000\); lower lr"):
        SoftmaxRegressionClassifier(optimizer="gd", lr=1e3).fit(dataset.X, dataset.y)
    with pytest.warns(ConvergenceWarning, match="before the gradient norm fell below tol 0.0001: reached 5 epochs"):
        ours = SoftmaxRegressionClassifier(max_iter=5).fit(dataset.X, dataset.y)
    assert ours.n_iter_[0] == 5


def test_importing_the_package_needs_no_scikit_learn_and_the_estimator_says_how_to_get_it():
    code = ("import sys\n"
            "sys.modules['sklearn'] = None  # as if it were not installed\n"
            "import softmax_tui\n"
            "assert 'SoftmaxRegressionClassifier' in softmax_tui.__all__\n"
            "try:\n"
            "    softmax_tui.SoftmaxRegressionClassifier\n"
            "except ModuleNotFoundError as e:\n"
            "    print(e)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("SoftmaxRegressionClassifier needs scikit-learn (")
    assert done.stdout.endswith("): pip install 'softmax-tui[sklearn]'\n")
    lazy = subprocess.run([sys.executable, "-c", "import sys, softmax_tui; print('sklearn' in sys.modules)"],
                          capture_output=True, text=True, timeout=60)
    assert lazy.stdout == "False\n", lazy.stderr
    assert softmax_tui.SoftmaxRegressionClassifier is SoftmaxRegressionClassifier


def _readme_blocks(heading: str) -> list[str]:
    """The indented blocks of the README's section ``heading``, unindented, in order."""
    section = README.read_text(encoding="utf-8").split(f"\n## {heading}\n", 1)[1].split("\n## ", 1)[0]
    blocks, lines = [], []
    for line in section.splitlines():
        if line.startswith("    ") or (lines and not line):
            lines.append(line[4:])
        elif lines:
            blocks.append("\n".join(lines).strip("\n") + "\n")
            lines = []
    return blocks


def test_the_readme_example_runs_as_written(capsys):
    install, code, output = _readme_blocks("scikit-learn estimator")[:3]
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        exec(compile(code, "README.md", "exec"), {})
    assert capsys.readouterr().out == output
    assert install == "pip install 'softmax-tui[sklearn]'\n"
