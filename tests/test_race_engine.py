"""The engine's race (issue 14): members equal their solo runs bit for bit, lockstep, milestones."""

import numpy as np
import pytest

from softmax_tui.engine import Optimizer, Race, RunState, SoftmaxRegression, Trainer

MEMBERS = [("gd", None, 1.0), ("sgd", 1, 0.05), ("minibatch", 7, 0.3), ("momentum", None, 0.3),
           ("nesterov", None, 0.3), ("adam", None, 0.1), ("newton", None, 1.0), ("lbfgs", None, 1.0)]


def blobs(n=90, seed=3):
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 3
    centres = np.array([[0.0, 2.0], [-2.0, -1.0], [2.0, -1.0]])
    return centres[y] + rng.normal(scale=0.9, size=(n, 2)), y


def trainer(X, y, name, batch, lr, **kw):
    model = SoftmaxRegression.initialized(2, 3, "uniform", np.random.default_rng([0, 1]))
    return Trainer(model, Optimizer(name, batch), X, y, lr=lr, l2=0.01, seed=[0, 2], **kw)


def solo_steps(X, y, member, steps):
    """Each step's (W, b, loss) of the member run alone, one step at a time."""
    t = trainer(X, y, *member)
    return [(s.W, s.b, s.loss) for s in (t.step() for _ in range(steps))]


@pytest.mark.parametrize("member", MEMBERS, ids=[m[0] for m in MEMBERS])
def test_each_member_equals_its_solo_run_bit_for_bit(member):
    X, y = blobs()
    others = [m for m in MEMBERS if m is not member][:3]
    race = Race([trainer(X, y, *m) for m in (member, *others)], loss_threshold=0.3)
    raced = []
    for _ in range(40):
        raced.append(race.advance(1)[0])
    for snap, (W, b, loss) in zip(raced, solo_steps(X, y, member, 40), strict=True):
        assert np.array_equal(snap.W, W) and np.array_equal(snap.b, b) and snap.loss == loss


@pytest.mark.parametrize("member", MEMBERS, ids=[m[0] for m in MEMBERS])
def test_chunked_race_ends_where_the_solo_run_does(member):
    """Advanced in chunks of 7 (as the dashboard does), the member's last parameters and its
    loss at every full-batch step are the solo run's."""
    X, y = blobs()
    race = Race([trainer(X, y, *member), trainer(X, y, "gd", None, 0.5)], loss_threshold=0.3)
    for _ in range(6):
        race.advance(7)
    solo = trainer(X, y, *member)
    end = solo.advance(42)
    mine = race.trainers[0]
    assert np.array_equal(mine.snapshot.W, end.W) and np.array_equal(mine.snapshot.b, end.b)
    if member[1] is None:
        np.testing.assert_array_equal(mine.history.curve("loss")[1], solo.history.curve("loss")[1])


def test_lockstep_and_a_finished_member_stops_while_the_others_go_on():
    X, y = blobs()
    race = Race([trainer(X, y, "gd", None, 1.0, max_epochs=5), trainer(X, y, "momentum", None, 0.3),
                 trainer(X, y, "minibatch", 7, 0.3)], loss_threshold=0.3)
    assert [s.step for s in race.advance(3)] == [3, 3, 3]
    assert [s.step for s in race.advance(4)] == [5, 7, 7]
    assert race.trainers[0].state is RunState.MAX_EPOCHS
    assert [s.step for s in race.advance(10)] == [5, 17, 17]
    assert not race.finished


def test_a_member_paused_mid_turn_is_passed_over_and_catches_up():
    X, y = blobs()
    race = Race([trainer(X, y, "gd", None, 1.0), trainer(X, y, "adam", None, 0.1)], loss_threshold=0.3)
    race.trainers[1].pause()
    assert [s.step for s in race.advance(5)] == [5, 0]  # gd ran; adam was paused meanwhile
    race.trainers[0].pause()
    assert [s.step for s in race.advance(1)] == [6, 6]  # paused: a step brings every member to one past the lead


def test_milestones_are_the_first_steps_exactly():
    X, y = blobs()
    race = Race([trainer(X, y, "gd", None, 1.0), trainer(X, y, "gd", None, 0.1)], loss_threshold=0.4)
    race.advance(60)
    for t, reached in zip(race.trainers, race.milestones):
        steps, losses = t.history.curve("loss")
        _, accuracies = t.history.curve("train_accuracy")
        below = steps[losses < 0.4]
        assert reached.loss_step == (int(below[0]) if len(below) else None)
        assert reached.best_accuracy == accuracies.max()
        assert reached.accuracy_step == int(steps[np.argmax(accuracies)])
    fast, slow = race.milestones
    assert 0 < fast.loss_step < slow.loss_step < 60  # the larger rate gets there first


def test_the_milestones_at_a_past_step_are_those_a_race_stopped_there_had():
    """Rewound to step t, each member's milestones equal those of the same race advanced to t
    only: a threshold crossed or a best accuracy reached later is not there yet."""
    X, y = blobs()

    def make():
        return Race([trainer(X, y, "gd", None, 1.0), trainer(X, y, "adam", None, 0.05)], loss_threshold=0.4)

    race = make()
    race.advance(60)
    fast = race.milestones[0]
    assert 0 < fast.loss_step < 60
    for step in (0, 1, fast.loss_step - 1, fast.loss_step, fast.accuracy_step - 1, 30, 59, 60):
        stopped = make()
        stopped.advance(step)
        assert race.milestones_at(step) == stopped.milestones, step


def test_reset_forgets_the_milestones():
    X, y = blobs()
    race = Race([trainer(X, y, "gd", None, 1.0), trainer(X, y, "adam", None, 0.1)], loss_threshold=0.4)
    race.advance(30)
    first = race.milestones
    assert [s.step for s in race.reset()] == [0, 0]
    assert all(m.loss_step is None and m.accuracy_step == 0 for m in race.milestones)
    race.advance(30)
    assert race.milestones == first


@pytest.mark.parametrize("problem,match", [
    ("size", "2 to 6 members"), ("data", "other data"), ("init", "other parameters"), ("step", "not 0"),
])
def test_a_race_refuses_members_that_are_not_alike(problem, match):
    X, y = blobs()
    members = [trainer(X, y, "gd", None, 1.0), trainer(X, y, "adam", None, 0.1)]
    if problem == "size":
        members = members[:1]
    elif problem == "data":
        members[1] = trainer(X + 1, y, "adam", None, 0.1)
    elif problem == "init":
        model = SoftmaxRegression.initialized(2, 3, "uniform", np.random.default_rng(9))
        members[1] = Trainer(model, Optimizer("adam"), X, y, lr=0.1)
    else:
        members[1].step()
    with pytest.raises(ValueError, match=match):
        Race(members, loss_threshold=0.3)


@pytest.mark.parametrize("member", MEMBERS, ids=[m[0] for m in MEMBERS])
def test_a_race_shows_any_past_step_and_forks_there_exactly(member):
    """Rewind: every member at step t as it was then, bit for bit; a fork at t then 30 more
    steps is the race run straight to t + 30, milestones included."""
    X, y = blobs()
    members = [member, ("gd", None, 0.1)]
    race = Race([trainer(X, y, *m, max_epochs=None) for m in members], loss_threshold=0.5)
    kept = []
    for _ in range(60):
        kept.append(race.advance(1))
    for t in (1, 17, 42):
        assert all(np.array_equal(a.W, b.W) and np.array_equal(a.b, b.b) and a.loss == b.loss
                   for a, b in zip(race.snapshots_at(t), kept[t - 1]))
    race.fork(25)
    assert [s.step for s in race.snapshots] == [min(25, s.step) for s in kept[-1]]  # newton, lbfgs end before
    straight = Race([trainer(X, y, *m) for m in members], loss_threshold=0.5)
    for _ in range(25):  # evaluated at the same steps (sgd, minibatch: at every one)
        straight.advance(1)
    assert race.milestones == straight.milestones
    for _ in range(30):
        race.advance(1)
        straight.advance(1)
    assert all(np.array_equal(a.W, b.W) and a.loss == b.loss for a, b in zip(race.snapshots, straight.snapshots))
    assert race.milestones == straight.milestones
