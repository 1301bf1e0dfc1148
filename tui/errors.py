"""The error a user's mistake raises outside the datasets package (bad flag, bad model file)."""


class UserError(Exception):
    """A mistake the user can fix; str(e) is one line, printed after "softmax-tui: error: "."""
