"""The Hessian, its products and extreme eigenvalues, and gradient descent's stability limit,
against central finite differences of the gradient, the dense matrix and numpy.linalg."""

import math

import numpy as np
import pytest

from softmax_tui.engine import Optimizer, SoftmaxRegression, Trainer, curvature
from softmax_tui.engine.curvature import Hessian, lanczos, lr_limit, spectrum
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


@pytest.mark.parametrize("K, l2, block_values", [(2, 0.0, None), (3, 1e-2, None), (5, 1e-3, None), (4, 1e-2, 500)])
def test_the_prediction_subspace_hessian_is_the_projected_dense_one(monkeypatch, K, l2, block_values):
    """``prediction_dense`` (built as F^T F, in blocks of samples) equals ``Q^T H Q`` of the
    whole dense Hessian (built block by block of classes)."""
    if block_values:  # several blocks of samples
        monkeypatch.setattr(curvature, "_BLOCK_VALUES", block_values)
    X, y, W, b = problem(K, n=40)
    hessian = Hessian(W, b, X, l2)
    Q = np.kron(hessian.basis, np.eye(5))
    expected = Q.T @ hessian.dense() @ Q
    np.testing.assert_allclose(hessian.prediction_dense(), expected, rtol=0, atol=1e-14 * np.abs(expected).max())


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
    ritz, vectors, residuals = lanczos(lambda v: A @ v, rng.normal(size=400))
    assert residuals[0] <= 1e-10 * 40 and residuals[-1] <= 1e-10 * 40
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


def top_mode_factor(optimizer: str, h: float, beta: float = 0.9) -> float:
    """The spectral radius of one step along an eigenvector of curvature λ with h = lr λ, from
    the step's own 1-D recurrence (state: the parameter and lr times the velocity)."""
    if optimizer == "gd":
        return abs(1 - h)
    if optimizer == "momentum":  # v' = β v + λ p, p' = p - lr v'
        M = [[1 - h, -beta], [h, beta]]
    else:  # nesterov: v' = β v + λ p, p' = p - lr (λ p + β v')
        M = [[1 - h * (1 + beta), -beta**2], [h, beta]]
    return float(max(abs(np.linalg.eigvals(np.array(M)))))


@pytest.mark.parametrize("optimizer", ["gd", "momentum", "nesterov"])
@pytest.mark.parametrize("K", [2, 3, 10])
def test_steps_contract_below_the_limit_and_not_above(K, optimizer):
    """From the optimum moved by 1e-6 along the top eigenvector: at lr = 0.9 x lr_limit the
    distance to the optimum after N steps is below 1% of the start, N being where the top
    mode's factor (< 1, from its own recurrence) reaches 1e-4; at 1.1 x lr_limit it is above
    100 times the start, N being where that factor (> 1) reaches 1e4. The margins (100x) are
    for the other modes and the transient of the two-term recurrences."""
    X, y, _, _ = problem(K, n=120, d=3)
    l2 = 0.05
    W_star, b_star = optimum(X, y, K, l2)
    result = spectrum(W_star, b_star, X, l2)
    limit = lr_limit(optimizer, result.lambda_max)
    assert top_mode_factor(optimizer, limit * result.lambda_max) == pytest.approx(1.0)
    top = result.top_directions[0]
    start = 1e-6
    for factor in (0.9, 1.1):
        rate = top_mode_factor(optimizer, factor * limit * result.lambda_max)
        assert (rate < 1) == (factor < 1)
        steps = math.ceil(math.log(1e4) / abs(math.log(rate)))
        model = SoftmaxRegression(W_star + start * top[:, :-1], b_star + start * top[:, -1])
        trainer = Trainer(model, Optimizer(optimizer), X, y, lr=factor * limit, l2=l2, tol=0.0)
        snap = trainer.advance(steps)
        assert snap.step == steps
        distance = np.linalg.norm(np.hstack([snap.W - W_star, (snap.b - b_star)[:, None]]))
        if factor < 1:
            assert distance < 0.01 * start
        else:
            assert distance > 100 * start


def test_lr_limits_by_optimizer():
    assert lr_limit("gd", 0.5) == 4.0
    assert lr_limit("sgd", 0.5) == lr_limit("minibatch", 0.5) == 4.0
    assert lr_limit("momentum", 0.5, momentum=0.5) == pytest.approx(6.0)
    assert lr_limit("nesterov", 0.5, momentum=0.5) == pytest.approx(3.0)
    assert lr_limit("adam", 0.5) is None
    assert lr_limit("gd", 0.0) == math.inf


def test_top_only_lanczos_gets_the_top_pairs_in_fewer_products():
    """Watching the top two Ritz pairs alone stops sooner than watching λmin too, with the
    top two eigenvalues as exact (against eigvalsh of the restricted matrix)."""
    K, d = 10, 12
    X, y, W, b = problem(K, n=300, d=d)
    hessian = Hessian(W, b, X)
    exact = np.linalg.eigvalsh(hessian.prediction_dense())
    products = {}
    for top_only in (True, False):
        count = [0]

        def apply(u, count=count):
            count[0] += 1
            return hessian.to_prediction(hessian.product(hessian.from_prediction(u.reshape(K - 1, d + 1)))).ravel()

        values, _, _ = lanczos(apply, np.random.default_rng(0).standard_normal(hessian.prediction_size),
                               watch=(-2, -1) if top_only else (0, -2, -1))
        products[top_only] = count[0]
        assert values[-1] == pytest.approx(exact[-1], rel=1e-9) and values[-2] == pytest.approx(exact[-2], rel=1e-8)
    assert products[True] < products[False]
    top = spectrum(W, b, X, dense_max=0, top_only=True)
    assert top.lambda_max == pytest.approx(exact[-1], rel=1e-9)
    assert top.lambda_min >= exact[0] * (1 - 1e-9)  # from inside the spectrum, whether converged or not


def test_lanczos_says_when_it_stopped_short():
    X, y, W, b = problem(10, n=200, d=6)
    short = spectrum(W, b, X, 0.0, dense_max=0, max_steps=4)
    exact = spectrum(W, b, X, 0.0)
    assert not short.converged and exact.converged
    assert short.lambda_max < exact.lambda_max and short.lambda_min > exact.lambda_min  # inner estimates


def test_shapes_are_checked():
    with pytest.raises(ValueError, match="need W"):
        Hessian(np.zeros((1, 2)), np.zeros(1), np.zeros((3, 2)))
    with pytest.raises(ValueError, match="need W"):
        Hessian(np.zeros((3, 2)), np.zeros(3), np.zeros((3, 4)))
