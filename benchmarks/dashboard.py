"""The dashboard's speed: training with the dashboard vs a bare loop, frame times, key latency.

Run by hand: ``.venv/bin/python benchmarks/dashboard.py [--dataset blobs --samples 1000000]``
(any dashboard flags). In one process it measures

* steps/s of a bare ``trainer.advance`` loop (chunks of 64 steps, or 1 when a step is slow),
* steps/s of the dashboard at speed "max" at 120x40, with frames drawn as usual,
* the time of every frame: ``draw_frame`` handing the snapshot to the panels plus the screen
  update that renders them (the UI thread's work), and per panel the time to render its
  lines; "parked" is the time from the start of the frame until the screen update is done,
  which the training loop waits for,
* key -> state latency: a ``+``/``-`` key event posted to the app until the learning rate
  has changed, while training runs.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import time
from collections import defaultdict

from textual import events
from textual.screen import Screen

from softmax_tui.tui.app import SoftmaxApp
from softmax_tui.tui.options import parse_options
from softmax_tui.tui.runner import Runner
from softmax_tui.tui.session import build_session

SECONDS = 5.0
SIZE = (120, 40)


def bare_rate(argv: list[str]) -> float:
    trainer = build_session(parse_options(argv)).trainer
    start = time.perf_counter()
    trainer.advance(1)
    chunk = 64 if time.perf_counter() - start < 0.001 else 1
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < SECONDS:
        trainer.advance(chunk)
        steps += chunk
    return steps / (time.perf_counter() - start)


def percentiles(times: list[float]) -> str:
    if not times:
        return "-"
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]
    return f"p50 {statistics.median(ordered) * 1e3:5.1f} ms  p95 {p95 * 1e3:5.1f} ms  (n={len(ordered)})"


class Timed:
    """Wraps methods to record how long each call takes, by a label."""

    def __init__(self) -> None:
        self.times: dict[str, list[float]] = defaultdict(list)
        self.enabled = False

    def wrap(self, owner, name: str, label) -> None:
        original = getattr(owner, name)

        def timed(this, *args, **kwargs):
            start = time.perf_counter()
            try:
                return original(this, *args, **kwargs)
            finally:
                if self.enabled:
                    self.times[label(this)].append(time.perf_counter() - start)

        setattr(owner, name, timed)


async def dashboard(argv: list[str]) -> None:
    timed = Timed()
    timed.wrap(Screen, "_compositor_refresh", lambda screen: "screen update")
    timed.wrap(SoftmaxApp, "draw_frame", lambda app: "draw_frame (all calls)")
    timed.wrap(Runner, "hold", lambda runner: "hold (waiting for a chunk to end)")
    frames: list[float] = []
    frame_drawn = SoftmaxApp._frame_drawn

    def record(app, started):
        if timed.enabled:
            frames.append(time.perf_counter() - started)
        frame_drawn(app, started)

    SoftmaxApp._frame_drawn = record
    app = SoftmaxApp(build_session(parse_options(["--paused", *argv])), speed=float("inf"))
    async with app.run_test(size=SIZE):
        for panel in (app.parameters, app.loss, app.decision_map, app.jacobian, app.status):
            timed.wrap(type(panel), "render_lines", lambda widget: f"  {type(widget).__name__}")
        app.runner.toggle()
        await asyncio.sleep(1.0)
        timed.enabled = True
        first, start = app.runner.snapshot.step, time.perf_counter()
        await asyncio.sleep(SECONDS)
        rate = (app.runner.snapshot.step - first) / (time.perf_counter() - start)
        timed.enabled = False
        latencies = []
        for i in range(40):
            lr = app.runner.lr
            key = ("plus", "+") if i % 2 == 0 else ("minus", "-")
            sent = time.perf_counter()
            app.post_message(events.Key(*key))
            while app.runner.lr == lr:
                await asyncio.sleep(0.0005)
            latencies.append(time.perf_counter() - sent)
            await asyncio.sleep(0.03)
    bare = bare_rate(["--paused", *argv])
    print(f"steps/s  bare {bare:9.0f}   dashboard {rate:9.0f}   ratio {rate / bare:.2f}")
    holds = timed.times["hold (waiting for a chunk to end)"]
    calls = [t for t in timed.times.pop("draw_frame (all calls)") if t > 2e-4]  # not the skipped ones
    drawn = [t - h for t, h in zip(calls, holds)]
    print(f"frames per second             {len(frames) / SECONDS:.1f}")
    print(f"frame (draw + screen update)  {percentiles([d + u for d, u in zip(drawn, timed.times['screen update'])])}")
    print(f"  draw_frame (without hold)   {percentiles(drawn)}")
    print(f"parked (frame start to done)  {percentiles(frames)}")
    for label in sorted(timed.times):
        print(f"{label:30}{percentiles(timed.times[label])}")
    print(f"key -> state                  {percentiles(latencies)}")


if __name__ == "__main__":
    asyncio.run(dashboard(sys.argv[1:]))
