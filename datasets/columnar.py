"""Parquet and Feather / Arrow IPC tables, read by pyarrow, under the same rules as text.

The file's own column types are kept: every column but the target must be numeric (integers,
floats, decimals or booleans, read as float64); the target may be of any type and its values
are turned into text (exactly: integers keep every digit) for :mod:`.labels`. A null or NaN
is a missing value. Problems name the row (1 is the first data row) and column.
"""

from __future__ import annotations

from typing import NoReturn

import numpy as np

from .dataset import Dataset, DatasetError
from .labels import is_missing, is_unusable, show
from .source import open_source
from .table import (PARQUET_EXTENSIONS, LabelTexts, TableOptions, assemble, check_column_names,
                    feature_matrix, target_column)


def read_columnar(name: str, options: TableOptions) -> Dataset:
    """The Dataset in the Parquet or Feather file ``name``; DatasetError names row and column."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if options.delimiter is not None or not options.header:
        raise DatasetError(f"{name}: --delimiter and --no-header apply to text files only")
    source = open_source(name, binary=True)
    parquet = name.lower().endswith(PARQUET_EXTENSIONS)
    try:
        if parquet:
            from pyarrow import parquet as pq

            table = pq.read_table(source.parser_input())
        else:
            from pyarrow import feather

            table = feather.read_table(source.parser_input())
    except (pa.ArrowException, OSError, ValueError) as e:
        kind = "Parquet" if parquet else "Feather/Arrow IPC"
        raise DatasetError(f"{name}: not a readable {kind} file ({str(e).splitlines()[0]})") from None

    names = [str(n) for n in table.column_names]
    check_column_names(name, names, "the schema")
    target_col = target_column(name, names, options.target)
    columns = []
    for j, column in enumerate(table.columns):
        if j == target_col:
            try:
                columns.append(pc.cast(column, pa.string()))
            except pa.ArrowException:
                raise DatasetError(f"{name}: column {names[j]!r} holds {column.type} values, "
                                   "which cannot be read as class labels (text or numbers)") from None
            continue
        kind = column.type
        if not (pa.types.is_integer(kind) or pa.types.is_floating(kind)
                or pa.types.is_decimal(kind) or pa.types.is_boolean(kind)):
            raise DatasetError(f"{name}: column {names[j]!r} holds {kind} values, not numbers "
                               "(feature columns must be numeric)")
        columns.append(pc.cast(column, pa.float64(), safe=False))
    if table.num_rows == 0:
        raise DatasetError(f"{name}: has no data rows")

    def explain(bad: np.ndarray) -> NoReturn:
        row = int(np.argmax(bad))
        for j, column in enumerate(columns):
            value = column[row].as_py()
            if j == target_col:
                text = "" if value is None else value.strip()
                if is_unusable(text):
                    problem = f"{show(text)} is not a usable label (infinite)"
                elif value is None or is_missing(text):
                    problem = f"missing label ({show(text) if value is not None else 'null'})"
                else:
                    continue
            elif value is None or np.isnan(value):
                problem = f"missing value ({'null' if value is None else 'NaN'})"
            elif np.isinf(value):
                problem = f"infinite value {value!r}"
            else:
                continue
            raise DatasetError(f"{name}: row {row + 1}, column {names[j]!r}: {problem}")
        raise DatasetError(f"{name}: row {row + 1}: a missing or infinite value")

    labels = LabelTexts()
    for chunk in columns[target_col].chunks:
        labels.add(chunk)
    dataset, _ = assemble(name, names, target_col, feature_matrix(columns, target_col), labels,
                          options, explain,
                          where_row=lambda row: f"row {row + 1}")
    return dataset
