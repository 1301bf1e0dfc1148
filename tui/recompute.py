"""When to compute again something costly that follows the run (the curvature, the loss
landscape): never once per frame, and never for what was already asked.

A computation is asked for a *key*: the snapshot (or its parameters) it is for, compared by
identity (a new step is a new object), then whatever else it depends on, compared by value
(a penalty, a slice, a grid size). It is due when the key is new, no computation is under way,
and, while the run goes on, ``spacing`` seconds have passed since the last one started; a
paused run's step, or ``force`` (the view itself changed), is computed at once.
"""

from __future__ import annotations

import math


class Recompute:
    """The last key asked for and when; :attr:`busy` while a worker computes."""

    def __init__(self) -> None:
        self.busy = False
        self._asked: tuple | None = None
        self._started = -math.inf

    def due(self, key: tuple, *, running: bool, now: float, spacing: float, force: bool = False) -> bool:
        """Whether to compute for ``key`` now (module docstring); if so, it counts as asked for."""
        asked = self._asked
        if asked is not None and asked[0] is key[0] and asked[1:] == key[1:]:
            return False
        if not force and (self.busy or (running and now - self._started < spacing)):
            return False
        self._asked, self._started = key, now
        return True
