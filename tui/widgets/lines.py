"""Panels that redraw only the lines that changed.

Textual renders every line it is asked to refresh through the widget's border, styles and
filters, which costs far more than building the line: a panel that refreshes as a whole
every frame (or sets its border subtitle, which does the same) spends most of a frame on
lines that look as they did. :class:`LinesView` takes the panel's lines as
:class:`~textual.strip.Strip` objects and refreshes just the rows whose strips differ,
:class:`QuietSubtitle` redraws just the bottom border row when the subtitle changes, and
:class:`BaseStyle` looks the widget's own and component styles up once per CSS change.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from rich.style import Style
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget


def runs(values: np.ndarray) -> tuple[np.ndarray, list[int]]:
    """Where each run of equal entries of ``values`` (1-D, not empty) starts, and its length:
    a line drawn as one segment per run rather than one per cell."""
    starts = np.flatnonzero(np.concatenate(([True], values[1:] != values[:-1])))
    return starts, np.diff(np.append(starts, len(values))).tolist()


class QuietSubtitle(Widget):
    """A widget whose :meth:`set_subtitle` redraws the bottom border row alone (Textual's
    ``border_subtitle`` setter refreshes the whole widget)."""

    _subtitle: object = None
    _subtitle_only = False

    def set_subtitle(self, subtitle: object) -> None:
        """The border subtitle; nothing is redrawn when it is unchanged, and only the row
        it is on when it changes."""
        if subtitle == self._subtitle:
            return
        self._subtitle = subtitle
        self._subtitle_only = True
        try:
            self.border_subtitle = subtitle
        finally:
            self._subtitle_only = False

    def refresh(self, *regions: Region, **kwargs) -> Widget:
        if self._subtitle_only and not regions and not kwargs and self.is_mounted:
            # content coordinates, which refresh translates by the content offset
            x, y = self.content_offset
            width, height = self.outer_size
            regions = (Region(-x, height - 1 - y, width, 1),)
        return super().refresh(*regions, **kwargs)

    def refresh_changed(self, old: Sequence[Strip], new: Sequence[Strip], scroll_y: int = 0) -> None:
        """Refresh the rows of ``new`` that differ from ``old`` (all of them if the count
        changed), ``scroll_y`` rows scrolled out of view at the top."""
        if len(old) != len(new):
            self.refresh()
            return
        width = self.size.width
        regions = [Region(0, y - scroll_y, width, 1) for y, line in enumerate(new) if line != old[y]]
        if regions:
            self.refresh(*regions)


class BaseStyle(Widget):
    """A widget that draws its lines in its own style and its component styles, looked up
    once per CSS change (Textual looks component styles up again after every refresh)."""

    _base: Style | None = None
    _components: dict[str, Style] | None = None

    @property
    def base_style(self) -> Style:
        """The widget's own style (``rich_style``), looked up once per style change rather
        than after every refresh."""
        if self._base is None:
            self._base = self.rich_style
        return self._base

    def component_style(self, name: str) -> Style:
        """The partial style of component class ``name`` (to put over :attr:`base_style`)."""
        if self._components is None:
            self._components = {}
        style = self._components.get(name)
        if style is None:
            style = self._components[name] = self.get_component_rich_style(name, partial=True)
        return style

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._base = self._components = None


class LinesView(QuietSubtitle, BaseStyle, ScrollView, can_focus=False):
    """Shows the lines of the last :meth:`set_lines`, scrolling when they do not fit.

    Subclasses build their lines in :meth:`rebuild` (from the state they were last given), in
    the styles of :attr:`base_style`; it is called again when the size, the CSS or the scroll
    position changes. No scrollbar takes room from the lines: the wheel and the ``scroll_*``
    methods scroll them, and subclasses say so with :meth:`scroll_cue` (in the subtitle)."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._lines: list[Strip] = []

    def rebuild(self) -> None:
        """Build the lines from the current state and :meth:`set_lines` them."""

    def set_lines(self, lines: list[Strip]) -> None:
        """Show ``lines``, padded with the base style to the widest line or the panel."""
        width = max([self.scrollable_content_region.width, *(line.cell_length for line in lines)])
        base = self.base_style
        lines = [line.extend_cell_length(width, base) for line in lines]
        old, self._lines = self._lines, lines
        size = Size(width, len(lines))
        if size != self.virtual_size:
            self.virtual_size = size
            self.refresh()
        else:
            self.refresh_changed(old, lines, self.scroll_offset.y)

    def render_line(self, y: int) -> Strip:
        scroll_x, scroll_y = self.scroll_offset
        index = y + scroll_y
        width = self.scrollable_content_region.width
        if index >= len(self._lines):
            return Strip.blank(width, self.base_style)
        line = self._lines[index]
        if scroll_x == 0 and line.cell_length == width:
            return line
        return line.crop_extend(scroll_x, scroll_x + width, self.base_style)

    @property
    def allow_vertical_scroll(self) -> bool:
        """Lines taller than the panel scroll. (Textual's own rule asks for a shown scrollbar;
        these panels show none: ``ScrollView``'s ``overflow: auto`` does not reach them, as
        Textual inherits CSS along the first base class only.)"""
        return not self._check_disabled() and self.virtual_size.height > self.scrollable_content_region.height

    @property
    def allow_horizontal_scroll(self) -> bool:
        """Lines wider than the panel scroll."""
        return not self._check_disabled() and self.virtual_size.width > self.scrollable_content_region.width

    def scroll_cue(self) -> str:
        """How many lines are in view when not all are (``9/17 ↕``, and which once scrolled:
        ``3–11/17 ↕``), the same for columns (``40/52 ↔``); empty when everything is."""
        region = self.scrollable_content_region
        cues = []
        for offset, shown, total, arrow in ((self.scroll_offset.y, region.height, self.virtual_size.height, "↕"),
                                            (self.scroll_offset.x, region.width, self.virtual_size.width, "↔")):
            if total > shown > 0:
                first = min(offset, total - shown)
                cues.append(f"{f'{first + 1}–' if first else ''}{first + shown}/{total} {arrow}")
        return " ".join(cues)

    def watch_scroll_x(self, old: float, new: float) -> None:
        super().watch_scroll_x(old, new)
        if round(old) != round(new):
            self.rebuild()

    def watch_scroll_y(self, old: float, new: float) -> None:
        super().watch_scroll_y(old, new)
        if round(old) != round(new):
            self.rebuild()

    def on_resize(self) -> None:
        self.rebuild()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        if self.is_mounted:
            self.rebuild()
