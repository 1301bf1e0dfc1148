"""The one exception a user's mistake raises through the Python API."""

from __future__ import annotations


class SoftmaxTuiError(ValueError):
    """A mistake the caller can fix: a setting that is unknown, refused or out of range, or
    data that cannot be trained on (X not 2-D numbers, a NaN, y of another length, one class
    only, ...). ``str(e)`` is one line, the text the command line prints after
    ``softmax-tui: error:`` for the same mistake, settings named as the keyword arguments
    name them (``batch_size does not apply to optimizer='gd'``). The internal error it
    stands for is its ``original``; it is raised ``from None``, so that an uncaught one
    prints one traceback ending in that line.

    A ValueError, so that code catching bad input the usual way catches it too."""

    #: The internal error (a UserError or DatasetError) this one stands for.
    original: Exception | None = None
