"""The trainer and optimizers: seed replays, scikit-learn agreement, stopping rules, determinism."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression

import softmax_tui.engine.trainer as trainer_module
from softmax_tui.engine import OPTIMIZERS, Optimizer, RunState, SoftmaxRegression, Trainer


def make_trainer(X, y, optimizer="gd", *, init="uniform", seed=0, batch_size=None, K=None, **kw):
    K = K or int(y.max()) + 1
    model = SoftmaxRegression.initialized(X.shape[1], K, init, np.random.default_rng(seed))
    return Trainer(model, Optimizer(optimizer, batch_size), X, y, seed=seed, **kw)


def standardized_iris():
    X, y = load_iris(return_X_y=True)
    return (X - X.mean(axis=0)) / X.std(axis=0), y


def overlapping_blobs(n=1000, seed=5):
    """Three Gaussian clusters that overlap, so a linear model tops out near 0.8."""
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0, 1.0], [-0.9, -0.5], [0.9, -0.5]])
    y = np.arange(n) % 3
    return centres[y] + rng.normal(scale=0.75, size=(n, 2)), y


def test_seed000_replay_reaches_full_accuracy(rgb20):
    X, y = rgb20
    trainer = make_trainer(X, y, "gd", lr=2.0, max_epochs=40)
    snap = trainer.advance(10_000)
    assert (snap.step, snap.epoch, snap.state) == (40, 40, RunState.MAX_EPOCHS)
    assert snap.train_accuracy == 1.0
    steps, losses = trainer.history.curve("loss")
    np.testing.assert_array_equal(steps, np.arange(41))
    assert losses[-1] < losses[0] / 5


def test_gd_matches_scikit_learn_on_iris():
    X, y = standardized_iris()
    l2, n = 0.01, len(X)
    ref = LogisticRegression(C=1 / (l2 * n), tol=1e-12, solver="newton-cholesky", max_iter=1000).fit(X, y)
    trainer = make_trainer(X, y, "gd", init="zeros", lr=1.0, l2=l2, tol=1e-10)
    snap = trainer.advance(100_000)
    assert snap.state is RunState.CONVERGED
    np.testing.assert_allclose(snap.W, ref.coef_, atol=1e-6)
    # intercepts agree up to the constant that softmax ignores; both are centred here
    np.testing.assert_allclose(snap.b - snap.b.mean(), ref.intercept_ - ref.intercept_.mean(), atol=1e-6)
    np.testing.assert_allclose(trainer.model.predict_proba(X), ref.predict_proba(X), atol=1e-7)


@pytest.mark.parametrize("name,lr", [("momentum", 0.5), ("nesterov", 0.5), ("adam", 0.05)])
def test_accelerated_optimizers_reach_the_same_optimum(name, lr):
    X, y = standardized_iris()
    gd = make_trainer(X, y, "gd", init="zeros", lr=1.0, l2=0.01, tol=1e-9).advance(100_000)
    other = make_trainer(X, y, name, init="zeros", lr=lr, l2=0.01, tol=1e-9).advance(100_000)
    assert other.state is RunState.CONVERGED
    assert other.step < gd.step
    np.testing.assert_allclose(other.W, gd.W, atol=1e-6)


@pytest.mark.parametrize("name,batch,lr", [
    ("sgd", None, 0.01),  # seed 002: one sample at a time, 100 epochs at 0.01
    ("minibatch", None, 0.1),  # seed 001: eta 0.1
    ("minibatch", 16, 0.1),
])
def test_stochastic_optimizers_on_iris(name, batch, lr):
    X, y = standardized_iris()
    trainer = make_trainer(X, y, name, batch_size=batch, init="normal", lr=lr, max_epochs=100)
    snap = trainer.advance(10**7)
    assert snap.state is RunState.MAX_EPOCHS and snap.epoch == 100
    assert snap.step == 100 * trainer.steps_per_epoch
    assert snap.train_accuracy >= 0.94


def test_step_counts_and_epochs_for_minibatches():
    X, y = standardized_iris()
    trainer = make_trainer(X, y, "minibatch", batch_size=32)
    assert trainer.steps_per_epoch == 5  # 32 * 4 + a last batch of 22
    for expected_epoch in [0, 0, 0, 0, 1, 1]:
        assert trainer.step().epoch == expected_epoch
    assert trainer.snapshot.step == 6


def test_sgd_takes_one_sample_per_step_and_reshuffles_every_epoch(rgb20):
    X, y = rgb20
    trainer = make_trainer(X, y, "sgd", lr=0.1)
    assert trainer.steps_per_epoch == 20

    def sample_used_by_next_step():
        """The one index i whose single-sample gradient explains the update."""
        model = SoftmaxRegression(trainer.model.W, trainer.model.b)
        W = model.W.copy()
        after = trainer.step().W
        matches = [i for i in range(len(X))
                   if np.allclose(after, W - 0.1 * model.gradients(X[i:i + 1], y[i:i + 1])[0], atol=1e-15)]
        assert len(matches) == 1
        return matches[0]

    epochs = [[sample_used_by_next_step() for _ in range(20)] for _ in range(2)]
    assert sorted(epochs[0]) == sorted(epochs[1]) == list(range(20))  # each sample once per epoch
    assert epochs[0] != epochs[1]  # in a new order
    assert trainer.snapshot.epoch == 2


def test_n_steps_advance_exactly_n(rgb20):
    X, y = rgb20
    trainer = make_trainer(X, y, "gd", lr=0.5)
    for k in range(1, 6):
        assert trainer.step().step == k
    assert trainer.advance(7).step == 12


def test_reset_restores_initial_parameters_and_replays_bit_identically():
    X, y = overlapping_blobs(300)
    for name in OPTIMIZERS:
        trainer = make_trainer(X, y, name, lr=0.05, seed=11)
        W0 = trainer.model.W.copy()
        first = [trainer.step() for _ in range(25)]
        snap0 = trainer.reset()
        assert snap0.step == 0 and snap0.state is RunState.PAUSED
        np.testing.assert_array_equal(trainer.model.W, W0)
        np.testing.assert_array_equal(snap0.W, W0)
        second = [trainer.step() for _ in range(25)]
        for a, b in zip(first, second):
            assert a.step == b.step and a.loss == b.loss and a.grad_norm == b.grad_norm
            np.testing.assert_array_equal(a.W, b.W)
            np.testing.assert_array_equal(a.b, b.b)


@settings(max_examples=25, deadline=None)
@given(st.sampled_from(OPTIMIZERS), st.integers(0, 2**32 - 1), st.integers(1, 40))
def test_reset_then_replay_is_bit_identical(name, seed, n_steps):
    X, y = overlapping_blobs(60, seed=seed % 1000)
    trainer = make_trainer(X, y, name, lr=0.1, seed=seed, batch_size=7 if name != "sgd" else None, tol=0)
    first = trainer.advance(n_steps)
    trainer.reset()
    second = trainer.advance(n_steps)
    assert first.step == second.step == n_steps
    assert first.loss == second.loss
    np.testing.assert_array_equal(first.W, second.W)


def test_chunking_does_not_change_the_run():
    X, y = overlapping_blobs(200)
    one = make_trainer(X, y, "minibatch", batch_size=16, lr=0.1)
    for _ in range(100):
        one.step()
    many = make_trainer(X, y, "minibatch", batch_size=16, lr=0.1)
    many.advance(37)
    many.advance(63)
    np.testing.assert_array_equal(one.model.W, many.model.W)
    assert one.snapshot.loss == many.snapshot.loss


def test_every_epoch_end_is_reported_whatever_the_chunks():
    X, y = overlapping_blobs(100)
    by_epoch = make_trainer(X, y, "minibatch", batch_size=32, lr=0.1, max_epochs=5)
    expected = []
    while not by_epoch.state.finished:
        expected.append(by_epoch.advance(100, until_epoch_end=True))
    trainer = make_trainer(X, y, "minibatch", batch_size=32, lr=0.1, max_epochs=5)
    reported = []
    trainer.on_epoch_end = reported.append
    trainer.advance(3)  # mid-epoch: nothing yet
    assert reported == []
    trainer.advance(6)  # crosses the ends of epochs 1 and 2
    trainer.advance(1000)
    assert [(s.step, s.epoch) for s in reported] == [(s.step, s.epoch) for s in expected] == [
        (4 * e, e) for e in range(1, 6)]
    assert [s.loss for s in reported] == [s.loss for s in expected]
    assert reported[-1].state is RunState.MAX_EPOCHS


def test_snapshot_is_immutable_and_reports_the_state_after_the_step(rgb20):
    X, y = rgb20
    trainer = make_trainer(X, y, "gd", lr=1.0)
    snap = trainer.step()
    with pytest.raises(ValueError):
        snap.W[0, 0] = 1.0
    model = SoftmaxRegression(snap.W, snap.b)
    assert snap.loss == pytest.approx(model.loss(X, y), rel=1e-14)
    assert snap.train_accuracy == np.mean(model.predict(X) == y)
    dW, db = model.gradients(X, y)
    assert snap.grad_norm == pytest.approx(np.sqrt((dW**2).sum() + (db**2).sum()), rel=1e-12)
    assert snap.lr == 1.0 and snap.val_loss is None and snap.val_accuracy is None


def test_learning_rate_changes_between_steps(rgb20):
    X, y = rgb20
    trainer = make_trainer(X, y, "gd", lr=1.0)
    trainer.step()
    W, g = trainer.model.W.copy(), trainer.model.gradients(X, y)[0]
    trainer.lr = 0.25
    snap = trainer.step()
    np.testing.assert_allclose(snap.W, W - 0.25 * g, rtol=1e-14)
    assert snap.lr == 0.25
    with pytest.raises(ValueError):
        trainer.lr = float("nan")


def test_pause_and_resume_are_run_states(rgb20):
    X, y = rgb20
    trainer = make_trainer(X, y)
    assert trainer.state is RunState.RUNNING
    trainer.pause()
    assert trainer.state is RunState.PAUSED
    assert trainer.step().state is RunState.PAUSED  # stepping while paused stays paused
    trainer.resume()
    assert trainer.state is RunState.RUNNING


def test_a_pause_from_another_thread_ends_a_running_chunk_after_one_step():
    X, y = overlapping_blobs(300)
    trainer = make_trainer(X, y, "minibatch", batch_size=8, lr=0.1)
    steps = []

    def pause_after_one_step(W, b, X, y, l2, original=trainer_module.batch_gradient):
        steps.append(1)
        if len(steps) == 5:
            trainer.pause()  # what the UI thread does in the middle of a chunk
        return original(W, b, X, y, l2)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(trainer_module, "batch_gradient", pause_after_one_step)
        snap = trainer.advance(1000)
    assert snap.step == 5 and snap.state is RunState.PAUSED
    # the snapshot is evaluated where the chunk stopped, mid-epoch
    assert snap.loss == pytest.approx(trainer.model.loss(X, y), rel=1e-14)
    assert trainer.step().step == 6  # a single step while paused still works


def test_early_stopping_on_validation_loss():
    X, y = overlapping_blobs(1000)
    trainer = make_trainer(X[:800], y[:800], "gd", X_val=X[800:], y_val=y[800:], init="normal",
                           lr=0.5, l2=0.1, patience=5, max_epochs=100_000)
    snap = trainer.advance(10**6)
    assert snap.state is RunState.EARLY_STOPPED
    assert snap.epoch < 100_000
    assert 0.7 <= snap.val_accuracy <= 0.9
    # the validation loss really stopped improving: the last 5 are no better than the best before
    _, val = trainer.history.curve("val_loss")
    assert val[-5:].min() >= val[:-5].min()


def test_convergence_when_gradient_is_small(rgb20):
    X, y = rgb20
    snap = make_trainer(X, y, "gd", lr=1.0, l2=0.1, tol=1e-5).advance(10**6)
    assert snap.state is RunState.CONVERGED and snap.grad_norm < 1e-5


def test_absurd_learning_rate_diverges_without_exception(rgb20):
    X, y = rgb20
    trainer = make_trainer(X, y, "gd", lr=1e308)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        snap = trainer.advance(100)
    assert snap.state is RunState.DIVERGED and "at step 1 (lr 1e+308)" in snap.reason
    assert np.isfinite(snap.loss) and np.all(np.isfinite(snap.W))
    np.testing.assert_array_equal(trainer.model.W, snap.W)
    assert trainer.step() is snap  # finished: stepping does nothing
    assert trainer.reset().step == 0


def test_loss_explosion_counts_as_divergence(rgb20):
    """lr 1e8 keeps every number finite, but the loss leaps a million-fold: diverged, not trained.
    (On this separable set lr up to ~1e6 jumps straight to a zero-loss solution instead.)"""
    X, y = rgb20
    trainer = make_trainer(X, y, "gd", lr=1e8)
    start = trainer.snapshot.loss
    snap = trainer.advance(100)
    assert snap.state is RunState.DIVERGED and "exploded" in snap.reason
    assert snap.step == 0 and snap.loss == start  # back at the last good snapshot


def test_a_large_but_sane_learning_rate_does_not_count_as_divergence(rgb20):
    X, y = rgb20
    snap = make_trainer(X, y, "gd", lr=20.0).advance(200)
    assert snap.state is RunState.RUNNING and snap.train_accuracy == 1.0


def test_patience_needs_validation(rgb20):
    X, y = rgb20
    with pytest.raises(ValueError, match="validation"):
        make_trainer(X, y, patience=3)


def test_optimizer_update_rules_by_hand():
    """Each rule on one scalar parameter with gradients 1, 2, 3."""
    grads = [1.0, 2.0, 3.0]

    def run(name, lr=0.1):
        opt = Optimizer(name)
        p = np.array([0.0])
        out = []
        for g in grads:
            opt.apply([p], [np.array([g])], lr)
            out.append(p[0])
        return out

    np.testing.assert_allclose(run("gd"), [-0.1, -0.3, -0.6])
    # momentum: v = 1, 2.9, 5.61
    np.testing.assert_allclose(run("momentum"), [-0.1, -0.39, -0.951])
    # nesterov: step = g + 0.9 v = 1.9, 4.61, 8.049
    np.testing.assert_allclose(run("nesterov"), [-0.19, -0.651, -1.4559])
    # adam's first step is lr * sign(g) (up to eps)
    assert run("adam")[0] == pytest.approx(-0.1, rel=1e-7)
    opt = Optimizer("adam")
    p = np.array([0.0])
    opt.apply([p], [np.array([1.0])], 0.1)
    opt.reset()
    assert opt.rule.t == 0 and opt.rule.m is None


@pytest.mark.parametrize("optimizer", ["sgd", "minibatch", "adam"])
def test_max_steps_stops_after_that_step_mid_epoch_whatever_the_chunks(optimizer):
    """``max_steps`` is checked after every step: iris's sgd epoch is 150 steps, minibatch's 5,
    so 7 steps end mid-epoch; the parameters are those of 7 unlimited steps, however chunked."""
    X, y = standardized_iris()
    limited = make_trainer(X, y, optimizer, max_steps=7, lr=0.1)
    snap = limited.advance(3)
    assert (snap.step, snap.state) == (3, RunState.RUNNING)
    snap = limited.advance(100)
    assert (snap.step, snap.state, snap.reason) == (7, RunState.MAX_STEPS, "reached 7 steps")
    assert limited.advance(5).step == 7  # over: no more steps
    free = make_trainer(X, y, optimizer, lr=0.1)
    unlimited = free.advance(7)
    assert unlimited.epoch == snap.epoch and free.state is RunState.RUNNING
    assert np.array_equal(snap.W, unlimited.W) and np.array_equal(snap.b, unlimited.b)


def test_max_epochs_comes_first_when_both_limits_end_the_same_step():
    X, y = standardized_iris()
    trainer = make_trainer(X, y, "gd", max_epochs=4, max_steps=4, lr=0.5)
    assert trainer.advance(10).state is RunState.MAX_EPOCHS and trainer.snapshot.step == 4
