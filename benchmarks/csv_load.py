"""How fast, and in how much memory, load_table reads a CSV, next to its peers in one run.

    .venv/bin/pip install -e '.[bench]'       # pandas and polars, the peers
    .venv/bin/python benchmarks/csv_load.py          # both files below
    .venv/bin/python benchmarks/csv_load.py 200000   # a smaller float file

Files: "floats", N x 10 random floats (%.10g) and a string label (3 classes), 1,000,000 rows
by default; "mnist", 60,000 x 785 integers 0-255 with the label first, MNIST's CSV shape.
Every loader ends with what training needs, a float64 feature matrix and the labels:
ours (load_table: typed, checked, labels coded), pandas (C parser) and polars read_csv
then to_numpy, pyarrow.csv.read_csv then to_numpy per column, and numpy.loadtxt on the
feature columns only. Each runs in a fresh process: the best time of 3, and its peak RSS
above the RSS after its imports (the peak is reset first, through /proc/self/clear_refs),
against the size of the final arrays.
"""

import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

LOADERS = ("ours", "pandas", "polars", "pyarrow", "numpy.loadtxt")

_CHILD = r"""
import json, sys, time
import numpy as np
loader, path, target = sys.argv[1], sys.argv[2], sys.argv[3]

def features_and_labels(columns, names):
    X = np.column_stack([columns[n] for n in names if n != target]).astype(np.float64)
    return X, np.asarray(columns[target])

if loader == "ours":
    from softmax_tui.datasets import TableOptions, load_table
    import pyarrow.csv, pyarrow.compute  # imported on first use: not part of the peak
    def load():
        ds = load_table(path, TableOptions(target=target))
        return ds.X, ds.y
elif loader == "pandas":
    import pandas as pd
    def load():
        df = pd.read_csv(path)
        return df.drop(columns=target).to_numpy(np.float64), df[target].to_numpy()
elif loader == "polars":
    import polars as pl
    def load():
        df = pl.read_csv(path)
        return df.drop(target).to_numpy().astype(np.float64, copy=False), df[target].to_numpy()
elif loader == "pyarrow":
    from pyarrow import csv
    def load():
        table = csv.read_csv(path)
        names = [n for n in table.column_names if n != target]
        X = np.empty((table.num_rows, len(names)))
        for j, n in enumerate(names):
            X[:, j] = table[n].to_numpy()
        return X, table[target].to_numpy()
else:
    def load():
        with open(path) as f:
            names = f.readline().strip().split(",")
        columns = [j for j, n in enumerate(names) if n != target]
        return np.loadtxt(path, delimiter=",", skiprows=1, usecols=columns, ndmin=2), None

def rss(field):
    with open("/proc/self/status") as f:
        return next(int(l.split()[1]) for l in f if l.startswith(field)) * 1024

with open("/proc/self/clear_refs", "w") as f:
    f.write("5")
base = rss("VmRSS:")
start = time.perf_counter()
X, y = load()
times = [time.perf_counter() - start]
peak = rss("VmHWM:") - base
size = X.nbytes + (0 if y is None else y.nbytes)
del X, y
for _ in range(2):
    start = time.perf_counter()
    load()
    times.append(time.perf_counter() - start)
print(json.dumps({"seconds": min(times), "peak": peak, "arrays": size}))
"""


def write_floats(path: Path, rows: int) -> None:
    rng = np.random.default_rng(0)
    labels = np.array(["setosa", "versicolor", "virginica"])
    with open(path, "w", encoding="utf-8") as f:
        f.write(",".join(f"f{j}" for j in range(10)) + ",species\n")
        for start in range(0, rows, 100_000):
            block = rng.standard_normal((min(100_000, rows - start), 10))
            names = labels[rng.integers(0, 3, len(block))]
            cells = np.char.mod("%.10g", block)
            f.write("".join(",".join(row) + f",{name}\n" for row, name in zip(cells, names)))


def write_mnist(path: Path, rows: int = 60_000) -> None:
    rng = np.random.default_rng(0)
    with open(path, "w", encoding="utf-8") as f:
        f.write("label," + ",".join(f"pixel{j}" for j in range(784)) + "\n")
        for start in range(0, rows, 10_000):
            block = rng.integers(0, 256, (min(10_000, rows - start), 785))
            block[:, 0] %= 10
            f.write("".join(",".join(map(str, row)) + "\n" for row in block.tolist()))


def measure(loader: str, path: Path, target: str) -> dict | None:
    done = subprocess.run([sys.executable, "-c", _CHILD, loader, str(path), target],
                          capture_output=True, text=True)
    if done.returncode != 0:
        print(f"  {loader}: failed: {done.stderr.strip().splitlines()[-1]}")
        return None
    return json.loads(done.stdout)


def main(rows: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        files = [("floats", Path(tmp) / "floats.csv", "species", write_floats, rows),
                 ("mnist", Path(tmp) / "mnist.csv", "label", write_mnist, 60_000)]
        for label, path, target, write, n in files:
            write(path, n)
            print(f"\n{label}: {path.stat().st_size / 1e6:.0f} MB of text, {n:,} rows")
            print(f"  {'loader':<14} {'seconds':>8} {'vs best peer':>13} {'peak MB':>8} {'peak / arrays':>14}")
            results = {name: measure(name, path, target) for name in LOADERS}
            peers = [results[p]["seconds"] for p in ("pandas", "polars", "pyarrow") if results[p]]
            for name, r in results.items():
                if r:
                    print(f"  {name:<14} {r['seconds']:>8.3f} {r['seconds'] / min(peers):>12.2f}x "
                          f"{r['peak'] / 1e6:>8.0f} {r['peak'] / r['arrays']:>13.2f}x")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
