"""The first run paced for learning (issue 13 item 6): a warm-up at 5 steps/s up to step 20,
then the chosen speed; the pace as a pure function of the step, and the runner's token
bucket keeping to it on a clock of the test's own. (The wall-clock test of the dashboard's
frames is in test_readme_promises.py, with the README's words.)"""

import math

import pytest

from softmax_tui.tui.ladder import DEFAULT_SPEED
from softmax_tui.tui.options import parse_options
from softmax_tui.tui.pace import WARMUP_SPEED, WARMUP_STEPS, Pace
from softmax_tui.tui.runner import Runner
from softmax_tui.tui.session import build_session


def test_the_warm_up_limits_the_steps_after_steps_0_to_20_then_the_chosen_speed():
    pace = Pace(DEFAULT_SPEED, warmup=True)
    assert [pace.limit(step) for step in range(WARMUP_STEPS + 3)] == [5.0] * 21 + [30.0, 30.0]
    assert (WARMUP_STEPS, WARMUP_SPEED, DEFAULT_SPEED) == (20, 5.0, 30.0)
    assert [pace.warming(step) for step in (0, 20, 21)] == [True, True, False]
    assert Pace(math.inf, warmup=True).limit(3) == 5.0 and Pace(math.inf, warmup=True).limit(21) == math.inf
    assert Pace(3.0, warmup=True).limit(0) == 3.0 and not Pace(3.0, warmup=True).warming(0)  # already slower
    assert Pace(DEFAULT_SPEED).limit(0) == 30.0 and not Pace(DEFAULT_SPEED).warming(0)


def test_a_speed_key_moves_from_the_limit_shown_and_ends_the_warm_up():
    pace = Pace(DEFAULT_SPEED, warmup=True)
    assert pace.changed(True, 4) == Pace(10.0) and pace.changed(False, 4) == Pace(3.0)
    assert pace.changed(True, 25) == Pace(100.0)  # after the warm-up, from the chosen speed
    assert Pace(10.0).changed(True, 4).limit(4) == 30.0


class Clock:
    """Seconds that pass only when the test says so."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def run_loop(runner: Runner, clock: Clock, until: int, frame_delay: float) -> tuple[dict[int, float], dict[int, float]]:
    """The training loop's turns on ``clock``, each wait passed at once (and a nanosecond for
    the turn itself: a clock that stood still would leave a float's rounding error of tokens
    to wait for forever), with a screen that puts each new step up to step 21 on screen
    ``frame_delay`` seconds after it is taken (:meth:`Runner.shown` told at that time).
    Returns when each step was taken and shown."""
    taken, shown = {0: 0.0}, {0: 0.0}
    runner.shown(0)
    while (step := runner.trainer.snapshot.step) < until:
        if step not in shown and step <= WARMUP_STEPS + 1:  # the frames that time the warm-up
            now, clock.now = clock.now, clock.now + frame_delay  # the refresh that shows it, due then
            runner.shown(step)
            shown[step], clock.now = clock.now, now
        with runner._lock:
            wait = runner._turn()
        taken.setdefault(runner.trainer.snapshot.step, clock.now)
        clock.now += wait + 1e-9
    return taken, shown


@pytest.mark.parametrize("frame_delay", [0.05, 0.3])
def test_each_warm_up_step_waits_until_the_last_has_been_on_screen_0_2_s(frame_delay):
    """However late the screen shows a step (0.3 s: a machine too busy for 15 frames/s), the
    next one waits 0.2 s from then: none is skipped, none is on screen less than 0.2 s."""
    clock = Clock()
    runner = Runner(build_session(parse_options([])), warmup=True, clock=clock)  # the default run
    taken, shown = run_loop(runner, clock, 60, frame_delay)
    assert sorted(taken) == list(range(61)) and sorted(shown) == list(range(WARMUP_STEPS + 2))
    on_screen = [shown[step + 1] - shown[step] for step in range(WARMUP_STEPS + 1)]
    assert on_screen == pytest.approx([0.2 + frame_delay] * (WARMUP_STEPS + 1))
    gaps = [taken[step + 1] - taken[step] for step in range(WARMUP_STEPS + 1, 60)]
    assert gaps == pytest.approx([1 / 30] * len(gaps))  # then the token bucket at 30/s, no burst


def test_the_warm_up_waits_for_a_step_to_be_on_screen():
    clock = Clock()
    runner = Runner(build_session(parse_options([])), warmup=True, clock=clock)
    clock.now = 5.0
    with runner._lock:
        assert runner._turn() > 0 and runner.trainer.snapshot.step == 0  # step 0 never shown
    runner.shown(0)
    clock.now = 5.19
    with runner._lock:
        assert runner._turn() == pytest.approx(0.01) and runner.trainer.snapshot.step == 0
    clock.now = 5.2
    with runner._lock:
        runner._turn()
    assert runner.trainer.snapshot.step == 1


def test_a_speed_key_in_the_warm_up_takes_over_at_once():
    clock = Clock()
    runner = Runner(build_session(parse_options([])), warmup=True, clock=clock)
    run_loop(runner, clock, 3, 0.05)
    assert runner.change_speed(up=True) == 10.0 and not runner.warming
    start = clock.now
    taken, _ = run_loop(runner, clock, 13, 0.05)
    assert taken[13] - start == pytest.approx(0.9)  # one step at once, then 10/s, no screen waited for
