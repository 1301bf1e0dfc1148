"""The command line shared by the dashboard and ``--headless``: flags, defaults, validation.

This is a contract other tools build on; every flag and default is listed by ``--help``.
A bad flag or value ends with one line on stderr and exit status 2 (see :class:`_Parser`).
"""

from __future__ import annotations

import argparse
import math
import os
from dataclasses import asdict, dataclass
from importlib.metadata import version

from softmax_tui.datasets import MAX_SAMPLES, TableOptions, is_table_path
from softmax_tui.engine import INITIALIZERS, OPTIMIZERS

from .errors import UserError
from .safe_text import visible

VERSION = version("softmax-tui")

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
DEFAULT_LR = {"gd": 1.0, "sgd": 0.01, "minibatch": 0.3, "momentum": 0.3, "nesterov": 0.3, "adam": 0.1}
#: ``--epochs`` when not given, for ``--headless``; the dashboard trains until stopped.
DEFAULT_HEADLESS_EPOCHS = 100


@dataclass(frozen=True)
class Options:
    dataset: str = "rgb20"
    target: str | None = None
    delimiter: str | None = None
    header: bool = True
    drop_missing: bool = False
    categorical_target: bool = False
    samples: int | None = None
    classes: int | None = None
    noise: float | None = None
    features: str | None = None
    standardize: bool = True
    val_fraction: float = 0.0
    optimizer: str = "gd"
    lr: float | None = None
    batch_size: int | None = None
    l2: float = 0.0
    epochs: int | None = None
    patience: int | None = None
    init: str = "uniform"
    seed: int = 0
    load_model: str | None = None
    save_model: str | None = None
    history: str | None = None
    headless: bool = False
    every: int | None = None
    paused: bool = False
    list_datasets: bool = False

    @property
    def learning_rate(self) -> float:
        """``--lr``, or the optimizer's default."""
        return self.lr if self.lr is not None else DEFAULT_LR[self.optimizer]

    @property
    def max_epochs(self) -> int | None:
        """``--epochs``, or 100 headless / unlimited in the dashboard."""
        if self.epochs is not None:
            return self.epochs
        return DEFAULT_HEADLESS_EPOCHS if self.headless else None

    @property
    def table(self) -> TableOptions:
        """How ``--dataset`` is read when it is a file."""
        return TableOptions(target=self.target, delimiter=self.delimiter, header=self.header,
                            drop_missing=self.drop_missing, categorical_target=self.categorical_target)

    def to_dict(self) -> dict:
        """The full configuration, JSON-able (saved with a model)."""
        return asdict(self)


class _HelpFormatter(argparse.ArgumentDefaultsHelpFormatter):
    """Appends "(default: X)" to options that have a value by default, unless the help says it."""

    def _get_help_string(self, action):
        help = action.help or ""
        if action.default is None or isinstance(action.default, bool) or "default" in help:
            return help
        return super()._get_help_string(action)


class _Parser(argparse.ArgumentParser):
    """argparse, but a mistake is one line on stderr and exit status 2 (no usage block)."""

    def error(self, message: str):
        self.exit(2, f"{self.prog}: error: {visible(message)} (see --help)\n")


def _checked(convert, ok, requirement: str):
    """An argparse type: ``convert(text)``, accepted when ``ok(value)``, else "must be <requirement>"."""

    def parse(text: str):
        try:
            value = convert(text)
        except ValueError:
            value = None
        if value is None or not ok(value):
            raise argparse.ArgumentTypeError(f"must be {requirement}, got {text!r}")
        return value

    return parse


_positive_int = _checked(int, lambda v: v >= 1, "a positive integer")
_samples = _checked(int, lambda v: 1 <= v <= MAX_SAMPLES, f"a positive integer up to {MAX_SAMPLES}")
_text = _checked(str, bool, "a non-empty value")
_path = _checked(str, bool, "a path (an empty value, an unset shell variable say, would lose the output)")
_non_negative_int = _checked(int, lambda v: v >= 0, "an integer >= 0")
_non_negative_float = _checked(float, lambda v: v >= 0 and math.isfinite(v), "a finite number >= 0")
_positive_float = _checked(float, lambda v: v > 0 and math.isfinite(v), "a finite number > 0")
_delimiter = _checked(lambda text: {"tab": "\t", "\\t": "\t"}.get(text, text),
                      lambda v: v in (",", ";", "\t", "|"), "one of , ; | tab")
_fraction = _checked(float, lambda v: 0 <= v < 1, "a fraction in [0, 1)")


def build_parser() -> argparse.ArgumentParser:
    lr_defaults = ", ".join(f"{k} {v:g}" for k, v in DEFAULT_LR.items())
    p = _Parser(
        prog="softmax-tui",
        description="Train softmax regression step by step and watch the math: parameter bars, "
        "the loss curve, a decision map and the softmax Jacobian. --headless trains without a "
        "screen and prints one JSON object per line.",
        formatter_class=_HelpFormatter,
    )
    data = p.add_argument_group("data")
    data.add_argument("--dataset", default="rgb20", metavar="NAME|FILE", type=_text,
                      help="a built-in dataset (see --list-datasets) or a data file: CSV/TSV text with a "
                      "header row, Parquet (.parquet) or Feather/Arrow (.feather, .arrow); a pipe works too")
    data.add_argument("--target", metavar="COL", type=_text, help="the file's column holding the class (default: the last column)")
    data.add_argument("--delimiter", type=_delimiter, metavar="D",
                      help="field separator of a text file: , ; | or tab (default: detected from the first lines)")
    data.add_argument("--no-header", dest="header", action="store_false",
                      help="the text file's first line is data; columns are named col1, col2, ...")
    data.add_argument("--drop-missing", action="store_true",
                      help="drop rows with a missing value (empty, NA, NaN, null, ?, ...) instead of "
                      "refusing the file; stderr says how many")
    data.add_argument("--categorical-target", action="store_true",
                      help="accept a target of non-integer numbers, each distinct value a class "
                      "(refused by default as a continuous target)")
    data.add_argument("--samples", type=_samples, metavar="N", help="points to generate (generated sets; default: the set's own)")
    data.add_argument("--classes", type=_positive_int, metavar="K", help="classes to generate (blobs, gauss, spiral; default: the set's own)")
    data.add_argument("--noise", type=_non_negative_float, metavar="F", help="noise, 0 to 0.5 (generated sets; default: the set's own)")
    data.add_argument("--features", metavar="LIST", type=_text,
                      help="feature transforms of 2-D data, any of x1,x2,x1^2,x2^2,x1*x2,sin(x1),sin(x2) "
                      "(default: x1,x2)")
    data.add_argument("--no-standardize", dest="standardize", action="store_false",
                      help="train on raw features (default: standardize, fitted on the training split)")
    data.add_argument("--val-fraction", type=_fraction, default=0.0, metavar="F",
                      help="stratified validation split")
    train = p.add_argument_group("training")
    train.add_argument("--optimizer", choices=OPTIMIZERS, default="gd",
                       help="full-batch gradient descent, one sample, minibatches, or the full batch "
                       "with momentum, Nesterov momentum or Adam")
    train.add_argument("--lr", type=_positive_float, metavar="F", help=f"learning rate (default: {lr_defaults})")
    train.add_argument("--batch-size", type=_positive_int, metavar="N",
                       help="batch size: minibatch 32 by default; momentum, nesterov and adam use the "
                       "full batch unless given")
    train.add_argument("--l2", type=_non_negative_float, default=0.0, metavar="F",
                       help="L2 penalty (l2/2)*||W||^2 on the weights (not the bias)")
    train.add_argument("--epochs", type=_positive_int, metavar="N",
                       help=f"maximum epochs (default: {DEFAULT_HEADLESS_EPOCHS} with --headless, "
                       "unlimited in the dashboard)")
    train.add_argument("--patience", type=_positive_int, metavar="N",
                       help="stop early after N epochs without a better validation loss (needs --val-fraction)")
    train.add_argument("--init", choices=INITIALIZERS, default="uniform",
                       help="initial weights: U(0,1), N(0,1e-3^2) or zeros; the bias starts at 0")
    train.add_argument("--seed", type=_non_negative_int, default=0, metavar="N", help="seed of every random choice")
    files = p.add_argument_group("files")
    files.add_argument("--load-model", metavar="FILE", type=_text,
                       help="start from a model saved by --save-model, with its preprocessing (so no "
                       "--features or --no-standardize); its classes and features must match the data")
    files.add_argument("--save-model", metavar="FILE", type=_path,
                       help="write the model as JSON when training ends (the dashboard: when it closes), "
                       "atomically; the folder is checked before training starts")
    files.add_argument("--history", metavar="FILE", type=_path,
                       help="CSV of step, epoch, loss, train_accuracy, val_loss, val_accuracy, written as "
                       "training goes: with --headless one row per progress line; in the dashboard one row "
                       "per completed epoch (and the last step, if it ends none, when the dashboard "
                       "closes), and r (reset) or d (another dataset) start the file again")
    run = p.add_argument_group("running")
    run.add_argument("--headless", action="store_true",
                     help="train without a screen: one JSON object per line on stdout, progress events "
                     "then a done event with W, b and the preprocessing; exit 0 when training ends, "
                     "2 on a user error, 3 when it diverged; Ctrl+C (exit 130) or SIGTERM (143) "
                     "stops it keeping the history and the saved model")
    run.add_argument("--every", type=_positive_int, metavar="N",
                     help="with --headless: a progress line every N optimizer steps instead of every "
                     "epoch (gd: a step is an epoch; sgd: one sample), plus one at the step where "
                     "training stops; stopping rules are still checked at epoch ends")
    run.add_argument("--paused", action="store_true", help="the dashboard starts paused")
    run.add_argument("--list-datasets", action="store_true", help="print every built-in dataset and exit")
    run.add_argument("--version", action="version", version=f"%(prog)s {VERSION}")
    return p


def parse_options(argv: list[str] | None = None) -> Options:
    """Options from the command line; a bad flag exits with status 2 after one line on stderr."""
    parser = build_parser()
    options = Options(**vars(parser.parse_args(argv)))
    try:
        check_options(options)
    except UserError as e:
        parser.error(str(e))
    return options


def check_options(options: Options) -> None:
    """Rules that involve more than one flag."""
    if options.patience is not None and options.val_fraction == 0:
        raise UserError("--patience needs a validation split: add --val-fraction (e.g. 0.2)")
    if options.every is not None and not options.headless:
        raise UserError("--every applies to --headless only")
    if options.paused and options.headless:
        raise UserError("--paused applies to the dashboard only, not to --headless")
    if options.load_model and (options.features or not options.standardize):
        raise UserError("--load-model uses the model's own preprocessing; drop --features and --no-standardize")
    _check_outputs_spare_inputs(options)
    if options.batch_size is not None and options.optimizer in ("gd", "sgd"):
        raise UserError(f"--batch-size does not apply to --optimizer {options.optimizer} "
                        "(use minibatch, momentum, nesterov or adam)")


def _check_outputs_spare_inputs(options: Options) -> None:
    """No output may overwrite an input or the other output (--save-model may update
    --load-model). Files are compared by identity (device and inode), so a hard link or a
    symlink to the dataset counts as the dataset; an output not yet created by its path."""
    dataset = options.dataset if is_table_path(options.dataset) and os.path.exists(options.dataset) else None
    clashes = [("--history", options.history, "--dataset", dataset),
               ("--history", options.history, "--load-model", options.load_model),
               ("--history", options.history, "--save-model", options.save_model),
               ("--save-model", options.save_model, "--dataset", dataset)]
    for flag, path, other_flag, other in clashes:
        if path and other and _same_file(path, other):
            raise UserError(f"{flag} and {other_flag} name the same file ({path})")


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist (yet)
        return os.path.realpath(a) == os.path.realpath(b)
