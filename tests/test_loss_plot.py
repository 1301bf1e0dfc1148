"""The loss plot as rendered: round y ticks on the rows whose value they are (decades in
compact form on the log scale), round x ticks, and, while training runs, the step the plot
ends at is the step the status bar shows on the same frame (issue 12, items 15 and 16)."""

import math
import re
import threading

import numpy as np
import pytest
from textual.app import App, ComposeResult
from textual.color import Color

from softmax_tui.tui.app import SoftmaxApp
from softmax_tui.tui.palette import luminance
from softmax_tui.tui.options import parse_options
from softmax_tui.tui.runner import Runner
from softmax_tui.tui.session import build_session
from softmax_tui.tui.ticks import rows_axis
from softmax_tui.tui.widgets.loss import LOG_FLOOR, PLOT_CEILING, LossPlot, PlotRequest

TICK = re.compile(r"^\s*(\S+)┤")


def is_round(value: float) -> bool:
    """1, 2 or 5 times a power of ten (or zero)."""
    if value == 0:
        return True
    mantissa = abs(value) / 10 ** math.floor(math.log10(abs(value)) + 1e-12)
    return any(math.isclose(mantissa, m, rel_tol=1e-9) for m in (1, 2, 5, 10))


def is_round_step_multiple(values: list[float]) -> bool:
    """Equally spaced by a round step, each a multiple of it."""
    steps = np.diff(values)
    step = steps[0]
    return (is_round(step) and np.allclose(steps, step, rtol=1e-9)
            and all(math.isclose(v / step, round(v / step), abs_tol=1e-9) for v in values))


class LossApp(App):
    def compose(self) -> ComposeResult:
        yield LossPlot()


def request_for(plot: LossPlot, step: int, log: bool) -> PlotRequest:
    width, height = plot.content_size
    return PlotRequest(step=step, log=log, width=width, height=height, theme=plot.app.theme,
                       colors=((200, 100, 0), (0, 100, 200)), switches=(), legend="")


def plot_text(plot: LossPlot) -> list[str]:
    return ["".join(segment.text for segment in plot.render_line(y)) for y in range(plot.content_size.height)]


def check_y_labels(plot: LossPlot, log: bool) -> list[float]:
    """Every y label names the value of its row, computed from the plot's y range and
    height; returns the labels' values from the top."""
    lines = plot_text(plot)
    top = next(y for y, line in enumerate(lines) if "┌" in line) + 1
    bottom = next(y for y, line in enumerate(lines) if "└" in line) - 1
    rows = bottom - top + 1
    axis = plot.y_axis
    assert axis.rows == rows
    found = [(y, float(match.group(1))) for y, line in enumerate(lines) if (match := TICK.match(line))]
    assert len(found) >= 2
    for y, value in found:
        row_value = axis.hi - (y - top) * (axis.hi - axis.lo) / (rows - 1)  # log10 units on a log scale
        where = math.log10(value) if log else value
        decade = log and math.isclose(math.log10(value), round(math.log10(value)), abs_tol=1e-12)
        # 2 and 5 on a log axis sit 0.00103 decades off the tenth-of-a-decade rows they are drawn on
        tolerance = 1e-9 if not log or decade else 0.00103 + 1e-9
        assert abs(where - row_value) <= tolerance * (1 if log else axis.pitch), (y, value, row_value)
        assert is_round(value) if log else True
    values = [value for _, value in found]
    assert values == sorted(values, reverse=True)
    return values


def x_labels(plot: LossPlot) -> list[float]:
    lines = plot_text(plot)
    below = next(y for y, line in enumerate(lines) if "└" in line) + 1
    return [float(word) for word in lines[below].split()]


@pytest.mark.parametrize("size", [(40, 12), (60, 18), (100, 30)])
@pytest.mark.parametrize("last", [1, 7, 75, 1234, 98765])
async def test_linear_ticks_are_round_and_on_their_rows(size, last):
    steps = np.arange(last + 1)
    values = 0.13 + 0.95 * np.exp(-steps / max(last / 4, 1))
    async with LossApp().run_test(size=size) as pilot:
        plot = pilot.app.query_one(LossPlot)
        plot.show(lambda: {"loss": (steps, values)}, request_for(plot, last, log=False))
        await pilot.pause()
        labels = check_y_labels(plot, log=False)
        assert is_round_step_multiple(labels[::-1])
        axis = plot.y_axis
        assert axis.lo <= values.min() and values.max() <= axis.hi
        xs = x_labels(plot)
        assert xs[0] == 0 and xs[-1] <= last and is_round_step_multiple(xs) and len(xs) >= 2


@pytest.mark.parametrize("size", [(40, 12), (60, 18), (100, 30)])
@pytest.mark.parametrize("floor,decades", [(1.0, 2), (1e-3, 3), (1e-12, 14), (0.13, 1)])
async def test_log_ticks_are_decades_in_compact_form(size, floor, decades):
    steps = np.arange(500)
    values = np.maximum(1.1 * 10.0 ** (-decades * steps / 400), floor * 0.5)
    async with LossApp().run_test(size=size) as pilot:
        plot = pilot.app.query_one(LossPlot)
        plot.show(lambda: {"loss": (steps, values)}, request_for(plot, 499, log=True))
        await pilot.pause()
        labels = check_y_labels(plot, log=True)
        texts = [TICK.match(line).group(1) for line in plot_text(plot) if TICK.match(line)]
        assert all(len(text) <= 5 for text in texts), texts  # "1e-12", never "0.00000000010"
        if decades >= 3:  # several decades: ticks are decades
            assert all(math.isclose(math.log10(v), round(math.log10(v)), abs_tol=1e-12) for v in labels)
            assert all(re.fullmatch(r"1e-?\d+|0\.0*1|1|10*", text) for text in texts), texts
        shown = np.maximum(values, LOG_FLOOR)
        assert 10**plot.y_axis.lo <= shown.min() * (1 + 1e-9) and shown.max() <= 10**plot.y_axis.hi * (1 + 1e-9)


def test_the_axis_for_a_twelve_decade_run_labels_decades_only():
    axis = rows_axis(1e-12, 1.1, 13, log=True)
    assert axis.labels == ("1e-10", "1e-5", "1")
    assert [axis.position(t) for t in axis.ticks] == [2.0, 6.0, 10.0]


@pytest.mark.parametrize("rows", [2, 3, 5, 9, 25])
@pytest.mark.parametrize("lo,hi", [(0.36, 0.93), (0.0, 1e-7), (2.5e-7, 9e-7), (0.5, 0.5), (1000.0, 123456.0),
                                   (-2.0, 3.0)])
def test_linear_axes_hold_the_data_with_ticks_on_rows(rows, lo, hi):
    axis = rows_axis(lo, hi, rows)
    assert axis.lo <= lo and hi <= axis.hi + 1e-12 * abs(hi)
    for tick, label in zip(axis.ticks, axis.labels):
        assert math.isclose(axis.position(tick), round(axis.position(tick)), abs_tol=1e-9)
        assert math.isclose(float(label), tick, rel_tol=1e-9, abs_tol=1e-300) and len(label) <= 7
    if len(axis.ticks) >= 2:
        assert is_round_step_multiple(list(axis.ticks))


async def test_the_plot_shows_the_status_bars_step_on_every_frame_while_running(live):
    """At max speed, several frames: the step the status bar shows is the step the plot was
    built for and the last step its curve reaches, and the legend's loss is the status bar's."""
    app = SoftmaxApp(build_session(parse_options(["--paused", "--val-fraction", "0.2"])), speed=math.inf)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("space")
        plot = app.dashboard.query_one(LossPlot)
        seen = set()
        for _ in range(80):  # until four frames of a moving run are seen (a busy machine draws fewer per second)
            if len(seen) >= 4:
                break
            await pilot.pause(0.15)
            screen = live.screen_text(app)
            step = int(re.search(r"\bstep (\d+)\b", screen).group(1))
            assert plot.shown.step == plot.last_step == step
            status_loss = re.search(r"\bloss (\S+)", screen).group(1)
            assert re.search(rf"━ train {re.escape(status_loss)}\b", screen)
            seen.add(step)
        assert len(seen) >= 4  # frames of a run that moves


def test_the_curves_never_wait_for_a_chunk_and_end_at_the_snapshot():
    """Mid-chunk (the trainer held by the loop), the curves are the last history read, then the
    snapshot's own point: no waiting, and still ending at the snapshot's step."""
    runner = Runner(build_session(parse_options(["--paused"])))
    for _ in range(3):
        runner.step()
    assert list(runner.curves(runner.snapshot)["loss"][0]) == [0, 1, 2, 3]  # read between chunks
    runner.step()
    runner.step()
    held, release = threading.Event(), threading.Event()

    def loop_mid_chunk():
        with runner._lock:
            held.set()
            release.wait(10)

    thread = threading.Thread(target=loop_mid_chunk)
    thread.start()
    held.wait(10)
    try:
        steps, values = runner.curves(runner.snapshot)["loss"]  # returns at once
        assert list(steps) == [0, 1, 2, 3, 5] and values[-1] == runner.snapshot.loss
    finally:
        release.set()
        thread.join()
    assert list(runner.curves(runner.snapshot)["loss"][0]) == [0, 1, 2, 3, 4, 5]


@pytest.mark.parametrize("top", [5e307, 1.359e308, np.finfo(float).max])
@pytest.mark.parametrize("log", [False, True])
async def test_a_loss_near_float64s_limit_is_drawn_at_the_plots_ceiling(top, log):
    """Found by trying --l2 1e308 (the loss is 1.36e308): the axis's round steps and plotext's
    arithmetic overflowed and the dashboard closed with a traceback."""
    steps, values = np.arange(3), np.array([0.9, top, top])
    async with LossApp().run_test(size=(60, 18)) as pilot:
        plot = pilot.app.query_one(LossPlot)
        plot.show(lambda: {"loss": (steps, values)}, request_for(plot, 2, log=log))
        await pilot.pause()
        assert pilot.app._exception is None
        assert plot.y_axis.hi >= PLOT_CEILING if not log else plot.y_axis.hi >= math.log10(PLOT_CEILING)
        assert any("⠄" in line or "⠂" in line or "⠁" in line or "⡀" in line for line in plot_text(plot))


def test_an_axis_near_float64s_limit_has_no_ticks_rather_than_an_overflow():
    axis = rows_axis(0.5, 1.359e308, 15)
    assert axis.ticks == () and (axis.lo, axis.hi) == (0.5, 1.359e308)


async def test_the_cursor_colour_is_the_themes_warning_made_readable_in_each_theme():
    """Worked out once per theme: after a theme switch it is the new theme's, not the old one
    kept. textual-light has textual-dark's warning colour, which its light canvas darkens."""
    async with LossApp().run_test(size=(60, 18)) as pilot:
        app, plot = pilot.app, pilot.app.query_one(LossPlot)
        colors, warnings = {}, {}
        for theme in ("textual-dark", "textual-light", "nord"):
            app.theme = theme
            await pilot.pause()
            colors[theme], warnings[theme] = plot.cursor_color(), app.theme_variables["warning"]
            assert colors[theme] == plot.line_color(warnings[theme])
        assert warnings["textual-dark"] == warnings["textual-light"] != warnings["nord"]
        assert colors["textual-dark"] == Color.parse(warnings["textual-dark"])  # readable as it is
        assert luminance(colors["textual-light"].rgb) < luminance(colors["textual-dark"].rgb)
        assert colors["nord"] not in (colors["textual-dark"], colors["textual-light"])


@pytest.mark.parametrize("width,drawn", [(8, False), (9, True), (10, True)])
async def test_a_plot_whose_labels_leave_under_two_columns_is_not_drawn_and_one_that_is_fits(width, drawn):
    """Found in review: labels of five characters (12340 ... 12400) in a panel 8 wide left a
    canvas of one column (draw asks for two), and at 9 wide the x label ("step") ran a cell
    past the panel and lost its last letter."""
    steps, values = np.arange(3), np.array([12399.0, 12370.0, 12345.0])
    async with LossApp().run_test(size=(width, 8)) as pilot:
        plot = pilot.app.query_one(LossPlot)
        plot.show(lambda: {"loss": (steps, values)}, request_for(plot, 2, log=False))
        await pilot.pause()
        lines = plot_text(plot)
        if not drawn:
            assert plot.y_axis is None and all(not line.strip() for line in lines)
            return
        assert max(map(len, plot.y_axis.labels)) == 5
        assert [len(line) for line in lines] == [strip.cell_length for strip in plot._lines] == [width] * 8
        assert lines[-1].strip() == "step"
        assert lines[0].index("┌") == 5 and lines[0].index("┐") == width - 1


@pytest.mark.parametrize("curves", [
    {"loss": [2.0, np.nan, 0.5, 0.3]},
    {"loss": [2.0, np.nan, 0.5, 0.3], "val_loss": [0.9, 0.95, 0.85, 0.8]},
    {"loss": [2.0, 1.0, 0.5, 0.3], "val_loss": [np.nan] * 4},
    {"loss": [np.nan] * 4},
])
@pytest.mark.parametrize("log", [False, True])
async def test_the_y_axis_holds_every_finite_value_whatever_is_not_finite(curves, log):
    """Found in review: a NaN in the training curve made its minimum and maximum NaN, which
    the axis's range then skipped, so it held the validation curve alone (0.8 to 0.95, the
    training loss's 0.3 and 2 drawn off the canvas) or, without one, nothing (an infinite
    range). A point that is not finite breaks its curve (tui/lineplot.py) and is no part of
    the range; a validation curve of NaN alone leaves the axis to the training loss, and
    curves of NaN alone draw no plot."""
    steps = np.arange(4)
    async with LossApp().run_test(size=(60, 18)) as pilot:
        plot = pilot.app.query_one(LossPlot)
        plot.show(lambda: {name: (steps, np.array(values)) for name, values in curves.items()},
                  request_for(plot, 3, log=log))
        await pilot.pause()
        finite = [value for values in curves.values() for value in values if np.isfinite(value)]
        if not finite:
            assert plot.y_axis is None and all(not line.strip() for line in plot_text(plot))
            return
        assert plot.y_axis == rows_axis(min(finite), max(finite), plot.y_axis.rows, log=log)
        assert plot.y_axis.position(0.3) >= -0.5 and plot.y_axis.position(2.0) <= plot.y_axis.rows - 0.5
        check_y_labels(plot, log)
