"""Text measured in terminal cells, not characters.

A CJK character or an emoji takes two cells, a combining accent none, so ``len`` and
``str.center`` misplace names that hold them. Every text the panels pad, cut or centre goes
through these functions, which measure with :func:`rich.cells.cell_len`.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len, set_cell_size

ELLIPSIS = "…"


def fit(text: str, width: int, tail: int = 0) -> str:
    """``text`` if it takes at most ``width`` cells, else cut to ``width`` cells with "…" in
    place of what is left out: its start and its last ``tail`` cells ("clu…r 1")."""
    if cell_len(text) <= width:
        return text
    if width <= 0:
        return ""
    head = max(width - 1 - tail, 0)
    return set_cell_size(text, head).rstrip() + ELLIPSIS + last_cells(text, width - 1 - head)


def last_cells(text: str, width: int) -> str:
    """The end of ``text`` that takes at most ``width`` cells."""
    kept = 0
    for start in range(len(text) - 1, -1, -1):
        kept += cell_len(text[start])
        if kept > width:
            return text[start + 1:]
    return text


def rjust(text: str, width: int) -> str:
    """``text`` right-aligned in ``width`` cells (``text`` itself when it is wider)."""
    return " " * (width - cell_len(text)) + text


def centre(text: str, width: int) -> str:
    """``text`` centred in ``width`` cells (``text`` itself when it is wider)."""
    spare = max(width - cell_len(text), 0)
    return " " * (spare // 2) + text + " " * (spare - spare // 2)


def unique_cuts(names: Sequence[str], width: int) -> list[str] | None:
    """``names`` cut to ``width`` cells (see :func:`fit`) so that no two read the same: as
    few of their last cells kept as that takes ("cluster 1", "cluster 2" at 6 cells: "clus…1",
    "clus…2"). None when ``width`` is too narrow for any such cut."""
    for tail in range(max(width - 1, 1)):
        cuts = [fit(name, width, tail) for name in names]
        if len(set(cuts)) == len(set(names)):
            return cuts
    return None
