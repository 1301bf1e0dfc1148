"""Datasets for softmax-tui: built-in sets, generators, CSV loading and preprocessing.

Pure NumPy. Every loader returns a Dataset of raw columns; ``prepare`` splits it and maps
raw columns to model features through a Pipeline fitted on the training rows.
"""

from .csv_loader import load_csv
from .dataset import Dataset, DatasetError

__all__ = ["Dataset", "DatasetError", "load_csv"]
