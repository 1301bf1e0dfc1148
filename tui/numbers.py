"""Numbers in a fixed width, so that columns of them line up and do not jump while they change;
and which numbers the output files (JSON lines, history CSV) write at all (:func:`finite`)."""

from __future__ import annotations

import math


def fixed(value: float, width: int = 8, decimals: int = 3) -> str:
    """``value`` signed, right-aligned in exactly ``width`` characters.

    Fixed-point with ``decimals`` digits when it fits, fewer digits for larger magnitudes,
    scientific notation beyond that (``+1.2e+05``), and ``nan``/``+inf`` as such."""
    value = value + 0.0  # no "-0.000" for a negative zero
    if not math.isfinite(value):
        return f"{value:+}".rjust(width)[:width] if not math.isnan(value) else "nan".rjust(width)
    for places in range(decimals, -1, -1):
        text = f"{value:+.{places}f}"
        if len(text) <= width:
            return text.rjust(width)
    for places in range(max(width - 7, 0), -1, -1):
        text = f"{value:+.{places}e}"
        if len(text) <= width:
            return text.rjust(width)
    return ("+" if value > 0 else "-").rjust(width, "#")


def nice_scale(magnitude: float) -> float:
    """The smallest of 1, 2, 5 x 10^k that is at least ``magnitude`` (1 for zero or non-finite):
    a shared bar scale that stays put while the values creep up to it."""
    if not (magnitude > 0 and math.isfinite(magnitude)):
        return 1.0
    exponent = math.floor(math.log10(magnitude))
    for mantissa in (1, 2, 5, 10):
        scale = mantissa * 10.0**exponent
        if scale >= magnitude * (1 - 1e-12):
            return scale
    return 10.0 ** (exponent + 1)


def finite(x: float | None) -> float | None:
    """``x`` as a float, or None when it is missing or not finite (what the JSON lines write as
    null and the history as an empty cell)."""
    return None if x is None or not math.isfinite(x) else float(x)
