"""What the decision map shows, without Textual: the plane, the extent, the points and each frame.

Map coordinates ``(s, t)`` are the raw input columns for data with one or two columns (even
when feature transforms such as ``x1^2`` feed the model), and the top two principal
components of the standardized training data otherwise (validation rows are projected onto
the same plane). A terminal cell is about twice as tall as it
is wide, so the map is drawn with half blocks: a cell is two square *pixels*, one above
the other, and the map of ``cols x rows`` cells is a grid of ``cols x 2 rows`` pixels.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from softmax_tui.datasets import Pipeline
from softmax_tui.engine import (
    ONE_DIMENSIONAL,
    Plane,
    SoftmaxRegression,
    default_plane,
    grid,
    pairwise_boundaries,
    plane_logits,
)

from .safe_text import visible, visible_all

if TYPE_CHECKING:
    from .session import Session

#: At most this many training points, chosen at random, can be drawn (and clicked); all of them
#: still train. Validation points are chosen at the same rate (``ceil(MAX_DRAWN_POINTS *
#: n_val / n_train)`` of them at most), so that both sets are sampled alike.
MAX_DRAWN_POINTS = 2000
#: A map of ``cols x rows`` cells shows ``POINTS_PER_CELL * cols * rows`` of those, again at
#: random (at least ``MIN_SHOWN_POINTS``), so that the probabilities stay visible between them;
#: of the drawn validation points, the same share (rounded up).
POINTS_PER_CELL = 0.3
MIN_SHOWN_POINTS = 50
#: The data's bounding box is widened by this share of its span on every side.
MARGIN = 0.08
#: The map's box is kept within +-this, so that its widths, centres and stretched ranges
#: (up to ``MAX_ASPECT_STRETCH`` times a width) stay finite for data near the float64 limit.
BOX_LIMIT = float(np.finfo(float).max) / 8
#: For square pixels one axis range is widened to match the other's scale, but by at most
#: this factor: data whose two columns have very different units is stretched instead.
MAX_ASPECT_STRETCH = 3.0
#: With up to this many classes every pairwise tie line is drawn across the whole map, as in
#: seed 000; with more, only the parts that are actual decision boundaries.
FULL_LINES_MAX_CLASSES = 4


@dataclass(frozen=True)
class Selection:
    """What the Jacobian panel explains: a data point by index (a row of the map's data: a
    training row, or ``n_train + i`` for validation row ``i``), or a free location ``(s, t)``
    in map coordinates (which has no label). Exactly one is set."""

    index: int | None = None
    location: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        if (self.index is None) == (self.location is None):
            raise ValueError("a Selection is either a point index or a location")

    @classmethod
    def point(cls, index: int) -> Selection:
        return cls(index=int(index))

    @classmethod
    def at(cls, s: float, t: float) -> Selection:
        return cls(location=(float(s), float(t)))


@dataclass(frozen=True)
class Viewport:
    """``cols x rows`` terminal cells showing ``extent = (s_min, s_max, t_min, t_max)``.

    Cell ``(col, row)`` covers ``s`` in ``[s_min + col ds, s_min + (col + 1) ds)`` and, from
    the top, ``t`` in ``(t_max - (row + 1) dt, t_max - row dt]``; its upper pixel is pixel
    row ``2 row`` and its lower one ``2 row + 1``.
    """

    extent: tuple[float, float, float, float]
    cols: int
    rows: int

    @property
    def cell_size(self) -> tuple[float, float]:
        """``(ds, dt)``: the map width and height of one cell."""
        s0, s1, t0, t1 = self.extent
        return (s1 - s0) / self.cols, (t1 - t0) / self.rows

    def pixel_centres(self) -> np.ndarray:
        """Map coordinates (2 rows * cols, 2) of every pixel centre, row by row from the top."""
        return grid(self.extent, self.cols, 2 * self.rows)

    def cells_of(self, st) -> tuple[np.ndarray, np.ndarray]:
        """``(cols, rows)`` integer arrays of the cells holding points ``st`` (n, 2); points
        outside the map get cells outside ``0..cols-1`` x ``0..rows-1``."""
        st = np.asarray(st, dtype=np.float64).reshape(-1, 2)
        s0, _, _, t1 = self.extent
        ds, dt = self.cell_size
        with np.errstate(invalid="ignore"):
            col = np.floor((st[:, 0] - s0) / ds)
            row = np.floor((t1 - st[:, 1]) / dt)
        col = np.clip(np.where(np.isfinite(col), col, -1), -1, self.cols)
        row = np.clip(np.where(np.isfinite(row), row, -1), -1, self.rows)
        return col.astype(np.int64), row.astype(np.int64)

    def cell_of(self, s: float, t: float) -> tuple[int, int]:
        """The cell ``(col, row)`` holding map point ``(s, t)``."""
        col, row = self.cells_of([[s, t]])
        return int(col[0]), int(row[0])

    def contains(self, col, row) -> np.ndarray:
        """Whether cells are on the map."""
        return (col >= 0) & (col < self.cols) & (row >= 0) & (row < self.rows)

    def cell_centre(self, col: int, row: int) -> tuple[float, float]:
        """Map coordinates of the centre of cell ``(col, row)``."""
        s0, _, _, t1 = self.extent
        ds, dt = self.cell_size
        return s0 + (col + 0.5) * ds, t1 - (row + 0.5) * dt

    def step(self, s: float, t: float, dcol: int, drow: int) -> tuple[float, float]:
        """The centre of the cell ``dcol`` right and ``drow`` down from the one holding
        ``(s, t)``, kept on the map (a point off the map starts from the nearest edge)."""
        col, row = self.cell_of(s, t)
        col = int(np.clip(np.clip(col, 0, self.cols - 1) + dcol, 0, self.cols - 1))
        row = int(np.clip(np.clip(row, 0, self.rows - 1) + drow, 0, self.rows - 1))
        return self.cell_centre(col, row)


@dataclass(frozen=True)
class BoundaryTrace:
    """The cells along the tie line of classes ``i`` and ``j``: one per column where the line
    is flatter than a cell's diagonal, else one per row. ``points`` (n, 2) lie exactly on the
    line; ``active`` says where ``i`` and ``j`` are the two most probable classes there, that
    is where the line is a real decision boundary."""

    i: int
    j: int
    points: np.ndarray
    cols: np.ndarray
    rows: np.ndarray
    active: np.ndarray


@dataclass(frozen=True)
class PointCounts:
    """How many points a frame draws of each set, and how many the set has: ``training`` of
    ``training_total`` training points, ``validation`` of ``validation_total`` validation points
    (0 of 0 when the run holds none out; 0 of them when they are hidden). A point counts when
    the frame draws it, even where another point drawn in the same cell covers it."""

    training: int
    training_total: int
    validation: int = 0
    validation_total: int = 0

    @property
    def complete(self) -> bool:
        """Every point of both sets is drawn."""
        return self.training == self.training_total and self.validation == self.validation_total


@dataclass(frozen=True)
class _Shown:
    """What every frame in one viewport shares: the model inputs at the pixel centres, and
    the drawn points the viewport shows that fall on the map (index, cell, label, model input,
    validation or not), with the validation points last."""

    viewport: Viewport
    validation: bool
    pixels: np.ndarray
    index: np.ndarray
    cols: np.ndarray
    rows: np.ndarray
    label: np.ndarray
    X: np.ndarray
    held_out: np.ndarray


@dataclass(frozen=True, eq=False)
class MapFrame:
    """Everything the decision map shows for one ``(W, b)`` in one viewport: all that needs
    the model, computed once (see :meth:`MapView.frame`), so that the widget only paints.

    ``proba`` (2 rows, cols, K) is the model's probability vector at each pixel centre.
    The points are those the viewport shows that fall on the map: their ``index`` (row of the
    map's data), map cell, class, whether the model gets them wrong and whether they are
    ``held_out`` (validation points, there when ``validation`` is asked for), in drawing
    order: misclassified ones last (on top), and among equals training points after
    validation points (the points the model fits are not hidden under held-out ones).
    ``counts`` says how many of each set that is.
    ``selection`` is what is marked; ``selected`` is the selected point's class, whether the
    model gets it wrong and whether it is a validation point (None for a free location or no
    selection). ``traces`` are the tie lines when ``boundaries`` are asked for and straight
    (None when they are hidden or curved).
    """

    viewport: Viewport
    proba: np.ndarray
    index: np.ndarray
    cols: np.ndarray
    rows: np.ndarray
    label: np.ndarray
    wrong: np.ndarray
    held_out: np.ndarray
    counts: PointCounts
    selection: Selection | None
    selected: tuple[int, bool, bool] | None
    boundaries: bool
    validation: bool
    traces: tuple[BoundaryTrace, ...] | None

    @property
    def curved(self) -> bool:
        """Boundaries asked for that are curves (nonlinear features): no lines are traced,
        the probabilities show them."""
        return self.boundaries and self.traces is None


class MapView:
    """The decision map of one session: built once from the raw data, then asked for a
    :class:`MapFrame` for each ``(W, b)``, selection and viewport.

    ``X_raw`` (n, d0) are the training rows to draw as points, before the ``pipeline`` (or
    the whole dataset), ``y`` their labels; ``validation`` is ``(X_val_raw, y_val)``, the
    held-out rows, or None. Point indices taken and returned here index the training rows
    followed by the validation rows (validation row ``i`` is ``n_train + i``).
    ``feature_names`` are the d0 raw column names.
    """

    @classmethod
    def of_session(cls, session: Session) -> MapView:
        """The map of a run's data: its training rows, and its validation rows if it holds
        some out."""
        dataset, prepared = session.dataset, session.prepared
        rows, held_out = prepared.train_index, prepared.val_index
        validation = (dataset.X[held_out], dataset.y[held_out]) if prepared.X_val is not None else None
        return cls(dataset.X[rows], dataset.y[rows], session.pipeline, dataset.feature_names,
                   visible_all(dataset.class_names), validation=validation)

    def __init__(
        self,
        X_raw,
        y,
        pipeline: Pipeline,
        feature_names: Sequence[str],
        class_names: Sequence[str],
        max_points: int = MAX_DRAWN_POINTS,
        *,
        validation: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> None:
        X_raw = np.asarray(X_raw, dtype=np.float64)
        y = np.asarray(y)
        #: How many of the rows are training rows (the rest are validation rows).
        self.n_train = n = len(X_raw)
        if validation is not None:
            X_raw = np.concatenate([X_raw, np.asarray(validation[0], dtype=np.float64)])
            y = np.concatenate([y, np.asarray(validation[1])])
        self.pipeline = pipeline
        self.class_names = tuple(class_names)
        d0 = X_raw.shape[1]
        self._in_model_space = d0 > 2
        # Map coordinates of every row: the raw columns themselves for d0 <= 2 (the plane's
        # lift is then the identity), else the projection onto the training rows' principal plane.
        if d0 == 1:
            self.plane = Plane(np.zeros(1), np.ones(1), np.zeros(1), (visible(feature_names[0]), ONE_DIMENSIONAL))
            self._st = np.column_stack([X_raw[:, 0], np.zeros(len(X_raw))])
        elif d0 == 2:
            self.plane = default_plane(X_raw[:n], visible_all(feature_names))
            self._st = X_raw
        else:
            X_model = pipeline.transform(X_raw)
            self.plane = default_plane(X_model[:n], visible_all(pipeline.feature_names))
            self._st = self.plane.project(X_model)
        self._X_raw, self._y = X_raw, y
        rng = np.random.default_rng(0)
        #: Indices of the training points that can be drawn, sorted (all of them for up to
        #: ``max_points`` points); the same data gives the same choice.
        self.drawn = np.sort(rng.choice(n, min(n, max_points), replace=False))
        self._rank = rng.permutation(len(self.drawn))  # a viewport shows the lowest ranks
        n_val = len(X_raw) - n
        rng = np.random.default_rng(1)
        #: Indices of the validation points that can be drawn, sorted, sampled at the rate of
        #: the training points (empty without validation rows).
        self.drawn_validation = n + np.sort(rng.choice(n_val, min(n_val, _share(max_points, n_val, n)), replace=False))
        self._validation_rank = rng.permutation(len(self.drawn_validation))
        self._points = np.concatenate([self.drawn, self.drawn_validation])  # training first
        self._y_points = y[self._points]
        self._X_model_points = pipeline.transform(X_raw[self._points])
        self._data_box = _padded_box(self._st if len(X_raw) else np.zeros((1, 2)))
        self._shown: _Shown | None = None  # for the last viewport asked for
        # the map plane in model space, where the logits are affine in (s, t)
        self._model_plane = None
        if self._in_model_space:
            self._model_plane = self.plane
        elif pipeline.is_affine:
            origin, s_end, t_end = self.model_inputs(np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]]))
            self._model_plane = Plane(origin, s_end - origin, t_end - origin, self.labels)

    @property
    def n_validation(self) -> int:
        """How many validation rows there are (0: the run holds none out)."""
        return len(self._X_raw) - self.n_train

    def is_validation(self, index: int) -> bool:
        """Whether point ``index`` is a validation point."""
        return index >= self.n_train

    @property
    def labels(self) -> tuple[str, str]:
        """Axis labels: the raw column names, or "PC1 (73%)" and "PC2 (23%)"; the second one
        says "1-D data" when the map is :attr:`flat`."""
        return self.plane.labels

    @property
    def flat(self) -> bool:
        """The data spans one direction (one column, or columns on a line): every point is
        at ``t = 0``, and ``t`` means nothing."""
        return self.plane.flat

    def model_input_at(self, s: float, t: float) -> np.ndarray:
        """The model's input x (d,) at map point ``(s, t)``: what the Jacobian panel explains
        for a free location."""
        return self.model_inputs(np.array([[s, t]]))[0]

    def raw_input_at(self, s: float, t: float) -> np.ndarray:
        """The raw row (d0,) at map point ``(s, t)``, the data's columns before the pipeline:
        the plane lifted for raw-column maps (one or two columns, whatever transforms feed the
        model), else the model input mapped back through the standardization."""
        X = self.plane.lift(np.array([[s, t]]))
        return (self.pipeline.inverse_transform(X) if self._in_model_space else X)[0]

    def model_inputs(self, st) -> np.ndarray:
        """Model inputs (n, d) at map points ``st`` (n, 2): the plane lifted, then the
        pipeline for raw-column maps."""
        X = self.plane.lift(st)
        return X if self._in_model_space else self.pipeline.transform(X)

    def coords_of(self, index: int) -> tuple[float, float]:
        """Map coordinates of point ``index`` (drawn or not)."""
        s, t = self._st[index]
        return float(s), float(t)

    def location_of(self, selection: Selection) -> tuple[float, float]:
        """Map coordinates of ``selection``: its point's, or its free location."""
        return self.coords_of(selection.index) if selection.index is not None else selection.location

    def point(self, W, b, index: int) -> tuple[int, bool]:
        """The class of point ``index`` and whether ``(W, b)`` misclassifies it."""
        x = self.pipeline.transform(self._X_raw[index : index + 1])
        label = int(self._y[index])
        return label, bool(SoftmaxRegression(W, b).predict(x)[0] != label)

    def shown(self, viewport: Viewport) -> np.ndarray:
        """Which of the drawn training points ``viewport`` shows: a boolean mask over ``drawn``."""
        return self._rank < self._shown_limit(viewport)

    def shown_validation(self, viewport: Viewport) -> np.ndarray:
        """Which of the drawn validation points ``viewport`` shows, the same share as of the
        training points (rounded up): a boolean mask over ``drawn_validation``."""
        return self._validation_rank < _share(self._shown_limit(viewport), len(self.drawn_validation), len(self.drawn))

    @staticmethod
    def _shown_limit(viewport: Viewport) -> int:
        return max(MIN_SHOWN_POINTS, int(POINTS_PER_CELL * viewport.cols * viewport.rows))

    def nearest_point(self, s: float, t: float, viewport: Viewport | None = None, *, validation: bool = False) -> int:
        """The index of the point nearest to ``(s, t)`` among the training points ``viewport``
        shows (among all drawn training points without one), and its validation points too
        when ``validation``."""
        candidates = self.drawn if viewport is None else self.drawn[self.shown(viewport)]
        if validation:
            held_out = self.drawn_validation
            candidates = np.concatenate([candidates, held_out if viewport is None else
                                         held_out[self.shown_validation(viewport)]])
        st = self._st[candidates]
        return int(candidates[np.argmin(np.sum((st - [s, t]) ** 2, axis=1))])

    def extent_for(self, cols: int, rows: int) -> tuple[float, float, float, float]:
        """The map range for ``cols x rows`` cells: the data with a margin, one axis widened
        (around its centre) so pixels are square, by at most ``MAX_ASPECT_STRETCH``."""
        s0, s1, t0, t1 = self._data_box
        ws, wt = s1 - s0, t1 - t0
        per_s, per_t = ws / max(cols, 1), wt / max(2 * rows, 1)
        if per_s > per_t:
            grow_s, grow_t = 1.0, min(per_s / per_t, MAX_ASPECT_STRETCH)
        else:
            grow_s, grow_t = min(per_t / per_s, MAX_ASPECT_STRETCH), 1.0
        cs, ct = (s0 + s1) / 2, (t0 + t1) / 2
        return cs - ws * grow_s / 2, cs + ws * grow_s / 2, ct - wt * grow_t / 2, ct + wt * grow_t / 2

    def viewport(self, cols: int, rows: int) -> Viewport:
        return Viewport(self.extent_for(cols, rows), cols, rows)

    def frame(self, W, b, viewport: Viewport, selection: Selection | None = None, *,
              boundaries: bool = False, validation: bool = False) -> MapFrame:
        """What the map shows for parameters ``(W, b)`` in ``viewport``: the probability grid,
        the shown points (validation points too if ``validation``), the ``selection`` with its
        point's state and, if ``boundaries``, the tie lines.

        Parameters that are not finite (a diverged run) give probability 0 where the model's
        output is not a number, so such pixels are drawn black."""
        model = SoftmaxRegression(W, b)
        shown = self._shown_in(viewport, validation)
        proba = np.nan_to_num(model.predict_proba(shown.pixels).reshape(2 * viewport.rows, viewport.cols, -1), nan=0.0)
        wrong = model.predict(shown.X) != shown.label
        order = np.lexsort((~shown.held_out, wrong))  # by wrong, then training over validation
        index, label, wrong, held_out = shown.index[order], shown.label[order], wrong[order], shown.held_out[order]
        selected = None
        if selection is not None and selection.index is not None:
            at = np.flatnonzero(index == selection.index)  # a shown point's state is known
            state = (int(label[at[0]]), bool(wrong[at[0]])) if len(at) else self.point(W, b, selection.index)
            selected = (*state, self.is_validation(selection.index))
        n_held_out = int(held_out.sum())
        counts = PointCounts(len(index) - n_held_out, self.n_train, n_held_out, self.n_validation)
        traces = self.boundaries(W, b, viewport) if boundaries else None
        return MapFrame(viewport=viewport, proba=proba, index=index, cols=shown.cols[order], rows=shown.rows[order],
                        label=label, wrong=wrong, held_out=held_out, counts=counts, selection=selection,
                        selected=selected, boundaries=boundaries, validation=validation,
                        traces=None if traces is None else tuple(traces))

    def _shown_in(self, viewport: Viewport, validation: bool) -> _Shown:
        """The pixel inputs and points of ``viewport`` (kept for the last viewport)."""
        if self._shown is None or (self._shown.viewport, self._shown.validation) != (viewport, validation):
            shown = np.concatenate([self.shown(viewport), self.shown_validation(viewport) & validation])
            points = self._points[shown]
            col, row = viewport.cells_of(self._st[points])
            on_map = viewport.contains(col, row)
            held_out = points >= self.n_train
            pixels = self._shown.pixels if self._shown is not None and self._shown.viewport == viewport else \
                self.model_inputs(viewport.pixel_centres())
            self._shown = _Shown(viewport, validation, pixels, points[on_map], col[on_map], row[on_map],
                                 self._y_points[shown][on_map], self._X_model_points[shown][on_map], held_out[on_map])
        return self._shown

    def boundaries(self, W, b, viewport: Viewport) -> list[BoundaryTrace] | None:
        """The tie lines traced over ``viewport``, or None when the pipeline is not affine
        (the boundaries are then curves, visible in the probabilities themselves)."""
        if not self.pipeline.is_affine:
            return None
        A, c = self.logit_plane(W, b)
        if not (np.all(np.isfinite(A)) and np.all(np.isfinite(c))):
            return []
        full = len(c) <= FULL_LINES_MAX_CLASSES
        traces = []
        for line in pairwise_boundaries(A, c):
            trace = _trace(line.i, line.j, line.a, line.c, A, c, viewport)
            if not full:
                trace = _subset(trace, trace.active)
            if len(trace.points):
                traces.append(trace)
        return traces

    def logit_plane(self, W, b) -> tuple[np.ndarray, np.ndarray]:
        """``(A, c)`` with logits ``z(s, t) = A [s, t] + c`` on the map; only for an affine
        pipeline, whose image of the map plane is a plane in model space."""
        return plane_logits(W, b, self._model_plane)


def _share(count: int, part: int, whole: int) -> int:
    """``ceil(count * part / whole)``, in integers (``whole`` 0 counts as 1): how many of
    ``part`` items go with ``count`` of ``whole`` at the same rate."""
    return -(-count * part // max(whole, 1))


def _padded_box(st: np.ndarray) -> tuple[float, float, float, float]:
    """The bounding box of ``st`` widened by ``MARGIN`` (by 1 on an axis with no spread),
    within ``+-BOX_LIMIT``: the span is taken in halves (``hi/2 - lo/2``), which cannot
    overflow."""
    lo, hi = st.min(axis=0), st.max(axis=0)
    half_span = hi / 2 - lo / 2
    pad = np.where(half_span > 0, 2 * MARGIN * half_span, 1.0)
    with np.errstate(over="ignore"):
        s0, t0 = np.maximum(lo - pad, -BOX_LIMIT)
        s1, t1 = np.minimum(hi + pad, BOX_LIMIT)
    return float(s0), float(s1), float(t0), float(t1)


def _trace(
    i: int, j: int, a: np.ndarray, c0: float, A: np.ndarray, c: np.ndarray, vp: Viewport
) -> BoundaryTrace:
    """Cells along ``a . p + c0 = 0``: at each column centre solve for ``t`` where the line is
    flatter than the cell aspect, else at each row centre for ``s``."""
    ds, dt = vp.cell_size
    s0, _, _, t1 = vp.extent
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        if abs(a[1]) * dt >= abs(a[0]) * ds:
            col = np.arange(vp.cols)
            s = s0 + (col + 0.5) * ds
            t = -(a[0] * s + c0) / a[1]
            row = np.floor((t1 - t) / dt)
        else:
            row = np.arange(vp.rows)
            t = t1 - (row + 0.5) * dt
            s = -(a[1] * t + c0) / a[0]
            col = np.floor((s - s0) / ds)
    on_map = vp.contains(col, row)  # False where a coordinate is not finite
    points = np.column_stack([s[on_map], t[on_map]])
    col, row = col[on_map].astype(np.int64), row[on_map].astype(np.int64)
    z = points @ A.T + c
    tie = np.maximum(z[:, i], z[:, j])
    z[:, [i, j]] = -np.inf
    active = z.max(axis=1, initial=-np.inf) <= tie + 1e-9 * np.maximum(np.abs(tie), 1.0)
    return BoundaryTrace(i, j, points, col, row, active)


def _subset(trace: BoundaryTrace, keep: np.ndarray) -> BoundaryTrace:
    return BoundaryTrace(
        trace.i, trace.j, trace.points[keep], trace.cols[keep], trace.rows[keep], trace.active[keep]
    )
