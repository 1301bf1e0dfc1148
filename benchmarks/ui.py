"""Dashboard speed: training with the dashboard vs headless, frame times per panel, key latency.

Run by hand: ``.venv/bin/python benchmarks/ui.py [--seconds S] [--repeats R]``. It measures
two runs, the default (rgb20) and ``--dataset blobs --samples 1000000``, each in a process of
its own (so that the peak RSS is that run's), and prints one table of medians over the
repeats. In each repeat, side by side in the same process:

* **headless**: steps/s of a bare ``trainer.advance`` loop (chunks of 64 steps, or 1 when a
  step is slow), then **dashboard**: steps/s of the app at speed "max" at 120x40 in
  ``App.run_test``, frames drawn as usual; the ratio is taken per repeat.
* **frame**: everything the UI thread does for one frame: handing the latest snapshot to the
  panels plus the screen update that follows; per panel, its ``show`` (for the decision map
  also ``MapView.frame``, which builds what it shows) plus the rendering of its lines in that
  update ("Textual" is the rest of the update: compositing). Frames are drawn while the
  training loop is parked, so waiting for its chunk to end is not counted.
* **key -> state**: a key event posted to the app until what it changes reads changed (the
  run state, learning rate, speed limit, optimizer, step; ``n`` from a paused run).
* **peak RSS** of the process (the million-point run holds the data, the split and the
  engine's buffers).

Then **rewind** (``--rewind-only`` measures only this): the time from asking the dashboard
for a random past step (:meth:`DashboardScreen.show_step`, what ``←`` and the other rewind
keys call) until the screen update that shows it, p50 and p95, on an rgb20 run trained to
step 1,000,000 and on blobs with a million points trained 300 steps (both trained headless
first, with ``trainer.advance`` at full speed). Targets: <= 100 ms and <= 1 s.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import time
from collections import defaultdict

from common import percentile  # benchmarks/common.py (this script's folder is on sys.path)

SIZE = (120, 40)
#: blobs at --lr 0.1: at the default rate gd converges there within a repeat (about 330 steps), and a
#: finished run ignores the keys being timed.
RUNS = {"rgb20": [], "blobs 1M": ["--dataset", "blobs", "--samples", "1000000", "--lr", "0.1"]}
PANELS = ("ParameterBars", "LossPlot", "DecisionMap", "JacobianPanel", "StatusBar")
PANEL_NAMES = {"ParameterBars": "Parameters", "LossPlot": "Loss", "DecisionMap": "Decision map",
               "JacobianPanel": "Jacobian", "StatusBar": "Status bar"}
#: Rewind latency: (name, argv, steps trained first, random steps shown, target seconds).
REWIND_RUNS = (("rgb20, 1,000,000 steps", ["--steps", "2000000"], 1_000_000, 100, 0.1),
               ("blobs 1M points, 300 steps", RUNS["blobs 1M"], 300, 20, 1.0))
KEYS = ("space (pause)", "space (resume)", "+ / -", "[ / ]", "o", "r", "n (paused)")


def headless_rate(argv: list[str], seconds: float) -> float:
    from softmax_tui.tui.options import parse_options
    from softmax_tui.tui.session import build_session

    trainer = build_session(parse_options(["--paused", *argv])).trainer
    start = time.perf_counter()
    trainer.advance(1)
    chunk = 64 if time.perf_counter() - start < 0.001 else 1
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        trainer.advance(chunk)
        steps += chunk
    return steps / (time.perf_counter() - start)


class FrameRecorder:
    """Times the UI thread's work per frame, per panel (see the module docstring)."""

    def __init__(self) -> None:
        self.enabled = False
        self.frames: list[float] = []
        self.stray: list[float] = []  # screen updates that no frame asked for
        self.panels: dict[str, list[float]] = defaultdict(list)
        self._open: dict[str, float] | None = None  # the frame being drawn: time per part

    def install(self) -> None:
        from textual.screen import Screen
        from textual.widget import Widget

        from softmax_tui.tui.mapview import MapView
        from softmax_tui.tui.screens.dashboard import DashboardScreen
        from softmax_tui.tui.widgets.decision_map import DecisionMap
        from softmax_tui.tui.widgets.jacobian import JacobianPanel
        from softmax_tui.tui.widgets.loss import LossPlot
        from softmax_tui.tui.widgets.parameters import ParameterBars
        from softmax_tui.tui.widgets.status import StatusBar

        recorder = self
        hand_over, refresh, render_lines = DashboardScreen._hand_over, Screen._compositor_refresh, Widget.render_lines

        def timed_hand_over(screen):
            parts = recorder._current = {}
            start = time.perf_counter()
            hand_over(screen)
            parts["frame"] = time.perf_counter() - start
            recorder._open = parts

        def timed_refresh(screen):
            start = time.perf_counter()
            refresh(screen)
            parts, recorder._open = recorder._open, None
            if parts is None and recorder.enabled:  # a screen update outside a frame
                recorder.stray.append(time.perf_counter() - start)
            if parts is not None and recorder.enabled:
                parts["frame"] += time.perf_counter() - start
                recorder.frames.append(parts.pop("frame"))
                for name in PANELS:
                    recorder.panels[name].append(parts.get(name, 0.0))
                recorder.panels["Textual"].append(parts.get("Textual", 0.0) + time.perf_counter() - start
                                                  - sum(parts.get(f"render {n}", 0.0) for n in PANELS))
                for name in PANELS:
                    recorder.panels[name][-1] += parts.get(f"render {name}", 0.0)

        def timed_render_lines(widget, crop):
            start = time.perf_counter()
            lines = render_lines(widget, crop)
            name = type(widget).__name__
            if recorder._open is not None and name in PANELS:
                key = f"render {name}"
                recorder._open[key] = recorder._open.get(key, 0.0) + time.perf_counter() - start
            return lines

        def timed_call(cls, method: str, panel: str):
            call = getattr(cls, method)

            def timed(obj, *args, **kwargs):
                start = time.perf_counter()
                result = call(obj, *args, **kwargs)
                parts = recorder._current
                parts[panel] = parts.get(panel, 0.0) + time.perf_counter() - start
                return result

            setattr(cls, method, timed)

        self._current: dict[str, float] = {}
        DashboardScreen._hand_over = timed_hand_over
        Screen._compositor_refresh, Widget.render_lines = timed_refresh, timed_render_lines
        for cls in (ParameterBars, LossPlot, DecisionMap, JacobianPanel, StatusBar):
            timed_call(cls, "show", cls.__name__)
        timed_call(MapView, "frame", "DecisionMap")  # the app builds the map's frame for it


async def key_latency(app, key: str, character: str, changed) -> float:
    from textual import events

    before = changed()
    sent = time.perf_counter()
    app.post_message(events.Key(key, character))
    while changed() == before:
        if time.perf_counter() - sent > 10:
            raise AssertionError(f"{key} changed nothing in 10 s ({app.dashboard.runner.state}: {app.dashboard.runner.snapshot.reason})")
        await asyncio.sleep(0.0005)
    return time.perf_counter() - sent


async def keys(app, latencies: dict[str, list[float]]) -> None:
    """Every key that changes the run, while it runs; ``n`` from a paused run at the end.
    (``o`` comes late: momentum can take rgb20 to convergence, which ends the run.)"""
    from softmax_tui.engine.optimizers import OPTIMIZERS

    runner = app.dashboard.runner

    async def press(label, key, character, changed, pause=0.05):
        latencies[label].append(await key_latency(app, key, character, changed))
        await asyncio.sleep(pause)

    async def off_step_0():
        """Until the run has left step 0 (untimed), so that ``r`` has something to change: a
        million-point step can outlast the pause after a resume on a busy machine."""
        start = time.perf_counter()
        while runner.snapshot.step == 0:
            if time.perf_counter() - start > 10:
                raise AssertionError(f"no step in 10 s ({runner.state}: {runner.snapshot.reason})")
            await asyncio.sleep(0.001)

    for i in range(10):
        await press("+ / -", *(("plus", "+") if i % 2 == 0 else ("minus", "-")), lambda: runner.lr)
        await press("[ / ]", *(("left_square_bracket", "[") if i % 2 == 0 else ("right_square_bracket", "]")),
                    lambda: runner.speed)
    async def running():
        """A run that has not finished (untimed): the million-point run can converge during the
        measurement, and a finished run ignores space."""
        if runner.state.finished:
            runner.reset()
            runner.toggle()
            await off_step_0()

    for _ in range(5):
        await running()
        await press("space (pause)", "space", " ", lambda: runner.state, pause=0.2)
        await press("space (resume)", "space", " ", lambda: runner.state, pause=0.3)
    for _ in range(3):
        await running()
        await off_step_0()
        await press("r", "r", "r", lambda: runner.snapshot.step == 0)
        await press("space (resume)", "space", " ", lambda: runner.state, pause=0.3)
    for _ in OPTIMIZERS:  # every optimizer, back to the first (gd), so that ``n`` times a gd step
        await press("o", "o", "o", lambda: runner.optimizer, pause=0.3)
    assert runner.optimizer == "gd", runner.optimizer
    await off_step_0()
    await press("r", "r", "r", lambda: runner.snapshot.step == 0, pause=0.3)
    for _ in range(5):
        await press("n (paused)", "n", "n", lambda: runner.snapshot.step)


async def dashboard(argv: list[str], seconds: float, recorder: FrameRecorder) -> dict:
    from softmax_tui.tui.app import SoftmaxApp
    from softmax_tui.tui.options import parse_options
    from softmax_tui.tui.session import build_session

    app = SoftmaxApp(build_session(parse_options(["--paused", *argv])), speed=float("inf"))
    latencies: dict[str, list[float]] = defaultdict(list)
    async with app.run_test(size=SIZE):
        app.dashboard.runner.toggle()
        await asyncio.sleep(1.0)
        recorder.frames.clear()
        recorder.stray.clear()
        recorder.panels.clear()
        recorder.enabled = True
        first, start = app.dashboard.runner.snapshot.step, time.perf_counter()
        await asyncio.sleep(seconds)
        elapsed = time.perf_counter() - start
        rate = (app.dashboard.runner.snapshot.step - first) / elapsed
        recorder.enabled = False
        frames, panels = list(recorder.frames), {k: list(v) for k, v in recorder.panels.items()}
        stray = list(recorder.stray)
        await keys(app, latencies)
    return {"rate": rate, "fps": len(frames) / elapsed, "frames": frames, "panels": panels, "keys": latencies,
            "stray": len(stray) / elapsed, "stray_ms": 1e3 * sum(stray) / elapsed}


def trained_session(argv: list[str], steps: int):
    """A paused session of ``argv`` trained ``steps`` steps with ``trainer.advance``."""
    from softmax_tui.tui.options import parse_options
    from softmax_tui.tui.session import build_session

    session = build_session(parse_options(["--paused", *argv]))
    trainer = session.trainer
    while trainer.snapshot.step < steps and not trainer.state.finished:
        trainer.advance(min(100_000, steps - trainer.snapshot.step))
    return session


async def rewind_latencies(session, count: int, seed: int = 0) -> list[float]:
    """Seconds from :meth:`show_step` of a random past step until the screen update after the
    panels were handed its snapshot, ``count`` times."""
    from softmax_tui.tui.app import SoftmaxApp

    app = SoftmaxApp(session)
    rng = random.Random(seed)
    times = []
    async with app.run_test(size=SIZE):
        screen = app.dashboard
        latest = session.trainer.snapshot.step
        for _ in range(count):
            step = rng.randrange(latest)
            start = time.perf_counter()
            screen.show_step(step)
            while screen.past is None or screen.past.step != step or screen.parameters._W is not screen.past.W:
                await asyncio.sleep(0.0005)
            shown = asyncio.Event()
            screen.call_after_refresh(shown.set)
            await shown.wait()
            times.append(time.perf_counter() - start)
    return times


def rewind_table() -> str:
    lines = [f"\nRewind: a random past step shown, {SIZE[0]}x{SIZE[1]}"]
    lines.append(f"{'':28} {'p50 ms':>8} {'p95 ms':>8} {'target':>8}  checkpoints")
    for name, argv, steps, count, target in REWIND_RUNS:
        session = trained_session(argv, steps)
        times = asyncio.run(rewind_latencies(session, count))
        timeline = session.trainer.timeline
        lines.append(f"{name:28} {1e3 * percentile(times, 0.5):>8.1f} {1e3 * percentile(times, 0.95):>8.1f} "
                     f"{1e3 * target:>8.0f}  {len(timeline)} ({timeline.nbytes / 2**20:.1f} MiB, "
                     f"spacing {timeline.spacing} steps)")
    return "\n".join(lines)


def measure(argv: list[str], seconds: float, repeats: int) -> dict:
    """One run's repeats (in this process); the medians of each repeat's figures."""
    recorder = FrameRecorder()
    recorder.install()
    results = []
    for _ in range(repeats):
        bare = headless_rate(argv, seconds)
        dash = asyncio.run(dashboard(argv, seconds, recorder))
        results.append((bare, dash))

    def median(values):
        return statistics.median(values)

    summary = {
        "bare": median([bare for bare, _ in results]),
        "dashboard": median([d["rate"] for _, d in results]),
        "ratio": median([d["rate"] / bare for bare, d in results]),
        "fps": median([d["fps"] for _, d in results]),
        "stray": [median([d["stray"] for _, d in results]), median([d["stray_ms"] for _, d in results])],
        "frame": [median([percentile(d["frames"], q) for _, d in results]) for q in (0.5, 0.95)],
        "panels": {name: [median([percentile(d["panels"].get(name, []), q) for _, d in results]) for q in (0.5, 0.95)]
                   for name in (*PANELS, "Textual")},
        "keys": {key: [median([percentile(d["keys"][key], q) for _, d in results]) for q in (0.5, 0.95)]
                 for key in KEYS},
        "keys_all": [median([percentile([t for ts in d["keys"].values() for t in ts], q) for _, d in results])
                     for q in (0.5, 0.95)],
        "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    return summary


def table(results: dict[str, dict], seconds: float, repeats: int, load: tuple) -> str:
    names = list(results)
    rows = [(f"120x40, speed max, {repeats} x {seconds:g} s, medians; load average "
             + " ".join(f"{x:.2f}" for x in load), names)]

    def add(label, cells):
        rows.append((label, cells))

    def ms(pair):
        return f"{pair[0] * 1e3:5.1f} / {pair[1] * 1e3:5.1f}"

    add("steps/s headless", [f"{results[n]['bare']:,.0f}" for n in names])
    add("steps/s dashboard", [f"{results[n]['dashboard']:,.0f}" for n in names])
    add("  ratio (target >= 0.8, issue 17)", [f"{results[n]['ratio']:.2f}" for n in names])
    add("frames/s", [f"{results[n]['fps']:.1f}" for n in names])
    add("other screen updates /s, ms/s", [f"{results[n]['stray'][0]:.1f}, {results[n]['stray'][1]:.1f}" for n in names])
    add("frame p50 / p95 ms (target p95 <= 15)", [ms(results[n]["frame"]) for n in names])
    for panel in (*PANELS, "Textual"):
        add(f"  {PANEL_NAMES.get(panel, panel + ' (compositing)')}", [ms(results[n]["panels"][panel]) for n in names])
    add("key -> state p50 / p95 ms (target <= 100)", [ms(results[n]["keys_all"]) for n in names])
    for key in KEYS:
        add(f"  {key}", [ms(results[n]["keys"][key]) for n in names])
    add("peak RSS", [f"{results[n]['rss_mb']:.0f} MB" for n in names])
    width = max(len(label) for label, _ in rows[1:])
    lines = [rows[0][0], f"{'':{width}}  " + "".join(f"{n:>17}" for n in names)]
    lines += [f"{label:{width}}  " + "".join(f"{c:>17}" for c in cells) for label, cells in rows[1:]]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each measurement")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--one", help=argparse.SUPPRESS)  # a run's name: measure it here, print JSON
    parser.add_argument("--rewind-only", action="store_true", help="measure the rewind latency only")
    args = parser.parse_args()
    if args.rewind_only:
        print(rewind_table())
        return
    if args.one:
        print(json.dumps(measure(RUNS[args.one], args.seconds, args.repeats)))
        return
    load = os.getloadavg()
    results = {}
    for name in RUNS:
        child = subprocess.run([sys.executable, __file__, "--one", name, "--seconds", str(args.seconds),
                                "--repeats", str(args.repeats)], capture_output=True, text=True,
                               env={**os.environ, "COLORTERM": "truecolor"})
        if child.returncode:
            sys.exit(f"{name}: {child.stderr}")
        results[name] = json.loads(child.stdout.splitlines()[-1])
    end = os.getloadavg()
    print(table(results, args.seconds, args.repeats, tuple(max(a, b) for a, b in zip(load, end))))
    print(rewind_table())


if __name__ == "__main__":
    main()
