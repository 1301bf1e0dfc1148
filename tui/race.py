"""A race's runs (``--compare``): one session per member on the same data, an engine
:class:`~softmax_tui.engine.Race` over their trainers, and :class:`RaceRunner`, the driver
that advances them in lockstep in one thread for the dashboard.

No Textual here.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from softmax_tui.engine import Race

from .compare import Member
from .options import Options
from .session import Session, build_session


@dataclass
class Entrants:
    """The members of a race (in the order ``--compare`` lists them), their sessions and the
    engine's race over their trainers."""

    members: tuple[Member, ...]
    sessions: tuple[Session, ...]
    race: Race

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(member.label for member in self.members)


def build_entrants(options: Options) -> Entrants:
    """A session per ``--compare`` member, the data read once (a pipe can be read only once)
    and prepared alike for each, so that every member starts from the same parameters on the
    same data; a user mistake is a UserError/DatasetError, as for one run."""
    members = options.members()
    first = build_session(replace(options, run=members[0].config))
    sessions = (first, *(build_session(replace(options, run=m.config), first.dataset) for m in members[1:]))
    return Entrants(members, sessions, Race([s.trainer for s in sessions], options.loss_threshold))
