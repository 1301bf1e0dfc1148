"""Model files: W, b, class and feature names, preprocessing and configuration, as JSON.

Writes are atomic (a temporary file in the same folder, flushed to disk, then renamed over
the target), so a crash or a failing disk never leaves half a file or spoils an old one.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass

import numpy as np

from softmax_tui.datasets import Pipeline

from .errors import UserError

FORMAT = "softmax-tui-model"


@dataclass(frozen=True)
class SavedModel:
    W: np.ndarray  # (K, d), acting on pipeline.transform(raw features)
    b: np.ndarray  # (K,)
    classes: tuple[str, ...]
    features: tuple[str, ...]  # the model's input features, after the pipeline
    pipeline: Pipeline
    config: dict


def write_json_atomically(path: str, payload: dict) -> None:
    """Write ``payload`` to ``path`` all at once or not at all; a failure is a UserError."""
    folder = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(prefix=".softmax-tui-", suffix=".tmp", dir=folder)
    except OSError as e:
        raise UserError(f"{path}: cannot write there ({e.strerror})") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(payload, f, indent=1)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as e:
        os.unlink(tmp)
        raise UserError(f"{path}: could not be written ({e.strerror}); any previous file is unchanged") from None


def save_model(path: str, model: SavedModel) -> None:
    write_json_atomically(path, {
        "format": FORMAT,
        "W": model.W.tolist(),
        "b": model.b.tolist(),
        "classes": list(model.classes),
        "features": list(model.features),
        "preprocessing": model.pipeline.to_dict(),
        "config": model.config,
    })


def load_model(path: str) -> SavedModel:
    """Read a model file; anything unreadable or malformed is a one-line UserError."""
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except FileNotFoundError:
        raise UserError(f"{path}: no such model file") from None
    except IsADirectoryError:
        raise UserError(f"{path}: is a directory, not a model file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise UserError(f"{path}: cannot read the model file ({e})") from None
    except json.JSONDecodeError as e:
        raise UserError(f"{path}: not a model file (invalid JSON at line {e.lineno}, column {e.colno})") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise UserError(f"{path}: not a softmax-tui model file (written by --save-model)")
    try:
        W = np.array(data["W"], dtype=np.float64)
        b = np.array(data["b"], dtype=np.float64)
        classes = tuple(str(c) for c in data["classes"])
        features = tuple(str(f) for f in data["features"])
        pipeline = Pipeline.from_dict(data["preprocessing"])
        config = dict(data.get("config") or {})
    except (KeyError, TypeError, ValueError) as e:
        raise UserError(f"{path}: malformed model file ({type(e).__name__}: {e})") from None
    K, d = len(classes), len(features)
    if W.shape != (K, d) or b.shape != (K,) or not (np.isfinite(W).all() and np.isfinite(b).all()):
        raise UserError(f"{path}: malformed model file (W must be {K}x{d} and b must have {K} finite entries)")
    return SavedModel(W, b, classes, features, pipeline, config)
