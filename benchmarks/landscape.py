"""The loss landscape's cost: the worker's time per grid, and the dashboard's frames with the view on.

Run by hand: ``.venv/bin/python benchmarks/landscape.py [--seconds S] [--repeats R]``.

* **grid**: :meth:`LandscapeView.frame` (the Hessian's top eigenvectors, the trajectory's
  projection and the objective on every pixel of the panel at 120x40) after 20 gd steps, on
  rgb20, iris and blobs with 100,000 points; p50 / p95 over the repeats, with the block side
  (1: one evaluation per pixel) and the grid's points.
* **frame**: the UI thread's time per frame (as ``benchmarks/ui.py`` measures it: the hand-over
  to the panels plus the screen update) with the decision map, then with the landscape in its
  place, training at speed max at 120x40, and how many landscapes the worker delivered per
  second.
"""

from __future__ import annotations

import argparse
import asyncio
import time

from common import percentile  # benchmarks/common.py (this script's folder is on sys.path)
from ui import FrameRecorder

RUNS = {"rgb20": [], "iris": ["--dataset", "iris"], "blobs 100k": ["--dataset", "blobs", "--samples", "100000"]}
#: The landscape panel's picture at 120x40: cells across and down.
GRID = (50, 18)
STEPS = 20


def grid_times(argv: list[str], repeats: int) -> dict:
    import numpy as np

    from softmax_tui.tui.landscapeview import EIGENVECTORS, LandscapeView
    from softmax_tui.tui.options import parse_options
    from softmax_tui.tui.session import build_session

    session = build_session(parse_options(["--paused", *argv]))
    trainer = session.trainer
    trainer.advance(STEPS)
    snap = trainer.snapshot
    view = LandscapeView(trainer.X, trainer.y, session.class_names, session.feature_names)
    points = trainer.trajectory.points()[1]
    times, frame = [], None
    for _ in range(repeats):
        frame = view.frame(snap.W, snap.b, snap.step, trainer.l2, trainer.l1, points, EIGENVECTORS, *GRID)
        times.append(frame.seconds)
    block = frame.block
    points_evaluated = int(np.ceil(GRID[0] / block) * np.ceil(2 * GRID[1] / block))
    return {"p50": percentile(times, 0.5), "p95": percentile(times, 0.95), "block": block,
            "points": points_evaluated, "n": len(trainer.X)}


async def frames(argv: list[str], seconds: float, recorder: FrameRecorder, landscape: bool) -> dict:
    """Frame times (and landscapes delivered) with the landscape on or off (the decision map)."""
    from softmax_tui.tui.app import SoftmaxApp
    from softmax_tui.tui.landscapeview import LandscapeFrame
    from softmax_tui.tui.options import parse_options
    from softmax_tui.tui.session import build_session
    from softmax_tui.tui.widgets.landscape import LossLandscape

    delivered = []
    show = LossLandscape.show

    def counted(widget, frame: LandscapeFrame) -> None:
        delivered.append(frame.seconds)
        show(widget, frame)

    LossLandscape.show = counted
    app = SoftmaxApp(build_session(parse_options(["--paused", *argv])), speed=float("inf"))
    async with app.run_test(size=(120, 40)) as pilot:
        if landscape:
            await pilot.press("m")
        app.dashboard.runner.toggle()
        await asyncio.sleep(1.0)
        recorder.frames.clear()
        recorder.enabled = True
        delivered.clear()
        start = time.perf_counter()
        await asyncio.sleep(seconds)
        elapsed = time.perf_counter() - start
        recorder.enabled = False
        state = app.dashboard.runner.state.value
    LossLandscape.show = show
    times = list(recorder.frames)
    return {"p50": percentile(times, 0.5), "p95": percentile(times, 0.95), "fps": len(times) / elapsed, "state": state,
            "landscapes_per_s": len(delivered) / elapsed, "worker_p50": percentile(delivered, 0.5)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each frame measurement")
    parser.add_argument("--repeats", type=int, default=5, help="grids per run")
    args = parser.parse_args()
    print(f"grid {GRID[0]}x{GRID[1]} cells after {STEPS} steps; p50 / p95 over {args.repeats} repeats")
    for name, argv in RUNS.items():
        g = grid_times(argv, args.repeats)
        print(f"  {name:<11} n={g['n']:>7,}  {g['p50'] * 1e3:7.1f} / {g['p95'] * 1e3:7.1f} ms  "
              f"block {g['block']}, {g['points']} points")
    print(f"frames, speed max, 120x40, {args.seconds:g} s (landscape off: the decision map)")
    recorder = FrameRecorder()
    recorder.install()
    for name, argv in RUNS.items():
        for landscape in (False, True):
            f = asyncio.run(frames(argv, args.seconds, recorder, landscape))
            print(f"  {name:<11} {'landscape' if landscape else 'map':<9} frame p50 / p95 {f['p50'] * 1e3:5.1f} / "
                  f"{f['p95'] * 1e3:5.1f} ms, {f['fps']:.1f} frames/s, {f['landscapes_per_s']:.2f} landscapes/s "
                  f"(worker p50 {f['worker_p50'] * 1e3:.0f} ms), {f['state']} at the end")


if __name__ == "__main__":
    main()
