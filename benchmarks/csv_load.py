"""How fast load_csv reads a CSV, next to two peers on the same file. Run by hand:

    .venv/bin/python benchmarks/csv_load.py              # 10k, 100k and 1M rows
    .venv/bin/python benchmarks/csv_load.py 2000000      # other row counts

Each file has 10 float feature columns and a string label column (3 classes). Peers:
numpy.loadtxt on the feature columns alone (no labels, no checks), and the csv module
turning every feature cell into a float. A last line times the error path: the last
file with a bad cell on its last line, which load_csv finds by its row-by-row scan.
"""

import csv
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from softmax_tui.datasets import DatasetError, load_csv

from common import best_time  # benchmarks/common.py (this script's folder is on sys.path)

FEATURES = 10


def write_table(path: Path, rows: int) -> None:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((rows, FEATURES))
    labels = np.array(["setosa", "versicolor", "virginica"])[rng.integers(0, 3, rows)]
    with open(path, "w", encoding="utf-8") as f:
        f.write(",".join(f"f{j}" for j in range(FEATURES)) + ",species\n")
        for start in range(0, rows, 100_000):
            block = X[start : start + 100_000]
            cells = np.char.mod("%.10g", block)
            names = labels[start : start + 100_000]
            f.write("".join(",".join(row) + f",{name}\n" for row, name in zip(cells, names)))


def csv_module(path: Path) -> list[list[float]]:
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        next(reader)
        return [[float(cell) for cell in row[:FEATURES]] for row in reader]


def main(row_counts: list[int]) -> None:
    print(f"{'rows':>10} {'cols':>5} {'load_csv s':>11} {'rows/s':>11}", end="")
    print(f" {'np.loadtxt s':>13} {'csv module s':>13}")
    with tempfile.TemporaryDirectory() as tmp:
        for rows in row_counts:
            path = Path(tmp) / f"table_{rows}.csv"
            write_table(path, rows)
            ours = best_time(lambda: load_csv(path))
            columns = range(FEATURES)
            loadtxt = best_time(lambda: np.loadtxt(path, delimiter=",", skiprows=1, usecols=columns))
            module = best_time(lambda: csv_module(path))
            print(f"{rows:>10} {FEATURES:>5} {ours:>11.2f} {rows / ours:>11,.0f}", end="")
            print(f" {loadtxt:>13.2f} {module:>13.2f}")

        with open(path, "a", encoding="utf-8") as f:
            f.write("1," * FEATURES + "\n")  # an empty label on the last line
        start = time.perf_counter()
        try:
            load_csv(path)
        except DatasetError as e:
            elapsed = time.perf_counter() - start
            print(f"\nerror on line {rows + 2} (the last) found in {elapsed:.2f} s: {e}")


if __name__ == "__main__":
    main([int(arg) for arg in sys.argv[1:]] or [10_000, 100_000, 1_000_000])
