"""Issue 15, item 2: the learning rate shown with its stability limit, measured live from the
Hessian at the run's parameters; a warning at or above it before divergence shows; the
+/- ladder marks it; λmax and κ on request (k)."""

import math

import numpy as np
import pytest
from textual.app import App

from softmax_tui.engine import RunState, spectrum
from softmax_tui.engine.curvature import lr_limit
from softmax_tui.tui import stability
from softmax_tui.tui.app import SoftmaxApp
from softmax_tui.tui.ladder import LEARNING_RATES
from softmax_tui.tui.messages import CurvatureMeasured
from softmax_tui.tui.options import parse_options
from softmax_tui.tui.session import build_session
from softmax_tui.tui.stability import (
    Stability,
    StabilityWatch,
    curvature_forms,
    ladder_line,
    limit_text,
    lr_forms,
)


def make_app(*argv: str) -> SoftmaxApp:
    return SoftmaxApp(build_session(parse_options(["--paused", *argv])))


def status_line(app, live) -> str:
    return live.screen_text(app).split("\n")[app.dashboard.status.region.y]


def style_of(line, text: str):
    """The style of the span of the status bar's ``line`` (a rich Text) that holds ``text``."""
    start = line.plain.index(text)
    return next((span.style for span in line.spans if span.start <= start < span.end), None)


def engine_limit(app, optimizer: str = "gd", momentum: float = 0.9) -> float:
    """The limit at the run's current parameters, straight from the engine."""
    d = app.dashboard
    snap = d.runner.snapshot
    result = spectrum(snap.W, snap.b, d.session.prepared.X_train, d.runner.config.l2)
    return lr_limit(optimizer, result.lambda_max, momentum)


# -- the words ------------------------------------------------------------------------------


def test_limit_text_rounds_to_two_digits_unless_that_would_misplace_it():
    assert limit_text(2.0558, 1.0) == "2.1"
    assert limit_text(2.0558, 2.06) == "2.056"  # "2.1" would read above the rate
    assert limit_text(2.0558, 2.1) == "2.06"  # "2.1" would read equal to it
    assert limit_text(2.1, 2.1) == "2.1"
    assert limit_text(489.7, 1.0) == "490"  # never "4.9e+02"
    assert limit_text(1.234e-5, 1e-5) == "1.2e-05"


def test_lr_forms_per_optimizer():
    assert lr_forms(1.0, "gd", 2.0558) == (("lr 1 · GD stable below 2.1", "lr 1 < 2.1", "lr 1"), False)
    assert lr_forms(3.0, "gd", 2.0558) == (("lr 3 · over GD limit 2.1: may oscillate", "lr 3 > 2.1!", "lr 3!"), True)
    assert lr_forms(2.1, "gd", 2.1) == (("lr 2.1 · over GD limit 2.1: may oscillate", "lr 2.1 ≥ 2.1!", "lr 2.1!"), True)
    assert lr_forms(0.5, "momentum", 7.3)[0][0] == "lr 0.5 · momentum stable below 7.3"
    assert lr_forms(9.0, "nesterov", 7.3)[0][0] == "lr 9 · over nesterov limit 7.3: may oscillate"
    assert lr_forms(0.1, "sgd", 2.05) == (("lr 0.1 · full-batch limit 2", "lr 0.1 < 2", "lr 0.1"), False)
    assert lr_forms(3.0, "minibatch", 2.05)[0][0] == "lr 3 · over full-batch limit 2"
    assert lr_forms(0.01, "adam", None) == (("lr 0.01",), False)
    assert lr_forms(1.0, "gd", math.inf) == (("lr 1",), False)


def test_curvature_forms_say_when_kappa_is_a_bound():
    exact = Stability(3, 0.973, 0.0125, True, 0.0)
    assert curvature_forms(exact) == ("λmax 0.973 · κ 77.8", "κ 77.8")
    assert curvature_forms(Stability(3, 0.973, 0.0125, False, 0.0))[1] == "κ ≥ 77.8"
    flat = Stability(3, 0.5, 0.0, True, 0.0)  # a constant feature: a direction of zero curvature
    assert flat.condition_number == math.inf and curvature_forms(flat) == ("λmax 0.5 · κ ∞", "κ ∞")


def test_the_ladder_marks_the_limit_where_it_falls():
    assert ladder_line(LEARNING_RATES, 3.0, 4.9) == "0.3  1  [3]  (limit 4.9)  10  30"
    assert ladder_line(LEARNING_RATES, 10.0, 4.9) == "1  3  (limit 4.9)  [10]  30  100"
    assert ladder_line(LEARNING_RATES, 3.0, 490.0) == "0.3  1  [3]  10  30  … (limit 490)"
    assert ladder_line(LEARNING_RATES, 100.0, 4.9) == "(limit 4.9) …  10  30  [100]"
    assert ladder_line(LEARNING_RATES, 0.05, 0.0123) == "0.01  (limit 0.012)  0.03  [0.05]  0.1  0.3"
    assert ladder_line(LEARNING_RATES, 1.0, None) == "0.1  0.3  [1]  3  10"


def test_the_watch_measures_new_parameters_once_and_spaces_a_running_run():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 2))
    trainer_like = [type("S", (), {"W": rng.normal(size=(3, 2)), "b": np.zeros(3), "step": i})() for i in range(3)]
    watch = StabilityWatch(X, 3)
    assert watch.inline
    first, second, third = trainer_like
    assert watch.due(first, 0.0, running=False, now=0.0)
    assert not watch.due(first, 0.0, running=False, now=5.0)  # the same parameters
    assert watch.due(first, 0.1, running=False, now=5.0)  # a new penalty is a new objective
    assert watch.due(second, 0.1, running=True, now=5.0 + stability.MEASURE_SECONDS)
    assert not watch.due(third, 0.1, running=True, now=5.1 + stability.MEASURE_SECONDS)  # too soon while running
    assert watch.due(third, 0.1, running=False, now=5.1 + stability.MEASURE_SECONDS)  # paused: at once
    watch.busy = True
    assert not watch.due(first, 0.0, running=False, now=100.0)
    measured = stability.measure(first, X, 0.0)
    watch.measured(measured)
    assert not watch.busy and watch.latest is measured
    assert measured.lambda_max == pytest.approx(spectrum(first.W, first.b, X).lambda_max, rel=1e-12)
    watch.measured(None)
    assert watch.latest is measured
    # a slow measurement spaces the next ones by ten times its own time
    watch.measured(Stability(0, 1.0, 0.1, True, 0.0, seconds=0.3))
    now = 1000.0
    assert watch.due(second, 0.0, running=True, now=now)
    assert not watch.due(third, 0.0, running=True, now=now + 2.9)
    assert watch.due(third, 0.0, running=True, now=now + 3.0)
    assert not StabilityWatch(np.zeros((30_000, 2)), 3).inline  # 30000 x 81 multiply-adds


# -- on the dashboard ---------------------------------------------------------------------------


async def test_the_status_bar_gives_the_rate_and_its_limit_at_every_step(live):
    app = make_app("--dataset", "iris")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        for _ in range(3):
            limit = engine_limit(app)
            assert app.dashboard.lr_limit() == pytest.approx(limit, rel=1e-12)
            assert f"lr 1 · GD stable below {limit_text(limit, 1.0)} │" in status_line(app, live)
            await pilot.press("n")
            await pilot.pause()
        assert app.dashboard.stability.latest.step == 3


async def test_a_rate_over_the_limit_warns_before_the_loss_shows_it(live):
    """iris with l2 = 0.1 at lr 3: at each step the status says what the engine's limit at
    that step says (warning style iff lr >= limit). The limit at step 0 is below 3, so the
    warning shows at once; the loss still falls for four steps, then rises (step 5) and
    never gets back down to its step-4 value in the next six."""
    app = make_app("--dataset", "iris", "--lr", "3", "--l2", "0.1")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        d = app.dashboard
        losses, warned = [], []
        for _ in range(12):
            limit = engine_limit(app)
            forms, warns = lr_forms(3.0, "gd", limit)
            assert f"│ {forms[0]} │" in status_line(app, live)
            assert (style_of(d.status.render(), forms[0]) == d.status.component_style("status--warning")) \
                == warns == (limit <= 3)
            losses.append(d.runner.snapshot.loss)
            warned.append(warns)
            await pilot.press("n")
            await pilot.pause()
        assert warned[0]
        assert all(a > b for a, b in zip(losses[:4], losses[1:5]))  # falling for four steps
        assert min(losses[5:]) > losses[4]  # then never back down to it
        assert d.runner.state is RunState.PAUSED


async def test_plus_and_minus_show_the_ladder_with_the_limit(live, monkeypatch):
    """The notification as the toast gets it (after the app makes its text safe)."""
    said = []
    monkeypatch.setattr(App, "notify", lambda self, message, **kw: said.append((message, kw)))
    app = make_app("--dataset", "iris")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        limit = engine_limit(app)
        await pilot.press("plus")
        await pilot.pause()
        message, kw = said[-1]
        assert message == f"lr 3 from step 0 on:  {ladder_line(LEARNING_RATES, 3.0, limit)}.  At or above gd's " \
                          "limit here: the steps will oscillate and grow."
        assert limit < 3 and kw["severity"] == "warning" and kw["markup"] is False and kw["title"] == "Learning rate"
        await pilot.press("minus")
        await pilot.pause()
        message, kw = said[-1]
        assert message == f"lr 1 from step 0 on:  0.1  0.3  [1]  (limit {limit_text(limit, 1.0)})  3  10"
        assert kw["severity"] == "information"


async def test_momentum_and_nesterov_have_their_own_limits(live):
    for optimizer, momentum in (("momentum", 0.5), ("nesterov", 0.9)):
        app = make_app("--dataset", "iris", "--optimizer", optimizer, "--momentum", str(momentum), "--lr", "0.1")
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            limit = engine_limit(app, optimizer, momentum)
            assert app.dashboard.lr_limit() == pytest.approx(limit, rel=1e-12)
            assert f"lr 0.1 · {optimizer} stable below {limit_text(limit, 0.1)}" in status_line(app, live)


async def test_adam_shows_no_limit_but_k_shows_the_curvature(live):
    app = make_app("--dataset", "iris", "--optimizer", "adam")
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        assert "stable" not in status_line(app, live) and "λmax" not in status_line(app, live)
        await pilot.press("k")
        await pilot.pause()
        snap = app.dashboard.runner.snapshot
        result = spectrum(snap.W, snap.b, app.dashboard.session.prepared.X_train)
        kappa = result.lambda_max / result.lambda_min
        assert f"│ λmax {result.lambda_max:.3g} · κ {kappa:.3g} │" in status_line(app, live)
        await pilot.press("k")
        await pilot.pause()
        assert "λmax" not in status_line(app, live)


async def test_a_large_problem_is_measured_in_a_worker(live, monkeypatch):
    monkeypatch.setattr(stability, "INLINE_COST", 0)
    app = make_app("--dataset", "iris")
    async with app.run_test(size=(120, 40)) as pilot:
        d = app.dashboard
        assert not d.stability.inline
        for _ in range(100):
            await pilot.pause(0.02)
            if d.stability.latest is not None:
                break
        assert d.stability.latest is not None and not d.stability.busy
        assert "GD stable below" in status_line(app, live)
        d.post_message(CurvatureMeasured(None))  # a measurement that could not be made keeps the last
        await pilot.pause()
        assert d.stability.latest is not None


def test_recompute_keys_by_identity_then_value_and_force_skips_the_wait():
    """The scheduler the curvature and the landscape share (tui/recompute.py)."""
    from softmax_tui.tui.recompute import Recompute

    first, second = object(), object()
    schedule = Recompute()
    assert schedule.due((first, "slice", (40, 12)), running=True, now=0.0, spacing=0.5)
    assert not schedule.due((first, "slice", (40, 12)), running=False, now=9.0, spacing=0.5)  # asked already
    assert not schedule.due((second, "slice", (40, 12)), running=True, now=0.2, spacing=0.5)  # too soon
    assert schedule.due((second, "slice", (40, 14)), running=True, now=0.2, spacing=0.5, force=True)  # new size
    schedule.busy = True
    assert not schedule.due((first, "slice", (40, 14)), running=False, now=5.0, spacing=0.5)
    assert schedule.due((first, "other", (40, 14)), running=False, now=5.0, spacing=0.5, force=True)
    assert not schedule.due((first, "other", (40, 14)), running=False, now=5.0, spacing=0.5, force=True)
