"""Timing helpers the benchmarks share. Not a benchmark itself.

The benchmarks are run as scripts (``.venv/bin/python benchmarks/engine.py``), which puts
this folder first on ``sys.path``, so they import this file as ``common``.
"""

from __future__ import annotations

import time
from typing import Callable


def best_time(fn: Callable[[], object], repeats: int = 1) -> float:
    """The fastest of ``repeats`` calls of ``fn``, in seconds (one call: its time)."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0 <= q <= 1) of ``values``: the sorted values' entry at ``q * n``
    (the last for q = 1); NaN when there are none."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")
