"""The panels' pure parts: fixed-width numbers, bars, arrows, the loss envelope, the status line,
and the Jacobian's layout; then each panel in a small app at several sizes."""

import math

import numpy as np
import pytest
from rich.cells import cell_len
from textual.app import App
from textual.strip import Strip

from softmax_tui.engine import RunState, explain_point
from softmax_tui.tui.numbers import fixed, nice_scale
from softmax_tui.tui.stability import Stability
from softmax_tui.tui.widgets.jacobian import JacobianPanel, Subject
from softmax_tui.tui.widgets.lines import QuietSubtitle
from softmax_tui.tui.widgets.loss import envelope
from softmax_tui.tui.widgets.parameters import (
    CELL_WIDTH, DOWN, SAME, UP, ZERO_CELL, ParameterBars, bar_cells, directions, parameter_labels,
    parameter_vector, value_text,
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


def test_an_exact_zero_has_no_bar_and_a_plain_zero_a_tiny_value_its_mark():
    assert bar_cells(0.0, 1.0, 4) == bar_cells(-0.0, 1.0, 4) == ("    ", "    ")
    assert bar_cells(1e-9, 1.0, 4) == ("    ", "▌   ") and bar_cells(-1e-9, 1.0, 4) == ("   ▐", "    ")
    assert value_text(0.0, 7) == value_text(-0.0, 7) == "      0"
    assert value_text(1e-9, 7) == " +0.000" and value_text(-1e-9, 5, 2) == "-0.00"


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


def longest(line) -> list[str]:
    return [item.forms[0] for item in line.values()]


def test_status_items_have_the_contracted_forms():
    assert longest(items(status())) == ["RUNNING", "rgb20", "gd", "lr 1", "step 40", "epoch 40", "loss 0.0912",
                                        "acc 100.0%", "30 steps/s", "speed 30/s"]
    assert longest(items(status(state=RunState.CONVERGED, reason="gradient norm 9e-07 < tol 1e-06")))[:2] == [
        "DONE", "converged: gradient norm 9e-07 < tol 1e-06 · press r to start again"]
    assert longest(items(status(state=RunState.DIVERGED, reason="loss is nan")))[:2] == [
        "DIVERGED", "loss is nan · press r to start again"]
    assert "acc 90.0% val 85.0%" in longest(items(status(train_accuracy=0.9, val_accuracy=0.85)))


def shown(width: int, **changes) -> tuple[list[str], str]:
    texts, separator = fit(items(status(**changes)), width)
    line = separator.join(text for text, _ in texts)
    assert cell_len(line) <= width, line
    return [text for text, _ in texts], separator


@pytest.mark.parametrize("width, line", [
    (200, "RUNNING │ rgb20 │ gd │ lr 1 │ step 40 │ epoch 40 │ loss 0.0912 │ acc 100.0% val 85.0% │ 30 steps/s │ speed 30/s"),
    (109, "RUNNING │ rgb20 │ gd │ lr 1 │ step 40 │ epoch 40 │ loss 0.0912 │ acc 100.0% val 85.0% │ speed 30/s"),
    (96, "RUNNING │ rgb20 │ gd │ lr 1 │ step 40 │ epoch 40 │ loss 0.0912 │ acc 100.0% val 85.0%"),
    (83, "RUNNING │ rgb20 │ gd │ lr 1 │ step 40 │ epoch 40 │ loss 0.0912 │ acc 100.0%"),
    (73, "RUNNING │ rgb20 │ gd │ lr 1 │ step 40 │ loss 0.0912 │ acc 100.0%"),  # epoch goes before acc
    (62, "RUNNING │ rgb20 │ gd │ lr 1 │ step 40 │ epoch 40 │ loss 0.0912"),  # the room left: epoch
    (60, "RUNNING │ rgb20 │ gd │ lr 1 │ step 40 │ loss 0.0912"),
    (50, "RUNNING│rgb20│gd│lr 1│step 40│epoch 40│loss 0.0912"),  # tight separators, and room for epoch
    (41, "RUNNING│rgb20│gd│lr 1│step 40│loss 0.0912"),
])
def test_status_shortens_the_least_important_items_first(width, line):
    """The steps in order (steps/s, speed, the validation accuracy, epoch, accuracy, the
    separators), then what fits of them again in the room left (the more important first)."""
    texts, separator = shown(width, val_accuracy=0.85)
    assert separator.join(texts) == line


@pytest.mark.parametrize("width, line", [
    (120, "RUNNING │ rgb20 │ gd │ lr 1 · GD stable below 3.8 │ step 40 │ epoch 40 │ loss 0.0912 │ acc 100.0% val 85.0% │ "
          "speed 30/s"),
    (100, "RUNNING │ rgb20 │ gd │ lr 1 · GD stable below 3.8 │ step 40 │ epoch 40 │ loss 0.0912 │ acc 100.0%"),
    (90, "RUNNING │ rgb20 │ gd │ lr 1 · GD stable below 3.8 │ step 40 │ loss 0.0912 │ acc 100.0%"),
    (80, "RUNNING │ rgb20 │ gd │ lr 1 < 3.8 │ step 40 │ loss 0.0912 │ acc 100.0% val 85.0%"),
    (64, "RUNNING │ rgb20 │ gd │ lr 1 < 3.8 │ step 40 │ loss 0.0912"),
    (41, "RUNNING│rgb20│gd│lr 1│step 40│loss 0.0912"),
])
def test_status_shortens_the_stability_limit_after_the_speed_and_keeps_it_longest(width, line):
    """The rate's limit: whole after steps/s, the speed, the validation accuracy and the
    epoch go, short ("lr 1 < 3.8") before the accuracy goes, and left out only when even the
    tight separators need its room."""
    texts, separator = shown(width, val_accuracy=0.85, lr_limit=3.8)
    assert separator.join(texts) == line


@pytest.mark.parametrize("width, line", [
    (120, "RUNNING │ rgb20 │ gd │ lr 1 · GD stable below 3.8 │ λmax 0.526 · κ 585 │ step 40 │ epoch 40 │ loss 0.0912 │ "
          "acc 100.0%"),
    (100, "RUNNING │ rgb20 │ gd │ lr 1 < 3.8 │ λmax 0.526 · κ 585 │ step 40 │ loss 0.0912 │ acc 100.0%"),
    (80, "RUNNING │ rgb20 │ gd │ lr 1 < 3.8 │ κ 585 │ step 40 │ loss 0.0912 │ acc 100.0%"),
])
def test_status_shows_the_curvature_asked_for_before_the_accuracy(width, line):
    """With k: λmax and κ go after the epoch and before the accuracy; κ alone at 80 columns."""
    texts, separator = shown(width, val_accuracy=0.85, lr_limit=3.8, stability=Stability(40, 0.5263, 0.0009, True, 0.0),
                             curvature_shown=True)
    assert separator.join(texts) == line


def test_status_cuts_a_long_name_in_cells_and_keeps_the_essentials():
    """From 62 cells (a 64-column terminal) up, a diverged run with long numbers; the reason
    is cut, then left out (the notification and the tooltip have it)."""
    essentials = ["DIVERGED", "minibatch", "lr 0.0003", "step 123456", "loss inf"]
    reason = "loss inf at step 123457 (lr 0.0003)"
    for name in ("measurements of the second experiment, final.csv", "測定データ_実験結果の一覧表.csv"):
        changes = dict(state=RunState.DIVERGED, reason=reason, dataset=name,
                       optimizer="minibatch", lr=3e-4, step=123456, loss=math.inf)
        for width in range(62, 200):
            texts, separator = shown(width, **changes)
            if texts[1].startswith(reason[:8]):
                del texts[1]
            dataset = texts[1]
            assert [text for text in texts if text in essentials] == essentials, (width, texts)
            assert dataset == name or (dataset.endswith("…") and name.startswith(dataset[:-1])), (width, texts)
            assert cell_len(dataset) >= 7 and separator in (" │ ", "│")


def test_status_gives_the_room_left_to_the_items_cut():
    """The dataset's name (cut after the reason: more important) gets the room first."""
    name = "x" * 40
    texts, separator = shown(70, state=RunState.MAX_EPOCHS, reason="reached 100 epochs", dataset=name)
    assert separator == " │ " and texts[1] == "max epochs:…" and texts[2].startswith("xxx")
    assert cell_len(separator.join(texts)) == 70


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


@pytest.mark.parametrize("size, d, layout", [((60, 12), 2, "bars"), ((60, 8), 4, "matrix"), ((40, 10), 60, "strip")])
async def test_exact_zeros_read_differently_from_tiny_values_in_every_layout(size, d, layout):
    widget = ParameterBars()
    async with Host(widget).run_test(size=size) as pilot:
        W = np.full((3, d), 0.5)
        W[0, 0], W[1, 0] = 0.0, 1e-9  # the same row position in two classes
        widget.show(W, np.array([0.25, -0.25, 0.0]), None)
        await pilot.pause()
        assert widget.layout_name == layout
        lines = plain(widget._lines).splitlines()
        if layout == "bars":
            zero, tiny = (next(line for line in lines if line.startswith(label)) for label in ("w[1,1]", "w[2,1]"))
            assert zero.endswith(" 0") and "▌" not in zero and tiny.endswith("+0.000") and "│▌" in tiny
        elif layout == "matrix":
            zero, tiny = lines[1].split()[1], lines[2].split()[1]
            assert (zero, tiny) == ("0", "+0.00")
        else:
            zero, tiny = lines[1].split(" ", 1)[1].lstrip()[0], lines[3].split(" ", 1)[1].lstrip()[0]
            assert (zero, tiny) == (ZERO_CELL, "░")


async def test_status_bar_shows_the_reason_when_done_on_its_one_line():
    widget = StatusBar()
    async with Host(widget).run_test(size=(100, 5)) as pilot:
        widget.show(status(state=RunState.EARLY_STOPPED, reason="validation loss has not improved"))
        await pilot.pause()
        text = str(widget.render())
        assert text.startswith("DONE │ early stopped: validation loss has not improved") and "\n" not in text
        assert widget.size.height == 1 and len(widget._lines) == 1
        assert str(widget.tooltip).startswith(
            "DONE │ early stopped: validation loss has not improved · press r to start again │ rgb20")


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


IRIS_FEATURES = ("sepal_length", "sepal_width", "petal_length", "petal_width")


async def matrix_header(features, d: int) -> str:
    widget = ParameterBars(features)
    async with Host(widget).run_test(size=(70, 8)) as pilot:
        rng = np.random.default_rng(0)
        widget.show(rng.normal(size=(3, d)), rng.normal(size=3), None)
        await pilot.pause()
        assert widget.layout_name == "matrix"
        return "".join(segment.text for segment in widget._lines[0]).rstrip()


async def test_the_matrix_header_names_the_features_cut_to_the_column_and_distinct():
    header = await matrix_header(IRIS_FEATURES, 4)
    cells = header[3:].split()
    assert cells[:4] == ["se…gth", "se…dth", "pe…gth", "pe…dth"] and cells[4] == "b[k]"
    assert len(set(cells[:4])) == 4 and all(cell_len(c) <= CELL_WIDTH - 1 for c in cells[:4])
    # names that fit are whole, right-aligned over their column's numbers
    header = await matrix_header(("x1", "x2", "x1^2", "x1*x2"), 4)
    assert header == "k\\j" + "".join(f" {name:>6}" for name in ("x1", "x2", "x1^2", "x1*x2")) + "   b[k]"
    # names that cannot be told apart in a column: the numbers
    header = await matrix_header(("a" * 9 + "X" + "a" * 9, "a" * 9 + "Y" + "a" * 9), 2)
    assert header.split() == ["k\\j", "1", "2", "b[k]"]


@pytest.mark.parametrize("size, d, layout", [((60, 20), 64, "images"), ((60, 20), 63, "strip"), ((6, 20), 64, "strip")])
async def test_image_weights_are_images_when_they_are_an_images_pixels_and_fit(size, d, layout):
    """digits (8 x 8 pixels): each class's weights as an image; with another feature count
    (transformed features) or a panel narrower than one image, the usual layouts."""
    names = tuple(str(k) for k in range(10))
    widget = ParameterBars(class_names=names, image_shape=(8, 8))
    async with Host(widget).run_test(size=size) as pilot:
        rng = np.random.default_rng(0)
        widget.show(rng.normal(size=(10, d)), rng.normal(size=10), None)
        await pilot.pause()
        assert widget.layout_name == layout
        if layout == "images":
            assert "W as 8×8" in str(widget.border_subtitle)
            # 58 cells: six 8-cell images and their gaps to a row, so two rows of labels
            labels = [line for line in plain(widget._lines).splitlines() if line[:1].isdigit()]
            assert [line.split()[0] for line in labels] == ["0", "6"]
