"""The softmax function, its log, cross-entropy and the softmax Jacobian.

Everything here is exact and stable for any finite logits:

* softmax subtracts the maximum before exponentiating (seed 000):
  ``softmax(z)_i = exp(z_i - m) / sum_j exp(z_j - m)`` with ``m = max_j z_j``;
* log-softmax uses log-sum-exp: ``log_softmax(z)_i = z_i - m - log sum_j exp(z_j - m)``;
* cross-entropy is computed from logits through log-softmax, never as ``log(softmax)``.
"""

from __future__ import annotations

import numpy as np


def _as_float(z) -> np.ndarray:
    """``z`` as a floating array, keeping float16/32/64 and promoting integers to float64."""
    z = np.asarray(z)
    return z if np.issubdtype(z.dtype, np.floating) else z.astype(np.float64)


def _shifted(z: np.ndarray, axis: int) -> np.ndarray:
    """``z - max(z)`` along ``axis`` (slices that are entirely ``-inf`` are left as they are).

    A difference below the most negative float becomes ``-inf``: the right limit, as its
    probability is exactly 0 in floating point anyway.
    """
    m = np.max(z, axis=axis, keepdims=True)
    with np.errstate(over="ignore"):
        return z - np.where(np.isfinite(m), m, 0).astype(z.dtype, copy=False)


def softmax(z, axis: int = -1) -> np.ndarray:
    """``exp(z) / sum(exp(z))`` along ``axis``, stable for any finite logits.

    ``softmax([1000, 2000, 3000])`` is ``[0, 0, 1]`` with no warning; a ``-inf`` logit
    gives probability 0. The dtype of ``z`` is kept (integers become float64).
    """
    z = _as_float(z)
    e = np.exp(_shifted(z, axis))
    return e / np.sum(e, axis=axis, keepdims=True)


def log_softmax(z, axis: int = -1) -> np.ndarray:
    """``log(softmax(z))`` by log-sum-exp: ``z - m - log(sum(exp(z - m)))``."""
    z = _as_float(z)
    shifted = _shifted(z, axis)
    with np.errstate(divide="ignore"):
        return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def one_hot(y, n_classes: int) -> np.ndarray:
    """Integer labels (n,) as an (n, n_classes) float64 one-hot matrix."""
    y = np.asarray(y)
    return np.eye(n_classes, dtype=np.float64)[y]


def cross_entropy(logits, y) -> float:
    """Mean cross-entropy ``-(1/n) sum_i sum_k y_ik log a_ik`` computed from logits (n, K).

    ``y`` is either integer labels (n,) or one-hot / probability rows (n, K). Finite for
    huge finite logits, because it never takes the log of a probability that underflowed.
    """
    logp = log_softmax(logits, axis=-1)
    y = np.asarray(y)
    if y.ndim == logp.ndim:
        terms = np.multiply(y, logp, out=np.zeros_like(logp), where=y != 0)
        return float(-np.sum(terms) / logp.shape[0])
    picked = np.take_along_axis(logp, y.astype(np.intp)[:, None], axis=-1)
    return float(-np.mean(picked))


def softmax_jacobian(a) -> np.ndarray:
    """``da/dz = diag(a) - a a^T`` for a probability vector (K,) or a batch (N, K) -> (N, K, K).

    Seed 000 writes it as ``a e^T o (I - e a^T)``; entry (i, m) is ``a_i (delta_im - a_m)``.
    The matrix is symmetric and each row and column sums to zero.
    """
    a = _as_float(a)
    outer = a[..., :, None] * a[..., None, :]
    diag = a[..., :, None] * np.eye(a.shape[-1], dtype=a.dtype)
    return diag - outer


def loss_grad_probs(a, y) -> np.ndarray:
    """``dL/da = -y / a`` for one-hot (or probability) targets ``y``; entries with y = 0 are 0.

    It is ``-inf`` where the true class's probability underflowed to 0.
    """
    a, y = _as_float(a), np.asarray(y, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):  # entries with y = 0 are discarded
        return np.where(y != 0, -y / a, 0.0)


def loss_grad_logits_chain(a, y) -> np.ndarray:
    """``dL/dz`` by the explicit chain rule of seed 000: ``J (dL/da)`` with ``J = diag(a) - a a^T``.

    Works on a vector (K,) or a batch (N, K). Equals :func:`loss_grad_logits` (``a - y``)
    up to rounding whenever ``-y/a`` is finite (it is NaN where the true class's probability
    underflowed to 0); it is kept as the reference the dashboard shows beside the fused form.
    """
    jac = softmax_jacobian(a)
    return np.einsum("...ij,...j->...i", jac, loss_grad_probs(a, y))


def loss_grad_logits(a, y) -> np.ndarray:
    """``dL/dz = a - y``: the fused softmax + cross-entropy gradient (seed 004's derivation)."""
    return _as_float(a) - np.asarray(y, dtype=np.float64)


def sigmoid(z) -> np.ndarray:
    """The logistic function ``1 / (1 + exp(-z))``, stable for large ``|z|``."""
    z = _as_float(z)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
