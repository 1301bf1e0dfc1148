"""The errors a user can fix, raised outside the datasets package (a bad flag, a bad model file,
an output that cannot be written)."""


class UserError(Exception):
    """A mistake the user can fix; str(e) is one line, printed after "softmax-tui: error: "."""


class HistoryError(UserError):
    """The ``--history`` file could not be written (a full disk, say)."""
