"""``python -m softmax_tui.tui``: the same command as ``softmax-tui`` (what a server such as
textual-serve runs)."""

import sys

from .entry import main

sys.exit(main())
