"""Text to value: the converters the command line and the run's settings share.

Each converter takes the text a user typed and returns the value, or raises
:class:`argparse.ArgumentTypeError` saying what the value must be ("must be a positive
integer, got '1.5'"), which argparse reports as ``argument --flag: <message>``. The command
line uses them as argparse types; anything else that reads a setting from text (the coming
settings panel) calls them the same way, so both accept the same values.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable
from typing import Any

from softmax_tui.datasets import MAX_SAMPLES


def checked(convert: Callable[[str], Any], ok: Callable[[Any], bool], requirement: str) -> Callable[[str], Any]:
    """A converter: ``convert(text)``, accepted when ``ok(value)``, else "must be <requirement>"
    (a ``ValueError`` from ``convert`` counts as not ok)."""

    def parse(text: str):
        try:
            value = convert(text)
        except ValueError:
            value = None
        if value is None or not ok(value):
            raise argparse.ArgumentTypeError(f"must be {requirement}, got {text!r}")
        return value

    return parse


positive_int = checked(int, lambda v: v >= 1, "a positive integer")
sample_count = checked(int, lambda v: 1 <= v <= MAX_SAMPLES, f"a positive integer up to {MAX_SAMPLES}")
non_empty = checked(str, bool, "a non-empty value")
output_path = checked(str, bool, "a path (an empty value, an unset shell variable say, would lose the output)")
non_negative_int = checked(int, lambda v: v >= 0, "an integer >= 0")
non_negative_float = checked(float, lambda v: v >= 0 and math.isfinite(v), "a finite number >= 0")
positive_float = checked(float, lambda v: v > 0 and math.isfinite(v), "a finite number > 0")
#: "tab" and "\t" (typed as two characters) both mean the tab character.
delimiter = checked(lambda text: {"tab": "\t", "\\t": "\t"}.get(text, text),
                    lambda v: v in (",", ";", "\t", "|"), "one of , ; | tab")
fraction = checked(float, lambda v: 0 <= v < 1, "a fraction in [0, 1)")
#: A TCP port a server can listen on (0, "any free port", is not one a browser can be sent to).
port = checked(int, lambda v: 1 <= v <= 65535, "a port number from 1 to 65535")
