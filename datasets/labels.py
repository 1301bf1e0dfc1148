"""Class labels from a table's target column: exact, never rounded, missing ones named.

A label is the cell's own text with surrounding spaces removed. The rules, in order:

- **Missing.** A cell that is empty or one of the usual missing-value markers
  (:data:`MISSING_MARKERS`: ``NA``, ``N/A``, ``NaN``, ``null``, ``None``, ``?``, ... in
  their usual spellings) has no label.
- **Numbers.** A cell written as a decimal number (``12``, ``-0``, ``01``, ``1.0``, ``1e0``,
  ``+.5``) denotes that number exactly (Python's ``decimal``, no float rounding), so two cells
  share a class exactly when they denote the same number: ``1``, ``1.0``, ``01``, ``+1`` and
  ``1e0`` are one class, named ``1``; ``-0`` is ``0``; ``9007199254740992`` and
  ``9007199254740993`` are two classes. A number's class is named by its shortest exact
  decimal form (integers without a point).
- **Words.** Any other text is a class of its own, compared exactly (``cat`` and ``Cat`` differ).
- Classes are ordered numbers first (by value), then words (by code point).
- **Continuous targets.** When every label is a number and one of them is not an integer,
  the column holds measurements, not classes (scikit-learn's ``type_of_target`` says
  "continuous"), and the column is refused unless ``categorical`` is set.

Infinities (``inf``, ``-Infinity``) are not classes either: they are refused as labels.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import numpy as np

from .dataset import DatasetError

#: Missing-value markers, compared exactly with the trimmed cell: pandas' default
#: ``na_values``, the UCI repository's ``?``, and the other spellings of NA, NaN, null and
#: None seen in the wild. A fixed list, not any letter case: Arrow's parser matches the list
#: cell by cell, and its cost grows with the list's length in every column.
MISSING_MARKERS = frozenset({
    "", "?", "NA", "na", "Na", "N/A", "n/a", "N/a", "NaN", "nan", "NAN", "-NaN", "-nan",
    "NULL", "null", "Null", "None", "none", "NONE", "<NA>", "#NA", "#N/A", "#N/A N/A",
    "-1.#IND", "1.#IND", "-1.#QNAN", "1.#QNAN",
})  # fmt: skip

_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?", re.ASCII)
_INFINITY = re.compile(r"[+-]?(inf|infinity)", re.IGNORECASE)
_NAN = re.compile(r"[+-]?nan", re.IGNORECASE)
#: Numbers are named in plain digits while their decimal point stays within this many places
#: of their digits; beyond it (``1e999999``) in scientific form with every significant digit,
#: so a name never runs to a million digits.
_MAX_PLAIN_DIGITS = 100


def is_missing(text: str) -> bool:
    """True when the trimmed cell ``text`` is empty, a missing-value marker or any spelling
    of NaN (``nAn``, ``+nan``: what a float parser reads as NaN)."""
    text = text.strip()
    return text in MISSING_MARKERS or _NAN.fullmatch(text) is not None


#: Codes of ``LabelCoding.class_of_text`` that are not classes.
MISSING, UNUSABLE = -1, -2


def is_unusable(text: str) -> bool:
    """True for an infinite number (``inf``, ``-Infinity``), which names no class."""
    return _INFINITY.fullmatch(text) is not None


@dataclass(frozen=True)
class LabelCoding:
    """Distinct label texts -> classes.

    ``class_of_text[i]`` is the class index of ``texts[i]``, :data:`MISSING` when that text
    is missing, :data:`UNUSABLE` when it is an infinity; ``class_names[k]`` names class k.
    """

    class_names: tuple[str, ...]
    class_of_text: np.ndarray


def code_labels(texts: list[str], where: str, categorical: bool = False) -> LabelCoding:
    """Classes of the distinct trimmed label ``texts`` of the target column ``where`` (a
    message's start, "data.csv: column 'price'").

    Raises DatasetError (one line starting with ``where``) for a continuous target (every label a
    number, some not integers) unless ``categorical``.
    """
    numbers: dict[str, tuple[str, bool]] = {}  # text -> (exact name, is an integer)
    values: dict[str, Decimal] = {}  # exact name -> value, to sort by
    words: set[str] = set()
    for text in texts:
        if _NUMBER.fullmatch(text) and (value := _decimal(text)) is not None:
            name, _ = numbers[text] = _number_name(value)
            values.setdefault(name, value)
        elif not is_missing(text) and not is_unusable(text):
            words.add(text)
    if numbers and not words and not categorical:
        fraction = next((t for t, (_, integer) in numbers.items() if not integer), None)
        if fraction is not None:
            raise DatasetError(
                f"{where} holds non-integer numbers such as {show(fraction)}: a "
                "continuous target (a measurement to regress), not classes; pass "
                "--categorical-target if each distinct value really is a class"
            )
    names = sorted(values, key=values.__getitem__) + sorted(words)
    index = {name: k for k, name in enumerate(names)}

    def code(text: str) -> int:
        if text in numbers:
            return index[numbers[text][0]]
        if is_unusable(text):
            return UNUSABLE
        return MISSING if is_missing(text) else index[text]

    class_of_text = np.array([code(t) for t in texts], dtype=np.int64)
    return LabelCoding(tuple(names), class_of_text)


def _decimal(text: str) -> Decimal | None:
    """The number ``text`` exactly, or None when its exponent is beyond what Python's
    decimal holds (about 10**18): such a cell is a word."""
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def _number_name(value: Decimal) -> tuple[str, bool]:
    """The exact shortest decimal form of ``value`` (1.0 -> "1", -0 -> "0", 2.50 -> "2.5",
    1e3 -> "1000", beyond 100 digits "1.23e+400"), and whether it is an integer. Worked on
    the digits themselves, never through a context's precision."""
    sign, digit_tuple, exponent = value.as_tuple()
    digits = "".join(map(str, digit_tuple)).lstrip("0")
    if not digits:
        return "0", True
    kept = digits.rstrip("0")
    exponent += len(digits) - len(kept)
    point = len(kept) + exponent  # digits before the decimal point
    sign_text = "-" if sign else ""
    if abs(point) > _MAX_PLAIN_DIGITS:
        mantissa = kept[0] + ("." + kept[1:] if len(kept) > 1 else "")
        return f"{sign_text}{mantissa}e{point - 1:+d}", exponent >= 0
    if exponent >= 0:
        return sign_text + kept + "0" * exponent, True
    if point > 0:
        return f"{sign_text}{kept[:point]}.{kept[point:]}", False
    return f"{sign_text}0.{'0' * -point}{kept}", False


def show(text: str) -> str:
    """A cell's text quoted for a one-line message, cut short when long."""
    return repr(text if len(text) <= 40 else text[:37] + "...")
