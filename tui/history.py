"""``--history FILE``: a run as CSV, one row per progress event headless and per completed
epoch in the dashboard, with the same columns and numbers in both.

Floats are written with ``repr``, which round-trips; a missing or non-finite number is an
empty cell.
"""

from __future__ import annotations

import contextlib
import csv
import os

from softmax_tui.engine import Snapshot

from .errors import HistoryError, UserError
from .numbers import finite

#: Bytes read back at a time when rows are dropped (:meth:`HistoryFile.cut`).
CUT_BLOCK = 1 << 16
HISTORY_COLUMNS = ("step", "epoch", "loss", "train_accuracy", "val_loss", "val_accuracy")


class HistoryFile:
    """The ``--history`` CSV, written row by row; :meth:`flush` puts the rows so far in the
    file (headless flushes every row, the dashboard every chunk of steps).

    Opening it is the writability check: it happens before any training. A write that fails
    (a full disk) closes the file cut back to its last complete row, so it stays a valid CSV
    of every row written before the failure."""

    def __init__(self, path: str) -> None:
        self.path = path
        try:
            self._file = open(path, "w", encoding="utf-8", newline="")
        except OSError as e:
            raise UserError(f"{path}: cannot write the history there ({e.strerror})") from None
        self._csv = csv.writer(self._file, lineterminator="\n")
        self._complete = 0  # bytes of complete rows in the file
        self._header()

    def write(self, snap: Snapshot) -> None:
        """A row for ``snap`` (call :meth:`flush` to put it in the file)."""
        self.last_step = snap.step
        self._try(self._csv.writerow, [snap.step, snap.epoch, *(_cell(getattr(snap, c)) for c in HISTORY_COLUMNS[2:])])

    def flush(self) -> None:
        self._try(self._file.flush)
        self._complete = os.lseek(self._file.fileno(), 0, os.SEEK_CUR)

    def restart(self) -> None:
        """Back to the header alone: the file holds a run started again from step 0."""
        self._try(self._file.seek, 0)
        self._try(self._file.truncate)
        self._header()

    def cut(self, step: int) -> None:
        """Drop the rows after step ``step`` (the run forked there: ``Runner.fork``). The file
        is read back from its end a block at a time, so that the cost is that of the rows
        dropped."""
        self.flush()
        with open(self.path, "rb") as file:
            keep, self.last_step = _last_row_until(file, self._complete, step)
        self._try(self._file.truncate, keep)
        self._try(self._file.seek, 0, os.SEEK_END)
        self.flush()

    def close(self) -> None:
        self._file.close()

    def _header(self) -> None:
        self.last_step = 0  # the step of the last row (none is at step 0)
        self._try(self._csv.writerow, HISTORY_COLUMNS)
        self.flush()

    def _try(self, write, *args) -> None:
        try:
            write(*args)
        except OSError as e:
            self._abandon()
            raise HistoryError(f"{self.path}: could not write the history ({e.strerror})") from None

    def _abandon(self) -> None:
        """Close the file (whatever stays buffered is dropped) and cut off a partial last row."""
        with contextlib.suppress(OSError):
            self._file.close()
        with contextlib.suppress(OSError):  # a device such as /dev/full cannot be truncated
            os.truncate(self.path, self._complete)


def _cell(x: float | None) -> str:
    value = finite(x)
    return "" if value is None else repr(value)


def _last_row_until(file, end: int, step: int) -> tuple[int, int]:
    """Where the rows after ``step`` begin in the history ``file`` of ``end`` bytes (rows in
    step order after the header, each ending with a line end), and the step of the row before
    them (0: the header)."""
    size = CUT_BLOCK
    while end > 0:
        start = max(0, end - size)
        file.seek(start)
        block = file.read(end - start)
        if start > 0:  # a row cut by the block's start is read with the block before
            skip = block.index(b"\n") + 1
            start, block = start + skip, block[skip:]
            if not block:  # a row longer than the block
                size *= 2
                continue
        position = end
        for row in reversed(block.split(b"\n")[:-1]):
            first = row.split(b",", 1)[0]
            if not first.isdigit():
                return position, 0
            if int(first) <= step:
                return position, int(first)
            position -= len(row) + 1
        end = start
    return 0, 0
