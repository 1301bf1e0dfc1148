"""Generated datasets: shapes, balance, seeds, noise, the Playground frame, seed 003's accuracy."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from softmax_tui.datasets import load_dataset, prepare

GENERATED = ["blobs", "circle", "xor", "gauss", "spiral"]
PLAYGROUND = ["circle", "xor", "gauss", "spiral"]
ADJUSTABLE = ["blobs", "gauss", "spiral"]


def train_accuracy(name, features=None, **kwargs):
    """Training accuracy of scikit-learn's (softmax) LogisticRegression on a prepared set."""
    p = prepare(load_dataset(name, **kwargs), features=features)
    return LogisticRegression().fit(p.X_train, p.y_train).score(p.X_train, p.y_train)


@pytest.mark.parametrize("name", GENERATED)
def test_shape_types_and_names(name):
    ds = load_dataset(name, samples=301)
    assert ds.X.shape == (301, 2) and ds.y.shape == (301,)
    assert ds.X.dtype == np.float64 and ds.X.flags.c_contiguous
    assert ds.y.dtype == np.int64
    assert ds.feature_names == ("x1", "x2")
    assert len(set(ds.class_names)) == ds.n_classes


@pytest.mark.parametrize("name", ADJUSTABLE)
def test_classes_are_balanced_within_one(name):
    ds = load_dataset(name, samples=103, classes=4)
    np.testing.assert_array_equal(np.bincount(ds.y), [26, 26, 26, 25])
    assert ds.class_names[3].endswith("3")


@pytest.mark.parametrize("name", ["circle", "xor"])
def test_two_class_sets_are_balanced_without_noise(name):
    np.testing.assert_array_equal(np.bincount(load_dataset(name, samples=501).y), [251, 250])


def test_default_sizes():
    assert (load_dataset("blobs").n_samples, load_dataset("blobs").n_classes) == (1000, 3)
    for name in PLAYGROUND:
        ds = load_dataset(name)
        assert (ds.n_samples, ds.n_classes) == (500, 2)


@pytest.mark.parametrize("name", GENERATED)
def test_same_seed_same_data_other_seed_other_data(name):
    a = load_dataset(name, seed=7, noise=0.2)
    b = load_dataset(name, seed=7, noise=0.2)
    c = load_dataset(name, seed=8, noise=0.2)
    assert a.X.tobytes() == b.X.tobytes() and a.y.tobytes() == b.y.tobytes()
    assert not np.array_equal(a.X, c.X)


@pytest.mark.parametrize("name", PLAYGROUND)
def test_playground_points_stay_in_the_frame(name):
    kwargs = {"classes": 10} if name in ADJUSTABLE else {}
    ds = load_dataset(name, samples=20_000, noise=0.5, **kwargs)
    assert np.abs(ds.X).max() <= 6.0


def test_blobs_default_noise_gives_seed_003s_accuracy():
    """Seed 003: 800/200 split, training accuracy 0.815, validation 0.805."""
    p = prepare(load_dataset("blobs"), val_fraction=0.2)
    assert (len(p.y_train), len(p.y_val)) == (800, 200)
    model = LogisticRegression().fit(p.X_train, p.y_train)
    assert 0.78 <= model.score(p.X_train, p.y_train) <= 0.85
    assert 0.76 <= model.score(p.X_val, p.y_val) <= 0.86


def test_more_noise_lowers_linear_accuracy_on_blobs():
    accuracies = [train_accuracy("blobs", noise=noise) for noise in (0.0, 0.3, 0.5)]
    assert accuracies[0] >= 0.99
    assert accuracies[0] > accuracies[1] + 0.1 > accuracies[2] + 0.2


def test_noise_flips_circle_and_xor_labels_the_right_features_still_fit():
    assert train_accuracy("circle", features=("x1^2", "x2^2")) == 1.0
    assert train_accuracy("circle", features=("x1^2", "x2^2"), noise=0.5) < 0.85
    assert train_accuracy("xor", features=("x1*x2",)) == 1.0
    assert train_accuracy("xor", features=("x1*x2",), noise=0.5) < 0.9


def test_noise_flips_labels_but_keeps_points():
    clean, noisy = load_dataset("circle", noise=0.0), load_dataset("circle", noise=0.5)
    np.testing.assert_array_equal(clean.X, noisy.X)
    assert 0.1 < np.mean(clean.y != noisy.y) < 0.4


def test_circle_geometry():
    ds = load_dataset("circle", samples=4000)
    r = np.hypot(ds.X[:, 0], ds.X[:, 1])
    assert r[ds.y == 0].max() <= 2.5 and r[ds.y == 1].min() >= 3.5 and r.max() <= 5.0


def test_xor_geometry():
    ds = load_dataset("xor", samples=4000)
    product = ds.X[:, 0] * ds.X[:, 1]
    assert (product[ds.y == 0] > 0).all() and (product[ds.y == 1] < 0).all()
    assert np.abs(ds.X).min() >= 0.3 and np.abs(ds.X).max() <= 5.3


def test_gauss_centres_and_spread_follow_the_playground():
    """Two clusters at (2, 2) and (-2, -2), variance 0.5 without noise and 4 at noise 0.5."""
    clean = load_dataset("gauss", samples=40_000)
    np.testing.assert_allclose(clean.X[clean.y == 0].mean(axis=0), [2, 2], atol=0.03)
    np.testing.assert_allclose(clean.X[clean.y == 1].mean(axis=0), [-2, -2], atol=0.03)
    np.testing.assert_allclose(clean.X[clean.y == 0].var(axis=0), [0.5, 0.5], rtol=0.05)
    noisy = load_dataset("gauss", samples=40_000, noise=0.5)
    spread = noisy.X[noisy.y == 0].var(axis=0)
    assert (spread > 2.5).all()  # variance 4, truncated to the frame


def test_gauss_with_more_classes_keeps_centres_apart():
    ds = load_dataset("gauss", samples=20_000, classes=6)
    centres = np.array([ds.X[ds.y == c].mean(axis=0) for c in range(6)])
    gaps = np.linalg.norm(centres - np.roll(centres, 1, axis=0), axis=1)
    np.testing.assert_allclose(gaps, 4.0, atol=0.1)


def test_spiral_points_lie_on_their_arms_without_noise():
    """Arm c: radius 5u at angle 3.5 pi u + 2 pi c / K, so angle and radius determine the arm."""
    for k in (2, 3):
        ds = load_dataset("spiral", samples=3000, classes=k)
        r = np.hypot(ds.X[:, 0], ds.X[:, 1])
        expected = 3.5 * np.pi * r / 5 + 2 * np.pi * ds.y / k
        np.testing.assert_allclose(ds.X[:, 0], r * np.sin(expected), atol=1e-12)
        np.testing.assert_allclose(ds.X[:, 1], r * np.cos(expected), atol=1e-12)


def test_spiral_noise_moves_points_off_their_arms_by_at_most_noise():
    clean = load_dataset("spiral", samples=3000)
    noisy = load_dataset("spiral", samples=3000, noise=0.4)
    offset = np.abs(noisy.X - clean.X)
    assert offset.max() <= 0.4 and offset.mean() > 0.15


def test_a_million_blobs():
    ds = load_dataset("blobs", samples=1_000_000, classes=10)
    assert ds.X.shape == (1_000_000, 2)
    np.testing.assert_array_equal(np.bincount(ds.y), [100_000] * 10)
