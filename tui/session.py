"""From options to a ready run: the dataset, its preprocessing and split, a model and a trainer.

The dashboard and ``--headless`` both start here, so the same flags give the same run.
Random streams are independent and all derived from ``--seed``: the generated data and the
split use the seed itself (or ``--data-seed`` when given), the initial weights ``[seed, 1]``,
the shuffling ``[seed, 2]``.

With ``--load-model`` the run starts from the saved parameters and keeps the saved
preprocessing (the file's mean and scale, not a refit on this data), so the loaded model
makes exactly the predictions it made when it was saved.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from softmax_tui.datasets import Dataset, Pipeline, Prepared, load_dataset, parse_features, prepare
from softmax_tui.engine import SoftmaxRegression, Trainer
from softmax_tui.engine.trainer import TOL

from .config import RunConfig
from .errors import UserError
from .options import Options

if TYPE_CHECKING:
    from .modelfile import SavedModel


@dataclass
class Session:
    """One run: the invocation it came from, its data and its trainer.

    ``config`` is the run's configuration as the trainer uses it now: the command line's
    (``options.run``) with the learning rate resolved, then each live change the
    :class:`~softmax_tui.tui.runner.Runner` has applied to the trainer (it keeps it current)."""

    options: Options
    config: RunConfig
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

        The configuration is the command line's with the run's configuration as it is now
        (the dashboard can change the optimizer and learning rate while it runs), the values
        the run resolved from it, and where it got to."""
        from .modelfile import SavedModel  # model files are read and written on request only

        snap, config = self.trainer.snapshot, self.config
        record = {
            **replace(self.options, run=config).to_dict(),
            "batch_size": self.trainer.optimizer.batch_size,  # the batch a step draws (None: all)
            "epochs": self.trainer.max_epochs,
            "trained": {"step": snap.step, "epoch": snap.epoch, "state": snap.state.value},
        }
        return SavedModel(np.array(snap.W), np.array(snap.b), self.class_names, self.feature_names,
                          self.pipeline, record)


def build_session(options: Options, dataset: Dataset | None = None) -> Session:
    """Load and prepare the data and build the trainer (headless, one that keeps no checkpoints:
    the run is never rewound); a user mistake is a UserError/DatasetError.
    ``dataset``, when given, is the data ``options`` describe, already read (a pipe can be read
    only once)."""
    run = options.run
    saved = None
    if run.load_model:
        from .modelfile import load_model  # model files are read and written on request only

        saved = load_model(run.load_model)
    if dataset is None:
        dataset = load_dataset(run.dataset, samples=run.samples, classes=run.classes,
                               noise=run.noise, seed=run.data_rng_seed, table=run.table)
    if saved:
        _check_fits(saved, run.load_model, dataset)
    features = parse_features(run.features) if run.features else None
    prepared = prepare(dataset, features=features, standardize=run.standardize,
                       val_fraction=run.val_fraction, seed=run.data_rng_seed,
                       pipeline=saved.pipeline if saved else None)
    if saved:
        model = SoftmaxRegression(saved.W, saved.b)
    else:
        model = initial_model(run, prepared.X_train.shape[1], dataset.n_classes)
    if run.val_fraction and prepared.X_val is None:
        raise UserError(f"{dataset.name}: --val-fraction {run.val_fraction:g} holds out no rows "
                        "(every class is too small to give one to validation)")
    config = replace(run, lr=run.learning_rate)
    try:
        trainer = make_trainer(config, model, prepared.X_train, prepared.y_train, prepared.X_val, prepared.y_val,
                               max_epochs=config.max_epochs(options.headless), paused=options.paused,
                               checkpoints=not options.headless)
    except ValueError as e:
        hint = "" if run.standardize else " (values this large need standardization: drop --no-standardize)"
        raise UserError(f"{run.dataset}: cannot train on this data: {e}{hint}") from None
    return Session(options, config, dataset, prepared, trainer)


def initial_model(config: RunConfig, n_features: int, n_classes: int) -> SoftmaxRegression:
    """A new run's model at step 0: W (n_classes, n_features) drawn by ``config.init`` from
    the seed's stream ``[seed, 1]``, b zero. A ValueError for an unknown ``init``."""
    return SoftmaxRegression.initialized(n_features, n_classes, config.init, np.random.default_rng([config.seed, 1]))


def make_trainer(config: RunConfig, model: SoftmaxRegression, X_train: np.ndarray, y_train: np.ndarray,
                 X_val: np.ndarray | None = None, y_val: np.ndarray | None = None, *,
                 max_epochs: int | None, paused: bool = False, tol: float = TOL, checkpoints: bool = True) -> Trainer:
    """The trainer of ``config``'s run of ``model`` on X_train (n, d) with labels y_train (n,)
    in 0..K-1 (and a validation split): its optimizer, learning rate (or the optimizer's
    default), penalties, ``steps`` and ``patience``, at most ``max_epochs`` epochs, converged
    once the objective's gradient norm falls below ``tol``, shuffling from the seed's stream
    ``[seed, 2]``, keeping checkpoints to recompute any past step unless ``checkpoints`` is
    False (a run never rewound: headless). A ValueError from the engine for a setting it refuses
    (:class:`~softmax_tui.engine.Optimizer`, :class:`~softmax_tui.engine.Trainer`)."""
    return Trainer(model, config.make_optimizer(), X_train, y_train, X_val, y_val,
                   lr=config.learning_rate, l2=config.l2, l1=config.l1, max_epochs=max_epochs,
                   max_steps=config.steps, patience=config.patience, tol=tol, seed=[config.seed, 2],
                   paused=paused, checkpoints=checkpoints)


def _names(items) -> str:
    """Names as a list to read: "a, b, c"."""
    return ", ".join(items)


def _classes_differ(model: tuple[str, ...], dataset: Dataset) -> str:
    """What differs between the model's classes and ``dataset``'s (which do differ): their
    number, their order, or the names one has and the other has not."""
    data, name = dataset.class_names, dataset.name
    if len(model) != len(data):
        return f"the model has {len(model)} classes ({_names(model)}) but {name} has {len(data)} ({_names(data)})"
    if set(model) == set(data):
        return f"the model has {name}'s {len(data)} classes in another order: {_names(model)} (the model), " \
               f"{_names(data)} ({name})"
    model_only = [c for c in model if c not in data]
    data_only = [c for c in data if c not in model]
    verb = "is" if len(model_only) == 1 else "are"
    return f"the model and {name} both have {len(data)} classes, but the model's {_names(model_only)} {verb} " \
           f"not {name}'s, which has {_names(data_only)} instead"


def _check_fits(saved: SavedModel, path: str, dataset: Dataset) -> None:
    """The model must know this dataset's classes and read its columns, names included."""
    if saved.classes != dataset.class_names:
        raise UserError(f"{path}: {_classes_differ(saved.classes, dataset)}")
    pipeline = saved.pipeline
    n_raw = pipeline.n_raw_features
    if dataset.n_features != n_raw:
        raise UserError(f"{path}: the model reads {n_raw} data columns ({_names(saved.features)}) but "
                        f"{dataset.name} has {dataset.n_features} ({_names(dataset.feature_names)})")
    expected = Pipeline.fit(dataset.X[:1], dataset.feature_names, pipeline.features, standardize=False)
    if expected.feature_names != saved.features:
        raise UserError(f"{path}: the model expects features {_names(saved.features)} but "
                        f"{dataset.name} gives {_names(expected.feature_names)}")
