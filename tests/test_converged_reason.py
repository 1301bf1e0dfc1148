"""Why a run converged, in words that read true: the gradient norm is shown with as many digits
as it takes to differ from the tolerance it fell below (issue 12, item 17)."""

import math
import re
from dataclasses import replace

import pytest

from softmax_tui.engine.trainer import distinct_texts
from softmax_tui.tui.app import SoftmaxApp
from softmax_tui.tui.options import parse_options
from softmax_tui.tui.session import build_session

COMPARISON = re.compile(r"gradient norm (\S+) < tol (\S+?)\.?(?:\s|$)")


@pytest.mark.parametrize("below", [
    9.92e-07, 0.999e-06, 0.9999e-06, 0.99999e-06, 1e-06 * (1 - 1e-12), math.nextafter(1e-06, 0.0), 5e-07,
])
def test_a_value_below_the_bound_reads_below_it(below):
    value, bound = distinct_texts(below, 1e-06)
    assert value != bound and float(value) < float(bound)
    assert bound == "1e-06"  # the tolerance keeps its short form when it has one
    shorter = len(value.split("e")[0].replace(".", "")) - 1
    if shorter >= 3:  # no digit more than the comparison needs
        assert f"{below:.{shorter}g}" == f"{1e-06:.{shorter}g}"


def test_values_that_differ_early_keep_three_digits():
    assert distinct_texts(9.92e-07, 1e-06) == ("9.92e-07", "1e-06")
    assert distinct_texts(0.012345, 0.5) == ("0.0123", "0.5")
    assert distinct_texts(1e-06, 1e-06) == ("1e-06", "1e-06")


async def test_the_status_and_the_toast_say_a_comparison_that_reads_true(live, monkeypatch):
    """The run converges at step 1 with a gradient norm of 9.9999e-07 under a tolerance of
    1e-06: the status bar and the toast say so with the digits it takes."""
    app = SoftmaxApp(build_session(parse_options(["--paused"])))
    async with app.run_test(size=(120, 40)) as pilot:
        trainer = app.dashboard.runner.trainer
        objective, evaluate = trainer._train_objective, trainer._train_objective.evaluate
        monkeypatch.setattr(objective, "evaluate", lambda *args, **kw: replace(evaluate(*args, **kw), grad_norm=9.9999e-07))
        trainer.tol = 1e-06
        await pilot.press("n")
        await live.drain(app)
        await pilot.pause()
        assert app.dashboard.runner.snapshot.reason == "gradient norm 9.9999e-07 < tol 1e-06"
        shown = COMPARISON.findall(live.screen_text(app)) + [
            found for note in app._notifications for found in COMPARISON.findall(note.message)]
        assert shown.count(("9.9999e-07", "1e-06")) == len(shown) >= 2  # the status bar and the toast
