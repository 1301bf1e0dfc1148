"""Round axis ticks for character plots, placed on the rows (or columns) whose value they name.

A character plot has a few rows, each standing for one value: the plot's range split into
equal steps (``pitch``). A label on a row must name that row's value, or what is read off the
axis is off by up to half a row. So the range is chosen for the ticks rather than the other
way round: a round tick step (1, 2 or 5 times a power of ten) split into a whole number of
rows gives the pitch, and the range starts at a multiple of it (rows to spare split above
and below the data); every tick then falls on a row exactly. Of the ranges that hold the data, the one with the smallest pitch (the data
filling most of the height) wins.

On a log scale rows are equal steps of ``log10(value)``: ticks are powers of ten (every one,
or every second, fifth, ... decade), and when the data spans too few decades for two of
them, 1, 2 and 5 times a power of ten on rows a tenth of a decade apart or finer (log10 2 =
0.30103 and log10 5 = 0.69897 sit 0.00103 decades from such rows: at most 4% of a row at the
finest). Labels are short: plain decimals from 0.001 to 99999, else compact scientific for
the whole axis ("1e-12", "2.5e-7", and "1"). An axis too short for any round tick (two rows across
zero) has none.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

MANTISSAS = (1, 2, 5)
#: Rows from one tick to the next: the candidates, and the spacing preferred among equals.
ROWS_PER_TICK = range(1, 6)
PREFERRED_ROWS_PER_TICK = 3
#: Pitches beyond this many times the least that holds the data are not tried (rounding the
#: step up and aligning the range to it costs at most 2.5 x 2 = 5 times).
MAX_PITCH_FACTOR = 10
#: Sub-decade log ticks (1, 2, 5) need rows a tenth of a decade apart, or this many times finer.
SUBDECADE_SPLITS = range(1, 5)
#: A flat curve gets this share of its value (or 1 at zero) above and below it; on a log
#: scale, ``FLAT_DECADES``.
FLAT_SHARE = 0.1
FLAT_DECADES = 0.1
#: Labels are plain decimals for powers of ten from 10^PLAIN_EXPONENTS[0] to below 10^PLAIN_EXPONENTS[1].
PLAIN_EXPONENTS = (-3, 5)


@dataclass(frozen=True)
class Axis:
    """A plot axis of ``rows`` rows (or columns) from ``lo`` (the first) to ``hi`` (the last),
    in ``log10`` units when ``log``; ``ticks`` are values (not logarithms) with their
    ``labels``."""

    lo: float
    hi: float
    rows: int
    log: bool
    ticks: tuple[float, ...]
    labels: tuple[str, ...]

    @property
    def pitch(self) -> float:
        """The value (or decades) from one row to the next."""
        return (self.hi - self.lo) / (self.rows - 1)

    def position(self, value: float) -> float:
        """Where ``value`` is, in rows from the first (a whole number on a row)."""
        return ((math.log10(value) if self.log else value) - self.lo) / self.pitch


@dataclass(frozen=True)
class _Candidate:
    pitch: float
    rows_per_tick: int
    first: int  # the first row is ``first * pitch``
    ticks: tuple[float, ...]  # values (not logarithms)
    labels: tuple[str, ...]


def rows_axis(lo: float, hi: float, rows: int, *, log: bool = False) -> Axis | None:
    """The axis of ``rows`` rows holding data from ``lo`` to ``hi`` (both > 0 on a ``log``
    scale) with round ticks on rows (see the module docstring); None for fewer than two rows."""
    if rows < 2:
        return None
    if log:
        lo, hi = math.log10(lo), math.log10(hi)
    if hi - lo <= 1e-12 * max(abs(lo), abs(hi), 1e-300):  # flat: room above and below
        pad = FLAT_DECADES if log else (FLAT_SHARE * abs(lo) or 1.0)
        lo, hi = lo - pad, hi + pad
    least_pitch = (hi - lo) / (rows - 1)
    try:
        candidates = [c for c in _candidates(lo, hi, rows, least_pitch, log) if c.ticks]
    except OverflowError:  # near float64's limit (a loss of 1e308): the round steps themselves overflow
        candidates = []
    if not candidates:
        return Axis(lo, hi, rows, log, (), ())
    several = [c for c in candidates if len(c.ticks) >= 2]
    best = min(several or candidates, key=lambda c: (c.pitch, abs(c.rows_per_tick - PREFERRED_ROWS_PER_TICK)))
    first = best.first * best.pitch
    return Axis(first, first + (rows - 1) * best.pitch, rows, log, best.ticks, best.labels)


def _candidates(lo: float, hi: float, rows: int, least_pitch: float, log: bool):
    """Every pitch and tick series that holds ``[lo, hi]`` in ``rows`` rows."""
    top = math.floor(math.log10(least_pitch * max(ROWS_PER_TICK)))
    exponents = range(top - 1, top + 3)
    steps = [(m, e) for e in exponents for m in MANTISSAS if not log or e >= 0]
    for mantissa, exponent in steps:
        step = mantissa * 10.0**exponent
        for per in ROWS_PER_TICK:
            span = _span(lo, hi, rows, step / per, log)
            if span is not None and step / per <= MAX_PITCH_FACTOR * least_pitch:
                first, last = span
                ks = range(math.ceil(first / per), math.floor(last / per) + 1)
                if log:
                    decades = [round(k * step) for k in ks]
                    yield _Candidate(step / per, per, first, tuple(10.0**d for d in decades),
                                     labels([1] * len(decades), decades))
                else:
                    units = [k * mantissa for k in ks]
                    yield _Candidate(step / per, per, first, tuple(k * step for k in ks),
                                     labels(units, [exponent] * len(units)))
    if log:
        yield from _subdecade_candidates(lo, hi, rows)


def _subdecade_candidates(lo: float, hi: float, rows: int):
    """1, 2 and 5 times powers of ten on rows a tenth of a decade apart or finer."""
    for split in SUBDECADE_SPLITS:
        pitch = 0.1 / split
        span = _span(lo, hi, rows, pitch, True)
        if span is None:
            continue
        first, last = span
        ticks = [(mantissa, decade) for decade in range(math.floor(first * pitch) - 1, math.ceil(last * pitch) + 1)
                 for mantissa in MANTISSAS if first <= round((decade + math.log10(mantissa)) / pitch) <= last]
        yield _Candidate(pitch, split * 3, first, tuple(m * 10.0**d for m, d in ticks),
                         labels([m for m, _ in ticks], [d for _, d in ticks]))


def _span(lo: float, hi: float, rows: int, pitch: float, log: bool) -> tuple[int, int] | None:
    """The first and last row numbers (multiples of ``pitch``) of ``rows`` rows that hold
    ``[lo, hi]``, the rows to spare split evenly above and below (but none below zero for
    data that is not negative, on a linear scale); None if they cannot hold it."""
    first = math.floor(lo / pitch + 1e-9)
    spare = first + rows - 1 - math.ceil(hi / pitch - 1e-9)
    if spare < 0:
        return None
    below = spare // 2 if log or lo < 0 else min(spare // 2, first)
    return first - below, first - below + rows - 1


def labels(units: list[int], exponents: list[int]) -> tuple[str, ...]:
    """``units[i] * 10**exponents[i]`` in short form, one form for the whole axis: plain
    decimals (as many places as the exponent asks) when every value is moderate, else
    compact scientific ("2.5e-7", "1e12"; zero and one stay "0" and "1")."""
    values = [u * 10.0**e for u, e in zip(units, exponents)]
    magnitudes = [_magnitude(v) for v in values if v]
    plain = all(PLAIN_EXPONENTS[0] <= m < PLAIN_EXPONENTS[1] for m in magnitudes) and min(
        exponents, default=0) >= PLAIN_EXPONENTS[0] - 1
    if plain:
        return tuple(f"{v:.{max(-e, 0)}f}" for v, e in zip(values, exponents))
    return tuple(_scientific(v, e) for v, e in zip(values, exponents))


def _magnitude(value: float) -> int:
    """The power of ten of ``value``'s first digit."""
    return math.floor(math.log10(abs(value)) + 1e-9)


def _scientific(value: float, exponent: int) -> str:
    """``value``, a multiple of ``10**exponent``, as "2.5e-7": no more digits than that
    multiple has, no exponent padding."""
    if value in (0, 1):
        return str(int(value))
    mantissa, power = f"{value:.{max(_magnitude(value) - exponent, 0)}e}".split("e")
    if "." in mantissa:
        mantissa = mantissa.rstrip("0").rstrip(".")
    return f"{mantissa}e{int(power)}"


def round_ticks(lo: float, hi: float, most: int, *, whole: bool = False) -> list[float]:
    """Multiples of the smallest round step (1, 2 or 5 times a power of ten; at least 1 when
    ``whole``) of which at most ``most`` (at least 1) lie in ``[lo, hi]``: the ticks there."""
    span = max(hi - lo, 1e-300)
    exponent = math.floor(math.log10(span / max(most, 1))) - 1
    while True:
        for mantissa in MANTISSAS:
            step = mantissa * 10.0**exponent
            if whole and step < 1:
                continue
            ks = range(math.ceil(lo / step - 1e-9), math.floor(hi / step + 1e-9) + 1)
            if len(ks) <= max(most, 1):
                return [k * step for k in ks]
        exponent += 1
