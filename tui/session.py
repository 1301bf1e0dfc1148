"""From options to a ready run: the dataset, its preprocessing and split, a model and a trainer.

The dashboard and ``--headless`` both start here, so the same flags give the same run.
Random streams are independent and all derived from ``--seed``: the generated data and the
split use the seed itself, the initial weights ``[seed, 1]``, the shuffling ``[seed, 2]``.

With ``--load-model`` the run starts from the saved parameters and keeps the saved
preprocessing (the file's mean and scale, not a refit on this data), so the loaded model
makes exactly the predictions it made when it was saved.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from softmax_tui.datasets import Dataset, Pipeline, Prepared, load_dataset, parse_features, prepare
from softmax_tui.engine import Optimizer, SoftmaxRegression, Trainer

from .errors import UserError
from .modelfile import SavedModel, load_model
from .options import Options


@dataclass
class Session:
    options: Options
    dataset: Dataset
    prepared: Prepared
    trainer: Trainer

    @property
    def pipeline(self) -> Pipeline:
        return self.prepared.pipeline

    @property
    def class_names(self) -> tuple[str, ...]:
        return self.dataset.class_names

    @property
    def feature_names(self) -> tuple[str, ...]:
        """Names of the model's input features (after the feature transforms)."""
        return self.pipeline.feature_names

    def saved_model(self) -> SavedModel:
        """The latest snapshot's parameters with everything needed to reproduce its predictions.

        The configuration is the command line's, updated with what the trainer uses now (the
        dashboard can change the optimizer and learning rate while it runs) and where it got to.
        """
        snap, trainer = self.trainer.snapshot, self.trainer
        config = {
            **self.options.to_dict(),
            "optimizer": trainer.optimizer.name,
            "batch_size": trainer.optimizer.batch_size,
            "lr": trainer.lr,
            "l2": trainer.l2,
            "epochs": trainer.max_epochs,
            "trained": {"step": snap.step, "epoch": snap.epoch, "state": snap.state.value},
        }
        return SavedModel(np.array(snap.W), np.array(snap.b), self.class_names, self.feature_names,
                          self.pipeline, config)


def build_session(options: Options) -> Session:
    """Load and prepare the data and build the trainer; a user mistake is a UserError/DatasetError."""
    saved = load_model(options.load_model) if options.load_model else None
    dataset = load_dataset(options.dataset, samples=options.samples, classes=options.classes,
                           noise=options.noise, seed=options.seed, table=options.table)
    if saved:
        _check_fits(saved, options.load_model, dataset)
    features = parse_features(options.features) if options.features else None
    prepared = prepare(dataset, features=features, standardize=options.standardize,
                       val_fraction=options.val_fraction, seed=options.seed,
                       pipeline=saved.pipeline if saved else None)
    if saved:
        model = SoftmaxRegression(saved.W, saved.b)
    else:
        model = SoftmaxRegression.initialized(prepared.X_train.shape[1], dataset.n_classes, options.init,
                                              np.random.default_rng([options.seed, 1]))
    if options.val_fraction and prepared.X_val is None:
        raise UserError(f"{dataset.name}: --val-fraction {options.val_fraction:g} holds out no rows "
                        "(every class is too small to give one to validation)")
    try:
        trainer = Trainer(model, Optimizer(options.optimizer, options.batch_size),
                          prepared.X_train, prepared.y_train, prepared.X_val, prepared.y_val,
                          lr=options.learning_rate, l2=options.l2, max_epochs=options.max_epochs,
                          patience=options.patience, seed=[options.seed, 2], paused=options.paused)
    except ValueError as e:
        hint = "" if options.standardize else " (values this large need standardization: drop --no-standardize)"
        raise UserError(f"{options.dataset}: cannot train on this data: {e}{hint}") from None
    return Session(options, dataset, prepared, trainer)


def _check_fits(saved: SavedModel, path: str, dataset: Dataset) -> None:
    """The model must know this dataset's classes and read its columns, names included."""
    def names(items) -> str:
        return ", ".join(items)

    if saved.classes != dataset.class_names:
        raise UserError(f"{path}: the model has {len(saved.classes)} classes ({names(saved.classes)}) but "
                        f"{dataset.name} has {dataset.n_classes} ({names(dataset.class_names)})")
    pipeline = saved.pipeline
    n_raw = pipeline.n_raw_features
    if dataset.n_features != n_raw:
        raise UserError(f"{path}: the model reads {n_raw} data columns ({names(saved.features)}) but "
                        f"{dataset.name} has {dataset.n_features} ({names(dataset.feature_names)})")
    expected = Pipeline.fit(dataset.X[:1], dataset.feature_names, pipeline.features, standardize=False)
    if expected.feature_names != saved.features:
        raise UserError(f"{path}: the model expects features {names(saved.features)} but "
                        f"{dataset.name} gives {names(expected.feature_names)}")
