"""Training history in bounded memory: min/max decimation that keeps the curve's shape.

Records (step, loss, train accuracy, validation loss, validation accuracy) go into at
most ``capacity`` buckets. While there is room, each bucket holds one record. When the
buckets are full, neighbouring pairs merge (so each bucket covers twice as many records)
and every bucket keeps, per metric, its minimum and maximum with the steps where they
occurred. Drawing both extremes of every bucket reproduces spikes and the envelope of a
noisy curve exactly, whatever the run's length, in O(capacity) memory.

The buckets before the last are kept as columns (per metric, a list of each bucket's
minimum, and so on), so that a curve is a few conversions to arrays: the dashboard reads one
every frame, and a loop over 2048 bucket objects took 0.5 ms of its 6 (benchmarks/ui.py).
The last bucket, which every step's record goes into, is a few short lists of its own, as
fast to update as a bucket object was.
"""

from __future__ import annotations

import numpy as np

METRICS = ("loss", "train_accuracy", "val_loss", "val_accuracy")


class History:
    """Per-step metrics of a run, decimated to at most ``capacity`` buckets."""

    def __init__(self, capacity: int = 2048) -> None:
        if capacity < 2 or capacity % 2:
            raise ValueError("capacity must be an even number >= 2")
        self.capacity = capacity
        self.clear()

    def clear(self) -> None:
        # the buckets before the last, as columns: records per bucket, the step of each
        # bucket's latest record, and per metric each bucket's lowest value and its step and
        # its highest value and its step
        self._counts: list[int] = []
        self._last_steps: list[int] = []
        self._lo: list[list[float]] = [[] for _ in METRICS]
        self._lo_step: list[list[int]] = [[] for _ in METRICS]
        self._hi: list[list[float]] = [[] for _ in METRICS]
        self._hi_step: list[list[int]] = [[] for _ in METRICS]
        # the last bucket, which records go into (none while open_count is 0): the same per metric
        self._open_count = 0
        self._open_last_step = 0
        self._open_lo: list[float] = []
        self._open_lo_step: list[int] = []
        self._open_hi: list[float] = []
        self._open_hi_step: list[int] = []
        self._width = 1  # records per full bucket
        self.count = 0
        self.last: tuple[int, dict[str, float]] | None = None

    def __len__(self) -> int:
        return self.count

    def append(self, step: int, loss: float, train_accuracy: float,
               val_loss: float | None = None, val_accuracy: float | None = None) -> None:
        """Record the metrics at ``step`` (missing validation metrics are stored as NaN)."""
        values = [loss, train_accuracy,
                  np.nan if val_loss is None else val_loss,
                  np.nan if val_accuracy is None else val_accuracy]
        self.count += 1
        self.last = (step, dict(zip(METRICS, values)))
        if 0 < self._open_count < self._width:
            self._open_count += 1
            self._open_last_step = step
            lo, hi = self._open_lo, self._open_hi
            for i, v in enumerate(values):
                if v < lo[i]:
                    lo[i], self._open_lo_step[i] = v, step
                if v > hi[i]:
                    hi[i], self._open_hi_step[i] = v, step
            return
        if self._open_count:
            self._close_open_bucket()
        if len(self._counts) == self.capacity:
            self._merge_pairs()
        self._open_count, self._open_last_step = 1, step
        self._open_lo, self._open_lo_step = list(values), [step] * len(values)
        self._open_hi, self._open_hi_step = list(values), [step] * len(values)

    @property
    def last_step(self) -> int | None:
        """The step of the last record, None before the first."""
        return None if self.last is None else self.last[0]

    def truncate(self, step: int) -> None:
        """Forget the records after ``step`` (the run went back there). A bucket that holds
        records on both sides goes too, since its extremes may come from after ``step``: the
        curve then ends up to one bucket's width (``count`` records) early. ``last`` is
        forgotten unless it is at or before ``step``."""
        if self._open_count and self._open_last_step > step:
            self.count -= self._open_count
            self._open_count = 0
        while self._last_steps and self._last_steps[-1] > step:
            self._last_steps.pop()
            self.count -= self._counts.pop()
            for column in (*self._lo, *self._lo_step, *self._hi, *self._hi_step):
                column.pop()
        if self.last is not None and self.last[0] > step:
            self.last = None

    def _close_open_bucket(self) -> None:
        """Move the last bucket into the columns."""
        self._counts.append(self._open_count)
        self._last_steps.append(self._open_last_step)
        for i in range(len(METRICS)):
            self._lo[i].append(self._open_lo[i])
            self._lo_step[i].append(self._open_lo_step[i])
            self._hi[i].append(self._open_hi[i])
            self._hi_step[i].append(self._open_hi_step[i])
        self._open_count = 0

    def _merge_pairs(self) -> None:
        """Merge the buckets (all closed: ``capacity`` of them) in neighbouring pairs: the
        lower of two minimums (the earlier on a tie, or where either is NaN) with its
        step, the higher of two maximums likewise."""
        self._counts = np.add.reduceat(self._counts, range(0, len(self._counts), 2)).tolist()
        self._last_steps = self._last_steps[1::2]
        for columns, steps, later_wins in ((self._lo, self._lo_step, np.less), (self._hi, self._hi_step, np.greater)):
            for i, (values, at) in enumerate(zip(columns, steps)):
                first, second = np.asarray(values[0::2]), np.asarray(values[1::2])
                take = later_wins(second, first)
                columns[i] = np.where(take, second, first).tolist()
                steps[i] = np.where(take, at[1::2], at[0::2]).tolist()
        self._width *= 2

    def curve(self, metric: str) -> tuple[np.ndarray, np.ndarray]:
        """``(steps, values)`` to draw: each bucket's minimum and maximum in step order (one
        point where both are the same record)."""
        i = METRICS.index(metric)
        open_ = self._open_count > 0
        lo_step = np.array(self._lo_step[i] + [self._open_lo_step[i]] * open_, dtype=np.int64)
        hi_step = np.array(self._hi_step[i] + [self._open_hi_step[i]] * open_, dtype=np.int64)
        lo = np.array(self._lo[i] + [self._open_lo[i]] * open_, dtype=np.float64)
        hi = np.array(self._hi[i] + [self._open_hi[i]] * open_, dtype=np.float64)
        lo_first = lo_step <= hi_step
        steps, values = np.empty(2 * len(lo), dtype=np.int64), np.empty(2 * len(lo))
        steps[0::2], steps[1::2] = np.where(lo_first, lo_step, hi_step), np.where(lo_first, hi_step, lo_step)
        values[0::2], values[1::2] = np.where(lo_first, lo, hi), np.where(lo_first, hi, lo)
        keep = np.ones(2 * len(lo), dtype=bool)
        keep[1::2] = lo_step != hi_step  # a step has one value: the bucket's extremes are one record
        return steps[keep], values[keep]
