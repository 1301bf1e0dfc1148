"""Stratified train/validation split."""

from __future__ import annotations

import numpy as np

from .dataset import DatasetError


def stratified_split(
    y: np.ndarray, val_fraction: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """(train_idx, val_idx), both sorted, holding out about ``val_fraction`` of each class.

    A class of n_c samples sends floor(f * n_c) or ceil(f * n_c) of them, chosen at random,
    to validation, so its share is off by less than one sample. The floors are topped up,
    largest remainder first, until the validation set has round(f * n) samples where the
    constraints allow: every class keeps at least one training sample, and a class with two
    or more samples gives at least one to validation.
    """
    if not 0 <= val_fraction < 1:
        raise DatasetError(f"the validation fraction must be in [0, 1), got {val_fraction}")
    y = np.asarray(y)
    if val_fraction == 0:
        return np.arange(len(y)), np.empty(0, dtype=np.int64)

    classes, inverse, counts = np.unique(y, return_inverse=True, return_counts=True)
    exact = val_fraction * counts
    floor = np.floor(exact).astype(np.int64)
    ceil = np.ceil(exact).astype(np.int64)
    low = np.minimum(np.minimum(counts - 1, 1), ceil)
    high = np.minimum(ceil, counts - 1)
    n_val = np.clip(floor, low, high)
    missing = round(val_fraction * len(y)) - int(n_val.sum())
    by_remainder = np.argsort(-(exact - n_val), kind="stable")
    can_grow = by_remainder[n_val[by_remainder] < high[by_remainder]]
    n_val[can_grow[: max(missing, 0)]] += 1

    val = [
        rng.permutation(np.flatnonzero(inverse == c))[: n_val[c]] for c in range(len(classes))
    ]
    val_idx = np.sort(np.concatenate(val))
    in_val = np.zeros(len(y), dtype=bool)
    in_val[val_idx] = True
    return np.flatnonzero(~in_val), val_idx
