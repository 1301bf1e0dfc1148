"""Start-up time, measured side by side in one run (run by hand: python benchmarks/startup.py).

Each repeat starts, in turn, a fresh process of:
  numpy      python -c 'import numpy' (the yardstick)
  headless   softmax-tui --headless --epochs 1 (the console script), to its exit
  dashboard  the dashboard of a plain ``softmax-tui`` under App.run_test (120 x 40), from
             the process's start until its first frame is on screen (the runner is told a
             step was shown), the same modules imported and objects built as the command
and prints the medians and the ratios of the targets (issue 17): headless <= 1.3 x numpy,
first frame <= 450 ms. PYTHONDONTWRITEBYTECODE is removed from the children's environment
(users' runs write and reuse bytecode). The machine is shared, so read the ratios; the load
average is printed with them.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

#: The dashboard's child: the command's own path (options, session, app) under run_test,
#: printing a line when the first frame has been shown.
FIRST_FRAME = """
import asyncio, sys
from softmax_tui.tui.cli import _session
from softmax_tui.tui.options import parse_options
from softmax_tui.tui.runner import Runner

shown = Runner.shown
def first_shown(self, step):
    shown(self, step)
    print("frame", flush=True)
    Runner.shown = shown
Runner.shown = first_shown

async def main():
    from softmax_tui.tui.app import SoftmaxApp
    app = SoftmaxApp(_session(parse_options([])))
    async with app.run_test(size=(120, 40)) as pilot:
        while Runner.shown is not shown:
            await pilot.pause(0.005)
asyncio.run(main())
"""


def environment() -> dict[str, str]:
    return {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def until_exit(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, env=environment(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def until_first_frame() -> float:
    start = time.perf_counter()
    with subprocess.Popen([sys.executable, "-c", FIRST_FRAME], env=environment(), stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL, text=True) as child:
        line = child.stdout.readline()
        elapsed = time.perf_counter() - start
        child.wait()
    if line.strip() != "frame":
        raise RuntimeError("the dashboard's child drew no frame")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=11)
    args = parser.parse_args()
    script = os.path.join(os.path.dirname(sys.executable), "softmax-tui")
    runs = {"numpy": lambda: until_exit([sys.executable, "-c", "import numpy"]),
            "headless": lambda: until_exit([script, "--headless", "--epochs", "1"]),
            "dashboard": until_first_frame}
    for run in runs.values():  # warm the disk cache and write bytecode
        run()
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(args.repeats):
        for name, run in runs.items():
            times[name].append(run())
    median = {name: statistics.median(values) for name, values in times.items()}
    print(f"Start-up, median of {args.repeats} (load average {os.getloadavg()[0]:.2f}); ms")
    print(" ".join(f"{name} {value * 1e3:.0f}" for name, value in median.items()))
    ratios = [h / n for h, n in zip(times["headless"], times["numpy"])]
    print(f"headless / import numpy: {statistics.median(ratios):.2f} (target <= 1.3); "
          f"dashboard first frame: {median['dashboard'] * 1e3:.0f} ms (target <= 450)")


if __name__ == "__main__":
    main()
