"""The objective on a 2-D slice of parameter space through the current parameters.

**Slice.** With the parameters ``theta = [W | b]`` (K x (d+1), class k's weights then its
bias, as in :mod:`.curvature`) and two orthonormal directions ``u``, ``v`` of the same
shape, the slice is ``f(alpha, beta) = F(theta + alpha u + beta v)``, where ``F`` is the
training objective of :mod:`.objective`: mean cross-entropy + ``(l2/2) ||W||^2 + l1 ||W||_1``.
The directions are either the top two Hessian eigenvectors (:func:`~.curvature.spectrum`) or
two single parameters (unit vectors ``e_{k,j}``, :func:`parameter_direction`, the bias
``j = d`` included).

**Cost.** The logits are affine in ``(alpha, beta)``: ``Z = Z0 + alpha Z1 + beta Z2`` with
``Z0 = W X^T + b``, ``Z1 = u_W X^T + u_b`` and ``Z2 = v_W X^T + v_b`` (K x n each), and so is
the mean true-class logit. One product of X with the three stacked weight matrices (one pass
over X, ``O(3 n d K)``) gives all three; each grid point then costs ``O(n K)`` element-wise
work (a log-sum-exp per sample) and no pass over X: a grid of G points costs
``O(n d K + G n K)`` instead of ``O(G n d K)``. The penalty is evaluated at each point with
:func:`~.objective.penalty` (``O(K d)``).

**Trajectory.** A past point ``theta_t`` projects onto the slice at
``(alpha_t, beta_t) = (<theta_t - theta, u>, <theta_t - theta, v>)`` (exact for orthonormal
``u, v``: the nearest point of the plane), at distance ``||theta_t - theta - alpha_t u -
beta_t v||`` off it.

**Extent.** Along each direction the slice reaches ``max(REACH_MARGIN * r, min(
CURVATURE_REACH / sqrt(c), FLAT_REACH * max(1, ||theta||)))``, where ``r`` is the trajectory's
largest ``|alpha_t|`` (or ``|beta_t|``) and ``c = u^T H u`` the objective's curvature along the
direction (the eigenvalue for an eigenvector; Hessian of :mod:`.curvature`). So the whole
path is in view, and at step 0 the quadratic model ``f ~ f(0) + g alpha + c alpha^2 / 2`` rises
by ``CURVATURE_REACH^2 / 2`` nats at the edge: the bowl's curvature is visible. A flat
direction (``c`` near 0) is capped at a few times the parameters' own size.

**Levels.** Level lines are drawn at the quantiles ``1/L, ..., (L-1)/L`` of the grid's
values (:func:`level_values`): each band between two levels covers the same share of the
picture, so the lines stay spread over it whether the objective is a narrow valley or a wide
bowl (a colour scale on value alone would spend itself on the far, steep edges).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .curvature import Hessian
from .objective import penalty

#: The slice reaches this much beyond the trajectory's farthest projection.
REACH_MARGIN = 1.15
#: At ``CURVATURE_REACH / sqrt(c)`` along a direction of curvature ``c`` the quadratic model
#: has risen by ``CURVATURE_REACH^2 / 2`` = 2 nats.
CURVATURE_REACH = 2.0
#: ... but at most this many times ``max(1, ||theta||)`` (flat directions).
FLAT_REACH = 4.0
#: Grid points evaluated together are chunked to keep ``points x K x n`` within this.
_CHUNK_VALUES = 1 << 20


def parameter_direction(n_classes: int, n_features: int, index: int) -> np.ndarray:
    """The unit vector ``e_{k,j}`` (K, d+1) of parameter ``index = k (d+1) + j`` (``j = d``:
    class k's bias). An IndexError outside ``[0, K (d+1))``."""
    size = n_classes * (n_features + 1)
    if not 0 <= index < size:
        raise IndexError(f"parameter {index} of {size}")
    e = np.zeros(size)
    e[index] = 1.0
    return e.reshape(n_classes, n_features + 1)


def stack_parameters(W: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``[W | b]`` (K, d+1) from W (K, d) and b (K,)."""
    return np.hstack([np.asarray(W, float), np.asarray(b, float)[:, None]])


@dataclass(frozen=True)
class Projection:
    """Points projected onto a slice: their coordinates ``alpha``, ``beta`` (m,) and their
    distances off the plane ``off_plane`` (m,), all in parameter units (module docstring)."""

    alpha: np.ndarray
    beta: np.ndarray
    off_plane: np.ndarray


def project(points: np.ndarray, origin: np.ndarray, directions: np.ndarray) -> Projection:
    """Project ``points`` (m, K, d+1) onto the plane through ``origin`` (K, d+1) spanned by
    the orthonormal ``directions`` (2, K, d+1) (module docstring). A ValueError unless the
    directions are orthonormal to 1e-9."""
    U = directions.reshape(2, -1)
    if np.abs(U @ U.T - np.eye(2)).max() > 1e-9:
        raise ValueError("the slice's directions must be orthonormal")
    delta = points.reshape(len(points), -1) - origin.ravel()
    coords = delta @ U.T  # (m, 2)
    rest = delta - coords @ U
    return Projection(coords[:, 0], coords[:, 1], np.sqrt(np.einsum("ij,ij->i", rest, rest)))


def curvatures(hessian: Hessian, directions: np.ndarray) -> np.ndarray:
    """``u^T H u`` (2,) for each unit direction (2, K, d+1): the objective's second
    derivative along it (Hessian-vector products, :meth:`Hessian.product`)."""
    return np.array([float((u * hessian.product(u)).sum()) for u in directions])


def half_widths(curvature: np.ndarray, reach: np.ndarray, theta_norm: float) -> np.ndarray:
    """How far (2,) the slice reaches along each direction, given the curvatures (2,), the
    trajectory's reach (2,) (largest ``|alpha_t|``, ``|beta_t|``; 0 without a trajectory) and
    ``||theta||`` (module docstring, "Extent"). Always positive and finite."""
    flat = FLAT_REACH * max(1.0, theta_norm)
    with np.errstate(divide="ignore"):
        bowl = np.where(curvature > 0, CURVATURE_REACH / np.sqrt(np.maximum(curvature, 0.0)), flat)
    return np.maximum(REACH_MARGIN * np.asarray(reach, float), np.minimum(bowl, flat))


def slice_objective(X: np.ndarray, y: np.ndarray, W: np.ndarray, b: np.ndarray, directions: np.ndarray,
                    alphas: np.ndarray, betas: np.ndarray, l2: float = 0.0, l1: float = 0.0) -> np.ndarray:
    """The objective ``F(theta + alpha u + beta v)`` on the grid ``betas x alphas``, as an
    array (len(betas), len(alphas)): row ``i`` is ``beta = betas[i]``.

    X (n, d) training data, y (n,) integer labels in ``0..K-1``, W (K, d), b (K,), directions
    (2, K, d+1) in the ``[W | b]`` layout (need not be orthonormal here), ``l2``, ``l1`` the
    penalties. Equal to :meth:`Objective.evaluate` at each point to rounding; cost in the
    module docstring. Non-finite parameters give non-finite values (no error)."""
    X = np.asarray(X, float)
    y = np.asarray(y, dtype=np.intp)
    W, b = np.asarray(W, float), np.asarray(b, float)
    K, n = W.shape[0], X.shape[0]
    alphas, betas = np.asarray(alphas, float), np.asarray(betas, float)
    stacked = np.concatenate([W, directions[0, :, :-1], directions[1, :, :-1]])  # (3K, d)
    Z = stacked @ X.T  # one pass over X
    Z += np.concatenate([b, directions[0, :, -1], directions[1, :, -1]])[:, None]
    Z0, Z1, Z2 = Z[:K], Z[K:2 * K], Z[2 * K:]
    true = np.arange(n)
    t0, t1, t2 = (float(Zc[y, true].mean()) for Zc in (Z0, Z1, Z2))  # the mean true logit, affine too
    chunk = max(1, _CHUNK_VALUES // max(K * n, 1))
    out = np.empty((len(betas), len(alphas)))
    with np.errstate(over="ignore", invalid="ignore"):
        for i, beta in enumerate(betas):
            base = Z0 + beta * Z2
            for start in range(0, len(alphas), chunk):
                a = alphas[start:start + chunk]
                L = base[None] + a[:, None, None] * Z1[None]  # (chunk, K, n)
                top = L.max(axis=1)
                L -= top[:, None, :]
                np.exp(L, out=L)
                lse = np.log(L.sum(axis=1)) + top  # (chunk, n)
                out[i, start:start + chunk] = lse.mean(axis=1) - (t0 + a * t1 + beta * t2)
        for i, beta in enumerate(betas):
            W_beta = W + beta * directions[1, :, :-1]
            for j, alpha in enumerate(alphas):
                out[i, j] += penalty(W_beta + alpha * directions[0, :, :-1], l2, l1)
    return out


def level_values(values: np.ndarray, count: int) -> np.ndarray:
    """``count - 1`` increasing level values at the quantiles ``1/count, ..., (count-1)/count``
    of the finite ``values`` (module docstring, "Levels"); repeated quantiles (a plateau)
    are kept once. Empty when no value is finite."""
    finite = values[np.isfinite(values)]
    if not len(finite):
        return np.empty(0)
    return np.unique(np.quantile(finite, np.arange(1, count) / count))


def bands(values: np.ndarray, levels: np.ndarray) -> np.ndarray:
    """The band (int) of each value: how many levels are at or below it (0 under the lowest
    level, ``len(levels)`` above the highest; non-finite values are in the top band)."""
    out = np.searchsorted(levels, np.nan_to_num(values, nan=math.inf), side="right")
    return out.astype(np.int64)
