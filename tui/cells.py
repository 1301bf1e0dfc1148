"""Text measured in terminal cells, not characters, and class names cut so that two never
read the same.

A CJK character or an emoji takes two cells, a combining accent none, so ``len`` and
``str.center`` misplace names that hold them. Every text the panels pad, cut or centre goes
through these functions, which measure with :func:`rich.cells.cell_len`; a cut never splits a
character from its combining marks.

A name is cut only when it does not fit, and then visibly ("clus…1"): its start, an ellipsis
and as much of its end as it takes to tell it from the others (``cluster 1`` and
``cluster 2`` never both read ``clust…``). The decision map's legend and the Jacobian panel
both name classes through :func:`distinct_names`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from rich.cells import cell_len

ELLIPSIS = "…"
#: A cut name keeps at least this many cells (a character and "…"); narrower, it is not shown.
MIN_CUT_CELLS = 2


def _clusters(text: str) -> list[str]:
    """``text`` as characters each with the combining marks that follow it."""
    clusters: list[str] = []
    for char in text:
        if clusters and unicodedata.combining(char):
            clusters[-1] += char
        else:
            clusters.append(char)
    return clusters


def head(text: str, cells: int) -> str:
    """The longest start of ``text`` in at most ``cells`` cells."""
    kept, used = [], 0
    for cluster in _clusters(text):
        used += cell_len(cluster)
        if used > cells:
            break
        kept.append(cluster)
    return "".join(kept)


def tail(text: str, cells: int) -> str:
    """The longest end of ``text`` in at most ``cells`` cells."""
    kept, used = [], 0
    for cluster in reversed(_clusters(text)):
        used += cell_len(cluster)
        if used > cells:
            break
        kept.append(cluster)
    return "".join(reversed(kept))


def cut(text: str, cells: int, end: int = 0) -> str:
    """``text`` whole when it fits in ``cells`` cells, else its start, "…" and its last ``end``
    cells, in at most ``cells`` cells."""
    if cell_len(text) <= cells:
        return text
    if cells <= 0:
        return ""
    last = tail(text, end) if end else ""
    return head(text, cells - 1 - cell_len(last)) + ELLIPSIS + last


def distinct_names(names: Sequence[str], cells: int) -> tuple[str, ...] | None:
    """``names``, each in at most ``cells`` cells and no two alike: whole when they fit, else
    cut by :func:`cut`, keeping the fewest cells of their ends that tell them all apart;
    None when ``cells`` is too few for that."""
    for end in range(max(cells - 1, 1)):
        shown = tuple(cut(name, cells, end) for name in names)
        if all(cell_len(name) <= cells for name in shown) and len(set(shown)) == len(names):
            return shown
    return None


def rjust(text: str, width: int) -> str:
    """``text`` right-aligned in ``width`` cells (``text`` itself when it is wider)."""
    return " " * (width - cell_len(text)) + text


def centre(text: str, width: int) -> str:
    """``text`` centred in ``width`` cells (``text`` itself when it is wider)."""
    spare = max(width - cell_len(text), 0)
    return " " * (spare // 2) + text + " " * (spare - spare // 2)
