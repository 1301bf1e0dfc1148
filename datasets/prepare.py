"""Split, fit the pipeline on the training rows, and transform both splits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .dataset import Dataset
from .preprocessing import Pipeline
from .split import stratified_split


@dataclass(frozen=True, eq=False)
class Prepared:
    """Model-ready arrays; X_val and y_val are None when nothing is held out.

    ``train_index`` and ``val_index`` are the rows of ``dataset`` in each split (sorted), so
    that raw training rows are ``dataset.X[train_index]``.
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray | None
    y_val: np.ndarray | None
    pipeline: Pipeline
    dataset: Dataset
    train_index: np.ndarray
    val_index: np.ndarray


def prepare(
    dataset: Dataset,
    *,
    features: Sequence[str] | None = None,
    standardize: bool = True,
    val_fraction: float = 0.0,
    seed: int = 0,
    pipeline: Pipeline | None = None,
) -> Prepared:
    """Hold out ``val_fraction`` of each class, then fit ``features`` and standardization
    on the training rows only.

    ``pipeline``, an already fitted Pipeline (a saved model's, say), is applied as it is
    instead; ``features`` and ``standardize`` are then not used.
    """
    # A child of the seed's generator: a generated dataset drew its points from
    # default_rng(seed) itself, and the split should not replay those draws.
    rng = np.random.default_rng(seed).spawn(1)[0]
    train, val = stratified_split(dataset.y, val_fraction, rng)
    X_train_raw = dataset.X[train]
    if pipeline is None:
        pipeline = Pipeline.fit(X_train_raw, dataset.feature_names, features, standardize)
    has_val = val.size > 0
    return Prepared(
        X_train=pipeline.transform(X_train_raw),
        y_train=dataset.y[train],
        X_val=pipeline.transform(dataset.X[val]) if has_val else None,
        y_val=dataset.y[val] if has_val else None,
        pipeline=pipeline,
        dataset=dataset,
        train_index=train,
        val_index=val,
    )
