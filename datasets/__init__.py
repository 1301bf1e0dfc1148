"""Datasets for softmax-tui: built-in sets, generators, data files (CSV, Parquet, Feather) and preprocessing.

Pure NumPy. Every loader returns a Dataset of raw columns; ``prepare`` splits it and maps
raw columns to model features through a Pipeline fitted on the training rows.
"""

from .builtin import (
    MAX_CLASSES,
    MAX_SAMPLES,
    GeneratedSet,
    fixed_feature_count,
    generated_set,
    is_builtin,
    list_datasets,
    load_dataset,
)
from .arrays import ArrayData, feature_rows, from_arrays
from .dataset import Dataset, DatasetError
from .prepare import Prepared, prepare
from .table import TableOptions, is_table_path, load_table
from .preprocessing import FEATURE_TRANSFORMS, Pipeline, parse_features
from .split import stratified_split

__all__ = [
    "MAX_CLASSES",
    "MAX_SAMPLES",
    "ArrayData",
    "FEATURE_TRANSFORMS",
    "Dataset",
    "GeneratedSet",
    "DatasetError",
    "Pipeline",
    "Prepared",
    "TableOptions",
    "feature_rows",
    "fixed_feature_count", "from_arrays", "generated_set",
    "is_builtin",
    "is_table_path",
    "list_datasets",
    "load_csv",
    "load_dataset",
    "load_table",
    "parse_features",
    "prepare",
    "stratified_split",
]


def __getattr__(name: str):
    """``load_csv`` on first use: the CSV reader (csv, a thread pool) costs every start a few
    milliseconds that a run on a built-in set does not need."""
    if name == "load_csv":
        from .csv_loader import load_csv

        return load_csv
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
