"""The 1-3-10 ladders that ``+``/``-`` (learning rate) and ``[``/``]`` (speed) climb."""

from __future__ import annotations

import math


def one_three_ten(lo_exponent: int, hi_exponent: int) -> tuple[float, ...]:
    """1, 3, 10, 30, ... from ``10**lo_exponent`` up to ``10**hi_exponent`` (exact decimals)."""
    rungs = [float(f"{m}e{e}") for e in range(lo_exponent, hi_exponent) for m in (1, 3)]
    return (*rungs, float(f"1e{hi_exponent}"))


LEARNING_RATES = one_three_ten(-5, 2)  # 1e-05 ... 100
SPEEDS = (*one_three_ten(0, 4), math.inf)  # steps per second: 1 ... 10000, then unthrottled
DEFAULT_SPEED = 30.0  # a watchable default: seed 000's 40 steps take about a second and a half


def next_rung(rungs: tuple[float, ...], value: float, up: bool) -> float:
    """The nearest rung strictly above (``up``) or below ``value``; ``value`` itself past either end.

    A value between rungs (say a learning rate of 0.05) moves to the neighbouring rung in
    that direction (0.1 up, 0.03 down), so the ladder is reached from anywhere."""
    tolerance = 1e-9 * abs(value) if math.isfinite(value) else 0.0
    if up:
        higher = [r for r in rungs if r > value + tolerance]
        return higher[0] if higher else value
    lower = [r for r in rungs if r < value - tolerance]
    return lower[-1] if lower else value


def speed_text(speed: float) -> str:
    """A speed limit as the status bar shows it: "30/s" or "max"."""
    return "max" if math.isinf(speed) else f"{speed:g}/s"
