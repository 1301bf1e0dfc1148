"""Messages a training loop posts to the screen that shows its run (from the loop's thread)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from .landscapeview import LandscapeFrame
from .runner import Loop
from .stability import Stability


class RunChanged(Message):
    """The training loop ran a queued control; a burst of them needs one redraw."""

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, RunChanged)


@dataclass
class Parked(Message):
    """``runner``'s loop has parked for the frame that waits for it (a handshake: one per park)."""

    runner: Loop


@dataclass
class RunProblem(Message):
    """Something the training loop could not do, in words."""

    text: str


@dataclass
class CurvatureMeasured(Message):
    """A worker measured the curvature (None: it could not)."""

    stability: Stability | None


@dataclass
class LandscapeReady(Message):
    """The landscape worker built ``frame``; a newer one replaces it unseen."""

    frame: LandscapeFrame

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, LandscapeReady)
