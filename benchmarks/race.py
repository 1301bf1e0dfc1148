"""The race's cost (issue 14; run by hand: .venv/bin/python benchmarks/race.py).

Each member of a race should train at >= 0.8x its solo speed. Measured two ways, for
``--compare gd,momentum,adam`` on rgb20, iris and blobs with 100,000 points:

  (a) max speed: the race's loop (:class:`RaceRunner`) driven turn after turn until every
      member has taken S steps, against the sum of each member's solo loop
      (:class:`Runner`) for S steps; the ratio solo sum / race is each member's speed in the
      race relative to alone (1.0: no lockstep overhead).
  (b) at a speed limit the solo runs meet, each on its own thread for a few seconds as in the
      dashboard: each member's steps/s in the race against alone.

Numbers are printed, not asserted; the machine is shared, so note the load (printed first).
"""

from __future__ import annotations

import math
import os
import threading
import time

from softmax_tui.tui.options import parse_options
from softmax_tui.tui.race import RaceRunner, build_entrants
from softmax_tui.tui.runner import Runner
from softmax_tui.tui.session import build_session

MEMBERS = ("gd", "momentum", "adam")
#: dataset flags, S steps for (a), the speed limit for (b)
CASES = {"rgb20": ([], 20_000, 300), "iris": (["--dataset", "iris"], 20_000, 300),
         "blobs 100k": (["--dataset", "blobs", "--samples", "100000"], 100, 30)}
SECONDS = 3.0


def drive(runner, done) -> float:
    """Turn ``runner``'s loop (in this thread, no waits) until ``done()`` or no run runs
    (converged); seconds taken."""
    start = time.perf_counter()
    while not done() and runner._advancing:
        with runner._lock:
            runner._turn()
    return time.perf_counter() - start


def solo(flags: list[str], optimizer: str, speed: float) -> Runner:
    return Runner(build_session(parse_options([*flags, "--optimizer", optimizer])), speed=speed)


def race(flags: list[str], speed: float) -> RaceRunner:
    return RaceRunner(build_entrants(parse_options([*flags, "--compare", ",".join(MEMBERS)])), speed=speed)


def max_speed(flags: list[str], steps: int) -> None:
    alone = {}
    for name in MEMBERS:
        runner = solo(flags, name, math.inf)
        alone[name] = drive(runner, lambda r=runner: r.snapshot.step >= steps)
    racing = race(flags, math.inf)
    together = drive(racing, lambda: all(m.snapshot.step >= steps or m.trainer.state.finished
                                         for m in racing.members))
    reached = [m.snapshot.step for m in racing.members]
    total = sum(alone.values())  # a member that converges stops at the same step alone and racing
    print(f"  (a) max speed, up to {steps} steps each (reached {reached}): solo "
          + ", ".join(f"{k} {v:.3f}s" for k, v in alone.items())
          + f" = {total:.3f}s; race {together:.3f}s; speed in the race / alone: {total / together:.2f}")


def threaded(runner, seconds: float) -> None:
    thread = threading.Thread(target=runner.train)
    thread.start()
    time.sleep(seconds)
    runner.close()
    thread.join()


def speed_limit(flags: list[str], limit: float) -> None:
    alone = {}
    for name in MEMBERS:
        runner = solo(flags, name, limit)
        threaded(runner, SECONDS)
        alone[name] = runner.snapshot.step / SECONDS
    racing = race(flags, limit)
    threaded(racing, SECONDS)
    together = {name: m.snapshot.step / SECONDS for name, m in zip(MEMBERS, racing.members)}
    print(f"  (b) limit {limit:g} steps/s, {SECONDS:g} s: " + "; ".join(
        f"{name} {alone[name]:.0f}/s alone, {together[name]:.0f}/s racing ({together[name] / alone[name]:.2f}x)"
        for name in MEMBERS))


def main() -> None:
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs; race of {', '.join(MEMBERS)}")
    for name, (flags, steps, limit) in CASES.items():
        print(name)
        max_speed(flags, steps)
        speed_limit(flags, limit)


if __name__ == "__main__":
    main()
