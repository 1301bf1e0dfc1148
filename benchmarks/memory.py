"""Memory of long and large runs (run by hand: python benchmarks/memory.py [--steps N]).

1. A long headless run (default 10 million sgd steps on blobs, 1000 per epoch, a progress
   line every million; sgd never meets the convergence tolerance, so the run goes the full
   length): resident memory is sampled while it runs; the budget is growth < 20 MB from the
   first progress line (everything loaded, first million steps done) to the end. The
   engine's history is bounded (min/max decimation) and the CLI keeps nothing per step.
2. Peak resident memory (VmHWM) of a headless run on ``blobs --samples 1000000``.
3. The rewind timeline (``--timeline-steps N``, default 10 million): rgb20 trained with sgd
   (gd converges after about 3.8 million steps; sgd's batch noise never lets it, and its
   checkpoints hold the shuffle generator too) in this process with ``trainer.advance`` at
   full speed, its checkpoints kept as the dashboard keeps
   them; the budget is resident memory growth < 50 MB from the first 100,000 steps to the
   end. Prints the growth and the checkpoints' count and bytes.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import threading
import time


def cli() -> list[str]:
    exe = shutil.which("softmax-tui") or os.path.join(os.path.dirname(sys.executable), "softmax-tui")
    return [exe]


def status_kb(pid: int, field: str) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except FileNotFoundError:
        return None
    return None


def run_sampled(args: list[str]) -> tuple[list[dict], list[tuple[float, int]], int]:
    """Run the CLI, sample VmRSS every 0.2 s; return (events, [(t, rss_kb) at each event], peak kb)."""
    proc = subprocess.Popen(cli() + args, stdout=subprocess.PIPE, text=True)
    samples: list[tuple[float, int]] = []
    peak = [0]
    done = threading.Event()

    def watch():
        while not done.is_set():
            hwm = status_kb(proc.pid, "VmHWM")
            if hwm:
                peak[0] = max(peak[0], hwm)
            time.sleep(0.2)

    threading.Thread(target=watch, daemon=True).start()
    events = []
    start = time.perf_counter()
    for line in proc.stdout:
        events.append(json.loads(line))
        rss = status_kb(proc.pid, "VmRSS")
        if rss is not None:
            samples.append((time.perf_counter() - start, rss))
    proc.wait()
    done.set()
    return events, samples, peak[0]


def long_run(steps: int) -> None:
    every = max(1, steps // 10)
    events, samples, peak = run_sampled(["--headless", "--dataset", "blobs", "--optimizer", "sgd",
                                         "--epochs", str(max(1, steps // 1000)), "--every", str(every)])
    done = events[-1]
    print(f"Long run: blobs, sgd, {done['step']:,} steps in {done['elapsed_seconds']:.0f} s "
          f"({done['step'] / done['elapsed_seconds']:,.0f} steps/s), status {done['status']}")
    print(f"{'step':>12} {'seconds':>8} {'RSS MB':>8}")
    for event, (t, rss) in zip(events, samples):
        print(f"{event['step']:>12,} {t:>8.1f} {rss / 1024:>8.1f}")
    growth = (samples[-1][1] - samples[0][1]) / 1024
    print(f"RSS growth from the first progress line to the last: {growth:+.1f} MB (budget < 20 MB); "
          f"peak {peak / 1024:.1f} MB")


def big_dataset() -> None:
    events, _, peak = run_sampled(["--headless", "--dataset", "blobs", "--samples", "1000000", "--epochs", "20"])
    done = events[-1]
    print(f"\nblobs --samples 1000000, gd, {done['step']} steps in {done['elapsed_seconds']:.1f} s: "
          f"peak RSS {peak / 1024:.0f} MB (X is {1_000_000 * 2 * 8 / 2**20:.0f} MB of float64)")


def timeline_run(steps: int) -> None:
    from softmax_tui.tui.options import parse_options
    from softmax_tui.tui.session import build_session

    chunk = 100_000
    trainer = build_session(parse_options(["--paused", "--optimizer", "sgd", "--steps", str(steps)])).trainer
    trainer.advance(chunk)
    first = status_kb(os.getpid(), "VmRSS")
    start = time.perf_counter()
    while trainer.snapshot.step < steps and not trainer.state.finished:
        trainer.advance(min(chunk, steps - trainer.snapshot.step))
    elapsed = time.perf_counter() - start
    growth = (status_kb(os.getpid(), "VmRSS") - first) / 1024
    timeline = trainer.timeline
    print(f"\nrgb20, sgd, {trainer.snapshot.step:,} steps ({trainer.state.value}) with the rewind timeline "
          f"({elapsed:.0f} s): RSS growth "
          f"from step {chunk:,} {growth:+.1f} MB (budget < 50 MB); {len(timeline)} checkpoints, "
          f"{timeline.nbytes / 2**20:.1f} MiB, spacing {timeline.spacing:,} steps")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=10_000_000)
    parser.add_argument("--timeline-steps", type=int, default=10_000_000)
    parser.add_argument("--timeline-only", action="store_true", help="measure the rewind timeline only")
    args = parser.parse_args()
    if not args.timeline_only:
        long_run(args.steps)
        big_dataset()
    timeline_run(args.timeline_steps)


if __name__ == "__main__":
    main()
