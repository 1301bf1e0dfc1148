"""README's promises about the screen, literally: "at 80×24 every panel fits: a panel shows
all it holds, or its subtitle says that it scrolls and which part is in view", the Jacobian
of rgb20 whole at 80×24, and the smallest size the dashboard is drawn at (64×20)."""

import pytest
from rich.text import Text

from softmax_tui.tui.app import MINIMUM_SIZE, SoftmaxApp
from softmax_tui.tui.options import parse_options
from softmax_tui.tui.screens.too_small import TooSmallScreen
from softmax_tui.tui.session import build_session
from softmax_tui.tui.widgets.decision_map import DecisionMap
from softmax_tui.tui.widgets.jacobian import JacobianPanel
from softmax_tui.tui.widgets.parameters import ParameterBars
from softmax_tui.tui.widgets.status import StatusBar

DATASETS = {"rgb20": [], "iris": ["--dataset", "iris"], "blobs10": ["--dataset", "blobs", "--classes", "10"]}


def shows_all_or_says_it_scrolls(panel) -> str | None:
    """None when ``panel`` shows all its lines and columns or its subtitle gives the cue for
    the direction it does not; otherwise what is wrong."""
    region, total = panel.scrollable_content_region, panel.virtual_size
    subtitle = str(panel.border_subtitle)
    for shown, whole, arrow in ((region.height, total.height, "↕"), (region.width, total.width, "↔")):
        if whole > shown and f"{shown}/{whole} {arrow}" not in subtitle:
            return f"{type(panel).__name__}: {shown} of {whole} in view, subtitle {subtitle!r}"
    return None


@pytest.mark.parametrize("size", [(80, 24), (MINIMUM_SIZE.width, MINIMUM_SIZE.height), (100, 30)],
                         ids=["80x24", "64x20", "100x30"])
@pytest.mark.parametrize("dataset", list(DATASETS))
async def test_every_panel_shows_all_it_holds_or_says_it_scrolls(live, dataset, size):
    app = SoftmaxApp(build_session(parse_options(["--paused", *DATASETS[dataset]])))
    async with app.run_test(size=size) as pilot:
        await pilot.press("n", "n")
        await live.loss_plot_caught_up(pilot)
        assert not isinstance(app.screen, TooSmallScreen)
        dashboard = app.dashboard
        problems = [shows_all_or_says_it_scrolls(dashboard.query_one(kind)) for kind in (ParameterBars, JacobianPanel)]
        assert not any(problems), problems
        lines = live.screen_text(app).splitlines()
        assert len(lines) == size[1] and all(len(line) <= size[0] for line in lines)
        legend = Text.from_markup(str(dashboard.query_one(DecisionMap).border_subtitle)).plain
        assert legend and legend in lines[dashboard.query_one(DecisionMap).region.bottom - 1]  # whole on the border
        status = dashboard.query_one(StatusBar)
        assert status.region.height == 1 and "step 2" in lines[status.region.y]


async def test_the_jacobian_of_rgb20_is_whole_at_80x24():
    app = SoftmaxApp(build_session(parse_options(["--paused"])))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n")
        await pilot.pause()
        panel = app.dashboard.query_one(JacobianPanel)
        assert panel.virtual_size.height <= panel.scrollable_content_region.height
        assert "↕" not in str(panel.border_subtitle) and "↔" not in str(panel.border_subtitle)
