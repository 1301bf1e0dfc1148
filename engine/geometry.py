"""Decision-map geometry: a 2-D plane through feature space, and the class boundaries in it.

A :class:`Plane` maps map coordinates ``(s, t)`` to feature space by
``x = origin + s u + t v``. For d = 2 it is the data plane itself; for d > 2 it passes
through the data mean, spanned by the top two principal components (default) or by two
chosen feature axes. Restricted to the plane, the logits are affine in ``(s, t)``:

    z(s, t) = W (origin + s u + t v) + b = A [s, t] + c,   A = W [u v] (K x 2),  c = W origin + b.

The boundary between classes i and j is where their logits tie (seed 000):
``(A_i - A_j) . [s, t] + (c_i - c_j) = 0``. With three classes the three pairwise lines
always meet in one point (or are parallel): where z_1 = z_2 and z_1 = z_3, z_2 = z_3 too.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: A principal component whose singular value is at most this share of the first one's has
#: no spread of its own: it is rounding noise. Data that passed through float64 arithmetic
#: (a column computed as 3 * another, standardization) carries relative errors of order eps,
#: which the SVD turns into singular values of order ``eps * max(n, d)`` of the first one
#: (numpy's ``matrix_rank`` tolerance: about 2e-10 at a million rows); ``sqrt(eps)`` (1.5e-8)
#: stays well above that at any size we load, while a real second direction that thin (a
#: variance share below 2e-16) could not be told from such noise anyway.
NO_SPREAD = float(np.sqrt(np.finfo(np.float64).eps))
#: The label of a second map axis that does not exist: the data spans one direction.
ONE_DIMENSIONAL = "1-D data"


@dataclass(frozen=True)
class Plane:
    origin: np.ndarray  # (D,)
    u: np.ndarray  # (D,) first direction
    v: np.ndarray  # (D,) second direction
    labels: tuple[str, str]  # axis labels

    @property
    def flat(self) -> bool:
        """Whether the plane is a line: no second direction (``v`` is zero), so every point
        is at ``t = 0``."""
        return not np.any(self.v)

    @property
    def basis(self) -> np.ndarray:
        """The (D, 2) matrix ``[u v]``."""
        return np.column_stack([self.u, self.v])

    def project(self, X) -> np.ndarray:
        """Map coordinates (n, 2) of points X (n, D): the least-squares ``(s, t)`` for each point
        (the orthogonal projection when u and v are orthonormal)."""
        X = np.asarray(X, dtype=np.float64)
        st, *_ = np.linalg.lstsq(self.basis, (X - self.origin).T, rcond=None)
        return st.T

    def lift(self, st) -> np.ndarray:
        """Feature-space points ``origin + s u + t v`` (n, D) from map coordinates (n, 2)."""
        st = np.asarray(st, dtype=np.float64)
        return self.origin + st @ self.basis.T


def axis_plane(X, i: int, j: int, feature_names) -> Plane:
    """The plane of features ``i`` and ``j`` with the other features held at their mean;
    its map coordinates are the raw values of those two features."""
    X = np.asarray(X, dtype=np.float64)
    d = X.shape[1]
    origin = _mean(X)
    origin[[i, j]] = 0.0
    u, v = np.eye(d)[i], np.eye(d)[j]
    return Plane(origin, u, v, (feature_names[i], feature_names[j]))


def pca_plane(X) -> Plane:
    """The plane through the mean of X spanned by its top two principal components,
    labelled with the share of variance each explains. A second component without spread
    (see ``NO_SPREAD``: the data lies on a line) is left out: the plane is :attr:`~Plane.flat`
    and its second label says the data is one-dimensional."""
    X = np.asarray(X, dtype=np.float64)
    mean = _mean(X)
    with np.errstate(over="ignore"):
        centred = X - mean
    if not np.isfinite(centred).all():  # values near the float64 limit: halved, same directions
        centred = X / 2 - mean / 2
    _, sv, vt = np.linalg.svd(centred, full_matrices=False)
    var = sv**2
    share = var / var.sum() if var.sum() > 0 else np.zeros_like(var)
    u = vt[0]
    if len(sv) > 1 and sv[1] > NO_SPREAD * sv[0]:
        return Plane(mean, u, vt[1], (f"PC1 ({share[0]:.0%})", f"PC2 ({share[1]:.0%})"))
    return Plane(mean, u, np.zeros_like(u), (f"PC1 ({share[0]:.0%})", ONE_DIMENSIONAL))


def _mean(X: np.ndarray) -> np.ndarray:
    """Column means; where the sum overflows (values near the float64 limit), the sum of x/n."""
    with np.errstate(over="ignore"):
        mean = X.mean(axis=0)
    return mean if np.isfinite(mean).all() else (X / len(X)).sum(axis=0)


def default_plane(X, feature_names) -> Plane:
    """The data plane for d = 2 (axes x1, x2 as named), else the top-two-PC plane."""
    X = np.asarray(X, dtype=np.float64)
    return axis_plane(X, 0, 1, feature_names) if X.shape[1] == 2 else pca_plane(X)


def plane_logits(W, b, plane: Plane) -> tuple[np.ndarray, np.ndarray]:
    """``(A, c)`` with ``z(s, t) = A [s, t] + c`` on the plane: ``A = W [u v]``, ``c = W origin + b``."""
    W = np.asarray(W, dtype=np.float64)
    return W @ plane.basis, W @ plane.origin + np.asarray(b, dtype=np.float64)


@dataclass(frozen=True)
class Boundary:
    """The line ``a[0] s + a[1] t + c = 0`` where classes i and j tie."""

    i: int
    j: int
    a: np.ndarray
    c: float


def pairwise_boundaries(A, c) -> list[Boundary]:
    """All K(K-1)/2 tie lines ``(A_i - A_j) . p + (c_i - c_j) = 0`` (i < j).
    A pair whose logit difference is constant on the plane has no line and is left out."""
    A, c = np.asarray(A, dtype=np.float64), np.asarray(c, dtype=np.float64)
    lines = []
    for i in range(len(c)):
        for j in range(i + 1, len(c)):
            a = A[i] - A[j]
            if np.any(a != 0):
                lines.append(Boundary(i, j, a, float(c[i] - c[j])))
    return lines


def triple_point(A, c, rcond: float = 1e-12) -> np.ndarray | None:
    """For three classes, the point where all three tie lines meet, or ``None`` if parallel.

    Solves ``(A_1 - A_2) p = c_2 - c_1`` and ``(A_1 - A_3) p = c_3 - c_1``; the third
    equation is their difference, so it holds there too (seed 000's exercise 1).
    """
    A, c = np.asarray(A, dtype=np.float64), np.asarray(c, dtype=np.float64)
    if len(c) != 3:
        raise ValueError("the triple point is defined for three classes")
    M = np.array([A[0] - A[1], A[0] - A[2]])
    rhs = np.array([c[1] - c[0], c[2] - c[0]])
    if abs(np.linalg.det(M)) <= rcond * max(1.0, np.abs(M).max() ** 2):
        return None
    return np.linalg.solve(M, rhs)


def grid(extent: tuple[float, float, float, float], nx: int, ny: int) -> np.ndarray:
    """Cell-centre map coordinates (ny * nx, 2), row by row from the top (t = t_max) down.

    ``extent`` is ``(s_min, s_max, t_min, t_max)``.
    """
    s0, s1, t0, t1 = extent
    s = s0 + (np.arange(nx) + 0.5) * ((s1 - s0) / nx)
    t = t1 - (np.arange(ny) + 0.5) * ((t1 - t0) / ny)
    ss, tt = np.meshgrid(s, t)
    return np.column_stack([ss.ravel(), tt.ravel()])
