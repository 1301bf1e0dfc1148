"""Rewind: any past step recomputed bit for bit from checkpoints (engine/timeline.py,
Trainer.checkpoint/restore/snapshot_at/fork), in bounded memory."""

import numpy as np
import pytest
from sklearn.datasets import load_iris

from softmax_tui.engine import OPTIMIZERS, Optimizer, RunState, SoftmaxRegression, Trainer
from softmax_tui.engine.history import History
from softmax_tui.engine.timeline import Checkpoint, Timeline
from softmax_tui.engine.trajectory import Trajectory

X_IRIS, Y_IRIS = load_iris(return_X_y=True)
X_IRIS = (X_IRIS - X_IRIS.mean(axis=0)) / X_IRIS.std(axis=0)
LR = {"adam": 0.05, "sgd": 0.05}


def make_trainer(name, *, X=X_IRIS, y=Y_IRIS, seed=7, val=False, **kw):
    model = SoftmaxRegression.initialized(X.shape[1], int(y.max()) + 1, "normal", np.random.default_rng(3))
    kw.setdefault("lr", LR.get(name, 0.3))
    kw.setdefault("l2", 1e-3)
    X_val, y_val = (X[::5], y[::5]) if val else (None, None)
    return Trainer(model, Optimizer(name, 16 if name == "minibatch" else None), X, y, X_val, y_val, seed=seed, **kw)


def stepped(trainer, steps):
    """Step one at a time, keeping every snapshot by step."""
    stored = {trainer.snapshot.step: trainer.snapshot}
    for _ in range(steps):
        snap = trainer.step()
        stored[snap.step] = snap
    return stored


def assert_same(a, b):
    assert a.step == b.step and a.epoch == b.epoch
    assert np.array_equal(a.W, b.W) and np.array_equal(a.b, b.b)
    assert a.loss == b.loss and a.train_accuracy == b.train_accuracy and a.grad_norm == b.grad_norm
    assert a.val_loss == b.val_loss and a.lr == b.lr


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_rewind_is_bit_identical_at_random_steps(name):
    """The run is advanced in chunks of varied size (as the dashboard does); a twin stepped one
    at a time stores every step; snapshot_at(t) equals the stored step t exactly."""
    live, reference = make_trainer(name, val=True), make_trainer(name, val=True)
    stored = stepped(reference, 400)
    rng = np.random.default_rng(11)
    while not live.state.finished and live.snapshot.step < 400:
        live.advance(min(int(rng.integers(1, 60)), 400 - live.snapshot.step))
    last = live.snapshot.step
    assert last == reference.snapshot.step  # newton/lbfgs converge or stall at the same step
    assert len(live.timeline) > 2  # recomputed from checkpoints, not only from step 0
    for step in list(rng.integers(0, last + 1, 25)) + live.timeline.steps + [last]:
        assert_same(live.snapshot_at(int(step)), stored[int(step)])


def test_rewind_across_live_changes_of_every_kind():
    """Learning rate, optimizer (with state), penalties: each change pins a checkpoint, so the
    steps on both sides of it are recomputed exactly."""
    live, reference = make_trainer("gd"), make_trainer("gd")
    stored = {}

    def both(action):
        action(live)
        action(reference)
        stored[reference.snapshot.step] = reference.snapshot

    stored.update(stepped(reference, 50))
    live.advance(50)
    both(lambda t: setattr(t, "lr", 1.0))
    stored.update(stepped(reference, 37))
    live.advance(37)
    both(lambda t: t.set_optimizer(Optimizer("minibatch", 10)))
    stored.update(stepped(reference, 61))
    live.advance(61)
    both(lambda t: t.set_penalties(0.01, 0.1))  # a new objective at step 148
    stored.update(stepped(reference, 40))
    live.advance(40)
    both(lambda t: t.set_optimizer(Optimizer("adam")))
    stored.update(stepped(reference, 30))
    live.advance(30)
    assert live.snapshot.step == 218
    for step in range(0, 219):
        assert_same(live.snapshot_at(step), stored[step])


@pytest.mark.parametrize("name", ["gd", "minibatch", "adam", "lbfgs"])
def test_fork_then_rerun_equals_a_fresh_run_restored_from_that_checkpoint(name):
    """fork(t) makes step t the present; the new future (another learning rate from there)
    equals a trainer restored from the replayed checkpoint at t and run the same way."""
    live = make_trainer(name, val=True)
    live.advance(120)
    at = min(45, live.snapshot.step // 2)  # lbfgs converges in 34 steps
    forked = live.fork(at)
    assert forked.step == at and forked.state is RunState.PAUSED
    fresh = make_trainer(name, val=True)
    fresh.restore(make_checkpoint_at(name, at))
    fresh.pause()
    assert_same(fresh.snapshot, forked)
    for trainer in (live, fresh):
        trainer.lr = 0.1
        trainer.advance(30)
    assert_same(live.snapshot, fresh.snapshot)
    # the old future is gone: the history ends at the new present, the checkpoints too
    steps, _ = live.history.curve("loss")
    assert steps.max() == live.snapshot.step
    assert max(live.timeline.steps) <= live.snapshot.step


def make_checkpoint_at(name, step):
    other = make_trainer(name, val=True)
    for _ in range(step):
        other.step()
    return other.checkpoint()


@pytest.mark.parametrize("name", ["gd", "sgd", "momentum", "nesterov", "adam"])
def test_fork_without_a_change_replays_the_old_future(name):
    live, reference = make_trainer(name), make_trainer(name)
    reference.advance(200)
    live.advance(200)
    live.fork(77)
    live.advance(123)
    assert_same(live.snapshot, reference.snapshot)


def test_a_rewind_does_not_touch_the_live_run():
    live = make_trainer("momentum")
    live.advance(100)
    before = live.snapshot
    steps_before = live.history.curve("loss")[0].copy()
    live.snapshot_at(13)
    assert live.snapshot is before
    np.testing.assert_array_equal(live.history.curve("loss")[0], steps_before)
    live.advance(1)
    reference = make_trainer("momentum")
    reference.advance(101)
    assert_same(live.snapshot, reference.snapshot)


def test_steps_outside_the_run_are_refused():
    live = make_trainer("gd")
    live.advance(10)
    for step in (-1, 11):
        with pytest.raises(ValueError, match="outside the run"):
            live.snapshot_at(step)
        with pytest.raises(ValueError, match="outside the run"):
            live.fork(step)


def test_progress_reports_and_cancels():
    live = make_trainer("gd")
    live.timeline.recompute_seconds = 10.0  # checkpoints far apart: one long replay
    live.advance(3000)
    calls = []
    snap = live.snapshot_at(2999, lambda done, total: calls.append((done, total)) or True)
    assert snap.step == 2999 and calls
    assert all(0 < done < total for done, total in calls)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
    assert live.snapshot_at(2999, lambda done, total: False) is None
    assert live.fork(2999, lambda done, total: False) is None
    assert live.snapshot.step == 3000  # a cancelled fork changes nothing


def test_a_diverged_run_rewinds_up_to_its_last_good_step():
    """50 good steps, then a learning rate that makes the loss explode at step 51: the run
    goes back to step 50, and every step up to it replays exactly; none after it exists."""
    live, reference = make_trainer("gd"), make_trainer("gd")
    stored = stepped(reference, 50)
    live.advance(50)
    live.lr = 1e8
    live.advance(10)
    assert live.state is RunState.DIVERGED and live.snapshot.step == 50
    assert max(live.timeline.steps) == 50
    for step in range(51):
        assert np.array_equal(live.snapshot_at(step).W, stored[step].W)
    with pytest.raises(ValueError, match="outside the run"):
        live.snapshot_at(51)


def test_reset_forgets_the_checkpoints():
    live = make_trainer("gd")
    live.advance(500)
    live.reset()
    assert live.timeline.steps == [0]


# -- the timeline itself -----------------------------------------------------------------------

def checkpoint(step, nbytes=100):
    z = np.zeros(1)
    return Checkpoint(step=step, epoch=step, W=z, b=z, optimizer=None, lr=0.1, l1=0.0, l2=0.0, rng_state={},
                      order_drawn=False, pos=0, cached=None, good=None, loss_limit=None, best_val=0.0,
                      bad_epochs=0, stall="", state=None, reason="", nbytes=nbytes)


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_spacing_follows_the_cost_of_a_step():
    """With 1 ms steps and a 30 ms recompute budget, checkpoints settle 30 steps apart (the
    spacing doubles at most per checkpoint on the way)."""
    clock = FakeClock()
    timeline = Timeline(recompute_seconds=0.03, clock=clock)
    step = 0
    timeline.add(checkpoint(0), pinned=True)
    spacings = []
    for _ in range(12):
        timeline.started()
        while not timeline.due(step):
            step += 1
            clock.now += 0.001
        timeline.add(checkpoint(step))
        timeline.stopped()
        spacings.append(timeline.spacing)
    assert spacings[:5] == [2, 4, 8, 16, 30]
    assert set(spacings[5:]) == {30}


def test_thinning_keeps_memory_bounded_and_pinned_checkpoints():
    timeline = Timeline(capacity=8, recompute_seconds=0.0)
    timeline.add(checkpoint(0), pinned=True)
    for step in range(1, 200):
        if timeline.due(step):
            timeline.add(checkpoint(step), pinned=step == 5)
    assert len(timeline) <= 8
    assert 0 in timeline.steps and 5 in timeline.steps
    gaps = np.diff(timeline.steps[2:])
    assert gaps.max() <= 2 * timeline.spacing
    assert timeline.nbytes == 100 * len(timeline)


def test_byte_budget_thins_too():
    timeline = Timeline(capacity=1024, budget_bytes=1000, recompute_seconds=0.0)
    for step in range(200):
        if timeline.due(step):
            timeline.add(checkpoint(step, nbytes=100), pinned=step == 0)
    assert timeline.nbytes <= 1000


def test_nearest_and_truncate():
    timeline = Timeline(recompute_seconds=0.0)
    for step in (0, 4, 9, 20):
        timeline.add(checkpoint(step))
    assert [timeline.nearest(s).step for s in (0, 3, 4, 8, 9, 19, 20, 99)] == [0, 0, 4, 4, 9, 9, 20, 20]
    timeline.truncate(9)
    assert timeline.steps == [0, 4, 9]
    with pytest.raises(ValueError, match="after one at step 9"):
        timeline.add(checkpoint(5))
    timeline.add(checkpoint(9, nbytes=7), pinned=True)  # a live change at the same step replaces it
    assert timeline.steps == [0, 4, 9] and timeline.nearest(9).nbytes == 7


def test_history_and_trajectory_truncate():
    history = History(4)
    for step in range(20):
        history.append(step, float(step), 0.5)
    history.truncate(12)
    steps, values = history.curve("loss")
    assert steps.max() <= 12 and steps.max() >= 12 - history._width  # at most one bucket early
    assert history.last is None
    history.append(13, 13.0, 0.5)
    assert history.curve("loss")[0].max() == 13
    trajectory = Trajectory(4)
    for step in range(10):
        trajectory.append(step, np.full((1, 1), float(step)), np.zeros(1))
    trajectory.truncate(5)
    steps, points = trajectory.points()
    assert steps.max() <= 5 and np.array_equal(points[:, 0, 0], steps.astype(float))


def test_thinning_drops_dense_stretches_not_sparse_ones():
    """Steps fast at first (checkpoints far apart in steps), then 30x slower (close together):
    a thinning drops the close ones, so no gap grows past the new spacing plus an old gap
    (dropping every other checkpoint by index would double the far-apart gaps too)."""
    clock = FakeClock()
    timeline = Timeline(capacity=40, recompute_seconds=0.03, clock=clock)
    timeline.add(checkpoint(0), pinned=True)
    step, gaps_before = 0, []
    for cost in [1e-5] * 20 + [3e-4] * 40:
        timeline.started()
        while not timeline.due(step):
            step += 1
            clock.now += cost
        before = timeline.steps
        timeline.add(checkpoint(step))
        timeline.stopped()
        gaps_before.append(max(np.diff(before), default=0))
    gaps = np.diff(timeline.steps)
    assert len(timeline) <= 40
    assert gaps.max() <= max(gaps_before) + timeline.spacing
    # the fast stretch kept every checkpoint (3000 steps = 30 ms apart); the slow one (100 steps
    # apart when taken) was thinned twice
    assert [s for s in timeline.steps if 4095 <= s <= 31095] == list(range(4095, 31096, 3000))
    assert timeline.spacing == 400 and set(np.diff(timeline.steps[-10:])) == {400}  # the slow one was thinned twice


@pytest.mark.parametrize("name", ["sgd", "lbfgs"])
def test_a_trainer_built_without_checkpoints_keeps_none_and_trains_the_same(name):
    """``checkpoints=False`` (headless sessions, train(), the estimator): no timeline from
    step 0 on, and through the headless loop the numbers of a run that keeps one
    (checkpoints never change a step); the present needs no checkpoint, a past step does."""
    from softmax_tui.tui.headless import progress_snapshots

    kept, bare = make_trainer(name, max_epochs=40), make_trainer(name, max_epochs=40, checkpoints=False)
    assert len(kept.timeline) == 1 and bare.timeline is None
    kept.advance(10**6)
    last = list(progress_snapshots(bare, None))[-1]
    assert bare.timeline is None
    assert_same(last, kept.snapshot)
    assert_same(bare.snapshot_at(last.step), last)
    for past in (bare.snapshot_at, bare.fork):
        with pytest.raises(ValueError, match=r"^step 3 cannot be recomputed: this run keeps no checkpoints$"):
            past(3)


def test_a_headless_session_keeps_no_checkpoints_and_the_dashboards_does():
    from softmax_tui.tui.options import parse_options
    from softmax_tui.tui.race import build_entrants
    from softmax_tui.tui.session import build_session

    assert build_session(parse_options(["--headless"])).trainer.timeline is None
    assert build_session(parse_options([])).trainer.timeline.steps == [0]
    headless_race, race = (build_entrants(parse_options([*argv, "--compare", "gd,adam"])).race
                           for argv in (["--headless"], []))
    assert [t.timeline for t in headless_race.trainers] == [None, None]
    assert [t.timeline.steps for t in race.trainers] == [[0], [0]]
