"""softmax_tui.engine: exact softmax regression in NumPy (no terminal code here).

The names below are imported from their modules on first use (:func:`__getattr__`), so a
run loads only the modules it uses: a plain ``softmax-tui --headless`` run never loads the
explanations, the decision map's geometry, the curvature's spectrum (newton does) or races
(``--compare`` does). ``from softmax_tui.engine
import X`` works for each of them as for a name bound here.
"""

from __future__ import annotations

from softmax_tui._lazy import lazy_exports

# Bound at once, not on first use: ``softmax`` is also the name of its module, which the
# import system binds here when any module imports it (model.py does, on every run), and a
# module attribute hides __getattr__.
from .softmax import (
    cross_entropy,
    log_softmax,
    loss_grad_logits,
    loss_grad_logits_chain,
    loss_grad_probs,
    one_hot,
    sigmoid,
    softmax,
    softmax_jacobian,
)

#: Each module's public names, imported on first use.
_MODULE_EXPORTS: dict[str, tuple[str, ...]] = {
    "curvature": ("Hessian", "Spectrum", "spectrum"),
    "explain": ("LossTerms", "PointExplanation", "explain_loss", "explain_point", "explain_weights"),
    "geometry": ("NO_SPREAD", "ONE_DIMENSIONAL", "Boundary", "Plane", "axis_plane", "default_plane", "grid",
                 "pairwise_boundaries", "pca_plane", "plane_logits", "triple_point"),
    "history": ("METRICS", "History"),
    "model": ("INITIALIZERS", "SoftmaxRegression", "as_labels", "fold_standardization", "initial_parameters"),
    "objective": ("Evaluation", "evaluate"),
    "race": ("MAX_MEMBERS", "MIN_MEMBERS", "Milestones", "Race"),
    "optimizers": ("OPTIMIZERS", "Adam", "Momentum", "Nesterov", "Optimizer", "UpdateRule"),
    "second_order": ("SECOND_ORDER_OPTIMIZERS",),
    "timeline": ("Checkpoint", "Timeline"),
    "trainer": ("RunState", "Snapshot", "Trainer"),
}
#: public name -> the module (of this package) that defines it
_EXPORTS: dict[str, str] = {name: f"{__name__}.{module}" for module, names in _MODULE_EXPORTS.items()
                            for name in names}

__all__ = ["cross_entropy", "log_softmax", "loss_grad_logits", "loss_grad_logits_chain", "loss_grad_probs", "one_hot",
           "sigmoid", "softmax", "softmax_jacobian", *_EXPORTS]
__getattr__, __dir__ = lazy_exports(globals(), _EXPORTS)
