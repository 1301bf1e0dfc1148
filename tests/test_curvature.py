"""The Hessian, its products and extreme eigenvalues, and gradient descent's stability limit,
against central finite differences of the gradient, the dense matrix and numpy.linalg."""

import numpy as np
import pytest

from softmax_tui.engine import Optimizer, SoftmaxRegression, Trainer
from softmax_tui.engine.curvature import Hessian, lanczos, spectrum
from softmax_tui.engine.objective import evaluate


def problem(K: int, n: int = 60, d: int = 4, seed: int = 0):
    rng = np.random.default_rng(seed + K)
    X = rng.normal(size=(n, d))
    y = rng.integers(0, K, n)
    return X, y, rng.normal(size=(K, d)), rng.normal(size=K)


def flat_gradient(theta: np.ndarray, X, y, K: int, l2: float) -> np.ndarray:
    T = theta.reshape(K, -1)
    ev = evaluate(np.ascontiguousarray(T[:, :-1]), T[:, -1].copy(), X, y, l2)
    return np.hstack([ev.dW, ev.db[:, None]]).ravel()


@pytest.mark.parametrize("K", [2, 3, 10])
@pytest.mark.parametrize("l2", [0.0, 0.1])
def test_hessian_matches_central_differences_of_the_gradient(K, l2):
    X, y, W, b = problem(K)
    H = Hessian(W, b, X, l2).dense()
    theta = np.hstack([W, b[:, None]]).ravel()
    h = 1e-5
    columns = [(flat_gradient(theta + h * e, X, y, K, l2) - flat_gradient(theta - h * e, X, y, K, l2)) / (2 * h)
               for e in np.eye(theta.size)]
    numeric = np.array(columns).T
    assert H.shape == (K * 5, K * 5)
    assert np.array_equal(H, H.T)
    assert np.abs(H - numeric).max() / np.abs(H).max() < 1e-6


@pytest.mark.parametrize("K", [2, 3, 10])
@pytest.mark.parametrize("l2", [0.0, 0.1])
def test_hessian_vector_products_equal_the_dense_matrix(K, l2):
    X, y, W, b = problem(K)
    hessian = Hessian(W, b, X, l2)
    H = hessian.dense()
    for V in np.random.default_rng(1).normal(size=(5, K, 5)):
        assert np.allclose(hessian.product(V).ravel(), H @ V.ravel(), rtol=1e-12, atol=1e-14)


def test_shift_directions_have_the_stated_curvature():
    """Adding u to every class's row: zero curvature for the bias, l2 for the weights."""
    K, l2 = 3, 0.25
    X, y, W, b = problem(K)
    hessian = Hessian(W, b, X, l2)
    shift = np.tile(np.array([0.3, -1.0, 2.0, 0.5, 0.0]), (K, 1))  # weights only
    assert np.allclose(hessian.product(shift), l2 * shift, atol=1e-15)
    bias = np.zeros((K, 5))
    bias[:, -1] = 1.0
    assert np.abs(hessian.product(bias)).max() < 1e-15


@pytest.mark.parametrize("K", [2, 3, 10])
@pytest.mark.parametrize("l2", [0.0, 0.1])
def test_extreme_eigenvalues_match_eigvalsh_on_the_prediction_subspace(K, l2):
    X, y, W, b = problem(K, n=200, d=6)
    hessian = Hessian(W, b, X, l2)
    full = np.linalg.eigvalsh(hessian.dense())
    # the full spectrum is the prediction subspace's plus d+1 shift directions (l2 x d, 0 x 1)
    shift = np.r_[np.zeros(1), np.full(6, l2)]
    prediction = np.linalg.eigvalsh(hessian.prediction_dense())
    assert np.allclose(np.sort(np.r_[prediction, shift]), full, atol=1e-13)
    for method, dense_max in (("dense", 10_000), ("lanczos", 0)):
        result = spectrum(W, b, X, l2, dense_max=dense_max)
        assert result.method == method
        assert result.lambda_max == pytest.approx(prediction[-1], rel=1e-10)
        assert result.lambda_min == pytest.approx(prediction[0], rel=1e-8)
        assert result.condition_number == pytest.approx(prediction[-1] / prediction[0], rel=1e-8)
        assert result.stability_limit == pytest.approx(2 / prediction[-1], rel=1e-10)
        for direction, value in zip(result.top_directions, prediction[[-1, -2]]):
            assert np.linalg.norm(direction) == pytest.approx(1.0)
            assert np.abs(direction.sum(axis=0)).max() < 1e-12  # orthogonal to the shifts
            assert np.allclose(hessian.product(direction), value * direction, atol=1e-7)


def test_lanczos_finds_both_ends_of_a_known_spectrum():
    rng = np.random.default_rng(3)
    Q = np.linalg.qr(rng.normal(size=(400, 400)))[0]
    values = np.r_[1e-3, np.linspace(0.1, 5, 398), 40.0]
    A = (Q * values) @ Q.T
    ritz, vectors = lanczos(lambda v: A @ v, rng.normal(size=400))
    assert ritz[-1] == pytest.approx(40.0, rel=1e-12)
    assert ritz[0] == pytest.approx(1e-3, rel=1e-6)
    assert abs(vectors[:, -1] @ Q[:, -1]) == pytest.approx(1.0, rel=1e-10)
    with pytest.raises(ValueError, match="zero"):
        lanczos(lambda v: A @ v, np.zeros(400))


def optimum(X, y, K: int, l2: float):
    """The minimum by Newton's method with the pseudo-inverse of the dense Hessian."""
    W, b = np.zeros((K, X.shape[1])), np.zeros(K)
    for _ in range(50):
        ev = evaluate(W, b, X, y, l2)
        step = np.linalg.pinv(Hessian(W, b, X, l2).dense(), rcond=1e-12) @ np.hstack([ev.dW, ev.db[:, None]]).ravel()
        T = np.hstack([W, b[:, None]]) - step.reshape(K, -1)
        W, b = np.ascontiguousarray(T[:, :-1]), T[:, -1].copy()
    assert evaluate(W, b, X, y, l2).grad_norm < 1e-13
    return W, b


@pytest.mark.parametrize("K", [2, 3, 10])
def test_gradient_descent_contracts_below_the_limit_and_not_above(K):
    """From the optimum moved by 1e-6 along the top eigenvector, 40 gd steps at
    lr = 0.9 x 2/λmax shrink the distance to the optimum below 0.8^40 x 1.01 of the start
    (the top direction's factor is |1 - lr λmax| = 0.8, the others' smaller); at 1.1 x 2/λmax
    the distance grows at least 1.2^40 x 0.99 ≈ 1450-fold (factor 1.2 along that direction)."""
    X, y, _, _ = problem(K, n=120, d=3)
    l2 = 0.05
    W_star, b_star = optimum(X, y, K, l2)
    result = spectrum(W_star, b_star, X, l2)
    top = result.top_directions[0]
    start = 1e-6
    for factor, bound in ((0.9, 0.8**40 * 1.01), (1.1, 1.2**40 * 0.99)):
        model = SoftmaxRegression(W_star + start * top[:, :-1], b_star + start * top[:, -1])
        trainer = Trainer(model, Optimizer("gd"), X, y, lr=factor * result.stability_limit, l2=l2, tol=0.0)
        snap = trainer.advance(40)
        assert snap.step == 40
        distance = np.linalg.norm(np.hstack([snap.W - W_star, (snap.b - b_star)[:, None]]))
        if factor < 1:
            assert distance < bound * start
        else:
            assert distance > bound * start


def test_shapes_are_checked():
    with pytest.raises(ValueError, match="need W"):
        Hessian(np.zeros((1, 2)), np.zeros(1), np.zeros((3, 2)))
    with pytest.raises(ValueError, match="need W"):
        Hessian(np.zeros((3, 2)), np.zeros(3), np.zeros((3, 4)))
