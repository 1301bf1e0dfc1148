"""Panels that redraw only the lines that changed.

Textual renders every line it is asked to refresh through the widget's border, styles and
filters, which costs far more than building the line: a panel that refreshes as a whole
every frame (or sets its border subtitle, which does the same) spends most of a frame on
lines that look as they did. :class:`LinesView` takes the panel's lines as
:class:`~textual.strip.Strip` objects and refreshes just the rows whose strips differ,
:class:`QuietSubtitle` redraws just the bottom border row when the subtitle changes, and
:class:`BaseStyle` looks the widget's own and component styles up once per CSS change and makes
their colours readable on the widget's background.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from rich.color import Color
from rich.style import Style
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widget import Widget

from .. import palette
from ..palette import ColorMode, Terminal


def runs(values: np.ndarray) -> tuple[np.ndarray, list[int]]:
    """Where each run of equal entries of ``values`` (1-D, not empty) starts, and its length:
    a line drawn as one segment per run rather than one per cell."""
    starts = np.flatnonzero(np.concatenate(([True], values[1:] != values[:-1])))
    return starts, np.diff(np.append(starts, len(values))).tolist()


#: Border cells around a subtitle: the two corners and Textual's padding beside them.
SUBTITLE_MARGIN = 6


def scroll_cue(widget: Widget) -> str:
    """How many lines of ``widget`` (a scrolling one) are in view when not all are
    (``9/17 ↕``, and which once scrolled: ``3–11/17 ↕``), the same for columns
    (``40/52 ↔``); empty when everything is."""
    region = widget.scrollable_content_region
    cues = []
    for offset, shown, total, arrow in ((widget.scroll_offset.y, region.height, widget.virtual_size.height, "↕"),
                                        (widget.scroll_offset.x, region.width, widget.virtual_size.width, "↔")):
        if total > shown > 0:
            first = min(offset, total - shown)
            cues.append(f"{f'{first + 1}–' if first else ''}{first + shown}/{total} {arrow}")
    return " ".join(cues)


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
    once per CSS change (Textual looks component styles up again after every refresh), in
    colours that read on its background in any theme and on any terminal: every colour of
    text keeps a contrast of at least :data:`palette.MIN_CONTRAST` to the background."""

    _base: Style | None = None
    _cached_styles: dict[object, Style | str] | None = None

    @property
    def terminal(self) -> Terminal:
        """How the app's terminal shows colours."""
        return Terminal.of(self.app)

    @property
    def color_mode(self) -> ColorMode:
        """How class colours are drawn: the terminal's mode (see :func:`palette.color_mode`)."""
        return self.terminal.mode

    @property
    def base_style(self) -> Style:
        """The widget's own style (``rich_style``), looked up once per style change rather
        than after every refresh."""
        if self._base is None:
            self._base = self.rich_style
        return self._base

    def component_style(self, name: str) -> Style:
        """The partial style of component class ``name`` (to put over :attr:`base_style`),
        its colour made readable on the background it is drawn on
        (:meth:`Terminal.readable`)."""
        return self._cached(name, lambda: self._readable(self.get_component_styles(name).partial_rich_style))

    def class_style(self, k: int) -> Style:
        """How this widget names class ``k``: :meth:`Terminal.class_text` on its background."""
        return self._cached(("class", k), lambda: self.terminal.class_text(self.color_mode, k, self.background_rgb))

    @property
    def background_rgb(self) -> np.ndarray:
        """The widget's background colour (RGB): its base style's, or, where that is the
        terminal's own (an ANSI theme), black in a dark theme and white in a light one."""
        return _rgb(self.base_style.bgcolor, palette.BLACK if self.app.current_theme.dark else palette.WHITE)

    def readable(self, rgb, background=None) -> str:
        """``rgb`` as ``#rrggbb``, made readable on ``background`` (RGB; the widget's if
        None): :meth:`Terminal.readable`."""
        background = tuple(int(x) for x in (self.background_rgb if background is None else background))
        rgb = tuple(int(x) for x in rgb)
        return self._cached(("readable", rgb, background),
                            lambda: palette.hex_color(self.terminal.readable(rgb, background)))

    def _readable(self, style: Style) -> Style:
        """``style`` with its colour made readable on its own background or the widget's."""
        if style.color is None or style.color.triplet is None:
            return style
        background = _rgb(style.bgcolor, self.background_rgb)
        return style + Style(color=self.readable(tuple(style.color.triplet), background))

    def _cached(self, key: object, make):
        """What ``make()`` gives, made once per style change."""
        if self._cached_styles is None:
            self._cached_styles = {}
        value = self._cached_styles.get(key)
        if value is None:
            value = self._cached_styles[key] = make()
        return value

    def notify_style_update(self) -> None:
        """Forget the styles. Textual calls this before it updates the component styles, so
        whatever draws with them again must wait for :meth:`call_next`."""
        super().notify_style_update()
        self._base = self._cached_styles = None


def _rgb(color: Color | None, default: np.ndarray) -> np.ndarray:
    """A Rich colour's RGB, or ``default`` if it has none (the terminal's default colour)."""
    if color is None or color.triplet is None:
        return default
    return np.array(tuple(color.triplet), dtype=np.uint8)


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
        """:func:`scroll_cue` of this panel."""
        return scroll_cue(self)

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
            self.call_next(self.rebuild)  # once the component styles are updated too
