"""The run's path through parameter space, in bounded memory: past ``[W | b]`` points.

The trainer records the parameters at every evaluated step (every step of a full-batch
optimizer; a stochastic one at epoch ends and chunk ends, where it evaluates). While there is
room every record is kept; when the store is full, every other point is dropped (the first
one stays) and from then on only every other record is kept, so the points stay evenly spaced
in records, ``stride`` apart, and memory stays at ``capacity`` points whatever the run's length
(the same halving as :mod:`.history`).
"""

from __future__ import annotations

import numpy as np

#: The points of one run take at most about this many bytes (see :func:`trajectory_capacity`).
TRAJECTORY_BYTES = 8 << 20
#: Fewest and most points kept, whatever the parameter count.
MIN_POINTS, MAX_POINTS = 64, 1024


def trajectory_capacity(n_classes: int, n_features: int) -> int:
    """How many points of ``K (d+1)`` float64 parameters fit in ``TRAJECTORY_BYTES``, within
    ``[MIN_POINTS, MAX_POINTS]`` and even (``MIN_POINTS`` points may exceed the budget for
    hundreds of thousands of parameters)."""
    fit = TRAJECTORY_BYTES // (8 * n_classes * (n_features + 1))
    return int(min(MAX_POINTS, max(MIN_POINTS, fit)) // 2 * 2)


class Trajectory:
    """Past parameter points ``(step, [W | b])``, at most ``capacity`` of them (module docstring).

    Not thread-safe: the trainer's owner reads it while the trainer is idle."""

    def __init__(self, capacity: int = MAX_POINTS) -> None:
        if capacity < 2 or capacity % 2:
            raise ValueError("capacity must be an even number >= 2")
        self.capacity = capacity
        self.clear()

    def clear(self) -> None:
        self._steps = np.empty(self.capacity, dtype=np.int64)
        self._points: np.ndarray | None = None  # (capacity, K, d+1), allocated by the first append
        self._count = 0  # points held
        self._records = 0  # records offered since the clear
        self._last_step: int | None = None  # the step of the last record offered
        #: Records per kept point: 1 until the store first fills, then doubling each time.
        self.stride = 1

    def __len__(self) -> int:
        return self._count

    def append(self, step: int, W: np.ndarray, b: np.ndarray) -> None:
        """Record the parameters W (K, d) and b (K,) after ``step``: kept if it is a
        ``stride``-th record. A second record of the step last offered (the objective changed
        at that step) replaces it when that was kept."""
        if self._last_step == step:
            if self._count and self._steps[self._count - 1] == step:
                self._store(self._count - 1, step, W, b)
            return
        self._last_step = step
        self._records += 1
        if (self._records - 1) % self.stride:
            return
        if self._count == self.capacity:
            keep = self._count // 2
            self._steps[:keep] = self._steps[0:self._count:2]
            self._points[:keep] = self._points[0:self._count:2]
            self._count, self.stride = keep, 2 * self.stride  # this record is a multiple of the new stride
        self._store(self._count, step, W, b)
        self._count += 1

    def truncate(self, step: int) -> None:
        """Forget the points after ``step`` (the run went back there); the records from now on
        are kept every ``stride``-th again, counted from the last point kept."""
        self._count = int(np.searchsorted(self._steps[:self._count], step, side="right"))
        self._records = (self._count - 1) * self.stride + 1 if self._count else 0
        self._last_step = int(self._steps[self._count - 1]) if self._count else None

    def _store(self, i: int, step: int, W: np.ndarray, b: np.ndarray) -> None:
        if self._points is None:
            self._points = np.empty((self.capacity, W.shape[0], W.shape[1] + 1))
        self._steps[i] = step
        self._points[i, :, :-1] = W
        self._points[i, :, -1] = b

    def points(self, until: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """``(steps (m,), parameters (m, K, d+1))`` in step order, copies, of the points at
        steps up to ``until`` (all of them when None); the parameters in the ``[W | b]``
        layout. Empty arrays (0 points, shape (0, 0, 0)) before the first record."""
        if self._points is None:
            return np.empty(0, dtype=np.int64), np.empty((0, 0, 0))
        steps = self._steps[:self._count]
        m = self._count if until is None else int(np.searchsorted(steps, until, side="right"))
        return steps[:m].copy(), self._points[:m].copy()
