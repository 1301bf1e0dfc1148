"""From raw columns to model features: TensorFlow Playground's transforms, then standardization."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .dataset import DatasetError

# The Playground's input features for 2-D data, as functions of the raw columns (x1, x2).
_TRANSFORMS: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {
    "x1": lambda x1, x2: x1,
    "x2": lambda x1, x2: x2,
    "x1^2": lambda x1, x2: x1 * x1,
    "x2^2": lambda x1, x2: x2 * x2,
    "x1*x2": lambda x1, x2: x1 * x2,
    "sin(x1)": lambda x1, x2: np.sin(x1),
    "sin(x2)": lambda x1, x2: np.sin(x2),
}
FEATURE_TRANSFORMS: tuple[str, ...] = tuple(_TRANSFORMS)
_AFFINE = ("x1", "x2")


def parse_features(text: str) -> tuple[str, ...]:
    """Feature names from a comma-separated list such as "x1,x2,x1^2"."""
    return _checked(tuple(part.strip() for part in text.split(",")))


def _checked(features: Sequence[str]) -> tuple[str, ...]:
    features = tuple(features)
    valid = ", ".join(FEATURE_TRANSFORMS)
    if not features:
        raise DatasetError(f"no features selected; choose from {valid}")
    for i, name in enumerate(features):
        if not name:
            raise DatasetError(f"empty feature name in the feature list; choose from {valid}")
        if name not in _TRANSFORMS:
            raise DatasetError(f"unknown feature {name!r}; choose from {valid}")
        if name in features[:i]:
            raise DatasetError(f"feature {name!r} is listed twice")
    return features


def _named(feature: str, raw_names: Sequence[str]) -> str:
    """A transform's name written with the dataset's own column names ("x1*x2" -> "a*b")."""
    return re.sub(r"x[12]", lambda m: raw_names[int(m.group()[1]) - 1], feature)


@dataclass(frozen=True, eq=False)
class Pipeline:
    """Raw columns -> model features: optional Playground transforms, then (x - mean) / scale.

    ``features`` None is the identity on the raw columns; otherwise it names transforms of
    the two raw columns of 2-D data. ``mean`` and ``scale`` are fitted on the training split
    (zeros and ones when not standardizing), so a model's W, b act on ``transform(X_raw)``.
    """

    features: tuple[str, ...] | None
    mean: np.ndarray
    scale: np.ndarray
    feature_names: tuple[str, ...]

    @classmethod
    def fit(
        cls,
        X_raw: np.ndarray,
        raw_feature_names: Sequence[str],
        features: Sequence[str] | None = None,
        standardize: bool = True,
    ) -> Pipeline:
        """Fit on training rows; a column whose values are all equal gets scale 1."""
        X_raw = np.asarray(X_raw, dtype=np.float64)
        if features is None:
            names = tuple(raw_feature_names)
        else:
            features = _checked(features)
            if X_raw.shape[1] != 2:
                raise DatasetError(
                    f"feature transforms ({','.join(features)}) need 2-D data; "
                    f"this dataset has {X_raw.shape[1]} features"
                )
            names = tuple(_named(f, raw_feature_names) for f in features)
        with np.errstate(over="ignore", invalid="ignore"):
            Z = _expand(features, X_raw)
        if not np.isfinite(Z).all():
            j = int(np.flatnonzero(~np.isfinite(Z).all(axis=0))[0])
            raise DatasetError(f"feature {names[j]!r} overflows on this data (values up to "
                               f"{np.abs(X_raw).max():.3g}); choose other --features")
        if standardize:
            mean, scale = _mean_and_scale(Z)
        else:
            mean, scale = np.zeros(Z.shape[1]), np.ones(Z.shape[1])
        return cls(features=features, mean=mean, scale=scale, feature_names=names)

    @property
    def n_raw_features(self) -> int:
        """Raw columns per row that ``transform`` reads: all of them, or the two of 2-D data."""
        return len(self.mean) if self.features is None else 2

    @property
    def is_affine(self) -> bool:
        """True when raw -> model is affine: no squares, products or sines."""
        return self.features is None or all(f in _AFFINE for f in self.features)

    def transform(self, X_raw: np.ndarray) -> np.ndarray:
        """(m, d0) raw rows -> (m, d) model features, float64 and C-contiguous.

        Rows of the wrong width are a DatasetError: a saved pipeline applied to other data.
        """
        X_raw = np.asarray(X_raw, dtype=np.float64)
        if X_raw.ndim != 2:
            raise ValueError(f"X_raw must be 2-D, got shape {X_raw.shape}")
        if X_raw.shape[1] != self.n_raw_features:
            raise DatasetError(
                f"the preprocessing expects {self.n_raw_features} raw features per row, "
                f"the data has {X_raw.shape[1]}"
            )
        Z = _expand(self.features, X_raw)
        with np.errstate(over="ignore", invalid="ignore"):
            out = (Z - self.mean) / self.scale
            if not np.isfinite(out).all():  # x - mean overflowed (both near the float limit)
                out = np.where(np.isfinite(out), out, Z / self.scale - self.mean / self.scale)
        return np.ascontiguousarray(out)

    def inverse_transform(self, X: np.ndarray) -> np.ndarray:
        """(m, d) model features -> (m, d) raw rows: ``x * scale + mean``, the inverse of
        :meth:`transform` for a pipeline without feature transforms (a square or a sine
        cannot be undone: ValueError). Exact up to rounding."""
        if self.features is not None:
            raise ValueError(f"feature transforms ({','.join(self.features)}) cannot be inverted")
        X = np.asarray(X, dtype=np.float64)
        return X * self.scale + self.mean

    @property
    def standardizes(self) -> bool:
        """True when features are shifted or scaled (False for ``standardize=False``)."""
        return bool(self.mean.any() or (self.scale != 1).any())

    @property
    def is_identity(self) -> bool:
        """True when the model's input is the raw row itself: no transforms, no standardization."""
        return self.features is None and not self.standardizes

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able description; floats survive JSON exactly (repr round-trips)."""
        return {
            "features": None if self.features is None else list(self.features),
            "mean": self.mean.tolist(),
            "scale": self.scale.tolist(),
            "feature_names": list(self.feature_names),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Pipeline:
        """Rebuild from ``to_dict``'s output; an inconsistent description is a DatasetError."""
        try:
            features = None if d["features"] is None else _checked(d["features"])
            mean = np.array(d["mean"], dtype=np.float64)
            scale = np.array(d["scale"], dtype=np.float64)
            names = tuple(str(name) for name in d["feature_names"])
        except (KeyError, TypeError, ValueError) as e:
            raise DatasetError(f"invalid pipeline description: {e!r}") from None
        sizes = {mean.shape, scale.shape, (len(names),)}
        if features is not None:
            sizes.add((len(features),))
        if len(sizes) != 1 or mean.ndim != 1:
            raise DatasetError(
                "invalid pipeline description: features, mean, scale and feature_names "
                "must have the same length"
            )
        if not (np.isfinite(mean).all() and np.isfinite(scale).all() and (scale > 0).all()):
            raise DatasetError(
                "invalid pipeline description: mean and scale must be finite, scale positive"
            )
        return cls(features=features, mean=mean, scale=scale, feature_names=names)


#: Column magnitudes whose squared deviations neither overflow nor sink into subnormals, so
#: NumPy's own mean and std are used as they are; other columns are first divided by their
#: largest magnitude (near 1e300 the squares would overflow to an infinite scale, near
#: 1e-300 they would underflow to a zero scale).
_PLAIN_MAGNITUDES = (1e-100, 1e100)


def _mean_and_scale(Z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Column means and population standard deviations, finite for any finite data; a column
    indistinguishable from a constant gets scale 1.

    The constant test is scikit-learn's (``StandardScaler``, ``_is_constant_feature``): the
    variance is below the rounding error bound of the two-pass algorithm (Chan, Golub and
    LeVeque, "Algorithms for computing the sample variance", 1983),
    var <= n*eps*var + (n*mean*eps)^2, checked on the column divided by its largest magnitude
    (the test is homogeneous, and so safe from overflow at any magnitude).
    """
    n = Z.shape[0]
    eps = np.finfo(np.float64).eps
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):
        mean, std = Z.mean(axis=0), Z.std(axis=0)
        peak = np.abs(Z).max(axis=0)
        low, high = _PLAIN_MAGNITUDES
        for j in np.flatnonzero((peak > 0) & ((peak < low) | (peak > high))):
            column = Z[:, j] / peak[j]
            mean[j], std[j] = peak[j] * column.mean(), peak[j] * column.std()
        unit = np.where(peak > 0, peak, 1.0)
        var, m = (std / unit) ** 2, mean / unit
        constant = var <= n * eps * var + (n * m * eps) ** 2
    return mean, np.where(constant, 1.0, std)


def _expand(features: tuple[str, ...] | None, X_raw: np.ndarray) -> np.ndarray:
    if features is None:
        return X_raw
    x1, x2 = X_raw[:, 0], X_raw[:, 1]
    return np.column_stack([_TRANSFORMS[f](x1, x2) for f in features])
