"""softmax_tui.engine: exact softmax regression in NumPy (no terminal code here)."""

from .curvature import Hessian, Spectrum, spectrum
from .explain import LossTerms, PointExplanation, explain_loss, explain_point, explain_weights
from .geometry import (
    NO_SPREAD,
    ONE_DIMENSIONAL,
    Boundary,
    Plane,
    axis_plane,
    default_plane,
    grid,
    pairwise_boundaries,
    pca_plane,
    plane_logits,
    triple_point,
)
from .history import METRICS, History
from .model import INITIALIZERS, SoftmaxRegression, as_labels, fold_standardization, initial_parameters
from .objective import Evaluation, evaluate
from .race import MAX_MEMBERS, MIN_MEMBERS, Milestones, Race
from .optimizers import OPTIMIZERS, Adam, Momentum, Nesterov, Optimizer, UpdateRule
from .second_order import SECOND_ORDER_OPTIMIZERS
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
from .timeline import Checkpoint, Timeline
from .trainer import RunState, Snapshot, Trainer

__all__ = [
    "NO_SPREAD", "ONE_DIMENSIONAL", "Adam", "Boundary", "Checkpoint", "Evaluation", "Hessian", "History", "INITIALIZERS", "LossTerms", "METRICS", "Momentum", "Nesterov",
    "OPTIMIZERS", "Optimizer", "Plane", "SECOND_ORDER_OPTIMIZERS", "PointExplanation", "MAX_MEMBERS", "MIN_MEMBERS", "Milestones", "Race", "RunState", "Snapshot", "SoftmaxRegression", "Spectrum",
    "Timeline", "Trainer", "UpdateRule", "as_labels", "axis_plane", "cross_entropy", "default_plane", "evaluate",
    "explain_loss", "explain_point", "explain_weights", "fold_standardization", "grid", "initial_parameters", "log_softmax",
    "loss_grad_logits", "loss_grad_logits_chain", "loss_grad_probs", "one_hot", "pairwise_boundaries",
    "pca_plane", "plane_logits", "sigmoid", "softmax", "softmax_jacobian", "spectrum", "triple_point",
]
