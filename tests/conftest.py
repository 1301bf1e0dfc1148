"""Shared test data and helpers.

Seed 000's twenty red/green/blue points, copied from the tutorial, and ``live``: helpers for
looking at a running dashboard. (pytest runs with ``--import-mode=importlib``, so test
modules cannot import each other; what they share is here, handed out as fixtures.)
"""

import asyncio
import contextlib
import io
import re

import numpy as np
import pytest

RGB20_X = np.array([
    [-0.1, 1.4], [-0.5, 0.2], [1.3, 0.9], [-0.6, 0.4], [-1.6, 0.2],
    [0.2, 0.2], [-0.3, -0.4], [0.7, -0.8], [1.1, -1.5], [-1.0, 0.9],
    [-0.5, 1.5], [-1.3, -0.4], [-1.4, -1.2], [-0.9, -0.7], [0.4, -1.3],
    [-0.4, 0.6], [0.3, -0.5], [-1.6, -0.7], [-0.5, -1.4], [-1.0, -1.4],
])
RGB20_Y = np.array([0, 0, 1, 0, 2, 1, 1, 1, 1, 0, 0, 2, 2, 2, 1, 0, 1, 2, 2, 2])


@pytest.fixture
def rgb20():
    return RGB20_X.copy(), RGB20_Y.copy()


class Live:
    """Looking at a running ``SoftmaxApp`` (or any Textual app) from a test."""

    #: "nan" or "inf" as a word of their own (not the "inf" of "info" or "infinite")
    NON_FINITE = re.compile(r"(?<![A-Za-z])(nan|inf)(?![A-Za-z])", re.IGNORECASE)

    @staticmethod
    def screen_text(app) -> str:
        """The characters on the screen as it would be painted now (a modal screen over the
        screens below it)."""
        from rich.console import Console

        console = Console(width=app.size.width, height=app.size.height, record=True, file=io.StringIO(),
                          legacy_windows=False)
        console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
        return console.export_text()

    @staticmethod
    def nodes(app) -> list:
        """The app, every screen in the stack and every widget on them."""
        found = [app]
        for screen in app.screen_stack:
            found += screen.walk_children(with_self=True)
        return found

    @staticmethod
    async def drain(app) -> None:
        """Until every message queued so far, on every screen in the stack and every widget, is
        handled (the pilot's own wait covers the top screen only, but a dismissed chooser's
        callback, which starts the new run, runs on the screen below)."""
        remaining = 0
        done = asyncio.Event()

        def one_done() -> None:
            nonlocal remaining
            remaining -= 1
            if remaining == 0:
                done.set()

        for node in Live.nodes(app):
            remaining += bool(node.call_later(one_done))
        if remaining:
            await asyncio.wait_for(done.wait(), timeout=60)

    @staticmethod
    @contextlib.contextmanager
    def parked(runner):
        """The training loop parked (at its next turn, after the chunk in progress) and the
        trainer to ourselves, so that the runner, its snapshot and the screen are compared at
        one moment."""
        runner.hold(60)
        try:
            with runner._control():
                yield
        finally:
            runner.release()

    @staticmethod
    async def loss_plot_caught_up(pilot) -> None:
        """A frame drawn, and the loss plot showing the latest step (it is built in the frame)."""
        from softmax_tui.tui.widgets.loss import LossPlot

        app = pilot.app
        app.dashboard.draw_frame(now=True)
        await pilot.pause()
        assert app.dashboard.query_one(LossPlot).shown.step == app.dashboard.runner.snapshot.step


@pytest.fixture
def live():
    """The :class:`Live` helpers."""
    return Live
