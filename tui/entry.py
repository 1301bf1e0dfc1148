"""The ``softmax-tui`` console script: Ctrl+C at any moment, even while the modules it needs
are still importing (a second or so on a cold disk), ends quietly with status 130."""

from __future__ import annotations

import sys

EXIT_INTERRUPTED = 130


def main() -> int:
    """Import the command line and run it; a KeyboardInterrupt before it can catch one itself
    is one line on stderr and exit status 130, not a traceback."""
    try:
        from .cli import main as run
    except KeyboardInterrupt:
        return interrupted()
    except ImportError as e:  # NumPy turns a Ctrl+C in its own imports into an ImportError
        if _caused_by_interrupt(e):
            return interrupted()
        raise
    return run()


def interrupted() -> int:
    """One line on stderr for a Ctrl+C; the exit status 130."""
    sys.stderr.write("softmax-tui: interrupted\n")
    return EXIT_INTERRUPTED


def _caused_by_interrupt(error: BaseException | None) -> bool:
    while error is not None:
        if isinstance(error, KeyboardInterrupt):
            return True
        error = error.__cause__ or error.__context__
    return False
