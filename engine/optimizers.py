"""Update rules, the eight optimizers the dashboard offers, and the L1 penalty's proximal step.

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
newton     full batch                  Newton's step, Armijo line search (no lr)
lbfgs      full batch                  L-BFGS, strong Wolfe line search (no lr)
=========  ==========================  ===========================================

newton and lbfgs (:mod:`.second_order`) take one iteration per step, choose their own step
length, and need the objective itself rather than a gradient: the trainer calls
:meth:`Optimizer.iterate` for them (:attr:`Optimizer.second_order`). They refuse L1 (its
term is not smooth): :meth:`Optimizer.check_penalty`.

Momentum and Nesterov follow PyTorch's formulation (Sutskever et al. 2013), which needs
the gradient at the current parameters only.

**L1** (``l1 ||W||_1``, not differentiable at zero) is handled by a proximal step: after each
update the weights (``params[0]``; never the bias) are soft-thresholded,
``W <- sign(W) max(|W| - tau, 0)`` (:func:`soft_threshold`), which sets small weights to
exactly zero. ``g`` is then the gradient of the smooth part of the objective. Per rule:

- gd, sgd, minibatch: ``tau = lr l1``. Full batch this is ISTA, the proximal gradient method
  (Beck & Teboulle 2009, "A fast iterative shrinkage-thresholding algorithm", SIAM J.
  Imaging Sci. 2(1), section 1); on batches it is the stochastic proximal gradient method
  (FOBOS: Duchi & Singer 2009, JMLR 10), whose iterates keep moving by the batch noise
  unless lr decays, so zeros come and go.
- momentum: iPiano, the inertial proximal method (Ochs, Chen, Brox & Pock 2014, "iPiano:
  inertial proximal algorithm for nonconvex optimization", SIAM J. Imaging Sci. 7(2), eq.
  (4.2)): ``p <- prox(p - lr g + beta (p - p_prev))`` with ``tau = lr l1``. In PyTorch's form
  this is the momentum step followed by the prox, with the velocity then set to the step
  actually taken, ``v = (p_prev - p) / lr``; a velocity that kept the unthresholded step
  would make the fixed points those of the penalty ``(1 - beta) l1``, not ``l1``.
- nesterov: a proximal Nesterov method (FISTA, Beck & Teboulle 2009) needs the gradient at an
  extrapolated point that is not sparse, which this gradient-at-the-iterate form does not
  keep; so Nesterov's step with L1 is not a proximal method of its own. We take the same
  step, prox with ``tau = lr (1 + beta) l1`` (the step's weight on the current gradient)
  and the velocity set to the step taken, as for momentum: the result is exactly iPiano with
  step ``lr (1 + beta)`` and inertia ``beta^2``, whose fixed points are the objective's
  stationary points. The acceleration of Nesterov's method is not kept.
- adam: the prox in Adam's diagonal metric ``D = diag(sqrt(s_hat) + eps)``, per coordinate
  ``tau = lr l1 / (sqrt(s_hat) + eps)`` (proximal Adam: Melchior, Joseph & Moolekamp 2019,
  "Proximal Adam", arXiv:1910.10094, eq. (11); Yun, Lozano & Yang 2021, "Adaptive proximal
  gradient methods for structured neural networks", NeurIPS, ProxGen). Well defined as a
  step, with the stationary points as fixed points; like Adam itself (Reddi, Kale & Kumar
  2018) it is not guaranteed to converge.

With ``l1 = 0`` no rule does anything beyond its plain update.
"""

from __future__ import annotations

import math

import numpy as np

from .objective import Evaluation, Objective
from .second_order import LBFGS, SECOND_ORDER_OPTIMIZERS, Newton

OPTIMIZERS = ("gd", "sgd", "minibatch", "momentum", "nesterov", "adam", *SECOND_ORDER_OPTIMIZERS)
DEFAULT_MINIBATCH = 32


def soft_threshold(w: np.ndarray, tau: float | np.ndarray) -> None:
    """The proximal map of ``tau ||w||_1`` in place: ``w <- sign(w) max(|w| - tau, 0)``;
    ``tau`` >= 0, a number or an array of ``w``'s shape. Entries with ``|w| <= tau`` become
    exactly +0.0 (Parikh & Boyd 2014, "Proximal algorithms", section 6.5.2)."""
    np.copysign(np.maximum(np.abs(w) - tau, 0.0), w, out=w)
    w += 0.0  # -0.0 + 0.0 is +0.0: a zero is a zero, whichever side it came from


class UpdateRule:
    """Plain gradient descent: ``p -= lr g``. Subclasses keep per-parameter state."""

    def apply(self, params: list[np.ndarray], grads: list[np.ndarray], lr: float, l1: float = 0.0) -> None:
        """Update ``params`` in place from ``grads`` (the smooth part's gradient), then the
        proximal step of ``l1 ||params[0]||_1`` (see the module docstring)."""
        for p, g in zip(params, grads):
            p -= lr * g
        if l1:
            soft_threshold(params[0], lr * l1)

    def reset(self) -> None:
        """Forget all state (velocities, moments, step count)."""


class Momentum(UpdateRule):
    """Heavy-ball momentum: ``v = beta v + g``, ``p -= lr v``; with L1, iPiano (module docstring)."""

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

    def _move(self, params, grads, lr) -> None:
        for p, v in zip(params, self._velocities(grads)):
            p -= lr * v

    def _prox_scale(self) -> float:
        """``tau / (lr l1)``: the step's weight on the current gradient."""
        return 1.0

    def apply(self, params, grads, lr, l1=0.0) -> None:
        if not l1:
            self._move(params, grads, lr)
            return
        before = [p.copy() for p in params]
        self._move(params, grads, lr)
        soft_threshold(params[0], lr * l1 * self._prox_scale())
        for v, p_prev, p in zip(self.velocity, before, params):
            np.subtract(p_prev, p, out=v)
            v /= lr

    def reset(self) -> None:
        self.velocity = None


class Nesterov(Momentum):
    """Nesterov momentum: ``v = beta v + g``, ``p -= lr (g + beta v)``; with L1, iPiano
    (module docstring)."""

    def _move(self, params, grads, lr) -> None:
        for p, g, v in zip(params, grads, self._velocities(grads)):
            p -= lr * (g + self.beta * v)

    def _prox_scale(self) -> float:
        return 1.0 + self.beta


class Adam(UpdateRule):
    """Adam: ``m = b1 m + (1-b1) g``, ``s = b2 s + (1-b2) g^2``,
    ``p -= lr m_hat / (sqrt(s_hat) + eps)`` with ``m_hat = m / (1 - b1^t)``, ``s_hat = s / (1 - b2^t)``;
    with L1, the prox in the metric ``sqrt(s_hat) + eps`` (module docstring)."""

    def __init__(self, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8) -> None:
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self.reset()

    def reset(self) -> None:
        self.t = 0
        self.m: list[np.ndarray] | None = None
        self.s: list[np.ndarray] | None = None

    def apply(self, params, grads, lr, l1=0.0) -> None:
        if self.m is None:
            self.m = [np.zeros_like(g) for g in grads]
            self.s = [np.zeros_like(g) for g in grads]
        self.t += 1
        c1 = 1.0 - self.beta1**self.t
        c2 = 1.0 - self.beta2**self.t
        for i, (p, g, m, s) in enumerate(zip(params, grads, self.m, self.s)):
            m *= self.beta1
            m += (1.0 - self.beta1) * g
            s *= self.beta2
            s += (1.0 - self.beta2) * g * g
            metric = np.sqrt(s / c2) + self.eps
            p -= lr * (m / c1) / metric
            if l1 and i == 0:
                soft_threshold(p, lr * l1 / metric)


def _check_beta(name: str, value: float) -> None:
    if not 0 <= value < 1:
        raise ValueError(f"{name} must be in [0, 1), got {value}")


class Optimizer:
    """A named optimizer: an update rule and a batch size (``None`` = the full training set).

    ``momentum`` is beta of momentum and nesterov; ``beta1``, ``beta2`` and ``eps`` are Adam's
    (Kingma & Ba 2015, whose defaults these are). Each optimizer ignores the others'. A
    ValueError for an unknown name, a batch size below 1, a beta outside [0, 1) or an
    ``eps`` that is not a positive finite number."""

    def __init__(self, name: str, batch_size: int | None = None, *, momentum: float = 0.9,
                 beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8) -> None:
        if name not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer {name!r}; choose one of {', '.join(OPTIMIZERS)}")
        if batch_size is not None and batch_size < 1:
            raise ValueError(f"batch size must be at least 1, got {batch_size}")
        for beta_name, beta in (("momentum", momentum), ("beta1", beta1), ("beta2", beta2)):
            _check_beta(beta_name, beta)
        if not (eps > 0 and math.isfinite(eps)):
            raise ValueError(f"eps must be a positive finite number, got {eps}")
        self.name = name
        self.batch_size = {"gd": None, "sgd": 1, "minibatch": batch_size or DEFAULT_MINIBATCH,
                           "newton": None, "lbfgs": None}.get(name, batch_size)
        if name == "newton":
            self.rule = Newton()
        elif name == "lbfgs":
            self.rule = LBFGS()
        elif name in ("momentum", "nesterov"):
            self.rule = (Momentum if name == "momentum" else Nesterov)(momentum)
        elif name == "adam":
            self.rule = Adam(beta1, beta2, eps)
        else:
            self.rule = UpdateRule()

    @property
    def second_order(self) -> bool:
        """Whether this is newton or lbfgs: a step is :meth:`iterate`, not :meth:`apply`."""
        return self.name in SECOND_ORDER_OPTIMIZERS

    def check_penalty(self, l1: float) -> None:
        """A ValueError when this optimizer cannot minimize an objective with ``l1 > 0``."""
        if l1 and self.second_order:
            raise ValueError(f"the {self.name} optimizer needs a smooth objective: it cannot be used with "
                             f"l1 > 0 (l1 = {l1:g}); use l1 0 or a first-order optimizer")

    def apply(self, params: list[np.ndarray], grads: list[np.ndarray], lr: float, l1: float = 0.0) -> None:
        """One update of ``params`` in place; ``l1`` penalizes ``params[0]`` (the weights)."""
        self.rule.apply(params, grads, lr, l1)

    def iterate(self, objective: Objective, params: list[np.ndarray], current: Evaluation, l2: float
                ) -> Evaluation:
        """newton or lbfgs: one iteration on the full objective (L2 weight ``l2``) from
        ``params = [W, b]`` (updated in place), ``current`` their evaluation with gradient;
        returns the evaluation at the new parameters (:mod:`.second_order`)."""
        return self.rule.iterate(objective, params, current, l2)

    @property
    def stall(self) -> str:
        """Why a second-order optimizer's last step could not move although it predicted a
        decrease ("" if it moved, or for the others): the run cannot go on from there."""
        return getattr(self.rule, "stall", "")

    def reset(self) -> None:
        self.rule.reset()
