"""The runner: the only code that touches the trainer, from the UI thread and a worker thread."""

import math
import threading
import time

import numpy as np
import pytest

from softmax_tui.engine import RunState
from softmax_tui.tui.ladder import LEARNING_RATES, SPEEDS, next_rung, one_three_ten, speed_text
from softmax_tui.tui.config import DEFAULT_LR
from softmax_tui.tui.options import parse_options
from softmax_tui.tui.runner import RateMeter, Runner
from softmax_tui.tui.session import build_session


def runner_for(*argv, speed=math.inf, **kwargs):
    session = build_session(parse_options(["--paused", *argv]))
    return Runner(session, speed=speed, **kwargs)


def test_ladders_are_exact_one_three_ten():
    assert one_three_ten(-1, 1) == (0.1, 0.3, 1.0, 3.0, 10.0)
    assert LEARNING_RATES[0] == 1e-5 and LEARNING_RATES[-1] == 100.0
    assert SPEEDS[-1] == math.inf and speed_text(math.inf) == "max" and speed_text(30.0) == "30/s"


@pytest.mark.parametrize("value, up, expected", [
    (1.0, True, 3.0), (1.0, False, 0.3), (0.05, True, 0.1), (0.05, False, 0.03),
    (100.0, True, 100.0), (1e-5, False, 1e-5), (500.0, False, 100.0), (0.3, True, 1.0),
])
def test_next_rung_reaches_the_ladder_from_anywhere(value, up, expected):
    assert next_rung(LEARNING_RATES, value, up) == expected


def test_speed_ladder_climbs_to_max_and_back():
    assert next_rung(SPEEDS, 10000.0, True) == math.inf
    assert next_rung(SPEEDS, math.inf, True) == math.inf
    assert next_rung(SPEEDS, math.inf, False) == 10000.0


def test_rate_meter_measures_over_its_window():
    meter = RateMeter(window=1.0)
    assert meter.add(0.0, 0) == 0.0
    assert meter.add(0.5, 50) == pytest.approx(100.0)
    assert meter.add(2.0, 250) == pytest.approx(200.0 / 1.5)  # the first mark has left the window
    assert meter.add(2.5, 300) == pytest.approx(250 / 2.0)  # from the last mark before the window


def test_step_is_exactly_one_step_and_pauses():
    runner = runner_for()
    runner.toggle()
    assert runner.state is RunState.RUNNING
    runner.step()  # no training loop runs: the runner is idle, so a control runs at once
    assert (runner.snapshot.step, runner.state) == (1, RunState.PAUSED)
    runner.step()
    assert runner.previous.step == 1 and runner.snapshot.step == 2


def test_reset_returns_to_the_initial_parameters_paused():
    runner = runner_for()
    W0 = runner.snapshot.W.copy()
    for _ in range(5):
        runner.step()
    assert not np.array_equal(runner.snapshot.W, W0)
    runner.reset()
    snap = runner.snapshot
    assert snap.step == 0 and runner.state is RunState.PAUSED and runner.previous is None
    np.testing.assert_array_equal(snap.W, W0)


def test_toggle_does_not_revive_a_finished_run():
    runner = runner_for("--epochs", "2")
    runner.step()
    runner.step()
    assert runner.state is RunState.MAX_EPOCHS
    assert runner.toggle() is RunState.MAX_EPOCHS


def test_learning_rate_keys_walk_the_ladder():
    runner = runner_for()
    assert runner.lr == 1.0
    assert runner.change_lr(True) == 3.0
    assert runner.change_lr(False) == 1.0
    assert runner.change_lr(False) == 0.3
    assert runner.trainer.lr == 0.3


def test_next_optimizer_continues_from_the_current_parameters_at_its_default_rate():
    runner = runner_for()
    for _ in range(3):
        runner.step()
    W = runner.snapshot.W.copy()
    assert runner.next_optimizer() == "sgd"
    assert runner.lr == DEFAULT_LR["sgd"] and runner.switches == [(3, "sgd")]
    np.testing.assert_array_equal(runner.trainer.model.W, W)
    runner.step()
    assert runner.snapshot.step == 4
    runner.reset()
    assert runner.optimizer == "sgd" and runner.switches == []


def test_curves_hold_the_history():
    runner = runner_for("--val-fraction", "0.25")
    for _ in range(4):
        runner.step()
    curves = runner.curves(runner.snapshot)
    steps, values = curves["loss"]
    assert list(steps) == [0, 1, 2, 3, 4] and values[-1] == runner.snapshot.loss
    assert curves["val_loss"][1][-1] == runner.snapshot.val_loss
    earlier = runner.previous
    runner.step()  # the history goes on; the curves for an earlier snapshot end at it
    steps, values = runner.curves(earlier)["loss"]
    assert list(steps) == [0, 1, 2, 3] and values[-1] == earlier.loss


def wait_for(condition, seconds=5.0):
    end = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.005)


@pytest.fixture
def training():
    """``training(*argv, **runner_options)``: ``(runner, thread)``, the runner's training loop
    running in the thread, toggled to RUNNING. Every one is closed and joined when the test
    ends, failed or not, so that no loop keeps training at full speed behind later tests."""
    started = []

    def start(*argv, **options):
        runner = runner_for(*argv, **options)
        thread = threading.Thread(target=runner.train, daemon=True)
        thread.start()
        started.append((runner, thread))
        runner.toggle()
        return runner, thread

    yield start
    for runner, thread in started:
        runner.close()
        thread.join(2)


def test_training_thread_runs_pauses_and_closes(training):
    runner, thread = training()
    wait_for(lambda: runner.snapshot.step > 100)
    assert runner.steps_per_second > 0
    runner.toggle()
    assert runner.state is RunState.PAUSED and runner.steps_per_second == 0.0
    with runner._control():  # once the chunk in progress has ended (after one more step)
        stopped = runner.snapshot.step
    time.sleep(0.05)
    assert runner.snapshot.step == stopped == runner.trainer.snapshot.step
    runner.close()
    thread.join(2)
    assert not thread.is_alive()


def test_step_while_running_pauses_at_once_then_advances_exactly_one(training):
    changes = []
    runner, _ = training(on_change=lambda: changes.append(1))
    wait_for(lambda: runner.snapshot.step > 10)
    runner.step()
    assert runner.state is RunState.PAUSED  # at once, before the loop has ended its chunk
    wait_for(lambda: changes)  # the loop ran the step and said so
    snap = runner.snapshot
    assert snap.step == runner.previous.step + 1 == runner.trainer.snapshot.step
    time.sleep(0.05)
    assert runner.snapshot is snap


def test_reset_while_running_shows_step_0_at_once_and_drops_the_chunk_in_progress(training):
    runner, _ = training()
    wait_for(lambda: runner.snapshot.step > 10)
    runner.reset()
    snap = runner.snapshot
    assert snap.step == 0 and snap.state is RunState.PAUSED and runner.state is RunState.PAUSED
    time.sleep(0.05)
    with runner._control():
        assert runner.trainer.snapshot.step == 0 and runner.snapshot.step == 0
        np.testing.assert_array_equal(runner.snapshot.W, runner.trainer.snapshot.W)
        assert runner.snapshot.loss == snap.loss
        assert runner.trainer.history.curve("loss")[0].tolist() == [0]  # the history starts again too


def test_controls_while_running_read_as_done_at_once_and_apply_in_order(training):
    runner, _ = training()
    wait_for(lambda: runner.snapshot.step > 10)
    assert runner.next_optimizer() == "sgd" and runner.optimizer == "sgd"
    assert runner.change_lr(True) == next_rung(LEARNING_RATES, DEFAULT_LR["sgd"], True) == runner.lr
    with runner._control():  # the loop has run both, in order
        assert runner.trainer.optimizer.name == "sgd" and runner.trainer.lr == runner.lr
    assert runner.toggle() is RunState.PAUSED and runner.toggle() is RunState.RUNNING
    assert runner.toggle() is RunState.PAUSED  # a queued resume called off by a pause
    time.sleep(0.05)
    assert runner.trainer.state is RunState.PAUSED


def test_speed_limit_is_kept(training):
    runner, thread = training(speed=100.0)
    time.sleep(0.5)
    runner.toggle()
    runner.close()
    thread.join(2)
    assert 25 <= runner.snapshot.step <= 75  # 100 steps/s for half a second, plus a burst of at most 10


def test_keys_stay_responsive_while_training_at_max_speed(training):
    runner, _ = training()
    wait_for(lambda: runner.snapshot.step > 10)
    latencies = []
    for _ in range(20):
        start = time.perf_counter()
        runner.change_lr(True)
        runner.change_lr(False)
        latencies.append(time.perf_counter() - start)
    assert max(latencies) < 0.1


def test_hold_parks_the_loop_until_release(training):
    runner, _ = training()
    wait_for(lambda: runner.snapshot.step > 10)
    parked = threading.Event()
    if not runner.hold(5.0, parked.set):  # a chunk was in progress: it parks after it
        wait_for(parked.is_set)
    step = runner.snapshot.step
    time.sleep(0.1)
    assert runner.snapshot.step == step
    runner.release()
    wait_for(lambda: runner.snapshot.step > step)
    with runner._control():  # between chunks: parked at once
        assert runner.hold(0.05)
        step = runner.snapshot.step
    time.sleep(0.1)  # a hold ends by itself
    wait_for(lambda: runner.snapshot.step > step)
