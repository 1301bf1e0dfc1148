"""The built-in datasets by name, and ``load_dataset``, which also opens CSV paths."""

from __future__ import annotations

import os
from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np

from .table import TableOptions, is_table_path, load_table
from .dataset import Dataset, DatasetError

if TYPE_CHECKING:
    from .generators import GeneratedSet

MAX_CLASSES = 10  # the dashboard's palette has ten colours
#: The most points a generated set may have: 10 million take 240 MB (two float64 features
#: and an int64 label each) before training copies them.
MAX_SAMPLES = 10_000_000

# Seed 000's points and labels, exactly as printed there (0 red, 1 green, 2 blue).
_RGB20_X = (
    (-0.1, 1.4), (-0.5, 0.2), (1.3, 0.9), (-0.6, 0.4), (-1.6, 0.2),
    (0.2, 0.2), (-0.3, -0.4), (0.7, -0.8), (1.1, -1.5), (-1.0, 0.9),
    (-0.5, 1.5), (-1.3, -0.4), (-1.4, -1.2), (-0.9, -0.7), (0.4, -1.3),
    (-0.4, 0.6), (0.3, -0.5), (-1.6, -0.7), (-0.5, -1.4), (-1.0, -1.4),
)  # fmt: skip
_RGB20_Y = (0, 0, 1, 0, 2, 1, 1, 1, 1, 0, 0, 2, 2, 2, 1, 0, 1, 2, 2, 2)

_FIXED_SUMMARIES = {
    "rgb20": "20 red, green and blue points in 2-D: the softmax tutorial's first example",
    "iris": "Fisher's iris: 150 flowers, 4 measurements (cm), 3 species",
    "wine": "UCI wine: 178 wines, 13 chemical measurements, 3 cultivars",
    "digits": "UCI handwritten digits: 1797 images of 8x8 pixels (0-16), 10 digits",
}
#: The fixed sets read from the package's data folder (CSV, the class column last), and the
#: images their rows are (height, width), if they are. Sources, all CC BY 4.0:
#: iris: R. A. Fisher (1936), UCI Machine Learning Repository, doi:10.24432/C56C76.
#: wine: M. Forina et al. (1991), UCI Machine Learning Repository, doi:10.24432/C5PC7J.
#: digits: E. Alpaydin, C. Kaynak (1998), "Optical Recognition of Handwritten Digits", UCI
#: Machine Learning Repository, doi:10.24432/C50P49 (its 1797-image test set, as scikit-learn
#: bundles it as load_digits).
_FILES: dict[str, tuple[str, tuple[int, int] | None]] = {
    "iris": ("iris.csv", None),
    "wine": ("wine.csv", None),
    "digits": ("digits.csv", (8, 8)),
}


def _generated() -> dict[str, GeneratedSet]:
    """The generated sets by name (:data:`.generators.GENERATED`), imported on first use: a
    run on a fixed set needs neither them nor their dataclass (6 of the 484 million
    instructions of a plain headless start, callgrind)."""
    from .generators import GENERATED

    return GENERATED


def generated_set(name: str) -> GeneratedSet | None:
    """The generator behind built-in ``name`` with its defaults (samples, classes, noise),
    or None when ``name`` is a fixed set (rgb20, iris, wine, digits) or not a built-in (a file)."""
    return _generated().get(name)


def fixed_feature_count(name: str) -> int:
    """How many features fixed set ``name`` has, read from its file's header line (not the
    whole file). A KeyError for a name that is not a fixed set."""
    if name == "rgb20":
        return len(_RGB20_X[0])
    from importlib.resources import files  # only for the shipped files: importlib.resources costs every start 4 ms

    with (files("softmax_tui.datasets") / "data" / _FILES[name][0]).open() as f:
        return f.readline().count(",")  # the columns but the class's


def is_builtin(name: str) -> bool:
    """True when ``name`` is a built-in dataset's (fixed or generated)."""
    return name in _FIXED_SUMMARIES or name in _generated()


def list_datasets() -> list[tuple[str, str]]:
    """(name, one-line description) of every built-in dataset."""
    generated = [(name, g.summary) for name, g in _generated().items()]
    return [*_FIXED_SUMMARIES.items(), *generated]


def load_dataset(
    spec: str,
    *,
    samples: int | None = None,
    classes: int | None = None,
    noise: float | None = None,
    seed: int = 0,
    table: TableOptions = TableOptions(),
) -> Dataset:
    """A built-in dataset by name, or a data file when ``spec`` looks like a path.

    A path is anything containing a path separator or ending in a data file's extension
    (.csv, .tsv, .parquet, .feather, ...). ``samples``, ``classes`` and ``noise`` apply to
    generated sets only (None: the set's default), ``table`` to files only; ``seed`` fixes a
    generated set's points.
    """
    if is_table_path(spec):
        _refuse(f"a data file ({spec})", samples=samples, classes=classes, noise=noise)
        return load_table(spec, table)
    if table != TableOptions():
        raise DatasetError(f"--target, --delimiter, --no-header, --drop-missing and "
                           f"--categorical-target apply to data files only, not to the built-in {spec!r}")
    if spec in _FIXED_SUMMARIES:
        _refuse(f"{spec} (a fixed dataset)", samples=samples, classes=classes, noise=noise)
        return _rgb20() if spec == "rgb20" else _packaged(spec)
    if spec in _generated():
        return _generate(spec, samples, classes, noise, seed)
    hint = f" (for the file {spec!r}, write ./{spec})" if os.path.exists(spec) else ""
    raise DatasetError(
        f"unknown dataset {spec!r}; choose one of {', '.join((*_FIXED_SUMMARIES, *_generated()))}, "
        f"or give a path to a data file{hint}"
    )


def _refuse(what: str, **flags: object) -> None:
    for flag, value in flags.items():
        if value is not None:
            raise DatasetError(f"--{flag} does not apply to {what}")


def _rgb20() -> Dataset:
    return Dataset(
        name="rgb20",
        X=np.array(_RGB20_X, dtype=np.float64),
        y=np.array(_RGB20_Y, dtype=np.int64),
        feature_names=("x1", "x2"),
        class_names=("red", "green", "blue"),
        description=_FIXED_SUMMARIES["rgb20"],
    )


def _packaged(name: str) -> Dataset:
    """A fixed set shipped in the package (:data:`_FILES`)."""
    from importlib.resources import as_file, files

    filename, image_shape = _FILES[name]
    with as_file(files("softmax_tui.datasets") / "data" / filename) as path:
        dataset = load_table(path)
    return replace(dataset, name=name, description=_FIXED_SUMMARIES[name], image_shape=image_shape)


def _generate(
    name: str, samples: int | None, classes: int | None, noise: float | None, seed: int
) -> Dataset:
    spec = _generated()[name]
    if classes is not None and not spec.classes_adjustable:
        raise DatasetError(f"--classes does not apply to {name} (always {spec.classes} classes)")
    k = spec.classes if classes is None else classes
    n = spec.samples if samples is None else samples
    level = spec.noise if noise is None else noise
    if not 2 <= k <= MAX_CLASSES:
        raise DatasetError(f"--classes must be between 2 and {MAX_CLASSES}, got {k}")
    if n > MAX_SAMPLES:
        raise DatasetError(f"--samples must be at most {MAX_SAMPLES}, got {n}")
    if n < max(2, k):
        raise DatasetError(f"--samples must be at least {max(2, k)} for {k} classes, got {n}")
    if not 0 <= level <= 0.5:
        raise DatasetError(f"--noise must be between 0 and 0.5, got {level}")

    X, y = spec.make(n, k, level, np.random.default_rng(seed))
    return Dataset(
        name=name,
        X=X,
        y=y,
        feature_names=("x1", "x2"),
        class_names=spec.class_names(k),
        description=f"{spec.summary}; {n} points, {k} classes, noise {level:g}, seed {seed}",
    )
