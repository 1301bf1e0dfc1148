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
memory once and used twice (forward, then backward) while it is still cached. The block
temporaries are reused from step to step (a per-thread workspace), not allocated afresh.

Speed (issue 17; ``benchmarks/engine.py`` prints each ratio): with many features the two
thin products are nearly all the time, and the BLAS library runs them at about half its
square-product rate even with the block in cache, so blocks are spread over threads of our
own, each product on one thread (:mod:`.blas`); with few features the element-wise work
dominates, and its operations on a block are so short that threads of ours mostly wait for
the interpreter. Whether threads win depends on the shape and on what else the machine
runs, so the objective times its own evaluations to choose (:mod:`.thread_choice`).
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import math
import os
import threading
import time
from dataclasses import dataclass

import numpy as np

from .blas import calling_thread_blas
from .thread_choice import ThreadChoice

#: Up to this many features a block is narrow: its logits come K-major from ``W X^T`` and it
#: is dominated by element-wise work (exp, log, max). Wide blocks compute ``X W^T`` and
#: ``X^T (A - Y)^T``: the BLAS library runs those shapes faster than ``W X^T`` and
#: ``(A - Y) X``, measured at (1337, 784, 10) 1.2x and 1.7x, at (2000, 400, 4) 1.8x and
#: 2.6x; with fewer features the same or slower.
_NARROW_MAX_FEATURES = 64
_NARROW_BLOCK_BYTES = 1 << 23  # a narrow block of X stays within a shared L3 slice
_LOGIT_BLOCK_VALUES = 1 << 15  # the K x rows temporaries stay within L2
#: A wide block of X (rows x d) stays in cache between its forward and backward product;
#: the rows per block are a multiple of 64. Measured at (60000, 784, 10), blocks of 1, 2, 4
#: and 8 MiB: 2 MiB (320 rows) was 2-4% faster than the others on one thread and on two;
#: smaller blocks run the products faster (benchmarks/engine.py --evaluation) but pay more
#: in NumPy calls per block.
_WIDE_BLOCK_BYTES = 1 << 21
_MAX_THREADS = 4
#: Products of fewer multiply-adds run on one thread in the BLAS library anyway (OpenBLAS's
#: threshold is 4 x 65536, interface/gemm.c), so evaluations made only of those skip the
#: thread limit of :mod:`.blas` (2 µs, a tenth of a small evaluation).
_SINGLE_THREADED_PRODUCT = 1 << 16
_MAX_WORKSPACES = 4  # per thread
_BLAS_AS_IT_IS = contextlib.nullcontext()


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


def default_threads() -> int:
    """The most threads an :class:`Objective` shares its blocks among unless told: one per
    core available to this process, at most 4. With more than one, the objective times its
    evaluations to choose between one thread and this many (:mod:`.thread_choice`), at any
    number of features: measured (``benchmarks/engine.py --evaluation --compete``, 2 cores)
    two threads of ours took 0.54x the time of one at (60000, 784, 10) idle and 0.73x
    beside a CPU-bound process, 0.87x and 1.08x at (20000, 64, 5), 1.16x and 1.05x at
    (100000, 2, 3); two BLAS threads under one of ours 0.57x and 1.22x at (60000, 784, 10),
    3.3x beside the busy process at (20000, 64, 5)."""
    return max(1, min(_MAX_THREADS, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                      else os.cpu_count() or 1))


class Objective:
    """The objective on fixed data ``(X, y)``, evaluated at any ``(W, b)``.

    Block boundaries, the flat positions of the true-class logits and the one-hot labels Y
    (one byte per class and sample) are computed once, since a trainer evaluates the same
    data at every step. On more than one thread the
    blocks are shared among the calling thread and helpers (NumPy and BLAS release the GIL
    inside each operation), each taking the next block not yet taken; the partial sums are
    added in block order, so the result does not depend on the number of threads or their
    timing. ``threads`` fixes the count; by default (None) it is chosen per evaluation
    between one and :func:`default_threads` by timing the evaluations with a gradient
    (:class:`.ThreadChoice`), and :attr:`threads` is the most it may use. Until then, and
    in an objective whose evaluations are never timed (loss only, as a validation split's),
    wide data uses all of them and narrow data one, as measured best with a core free.
    """

    def __init__(self, X: np.ndarray, y: np.ndarray, n_classes: int, *, threads: int | None = None) -> None:
        self.X = np.ascontiguousarray(X, dtype=np.float64)
        self.y = np.asarray(y, dtype=np.intp)
        m, d = self.X.shape
        self._wide = d > _NARROW_MAX_FEATURES
        if self._wide:
            rows = max(64, _WIDE_BLOCK_BYTES // (8 * d) // 64 * 64)
        else:
            rows = max(256, min(_NARROW_BLOCK_BYTES // (8 * max(d, 1)), _LOGIT_BLOCK_VALUES // n_classes))
        self._blocks = []
        for start in range(0, m, rows):
            stop = min(start + rows, m)
            yb = self.y[start:stop]
            true_pos = yb * (stop - start) + np.arange(stop - start)  # flat positions in a K x rows array
            onehot = np.zeros((n_classes, stop - start), dtype=np.uint8)
            onehot.ravel()[true_pos] = 1
            self._blocks.append((self.X[start:stop], yb, true_pos, onehot))
        self.threads = min(default_threads() if threads is None else threads, len(self._blocks)) or 1
        # the first candidate serves until evaluations are timed, and always for one that never
        # is (a validation objective, loss-only): all threads for wide data, one for narrow
        first, other = (self.threads, 1) if self._wide else (1, self.threads)
        self._choice = ThreadChoice((first, other)) if threads is None and self.threads > 1 else None
        self._threaded_products = min(rows, m) * d * n_classes >= _SINGLE_THREADED_PRODUCT

    def __len__(self) -> int:
        return self.X.shape[0]

    def evaluate(self, W: np.ndarray, b: np.ndarray, l2: float = 0.0, l1: float = 0.0, *,
                 gradient: bool = True) -> Evaluation:
        """Objective (with both penalties), accuracy and (optionally) the smooth part's
        gradient at ``(W, b)``, W (K, d) and b (K,); see the module docstring."""
        def terms(block):
            return _block_terms(W, b, *block, self._wide, gradient)

        timed = gradient and self._choice is not None
        if timed:
            threads, start = self._choice.next(), time.perf_counter()
        else:
            threads = self._choice.chosen if self._choice is not None else self.threads
        with calling_thread_blas if threads > 1 or self._threaded_products else _BLAS_AS_IT_IS:
            parts = self._map(terms, threads)
        if timed:
            self._choice.record(threads, time.perf_counter() - start)
        m = len(self)
        ce_sum, correct, dW, db = parts[0]
        for p in parts[1:]:
            ce_sum += p[0]
            correct += p[1]
            if gradient:
                dW += p[2]
                db += p[3]
        loss = ce_sum / m + penalty(W, l2, l1)
        if not gradient:
            return Evaluation(loss, correct / m)
        if self._wide:
            dW = np.ascontiguousarray(dW.T)  # summed d x K, as the wide product gives it
        dW, db = _finish_gradient(dW, db, m, W, l2)
        return Evaluation(loss, correct / m, dW, db, _norm(min_norm_subgradient(dW, W, l1) if l1 else dW, db))

    def _map(self, terms, threads: int) -> list:
        """``terms`` of every block, in block order, computed on ``threads`` threads."""
        blocks = self._blocks
        if threads == 1:
            return [terms(block) for block in blocks]
        parts: list = [None] * len(blocks)
        taken = itertools.count()  # next() on it is atomic: each block is taken once

        def work() -> None:
            while (i := next(taken)) < len(blocks):
                parts[i] = terms(blocks[i])

        helpers = [_pool().submit(work) for _ in range(threads - 1)]
        try:
            work()
        finally:
            for helper in helpers:  # one still queued (the pool busy with other evaluations) has nothing left to do
                if not helper.cancel():
                    helper.result()
        return parts


def _logits(W, b, Xb, wide: bool, work: _Workspace, out: np.ndarray) -> np.ndarray:
    """A block's logits ``W x + b`` into ``out`` (K x rows): narrow blocks as ``W Xb^T``,
    wide ones as ``(Xb W^T)^T`` (see ``_NARROW_MAX_FEATURES``)."""
    if wide:
        np.dot(Xb, W.T, out=work.Z_rows)
        np.add(work.Z_rows.T, b[:, None], out=out)
    else:
        np.dot(W, Xb.T, out=out)
        out += b[:, None]
    return out


@np.errstate(over="ignore", invalid="ignore")
def _block_terms(W, b, Xb, yb, true_pos, onehot, wide: bool, gradient: bool):
    """One block's ``(sum of CE, correct predictions, sum of (A - Y) x^T, sum of (A - Y))``;
    the third term is d x K for wide blocks (``Xb^T (A - Y)^T``), K x d for narrow ones.
    ``true_pos`` are the flat positions of the true classes in a K x rows array, ``onehot``
    is Y (K x rows, one byte each: the objective keeps K bytes per sample for it).

    Every temporary lives in this thread's workspace. The column max and the normalizer are
    reductions over axis 0, which NumPy runs as K - 1 passes over the K contiguous rows of
    Z (adding them as ``np.sum`` does), and a sample is predicted right when its true class's logit is that max. That
    is ``argmax(z) == y`` unless two classes tie for the max, as at zero parameters, where
    ``np.argmax`` (and ``predict``) takes the first: a block with a tie, or with logits that
    are not finite, is counted again by :func:`_correct_first_max`. Overflow to a
    non-finite loss is the caller's to detect (the trainer calls it divergence), so NumPy's
    warnings are silenced here, in whichever thread runs the block (NumPy's error state is
    per thread)."""
    K, rows = W.shape[0], Xb.shape[0]
    work = _workspace(K, rows)
    Z, top, true_logit = _logits(W, b, Xb, wide, work, work.Z), work.top, work.true_logit
    np.maximum.reduce(Z, axis=0, out=top)
    Z -= top
    np.take(Z.ravel(), true_pos, out=true_logit)  # z_y - max z, before Z is overwritten
    maxima = Z.size - np.count_nonzero(Z)  # the zeros of Z - max: one per sample unless tied
    correct = rows - np.count_nonzero(true_logit)
    E = np.exp(Z, out=Z)
    total = np.add.reduce(E, axis=0, out=work.total)  # row after row, in class order like np.sum
    log_total = np.log(total, out=top)
    log_total -= true_logit
    ce_sum = float(log_total.sum())
    if maxima != rows or not math.isfinite(ce_sum):
        correct = _correct_first_max(_logits(W, b, Xb, wide, work, np.empty((K, rows))), yb)
    if not gradient:
        return ce_sum, correct, None, None
    E /= total
    np.subtract(E, onehot, out=E)  # A - Y, Y's bytes widened as they go: 7 us at (3, 10922), the scatter of -1 took 15
    return ce_sum, correct, np.dot(Xb.T, E.T) if wide else np.dot(E, Xb), E.sum(axis=1)


def _correct_first_max(Z: np.ndarray, yb: np.ndarray) -> int:
    """How many columns of logits Z (K x rows) have their first largest entry at row ``yb``:
    ``np.argmax(Z, axis=0) == yb``, except that a NaN logit never becomes the max."""
    top, arg = Z[0].copy(), np.zeros(Z.shape[1], dtype=np.intp)
    for k in range(1, Z.shape[0]):
        np.putmask(arg, Z[k] > top, k)
        np.maximum(top, Z[k], out=top)
    return int(np.count_nonzero(arg == yb))


@functools.cache
def _pool():
    """The helper threads (a ThreadPoolExecutor, imported here: concurrent.futures and its
    logging cost every start 5 ms, and only data of several blocks uses them)."""
    from concurrent.futures import ThreadPoolExecutor

    return ThreadPoolExecutor(max_workers=_MAX_THREADS - 1, thread_name_prefix="objective")


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
