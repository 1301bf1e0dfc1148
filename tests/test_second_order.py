"""The second-order optimizers newton and lbfgs (engine/second_order.py): they reach
scikit-learn's optimum, in few steps, with line searches that meet their conditions; and how
the command line and the dashboard offer them (issue 15, part 4)."""

import json
import math
from pathlib import Path

import numpy as np
import pytest
from sklearn.datasets import load_digits, load_iris, load_wine
from sklearn.linear_model import LogisticRegression

from softmax_tui.engine import OPTIMIZERS, Hessian, Optimizer, RunState, SoftmaxRegression, Trainer, evaluate
from softmax_tui.engine import second_order
from softmax_tui.engine.second_order import C1, C2, DAMPING, Newton
from softmax_tui.tui.cli import main
from softmax_tui.tui.options import parse_options
from softmax_tui.tui.runner import Runner, optimizer_after
from softmax_tui.tui.session import build_session
from softmax_tui.tui.settings import applies, dataset_choices
from softmax_tui.tui.widgets.status import StatusBar

LOADERS = {"iris": load_iris, "wine": load_wine, "digits": load_digits}


def standardized(name: str):
    X, y = LOADERS[name](return_X_y=True)
    spread = X.std(axis=0)
    return (X - X.mean(axis=0)) / np.where(spread > 0, spread, 1.0), y


def trainer(X, y, name: str, l2: float, **kwargs) -> Trainer:
    K = int(y.max()) + 1
    return Trainer(SoftmaxRegression(np.zeros((K, X.shape[1])), np.zeros(K)), Optimizer(name), X, y,
                   l2=l2, **kwargs)


def sklearn_optimum(X, y, l2: float) -> float:
    """scikit-learn's optimum of the same objective, evaluated by our own code."""
    fit = LogisticRegression(C=1 / (l2 * len(X)), solver="lbfgs", tol=1e-10, max_iter=100_000).fit(X, y)
    return evaluate(fit.coef_, fit.intercept_, X, y, l2).loss


@pytest.mark.parametrize("dataset", ["iris", "wine", "digits"])
@pytest.mark.parametrize("l2", [1e-2, 1e-4])
def test_newton_and_lbfgs_reach_sklearns_optimum(dataset, l2):
    X, y = standardized(dataset)
    f_star = sklearn_optimum(X, y, l2)
    for name in ("newton", "lbfgs"):
        snap = trainer(X, y, name, l2, tol=1e-8, max_steps=2000).advance(2000)
        assert snap.state is RunState.CONVERGED, (name, snap.reason)
        assert abs(snap.loss - f_star) <= 1e-8, (name, snap.loss - f_star)


def test_newton_converges_on_iris_in_a_handful_of_steps_where_gd_needs_hundreds():
    X, y = standardized("iris")  # measured: newton 6 steps, lbfgs 25, gd at its default lr 1 901
    steps = {name: trainer(X, y, name, 1e-2, tol=1e-6, lr=1.0, max_steps=5000).advance(5000)
             for name in ("newton", "lbfgs", "gd")}
    assert all(snap.state is RunState.CONVERGED for snap in steps.values())
    assert steps["newton"].step <= 8 and steps["lbfgs"].step <= 35 and steps["gd"].step >= 700


def test_every_lbfgs_step_meets_the_strong_wolfe_conditions():
    X, y = standardized("digits")
    run = trainer(X, y, "lbfgs", 1e-4, tol=1e-7, max_steps=400)
    before = run.snapshot
    checked = 0
    while not run.state.finished:
        after = run.step()
        old = evaluate(before.W, before.b, X, y, 1e-4)
        new = evaluate(after.W, after.b, X, y, 1e-4)
        s = np.hstack([after.W - before.W, (after.b - before.b)[:, None]])  # alpha p
        slope_old = float((np.hstack([old.dW, old.db[:, None]]) * s).sum())  # alpha g.p
        slope_new = float((np.hstack([new.dW, new.db[:, None]]) * s).sum())
        assert slope_old < 0
        assert new.loss <= old.loss + C1 * slope_old
        assert abs(slope_new) <= C2 * abs(slope_old)
        before, checked = after, checked + 1
    assert run.state is RunState.CONVERGED and checked > 100  # measured: 180 steps


@pytest.mark.parametrize("name", ["newton", "lbfgs"])
def test_the_trainers_evaluation_is_the_line_searchs_and_equals_a_fresh_one(name):
    X, y = standardized("wine")
    run = trainer(X, y, name, 1e-3, tol=0, max_steps=30)
    for _ in range(5):
        snap = run.step()
        fresh = evaluate(snap.W, snap.b, X, y, 1e-3)
        assert (snap.loss, snap.grad_norm, snap.train_accuracy) == (fresh.loss, fresh.grad_norm, fresh.accuracy)


@pytest.mark.parametrize("name", ["newton", "lbfgs"])
def test_at_the_optimum_a_step_stands_still_without_evaluating(monkeypatch, name):
    X, y = standardized("wine")
    run = trainer(X, y, name, 1e-3, tol=0)
    run.advance(200)  # far past convergence: the predicted decrease is below the loss's rounding
    held = run.snapshot
    calls = []
    monkeypatch.setattr(second_order, "_Trial", lambda *args: calls.append(args))
    for _ in range(3):
        snap = run.step()
        np.testing.assert_array_equal(snap.W, held.W)
        assert snap.loss == held.loss
    assert calls == [] and snap.step == held.step + 3


@pytest.mark.parametrize("name", ["newton", "lbfgs"])
def test_reset_and_a_new_optimizer_replay_bit_for_bit(name):
    X, y = standardized("wine")
    run = trainer(X, y, name, 1e-3, tol=0, max_steps=100)
    first = [run.step() for _ in range(8)]
    run.reset()
    run.resume()
    again = [run.step() for _ in range(8)]
    for a, b in zip(first, again):
        np.testing.assert_array_equal(a.W, b.W)
        assert a.loss == b.loss
    run.reset()
    run.resume()
    for _ in range(3):
        run.step()
    run.set_optimizer(Optimizer(name))  # fresh state: as a new run started from here
    fresh = Trainer(SoftmaxRegression(run.model.W.copy(), run.model.b.copy()), Optimizer(name), X, y,
                    l2=1e-3, tol=0)
    np.testing.assert_array_equal(run.step().W, fresh.step().W)


def test_newton_cg_agrees_with_the_dense_solve():
    """The Newton-CG step meets its stopping rule against the dense Hessian, and both paths
    end at the same optimum."""
    X, y = standardized("wine")
    K, l2 = 3, 1e-3
    rng = np.random.default_rng(0)
    W, b = rng.normal(size=(K, X.shape[1])), rng.normal(size=K)
    ev = evaluate(W, b, X, y, l2)
    G = np.hstack([ev.dW, ev.db[:, None]])
    dense, cg = Newton().direction(X, W, b, G, l2), Newton(dense_max=0).direction(X, W, b, G, l2)
    H = Hessian(W, b, X, l2).dense()
    g_norm = np.linalg.norm(G - G.mean(axis=0))
    residual = np.linalg.norm(H @ cg.ravel() + G.ravel())
    assert residual <= min(0.5, np.sqrt(g_norm)) * g_norm
    tau = DAMPING * Hessian(W, b, X, l2).prediction_dense().diagonal().max()  # its damping
    assert np.linalg.norm(H @ dense.ravel() + G.ravel()) <= tau * np.linalg.norm(dense) + 1e-13 * g_norm
    assert float((G * cg).sum()) < 0  # a descent direction
    runs = []
    for rule in (Newton(), Newton(dense_max=0)):
        run = trainer(X, y, "newton", l2, tol=1e-9, max_steps=50)
        run.optimizer.rule = rule
        runs.append(run.advance(50))
    assert all(snap.state is RunState.CONVERGED for snap in runs)
    assert abs(runs[0].loss - runs[1].loss) <= 1e-12


@pytest.mark.parametrize("name", ["newton", "lbfgs"])
def test_l1_is_refused_by_the_engine(name):
    X, y = standardized("iris")
    with pytest.raises(ValueError, match=f"the {name} optimizer needs a smooth objective.*l1 = 0.1"):
        trainer(X, y, name, 0.0, l1=0.1)
    run = trainer(X, y, name, 0.0)
    with pytest.raises(ValueError, match="cannot be used with l1 > 0"):
        run.l1 = 0.1
    assert run.l1 == 0.0
    first_order = trainer(X, y, "gd", 0.0, l1=0.1)
    with pytest.raises(ValueError, match="smooth"):
        first_order.set_optimizer(Optimizer(name))
    assert first_order.optimizer.name == "gd"


@pytest.mark.parametrize("argv", [["--optimizer", "newton", "--l1", "0.1"],
                                  ["--headless", "--optimizer", "lbfgs", "--l1", "0.01"]])
def test_l1_is_refused_on_the_command_line(capsys, argv):
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    assert err.startswith(f"softmax-tui: error: --optimizer {argv[-3]} needs a smooth objective and cannot be used "
                          f"with --l1 {argv[-1]}")


def test_headless_newton_converges(capsys):
    assert main(["--headless", "--dataset", "iris", "--optimizer", "newton", "--l2", "0.01"]) == 0
    done = capsys.readouterr().out.splitlines()[-1]
    assert '"status": "converged"' in done and '"step": 8,' in done  # measured: 8 steps from its random start


def test_o_cycles_through_newton_and_lbfgs_and_skips_them_with_l1():
    assert OPTIMIZERS[5:] == ("adam", "newton", "lbfgs")
    assert optimizer_after("adam", 0.0) == ("newton", ())
    assert optimizer_after("newton", 0.0) == ("lbfgs", ())
    assert optimizer_after("lbfgs", 0.0) == ("gd", ())
    assert optimizer_after("adam", 0.1) == ("gd", ("newton", "lbfgs"))
    runner = Runner(build_session(parse_options(["--paused", "--dataset", "iris", "--optimizer", "adam"])))
    try:
        assert [runner.next_optimizer() for _ in range(3)] == ["newton", "lbfgs", "gd"]
    finally:
        runner.close()


async def test_dashboard_o_plus_and_status_with_newton():
    from softmax_tui.tui.app import SoftmaxApp

    app = SoftmaxApp(build_session(parse_options(["--paused", "--dataset", "iris", "--optimizer", "adam"])))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("o")
        runner = app.dashboard.runner
        start = runner.snapshot.loss
        assert runner.optimizer == "newton"
        assert [n.message for n in app._notifications][-1].startswith("newton with a line search, from step 0 on")
        await pilot.press("n", "plus", "minus")
        await pilot.pause()
        messages = [n.message for n in app._notifications]
        assert messages[-1] == messages[-2] == ("newton chooses each step's length by a line search: it uses no "
                                                "learning rate, so + and - change nothing")
        assert runner.lr == 1.0 and runner.snapshot.step == 1 and runner.snapshot.loss < 0.5 * start
        status = str(app.dashboard.query_one(StatusBar).render())
        assert " newton │ line search │ step 1 " in status and " lr " not in status


async def test_dashboard_o_says_it_skipped_newton_and_lbfgs_with_l1():
    from softmax_tui.tui.app import SoftmaxApp

    argv = ["--paused", "--dataset", "iris", "--optimizer", "adam", "--l1", "0.01"]
    app = SoftmaxApp(build_session(parse_options(argv)))
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.press("o")
        assert app.dashboard.runner.optimizer == "gd"
        assert [n.message for n in app._notifications][-1] == ("Skipped newton and lbfgs: they need l1 0 "
                                                               "(the L1 term is not smooth)")


def test_the_settings_form_hides_the_learning_rate_of_newton_and_lbfgs():
    iris = next(choice for choice in dataset_choices() if choice.name == "iris")
    assert applies("lr", iris, "gd") and applies("lr", iris, "adam")
    assert not applies("lr", iris, "newton") and not applies("lr", iris, "lbfgs")
    assert not applies("batch_size", iris, "newton") and not applies("momentum", iris, "lbfgs")


@pytest.mark.parametrize("argv, keys", [(["--optimizer", "newton"], []), (["--optimizer", "adam"], ["o", "o"])])
async def test_the_settings_form_of_a_newton_or_lbfgs_run_changes_nothing_unasked(argv, keys):
    """Opened and applied untouched (from the command line, or after o reached lbfgs), the form
    says no change: the hidden rate keeps the run's (it said "lr 1.0 → default")."""
    from textual.widgets import Static

    from softmax_tui.tui.app import SoftmaxApp
    from softmax_tui.tui.screens.settings import SettingsScreen

    app = SoftmaxApp(build_session(parse_options(["--paused", "--dataset", "iris", *argv])))
    async with app.run_test(size=(120, 40)) as pilot:
        for key in keys:
            await pilot.press(key)
        config = app.dashboard.runner.config
        await pilot.press("s")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, SettingsScreen)
        assert form.edited() == config
        assert "→" not in str(form.query_one("#settings-changes", Static).render())


def scaled_csv(folder) -> object:
    """A CSV of three classes told apart by a feature of scale 1e6, beside a feature of scale
    1e-6 (read with --no-standardize, the Hessian's eigenvalues span some 24 orders of
    magnitude)."""
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 100)
    X = np.column_stack([(y + rng.normal(size=100)) * 1e6, rng.normal(size=100) * 1e-6])
    path = folder / "scaled.csv"
    path.write_text("x,y,label\n" + "\n".join(f"{float(a)!r},{float(b)!r},c{c}" for (a, b), c in zip(X, y)) + "\n")
    return path


@pytest.mark.parametrize("name, why", [
    ("newton", "the Newton step predicts no decrease although the gradient is large"),
    ("lbfgs", "the line search found no step that lowered the objective"),
])
def test_a_step_that_cannot_move_ends_the_run_as_stalled_with_the_reason(tmp_path, name, why):
    """Where no step can lower the objective although the gradient is far from zero, the run
    ends as stalled, saying why and at which step (before: lbfgs divided by zero in its line
    search's cubic, and newton stood still for ever)."""
    run = build_session(parse_options(["--optimizer", name, "--l2", "0", "--dataset", str(scaled_csv(tmp_path)),
                                       "--no-standardize"])).trainer
    snap = run.advance(100)
    assert snap.state is RunState.STALLED and snap.state.finished
    assert snap.reason.startswith(f"{why} at step {snap.step} (gradient norm ")
    assert snap.grad_norm > 1e-3 and snap.step < 100
    assert run.advance(5).step == snap.step  # a finished run stays finished
    run.reset()
    assert run.state is RunState.PAUSED and run.snapshot.reason == ""


def test_the_line_searchs_cubic_has_no_minimizer_on_a_collapsed_bracket():
    assert math.isnan(second_order._cubic_minimizer((0.5, 1.0, -1.0), (0.5, 1.0, -1.0)))
    assert second_order._cubic_minimizer((0.0, 1.0, -1.0), (1.0, 1.0, 1.0)) == pytest.approx(0.5)


@pytest.mark.parametrize("name", ["newton", "lbfgs"])
def test_headless_says_a_stalled_run_in_one_line_and_exits_3(tmp_path, capsys, name):
    status = main(["--headless", "--optimizer", name, "--l2", "0", "--dataset", str(scaled_csv(tmp_path)),
                   "--no-standardize"])
    err = capsys.readouterr().err
    assert status == 3
    assert err.count("\n") == 1 and err.startswith("softmax-tui: training stalled: ")
    assert "standardize them" in err and "--lr" not in err


README = (Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")


def test_the_readmes_step_counts_on_iris(capsys):
    """README: `softmax-tui --headless --dataset iris --l2 0.01 --epochs 5000` converges in 8
    steps with newton, 26 with lbfgs, 981 with gd."""
    steps = {}
    for name in ("newton", "lbfgs", "gd"):
        assert main(["--headless", "--dataset", "iris", "--l2", "0.01", "--epochs", "5000", "--optimizer", name]) == 0
        done = json.loads(capsys.readouterr().out.splitlines()[-1])
        assert done["status"] == "converged"
        steps[name] = done["step"]
    assert steps == {"newton": 8, "lbfgs": 26, "gd": 981}
    assert "converges in 8 steps with `--optimizer\nnewton`, 26 with `lbfgs`, 981 with the default gd" in README
