"""FrameClock, without Textual: when frames are drawn for one or several training loops."""

from softmax_tui.engine import RunState
from softmax_tui.tui.frames import FRAMES_PER_SECOND, UI_SHARE, FrameClock


class FakeRunner:
    """A runner whose loop is between chunks (parks at once) or inside one (parks later)."""

    def __init__(self, state=RunState.RUNNING, between_chunks=True):
        self.state = state
        self.between_chunks = between_chunks
        self.on_parked = None
        self.holds = self.releases = 0

    def hold(self, on_parked):
        self.holds += 1
        if self.between_chunks:
            return True
        self.on_parked = on_parked
        return False

    def release(self):
        self.releases += 1
        self.on_parked = None


class Harness:
    def __init__(self, *runners, can_draw=True):
        self.now = 100.0
        self.draws = 0
        self.refreshed = []  # callbacks waiting for the screen update
        self.parked = []  # runners whose loops called back
        self.can_draw = can_draw
        self.clock = FrameClock(runners, draw=self.draw, can_draw=lambda: self.can_draw,
                                after_refresh=lambda callback, *args: self.refreshed.append((callback, args)),
                                post_parked=self.parked.append, clock=lambda: self.now)

    def draw(self):
        self.draws += 1

    def screen_updated(self, cost: float):
        self.now += cost
        for callback, args in self.refreshed:
            callback(*args)
        self.refreshed.clear()


def test_a_paused_run_draws_whenever_asked_and_holds_nothing():
    runner = FakeRunner(RunState.PAUSED)
    h = Harness(runner)
    h.clock.tick()
    h.clock.tick()
    assert h.draws == 2 and runner.holds == 0 and not h.refreshed


def test_a_running_loop_is_held_for_the_frame_and_released_after_the_screen_update():
    runner = FakeRunner()
    h = Harness(runner)
    h.clock.tick()
    assert h.draws == 1 and runner.holds == 1 and runner.releases == 0
    h.screen_updated(0.002)
    assert runner.releases == 1


def test_frames_are_spaced_by_their_cost_so_drawing_takes_at_most_the_ui_share():
    runner = FakeRunner()
    h = Harness(runner)
    h.clock.tick()
    h.screen_updated(0.1)  # a slow frame: the next one comes 0.1 / UI_SHARE after this one started
    gap = 0.1 / UI_SHARE - 0.5 / FRAMES_PER_SECOND
    h.now = 100.0 + gap - 0.001
    h.clock.tick()
    assert h.draws == 1
    h.now = 100.0 + gap + 0.001
    h.clock.tick()
    assert h.draws == 2
    h.clock.tick(now=True)  # a key draws at once
    assert h.draws == 3


def test_a_frame_waits_for_every_loop_in_a_chunk_and_draws_when_the_last_parks():
    between, busy1, busy2 = FakeRunner(), FakeRunner(between_chunks=False), FakeRunner(between_chunks=False)
    h = Harness(between, busy1, busy2)
    h.clock.tick()
    assert h.draws == 0 and busy1.on_parked and busy2.on_parked
    h.clock.tick()  # the timer again while the frame waits: no second hold
    assert busy1.holds == 1
    busy1.on_parked()
    h.clock.parked(h.parked.pop())
    assert h.draws == 0
    busy2.on_parked()
    h.clock.parked(h.parked.pop())
    assert h.draws == 1
    h.screen_updated(0.001)
    assert (between.releases, busy1.releases, busy2.releases) == (1, 1, 1)


def test_a_key_draws_at_once_without_waiting_for_a_chunk():
    busy = FakeRunner(between_chunks=False)
    h = Harness(busy)
    h.clock.tick(now=True)
    assert h.draws == 1
    h.screen_updated(0.001)
    assert busy.releases == 1 and busy.on_parked is None


def test_a_loop_that_parks_when_the_panels_are_gone_is_released_without_drawing():
    busy = FakeRunner(between_chunks=False)
    h = Harness(busy)
    h.clock.tick()
    h.can_draw = False  # the too-small notice, say, came up meanwhile
    busy.on_parked()
    h.clock.parked(h.parked.pop())
    assert h.draws == 0 and busy.releases == 1
    h.clock.tick()
    assert h.draws == 0  # nor does the timer draw while the panels are hidden
