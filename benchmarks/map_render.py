"""Decision map: time per frame at dashboard sizes, and the setup of a 1 000 000-point map.

Run by hand: ``.venv/bin/python benchmarks/map_render.py``. A frame is what the app pays
when the parameters changed: the map frame (``MapView.frame``: the probability grid, the
points' states, the boundary lines), the colours, and every line rendered through Textual
(border included). Parameters come from real training steps, so colours
change from frame to frame as they do in the dashboard; every other frame shows the
boundary lines. For scale, "floor" is Textual rendering a widget of the same size whose
lines are ready-made (one segment each).
"""

from __future__ import annotations

import asyncio
import statistics
import time

import numpy as np
from rich.segment import Segment
from textual.app import App
from textual.geometry import Region
from textual.strip import Strip
from textual.widget import Widget

from softmax_tui.datasets import load_dataset, prepare
from softmax_tui.engine import Optimizer, SoftmaxRegression, Trainer
from softmax_tui.tui.mapview import MapView, Selection
from softmax_tui.tui.palette import ColorMode
from softmax_tui.tui.widgets.decision_map import DecisionMap

from common import percentile  # benchmarks/common.py (this script's folder is on sys.path)

SIZES = [(60, 20), (80, 26), (120, 40)]
FRAMES = 60


def snapshots(prepared, n_classes: int, steps: int, lr: float) -> list:
    d = prepared.X_train.shape[1]
    model = SoftmaxRegression.initialized(d, n_classes, rng=np.random.default_rng(0))
    trainer = Trainer(model, Optimizer("gd", None), prepared.X_train, prepared.y_train, None, None, lr=lr)
    return [trainer.step() for _ in range(steps)]


class Blank(Widget):
    DEFAULT_CSS = "Blank { border: round $border-blurred; width: 1fr; height: 1fr; }"

    def render_line(self, y: int) -> Strip:
        width = self.content_size.width
        return Strip([Segment("x" * width, self.rich_style)], width)


class Bench(App):
    def __init__(self, widget: Widget) -> None:
        super().__init__()
        self.widget = widget

    def compose(self):
        yield self.widget


async def time_frames(map_view: MapView, snaps: list, size: tuple[int, int], mode: ColorMode) -> list[float]:
    widget = DecisionMap(map_view, color_mode=mode)
    app = Bench(widget)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        region = Region(0, 0, *widget.size)
        times = []
        for k, snap in enumerate(snaps):
            start = time.perf_counter()
            widget.show(map_view.frame(snap.W, snap.b, widget.viewport, Selection.point(k % 20),
                                       boundaries=k % 2 == 0))
            widget.render_lines(region)
            times.append((time.perf_counter() - start) * 1e3)
    return times


async def time_floor(size: tuple[int, int]) -> list[float]:
    widget = Blank()
    async with Bench(widget).run_test(size=size) as pilot:
        await pilot.pause()
        region = Region(0, 0, *widget.size)
        times = []
        for _ in range(FRAMES):
            start = time.perf_counter()
            widget.refresh()
            widget.render_lines(region)
            times.append((time.perf_counter() - start) * 1e3)
    return times


def report(label: str, times: list[float]) -> None:
    times = times[1:]  # the first frame pays one-off imports and caches
    print(f"{label:44s} median {statistics.median(times):6.2f} ms   p95 {percentile(times, 0.95):6.2f} ms")


def main() -> None:
    rgb20 = load_dataset("rgb20")
    prepared = prepare(rgb20)
    map_view = MapView(rgb20.X, rgb20.y, prepared.pipeline, rgb20.feature_names, rgb20.class_names)
    snaps = snapshots(prepared, 3, FRAMES, lr=1.0)
    for size in SIZES:
        report(f"floor: a blank widget {size[0]}x{size[1]}", asyncio.run(time_floor(size)))
        for mode in ColorMode:
            times = asyncio.run(time_frames(map_view, snaps, size, mode))
            report(f"rgb20, map widget {size[0]}x{size[1]}, {mode.value}", times)

    big = load_dataset("blobs", samples=1_000_000, classes=5)
    start = time.perf_counter()
    prepared = prepare(big)
    print(f"blobs 1 000 000 points: prepare {time.perf_counter() - start:.2f} s")
    start = time.perf_counter()
    map_view = MapView(big.X, big.y, prepared.pipeline, big.feature_names, big.class_names)
    elapsed = time.perf_counter() - start
    print(f"blobs 1 000 000 points: MapView setup {elapsed:.3f} s, {len(map_view.drawn)} drawn")
    snaps = snapshots(prepared, 5, 24, lr=1.0)
    for size in SIZES:
        times = asyncio.run(time_frames(map_view, snaps, size, ColorMode.TRUECOLOR))
        report(f"blobs 1e6, map widget {size[0]}x{size[1]}, truecolor", times)


if __name__ == "__main__":
    main()
