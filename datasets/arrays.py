"""A Dataset from arrays in memory: NumPy arrays, pandas DataFrames and Series, lists.

Under the rules of a data file (:mod:`.table`): the labels are coded as a file's label cells
are (:mod:`.labels`: numbers by value, then words; ``1`` and ``1.0`` one class), a missing
value (NaN, None, pandas' NA) is an error naming its row and column unless ``drop_missing``,
an infinite one always is, and one class is not enough. So ``X`` and ``y`` written to a CSV
file and read back by ``--dataset`` give the same Dataset, class for class. pandas is never
imported: a DataFrame is read by ``np.asarray`` and its ``columns``, a Series by its ``name``.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, NoReturn

import numpy as np

from .dataset import Dataset, DatasetError
from .labels import is_missing, is_unusable, show
from .table import LabelTexts, TableOptions, assemble

#: Array kinds read as numbers: booleans, integers, floats (as a Parquet file's columns are).
_NUMERIC_KINDS = "biuf"


@dataclass(frozen=True, eq=False)
class ArrayData:
    """Data given as arrays: the ``dataset`` (y coded 0..K-1), and ``classes``, the label each
    class had in ``y`` (K,), in the dataset's class order, so that a prediction can be given
    back as ``y`` gave it (the class index when ``y`` held indices of ``class_names``)."""

    dataset: Dataset
    classes: np.ndarray


def from_arrays(
    X: Any,
    y: Any,
    *,
    name: str,
    feature_names: Sequence[str] | None = None,
    class_names: Sequence[str] | None = None,
    drop_missing: bool = False,
    categorical_target: bool = False,
) -> ArrayData:
    """The dataset of rows ``X`` (n, d), numbers, and labels ``y`` (n,), named ``name`` (the
    start of every message).

    ``feature_names`` default to a DataFrame's columns, else ``x1`` ... ``xd``. Without
    ``class_names`` the classes are ``y``'s distinct labels (numbers, text or booleans) named
    and ordered as a data file's label column is; with them, ``y`` holds class indices
    0..K-1 and class k is named ``class_names[k]``. A class with no row left is left out,
    as in a data file. A pandas nullable y (Int64, boolean) is read as its values, its NA a
    missing label, and an Int64's classes stay integers. Raises DatasetError, one line, for:
    X not 2-D or with no column, rows of unequal length (X or y), a masked array with a
    masked value (refused rather than read as missing: fill it with NaN for that), a cell
    that is not a number, y not 1-D or of another length, feature or class names that are
    not a sequence of one distinct non-empty str per column or class, an index outside
    0..K-1, a missing value (unless ``drop_missing``), an infinite value, a continuous target
    (unless ``categorical_target``), fewer than two classes.
    """
    values = _matrix(X, name)
    names = _feature_names(X, values.shape[1], feature_names, name)
    # pandas' nullable dtypes (Int64, boolean, string, ...) are read as their values, with pd.NA
    # (whose text is <NA>, a missing label) where NumPy would make every number a float.
    extension = not isinstance(getattr(y, "dtype", np.dtype(object)), np.dtype)
    labels = _array(y, "y", name, dtype=None if class_names is None and not extension else object)
    if labels.ndim != 1:
        raise DatasetError(f"{name}: y must be 1-D (one label per row), got shape {labels.shape}")
    if labels.shape[0] != values.shape[0]:
        raise DatasetError(f"{name}: X has {values.shape[0]} rows but y has {labels.shape[0]} labels")
    target = str(y.name) if getattr(y, "name", None) is not None else "y"
    named = None if class_names is None else _names(class_names, "class_names", name)
    if named is None:
        texts, inverse, originals = _label_texts(labels)
    else:
        texts, inverse, originals = _indices(labels, named, name)
        if len(np.unique(inverse)) == 1:  # said with the class's name (the file rule would say its index)
            raise DatasetError(f"{name}: column {target!r} has only one class ({named[inverse[0]]!r}); "
                               "a classifier needs at least two")
    coded = LabelTexts()
    coded.add_coded(texts, inverse)
    matrix, missing_cells = _numbers(values, names, name)

    def explain(bad: np.ndarray) -> NoReturn:
        row = int(np.argmax(bad))
        for j, column in enumerate(names):
            value = matrix[row, j]
            if np.isnan(value):
                shown = missing_cells.get((row, j), "NaN")
                raise DatasetError(f"{name}: row {row + 1}, column {column!r}: missing value ({shown})")
            if np.isinf(value):
                raise DatasetError(f"{name}: row {row + 1}, column {column!r}: infinite value {float(value)!r}")
        text = texts[inverse[row]].strip()
        problem = f"{show(text)} is not a usable label (infinite)" if is_unusable(text) else \
            f"missing label ({show(text)})"
        raise DatasetError(f"{name}: row {row + 1}, column {target!r}: {problem}")

    options = TableOptions(drop_missing=drop_missing, categorical_target=categorical_target)
    dataset, coding = assemble(name, [*names, target], len(names), matrix, coded, options, explain,
                               where_row=lambda row: f"row {row + 1}")
    dataset = replace(dataset, description=f"{name}: {dataset.n_samples} rows, {dataset.n_features} features, "
                                           f"{dataset.n_classes} classes")
    # The label each class came from: the first of the distinct labels coded as that class
    # (``coded.texts`` holds ``texts``, each once, in their order).
    first = {}
    for i, k in enumerate(coding.class_of_text):
        if k >= 0:
            first.setdefault(coding.class_names[k], i)
    classes = originals[[first[k] for k in dataset.class_names]]
    if extension and named is None and hasattr(y.dtype, "numpy_dtype"):  # Int64's classes as int64
        classes = classes.astype(y.dtype.numpy_dtype)
    if named is not None:
        dataset = replace(dataset, class_names=tuple(named[int(k)] for k in dataset.class_names))
    return ArrayData(dataset, classes)


def feature_rows(X: Any, columns: Sequence[str], name: str) -> np.ndarray:
    """Rows to predict: ``X`` (n, d) with the d ``columns`` a model was trained on (a
    DataFrame's must be named so, in that order; a single row may be given 1-D), as float64.
    DatasetError, one line, for another shape or columns, rows of unequal length, a masked
    value, or a value that is not a finite number."""
    values = _matrix(X, name, one_row=True)
    columns = list(columns)
    if values.shape[1] != len(columns):
        raise DatasetError(f"{name}: X has {values.shape[1]} columns; the model reads {len(columns)}")
    if hasattr(X, "columns") and [str(c) for c in X.columns] != columns:
        raise DatasetError(f"{name}: the columns are {', '.join(map(str, X.columns))}; the model reads "
                           f"{', '.join(columns)}")
    matrix, _ = _numbers(values, columns, name)
    bad = ~np.isfinite(matrix)
    if bad.any():
        row, j = (int(i) for i in np.argwhere(bad)[0])
        what = "missing value (NaN)" if np.isnan(matrix[row, j]) else f"infinite value {matrix[row, j]!r}"
        raise DatasetError(f"{name}: row {row + 1}, column {columns[j]!r}: {what}")
    return matrix


def _array(values: Any, what: str, name: str, dtype: Any = None) -> np.ndarray:
    """``values`` (``what``: X or y) as an array; a DatasetError for rows of unequal length
    (which NumPy cannot make an array of) and for a masked array with a masked value (its
    mask would be lost: fill it, with NaN for a missing value)."""
    if np.ma.is_masked(values):
        raise DatasetError(f"{name}: {what} is a masked array with masked values; fill them "
                           f"({what}.filled(np.nan) makes them missing values)")
    try:
        return np.asarray(values, dtype=dtype)
    except ValueError:
        raise DatasetError(f"{name}: {what} has rows of unequal length") from None


def _matrix(X: Any, name: str, *, one_row: bool = False) -> np.ndarray:
    """``X`` as a 2-D array (a 1-D one as one row if ``one_row``): float64 when every column
    is numeric, else the array of objects or text whose cells :func:`_numbers` reads."""
    values = _array(X, "X", name)
    if one_row and values.ndim == 1:
        X, values = [X], values[None, :]
    if values.ndim != 2:
        hint = " (one feature: X.reshape(-1, 1))" if values.ndim == 1 else ""
        raise DatasetError(f"{name}: X must be 2-D, one row per sample, got shape {values.shape}{hint}")
    if values.shape[1] == 0:
        raise DatasetError(f"{name}: X has no columns")
    if values.dtype.kind in _NUMERIC_KINDS:
        return np.ascontiguousarray(values, dtype=np.float64)
    if values.dtype.kind not in "OUS":
        raise DatasetError(f"{name}: X holds {values.dtype} values, not numbers (feature columns must be numeric)")
    if values.dtype.kind != "O" and not isinstance(X, np.ndarray):
        # A sequence's numbers, which NumPy made text beside its text, stay numbers read as objects.
        return _array(X, "X", name, dtype=object)
    return values


def _numbers(values: np.ndarray, columns: list[str], name: str) -> tuple[np.ndarray, dict[tuple[int, int], str]]:
    """``values`` (from :func:`_matrix`) as float64, NaN where a cell is missing, and the
    text of the missing cells that were not NaN (None, pandas' ``<NA>``) by (row, column).
    A cell that is not a number is a DatasetError naming its row and column."""
    if values.dtype.kind in _NUMERIC_KINDS:
        return values, {}
    matrix = np.empty(values.shape, dtype=np.float64)
    missing = {}
    for (i, j), value in np.ndenumerate(values):
        if isinstance(value, (numbers.Real, Decimal)):
            matrix[i, j] = float(value)
        elif value is None or is_missing(str(value)):
            matrix[i, j] = np.nan
            missing[i, j] = str(value)
        else:
            raise DatasetError(f"{name}: row {i + 1}, column {columns[j]!r}: {show(str(value))} is not a number "
                               "(feature columns must be numeric)")
    return matrix, missing


def _feature_names(X: Any, d: int, given: Sequence[str] | None, name: str) -> list[str]:
    if given is not None:
        names = _names(given, "feature_names", name)
    elif hasattr(X, "columns"):
        names = [str(column) for column in X.columns]
        _names(names, "the columns", name)
    else:
        names = [f"x{j + 1}" for j in range(d)]
    if len(names) != d:
        raise DatasetError(f"{name}: {len(names)} feature names for {d} columns of X")
    return names


def _names(given: Sequence[str], what: str, name: str) -> list[str]:
    """``given`` names, each non-empty text and each once."""
    if isinstance(given, (str, bytes)) or not isinstance(given, Iterable):
        raise DatasetError(f"{name}: {what} must be a sequence of names, not {described(given, quote=False)}")
    names: dict[str, None] = {}  # in order, each once
    for i, item in enumerate(given):
        if not isinstance(item, str) or not item:
            raise DatasetError(f"{name}: {what}[{i}] must be a non-empty string, got {item!r}")
        if item in names:
            raise DatasetError(f"{name}: {what}: {item!r} appears more than once")
        names[str(item)] = None  # NumPy's str_ too
    return list(names)


def described(value: Any, *, quote: bool = True) -> str:
    """What ``value``, given where something else was expected, is, in a message: with
    ``quote`` a bool, number, str or bytes whose repr is short (40 characters at most) as
    that repr; without it a str or bytes as "one string"; anything else as "a value of type
    T" (T its type's name)."""
    if quote and isinstance(value, (bool, np.bool_, numbers.Number, str, bytes)) and len(repr(value)) <= 40:
        return repr(value)
    if not quote and isinstance(value, (str, bytes)):
        return "one string"
    return f"a value of type {type(value).__name__}"


def _label_texts(labels: np.ndarray) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Each distinct label as a data file's cell would read (its ``str``), each row's index
    into them, and the distinct labels themselves."""
    if labels.dtype != object:
        originals, inverse = np.unique(labels, return_inverse=True)
        return [str(v) for v in originals.tolist()], inverse.reshape(-1), originals
    index: dict[str, int] = {}
    firsts: list[Any] = []
    inverse = np.empty(len(labels), dtype=np.int64)
    for i, value in enumerate(labels):
        text = "None" if value is None else str(value)
        if text not in index:
            index[text] = len(firsts)
            firsts.append(value)
        inverse[i] = index[text]
    originals = np.empty(len(firsts), dtype=object)
    originals[:] = firsts
    return list(index), inverse, originals


def _indices(labels: np.ndarray, class_names: list[str], name: str) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Class indices 0..K-1 in ``labels`` as :func:`_label_texts` gives labels: the texts
    "0".."K-1" (which a file's labels sort in that order)."""
    k = len(class_names)
    inverse = np.empty(len(labels), dtype=np.int64)
    for i, value in enumerate(labels):
        integral = isinstance(value, numbers.Integral) and not isinstance(value, bool)
        if not integral or not 0 <= value < k:
            raise DatasetError(f"{name}: row {i + 1}: y must hold class indices 0..{k - 1} with class_names, "
                               f"got {value!r}")
        inverse[i] = value
    return [str(c) for c in range(k)], inverse, np.arange(k)
