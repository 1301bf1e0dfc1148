"""SVG snapshots of the dashboard: paused after ten steps, on rgb20 and iris, at 80x24 and 120x40.

Deterministic: the run starts paused (so the rate reads 0 steps/s), the theme is fixed in the
app, the terminal is a truecolor one whatever runs the tests, and the screenshot waits until
the loss plot (built in a worker thread) shows step 10.
Update on purpose only: ``pytest tests/test_snapshots.py --snapshot-update``, then look at them.
"""

import pytest

from softmax_tui.tui.app import SoftmaxApp
from softmax_tui.tui.options import parse_options
from softmax_tui.tui.session import build_session

STEPS = 10


@pytest.fixture(autouse=True)
def truecolor_terminal(monkeypatch):
    """The same colours whatever terminal runs the tests (the map follows the colour system)."""
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.setenv("COLORTERM", "truecolor")
    monkeypatch.delenv("NO_COLOR", raising=False)


@pytest.mark.parametrize("dataset", ["rgb20", "iris"])
@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
def test_dashboard(snap_compare, live, dataset, size):
    async def ten_steps(pilot) -> None:
        for _ in range(STEPS):
            await pilot.press("n")
        await live.loss_plot_caught_up(pilot)

    app = SoftmaxApp(build_session(parse_options(["--paused", "--dataset", dataset])))
    assert snap_compare(app, terminal_size=size, run_before=ten_steps)
