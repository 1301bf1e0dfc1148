"""``--compare``: the members of a race, parsed from one argument.

Members are separated by commas; each is an optimizer name, optionally followed by
``:flag=value`` settings named by their command-line flags without the dashes:
``gd,momentum,adam``, ``gd:lr=0.3,gd:lr=3``, ``minibatch:batch-size=8,minibatch:batch-size=64``,
``adam:lr=0.01:beta1=0.8``. A member may set the optimizer's own settings only
(:data:`MEMBER_FIELDS`: the learning rate, batch size and hyperparameters); every other
flag of the command line is shared by all members. Each value goes through its flag's own
converter (:class:`~.config.RunConfig`'s field metadata), so a member accepts exactly what
the flag accepts, and each member's run passes the command line's rules between flags
(:func:`~.options.check_options`). A mistake is a :class:`~.errors.UserError` naming the
member.

No Textual here.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass, fields, replace

from softmax_tui.engine import MAX_MEMBERS, MIN_MEMBERS, OPTIMIZERS, SECOND_ORDER_OPTIMIZERS

from .config import OPTIMIZER_SETTINGS, RunConfig
from .errors import UserError

#: The fields a member may set: what the optimizer is, beside its name.
MEMBER_FIELDS = ("lr", *OPTIMIZER_SETTINGS)
#: A member's settings by flag name without the dashes ("batch-size").
_BY_FLAG = {f.metadata["flag"].removeprefix("--"): f for f in fields(RunConfig) if f.name in MEMBER_FIELDS}


@dataclass(frozen=True)
class Member:
    """One run of a race: its label (the member as written, "gd:lr=3") and its configuration."""

    label: str
    config: RunConfig


def parse_members(text: str, shared: RunConfig) -> tuple[Member, ...]:
    """The members ``text`` lists, each ``shared`` with its optimizer and settings. A
    UserError names the member that is wrong (an unknown optimizer or setting, a bad value,
    one given twice) or says that there are fewer than 2 or more than 6, or that two are the
    same run."""
    specs = [spec.strip() for spec in text.split(",")]
    if not MIN_MEMBERS <= len(specs) <= MAX_MEMBERS:
        raise UserError(f"--compare takes {MIN_MEMBERS} to {MAX_MEMBERS} runs separated by commas, "
                        f"got {len(specs)}: {text!r}")
    members = tuple(Member(spec, _member_config(spec, shared)) for spec in specs)
    for i, member in enumerate(members):
        for earlier in members[:i]:
            if _trains_as(earlier.config) == _trains_as(member.config):
                raise UserError(f"--compare runs {earlier.label!r} and {member.label!r} are the same run")
    return members


def _trains_as(config: RunConfig) -> RunConfig:
    """``config`` reduced to what decides how the run trains: the optimizer settings its
    optimizer does not read at their defaults (gd reads no momentum, adam no momentum, only
    adam its betas), no learning rate for newton and lbfgs (their line search chooses each
    step), else the rate made concrete, and the batch size as the optimizer resolves it
    (minibatch's default is 32)."""
    settings = {name: getattr(RunConfig, name) for name, readers in OPTIMIZER_SETTINGS.items()
                if config.optimizer not in readers}
    settings["batch_size"] = config.make_optimizer().batch_size
    settings["lr"] = None if config.optimizer in SECOND_ORDER_OPTIMIZERS else config.learning_rate
    return replace(config, **settings)


def _member_config(spec: str, shared: RunConfig) -> RunConfig:
    name, *settings = spec.split(":")
    if name not in OPTIMIZERS:
        raise UserError(f"--compare run {spec!r}: unknown optimizer {name!r} (choose from {', '.join(OPTIMIZERS)})")
    values = {"optimizer": name}
    for setting in settings:
        flag, equals, text = setting.partition("=")
        f = _BY_FLAG.get(flag)
        if f is None or not equals:
            raise UserError(f"--compare run {spec!r}: {setting!r} is not a setting=value of "
                            f"{', '.join(_BY_FLAG)}")
        if f.name in values:
            raise UserError(f"--compare run {spec!r}: {flag} is given twice")
        try:
            values[f.name] = f.metadata["parse"](text)
        except argparse.ArgumentTypeError as e:
            raise UserError(f"--compare run {spec!r}: {flag} {e}") from None
    return replace(shared, **values)
