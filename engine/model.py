"""Softmax regression: ``z = W x + b``, ``a = softmax(z)``, prediction ``argmax a``."""

from __future__ import annotations

import numpy as np

from .objective import evaluate, logits_kmajor
from .softmax import softmax

INITIALIZERS = ("uniform", "normal", "zeros")


def as_labels(y, n_classes: int) -> np.ndarray:
    """Integer labels (n,) from labels or one-hot rows (n, K); anything else is a ValueError."""
    y = np.asarray(y)
    if y.ndim == 2:
        if y.shape[1] != n_classes or not np.all((y == 0) | (y == 1)) or not np.all(y.sum(axis=1) == 1):
            raise ValueError(f"y must be one-hot with {n_classes} columns")
        y = np.argmax(y, axis=1)
    labels = y.astype(np.intp)
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes or np.any(labels != y)):
        raise ValueError(f"labels must be integers in 0..{n_classes - 1}")
    return labels


def initial_parameters(
    n_features: int, n_classes: int, init: str, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Starting ``(W, b)``; ``b`` is always zero.

    ``uniform``: W ~ U(0, 1) (seed 000); ``normal``: W ~ N(0, 1e-3^2) (seed 003); ``zeros``.
    """
    shape = (n_classes, n_features)
    if init == "uniform":
        W = rng.random(shape)
    elif init == "normal":
        W = rng.normal(0.0, 1e-3, shape)
    elif init == "zeros":
        W = np.zeros(shape)
    else:
        raise ValueError(f"unknown init {init!r}; choose one of {', '.join(INITIALIZERS)}")
    return W, np.zeros(n_classes)


def fold_standardization(W, b, mean, scale) -> tuple[np.ndarray, np.ndarray]:
    """Parameters acting on raw inputs for a model trained on ``(x - mean) / scale``:
    ``W (x - mean)/scale + b = (W / scale) x + (b - (W / scale) mean)``."""
    W_raw = np.asarray(W, dtype=np.float64) / np.asarray(scale, dtype=np.float64)
    return W_raw, np.asarray(b, dtype=np.float64) - W_raw @ np.asarray(mean, dtype=np.float64)


class SoftmaxRegression:
    """Multinomial logistic regression with weights ``W`` (K x d) and bias ``b`` (K,).

    ``W`` and ``b`` are plain attributes: read them, or assign new arrays.
    """

    def __init__(self, W, b) -> None:
        self.W = np.array(W, dtype=np.float64)
        self.b = np.array(b, dtype=np.float64)
        if self.W.ndim != 2 or self.b.shape != (self.W.shape[0],):
            raise ValueError(f"W must be K x d and b must have K entries, got {self.W.shape} and {self.b.shape}")

    @classmethod
    def initialized(
        cls, n_features: int, n_classes: int, init: str = "uniform", rng: np.random.Generator | None = None
    ) -> "SoftmaxRegression":
        """A model with parameters drawn by ``init`` from ``rng`` (default: seed 0)."""
        return cls(*initial_parameters(n_features, n_classes, init, rng or np.random.default_rng(0)))

    @property
    def n_classes(self) -> int:
        return self.W.shape[0]

    @property
    def n_features(self) -> int:
        return self.W.shape[1]

    def _as_matrix(self, X) -> np.ndarray:
        X = np.asarray(X, dtype=np.float64)
        return X[None, :] if X.ndim == 1 else X

    def logits(self, X) -> np.ndarray:
        """``Z = X W^T + b``, one row of K logits per sample (n, K)."""
        return logits_kmajor(self.W, self.b, self._as_matrix(X)).T

    def predict_proba(self, X) -> np.ndarray:
        """``softmax(Z)`` row by row (n, K); each row sums to 1."""
        return softmax(logits_kmajor(self.W, self.b, self._as_matrix(X)), axis=0).T

    def predict(self, X) -> np.ndarray:
        """The most probable class of each sample (n,)."""
        return np.argmax(logits_kmajor(self.W, self.b, self._as_matrix(X)), axis=0)

    def loss(self, X, y, l2: float = 0.0) -> float:
        """Mean cross-entropy plus ``(l2/2) ||W||^2``; ``y`` as labels or one-hot rows."""
        X = self._as_matrix(X)
        return evaluate(self.W, self.b, X, as_labels(y, self.n_classes), l2, gradient=False).loss

    def gradients(self, X, y, l2: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
        """``(dW, db)`` of :meth:`loss`: ``dW = (A - Y)^T X / n + l2 W``, ``db = mean(A - Y)``."""
        X = self._as_matrix(X)
        ev = evaluate(self.W, self.b, X, as_labels(y, self.n_classes), l2)
        return ev.dW, ev.db
