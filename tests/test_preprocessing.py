"""Feature transforms, standardization, the stratified split and prepare()."""

import json
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.linear_model import LogisticRegression

from softmax_tui.datasets import (
    FEATURE_TRANSFORMS,
    DatasetError,
    Pipeline,
    load_dataset,
    parse_features,
    prepare,
    stratified_split,
)


# --- parse_features -----------------------------------------------------------------------


def test_feature_transforms_are_the_playgrounds():
    assert FEATURE_TRANSFORMS == ("x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)", "sin(x2)")


def test_parse_features():
    assert parse_features("x1,x2,x1^2") == ("x1", "x2", "x1^2")
    assert parse_features(" x1*x2 , sin(x2)") == ("x1*x2", "sin(x2)")


@pytest.mark.parametrize(
    "text, message",
    [
        ("x1,x3", "unknown feature 'x3'; choose from x1, x2, x1^2, x2^2, x1*x2, sin(x1), sin(x2)"),
        ("x1,x2,x1", "feature 'x1' is listed twice"),
        ("", "empty feature name in the feature list; choose from x1, x2"),
        ("x1,,x2", "empty feature name"),
    ],
)
def test_parse_features_refuses_mistakes(text, message):
    with pytest.raises(DatasetError, match=re.escape(message)):
        parse_features(text)


# --- Pipeline -----------------------------------------------------------------------------


def test_transform_values():
    X = np.array([[2.0, 3.0], [-1.0, 0.5], [0.0, np.pi / 2]])
    p = Pipeline.fit(X, ("x1", "x2"), FEATURE_TRANSFORMS, standardize=False)
    expected = np.array([
        [2, 3, 4, 9, 6, np.sin(2), np.sin(3)],
        [-1, 0.5, 1, 0.25, -0.5, np.sin(-1), np.sin(0.5)],
        [0, np.pi / 2, 0, np.pi**2 / 4, 0, 0, 1],
    ])  # fmt: skip
    out = p.transform(X)
    np.testing.assert_array_equal(out, expected)
    assert out.dtype == np.float64 and out.flags.c_contiguous
    np.testing.assert_array_equal(p.mean, np.zeros(7))
    np.testing.assert_array_equal(p.scale, np.ones(7))


def test_transform_names_use_the_raw_column_names():
    p = Pipeline.fit(np.ones((3, 2)), ("a", "b"), ("x2", "x1^2", "x1*x2", "sin(x2)"))
    assert p.feature_names == ("b", "a^2", "a*b", "sin(b)")
    assert p.features == ("x2", "x1^2", "x1*x2", "sin(x2)")


def test_identity_keeps_raw_names_and_columns():
    X = np.arange(12.0).reshape(4, 3)
    p = Pipeline.fit(X, ("u", "v", "w"), standardize=False)
    assert p.features is None and p.feature_names == ("u", "v", "w")
    np.testing.assert_array_equal(p.transform(X), X)


def test_standardization_uses_the_fitting_rows_only():
    X_fit = np.array([[1.0, 10.0], [3.0, 10.0], [5.0, 10.0]])
    p = Pipeline.fit(X_fit, ("x1", "x2"))
    np.testing.assert_array_equal(p.mean, [3.0, 10.0])
    np.testing.assert_allclose(p.scale, [np.sqrt(8 / 3), 1.0])  # population std; constant -> 1
    np.testing.assert_allclose(p.transform(X_fit)[:, 0], [-np.sqrt(1.5), 0, np.sqrt(1.5)])
    np.testing.assert_allclose(p.transform([[7.0, 12.0]]), [[4 / np.sqrt(8 / 3), 2.0]])


def test_standardized_features_have_zero_mean_and_unit_spread():
    X = np.random.default_rng(1).normal([3, -2], [5, 0.1], size=(500, 2))
    Z = Pipeline.fit(X, ("x1", "x2"), ("x1", "x1^2", "sin(x2)")).transform(X)
    np.testing.assert_allclose(Z.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(Z.std(axis=0), 1, rtol=1e-12)


def test_transforms_need_two_dimensional_data():
    message = "feature transforms (x1,x1^2) need 2-D data; this dataset has 4 features"
    with pytest.raises(DatasetError, match=re.escape(message)):
        Pipeline.fit(np.ones((5, 4)), ("a", "b", "c", "d"), ("x1", "x1^2"))


def test_transform_refuses_rows_of_the_wrong_width():
    p = Pipeline.fit(np.ones((3, 4)), ("a", "b", "c", "d"))
    with pytest.raises(DatasetError, match="expects 4 raw features per row, the data has 2"):
        p.transform(np.ones((3, 2)))


@pytest.mark.parametrize(
    "features, affine",
    [(None, True), (("x1", "x2"), True), (("x2",), True), (("x1", "x1^2"), False),
     (("x1*x2",), False), (("sin(x1)", "x2"), False)],
)  # fmt: skip
def test_is_affine(features, affine):
    assert Pipeline.fit(np.eye(2), ("x1", "x2"), features).is_affine is affine


@pytest.mark.parametrize("features", [None, ("x1", "x1*x2", "sin(x2)")])
def test_to_dict_round_trips_exactly_through_json(features):
    X = np.random.default_rng(0).normal(size=(50, 2)) * [1e-7, 3e5] + [np.pi, -1 / 3]
    p = Pipeline.fit(X, ("a", "b"), features)
    q = Pipeline.from_dict(json.loads(json.dumps(p.to_dict())))
    assert q.features == p.features and q.feature_names == p.feature_names
    assert q.mean.tobytes() == p.mean.tobytes() and q.scale.tobytes() == p.scale.tobytes()
    assert q.transform(X).tobytes() == p.transform(X).tobytes()


@pytest.mark.parametrize(
    "change, message",
    [
        ({"mean": [0.0]}, "must have the same length"),
        ({"features": ["x1", "x5"]}, "unknown feature 'x5'"),
        ({"scale": "abc"}, "invalid pipeline description"),
        ({"feature_names": None}, "invalid pipeline description"),
        ({"scale": [1.0, 0.0]}, "mean and scale must be finite, scale positive"),
        ({"mean": [0.0, float("nan")]}, "mean and scale must be finite, scale positive"),
    ],
)
def test_from_dict_refuses_inconsistent_descriptions(change, message):
    d = Pipeline.fit(np.eye(2), ("x1", "x2"), ("x1", "x2")).to_dict()
    with pytest.raises(DatasetError, match=message):
        Pipeline.from_dict({**d, **change})
    del d["mean"]
    with pytest.raises(DatasetError, match="invalid pipeline description: KeyError"):
        Pipeline.from_dict(d)


# --- stratified_split ---------------------------------------------------------------------


@pytest.mark.parametrize("fraction", [-0.1, 1.0, 1.5, float("nan")])
def test_split_fraction_must_be_in_0_1(fraction):
    with pytest.raises(DatasetError, match=r"validation fraction must be in \[0, 1\)"):
        stratified_split(np.zeros(10), fraction, np.random.default_rng(0))


def test_split_zero_keeps_everything_for_training():
    train, val = stratified_split(np.array([0, 1, 1, 2]), 0.0, np.random.default_rng(0))
    np.testing.assert_array_equal(train, [0, 1, 2, 3])
    assert val.size == 0 and val.dtype == np.int64


def test_split_of_seed_003s_setting_is_800_200():
    y = load_dataset("blobs").y
    train, val = stratified_split(y, 0.2, np.random.default_rng(0))
    assert (len(train), len(val)) == (800, 200)
    np.testing.assert_array_equal(np.bincount(y[val]), [67, 67, 66])


def test_split_keeps_a_training_sample_of_every_class_and_a_validation_sample_where_it_can():
    y = np.array([0, 1, 1, 2, 2, 2, 2, 2, 2, 2, 2, 2])
    train, val = stratified_split(y, 0.9, np.random.default_rng(0))
    np.testing.assert_array_equal(np.bincount(y[train], minlength=3), [1, 1, 1])
    train, val = stratified_split(y, 0.05, np.random.default_rng(0))
    np.testing.assert_array_equal(np.bincount(y[val], minlength=3), [0, 1, 1])


def test_split_depends_on_the_generator_only():
    y = np.repeat([0, 1], 50)
    first = stratified_split(y, 0.3, np.random.default_rng(5))
    again = stratified_split(y, 0.3, np.random.default_rng(5))
    other = stratified_split(y, 0.3, np.random.default_rng(6))
    np.testing.assert_array_equal(first[1], again[1])
    assert not np.array_equal(first[1], other[1])


@settings(max_examples=200, deadline=None)
@given(
    counts=st.lists(st.integers(1, 60), min_size=2, max_size=10),
    fraction=st.floats(0.0, 0.95),
    seed=st.integers(0, 2**32 - 1),
)
def test_split_keeps_class_proportions_within_one_sample(counts, fraction, seed):
    rng = np.random.default_rng(seed)
    y = rng.permutation(np.repeat(np.arange(len(counts)), counts))
    train, val = stratified_split(y, fraction, rng)
    np.testing.assert_array_equal(np.sort(np.concatenate([train, val])), np.arange(len(y)))
    assert np.all(np.diff(train) > 0) and np.all(np.diff(val) > 0)
    in_val = np.bincount(y[val], minlength=len(counts))
    assert np.all(np.abs(in_val - fraction * np.array(counts)) <= 1)
    assert np.all(np.bincount(y[train], minlength=len(counts)) >= 1)


# --- prepare ------------------------------------------------------------------------------


def test_prepare_fits_standardization_on_the_training_split_only():
    ds = load_dataset("blobs", samples=200, noise=0.5)
    p = prepare(ds, val_fraction=0.25, seed=3)
    train, val = stratified_split(ds.y, 0.25, np.random.default_rng(3).spawn(1)[0])
    np.testing.assert_array_equal(p.y_train, ds.y[train])
    np.testing.assert_array_equal(p.y_val, ds.y[val])
    np.testing.assert_allclose(p.pipeline.mean, ds.X[train].mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(p.pipeline.scale, ds.X[train].std(axis=0), rtol=1e-12)
    assert not np.allclose(p.pipeline.mean, ds.X.mean(axis=0), rtol=1e-6)
    np.testing.assert_allclose(p.X_val, (ds.X[val] - p.pipeline.mean) / p.pipeline.scale)
    np.testing.assert_array_equal(p.train_index, train)
    np.testing.assert_array_equal(p.val_index, val)
    assert p.dataset is ds


def test_prepare_without_a_split_or_standardization():
    ds = load_dataset("rgb20")
    p = prepare(ds, standardize=False)
    assert p.X_val is None and p.y_val is None
    assert p.val_index.size == 0
    np.testing.assert_array_equal(p.train_index, np.arange(len(ds.y)))
    np.testing.assert_array_equal(p.X_train, ds.X)
    np.testing.assert_array_equal(p.y_train, ds.y)


def test_prepare_applies_a_given_pipeline_as_it_is():
    fitted = prepare(load_dataset("circle"), features=("x1^2", "x2^2")).pipeline
    p = prepare(load_dataset("circle", seed=1), features=("x1",), pipeline=fitted)
    assert p.pipeline is fitted
    assert p.X_train.shape == (500, 2)


def test_prepare_refuses_transforms_on_iris():
    with pytest.raises(DatasetError, match="need 2-D data; this dataset has 4 features"):
        prepare(load_dataset("iris"), features=("x1", "x2"))


def test_circle_needs_squares():
    """TensorFlow Playground's lesson: a linear model cannot separate a disc from a ring
    in (x1, x2), but can in (x1^2, x2^2)."""

    def accuracy(features):
        p = prepare(load_dataset("circle"), features=features)
        return LogisticRegression().fit(p.X_train, p.y_train).score(p.X_train, p.y_train)

    assert accuracy(None) <= 0.65
    assert accuracy(("x1", "x2")) <= 0.65
    assert accuracy(("x1^2", "x2^2")) >= 0.95


def test_the_pipeline_inverse_and_whether_it_is_the_identity(rgb20):
    X, _ = rgb20
    pipeline = Pipeline.fit(X, ("x1", "x2"))
    np.testing.assert_allclose(pipeline.inverse_transform(pipeline.transform(X)), X, rtol=0, atol=1e-15)
    assert pipeline.standardizes and not pipeline.is_identity
    plain = Pipeline.fit(X, ("x1", "x2"), standardize=False)
    assert not plain.standardizes and plain.is_identity
    squares = Pipeline.fit(X, ("x1", "x2"), ("x1", "x1^2"), standardize=False)
    assert not squares.is_identity
    with pytest.raises(ValueError, match="cannot be inverted"):
        squares.inverse_transform(squares.transform(X))
