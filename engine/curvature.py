"""Curvature of the softmax-regression objective: the Hessian, Hessian-vector products, the
extreme eigenvalues, the condition number and gradient descent's stability limit.

**Layout.** The parameters are the K x (d+1) matrix ``Theta = [W | b]`` (class k's d weights,
then its bias), flattened row by row: parameter ``k (d+1) + j``. With ``x~ = [x, 1]`` and
``a_i = softmax(W x_i + b)``, the objective ``(1/n) sum_i CE_i + (l2/2) ||W||^2`` has the Hessian

    H = (1/n) sum_i (diag(a_i) - a_i a_i^T) (x) x~_i x~_i^T  +  l2 (I_K (x) diag(1, ..., 1, 0))

(Kronecker product in class-major order; the bias is not penalized). The cross-entropy part
follows from ``d CE / d z = a - y`` and the softmax Jacobian ``d a / d z = diag(a) - a a^T``
(Bishop 2006, "Pattern Recognition and Machine Learning", eq. (4.110)); a Hessian-vector
product needs no K(d+1) x K(d+1) matrix: for a direction ``V`` (K x (d+1)) with directional
logits ``r_i = V x~_i``, ``H V = (1/n) sum_i (a_i o (r_i - a_i . r_i)) x~_i^T + l2 [V_W | 0]``
(Pearlmutter 1994, "Fast exact multiplication by the Hessian", Neural Computation 6(1)).
The L1 term has no curvature where it is differentiable and is left out.

**The null direction.** Adding one vector ``u`` (d+1) to every class's row of ``Theta``
changes no prediction (softmax is invariant to a common shift of the logits), so the
cross-entropy's Hessian is zero along the d+1 directions ``1_K (x) u``. The convention here:
eigenvalues are those of H on the complementary subspace ``sum_k Theta_k = 0`` (the
parameters that change predictions), of dimension (K-1)(d+1). H maps that subspace to itself
(its cross-entropy part has its range there, and the L2 term is the same for every class), so
these are exactly H's eigenvalues with the d+1 shift directions removed; along those, the
curvature is ``l2`` for the weights and 0 for the bias, and gradient descent never moves
along them but for the L2 decay of the weights' class mean.

**Stability.** Near a minimum gradient descent with step ``lr`` is the linear map
``I - lr H``, which contracts every direction iff ``lr < 2 / lambda_max`` and oscillates
with growing amplitude along the top eigenvector beyond it (Nocedal & Wright 2006,
"Numerical Optimization", 2nd ed., section 3.3; LeCun, Bottou, Orr & Muller 1998, "Efficient
BackProp", section 5).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

#: Up to this many parameters on the prediction subspace the Hessian is built and
#: diagonalized whole; beyond it, Lanczos on Hessian-vector products.
DENSE_MAX_PARAMETERS = 1200
#: Samples per block when building the dense Hessian (bounds the n x K(d+1) temporary).
_BLOCK_VALUES = 1 << 22


def _probabilities(W: np.ndarray, b: np.ndarray, X: np.ndarray) -> np.ndarray:
    """``softmax(X W^T + b)`` per row, (n, K)."""
    Z = X @ W.T
    Z += b
    Z -= Z.max(axis=1, keepdims=True)
    np.exp(Z, out=Z)
    Z /= Z.sum(axis=1, keepdims=True)
    return Z


@functools.cache
def sum_to_zero_basis(K: int) -> np.ndarray:
    """An orthonormal basis (K, K-1) of ``{v in R^K : sum(v) = 0}`` (QR of the centring
    matrix's first K-1 columns, which span that subspace); read-only, computed once per K."""
    centring = np.eye(K) - 1.0 / K
    basis = np.linalg.qr(centring[:, : K - 1])[0]
    basis.flags.writeable = False
    return basis


class Hessian:
    """The Hessian of the smooth objective at ``(W, b)`` on data ``X`` (n, d), as an operator.

    W (K, d), b (K,), ``l2`` >= 0. The probabilities (n, K) are computed once; each product
    then costs two passes over X. Directions and results are K x (d+1) arrays in the
    ``[W | b]`` layout (module docstring). A ValueError for mismatched shapes or K < 2.
    """

    def __init__(self, W: np.ndarray, b: np.ndarray, X: np.ndarray, l2: float = 0.0) -> None:
        W, b, X = np.asarray(W, float), np.asarray(b, float), np.asarray(X, float)
        K, d = W.shape
        if K < 2 or b.shape != (K,) or X.ndim != 2 or X.shape[1] != d:
            raise ValueError(f"need W (K>=2, d), b (K,), X (n, d); got {W.shape}, {b.shape}, {X.shape}")
        self.X, self.l2 = X, float(l2)
        self.n_classes, self.n_features = K, d
        self.A = _probabilities(W, b, X)
        self.basis = sum_to_zero_basis(K)

    @property
    def size(self) -> int:
        """K (d+1): the number of parameters."""
        return self.n_classes * (self.n_features + 1)

    @property
    def prediction_size(self) -> int:
        """(K-1)(d+1): the dimension of the subspace ``sum_k Theta_k = 0``."""
        return (self.n_classes - 1) * (self.n_features + 1)

    def product(self, V: np.ndarray) -> np.ndarray:
        """``H V`` for a direction V (K, d+1), as (K, d+1) (Pearlmutter's formula, module
        docstring)."""
        n = self.X.shape[0]
        R = self.X @ V[:, :-1].T
        R += V[:, -1]
        R -= (self.A * R).sum(axis=1, keepdims=True)
        R *= self.A
        out = np.empty_like(V, dtype=float)
        np.matmul(R.T, self.X, out=out[:, :-1])
        out[:, -1] = R.sum(axis=0)
        out /= n
        if self.l2:
            out[:, :-1] += self.l2 * V[:, :-1]
        return out

    def dense(self) -> np.ndarray:
        """The whole Hessian, (K(d+1), K(d+1)), symmetric: ``(1/n) sum_i S_i (x) x~_i x~_i^T``
        with ``S_i = diag(a_i) - a_i a_i^T``, plus the L2 term, built block by block of
        samples (memory K(d+1) times a block)."""
        n, (K, D) = self.X.shape[0], (self.n_classes, self.n_features + 1)
        H = np.zeros((K * D, K * D))
        rows = max(1, _BLOCK_VALUES // (K * D))
        for start in range(0, n, rows):
            Xb = np.hstack([self.X[start:start + rows], np.ones((min(rows, n - start), 1))])
            Ab = self.A[start:start + rows]
            for k in range(K):  # the diag(a_i) part: one block per class
                H[k * D:(k + 1) * D, k * D:(k + 1) * D] += (Xb * Ab[:, k:k + 1]).T @ Xb
            U = (Ab[:, :, None] * Xb[:, None, :]).reshape(len(Xb), K * D)  # a_ik x~_i
            H -= U.T @ U
        H += H.T  # exactly symmetric (each product is so only to rounding)
        H /= 2 * n
        if self.l2:
            weights = np.tile(np.r_[np.ones(D - 1), 0.0], K)
            H[np.diag_indices_from(H)] += self.l2 * weights
        return H

    def to_prediction(self, V: np.ndarray) -> np.ndarray:
        """Coordinates (K-1, d+1) of V (K, d+1) on the subspace ``sum_k Theta_k = 0`` (the
        shift part of V is dropped)."""
        return self.basis.T @ V

    def from_prediction(self, U: np.ndarray) -> np.ndarray:
        """The direction (K, d+1) with coordinates U (K-1, d+1) on that subspace."""
        return self.basis @ U

    def prediction_dense(self) -> np.ndarray:
        """H on the subspace ``sum_k Theta_k = 0`` in the orthonormal basis ``Q (x) I``:
        ``(Q (x) I)^T H (Q (x) I)``, ((K-1)(d+1), (K-1)(d+1))."""
        K, D = self.n_classes, self.n_features + 1
        H = self.dense().reshape(K, D, K, D)
        Q = self.basis
        return np.einsum("ka,kilj,lb->aibj", Q, H, Q, optimize=True).reshape((K - 1) * D, (K - 1) * D)


@dataclass(frozen=True)
class Spectrum:
    """The extreme curvature of the objective at one point (on the prediction subspace,
    module docstring).

    ``top_directions`` (2, K, d+1) are unit eigenvectors of the two largest eigenvalues in
    the ``[W | b]`` layout (each orthogonal to the shift directions); ``method`` is "dense"
    or "lanczos"."""

    lambda_max: float
    lambda_min: float
    top_directions: np.ndarray
    method: str

    @property
    def condition_number(self) -> float:
        """``lambda_max / lambda_min``; inf when ``lambda_min <= 0`` (a flat direction:
        without L2, separable data drives it towards 0)."""
        return self.lambda_max / self.lambda_min if self.lambda_min > 0 else math.inf

    @property
    def stability_limit(self) -> float:
        """``2 / lambda_max``: gradient descent contracts near here iff ``lr`` is below it
        (module docstring); inf for a flat objective."""
        return 2.0 / self.lambda_max if self.lambda_max > 0 else math.inf

    def gd_stable(self, lr: float) -> bool:
        """Whether gradient descent with step ``lr`` contracts near this point."""
        return lr < self.stability_limit


def spectrum(W: np.ndarray, b: np.ndarray, X: np.ndarray, l2: float = 0.0, *,
             dense_max: int = DENSE_MAX_PARAMETERS, seed: int = 0) -> Spectrum:
    """λmax, λmin and the top two eigenvectors of the Hessian at ``(W, b)`` on X (n, d), on the
    prediction subspace (module docstring). Up to ``dense_max`` parameters on that subspace,
    ``numpy.linalg.eigh`` of the restricted matrix (exact to rounding); beyond it, Lanczos
    (:func:`lanczos`) from a start drawn with ``seed``. A ValueError as :class:`Hessian`."""
    hessian = Hessian(W, b, X, l2)
    K, D = hessian.n_classes, hessian.n_features + 1
    if hessian.prediction_size <= dense_max:
        values, vectors = np.linalg.eigh(hessian.prediction_dense())
        top, method = vectors[:, [-1, -2]], "dense"
        lam_max, lam_min = float(values[-1]), float(values[0])
    else:
        def apply(u: np.ndarray) -> np.ndarray:
            return hessian.to_prediction(hessian.product(hessian.from_prediction(u.reshape(K - 1, D)))).ravel()

        start = np.random.default_rng(seed).standard_normal(hessian.prediction_size)
        values, top = lanczos(apply, start)
        lam_max, lam_min, method = float(values[-1]), float(values[0]), "lanczos"
        top = top[:, [-1, -2]]
    directions = np.stack([hessian.from_prediction(top[:, i].reshape(K - 1, D)) for i in range(2)])
    return Spectrum(lam_max, lam_min, directions, method)


def lanczos(apply, start: np.ndarray, *, max_steps: int = 300, tol: float = 1e-10
            ) -> tuple[np.ndarray, np.ndarray]:
    """Extreme eigenvalues of a symmetric operator by the Lanczos iteration with full
    reorthogonalization (Golub & Van Loan 2013, "Matrix Computations", 4th ed., algorithm
    10.1.1 and section 10.3.1; Parlett 1998, "The Symmetric Eigenvalue Problem", ch. 13).

    ``apply`` maps a vector (m,) to its image (m,); ``start`` (m,) is any nonzero vector.
    Stops when the residual bound ``|beta_j s_j|`` of both extreme Ritz pairs is below
    ``tol`` times the largest Ritz value's magnitude, when the Krylov space is exhausted, or
    after ``max_steps``. Returns ``(ritz_values, ritz_vectors)`` with the values ascending
    (j,) and the vectors as columns (m, j): ``values[0]`` and ``values[-1]`` approximate
    λmin and λmax from inside the spectrum. A ValueError for a zero start."""
    m = start.shape[0]
    norm = np.linalg.norm(start)
    if norm == 0:
        raise ValueError("the Lanczos start vector is zero")
    basis = np.empty((min(m, max_steps) + 1, m))
    basis[0] = start / norm
    alphas, betas = [], []
    for j in range(min(m, max_steps)):
        w = apply(basis[j])
        alphas.append(float(basis[j] @ w))
        w -= basis[: j + 1].T @ (basis[: j + 1] @ w)  # full reorthogonalization, twice
        w -= basis[: j + 1].T @ (basis[: j + 1] @ w)
        beta = float(np.linalg.norm(w))
        T = np.diag(alphas) + np.diag(betas, 1) + np.diag(betas, -1)
        values, S = np.linalg.eigh(T)
        scale = max(abs(values[0]), abs(values[-1]), np.finfo(float).tiny)
        if beta <= tol * scale or (j >= 1 and beta * max(abs(S[-1, 0]), abs(S[-1, -1])) <= tol * scale):
            break
        betas.append(beta)
        basis[j + 1] = w / beta
    return values, basis[: len(alphas)].T @ S
