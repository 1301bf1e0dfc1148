"""Built-in datasets by name: rgb20, iris, wine and digits contents, list_datasets, load_dataset's flags."""

import numpy as np
import pytest
from sklearn.datasets import load_digits, load_iris, load_wine

from softmax_tui.datasets import (
    Dataset,
    DatasetError,
    TableOptions,
    fixed_feature_count,
    list_datasets,
    load_dataset,
)

BUILTINS = {"rgb20", "iris", "wine", "digits", "blobs", "circle", "xor", "gauss", "spiral"}
FIXED = ("rgb20", "iris", "wine", "digits")


def test_rgb20_is_seed_000s_points(rgb20):
    """Seed 000, "Softmax Regression": X and y exactly as printed in the tutorial (conftest.py)."""
    ds = load_dataset("rgb20")
    np.testing.assert_array_equal(ds.X, rgb20[0])
    np.testing.assert_array_equal(ds.y, rgb20[1])
    assert ds.X.dtype == np.float64 and ds.X.flags.c_contiguous
    assert ds.y.dtype == np.int64
    assert ds.class_names == ("red", "green", "blue")
    assert ds.feature_names == ("x1", "x2")
    assert (ds.name, ds.n_samples, ds.n_features, ds.n_classes) == ("rgb20", 20, 2, 3)


def test_rgb20_is_a_fresh_copy_each_time():
    first = load_dataset("rgb20")
    first.X[0, 0] = 99.0
    assert load_dataset("rgb20").X[0, 0] == -0.1


def test_iris_matches_scikit_learn():
    ds = load_dataset("iris")
    reference = load_iris()
    assert ds.X.shape == (150, 4)
    np.testing.assert_array_equal(ds.X, reference.data)
    np.testing.assert_array_equal(ds.y, reference.target)
    np.testing.assert_array_equal(np.bincount(ds.y), [50, 50, 50])
    assert ds.class_names == tuple(reference.target_names) == ("setosa", "versicolor", "virginica")
    assert ds.feature_names == ("sepal_length", "sepal_width", "petal_length", "petal_width")
    assert ds.name == "iris"
    assert ds.X.flags.c_contiguous and ds.y.dtype == np.int64


def test_wine_matches_scikit_learn():
    """The UCI wine set as scikit-learn bundles it (load_wine), value for value."""
    ds, reference = load_dataset("wine"), load_wine()
    assert ds.X.shape == (178, 13)
    np.testing.assert_array_equal(ds.X, reference.data)
    np.testing.assert_array_equal(ds.y, reference.target)
    np.testing.assert_array_equal(np.bincount(ds.y), [59, 71, 48])
    assert ds.class_names == ("cultivar 1", "cultivar 2", "cultivar 3")
    assert ds.feature_names[0] == "alcohol" and ds.feature_names[-1] == "proline"
    assert ds.feature_names[11] == "od280_od315_of_diluted_wines"  # scikit-learn's name with its "/"
    assert ds.image_shape is None


def test_digits_matches_scikit_learn_and_is_an_image_set():
    ds, reference = load_dataset("digits"), load_digits()
    assert ds.X.shape == (1797, 64)
    np.testing.assert_array_equal(ds.X, reference.data)
    np.testing.assert_array_equal(ds.y, reference.target)
    assert ds.class_names == tuple(str(k) for k in range(10))
    assert ds.feature_names[:3] == ("pixel_0_0", "pixel_0_1", "pixel_0_2") and ds.feature_names[-1] == "pixel_7_7"
    assert ds.image_shape == (8, 8)
    # the first image is a zero, row by row: a hole in the middle, the left stroke drawn
    image = ds.X[0].reshape(8, 8)
    assert ds.y[0] == 0 and image[3:5, 3:5].sum() == 0 and image[2:6, 2].min() > 0


@pytest.mark.parametrize("name", FIXED)
def test_fixed_feature_count_reads_the_header_right(name):
    assert fixed_feature_count(name) == load_dataset(name).n_features


def test_list_datasets_describes_every_builtin_in_one_line():
    listed = list_datasets()
    assert {name for name, _ in listed} == BUILTINS
    assert len(listed) == len(BUILTINS)
    for name, description in listed:
        assert description and "\n" not in description, name


@pytest.mark.parametrize("name", sorted(BUILTINS))
def test_every_listed_name_loads(name):
    ds = load_dataset(name)
    assert isinstance(ds, Dataset)
    assert ds.name == name
    assert ds.X.shape == (ds.n_samples, ds.n_features)
    assert ds.y.shape == (ds.n_samples,)
    assert set(np.unique(ds.y)) == set(range(ds.n_classes))
    assert len(ds.feature_names) == ds.n_features
    assert ds.description and "\n" not in ds.description


def test_unknown_name_lists_the_valid_names():
    with pytest.raises(DatasetError) as info:
        load_dataset("irsi")
    message = str(info.value)
    assert "'irsi'" in message
    for name in BUILTINS:
        assert name in message
    assert message.endswith("or give a path to a data file")


@pytest.mark.parametrize(
    "name, flag, value",
    [
        ("iris", "classes", 3),
        ("rgb20", "classes", 3),
        ("circle", "classes", 3),
        ("xor", "classes", 2),
        ("iris", "samples", 100),
        ("wine", "samples", 100),
        ("digits", "classes", 5),
        ("rgb20", "noise", 0.1),
    ],
)
def test_flags_that_do_not_apply_are_refused(name, flag, value):
    with pytest.raises(DatasetError, match=f"--{flag} does not apply to {name}"):
        load_dataset(name, **{flag: value})


def test_target_applies_to_files_only():
    with pytest.raises(DatasetError, match="--target, .* apply to data files only, not to the built-in 'iris'"):
        load_dataset("iris", table=TableOptions(target="species"))


@pytest.mark.parametrize("flag, value", [("samples", 10), ("classes", 3), ("noise", 0.1)])
def test_generator_flags_do_not_apply_to_csv(tmp_path, flag, value):
    path = tmp_path / "data.csv"
    path.write_text("a,b\n1,x\n2,y\n")
    with pytest.raises(DatasetError, match=f"--{flag} does not apply to a data file"):
        load_dataset(str(path), **{flag: value})


def test_paths_go_to_the_csv_loader(tmp_path, monkeypatch):
    path = tmp_path / "table.csv"
    path.write_text("a,b,label\n1,2,x\n3,4,y\n")
    ds = load_dataset(str(path), table=TableOptions(target="label"))
    assert ds.name == str(path) and ds.class_names == ("x", "y")
    monkeypatch.chdir(tmp_path)
    assert load_dataset("table.csv").n_samples == 2  # no separator, but ends in .csv
    with pytest.raises(DatasetError, match="sub/data: no such file"):
        load_dataset("sub/data")  # a separator makes it a path, not a name


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"classes": 1}, "--classes must be between 2 and 10, got 1"),
        ({"classes": 11}, "--classes must be between 2 and 10, got 11"),
        ({"samples": 1}, "--samples must be at least 3 for 3 classes, got 1"),
        ({"samples": 4, "classes": 5}, "--samples must be at least 5 for 5 classes, got 4"),
        ({"noise": -0.1}, "--noise must be between 0 and 0.5, got -0.1"),
        ({"noise": 0.6}, "--noise must be between 0 and 0.5, got 0.6"),
        ({"noise": float("nan")}, "--noise must be between 0 and 0.5, got nan"),
    ],
)
def test_generator_arguments_are_validated(kwargs, message):
    with pytest.raises(DatasetError) as info:
        load_dataset("blobs", **kwargs)
    assert str(info.value) == message


def test_two_samples_is_the_minimum():
    with pytest.raises(DatasetError, match="at least 2 for 2 classes, got 1"):
        load_dataset("circle", samples=1)
    assert load_dataset("circle", samples=2).n_samples == 2
