"""Load a classification table from a data file: CSV/TSV text, Parquet or Feather/Arrow IPC.

Every format is parsed by Apache Arrow (``pyarrow``) and ends here, in the same rules: one
column (the last, or ``TableOptions.target``) holds the class labels (see :mod:`.labels`),
every other column a number; a missing value is an error naming where it is, or, with
``drop_missing``, drops its row.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, NoReturn

import numpy as np

from .dataset import Dataset, DatasetError

if TYPE_CHECKING:
    from .labels import LabelCoding

#: File extensions read as Parquet and as Feather / Arrow IPC; anything else is text.
PARQUET_EXTENSIONS = (".parquet", ".pq")
ARROW_EXTENSIONS = (".feather", ".arrow", ".ipc")
TEXT_EXTENSIONS = (".csv", ".tsv", ".tab", ".txt")


@dataclass(frozen=True)
class TableOptions:
    """How to read a table file.

    ``target``: the label column's name (default: the last column). ``delimiter``: one of
    ``,`` ``;`` tab ``|`` for text files (default: detected from the first lines).
    ``header``: whether a text file's first line names the columns (without one they are
    named ``col1``, ``col2``, ...). ``drop_missing``: drop rows with a missing value instead
    of refusing the file. ``categorical_target``: accept a target of non-integer numbers,
    each distinct value a class.
    """

    target: str | None = None
    delimiter: str | None = None
    header: bool = True
    drop_missing: bool = False
    categorical_target: bool = False


def is_table_path(spec: str) -> bool:
    """True when ``spec`` names a file: it holds a path separator or a data file extension."""
    separators = {"/", os.sep, os.altsep} - {None}
    extensions = (*TEXT_EXTENSIONS, *PARQUET_EXTENSIONS, *ARROW_EXTENSIONS)
    return any(s in spec for s in separators) or spec.lower().endswith(extensions)


def load_table(path: str | os.PathLike[str], options: TableOptions = TableOptions()) -> Dataset:
    """Read the data file ``path`` into a Dataset named after the path as given.

    The format follows the extension (:data:`PARQUET_EXTENSIONS`, :data:`ARROW_EXTENSIONS`,
    else delimited text). Raises DatasetError, one line naming the file (and the line or row
    and column where it can), for every problem in the file.
    """
    name = os.fspath(path)
    lower = name.lower()
    if lower.endswith(PARQUET_EXTENSIONS + ARROW_EXTENSIONS):
        from .columnar import read_columnar

        return read_columnar(name, options)
    from .csv_loader import read_text_table

    return read_text_table(name, options)


def assemble(
    name: str,
    column_names: list[str],
    target_col: int,
    X: np.ndarray,
    labels: LabelTexts,
    options: TableOptions,
    explain: Callable[[np.ndarray], NoReturn],
    where_row: Callable[[int], str],
) -> tuple[Dataset, LabelCoding]:
    """The Dataset of a parsed table: ``X`` (n, d) float64, NaN where a value is missing, the
    feature columns in order; ``labels`` the target column's cells. Applies the missing-value
    and label rules. Returns it with the coding of ``labels.texts`` (:class:`LabelCoding`:
    each distinct text's class among all the classes named, before the classes with no row
    left are left out; the Dataset's ``class_names`` are those with rows).

    ``explain(bad_rows)`` raises the DatasetError for the first problem row (a missing or
    infinite value), naming where it is in the file; ``where_row(i)`` names row i (for the
    note on dropped rows).
    """
    from .labels import MISSING, UNUSABLE, code_labels  # here: its decimal costs a built-in set's start 2 ms

    feature_cols = [j for j in range(len(column_names)) if j != target_col]
    # Trimmed after coding: the distinct texts are few, the cells many.
    coding = code_labels([text.strip() for text in labels.texts],
                         f"{name}: column {column_names[target_col]!r}", options.categorical_target)
    y = coding.class_of_text[labels.codes()]

    if np.isfinite(X).all():
        infinite = missing = np.zeros(len(y), dtype=bool)
    else:
        infinite, missing = np.isinf(X).any(axis=1), np.isnan(X).any(axis=1)
    infinite = infinite | (y == UNUSABLE)
    missing = missing | (y == MISSING)
    refused = infinite | (missing & (not options.drop_missing))
    if refused.any():
        explain(refused)
    dropped = int(missing.sum())
    if dropped:
        keep = ~missing
        X, y = np.ascontiguousarray(X[keep]), y[keep]
    if X.shape[0] == 0:
        raise DatasetError(f"{name}: no data rows" + (f" ({dropped} dropped for a missing value)"
                                                        if dropped else ""))
    present = np.bincount(y, minlength=len(coding.class_names)) > 0  # dropped rows take classes
    y = (np.cumsum(present) - 1)[y]
    class_names = tuple(k for k, kept in zip(coding.class_names, present) if kept)
    target = column_names[target_col]
    if len(class_names) < 2:
        raise DatasetError(
            f"{name}: column {target!r} has only one class ({class_names[0]!r}); "
            "a classifier needs at least two"
        )
    first_dropped = f", the first at {where_row(int(np.argmax(missing)))}" if dropped else ""
    dataset = Dataset(
        name=name,
        X=X,
        y=y,
        feature_names=tuple(column_names[j] for j in feature_cols),
        class_names=class_names,
        description=(
            f"{os.path.basename(name)}: {X.shape[0]} rows, {X.shape[1]} features, "
            f"{len(class_names)} classes in column {target!r}"
        ),
        dropped_rows=dropped,
        dropped_note=(f"dropped {dropped} row{'s' if dropped != 1 else ''} with a missing value"
                      f"{first_dropped}") if dropped else "",
    )
    return dataset, coding


class LabelTexts:
    """The target column's cells, coded by their text a chunk at a time: ``texts`` holds each
    distinct text once (in order of appearance), ``codes()`` each cell's index into it. A
    null is the empty text."""

    def __init__(self) -> None:
        self.texts: dict[str, int] = {}
        self._codes: list[np.ndarray] = []

    @staticmethod
    def encode(cells):
        """An Arrow string array's cells as a dictionary array (the costly part of ``add``,
        which a worker thread may do)."""
        import pyarrow.compute as pc

        if cells.null_count:  # only then: pa.scalar("") imports pandas when it is installed
            cells = pc.fill_null(cells, "")
        return pc.dictionary_encode(cells)

    def add(self, cells) -> None:
        """Append an Arrow string array's cells."""
        self.add_encoded(self.encode(cells))

    def add_encoded(self, encoded) -> None:
        """Append cells given as ``encode``'s dictionary array."""
        self.add_coded(encoded.dictionary.to_pylist(), _integers(encoded.indices))

    def add_coded(self, texts: list[str], indices: np.ndarray) -> None:
        """Append cells given as distinct ``texts`` and each cell's index into them (n,)."""
        lookup = np.array([self.texts.setdefault(t, len(self.texts)) for t in texts], dtype=np.int64)
        self._codes.append(lookup[indices])

    def codes(self) -> np.ndarray:
        """(n,) int64 indices into ``texts``, one per cell added."""
        return np.concatenate(self._codes) if self._codes else np.zeros(0, dtype=np.int64)


def feature_matrix(columns: list, target_col: int) -> np.ndarray:
    """(n, d) float64 C-contiguous from Arrow float64 ``columns`` but the target (null: NaN)."""
    import pyarrow as pa

    features = pa.table([c for j, c in enumerate(columns) if j != target_col],
                        names=[str(j) for j in range(len(columns) - 1)])
    X = np.empty((features.num_rows, features.num_columns), dtype=np.float64)
    n = 0
    for batch in features.to_batches():
        X[n : n + batch.num_rows] = batch.to_tensor(null_to_nan=True, row_major=True)
        n += batch.num_rows
    return X


def _integers(array) -> np.ndarray:
    """An Arrow integer array without nulls as NumPy, read from its buffer (``to_numpy``
    imports pandas when it is installed, a fifth of a second)."""
    dtype = np.dtype(f"int{array.type.bit_width}")
    return np.frombuffer(array.buffers()[1], dtype=dtype, count=len(array),
                         offset=array.offset * dtype.itemsize)


def check_column_names(name: str, names: list[str], where: str) -> None:
    """Every column named, once. ``where`` prefixes messages ("line 1")."""
    seen: set[str] = set()
    for j, h in enumerate(names):
        if not h:
            raise DatasetError(f"{name}: {where}: column {j + 1} has no name")
        if h in seen:
            raise DatasetError(f"{name}: {where}: column name {h!r} appears more than once")
        seen.add(h)
    if len(names) < 2:
        found = f"one column ({names[0]!r})" if names else "no columns"
        raise DatasetError(f"{name}: {where}: found {found}; need feature columns and a label "
                           "column")


def target_column(name: str, names: list[str], target: str | None) -> int:
    """The index of the label column."""
    if target is None:
        return len(names) - 1
    try:
        return names.index(target)
    except ValueError:
        raise DatasetError(
            f"{name}: no column named {target!r}; the columns are: {', '.join(names)}"
        ) from None
