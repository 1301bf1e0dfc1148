"""Training history in bounded memory: min/max decimation that keeps the curve's shape.

Records (step, loss, train accuracy, validation loss, validation accuracy) go into at
most ``capacity`` buckets. While there is room, each bucket holds one record. When the
buckets are full, neighbouring pairs merge (so each bucket covers twice as many records)
and every bucket keeps, per metric, its minimum and maximum with the steps where they
occurred. Drawing both extremes of every bucket reproduces spikes and the envelope of a
noisy curve exactly, whatever the run's length, in O(capacity) memory.
"""

from __future__ import annotations

import numpy as np

METRICS = ("loss", "train_accuracy", "val_loss", "val_accuracy")


class _Bucket:
    """Records merged: how many, per metric the lowest and highest value with their steps,
    and the step of the latest record. A plain class with slots: a dataclass's generated
    methods, which nothing here uses, cost 3 million instructions of every start."""

    __slots__ = ("count", "lo", "lo_step", "hi", "hi_step", "last_step")

    def __init__(self, step: int, values: list[float]) -> None:
        """A bucket of the one record ``values`` at ``step``."""
        self.count = 1
        self.lo, self.lo_step = list(values), [step] * len(values)
        self.hi, self.hi_step = list(values), [step] * len(values)
        self.last_step = step

    def add(self, step: int, values: list[float]) -> None:
        self.count += 1
        self.last_step = step
        for i, v in enumerate(values):
            if v < self.lo[i]:
                self.lo[i], self.lo_step[i] = v, step
            if v > self.hi[i]:
                self.hi[i], self.hi_step[i] = v, step

    def absorb(self, later: "_Bucket") -> None:
        self.count += later.count
        self.last_step = later.last_step
        for i in range(len(self.lo)):
            if later.lo[i] < self.lo[i]:
                self.lo[i], self.lo_step[i] = later.lo[i], later.lo_step[i]
            if later.hi[i] > self.hi[i]:
                self.hi[i], self.hi_step[i] = later.hi[i], later.hi_step[i]


class History:
    """Per-step metrics of a run, decimated to at most ``capacity`` buckets."""

    def __init__(self, capacity: int = 2048) -> None:
        if capacity < 2 or capacity % 2:
            raise ValueError("capacity must be an even number >= 2")
        self.capacity = capacity
        self.clear()

    def clear(self) -> None:
        self._buckets: list[_Bucket] = []
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
        if self._buckets and self._buckets[-1].count < self._width:
            self._buckets[-1].add(step, values)
            return
        if len(self._buckets) == self.capacity:
            self._merge_pairs()
        self._buckets.append(_Bucket(step, values))

    @property
    def last_step(self) -> int | None:
        """The step of the last record, None before the first."""
        return None if self.last is None else self.last[0]

    def truncate(self, step: int) -> None:
        """Forget the records after ``step`` (the run went back there). A bucket that holds
        records on both sides goes too, since its extremes may come from after ``step``: the
        curve then ends up to one bucket's width (``count`` records) early. ``last`` is
        forgotten unless it is at or before ``step``."""
        while self._buckets and self._buckets[-1].last_step > step:
            self.count -= self._buckets.pop().count
        if self.last is not None and self.last[0] > step:
            self.last = None

    def _merge_pairs(self) -> None:
        merged = self._buckets[0::2]
        for first, second in zip(merged, self._buckets[1::2]):
            first.absorb(second)
        self._buckets = merged
        self._width *= 2

    def curve(self, metric: str) -> tuple[np.ndarray, np.ndarray]:
        """``(steps, values)`` to draw: each bucket's minimum and maximum in step order."""
        i = METRICS.index(metric)
        steps: list[int] = []
        values: list[float] = []
        for bk in self._buckets:
            points = sorted({(bk.lo_step[i], bk.lo[i]), (bk.hi_step[i], bk.hi[i])})
            for s, v in points:
                steps.append(s)
                values.append(v)
        return np.asarray(steps, dtype=np.int64), np.asarray(values, dtype=np.float64)
