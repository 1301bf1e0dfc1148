"""Load a classification table from a CSV file.

The file has a header row naming the columns; one column (the last, or the one named by
``target``) holds the class labels and every other column a numeric feature.

Reading goes in two stages. The fast path hands the whole file to numpy.loadtxt's C
parser in one pass, the label column going through a converter that numbers each distinct
label as it first appears. If that parser gives up, or its table holds something we refuse
(NaN, an infinity, an empty label, fewer fields than the header), a row-by-row scan with the
csv module reads the file again: it raises a DatasetError naming the line and column of the
first problem, or, for the few inputs only it accepts (lines of spaces, say), returns the
table itself.
"""

from __future__ import annotations

import csv
import math
import os
import warnings
from array import array
from typing import IO

import numpy as np

from .dataset import Dataset, DatasetError

_ENCODING = "utf-8-sig"  # UTF-8, skipping the byte-order mark spreadsheets like to write


def load_csv(path: str | os.PathLike[str], target: str | None = None) -> Dataset:
    """Read ``path`` into a Dataset named after the path as given."""
    name = os.fspath(path)
    header = _read_header(name)
    target_col = _target_column(name, header, target)
    table = _fast_load(name, len(header), target_col)
    if table is None:
        table = _scan(name, header, target_col)
    X, codes, labels = table
    if X.shape[0] == 0:
        raise DatasetError(f"{name}: has a header but no data rows")

    class_names, class_of_code = _order_classes(labels)
    if len(class_names) < 2:
        raise DatasetError(
            f"{name}: column {header[target_col]!r} has only one class ({class_names[0]!r}); "
            "a classifier needs at least two"
        )
    feature_names = tuple(h for j, h in enumerate(header) if j != target_col)
    return Dataset(
        name=name,
        X=X,
        y=class_of_code[codes],
        feature_names=feature_names,
        class_names=class_names,
        description=(
            f"{os.path.basename(name)}: {X.shape[0]} rows, {X.shape[1]} features, "
            f"{len(class_names)} classes in column {header[target_col]!r}"
        ),
    )


def _os_message(path: str, error: OSError) -> str:
    if isinstance(error, FileNotFoundError):
        return f"{path}: no such file"
    if isinstance(error, IsADirectoryError):
        return f"{path}: is a directory, not a CSV file"
    if isinstance(error, PermissionError):
        return f"{path}: permission denied"
    return f"{path}: cannot read the file ({error.strerror or error})"


def _open(path: str) -> IO[str]:
    try:
        return open(path, encoding=_ENCODING, newline="")
    except OSError as e:
        raise DatasetError(_os_message(path, e)) from None


def _read_header(path: str) -> list[str]:
    """Check the whole file is readable UTF-8 text and return the column names on line 1."""
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise DatasetError(_os_message(path, e)) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        raise DatasetError(
            f"{path}: line {line}: not UTF-8 text (byte 0x{raw[e.start]:02x})"
        ) from None
    if not text or text.isspace():
        raise DatasetError(f"{path}: the file is empty")

    end = text.find("\n")
    try:
        header = next(csv.reader([(text if end < 0 else text[:end]).removeprefix("\ufeff")]))
    except csv.Error as e:
        raise DatasetError(f"{path}: line 1: {e}") from None
    if _is_blank(header):
        raise DatasetError(f"{path}: line 1 is blank; it must be a header naming the columns")
    names = [h.strip() for h in header]
    if len(names) < 2:
        raise DatasetError(
            f"{path}: line 1: found one column ({_show(names[0])}); need feature columns and a "
            "label column separated by commas"
        )
    for j, h in enumerate(names):
        if not h:
            raise DatasetError(f"{path}: line 1: column {j + 1} has no name")
        if h in names[:j]:
            raise DatasetError(f"{path}: line 1: column name {h!r} appears more than once")
    return names


def _is_blank(fields: list[str]) -> bool:
    """An empty line or a line of spaces; such lines are skipped."""
    return len(fields) <= 1 and not "".join(fields).strip()


def _show(text: str) -> str:
    """A cell's text quoted for a one-line message, cut short when long."""
    return repr(text if len(text) <= 40 else text[:37] + "...")


def _target_column(path: str, header: list[str], target: str | None) -> int:
    if target is None:
        return len(header) - 1
    if target not in header:
        raise DatasetError(
            f"{path}: no column named {target!r}; the columns are: {', '.join(header)}"
        )
    return header.index(target)


def _bad_label(text: str) -> bool:
    """Empty labels and NaN or infinite numbers are refused as labels."""
    if not text:
        return True
    try:
        return not math.isfinite(float(text))
    except ValueError:
        return False


def _fast_load(
    path: str, n_columns: int, target_col: int
) -> tuple[np.ndarray, np.ndarray, list[str]] | None:
    """The table through numpy's C parser, or None when the scan must look at the file."""
    codes: dict[str, int] = {}

    def number_label(text: str) -> int:
        return codes.setdefault(text.strip(), len(codes))

    with _open(path) as f:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # "input contained no data"
                table = np.loadtxt(
                    f,
                    dtype=np.float64,
                    delimiter=",",
                    comments=None,
                    quotechar='"',
                    skiprows=1,
                    ndmin=2,
                    converters={target_col: number_label},
                )
        except ValueError:  # a cell it cannot parse or a ragged row
            return None
    if table.shape[0] == 0 or table.shape[1] != n_columns:
        return None
    X = np.ascontiguousarray(np.delete(table, target_col, axis=1))
    if not np.isfinite(X).all() or any(_bad_label(label) for label in codes):
        return None
    return X, table[:, target_col].astype(np.int64), list(codes)


def _scan(
    path: str, header: list[str], target_col: int
) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Parse row by row with the csv module; raise a DatasetError at the first bad cell.

    A row's cells are converted in one go; only a row that fails, or whose sum is not
    finite (a NaN or an infinity, or a harmless overflow), is checked cell by cell.
    """
    feature_names = [h for j, h in enumerate(header) if j != target_col]
    values = array("d")
    label_codes = array("q")
    codes: dict[str, int] = {}
    with _open(path) as f:
        reader = csv.reader(f)
        try:
            next(reader)
            for fields in reader:
                if _is_blank(fields):
                    continue
                if len(fields) != len(header):
                    raise DatasetError(
                        f"{path}: line {reader.line_num} has {len(fields)} fields; "
                        f"the header has {len(header)}"
                    )
                label = fields.pop(target_col).strip()
                try:
                    row = [float(text) for text in fields]
                except ValueError:
                    row = _checked_row(f"{path}: line {reader.line_num}", feature_names, fields)
                if not math.isfinite(sum(row)):
                    row = _checked_row(f"{path}: line {reader.line_num}", feature_names, fields)
                values.extend(row)

                code = codes.get(label)
                if code is None:
                    if _bad_label(label):
                        problem = f"{_show(label)} is not a usable label" if label else "empty cell"
                        where = f"{path}: line {reader.line_num}, column {header[target_col]!r}"
                        raise DatasetError(f"{where}: {problem}")
                    code = codes[label] = len(codes)
                label_codes.append(code)
        except csv.Error as e:
            raise DatasetError(f"{path}: line {reader.line_num}: {e}") from None
    X = np.array(values, dtype=np.float64).reshape(-1, len(feature_names))
    return X, np.array(label_codes, dtype=np.int64), list(codes)


def _checked_row(where: str, names: list[str], fields: list[str]) -> list[float]:
    return [_parse_number(where, name, text) for name, text in zip(names, fields)]


def _parse_number(where: str, column: str, text: str) -> float:
    stripped = text.strip()
    if not stripped:
        raise DatasetError(f"{where}, column {column!r}: empty cell")
    try:
        value = float(stripped)
    except ValueError:
        raise DatasetError(
            f"{where}, column {column!r}: {_show(stripped)} is not a number "
            "(feature columns must be numeric)"
        ) from None
    if math.isnan(value):
        raise DatasetError(f"{where}, column {column!r}: NaN is not allowed")
    if math.isinf(value):
        raise DatasetError(f"{where}, column {column!r}: infinite value {_show(stripped)}")
    return value


def _order_classes(labels: list[str]) -> tuple[tuple[str, ...], np.ndarray]:
    """Class names in sorted order, and the class index of each label code.

    ``labels`` are the distinct label texts, code i being labels[i]. When every label is a
    number, classes sort numerically and texts naming the same number ("1", "1.0") share a
    class; otherwise they sort as strings.
    """
    try:
        values = [float(text) for text in labels]
    except ValueError:
        names = sorted(labels)
        index = {text: i for i, text in enumerate(names)}
        return tuple(names), np.array([index[text] for text in labels], dtype=np.int64)
    distinct = sorted(set(values))
    index = {v: i for i, v in enumerate(distinct)}
    names = tuple(str(int(v)) if v.is_integer() else repr(v) for v in distinct)
    return names, np.array([index[v] for v in values], dtype=np.int64)
