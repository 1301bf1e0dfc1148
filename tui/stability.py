"""The learning rate against its stability limit: the curvature measured at the run's
parameters (:mod:`softmax_tui.engine.curvature`), and how the status bar and the ``+``/``-``
ladder say it.

The Hessian's spectrum is measured at the latest snapshot whenever the parameters have
moved: at once after a step or a key (a paused run), at most every :data:`MEASURE_SECONDS`
while the run goes on (less often when a measurement is slow: :data:`MEASURE_SHARE`). A small problem is measured in the UI thread (well under a
millisecond for the built-in sets); a large one in a worker thread, never two at once, and
the readout shows the last measurement until the next arrives.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from softmax_tui.engine import SECOND_ORDER_OPTIMIZERS, Snapshot, spectrum
from softmax_tui.engine.curvature import lr_limit
from softmax_tui.engine.trainer import distinct_texts

from .recompute import Recompute

#: The least time between two measurements while the run goes on.
MEASURE_SECONDS = 0.5
#: ... and at least this many times the last measurement's own time, so that measuring takes
#: at most a tenth of the time (a million points: about 0.3 s, so every 3 s).
MEASURE_SHARE = 10
#: Up to this many multiply-adds (n K²(d+1)²: building the dense Hessian) a measurement runs
#: in the UI thread; beyond it, in a worker.
INLINE_COST = 2_000_000
#: Lanczos steps of a live measurement, which waits for λmax and the next eigenvalue alone
#: (they converge in a few tens; λmin, and with it κ, may need more, and says so: "κ ≥").
LIVE_LANCZOS_STEPS = 80
#: Significant digits of the limit (more when it and the rate would read alike).
LIMIT_DIGITS = 2


@dataclass(frozen=True)
class Stability:
    """The curvature at one snapshot's parameters, for the objective with penalty ``l2``."""

    step: int
    lambda_max: float
    lambda_min: float
    exact: bool  # False: Lanczos stopped short, λmin (and κ) are bounds
    l2: float
    seconds: float = 0.0  # how long the measurement took

    @property
    def condition_number(self) -> float:
        """λmax / λmin (inf for a flat direction)."""
        return self.lambda_max / self.lambda_min if self.lambda_min > 0 else math.inf

    def limit(self, optimizer: str, momentum: float) -> float | None:
        """``optimizer``'s largest stable learning rate here (None for adam and the
        second-order methods; see :func:`~softmax_tui.engine.curvature.lr_limit`)."""
        return lr_limit(optimizer, self.lambda_max, momentum)


def measure(snap: Snapshot, X: np.ndarray, l2: float) -> Stability | None:
    """The curvature at ``snap``'s parameters on the training inputs X (n, d); None when it
    is not finite (logits beyond float64's range)."""
    started = time.perf_counter()
    with np.errstate(all="ignore"):
        try:
            result = spectrum(snap.W, snap.b, X, l2, max_steps=LIVE_LANCZOS_STEPS, top_only=True)
        except np.linalg.LinAlgError:
            return None
    if not (math.isfinite(result.lambda_max) and math.isfinite(result.lambda_min)):
        return None
    return Stability(snap.step, result.lambda_max, result.lambda_min, result.converged, l2,
                     time.perf_counter() - started)


class StabilityWatch:
    """When to measure a run's curvature (module docstring), and the latest measurement.

    ``X`` (n, d) are the run's training inputs; ``inline`` says whether a measurement is
    cheap enough for the UI thread (:data:`INLINE_COST`)."""

    def __init__(self, X: np.ndarray, n_classes: int) -> None:
        self.X = X
        self.inline = X.shape[0] * (n_classes * (X.shape[1] + 1)) ** 2 <= INLINE_COST
        self.latest: Stability | None = None
        self.schedule = Recompute()

    @property
    def busy(self) -> bool:
        """A worker is measuring."""
        return self.schedule.busy

    @busy.setter
    def busy(self, value: bool) -> None:
        self.schedule.busy = value

    def due(self, snap: Snapshot, l2: float, running: bool, now: float) -> bool:
        """Whether to measure at ``snap`` now (:class:`~..recompute.Recompute`: its parameters
        or ``l2`` are new, no worker is busy, and a running run was last measured
        :data:`MEASURE_SECONDS` ago, or :data:`MEASURE_SHARE` times the last measurement's
        time); if so, it counts as asked for."""
        spacing = max(MEASURE_SECONDS, MEASURE_SHARE * (self.latest.seconds if self.latest else 0.0))
        return self.schedule.due((snap.W, l2), running=running, now=now, spacing=spacing)

    def measured(self, stability: Stability | None) -> None:
        """A measurement's result (None: none could be made; the last one stays)."""
        self.busy = False
        if stability is not None:
            self.latest = stability


def limit_text(limit: float, lr: float) -> str:
    """``limit`` to :data:`LIMIT_DIGITS` significant digits, more where fewer would read as
    ``lr`` (:func:`~softmax_tui.engine.trainer.distinct_texts`: rounding keeps order, so
    texts that differ compare as the numbers do), written without an exponent where the
    number is plain ("490", not "4.9e+02")."""
    text = repr(float(distinct_texts(limit, lr, LIMIT_DIGITS)[0]))
    return text[:-2] if text.endswith(".0") else text


def lr_forms(lr: float, optimizer: str, limit: float | None) -> tuple[tuple[str, ...], bool]:
    """The status bar's learning-rate item, longest form first, and whether it warns (the
    rate is at or above the limit: on the local quadratic model the steps along the sharpest
    direction grow, flipping sign each step; the curvature may fall as the run moves, which
    a later measurement shows, so the warning says "may"). gd, momentum and nesterov have a limit of their own; sgd's and
    minibatch's is full-batch gradient descent's (their batches add noise on top)::

        lr 1 · GD stable below 2.1      lr 1 < 2.1      lr 1
        lr 3 · over GD limit 2.1: may oscillate      lr 3 > 2.1!      lr 3!
        lr 0.1 · full-batch limit 2.1

    newton and lbfgs use no rate (a line search chooses each step): ``line search``.
    """
    if optimizer in SECOND_ORDER_OPTIMIZERS:
        return ("line search",), False
    rate = f"lr {lr:g}"
    if limit is None or not math.isfinite(limit):
        return (rate,), False
    bound = limit_text(limit, lr)
    full_batch = optimizer in ("sgd", "minibatch")
    rule = optimizer if optimizer in ("momentum", "nesterov") else "GD"
    if lr < limit:
        first = f"full-batch limit {bound}" if full_batch else f"{rule} stable below {bound}"
        return (f"{rate} · {first}", f"{rate} < {bound}", rate), False
    first = f"over full-batch limit {bound}" if full_batch else f"over {rule} limit {bound}: may oscillate"
    sign = ">" if lr > limit else "≥"
    return (f"{rate} · {first}", f"{rate} {sign} {bound}!", f"{rate}!"), True


def kappa_text(stability: Stability) -> str:
    """κ as the readouts write it: "583", "≥ 583" (Lanczos stopped short: a lower bound), "∞"
    (a flat direction: a constant feature, or separable data without L2)."""
    kappa = stability.condition_number
    if math.isinf(kappa):
        return "∞"
    return f"{'' if stability.exact else '≥ '}{kappa:.3g}"


def curvature_forms(stability: Stability) -> tuple[str, ...]:
    """The curvature item (``k``): λmax and the condition number κ, longest form first."""
    kappa = f"κ {kappa_text(stability)}"
    return (f"λmax {stability.lambda_max:.3g} · {kappa}", kappa)


def ladder_line(rungs: tuple[float, ...], lr: float, limit: float | None, around: int = 2) -> str:
    """The ladder near ``lr``: ``around`` rungs each side, the rate in brackets (a rate off
    the ladder too) and the limit where it falls, or past either end with "…"::

        0.3  1  [3]  (limit 4.9)  10  30        0.3  1  [3]  10  30  … (limit 490)
    """
    tolerance = 1e-9 * lr
    shown = [(r, f"{r:g}") for r in rungs if r < lr - tolerance][-around:]
    shown.append((lr, f"[{lr:g}]"))
    shown += [(r, f"{r:g}") for r in rungs if r > lr + tolerance][:around]
    if limit is None or not math.isfinite(limit):
        return "  ".join(text for _, text in shown)
    mark = f"(limit {limit_text(limit, lr)})"
    if limit > shown[-1][0]:
        shown.append((limit, f"… {mark}"))
    elif limit <= shown[0][0]:
        shown.insert(0, (limit, f"{mark} …"))
    else:
        shown.insert(sum(rung < limit for rung, _ in shown), (limit, mark))
    return "  ".join(text for _, text in shown)
