"""Engine speed, measured side by side in one run (run by hand: python benchmarks/engine.py).

For one full-batch gradient-descent step at several (n, d, K) it times:
  ours      Trainer.step() with the gd optimizer (forward, backward, update, evaluation)
  naive     a per-sample loop that builds each sample's Jacobian and chains it, as seed 000 does
  torch     PyTorch CPU autograd in float64 (when torch is installed)
  floor     one pass reading X (X.sum()): the memory floor
and prints the ratios the budgets are stated in:
  naive/ours >= 50 at n = 1000;  ours/torch <= 0.5 at (100000, 2, 3) and (60000, 784, 10);
  ours/floor <= 6 at (60000, 784, 10).
Then the logits layout (K-major K x n, as the engine keeps them, against n x K), and
time-to-objective against scikit-learn's lbfgs on iris and blobs (reported, no target).
Times are the best of several repeats; the machine is shared, so read ratios, not seconds.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from softmax_tui.engine import Optimizer, SoftmaxRegression, Trainer, softmax

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


def time_to_objective() -> None:
    """Seconds until each optimizer's objective is within 1e-6 (relative) of lbfgs's optimum."""
    from sklearn.linear_model import LogisticRegression

    from softmax_tui.datasets import load_dataset, prepare

    print("\nTime to objective (within 1e-6 relative of the optimum), l2 = 0.01, standardized features")
    print(f"{'dataset':>8} {'solver':>10} | {'seconds':>8} {'steps':>7} {'objective':>16}")
    l2 = 0.01
    for name in ("iris", "blobs"):
        prep = prepare(load_dataset(name))
        X, y = prep.X_train, prep.y_train
        n = len(X)
        start = time.perf_counter()
        ref = LogisticRegression(C=1 / (l2 * n), solver="lbfgs", tol=1e-10, max_iter=10_000).fit(X, y)
        sk_seconds = time.perf_counter() - start
        f_star = SoftmaxRegression(ref.coef_, ref.intercept_).loss(X, y, l2)
        print(f"{name:>8} {'lbfgs':>10} | {sk_seconds:>8.4f} {ref.n_iter_[0]:>7} {f_star:>16.12f}")
        for opt, lr in (("gd", 1.0), ("momentum", 0.5), ("nesterov", 0.5), ("adam", 0.05)):
            trainer = Trainer(SoftmaxRegression.initialized(X.shape[1], int(y.max()) + 1, "zeros"),
                              Optimizer(opt), X, y, lr=lr, l2=l2, tol=0)
            start = time.perf_counter()
            while trainer.snapshot.loss > f_star * (1 + 1e-6) and trainer.snapshot.step < 100_000:
                trainer.advance(10)
            seconds = time.perf_counter() - start
            print(f"{name:>8} {opt:>10} | {seconds:>8.4f} {trainer.snapshot.step:>7} {trainer.snapshot.loss:>16.12f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    step_table(args.repeats)
    layout_table(args.repeats)
    time_to_objective()


if __name__ == "__main__":
    main()
