"""Second-order optimizers: exact Newton and L-BFGS, each choosing its own step by a line search.

Both take one *iteration* per trainer step on the full training set and ignore the learning
rate. The parameters are the K x (d+1) matrix ``Theta = [W | b]`` (:mod:`.curvature`), the
objective ``f = (1/n) sum_i CE_i + (l2/2) ||W||^2`` (smooth: the L1 term is refused, since
neither method is defined where ``|w|`` has a kink), ``g`` its gradient and ``H`` its Hessian.

**newton** (Nocedal & Wright 2006, "Numerical Optimization", 2nd ed., ch. 3 and 7). The step
``p`` solves ``H p = -g``. ``H`` is singular along the softmax's shift directions (adding one
vector to every class's row changes no prediction, :mod:`.curvature`), so ``p`` is split:

- *shift part* (the class mean of ``p``), in closed form: there ``H`` is ``l2`` on the weights
  and 0 on the bias, and ``g``'s class mean is ``l2 mean_k W_k`` on the weights and 0 on the
  bias, so ``p``'s weights move by ``-mean_k W_k`` (the class mean of W goes to 0 in one step)
  and its biases by 0 (without L2, 0 for the weights too);
- *prediction part* (on ``sum_k Theta_k = 0``, where ``H`` maps to itself): up to
  :data:`NEWTON_DENSE_MAX` parameters there, the restricted Hessian is built
  (:meth:`.Hessian.prediction_dense`) and ``(H + tau I) p = -g`` solved, ``tau`` the least of
  ``t, 2t, 4t, ...`` with ``t = DAMPING * max diag(H)`` at which the Cholesky factorization
  succeeds (N&W Algorithm 3.3, a modified Newton method, section 3.4): without L2 on separable
  data ``lambda_min`` falls towards 0, and the damping keeps the step finite; a well
  conditioned H's step changes by about DAMPING times its condition number. Beyond that size,
  Newton-CG (N&W Algorithm 7.1): conjugate
  gradients on Hessian-vector products (:meth:`.Hessian.product`), the residual and
  directions centred (projected on the subspace) each iteration, stopped when
  ``||r|| <= eta ||g||`` with the forcing term ``eta = min(0.5, sqrt(||g||))`` (superlinear
  convergence, N&W Theorem 7.2) or at a direction of non-positive curvature (then the
  step so far, or ``-g`` on the first iteration).

The step length is chosen by backtracking from 1 (Armijo: ``f(x + a p) <= f(x) + c1 a g.p``,
``c1 = 1e-4``, ``a`` halved; N&W Algorithm 3.1): near the optimum the full step is taken and
convergence is quadratic.

**lbfgs** (N&W section 7.2): the direction ``p = -H_k g`` from the two-loop recursion (N&W
Algorithm 7.4) over the last :data:`LBFGS_MEMORY` pairs ``s = x_{k+1} - x_k``,
``y = g_{k+1} - g_k`` with ``H_k^0 = (s.y / y.y) I`` (eq. (7.20)); a step length meeting the
strong Wolfe conditions ``f(x + a p) <= f(x) + c1 a g.p`` and ``|g(x + a p).p| <= c2 |g.p|``,
``c1 = 1e-4``, ``c2 = 0.9``, by N&W Algorithms 3.5 (bracketing, the trial doubled) and 3.6
(zoom, cubic interpolation of the two bracket ends (eq. (3.59)), safeguarded to the middle 80%
of the bracket). The first trial is 1, and ``1 / ||g||`` on the first iteration, when the
direction is ``-g`` (N&W p. 178). A pair with ``s.y <= 0`` (possible only by rounding after a
Wolfe step) is not stored.

**A failed line search** (no step lowers f: only at the rounding level of f, when the gradient
is already tiny) leaves the parameters as they are; L-BFGS then forgets its pairs. No trial
is evaluated once the predicted decrease ``a |g.p|`` is below ``f``'s rounding
(``eps |f|``), and L-BFGS tries no search again at the evaluation where one failed (nothing
has changed there), so a run held at the optimum evaluates nothing more. A Wolfe
search that finds sufficient decrease but not the curvature condition within
:data:`MAX_TRIALS` trials takes its best such point.

Each trial point is evaluated once with its gradient (:meth:`.Objective.evaluate`); the
accepted point's evaluation is returned for the trainer to reuse, so a step costs no pass
beyond the line search's. Bit-identical to evaluating afresh: the accepted parameters are the
very arrays that were evaluated.
"""

from __future__ import annotations

import math
from collections import deque
from typing import TYPE_CHECKING

import numpy as np

from .objective import Evaluation, Objective

if TYPE_CHECKING:
    from .curvature import Hessian

SECOND_ORDER_OPTIMIZERS = ("newton", "lbfgs")
#: Up to this many parameters on the prediction subspace, Newton solves with the whole
#: restricted Hessian; beyond it, Newton-CG.
NEWTON_DENSE_MAX = 200
#: Newton's damping, relative to the largest diagonal entry of the Hessian (module docstring).
DAMPING = 1e-10
LBFGS_MEMORY = 10
C1, C2 = 1e-4, 0.9
#: Most trial points of one line search.
MAX_TRIALS = 40


def _gradient(ev: Evaluation) -> np.ndarray:
    """The gradient as ``[dW | db]``, (K, d+1)."""
    return np.hstack([ev.dW, ev.db[:, None]])


def _slope(ev: Evaluation, PW: np.ndarray, Pb: np.ndarray) -> float:
    """``g . p`` for the gradient of ``ev`` and the direction ``(PW, Pb)``."""
    return float(np.vdot(ev.dW, PW) + ev.db @ Pb)


class _Trial:
    """One evaluated point on the line ``x + a p`` with ``p = (PW, Pb)`` (shapes of W and
    b): its parameters, evaluation and slope."""

    __slots__ = ("alpha", "W", "b", "ev", "slope")

    def __init__(self, objective: Objective, W, b, P, alpha: float, l2: float) -> None:
        PW, Pb = P
        self.alpha = alpha
        self.W = W + alpha * PW
        self.b = b + alpha * Pb
        self.ev = objective.evaluate(self.W, self.b, l2)
        self.slope = _slope(self.ev, PW, Pb) if math.isfinite(self.ev.loss) else math.nan


def _accept(params: list[np.ndarray], trial: _Trial) -> Evaluation:
    params[0][...] = trial.W
    params[1][...] = trial.b
    return trial.ev


class Newton:
    """Exact Newton with a backtracking line search (module docstring). ``dense_max``: the
    largest prediction subspace solved densely (:data:`NEWTON_DENSE_MAX`). No state."""

    def __init__(self, dense_max: int = NEWTON_DENSE_MAX) -> None:
        self.dense_max = dense_max
        #: Why the last iteration could not move although it predicted a decrease ("": it moved,
        #: or nothing measurable was left to gain); the trainer then ends the run as stalled.
        self.stall = ""

    def reset(self) -> None:
        """Nothing to forget: each Newton step depends on the current point only."""

    def direction(self, X: np.ndarray, W: np.ndarray, b: np.ndarray, G: np.ndarray, l2: float) -> np.ndarray:
        """The Newton step ``p`` (K, d+1) at ``(W, b)`` with gradient ``G`` (K, d+1) on data X
        (n, d): shift part in closed form, prediction part dense or by Newton-CG."""
        from .curvature import Hessian  # Newton's alone: no other optimizer's run loads it

        K, D = G.shape
        Gc = G - G.sum(axis=0) / K  # (sum / K: np.mean's overhead is a tenth of a small step)
        if (K - 1) * D <= self.dense_max:
            hessian = Hessian(W, b, X, l2)
            Q = hessian.basis
            P = Q @ -damped_solve(hessian.prediction_dense(), (Q.T @ Gc).ravel()).reshape(K - 1, D)
        else:
            P = _newton_cg(Hessian(W, b, X, l2), Gc)
        P -= P.sum(axis=0) / K
        if l2:
            P[:, :-1] -= W.sum(axis=0) / K
        return P

    def iterate(self, objective: Objective, params: list[np.ndarray], current: Evaluation, l2: float
                ) -> Evaluation:
        """One Newton iteration from ``params = [W, b]`` (updated in place) with ``current``
        their evaluation (with gradient); returns the evaluation at the new point."""
        W, b = params
        G = _gradient(current)
        P = self.direction(objective.X, W, b, G, l2)
        P = (np.ascontiguousarray(P[:, :-1]), P[:, -1].copy())
        slope = _slope(current, *P)
        self.stall = ""
        if not (slope < 0 and _measurable(slope, current.loss)):  # no descent left: the optimum, unless
            if _measurable(float((G * G).sum()), current.loss):  # a steepest-descent step could still tell
                self.stall = "the Newton step predicts no decrease although the gradient is large"
            return current
        alpha = 1.0
        for _ in range(MAX_TRIALS):
            if not _measurable(alpha * slope, current.loss):
                return current
            trial = _Trial(objective, W, b, P, alpha, l2)
            if trial.ev.loss <= current.loss + C1 * alpha * slope:
                return _accept(params, trial)
            alpha *= 0.5
        self.stall = f"no step along the Newton direction lowered the objective ({MAX_TRIALS} halvings from 1)"
        return current


def _measurable(change: float, f: float) -> bool:
    """Whether a predicted change of the objective ``change`` (``a g.p``) can show in
    ``f``'s rounding: ``|change| > eps |f|``. Below it no trial can tell a decrease."""
    return abs(change) > np.finfo(float).eps * abs(f)


def damped_solve(H: np.ndarray, u: np.ndarray) -> np.ndarray:
    """``(H + tau I)^-1 u`` for a symmetric H (m, m) and u (m,), with the smallest ``tau`` of
    ``t, 2t, 4t, ...`` (``t = DAMPING * max diag(H)``) at which the Cholesky factorization
    succeeds: N&W Algorithm 3.3 (Cholesky with added multiple of the identity). ``tau`` starts
    at ``t`` rather than 0, so a Hessian that is singular to rounding (no L2, separable data)
    still gives a finite step."""
    tau = DAMPING * max(float(H.diagonal().max()), np.finfo(float).tiny)
    diagonal = H.diagonal()
    while True:
        damped = H.copy()
        np.fill_diagonal(damped, diagonal + tau)
        try:
            np.linalg.cholesky(damped)
        except np.linalg.LinAlgError:
            tau *= 2.0
            continue
        return np.linalg.solve(damped, u)


def _newton_cg(hessian: Hessian, Gc: np.ndarray) -> np.ndarray:
    """Truncated CG for ``H p = -Gc`` on the subspace ``sum_k Theta_k = 0`` (N&W Algorithm 7.1;
    ``Gc`` centred). (K, d+1)."""
    g_norm = float(np.sqrt((Gc * Gc).sum()))
    tol = min(0.5, math.sqrt(g_norm)) * g_norm
    Z = np.zeros_like(Gc)
    R = Gc.copy()
    Dir = -R
    rr = g_norm * g_norm
    for j in range(Gc.size):
        HD = hessian.product(Dir)
        HD -= HD.mean(axis=0)
        curvature = float((Dir * HD).sum())
        if curvature <= 0:
            return -Gc if j == 0 else Z
        alpha = rr / curvature
        Z += alpha * Dir
        R += alpha * HD
        rr_new = float((R * R).sum())
        if math.sqrt(rr_new) <= tol:
            break
        Dir *= rr_new / rr
        Dir -= R
        rr = rr_new
    return Z


class LBFGS:
    """Limited-memory BFGS with a strong-Wolfe line search (module docstring). State: the
    last ``memory`` curvature pairs, forgotten by :meth:`reset`."""

    def __init__(self, memory: int = LBFGS_MEMORY) -> None:
        self.memory = memory
        self.reset()

    def reset(self) -> None:
        self.pairs: deque[tuple[np.ndarray, np.ndarray, float]] = deque(maxlen=self.memory)
        #: The evaluation at which the last line search failed: from there (the parameters
        #: and objective unchanged) every search would fail the same way.
        self.failed_at: Evaluation | None = None
        #: As :attr:`Newton.stall`: why the last iteration could not move.
        self.stall = ""

    def direction(self, g: np.ndarray) -> np.ndarray:
        """``-H_k g`` for the flat gradient g (K d + K: W's entries, then b) by the two-loop
        recursion (N&W Algorithm 7.4); ``-g`` with no pairs stored."""
        q = g.copy()
        if not self.pairs:
            return -q
        coefficients = []
        for s, y, rho in reversed(self.pairs):
            a = rho * float(s @ q)
            q -= a * y
            coefficients.append(a)
        s, y, rho = self.pairs[-1]
        q *= 1.0 / (rho * float(y @ y))  # H_k^0 = s.y / y.y
        for (s, y, rho), a in zip(self.pairs, reversed(coefficients)):
            q += (a - rho * float(y @ q)) * s
        return -q

    def iterate(self, objective: Objective, params: list[np.ndarray], current: Evaluation, l2: float
                ) -> Evaluation:
        """One L-BFGS iteration from ``params = [W, b]`` (updated in place) with ``current``
        their evaluation (with gradient); returns the evaluation at the new point."""
        W, b = params
        if current is self.failed_at:
            return current
        g = np.concatenate((current.dW.ravel(), current.db))
        p = self.direction(g)
        slope = float(g @ p)
        if not slope < 0:  # rounding made the quasi-Newton direction uphill: steepest descent
            self.pairs.clear()
            p, slope = -g, -float(g @ g)
            if not slope < 0:
                return current
        first = 1.0 if self.pairs else 1.0 / math.sqrt(-slope)
        trial = None
        if _measurable(first * slope, current.loss):
            trial = wolfe_search(objective, W, b, (p[:W.size].reshape(W.shape), p[W.size:]), current.loss,
                                 slope, l2, first)
        if trial is None:
            self.pairs.clear()
            self.failed_at = current
            if _measurable(float(g @ g), current.loss):  # not the optimum, where rounding alone is left
                self.stall = "the line search found no step that lowered the objective"
            return current
        s = trial.alpha * p
        y = np.concatenate((trial.ev.dW.ravel(), trial.ev.db)) - g
        sy = float(s @ y)
        if sy > 0:
            self.pairs.append((s, y, 1.0 / sy))
        return _accept(params, trial)


def wolfe_search(objective: Objective, W, b, P, f0: float, slope0: float, l2: float, first: float
                 ) -> _Trial | None:
    """A step along ``P = (PW, Pb)`` (shapes of W and b) from ``(W, b)`` meeting the strong Wolfe conditions (N&W
    Algorithm 3.5, zoom by Algorithm 3.6), starting at ``first``; ``f0`` and ``slope0 < 0``
    are the objective and its slope ``g.p`` at 0. The accepted trial, or None when no trial
    met them within :data:`MAX_TRIALS` evaluations (then the best trial with sufficient
    decrease, if any, is returned instead)."""
    previous = None  # (alpha, f, slope) of the last trial, starting at 0
    lo = (0.0, f0, slope0)
    best = None
    alpha = first
    for count in range(MAX_TRIALS):
        trial = _Trial(objective, W, b, P, alpha, l2)
        f, slope = trial.ev.loss, trial.slope
        if not math.isfinite(f) or f > f0 + C1 * alpha * slope0 or (previous is not None and f >= previous[1]):
            return _zoom(objective, W, b, P, f0, slope0, l2, previous or lo, (alpha, f, slope), best,
                         MAX_TRIALS - count - 1)
        best = trial
        if abs(slope) <= -C2 * slope0:
            return trial
        if slope >= 0:
            return _zoom(objective, W, b, P, f0, slope0, l2, (alpha, f, slope), previous or lo, best,
                         MAX_TRIALS - count - 1)
        previous = (alpha, f, slope)
        alpha *= 2.0
    return best


def _cubic_minimizer(a, b) -> float:
    """The minimizer of the cubic through two points ``(alpha, f, slope)`` (N&W eq. (3.59)),
    or nan when it has none."""
    (a1, f1, g1), (a2, f2, g2) = a, b
    if a1 == a2:  # a bracket shrunk to one point (badly scaled data): no cubic through it
        return math.nan
    d1 = g1 + g2 - 3.0 * (f1 - f2) / (a1 - a2)
    radicand = d1 * d1 - g1 * g2
    if radicand < 0:
        return math.nan
    d2 = math.copysign(math.sqrt(radicand), a2 - a1)
    denominator = g2 - g1 + 2.0 * d2
    return a2 - (a2 - a1) * (g2 + d2 - d1) / denominator if denominator else math.nan


def _zoom(objective, W, b, P, f0, slope0, l2, lo, hi, best, budget):
    """N&W Algorithm 3.6 on the bracket ``lo`` (lower f, sufficient decrease) and ``hi``, each
    ``(alpha, f, slope)``; ``best`` is the best trial with sufficient decrease so far."""
    for _ in range(budget):
        left, right = sorted((lo[0], hi[0]))
        width = right - left
        alpha = _cubic_minimizer(lo, hi) if math.isfinite(hi[1]) and math.isfinite(hi[2]) else math.nan
        if not (left + 0.1 * width <= alpha <= right - 0.1 * width):
            alpha = 0.5 * (left + right)
        if width <= 1e-16 * right or not _measurable(right * slope0, f0):
            break
        trial = _Trial(objective, W, b, P, alpha, l2)
        f, slope = trial.ev.loss, trial.slope
        point = (alpha, f, slope)
        if not math.isfinite(f) or f > f0 + C1 * alpha * slope0 or f >= lo[1]:
            hi = point
            continue
        best = trial
        if abs(slope) <= -C2 * slope0:
            return trial
        if slope * (hi[0] - lo[0]) >= 0:
            hi = lo
        lo = point
    return best
