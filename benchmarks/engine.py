"""Engine speed, measured side by side in one run (run by hand: python benchmarks/engine.py).

For one full-batch gradient-descent step at several (n, d, K) it times:
  ours      Trainer.step() with the gd optimizer (forward, backward, update, evaluation)
  naive     a per-sample loop that builds each sample's Jacobian and chains it, as seed 000 does
  torch     PyTorch CPU autograd in float64 (when torch is installed)
  floor     one pass reading X (X.sum()): the memory floor
and prints the ratios the budgets are stated in:
  naive/ours >= 50 at n = 1000;  ours/torch <= 0.5 at (100000, 2, 3) and (60000, 784, 10);
  ours/floor <= 6 at (60000, 784, 10).
Then the logits layout (K-major K x n, as the engine keeps them, against n x K), and the
time to solution: from zero parameters to an objective within 1e-6 of scikit-learn's optimum
(l2 = 1e-3) on iris, wine, digits and (60000, 784, 10), for sklearn's lbfgs and our newton,
lbfgs and nesterov, with the ratios ours / sklearn (target: the better of newton and lbfgs
at most 0.5 on each).
Times are the best of several repeats; the machine is shared, so read ratios, not seconds.

``--evaluation`` (issue 17) prints instead, each time a median of rounds that run every
contender once in turn, so that load changes hit them alike:
  one evaluation (loss + gradient, Objective.evaluate) against PyTorch float64 forward and
  backward with as many threads, and against the memory floor (X.sum(): one pass over X);
  targets: <= 0.25x torch at (1000, 2, 3) and (100000, 2, 3), <= 0.5x torch and <= 2.0
  floor passes at (60000, 784, 10);
  the threads: the default against 1 and 2 threads of ours (and 2 BLAS threads for wide
  data), alone and, with ``--compete``, beside a CPU-bound process; target: the default
  within 5% of the best;
  the products of the wide shape in GFLOP/s, by variant (layout, transposes, block rows,
  forward and backward of a block together).
"""

from __future__ import annotations

import argparse
import contextlib
import math
import os
import statistics
import subprocess
import sys
import time

import numpy as np

from softmax_tui.engine import Optimizer, SoftmaxRegression, Trainer, evaluate, softmax
from softmax_tui.engine.objective import Objective, _block_terms

from common import best_time  # benchmarks/common.py (this script's folder is on sys.path)

SHAPES = [(20, 2, 3), (150, 4, 3), (1000, 2, 3), (100_000, 2, 3), (60_000, 784, 10)]


def problem(n: int, d: int, K: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = np.argmax(X @ rng.normal(size=(d, K)) + rng.normal(scale=0.5, size=(n, K)), axis=1)
    return X, y, rng.normal(scale=0.01, size=(K, d))


def naive_step(W, b, X, Y, lr):
    """Seed 000's loop: per sample z, a, J = a e^T o (I - e a^T), dz = J (-y/a), dW += dz x^T."""
    K = W.shape[0]
    dW, db = np.zeros_like(W), np.zeros_like(b)
    for x, y in zip(X, Y):
        a = softmax(W @ x + b)
        J = np.outer(a, np.ones(K)) * (np.eye(K) - np.outer(np.ones(K), a))
        dz = J @ (-y / a)
        dW += np.outer(dz, x)
        db += dz
    return W - lr * dW / len(X), b - lr * db / len(X)


def torch_step_fn(X, y, W0):
    import torch

    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    W = torch.tensor(W0, requires_grad=True)
    b = torch.zeros(W0.shape[0], dtype=torch.float64, requires_grad=True)

    def step():
        loss = torch.nn.functional.cross_entropy(Xt @ W.T + b, yt)
        loss.backward()
        with torch.no_grad():
            W.sub_(0.1 * W.grad)
            b.sub_(0.1 * b.grad)
            W.grad = None
            b.grad = None

    return step


def step_table(repeats: int) -> None:
    try:
        import torch

        torch_note = f"torch {torch.__version__}, {torch.get_num_threads()} threads"
    except ImportError:
        torch = None
        torch_note = "torch not installed"
    print(f"One full-batch gd step, best of {repeats} ({torch_note}); times in ms")
    print(f"{'n':>8} {'d':>4} {'K':>3} | {'ours':>9} {'naive':>10} {'torch':>9} {'floor':>8} |"
          f" {'naive/ours':>10} {'ours/torch':>10} {'ours/floor':>10}")
    for n, d, K in SHAPES:
        X, y, W0 = problem(n, d, K)
        trainer = Trainer(SoftmaxRegression(W0, np.zeros(K)), Optimizer("gd"), X, y, lr=0.1)
        trainer.step()
        ours = best_time(trainer.step, repeats)
        Y = np.eye(K)[y]
        naive = best_time(lambda: naive_step(W0, np.zeros(K), X, Y, 0.1), 1 if n * d > 50_000 else repeats)
        floor = best_time(X.sum, repeats)
        if torch is not None:
            step = torch_step_fn(X, y, W0)
            step()
            tt = best_time(step, repeats)
        else:
            tt = float("nan")
        print(f"{n:>8} {d:>4} {K:>3} | {ours * 1e3:>9.3f} {naive * 1e3:>10.1f} {tt * 1e3:>9.3f} {floor * 1e3:>8.3f} |"
              f" {naive / ours:>10.0f} {ours / tt:>10.2f} {ours / floor:>10.1f}")
    print("targets: naive/ours >= 50 at n=1000; ours/torch <= 0.5 at (100000,2,3) and (60000,784,10);"
          " ours/floor <= 6 at (60000,784,10)")


def nk_layout_step(W, b, X, y, lr):
    """The same fused step with logits kept n x K (softmax along the short rows)."""
    n = len(X)
    Z = X @ W.T + b
    Z -= Z.max(axis=1, keepdims=True)
    E = np.exp(Z)
    E /= E.sum(axis=1, keepdims=True)
    E[np.arange(n), y] -= 1.0
    return W - lr * (E.T @ X) / n, b - lr * E.mean(axis=0)


def layout_table(repeats: int) -> None:
    print("\nLogits layout for small K, one gd step (ms): the engine's K-major (K x n) vs n x K")
    print(f"{'n':>8} {'d':>4} {'K':>3} | {'K x n':>8} {'n x K':>8} | {'n x K / K x n':>13}")
    for n, d, K in [(100_000, 2, 3), (100_000, 2, 5), (100_000, 10, 3)]:
        X, y, W0 = problem(n, d, K)
        trainer = Trainer(SoftmaxRegression(W0, np.zeros(K)), Optimizer("gd"), X, y, lr=0.1)
        ours = best_time(trainer.step, repeats)
        other = best_time(lambda: nk_layout_step(W0, np.zeros(K), X, y, 0.1), repeats)
        print(f"{n:>8} {d:>4} {K:>3} | {ours * 1e3:>8.2f} {other * 1e3:>8.2f} | {other / ours:>13.1f}")


#: The L2 weight of the time-to-solution table, the same for every solver: large enough that
#: the optimum is well defined (strongly convex) on every problem, small enough to leave it
#: far from the origin.
SOLUTION_L2 = 1e-3
#: "Solved": an objective within this much (absolute) of scikit-learn's optimum.
SOLUTION_GAP = 1e-6
#: The first-order reference (nesterov at its default rate 0.3, our best measured on these)
#: stops at this multiple of sklearn's time: at 60000 x 784 it would take minutes.
FIRST_ORDER_BUDGET = 20.0


def solution_problems():
    """``(name, X, y)`` of the time-to-solution table: iris, wine (178 x 13), digits (1797 x 64),
    each standardized, and ``problem(60000, 784, 10)``."""
    from sklearn.datasets import load_digits, load_iris, load_wine

    for name, loader in (("iris", load_iris), ("wine", load_wine), ("digits", load_digits)):
        X, y = loader(return_X_y=True)
        spread = X.std(axis=0)
        yield name, (X - X.mean(axis=0)) / np.where(spread > 0, spread, 1.0), y
    X, y, _ = problem(60_000, 784, 10)
    yield "60000x784", X, y


def sklearn_fit(X, y, l2: float, max_iter: int):
    """scikit-learn's multinomial LogisticRegression (lbfgs) at C = 1/(l2 n), tol 1e-10."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return LogisticRegression(C=1 / (l2 * len(X)), solver="lbfgs", tol=1e-10, max_iter=max_iter).fit(X, y)


def sklearn_time_to_solution(X, y, l2: float, f_star: float, repeats: int) -> tuple[float, int]:
    """scikit-learn's time to within SOLUTION_GAP of ``f_star``: the fewest iterations
    (``max_iter``, found by doubling then bisection) whose fit gets there, and that fit's
    best time; so sklearn is not charged for the iterations its tol 1e-10 adds."""
    def solved(iters: int) -> bool:
        fit = sklearn_fit(X, y, l2, iters)
        return evaluate(fit.coef_, fit.intercept_, X, y, l2).loss <= f_star + SOLUTION_GAP

    high = 1
    while not solved(high):
        high *= 2
    low = high // 2
    while high - low > 1:
        mid = (low + high) // 2
        low, high = (low, mid) if solved(mid) else (mid, high)
    return best_time(lambda: sklearn_fit(X, y, l2, high), repeats), high


def ours_time_to_solution(X, y, l2: float, f_star: float, name: str, lr: float, repeats: int,
                          budget: float = math.inf) -> tuple[float, int, bool]:
    """Our trainer's time from construction (zero parameters) until the objective is within
    SOLUTION_GAP of ``f_star``, or ``budget`` seconds have passed, best of ``repeats``; the
    steps taken; whether it got there."""
    K = int(y.max()) + 1

    def run():
        start = time.perf_counter()
        trainer = Trainer(SoftmaxRegression(np.zeros((K, X.shape[1])), np.zeros(K)), Optimizer(name), X, y,
                          lr=lr, l2=l2, tol=0)
        snapshot = trainer.snapshot
        while snapshot.loss > f_star + SOLUTION_GAP and time.perf_counter() - start < budget:
            snapshot = trainer.step()
        return snapshot

    snapshot = run()
    return best_time(run, repeats), snapshot.step, snapshot.loss <= f_star + SOLUTION_GAP


def per_iteration_costs(X, y, l2: float, iterations: int, repeats: int) -> tuple[float, float]:
    """Seconds of one evaluation of our objective with its gradient (at zero parameters; an
    L-BFGS iteration costs about one), and of one sklearn lbfgs iteration: the difference
    between fits of ``iterations`` and 1 iterations, over ``iterations - 1``."""
    K = int(y.max()) + 1
    objective = Objective(X, y, K)
    W, b = np.zeros((K, X.shape[1])), np.zeros(K)
    ours = best_time(lambda: objective.evaluate(W, b, l2), repeats)
    many = best_time(lambda: sklearn_fit(X, y, l2, iterations), repeats)
    one = best_time(lambda: sklearn_fit(X, y, l2, 1), repeats)
    return ours, (many - one) / max(iterations - 1, 1)


def time_to_solution(repeats: int) -> None:
    """Time to within SOLUTION_GAP of scikit-learn's optimum, ours over sklearn lbfgs's."""
    print(f"\nTime to solution: objective within {SOLUTION_GAP:g} (absolute) of sklearn's optimum, l2 = "
          f"{SOLUTION_L2:g}, from zero parameters; best of {repeats}; ratio = ours / sklearn lbfgs")
    print(f"{'problem':>10} {'solver':>10} | {'ms':>9} {'iters':>6} {'ratio':>6}  (nesterov: 1 run,"
          f" stopped at {FIRST_ORDER_BUDGET:g} x sklearn's time, '>' if not there by then)")
    for problem_name, X, y in solution_problems():
        X = np.ascontiguousarray(X, dtype=float)
        f_star = evaluate(*_coefficients(sklearn_fit(X, y, SOLUTION_L2, 100_000)), X, y, SOLUTION_L2).loss
        sk, sk_iters = sklearn_time_to_solution(X, y, SOLUTION_L2, f_star, repeats)
        print(f"{problem_name:>10} {'sklearn':>10} | {sk * 1e3:>9.1f} {sk_iters:>6} {1:>6.2f}")
        ours_eval, sk_iteration = per_iteration_costs(X, y, SOLUTION_L2, sk_iters, repeats)
        print(f"{problem_name:>10} {'(per iter)':>10} | ours, one evaluation {ours_eval * 1e3:.2f} ms; sklearn, one "
              f"iteration {sk_iteration * 1e3:.2f} ms; ratio {ours_eval / sk_iteration:.2f}")
        for name, lr in (("newton", 1.0), ("lbfgs", 1.0), ("nesterov", 0.3)):
            first_order = name == "nesterov"
            seconds, steps, there = ours_time_to_solution(
                X, y, SOLUTION_L2, f_star, name, lr, 1 if first_order else repeats,
                FIRST_ORDER_BUDGET * sk if first_order else math.inf)
            mark = "" if there else ">"
            print(f"{problem_name:>10} {name:>10} | {mark:>1}{seconds * 1e3:>8.1f} {steps:>6} {mark:>1}{seconds / sk:>5.2f}")
    print("target: the better of newton and lbfgs at most 0.5 x sklearn on every problem")


def _coefficients(fit):
    return fit.coef_, fit.intercept_


EVALUATION_SHAPES = [(1000, 2, 3), (100_000, 2, 3), (60_000, 784, 10)]
#: Evaluations of a default objective before it is timed: its choice of threads made.
WARM_UP = 100
#: The threads table's rounds time each contender for about this long, at least this many calls.
ROUND_SECONDS = 0.2
ROUND_LEAST = 4


def median_rounds(contenders: dict, rounds: int, inner: int = 1, clock=time.perf_counter) -> dict[str, float]:
    """Seconds per call of each contender (a callable), the median of ``rounds`` rounds, each
    round calling every contender ``inner`` times in turn; by ``clock`` (wall-clock time, or
    time.thread_time: this thread's CPU time, which hardly depends on the machine's load)."""
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for fn in contenders.values():
        fn()
    for _ in range(rounds):
        for name, fn in contenders.items():
            start = clock()
            for _ in range(inner):
                fn()
            times[name].append((clock() - start) / inner)
    return {name: statistics.median(values) for name, values in times.items()}


def torch_evaluation_fn(X, y, W0, threads: int):
    """PyTorch CPU float64: cross-entropy of X W^T + b and its gradient (forward + backward)."""
    import torch

    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    W = torch.tensor(W0, requires_grad=True)
    b = torch.zeros(W0.shape[0], dtype=torch.float64, requires_grad=True)

    def evaluation():
        torch.set_num_threads(threads)
        torch.nn.functional.cross_entropy(Xt @ W.T + b, yt).backward()
        W.grad = b.grad = None

    return evaluation


def inline_evaluation_fn(X, y, W0):
    """The least NumPy can do for one evaluation at small n: the engine's own sequence of
    NumPy calls (logits, max, true-class logits, accuracy, exp, normalizer, log, loss,
    A - Y, both gradients, their norm) written out inline on preallocated arrays, with no
    function call, block loop or result object of ours: the floor of any NumPy-only kernel
    for this formula, since each call costs about a microsecond however small its array."""
    m, K = len(X), W0.shape[0]
    W, b, XT = W0.copy(), np.zeros(K), X.T
    Z, top, total, true_logit = np.empty((K, m)), np.empty(m), np.empty(m), np.empty(m)
    true_pos = y * m + np.arange(m)

    def evaluation():
        np.dot(W, XT, out=Z)
        np.add(Z, b[:, None], out=Z)
        np.maximum.reduce(Z, axis=0, out=top)
        np.subtract(Z, top, out=Z)
        np.take(Z.ravel(), true_pos, out=true_logit)
        ties = Z.size - np.count_nonzero(Z) != m
        correct = m - np.count_nonzero(true_logit)
        np.exp(Z, out=Z)
        np.add.reduce(Z, axis=0, out=total)
        np.log(total, out=top)
        np.subtract(top, true_logit, out=top)
        loss = float(top.sum()) / m
        np.divide(Z, total, out=Z)
        flat = Z.ravel()
        flat[true_pos] = flat[true_pos] - 1.0
        dW, db = np.dot(Z, X), Z.sum(axis=1)
        np.divide(dW, m, out=dW)
        np.divide(db, m, out=db)
        g = dW.ravel()
        return loss, correct / m, ties, dW, db, math.sqrt(g @ g + db @ db)

    return evaluation


@contextlib.contextmanager
def competitor(active: bool):
    """A CPU-bound process running meanwhile (when ``active``), stopped after."""
    if not active:
        yield
        return
    process = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.2)
        yield
    finally:
        process.kill()
        process.wait()


def evaluation_table(rounds: int) -> None:
    """Ours against torch and the memory floor, per evaluation (issue 17, targets 1 and 2):
    on one thread each (the targets' terms), by wall clock and by this thread's CPU time;
    then, where there are several blocks, ours as it runs by default (its choice of threads
    made) against torch with as many threads as ours may use; at small n, also the least
    inline NumPy can do."""
    from threadpoolctl import threadpool_limits

    print(f"One evaluation (loss + gradient), median of {rounds} rounds (load average "
          f"{os.getloadavg()[0]:.2f}); times in ms; torch float64")
    print(f"{'n':>8} {'d':>4} {'K':>3} {'':>7} | {'ours':>9} {'torch':>9} {'floor':>8} |"
          f" {'ours/torch':>10} {'ours/floor':>10}")

    def row(label, t):
        return (f" {label:>7} | {t['ours'] * 1e3:>9.3f} {t['torch'] * 1e3:>9.3f} {t['floor'] * 1e3:>8.3f} |"
                f" {t['ours'] / t['torch']:>10.2f} {t['ours'] / t['floor']:>10.2f}")

    for n, d, K in EVALUATION_SHAPES:
        X, y, W = problem(n, d, K)
        b = np.zeros(K)
        inner = 200 if n <= 1000 else 1
        single = Objective(X, y, K, threads=1)
        with threadpool_limits(1, user_api="blas"):
            contenders = {"ours": lambda: single.evaluate(W, b), "torch": torch_evaluation_fn(X, y, W, 1),
                          "floor": X.sum}
            print(f"{n:>8} {d:>4} {K:>3}" + row("1", median_rounds(contenders, rounds, inner)))
            print(f"{'':>17}" + row("cpu 1", median_rounds(contenders, rounds, inner, clock=time.thread_time)))
        objective = Objective(X, y, K)
        if objective._choice is not None:
            for _ in range(WARM_UP):
                objective.evaluate(W, b)
            with threadpool_limits(objective.threads, user_api="blas"):
                t = median_rounds({"ours": lambda: objective.evaluate(W, b),
                                   "torch": torch_evaluation_fn(X, y, W, objective.threads), "floor": X.sum},
                                  rounds, inner)
            print(f"{'':>17}" + row(f"max {objective.threads}", t) + f"   (ours chose {objective._choice.chosen})")
        if n <= 1000:
            inline = inline_evaluation_fn(X, y, W)
            reference = single.evaluate(W, b)
            loss, accuracy, _, dW, db, _ = inline()
            assert abs(loss - reference.loss) <= 1e-12 * reference.loss and accuracy == reference.accuracy
            assert np.allclose(dW, reference.dW, rtol=1e-12, atol=1e-15) and np.allclose(db, reference.db,
                                                                                          rtol=1e-12, atol=1e-15)
            t = median_rounds({"ours": lambda: single.evaluate(W, b), "inline": inline,
                               "torch": torch_evaluation_fn(X, y, W, 1)}, rounds, 200, clock=time.thread_time)
            print(f"{'':>17} {'inline':>7} | {t['inline'] * 1e3:>9.3f} {t['torch'] * 1e3:>9.3f} {'':>8} |"
                  f" {t['inline'] / t['torch']:>10.2f}   (ours / inline NumPy: {t['ours'] / t['inline']:.2f})")
    print("targets (one thread): ours/torch <= 0.25 at (1000,2,3) and (100000,2,3); <= 0.5 and ours/floor <= 2.0"
          " at (60000,784,10)\n('cpu 1': this thread's CPU time; 'max N': ours as by default, torch on N threads;"
          " 'inline': the least NumPy calls can do, see inline_evaluation_fn)")


def calls_per_round(fn) -> int:
    """How many calls of ``fn`` take about ``ROUND_SECONDS`` (at least ``ROUND_LEAST``)."""
    start = time.perf_counter()
    fn()
    return max(ROUND_LEAST, math.ceil(ROUND_SECONDS / max(time.perf_counter() - start, 1e-9)))


def threads_table(rounds: int, compete: bool) -> None:
    """The default (chosen by timing, engine/thread_choice.py) against 1 and
    2 threads of ours (target 3): ratios to the best. The default objective is warmed up by
    ``WARM_UP`` evaluations first, as a run's first steps would; its rechecks of the other
    count (4 evaluations after a new choice, then 8, 16, then every 32) stay in its times. On a
    machine of more than two cores the default may use more than 2 threads. Two BLAS threads are timed after the
    others, not among them: OpenBLAS's threads spin for a while after each product, slowing
    whatever runs next. A round times each contender over ``ROUND_SECONDS`` (at least
    ``ROUND_LEAST`` evaluations): the default's choice moves from evaluation to evaluation
    (its rechecks; a sample of its own times that was unlucky), so single evaluations would
    time whichever count it was on in nine moments, and beside a busy process two threads'
    times spread from 0.7x to 1.3x their median."""
    from threadpoolctl import threadpool_limits

    shapes = [(1000, 2, 3), (100_000, 2, 3), (100_000, 10, 3), (20_000, 64, 5), (20_000, 100, 4),
              (20_000, 100, 10), (20_000, 128, 3), (60_000, 784, 10)]
    note = "beside a CPU-bound process" if compete else "alone"
    print(f"\nThreads, {note}: ms per evaluation, median of {rounds} rounds of about {ROUND_SECONDS} s each (load average {os.getloadavg()[0]:.2f});"
          " 'blas 2' is one thread of ours with two BLAS threads")
    print(f"{'n':>8} {'d':>4} {'K':>3} | {'default':>8} {'1':>8} {'2':>8} {'blas 2':>8} | {'default/best':>12}")
    for n, d, K in shapes:
        X, y, W = problem(n, d, K)
        b = np.zeros(K)
        default, one, two = Objective(X, y, K), Objective(X, y, K, threads=1), Objective(X, y, K, threads=2)
        contenders = {"default": lambda: default.evaluate(W, b), "1": lambda: one.evaluate(W, b),
                      "2": lambda: two.evaluate(W, b)}

        def blas_two():
            with threadpool_limits(2, user_api="blas"):
                one._map(lambda block: _block_terms(W, b, *block, one._wide, True), 1)

        with competitor(compete):
            for _ in range(WARM_UP):
                default.evaluate(W, b)
            t = median_rounds(contenders, rounds, calls_per_round(contenders["1"]))
            t["blas 2"] = median_rounds({"blas 2": blas_two}, rounds, calls_per_round(blas_two))["blas 2"]
        best = min(t["1"], t["2"])
        chosen = f"chose {default._choice.chosen}" if default._choice else "one block: 1 thread"
        print(f"{n:>8} {d:>4} {K:>3} | " + " ".join(f"{t[k] * 1e3:>8.3f}" for k in ("default", "1", "2", "blas 2"))
              + f" | {t['default'] / best:>12.2f}  (default: {chosen})")
    print("target: default/best <= 1.05 (best of 1 and 2 threads of ours)")



def variants_table(rounds: int) -> None:
    """GFLOP/s of the wide shape's two products, by variant, one thread (target 1's limit)."""
    from threadpoolctl import threadpool_limits

    n, d, K = 60_000, 784, 10
    X, _, W = problem(n, d, K)
    XF = np.asfortranarray(X)
    G = np.random.default_rng(1).normal(size=(n, K))
    G_k = np.ascontiguousarray(G.T)
    flops = 2 * n * d * K
    print(f"\nThe products at ({n}, {d}, {K}), one thread, GFLOP/s (median of {rounds}); the square product"
          " (2000 x 2000) for scale")
    square = np.random.default_rng(2).normal(size=(2000, 2000))
    with threadpool_limits(1, user_api="blas"):
        whole = {"X W^T": lambda: X @ W.T, "(W X^T)^T": lambda: W @ X.T, "X_F W^T (Fortran X)": lambda: XF @ W.T,
                 "X^T G": lambda: X.T @ G, "G_K X": lambda: G_k @ X, "X_F^T G": lambda: XF.T @ G,
                 "floor X.sum()": X.sum}
        t = median_rounds(whole, rounds)
        t_square = median_rounds({"square": lambda: square @ square}, 3)["square"]
        print(f"{'whole X':>24}: " + "  ".join(f"{k} {flops / v / 1e9:.1f}" for k, v in t.items() if k[0] != "f")
              + f"  (square {2 * 2000**3 / t_square / 1e9:.1f}; floor {t['floor X.sum()'] * 1e3:.1f} ms)")
        for rows in (64, 128, 256, 512, 1024, 2048):
            blocks = [X[start:start + rows] for start in range(0, n - rows + 1, rows)]
            G_b, Z_b = G[:rows], np.empty((rows, K))
            G_bk = np.ascontiguousarray(G_b.T)
            block_flops = 2 * rows * d * K * len(blocks)

            def forward():
                for block in blocks:
                    np.matmul(block, W.T, out=Z_b)

            def backward():
                for block in blocks:
                    block.T @ G_b

            def backward_k():
                for block in blocks:
                    G_bk @ block

            def both():
                for block in blocks:
                    np.matmul(block, W.T, out=Z_b)
                    block.T @ G_b

            t = median_rounds({"X W^T": forward, "X^T G": backward, "G_K X": backward_k, "both": both}, rounds)
            print(f"{f'blocks of {rows} rows':>24}: " + "  ".join(
                f"{k} {(2 if k == 'both' else 1) * block_flops / v / 1e9:.1f}" for k, v in t.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--evaluation", action="store_true", help="the tables of issue 17 instead")
    parser.add_argument("--compete", action="store_true", help="with --evaluation: threads beside a busy process too")
    args = parser.parse_args()
    if args.evaluation:
        rounds = max(args.repeats, 9)
        evaluation_table(rounds)
        threads_table(rounds, compete=False)
        if args.compete:
            threads_table(rounds, compete=True)
        variants_table(rounds)
        return
    step_table(args.repeats)
    layout_table(args.repeats)
    time_to_solution(args.repeats)


if __name__ == "__main__":
    main()
