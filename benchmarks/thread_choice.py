"""How much time the objective's thread choice costs, on simulated evaluation times (run by
hand: python benchmarks/thread_choice.py).

The engine's :class:`ThreadChoice` picks one thread or two for each evaluation from the
times of earlier ones (engine/thread_choice.py). Real times on a shared machine cannot be
replayed, so here each scenario draws them from a model of what was seen on the 2-core
development machine (benchmarks/engine.py --evaluation --compete), with fixed seeds, and
the choice sees only the times. Printed per scenario: the expected time of the counts it
picked, divided by that of always picking the count that is faster on average (1.00 is a
perfect choice; rechecks of the slower count cost a little by design), as a mean over the
seeds and the worst seed: for the engine's settings (a count's time estimated by ``typical``,
the mean without the slowest; rechecks of the other count at most one in 32 evaluations)
and, for comparison, with the median instead, and with rechecks up to one in 16.
"""

from __future__ import annotations

import argparse
import statistics

import numpy as np

from softmax_tui.engine.thread_choice import ThreadChoice

EVALUATIONS = 800


def lognormal(rng, mean: float, spread: float = 0.08) -> float:
    return mean * rng.lognormal(0.0, spread)


#: name: (mean seconds of one and of two threads at evaluation t, one drawn time).
SCENARIOS = {
    "two threads faster (a core free)": (lambda t: (1.0, 0.6), lambda rng, t, c: lognormal(rng, (1.0, 0.6)[c - 1])),
    "one thread faster (1.3x)": (lambda t: (1.0, 1.3), lambda rng, t, c: lognormal(rng, (1.0, 1.3)[c - 1])),
    "two slow for the first 13 evaluations": (
        lambda t: (1.5, 1.6 if t < 13 else 0.95),
        lambda rng, t, c: lognormal(rng, 1.5 if c == 1 else (1.6 if t < 13 else 0.95), 0.05)),
    "the faster count swaps every 300": (
        lambda t: (1.0, 1.3) if t // 300 % 2 == 0 else (1.3, 0.9),
        lambda rng, t, c: lognormal(rng, ((1.0, 1.3) if t // 300 % 2 == 0 else (1.3, 0.9))[c - 1])),
    "the faster count swaps every 60": (
        lambda t: (1.0, 1.3) if t // 60 % 2 == 0 else (1.3, 0.9),
        lambda rng, t, c: lognormal(rng, ((1.0, 1.3) if t // 60 % 2 == 0 else (1.3, 0.9))[c - 1])),
    "two descheduled 20% of the time (2.5x)": (
        lambda t: (1.0, 0.8 * 0.8 + 0.2 * 2.5),
        lambda rng, t, c: lognormal(rng, 1.0 if c == 1 else (2.5 if rng.random() < 0.2 else 0.8), 0.05)),
    "a 4x pause in 5% of evaluations": (
        lambda t: (1.15, 0.85 * 1.15),
        lambda rng, t, c: lognormal(rng, (1.0, 0.85)[c - 1], 0.05) * (4 if rng.random() < 0.05 else 1)),
}


def cost(scenario, seed: int, **settings) -> float:
    """Expected time of the counts picked over ``EVALUATIONS`` evaluations by a
    ``ThreadChoice((2, 1), **settings)``, divided by the best count's at each evaluation."""
    means, draw = SCENARIOS[scenario]
    rng, choice = np.random.default_rng(seed), ThreadChoice((2, 1), **settings)
    spent = best = 0.0
    for t in range(EVALUATIONS):
        threads = choice.next()
        choice.record(threads, draw(rng, t, threads))
        spent += means(t)[threads - 1]
        best += min(means(t))
    return spent / best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, default=100)
    seeds = parser.parse_args().seeds
    print(f"Time of the counts chosen / the faster count's, {EVALUATIONS} evaluations, {seeds} seeds: mean (worst)")
    variants = {"engine": {}, "median": {"estimate": statistics.median}, "rechecks 1/16": {"longest_recheck": 16}}
    print(f"{'scenario':<42}" + "".join(f"{name:>17}" for name in variants))
    for scenario in SCENARIOS:
        cells = []
        for settings in variants.values():
            costs = [cost(scenario, seed, **settings) for seed in range(seeds)]
            cells.append(f"{statistics.mean(costs):.3f} ({max(costs):.3f})")
        print(f"{scenario:<42}" + "".join(f"{cell:>17}" for cell in cells))


if __name__ == "__main__":
    main()
