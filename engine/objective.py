"""The training objective and its gradient, computed in one fused, cache-blocked pass.

For parameters ``W`` (K x d), ``b`` (K,) and data ``X`` (m x d) with labels ``y``:

    Z = W X^T + b            logits, kept K-major (K x m): for small K the softmax then runs
                             over long contiguous rows (measured 3-8x faster than m x K)
    A = softmax(Z) per column
    objective = (1/m) sum_i CE(z_i, y_i) + (l2/2) ||W||^2 + l1 ||W||_1   (the bias is not penalized)
    dW = (A - Y) X / m + l2 W,   db = mean over samples of (A - Y)

``dW, db`` is the gradient of the smooth part (everything but the L1 term): the proximal
step of :mod:`.optimizers` handles ``l1 ||W||_1``. The L1 term has no gradient where a weight
is zero, so the reported ``grad_norm`` (the convergence test) is the norm of the
minimum-norm subgradient (:func:`min_norm_subgradient`), which is the gradient's norm when
``l1 = 0``.

with ``CE(z, y) = log sum_k exp(z_k - max z) - (z_y - max z)`` (log-sum-exp), finite for
huge finite logits.

The samples are processed in blocks sized to stay in cache: each block of X is read from
memory once and used twice (forward, then backward) while it is still cached, so a full
step costs about one pass over X instead of two. The block temporaries are reused from step
to step (a per-thread workspace), not allocated afresh.
"""

from __future__ import annotations

import functools
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

_X_BLOCK_BYTES = 1 << 23  # a block of X stays within a shared L3 slice
_LOGIT_BLOCK_VALUES = 1 << 15  # the K x rows temporaries stay within L2
#: Up to this many features a step is dominated by element-wise work (exp, log, max) that
#: runs single-threaded in NumPy, so blocks are shared among threads. With more features the
#: two matrix products dominate and the BLAS library already spreads them over the cores
#: (threads of our own would only contend with its threads).
_THREADED_MAX_FEATURES = 64
_MAX_WORKSPACES = 4  # per thread
# Wide data: with more features than _THREADED_MAX_FEATURES the two products are written with
# X's block first, X W^T and X^T (A - Y)^T, then transposed (K x rows and K x d, small): the
# BLAS library runs those shapes faster than W X^T and (A - Y) X, measured at (1337, 784, 10)
# blocks 1.2x and 1.7x, at (2000, 400, 4) 1.8x and 2.6x; with fewer features the same or slower.


@dataclass(frozen=True, slots=True)
class Evaluation:
    """The objective at one parameter point, with its gradient when asked for."""

    loss: float
    accuracy: float
    dW: np.ndarray | None = None
    db: np.ndarray | None = None
    grad_norm: float = float("nan")  # Euclidean norm of the minimum-norm subgradient of the objective


def logits_kmajor(W: np.ndarray, b: np.ndarray, X: np.ndarray) -> np.ndarray:
    """``W X^T + b`` as a (K, m) array: one contiguous row of m logits per class."""
    Z = W @ X.T
    Z += b[:, None]
    return Z


class _Workspace:
    """One thread's arrays for a block of ``rows`` samples and ``K`` classes, reused from
    step to step: a fresh array this large would come from the system (mmap) and be paid
    for again in page faults every time, measured at 40% of a block's time."""

    def __init__(self, K: int, rows: int) -> None:
        self.Z = np.empty((K, rows))  # logits, then exponentials, then A - Y
        self.Z_rows = np.empty((rows, K))  # logits sample-major, as the wide data's product gives them
        self.top = np.empty(rows)  # column max, then log of the normalizer
        self.arg = np.empty(rows, dtype=np.intp)  # predicted class
        self.flag = np.empty(rows, dtype=bool)
        self.total = np.empty(rows)  # softmax normalizer
        self.true_logit = np.empty(rows)


_workspaces = threading.local()


def _workspace(K: int, rows: int) -> _Workspace:
    """This thread's workspace for blocks of this shape (a few shapes per thread at most:
    the blocks of one data set have two sizes)."""
    cache = getattr(_workspaces, "cache", None)
    if cache is None:
        cache = _workspaces.cache = {}
    work = cache.get((K, rows))
    if work is None:
        if len(cache) >= _MAX_WORKSPACES:
            cache.clear()
        work = cache[(K, rows)] = _Workspace(K, rows)
    return work


class Objective:
    """The objective on fixed data ``(X, y)``, evaluated at any ``(W, b)``.

    Block boundaries and the flat positions of the true-class logits are computed once,
    since a trainer evaluates the same data at every step. With several blocks of few
    features, the blocks are shared among threads (NumPy releases the GIL inside each
    operation); the partial sums are added in block order, so the result does not depend on
    thread timing.
    """

    def __init__(self, X: np.ndarray, y: np.ndarray, n_classes: int) -> None:
        self.X = np.ascontiguousarray(X, dtype=np.float64)
        self.y = np.asarray(y, dtype=np.intp)
        m, d = self.X.shape
        rows = max(256, min(_X_BLOCK_BYTES // (8 * max(d, 1)), _LOGIT_BLOCK_VALUES // n_classes))
        self._blocks = []
        for start in range(0, m, rows):
            stop = min(start + rows, m)
            yb = self.y[start:stop]
            self._blocks.append((self.X[start:stop], yb, yb * (stop - start) + np.arange(stop - start)))
        self._threaded = len(self._blocks) > 1 and d <= _THREADED_MAX_FEATURES

    def __len__(self) -> int:
        return self.X.shape[0]

    def evaluate(self, W: np.ndarray, b: np.ndarray, l2: float = 0.0, l1: float = 0.0, *,
                 gradient: bool = True) -> Evaluation:
        """Objective (with both penalties), accuracy and (optionally) the smooth part's
        gradient at ``(W, b)``, W (K, d) and b (K,); see the module docstring."""
        def terms(block):
            return _block_terms(W, b, *block, gradient)

        parts = list(_pool().map(terms, self._blocks) if self._threaded else map(terms, self._blocks))
        m = len(self)
        ce_sum = sum(p[0] for p in parts)
        correct = sum(p[1] for p in parts)
        loss = ce_sum / m + penalty(W, l2, l1)
        if not gradient:
            return Evaluation(loss, correct / m)
        dW, db = parts[0][2], parts[0][3]
        for p in parts[1:]:
            dW += p[2]
            db += p[3]
        dW, db = _finish_gradient(dW, db, m, W, l2)
        return Evaluation(loss, correct / m, dW, db, _norm(min_norm_subgradient(dW, W, l1) if l1 else dW, db))


@np.errstate(over="ignore", invalid="ignore")
def _block_terms(W, b, Xb, yb, true_pos, gradient: bool):
    """One block's ``(sum of CE, correct predictions, sum of (A - Y) x^T, sum of (A - Y))``.

    Every temporary lives in this thread's workspace. The column max and argmax are taken by
    one pass over the K contiguous rows of Z (much faster than reducing along axis 0; ties
    go to the first class, like ``np.argmax``). Overflow to a non-finite loss is the
    caller's to detect (the trainer calls it divergence), so NumPy's warnings are silenced
    here, in whichever thread runs the block (NumPy's error state is per thread)."""
    K, (rows, d) = W.shape[0], Xb.shape
    work = _workspace(K, rows)
    Z, top, arg, flag = work.Z, work.top, work.arg, work.flag
    wide = d > _THREADED_MAX_FEATURES
    if wide:  # see "Wide data" above
        np.matmul(Xb, W.T, out=work.Z_rows)
        np.copyto(Z, work.Z_rows.T)
    else:
        np.matmul(W, Xb.T, out=Z)
    Z += b[:, None]
    np.copyto(top, Z[0])
    arg.fill(0)
    for k in range(1, K):
        np.greater(Z[k], top, out=flag)
        np.putmask(arg, flag, k)
        np.maximum(top, Z[k], out=top)
    correct = int(np.count_nonzero(np.equal(arg, yb, out=flag)))
    Z -= top
    np.take(Z.ravel(), true_pos, out=work.true_logit)  # z_y - max z, before Z is overwritten
    E = np.exp(Z, out=Z)
    total = np.sum(E, axis=0, out=work.total)
    log_total = np.log(total, out=top)
    log_total -= work.true_logit
    ce_sum = float(log_total.sum())
    if not gradient:
        return ce_sum, correct, None, None
    _softmax_minus_onehot(E, total, true_pos)
    dW = np.ascontiguousarray((Xb.T @ E.T).T) if wide else E @ Xb
    return ce_sum, correct, dW, E.sum(axis=1)


@functools.cache
def _pool() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1), thread_name_prefix="objective")


def _softmax_minus_onehot(E: np.ndarray, total: np.ndarray, true_pos: np.ndarray) -> None:
    """Turn exponentials E (K x m, normalizer ``total``) into ``A - Y`` in place."""
    E /= total
    E.ravel()[true_pos] -= 1.0


def penalty(W: np.ndarray, l2: float, l1: float = 0.0) -> float:
    """The objective's penalty at ``W`` (K, d): ``(l2/2) ||W||^2 + l1 ||W||_1`` (the bias is
    not penalized); 0.0 without penalties."""
    return (0.5 * l2 * float((W * W).sum()) if l2 else 0.0) + (l1 * float(np.abs(W).sum()) if l1 else 0.0)


def _finish_gradient(dW, db, m: int, W, l2: float):
    dW /= m
    db /= m
    if l2:
        dW += l2 * W
    return dW, db


def min_norm_subgradient(dW: np.ndarray, W: np.ndarray, l1: float) -> np.ndarray:
    """The subgradient of least norm of ``f(W) + l1 ||W||_1`` at ``W``, given ``dW``, the
    gradient of the smooth ``f`` (any shape, ``W``'s): ``dW + l1 sign(W)`` where ``W != 0``,
    and ``sign(dW) max(|dW| - l1, 0)`` where ``W == 0`` (the subdifferential there is
    ``dW + [-l1, l1]``). It is zero exactly at the objective's stationary points. This is
    OWL-QN's pseudo-gradient: Andrew & Gao (2007), "Scalable training of L1-regularized
    log-linear models", ICML, section 3.2. A new array."""
    shrunk = np.sign(dW) * np.maximum(np.abs(dW) - l1, 0.0)
    return np.where(W != 0, dW + l1 * np.sign(W), shrunk)


def _norm(dW: np.ndarray, db: np.ndarray) -> float:
    flat = dW.ravel()
    return float(np.sqrt(flat @ flat + db @ db))


def batch_gradient(W: np.ndarray, b: np.ndarray, X: np.ndarray, y: np.ndarray, l2: float = 0.0
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Just ``(dW, db)`` on a small batch: the stochastic optimizers' step needs no loss."""
    m = X.shape[0]
    Z = logits_kmajor(W, b, X)
    Z -= Z.max(axis=0)
    E = np.exp(Z, out=Z)
    _softmax_minus_onehot(E, E.sum(axis=0), y * m + np.arange(m))
    return _finish_gradient(E @ X, E.sum(axis=1), m, W, l2)


def evaluate(W: np.ndarray, b: np.ndarray, X: np.ndarray, y: np.ndarray, l2: float = 0.0, l1: float = 0.0, *,
             gradient: bool = True) -> Evaluation:
    """Objective, accuracy and (optionally) gradient of softmax regression on ``(X, y)``;
    ``y`` holds integer labels in ``0..K-1`` (see :meth:`Objective.evaluate`)."""
    return Objective(X, y, W.shape[0]).evaluate(W, b, l2, l1, gradient=gradient)
