"""Decision-map geometry, the per-point explanation, and the bounded history."""

import tracemalloc

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from softmax_tui.engine import (
    History,
    SoftmaxRegression,
    axis_plane,
    default_plane,
    explain_point,
    fold_standardization,
    grid,
    pairwise_boundaries,
    pca_plane,
    plane_logits,
    softmax,
    triple_point,
)

SEED000_W = np.array([[0.31, 3.95], [7.07, -0.23], [-6.27, -2.35]])
SEED000_B = np.array([1.2, 2.93, -4.14])


def test_seed000_boundaries_meet_in_one_point(rgb20):
    X, _ = rgb20
    plane = default_plane(X, ("x1", "x2"))
    A, c = plane_logits(SEED000_W, SEED000_B, plane)
    np.testing.assert_allclose(A, SEED000_W)
    np.testing.assert_allclose(c, SEED000_B)
    lines = pairwise_boundaries(A, c)
    assert [(ln.i, ln.j) for ln in lines] == [(0, 1), (0, 2), (1, 2)]
    p = triple_point(A, c)
    for ln in lines:
        assert ln.a @ p + ln.c == pytest.approx(0, abs=1e-12)
    z = SEED000_W @ p + SEED000_B
    np.testing.assert_allclose(z, z[0], rtol=1e-12)  # all three classes tie there


finite = st.floats(-10, 10, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(arrays(np.float64, (3, 2), elements=finite), arrays(np.float64, 3, elements=finite))
def test_three_tie_lines_always_meet_or_are_parallel(A, c):
    p = triple_point(A, c)
    if p is None:  # parallel: the first two normals are dependent
        M = np.array([A[0] - A[1], A[0] - A[2]])
        assert abs(np.linalg.det(M)) <= 1e-12 * max(1.0, np.abs(M).max() ** 2)
    else:
        z = A @ p + c
        assert np.ptp(z) <= 1e-8 * max(1.0, np.abs(z).max(), np.abs(p).max() * np.abs(A).max())


def test_parallel_boundaries_have_no_triple_point():
    A = np.array([[1.0, 0.0], [2.0, 0.0], [3.0, 0.0]])
    assert triple_point(A, np.array([0.0, 1.0, 2.0])) is None


def test_pca_plane_of_iris_like_data_and_projection():
    rng = np.random.default_rng(0)
    latent = rng.normal(size=(500, 2)) * [3.0, 1.0]
    basis = np.linalg.qr(rng.normal(size=(4, 2)))[0]
    X = latent @ basis.T + [1.0, 2.0, 3.0, 4.0] + rng.normal(scale=1e-3, size=(500, 4))
    plane = pca_plane(X)
    assert plane.labels[0].startswith("PC1") and plane.labels[1].startswith("PC2")
    np.testing.assert_allclose(plane.origin, X.mean(axis=0))
    np.testing.assert_allclose(plane.basis.T @ plane.basis, np.eye(2), atol=1e-12)
    st_ = plane.project(X)
    np.testing.assert_allclose(plane.lift(st_), X, atol=1e-2)  # the data lies (almost) in the plane
    assert st_[:, 0].std() > st_[:, 1].std()  # PC1 carries the most variance


def test_axis_plane_uses_raw_feature_values():
    X = np.array([[1.0, 2.0, 3.0], [3.0, 6.0, 9.0]])
    plane = axis_plane(X, 0, 2, ("a", "b", "c"))
    np.testing.assert_allclose(plane.project(X), X[:, [0, 2]])
    np.testing.assert_allclose(plane.lift([[5.0, 7.0]]), [[5.0, 4.0, 7.0]])
    assert plane.labels == ("a", "c")


def test_plane_logits_agree_with_the_model_off_the_data_plane():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(100, 5))
    model = SoftmaxRegression(rng.normal(size=(4, 5)), rng.normal(size=4))
    plane = pca_plane(X)
    A, c = plane_logits(model.W, model.b, plane)
    pts = rng.normal(size=(20, 2))
    np.testing.assert_allclose(pts @ A.T + c, model.logits(plane.lift(pts)), atol=1e-12)


def test_grid_cell_centres_row_major_from_the_top():
    g = grid((0.0, 4.0, -1.0, 1.0), nx=4, ny=2)
    np.testing.assert_allclose(g[:4, 0], [0.5, 1.5, 2.5, 3.5])
    np.testing.assert_allclose(g[:4, 1], 0.5)
    np.testing.assert_allclose(g[4:, 1], -0.5)


def test_fold_standardization_gives_the_same_logits():
    rng = np.random.default_rng(2)
    X = rng.normal(loc=5, scale=3, size=(50, 3))
    mean, scale = X.mean(axis=0), X.std(axis=0)
    W, b = rng.normal(size=(2, 3)), rng.normal(size=2)
    W_raw, b_raw = fold_standardization(W, b, mean, scale)
    np.testing.assert_allclose(X @ W_raw.T + b_raw, ((X - mean) / scale) @ W.T + b, atol=1e-12)


def test_explain_point_at_a_labelled_sample(rgb20):
    X, y = rgb20
    e = explain_point(SEED000_W, SEED000_B, X[0], label=0)
    np.testing.assert_allclose(e.z, [6.699, 1.901, -6.803], atol=5e-4)
    np.testing.assert_allclose(e.jacobian, np.diag(e.a) - np.outer(e.a, e.a))
    np.testing.assert_allclose(e.dL_da, [-1 / e.a[0], 0, 0])
    np.testing.assert_allclose(e.dL_dz_chain, e.dL_dz, atol=1e-15)
    np.testing.assert_allclose(e.dL_dz, e.a - [1, 0, 0])
    np.testing.assert_allclose(e.dL_dW, np.outer(e.a - [1, 0, 0], X[0]))
    assert e.loss == pytest.approx(-np.log(softmax(e.z)[0]), rel=1e-12)
    # the per-sample gradient is what the model's gradient gives on that sample alone
    dW, _ = SoftmaxRegression(SEED000_W, SEED000_B).gradients(X[:1], y[:1])
    np.testing.assert_allclose(e.dL_dW, dW, atol=1e-15)


def test_explain_free_location_has_no_backward_pass():
    e = explain_point(SEED000_W, SEED000_B, [0.0, 0.0])
    assert e.label is None and e.dL_dz is None and e.loss is None
    np.testing.assert_allclose(e.a, softmax(SEED000_B))


def test_history_keeps_every_point_while_there_is_room():
    h = History(capacity=8)
    for s in range(8):
        h.append(s, 10.0 - s, s / 10)
    steps, loss = h.curve("loss")
    np.testing.assert_array_equal(steps, np.arange(8))
    np.testing.assert_array_equal(loss, 10.0 - np.arange(8))
    step, last = h.last
    assert step == 7 and list(last) == ["loss", "train_accuracy", "val_loss", "val_accuracy"]
    assert (last["loss"], last["train_accuracy"]) == (3.0, 0.7)
    assert np.isnan(last["val_loss"]) and np.isnan(last["val_accuracy"])  # no validation: NaN


def test_history_decimation_preserves_extremes_and_shape():
    h = History(capacity=64)
    n = 100_000
    steps = np.arange(n)
    loss = 1.0 / (1.0 + steps / 100.0)
    loss[54_321] = 7.0  # a spike
    loss[77_777] = -1.0  # a dip
    for s in steps:
        h.append(int(s), float(loss[s]), 0.5)
    xs, ys = h.curve("loss")
    assert len(xs) <= 2 * 64
    assert np.all(np.diff(xs) >= 0)
    assert (54_321, 7.0) in zip(xs.tolist(), ys.tolist())
    assert (77_777, -1.0) in zip(xs.tolist(), ys.tolist())
    # away from the spikes every drawn point lies on the true curve
    mask = (xs != 54_321) & (xs != 77_777)
    np.testing.assert_array_equal(ys[mask], loss[xs[mask]])
    assert len(h) == n


def test_history_memory_is_bounded():
    h = History()
    for s in range(20_000):
        h.append(s, 1.0, 1.0, 2.0, 0.5)
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for s in range(20_000, 220_000):
        h.append(s, 1.0 / s, 1.0, 2.0, 0.5)
    grown = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    assert grown < 2_000_000  # bytes: the buckets are reused, not accumulated


def reference_curve(records: list[tuple[int, float]], capacity: int, truncations: dict[int, int]):
    """History.curve by brute force: the records kept in their buckets (filled in turn,
    neighbouring pairs joined when ``capacity`` are full and another is needed, buckets
    ending after a truncation's step dropped), then per bucket its first lowest and first
    highest value in step order (a metric that is NaN throughout: each bucket's first)."""
    buckets, width = [], 1
    for index, (step, value) in enumerate(records):
        if buckets and len(buckets[-1]) < width:
            buckets[-1].append((step, value))
        else:
            if len(buckets) == capacity:
                buckets, width = [buckets[i] + buckets[i + 1] for i in range(0, capacity, 2)], 2 * width
            buckets.append([(step, value)])
        if index in truncations:
            while buckets and buckets[-1][-1][0] > truncations[index]:
                buckets.pop()
    steps, values = [], []
    for bucket in buckets:
        lo = hi = bucket[0]
        for record in bucket[1:]:
            lo = record if record[1] < lo[1] else lo
            hi = record if record[1] > hi[1] else hi
        for step, value in sorted({lo, hi}, key=lambda r: r[0]):
            steps.append(step)
            values.append(value)
    return np.array(steps, dtype=np.int64), np.array(values)


@pytest.mark.parametrize("capacity", [2, 4, 16, 64])
@pytest.mark.parametrize("n", [1, 2, 3, 9, 500, 4099])
def test_history_curve_equals_its_brute_force_definition(capacity, n):
    """Records with ties (and no validation: NaN); past n // 2 and 2n // 3 the run goes back
    5 and 40 steps."""
    rng = np.random.default_rng(capacity * 10_000 + n)
    values = rng.normal(size=n).round(1)  # ties within buckets
    back = {n // 2: 5, 2 * n // 3: 40} if n > 50 else {}
    history, records, cuts, step = History(capacity=capacity), [], {}, 0
    for index, value in enumerate(values.tolist()):
        history.append(step, value, 0.5)
        records.append((step, value))
        if index in back:
            step -= back[index]
            history.truncate(step)
            cuts[index] = step
        step += 1
    steps, curve = history.curve("loss")
    want_steps, want = reference_curve(records, capacity, cuts)
    np.testing.assert_array_equal(steps, want_steps)
    np.testing.assert_array_equal(curve, want)
    assert steps.dtype == np.int64
    steps, curve = history.curve("val_loss")
    want_steps, want = reference_curve([(step, np.nan) for step, _ in records], capacity, cuts)
    np.testing.assert_array_equal(steps, want_steps)
    assert np.isnan(curve).all() and len(curve) == len(want)
