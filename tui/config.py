"""One description of a run: :class:`RunConfig`, which the command line parses into, a model
file records and the settings panel edits.

Every field carries its metadata (``dataclasses.fields(RunConfig)[i].metadata``):

``flag``
    the command-line flag; for a boolean, the flag that turns its default around
    (``--no-header``, ``--drop-missing``).
``help``
    the ``--help`` text.
``parse``
    the converter from text (see :mod:`.converters`), or None for a boolean or a field with
    ``choices``.
``choices``
    the accepted values, or None.
``metavar``, ``group``
    how ``--help`` shows the flag and under which heading ("data", "training", "files").
``per_dataset``
    the field describes one dataset (how its file is read, what a generator makes, the
    feature transforms, a model fitted to it), so a run on another dataset drops it.
``apply``
    ``"live"``: it can change mid-run, from the next step, the parameters kept; ``"restart"``:
    changing it needs a new run from step 0.

The command line's flags are built from these fields (:func:`.options.build_parser`), so the
two cannot disagree; rules that involve several flags are :func:`.options.check_options`.

**Live and restart**, as the engine allows:

- ``lr``: the trainer's ``lr`` setter; the next step uses it.
- ``optimizer``, ``batch_size`` and the optimizer's hyperparameters (``momentum``,
  ``beta1``, ``beta2``, ``eps``): ``Trainer.set_optimizer`` continues from the current
  parameters with a fresh optimizer state and a fresh shuffle (and drops the cached
  evaluation, which is the same for any optimizer).
- ``l1``, ``l2``: ``Trainer.set_penalties`` changes the objective from the next step: it
  evaluates the new objective at the current parameters (so the snapshot's loss is the new
  one's) and forgets what it measured under the old one (the cached gradient, the blow-up
  limit, early stopping's best validation loss); the optimizer's state is kept.
- ``epochs`` and ``patience`` are stopping rules the trainer reads at epoch ends, and
  ``steps`` one it reads after every step; a run they have stopped is over, so they are
  restart fields too, as are the data, ``init``, ``seed``
  and ``load_model``, which make step 0.

No Textual here.
"""

from __future__ import annotations

from dataclasses import Field, asdict, dataclass, field, fields, replace
from functools import partial
from typing import Any

from softmax_tui.datasets import TableOptions
from softmax_tui.engine import INITIALIZERS, OPTIMIZERS, SECOND_ORDER_OPTIMIZERS, Optimizer

from . import converters

#: The learning rate each optimizer starts with when ``--lr`` is not given. Measured on every
#: built-in dataset with standardized features over the default 100 epochs (checked by
#: tests/test_headless_defaults.py): each run ends within 0.03 of the best linear training
#: accuracy, and within 0.005 of the best linear loss where no line separates the classes.
#: gd 1.0: below 2 / L on every built-in, where L = lambda_max(mean x x^T) / 2 (x with a 1 for
#: the bias) bounds the objective's curvature (iris 1.46, the others at most 0.95), so every
#: step lowers the loss.
#: sgd 0.01: seed 002's rate; 0.05 leaves the final loss 0.03 above the optimum on circle.
#: minibatch 0.3: batches of 32 average out most of sgd's noise, so a larger rate is steady.
#: momentum, nesterov 0.3: with beta 0.9 an effective step of 3 on a smooth full-batch path.
#: adam 0.1: twice as fast as 0.05, while 0.3 already overshoots in the first epochs on circle.
#: newton, lbfgs 1.0: not used (their line search chooses each step); the trainer keeps one.
DEFAULT_LR = {"gd": 1.0, "sgd": 0.01, "minibatch": 0.3, "momentum": 0.3, "nesterov": 0.3, "adam": 0.1,
              "newton": 1.0, "lbfgs": 1.0}
#: The optimizers that draw their own batch (the full set, one sample): no ``batch_size``.
OWN_BATCH_OPTIMIZERS = ("gd", "sgd", *SECOND_ORDER_OPTIMIZERS)
#: The settings of an optimizer besides its name, each with the optimizers that read it: what
#: :meth:`RunConfig.make_optimizer` passes, so a change in any of them makes a fresh optimizer.
OPTIMIZER_SETTINGS = {"batch_size": tuple(name for name in OPTIMIZERS if name not in OWN_BATCH_OPTIMIZERS),
                      "momentum": ("momentum", "nesterov"), "beta1": ("adam",), "beta2": ("adam",), "eps": ("adam",)}
#: ``--epochs`` when not given, for ``--headless``; the dashboard trains until stopped.
DEFAULT_HEADLESS_EPOCHS = 100

LIVE, RESTART = "live", "restart"


def _setting(default: Any, flag: str, help: str, *, group: str, apply: str = RESTART,
             parse=None, choices: tuple[str, ...] | None = None, metavar: str | None = None,
             per_dataset: bool = False):
    """A :class:`RunConfig` field with its metadata (see the module docstring)."""
    return field(default=default, metadata={
        "flag": flag, "help": help, "group": group, "apply": apply, "parse": parse, "choices": choices,
        "metavar": metavar, "per_dataset": per_dataset,
    })


_data = partial(_setting, group="data")
_training = partial(_setting, group="training")


@dataclass(frozen=True)
class RunConfig:
    """Everything that makes a run what it is: the data, its preprocessing, the training.

    Field values are as the command line gives them: ``None`` for "the default" where that
    depends on other fields (see :attr:`learning_rate`, :meth:`max_epochs`)."""

    dataset: str = _data(
        "rgb20", "--dataset", "a built-in dataset (see --list-datasets) or a data file: CSV/TSV text with a "
        "header row, Parquet (.parquet) or Feather/Arrow (.feather, .arrow); a pipe works too",
        parse=converters.non_empty, metavar="NAME|FILE")
    target: str | None = _data(
        None, "--target", "the file's column holding the class (default: the last column)",
        parse=converters.non_empty, metavar="COL", per_dataset=True)
    delimiter: str | None = _data(
        None, "--delimiter", "field separator of a text file: , ; | or tab (default: detected from the first lines)",
        parse=converters.delimiter, metavar="D", per_dataset=True)
    header: bool = _data(
        True, "--no-header", "the text file's first line is data; columns are named col1, col2, ...",
        per_dataset=True)
    drop_missing: bool = _data(
        False, "--drop-missing", "drop rows with a missing value (empty, NA, NaN, null, ?, ...) instead of "
        "refusing the file; stderr says how many", per_dataset=True)
    categorical_target: bool = _data(
        False, "--categorical-target", "accept a target of non-integer numbers, each distinct value a class "
        "(refused by default as a continuous target)", per_dataset=True)
    samples: int | None = _data(
        None, "--samples", "points to generate (generated sets; default: the set's own)",
        parse=converters.sample_count, metavar="N", per_dataset=True)
    classes: int | None = _data(
        None, "--classes", "classes to generate (blobs, gauss, spiral; default: the set's own)",
        parse=converters.positive_int, metavar="K", per_dataset=True)
    noise: float | None = _data(
        None, "--noise", "noise, 0 to 0.5 (generated sets; default: the set's own)",
        parse=converters.non_negative_float, metavar="F", per_dataset=True)
    data_seed: int | None = _data(
        None, "--data-seed", "seed of the generated points and of the validation split (default: --seed); "
        "another value regenerates the data", parse=converters.non_negative_int, metavar="N")
    features: str | None = _data(
        None, "--features", "feature transforms of 2-D data, any of x1,x2,x1^2,x2^2,x1*x2,sin(x1),sin(x2) "
        "(default: x1,x2)", parse=converters.non_empty, metavar="LIST", per_dataset=True)
    standardize: bool = _data(
        True, "--no-standardize", "train on raw features (default: standardize, fitted on the training split)")
    val_fraction: float = _data(
        0.0, "--val-fraction", "stratified validation split", parse=converters.fraction, metavar="F")
    optimizer: str = _training(
        "gd", "--optimizer", "full-batch gradient descent, one sample, minibatches, or the full batch "
        "with momentum, Nesterov momentum or Adam; newton and lbfgs (second order, full batch, their own "
        "step length by a line search, so no --lr; not with --l1)", choices=OPTIMIZERS, apply=LIVE)
    lr: float | None = _training(
        None, "--lr", "learning rate (default: " + ", ".join(f"{k} {v:g}" for k, v in DEFAULT_LR.items()) + ")",
        parse=converters.positive_float, metavar="F", apply=LIVE)
    batch_size: int | None = _training(
        None, "--batch-size", "batch size: minibatch 32 by default; momentum, nesterov and adam use the "
        "full batch unless given", parse=converters.positive_int, metavar="N", apply=LIVE)
    l2: float = _training(
        0.0, "--l2", "L2 penalty (l2/2)*||W||^2 on the weights (not the bias)",
        parse=converters.non_negative_float, metavar="F", apply=LIVE)
    l1: float = _training(
        0.0, "--l1", "L1 penalty l1*||W||_1 on the weights (not the bias): a proximal step sets "
        "small weights to exactly 0", parse=converters.non_negative_float, metavar="F", apply=LIVE)
    momentum: float = _training(
        0.9, "--momentum", "beta of momentum and nesterov, in [0, 1)", parse=converters.fraction,
        metavar="F", apply=LIVE)
    beta1: float = _training(
        0.9, "--beta1", "Adam's beta1 (first-moment decay), in [0, 1)", parse=converters.fraction, metavar="F",
        apply=LIVE)
    beta2: float = _training(
        0.999, "--beta2", "Adam's beta2 (second-moment decay), in [0, 1)", parse=converters.fraction, metavar="F",
        apply=LIVE)
    eps: float = _training(
        1e-8, "--eps", "Adam's epsilon, added to the root of the second moment", parse=converters.positive_float,
        metavar="F", apply=LIVE)
    epochs: int | None = _training(
        None, "--epochs", f"maximum epochs (default: {DEFAULT_HEADLESS_EPOCHS} with --headless unless --steps "
        "is given, unlimited in the dashboard)", parse=converters.positive_int, metavar="N")
    steps: int | None = _training(
        None, "--steps", "stop after N optimizer steps, checked after every step (so a run can stop "
        "mid-epoch); --headless then has no default --epochs", parse=converters.positive_int, metavar="N")
    patience: int | None = _training(
        None, "--patience", "stop early after N epochs without a better validation loss (needs --val-fraction)",
        parse=converters.positive_int, metavar="N")
    init: str = _training(
        "uniform", "--init", "initial weights: U(0,1), N(0,1e-3^2) or zeros; the bias starts at 0",
        choices=INITIALIZERS)
    seed: int = _training(
        0, "--seed", "seed of every random choice", parse=converters.non_negative_int, metavar="N")
    load_model: str | None = _setting(
        None, "--load-model", "start from a model saved by --save-model, with its preprocessing (so no "
        "--features or --no-standardize); its classes and features must match the data",
        group="files", parse=converters.non_empty, metavar="FILE", per_dataset=True)

    @property
    def learning_rate(self) -> float:
        """``lr``, or the optimizer's default (:data:`DEFAULT_LR`)."""
        return self.lr if self.lr is not None else DEFAULT_LR[self.optimizer]

    def max_epochs(self, headless: bool) -> int | None:
        """``epochs``, or when not given :data:`DEFAULT_HEADLESS_EPOCHS` headless (unless
        ``steps`` is the stopping rule) and None (unlimited) in the dashboard."""
        if self.epochs is not None:
            return self.epochs
        return DEFAULT_HEADLESS_EPOCHS if headless and self.steps is None else None

    @property
    def data_rng_seed(self) -> int:
        """The seed of the generated points and of the validation split: ``data_seed``, or
        ``seed`` when not given."""
        return self.seed if self.data_seed is None else self.data_seed

    @property
    def table(self) -> TableOptions:
        """How ``dataset`` is read when it is a file."""
        return TableOptions(target=self.target, delimiter=self.delimiter, header=self.header,
                            drop_missing=self.drop_missing, categorical_target=self.categorical_target)

    def make_optimizer(self) -> Optimizer:
        """A fresh optimizer of this run: ``optimizer`` drawing batches of ``batch_size`` where
        it takes one (its ``batch_size`` is then the batch each step draws: 1 for sgd, 32 for
        minibatch unless given, None for the full batch), with this run's hyperparameters. A
        ValueError if the name is unknown, the batch size below 1, a beta outside [0, 1) or
        ``eps`` not positive."""
        return Optimizer(self.optimizer, **{name: getattr(self, name) for name in OPTIMIZER_SETTINGS})

    def to_argv(self) -> list[str]:
        """The command-line flags that give this configuration: one per field that is not at
        its default, in field order, each value in one argument (``--lr=0.5``, so a value
        that starts with ``-`` is never read as a flag) and a boolean as its bare flag.
        ``parse_options(config.to_argv()).run == config`` for every configuration the
        command line accepts."""
        argv = []
        for f in fields(self):
            value = getattr(self, f.name)
            if value == f.default:
                continue
            flag = f.metadata["flag"]
            argv.append(flag if isinstance(value, bool) else f"{flag}={value}")
        return argv

    def as_given(self) -> RunConfig:
        """The same run with what it resolved left unsaid, as a command line would give it:
        ``lr`` None where it is the optimizer's default (:data:`DEFAULT_LR`), ``batch_size``
        None where the optimizer draws its own batch (:data:`OWN_BATCH_OPTIMIZERS`; the run
        can get there with a batch size from another optimizer, through live changes)."""
        lr = None if self.learning_rate == DEFAULT_LR[self.optimizer] else self.lr
        batch_size = None if self.optimizer in OWN_BATCH_OPTIMIZERS else self.batch_size
        return replace(self, lr=lr, batch_size=batch_size)

    def to_dict(self) -> dict[str, Any]:
        """The fields by name, in order, JSON-able."""
        return asdict(self)

    def for_dataset(self, name: str, described: RunConfig | None = None) -> RunConfig:
        """A new run on dataset ``name`` with this run's settings; the fields that describe
        the data (``per_dataset``: how its file is read, what a generator makes, the feature
        transforms, a model fitted to it) are ``described``'s when that is a run on ``name``
        (the command line's, say, so that its file is read as it said), else their defaults."""
        source = described if described is not None and described.dataset == name else RunConfig()
        return replace(self, dataset=name, **{f.name: getattr(source, f.name) for f in fields(self)
                                              if f.metadata["per_dataset"]})

    def differences(self, other: RunConfig) -> list[Field]:
        """The fields whose values differ in ``other``, in order."""
        return [f for f in fields(self) if getattr(self, f.name) != getattr(other, f.name)]

    def needs_restart(self, other: RunConfig) -> list[str]:
        """The fields, in order, that differ in ``other`` and can change only with a new run
        (``apply="restart"``); empty when the run can go on with ``other``."""
        return [f.name for f in self.differences(other) if f.metadata["apply"] == RESTART]
