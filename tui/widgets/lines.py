"""A panel of ready-made lines that redraws only the lines that changed.

Textual renders every line it is asked to refresh through the widget's border, styles and
filters, which costs far more than building the line: a panel that refreshes as a whole
every frame (or sets its border subtitle, which does the same) spends most of a frame on
lines that look as they did. :class:`LinesView` takes the panel's lines as
:class:`~textual.strip.Strip` objects and refreshes just the rows whose strips differ.
"""

from __future__ import annotations

from rich.style import Style
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip


class LinesView(ScrollView, can_focus=False):
    """Shows the lines of the last :meth:`set_lines`, scrolling when they do not fit.

    Subclasses build their lines in :meth:`rebuild` (from the state they were last given), in
    the styles of :attr:`base_style`; it is called again when the size or the CSS changes."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._lines: list[Strip] = []
        self._base: Style | None = None
        self._subtitle: object = None

    @property
    def base_style(self) -> Style:
        """The widget's own style (``rich_style``), looked up once per style change rather
        than after every refresh."""
        if self._base is None:
            self._base = self.rich_style
        return self._base

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
            return
        for y, line in enumerate(lines):
            if line != old[y]:
                self.refresh_line(y)

    def set_subtitle(self, subtitle: object) -> None:
        """The border subtitle, set only when it changes (setting it redraws every line)."""
        if subtitle != self._subtitle:
            self._subtitle = subtitle
            self.border_subtitle = subtitle

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

    def on_resize(self) -> None:
        self.rebuild()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._base = None
        if self.is_mounted:
            self.rebuild()
