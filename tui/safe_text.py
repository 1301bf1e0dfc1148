"""Text from files and paths made safe to show: data, never markup or control bytes.

A CSV's class and column names, a model file's names and any path are untrusted. Rich and
Textual strip only a few control characters and raw segments none, so an ``ESC ] 0 ;``
in a class name would retitle the terminal and ``ESC [ 2 J`` clear it. Everything such text
becomes on screen or on stderr goes through :func:`visible` first; Textual notifications
are never parsed as markup (``SoftmaxApp.notify``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

#: C0 controls (newline and tab among them), DEL and the C1 controls.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def visible(text: str) -> str:
    """``text`` with every C0 and C1 control character and DEL written as a visible escape
    (``\\x1b``, ``\\x0a``), so it never drives the terminal and a message stays one line."""
    return CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def visible_all(texts: Iterable[str]) -> tuple[str, ...]:
    """:func:`visible` of each of ``texts``."""
    return tuple(visible(text) for text in texts)
