"""Every quantity of the backward pass at one point, as the Jacobian panel shows it.

For a point x with true class y (one-hot): ``z = W x + b``, ``a = softmax(z)``,
``J = diag(a) - a a^T``, ``dL/da = -y / a``, ``dL/dz = J dL/da`` (seed 000's explicit chain)
which equals the fused ``a - y``, and the per-sample gradient ``dL/dW = (a - y) x^T``,
``dL/db = a - y``. Without a true class (a free location) only the forward pass and J exist.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

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
