"""The run as a command: the ``softmax-tui`` command line that trains a run from step 0.

The command is :meth:`RunConfig.to_argv` of the run's configuration as given
(:meth:`RunConfig.as_given`): a flag for every field not at its default, so it round-trips
through the command line (``parse_options``). What an invocation does around the run is not
part of it and is left out: its outputs (``--save-model``, ``--history``) and ``--paused``.

Every argument is quoted so that a POSIX shell reads it back exactly (:func:`shell_word`), in
printable text: a path with spaces or quotes in ``'...'``, one with control characters in
``$'...'`` with them escaped, so the command on screen is the command copied. No Textual
here; lines are measured in terminal cells.
"""

from __future__ import annotations

import shlex
from dataclasses import replace

from rich.cells import cell_len

from softmax_tui.datasets import is_builtin, is_table_path

from .config import RunConfig
from .safe_text import CONTROL

PROGRAM = "softmax-tui"
#: The invocation's outputs, which the command leaves out.
OUTPUT_FLAGS = ("--save-model", "--history")
#: What ends a wrapped line: the shell's line continuation.
CONTINUATION = " \\"
#: The indent of a wrapped line's continuation.
INDENT = "  "

def shell_word(arg: str) -> str:
    """``arg`` as one word a POSIX shell reads back exactly, in printable characters.

    Without control characters, :func:`shlex.quote` (bare when safe, else in single quotes,
    a quote inside written ``'"'"'``). With them, ANSI-C quoting ``$'...'`` (bash, zsh, ksh,
    and POSIX.1-2024 sh): ``\\\\`` and ``\\'`` for a backslash and a quote, ``\\xHH`` for a
    C0 control or DEL, ``\\u00HH`` for a C1 control (a code point, written in UTF-8 by the
    shell, as Python gave it to the program: ``\\xHH`` would be a lone byte)."""
    if not CONTROL.search(arg):
        return shlex.quote(arg)

    def escaped(char: str) -> str:
        if char in "\\'":
            return "\\" + char
        if CONTROL.fullmatch(char):
            return f"\\x{ord(char):02x}" if ord(char) < 0x80 else f"\\u{ord(char):04x}"
        return char

    return "$'" + "".join(escaped(char) for char in arg) + "'"


def run_argv(config: RunConfig) -> list[str]:
    """The flags that train ``config``'s run from step 0 (see the module docstring)."""
    return config.as_given().to_argv()


def headless_argv(config: RunConfig, step: int) -> list[str]:
    """The flags that train ``config``'s run headless from step 0 to step ``step`` (>= 1) and
    stop there (``--steps``; with no ``--epochs`` a headless run then has no epoch limit)."""
    return [*run_argv(replace(config, steps=step)), "--headless"]


def command_words(argv: list[str]) -> list[str]:
    """``softmax-tui`` and ``argv``, each a shell word (:func:`shell_word`)."""
    return [PROGRAM, *(shell_word(arg) for arg in argv)]


def wrapped(words: list[str], width: int) -> list[str]:
    """``words`` as command lines of at most ``width`` cells, broken between words: each line
    but the last ends in the shell's line continuation `` \\``, and the lines after the first
    are indented, so the lines pasted into a shell are the one command. A word too long for
    a line of its own gets one (the widget folds it)."""
    lines: list[str] = []
    line = ""
    for i, word in enumerate(words):
        candidate = f"{line} {word}" if line else word
        room = width - (0 if i == len(words) - 1 else len(CONTINUATION))
        if line and cell_len(candidate) > room:
            lines.append(line + CONTINUATION)
            candidate = INDENT + word
        line = candidate
    return [*lines, line]


def data_note(dataset: str) -> str | None:
    """What the command's ``--dataset`` stands for when no command line can give the data:
    arrays given to ``softmax_tui.watch`` (neither a built-in nor a file); else None."""
    if is_builtin(dataset) or is_table_path(dataset):
        return None
    return (f"{dataset} stands for the X and y given to watch(): train(X, y, ...) takes these settings as "
            "keyword arguments (lr=0.1 for --lr=0.1), or write X and y to a CSV file and give its path.")


def provenance(changed_at: list[int]) -> str:
    """One line on what the command reproduces, given the steps after which live changes took
    effect (:attr:`Runner.changed_at`): this run, or its current settings from step 0."""
    if not changed_at:
        return "Reproduces this run from step 0."
    steps = ", ".join(map(str, changed_at[:-1])) + f" and {changed_at[-1]}" if len(changed_at) > 1 else str(changed_at[0])
    return (f"The settings changed at step{'s' if len(changed_at) > 1 else ''} {steps}: this trains the current "
            "settings from step 0, not this run's path (r restarts the run with them).")
