"""softmax-tui from Python: ``from softmax_tui import ...``.

The names below are imported on first use, so ``import softmax_tui`` costs nothing and the
optional scikit-learn extra is needed only by the estimator.
"""

from __future__ import annotations

from softmax_tui._lazy import lazy_exports

# public name -> the module that defines it
_EXPORTS: dict[str, str] = {
    # the Python API (issue 16): train and watch on data in memory
    "train": "softmax_tui.run",
    "watch": "softmax_tui.run",
    "TrainResult": "softmax_tui.run",
    "Progress": "softmax_tui.run",
    "SoftmaxTuiError": "softmax_tui.errors",
    # the scikit-learn estimator (the sklearn extra)
    "SoftmaxRegressionClassifier": "softmax_tui.estimator",
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(globals(), _EXPORTS)
