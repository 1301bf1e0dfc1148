"""Every quantity of the backward pass at one point, as the Jacobian panel shows it.

For a point x with true class y (one-hot): ``z = W x + b``, ``a = softmax(z)``,
``J = diag(a) - a a^T``, ``dL/da = -y / a``, ``dL/dz = J dL/da`` (seed 000's explicit chain)
which equals the fused ``a - y``, and the per-sample gradient ``dL/dW = (a - y) x^T``,
``dL/db = a - y``. Without a true class (a free location) only the forward pass and J exist.

Explain mode's live numbers come from here too: the objective's terms (:func:`explain_loss`)
and the largest weight (:func:`explain_weights`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .objective import penalty
from .softmax import (
    log_softmax,
    loss_grad_logits,
    loss_grad_logits_chain,
    loss_grad_probs,
    one_hot,
    softmax,
    softmax_jacobian,
)


@dataclass(frozen=True)
class PointExplanation:
    x: np.ndarray  # (d,) the model input
    label: int | None  # true class, None for a free location
    z: np.ndarray  # (K,) logits
    a: np.ndarray  # (K,) probabilities
    jacobian: np.ndarray  # (K, K) da/dz
    dL_da: np.ndarray | None  # (K,) -y/a
    dL_dz_chain: np.ndarray | None  # (K,) J dL/da
    dL_dz: np.ndarray | None  # (K,) a - y
    dL_dW: np.ndarray | None  # (K, d) (a - y) x^T
    loss: float | None  # -log a_y


def explain_point(W, b, x, label: int | None = None) -> PointExplanation:
    """The forward and backward pass of softmax regression at one input ``x``."""
    W, b = np.asarray(W, dtype=np.float64), np.asarray(b, dtype=np.float64)
    x = np.asarray(x, dtype=np.float64)
    z = W @ x + b
    a = softmax(z)
    jac = softmax_jacobian(a)
    if label is None:
        return PointExplanation(x, None, z, a, jac, None, None, None, None, None)
    y = one_hot(label, len(b))
    dz = loss_grad_logits(a, y)
    loss = float(-log_softmax(z)[label])
    return PointExplanation(x, int(label), z, a, jac, loss_grad_probs(a, y), loss_grad_logits_chain(a, y),
                            dz, np.outer(dz, x), loss)


@dataclass(frozen=True)
class LossTerms:
    """The training objective split into its terms (see :mod:`.objective`)."""

    cross_entropy: float  # mean cross-entropy on the training set, in nats
    penalty: float  # (l2/2) ||W||^2 + l1 ||W||_1 (the bias is not penalized)
    chance: float  # ln K: the cross-entropy of predicting 1/K for every class


def explain_loss(loss: float, W, l2: float, l1: float = 0.0) -> LossTerms:
    """``loss`` (the objective ``mean CE + (l2/2) ||W||^2 + l1 ||W||_1`` at ``W`` (K, d), as a
    snapshot holds it) split into its cross-entropy and its penalty, beside the cross-entropy of
    a model that has learned nothing (uniform probabilities: ``ln K``, Bishop, *Pattern
    Recognition and Machine Learning*, 4.3.4)."""
    W = np.asarray(W, dtype=np.float64)
    terms = penalty(W, l2, l1)
    return LossTerms(float(loss) - terms, terms, float(np.log(W.shape[0])))


def explain_weights(W) -> tuple[int, int, float]:
    """The weight of ``W`` (K, d) with the largest magnitude, as ``(k, j, value)`` (0-based
    class and feature): the feature that moves one class's logit most per standardized unit
    (``dz_k/dx_j = w[k, j]``). The first one in row order on a tie; ValueError for d = 0."""
    W = np.asarray(W, dtype=np.float64)
    if W.size == 0:
        raise ValueError("W has no weights")
    k, j = np.unravel_index(int(np.argmax(np.abs(W))), W.shape)
    return int(k), int(j), float(W[k, j])
