"""The decision map's domain logic: the plane, the extent, the probability grid, the points
and the boundary lines, checked against the engine's model."""

import re
import time

import numpy as np
import pytest

from softmax_tui.datasets import Pipeline, load_dataset, prepare
from softmax_tui.engine import Optimizer, SoftmaxRegression, Trainer, triple_point
from softmax_tui.tui import mapview
from softmax_tui.tui.mapview import MapView, Selection, Viewport


def trained(prepared, steps=150, lr=1.0):
    """(W, b) after full-batch gradient descent: a real, deterministic model."""
    K = int(prepared.y_train.max()) + 1
    model = SoftmaxRegression.initialized(prepared.X_train.shape[1], K, rng=np.random.default_rng(0))
    trainer = Trainer(model, Optimizer("gd", None), prepared.X_train, prepared.y_train, None, None, lr=lr)
    for _ in range(steps):
        snap = trainer.step()
    return snap.W, snap.b


def view_of(name, features=None, **kwargs):
    dataset = load_dataset(name, **kwargs)
    prepared = prepare(dataset, features=features)
    view = MapView(dataset.X, dataset.y, prepared.pipeline, dataset.feature_names, dataset.class_names)
    return view, prepared


@pytest.fixture(scope="module")
def rgb20():
    view, prepared = view_of("rgb20")
    return view, prepared, *trained(prepared)


def test_rgb20_maps_the_raw_plane(rgb20):
    view, prepared, _, _ = rgb20
    assert view.labels == ("x1", "x2")
    np.testing.assert_allclose(view.coords_of(2), prepared.dataset.X[2])
    s, t = 0.3, -0.7
    assert view.location_of(Selection.point(2)) == view.coords_of(2) and view.location_of(Selection.at(s, t)) == (s, t)
    np.testing.assert_allclose(view.model_input_at(s, t), prepared.pipeline.transform(np.array([[s, t]]))[0])


def test_grid_argmax_is_the_model_prediction_at_every_pixel(rgb20):
    view, prepared, W, b = rgb20
    viewport = view.viewport(40, 15)
    frame = view.frame(W, b, viewport)
    assert frame.proba.shape == (30, 40, 3)
    np.testing.assert_allclose(frame.proba.sum(axis=-1), 1.0)
    centres = viewport.pixel_centres()
    model = SoftmaxRegression(W, b)
    expected = model.predict(prepared.pipeline.transform(centres)).reshape(30, 40)
    np.testing.assert_array_equal(frame.proba.argmax(axis=-1), expected)
    exact = model.predict_proba(prepared.pipeline.transform(centres))
    np.testing.assert_allclose(frame.proba.reshape(-1, 3), exact)


def test_points_sit_in_their_cells_with_misclassified_flags(rgb20):
    view, prepared, W, b = rgb20
    viewport = view.viewport(40, 15)
    frame = view.frame(W, b, viewport)
    assert sorted(frame.index.tolist()) == list(range(20))  # all 20 points, all on the map
    predicted = SoftmaxRegression(W, b).predict(prepared.X_train)
    np.testing.assert_array_equal(frame.wrong, predicted[frame.index] != prepared.y_train[frame.index])
    np.testing.assert_array_equal(frame.label, prepared.y_train[frame.index])
    for i, col, row in zip(frame.index, frame.cols, frame.rows):
        assert viewport.cell_of(*prepared.dataset.X[i]) == (col, row)


def test_misclassified_points_come_last():
    view, prepared = view_of("blobs", samples=300)
    W, b = trained(prepared, steps=30)
    frame = view.frame(W, b, view.viewport(50, 18))
    assert 0 < frame.wrong.sum() < len(frame.wrong)
    assert not np.any(np.diff(frame.wrong.astype(int)) < 0)


def test_a_frame_is_everything_the_map_shows(rgb20):
    """The frame is computed from (W, b) alone, before any widget: the grid is the model's
    probabilities at the pixel centres, each point's state is the model's prediction, and the
    boundaries are traced only when asked for."""
    view, prepared, W, b = rgb20
    viewport = view.viewport(40, 15)
    model = SoftmaxRegression(W, b)
    frame = view.frame(W, b, viewport, Selection.point(7), boundaries=True)
    assert frame.viewport == viewport
    exact = model.predict_proba(prepared.pipeline.transform(viewport.pixel_centres()))
    np.testing.assert_allclose(frame.proba.reshape(-1, 3), exact, rtol=0, atol=1e-12)
    predicted = model.predict(prepared.X_train)
    for i, label, wrong in zip(frame.index, frame.label, frame.wrong):
        assert (label, wrong) == (prepared.y_train[i], predicted[i] != prepared.y_train[i])
    assert frame.selection == Selection.point(7)
    assert frame.selected == (prepared.y_train[7], predicted[7] != prepared.y_train[7], False)
    expected = view.boundaries(W, b, viewport)
    assert frame.boundaries and not frame.curved and len(frame.traces) == len(expected) == 3
    for trace, same in zip(frame.traces, expected):
        assert (trace.i, trace.j) == (same.i, same.j)
        np.testing.assert_array_equal(trace.cols, same.cols)
        np.testing.assert_array_equal(trace.active, same.active)

    hidden = view.frame(W, b, viewport, Selection.at(0.1, 0.2))
    assert not hidden.boundaries and hidden.traces is None and not hidden.curved
    assert hidden.selection == Selection.at(0.1, 0.2) and hidden.selected is None  # a location has no class
    np.testing.assert_array_equal(hidden.proba, frame.proba)
    assert view.frame(W, b, viewport).selection is None and view.frame(W, b, viewport).selected is None


def test_a_selected_point_the_viewport_does_not_show_has_its_state():
    view, prepared = view_of("blobs", samples=300)
    W, b = trained(prepared, steps=2)
    viewport = view.viewport(10, 5)  # 50 of the 300 points shown
    model = SoftmaxRegression(W, b)
    predicted = model.predict(prepared.pipeline.transform(prepared.dataset.X))
    y = prepared.dataset.y
    shown = view.frame(W, b, viewport).index
    for wrong in (False, True):  # one the model gets right, one it gets wrong, both not shown
        i = int(np.flatnonzero(~np.isin(np.arange(300), shown) & ((predicted != y) == wrong))[0])
        frame = view.frame(W, b, viewport, Selection.point(i))
        assert frame.selected == (y[i], wrong, False) == (*view.point(W, b, i), False)


def test_curved_boundaries_are_asked_for_but_not_traced():
    view, prepared = view_of("circle", features=("x1^2", "x2^2"))
    W, b = trained(prepared, steps=20)
    frame = view.frame(W, b, view.viewport(30, 12), boundaries=True)
    assert frame.boundaries and frame.traces is None and frame.curved


def test_boundary_points_satisfy_the_tie_equation(rgb20):
    view, prepared, W, b = rgb20
    viewport = view.viewport(60, 20)
    traces = view.boundaries(W, b, viewport)
    assert {(tr.i, tr.j) for tr in traces} == {(0, 1), (0, 2), (1, 2)}
    for trace in traces:
        z = SoftmaxRegression(W, b).logits(prepared.pipeline.transform(trace.points))
        np.testing.assert_allclose(z[:, trace.i], z[:, trace.j], atol=1e-9)
        assert viewport.contains(trace.cols, trace.rows).all()
        cols, rows = viewport.cells_of(trace.points)
        np.testing.assert_array_equal(cols, trace.cols)
        np.testing.assert_array_equal(rows, trace.rows)
        # Active exactly where i and j are the two most probable classes.
        other = ({0, 1, 2} - {trace.i, trace.j}).pop()
        np.testing.assert_array_equal(trace.active, z[:, other] <= z[:, trace.i] + 1e-9)
        assert trace.active.any() and not trace.active.all()


def test_the_three_lines_meet_in_the_triple_point(rgb20):
    view, _, W, b = rgb20
    A, c = view.logit_plane(W, b)
    p = triple_point(A, c)
    z = A @ p + c
    np.testing.assert_allclose(z, z[0], atol=1e-9)


def test_traces_follow_one_cell_per_column_or_row(rgb20):
    view, _, W, b = rgb20
    viewport = view.viewport(60, 20)
    traces = view.boundaries(W, b, viewport)
    assert len(traces) == 3
    for trace in traces:
        along = trace.cols if len(np.unique(trace.cols)) == len(trace.cols) else trace.rows
        assert len(np.unique(along)) == len(along)


def test_many_classes_draw_only_real_boundaries():
    view, prepared = view_of("blobs", samples=400, classes=6)
    W, b = trained(prepared, steps=40)
    traces = view.boundaries(W, b, view.viewport(50, 18))
    assert traces and all(trace.active.all() for trace in traces)


def test_nonlinear_features_curved_boundaries_and_grid_through_pipeline():
    view, prepared = view_of("circle", features=("x1^2", "x2^2"))
    W, b = trained(prepared, steps=200)
    viewport = view.viewport(30, 12)
    assert view.labels == ("x1", "x2")
    assert view.boundaries(W, b, viewport) is None
    frame = view.frame(W, b, viewport)
    expected = SoftmaxRegression(W, b).predict(prepared.pipeline.transform(viewport.pixel_centres()))
    np.testing.assert_array_equal(frame.proba.argmax(axis=-1).ravel(), expected)
    centre = viewport.cell_of(0.0, 0.0)
    corner = (0, 0)
    assert frame.proba[2 * centre[1], centre[0]].argmax() == 0  # inside
    assert frame.proba[corner].argmax() == 1  # outside
    x = prepared.pipeline.transform(np.array([[1.5, -2.0]]))[0]
    np.testing.assert_allclose(view.model_input_at(1.5, -2.0), x)


def test_iris_uses_the_pca_plane_of_the_standardized_data():
    view, prepared = view_of("iris")
    first, second = view.labels
    assert re.fullmatch(r"PC1 \(\d+%\)", first) and re.fullmatch(r"PC2 \(\d+%\)", second)
    assert first == "PC1 (73%)"  # standardized iris: the first component explains 73%
    for cols, rows in ((60, 20), (20, 30), (120, 10)):
        s0, s1, t0, t1 = view.extent_for(cols, rows)
        st = np.array([view.coords_of(i) for i in range(len(prepared.X_train))])
        assert np.all((st[:, 0] > s0) & (st[:, 0] < s1) & (st[:, 1] > t0) & (st[:, 1] < t1))
    x = view.model_input_at(0.5, -1.0)
    assert x.shape == (4,)
    np.testing.assert_allclose(view.plane.project(x[None]), [[0.5, -1.0]], atol=1e-12)
    W, b = trained(prepared)
    viewport = view.viewport(40, 15)
    frame = view.frame(W, b, viewport)
    expected = SoftmaxRegression(W, b).predict(view.plane.lift(viewport.pixel_centres()))
    np.testing.assert_array_equal(frame.proba.argmax(axis=-1).ravel(), expected)
    traces = view.boundaries(W, b, viewport)
    assert len(traces) == 3
    for trace in traces:
        z = SoftmaxRegression(W, b).logits(view.plane.lift(trace.points))
        np.testing.assert_allclose(z[:, trace.i], z[:, trace.j], atol=1e-9)


def test_extent_gives_square_pixels_within_the_stretch_limit(rgb20):
    view = rgb20[0]
    for cols, rows in ((60, 20), (30, 20), (100, 20)):
        s0, s1, t0, t1 = view.extent_for(cols, rows)
        np.testing.assert_allclose((s1 - s0) / cols, (t1 - t0) / (2 * rows))
    X = np.column_stack([np.linspace(0, 1000, 50), np.linspace(0, 1, 50)])
    skewed = MapView(X, np.arange(50) % 2, Pipeline.fit(X, ("a", "b")), ("a", "b"), ("p", "q"))
    s0, s1, t0, t1 = skewed.extent_for(40, 20)
    assert (t1 - t0) == pytest.approx(mapview.MAX_ASPECT_STRETCH * 1 * (1 + 2 * mapview.MARGIN))
    assert s0 < 0 and s1 > 1000


def test_nearest_point(rgb20):
    view, prepared, _, _ = rgb20
    X = prepared.dataset.X
    for i in (0, 7, 19):
        assert view.nearest_point(*X[i]) == i
        assert view.nearest_point(X[i, 0] + 0.01, X[i, 1] - 0.02) == i
    assert view.nearest_point(-0.5, 1.6) == 10  # just above (-0.5, 1.5)
    assert view.nearest_point(*X[4], view.viewport(40, 15)) == 4


def test_viewport_cells_and_cursor_steps():
    viewport = Viewport((-2.0, 2.0, -1.0, 1.0), 8, 4)
    assert viewport.cell_size == (0.5, 0.5)
    for col in range(8):
        for row in range(4):
            assert viewport.cell_of(*viewport.cell_centre(col, row)) == (col, row)
    assert viewport.cell_of(-2.0, 1.0) == (0, 0)
    assert viewport.step(*viewport.cell_centre(3, 1), 1, 0) == viewport.cell_centre(4, 1)
    assert viewport.step(*viewport.cell_centre(3, 1), 0, 1) == viewport.cell_centre(3, 2)
    assert viewport.step(*viewport.cell_centre(7, 3), 1, 1) == viewport.cell_centre(7, 3)  # kept on the map
    assert viewport.step(50.0, -50.0, -1, 0) == viewport.cell_centre(6, 3)  # from the nearest edge
    cols, rows = viewport.cells_of([[np.nan, 0.0], [np.inf, 0.0]])
    assert not viewport.contains(cols, rows).any()


def test_selection_is_a_point_or_a_location():
    assert Selection.point(3) == Selection(index=3)
    assert Selection.at(1, 2).location == (1.0, 2.0)
    assert hash(Selection.point(3)) == hash(Selection(index=3))
    with pytest.raises(ValueError):
        Selection()
    with pytest.raises(ValueError):
        Selection(index=1, location=(0.0, 0.0))


def test_diverged_parameters_draw_without_error(rgb20):
    view = rgb20[0]
    W = np.full((3, 2), np.nan)
    b = np.array([np.inf, 0.0, -np.inf])
    viewport = view.viewport(20, 8)
    frame = view.frame(W, b, viewport)
    assert np.all(np.isfinite(frame.proba))
    assert view.boundaries(W, b, viewport) == []


def test_one_column_data():
    X = np.linspace(-3, 3, 40)[:, None]
    y = (X[:, 0] > 0).astype(int)
    view = MapView(X, y, Pipeline.fit(X, ("height",)), ("height",), ("short", "tall"))
    assert view.labels == ("height", "1-D data") and view.flat
    W, b = np.array([[-2.0], [2.0]]), np.zeros(2)
    viewport = view.viewport(20, 5)
    frame = view.frame(W, b, viewport)
    assert frame.proba[:, :10].argmax(axis=-1).max() == 0 and frame.proba[:, 10:].argmax(axis=-1).min() == 1
    (trace,) = view.boundaries(W, b, viewport)
    np.testing.assert_allclose(trace.points[:, 0], 0.0, atol=1e-12)  # the tie is at height 0


def test_large_data_draws_a_deterministic_capped_subsample():
    rng = np.random.default_rng(5)
    n = 1_000_000
    X = rng.normal(size=(n, 2))
    y = (X[:, 0] + X[:, 1] > 0).astype(np.int64)
    pipeline = Pipeline.fit(X, ("x1", "x2"))
    start = time.perf_counter()
    view = MapView(X, y, pipeline, ("x1", "x2"), ("a", "b"))
    print(f"MapView setup for {n} points: {time.perf_counter() - start:.3f} s")
    again = MapView(X, y, pipeline, ("x1", "x2"), ("a", "b"))
    assert len(view.drawn) == mapview.MAX_DRAWN_POINTS
    np.testing.assert_array_equal(view.drawn, again.drawn)
    assert len(np.unique(view.drawn)) == len(view.drawn) and np.all(np.diff(view.drawn) > 0)
    viewport = view.viewport(50, 16)
    frame = view.frame(np.array([[1.0, 1.0], [-1.0, -1.0]]), np.zeros(2), viewport)
    assert len(frame.index) <= mapview.POINTS_PER_CELL * 50 * 16
    assert np.isin(frame.index, view.drawn).all()
    assert view.shown(viewport).sum() == int(mapview.POINTS_PER_CELL * 50 * 16)
    assert np.isin(view.nearest_point(0.0, 0.0, viewport), view.drawn[view.shown(viewport)])


def test_raw_input_at_inverts_the_map_for_raw_and_principal_planes(rgb20):
    view = rgb20[0]
    np.testing.assert_array_equal(view.raw_input_at(0.25, -1.5), [0.25, -1.5])  # raw columns are the map
    view, prepared = view_of("iris")  # four columns: the standardized data's principal plane
    pipeline = prepared.pipeline
    s, t = view.coords_of(5)
    on_plane = view.plane.lift([[s, t]])[0]  # point 5 projected on the plane, standardized
    np.testing.assert_allclose(view.raw_input_at(s, t), on_plane * pipeline.scale + pipeline.mean, rtol=1e-12)
    np.testing.assert_allclose(pipeline.transform(view.raw_input_at(s, t)[None, :])[0], view.model_input_at(s, t),
                               rtol=1e-12, atol=1e-12)
    view, prepared = view_of("circle", features=("x1", "x2", "x1^2"))  # transforms: the raw columns again
    np.testing.assert_array_equal(view.raw_input_at(0.5, -0.25), [0.5, -0.25])
    np.testing.assert_allclose(prepared.pipeline.transform(np.array([[0.5, -0.25]]))[0], view.model_input_at(0.5, -0.25))


# -- validation points and what the map shows of each set (issue 13, item 3) --------------------


def split_view_of(name, val_fraction=0.3, **kwargs):
    """The map of a run holding out ``val_fraction``: training and validation rows."""
    dataset = load_dataset(name, **kwargs)
    prepared = prepare(dataset, val_fraction=val_fraction)
    train, val = prepared.train_index, prepared.val_index
    view = MapView(dataset.X[train], dataset.y[train], prepared.pipeline, dataset.feature_names,
                   dataset.class_names, validation=(dataset.X[val], dataset.y[val]))
    return view, prepared


def test_a_frame_marks_validation_points_with_their_own_state():
    view, prepared = split_view_of("iris")
    W, b = trained(prepared, steps=3)
    n_train, n_val = len(prepared.y_train), len(prepared.y_val)
    assert (view.n_train, view.n_validation) == (n_train, n_val) == (105, 45)
    frame = view.frame(W, b, view.viewport(56, 19), Selection.point(n_train + 4), validation=True)
    held_out = frame.index[frame.held_out]
    np.testing.assert_array_equal(np.sort(held_out), n_train + np.arange(n_val))  # every one, once
    np.testing.assert_array_equal(np.sort(frame.index[~frame.held_out]), np.arange(n_train))
    model = SoftmaxRegression(W, b)
    predicted = model.predict(prepared.X_val)
    assert 0 < (predicted != prepared.y_val).sum() < n_val
    i = held_out - n_train
    np.testing.assert_array_equal(frame.label[frame.held_out], prepared.y_val[i])
    np.testing.assert_array_equal(frame.wrong[frame.held_out], predicted[i] != prepared.y_val[i])
    # on the same plane as the training points: the projection of their standardized rows
    X_val_model = prepared.pipeline.transform(prepared.dataset.X[prepared.val_index])
    np.testing.assert_allclose([view.coords_of(n_train + k) for k in range(n_val)], view.plane.project(X_val_model))
    assert frame.selected == (prepared.y_val[4], bool(predicted[4] != prepared.y_val[4]), True)
    assert frame.counts == mapview.PointCounts(n_train, n_train, n_val, n_val) and frame.counts.complete

    hidden = view.frame(W, b, view.viewport(56, 19), validation=False)
    assert not hidden.held_out.any() and not hidden.validation
    np.testing.assert_array_equal(np.sort(hidden.index), np.arange(n_train))
    assert hidden.counts == mapview.PointCounts(n_train, n_train, 0, n_val) and not hidden.counts.complete


def test_validation_points_are_drawn_at_the_training_points_rate():
    """100,000 points, 30% held out: 2,000 of the 70,000 training points can be drawn and
    ceil(2000 * 30000 / 70000) = 858 of the validation points; a 50 x 16 map shows 240 (0.3 a
    cell) and ceil(240 * 858 / 2000) = 103 of them, and says so exactly."""
    rng = np.random.default_rng(3)
    X = rng.normal(size=(100_000, 2))
    y = (X[:, 0] > 0).astype(np.int64)
    pipeline = Pipeline.fit(X[:70_000], ("x1", "x2"))
    view = MapView(X[:70_000], y[:70_000], pipeline, ("x1", "x2"), ("a", "b"), validation=(X[70_000:], y[70_000:]))
    assert len(view.drawn) == mapview.MAX_DRAWN_POINTS and len(view.drawn_validation) == 858
    assert view.drawn_validation.min() >= 70_000 and np.all(np.diff(view.drawn_validation) > 0)
    W, b = np.array([[-1.0, 0.0], [1.0, 0.0]]), np.zeros(2)
    viewport = view.viewport(50, 16)
    frame = view.frame(W, b, viewport, validation=True)
    assert frame.counts == mapview.PointCounts(240, 70_000, 103, 30_000)
    assert (len(frame.index), frame.held_out.sum()) == (343, 103)
    assert np.isin(frame.index[frame.held_out], view.drawn_validation).all()
    assert view.nearest_point(*view.coords_of(int(frame.index[frame.held_out][0])), viewport, validation=True) \
        == frame.index[frame.held_out][0]
    assert view.nearest_point(0.0, 0.0, viewport) < 70_000  # training points only, unless asked


def test_training_points_are_drawn_over_validation_points_and_misclassified_ones_over_both():
    """Found by trying --val-fraction 0.99: the three training points were under hollow markers."""
    view, prepared = split_view_of("iris", val_fraction=0.9)
    W, b = trained(prepared, steps=2)
    frame = view.frame(W, b, view.viewport(56, 19), validation=True)
    assert frame.held_out.any() and (~frame.held_out).any() and frame.wrong.any() and (~frame.wrong).any()
    rank = frame.wrong * 2 + ~frame.held_out  # the drawing order: later is on top
    assert (np.diff(rank) >= 0).all()
