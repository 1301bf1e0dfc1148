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
#: diagonalized whole; beyond it, Lanczos on Hessian-vector products (at 600, eigh takes
#: about 50 ms and the Hessian n times 0.5 M multiply-adds).
DENSE_MAX_PARAMETERS = 600
#: Lanczos checks its Ritz pairs every this many steps (each check diagonalizes the j x j
#: tridiagonal matrix: checking every step would cost O(j^4) over a run).
LANCZOS_CHECK_EVERY = 8
#: Lanczos's tolerance: a Ritz pair's residual bound relative to the largest Ritz value.
LANCZOS_TOL = 1e-10
#: Values per block of samples when building a dense Hessian (bounds its temporaries).
_BLOCK_VALUES = 1 << 21


def _probabilities(W: np.ndarray, b: np.ndarray, X: np.ndarray) -> np.ndarray:
    """``softmax(W x_i + b)`` for every row of X, kept K-major as (K, n): one contiguous row
    per class, as :mod:`.objective` keeps logits (reductions over K then run along long rows)."""
    Z = W @ X.T
    Z += b[:, None]
    Z -= Z.max(axis=0)
    np.exp(Z, out=Z)
    Z /= Z.sum(axis=0)
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
        self.A = _probabilities(W, b, X)  # (K, n)
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
        R = V[:, :-1] @ self.X.T  # directional logits r_i, K-major
        R += V[:, -1:]
        R -= (self.A * R).sum(axis=0)
        R *= self.A
        out = np.empty_like(V, dtype=float)
        out[:, :-1] = R @ self.X  # (a product into the strided view would not use BLAS: 5x slower)
        out[:, -1] = R.sum(axis=1)
        out /= n
        if self.l2:
            out[:, :-1] += self.l2 * V[:, :-1]
        return out

    def dense(self) -> np.ndarray:
        """The whole Hessian, (K(d+1), K(d+1)), symmetric: ``(1/n) sum_i S_i (x) x~_i x~_i^T``
        with ``S_i = diag(a_i) - a_i a_i^T``, plus the L2 term. Block (k, l) is
        ``X~^T diag(s_kl) X~ / n`` with ``s_kl,i = a_ik (delta_kl - a_il)``: one product per
        pair of classes, over blocks of samples (memory (d+1) times a block)."""
        n, (K, D) = self.X.shape[0], (self.n_classes, self.n_features + 1)
        H = np.zeros((K * D, K * D))
        rows = max(1, _BLOCK_VALUES // D)
        for start in range(0, n, rows):
            stop = min(start + rows, n)
            Xt = np.ones((D, stop - start))  # x~_i as columns
            Xt[:-1] = self.X[start:stop].T
            A = self.A[:, start:stop]
            for k in range(K):
                for l in range(k, K):
                    s = A[k] * ((k == l) - A[l])
                    H[k * D:(k + 1) * D, l * D:(l + 1) * D] += (Xt * s) @ Xt.T
        for k in range(K):  # the lower blocks mirror the upper ones
            for l in range(k):
                H[k * D:(k + 1) * D, l * D:(l + 1) * D] = H[l * D:(l + 1) * D, k * D:(k + 1) * D].T
        H += H.T  # exactly symmetric (the diagonal blocks are so only to rounding)
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
        """H on the subspace ``sum_k Theta_k = 0`` in the orthonormal basis ``Q (x) I``
        (``Q`` = :attr:`basis`): ``(Q (x) I)^T H (Q (x) I)``, ((K-1)(d+1), (K-1)(d+1)), built
        without the whole H as one product ``F^T F``: ``diag(a_i) - a_i a_i^T = C_i^T C_i``
        for ``C_i = diag(sqrt(a_i)) - sqrt(a_i) a_i^T`` (expand, using ``sum_k a_ik = 1``), so
        the cross-entropy part is ``(1/n) sum_i (C_i Q (x) x~_i)^T (C_i Q (x) x~_i)``: F
        stacks the n K rows ``(C_i Q)_k (x) x~_i``, in blocks of samples. Plus
        ``l2 (I (x) diag(1, ..., 1, 0))``."""
        n, K, d = self.X.shape[0], self.n_classes, self.n_features
        m, Q = (K - 1) * (d + 1), self.basis
        H = np.zeros((m, m))
        rows = max(1, _BLOCK_VALUES // (K * m))  # samples per block: F's block stays this small
        for start in range(0, n, rows):
            stop = min(start + rows, n)
            Xt = np.ones((stop - start, d + 1))  # x~_i as rows
            Xt[:, :-1] = self.X[start:stop]
            A = self.A[:, start:stop].T
            CQ = np.sqrt(A)[:, :, None] * (Q - (A @ Q)[:, None, :])  # C_i Q, (rows, K, K-1)
            F = (CQ[:, :, :, None] * Xt[:, None, None, :]).reshape((stop - start) * K, m)
            H += F.T @ F
        H /= n
        if self.l2:
            H.reshape(-1)[:: m + 1] += self.l2 * (np.arange(m) % (d + 1) != d)
        return H


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
    converged: bool = True  # False: Lanczos stopped before every value converged (they are then
    # inner estimates: λmax from below, λmin from above, so the condition number from below)

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


#: Optimizers whose step is stable below a multiple of 1 / λmax (:func:`lr_limit`).
LIMITED_OPTIMIZERS = ("gd", "sgd", "minibatch", "momentum", "nesterov")


def lr_limit(optimizer: str, lambda_max: float, momentum: float = 0.9) -> float | None:
    """The largest learning rate at which ``optimizer``'s iteration is stable on the local
    quadratic model with top curvature ``lambda_max`` (> 0): the iteration along the top
    eigenvector contracts below it and oscillates with growing amplitude above it.

    - gd (and sgd, minibatch, for the full-batch Hessian: batches add noise on top):
      ``2 / λmax``, as ``p <- (1 - lr λ) p`` (module docstring);
    - momentum (``v = β v + g``, ``p -= lr v``): ``2 (1 + β) / λmax``; the iteration matrix
      ``[[1 - h, -β], [h, β]]`` (``h = lr λ``) has determinant β < 1 and is stable iff
      ``0 < h < 2 (1 + β)`` by the Jury conditions (Polyak 1964, "Some methods of speeding up
      the convergence of iteration methods", USSR Comput. Math. 4(5); Goh 2017, "Why
      momentum really works", Distill, section "The critical parameter range");
    - nesterov (``v = β v + g``, ``p -= lr (g + β v)``): ``2 (1 + β) / ((1 + 2β) λmax)``, from
      the matrix ``[[1 - h (1 + β), -β²], [h, β]]`` (trace ``1 + β - h (1 + β)``, determinant
      ``β (1 - h)``), whose Jury condition ``1 + trace + det > 0`` is ``h (1 + 2β) < 2 (1 + β)``;
    - adam, and any other name: None (Adam divides each step by a running gradient scale,
      so no fixed multiple of 1 / λmax bounds its rate; second-order methods choose their step).

    inf for ``lambda_max <= 0``."""
    if optimizer not in LIMITED_OPTIMIZERS:
        return None
    if lambda_max <= 0:
        return math.inf
    if optimizer == "momentum":
        return 2 * (1 + momentum) / lambda_max
    if optimizer == "nesterov":
        return 2 * (1 + momentum) / ((1 + 2 * momentum) * lambda_max)
    return 2 / lambda_max


def spectrum(W: np.ndarray, b: np.ndarray, X: np.ndarray, l2: float = 0.0, *,
             dense_max: int = DENSE_MAX_PARAMETERS, seed: int = 0, max_steps: int = 300,
             top_only: bool = False) -> Spectrum:
    """λmax, λmin and the top two eigenvectors of the Hessian at ``(W, b)`` on X (n, d), on the
    prediction subspace (module docstring). Up to ``dense_max`` parameters on that subspace,
    ``numpy.linalg.eigh`` of the restricted matrix (exact to rounding); beyond it, Lanczos
    (:func:`lanczos`, at most ``max_steps`` products) from a start drawn with ``seed``, until
    the top two pairs and λmin have converged, or with ``top_only`` the top two alone (they
    converge in a few tens of products; λmin, in a flat spectrum, may take hundreds: the
    result then says it is not ``converged``). A ValueError as :class:`Hessian`."""
    return spectrum_of(Hessian(W, b, X, l2), dense_max=dense_max, seed=seed, max_steps=max_steps,
                       top_only=top_only)


def spectrum_of(hessian: Hessian, *, dense_max: int = DENSE_MAX_PARAMETERS, seed: int = 0, max_steps: int = 300,
                top_only: bool = False) -> Spectrum:
    """:func:`spectrum` of a Hessian already built (its probabilities computed once, for a
    caller that also needs its products)."""
    K, D = hessian.n_classes, hessian.n_features + 1
    if hessian.prediction_size <= dense_max:
        values, vectors = np.linalg.eigh(hessian.prediction_dense())
        top, method = vectors[:, [-1, -2]], "dense"
        lam_max, lam_min = float(values[-1]), float(values[0])
    else:
        def apply(u: np.ndarray) -> np.ndarray:
            return hessian.to_prediction(hessian.product(hessian.from_prediction(u.reshape(K - 1, D)))).ravel()

        start = np.random.default_rng(seed).standard_normal(hessian.prediction_size)
        values, top, residuals = lanczos(apply, start, max_steps=max_steps,
                                         watch=(-2, -1) if top_only else (0, -2, -1))
        lam_max, lam_min, method = float(values[-1]), float(values[0]), "lanczos"
        scale = max(abs(lam_max), abs(lam_min), np.finfo(float).tiny)
        converged = bool(residuals[[0, -2, -1]].max() <= LANCZOS_TOL * scale)
        top = top[:, [-1, -2]]
    directions = np.stack([hessian.from_prediction(top[:, i].reshape(K - 1, D)) for i in range(2)])
    return Spectrum(lam_max, lam_min, directions, method, method == "dense" or converged)


def lanczos(apply, start: np.ndarray, *, max_steps: int = 300, tol: float = LANCZOS_TOL, watch: tuple[int, ...] = (0, -1)
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Extreme eigenvalues of a symmetric operator by the Lanczos iteration with full
    reorthogonalization (Golub & Van Loan 2013, "Matrix Computations", 4th ed., algorithm
    10.1.1 and section 10.3.1; Parlett 1998, "The Symmetric Eigenvalue Problem", ch. 13).

    ``apply`` maps a vector (m,) to its image (m,); ``start`` (m,) is any nonzero vector.
    Every :data:`LANCZOS_CHECK_EVERY` steps it stops if the residual bounds
    ``|beta_j s_ij|`` of the Ritz pairs ``watch`` (indices into the ascending Ritz values: 0
    the smallest, -1 the largest, -2 the next) are all below ``tol`` times the largest Ritz
    value's magnitude; it also stops when the Krylov space is exhausted (an exact answer)
    or after ``max_steps``. Returns ``(ritz_values, ritz_vectors, residuals)``: the values
    ascending (j,), the vectors as columns (m, j) and each pair's residual bound (j,), zero
    once the space is exhausted. ``values[0]`` and ``values[-1]`` approximate λmin and λmax
    from inside the spectrum (the interlacing theorem). A ValueError for a zero start."""
    m = start.shape[0]
    norm = np.linalg.norm(start)
    if norm == 0:
        raise ValueError("the Lanczos start vector is zero")
    steps = min(m, max_steps)
    basis = np.empty((steps + 1, m))
    basis[0] = start / norm
    alphas, betas = [], []
    for j in range(steps):
        w = apply(basis[j])
        alphas.append(float(basis[j] @ w))
        w -= basis[: j + 1].T @ (basis[: j + 1] @ w)  # full reorthogonalization, twice
        w -= basis[: j + 1].T @ (basis[: j + 1] @ w)
        beta = float(np.linalg.norm(w))
        exhausted = beta <= tol * max(map(abs, alphas)) or j + 1 == m
        if exhausted or j + 1 == steps or (j + 1) % LANCZOS_CHECK_EVERY == 0:
            T = np.diag(alphas) + np.diag(betas, 1) + np.diag(betas, -1)
            values, S = np.linalg.eigh(T)
            residuals = np.zeros(len(values)) if exhausted else beta * np.abs(S[-1])
            scale = max(abs(values[0]), abs(values[-1]), np.finfo(float).tiny)
            if exhausted or all(residuals[i] <= tol * scale for i in watch if -len(values) <= i < len(values)):
                break
        betas.append(beta)
        basis[j + 1] = w / beta
    return values, basis[: len(alphas)].T @ S, residuals
