"""The ``softmax-tui`` console script: Ctrl+C at any moment, even while the modules it needs
are still importing (a second or so on a cold disk), ends quietly with status 130.

The cyclic garbage collector stays off while the modules load and then leaves what they made
alone (``gc.freeze``): loading them makes some 35,000 objects (NumPy's most) and almost no
garbage (about 500 objects, in cycles), yet the collector would walk them in its passes during
the imports, in every full pass of the run and once more at exit: 41 of the 534 million
instructions of a plain ``--headless`` run (callgrind).
"""

from __future__ import annotations

import gc
import sys

EXIT_INTERRUPTED = 130


def main() -> int:
    """Import the command line and run it; a KeyboardInterrupt before it can catch one itself
    is one line on stderr and exit status 130, not a traceback. No garbage collection while
    the modules load; what they made is never collected after (module docstring)."""
    gc.disable()
    try:
        from .cli import main as run
    except KeyboardInterrupt:
        return interrupted()
    except ImportError as e:  # NumPy turns a Ctrl+C in its own imports into an ImportError
        if _caused_by_interrupt(e):
            return interrupted()
        raise
    finally:
        gc.freeze()
        gc.enable()
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
