"""Issue 6, robustness: resizing the terminal while the dashboard trains.

Down to 40x12 and back to 120x40, twenty times, with a detour through sizes on both sides of
the 64x20 minimum (63x19, 63x20, 64x19, 64x20), the 80x24 classic and a large 200x60 at the
start and at the end: the app never fails, the too-small notice is there exactly below the
minimum and names the size, and above it the four panels are back, inside the screen, drawn,
with the run's numbers in them. (tests/test_app.py's test_too_small_terminal_says_so_and_recovers
is the short version of this.)

Resizes are delivered as the pilot delivers them (the driver's size, then a Resize event), but
without its wait for an idle CPU, which never comes while training runs at full speed.
"""

import asyncio
import re

from textual import events
from textual.geometry import Size

from softmax_tui.engine import RunState
from softmax_tui.tui.app import MINIMUM_SIZE, SoftmaxApp
from softmax_tui.tui.options import parse_options
from softmax_tui.tui.screens.too_small import TooSmallScreen
from softmax_tui.tui.session import build_session

BIG = (120, 40)
SMALL = (40, 12)
AROUND = [(63, 19), (64, 20), (63, 20), (64, 19), (80, 24), (200, 60)]
BOUNCES = 20
SIZES = [SMALL, BIG] + AROUND + [SMALL, BIG] * (BOUNCES - 2) + AROUND + [SMALL, BIG]


async def settle(live, app) -> None:
    """Until every queued message (on every screen and widget), and what it caused, is handled."""
    for _ in range(500):
        await live.drain(app)
        if app._resize_timer is not None or app._resize_event is not None:
            await asyncio.sleep(0.005)  # Textual hands a resize to the screens on a 1/120 s timer
            continue
        if all(node._message_queue.empty() for node in live.nodes(app)):
            app.screen._on_timer_update()  # the pending layout and repaint, as the pilot's pause does
            return
    raise AssertionError("the app never settled")


async def resize(live, app, width: int, height: int) -> None:
    """As a terminal's SIGWINCH arrives: the driver's size, then a Resize event."""
    size = Size(width, height)
    app._driver._size = size
    app.post_message(events.Resize(size, size))
    await settle(live, app)


def too_small(width: int, height: int) -> bool:
    return width < MINIMUM_SIZE.width or height < MINIMUM_SIZE.height


def check_dashboard(live, app: SoftmaxApp, size: tuple[int, int], where: str) -> None:
    """The four panels, laid out within the screen and drawn with the run's latest numbers."""
    runner = app.dashboard.runner
    with live.parked(runner):
        app.dashboard.draw_frame(now=True)
        snap = runner.snapshot
        text = live.screen_text(app)
    lines = text.split("\n")
    assert len(lines) >= size[1] and all(len(line) <= size[0] for line in lines), where
    for title in ("Parameters", "Loss", "Jacobian"):
        assert f"─ {title} ─" in text, f"{where}: no {title} panel:\n{text}"
    # the map's title may say how many points it shows, after its name or a short one
    assert re.search(r"─ (Decision map|Map)( · [^─]+)? ─", text), f"{where}: no Decision map panel:\n{text}"
    for panel in (app.dashboard.parameters, app.dashboard.loss, app.dashboard.decision_map, app.dashboard.jacobian):
        region = panel.region
        assert region.width >= 10 and region.height >= 4, f"{where}: {panel.id} is {region}"
        assert region.right <= size[0] and region.bottom <= size[1], f"{where}: {panel.id} is {region}"
    assert "w[1,1]" in text, f"{where}: no parameter bars:\n{text}"
    # the Jacobian's words, wherever its lines break (see the test below)
    assert "x =" in text and "J =" in text and "point 1/" in text, f"{where}: no Jacobian:\n{text}"
    assert f"step {snap.step} " in text and f"loss {snap.loss:.4g}" in text, f"{where}: status:\n{text}"
    assert "The terminal is" not in text, where
    assert not live.NON_FINITE.search(text), f"{where}: nan/inf on screen:\n{text}"


async def test_resize_to_40x12_and_back_repeatedly_while_training(live):
    app = SoftmaxApp(build_session(parse_options(["--dataset", "iris", "--val-fraction", "0.2"])),
                     speed=1000.0)
    async with app.run_test(size=BIG):
        await settle(live, app)
        assert app.dashboard.runner.state is RunState.RUNNING
        last_step = app.dashboard.runner.snapshot.step
        notices = dashboards = 0
        for n, (width, height) in enumerate(SIZES, 1):
            where = f"resize {n}, to {width}x{height}"
            await resize(live, app, width, height)
            assert app._exception is None and app.is_running, where
            assert app.size == (width, height), where
            if too_small(width, height):
                assert isinstance(app.screen, TooSmallScreen), where
                notice = live.screen_text(app)
                assert f"The terminal is {width}×{height}." in notice, f"{where}:\n{notice}"
                assert f"at least {MINIMUM_SIZE.width}×{MINIMUM_SIZE.height}" in notice, where
                notices += 1
            else:
                assert not isinstance(app.screen, TooSmallScreen), where
                check_dashboard(live, app, (width, height), where)
                dashboards += 1
            step = app.dashboard.runner.snapshot.step
            assert step >= last_step, where
            last_step = step
        assert app.screen is app.dashboard, app.screen_stack  # no notice left behind
        assert app.dashboard.runner.state is RunState.RUNNING and last_step > 0  # it trained all along
    assert app._exception is None
    assert notices == BOUNCES + 6 and dashboards == BOUNCES + 6


async def test_jacobian_fits_its_panel_after_the_too_small_notice(live):
    app = SoftmaxApp(build_session(parse_options(["--dataset", "iris", "--paused"])))
    async with app.run_test(size=BIG):
        await settle(live, app)
        app.dashboard.draw_frame(now=True)
        await settle(live, app)
        assert "J = diag(a) - a aᵀ" in live.screen_text(app)
        await resize(live, app, *SMALL)
        await resize(live, app, *BIG)
        app.dashboard.draw_frame(now=True)
        await settle(live, app)
        text = live.screen_text(app)
        assert "─ Jacobian ─" in text and "x =" in text
        assert "J = diag(a) - a aᵀ" in text, text  # not "J =" at the end of one line, "diag(a)" on the next
