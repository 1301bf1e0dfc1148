"""Softmax, cross-entropy and the Jacobian against the seeds' numbers and finite differences."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from softmax_tui.engine import (
    SoftmaxRegression,
    cross_entropy,
    evaluate,
    explain_loss,
    explain_point,
    explain_weights,
    log_softmax,
    loss_grad_logits,
    loss_grad_logits_chain,
    one_hot,
    sigmoid,
    softmax,
    softmax_jacobian,
)


def central_difference(f, x, h=1e-6):
    """d f / d x by (f(x + h e_i) - f(x - h e_i)) / 2h for every entry of x."""
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + h
        up = f(x)
        x[idx] = old - h
        down = f(x)
        x[idx] = old
        grad[idx] = (up - down) / (2 * h)
    return grad


def rel_error(a, b):
    return np.max(np.abs(a - b)) / max(np.max(np.abs(a)), np.max(np.abs(b)), 1e-300)


# -- the seeds' worked numbers -------------------------------------------------------------

def test_seed004_three_class_example():
    # w = [2, 3, 5], b = [1, 1, 1], x = 1 -> [0.0420, 0.1141, 0.8437] (the slide truncates)
    a = softmax(np.array([2.0, 3.0, 5.0]) * 1 + np.array([1.0, 1.0, 1.0]))
    np.testing.assert_allclose(a, [0.0420, 0.1142, 0.8438], atol=1e-4)
    assert np.argmax(a) == 2


def test_seed004_sigmoid_example():
    # w = 2, b = 1, x = 1: sigmoid(3) = 0.9526
    np.testing.assert_allclose(sigmoid(3.0), 0.9526, atol=1e-4)


def test_seed001_toy_cross_entropy_and_probabilities():
    X = np.array([[0.1, 0.5], [1.1, 2.3], [-1.1, -2.3], [-1.5, -2.5]])
    W = np.array([[0.1, 0.2, 0.3], [0.1, 0.2, 0.3]])  # seed's layout: features x classes
    bias = np.array([0.01, 0.1, 0.1])
    y = np.array([0, 1, 2, 2])
    model = SoftmaxRegression(W.T, bias)
    np.testing.assert_allclose(model.logits(X), [[0.07, 0.22, 0.28], [0.35, 0.78, 1.12],
                                                 [-0.33, -0.58, -0.92], [-0.39, -0.7, -1.1]], atol=1e-12)
    np.testing.assert_allclose(model.predict_proba(X), [
        [0.29450637, 0.34216758, 0.36332605],
        [0.21290077, 0.32728332, 0.45981591],
        [0.42860913, 0.33380113, 0.23758974],
        [0.44941979, 0.32962558, 0.22095463],
    ], atol=1e-8)
    np.testing.assert_array_equal(model.predict(X), [2, 2, 0, 0])
    assert model.loss(X, y) == pytest.approx(1.3215978715930938, rel=1e-12)
    assert model.loss(X, one_hot(y, 3)) == pytest.approx(1.3215978715930938, rel=1e-12)
    assert cross_entropy(model.logits(X), y) == pytest.approx(1.3215978715930938, rel=1e-12)


def test_seed000_forward_pass(rgb20):
    X, _ = rgb20
    W = np.array([[0.31, 3.95], [7.07, -0.23], [-6.27, -2.35]])
    b = np.array([1.2, 2.93, -4.14])
    model = SoftmaxRegression(W, b)
    np.testing.assert_allclose(model.logits(X[0])[0], [6.699, 1.901, -6.803], atol=5e-4)
    np.testing.assert_allclose(model.predict_proba(X[0])[0], [0.992, 0.008, 0.000], atol=5e-4)
    # "this classifier correctly classifies all the samples"
    np.testing.assert_array_equal(model.predict(X), rgb20[1])


# -- stability ------------------------------------------------------------------------------

def test_softmax_huge_logits_no_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        a = softmax(np.array([1000.0, 2000.0, 3000.0]))
    np.testing.assert_array_equal(a, [0.0, 0.0, 1.0])


def test_softmax_minus_infinity_gives_zero():
    a = softmax(np.array([0.0, -np.inf, 0.0]))
    np.testing.assert_array_equal(a, [0.5, 0.0, 0.5])
    assert log_softmax(np.array([0.0, -np.inf]))[1] == -np.inf


def test_softmax_keeps_dtype_and_axis():
    z32 = np.array([[1.0, 2.0], [3.0, 5.0]], dtype=np.float32)
    assert softmax(z32).dtype == np.float32
    assert log_softmax(z32).dtype == np.float32
    np.testing.assert_allclose(softmax(z32, axis=0).sum(axis=0), [1.0, 1.0], rtol=1e-6)
    assert softmax(np.array([1, 2, 3])).dtype == np.float64


def test_cross_entropy_finite_for_huge_logits():
    logits = np.array([[1e300, -1e300, 0.0], [5e307, 1e308, -1e308]])
    ce = cross_entropy(logits, np.array([1, 0]))
    assert np.isfinite(ce) and ce > 1e299
    assert cross_entropy(np.array([[0.0, -np.inf]]), np.array([[1.0, 0.0]])) == 0.0


def test_log_softmax_matches_log_of_softmax():
    z = np.array([[0.3, -1.2, 2.5, 0.0], [10.0, 10.0, -3.0, 1.0]])
    np.testing.assert_allclose(log_softmax(z), np.log(softmax(z)), rtol=1e-14)


# -- the Jacobian --------------------------------------------------------------------------

def test_jacobian_matches_central_differences():
    z = np.array([0.7, -1.3, 2.1, 0.2])
    J = softmax_jacobian(softmax(z))
    numeric = np.zeros((4, 4))
    # column m: d a / d z_m
    for m in range(4):
        e = np.zeros(4)
        e[m] = 1e-6
        numeric[:, m] = (softmax(z + e) - softmax(z - e)) / 2e-6
    assert rel_error(J, numeric) < 1e-6
    np.testing.assert_allclose(J, J.T, atol=0)
    np.testing.assert_allclose(J.sum(axis=1), 0.0, atol=1e-16)


def test_jacobian_batch_matches_vectors():
    A = softmax(np.array([[0.1, 0.2, 0.3], [5.0, -1.0, 0.0]]))
    batch = softmax_jacobian(A)
    assert batch.shape == (2, 3, 3)
    for k in range(2):
        np.testing.assert_array_equal(batch[k], np.diag(A[k]) - np.outer(A[k], A[k]))


def test_chain_rule_equals_a_minus_y():
    rng = np.random.default_rng(3)
    Z = rng.normal(size=(50, 5)) * 3
    Y = one_hot(rng.integers(0, 5, 50), 5)
    A = softmax(Z)
    np.testing.assert_allclose(loss_grad_logits_chain(A, Y), loss_grad_logits(A, Y), atol=1e-14)
    np.testing.assert_allclose(loss_grad_logits_chain(A[0], Y[0]), A[0] - Y[0], atol=1e-15)


def test_two_class_softmax_is_sigmoid_of_difference():
    z = np.linspace(-30, 30, 61)
    pairs = np.column_stack([z, np.full_like(z, 0.7)])
    np.testing.assert_allclose(softmax(pairs)[:, 0], sigmoid(z - 0.7), rtol=1e-12, atol=1e-300)


# -- gradients ----------------------------------------------------------------------------

def test_gradients_match_central_differences_with_l2():
    rng = np.random.default_rng(7)
    X = rng.normal(size=(30, 4))
    y = rng.integers(0, 3, 30)
    model = SoftmaxRegression(rng.normal(size=(3, 4)), rng.normal(size=3))
    l2 = 0.3
    dW, db = model.gradients(X, y, l2)

    def loss_at_W(W):
        return SoftmaxRegression(W, model.b).loss(X, y, l2)

    def loss_at_b(b):
        return SoftmaxRegression(model.W, b).loss(X, y, l2)

    assert rel_error(dW, central_difference(loss_at_W, model.W.copy())) < 1e-6
    assert rel_error(db, central_difference(loss_at_b, model.b.copy())) < 1e-6


def test_loss_includes_l2_on_weights_only():
    X = np.array([[1.0, 2.0]])
    model = SoftmaxRegression(np.array([[1.0, 0.0], [0.0, 2.0]]), np.array([3.0, -4.0]))
    plain = model.loss(X, [0])
    assert model.loss(X, [0], l2=0.5) == pytest.approx(plain + 0.25 * (1 + 4), rel=1e-14)


# -- properties ---------------------------------------------------------------------------

finite_logits = arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(1, 8)),
                       elements=st.floats(-1e6, 1e6, allow_nan=False))


@settings(max_examples=200, deadline=None)
@given(finite_logits)
def test_probability_rows_sum_to_one(z):
    a = softmax(z)
    assert np.all(a >= 0)
    np.testing.assert_allclose(a.sum(axis=1), 1.0, rtol=1e-12)


@settings(max_examples=200, deadline=None)
@given(finite_logits, st.floats(-1e3, 1e3))
def test_adding_a_constant_changes_nothing(z, c):
    np.testing.assert_allclose(softmax(z + c), softmax(z), atol=1e-9)


def test_blocked_objective_equals_the_textbook_formulas(monkeypatch):
    """Loss, accuracy and gradient over several cache blocks against a plain per-sample loop."""
    import softmax_tui.engine.objective as objective

    monkeypatch.setattr(objective, "_LOGIT_BLOCK_VALUES", 1024)  # 256-row blocks
    rng = np.random.default_rng(4)
    X, y = rng.normal(size=(1000, 3)), rng.integers(0, 4, 1000)
    W, b, l2 = rng.normal(size=(4, 3)), rng.normal(size=4), 0.2
    obj = objective.Objective(X, y, 4)
    assert len(obj._blocks) == 4
    ev = obj.evaluate(W, b, l2)
    loss, dW, db, correct = 0.0, np.zeros((4, 3)), np.zeros(4), 0
    for x_i, y_i in zip(X, y):
        a = softmax(W @ x_i + b)
        loss -= np.log(a[y_i])
        g = a - one_hot(y_i, 4)
        dW += np.outer(g, x_i)
        db += g
        correct += np.argmax(a) == y_i
    assert ev.loss == pytest.approx(loss / 1000 + 0.5 * l2 * np.sum(W**2), rel=1e-12)
    assert ev.accuracy == correct / 1000
    np.testing.assert_allclose(ev.dW, dW / 1000 + l2 * W, rtol=1e-11, atol=1e-15)
    np.testing.assert_allclose(ev.db, db / 1000, rtol=1e-11, atol=1e-15)


def test_objective_accuracy_breaks_ties_like_argmax():
    """With all logits equal (zero init) every sample is predicted as class 0, as predict() says."""
    X, y = np.ones((6, 2)), np.array([0, 1, 2, 0, 1, 2])
    model = SoftmaxRegression(np.zeros((3, 2)), np.zeros(3))

    assert evaluate(model.W, model.b, X, y).accuracy == np.mean(model.predict(X) == y) == 1 / 3


def test_objective_finite_for_huge_logits():

    ev = evaluate(np.array([[1e300], [-1e300]]), np.zeros(2), np.array([[1.0], [2.0]]), np.array([1, 1]))
    assert np.isfinite(ev.loss) and ev.loss > 1e300


def test_objective_threads_raise_no_warnings_on_overflow():
    """Blocks evaluated in worker threads overflow silently too (error state is per thread)."""
    import softmax_tui.engine.objective as objective

    X = np.tile([[1e300, -1e300]], (50_000, 1))
    obj = objective.Objective(X, np.arange(50_000) % 2, 2, threads=2)
    assert obj.threads == 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ev = obj.evaluate(np.array([[1e10, 1e10], [-1e10, 0.0]]), np.zeros(2))
    assert not np.isfinite(ev.loss)


def test_explain_loss_splits_the_objective_into_its_terms():
    W = np.array([[1.0, -2.0], [0.5, 0.0], [0.0, 3.0]])
    terms = explain_loss(2.0, W, l2=0.1)
    assert terms.penalty == pytest.approx(0.05 * (1 + 4 + 0.25 + 9))
    assert terms.cross_entropy == pytest.approx(2.0 - 0.05 * 14.25)
    assert terms.chance == pytest.approx(np.log(3))
    assert explain_loss(0.7, W, l2=0.0).penalty == 0 and explain_loss(0.7, W, l2=0.0).cross_entropy == 0.7
    # with L1 too: the penalty the objective adds, evaluated independently by the engine
    X3, y3 = np.random.default_rng(1).normal(size=(7, 2)), np.arange(7) % 3
    with_both = evaluate(W, np.zeros(3), X3, y3, l2=0.1, l1=0.2, gradient=False).loss
    plain = evaluate(W, np.zeros(3), X3, y3, gradient=False).loss
    terms = explain_loss(with_both, W, l2=0.1, l1=0.2)
    assert terms.penalty == pytest.approx(0.05 * 14.25 + 0.2 * 6.5)
    assert terms.cross_entropy == pytest.approx(plain, rel=1e-12)
    # a model that predicts 1/K everywhere scores exactly the chance level
    X, y = np.random.default_rng(0).normal(size=(9, 2)), np.arange(9) % 3
    uniform = explain_point(np.zeros((3, 2)), np.zeros(3), X[0], int(y[0]))
    assert uniform.loss == pytest.approx(explain_loss(uniform.loss, np.zeros((3, 2)), 0.0).chance)


def test_explain_weights_finds_the_largest_magnitude():
    assert explain_weights(np.array([[0.5, -3.0], [2.9, 3.0]])) == (0, 1, -3.0)  # the first on a tie
    assert explain_weights(np.array([[0.1], [-0.2]])) == (1, 0, -0.2)
    with pytest.raises(ValueError):
        explain_weights(np.zeros((3, 0)))
