"""The Dataset record every loader returns, and the error a user's mistake raises."""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np


class DatasetError(Exception):
    """A mistake the user can fix (bad flag, bad CSV); str(e) is one line fit to print as-is."""


@dataclass(frozen=True, eq=False)
class Dataset:
    """Raw data plus names: X is (n, d0) float64 C-contiguous, y is (n,) int64 in 0..K-1."""

    name: str
    X: np.ndarray
    y: np.ndarray
    feature_names: tuple[str, ...]
    class_names: tuple[str, ...]
    description: str
    #: Rows of the file left out for a missing value (``--drop-missing``), and a line saying so.
    dropped_rows: int = 0
    dropped_note: str = ""
    #: (height, width) when each row is an image's pixels in row-major order (digits: (8, 8)),
    #: so that a class's weights can be drawn as an image; None otherwise.
    image_shape: tuple[int, int] | None = None

    @property
    def short_name(self) -> str:
        """The name to show: a data file's name without its folders (a built-in's as it is)."""
        return os.path.basename(self.name)

    @property
    def n_classes(self) -> int:
        return len(self.class_names)

    @property
    def n_samples(self) -> int:
        return self.X.shape[0]

    @property
    def n_features(self) -> int:
        return self.X.shape[1]
