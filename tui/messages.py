"""Messages a training loop and the dashboard's workers post to the screen that shows the run
(from their threads)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from softmax_tui.engine import Snapshot

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


@dataclass
class RewindProgress(Message):
    """The rewind worker has recomputed ``part`` (0..1) of the way to step ``step`` (of the
    dashboard's rewind ``generation``); a newer one replaces it unseen."""

    generation: int
    step: int
    part: float

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, RewindProgress)


@dataclass
class PastReady(Message):
    """The rewind worker recomputed ``snapshot`` (of the dashboard's rewind ``generation``) in
    ``seconds``."""

    generation: int
    snapshot: Snapshot
    seconds: float
