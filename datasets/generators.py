"""Generated 2-D datasets: seed 003's Gaussian blobs and TensorFlow Playground's four sets.

Every generator takes the number of points ``n``, the number of classes ``k`` where it has
a choice, a noise level in [0, 0.5] and a numpy Generator, and returns ``X`` (n, 2) float64
and ``y`` (n,) int64 in shuffled order. Labels are drawn first, as balanced as n allows
(class sizes differ by at most one); in ``circle`` and ``xor`` noise can then flip labels,
as in the Playground. Apart from gauss's redraws at the frame, the random draws do not
depend on the noise level, so one seed at two noise levels gives the same underlying points
with more or fewer flipped labels or displacements.

The Playground sets (modelled on tensorflow/playground src/dataset.ts) keep every point
inside its frame, the square [-6, 6]^2.

:data:`GENERATED` names the sets, each a :class:`GeneratedSet` (its generator, summary and
defaults); :mod:`.builtin` imports them when a generated set is asked for.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

PLAYGROUND_BOUND = 6.0


def class_sizes(n: int, k: int) -> np.ndarray:
    """Sizes of k classes sharing n points as evenly as possible, larger ones first."""
    return n // k + (np.arange(k) < n % k)


def _labels(n: int, k: int, rng: np.random.Generator) -> np.ndarray:
    return rng.permutation(np.repeat(np.arange(k, dtype=np.int64), class_sizes(n, k)))


def _ring(k: int, radius: float, start: float) -> np.ndarray:
    """k points evenly spaced on a circle, the first at angle ``start``."""
    angle = start + 2 * np.pi * np.arange(k) / k
    return radius * np.column_stack([np.cos(angle), np.sin(angle)])


def blobs(n: int, k: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """One isotropic Gaussian per class, centres evenly on a circle of radius 2.

    The standard deviation is 0.2 + 4 * noise. At the default noise 0.3 (std 1.4) three
    clusters overlap so that a linear classifier is right about 81% of the time, the level
    of seed 003's data (training 0.815, validation 0.805).
    """
    y = _labels(n, k, rng)
    X = _ring(k, 2.0, np.pi / 2)[y] + (0.2 + 4 * noise) * rng.standard_normal((n, 2))
    return X, y


def circle(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """A disc (class 0, radius uniform in [0, 2.5]) inside a ring (class 1, radius in [3.5, 5]).

    As in the Playground, a point is labelled by where it would be after a shift of
    uniform(-5, 5) * noise in each coordinate: inside radius 2.5 or not. The point itself
    does not move, so noise blurs the labels near the rim.
    """
    drawn = _labels(n, 2, rng)
    low, high = np.array([0.0, 3.5]), np.array([2.5, 5.0])
    radius = low[drawn] + (high - low)[drawn] * rng.random(n)
    angle = rng.uniform(0, 2 * np.pi, n)
    X = np.column_stack([radius * np.sin(angle), radius * np.cos(angle)])
    shifted = X + rng.uniform(-5, 5, (n, 2)) * noise
    y = (np.hypot(shifted[:, 0], shifted[:, 1]) >= 2.5).astype(np.int64)
    return X, y


def xor(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Quadrants 1 and 3 (class 0, x1 * x2 >= 0) against quadrants 2 and 4 (class 1).

    Each coordinate has magnitude uniform in [0.3, 5.3] (the Playground's uniform(-5, 5)
    pushed 0.3 away from the axes). The Playground draws a point and labels it; here the
    label comes first and the point is drawn from that label's quadrants, which gives the
    same points per class with exactly balanced classes. Noise relabels each point by the
    sign of x1 * x2 after a shift of uniform(-5, 5) * noise per coordinate.
    """
    drawn = _labels(n, 2, rng)
    magnitude = rng.uniform(0.3, 5.3, (n, 2))
    sign1 = rng.choice(np.array([-1.0, 1.0]), n)
    sign2 = np.where(drawn == 0, sign1, -sign1)
    X = magnitude * np.column_stack([sign1, sign2])
    shifted = X + rng.uniform(-5, 5, (n, 2)) * noise
    y = (shifted[:, 0] * shifted[:, 1] < 0).astype(np.int64)
    return X, y


def gauss(n: int, k: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """k Gaussian clusters, the Playground's two generalised.

    The variance in each coordinate grows linearly from 0.5 at noise 0 to 4 at noise 0.5,
    the Playground's scale. Centres sit evenly on a ring starting at 45 degrees, of radius
    2 / sin(pi / k) (neighbouring centres 4 apart) clamped to [2 * sqrt(2), 4]: two centres
    land on the Playground's (2, 2) and (-2, -2), four on (+-2, +-2), and the ring never
    grows past the frame. A point drawn outside [-6, 6]^2 is drawn again, so each cluster
    is a Gaussian truncated to the frame.
    """
    y = _labels(n, k, rng)
    radius = float(np.clip(2 / np.sin(np.pi / k), 2 * np.sqrt(2), 4.0))
    centres = _ring(k, radius, np.pi / 4)
    std = np.sqrt(0.5 + 7 * noise)
    X = centres[y] + std * rng.standard_normal((n, 2))
    outside = np.flatnonzero(np.abs(X).max(axis=1) > PLAYGROUND_BOUND)
    while outside.size:
        X[outside] = centres[y[outside]] + std * rng.standard_normal((outside.size, 2))
        outside = outside[np.abs(X[outside]).max(axis=1) > PLAYGROUND_BOUND]
    return X, y


def spiral(n: int, k: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """k interleaved spiral arms, the Playground's two generalised.

    A point at fraction u of the way along arm c has radius 5u and angle
    1.75 * 2 * pi * u + 2 * pi * c / k (one and three quarter turns, arms evenly rotated),
    then each coordinate moves by uniform(-1, 1) * noise. The Playground spaces u evenly;
    here u is uniform in [0, 1), so the seed matters even without noise.
    """
    y = _labels(n, k, rng)
    u = rng.random(n)
    radius = 5 * u
    angle = 3.5 * np.pi * u + 2 * np.pi * y / k
    X = np.column_stack([radius * np.sin(angle), radius * np.cos(angle)])
    X += rng.uniform(-1, 1, (n, 2)) * noise
    return X, y


@dataclass(frozen=True)
class GeneratedSet:
    """A generated set: its one-line summary, its generator make(n, k, noise, rng), the
    names of its k classes, and its defaults (classes fixed at 2 unless adjustable)."""

    summary: str
    make: Callable[[int, int, float, np.random.Generator], tuple[np.ndarray, np.ndarray]]
    class_names: Callable[[int], tuple[str, ...]]
    samples: int
    noise: float
    classes: int = 2
    classes_adjustable: bool = True


def _numbered(word: str) -> Callable[[int], tuple[str, ...]]:
    return lambda k: tuple(f"{word} {i}" for i in range(k))


#: The generated sets by name, as the built-ins list them.
GENERATED = {
    "blobs": GeneratedSet(
        "Gaussian blobs in 2-D, one per class, overlapping: a linear model gets about 80%",
        blobs, _numbered("blob"), samples=1000, noise=0.3, classes=3,
    ),
    "circle": GeneratedSet(
        "a disc inside a ring (TensorFlow Playground): try features x1^2,x2^2",
        lambda n, k, noise, rng: circle(n, noise, rng),
        lambda k: ("inside", "outside"), samples=500, noise=0.0, classes_adjustable=False,
    ),
    "xor": GeneratedSet(
        "four quadrants, opposite ones alike (TensorFlow Playground): try feature x1*x2",
        lambda n, k, noise, rng: xor(n, noise, rng),
        lambda k: ("same sign", "opposite sign"), samples=500, noise=0.0,
        classes_adjustable=False,
    ),
    "gauss": GeneratedSet(
        "Gaussian clusters, two by default (TensorFlow Playground)",
        gauss, _numbered("cluster"), samples=500, noise=0.0,
    ),
    "spiral": GeneratedSet(
        "interleaved spiral arms, two by default (TensorFlow Playground)",
        spiral, _numbered("arm"), samples=500, noise=0.0,
    ),
}  # fmt: skip
