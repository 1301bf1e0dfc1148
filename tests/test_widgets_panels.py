"""The panels' pure parts: fixed-width numbers, bars, arrows, the loss envelope, the status line,
and the Jacobian's layout; then each panel in a small app at several sizes."""

import math

import numpy as np
import pytest
from textual.app import App
from textual.strip import Strip

from softmax_tui.engine import RunState, explain_point
from softmax_tui.tui.numbers import fixed, nice_scale
from softmax_tui.tui.widgets.jacobian import JacobianPanel, Subject
from softmax_tui.tui.widgets.lines import QuietSubtitle
from softmax_tui.tui.widgets.loss import envelope
from softmax_tui.tui.widgets.parameters import (
    DOWN, SAME, UP, ParameterBars, bar_cells, directions, parameter_labels, parameter_vector,
)
from softmax_tui.tui.widgets.status import Status, StatusBar, fit, items


@pytest.mark.parametrize("value, text", [
    (6.699, " +6.699"), (-0.0, " +0.000"), (-123.456, "-123.46"), (12345.678, "+12346"),
    (-1e9, "-1e+09"), (float("inf"), "   +inf"), (float("nan"), "    nan"),
])
def test_fixed_width_numbers(value, text):
    assert fixed(value, 7).strip() == text.strip() and len(fixed(value, 7)) == 7


def test_nice_scale_is_one_two_five():
    assert [nice_scale(x) for x in (0, 0.3, 1, 1.01, 2.5, 7, 0.0123, math.inf)] == [1, 0.5, 1, 2, 5, 10, 0.02, 1]


def test_parameters_in_seed_000_order():
    W, b = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), np.array([7.0, 8.0, 9.0])
    assert parameter_labels(3, 2) == ["w[1,1]", "w[1,2]", "w[2,1]", "w[2,2]", "w[3,1]", "w[3,2]", "b[1]", "b[2]", "b[3]"]
    assert parameter_vector(W, b).tolist() == list(range(1, 10))


def test_bars_are_centred_on_zero_in_half_cells():
    assert bar_cells(1.0, 1.0, 4) == ("    ", "████")
    assert bar_cells(-0.5, 1.0, 4) == ("  ██", "    ")
    assert bar_cells(0.375, 1.0, 4) == ("    ", "█▌  ")
    assert bar_cells(-0.125, 1.0, 4) == ("   ▐", "    ")
    assert bar_cells(9.0, 1.0, 2) == ("  ", "██")  # clipped at the scale


def test_directions_of_the_last_update():
    assert directions(np.array([1.0, 1.0, 1.0]), np.array([0.0, 2.0, 1.0])) == [UP, DOWN, SAME]
    assert directions(np.array([1.0]), None) == [SAME]


def test_envelope_keeps_every_bins_extremes():
    steps = np.arange(10_000)
    values = np.sin(steps / 100.0)
    values[5000] = 7.0  # a spike survives
    s, v = envelope(steps, values, 50)
    assert len(s) <= 100 and np.all(np.diff(s) > 0)
    assert v.max() == 7.0 and v.min() == values.min()
    short = np.arange(20)
    assert envelope(short, short * 1.0, 50)[0] is short


def status(**changes):
    base = dict(state=RunState.RUNNING, reason="", dataset="rgb20", optimizer="gd", lr=1.0, step=40, epoch=40,
                loss=0.0912, train_accuracy=1.0, val_accuracy=None, steps_per_second=29.6, speed=30.0)
    return Status(**{**base, **changes})


def test_status_items_have_the_contracted_forms():
    texts = [text for _, text, _ in items(status())]
    assert texts[0] == "RUNNING" and "step 40" in texts and "epoch 40" in texts and "30 steps/s" in texts
    assert [t for _, t, _ in items(status(state=RunState.CONVERGED))][0] == "DONE"
    assert "acc 90.0% val 85.0%" in [t for _, t, _ in items(status(train_accuracy=0.9, val_accuracy=0.85))]


def test_status_drops_the_least_important_items_first():
    narrow = [text for _, text, _ in fit(items(status()), 60)]
    assert narrow[0] == "RUNNING" and "step 40" in narrow and "30 steps/s" in narrow
    assert "speed 30/s" not in narrow


class Host(App):
    def __init__(self, widget):
        super().__init__()
        self.widget = widget

    def compose(self):
        yield self.widget


@pytest.mark.parametrize("size, K, d, layout", [
    ((60, 12), 3, 2, "bars"), ((34, 11), 3, 4, "bars"), ((60, 8), 3, 4, "matrix"), ((60, 10), 10, 784, "strip"),
])
async def test_parameter_layouts(size, K, d, layout):
    widget = ParameterBars()
    async with Host(widget).run_test(size=size) as pilot:
        rng = np.random.default_rng(0)
        widget.show(rng.normal(size=(K, d)), rng.normal(size=K), None)
        await pilot.pause()
        assert widget.layout_name == layout
        if len(widget._lines) > widget.scrollable_content_region.height:
            assert "↕" in str(widget.border_subtitle)  # never cut silently


async def test_status_bar_shows_the_reason_when_done():
    widget = StatusBar()
    async with Host(widget).run_test(size=(100, 5)) as pilot:
        widget.show(status(state=RunState.EARLY_STOPPED, reason="validation loss has not improved"))
        await pilot.pause()
        text = str(widget.render())
        assert text.startswith("DONE") and "early stopped: validation loss has not improved" in text


def plain(lines) -> str:
    return "\n".join("".join(segment.text for segment in line) for line in lines)


async def test_jacobian_panel_shows_chain_and_fused_side_by_side():
    W, b = np.array([[2.0, 1.0], [0.5, -1.0], [-1.0, 0.3]]), np.zeros(3)
    widget = JacobianPanel(("red", "green", "blue"))
    async with Host(widget).run_test(size=(80, 20)) as pilot:
        widget.show(Subject(explain_point(W, b, [1.0, 0.5], 1), "point 2/20"))
        await pilot.pause()
        text = plain(widget.body(widget._subject, 78, 18))
        assert "J = diag(a) - a aᵀ" in text and "J·dL/da" in text and "a - y" in text and "✓" in text
        assert "dL/dW = (a - y) xᵀ" in text
        assert "y = " in str(widget.border_subtitle) and "green" in str(widget.border_subtitle)
        widget.show(Subject(explain_point(W, b, [1.0, 0.5]), "cursor"))
        await pilot.pause()
        assert "dL/da" not in plain(widget.body(widget._subject, 78, 18))
        assert "no label" in str(widget.border_subtitle)


class Quiet(QuietSubtitle):
    DEFAULT_CSS = "Quiet { border: round white; }"
    rendered = 0

    def render_line(self, y: int) -> Strip:
        self.rendered += 1
        return Strip.blank(self.size.width)


async def test_a_new_subtitle_redraws_the_border_row_alone(live):
    widget = Quiet()
    async with Host(widget).run_test(size=(30, 6)) as pilot:
        widget.set_subtitle("first")
        await pilot.pause()
        assert "first" in live.screen_text(pilot.app).splitlines()[-1]
        widget.rendered = 0
        widget.set_subtitle("second")
        widget.set_subtitle("second")  # unchanged: nothing to do
        await pilot.pause()
        assert "second" in live.screen_text(pilot.app).splitlines()[-1] and widget.rendered == 0
