"""softmax-tui on data in memory: :func:`train` headless, :func:`watch` in the dashboard.

``from softmax_tui import train, watch, TrainResult, Progress, SoftmaxTuiError``.

Both take ``X`` (n, d) numbers and ``y`` (n,) labels as NumPy arrays, a pandas DataFrame and
Series, or lists (pandas is never imported: read through ``np.asarray`` and ``.columns``),
read under a data file's rules (:mod:`softmax_tui.datasets.arrays`), and the run's settings
as keyword arguments named as :class:`~softmax_tui.tui.config.RunConfig`'s fields (``lr=``,
``optimizer=``, ``l2=``, ``batch_size=``, ``epochs=``, ``seed=``, ...), plus ``every=`` for
:func:`train` and ``paused=`` for :func:`watch`. A value goes through its flag's converter
and the command line's rules between flags (:func:`~softmax_tui.tui.options.check_options`),
so the API accepts what the command line accepts; a mistake is a :class:`SoftmaxTuiError`
with the command line's message.

:func:`train` builds the run as ``softmax-tui --headless`` does (the same session, the same
loop, :func:`~softmax_tui.tui.headless.progress_snapshots`), so its history and parameters
equal the JSON lines headless prints for the same data and settings, bit for bit, and it
prints nothing. A Ctrl+C propagates as KeyboardInterrupt.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import numbers
import os
import re
import signal
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

import numpy as np

from softmax_tui.datasets import ArrayData, DatasetError, Pipeline, feature_rows, from_arrays
from softmax_tui.datasets.arrays import described
from softmax_tui.engine import SoftmaxRegression, Snapshot
from softmax_tui.tui import converters
from softmax_tui.tui.cli import check_drawable
from softmax_tui.tui.config import RunConfig
from softmax_tui.tui.errors import UserError
from softmax_tui.tui.headless import progress_event, progress_snapshots
from softmax_tui.tui.options import Options, check_options
from softmax_tui.tui.safe_text import visible
from softmax_tui.tui.session import Session, build_session
from softmax_tui.tui.signals import STOP_SIGNALS

from .errors import SoftmaxTuiError

if TYPE_CHECKING:
    from softmax_tui.tui.app import SoftmaxApp

#: Command-line settings that mean nothing for data given as arrays, and why.
REFUSED = {
    "dataset": "the data are X and y (a built-in dataset or a file is the command line's --dataset)",
    **dict.fromkeys(("target", "delimiter", "header"), "applies to data files only, not to X and y"),
    **dict.fromkeys(("samples", "classes", "noise"), "applies to generated datasets only, not to X and y"),
    "headless": "train() is the headless run and watch() the dashboard",
    "save_model": "the result holds W, b and the preprocessing (the command line's --save-model writes them)",
    "history": "the result's history holds the progress events (the command line's --history writes them)",
    **dict.fromkeys(("compare", "race_loss"), "races are the command line's (softmax-tui --compare)"),
    "list_datasets": "the command line's (softmax-tui --list-datasets)",
}


@dataclass(frozen=True)
class Invocation:
    """A setting of the invocation rather than the run: its flag's converter (None: a switch,
    True when given) and whether only train() (``headless``) or only watch() takes it, as the
    command line's rules say (``--every applies to --headless only``, ``--paused applies to
    the dashboard only``)."""

    parse: Callable[[str], Any] | None
    headless: bool

    @property
    def function(self) -> str:
        """The one function that takes it, as a message names it."""
        return "train()" if self.headless else "watch()"


#: The settings of the invocation, by name (:class:`~softmax_tui.tui.options.Options`' fields).
INVOCATION = {"every": Invocation(converters.positive_int, headless=True),
              "paused": Invocation(None, headless=False)}
#: A flag in a message (``--batch-size``), with the value that may follow it (``--optimizer gd``,
#: ``--l1 0.1``); not one that starts a quoted name (a column ``'--lr'``).
_FLAG = re.compile(r"(?<![\w'\"-])--([a-z][a-z0-9-]*)(?: ([A-Za-z]\w*|-?\d[\w.+-]*))?")


@dataclass(frozen=True, eq=False)
class Progress:
    """One progress event, the numbers ``--headless`` prints for it: ``step`` (optimizer
    steps so far), ``epoch`` (completed passes), ``loss`` (the objective: mean cross-entropy
    + (l2/2)·‖W‖² + l1·‖W‖₁ on the training split, in nats), ``train_accuracy`` (a fraction),
    ``val_loss`` and ``val_accuracy`` (None without ``val_fraction``), ``grad_norm`` (the
    objective's gradient norm) and ``lr``. A number that is not finite is None."""

    step: int
    epoch: int
    loss: float | None
    train_accuracy: float | None
    val_loss: float | None
    val_accuracy: float | None
    grad_norm: float | None
    lr: float | None

    @classmethod
    def of(cls, snap: Snapshot) -> Progress:
        """The progress event of ``snap`` (:func:`~softmax_tui.tui.headless.progress_event`)."""
        event = progress_event(snap)
        return cls(**{f.name: event[f.name] for f in fields(cls)})


@dataclass(frozen=True, eq=False)
class TrainResult:
    """A trained model with its preprocessing and history.

    ``W`` (K, d) and ``b`` (K,) act on the preprocessed features (read-only arrays):
    class = argmax(W · (x − mean) / scale + b), where x holds the ``feature_names`` computed
    from the ``columns`` of X by ``pipeline`` (:class:`~softmax_tui.datasets.Pipeline`: the
    feature transforms, then ``mean`` and ``scale`` fitted on the training split).
    ``classes`` (K,) are the labels as ``y`` gave them (class indices with ``class_names``)
    and ``class_names`` their names, in the same order. ``history`` holds the progress
    events (:class:`Progress`). ``status`` is how the run ended (``max_epochs``,
    ``max_steps``, ``converged``, ``early_stopped``, ``diverged``, ``stalled``; for a
    dashboard closed mid-run ``running`` or ``paused``) and ``reason`` says it in words.
    ``config`` is the run's configuration (the learning rate resolved, with the dashboard's
    live changes); ``dropped_rows`` the rows ``drop_missing`` left out."""

    W: np.ndarray
    b: np.ndarray
    pipeline: Pipeline
    classes: np.ndarray
    class_names: tuple[str, ...]
    feature_names: tuple[str, ...]
    columns: tuple[str, ...]
    history: tuple[Progress, ...]
    status: str
    reason: str
    step: int
    epoch: int
    config: RunConfig
    dropped_rows: int

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities (n, K), columns in ``classes``' order, of rows ``X`` (n, d)
        of the ``columns`` the model was trained on (one row may be 1-D): softmax(W z + b) of
        the preprocessed z. Raises SoftmaxTuiError for rows of another width (or a DataFrame
        with other columns) or a value that is not a finite number."""
        with user_errors():
            rows = feature_rows(X, self.columns, "X")
        return SoftmaxRegression(self.W, self.b).predict_proba(self.pipeline.transform(rows))

    def predict(self, X: Any) -> np.ndarray:
        """The most probable class of each row of ``X`` (n,), as ``classes`` holds it;
        errors as :meth:`predict_proba`."""
        return self.classes[np.argmax(self.predict_proba(X), axis=1)]


def train(X: Any, y: Any, *, feature_names: Sequence[str] | None = None,
          class_names: Sequence[str] | None = None, **settings: Any) -> TrainResult:
    """Train softmax regression on rows ``X`` (n, d) and labels ``y`` (n,) to the end, as
    ``softmax-tui --headless`` does with the same ``settings`` (100 epochs unless ``epochs``
    or ``steps`` say otherwise), printing nothing.

    ``feature_names`` default to a DataFrame's columns, else ``x1`` ... ``xd``; without
    ``class_names`` the classes are y's distinct labels, ordered as a data file's are
    (numbers by value, then text); with them, y holds class indices 0..K-1. ``every=N``
    records a progress event every N optimizer steps instead of every epoch.

    Returns a :class:`TrainResult`; a run that diverged or stalled returns too (its
    ``status`` says so, with the last finite parameters). Raises :class:`SoftmaxTuiError`
    for an unknown or refused setting, a value its flag refuses, data that cannot be
    trained on; a Ctrl+C is a KeyboardInterrupt.
    """
    session, data = _session(X, y, feature_names, class_names, settings, headless=True)
    history = tuple(Progress.of(snap) for snap in progress_snapshots(session.trainer, session.options.every))
    return _result(session, data, history)


def watch(X: Any, y: Any, *, feature_names: Sequence[str] | None = None,
          class_names: Sequence[str] | None = None, **settings: Any) -> TrainResult:
    """Open the dashboard on rows ``X`` and labels ``y`` (as :func:`train` reads them, with
    the same settings, ``paused=True`` to start paused; training runs until stopped unless
    ``epochs`` or ``steps`` say otherwise) and return when it closes (``q`` or Ctrl+C).

    Returns the run on screen as it stands then (another dataset, if ``d`` chose one): a
    :class:`TrainResult` whose history holds that last step only (use :func:`train` for
    every step). Raises :class:`SoftmaxTuiError` as :func:`train` does, and for more classes
    than the dashboard draws (10). A SIGTERM or SIGHUP that closes the dashboard is raised
    again once the terminal is restored, to the handler the caller had.
    """
    app, data = _app_for(X, y, feature_names=feature_names, class_names=class_names, **settings)
    handlers = {signum: signal.getsignal(signum) for signum in STOP_SIGNALS}
    try:
        app.run()
    finally:
        for signum, handler in handlers.items():  # the app leaves its own, which only notes a signal
            with contextlib.suppress(ValueError):  # not the main thread: the app could set none
                signal.signal(signum, handler)
    if app.stopped_by:
        signal.raise_signal(app.stopped_by)
    session = app.session
    return _result(session, data, (Progress.of(session.trainer.snapshot),))


def _app_for(X: Any, y: Any, *, feature_names: Sequence[str] | None = None,
             class_names: Sequence[str] | None = None, **settings: Any) -> tuple[SoftmaxApp, ArrayData]:
    """The dashboard app :func:`watch` runs, not yet running, and the data it holds."""
    session, data = _session(X, y, feature_names, class_names, settings, headless=False)
    with user_errors():
        check_drawable(session)
    from softmax_tui.tui.app import SoftmaxApp  # Textual, only for the dashboard

    return SoftmaxApp(session), data


def _session(X: Any, y: Any, feature_names: Sequence[str] | None, class_names: Sequence[str] | None,
             settings: dict[str, Any], *, headless: bool) -> tuple[Session, ArrayData]:
    """The run of ``settings`` on ``X`` and ``y``, built as the command line builds one."""
    name = "<DataFrame>" if hasattr(X, "columns") else "<array>"
    with user_errors():
        options = _options(name, settings, headless)
        run = options.run
        data = from_arrays(X, y, name=name, feature_names=feature_names, class_names=class_names,
                           drop_missing=run.drop_missing, categorical_target=run.categorical_target)
        return build_session(options, data.dataset), data


def _options(name: str, settings: dict[str, Any], headless: bool) -> Options:
    """The command line's options for ``settings`` on the data ``name``: each value through
    its flag's converter, then the rules between flags; a mistake is a UserError."""
    run_fields = {f.name: f for f in fields(RunConfig)}
    run: dict[str, Any] = {}
    invocation: dict[str, Any] = {}
    for key, value in settings.items():
        if key in REFUSED:
            raise UserError(f"{key}: {REFUSED[key]}")
        if key in run_fields:
            f = run_fields[key]
            run[key] = _value(key, value, f.default, f.metadata["parse"], f.metadata["choices"],
                              path=f.metadata["group"] == "files")
        elif key in INVOCATION:
            setting = INVOCATION[key]
            invocation[key] = _value(key, value, False if setting.parse is None else None, setting.parse, None)
            if invocation[key] not in (None, False) and headless != setting.headless:
                raise UserError(f"{key} applies to {setting.function} only")
        else:
            known = [*(name for name in run_fields if name not in REFUSED), *INVOCATION]
            close = difflib.get_close_matches(key, known, n=1)
            raise UserError(f"unknown setting {key!r}" + (f"; did you mean {close[0]!r}?" if close else
                                                          f"; the settings are {', '.join(known)}"))
    options = Options(RunConfig(dataset=name, **run), headless=headless, **invocation)
    check_options(options)
    return options


def _value(key: str, value: Any, default: Any, parse, choices: tuple[str, ...] | None, *,
           path: bool = False) -> Any:
    """Setting ``key``'s ``value`` as its flag would give it: a switch True or False, a
    choice among ``choices`` (a str), a file's ``path`` (a str or os.PathLike), anything else
    a str or a real number (not a bool) through the flag's converter ``parse`` (from its text:
    ``str(0.1)`` is ``'0.1'``; ``features`` also a list of names); None where the default is
    None. Any other value is a UserError naming ``key``."""
    if value is None and default is None:
        return None
    if isinstance(default, bool):
        if not isinstance(value, (bool, np.bool_)):
            raise UserError(f"{key}: must be True or False, got {described(value)}")
        return bool(value)
    if choices is not None:
        if not isinstance(value, str):
            raise UserError(f"{key}: must be one of {', '.join(choices)} as a str, got {described(value)}")
        if value not in choices:
            raise UserError(f"{key}: invalid choice: {value!r} (choose from {', '.join(choices)})")
        return str(value)
    if path:
        value = os.fspath(value) if isinstance(value, os.PathLike) else value
        if not isinstance(value, str):
            raise UserError(f"{key}: must be a path (a str or os.PathLike), got {described(value)}")
    if key == "features" and isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        value = ",".join(value)
    if parse is converters.non_empty:  # a text setting
        if not isinstance(value, str):
            raise UserError(f"{key}: must be a str, got {described(value)}")
    elif isinstance(value, (bool, np.bool_)) or not isinstance(value, (str, numbers.Real)):
        raise UserError(f"{key}: must be a number or its text, got {described(value)}")
    try:
        return parse(value if isinstance(value, str) else str(value))
    except argparse.ArgumentTypeError as e:
        raise UserError(f"{key}: {e}") from None


def keywords(message: str) -> str:
    """``message`` with each flag of a setting named as the keyword argument that gives it:
    ``--batch-size`` as ``batch_size``, a switch as its value (``--no-standardize`` as
    ``standardize=False``), a flag and its value as ``name=value`` (``--optimizer gd`` as
    ``optimizer='gd'``, ``--l1 0.1`` as ``l1=0.1``). Other text is left as it is."""
    def keyword(match: re.Match) -> str:
        flag, value = "--" + match.group(1), match.group(2)
        name = _SETTING_OF_FLAG.get(flag)
        if name is None:
            return match.group(0)
        switch = _SWITCHES.get(name)
        tail = "" if value is None else " " + value
        if switch is not None:
            return f"{name}={switch}{tail}"
        if value is not None and (value in _CHOICES.get(name, ()) or value[-1].isdigit()):
            return f"{name}={value!r}" if name in _CHOICES else f"{name}={value}"
        return name + tail

    return _FLAG.sub(keyword, message)


#: Each setting's flag (``--batch-size``), its name; the switches' values when given; the choices.
_SETTING_OF_FLAG = {**{f.metadata["flag"]: f.name for f in fields(RunConfig)},
                    **{"--" + name: name for name in INVOCATION}}
_SWITCHES = {**{f.name: not f.default for f in fields(RunConfig) if isinstance(f.default, bool)},
             **{name: True for name, setting in INVOCATION.items() if setting.parse is None}}
_CHOICES = {f.name: f.metadata["choices"] for f in fields(RunConfig) if f.metadata["choices"] is not None}


def _result(session: Session, data: ArrayData, history: tuple[Progress, ...]) -> TrainResult:
    """The result of ``session``'s run as it stands (on ``data``, or on another dataset
    the dashboard switched to)."""
    snap, dataset = session.trainer.snapshot, session.dataset
    classes = data.classes if dataset is data.dataset else np.array(dataset.class_names)
    return TrainResult(W=_read_only(snap.W), b=_read_only(snap.b), pipeline=session.pipeline, classes=classes,
                       class_names=session.class_names, feature_names=session.feature_names,
                       columns=dataset.feature_names, history=history, status=snap.state.value,
                       reason=snap.reason, step=snap.step, epoch=snap.epoch, config=session.config,
                       dropped_rows=dataset.dropped_rows)


def _read_only(array: np.ndarray) -> np.ndarray:
    copy = np.array(array, dtype=np.float64)
    copy.flags.writeable = False
    return copy


@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """The mistakes the command line reports in one line, raised as SoftmaxTuiError: settings
    named as keywords (:func:`keywords`), control characters shown escaped as the command
    line shows them, the internal error kept as its ``original`` (not chained, so that an
    uncaught one shows one traceback)."""
    try:
        yield
    except (UserError, DatasetError) as e:
        error = SoftmaxTuiError(visible(keywords(str(e))))
        error.original = e
        raise error from None
