"""Start-up time, measured side by side in one run (run by hand: python benchmarks/startup.py).

Each repeat starts, in turn, a fresh process of:
  numpy      python -c 'import numpy' (the yardstick)
  headless   softmax-tui --headless --epochs 1 (the console script), to its exit
  dashboard  the dashboard of a plain ``softmax-tui`` under App.run_test (120 x 40), from
             the process's start until its first frame is on screen (the runner is told a
             step was shown), the same modules imported and objects built as the command
and prints the medians and the ratios of the targets (issue 17): headless <= 1.3 x numpy,
first frame <= 450 ms. Each is given as wall-clock time and as CPU time (user + system, of
the child until its exit or its first frame): on a shared machine the CPU time hardly
depends on the load, the wall-clock time does (the load average is printed with them).
PYTHONDONTWRITEBYTECODE is removed from the children's environment (users' runs write and
reuse bytecode).

``--python PATH`` measures another environment: PATH is its interpreter, and the console
script beside it (``softmax-tui`` in the same bin folder) is the one run; the default is
the interpreter running this script. An editable install (``pip install -e``, as the
development set-up makes) adds an import hook to every start of its interpreter, the
yardstick's too, that a user's ``pip install softmax-tui`` does not have; to measure what
users run, install the package normally into a fresh environment and point at it:

    python3 -m venv /tmp/su-venv && /tmp/su-venv/bin/pip install .
    python benchmarks/startup.py --python /tmp/su-venv/bin/python
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
    import time
    print("frame", time.process_time(), flush=True)
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


def until_exit(argv: list[str]) -> tuple[float, float]:
    """Wall-clock and CPU seconds of a child running ``argv`` to its exit (the CPU time from
    its resource usage, to the microsecond: os.times counts clock ticks, 10 ms)."""
    start = time.perf_counter()
    child = subprocess.Popen(argv, env=environment(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise subprocess.CalledProcessError(child.returncode, argv)
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime


def until_first_frame(python: str) -> tuple[float, float]:
    """Wall-clock and CPU seconds from the start of a dashboard child run by the interpreter
    ``python`` to its first frame."""
    start = time.perf_counter()
    with subprocess.Popen([python, "-c", FIRST_FRAME], env=environment(), stdout=subprocess.PIPE,
                          stderr=subprocess.DEVNULL, text=True) as child:
        line = child.stdout.readline().split()
        elapsed = time.perf_counter() - start
        child.wait()
    if not line or line[0] != "frame":
        raise RuntimeError("the dashboard's child drew no frame")
    return elapsed, float(line[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=11)
    parser.add_argument("--python", default=sys.executable, metavar="PATH",
                        help="the interpreter of the environment to measure, with softmax-tui beside it "
                        "(default: this one)")
    args = parser.parse_args()
    script = os.path.join(os.path.dirname(args.python), "softmax-tui")
    if not os.access(script, os.X_OK):
        parser.error(f"no softmax-tui beside {args.python}")
    runs = {"numpy": lambda: until_exit([args.python, "-c", "import numpy"]),
            "headless": lambda: until_exit([script, "--headless", "--epochs", "1"]),
            "dashboard": lambda: until_first_frame(args.python)}
    for run in runs.values():  # warm the disk cache and write bytecode
        run()
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in runs}
    for _ in range(args.repeats):
        for name, run in runs.items():
            times[name].append(run())
    print(f"Start-up of {script}, median of {args.repeats} (load average {os.getloadavg()[0]:.2f}); ms")
    for clock, index in (("wall", 0), ("cpu", 1)):
        median = {name: statistics.median(t[index] for t in values) for name, values in times.items()}
        ratio = statistics.median(h[index] / n[index] for h, n in zip(times["headless"], times["numpy"]))
        print(f"{clock:>4}: " + " ".join(f"{name} {value * 1e3:.0f}" for name, value in median.items())
              + f" | headless / import numpy {ratio:.2f} (target <= 1.3); first frame {median['dashboard'] * 1e3:.0f}"
              " ms (target <= 450)")


if __name__ == "__main__":
    main()
