"""The loss-landscape view on the dashboard: the key that puts it in the map's place, the
worker's frame drawn, the slice chooser, names from data as data, and the view model."""

import numpy as np
import pytest

from softmax_tui.engine.landscape import slice_objective
from softmax_tui.tui.app import SoftmaxApp
from softmax_tui.tui.landscapeview import GRID_WORK, EIGENVECTORS, LandscapeView, SliceChoice
from softmax_tui.tui.options import parse_options
from softmax_tui.tui.screens.slice import SliceScreen
from softmax_tui.tui.session import build_session
from softmax_tui.tui.widgets.decision_map import DecisionMap
from softmax_tui.tui.widgets.landscape import COMPUTING, LossLandscape

SIZE = (120, 40)


def make_app(*argv: str) -> SoftmaxApp:
    return SoftmaxApp(build_session(parse_options(["--paused", *argv])))


async def frame_for(pilot, step: int, choice: SliceChoice = EIGENVECTORS):
    """The landscape's frame once the worker has drawn one for ``step`` and ``choice``."""
    landscape = pilot.app.dashboard.query_one(LossLandscape)
    for _ in range(400):
        frame = landscape.frame
        if frame is not None and frame.step == step and frame.choice == choice:
            await pilot.pause()
            return frame
        await pilot.pause(0.02)
    raise AssertionError(f"no landscape frame for step {step}")


async def test_m_puts_the_landscape_in_the_maps_place_and_back(live):
    app = make_app("--dataset", "iris")
    async with app.run_test(size=SIZE) as pilot:
        dashboard = app.dashboard
        landscape, decision_map = dashboard.query_one(LossLandscape), dashboard.query_one(DecisionMap)
        assert decision_map.display and not landscape.display
        map_region = decision_map.region
        await pilot.press("m")
        assert landscape.display and not decision_map.display and dashboard.map_panel is landscape
        await frame_for(pilot, 0)
        assert landscape.region == map_region  # in the map's place
        await pilot.press("m")
        await pilot.pause()
        assert decision_map.display and not landscape.display
        assert "Decision map" in live.screen_text(app) and "Loss landscape" not in live.screen_text(app)


async def test_the_workers_frame_is_drawn_with_the_path_the_current_point_and_the_axes(live):
    app = make_app("--dataset", "iris")
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(5):
            await pilot.press("n")
        await pilot.press("m")
        frame = await frame_for(pilot, 5)
        dashboard = app.dashboard
        snap = dashboard.runner.snapshot
        assert frame.step == snap.step == 5
        assert frame.loss == pytest.approx(snap.loss, rel=1e-12)  # the slice's centre is the run's objective
        assert frame.labels[0].startswith("eigvec 1 (λ=") and frame.labels[1].startswith("eigvec 2 (λ=")
        assert len(frame.path_cols) >= 1 and (frame.path_cols[-1], frame.path_rows[-1]) == frame.current
        text = live.screen_text(app)
        assert frame.labels[0] in text and "[+]" in text and "Loss landscape · step 5" in text
        assert COMPUTING not in text
        await pilot.press("n")  # paused: one new step, one new frame
        assert (await frame_for(pilot, 6)).step == 6


async def test_choosing_two_parameters_changes_the_axis_labels(live):
    app = make_app("--dataset", "iris")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n", "m")
        await frame_for(pilot, 1)
        await pilot.press("a")
        for _ in range(100):
            if isinstance(app.screen, SliceScreen):
                break
            await pilot.pause(0.01)
        await pilot.press("down", "down", "down", "enter")  # w[setosa, petal_length] (the 3rd parameter)
        await pilot.pause()
        await pilot.press("enter")  # the parameter after the first is highlighted: the 4th
        frame = await frame_for(pilot, 1, SliceChoice((2, 3)))
        assert frame.labels == ("w[setosa, petal_length]", "w[setosa, petal_width]")
        text = live.screen_text(app)
        assert "w[setosa, petal_length]" in text and "eigvec" not in text
        # back to the eigenvectors, the first choice (the chooser opens on the current slice's first parameter)
        await pilot.press("a")
        await pilot.pause()
        await pilot.press("home", "enter")
        assert (await frame_for(pilot, 1)).labels[0].startswith("eigvec 1")


async def test_names_from_a_file_are_shown_as_data_never_markup(tmp_path, live):
    path = tmp_path / "data.csv"
    path.write_text('"[bold]x[/bold]",x2,label\n1,2,"[red]a"\n2,3,"b\x1b[2J"\n3,1,"[red]a"\n4,4,"b\x1b[2J"\n')
    app = make_app("--dataset", str(path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("a")
        await pilot.pause()
        await pilot.press("down", "enter")
        await pilot.pause()
        await pilot.press("enter")
        frame = await frame_for(pilot, 0, SliceChoice((0, 1)))
        assert frame.labels == ("w[[red]a, [bold]x[/bold]]", "w[[red]a, x2]")
        text = live.screen_text(app)
        assert "w[[red]a, [bold]x[/bold]]" in text
        names = app.dashboard.landscape_view
        assert names.parameter_name(5) == "b[b\\x1b[2J]"  # escaped, one line


def test_the_view_models_pixels_are_the_objective_at_their_centres():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(50, 2)), rng.integers(0, 3, 50)
    W, b = rng.normal(size=(3, 2)), rng.normal(size=3)
    view = LandscapeView(X, y, ["a", "b", "c"], ["f", "g"])
    frame = view.frame(W, b, 7, 0.01, 0.0, np.empty((0, 3, 3)), SliceChoice((0, 8)), 20, 6)
    assert frame.values.shape == (12, 20) and frame.block == 1
    s0, s1, t0, t1 = frame.viewport.extent
    pixel = (s1 - s0) / 20
    assert (t1 - t0) / 12 == pytest.approx(pixel)  # square pixels
    directions = np.zeros((2, 3, 3))
    directions[0, 0, 0] = directions[1, 2, 2] = 1.0  # w[a, f] and b[c]
    alpha, beta = s0 + 3.5 * pixel, t1 - 10.5 * pixel  # pixel (row 10, col 3)
    assert frame.values[10, 3] == pytest.approx(slice_objective(X, y, W, b, directions, [alpha], [beta], 0.01)[0, 0],
                                                rel=1e-12)
    assert frame.labels == ("w[a, f]", "b[c]")
    assert frame.off_plane == 0.0 and len(frame.path_cols) == 0


def test_large_data_is_evaluated_on_a_coarser_grid():
    view = LandscapeView(np.zeros((100_000, 2)), np.zeros(100_000, dtype=int), ["a", "b"], ["f", "g"])
    block = view.grid_block(56, 17)
    assert block > 1
    assert -(-56 // block) * -(-34 // block) * 100_000 <= GRID_WORK
    assert LandscapeView(np.zeros((150, 4)), np.zeros(150, dtype=int), ["a", "b"], ["f"] * 4).grid_block(56, 17) == 1
