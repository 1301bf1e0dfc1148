"""The Loss panel: training (and validation) loss against step, drawn with textual-plotext.

Plotext takes 10-30 ms to build a plot, more than a frame's budget, so the plot is built off
the UI thread (by the training loop, between chunks: see :meth:`Runner.in_background`) and
the widget shows the last finished one; while training runs it is rebuilt at most every
``REBUILD_SECONDS``. The engine's history is already decimated (min/max per
bucket); here it is thinned once more to two points per plot column, min and max again, so
the shape of a long run survives at any width and plotext never draws more than it shows.
The legend (the current values, in the subtitle) changes with the plot, so the two agree and
the panel is not redrawn between plots; a new plot redraws only the rows that changed. A finished plot goes on screen at the next
:meth:`LossPlot.show`, so that, like every panel, it changes within a frame.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from rich.console import Console
from rich.segment import Segment
from rich.text import Text
from textual.strip import Strip
from textual_plotext import PlotextPlot

from .lines import BaseStyle, QuietSubtitle

REBUILD_SECONDS = 0.4
LOG_FLOOR = 1e-12  # on the log scale a loss below this is drawn at it
FLAT_LOG_DECADES = 0.1  # on the log scale a flat curve gets this much room above and below
Curves = dict[str, tuple[np.ndarray, np.ndarray]]


def envelope(steps: np.ndarray, values: np.ndarray, bins: int) -> tuple[np.ndarray, np.ndarray]:
    """The minimum and maximum of ``values`` in each of ``bins`` equal step ranges, in step
    order: a curve of at most ``2 * bins`` points with the same envelope."""
    if len(steps) <= 2 * bins:
        return steps, values
    span = steps[-1] - steps[0] + 1
    which = (steps - steps[0]) * bins // span
    order = np.lexsort((values, which))  # by bin, then by value within the bin
    first = np.flatnonzero(np.r_[True, which[order][1:] != which[order][:-1]])
    last = np.r_[first[1:] - 1, len(order) - 1]
    keep = np.unique(np.concatenate([order[first], order[last]]))  # back in step order
    return steps[keep], values[keep]


@dataclass(frozen=True)
class PlotRequest:
    """Everything a plot depends on; equal requests give equal plots."""

    version: int  # the step the curves end at (or any number that changes with them)
    log: bool
    width: int
    height: int
    theme: str
    colors: tuple[tuple[int, int, int], tuple[int, int, int]]  # train, validation
    switches: tuple[tuple[int, str], ...]  # (step, optimizer) where the optimizer changed
    legend: str  # the subtitle: the current values (markup), shown with the plot they end


class LossPlot(QuietSubtitle, BaseStyle, PlotextPlot, can_focus=False):
    """Shows the loss curves fetched by a ``source`` callable; call :meth:`show` every frame."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = "Loss"
        self._shown: PlotRequest | None = None
        self._building: PlotRequest | None = None
        self._wanted: PlotRequest | None = None
        self._started = -float("inf")
        self._lines: list[Strip] = []
        self._ready: tuple[PlotRequest, list[Strip]] | None = None  # built, not yet shown

    @property
    def up_to_date(self) -> bool:
        """Whether the plot on screen is the last one asked for."""
        return self._wanted is not None and self._shown == self._wanted

    def show(self, source: Callable[[], Curves], request: PlotRequest, *, throttle: bool,
             run: Callable[[Callable[[], None]], None]) -> None:
        """Rebuild from ``source()`` if ``request`` differs from the plot shown, unless a build
        is under way or (with ``throttle``) one started less than ``REBUILD_SECONDS`` ago;
        the next call tries again. ``run`` runs the build in another thread; the plot it
        builds is shown by the next call."""
        if self._ready is not None:
            (self._shown, lines), self._ready, self._building = self._ready, None, None
            old, self._lines = self._lines, lines
            self.set_subtitle(self._shown.legend)
            self.refresh_changed(old, lines)
        self._wanted = request
        if request == self._shown or self._building is not None:
            return
        now = time.monotonic()
        if throttle and now - self._started < REBUILD_SECONDS:
            return
        self._building, self._started = request, now
        run(lambda: self._build(source, request))

    def render_line(self, y: int) -> Strip:
        """The finished plot's lines, ready-made (a new subtitle does not re-render them)."""
        width = self.content_size.width
        if y < len(self._lines):
            return self._lines[y].crop_extend(0, width, self.rich_style)
        return Strip.blank(width, self.rich_style)

    def _build(self, source: Callable[[], Curves], request: PlotRequest) -> None:
        curves = source()
        plt = self.plt
        plt.clear_figure()
        plt.plotsize(request.width, request.height)
        plt.theme(request.theme)
        bins = max(request.width, 2)
        lo, hi = np.inf, -np.inf
        for (name, (steps, values)), color in zip(curves.items(), request.colors):
            steps, values = envelope(steps, values, bins)
            if request.log:
                values = np.maximum(values, LOG_FLOOR)
            lo, hi = min(lo, values.min()), max(hi, values.max())
            plt.plot(steps.tolist(), values.tolist(), color=color, marker="braille" if name == "loss" else "dot")
        for step, _ in request.switches:
            plt.vline(step, "gray")
        if request.log:
            plt.yscale("log")
            if lo == hi:  # one value (step 0): plotext's own log range would run upside down
                plt.ylim(np.log10(lo) - FLAT_LOG_DECADES, np.log10(hi) + FLAT_LOG_DECADES)  # in decades
        last = int(max(steps[-1] for steps, _ in curves.values()))
        ticks = sorted({round(last * i / 4) for i in range(5)})
        plt.xticks(ticks, [str(t) for t in ticks])
        plt.xlabel("step")
        text = Text.from_ansi(plt.build())
        console = Console(width=request.width, color_system="truecolor", legacy_windows=False)
        lines = [Strip(line) for line in Segment.split_lines(console.render(text, console.options.update(no_wrap=True)))]
        self._ready = (request, lines)
