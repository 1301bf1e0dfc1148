"""The objective's thread count, chosen by timing its own evaluations (engine/thread_choice.py)."""

import numpy as np
import pytest

from softmax_tui.engine.objective import Objective, default_threads
from softmax_tui.engine.thread_choice import ThreadChoice, typical


def run(choice: ThreadChoice, seconds: dict[int, float], evaluations: int) -> list[int]:
    """The thread counts ``choice`` picks for ``evaluations`` evaluations that take
    ``seconds[threads]`` each."""
    picked = []
    for _ in range(evaluations):
        threads = choice.next()
        choice.record(threads, seconds[threads])
        picked.append(threads)
    return picked


def test_each_count_is_tried_in_turn_before_any_is_chosen():
    choice = ThreadChoice((1, 2), samples=3)
    assert choice.chosen == 1  # nothing timed yet: the first candidate
    assert run(choice, {1: 0.010, 2: 0.006}, 6) == [1, 2, 1, 2, 1, 2]
    assert choice.chosen == 2


def test_the_faster_count_is_used_and_the_other_timed_again_at_doubling_intervals():
    choice = ThreadChoice((1, 2), samples=3, first_recheck=4, longest_recheck=32)
    picked = run(choice, {1: 0.010, 2: 0.006}, 200)
    rechecks = [i + 1 for i, threads in enumerate(picked[6:], start=6) if threads == 1]
    # chosen at the 7th: rechecks 4, 8, 16, 32, 32, ... evaluations later
    assert rechecks == [11, 19, 35, 67, 99, 131, 163, 195]


def test_a_change_in_load_moves_the_choice_within_a_few_rechecks():
    """Two threads win on an idle machine; once another process takes a core one thread
    wins, and the choice follows; when the core is free again it goes back."""
    choice = ThreadChoice((1, 2), samples=3, first_recheck=2, longest_recheck=4)
    run(choice, {1: 0.010, 2: 0.006}, 40)
    assert choice.chosen == 2
    busy = {1: 0.011, 2: 0.018}
    # a recheck of 1 that was due; two slow times move 2's typical time above 1's, so 1
    # is chosen; 2 is rechecked first_recheck evaluations after the new choice
    assert run(choice, busy, 6) == [1, 2, 2, 1, 1, 2]
    assert choice.chosen == 1
    assert run(choice, busy, 40).count(2) == 10  # from then on two threads only at rechecks
    run(choice, {1: 0.010, 2: 0.006}, 3 * 4)
    assert choice.chosen == 2


def test_a_count_often_slow_loses_though_its_median_is_faster():
    """Beside a busy process the second thread is now and then descheduled: two threads'
    median can be the faster while their mean is not. One pause alone does not count."""
    often_slow = [0.008, 0.020, 0.008, 0.020, 0.008]  # median 0.008, mean 0.0128
    assert typical(often_slow) == pytest.approx(0.011)
    assert typical([0.006, 0.006, 0.050, 0.006, 0.006]) == pytest.approx(0.006)
    assert typical([0.004]) == 0.004
    for times, faster in ((often_slow, 1), ([0.006, 0.006, 0.050, 0.006, 0.006], 2)):
        choice, given = ThreadChoice((2, 1), samples=5), iter(times)
        for _ in range(10):  # 2, 1, 2, 1, ...: five times each
            threads = choice.next()
            choice.record(threads, next(given) if threads == 2 else 0.010)
        assert choice.chosen == faster


@pytest.mark.parametrize("candidates", [(1,), (2, 2), ()])
def test_candidates_must_be_two_distinct_counts(candidates):
    with pytest.raises(ValueError, match=r"^candidates must be two or more distinct thread counts, got "):
        ThreadChoice(candidates)


def test_an_objective_chooses_between_one_thread_and_the_default_unless_told_or_one_block():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(20_000, 100)), rng.integers(0, 4, 20_000)
    W, b = rng.normal(size=(4, 100)), np.zeros(4)
    wide = Objective(X, y, 4)
    if default_threads() == 1:
        pytest.skip("one core: nothing to choose")
    # all threads first for wide data (before any timing, and for loss-only objectives)
    assert wide._choice.candidates == (default_threads(), 1) == (wide.threads, 1)
    assert Objective(X, y, 4)._choice.chosen == default_threads()
    fixed = Objective(X, y, 4, threads=1).evaluate(W, b, 0.1)
    for _ in range(12):  # n, 1, n, 1, ... five times each, then the faster: the same numbers on any count
        ev = wide.evaluate(W, b, 0.1)
        assert (ev.loss, ev.accuracy) == (fixed.loss, fixed.accuracy)
        assert np.array_equal(ev.dW, fixed.dW) and np.array_equal(ev.db, fixed.db)
    assert wide._choice._count == 12 and all(len(times) == 5 for times in wide._choice._times.values())
    wide.evaluate(W, b, gradient=False)  # loss-only evaluations use the choice, untimed
    assert wide._choice._count == 12
    assert Objective(X[:, :2], y, 4)._choice.candidates == (1, default_threads())  # narrow data too, one first
    assert Objective(X[:1000], y[:1000], 4)._choice is None  # one block: nothing to share
    assert Objective(X, y, 4, threads=2)._choice is None


@pytest.mark.parametrize("setting", ["samples", "first_recheck", "longest_recheck"])
def test_each_interval_and_the_samples_are_at_least_one(setting):
    with pytest.raises(ValueError, match=r"^samples, first_recheck and longest_recheck must be at least 1$"):
        ThreadChoice((1, 2), **{setting: 0})
