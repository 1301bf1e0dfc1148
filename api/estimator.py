"""``SoftmaxRegressionClassifier``: softmax regression as a scikit-learn estimator, trained by
our engine (:class:`softmax_tui.engine.Trainer` and its eight optimizers).

It needs the optional extra ``pip install 'softmax-tui[sklearn]'``; without scikit-learn,
importing this module raises a ModuleNotFoundError that says so. The engine itself never
imports scikit-learn.

**The objective** is the engine's, on the features as given (nothing is standardized: put a
``StandardScaler`` before it in a ``Pipeline`` for badly scaled features):

    (1/n) sum_i CE(W x_i + b, y_i) + (l2/2) ||W||^2 + l1 ||W||_1      (the bias not penalized)

scikit-learn's ``LogisticRegression(C=C)`` (lbfgs, newton-cg or newton-cholesky, no sample
weights) minimizes ``C sum_i CE_i + (1/2) ||W||^2``, the bias not penalized either; divided by
``C n`` it is ours with ``l2 = 1 / (C n)``. So with K >= 3 classes, ours with ``l2`` is
``LogisticRegression(C=1 / (n l2))``, and ``l2 = 0`` is ``C = inf`` (no penalty). (Both
objectives: scikit-learn's User Guide, Linear Models, Logistic regression, its binary and
multinomial cases; ``sklearn/linear_model/_logistic.py`` minimizes the mean with
``l2_reg_strength = 1 / (C n)``.)

With K = 2 classes, ``LogisticRegression`` fits one weight vector ``w`` (the log-odds of the
second class), penalized by ``(1/2) ||w||^2``. Ours has two rows ``W_0, W_1``; the
cross-entropy depends only on ``w = W_1 - W_0``, and for a given ``w`` the penalty
``||W_0||^2 + ||W_1||^2 = (||w||^2 + ||W_0 + W_1||^2) / 2`` is least at ``W_0 = -W_1``, where
the objective is ``(1/n) sum_i CE_i + (l2/4) ||w||^2``: ``C = 2 / (n l2)``. As scikit-learn's
linear classifiers do, the binary model is reported as that one vector: ``coef_ = W_1 - W_0``
(1, d), ``intercept_ = b_1 - b_0`` (1,), and ``decision_function`` gives the log-odds (n,).
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np

try:
    from sklearn.base import BaseEstimator, ClassifierMixin
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.utils import check_random_state
    from sklearn.utils.multiclass import check_classification_targets
    from sklearn.utils.validation import check_is_fitted, validate_data
except ModuleNotFoundError as e:
    raise ModuleNotFoundError(f"SoftmaxRegressionClassifier needs scikit-learn ({e}): "
                              "pip install 'softmax-tui[sklearn]'", name=e.name) from e

from softmax_tui.engine import RunState, SoftmaxRegression, log_softmax
from softmax_tui.tui.config import RunConfig
from softmax_tui.tui.options import Options, check_options
from softmax_tui.tui.session import initial_model, make_trainer

from .run import user_errors

#: The largest seed drawn from a ``RandomState`` when ``random_state`` is not an integer.
_SEED_BOUND = 2**31 - 1


def _check_integer(name: str, value, minimum: int) -> int:
    """``value`` as an int; a ValueError unless it is an integer >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def _check_real(name: str, value, *, optional: bool = False) -> float | None:
    """``value`` as a float (None kept if ``optional``); a ValueError unless it is a real number
    and not a bool (True is no learning rate). Ranges are the engine's to check."""
    if optional and value is None:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise ValueError(f"{name} must be a real number{' or None' if optional else ''}, got {value!r}")
    return float(value)


def _check_name(name: str, value) -> str:
    """``value`` as a str; a ValueError unless it is one (the engine checks it names an
    optimizer or initializer)."""
    if not isinstance(value, str):
        raise ValueError(f"{name} must be a str, got {value!r}")
    return str(value)


class SoftmaxRegressionClassifier(ClassifierMixin, BaseEstimator):
    """Multinomial logistic (softmax) regression trained by softmax-tui's engine.

    Parameters (the command line's names; see ``softmax-tui --help``):

    optimizer : {"gd", "sgd", "minibatch", "momentum", "nesterov", "adam", "newton", "lbfgs"}, default "lbfgs"
        newton and lbfgs choose their own step length by a line search (``lr`` unused) and
        refuse ``l1 > 0``.
    lr : float or None, default None
        Learning rate; None is the optimizer's default (the command line's, chosen for
        standardized features).
    l2 : float, default 1e-4
        Weight of ``(l2/2) ||W||^2`` in the mean objective (scikit-learn's ``SGDClassifier``
        ``alpha`` has the same scale). ``C = 1 / (n l2)`` of ``LogisticRegression`` for 3 or
        more classes, ``2 / (n l2)`` for 2 (module docstring).
    l1 : float, default 0.0
        Weight of ``l1 ||W||_1``, by a proximal step (first-order optimizers only).
    batch_size : int or None, default None
        minibatch's batch (None: 32); momentum, nesterov and adam use the full batch unless
        given; the others draw their own batch and refuse it, as the command line does.
    momentum, beta1, beta2, eps : float
        Momentum's and Nesterov's beta; Adam's beta1, beta2 and epsilon.
    max_iter : int, default 100
        Most epochs (passes over the training set). For the full-batch optimizers (gd,
        momentum, nesterov and adam without ``batch_size``, newton, lbfgs) an epoch is one
        step, one iteration, as ``LogisticRegression``'s ``max_iter`` counts them.
    tol : float, default 1e-4
        Training stops when the Euclidean norm of the objective's full-batch gradient (with
        L1, its minimum-norm subgradient) falls below ``tol``, checked at each epoch's end.
    init : {"zeros", "uniform", "normal"}, default "zeros"
        Initial weights (the bias starts at 0): zeros, U(0, 1), N(0, 1e-3^2).
    random_state : int, RandomState instance or None, default 0
        An integer is the command line's ``--seed``: initial weights from the stream
        ``[seed, 1]``, the shuffling of sgd and minibatch from ``[seed, 2]``: with the same
        settings, a fit is the command line's run with ``--no-standardize`` on the same rows
        and classes, bit for bit. A RandomState (or None: NumPy's global one) draws that seed.

    Attributes: ``classes_`` (K,) the sorted labels; ``coef_`` (K, d), or (1, d) for two
    classes; ``intercept_`` (K,) or (1,); ``n_iter_`` (1,) int32, the epochs trained (the
    shape of ``LogisticRegression``'s); ``n_features_in_``; ``feature_names_in_`` when X is a
    DataFrame with string column names.

    ``fit`` warns with ``ConvergenceWarning`` when ``max_iter`` epochs pass before ``tol`` is
    met, or when newton's or lbfgs's line search finds no lower point (badly scaled features);
    it raises ValueError when the training diverges (the loss overflows or explodes: ``lr``
    too large for the features' scale), for fewer than two classes, for a parameter of the
    wrong type (a number given as text, None or a bool), and for a setting the command line
    or the engine refuses (``batch_size`` with gd, say).
    """

    def __init__(self, optimizer: str = "lbfgs", lr: float | None = None, l2: float = 1e-4, l1: float = 0.0,
                 batch_size: int | None = None, momentum: float = 0.9, beta1: float = 0.9, beta2: float = 0.999,
                 eps: float = 1e-8, max_iter: int = 100, tol: float = 1e-4, init: str = "zeros",
                 random_state=0) -> None:
        self.optimizer = optimizer
        self.lr = lr
        self.l2 = l2
        self.l1 = l1
        self.batch_size = batch_size
        self.momentum = momentum
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.max_iter = max_iter
        self.tol = tol
        self.init = init
        self.random_state = random_state

    def fit(self, X, y) -> SoftmaxRegressionClassifier:
        """Train on X (n, d) numbers and labels y (n,) of any kind (at least two distinct);
        returns self. Errors and warnings: see the class docstring."""
        X, y = validate_data(self, X, y, dtype=np.float64)
        check_classification_targets(y)
        classes, labels = np.unique(y, return_inverse=True)
        if len(classes) < 2:
            raise ValueError(f"softmax regression needs samples of at least 2 classes, but the data has "
                             f"one class: {classes.tolist()[0]!r}")
        if not (_check_real("tol", self.tol) >= 0 and np.isfinite(self.tol)):
            raise ValueError(f"tol must be a finite number >= 0, got {self.tol!r}")
        config = self._run_config()
        trainer = make_trainer(config, initial_model(config, X.shape[1], len(classes)), X, labels,
                               max_epochs=config.epochs, tol=float(self.tol), checkpoints=False)
        snapshot = trainer.advance(config.epochs * trainer.steps_per_epoch)
        if snapshot.state is RunState.DIVERGED:
            raise ValueError(f"the training diverged: {snapshot.reason}; lower lr or standardize the features")
        if snapshot.state is not RunState.CONVERGED:
            warnings.warn(f"{type(self).__name__} stopped before the gradient norm fell below tol "
                          f"{self.tol:g}: {snapshot.reason}", ConvergenceWarning, stacklevel=2)
        W, b = snapshot.W, snapshot.b
        if len(classes) == 2:
            self.coef_, self.intercept_ = (W[1] - W[0])[None, :], np.array([b[1] - b[0]])
        else:
            self.coef_, self.intercept_ = np.array(W), np.array(b)
        self.classes_ = classes
        self.n_iter_ = np.array([snapshot.epoch], dtype=np.int32)
        return self

    def _run_config(self) -> RunConfig:
        """The command line's description of this run: its training settings (the data are
        fit's), ``max_iter`` its epochs. A ValueError for a parameter of the wrong type (a
        number that is not a real number or is a bool, ``max_iter`` or ``batch_size`` not an
        integer >= 1, an ``optimizer`` or ``init`` that is not a str) and for what the command line's
        rules between flags refuse (:func:`~softmax_tui.tui.options.check_options`:
        ``batch_size`` with an optimizer that draws its own batch, ``l1`` with newton or
        lbfgs), in the command line's words with the parameters' names; the engine checks
        the ranges."""
        batch_size = None if self.batch_size is None else _check_integer("batch_size", self.batch_size, 1)
        reals = {name: _check_real(name, getattr(self, name)) for name in ("l2", "l1", "momentum", "beta1",
                                                                         "beta2", "eps")}
        config = RunConfig(optimizer=_check_name("optimizer", self.optimizer),
                           lr=_check_real("lr", self.lr, optional=True), batch_size=batch_size, **reals,
                           epochs=_check_integer("max_iter", self.max_iter, 1),
                           init=_check_name("init", self.init), seed=self._seed(),
                           standardize=False)
        with user_errors():
            check_options(Options(config, headless=True))
        return config

    def _seed(self) -> int:
        """``random_state`` as the command line's ``--seed`` (class docstring)."""
        if isinstance(self.random_state, (bool, np.bool_)):
            raise ValueError(f"random_state must be an integer, a RandomState or None, got {self.random_state!r}")
        if isinstance(self.random_state, numbers.Integral):
            return _check_integer("random_state", self.random_state, 0)
        return int(check_random_state(self.random_state).randint(_SEED_BOUND))

    def _model(self, X) -> tuple[SoftmaxRegression, np.ndarray]:
        """The fitted model as K rows of weights, and X (n, d) validated against the fit's
        features. Two classes are rows ``0`` and ``coef_``: the same probabilities, since
        softmax depends only on the logits' differences."""
        check_is_fitted(self)
        X = validate_data(self, X, dtype=np.float64, reset=False)
        if len(self.classes_) == 2:
            return SoftmaxRegression(np.vstack([np.zeros_like(self.coef_), self.coef_]),
                                     np.concatenate([[0.0], self.intercept_])), X
        return SoftmaxRegression(self.coef_, self.intercept_), X

    def decision_function(self, X) -> np.ndarray:
        """The logits ``X coef_^T + intercept_``: (n, K), or for two classes the log-odds of
        ``classes_[1]`` (n,)."""
        model, X = self._model(X)
        logits = model.logits(X)
        return logits[:, 1] if len(self.classes_) == 2 else logits

    def predict_proba(self, X) -> np.ndarray:
        """Class probabilities (n, K), the softmax of the logits; columns in ``classes_``'s order."""
        model, X = self._model(X)
        return model.predict_proba(X)

    def predict_log_proba(self, X) -> np.ndarray:
        """``log predict_proba(X)`` (n, K) by log-sum-exp: finite where a probability underflows."""
        model, X = self._model(X)
        return log_softmax(model.logits(X), axis=1)

    def predict(self, X) -> np.ndarray:
        """The most probable class of each row (n,), from ``classes_`` (the first on a tie)."""
        model, X = self._model(X)
        return self.classes_[model.predict(X)]
