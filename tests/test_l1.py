"""The L1 penalty: soft-thresholding, the objective and its minimum-norm subgradient, agreement
with scikit-learn's L1 logistic regression, exact zeros under every optimizer, live penalties
and the optimizers' hyperparameters."""

import math
import warnings
from dataclasses import replace

import numpy as np
import pytest
import sklearn
from sklearn.datasets import load_iris, load_wine
from sklearn.linear_model import LogisticRegression

from softmax_tui.engine import OPTIMIZERS, SECOND_ORDER_OPTIMIZERS, Optimizer, RunState, SoftmaxRegression, Trainer, evaluate
from softmax_tui.engine.objective import min_norm_subgradient
from softmax_tui.engine.optimizers import soft_threshold
from softmax_tui.tui.options import parse_options
from softmax_tui.tui.runner import Runner
from softmax_tui.tui.session import build_session

LOADERS = {"iris": load_iris, "wine": load_wine}


def standardized(name):
    X, y = LOADERS[name](return_X_y=True)
    return (X - X.mean(axis=0)) / X.std(axis=0), y


def gd_trainer(X, y, l1, **kw):
    K = int(y.max()) + 1
    return Trainer(SoftmaxRegression(np.zeros((K, X.shape[1])), np.zeros(K)), Optimizer("gd"), X, y,
                   lr=1.0, l1=l1, **kw)


# -- the proximal step and the objective -------------------------------------------------------

def test_soft_threshold_is_exact():
    w = np.array([3.0, -3.0, 0.5, -0.5, 0.25, -0.25, 0.0, -0.0, 1e-300])
    soft_threshold(w, 0.5)
    assert w.tolist() == [2.5, -2.5, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    assert not np.signbit(w[2:]).any()  # every zero is +0.0
    w = np.array([[1.0, -1.0], [0.2, -0.2]])
    soft_threshold(w, np.array([[0.25, 2.0], [0.1, 0.2]]))  # a threshold per entry (Adam's metric)
    assert w.tolist() == [[0.75, 0.0], [0.2 - 0.1, 0.0]]


def test_objective_and_subgradient_match_central_differences_away_from_zeros():
    X, y = standardized("wine")
    rng = np.random.default_rng(3)
    W, b = rng.normal(size=(3, 13)), rng.normal(size=3)
    l1, l2, h = 0.07, 0.03, 1e-6
    ev = evaluate(W, b, X, y, l2, l1)
    ce = evaluate(W, b, X, y).loss
    assert ev.loss == pytest.approx(ce + l2 / 2 * (W**2).sum() + l1 * np.abs(W).sum(), rel=1e-14)
    numeric = np.empty_like(W)
    for index in np.ndindex(W.shape):
        step = np.zeros_like(W)
        step[index] = h
        numeric[index] = (evaluate(W + step, b, X, y, l2, l1, gradient=False).loss
                          - evaluate(W - step, b, X, y, l2, l1, gradient=False).loss) / (2 * h)
    subgradient = min_norm_subgradient(ev.dW, W, l1)
    np.testing.assert_allclose(subgradient, numeric, rtol=1e-6, atol=1e-8)
    np.testing.assert_allclose(subgradient, ev.dW + l1 * np.sign(W), rtol=0, atol=0)
    assert ev.grad_norm == pytest.approx(math.sqrt((subgradient**2).sum() + (ev.db**2).sum()), rel=1e-14)


def test_at_a_zero_the_subgradient_is_the_smaller_one_sided_slope_or_zero():
    X, y = standardized("iris")
    rng = np.random.default_rng(4)
    W, b = rng.normal(size=(3, 4)), rng.normal(size=3)
    W[0, 1] = W[1, 2] = W[2, 0] = 0.0
    h = 1e-7
    for l1 in (0.01, 0.3, 3.0):
        ev = evaluate(W, b, X, y, 0.0, l1)
        subgradient = min_norm_subgradient(ev.dW, W, l1)
        for index in zip(*np.nonzero(W == 0)):
            step = np.zeros_like(W)
            step[index] = h
            f0 = ev.loss
            right = (evaluate(W + step, b, X, y, 0.0, l1, gradient=False).loss - f0) / h
            left = (f0 - evaluate(W - step, b, X, y, 0.0, l1, gradient=False).loss) / h
            # the subdifferential is [left, right]; its element of least magnitude
            expected = 0.0 if left <= 0 <= right else (left if left > 0 else right)
            assert subgradient[index] == pytest.approx(expected, abs=1e-5)
    assert evaluate(np.zeros((3, 4)), b, X, y, 0.0, 1e3).grad_norm == pytest.approx(
        np.linalg.norm(evaluate(np.zeros((3, 4)), b, X, y).db), rel=1e-14)  # a huge l1: W = 0 is stationary


# -- scikit-learn ----------------------------------------------------------------------------

def sklearn_l1(X, y, l1):
    """scikit-learn's multinomial L1 logistic regression (saga) for our objective: it minimizes
    C * sum CE + ||W||_1 with the intercept unpenalized (saga does not penalize it), which is
    n C times mean CE + l1 ||W||_1 for C = 1 / (l1 n). Since 1.8 the penalty is ``l1_ratio``."""
    l1_only = {"l1_ratio": 1.0} if tuple(map(int, sklearn.__version__.split(".")[:2])) >= (1, 8) else {"penalty": "l1"}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no convergence warning: saga reached tol
        return LogisticRegression(**l1_only, solver="saga", C=1 / (l1 * len(y)), tol=1e-12,
                                  max_iter=100_000).fit(X, y)


@pytest.mark.parametrize("name", ["iris", "wine"])
@pytest.mark.parametrize("l1", [0.01, 0.05])
def test_l1_matches_scikit_learn(name, l1):
    X, y = standardized(name)
    reference = sklearn_l1(X, y, l1)
    assert reference.coef_.shape == (3, X.shape[1])  # one row per class: multinomial
    theirs = evaluate(reference.coef_, reference.intercept_, X, y, 0.0, l1, gradient=False).loss
    snap = gd_trainer(X, y, l1, tol=1e-10).advance(100_000)
    assert snap.state is RunState.CONVERGED
    assert abs(snap.loss - theirs) < 1e-6
    zeros = snap.W == 0
    np.testing.assert_array_equal(zeros, reference.coef_ == 0)
    assert 0 < zeros.sum() < zeros.size  # a sparse model, not an empty one


# -- exact zeros under every optimizer -------------------------------------------------------

def epoch_end_zeros(trainer, epochs, last):
    """The zero pattern of W at each of the last ``last`` of ``epochs`` epoch ends."""
    masks = []
    for epoch in range(epochs):
        snap = trainer.advance(10**6, until_epoch_end=True)
        if epoch >= epochs - last:
            masks.append(snap.W == 0)
    return np.array(masks), snap


@pytest.fixture(scope="module")
def wine_solution():
    X, y = standardized("wine")
    return X, y, gd_trainer(X, y, 0.05, tol=1e-10).advance(100_000)


def uniform_start(X, y, optimizer, lr, batch_size=None):
    model = SoftmaxRegression(np.random.default_rng(1).uniform(size=(3, X.shape[1])), np.zeros(3))
    return Trainer(model, Optimizer(optimizer, batch_size), X, y, lr=lr, l1=0.05, tol=1e-12, seed=3)


@pytest.mark.parametrize("optimizer, lr", [("momentum", 0.3), ("nesterov", 0.3), ("adam", 0.1)])
def test_full_batch_optimizers_reach_gds_zeros_and_keep_them(wine_solution, optimizer, lr):
    """Their proximal steps have the objective's stationary points as fixed points (a momentum
    velocity that kept the unthresholded step would converge to the penalty (1 - beta) l1)."""
    X, y, solution = wine_solution
    masks, snap = epoch_end_zeros(uniform_start(X, y, optimizer, lr), 400, 100)
    assert (masks == (solution.W == 0)).all()  # the solution's zeros, at every one of the last 100 steps
    assert snap.loss - solution.loss < 1e-8


@pytest.mark.parametrize("optimizer, lr, batch_size", [
    ("sgd", 0.01, None), ("minibatch", 0.3, None), ("momentum", 0.3, 16), ("nesterov", 0.3, 16), ("adam", 0.1, 16)])
def test_stochastic_optimizers_make_zeros_where_the_solution_has_them(wine_solution, optimizer, lr, batch_size):
    """Batch noise moves a weight off zero now and then (the stochastic proximal gradient method
    only settles as lr decays), so zeros come and go, but they come where the solution has them."""
    X, y, solution = wine_solution
    masks, _ = epoch_end_zeros(uniform_start(X, y, optimizer, lr, batch_size), 300, 100)
    where_zero = masks[:, solution.W == 0].mean()
    elsewhere = masks[:, solution.W != 0].mean()
    assert where_zero > 0.15 and where_zero > 10 * elsewhere


def test_l1_zero_is_not_a_proximal_step():
    params = [np.array([[1e-300, -2.0]]), np.array([0.0])]
    grads = [np.array([[0.0, 1.0]]), np.array([0.5])]
    for name in set(OPTIMIZERS) - set(SECOND_ORDER_OPTIMIZERS):  # those have no update from a gradient
        p = [a.copy() for a in params]
        Optimizer(name).apply(p, grads, 0.1, 0.0)
        assert p[0][0, 0] == 1e-300  # not thresholded: a tiny weight stays


# -- live penalties --------------------------------------------------------------------------

def test_a_new_penalty_is_evaluated_at_once_and_recorded_at_the_same_step():
    X, y = standardized("iris")
    trainer = gd_trainer(X, y, 0.0)
    trainer.advance(5)
    W, b = trainer.model.W.copy(), trainer.model.b.copy()
    trainer.l1 = 0.1
    new = evaluate(W, b, X, y, 0.0, 0.1)
    assert (trainer.snapshot.step, trainer.snapshot.loss, trainer.snapshot.grad_norm) == (5, new.loss, new.grad_norm)
    steps, losses = trainer.history.curve("loss")
    assert steps[-2:].tolist() == [5, 5] and losses[-1] == new.loss and losses[-2] < new.loss
    with pytest.raises(ValueError, match="l2 must be a finite number >= 0, got -1"):
        trainer.l2 = -1
    assert (trainer.l1, trainer.l2) == (0.1, 0.0)


def test_a_new_penalty_sets_the_blow_up_limit_afresh():
    X, y = standardized("iris")
    trainer = gd_trainer(X, y, 0.0)
    trainer.advance(3)
    trainer.lr = 1e-9  # below 2 / l2: every step lowers the new objective
    trainer.l2 = 1e9  # the loss jumps far past a million times the old one
    assert trainer.snapshot.loss > 1e6 * trainer.history.curve("loss")[1][0]
    snap = trainer.advance(3)
    assert snap.state is RunState.RUNNING and snap.step == 6  # not called a blow-up


def test_a_new_penalty_starts_early_stopping_over():
    """The validation loss includes the penalty, so the old best is not comparable."""
    X, y = standardized("iris")
    rng = np.random.default_rng(0)
    val = rng.permutation(len(y))[:30]
    train = np.setdiff1d(np.arange(len(y)), val)
    trainer = Trainer(SoftmaxRegression(np.zeros((3, 4)), np.zeros(3)), Optimizer("gd"), X[train], y[train],
                      X[val], y[val], lr=0.5, patience=1)
    trainer.advance(5)
    trainer.l2 = 0.5  # every later validation loss is above the unpenalized best
    snap = trainer.advance(5)
    assert snap.val_loss > trainer.history.curve("val_loss")[1][:6].min()
    assert snap.state is RunState.RUNNING and snap.step == 10


def runner_for(*argv):
    return Runner(build_session(parse_options(["--paused", *argv])), speed=math.inf)


def test_live_l1_through_the_runner_makes_zeros_from_the_same_step():
    runner = runner_for("--dataset", "iris")
    for _ in range(3):
        runner.step()
    assert not (runner.snapshot.W == 0).any()
    runner.apply(replace(runner.config, l1=0.2))
    assert runner.snapshot.step == 3 and runner.switches == [(3, "l1 0.2, l2 0")]
    for _ in range(30):
        runner.step()
    assert runner.snapshot.step == 33 and (runner.snapshot.W == 0).any()
    assert runner.session.saved_model().config["l1"] == 0.2


# -- the optimizers' hyperparameters ---------------------------------------------------------

def test_momentum_beta_is_the_given_one():
    p, g = [np.array([1.0])], [np.array([2.0])]
    optimizer = Optimizer("momentum", momentum=0.5)
    optimizer.apply(p, g, 0.1)  # v = 2
    optimizer.apply(p, g, 0.1)  # v = 0.5 * 2 + 2 = 3
    assert p[0][0] == pytest.approx(1.0 - 0.1 * 2 - 0.1 * 3, rel=1e-15)


def test_adam_betas_and_eps_are_the_given_ones():
    p, g = [np.array([1.0])], [np.array([0.5])]
    optimizer = Optimizer("adam", beta1=0.5, beta2=0.75, eps=1.0)
    optimizer.apply(p, g, 0.1)  # m_hat = g, s_hat = g^2: a step of lr g / (|g| + eps)
    assert p[0][0] == pytest.approx(1.0 - 0.1 * 0.5 / 1.5, rel=1e-15)
    optimizer.apply(p, [np.array([1.0])], 0.1)
    m_hat = (0.5 * 0.5 * 0.5 + 0.5 * 1.0) / (1 - 0.25)
    s_hat = (0.75 * 0.25 * 0.25 + 0.25 * 1.0) / (1 - 0.75**2)
    assert p[0][0] == pytest.approx(1.0 - 0.1 * 0.5 / 1.5 - 0.1 * m_hat / (math.sqrt(s_hat) + 1.0), rel=1e-14)


@pytest.mark.parametrize("kwargs, message", [
    ({"momentum": 1.0}, "momentum must be in"), ({"beta1": -0.1}, "beta1 must be in"),
    ({"beta2": 1.5}, "beta2 must be in"), ({"eps": 0.0}, "eps must be a positive"),
])
def test_hyperparameters_out_of_range_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Optimizer("adam", **kwargs)


def test_a_live_hyperparameter_starts_a_fresh_optimizer_with_it():
    runner = runner_for("--dataset", "iris", "--optimizer", "momentum", "--momentum", "0.5")
    assert runner.trainer.optimizer.rule.beta == 0.5
    runner.step()
    W = runner.snapshot.W.copy()
    runner.apply(replace(runner.config, momentum=0.8))
    rule = runner.trainer.optimizer.rule
    assert (rule.beta, rule.velocity) == (0.8, None) and runner.switches == [(1, "momentum")]
    np.testing.assert_array_equal(runner.trainer.model.W, W)
    runner.apply(replace(runner.config, optimizer="adam", beta1=0.8, beta2=0.99, eps=1e-6))
    rule = runner.trainer.optimizer.rule
    assert (rule.beta1, rule.beta2, rule.eps) == (0.8, 0.99, 1e-6)
