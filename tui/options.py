"""The command line shared by the dashboard and ``--headless``: flags, defaults, validation.

This is a contract other tools build on; every flag and default is listed by ``--help``.
A bad flag or value ends with one line on stderr and exit status 2 (see :class:`_Parser`).
The flags that describe the run are built from :class:`~.config.RunConfig`'s fields; the
ones here say what this invocation does with it (outputs, headless or the dashboard).
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING

from softmax_tui.datasets import is_table_path
from softmax_tui.engine import SECOND_ORDER_OPTIMIZERS

from . import converters
from .config import OWN_BATCH_OPTIMIZERS, RunConfig
from .errors import UserError
from .safe_text import visible

if TYPE_CHECKING:
    from .compare import Member


def package_version() -> str:
    """The installed package's version, from its metadata: read only for ``--version``, as
    importing importlib.metadata costs every start about 20 ms."""
    from importlib.metadata import version

    return version("softmax-tui")


class _PrintVersion(argparse.Action):
    """``--version``: the program's name and :func:`package_version` on stdout, then exit 0."""

    def __init__(self, option_strings, dest, help=None):
        super().__init__(option_strings, dest=dest, default=argparse.SUPPRESS, nargs=0, help=help)

    def __call__(self, parser, namespace, values, option_string=None):
        sys.stdout.write(f"{parser.prog} {package_version()}\n")
        parser.exit()


#: ``--race-loss`` when not given: a race's table times each run to a training loss below it.
#: Cross-entropy starts near log K (1.1 for three classes); 0.1 is a confident fit (the true
#: class's probability about 0.9 on average), which every built-in set but the overlapping
#: ones reaches with the default settings.
DEFAULT_RACE_LOSS = 0.1
#: ``--serve`` listens here unless ``--host`` and ``--port`` say otherwise: the loopback
#: address, so only this machine reaches the dashboard until another address is asked for.
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


@dataclass(frozen=True)
class Options:
    """One invocation: the run it describes (:class:`RunConfig`) and what this invocation
    does around it (outputs, mode)."""

    run: RunConfig = field(default_factory=RunConfig)
    save_model: str | None = None
    history: str | None = None
    headless: bool = False
    every: int | None = None
    paused: bool = False
    list_datasets: bool = False
    #: A race's (``--compare``, ``--race-loss``), not recorded by :meth:`to_dict`: a model file
    #: is one run's, and a race saves none.
    compare: str | None = field(default=None, metadata={"recorded": False})
    race_loss: float | None = field(default=None, metadata={"recorded": False})
    #: Serving the dashboard in a browser (``--serve``, ``--host``, ``--port``): how this
    #: invocation is reached, not part of the run, so not recorded either.
    serve: bool = field(default=False, metadata={"recorded": False})
    host: str | None = field(default=None, metadata={"recorded": False})
    port: int | None = field(default=None, metadata={"recorded": False})

    @property
    def address(self) -> tuple[str, int]:
        """Where ``--serve`` listens: ``host`` and ``port``, or :data:`DEFAULT_HOST` and
        :data:`DEFAULT_PORT` when not given."""
        return (self.host or DEFAULT_HOST, DEFAULT_PORT if self.port is None else self.port)

    @property
    def loss_threshold(self) -> float:
        """``race_loss``, or :data:`DEFAULT_RACE_LOSS` when not given."""
        return DEFAULT_RACE_LOSS if self.race_loss is None else self.race_loss

    def members(self) -> tuple[Member, ...]:
        """The runs ``--compare`` lists (:func:`~.compare.parse_members`); empty without it."""
        if self.compare is None:
            return ()
        from .compare import parse_members  # a race's: it imports the engine's races, which a plain run never needs

        return parse_members(self.compare, self.run)

    def to_dict(self) -> dict:
        """The full configuration, the run's fields then the invocation's, by name;
        JSON-able (saved with a model)."""
        return {**self.run.to_dict(), **{f.name: getattr(self, f.name) for f in fields(self)
                                         if f.name != "run" and f.metadata.get("recorded", True)}}


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


def _add_run_arguments(parser: argparse.ArgumentParser) -> dict[str, argparse._ArgumentGroup]:
    """A flag for every :class:`RunConfig` field, from its metadata, under its group's heading
    (created in field order); returns the groups by name."""
    groups: dict[str, argparse._ArgumentGroup] = {}
    for f in fields(RunConfig):
        meta = f.metadata
        if meta["group"] not in groups:
            groups[meta["group"]] = parser.add_argument_group(meta["group"])
        group = groups[meta["group"]]
        if isinstance(f.default, bool):
            group.add_argument(meta["flag"], dest=f.name, action="store_false" if f.default else "store_true",
                               help=meta["help"])
        else:
            group.add_argument(meta["flag"], dest=f.name, default=f.default, type=meta["parse"],
                               choices=meta["choices"], metavar=meta["metavar"], help=meta["help"])
    return groups


def build_parser() -> argparse.ArgumentParser:
    """The command line: the run's flags (from :class:`RunConfig`), then the invocation's."""
    p = _Parser(
        prog="softmax-tui",
        description="Train softmax regression step by step and watch the math: parameter bars, "
        "the loss curve, a decision map and the softmax Jacobian. --headless trains without a "
        "screen and prints one JSON object per line.",
        formatter_class=_HelpFormatter,
        add_help=False,
    )
    # -h added as argparse adds it, but to the "options" group, not through the parser: the
    # parser's own add_argument builds a help formatter, which imports shutil (2 ms) to read
    # the terminal's width, and only --help and usage messages need one.
    p._optionals.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS,
                              help="show this help message and exit")
    files = _add_run_arguments(p)["files"]
    files.add_argument("--save-model", metavar="FILE", type=converters.output_path,
                       help="write the model as JSON when training ends (the dashboard: when it closes), "
                       "atomically; the folder is checked before training starts")
    files.add_argument("--history", metavar="FILE", type=converters.output_path,
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
    run.add_argument("--every", type=converters.positive_int, metavar="N",
                     help="with --headless: a progress line every N optimizer steps instead of every "
                     "epoch (gd: a step is an epoch; sgd: one sample), plus one at the step where "
                     "training stops; stopping rules are still checked at epoch ends")
    race = p.add_argument_group("race")
    race.add_argument("--compare", metavar="RUNS", type=converters.non_empty,
                      help="race 2 to 6 runs from the same initial parameters on the same data, in lockstep: "
                      "optimizer names separated by commas, each optionally followed by :setting=value "
                      "(lr, batch-size, momentum, beta1, beta2, eps), e.g. gd,momentum,adam or "
                      "gd:lr=0.3,gd:lr=3; every other flag is shared (not with --history or --save-model)")
    race.add_argument("--race-loss", metavar="F", type=converters.positive_float,
                      help=f"with --compare: the training loss whose first step the race's table gives "
                      f"(default: {DEFAULT_RACE_LOSS:g})")
    run.add_argument("--paused", action="store_true", help="the dashboard starts paused")
    serve = p.add_argument_group("serving")
    serve.add_argument("--serve", action="store_true",
                       help="serve the dashboard in a web browser (needs softmax-tui[serve]): each visit to the "
                       "page starts its own dashboard process training the run the other flags describe; no "
                       "password, so anyone who can reach the address gets one")
    serve.add_argument("--host", metavar="ADDR", type=converters.non_empty,
                       help=f"with --serve: the address to listen on (default: {DEFAULT_HOST}, this machine only); "
                       "0.0.0.0 or a network address lets other machines in")
    serve.add_argument("--port", metavar="N", type=converters.port,
                       help=f"with --serve: the TCP port to listen on (default: {DEFAULT_PORT})")
    run.add_argument("--list-datasets", action="store_true", help="print every built-in dataset and exit")
    run.add_argument("--version", action=_PrintVersion, help="show program's version number and exit")
    return p


def parse_options(argv: list[str] | None = None) -> Options:
    """Options from the command line; a bad flag exits with status 2 after one line on stderr."""
    parser = build_parser()
    args = vars(parser.parse_args(argv))
    run = RunConfig(**{f.name: args.pop(f.name) for f in fields(RunConfig)})
    options = Options(run, **args)
    try:
        check_options(options)
    except UserError as e:
        parser.error(str(e))
    return options


def check_options(options: Options) -> None:
    """Rules that involve more than one flag; a broken one is a UserError saying which."""
    run = options.run
    if run.patience is not None and run.val_fraction == 0:
        raise UserError("--patience needs a validation split: add --val-fraction (e.g. 0.2)")
    if options.every is not None and not options.headless:
        raise UserError("--every applies to --headless only")
    if options.paused and options.headless:
        raise UserError("--paused applies to the dashboard only, not to --headless")
    if run.load_model and (run.features or not run.standardize):
        raise UserError("--load-model uses the model's own preprocessing; drop --features and --no-standardize")
    _check_outputs_spare_inputs(options)
    _check_serve(options)
    if options.compare is not None:
        _check_race(options)
        return
    if options.race_loss is not None:
        raise UserError("--race-loss applies to --compare only")
    if run.batch_size is not None and run.optimizer in OWN_BATCH_OPTIMIZERS:
        raise UserError(f"--batch-size does not apply to --optimizer {run.optimizer} "
                        "(use minibatch, momentum, nesterov or adam)")
    if run.l1 and run.optimizer in SECOND_ORDER_OPTIMIZERS:
        raise UserError(f"--optimizer {run.optimizer} needs a smooth objective and cannot be used with "
                        f"--l1 {run.l1:g} (use --l1 0, or a first-order optimizer for L1)")


def _check_serve(options: Options) -> None:
    """The rules of ``--serve``: ``--host`` and ``--port`` need it; it serves the dashboard, so
    not ``--headless``; every visit runs its own dashboard, so not ``--history`` (the visits
    would write one file at once) and not a dataset that can be read only once (a pipe)."""
    if not options.serve:
        for flag, given in (("--host", options.host), ("--port", options.port)):
            if given is not None:
                raise UserError(f"{flag} applies to --serve only")
        return
    if options.headless:
        raise UserError("--serve serves the dashboard; it cannot be used with --headless")
    if options.history:
        raise UserError("--history cannot be used with --serve: every browser visit runs its own dashboard, "
                        "and they would all write the one file")
    dataset = options.run.dataset
    if is_table_path(dataset) and os.path.exists(dataset) and not os.path.isfile(dataset):
        raise UserError(f"--serve reads the dataset again for every browser visit; {dataset} is not a "
                        "regular file (a pipe is read once): save it to a file first")


def _check_race(options: Options) -> None:
    """The rules of a race: its members parse, and each member's run passes :func:`check_options`."""
    for flag, given in (("--history", options.history), ("--save-model", options.save_model),
                        ("--optimizer", options.run.optimizer != RunConfig.optimizer)):
        if given:
            raise UserError(f"{flag} does not apply to --compare"
                            + (" (each run names its optimizer)" if flag == "--optimizer" else
                               " (a race has several runs: save one by running it alone)"))
    for member in options.members():
        try:
            check_options(replace(options, run=member.config, compare=None, race_loss=None))
        except UserError as e:
            raise UserError(f"--compare run {member.label!r}: {e}") from None


def _check_outputs_spare_inputs(options: Options) -> None:
    """No output may overwrite an input or the other output (--save-model may update
    --load-model). Files are compared by identity (device and inode), so a hard link or a
    symlink to the dataset counts as the dataset; an output not yet created by its path."""
    run = options.run
    dataset = run.dataset if is_table_path(run.dataset) and os.path.exists(run.dataset) else None
    clashes = [("--history", options.history, "--dataset", dataset),
               ("--history", options.history, "--load-model", run.load_model),
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
