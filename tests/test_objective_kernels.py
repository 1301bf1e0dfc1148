"""The objective's blocked, threaded kernels against a straightforward dense implementation.

The kernels (engine/objective.py) take the max by K - 1 passes, read accuracy from the true
class's logit, use wide and narrow product layouts and share blocks among threads; every
number must stay within 1e-12 of the textbook formulas computed in one piece here.
"""

import os

import numpy as np
import pytest

from softmax_tui.engine.blas import calling_thread_blas
from softmax_tui.engine.objective import Objective, default_threads, min_norm_subgradient


def reference(W, b, X, y, l2=0.0, l1=0.0):
    """Loss, accuracy, dW, db by the formulas of the objective's docstring, all samples at once."""
    m = len(X)
    Z = X @ W.T + b
    shifted = Z - Z.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_p[np.arange(m), y].mean() + 0.5 * l2 * np.sum(W * W) + l1 * np.sum(np.abs(W))
    G = np.exp(log_p)
    G[np.arange(m), y] -= 1.0
    return loss, np.mean(np.argmax(Z, axis=1) == y), G.T @ X / m + l2 * W, G.mean(axis=0)


def data(m, d, K, seed):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(m, d))
    y = rng.integers(0, K, m)
    return X, y, rng.normal(scale=0.3, size=(K, d)), rng.normal(size=K)


SHAPES = [(1000, 2, 3), (1000, 2, 2), (1000, 2, 10), (100_000, 2, 3), (20_000, 10, 4),
          (20_000, 100, 2), (20_000, 100, 10), (3_000, 784, 10)]


@pytest.mark.parametrize("m, d, K", SHAPES)
@pytest.mark.parametrize("l2, l1", [(0.0, 0.0), (0.05, 0.0), (0.05, 0.01)])
def test_kernels_equal_the_dense_formulas(m, d, K, l2, l1):
    X, y, W, b = data(m, d, K, seed=m + d + K)
    W[0, 0] = 0.0  # a zero weight: the L1 subgradient's other branch
    loss, accuracy, dW, db = reference(W, b, X, y, l2, l1)
    for threads in (1, 2, 3):
        ev = Objective(X, y, K, threads=threads).evaluate(W, b, l2, l1)
        assert ev.loss == pytest.approx(loss, rel=1e-12)
        assert ev.accuracy == accuracy
        np.testing.assert_allclose(ev.dW, dW, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(ev.db, db, rtol=1e-12, atol=1e-14)
        smooth = min_norm_subgradient(dW, W, l1) if l1 else dW
        assert ev.grad_norm == pytest.approx(np.sqrt(np.sum(smooth**2) + np.sum(db**2)), rel=1e-12)


def test_kernels_at_mnist_size_equal_the_dense_formulas():
    X, y, W, b = data(60_000, 784, 10, seed=17)
    loss, accuracy, dW, db = reference(W, b, X, y, 0.01)
    ev = Objective(X, y, 10).evaluate(W, b, 0.01)
    assert ev.loss == pytest.approx(loss, rel=1e-12) and ev.accuracy == accuracy
    np.testing.assert_allclose(ev.dW, dW, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(ev.db, db, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("m, d, K", [(100_000, 2, 3), (20_000, 100, 10)])
def test_results_do_not_depend_on_the_number_of_threads(m, d, K):
    """Blocks are added in block order whichever thread computed them: bit for bit equal."""
    X, y, W, b = data(m, d, K, seed=3)
    one = Objective(X, y, K, threads=1).evaluate(W, b, 0.1)
    assert len(Objective(X, y, K)._blocks) > 3
    for threads in (2, 4):
        many = Objective(X, y, K, threads=threads).evaluate(W, b, 0.1)
        assert (many.loss, many.accuracy) == (one.loss, one.accuracy)
        assert np.array_equal(many.dW, one.dW) and np.array_equal(many.db, one.db)


@pytest.mark.parametrize("d", [2, 100])
def test_tied_logits_count_as_the_first_class_like_argmax(d):
    """Classes 0 and 1 share their weights: wherever they lead, argmax says class 0, so the
    samples of class 1 there are wrong and those of class 0 right (in every block)."""
    X, y, W, b = data(4_000, d, 3, seed=5)
    X, y = np.tile(X, (6, 1)), np.tile(y, 6)  # several blocks, narrow (d = 2) and wide
    W[1], b[1] = W[0], b[0]
    objective = Objective(X, y, 3, threads=2)
    assert len(objective._blocks) > 1 and objective.threads == 2
    ev = objective.evaluate(W, b, gradient=False)
    predicted = np.argmax(X @ W.T + b, axis=1)
    assert np.any((predicted == 0) & (y == 1))
    assert ev.accuracy == np.mean(predicted == y)


def test_non_finite_logits_count_like_the_first_max_loop():
    """Logits of inf and NaN (a diverged run): the loss is not finite and the accuracy is
    the running first-max's, where a NaN never wins."""
    X = np.array([[1.0], [1.0], [1.0], [-1.0]])
    W = np.array([[np.inf], [0.0], [np.nan]])
    ev = Objective(X, np.array([0, 1, 2, 1]), 3).evaluate(W, np.zeros(3), gradient=False)
    assert not np.isfinite(ev.loss)
    # samples 0-2: class 0's logit is inf, the max; sample 3: -inf, so class 1 (0.0) leads
    assert ev.accuracy == 2 / 4


def test_default_threads_are_the_cores_up_to_four():
    assert default_threads() == min(4, len(os.sched_getaffinity(0)))


def test_blas_runs_on_the_calling_thread_while_held_and_is_restored_after():
    from threadpoolctl import threadpool_info, threadpool_limits

    def blas_threads():
        return [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]

    with threadpool_limits(2, user_api="blas"):
        with calling_thread_blas:
            with calling_thread_blas:
                assert set(blas_threads()) == {1}
            assert set(blas_threads()) == {1}  # still held by the outer holder
        assert set(blas_threads()) == {2}
