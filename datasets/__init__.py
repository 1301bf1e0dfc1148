"""Datasets for softmax-tui: built-in sets, generators, data files (CSV, Parquet, Feather) and preprocessing.

Pure NumPy. Every loader returns a Dataset of raw columns; ``prepare`` splits it and maps
raw columns to model features through a Pipeline fitted on the training rows.
"""

from softmax_tui._lazy import lazy_exports

from .builtin import (
    MAX_CLASSES,
    MAX_SAMPLES,
    fixed_feature_count,
    generated_set,
    is_builtin,
    list_datasets,
    load_dataset,
)
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


#: Names imported on first use, with their modules: the CSV reader (csv, a thread pool), the
#: arrays of the Python API (decimal) and the generated sets' table cost every start time
#: that a run on a fixed set does not need.
_LAZY = {"load_csv": "csv_loader", "ArrayData": "arrays", "feature_rows": "arrays", "from_arrays": "arrays",
         "GeneratedSet": "generators"}
__getattr__, __dir__ = lazy_exports(globals(), {name: f"{__name__}.{module}" for name, module in _LAZY.items()})
