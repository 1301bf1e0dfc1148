"""Update rules and the six optimizers the dashboard offers.

An optimizer is an update rule plus the batch it computes gradients on:

=========  ==========================  ===========================================
name       batch                       update (g: gradient, lr: learning rate)
=========  ==========================  ===========================================
gd         full batch                  p -= lr g
sgd        one sample, reshuffled      p -= lr g            (seed 002)
minibatch  B samples (default 32)      p -= lr g            (seed 001)
momentum   full batch, or B if given   v = beta v + g;  p -= lr v
nesterov   full batch, or B if given   v = beta v + g;  p -= lr (g + beta v)
adam       full batch, or B if given   Kingma & Ba (2015), with bias correction
=========  ==========================  ===========================================

Momentum and Nesterov follow PyTorch's formulation (Sutskever et al. 2013), which needs
the gradient at the current parameters only.
"""

from __future__ import annotations

import numpy as np

OPTIMIZERS = ("gd", "sgd", "minibatch", "momentum", "nesterov", "adam")
DEFAULT_MINIBATCH = 32


class UpdateRule:
    """Plain gradient descent: ``p -= lr g``. Subclasses keep per-parameter state."""

    def apply(self, params: list[np.ndarray], grads: list[np.ndarray], lr: float) -> None:
        """Update ``params`` in place from ``grads``."""
        for p, g in zip(params, grads):
            p -= lr * g

    def reset(self) -> None:
        """Forget all state (velocities, moments, step count)."""


class Momentum(UpdateRule):
    """Heavy-ball momentum: ``v = beta v + g``, ``p -= lr v``."""

    def __init__(self, beta: float = 0.9) -> None:
        self.beta = beta
        self.velocity: list[np.ndarray] | None = None

    def _velocities(self, grads: list[np.ndarray]) -> list[np.ndarray]:
        if self.velocity is None:
            self.velocity = [np.zeros_like(g) for g in grads]
        for v, g in zip(self.velocity, grads):
            v *= self.beta
            v += g
        return self.velocity

    def apply(self, params, grads, lr) -> None:
        for p, v in zip(params, self._velocities(grads)):
            p -= lr * v

    def reset(self) -> None:
        self.velocity = None


class Nesterov(Momentum):
    """Nesterov momentum: ``v = beta v + g``, ``p -= lr (g + beta v)``."""

    def apply(self, params, grads, lr) -> None:
        for p, g, v in zip(params, grads, self._velocities(grads)):
            p -= lr * (g + self.beta * v)


class Adam(UpdateRule):
    """Adam: ``m = b1 m + (1-b1) g``, ``s = b2 s + (1-b2) g^2``,
    ``p -= lr m_hat / (sqrt(s_hat) + eps)`` with ``m_hat = m / (1 - b1^t)``, ``s_hat = s / (1 - b2^t)``."""

    def __init__(self, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8) -> None:
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self.reset()

    def reset(self) -> None:
        self.t = 0
        self.m: list[np.ndarray] | None = None
        self.s: list[np.ndarray] | None = None

    def apply(self, params, grads, lr) -> None:
        if self.m is None:
            self.m = [np.zeros_like(g) for g in grads]
            self.s = [np.zeros_like(g) for g in grads]
        self.t += 1
        c1 = 1.0 - self.beta1**self.t
        c2 = 1.0 - self.beta2**self.t
        for p, g, m, s in zip(params, grads, self.m, self.s):
            m *= self.beta1
            m += (1.0 - self.beta1) * g
            s *= self.beta2
            s += (1.0 - self.beta2) * g * g
            p -= lr * (m / c1) / (np.sqrt(s / c2) + self.eps)


class Optimizer:
    """A named optimizer: an update rule and a batch size (``None`` = the full training set)."""

    def __init__(self, name: str, batch_size: int | None = None) -> None:
        if name not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer {name!r}; choose one of {', '.join(OPTIMIZERS)}")
        if batch_size is not None and batch_size < 1:
            raise ValueError(f"batch size must be at least 1, got {batch_size}")
        self.name = name
        self.batch_size = {"gd": None, "sgd": 1, "minibatch": batch_size or DEFAULT_MINIBATCH}.get(name, batch_size)
        self.rule = {"momentum": Momentum, "nesterov": Nesterov, "adam": Adam}.get(name, UpdateRule)()

    def apply(self, params: list[np.ndarray], grads: list[np.ndarray], lr: float) -> None:
        self.rule.apply(params, grads, lr)

    def reset(self) -> None:
        self.rule.reset()
