"""What the loss-landscape view shows, without Textual: the slice, its extent and each frame.

The view is the objective on a 2-D slice of parameter space through the current parameters
(:mod:`softmax_tui.engine.landscape`), spanned by the top two Hessian eigenvectors (the
default) or by two chosen parameters, drawn like the decision map in half blocks: ``cols x
rows`` cells are ``cols x 2 rows`` pixels, each one the objective at its centre (``alpha``
across, ``beta`` up). Pixels are square in parameter units (the axis with room to spare is
widened), so a narrow valley looks narrow: the condition number is visible.

Large data costs more per grid point (``O(n K)`` each), so the grid is coarsened by a whole
factor until ``points x n <= GRID_WORK``, and each pixel shows the value at the centre of its
block (``LandscapeFrame.block`` says how many pixels a side a block is).

A frame is built in a worker thread (:meth:`LandscapeView.frame`, all the model work) and
only painted by the widget (:mod:`.widgets.landscape`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from softmax_tui.engine.curvature import Hessian, spectrum_of
from softmax_tui.engine.landscape import (
    bands,
    curvatures,
    half_widths,
    level_values,
    parameter_direction,
    project,
    slice_objective,
    stack_parameters,
)

from .mapview import Viewport

#: Grid points x samples per frame at most (about a second's work here, see the README).
GRID_WORK = 100_000_000
#: Bands of the picture: ``LEVELS - 1`` level lines at the grid's quantiles.
LEVELS = 8


@dataclass(frozen=True)
class SliceChoice:
    """Which slice the view shows: the top two Hessian eigenvectors (``parameters`` None), or
    the two parameters ``(p, q)`` (flat indices ``k (d+1) + j`` in the ``[W | b]`` layout,
    distinct) along ``alpha`` and ``beta``."""

    parameters: tuple[int, int] | None = None

    def __post_init__(self) -> None:
        if self.parameters is not None and self.parameters[0] == self.parameters[1]:
            raise ValueError("a slice needs two different parameters")


EIGENVECTORS = SliceChoice()


@dataclass(frozen=True, eq=False)
class LandscapeFrame:
    """Everything the landscape view shows for one run state, computed once.

    ``viewport`` has the extent in ``(alpha, beta)``; ``values`` (2 rows, cols) is the
    objective at each pixel (the centre of its ``block`` x ``block`` block), ``levels`` the
    level values and ``band`` (2 rows, cols) each pixel's band (0 the lowest). ``path_cols``,
    ``path_rows`` are the cells the projected trajectory passes through, in order, ending at
    the current point's cell ``current`` (the slice's origin). ``labels`` name the axes,
    ``off_plane`` is the trajectory's largest distance off the slice (0 without one), and
    ``seconds`` the time the frame took to build."""

    viewport: Viewport
    values: np.ndarray
    levels: np.ndarray
    band: np.ndarray
    path_cols: np.ndarray
    path_rows: np.ndarray
    current: tuple[int, int]
    labels: tuple[str, str]
    choice: SliceChoice
    step: int
    loss: float
    value_range: tuple[float, float]
    off_plane: float
    block: int
    seconds: float


class LandscapeView:
    """The landscape of one run: its training data ``X`` (n, d), labels ``y`` (n,) and the
    names (already made visible, see :mod:`.safe_text`) of its classes and model features."""

    def __init__(self, X: np.ndarray, y: np.ndarray, class_names: Sequence[str], feature_names: Sequence[str]) -> None:
        self.X, self.y = X, y
        self.class_names, self.feature_names = tuple(class_names), tuple(feature_names)

    @property
    def n_parameters(self) -> int:
        """K (d+1)."""
        return len(self.class_names) * (len(self.feature_names) + 1)

    def parameter_name(self, index: int) -> str:
        """``w[class, feature]`` or ``b[class]`` for flat parameter ``index`` (``k (d+1) + j``)."""
        k, j = divmod(index, len(self.feature_names) + 1)
        if j == len(self.feature_names):
            return f"b[{self.class_names[k]}]"
        return f"w[{self.class_names[k]}, {self.feature_names[j]}]"

    def grid_block(self, cols: int, rows: int) -> int:
        """The side, in pixels, of the blocks one grid point covers on ``cols x rows`` cells:
        1 unless the data is large (module docstring)."""
        n, block = max(len(self.X), 1), 1
        while math.ceil(cols / block) * math.ceil(2 * rows / block) * n > GRID_WORK and block < max(cols, 2 * rows):
            block += 1
        return block

    def frame(self, W: np.ndarray, b: np.ndarray, step: int, l2: float, l1: float, trajectory: np.ndarray,
              choice: SliceChoice, cols: int, rows: int) -> LandscapeFrame:
        """The frame for parameters W (K, d), b (K,) at ``step`` with penalties ``l2``, ``l1``,
        the past points ``trajectory`` (m, K, d+1) (``[W | b]`` layout, oldest first), on
        ``cols x rows`` cells (both >= 1)."""
        started = time.perf_counter()
        K, d = W.shape
        theta = stack_parameters(W, b)
        hessian = Hessian(W, b, self.X, l2)
        if choice.parameters is None:
            found = spectrum_of(hessian, top_only=True)  # the top two directions only
            directions = found.top_directions
            curvature = curvatures(hessian, directions)
            labels = tuple(f"eigvec {i + 1} (λ={c:.3g})" for i, c in enumerate(curvature))
        else:
            directions = np.stack([parameter_direction(K, d, p) for p in choice.parameters])
            curvature = curvatures(hessian, directions)
            labels = tuple(self.parameter_name(p) for p in choice.parameters)
        path = project(trajectory, theta, directions) if len(trajectory) else None
        reach = np.zeros(2) if path is None else np.array([np.abs(path.alpha).max(), np.abs(path.beta).max()])
        half = half_widths(curvature, reach, float(np.linalg.norm(theta)))
        unit = max(2 * half[0] / cols, 2 * half[1] / (2 * rows))  # square pixels
        viewport = Viewport((-unit * cols / 2, unit * cols / 2, -unit * rows, unit * rows), cols, rows)
        block = self.grid_block(cols, rows)
        values = self._values(W, b, l2, l1, directions, viewport, block)
        levels = level_values(values, LEVELS)
        if path is None:
            path_cols = path_rows = np.empty(0, dtype=np.int64)
        else:
            path_cols, path_rows = _path_cells(viewport, np.append(path.alpha, 0.0), np.append(path.beta, 0.0))
        current = viewport.cell_of(0.0, 0.0)
        finite = values[np.isfinite(values)]
        value_range = (float(finite.min()), float(finite.max())) if len(finite) else (math.nan, math.nan)
        centre = slice_objective(self.X, self.y, W, b, directions, np.zeros(1), np.zeros(1), l2, l1)[0, 0]
        return LandscapeFrame(viewport, values, levels, bands(values, levels), path_cols, path_rows, current,
                              labels, choice, step, float(centre), value_range,
                              0.0 if path is None else float(path.off_plane.max()), block,
                              time.perf_counter() - started)

    def _values(self, W, b, l2: float, l1: float, directions: np.ndarray, viewport: Viewport,
                block: int) -> np.ndarray:
        """The objective (2 rows, cols) at the pixels of ``viewport``, evaluated once per
        ``block`` x ``block`` block of pixels (at its centre) and repeated over it."""
        s0, s1, t0, t1 = viewport.extent
        width, height = viewport.cols, 2 * viewport.rows
        pixel = (s1 - s0) / width
        alphas = s0 + (np.arange(math.ceil(width / block)) * block + block / 2) * pixel
        betas = t1 - (np.arange(math.ceil(height / block)) * block + block / 2) * pixel
        coarse = slice_objective(self.X, self.y, W, b, directions, alphas, betas, l2, l1)
        return np.repeat(np.repeat(coarse, block, axis=0), block, axis=1)[:height, :width]


def _path_cells(viewport: Viewport, alpha: np.ndarray, beta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The cells ``(cols, rows)`` a polyline through the points ``(alpha, beta)`` passes
    through, in order (sampled at least once per cell along each segment), those on the view
    only, with consecutive repeats dropped."""
    ds, dt = viewport.cell_size
    s0, _, _, t1 = viewport.extent
    x, yv = (alpha - s0) / ds, (t1 - beta) / dt  # continuous cell coordinates
    xs, ys = [x[:1]], [yv[:1]]
    for i in range(1, len(x)):
        n = int(min(max(abs(x[i] - x[i - 1]), abs(yv[i] - yv[i - 1])), 4 * (viewport.cols + viewport.rows))) + 1
        t = np.arange(1, n + 1) / n
        xs.append(x[i - 1] + t * (x[i] - x[i - 1]))
        ys.append(yv[i - 1] + t * (yv[i] - yv[i - 1]))
    col, row = np.floor(np.concatenate(xs)).astype(np.int64), np.floor(np.concatenate(ys)).astype(np.int64)
    keep = viewport.contains(col, row)
    col, row = col[keep], row[keep]
    new = np.r_[True, (np.diff(col) != 0) | (np.diff(row) != 0)]
    return col[new], row[new]
