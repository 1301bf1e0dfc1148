"""The ``softmax-tui`` command: parse the flags, then train headless, open the dashboard or
serve it to a browser.

Every mistake a user can make ends here as one line, ``softmax-tui: error: <message>``, on
stderr and exit status 2. The headless path never imports Textual.
"""

from __future__ import annotations

import contextlib
import os
import sys
from typing import TYPE_CHECKING

from softmax_tui.datasets import DatasetError, list_datasets

from .errors import UserError
from .entry import interrupted
from .headless import EXIT_USER_ERROR, ClosedOutput, run_headless
from .options import Options, parse_options
from .safe_text import visible
from .session import Session, build_session
from .signals import Stopped

if TYPE_CHECKING:
    from .race import Entrants


def main(argv: list[str] | None = None) -> int:
    """Run the command line ``argv`` (default: ``sys.argv[1:]``); returns the exit status."""
    try:
        options = parse_options(argv)
    except SystemExit as e:  # --help, --version, or a bad flag (already reported)
        return e.code if isinstance(e.code, int) else 0
    try:
        if options.list_datasets:
            return _list_datasets()
        if options.headless:
            return _headless(options)
        if options.serve:
            return _serve(options)
        return _dashboard(options)
    except (UserError, DatasetError) as e:
        sys.stderr.write(f"softmax-tui: error: {visible(str(e))}\n")
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        return interrupted()
    except MemoryError:
        sys.stderr.write("softmax-tui: error: out of memory: the data or the model is too large "
                         "for this machine\n")
        return EXIT_USER_ERROR
    except Stopped as e:  # a signal noted while the model was saved (it was saved)
        sys.stderr.write(f"softmax-tui: stopped by {e.name}\n")
        return e.exit_status


def _list_datasets() -> int:
    entries = list_datasets()
    width = max(len(name) for name, _ in entries)
    try:
        for name, summary in entries:
            print(f"{name:<{width}}  {summary}")
        sys.stdout.flush()
    except (OSError, AttributeError) as e:  # stdout full or closed
        _silence_stdout()
        sys.stderr.write(f"softmax-tui: error: standard output: {getattr(e, 'strerror', None) or 'closed'}\n")
        return EXIT_USER_ERROR
    return 0


def _session(options: Options) -> Session:
    """The run's session; rows the file lost to ``--drop-missing`` are said on stderr."""
    session = build_session(options)
    _say_dropped(session)
    return session


def _say_dropped(session: Session) -> None:
    """The rows the file lost to ``--drop-missing``, on stderr."""
    if session.dataset.dropped_note:
        sys.stderr.write(f"softmax-tui: {visible(session.dataset.name)}: {session.dataset.dropped_note}\n")


def _headless(options: Options) -> int:
    out = sys.stdout or ClosedOutput()
    if options.compare is not None:
        from .headless_race import run_race_headless
        from .race import build_entrants

        entrants = build_entrants(options)
        _say_dropped(entrants.sessions[0])
        status = run_race_headless(entrants, options.every, out, sys.stderr)
    else:
        status = run_headless(_session(options), out, sys.stderr)
    try:
        if sys.stdout is not None:
            sys.stdout.flush()
    except OSError:
        _silence_stdout()
    return status


def _silence_stdout() -> None:
    """Nobody reads standard output any more, or it is full: point it at /dev/null, so that
    Python's last flush, of what stays in its buffer, is silent."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)


def check_drawable(session: Session) -> None:
    """The dashboard gives each class its own colour and marker, and it has ten of each."""
    from .palette import MAX_CLASSES  # the dashboard's module (it imports Rich): not on the headless path

    dataset = session.dataset
    if dataset.n_classes > MAX_CLASSES:
        raise UserError(f"{dataset.name} has {dataset.n_classes} classes; the dashboard shows at most "
                        f"{MAX_CLASSES} (one colour each): train it with --headless")


def _dashboard_session(options: Options) -> tuple[Session, Entrants | None]:
    """The dashboard's session (the first run's, in a race) and a race's entrants, checked as
    the dashboard needs them: the ``--save-model`` folder writable, the classes drawable."""
    if options.save_model:
        from .modelfile import check_writable  # model files are written on request only

        check_writable(options.save_model)
    entrants = None
    if options.compare is not None:
        from .race import build_entrants

        entrants = build_entrants(options)
        session = entrants.sessions[0]
        _say_dropped(session)
    else:
        session = _session(options)
    check_drawable(session)
    return session, entrants


def _serve(options: Options) -> int:
    """Serve the dashboard to browsers, once the address is free and the run loads and draws
    here as every visit will (so a mistake is one line now, not a page that closes)."""
    from .serve import open_server

    server = open_server(options)
    _dashboard_session(options)
    return server.run()


def _dashboard(options: Options) -> int:
    """Open the dashboard; with --save-model, save the model it shows when it closes."""
    session, entrants = _dashboard_session(options)
    from .app import SoftmaxApp

    app = SoftmaxApp(session, entrants=entrants)
    try:
        app.run()
    except OSError:  # the terminal is gone (SIGHUP after an SSH drop): keep the work all the same
        pass
    notes = []
    if options.save_model:
        from .modelfile import save_model

        save_model(options.save_model, app.session.saved_model())
        notes.append(f"model saved to {visible(options.save_model)}")
    stopped = Stopped(app.stopped_by) if app.stopped_by else None
    if stopped:
        notes.insert(0, f"stopped by {stopped.name}")
    with contextlib.suppress(OSError):  # the terminal may be gone
        for note in notes:
            sys.stderr.write(f"softmax-tui: {note}\n")
    return stopped.exit_status if stopped else app.return_code or 0
